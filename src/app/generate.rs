//! `imgprompt generate`: send rendered requests to the provider and keep every image with its
//! provenance. OpenAI first (generations and edits, any OpenAI-compatible endpoint through
//! `OPENAI_BASE_URL`); other targets say they are not supported yet.
//!
//! For each request the folder gets `ID-0.EXT`, `ID-1.EXT`, … (the extension of the output format;
//! SVG written as text) and `ID.json`, the sidecar: the brief after defaults, the prompt, the exact
//! payload, the model, what the response said (`created`, `usage`, `revised_prompt`, format, size,
//! quality), the estimated and the usage-based cost, imgprompt's version and timestamps. Files are
//! written atomically, the sidecar last: a request whose sidecar exists is skipped on a re-run, so
//! an interrupted run resumes. Rate limits and server errors are retried with backoff (honouring
//! `Retry-After`). `index.html` is a contact sheet that opens from disk.
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::cost::PriceTable;
use crate::diagnostic::{Code, Diagnostic};
use crate::engine::Rendering;

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The output folder.
    pub out_dir: PathBuf,
    /// `https://api.openai.com/v1`, or `OPENAI_BASE_URL`.
    pub base_url: String,
    /// `OPENAI_API_KEY`.
    pub api_key: String,
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

/// A file-name-safe id.
pub fn file_id(s: &str) -> String {
    let id = file_safe(s, 100);
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

/// Sends one rendering and writes its images and sidecar under `id`.
///
/// The answer is streamed to `ID.response.json` before anything else; its images are decoded
/// and checked (their bytes are the requested format) before any is written; then the images,
/// then the sidecar, and the saved answer is removed. When an image cannot be decoded or written,
/// the saved answer stays, and the next run uses it instead of paying for a new one. A request in
/// flight when a run was killed left `ID.pending`: it is sent again (there is no idempotency key
/// in the Images API), and the outcome says so.
pub fn generate(
    r: &Rendering,
    id: &str,
    settings: &Settings,
    prices: &PriceTable,
    brief_file: &str,
) -> Result<Outcome, Diagnostic> {
    let id = file_id(id);
    let dir = &settings.out_dir;
    let sidecar = dir.join(format!("{id}.json"));
    if sidecar.is_file() {
        return Ok(Outcome::Skipped(sidecar));
    }
    let url = endpoint(r, settings)?;
    let saved = dir.join(format!("{id}.response.json"));
    let started = timestamp();
    let (retries, from) = obtain_answer(r, &url, settings, &id, &saved, &started)?;
    let response = read_saved(&saved)?;
    let format = response["output_format"]
        .as_str()
        .or(r.payload.summary.format.as_deref())
        .unwrap_or("png")
        .to_string();
    let (files, images) = write_images(&response, &format, &id, dir, &saved)?;
    let model = r.payload.summary.model.as_str();
    let estimated = r.cost.as_ref().and_then(|c| c.per_request);
    let usage_based = response
        .get("usage")
        .and_then(|u| usage_cost(u, model, prices));
    let record = sidecar_record(
        r,
        &SidecarParts {
            id: &id,
            brief_file,
            started: &started,
            url: &url,
            response: &response,
            format: &format,
            images,
            estimated,
            usage_based,
        },
    );
    write_sidecar(&record, &sidecar, &saved, settings)?;
    let _ = std::fs::remove_file(&saved);
    Ok(Outcome::Written {
        files,
        sidecar,
        retries,
        cost: usage_based.or(estimated),
        from,
    })
}

/// The answer to the request, in `saved`: the one an earlier run saved, else a new one (sent with
/// `ID.pending` beside it while in flight). (retries, where it came from.)
fn obtain_answer(
    r: &Rendering,
    url: &str,
    settings: &Settings,
    id: &str,
    saved: &Path,
    started: &str,
) -> Result<(u32, Source), Diagnostic> {
    if saved.is_file() {
        return Ok((0, Source::Saved));
    }
    let pending = settings.out_dir.join(format!("{id}.pending"));
    let from = if pending.exists() {
        Source::Resent
    } else {
        Source::Sent
    };
    std::fs::write(&pending, started.as_bytes()).map_err(|e| io(&pending, &e))?;
    let sent = send(url, &r.payload.body, settings, saved);
    let _ = std::fs::remove_file(&pending);
    Ok((sent?, from))
}

/// Decodes the answer's images and writes each as `ID-I.EXT` under `dir`: (the files, their
/// entries in the sidecar). On failure the saved answer is kept, and the error says so.
fn write_images(
    response: &Value,
    format: &str,
    id: &str,
    dir: &Path,
    saved: &Path,
) -> Result<(Vec<PathBuf>, Vec<Value>), Diagnostic> {
    let decoded = decode_images(response, format, id).map_err(|d| d.with_note(keep_note(saved)))?;
    let ext = crate::emit::handoff::extension(Some(format));
    let mut files = Vec::new();
    let mut images = Vec::new();
    for (i, (bytes, revised)) in decoded.iter().enumerate() {
        let file = dir.join(format!("{id}-{i}.{ext}"));
        crate::emit::atomic::write_atomic(&file, bytes)
            .map_err(|e| io(&file, &e).with_note(keep_note(saved)))?;
        images.push(json!({
            "file": format!("{id}-{i}.{ext}"),
            "revised_prompt": revised,
        }));
        files.push(file);
    }
    Ok((files, images))
}

/// Writes the sidecar record (the API key redacted, should the provider have echoed it); on
/// failure the saved answer is kept, and the error says so.
fn write_sidecar(
    record: &Value,
    sidecar: &Path,
    saved: &Path,
    settings: &Settings,
) -> Result<(), Diagnostic> {
    // a key the provider echoed into its answer is not written either
    let text = crate::app::http::redact(
        &(serde_json::to_string_pretty(record).unwrap_or_default() + "\n"),
        &settings.api_key,
    );
    crate::emit::atomic::write_atomic(sidecar, text.as_bytes())
        .map_err(|e| io(sidecar, &e).with_note(keep_note(saved)))
}

fn keep_note(saved: &Path) -> String {
    format!(
        "the provider's answer is kept in {}: a re-run uses it without paying again (delete it to request a new image)",
        saved.display()
    )
}

/// The URL of the request under the configured base URL (OpenAI-shaped targets only).
fn endpoint(r: &Rendering, settings: &Settings) -> Result<String, Diagnostic> {
    let batchable = r.payload.target.target().batch_endpoint().is_some();
    if !batchable {
        return Err(Diagnostic::error(
            Code::NotSupported,
            format!("`generate` does not support the {} target yet", r.payload.target),
        )
        .with_help("use --target openai or openai-edit, or hand the request off with `render --emit curl|python|js`"));
    }
    let path = r
        .payload
        .url
        .strip_prefix("https://api.openai.com/v1")
        .unwrap_or(&r.payload.url);
    Ok(format!("{}{path}", settings.base_url.trim_end_matches('/')))
}

/// Reads the saved answer.
fn read_saved(saved: &Path) -> Result<Value, Diagnostic> {
    let file = std::fs::File::open(saved).map_err(|e| {
        Diagnostic::error(Code::Io, format!("cannot read {}: {e}", saved.display()))
    })?;
    serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
        // not an answer (a proxy's page, say): kept aside for a look, and not replayed — the
        // next run asks again
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
    format: &'a str,
    images: Vec<Value>,
    estimated: Option<f64>,
    usage_based: Option<f64>,
}

fn sidecar_record(r: &Rendering, p: &SidecarParts<'_>) -> Value {
    let response = p.response;
    json!({
        "imgprompt": env!("CARGO_PKG_VERSION"),
        "id": p.id,
        "brief_file": p.brief_file,
        "started_at": p.started,
        "finished_at": timestamp(),
        "model": r.payload.summary.model,
        "brief": r.brief,
        "preset": r.preset,
        "prompt": r.prompt,
        "request": {"method": r.payload.method, "url": p.url, "body": r.payload.body},
        "response": {
            "created": response.get("created"),
            "usage": response.get("usage"),
            "svg_usage": response.get("svg_usage"),
            "output_format": p.format,
            "size": response.get("size"),
            "quality": response.get("quality"),
            "background": response.get("background"),
        },
        "images": p.images,
        "cost": {"estimated": p.estimated, "usage_based": p.usage_based, "currency": "USD"},
        "warnings": r.warnings,
    })
}

fn io(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot write {}: {e}", path.display()))
}

/// One failed attempt: what to say, whether to try again, and the server's `Retry-After`.
struct Failed {
    code: Code,
    message: String,
    retry: bool,
    wait: Option<Duration>,
}

/// POSTs the body and streams a 200 answer into `dest`, retrying 429, 5xx, transport errors and
/// cut or timed-out bodies with exponential backoff (or `Retry-After`): the number of retries it
/// took. Redirects are refused; the key is redacted from every message.
fn send(url: &str, body: &Value, settings: &Settings, dest: &Path) -> Result<u32, Diagnostic> {
    let agent = crate::app::http::agent(settings.timeout);
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let mut attempt = 0;
    loop {
        let failed = match attempt_once(&agent, url, &bytes, settings, &part) {
            Ok(()) => {
                std::fs::rename(&part, dest).map_err(|e| io(dest, &e))?;
                return Ok(attempt);
            }
            Err(f) => f,
        };
        if failed.retry && attempt < settings.max_retries {
            attempt += 1;
            std::thread::sleep(crate::app::http::backoff(
                attempt,
                failed.wait,
                settings.max_wait,
            ));
            continue;
        }
        let message = crate::app::http::redact(&failed.message, &settings.api_key);
        let d = Diagnostic::error(failed.code, message)
            .with_note(format!("after {} attempt(s)", attempt + 1));
        return Err(if failed.code == Code::RequestFailed {
            d.with_help("check OPENAI_BASE_URL and the network")
        } else {
            d
        });
    }
}

fn attempt_once(
    agent: &ureq::Agent,
    url: &str,
    body: &[u8],
    settings: &Settings,
    part: &Path,
) -> Result<(), Failed> {
    let result = agent
        .post(url)
        .header("Authorization", &format!("Bearer {}", settings.api_key))
        .header("Content-Type", "application/json")
        .send(body);
    let mut resp = result.map_err(|e| Failed {
        code: Code::RequestFailed,
        message: format!("POST {url}: {e}"),
        retry: true,
        wait: None,
    })?;
    let status = resp.status().as_u16();
    let wait = crate::app::http::retry_after(
        resp.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        settings.max_wait,
    );
    if status == 200 {
        return crate::app::http::body_to_file(
            resp.body_mut(),
            part,
            crate::app::http::MAX_RESPONSE_BYTES,
        )
        .map(|_| ())
        .map_err(|e| Failed {
            code: Code::BadResponse,
            message: format!("POST {url}: {e}"),
            retry: e.retryable(),
            wait: None,
        });
    }
    if (300..400).contains(&status) {
        let to = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?");
        return Err(Failed {
            code: Code::ApiError,
            message: format!(
                "the API answered {status}, a redirect to {to}: API calls never follow redirects (check OPENAI_BASE_URL)"
            ),
            retry: false,
            wait: None,
        });
    }
    let message = crate::app::http::error_text(resp.body_mut());
    Err(Failed {
        code: Code::ApiError,
        message: format!("the API answered {status}: {message}"),
        retry: status == 429 || status >= 500,
        wait,
    })
}

/// True for a bare file name that a link may point at: no scheme (`javascript:`), no folder, no
/// parent, not hidden. The contact sheet links only such names (a stray sidecar could hold any).
fn is_plain_file_name(f: &str) -> bool {
    !f.is_empty()
        && !f.starts_with('.')
        && !f.contains([':', '/', '\\'])
        && !f.chars().any(char::is_control)
}

/// True for a file the contact sheet may read as a sidecar: a regular file (not a link, pipe or
/// device) of at most 16 MiB, not a saved answer (`ID.response.json`, up to 1 GiB).
fn is_sidecar(p: &Path) -> bool {
    let saved = p
        .file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".response.json"));
    !saved && std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file() && m.len() <= 16 << 20)
}

