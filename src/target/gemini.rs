//! Google Gemini image output (`:generateContent` with `generationConfig.imageConfig`).
use serde_json::json;

use super::common::{self, strings};
use super::{BuildResult, Payload, Request, Target};
use crate::validate::{TargetSchema, against_schema};

/// The Gemini target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gemini;

impl Target for Gemini {
    fn name(&self) -> &'static str {
        "gemini"
    }
    fn description(&self) -> &'static str {
        "Google Gemini image generation (:generateContent, generationConfig.imageConfig.aspectRatio)"
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let d = &req.limits["gemini"];
        let models = strings(&d["models"]);
        let model = common::model(
            req.brief,
            "gemini",
            &models,
            d["default_model"]
                .as_str()
                .unwrap_or("gemini-2.5-flash-image"),
        )
        .map_err(|e| vec![e])?;
        common::options(req.brief, "gemini", &[])?;
        let mut warnings = common::unsupported(
            req.brief,
            "gemini",
            &[
                "n",
                "compression",
                "background",
                "moderation",
                "style",
                "seed",
                "format",
            ],
        );
        let (aspect, changed) =
            common::listed_ratio(req.brief, "gemini", &strings(&d["aspect_ratios"]))?;
        warnings.extend(changed);
        let body = json!({
            "contents": [{"parts": [{"text": req.prompt}]}],
            "generationConfig": {"responseModalities": ["IMAGE"], "imageConfig": {"aspectRatio": aspect}},
        });
        let errors = against_schema(TargetSchema::Gemini, &body);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Payload {
                target: "gemini",
                method: "POST",
                url: format!(
                    "https://generativelanguage.googleapis.com/v1beta/models/{model}:generateContent"
                ),
                body,
            },
            warnings,
        ))
    }
}
