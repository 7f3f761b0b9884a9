//! Black Forest Labs FLUX: width and height in multiples of 16 or 32 depending on the model.
use serde::Serialize;

use super::common;
use super::{BuildResult, Payload, Request, Target};
use serde_json::{Map, Value};

use super::limits::FluxModel;
use crate::diagnostic::{Code, Diagnostic};
use crate::validate::{TargetSchema, against_schema};

/// Black Forest Labs: `BFL_API_KEY`, `BFL_BASE_URL`.
const PROVIDER: super::Provider = super::Provider {
    key_env: "BFL_API_KEY",
    auth_header: "x-key",
    auth_prefix: "",
    base_env: "BFL_BASE_URL",
    base: "https://api.bfl.ai/v1",
};

/// The FLUX target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Flux;

#[derive(Debug, Serialize)]
struct Body {
    prompt: String,
    width: u32,
    height: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safety_tolerance: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prompt_upsampling: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_format: Option<String>,
}

fn fit(v: f64, m: u32, min: u32, max: u32) -> u32 {
    let m_f = f64::from(m);
    ((v / m_f).round() * m_f).clamp(f64::from(min), f64::from(max)) as u32
}

impl Target for Flux {
    fn id(&self) -> super::TargetId {
        super::TargetId::Flux
    }
    fn description(&self) -> &'static str {
        "Black Forest Labs FLUX (flux-pro-1.1, flux-dev, flux-2-pro): width/height, seed, safety_tolerance; submit, then poll for the result"
    }
    fn handoff_shape(&self) -> Result<super::HandOffShape, super::NoHandOff> {
        Ok(super::HandOffShape::SubmitPoll {
            default_format: "jpeg",
        })
    }

    fn pricing(&self) -> super::Pricing {
        super::Pricing::Flux
    }
    fn provider(&self) -> Option<&'static super::Provider> {
        Some(&PROVIDER)
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let d = &req.limits.flux;
        let models: Vec<String> = d.models.keys().cloned().collect();
        let (model, model_warning) =
            common::model(req.brief, "flux", &models, &d.default_model).map_err(|e| vec![e])?;
        let rule = common::table_entry(&d.models, &model, "flux.models")?;
        let opts = common::options(
            req.brief,
            "flux",
            &["safety_tolerance", "prompt_upsampling"],
        )?;
        // what the body takes of `output`; every other field the brief sets is a warning
        let mut warnings = common::unused(
            req,
            "flux",
            &["model", "size", "aspect_ratio", "seed", "format"],
        );
        warnings.extend(model_warning);
        let (width, height) = dimensions(req, &model, rule, &mut warnings)?;
        let mut errors = Vec::new();
        let output_format = output_format(req, &model, rule, &mut errors);
        let safety_tolerance = safety_tolerance(&opts, &model, rule, &mut errors);
        let prompt_upsampling = prompt_upsampling(&opts, &model, rule, &mut errors, &mut warnings);
        if !errors.is_empty() {
            return Err(errors);
        }
        let body = Body {
            prompt: req.prompt.to_string(),
            width,
            height,
            seed: req.brief.output.seed,
            safety_tolerance,
            prompt_upsampling,
            output_format,
        };
        let body = common::body_value(&body)?;
        let errors = against_schema(TargetSchema::Flux, &body);
        if !errors.is_empty() {
            return Err(errors);
        }
        let summary = super::Summary::of(
            &model,
            Some(&format!("{}x{}", width, height)),
            body["output_format"].as_str(),
            1,
            Vec::new(),
        );
        Ok((
            Payload {
                target: super::TargetId::Flux,
                method: super::Method::Post,
                url: format!("https://api.bfl.ai/v1/{model}"),
                body,
                schema: TargetSchema::Flux,
                summary,
            },
            warnings,
        ))
    }
}

/// Width and height for the brief: the requested area where it fits (else the largest that
/// does), at the requested ratio, in the model's multiples; a warning when that changes the size.
fn dimensions(
    req: &Request<'_>,
    model: &str,
    rule: &FluxModel,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(u32, u32), Vec<Diagnostic>> {
    let (m, min, max) = (rule.multiple_of, rule.min, rule.max);
    let (ratio, asked) = common::requested_ratio(req.brief).map_err(|e| vec![e])?;
    let area = req
        .brief
        .output
        .size
        .as_ref()
        .and_then(|s| s.pixels())
        .map_or(1024.0 * 1024.0, |s| s.pixels() as f64);
    let w = (area * ratio).sqrt();
    let h = w / ratio;
    let scale = (f64::from(max) / w.max(h)).min(1.0);
    let (width, height) = (fit(w * scale, m, min, max), fit(h * scale, m, min, max));
    let got = format!("{width}x{height}");
    let exact = asked == got
        || (!asked.contains('x')
            && ((f64::from(width) / f64::from(height)) - ratio).abs() / ratio <= 0.01);
    if !exact {
        warnings.push(common::size_changed(
            &format!("flux ({model}: multiples of {m}, {min}–{max})"),
            &asked,
            &got,
        ));
    }
    Ok((width, height))
}

/// `output.format`, when the model outputs it (BFL's schema of it, `data/targets.json`).
fn output_format(
    req: &Request<'_>,
    model: &str,
    rule: &FluxModel,
    errors: &mut Vec<Diagnostic>,
) -> Option<String> {
    let formats = &rule.output_formats;
    match req.brief.output.format.as_deref() {
        Some(f) if !formats.iter().any(|x| x == f) => {
            errors.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "{model} outputs {}, not `{f}`",
                        crate::diagnostic::suggest::one_of(formats)
                    ),
                )
                .with_path("output.format"),
            );
            None
        }
        f => f.map(str::to_string),
    }
}

/// `targets.flux.safety_tolerance`, within the model's range.
fn safety_tolerance(
    opts: &Map<String, Value>,
    model: &str,
    rule: &FluxModel,
    errors: &mut Vec<Diagnostic>,
) -> Option<u64> {
    let v = opts.get("safety_tolerance")?;
    let (lo, hi) = (rule.safety_tolerance.min, rule.safety_tolerance.max);
    match v.as_u64() {
        Some(t) if (lo..=hi).contains(&t) => Some(t),
        _ => {
            errors.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "safety_tolerance {v} is not valid for {model}: a whole number from {lo} to {hi}"
                    ),
                )
                .with_path("targets.flux.safety_tolerance"),
            );
            None
        }
    }
}

/// `targets.flux.prompt_upsampling`, on the models that take it (left out with a warning on the
/// others).
fn prompt_upsampling(
    opts: &Map<String, Value>,
    model: &str,
    rule: &FluxModel,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) -> Option<bool> {
    let v = opts.get("prompt_upsampling")?;
    if !rule.prompt_upsampling {
        warnings.push(
            Diagnostic::warning(
                Code::IgnoredField,
                format!("{model} has no `prompt_upsampling`: left out"),
            )
            .with_path("targets.flux.prompt_upsampling"),
        );
        return None;
    }
    let b = v.as_bool();
    if b.is_none() {
        errors.push(
            Diagnostic::error(Code::WrongType, "`prompt_upsampling` must be true or false")
                .with_path("targets.flux.prompt_upsampling"),
        );
    }
    b
}
