//! What several targets share: the size vocabulary (size or aspect ratio → what a target takes),
//! the avoid list as a negative prompt, target options, the target limits table.
use serde_json::{Map, Value};

use super::Request;
use super::limits::GoogleLimits;
use crate::brief::Brief;
use crate::diagnostic::suggest::{did_you_mean, one_of};
use crate::diagnostic::{Code, Diagnostic};
use crate::validate::size::parse_ratio;

/// The ratio the brief asks for (`aspect_ratio`, else `size`), with how it was written.
/// `auto` or nothing means square.
pub(super) fn requested_ratio(brief: &Brief) -> Result<(f64, String), Diagnostic> {
    let out = &brief.output;
    if let Some(r) = &out.aspect_ratio {
        let ratio = r.value().ok_or_else(|| {
            Diagnostic::error(Code::InvalidValue, format!("`{r}` is not an aspect ratio"))
                .with_path("output.aspect_ratio")
                .with_help("write it as `WIDTH:HEIGHT`, e.g. `9:16`")
        })?;
        return Ok((ratio, r.as_str().to_string()));
    }
    match &out.size {
        None => Ok((1.0, String::from("1:1"))),
        Some(s) if s.is_auto() => Ok((1.0, String::from("1:1"))),
        Some(s) => {
            let size = s.pixels().ok_or_else(|| {
                Diagnostic::error(Code::InvalidValue, format!("`{s}` is not a size"))
                    .with_path("output.size")
            })?;
            Ok((size.ratio(), s.as_str().to_string()))
        }
    }
}

/// The listed ratio closest to `ratio` (in log space), and whether it differs by more than 1%.
pub(super) fn nearest_ratio(ratio: f64, allowed: &[String]) -> (String, bool) {
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
pub(super) fn size_changed(target: &str, asked: &str, got: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::SizeMapped,
        format!("{target} has no {asked}: using {got}, the closest it accepts"),
    )
    .with_path(if asked.contains(':') {
        "output.aspect_ratio"
    } else {
        "output.size"
    })
}

/// The avoid list as one negative prompt.
pub(super) fn negative_prompt(brief: &Brief) -> Option<String> {
    let items: Vec<&str> = brief
        .avoid
        .iter()
        .map(|a| unnegated(a))
        .filter(|a| !a.is_empty())
        .collect();
    (!items.is_empty()).then(|| items.join(", "))
}

pub(super) use crate::prompt::family::unnegated;

/// The brief's options for `target` (`targets.<name>`), checked against the known keys.
pub(super) fn options(
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
                    Code::WrongType,
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
            Diagnostic::error(Code::UnknownField, format!("unknown {target} option `{k}`"))
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

/// Warnings for the brief's settings a target cannot use: every `output` field the brief sets
/// that is not among `uses` (the fields the target reads), and `inputs` on a target that does
/// not edit. Each warning names the field and the target and points at the field; `--strict`
/// makes it an error. A new `output` field is covered without touching any target: it warns
/// until a target lists it in `uses`. Fields only the preset's defaults set (`quality: high`
/// under the poster preset, `Request::defaulted`) are left out quietly: the user did not
/// write them, and a warning they did not cause is noise.
pub(super) fn unused(req: &Request<'_>, target: &str, uses: &[&str]) -> Vec<Diagnostic> {
    let out = serde_json::to_value(&req.brief.output).unwrap_or_default();
    let mut warnings: Vec<Diagnostic> = out
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| !v.is_null() && !uses.contains(&k.as_str()) && !req.defaulted.contains(*k))
        .map(|(k, _)| {
            Diagnostic::warning(
                Code::IgnoredSetting,
                format!("{target} has no `{k}` setting: ignored"),
            )
            .with_path(format!("output.{k}"))
        })
        .collect();
    if !req.brief.inputs.is_empty() {
        warnings.push(
            Diagnostic::warning(
                Code::IgnoredField,
                format!("`inputs` are images to edit: {target} generates from the prompt and leaves them out"),
            )
            .with_path("inputs")
            .with_help("use `--target openai-edit` to edit them"),
        );
    }
    warnings
}

/// For a target that takes a ratio and no size (`--ar`, `aspect_ratio`): a warning when the
/// brief sets both `output.size` and `output.aspect_ratio`, since the ratio wins and the size is
/// not used. (The engine drops a preset's default size as soon as the brief sets either, so both
/// are the user's.)
pub(super) fn size_beside_ratio(brief: &Brief, target: &str) -> Option<Diagnostic> {
    let out = &brief.output;
    (out.size.is_some() && out.aspect_ratio.is_some()).then(|| {
        Diagnostic::warning(
            Code::IgnoredSetting,
            format!(
                "`output.size` and `output.aspect_ratio` are both set: {target} takes the ratio, the size is ignored"
            ),
        )
        .with_path("output.size")
        .with_help("give one of them")
    })
}

