//! Black Forest Labs FLUX: width and height in multiples of 16 or 32 depending on the model.
use serde::Serialize;

use super::common;
use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::Diagnostic;
use crate::validate::{TargetSchema, against_schema};

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
        "Black Forest Labs FLUX (flux-pro-1.1, flux-dev, flux-2-pro): width/height, seed, safety_tolerance"
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
        let mut warnings = common::unsupported(
            req.brief,
            "flux",
            &["n", "compression", "background", "moderation", "style"],
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
        let format = match req.brief.output.format.as_deref() {
            Some("webp") => {
                return Err(vec![
                    Diagnostic::error("invalid-value", "flux outputs `jpeg` or `png`, not `webp`")
                        .with_path("output.format"),
                ]);
            }
            f => f.map(str::to_string),
        };
        let body = Body {
            prompt: req.prompt.to_string(),
            width,
            height,
            seed: req.brief.output.seed,
            safety_tolerance: opts
                .get("safety_tolerance")
                .and_then(serde_json::Value::as_u64),
            prompt_upsampling: opts
                .get("prompt_upsampling")
                .and_then(serde_json::Value::as_bool),
            output_format: format,
        };
        let body = serde_json::to_value(&body).expect("body serialises");
        let errors = against_schema(TargetSchema::Flux, &body);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Payload {
                target: "flux",
                method: "POST",
                url: format!("https://api.bfl.ai/v1/{model}"),
                body,
            },
            warnings,
        ))
    }
}
