//! What several targets share: the size vocabulary (size or aspect ratio → what a target takes),
//! the avoid list as a negative prompt, target options, the target limits table.
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::brief::Brief;
use crate::diagnostic::Diagnostic;
use crate::size::{Size, parse_ratio};
use crate::suggest::{did_you_mean, one_of};

/// `data/targets.json`: limits of the non-OpenAI targets, as shipped. Override them with
/// `--target-limits FILE` (merged over these).
pub fn builtin_limits() -> &'static Value {
    static DATA: OnceLock<Value> = OnceLock::new();
    DATA.get_or_init(|| {
        serde_json::from_str(include_str!("../../data/targets.json"))
            .expect("data/targets.json is JSON")
    })
}

/// Strings of a JSON list in the limits.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The ratio the brief asks for (`aspect_ratio`, else `size`), with how it was written.
/// `auto` or nothing means square.
pub fn requested_ratio(brief: &Brief) -> Result<(f64, String), Diagnostic> {
    let out = &brief.output;
    if let Some(r) = &out.aspect_ratio {
        let ratio = parse_ratio(r).ok_or_else(|| {
            Diagnostic::error("invalid-value", format!("`{r}` is not an aspect ratio"))
                .with_path("output.aspect_ratio")
                .with_help("write it as `WIDTH:HEIGHT`, e.g. `9:16`")
        })?;
        return Ok((ratio, r.clone()));
    }
    match out.size.as_deref() {
        None | Some("auto") => Ok((1.0, String::from("1:1"))),
        Some(s) => {
            let size = Size::parse(s).ok_or_else(|| {
                Diagnostic::error("invalid-value", format!("`{s}` is not a size"))
                    .with_path("output.size")
            })?;
            Ok((size.ratio(), s.to_string()))
        }
    }
}

/// The listed ratio closest to `ratio` (in log space), and whether it differs by more than 1%.
pub fn nearest_ratio(ratio: f64, allowed: &[String]) -> (String, bool) {
    let best = allowed
        .iter()
        .filter_map(|a| parse_ratio(a).map(|r| (a, r)))
        .min_by(|a, b| {
            (a.1.ln() - ratio.ln())
                .abs()
                .total_cmp(&(b.1.ln() - ratio.ln()).abs())
        })
        .map(|(a, r)| (a.clone(), (r - ratio).abs() / ratio > 0.01));
    best.unwrap_or_else(|| (String::from("1:1"), true))
}

/// A warning that the size vocabulary had to change what the brief asked for.
pub fn size_changed(target: &str, asked: &str, got: &str) -> Diagnostic {
    Diagnostic::warning(
        "size-mapped",
        format!("{target} has no {asked}: using {got}, the closest it accepts"),
    )
    .with_path(if asked.contains(':') {
        "output.aspect_ratio"
    } else {
        "output.size"
    })
}

/// The avoid list as one negative prompt.
pub fn negative_prompt(brief: &Brief) -> Option<String> {
    let items: Vec<&str> = brief
        .avoid
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .collect();
    (!items.is_empty()).then(|| items.join(", "))
}

/// The brief's options for `target` (`targets.<name>`), checked against the known keys.
pub fn options(
    brief: &Brief,
    target: &str,
    known: &[&str],
) -> Result<Map<String, Value>, Vec<Diagnostic>> {
    let opts = match brief.targets.get(target) {
        None => return Ok(Map::new()),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(vec![
                Diagnostic::error(
                    "wrong-type",
                    format!("`targets.{target}` must be an object"),
                )
                .with_path(format!("targets.{target}")),
            ]);
        }
    };
    let errors: Vec<Diagnostic> = opts
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| {
            Diagnostic::error("unknown-field", format!("unknown {target} option `{k}`"))
                .with_path(format!("targets.{target}.{k}"))
                .with_label(match did_you_mean(k, known.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => String::from("unknown option"),
                })
                .with_help(format!("{target} options: {}", one_of(known)))
        })
        .collect();
    if errors.is_empty() {
        Ok(opts)
    } else {
        Err(errors)
    }
}

/// Warnings for output settings a target cannot honour. (`quality` is not among them: presets
/// set it by default, and a warning the user did not cause is noise.)
pub fn unsupported(brief: &Brief, target: &str, fields: &[&str]) -> Vec<Diagnostic> {
    let out = serde_json::to_value(&brief.output).unwrap_or_default();
    fields
        .iter()
        .filter(|f| out.get(**f).is_some_and(|v| !v.is_null()))
        .map(|f| {
            Diagnostic::warning(
                "ignored-setting",
                format!("{target} has no `{f}` setting: ignored"),
            )
            .with_path(format!("output.{f}"))
        })
        .collect()
}

/// The model a target uses: `output.model` when given and known, else its default.
pub fn model(
    brief: &Brief,
    target: &str,
    known: &[String],
    default: &str,
) -> Result<String, Diagnostic> {
    match &brief.output.model {
        None => Ok(default.to_string()),
        Some(m) if known.contains(m) => Ok(m.clone()),
        Some(m) if m.starts_with("gpt-image") || m.starts_with("dall-e") => Ok(default.to_string()),
        Some(m) => Err(
            Diagnostic::error("unknown-model", format!("unknown {target} model `{m}`"))
                .with_path("output.model")
                .with_help(match did_you_mean(m, known.iter().map(String::as_str)) {
                    Some(s) => format!("did you mean `{s}`? {target} models: {}", one_of(known)),
                    None => format!("{target} models: {}", one_of(known)),
                }),
        ),
    }
}

/// The listed aspect ratio nearest to what the brief asks, with a warning when it differs.
pub fn listed_ratio(
    brief: &Brief,
    target: &str,
    allowed: &[String],
) -> Result<(String, Option<Diagnostic>), Vec<Diagnostic>> {
    let (ratio, asked) = requested_ratio(brief).map_err(|e| vec![e])?;
    let (aspect, changed) = nearest_ratio(ratio, allowed);
    let warning = changed.then(|| size_changed(target, &asked, &aspect));
    Ok((aspect, warning))
}
