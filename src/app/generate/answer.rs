//! The provider's answer, by the shape of its API, saved before it is used: an image that was
//! paid for is on disk before anything can fail.
//!
//! - OpenAI Images (`images/generations`, `images/edits`): a JSON answer, images in
//!   `data[].b64_json`, saved as `ID.response.json`;
//! - Stability (`stable-image/generate/*`): a multipart form sent with `accept: image/*`,
//!   answered with the image's bytes, saved as `ID.response.image`;
//! - FLUX (Black Forest Labs): submit, saved as `ID.task.json` (the task is paid for), then
//!   `polling_url` polled with backoff until `Ready` or an error state within `--timeout`, then
//!   `result.sample` downloaded (without the key: it is another host) into `ID.response.image`;
//!   a re-run polls a saved task again instead of submitting a new one;
//! - Gemini (`:generateContent`): a JSON answer, every `inlineData` part an image, text parts
//!   kept for the sidecar, saved as `ID.response.json`.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::send::{Call, Kept, send};
use super::{Settings, Source, io};
use crate::diagnostic::{Code, Diagnostic};
use crate::engine::Rendering;
use crate::targets::HandOffShape;

/// One image of the answer, checked to be its format.
#[derive(Debug)]
pub struct Image {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its format (`png`, `jpeg`, …).
    pub format: String,
    /// What the provider says it drew instead of the prompt (OpenAI `revised_prompt`).
    pub revised_prompt: Value,
}

/// What came back for one request.
#[derive(Debug)]
pub struct Answer {
    /// The images, all checked.
    pub images: Vec<Image>,
    /// What the sidecar keeps of the answer.
    pub response: Value,
    /// Retries it took.
    pub retries: u32,
    /// Where it came from.
    pub from: Source,
    /// The files it was saved in (removed once the sidecar is written).
    pub saved: Vec<PathBuf>,
}

impl Answer {
    /// An answer of `images`, what the sidecar keeps, (retries, where it came from), and the
    /// files it was saved in.
    fn of(
        images: Vec<Image>,
        response: Value,
        (retries, from): (u32, Source),
        saved: Vec<PathBuf>,
    ) -> Answer {
        Answer {
            images,
            response,
            retries,
            from,
            saved,
        }
    }
}

/// Obtains the answer to `r` at `url`, in the shape of its target's API.
pub fn obtain(
    r: &Rendering,
    url: &str,
    settings: &Settings,
    (id, started, brief_file): (&str, &str, &str),
) -> Result<Answer, Diagnostic> {
    let dir = &settings.out_dir;
    let shape = r
        .payload
        .target
        .target()
        .handoff_shape()
        .map_err(|n| Diagnostic::error(Code::NotSupported, n.why.to_string()))?;
    match shape {
        HandOffShape::OpenAi { edit } => {
            let saved = dir.join(format!("{id}.response.json"));
            let upload = if edit {
                edit_upload(&r.payload.body, url, brief_file)?
            } else {
                None
            };
            let call = upload.unwrap_or_else(|| Call::json(url, &r.payload.body));
            let (retries, from, _) = saved_answer(&call, settings, id, &saved, started)?;
            let v = read_json(&saved)?;
            let format = v["output_format"]
                .as_str()
                .or(r.payload.summary.format.as_deref())
                .unwrap_or("png")
                .to_string();
            let images = openai_images(&v, &format, id).map_err(|d| keep(d, &saved))?;
            let response = json!({
                "created": v.get("created"), "usage": v.get("usage"), "svg_usage": v.get("svg_usage"),
                "output_format": format, "size": v.get("size"), "quality": v.get("quality"),
                "background": v.get("background"),
            });
            Ok(Answer::of(images, response, (retries, from), vec![saved]))
        }
        HandOffShape::MultipartImage { default_format } => {
            let saved = dir.join(format!("{id}.response.image"));
            let call = multipart(url, &r.payload.body);
            let (retries, from, kept) = saved_answer(&call, settings, id, &saved, started)?;
            let format = requested(r, default_format);
            let images = vec![raw_image(&saved, &format, id)?];
            let response = json!({"output_format": format, "headers": headers(&kept)});
            Ok(Answer::of(images, response, (retries, from), vec![saved]))
        }
        HandOffShape::SubmitPoll { default_format } => {
            submit_poll(r, url, settings, id, started, &requested(r, default_format))
        }
        HandOffShape::GeminiJson => {
            let saved = dir.join(format!("{id}.response.json"));
            let call = Call::json(url, &r.payload.body);
            let (retries, from, _) = saved_answer(&call, settings, id, &saved, started)?;
            let v = read_json(&saved)?;
            let (images, texts) = gemini_images(&v, id).map_err(|d| keep(d, &saved))?;
            let response = json!({"texts": texts, "usage": v.get("usageMetadata"), "model_version": v.get("modelVersion")});
            Ok(Answer::of(images, response, (retries, from), vec![saved]))
        }
    }
}

