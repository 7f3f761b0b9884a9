//! `imgprompt generate`: send rendered requests to the provider and keep every image with its
//! provenance, on every target with an API: OpenAI (generations and edits, any OpenAI-compatible
//! endpoint through `OPENAI_BASE_URL`), Stability, FLUX and Gemini ([`answer`] has each API's
//! shape).
//!
//! For each request the folder gets `ID-0.EXT`, `ID-1.EXT`, … (the extension of the output format;
//! SVG written as text) and `ID.json`, the sidecar: the brief after defaults, the prompt, the exact
//! payload, the model, what the response said (OpenAI `created`, `usage`, `revised_prompt`,
//! format, size, quality; Stability's headers; the FLUX task; Gemini's text parts), the estimated
//! and the usage-based cost, imgprompt's version and timestamps, and what the caller adds (the
//! target, what `verify` checks). Files are written atomically, the sidecar last: a request whose
//! sidecar exists is skipped on a re-run, so an interrupted run resumes. Rate limits and server
//! errors are retried with backoff (honouring `Retry-After`). `index.html` is a contact sheet
//! that opens from disk ([`sheet`]); [`attempts`] requests again until an image is accepted.
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

pub mod answer;
pub mod attempts;
pub mod send;
pub mod sheet;

pub use sheet::contact_sheet;

use crate::cost::PriceTable;
use crate::diagnostic::{Code, Diagnostic};
use crate::engine::Rendering;

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The output folder.
    pub out_dir: PathBuf,
    /// The provider's base URL (`https://api.openai.com/v1`), or its variable's value.
    pub base_url: String,
    /// The provider's own base URL, which the payload URLs start with.
    pub default_base: String,
    /// The variable that overrides the base URL (`OPENAI_BASE_URL`), for messages.
    pub base_env: String,
    /// The key (from `OPENAI_API_KEY`, `STABILITY_API_KEY`, …): never written anywhere.
    pub api_key: String,
    /// The header the key goes in.
    pub auth_header: String,
    /// What precedes the key in it (`Bearer `).
    pub auth_prefix: String,
    /// Retries of a rate-limited or failed request.
    pub max_retries: u32,
    /// The longest wait between retries.
    pub max_wait: Duration,
    /// The longest one request may take.
    pub timeout: Duration,
}

/// Where the images of a written outcome came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The request was sent and answered.
    Sent,
    /// The request had been in flight when an earlier run stopped (`ID.pending` was left): it was
    /// sent again, and may have been billed twice.
    Resent,
    /// An earlier run saved the answer but could not write its images: used without a request.
    Saved,
}

/// What one request produced.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Images written.
    Written {
        /// The image files.
        files: Vec<PathBuf>,
        /// The sidecar.
        sidecar: PathBuf,
        /// Retries before the answer (0 when the first attempt succeeded).
        retries: u32,
        /// The usage-based cost, else the estimated one (USD), when known.
        cost: Option<f64>,
        /// Where the answer came from.
        from: Source,
    },
    /// The sidecar was already there: skipped (resume).
    Skipped(PathBuf),
}

impl Settings {
    /// The settings for `provider`: its base URL (or the value of its variable), its key header.
    pub fn for_provider(
        provider: &crate::targets::Provider,
        out_dir: PathBuf,
        api_key: String,
        timeout: Duration,
    ) -> Settings {
        Settings {
            out_dir,
            base_url: std::env::var(provider.base_env)
                .ok()
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| provider.base.to_string()),
            default_base: provider.base.to_string(),
            base_env: provider.base_env.to_string(),
            api_key,
            auth_header: provider.auth_header.to_string(),
            auth_prefix: provider.auth_prefix.to_string(),
            max_retries: 4,
            max_wait: Duration::from_secs(60),
            timeout,
        }
    }
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let day = crate::validate::date::Date::from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

pub use crate::emit::file_safe;

/// A file-name-safe id, never hidden (no leading `.`: the sidecar could not name its images).
pub fn file_id(s: &str) -> String {
    let id = file_safe(s, 100).trim_start_matches('.').to_string();
    if id.is_empty() {
        String::from("image")
    } else {
        id
    }
}

