//! OpenAI `POST /v1/images/generations` (gpt-image-2 first).
use serde::{Deserialize, Serialize};

use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::Diagnostic;
use crate::size;
use crate::validate;

/// The OpenAI Images generations target.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenAi;

/// The JSON body of `POST /v1/images/generations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAiImageRequest {
    /// Model name.
    pub model: String,
    /// The prompt.
    pub prompt: String,
    /// Number of images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// `WIDTHxHEIGHT` or `auto`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Quality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
    /// `png`, `jpeg`, `webp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_format: Option<String>,
    /// 0–100 (jpeg/webp).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_compression: Option<u32>,
    /// `transparent`, `opaque`, `auto`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// `low`, `auto`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation: Option<String>,
    /// `vivid`, `natural` (DALL·E 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
}

impl Target for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn description(&self) -> &'static str {
        "OpenAI Images API, POST /v1/images/generations (gpt-image-2, gpt-image-1.5, gpt-image-1-mini, …)"
    }

    fn build(&self, req: &Request<'_>) -> BuildResult {
        let out = &req.brief.output;
        let model_name = out
            .model
            .clone()
            .unwrap_or_else(|| req.models.default_model.clone());
        let (canonical, rules, lifecycle_warning) = req
            .models
            .resolve(&model_name, req.today)
            .map_err(|d| vec![d.with_path("output.model")])?;
        let _ = canonical;
        let mut warnings: Vec<Diagnostic> = lifecycle_warning
            .map(|w| w.with_path("output.model"))
            .into_iter()
            .collect();

        let mut size = out.size.clone();
        if let Some(ratio_text) = &out.aspect_ratio {
            if size.is_some() {
                return Err(vec![Diagnostic::error(
                    "conflicting-size",
                    "`output.size` and `output.aspect_ratio` are both set",
                )
                .with_path("output.aspect_ratio")
                .with_label("remove this or `size`")
                .with_help("give either an exact `size` or an `aspect_ratio` to map to the nearest size the model accepts")]);
            }
            let ratio = size::parse_ratio(ratio_text).ok_or_else(|| {
                vec![
                    Diagnostic::error(
                        "invalid-value",
                        format!("`{ratio_text}` is not an aspect ratio"),
                    )
                    .with_path("output.aspect_ratio")
                    .with_help("write it as `WIDTH:HEIGHT`, e.g. `9:16`"),
                ]
            })?;
            if let Some((mapped, changed)) = size::for_ratio(ratio, rules) {
                if changed {
                    warnings.push(
                        Diagnostic::warning(
                            "size-mapped",
                            format!(
                                "aspect ratio {ratio_text} is not available on {model_name}; using {mapped}, the closest size it accepts"
                            ),
                        )
                        .with_path("output.aspect_ratio"),
                    );
                }
                size = Some(mapped.to_string());
            }
        }

        let payload = OpenAiImageRequest {
            model: model_name.clone(),
            prompt: req.prompt.to_string(),
            n: out.n,
            size,
            quality: out.quality.clone(),
            output_format: out.format.clone(),
            output_compression: out.compression,
            background: out.background.clone(),
            moderation: out.moderation.clone(),
            style: out.style.clone(),
        };
        let mut errors = Vec::new();
        for d in validate::openai_rules(&payload, &model_name, rules) {
            if d.is_error() {
                errors.push(d)
            } else {
                warnings.push(d)
            }
        }
        let body = serde_json::to_value(&payload).expect("payload serialises");
        if errors.is_empty() {
            // the official schema is the backstop: anything the model rules let through must pass it
            errors.extend(validate::against_schema(
                validate::TargetSchema::OpenAiGenerations,
                &body,
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Payload {
                target: "openai",
                method: "POST",
                url: String::from("https://api.openai.com/v1/images/generations"),
                body,
            },
            warnings,
        ))
    }
}