/// The format the request names, else the provider's default.
fn requested(r: &Rendering, default_format: &str) -> String {
    r.payload
        .summary
        .format
        .clone()
        .unwrap_or_else(|| default_format.to_string())
}

fn headers(kept: &Kept) -> Value {
    Value::Object(
        kept.iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect(),
    )
}

/// The answer in `saved`: the one an earlier run saved, else a new one (sent with `ID.pending`
/// beside it while in flight): (retries, where it came from, kept headers).
fn saved_answer(
    call: &Call,
    settings: &Settings,
    id: &str,
    saved: &Path,
    started: &str,
) -> Result<(u32, Source, Kept), Diagnostic> {
    if saved.is_file() {
        return Ok((0, Source::Saved, Vec::new()));
    }
    let pending = settings.out_dir.join(format!("{id}.pending"));
    let from = if pending.exists() {
        Source::Resent
    } else {
        Source::Sent
    };
    std::fs::write(&pending, started.as_bytes()).map_err(|e| io(&pending, &e))?;
    let sent = send(call, settings, saved);
    let _ = std::fs::remove_file(&pending);
    let (retries, kept) = sent?;
    Ok((retries, from, kept))
}

/// The note that the saved answer is kept.
pub fn keep(d: Diagnostic, saved: &Path) -> Diagnostic {
    d.with_note(super::keep_note(saved))
}

/// Reads a saved JSON answer; one that is not JSON (a proxy's page) is put aside, not replayed.
fn read_json(saved: &Path) -> Result<Value, Diagnostic> {
    let file = std::fs::File::open(saved).map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot read {}: {e}", saved.display()))
    })?;
    serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
        let aside = saved.with_extension("invalid");
        let kept = std::fs::rename(saved, &aside).is_ok();
        let d = Diagnostic::error(
            Code::BadResponse,
            format!("the provider's answer is not JSON: {e}"),
        );
        if kept {
            d.with_note(format!(
                "kept as {} for a look; the next run requests the image again",
                aside.display()
            ))
        } else {
            d
        }
    })
}

/// A saved image answer, checked to be `format`.
fn raw_image(saved: &Path, format: &str, id: &str) -> Result<Image, Diagnostic> {
    let bytes = std::fs::read(saved).map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot read {}: {e}", saved.display()))
    })?;
    crate::app::image::check(&bytes, format).map_err(|why| {
        keep(
            Diagnostic::error(
                Code::BadImage,
                format!("the answer to {id} is not a {format} image: {why}"),
            ),
            saved,
        )
    })?;
    Ok(Image {
        bytes,
        format: format.to_string(),
        revised_prompt: Value::Null,
    })
}

/// Every image of an OpenAI answer, decoded and checked against the format: all or none.
pub fn openai_images(response: &Value, format: &str, id: &str) -> Result<Vec<Image>, Diagnostic> {
    Ok(super::decode_images(response, format, id)?
        .into_iter()
        .map(|(bytes, revised_prompt)| Image {
            bytes,
            format: format.to_string(),
            revised_prompt,
        })
        .collect())
}

/// Every `inlineData` part of a Gemini answer (its format from its MIME type, checked), and the
/// text parts.
fn gemini_images(v: &Value, id: &str) -> Result<(Vec<Image>, Vec<String>), Diagnostic> {
    use base64::Engine as _;
    let parts: Vec<&Value> = v["candidates"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["content"]["parts"].as_array().into_iter().flatten())
        .collect();
    let texts: Vec<String> = parts
        .iter()
        .filter_map(|p| p["text"].as_str().map(str::to_string))
        .collect();
    let mut images = Vec::new();
    for (i, data) in parts.iter().filter_map(|p| p.get("inlineData")).enumerate() {
        let mime = data["mimeType"].as_str().unwrap_or("image/png");
        let format = mime.strip_prefix("image/").unwrap_or("png").to_string();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data["data"].as_str().unwrap_or_default().trim())
            .map_err(|e| {
                Diagnostic::error(
                    Code::BadResponse,
                    format!("image {i} of {id} is not base64: {e}"),
                )
            })?;
        crate::app::image::check(&bytes, &format).map_err(|why| {
            Diagnostic::error(
                Code::BadImage,
                format!("image {i} of {id} is not {mime}: {why}"),
            )
        })?;
        images.push(Image {
            bytes,
            format,
            revised_prompt: Value::Null,
        });
    }
    if images.is_empty() {
        let said = texts.join(" ");
        return Err(Diagnostic::error(
            Code::NoImage,
            format!("the response to {id} holds no image"),
        )
        .with_note(format!(
            "the model answered: {}",
            if said.is_empty() { "nothing" } else { &said }
        )));
    }
    Ok((images, texts))
}

