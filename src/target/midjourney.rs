//! Midjourney: no HTTP API, so the payload is the prompt line with its parameters
//! (`--ar`, `--no`, `--seed`, `--stylize`, `--v`), plus the parameters as data.
use serde_json::{Value, json};

use super::common::{self, strings};
use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::Diagnostic;
use crate::size::parse_ratio;
use crate::validate::{TargetSchema, against_schema};

/// The Midjourney target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Midjourney;

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl Target for Midjourney {
    fn name(&self) -> &'static str {
        "midjourney"
    }
    fn description(&self) -> &'static str {
        "Midjourney prompt line with --ar, --no, --seed, --stylize and --v"
    }
    fn avoid_in_prompt(&self) -> bool {
        false
    }
    fn handoff(
        &self,
        _r: &crate::engine::Rendering,
        _form: crate::handoff::HandOff,
    ) -> Result<String, Diagnostic> {
        Err(
            crate::handoff::no_handoff("midjourney", "Midjourney has no public API").with_help(
                "use `--emit prompt` and paste the line, parameters included, into Midjourney",
            ),
        )
    }

    fn pricing(&self) -> crate::cost::Pricing {
        crate::cost::Pricing::Unknown("priced by subscription, not per request")
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let d = &req.limits["midjourney"];
        let opts = common::options(req.brief, "midjourney", &["stylize", "v"])?;
        // what the prompt line takes of `output`; every other field the brief sets is a warning
        let mut warnings = common::unused(req, "midjourney", &["size", "aspect_ratio", "seed"]);
        warnings.extend(common::size_beside_ratio(req.brief, "midjourney"));
        // --ar: the exact ratio, reduced (Midjourney takes any whole-number ratio within limits)
        let ar = match (
            &req.brief.output.aspect_ratio,
            req.brief
                .output
                .size
                .as_deref()
                .and_then(crate::size::Size::parse),
        ) {
            (Some(r), _) => r.replace(' ', ""),
            (None, Some(s)) => {
                let g = gcd(u64::from(s.width), u64::from(s.height)).max(1);
                format!("{}:{}", u64::from(s.width) / g, u64::from(s.height) / g)
            }
            _ => String::from("1:1"),
        };
        let ratio = parse_ratio(&ar).unwrap_or(1.0);
        let (lo, hi) = (
            parse_ratio(d["min_ratio"].as_str().unwrap_or("1:3")).unwrap_or(0.0),
            parse_ratio(d["max_ratio"].as_str().unwrap_or("3:1")).unwrap_or(9.0),
        );
        if ratio < lo || ratio > hi {
            return Err(vec![
                Diagnostic::error(
                    "invalid-size",
                    format!("--ar {ar} is outside Midjourney's range"),
                )
                .with_path("output.aspect_ratio"),
            ]);
        }
        // `v: 7`, `v: 6.1` and `v: "6.1"` all mean the same version
        let version = match opts.get("v") {
            None => d["default_version"].as_str().unwrap_or("8.1").to_string(),
            Some(Value::String(v)) => v.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                return Err(vec![
                    Diagnostic::error(
                        "wrong-type",
                        format!("`targets.midjourney.v` must be a version like 7 or \"6.1\", found {other}"),
                    )
                    .with_path("targets.midjourney.v"),
                ]);
            }
        };
        let version = version
            .strip_suffix(".0")
            .map(str::to_string)
            .unwrap_or(version);
        let versions = strings(&d["versions"]);
        if !versions.contains(&version) {
            return Err(vec![
                Diagnostic::error(
                    "invalid-value",
                    format!("unknown Midjourney version `{version}`"),
                )
                .with_path("targets.midjourney.v")
                .with_help(format!(
                    "versions: {}; a newer one can be added with --target-limits FILE",
                    crate::suggest::one_of(&versions)
                )),
            ]);
        }
        let stylize = match opts.get("stylize") {
            None => None,
            Some(Value::Number(n)) if n.as_u64().is_some() => n.as_u64(),
            Some(Value::String(s)) if s.trim().parse::<u64>().is_ok() => s.trim().parse().ok(),
            Some(other) => {
                return Err(vec![
                    Diagnostic::error(
                        "wrong-type",
                        format!("`targets.midjourney.stylize` must be a whole number 0–1000, found {other}"),
                    )
                    .with_path("targets.midjourney.stylize"),
                ]);
            }
        };
        let no: Vec<String> = req
            .brief
            .avoid
            .iter()
            .map(|a| a.trim().replace(',', " "))
            .filter(|a| !a.is_empty())
            .collect();
        // one line: Midjourney reads parameters at the end of a single-line prompt
        let mut line = req
            .prompt
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .replace("--", "—");
        line.push_str(&format!(" --ar {ar}"));
        if !no.is_empty() {
            line.push_str(&format!(" --no {}", no.join(", ")));
        }
        if let Some(seed) = req.brief.output.seed {
            line.push_str(&format!(" --seed {seed}"));
        }
        if let Some(s) = stylize {
            line.push_str(&format!(" --stylize {s}"));
        }
        line.push_str(&format!(" --v {version}"));
        let mut parameters = json!({"ar": ar, "v": version});
        if !no.is_empty() {
            parameters["no"] = json!(no);
        }
        if let Some(seed) = req.brief.output.seed {
            parameters["seed"] = json!(seed);
        }
        if let Some(s) = stylize {
            parameters["stylize"] = json!(s);
        }
        let body = json!({"prompt": line, "parameters": parameters});
        let errors = against_schema(TargetSchema::Midjourney, &body);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Payload {
                target: "midjourney",
                method: "PROMPT",
                url: String::from("midjourney:imagine"),
                body,
                schema: TargetSchema::Midjourney,
                summary: super::Summary::of(
                    &format!("v{version}"),
                    Some(ar.as_str()),
                    None,
                    4,
                    no.clone(),
                ),
            },
            warnings,
        ))
    }
}
