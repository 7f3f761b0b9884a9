//! OpenAI `POST /v1/images/generations` (gpt-image-2 first). The fields both Images endpoints share
//! are built here once ([`common_request`]) and checked by the OpenAI rules (`openai/rules.rs`);
//! `openai_edit.rs` adds the edit's own.
use serde::{Deserialize, Serialize};

use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::{Code, Diagnostic};
use crate::validate;
use crate::validate::models::{ModelRules, Resolved};
use crate::validate::size;

mod rules;

/// The OpenAI Images generations target.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenAi;

/// `svg.reasoning`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SvgReasoning {
    /// Effort.
    pub effort: String,
}

/// `svg`: the SVG author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SvgAuthor {
    /// The author model.
    pub model: String,
    /// Reasoning settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<SvgReasoning>,
}

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
    /// `png`, `jpeg`, `webp`, `gif`, `svg`.
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
    /// `low`, `medium`, `high`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complexity: Option<String>,
    /// GIF frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_count: Option<u32>,
    /// GIF frame delay.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_duration_ms: Option<u32>,
    /// The SVG author.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub svg: Option<SvgAuthor>,
    /// End-user identifier for abuse monitoring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safety_identifier: Option<String>,
    /// `vivid`, `natural` (DALL·E 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
}

/// The OpenAI API: `OPENAI_API_KEY`, `OPENAI_BASE_URL`.
pub(super) const PROVIDER: super::Provider = super::Provider {
    key_env: "OPENAI_API_KEY",
    auth_header: "Authorization",
    auth_prefix: "Bearer ",
    base_env: "OPENAI_BASE_URL",
    base: "https://api.openai.com/v1",
};

/// The shared part of a generations or edits request, checked against the model's rules.
#[derive(Debug)]
pub(super) struct Common<'a> {
    /// The body fields both endpoints take.
    pub request: OpenAiImageRequest,
    /// The model's rules (`None` for a model not in the table).
    pub rules: Option<&'a ModelRules>,
    /// Warnings so far.
    pub warnings: Vec<Diagnostic>,
    /// Errors so far (every problem is collected, not only the first).
    pub errors: Vec<Diagnostic>,
}

/// Builds and checks the fields both Images endpoints share.
pub(super) fn common_request<'a>(req: &Request<'a>) -> Result<Common<'a>, Vec<Diagnostic>> {
    let out = &req.brief.output;
    let model_name = out
        .model
        .clone()
        .unwrap_or_else(|| req.models.default_model.clone());
    let mut warnings = Vec::new();
    let rules = model_rules(req, &model_name, &mut warnings)?;
    let size = request_size(out, rules, &model_name, &mut warnings)?;
    let request = request_fields(req, model_name, size);
    if out.seed.is_some() {
        warnings.push(
            Diagnostic::warning(
                Code::IgnoredField,
                "the OpenAI Images API has no seed: `output.seed` is left out",
            )
            .with_path("output.seed"),
        );
    }
    let mut errors = Vec::new();
    for d in rules::check_request(&request, &request.model, rules, req.models) {
        if d.is_error() {
            errors.push(d)
        } else {
            warnings.push(d)
        }
    }
    Ok(Common {
        request,
        rules,
        warnings,
        errors,
    })
}

/// The model's rules from the table (`None` for a model it does not list, with a warning); a
/// retired model is an error at `output.model`.
fn model_rules<'a>(
    req: &Request<'a>,
    model_name: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Option<&'a ModelRules>, Vec<Diagnostic>> {
    let resolved = req
        .models
        .resolve(model_name, req.today)
        .map_err(|d| vec![d.with_path("output.model")])?;
    Ok(match resolved {
        Resolved::Known { rules, warning, .. } => {
            warnings.extend(warning.map(|w| w.with_path("output.model")));
            Some(rules)
        }
        Resolved::Unknown { warning } => {
            warnings.push(warning.with_path("output.model"));
            None
        }
    })
}

