//! Google Gemini image output (`:generateContent` with `generationConfig.imageConfig`), shaped as
//! google-genai 3.6.1 sends it: API version `v1`, `contents[].role: "user"`,
//! `imageConfig.{aspectRatio, imageSize}`, and `output.seed` as `generationConfig.seed`
//! (`GenerateContentConfig.seed` in the SDK).
use serde::Serialize;

use super::common;
use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::Code;
use crate::validate::{TargetSchema, against_schema};

/// The Gemini API: `GEMINI_API_KEY`, `GEMINI_BASE_URL` (the version segment included).
const PROVIDER: super::Provider = super::Provider {
    key_env: "GEMINI_API_KEY",
    auth_header: "x-goog-api-key",
    auth_prefix: "",
    base_env: "GEMINI_BASE_URL",
    base: "https://generativelanguage.googleapis.com/v1",
};

/// The Gemini target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gemini;

/// The `:generateContent` request body: one user turn and the generation config.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    contents: [Content<'a>; 1],
    generation_config: GenerationConfig,
}

/// One `contents[]` turn: the role and its text part.
#[derive(Debug, Serialize)]
struct Content<'a> {
    role: &'static str,
    parts: [Part<'a>; 1],
}

/// One `parts[]` entry.
#[derive(Debug, Serialize)]
struct Part<'a> {
    text: &'a str,
}

/// `generationConfig`: image output only, its image config and the optional seed.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerationConfig {
    response_modalities: [&'static str; 1],
    image_config: ImageConfig,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
}

/// `generationConfig.imageConfig`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ImageConfig {
    aspect_ratio: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_size: Option<String>,
}

impl Target for Gemini {
    fn id(&self) -> super::TargetId {
        super::TargetId::Gemini
    }
    fn description(&self) -> &'static str {
        "Google Gemini image models (gemini-3.1-flash-image, gemini-3-pro-image, …) via :generateContent with generationConfig.imageConfig"
    }
    fn handoff_shape(&self) -> Result<super::HandOffShape, super::NoHandOff> {
        Ok(super::HandOffShape::GeminiJson)
    }

    fn pricing(&self) -> super::Pricing {
        super::Pricing::Unknown(
            "no official per-image price found for Google image models: unknown, not guessed",
        )
    }
    fn provider(&self) -> Option<&'static super::Provider> {
        Some(&PROVIDER)
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let d = &req.limits.gemini;
        let (model, facts, mut warnings) = common::google_model(req.brief, d, "gemini", req.today)?;
        let opts = common::options(req.brief, "gemini", &["image_size"])?;
        // what the request takes of `output`; every other field the brief sets is a warning
        warnings.extend(common::unused(
            req,
            "gemini",
            &["model", "size", "aspect_ratio", "seed"],
        ));
        let (aspect, changed) = common::listed_ratio(req.brief, "gemini", &d.aspect_ratios)?;
        warnings.extend(changed);
        let (image_size, size_warnings) = common::image_size(
            req.brief,
            opts.get("image_size").and_then(|v| v.as_str()),
            "gemini",
            &model,
            &facts.image_sizes,
        )?;
        warnings.extend(size_warnings);
        // GenerateContentConfig.seed (data/sdk/google-genai-3.6.1): best-effort repeatability;
        // the API's GenerationConfig.seed is an int32
        if let Some(seed) = req.brief.output.seed.filter(|seed| *seed > i32::MAX as u64) {
            return Err(vec![
                crate::diagnostic::Diagnostic::error(
                    Code::InvalidValue,
                    format!("seed {seed} is too large for gemini: at most {}", i32::MAX),
                )
                .with_path("output.seed")
                .with_help("Gemini's generationConfig.seed is a 32-bit integer"),
            ]);
        }
        let body = Body {
            contents: [Content {
                role: "user",
                parts: [Part { text: req.prompt }],
            }],
            generation_config: GenerationConfig {
                response_modalities: ["IMAGE"],
                image_config: ImageConfig {
                    aspect_ratio: aspect.clone(),
                    image_size,
                },
                seed: req.brief.output.seed,
            },
        };
        let body = common::body_value(&body)?;
        let errors = against_schema(TargetSchema::Gemini, &body);
        if !errors.is_empty() {
            return Err(errors);
        }
        let version = &d.api_version;
        Ok((
            Payload {
                target: super::TargetId::Gemini,
                method: super::Method::Post,
                url: format!(
                    "https://generativelanguage.googleapis.com/{version}/models/{model}:generateContent"
                ),
                body,
                schema: TargetSchema::Gemini,
                summary: super::Summary::of(&model, Some(aspect.as_str()), None, 1, Vec::new()),
            },
            warnings,
        ))
    }
}
