//! Black Forest Labs FLUX: width and height in multiples of 16 or 32 depending on the model.
use serde::Serialize;

use super::common;
use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::Diagnostic;
use crate::validate::{TargetSchema, against_schema};

/// Black Forest Labs: `BFL_API_KEY`, `BFL_BASE_URL`.
const PROVIDER: crate::handoff::Provider = crate::handoff::Provider {
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
    fn name(&self) -> &'static str {
        "flux"
    }
    fn description(&self) -> &'static str {
        "Black Forest Labs FLUX (flux-pro-1.1, flux-dev, flux-2-pro): width/height, seed, safety_tolerance; submit, then poll for the result"
    }
    fn handoff(
        &self,
        r: &crate::engine::Rendering,
        form: crate::handoff::HandOff,
    ) -> Result<String, Diagnostic> {
        // BFL returns jpeg unless another format is asked for
        let ext =
            crate::handoff::extension(r.payload.body["output_format"].as_str().or(Some("jpeg")));
        Ok(crate::handoff::submit_poll(r, &PROVIDER, form, ext))
    }

    fn pricing(&self) -> crate::cost::Pricing {
        crate::cost::Pricing::Flux
    }
    fn provider(&self) -> Option<&'static crate::handoff::Provider> {
        Some(&PROVIDER)
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let d = &req.limits["flux"];
        let models_obj = d["models"].as_object().expect("models");
        let models: Vec<String> = models_obj.keys().cloned().collect();
        let (model, model_warning) = common::model(
            req.brief,
            "flux",
            &models,
            d["default_model"].as_str().unwrap_or("flux-pro-1.1"),
        )
        .map_err(|e| vec![e])?;
        let rule = &models_obj[&model];
        let (m, min, max) = (
            rule["multiple_of"].as_u64().unwrap_or(32) as u32,
            rule["min"].as_u64().unwrap_or(256) as u32,
            rule["max"].as_u64().unwrap_or(1440) as u32,
        );
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
        // keep the requested area where it fits, else the largest that does
        let (ratio, asked) = common::requested_ratio(req.brief).map_err(|e| vec![e])?;
        let area = req
            .brief
            .output
            .size
            .as_deref()
            .and_then(crate::size::Size::parse)
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
        // what this model takes, from BFL's schema of it (data/targets.json)
        let mut errors = Vec::new();
        let formats = common::strings(&rule["output_formats"]);
        let format = match req.brief.output.format.as_deref() {
            Some(f) if !formats.iter().any(|x| x == f) => {
                errors.push(
                    Diagnostic::error(
                        "invalid-value",
                        format!(
                            "{model} outputs {}, not `{f}`",
                            crate::suggest::one_of(&formats)
                        ),
                    )
                    .with_path("output.format"),
                );
                None
            }
            f => f.map(str::to_string),
        };
        let safety_tolerance = match opts.get("safety_tolerance") {
            None => None,
            Some(v) => {
                let (lo, hi) = (
                    rule["safety_tolerance"]["min"].as_u64().unwrap_or(0),
                    rule["safety_tolerance"]["max"].as_u64().unwrap_or(0),
                );
                match v.as_u64() {
                    Some(t) if (lo..=hi).contains(&t) => Some(t),
                    _ => {
                        errors.push(
                            Diagnostic::error(
                                "invalid-value",
                                format!("safety_tolerance {v} is not valid for {model}: a whole number from {lo} to {hi}"),
                            )
                            .with_path("targets.flux.safety_tolerance"),
                        );
                        None
                    }
                }
            }
        };
        let prompt_upsampling = match opts.get("prompt_upsampling") {
            None => None,
            Some(v) if rule["prompt_upsampling"].as_bool() == Some(true) => match v.as_bool() {
                Some(b) => Some(b),
                None => {
                    errors.push(
                        Diagnostic::error(
                            "wrong-type",
                            "`prompt_upsampling` must be true or false",
                        )
                        .with_path("targets.flux.prompt_upsampling"),
                    );
                    None
                }
            },
            Some(_) => {
                warnings.push(
                    Diagnostic::warning(
                        "ignored-field",
                        format!("{model} has no `prompt_upsampling`: left out"),
                    )
                    .with_path("targets.flux.prompt_upsampling"),
                );
                None
            }
        };
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
            output_format: format,
        };
        let body = serde_json::to_value(&body).expect("body serialises");
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
                target: "flux",
                method: "POST",
                url: format!("https://api.bfl.ai/v1/{model}"),
                body,
                schema: TargetSchema::Flux,
                summary,
            },
            warnings,
        ))
    }
}
