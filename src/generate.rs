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
use crate::diagnostic::Diagnostic;
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
    },
    /// The sidecar was already there: skipped (resume).
    Skipped(PathBuf),
}

/// Base64 (standard alphabet, padding optional) to bytes.
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' | b'\n' | b'\r' => continue,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Now, as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn timestamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let day = crate::date::Date::from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    format!("{day}T{:02}:{:02}:{:02}Z", s / 3600, s / 60 % 60, s % 60)
}

/// The first `max` characters of `s`, each kept when it is an ASCII letter or digit, `-`, `_` or
/// `.`, and made `-` otherwise: safe in a file name or an id on every system.
pub fn file_safe(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(max)
        .collect()
}

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
pub fn generate(
    r: &Rendering,
    id: &str,
    settings: &Settings,
    prices: &PriceTable,
    brief_file: &str,
) -> Result<Outcome, Diagnostic> {
    let id = file_id(id);
    let sidecar = settings.out_dir.join(format!("{id}.json"));
    if sidecar.is_file() {
        return Ok(Outcome::Skipped(sidecar));
    }
    let path = match r.payload.target {
        t if crate::target::by_name(t)
            .ok()
            .and_then(|t| t.batch_endpoint())
            .is_some() =>
        {
            r.payload
                .url
                .strip_prefix("https://api.openai.com/v1")
                .unwrap_or(&r.payload.url)
                .to_string()
        }
        other => {
            return Err(Diagnostic::error(
                "not-supported",
                format!("`generate` does not support the {other} target yet"),
            )
            .with_help("use --target openai or openai-edit, or hand the request off with `render --emit curl|python|js`"));
        }
    };
    let url = format!("{}{path}", settings.base_url.trim_end_matches('/'));
    let started = timestamp();
    let (response, retries) = send(&url, &r.payload.body, settings)?;
    let format = response["output_format"]
        .as_str()
        .or(r.payload.body["output_format"].as_str())
        .unwrap_or("png")
        .to_string();
    let ext = crate::handoff::extension(Some(&format));
    let data = response["data"].as_array().cloned().unwrap_or_default();
    if data.is_empty() {
        return Err(Diagnostic::error(
            "no-image",
            format!("the response to {id} holds no image"),
        ));
    }
    let mut files = Vec::new();
    let mut images = Vec::new();
    for (i, item) in data.iter().enumerate() {
        let bytes = item["b64_json"]
            .as_str()
            .and_then(decode_base64)
            .ok_or_else(|| {
                Diagnostic::error("bad-response", format!("image {i} of {id} is not base64"))
            })?;
        let file = settings.out_dir.join(format!("{id}-{i}.{ext}"));
        crate::atomic::write_atomic(&file, &bytes).map_err(|e| io(&file, &e))?;
        images.push(json!({
            "file": file.file_name().map(|f| f.to_string_lossy().into_owned()),
            "revised_prompt": item.get("revised_prompt"),
        }));
        files.push(file);
    }
    let model = r.payload.body["model"].as_str().unwrap_or_default();
    let estimated = r.cost.as_ref().and_then(|c| c.per_request);
    let usage_based = response
        .get("usage")
        .and_then(|u| usage_cost(u, model, prices));
    let record = json!({
        "imgprompt": env!("CARGO_PKG_VERSION"),
        "id": id,
        "brief_file": brief_file,
        "started_at": started,
        "finished_at": timestamp(),
        "model": model,
        "brief": r.brief,
        "preset": r.preset,
        "prompt": r.prompt,
        "request": {"method": r.payload.method, "url": url, "body": r.payload.body},
        "response": {
            "created": response.get("created"),
            "usage": response.get("usage"),
            "svg_usage": response.get("svg_usage"),
            "output_format": format,
            "size": response.get("size"),
            "quality": response.get("quality"),
            "background": response.get("background"),
        },
        "images": images,
        "cost": {"estimated": estimated, "usage_based": usage_based, "currency": "USD"},
        "warnings": r.warnings,
    });
    let text = serde_json::to_string_pretty(&record).expect("record serialises") + "\n";
    crate::atomic::write_atomic(&sidecar, text.as_bytes()).map_err(|e| io(&sidecar, &e))?;
    Ok(Outcome::Written {
        files,
        sidecar,
        retries,
        cost: usage_based.or(estimated),
    })
}

fn io(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error("io", format!("cannot write {}: {e}", path.display()))
}

/// POSTs the body, retrying 429 and 5xx with exponential backoff (or `Retry-After`): the answer
/// and the number of retries it took.
fn send(url: &str, body: &Value, settings: &Settings) -> Result<(Value, u32), Diagnostic> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(settings.timeout))
        .build()
        .into();
    let mut attempt = 0;
    loop {
        let result = agent
            .post(url)
            .header("Authorization", &format!("Bearer {}", settings.api_key))
            .header("Content-Type", "application/json")
            .send(
                serde_json::to_vec(body)
                    .expect("body serialises")
                    .as_slice(),
            );
        let (status, retry_after, text) = match result {
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<f64>().ok());
                let text = resp.body_mut().read_to_string().unwrap_or_default();
                (status, retry_after, text)
            }
            Err(e) if attempt < settings.max_retries => {
                attempt += 1;
                std::thread::sleep(backoff(attempt, None, settings.max_wait));
                let _ = e;
                continue;
            }
            Err(e) => {
                return Err(
                    Diagnostic::error("request-failed", format!("POST {url}: {e}"))
                        .with_help("check OPENAI_BASE_URL and the network"),
                );
            }
        };
        if status == 200 {
            return serde_json::from_str(&text)
                .map(|v| (v, attempt))
                .map_err(|e| {
                    Diagnostic::error("bad-response", format!("the response is not JSON: {e}"))
                });
        }
        let retryable = status == 429 || status >= 500;
        if retryable && attempt < settings.max_retries {
            attempt += 1;
            std::thread::sleep(backoff(attempt, retry_after, settings.max_wait));
            continue;
        }
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| text.clone());
        return Err(Diagnostic::error(
            "api-error",
            format!("the API answered {status}: {message}"),
        )
        .with_note(format!("after {} attempt(s)", attempt + 1)));
    }
}

fn backoff(attempt: u32, retry_after: Option<f64>, max: Duration) -> Duration {
    // exponential from 500 ms, with up to 25% jitter so parallel clients do not retry in step
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        % 1000;
    let wait = retry_after.map_or_else(
        || {
            let base = 500u64.saturating_mul(1 << attempt.min(10));
            Duration::from_millis(base + base * u64::from(jitter) / 4000)
        },
        Duration::from_secs_f64,
    );
    wait.min(max)
}

/// Writes `index.html`: a contact sheet of every sidecar in the folder (thumbnail, prompt,
/// settings, cost), opening from disk.
pub fn contact_sheet(dir: &Path) -> std::io::Result<PathBuf> {
    let mut sidecars: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
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
    crate::atomic::write_atomic(&index, html.as_bytes())?;
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("a!"), None);
    }
}