/// One Google model in `data/targets.json` (`gemini.models`, `imagen.models`).
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoogleModel {
    /// Lifecycle, with the date and what replaces it.
    pub lifecycle: crate::validate::models::Lifecycle,
    /// `imageSize` values it takes (`null`: none; `"unknown"`: no source states it).
    #[serde(default)]
    pub image_sizes: crate::validate::models::Fact<Vec<String>>,
    /// Whether it takes a negative prompt.
    #[serde(default)]
    pub negative_prompt: crate::validate::models::Fact<bool>,
}

/// Resolves the Google model of a target: `output.model` or the target's default, checked against
/// its table and its lifecycle on `today`. An OpenAI model name in the brief is not this
/// target's: it warns and the default is used.
pub(super) fn google_model(
    brief: &Brief,
    limits: &GoogleLimits,
    target: &str,
    today: crate::validate::date::Date,
) -> Result<(String, GoogleModel, Vec<Diagnostic>), Vec<Diagnostic>> {
    let table = &limits.models;
    let default = &limits.default_model;
    let mut warnings = Vec::new();
    // whether the brief names the model in use: a lifecycle diagnostic points at
    // `output.model` only then, never at another target's model the brief names instead
    let named = brief
        .output
        .model
        .as_deref()
        .is_some_and(|m| table.contains_key(m));
    let name = match &brief.output.model {
        Some(m) if !table.contains_key(m) && is_openai_model(m) => {
            warnings.push(openai_model_here(m, target, default));
            default.clone()
        }
        Some(m) => m.clone(),
        None => default.clone(),
    };
    let Some(model) = table.get(&name).cloned() else {
        let known: Vec<&str> = table.keys().map(String::as_str).collect();
        return Err(vec![
            Diagnostic::error(
                Code::UnknownModel,
                format!("unknown {target} model `{name}`"),
            )
            .with_path("output.model")
            .with_help(match did_you_mean(&name, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? {target} models: {}", one_of(&known)),
                None => format!(
                    "{target} models: {}; add a new one with --target-limits FILE",
                    one_of(&known)
                ),
            }),
        ]);
    };
    lifecycle(&name, &model, target, named, today, &mut warnings)?;
    Ok((name, model, warnings))
}

/// Whether a model name is OpenAI's (a brief written for several targets names one).
fn is_openai_model(m: &str) -> bool {
    m.starts_with("gpt-image") || m.starts_with("dall-e") || m.starts_with("chatgpt-image")
}

/// The warning for an OpenAI model named in a brief sent to another target.
fn openai_model_here(m: &str, target: &str, default: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::IgnoredField,
        format!("`{m}` is an OpenAI model: {target} uses `{default}`"),
    )
    .with_path("output.model")
    .with_help(format!(
        "set `output.model` to a {target} model, or leave it out"
    ))
}

