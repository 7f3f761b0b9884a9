//! The OpenAI Batch API at scale: submit a Batch input file (`batch --emit openai-batch`), follow
//! the batch, and unpack its output into images with the same sidecars as `generate`, matching
//! results to requests by `custom_id`.
//!
//! `submit` uploads the file through the Files API (`purpose: batch`), creates the batch for the
//! file's one endpoint, and writes `<file>.batch.json` beside it (the batch id and every request by
//! `custom_id`), so `fetch` can write each image's provenance. `fetch` downloads the output file
//! (one line per request) and the error file; every failed line is reported.
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::diagnostic::{Code, Diagnostic};

/// How to reach the API.
#[derive(Debug, Clone)]
pub struct Client {
    /// `https://api.openai.com/v1` or `OPENAI_BASE_URL`.
    pub base_url: String,
    /// The key.
    pub api_key: String,
}

fn agent() -> ureq::Agent {
    crate::app::http::agent(Duration::from_secs(600))
}

/// A 200 answer's body (up to `limit` bytes, into memory), or the error the API gave.
fn answer(
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    what: &str,
    key: &str,
) -> Result<Vec<u8>, Diagnostic> {
    let redacted = |s: String| crate::app::http::redact(&s, key);
    let mut resp = result
        .map_err(|e| Diagnostic::error(Code::RequestFailed, redacted(format!("{what}: {e}"))))?;
    let status = resp.status().as_u16();
    if status != 200 {
        let message = crate::app::http::error_text(resp.body_mut());
        return Err(Diagnostic::error(
            Code::ApiError,
            redacted(format!("{what}: the API answered {status}: {message}")),
        ));
    }
    crate::app::http::body_to_vec(resp.body_mut(), crate::app::http::MAX_ERROR_BYTES * 16)
        .map_err(|e| Diagnostic::error(Code::BadResponse, format!("{what}: {e}")))
}

fn json(bytes: &[u8], what: &str) -> Result<Value, Diagnostic> {
    serde_json::from_slice(bytes)
        .map_err(|e| Diagnostic::error(Code::BadResponse, format!("{what}: not JSON: {e}")))
}

impl Client {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.trim_end_matches('/'))
    }

    fn get(&self, path: &str) -> Result<Value, Diagnostic> {
        let r = agent()
            .get(&self.url(path))
            .header("Authorization", &format!("Bearer {}", self.api_key))
            .call();
        let what = format!("GET {path}");
        json(&answer(r, &what, &self.api_key)?, &what)
    }

    /// Downloads a file's content into `dest` (streamed, up to
    /// [`crate::app::http::MAX_RESPONSE_BYTES`]), retrying a transport error, a 429 or 5xx, and a cut
    /// or timed-out body up to [`DOWNLOAD_RETRIES`] times with backoff.
    fn download(&self, path: &str, dest: &Path) -> Result<(), Diagnostic> {
        let mut attempt = 0;
        loop {
            match self.download_once(path, dest) {
                Err((_, true)) if attempt < DOWNLOAD_RETRIES => {
                    attempt += 1;
                    std::thread::sleep(crate::app::http::backoff(
                        attempt,
                        None,
                        Duration::from_secs(30),
                    ));
                }
                Err((d, _)) => return Err(d.with_note(format!("after {} attempt(s)", attempt + 1))),
                Ok(()) => return Ok(()),
            }
        }
    }

    /// One download: the error, and whether a retry may cure it.
    fn download_once(&self, path: &str, dest: &Path) -> Result<(), (Diagnostic, bool)> {
        let what = format!("GET {path}");
        let result = agent()
            .get(&self.url(path))
            .header("Authorization", &format!("Bearer {}", self.api_key))
            .call();
        let mut resp = result.map_err(|e| {
            let d = Diagnostic::error(
                Code::RequestFailed,
                crate::app::http::redact(&format!("{what}: {e}"), &self.api_key),
            );
            (d, true)
        })?;
        let status = resp.status().as_u16();
        if status != 200 {
            let message = crate::app::http::error_text(resp.body_mut());
            let d = Diagnostic::error(
                Code::ApiError,
                crate::app::http::redact(
                    &format!("{what}: the API answered {status}: {message}"),
                    &self.api_key,
                ),
            );
            return Err((d, status == 429 || status >= 500));
        }
        crate::app::http::body_to_file(resp.body_mut(), dest, crate::app::http::MAX_RESPONSE_BYTES)
            .map(|_| ())
            .map_err(|e| {
                let retry = e.retryable();
                (
                    Diagnostic::error(Code::BadResponse, format!("{what}: {e}")),
                    retry,
                )
            })
    }

    fn post_json(&self, path: &str, body: &Value) -> Result<Value, Diagnostic> {
        let r = agent()
            .post(&self.url(path))
            .header("Authorization", &format!("Bearer {}", self.api_key))
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes());
        let what = format!("POST {path}");
        json(&answer(r, &what, &self.api_key)?, &what)
    }

    fn upload(&self, name: &str, content: &str) -> Result<Value, Diagnostic> {
        let boundary = boundary_absent_from(&[name, content]);
        let body = multipart_upload(&boundary, name, content);
        let r = agent()
            .post(&self.url("/files"))
            .header("Authorization", &format!("Bearer {}", self.api_key))
            .header(
                "Content-Type",
                &format!("multipart/form-data; boundary={boundary}"),
            )
            .send(&body[..]);
        json(&answer(r, "POST /files", &self.api_key)?, "POST /files")
    }
}