/// A multipart form of the body's fields (Stability), answered with the image.
fn multipart(url: &str, body: &Value) -> Call {
    let fields = body
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), field_text(v)))
        .collect();
    form(url, fields, Vec::new(), "image/*")
}

fn field_text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// A file part of a form: (field name, file name, content type, bytes).
type FilePart = (String, String, String, Vec<u8>);

/// A multipart POST of text fields and files.
fn form(url: &str, fields: Vec<(String, String)>, files: Vec<FilePart>, accept: &str) -> Call {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let boundary = format!("imgprompt-{nanos:x}-{n}");
    let quote = |s: &str| s.replace(['"', '\r', '\n'], "_");
    let mut out = Vec::new();
    for (k, text) in fields {
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n",
                quote(&k)
            )
            .as_bytes(),
        );
        out.extend_from_slice(text.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    for (k, name, ctype, bytes) in files {
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {ctype}\r\n\r\n",
                quote(&k),
                quote(&name)
            )
            .as_bytes(),
        );
        out.extend_from_slice(&bytes);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Call {
        post: true,
        url: url.to_string(),
        headers: vec![
            (String::from("accept"), accept.to_string()),
            (
                String::from("Content-Type"),
                format!("multipart/form-data; boundary={boundary}"),
            ),
        ],
        body: out,
        with_key: true,
    }
}

/// The largest input image uploaded (the SDK's documented limit for GPT image models: 50 MB).
const MAX_UPLOAD: u64 = 50 * 1000 * 1000;

/// An edit whose input images are local files (`file:` in the payload): the multipart upload of
/// the SDK's `images.edit`, each image an `image[]` file part and the mask a `mask` part, the
/// other fields as text; paths relative to the brief's folder. `None` when no input is local.
fn edit_upload(body: &Value, url: &str, brief_file: &str) -> Result<Option<Call>, Diagnostic> {
    let refs: Vec<(&str, &Value)> = body["images"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| ("image[]", i))
        .chain(body.get("mask").map(|m| ("mask", m)))
        .collect();
    let local = |v: &Value| v["image_url"].as_str().and_then(crate::targets::local_path);
    if !refs.iter().any(|(_, v)| local(v).is_some()) {
        return Ok(None);
    }
    let base = Path::new(brief_file)
        .parent()
        .filter(|_| brief_file != "-")
        .map_or_else(PathBuf::new, Path::to_path_buf);
    let mut files = Vec::new();
    for (field, v) in refs {
        let Some(path) = local(v) else {
            return Err(Diagnostic::error(
                Code::InvalidCombination,
                "an edit cannot mix local files with URLs or file ids: the upload takes files only",
            )
            .with_path("inputs")
            .with_help("give every input image (and the mask) as a local file, or none"));
        };
        files.push(upload_part(field, &base.join(&path), &path)?);
    }
    let fields = body
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| *k != "images" && *k != "mask")
        .map(|(k, v)| (k.clone(), field_text(v)))
        .collect();
    Ok(Some(form(url, fields, files, "application/json")))
}