/// `size`: the brief's exact size, or its aspect ratio mapped to the nearest size the model
/// accepts (with a warning when that changes the ratio).
fn request_size(
    out: &crate::brief::Output,
    rules: Option<&ModelRules>,
    model_name: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Option<String>, Vec<Diagnostic>> {
    let Some(ratio) = &out.aspect_ratio else {
        return Ok(out.size.as_ref().map(|s| s.as_str().to_string()));
    };
    let ratio_text = ratio.as_str();
    if out.size.is_some() {
        return Err(vec![Diagnostic::error(
            Code::ConflictingSize,
            "`output.size` and `output.aspect_ratio` are both set",
        )
        .with_path("output.aspect_ratio")
        .with_label("remove this or `size`")
        .with_help("give either an exact `size` or an `aspect_ratio` to map to the nearest size the model accepts")]);
    }
    let ratio = ratio.value().ok_or_else(|| {
        vec![
            Diagnostic::error(
                Code::InvalidValue,
                format!("`{ratio_text}` is not an aspect ratio"),
            )
            .with_path("output.aspect_ratio")
            .with_help("write it as `WIDTH:HEIGHT`, e.g. `9:16`"),
        ]
    })?;
    let Some((mapped, changed)) = rules.and_then(|r| size::for_ratio(ratio, r)) else {
        return Err(vec![
            Diagnostic::error(
                Code::InvalidValue,
                format!(
                    "cannot map aspect ratio {ratio_text} to a size: no source states which sizes {model_name} accepts"
                ),
            )
            .with_path("output.aspect_ratio")
            .with_help("give an exact `output.size` (`WIDTHxHEIGHT`) instead"),
        ]);
    };
    if changed {
        warnings.push(
            Diagnostic::warning(
                Code::SizeMapped,
                format!(
                    "aspect ratio {ratio_text} is not available on {model_name}; using {mapped}, the closest size it accepts"
                ),
            )
            .with_path("output.aspect_ratio"),
        );
    }
    Ok(Some(mapped.to_string()))
}

/// The body fields, from the brief's `output`.
fn request_fields(req: &Request<'_>, model: String, size: Option<String>) -> OpenAiImageRequest {
    let out = &req.brief.output;
    OpenAiImageRequest {
        model,
        prompt: req.prompt.to_string(),
        n: out.n,
        size,
        quality: out.quality.clone(),
        output_format: out.format.clone(),
        output_compression: out.compression,
        background: out.background.clone(),
        moderation: out.moderation.clone(),
        complexity: out.complexity.clone(),
        frame_count: out.frame_count,
        frame_duration_ms: out.frame_duration_ms,
        svg: out.svg.as_ref().map(|s| SvgAuthor {
            model: s.model.clone(),
            reasoning: s
                .reasoning_effort
                .clone()
                .map(|effort| SvgReasoning { effort }),
        }),
        safety_identifier: out.safety_identifier.clone(),
        style: out.style.clone(),
    }
}

impl OpenAiImageRequest {
    /// What the request asks for, typed (both Images endpoints).
    pub fn summary(&self) -> super::Summary {
        super::Summary::of(
            &self.model,
            self.size.as_deref(),
            self.output_format.as_deref(),
            self.n.unwrap_or(1),
            Vec::new(),
        )
        .quality(self.quality.as_deref())
        .prompt(&self.prompt)
    }
}

/// Warnings for what the brief sets that only the edits endpoint takes.
fn edit_only_fields(req: &Request<'_>) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    if !req.brief.inputs.is_empty() {
        warnings.push(
            Diagnostic::warning(
                Code::IgnoredField,
                "`inputs` are images to edit: the openai target (generations) leaves them out",
            )
            .with_path("inputs")
            .with_help("use `--target openai-edit` to edit them"),
        );
    }
    if req.brief.targets.contains_key("openai") {
        warnings.push(
            Diagnostic::warning(
                Code::IgnoredField,
                "the openai target takes no options: `targets.openai` is left out",
            )
            .with_path("targets.openai"),
        );
    }
    if let Some(f) = &req.brief.output.input_fidelity {
        warnings.push(
            Diagnostic::warning(
                Code::IgnoredField,
                format!("`output.input_fidelity: {f}` applies to edits only: the openai target leaves it out"),
            )
            .with_path("output.input_fidelity")
            .with_help("use `--target openai-edit` with `inputs.images`, or remove it"),
        );
    }
    warnings
}

impl Target for OpenAi {
    fn id(&self) -> super::TargetId {
        super::TargetId::Openai
    }

    fn description(&self) -> &'static str {
        "OpenAI Images API, POST /v1/images/generations (gpt-image-2, gpt-image-2.5-*, gpt-image-2.6-*, chatgpt-image-latest, …)"
    }

    fn batch_endpoint(&self) -> Option<&'static str> {
        Some("/v1/images/generations")
    }

    fn handoff_shape(&self) -> Result<super::HandOffShape, super::NoHandOff> {
        Ok(super::HandOffShape::OpenAi { edit: false })
    }

    fn pricing(&self) -> super::Pricing {
        super::Pricing::OpenAi
    }
    fn provider(&self) -> Option<&'static super::Provider> {
        Some(&PROVIDER)
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let Common {
            request,
            mut warnings,
            mut errors,
            ..
        } = common_request(req)?;
        warnings.extend(edit_only_fields(req));
        let summary = request.summary();
        let body = super::common::body_value(&request)?;
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
                target: super::TargetId::Openai,
                method: super::Method::Post,
                url: String::from("https://api.openai.com/v1/images/generations"),
                body,
                schema: validate::TargetSchema::OpenAiGenerations,
                summary,
            },
            warnings,
        ))
    }
}