/// The Files API form: `purpose: batch` and the file `name` with `content`, parts delimited by
/// `boundary`.
fn multipart_upload(boundary: &str, name: &str, content: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(content.len() + 4 * boundary.len() + 256);
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/jsonl\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(content.as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

/// A fresh multipart boundary, `imgprompt-` and 32 random hex digits, that occurs in none of
/// `parts` (drawn again when it does).
fn boundary_absent_from(parts: &[&str]) -> String {
    loop {
        let boundary = format!("imgprompt-{:016x}{:016x}", random_u64(), random_u64());
        if !parts.iter().any(|part| part.contains(&boundary)) {
            return boundary;
        }
    }
}

/// 64 unpredictable bits: a counter and the clock hashed with the process's random SipHash keys.
fn random_u64() -> u64 {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static DRAWN: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = DRAWN.fetch_add(1, Ordering::Relaxed);
    std::collections::hash_map::RandomState::new().hash_one((count, nanos))
}

/// Retries of a batch file download (a cut or timed-out body, a transport error, 429, 5xx).
pub const DOWNLOAD_RETRIES: u32 = 3;

/// The manifest written beside a submitted file.
pub fn manifest_path(file: &Path) -> PathBuf {
    let mut name = file
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".batch.json");
    file.with_file_name(name)
}

/// Uploads a Batch input file and creates the batch; returns its id. The file is checked first:
/// JSON lines, unique `custom_id`s, one image endpoint.
pub fn submit(client: &Client, file: &Path) -> Result<String, Diagnostic> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot read `{}`: {e}", file.display()))
    })?;
    let mut requests = serde_json::Map::new();
    let mut endpoint: Option<String> = None;
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = || format!("{}:{}", file.display(), i + 1);
        let v: Value = serde_json::from_str(line)
            .map_err(|e| Diagnostic::error(Code::BatchFile, format!("{}: not JSON: {e}", at())))?;
        let id = v["custom_id"]
            .as_str()
            .ok_or_else(|| Diagnostic::error(Code::BatchFile, format!("{}: no custom_id", at())))?;
        let url = v["url"].as_str().unwrap_or_default().to_string();
        match &endpoint {
            None => endpoint = Some(url.clone()),
            Some(e) if *e != url => {
                return Err(Diagnostic::error(
                    Code::BatchFile,
                    format!(
                        "{}: url {url}, but the file's endpoint is {e}: a batch has one endpoint",
                        at()
                    ),
                ));
            }
            _ => {}
        }
        if requests.insert(id.to_string(), v["body"].clone()).is_some() {
            return Err(Diagnostic::error(
                Code::BatchFile,
                format!("{}: custom_id `{id}` repeats", at()),
            ));
        }
    }
    let endpoint = endpoint
        .filter(|e| e.starts_with("/v1/images/"))
        .ok_or_else(|| Diagnostic::error(Code::BatchFile, "the file holds no image request"))?;
    let name = file.file_name().map_or_else(
        || String::from("batch.jsonl"),
        |n| n.to_string_lossy().into_owned(),
    );
    let uploaded = client.upload(&name, &text)?;
    let file_id = uploaded["id"].as_str().unwrap_or_default();
    let batch = client.post_json(
        "/batches",
        &json!({"input_file_id": file_id, "endpoint": endpoint, "completion_window": "24h"}),
    )?;
    let id = batch["id"].as_str().unwrap_or_default().to_string();
    let manifest = json!({"batch_id": id, "endpoint": endpoint, "input_file": file.display().to_string(), "requests": requests});
    std::fs::write(
        manifest_path(file),
        serde_json::to_string_pretty(&manifest).expect("json"),
    )
    .map_err(|e| Diagnostic::error(Code::Io, format!("cannot write the manifest: {e}")))?;
    Ok(id)
}

