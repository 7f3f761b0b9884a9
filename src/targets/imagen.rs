//! Google Imagen (Gemini API `:predict`): instances[].prompt plus parameters.
use serde::Serialize;
use serde_json::Value;

use super::common;
use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::{Code, Diagnostic};
use crate::validate::{TargetSchema, against_schema};

/// The Imagen target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Imagen;

/// The `:predict` request body: one instance (the prompt) and its parameters.
#[derive(Debug, Serialize)]
struct Body<'a> {
    instances: [Instance<'a>; 1],
    parameters: Parameters,
}

/// One `instances[]` entry.
#[derive(Debug, Serialize)]
struct Instance<'a> {
    prompt: &'a str,
}

/// The `parameters` object; its fields in the key order of the payload snapshots.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Parameters {
    sample_count: u32,
    aspect_ratio: String,
    /// copied as given from `targets.imagen.person_generation` (any JSON value, `null` included)
    #[serde(skip_serializing_if = "Option::is_none")]
    person_generation: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    negative_prompt: Option<String>,
}

impl Target for Imagen {
    fn id(&self) -> super::TargetId {
        super::TargetId::Imagen
    }
    fn description(&self) -> &'static str {
        "Google Imagen via the Gemini API (:predict) — shut down: every Imagen model is retired; use --target gemini"
    }
    fn avoid_in_prompt(&self) -> bool {
        // current Imagen models have no negative prompt; the list stays in the prompt
        true
    }
    fn handoff_shape(&self) -> Result<super::HandOffShape, super::NoHandOff> {
        Err(super::NoHandOff {
            why: "every Imagen model on the Gemini API is shut down; use --target gemini",
            help: None,
        })
    }

    fn pricing(&self) -> super::Pricing {
        super::Pricing::Unknown(
            "no official per-image price found for Google image models: unknown, not guessed",
        )
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let d = &req.limits.imagen;
        // lifecycle first: every Imagen model the Gemini API served is shut down
        let (model, facts, mut warnings) = common::google_model(req.brief, d, "imagen", req.today)?;
        let opts = common::options(req.brief, "imagen", &["person_generation", "image_size"])?;
        // what the request takes of `output`; every other field the brief sets is a warning
        warnings.extend(common::unused(
            req,
            "imagen",
            &["model", "size", "aspect_ratio", "n"],
        ));
        let (aspect, changed) = common::listed_ratio(req.brief, "imagen", &d.aspect_ratios)?;
        warnings.extend(changed);
        let n = req.brief.output.n.unwrap_or(1);
        if let Some(max) = d.max_samples.filter(|max| n > *max) {
            return Err(vec![
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("imagen returns at most {max} images per request, n={n}"),
                )
                .with_path("output.n"),
            ]);
        }
        let (image_size, size_warnings) = common::image_size(
            req.brief,
            opts.get("image_size").and_then(|v| v.as_str()),
            "imagen",
            &model,
            &facts.image_sizes,
        )?;
        warnings.extend(size_warnings);
        let mut negative_prompt = None;
        if let Some(neg) = common::negative_prompt(req.brief) {
            match facts.negative_prompt {
                crate::validate::models::Fact::Known(true) => negative_prompt = Some(neg),
                crate::validate::models::Fact::Known(false) | crate::validate::models::Fact::Unsupported => {}
                crate::validate::models::Fact::Unknown => warnings.push(
                    Diagnostic::warning(
                        Code::UnstatedRule,
                        format!("no source states whether {model} takes a negative prompt: the avoid list stays in the prompt"),
                    )
                    .with_path("avoid"),
                ),
            }
        }
        let body = Body {
            instances: [Instance { prompt: req.prompt }],
            parameters: Parameters {
                sample_count: n,
                aspect_ratio: aspect.clone(),
                person_generation: opts.get("person_generation").cloned(),
                image_size,
                negative_prompt,
            },
        };
        let body = common::body_value(&body)?;
        let errors = against_schema(TargetSchema::Imagen, &body);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Payload {
                target: super::TargetId::Imagen,
                method: super::Method::Post,
                url: format!(
                    "https://generativelanguage.googleapis.com/v1beta/models/{model}:predict"
                ),
                body,
                schema: TargetSchema::Imagen,
                summary: super::Summary::of(&model, Some(aspect.as_str()), None, n, Vec::new()),
            },
            warnings,
        ))
    }
}
