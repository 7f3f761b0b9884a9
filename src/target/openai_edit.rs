//! OpenAI `POST /v1/images/edits` with a JSON body: input images by URL or file id, optional mask.
use serde::Serialize;

use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::Diagnostic;
use crate::validate::{self, TargetSchema};

/// The OpenAI edits target.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenAiEdit;

#[derive(Debug, Serialize)]
#[serde(untagged)]
enum ImageRef {
    Url { image_url: String },
    File { file_id: String },
}

fn image_ref(s: &str) -> ImageRef {
    if s.starts_with("file-") {
        ImageRef::File {
            file_id: s.to_string(),
        }
    } else {
        ImageRef::Url {
            image_url: s.to_string(),
        }
    }
}

#[derive(Debug, Serialize)]
struct EditBody {
    model: String,
    prompt: String,
    images: Vec<ImageRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mask: Option<ImageRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quality: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_compression: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    background: Option<String>,
}

impl Target for OpenAiEdit {
    fn name(&self) -> &'static str {
        "openai-edit"
    }
    fn description(&self) -> &'static str {
        "OpenAI Images API, POST /v1/images/edits (JSON body: images by URL or file id, optional mask)"
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        // the generations target already knows every model rule: reuse its checks
        let (generated, warnings) = super::OpenAi.build(req)?;
        let inputs = &req.brief.inputs;
        if inputs.images.is_empty() {
            return Err(vec![Diagnostic::error("missing-field", "an edit needs input images: `inputs.images`")
                .with_path("inputs")
                .with_help("add `inputs: {images: [https://example.com/photo.png]}` (URLs or `file-…` ids), or use `--target openai`")]);
        }
        let g = &generated.body;
        let mut warnings = warnings;
        // the edits endpoint takes only the listed sizes
        let listed = ["auto", "1024x1024", "1536x1024", "1024x1536"];
        let mut size = g.get("size").and_then(|v| v.as_str()).map(str::to_string);
        if let Some(s) = size.clone().filter(|s| !listed.contains(&s.as_str()))
            && let Some(parsed) = crate::size::Size::parse(&s)
        {
            let nearest = listed[1..]
                .iter()
                .filter_map(|l| crate::size::Size::parse(l).map(|p| (l, p)))
                .min_by(|a, b| {
                    (a.1.ratio().ln() - parsed.ratio().ln())
                        .abs()
                        .total_cmp(&(b.1.ratio().ln() - parsed.ratio().ln()).abs())
                })
                .map_or("auto", |(l, _)| l);
            warnings.push(super::common::size_changed("openai-edit", &s, nearest));
            size = Some(nearest.to_string());
        }
        let text = |k: &str| g.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let body = EditBody {
            model: text("model").unwrap_or_default(),
            prompt: req.prompt.to_string(),
            images: inputs.images.iter().map(|s| image_ref(s)).collect(),
            mask: inputs.mask.as_deref().map(image_ref),
            n: g.get("n").and_then(|v| v.as_u64()).map(|n| n as u32),
            size,
            quality: text("quality"),
            output_format: text("output_format"),
            output_compression: g
                .get("output_compression")
                .and_then(|v| v.as_u64())
                .map(|n| n as u32),
            background: text("background"),
        };
        let body = serde_json::to_value(&body).expect("edit body serialises");
        let errors: Vec<Diagnostic> = validate::against_schema(TargetSchema::OpenAiEdits, &body)
            .into_iter()
            .map(|d| {
                if d.notes
                    .iter()
                    .any(|n| n.contains("images") || n.contains("mask"))
                {
                    d.with_path("inputs")
                } else {
                    d
                }
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok((
            Payload {
                target: "openai-edit",
                method: "POST",
                url: String::from("https://api.openai.com/v1/images/edits"),
                body,
            },
            warnings,
        ))
    }
}
