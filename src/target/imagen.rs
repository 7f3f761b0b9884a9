//! Google Imagen (Gemini API `:predict`): instances[].prompt plus parameters.
use serde_json::json;

use super::common::{self, strings};
use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::Diagnostic;
use crate::validate::{TargetSchema, against_schema};

/// The Imagen target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Imagen;

impl Target for Imagen {
    fn name(&self) -> &'static str {
        "imagen"
    }
    fn description(&self) -> &'static str {
        "Google Imagen via the Gemini API (:predict): sampleCount, aspectRatio, personGeneration"
    }
    fn avoid_in_prompt(&self) -> bool {
        // current Imagen models have no negative prompt; the list stays in the prompt
        true
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let d = &req.limits["imagen"];
        let models = strings(&d["models"]);
        let model = common::model(
            req.brief,
            "imagen",
            &models,
            d["default_model"]
                .as_str()
                .unwrap_or("imagen-4.0-generate-001"),
        )
        .map_err(|e| vec![e])?;
        let opts = common::options(req.brief, "imagen", &["person_generation"])?;
        let mut warnings = common::unsupported(
            req.brief,
            "imagen",
            &[
                "compression",
                "background",
                "moderation",
                "style",
                "seed",
                "format",
            ],
        );
        let (aspect, changed) =
            common::listed_ratio(req.brief, "imagen", &strings(&d["aspect_ratios"]))?;
        warnings.extend(changed);
        let n = req.brief.output.n.unwrap_or(1);
        let max = d["max_samples"].as_u64().unwrap_or(4) as u32;
        if n > max {
            return Err(vec![
                Diagnostic::error(
                    "invalid-value",
                    format!("imagen returns at most {max} images per request, n={n}"),
                )
                .with_path("output.n"),
            ]);
        }
        let mut parameters = json!({"sampleCount": n, "aspectRatio": aspect});
        if let Some(p) = opts.get("person_generation") {
            parameters["personGeneration"] = p.clone();
        }
        if strings(&d["negative_prompt_models"]).contains(&model)
            && let Some(neg) = common::negative_prompt(req.brief)
        {
            parameters["negativePrompt"] = neg.into();
        }
        let body = json!({"instances": [{"prompt": req.prompt}], "parameters": parameters});
        let errors = against_schema(TargetSchema::Imagen, &body);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Payload {
                target: "imagen",
                method: "POST",
                url: format!(
                    "https://generativelanguage.googleapis.com/v1beta/models/{model}:predict"
                ),
                body,
            },
            warnings,
        ))
    }
}