/// The batch object (`status`, `request_counts`, file ids).
pub fn status(client: &Client, id: &str) -> Result<Value, Diagnostic> {
    client.get(&format!("/batches/{id}"))
}

/// What `fetch` did.
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    /// Images written.
    pub images: usize,
    /// Requests that failed, with why (custom_id, message).
    pub failed: Vec<(String, String)>,
    /// Downloaded files kept because some of their lines failed (nothing is lost: they hold the
    /// provider's answers as sent).
    pub kept: Vec<PathBuf>,
}

/// Unpacks every line of a downloaded output or error file.
fn unpack_file(
    saved: &Path,
    batch_id: &str,
    requests: &HashMap<String, Value>,
    out: &Path,
    fetched: &mut Fetched,
    key: &str,
) -> Result<(), Diagnostic> {
    use std::io::BufRead;
    let file = std::fs::File::open(saved).map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot read {}: {e}", saved.display()))
    })?;
    let mut reader = std::io::BufReader::new(file);
    let mut line = Vec::new();
    let mut n = 0u64;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(|e| {
            Diagnostic::error(Code::Io, format!("cannot read {}: {e}", saved.display()))
        })?;
        if read == 0 {
            return Ok(());
        }
        n += 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let v: Value = match serde_json::from_slice(&line) {
            Ok(v) => v,
            Err(e) => {
                fetched.failed.push((
                    format!("line {n}"),
                    format!("the result line is not JSON: {e}"),
                ));
                continue;
            }
        };
        let custom_id = v["custom_id"].as_str().unwrap_or("?").to_string();
        if let Err(message) = unpack_line(&v, &custom_id, batch_id, requests, out, fetched, key) {
            fetched
                .failed
                .push((custom_id, crate::app::http::redact(&message, key)));
        }
    }
}

