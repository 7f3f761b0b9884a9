//! Midjourney: no HTTP API, so the payload is the prompt line with its parameters
//! (`--ar`, `--no`, `--seed`, `--stylize`, `--v`), plus the parameters as data.
use serde::Serialize;
use serde_json::{Map, Value};

use super::common;
use super::limits::MidjourneyLimits;
use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::{Code, Diagnostic};
use crate::validate::size::parse_ratio;
use crate::validate::{TargetSchema, against_schema};

/// The Midjourney target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Midjourney;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Target for Midjourney {
    fn id(&self) -> super::TargetId {
        super::TargetId::Midjourney
    }
    fn description(&self) -> &'static str {
        "Midjourney prompt line with --ar, --no, --seed, --stylize and --v"
    }
    fn avoid_in_prompt(&self) -> bool {
        false
    }
    fn pastes(&self) -> bool {
        true
    }
    fn handoff_shape(&self) -> Result<super::HandOffShape, super::NoHandOff> {
        Err(super::NoHandOff {
            why: "Midjourney has no public API",
            help: Some(
                "use `--emit prompt` and paste the line, parameters included, into Midjourney",
            ),
        })
    }

    fn pricing(&self) -> super::Pricing {
        super::Pricing::Unknown("priced by subscription, not per request")
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let d = &req.limits.midjourney;
        let opts = common::options(req.brief, "midjourney", &["stylize", "v"])?;
        // what the prompt line takes of `output`; every other field the brief sets is a warning
        let mut warnings = common::unused(req, "midjourney", &["size", "aspect_ratio", "seed"]);
        warnings.extend(common::size_beside_ratio(req.brief, "midjourney"));
        warnings.extend(altered_texts(req.brief));
        warnings.extend(altered_phrases(req.prompt, req.brief));
        let ar = aspect_ratio(req, d)?;
        let version = version(&opts, d)?;
        let stylize = stylize(&opts)?;
        let no: Vec<String> = req
            .brief
            .avoid
            .iter()
            .map(|a| {
                common::unnegated(a)
                    .replace(',', " ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|a| !a.is_empty())
            .collect();
        let parameters = Parameters {
            ar,
            v: version,
            no,
            seed: req.brief.output.seed,
            stylize,
        };
        let body = Body {
            prompt: prompt_line(req.prompt, &parameters),
            parameters,
        };
        let value = common::body_value(&body)?;
        let errors = against_schema(TargetSchema::Midjourney, &value);
        if !errors.is_empty() {
            return Err(errors);
        }
        let Parameters { ar, v, no, .. } = body.parameters;
        Ok((
            Payload {
                target: super::TargetId::Midjourney,
                method: super::Method::Prompt,
                url: String::from("midjourney:imagine"),
                body: value,
                schema: TargetSchema::Midjourney,
                summary: super::Summary::of(&format!("v{v}"), Some(ar.as_str()), None, 4, no),
            },
            warnings,
        ))
    }
}

/// What the payload carries: the line to paste and its parameters as data.
#[derive(Debug, Serialize)]
struct Body {
    prompt: String,
    parameters: Parameters,
}

/// The parameters of the prompt line.
#[derive(Debug, Serialize)]
struct Parameters {
    ar: String,
    v: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    no: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stylize: Option<u64>,
}

/// One line: Midjourney reads parameters at the end of a single-line prompt (`--` inside the
/// prompt would start a parameter, so it becomes a dash).
fn prompt_line(prompt: &str, p: &Parameters) -> String {
    let mut line = one_line(prompt.trim());
    line.push_str(&format!(" --ar {}", p.ar));
    if !p.no.is_empty() {
        line.push_str(&format!(" --no {}", p.no.join(", ")));
    }
    if let Some(seed) = p.seed {
        line.push_str(&format!(" --seed {seed}"));
    }
    if let Some(s) = p.stylize {
        line.push_str(&format!(" --stylize {s}"));
    }
    line.push_str(&format!(" --v {}", p.v));
    line
}

/// `text` as a one-line prompt can hold it: each line break a space, `--` (which would start a
/// parameter) a dash; every other character, spaces included, as it is.
fn one_line(text: &str) -> String {
    text.replace("\r\n", " ")
        .replace(
            [
                '\n', '\r', '\u{2028}', '\u{2029}', '\u{b}', '\u{c}', '\u{85}',
            ],
            " ",
        )
        .replace("--", "—")
}

/// A warning for every exact text the one-line prompt cannot hold as written.
fn altered_texts(brief: &crate::brief::Brief) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (role, value) in &brief.text {
        let many = matches!(value, crate::brief::TextValue::Many(_));
        for (i, e) in value.entries().into_iter().enumerate() {
            let text = e.content();
            if one_line(text) == text {
                continue;
            }
            let path = if many {
                format!("text.{role}[{i}]")
            } else {
                format!("text.{role}")
            };
            out.push(
                Diagnostic::warning(
                    Code::TextAltered,
                    format!("a Midjourney prompt is one line with parameters after `--`: the exact {role} text is sent with a space for each line break and a dash for `--`"),
                )
                .with_path(path)
                .with_help("write the text on one line, without `--`, to send it exactly"),
            );
        }
    }
    out
}

/// A warning when the prompt's other words (a phrase of the brief) hold what a one-line prompt
/// changes (a line break, `--`) or reads as syntax (`::`, a multi-prompt weight).
fn altered_phrases(prompt: &str, brief: &crate::brief::Brief) -> Option<Diagnostic> {
    let mut rest = prompt.to_string();
    for value in brief.text.values() {
        for e in value.entries() {
            rest = rest.replace(e.content(), "");
        }
    }
    let changed = one_line(&rest) != rest;
    let syntax = rest.contains("::");
    (changed || syntax).then(|| {
        Diagnostic::warning(
            Code::TextAltered,
            if changed {
                "a phrase of the brief holds a line break or `--`, which a Midjourney line cannot hold: it is sent with a space or a dash there"
            } else {
                "a phrase of the brief holds `::`, which Midjourney reads as a multi-prompt separator"
            },
        )
        .with_help("reword it: the line is sent as shown by `--emit prompt`")
    })
}

/// `--ar`: the exact ratio, reduced (Midjourney takes any whole-number ratio within limits).
fn aspect_ratio(req: &Request<'_>, d: &MidjourneyLimits) -> Result<String, Vec<Diagnostic>> {
    let ar = match (
        &req.brief.output.aspect_ratio,
        req.brief.output.size.as_ref().and_then(|s| s.pixels()),
    ) {
        (Some(r), _) => r.as_str().replace(' ', ""),
        (None, Some(s)) => {
            let g = gcd(u64::from(s.width), u64::from(s.height)).max(1);
            format!("{}:{}", u64::from(s.width) / g, u64::from(s.height) / g)
        }
        _ => String::from("1:1"),
    };
    let ratio = parse_ratio(&ar).unwrap_or(1.0);
    if ratio < d.min_ratio.value() || ratio > d.max_ratio.value() {
        return Err(vec![
            Diagnostic::error(
                Code::InvalidSize,
                format!("--ar {ar} is outside Midjourney's range"),
            )
            .with_path("output.aspect_ratio"),
        ]);
    }
    Ok(ar)
}

/// `--v`: `targets.midjourney.v` or the default version, among the known versions. `v: 7`,
/// `v: 6.1` and `v: "6.1"` all mean the same version.
fn version(opts: &Map<String, Value>, d: &MidjourneyLimits) -> Result<String, Vec<Diagnostic>> {
    let version = match opts.get("v") {
        None => d.default_version.clone(),
        Some(Value::String(v)) => v.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(vec![
                Diagnostic::error(
                    Code::WrongType,
                    format!(
                        "`targets.midjourney.v` must be a version like 7 or \"6.1\", found {other}"
                    ),
                )
                .with_path("targets.midjourney.v"),
            ]);
        }
    };
    let version = version
        .strip_suffix(".0")
        .map(str::to_string)
        .unwrap_or(version);
    if !d.versions.contains(&version) {
        return Err(vec![
            Diagnostic::error(
                Code::InvalidValue,
                format!("unknown Midjourney version `{version}`"),
            )
            .with_path("targets.midjourney.v")
            .with_help(format!(
                "versions: {}; a newer one can be added with --target-limits FILE",
                crate::diagnostic::suggest::one_of(&d.versions)
            )),
        ]);
    }
    Ok(version)
}

/// `--stylize`: a whole number (as a number or a string).
fn stylize(opts: &Map<String, Value>) -> Result<Option<u64>, Vec<Diagnostic>> {
    match opts.get("stylize") {
        None => Ok(None),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => Ok(s.trim().parse().ok()),
        Some(other) => Err(vec![
            Diagnostic::error(
                Code::WrongType,
                format!(
                    "`targets.midjourney.stylize` must be a whole number 0–1000, found {other}"
                ),
            )
            .with_path("targets.midjourney.stylize"),
        ]),
    }
}