/// One local image as a file part, checked to be PNG, WebP or JPEG and within the limit.
fn upload_part(field: &str, path: &Path, written: &str) -> Result<FilePart, Diagnostic> {
    use std::io::Read;
    let cannot = |why: String| {
        Diagnostic::error(
            Code::Io,
            format!("cannot upload `{written}` ({}): {why}", path.display()),
        )
        .with_path("inputs")
    };
    let file = std::fs::File::open(path).map_err(|e| cannot(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_UPLOAD + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(e.to_string()))?;
    if bytes.len() as u64 > MAX_UPLOAD {
        return Err(cannot(String::from(
            "larger than the 50 MB an input image may be",
        )));
    }
    let ctype = match crate::app::image::sniff(&bytes) {
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("jpeg") => "image/jpeg",
        _ => return Err(cannot(String::from("not a PNG, WebP or JPEG image"))),
    };
    let name = path.file_name().map_or_else(
        || String::from("image"),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((field.to_string(), name, ctype.to_string(), bytes))
}

/// Submit (or the task an earlier run submitted), poll, download.
fn submit_poll(
    r: &Rendering,
    url: &str,
    settings: &Settings,
    id: &str,
    started: &str,
    format: &str,
) -> Result<Answer, Diagnostic> {
    let dir = &settings.out_dir;
    let task_file = dir.join(format!("{id}.task.json"));
    let image_file = dir.join(format!("{id}.response.image"));
    let (retries, from, _) = saved_answer(
        &Call::json(url, &r.payload.body),
        settings,
        id,
        &task_file,
        started,
    )?;
    let task = read_json(&task_file)?;
    if !image_file.is_file() {
        let sample = poll(&task, settings, id).map_err(|d| {
            if d.code == Code::ApiError {
                // an error state ends the task: the next run submits a new one
                let _ = std::fs::remove_file(&task_file);
                d
            } else {
                keep(d, &task_file)
            }
        })?;
        send(&Call::get(&sample, false), settings, &image_file).map_err(|d| {
            keep(d, &task_file)
                .with_note("the result URL expires 10 minutes after the task is ready")
        })?;
    }
    let images = vec![raw_image(&image_file, format, id)?];
    let response = json!({"output_format": format, "task": {"id": task.get("id"), "polling_url": task.get("polling_url")}});
    Ok(Answer::of(
        images,
        response,
        (retries, from),
        vec![image_file, task_file],
    ))
}

/// Polls the task until `Ready` (its `result.sample` URL), an error state, or the timeout.
fn poll(task: &Value, settings: &Settings, id: &str) -> Result<String, Diagnostic> {
    let polling = task["polling_url"].as_str().ok_or_else(|| {
        Diagnostic::error(
            Code::BadResponse,
            format!("the submit answer of {id} has no `polling_url`"),
        )
    })?;
    let with_key = same_site(polling, &settings.base_url);
    let deadline = Instant::now() + settings.timeout;
    let mut wait = Duration::from_millis(250);
    let status_file = settings.out_dir.join(format!("{id}.poll.json"));
    loop {
        let got = send(&Call::get(polling, with_key), settings, &status_file);
        let v = got.and_then(|_| read_json(&status_file));
        let _ = std::fs::remove_file(&status_file);
        let v = v?;
        match v["status"].as_str().unwrap_or("") {
            "Ready" => {
                return v["result"]["sample"]
                    .as_str()
                    .map(str::to_string)
                    .ok_or_else(|| {
                        Diagnostic::error(
                            Code::BadResponse,
                            format!("the ready task of {id} has no `result.sample`"),
                        )
                    });
            }
            "Pending" | "Queued" | "Processing" => {}
            other => {
                return Err(Diagnostic::error(
                    Code::ApiError,
                    format!("the FLUX task of {id} ended in status `{other}`"),
                ));
            }
        }
        if Instant::now() + wait > deadline {
            return Err(Diagnostic::error(
                Code::RequestFailed,
                format!(
                    "the FLUX task of {id} was not ready within --timeout ({} s)",
                    settings.timeout.as_secs()
                ),
            )
            .with_help(
                "run again to poll the same task (it is not submitted twice), or raise --timeout",
            ));
        }
        std::thread::sleep(wait);
        wait = (wait * 3 / 2).min(Duration::from_secs(5));
    }
}

/// True when `url` is on the provider's site (the key may go there): the same host as `base`,
/// or the same last two labels of a name (`api.eu.bfl.ai` and `api.bfl.ai`).
fn same_site(url: &str, base: &str) -> bool {
    fn host(u: &str) -> Option<&str> {
        let rest = u.split_once("://")?.1;
        let authority = rest.split(['/', '?', '#']).next()?;
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        Some(host.split(':').next().unwrap_or(host))
    }
    fn site(h: &str) -> String {
        if h.parse::<std::net::IpAddr>().is_ok() {
            return h.to_string();
        }
        let labels: Vec<&str> = h.rsplit('.').take(2).collect();
        labels.into_iter().rev().collect::<Vec<_>>().join(".")
    }
    match (host(url), host(base)) {
        (Some(a), Some(b)) => site(&a.to_ascii_lowercase()) == site(&b.to_ascii_lowercase()),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_goes_to_the_providers_site_only() {
        assert!(same_site(
            "https://api.eu.bfl.ai/v1/get_result?id=1",
            "https://api.bfl.ai/v1"
        ));
        assert!(same_site(
            "http://127.0.0.1:8080/v1/get_result",
            "http://127.0.0.1:8080/v1"
        ));
        assert!(!same_site(
            "https://evil.example/x",
            "https://api.bfl.ai/v1"
        ));
        assert!(!same_site(
            "https://api.bfl.ai.evil.example/x",
            "https://api.bfl.ai/v1"
        ));
        assert!(!same_site(
            "https://user@evil.example/",
            "https://api.bfl.ai/v1"
        ));
    }
}
