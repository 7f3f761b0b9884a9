//! OpenAI `POST /v1/images/edits` with a JSON body: input images by URL or file id, optional mask.
use serde::Serialize;

use super::openai::{Common, common_request};
use super::{BuildResult, OpenAiImageRequest, Payload, Request, Target};
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

/// The JSON body of `POST /v1/images/edits`: the shared fields with the input images after the
/// prompt, in the order of the official reference.
fn edit_body(
    common: &OpenAiImageRequest,
    images: Vec<ImageRef>,
    mask: Option<ImageRef>,
    input_fidelity: Option<String>,
) -> serde_json::Value {
    let serde_json::Value::Object(shared) =
        serde_json::to_value(common).expect("edit body serialises")
    else {
        unreachable!("a struct serialises to an object")
    };
    let mut body = serde_json::Map::new();
    for (k, v) in shared {
        body.insert(k.clone(), v);
        if k == "prompt" {
            body.insert(
                "images".into(),
                serde_json::to_value(&images).expect("images"),
            );
            if let Some(m) = &mask {
                body.insert("mask".into(), serde_json::to_value(m).expect("mask"));
            }
        }
    }
    if let Some(f) = input_fidelity {
        body.insert("input_fidelity".into(), f.into());
    }
    serde_json::Value::Object(body)
}

impl Target for OpenAiEdit {
    fn id(&self) -> super::TargetId {
        super::TargetId::OpenaiEdit
    }
    fn description(&self) -> &'static str {
        "OpenAI Images API, POST /v1/images/edits (JSON body: images by URL or file id, optional mask)"
    }
    fn batch_endpoint(&self) -> Option<&'static str> {
        Some("/v1/images/edits")
    }

    fn handoff(
        &self,
        r: &crate::engine::Rendering,
        form: crate::handoff::HandOff,
    ) -> Result<String, Diagnostic> {
        Ok(super::openai::openai_handoff(r, form, true))
    }

    fn pricing(&self) -> crate::cost::Pricing {
        crate::cost::Pricing::OpenAi
    }
    fn provider(&self) -> Option<&'static crate::handoff::Provider> {
        Some(&super::openai::PROVIDER)
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let Common {
            request,
            rules,
            mut warnings,
            mut errors,
        } = common_request(req)?;
        let inputs = &req.brief.inputs;
        let model = request.model.clone();
        if inputs.images.is_empty() {
            errors.push(Diagnostic::error("missing-field", "an edit needs input images: `inputs.images`")
                .with_path("inputs")
                .with_help("add `inputs: {images: [https://example.com/photo.png]}` (URLs or `file-…` ids), or use `--target openai`"));
        }
        let max = req.models.edits.max_input_images as usize;
        if inputs.images.len() > max {
            errors.push(
                Diagnostic::error(
                    "invalid-value",
                    format!(
                        "{} input images: an edit takes at most {max}",
                        inputs.images.len()
                    ),
                )
                .with_path("inputs.images")
                .with_note(format!("source: {}", req.models.edits.source))
                .with_help(format!("keep {max} images or fewer")),
            );
        }
        if request.style.is_some() {
            errors.push(
                Diagnostic::error(
                    "unsupported-parameter",
                    "the edits endpoint does not take `style`",
                )
                .with_path("output.style")
                .with_help("remove `output.style`; describe the style in the brief instead"),
            );
        }
        if inputs.mask.is_some()
            && request.output_format.as_deref() == Some("gif")
            && req.models.formats.gif.excludes.iter().any(|e| e == "mask")
        {
            errors.push(
                Diagnostic::error("invalid-combination", "GIF output does not support masks")
                    .with_path("inputs.mask")
                    .with_note(format!("source: {}", req.models.formats.gif.source))
                    .with_help("remove `inputs.mask`, or choose another `output.format`"),
            );
        }
        if req.brief.targets.contains_key("openai-edit") {
            warnings.push(
                Diagnostic::warning(
                    "ignored-field",
                    "the openai-edit target takes no options: `targets.openai-edit` is left out",
                )
                .with_path("targets.openai-edit"),
            );
        }
        let fidelity = req.brief.output.input_fidelity.clone();
        if let (Some(f), Some(rules)) = (&fidelity, rules) {
            errors.extend(validate::input_fidelity(f, &model, rules));
            if rules.input_fidelity.is_unknown() {
                warnings.push(validate::unstated(
                    "input_fidelity",
                    "output.input_fidelity",
                    &model,
                ));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // the edits endpoint takes only the parameters the SDK lists for it
        let mut request = request;
        let takes = |k: &str| req.models.params.edits.contains_key(k);
        let mut drop = |key: &str, path: &str, present: bool| {
            if present && !takes(key) {
                warnings.push(
                    Diagnostic::warning(
                        "ignored-field",
                        format!("the edits endpoint has no `{key}`: `{path}` is left out"),
                    )
                    .with_path(path),
                );
                true
            } else {
                false
            }
        };
        if drop(
            "moderation",
            "output.moderation",
            request.moderation.is_some(),
        ) {
            request.moderation = None;
        }
        if drop(
            "complexity",
            "output.complexity",
            request.complexity.is_some(),
        ) {
            request.complexity = None;
        }
        if drop(
            "safety_identifier",
            "output.safety_identifier",
            request.safety_identifier.is_some(),
        ) {
            request.safety_identifier = None;
        }
        let body = edit_body(
            &request,
            inputs.images.iter().map(|s| image_ref(s)).collect(),
            inputs.mask.as_deref().map(image_ref),
            fidelity,
        );
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
        let summary = super::Summary::of(
            &model,
            body["size"].as_str(),
            body["output_format"].as_str(),
            body["n"].as_u64().unwrap_or(1) as u32,
            Vec::new(),
        );
        Ok((
            Payload {
                target: super::TargetId::OpenaiEdit,
                method: super::Method::Post,
                url: String::from("https://api.openai.com/v1/images/edits"),
                body,
                schema: TargetSchema::OpenAiEdits,
                summary,
            },
            warnings,
        ))
    }
}