/// The usage-based cost of a response: its token counts at the model's token prices.
pub fn usage_cost(usage: &Value, model: &str, prices: &PriceTable) -> Option<f64> {
    let t = &prices.models.get(model)?.tokens_per_million.as_ref()?.value;
    let input = usage["input_tokens_details"]["text_tokens"]
        .as_f64()
        .unwrap_or(0.0)
        * t.text_in
        + usage["input_tokens_details"]["image_tokens"]
            .as_f64()
            .unwrap_or(0.0)
            * t.image_in;
    let output = usage["output_tokens"].as_f64()? * t.image_out;
    Some((input + output) / 1e6)
}

/// Sends one rendering and writes its images and sidecar under `id`; `extra` is added to the
/// sidecar (the target, what verify checks).
///
/// The answer is saved before anything else ([`answer`]); its images are decoded and checked
/// (their bytes are the requested format) before any is written; then the images, then the
/// sidecar, and the saved answer is removed. When an image cannot be decoded or written, the
/// saved answer stays, and the next run uses it instead of paying for a new one. A request in
/// flight when a run was killed left `ID.pending`: it is sent again (the image APIs have no
/// idempotency key), and the outcome says so.
pub fn generate(
    r: &Rendering,
    id: &str,
    settings: &Settings,
    prices: &PriceTable,
    brief_file: &str,
    extra: &serde_json::Map<String, Value>,
) -> Result<Outcome, Diagnostic> {
    let id = file_id(id);
    let dir = &settings.out_dir;
    let sidecar = dir.join(format!("{id}.json"));
    if sidecar.is_file() {
        return Ok(Outcome::Skipped(sidecar));
    }
    let url = endpoint(r, settings)?;
    let started = timestamp();
    let answer = answer::obtain(r, &url, settings, (&id, &started, brief_file))?;
    let saved = answer.saved.first().cloned().unwrap_or_default();
    let (files, images) = write_images(&answer.images, &id, dir, &saved)?;
    let model = r.payload.summary.model.as_str();
    let estimated = r.cost.as_ref().and_then(|c| c.per_request);
    let usage_based = answer.response["usage"]
        .as_object()
        .and_then(|_| usage_cost(&answer.response["usage"], model, prices));
    let mut record = sidecar_record(
        r,
        &SidecarParts {
            id: &id,
            brief_file,
            started: &started,
            url: &url,
            response: &answer.response,
            images,
            estimated,
            usage_based,
        },
    );
    for (k, v) in extra {
        record[k] = v.clone();
    }
    write_sidecar(&record, &sidecar, &saved, settings)?;
    for f in &answer.saved {
        let _ = std::fs::remove_file(f);
    }
    Ok(Outcome::Written {
        files,
        sidecar,
        retries: answer.retries,
        cost: usage_based.or(estimated),
        from: answer.from,
    })
}

/// Writes each image as `ID-I.EXT` under `dir`: (the files, their entries in the sidecar). On
/// failure the saved answer is kept, and the error says so.
fn write_images(
    decoded: &[answer::Image],
    id: &str,
    dir: &Path,
    saved: &Path,
) -> Result<(Vec<PathBuf>, Vec<Value>), Diagnostic> {
    let mut files = Vec::new();
    let mut images = Vec::new();
    for (i, image) in decoded.iter().enumerate() {
        let ext = crate::emit::handoff::extension(Some(&image.format));
        let file = dir.join(format!("{id}-{i}.{ext}"));
        crate::emit::atomic::write_atomic(&file, &image.bytes)
            .map_err(|e| io(&file, &e).with_note(keep_note(saved)))?;
        images.push(json!({
            "file": format!("{id}-{i}.{ext}"),
            "revised_prompt": image.revised_prompt,
        }));
        files.push(file);
    }
    Ok((files, images))
}