/// Writes one result line's images (all checked first) and its sidecar (last).
fn unpack_line(
    v: &Value,
    custom_id: &str,
    batch_id: &str,
    requests: &HashMap<String, Value>,
    out: &Path,
    fetched: &mut Fetched,
    key: &str,
) -> Result<(), String> {
    let status = v["response"]["status_code"].as_u64().unwrap_or(0);
    if status != 200 {
        return Err(v["error"]["message"]
            .as_str()
            .or(v["response"]["body"]["error"]["message"].as_str())
            .unwrap_or("failed")
            .to_string());
    }
    let body = &v["response"]["body"];
    let request = requests.get(custom_id).cloned().unwrap_or(Value::Null);
    let format = body["output_format"]
        .as_str()
        .or(request["output_format"].as_str())
        .unwrap_or("png")
        .to_string();
    let ext = crate::emit::handoff::extension(Some(&format));
    let fid = crate::app::generate::file_id(custom_id);
    let images =
        crate::app::generate::decode_images(body, &format, custom_id).map_err(|d| d.message)?;
    let mut files = Vec::new();
    for (i, (bytes, revised)) in images.iter().enumerate() {
        let name = format!("{fid}-{i}.{ext}");
        crate::emit::atomic::write_atomic(&out.join(&name), bytes)
            .map_err(|e| format!("cannot write {name}: {e}"))?;
        files.push(json!({"file": name, "revised_prompt": revised}));
    }
    let sidecar = json!({
        "imgprompt": env!("CARGO_PKG_VERSION"),
        "id": fid,
        "batch_id": batch_id,
        "custom_id": custom_id,
        "finished_at": crate::app::generate::timestamp(),
        "model": request["model"],
        "prompt": request["prompt"],
        "request": {"body": request},
        "response": {"created": body.get("created"), "usage": body.get("usage"), "output_format": format, "size": body.get("size"), "quality": body.get("quality")},
        "images": files,
    });
    let sidecar = crate::app::http::redact_value(&sidecar, key);
    let text = serde_json::to_string_pretty(&sidecar).unwrap_or_default() + "\n";
    crate::emit::atomic::write_atomic(&out.join(format!("{fid}.json")), text.as_bytes())
        .map_err(|e| format!("cannot write the sidecar: {e}"))?;
    fetched.images += images.len();
    Ok(())
}

/// Downloads a completed batch's output and error files and unpacks every image with its sidecar
/// into `out`; `manifest` is the file `submit` wrote (for the requests by `custom_id`).
pub fn fetch(
    client: &Client,
    id: &str,
    manifest: Option<&Path>,
    out: &Path,
) -> Result<Fetched, Diagnostic> {
    let batch = status(client, id)?;
    if batch["status"] != "completed" {
        return Err(Diagnostic::error(
            Code::NotReady,
            format!(
                "batch {id} is {}, not completed",
                batch["status"].as_str().unwrap_or("?")
            ),
        )
        .with_help("wait, and follow it with `imgprompt batch status ID`"));
    }
    let requests: HashMap<String, Value> = manifest
        .and_then(|m| std::fs::read_to_string(m).ok())
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v["requests"].as_object().cloned())
        .map(|m| m.into_iter().collect())
        .unwrap_or_default();
    std::fs::create_dir_all(out).map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot create `{}`: {e}", out.display()))
    })?;
    let mut fetched = Fetched::default();
    for key in ["output_file_id", "error_file_id"] {
        let Some(file_id) = batch[key].as_str() else {
            continue;
        };
        // streamed to disk (a real output file passes 10 MB easily), then read a line at a time
        let saved = out.join(format!("{}-{key}.jsonl", crate::app::generate::file_id(id)));
        client.download(&format!("/files/{file_id}/content"), &saved)?;
        let before = fetched.failed.len();
        unpack_file(&saved, id, &requests, out, &mut fetched, &client.api_key)?;
        if fetched.failed.len() == before {
            let _ = std::fs::remove_file(&saved);
        } else {
            fetched.kept.push(saved);
        }
    }
    Ok(fetched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_boundaries_are_fresh_and_absent_from_the_parts() {
        let a = boundary_absent_from(&["x"]);
        let b = boundary_absent_from(&["x"]);
        assert_ne!(a, b);
        assert!(a.starts_with("imgprompt-") && a.len() == 42, "{a}");
        let body = multipart_upload(&a, "f.jsonl", "{}\n");
        let text = String::from_utf8(body).expect("utf-8");
        assert!(text.starts_with(&format!(
            "--{a}\r\nContent-Disposition: form-data; name=\"purpose\""
        )));
        assert!(text.ends_with(&format!("{{}}\n\r\n--{a}--\r\n")));
    }
}
