//! OpenAI `POST /v1/images/edits` with a JSON body: input images by URL or file id, optional mask.
use serde::Serialize;

use super::openai::{Common, common_request};
use super::{BuildResult, OpenAiImageRequest, Payload, Request, Target};
use crate::diagnostic::{Code, Diagnostic};
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

/// True for an input that names a local file: no URL scheme (`https:`, `data:`; a one-letter
/// "scheme" is a Windows drive), not a `file-…` id.
pub(crate) fn is_local(s: &str) -> bool {
    if s.starts_with("file-") {
        return false;
    }
    match s.split_once(':') {
        Some((scheme, _)) => {
            !(scheme.len() >= 2
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        }
        None => true,
    }
}

/// The `file:` URI of a local path in the JSON payload (what `generate` uploads): every byte
/// outside a URI path's own characters percent-encoded.
pub(crate) fn file_uri(path: &str) -> String {
    let mut out = String::from("file:");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The local path of a `file:` URI that [`file_uri`] wrote (what `generate` uploads).
#[cfg(feature = "run")]
pub(crate) fn local_path(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("file:")?;
    let mut bytes = Vec::with_capacity(rest.len());
    let mut it = rest.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex: Vec<u8> = it.by_ref().take(2).collect();
            let v = std::str::from_utf8(&hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())?;
            bytes.push(v);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

/// A warning for each local input (`inputs.images[i]`, `inputs.mask`).
fn local_warnings(inputs: &crate::brief::Inputs) -> Vec<Diagnostic> {
    let images = inputs
        .images
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("inputs.images[{i}]"), s));
    let mask = inputs.mask.iter().map(|s| (String::from("inputs.mask"), s));
    images
        .chain(mask)
        .filter(|(_, s)| is_local(s))
        .map(|(path, s)| {
            Diagnostic::warning(
                Code::LocalFile,
                format!("`{s}` is a local file: `generate` uploads it as a multipart form, as the SDK's images.edit does"),
            )
            .with_path(path)
            .with_help("a JSON request sent by another tool (hand-off, batch) needs a URL, a data URL or a `file-…` id")
        })
        .collect()
}

fn image_ref(s: &str) -> ImageRef {
    if s.starts_with("file-") {
        ImageRef::File {
            file_id: s.to_string(),
        }
    } else if is_local(s) {
        ImageRef::Url {
            image_url: file_uri(s),
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
) -> Result<serde_json::Value, Vec<Diagnostic>> {
    let shared = match super::common::body_value(common)? {
        serde_json::Value::Object(shared) => shared,
        _ => serde_json::Map::new(),
    };
    let mut body = serde_json::Map::new();
    for (k, v) in shared {
        let after_prompt = k == "prompt";
        body.insert(k, v);
        if after_prompt {
            body.insert("images".into(), super::common::body_value(&images)?);
            if let Some(m) = &mask {
                body.insert("mask".into(), super::common::body_value(m)?);
            }
        }
    }
    if let Some(f) = input_fidelity {
        body.insert("input_fidelity".into(), f.into());
    }
    Ok(serde_json::Value::Object(body))
}

/// What only an edit checks: input images present and within the count, no `style`, no mask
/// with GIF output, and `input_fidelity` against the model's rules.
fn edit_checks(
    req: &Request<'_>,
    request: &OpenAiImageRequest,
    rules: Option<&crate::validate::models::ModelRules>,
    errors: &mut Vec<Diagnostic>,
    warnings: &mut Vec<Diagnostic>,
) {
    let inputs = &req.brief.inputs;
    let model = &request.model;
    if inputs.images.is_empty() {
        errors.push(Diagnostic::error(Code::MissingField, "an edit needs input images: `inputs.images`")
            .with_path("inputs")
            .with_help("add `inputs: {images: [https://example.com/photo.png]}` (URLs or `file-…` ids), or use `--target openai`"));
    }
    let max = req.models.edits.max_input_images as usize;
    if inputs.images.len() > max {
        errors.push(
            Diagnostic::error(
                Code::InvalidValue,
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
                Code::UnsupportedParameter,
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
            Diagnostic::error(
                Code::InvalidCombination,
                "GIF output does not support masks",
            )
            .with_path("inputs.mask")
            .with_note(format!("source: {}", req.models.formats.gif.source))
            .with_help("remove `inputs.mask`, or choose another `output.format`"),
        );
    }
    if req.brief.targets.contains_key("openai-edit") {
        warnings.push(
            Diagnostic::warning(
                Code::IgnoredField,
                "the openai-edit target takes no options: `targets.openai-edit` is left out",
            )
            .with_path("targets.openai-edit"),
        );
    }
    if let (Some(f), Some(rules)) = (&req.brief.output.input_fidelity, rules) {
        errors.extend(validate::input_fidelity(f, model, rules));
        if rules.input_fidelity.is_unknown() {
            warnings.push(validate::unstated(
                "input_fidelity",
                "output.input_fidelity",
                model,
            ));
        }
    }
}

/// Drops the parameters the edits endpoint does not take (the SDK lists its own), each with a
/// warning.
fn drop_generation_only(
    req: &Request<'_>,
    request: &mut OpenAiImageRequest,
    warnings: &mut Vec<Diagnostic>,
) {
    let fields: [(&str, &str, &mut Option<String>); 3] = [
        ("moderation", "output.moderation", &mut request.moderation),
        ("complexity", "output.complexity", &mut request.complexity),
        (
            "safety_identifier",
            "output.safety_identifier",
            &mut request.safety_identifier,
        ),
    ];
    for (key, path, value) in fields {
        if value.is_some() && !req.models.params.edits.contains_key(key) {
            warnings.push(
                Diagnostic::warning(
                    Code::IgnoredField,
                    format!("the edits endpoint has no `{key}`: `{path}` is left out"),
                )
                .with_path(path),
            );
            *value = None;
        }
    }
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

    fn handoff_shape(&self) -> Result<super::HandOffShape, super::NoHandOff> {
        Ok(super::HandOffShape::OpenAi { edit: true })
    }

    fn pricing(&self) -> super::Pricing {
        super::Pricing::OpenAi
    }
    fn provider(&self) -> Option<&'static super::Provider> {
        Some(&super::openai::PROVIDER)
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let Common {
            mut request,
            rules,
            mut warnings,
            mut errors,
        } = common_request(req)?;
        edit_checks(req, &request, rules, &mut errors, &mut warnings);
        if !errors.is_empty() {
            return Err(errors);
        }
        drop_generation_only(req, &mut request, &mut warnings);
        let inputs = &req.brief.inputs;
        warnings.extend(local_warnings(inputs));
        let body = edit_body(
            &request,
            inputs.images.iter().map(|s| image_ref(s)).collect(),
            inputs.mask.as_deref().map(image_ref),
            req.brief.output.input_fidelity.clone(),
        )?;
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
                target: super::TargetId::OpenaiEdit,
                method: super::Method::Post,
                url: String::from("https://api.openai.com/v1/images/edits"),
                body,
                schema: TargetSchema::OpenAiEdits,
                summary: request.summary(),
            },
            warnings,
        ))
    }
}