/// Writes the sidecar record (the API key redacted, should the provider have echoed it); on
/// failure the saved answer is kept, and the error says so.
pub fn write_sidecar(
    record: &Value,
    sidecar: &Path,
    saved: &Path,
    settings: &Settings,
) -> Result<(), Diagnostic> {
    // a key the provider echoed into its answer is not written either
    let record = crate::app::http::redact_value(record, &settings.api_key);
    let text = serde_json::to_string_pretty(&record).unwrap_or_default() + "\n";
    crate::emit::atomic::write_atomic(sidecar, text.as_bytes())
        .map_err(|e| io(sidecar, &e).with_note(keep_note(saved)))
}

fn keep_note(saved: &Path) -> String {
    format!(
        "the provider's answer is kept in {}: a re-run uses it without paying again (delete it to request a new image)",
        saved.display()
    )
}

/// True when `generate` can send to `target`: it has a provider and an API shape.
pub fn supports(target: &dyn crate::targets::Target) -> bool {
    target.provider().is_some() && target.handoff_shape().is_ok()
}

/// The URL of the request under the configured base URL.
fn endpoint(r: &Rendering, settings: &Settings) -> Result<String, Diagnostic> {
    let target = r.payload.target.target();
    if !supports(target) {
        return Err(Diagnostic::error(
            Code::NotSupported,
            format!(
                "`generate` does not support the {} target: it has no API to call",
                r.payload.target
            ),
        )
        .with_help("use --target openai, openai-edit, stability, flux or gemini"));
    }
    let path = r
        .payload
        .url
        .strip_prefix(settings.default_base.as_str())
        .unwrap_or(&r.payload.url);
    Ok(format!("{}{path}", settings.base_url.trim_end_matches('/')))
}

/// Every image of an answer, decoded and checked against the format, with its
/// `revised_prompt`: all or none.
pub(crate) fn decode_images(
    response: &Value,
    format: &str,
    id: &str,
) -> Result<Vec<(Vec<u8>, Value)>, Diagnostic> {
    use base64::Engine as _;
    let data = response["data"].as_array().map_or(&[][..], Vec::as_slice);
    if data.is_empty() {
        return Err(Diagnostic::error(
            Code::NoImage,
            format!("the response to {id} holds no image"),
        ));
    }
    let mut out = Vec::with_capacity(data.len());
    for (i, item) in data.iter().enumerate() {
        let text = item["b64_json"].as_str().ok_or_else(|| {
            Diagnostic::error(
                Code::BadResponse,
                format!("image {i} of {id} has no `b64_json`"),
            )
        })?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| {
                Diagnostic::error(
                    Code::BadResponse,
                    format!("image {i} of {id} is not base64: {e}"),
                )
            })?;
        crate::app::image::check(&bytes, format).map_err(|why| {
            Diagnostic::error(
                Code::BadImage,
                format!("image {i} of {id} is not a {format} image: {why}"),
            )
        })?;
        out.push((
            bytes,
            item.get("revised_prompt").cloned().unwrap_or(Value::Null),
        ));
    }
    Ok(out)
}

/// What the sidecar is made of besides the rendering.
struct SidecarParts<'a> {
    id: &'a str,
    brief_file: &'a str,
    started: &'a str,
    url: &'a str,
    response: &'a Value,
    images: Vec<Value>,
    estimated: Option<f64>,
    usage_based: Option<f64>,
}

fn sidecar_record(r: &Rendering, p: &SidecarParts<'_>) -> Value {
    json!({
        "imgprompt": env!("CARGO_PKG_VERSION"),
        "id": p.id,
        "brief_file": p.brief_file,
        "started_at": p.started,
        "finished_at": timestamp(),
        "target": r.payload.target.to_string(),
        "model": r.payload.summary.model,
        "brief": r.brief,
        "preset": r.preset,
        "prompt": r.prompt,
        "request": {"method": r.payload.method, "url": p.url, "body": r.payload.body},
        "response": p.response,
        "images": p.images,
        "cost": {"estimated": p.estimated.map(crate::cost::money), "usage_based": p.usage_based.map(crate::cost::money), "currency": "USD"},
        "warnings": r.warnings,
    })
}

pub(crate) fn io(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot write {}: {e}", path.display()))
}