/// A Google model's lifecycle on `today`: an error once it is shut down, a warning while it is
/// deprecated or when no source states it. At `output.model` when the brief names the model;
/// else (the target's default) at no value, with a note saying where the model came from.
fn lifecycle(
    name: &str,
    model: &GoogleModel,
    target: &str,
    named: bool,
    today: crate::validate::date::Date,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(), Vec<Diagnostic>> {
    use crate::validate::models::Status;
    let life = &model.lifecycle;
    let replacement = life
        .replacement
        .as_deref()
        .map(|r| format!("use {r} instead"))
        .unwrap_or_else(|| format!("choose a current {target} model"));
    let at = |d: Diagnostic| {
        if named {
            d.with_path("output.model")
        } else {
            d.with_note(format!(
                "`{name}` is the default model of `--target {target}`: the brief does not name it"
            ))
        }
    };
    match life.status_on(today) {
        Status::Retired => {
            let when = life
                .shutdown
                .as_deref()
                .map(|d| format!(" on {d}"))
                .unwrap_or_default();
            let d = Diagnostic::error(
                Code::RetiredModel,
                format!(
                    "{target} model `{name}` was shut down{when} and no longer accepts requests"
                ),
            );
            let d = if named {
                d.with_label("retired model")
            } else {
                d
            };
            return Err(vec![at(d).with_help(replacement).with_note(format!(
                "sources: `{target}.lifecycle_sources` in data/targets.json"
            ))]);
        }
        Status::Deprecated => warnings.push(
            at(Diagnostic::warning(
                Code::DeprecatedModel,
                format!(
                    "{target} model `{name}` is deprecated and shuts down {}",
                    life.shutdown.as_deref().unwrap_or("(date not stated)")
                ),
            ))
            .with_help(replacement),
        ),
        Status::Unknown => warnings.push(at(Diagnostic::warning(
            Code::UnknownLifecycle,
            format!("no source states whether {target} model `{name}` still takes requests"),
        ))),
        Status::Current => {}
    }
    Ok(())
}

/// The `imageSize` (`1K`, `2K`, `4K`) for the brief: the target option `image_size` when given,
/// else mapped from `output.size` by its longest edge (nearest of 1024, 2048, 4096 pixels). `None`
/// when the brief asks for neither, or the model takes no image size (with a warning when the
/// brief asked for a large one).
pub(super) fn image_size(
    brief: &Brief,
    explicit: Option<&str>,
    target: &str,
    model: &str,
    sizes: &crate::validate::models::Fact<Vec<String>>,
) -> Result<(Option<String>, Vec<Diagnostic>), Vec<Diagnostic>> {
    use crate::validate::models::Fact;
    let mut warnings = Vec::new();
    let asked = match explicit {
        Some(s) => Some((s.to_string(), format!("targets.{target}.image_size"))),
        None => brief
            .output
            .size
            .as_ref()
            .and_then(|s| s.pixels())
            .map(|s| {
                let edge = s.width.max(s.height);
                let k = if edge <= 1536 {
                    "1K"
                } else if edge <= 3072 {
                    "2K"
                } else {
                    "4K"
                };
                (k.to_string(), String::from("output.size"))
            }),
    };
    let Some((k, path)) = asked else {
        return Ok((None, warnings));
    };
    match sizes {
        Fact::Known(list) if list.contains(&k) => Ok((Some(k), warnings)),
        Fact::Known(list) => {
            if explicit.is_some() {
                return Err(vec![
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "image size `{k}` is not available on {model}: use {}",
                            one_of(list)
                        ),
                    )
                    .with_path(path),
                ]);
            }
            let best = list.last().cloned();
            if let Some(b) = &best {
                warnings.push(size_changed(target, &k, b));
            }
            Ok((best, warnings))
        }
        Fact::Unsupported => {
            if k != "1K" {
                warnings.push(
                    Diagnostic::warning(
                        Code::IgnoredField,
                        format!("{model} takes no image size: the {k} asked for is not sent"),
                    )
                    .with_path(path),
                );
            }
            Ok((None, warnings))
        }
        Fact::Unknown => {
            warnings.push(
                Diagnostic::warning(
                    Code::UnstatedRule,
                    format!(
                        "no source states whether {model} takes an image size: `{k}` is not sent"
                    ),
                )
                .with_path(path),
            );
            Ok((None, warnings))
        }
    }
}

/// The model a target uses: `output.model` when given and known, else its default. An OpenAI
/// model name in the brief (a brief written for several targets) is not dropped silently: the
/// default is used with a warning naming it.
pub(super) fn model(
    brief: &Brief,
    target: &str,
    known: &[String],
    default: &str,
) -> Result<(String, Option<Diagnostic>), Diagnostic> {
    match &brief.output.model {
        None => Ok((default.to_string(), None)),
        Some(m) if known.contains(m) => Ok((m.clone(), None)),
        Some(m) if is_openai_model(m) => Ok((
            default.to_string(),
            Some(openai_model_here(m, target, default)),
        )),
        Some(m) => Err(Diagnostic::error(
            Code::UnknownModel,
            format!("unknown {target} model `{m}`"),
        )
        .with_path("output.model")
        .with_help(match did_you_mean(m, known.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`? {target} models: {}", one_of(known)),
            None => format!("{target} models: {}", one_of(known)),
        })),
    }
}

/// The listed aspect ratio nearest to what the brief asks, with a warning when it differs.
pub(super) fn listed_ratio(
    brief: &Brief,
    target: &str,
    allowed: &[String],
) -> Result<(String, Option<Diagnostic>), Vec<Diagnostic>> {
    let (ratio, asked) = requested_ratio(brief).map_err(|e| vec![e])?;
    let (aspect, changed) = nearest_ratio(ratio, allowed);
    let warning = changed.then(|| size_changed(target, &asked, &aspect));
    Ok((aspect, warning))
}

/// A model's entry in a limits table. The model comes from the table's own keys or its
/// `default_model` (checked against them when the limits were loaded), so a miss is a
/// defect of the limits, reported as such rather than a panic.
pub(super) fn table_entry<'a, T>(
    table: &'a indexmap::IndexMap<String, T>,
    model: &str,
    table_name: &str,
) -> Result<&'a T, Vec<Diagnostic>> {
    table.get(model).ok_or_else(|| {
        vec![
            Diagnostic::error(
                Code::TargetLimits,
                format!("`{model}` is not in `{table_name}` of the target limits"),
            )
            .with_help(format!(
                "add `{model}` to `{table_name}` with --target-limits FILE"
            )),
        ]
    })
}

/// A request body as JSON (what is validated against the official schema and sent).
pub(super) fn body_value<T: serde::Serialize>(body: &T) -> Result<Value, Vec<Diagnostic>> {
    serde_json::to_value(body).map_err(|e| {
        vec![Diagnostic::error(
            Code::Internal,
            format!("the request body could not be written as JSON: {e}"),
        )]
    })
}