/// Writes `index.html`: a contact sheet of every sidecar in the folder (thumbnail, prompt,
/// settings, cost), opening from disk.
pub fn contact_sheet(dir: &Path) -> std::io::Result<PathBuf> {
    let mut sidecars: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter(|p| is_sidecar(p))
        .collect();
    sidecars.sort();
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut cards = String::new();
    for path in sidecars {
        let Ok(v) = std::fs::read_to_string(&path)
            .map_err(|_| ())
            .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|_| ()))
        else {
            continue;
        };
        let imgs: String = v["images"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["file"].as_str())
                    .filter(|f| is_plain_file_name(f))
                    .map(|f| format!("<a href=\"{0}\"><img src=\"{0}\" alt=\"\"></a>", esc(f)))
                    .collect()
            })
            .unwrap_or_default();
        let body = &v["request"]["body"];
        let settings: Vec<String> = ["model", "size", "quality", "output_format", "n"]
            .iter()
            .filter_map(|k| {
                body.get(*k).map(|x| {
                    format!(
                        "{k}: {}",
                        x.as_str().map_or_else(|| x.to_string(), str::to_string)
                    )
                })
            })
            .collect();
        let cost = v["cost"]["usage_based"]
            .as_f64()
            .or(v["cost"]["estimated"].as_f64())
            .map_or_else(|| String::from("cost unknown"), |c| format!("${c:.4}"));
        cards.push_str(&format!(
            "<figure>{imgs}<figcaption><b>{}</b> · {} · {}<p>{}</p></figcaption></figure>\n",
            esc(v["id"].as_str().unwrap_or("")),
            esc(&settings.join(", ")),
            esc(&cost),
            esc(v["prompt"].as_str().unwrap_or("")),
        ));
    }
    let html = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>imgprompt contact sheet</title>\n<style>body{{font:14px system-ui,sans-serif;margin:1rem;background:#f7f6f3}}main{{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:1rem}}figure{{margin:0;background:#fff;border:1px solid #e3e1dc;border-radius:8px;padding:.5rem}}img{{width:100%;border-radius:4px}}p{{color:#555;font-size:12px}}</style>\n<h1>Generated images</h1>\n<main>\n{cards}</main>\n"
    );
    let index = dir.join("index.html");
    crate::emit::atomic::write_atomic(&index, html.as_bytes())?;
    Ok(index)
}
