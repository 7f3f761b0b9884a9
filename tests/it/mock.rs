//! A local HTTP server shaped like the image APIs, on 127.0.0.1: it records every request and
//! answers like the provider (OpenAI: an `ImagesResponse` with base64 images of the requested
//! format). Real clients — the official SDKs, the hand-off snippets, curl — talk to it unmodified.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// Files uploaded to the mock (`POST /v1/files`), by id; shared by every mock in the process.
static FILES: Mutex<Vec<(String, Vec<u8>)>> = Mutex::new(Vec::new());
/// Batches: (id, input file id, polls so far).
#[allow(clippy::type_complexity)]
static BATCHES: Mutex<Vec<(String, String, u32)>> = Mutex::new(Vec::new());

/// Mocks (by port) that have rate-limited once.
static RATE_LIMITED: Mutex<std::collections::BTreeSet<u16>> =
    Mutex::new(std::collections::BTreeSet::new());

/// FLUX tasks: (id, output format, polls so far).
#[allow(clippy::type_complexity)]
static TASKS: Mutex<Vec<(String, String, u32)>> = Mutex::new(Vec::new());
/// Images a mock serves instead of the magic-bytes stubs (by port), in order: each image answer
/// takes the next, the last one stays (`Mock::serve_images`).
#[allow(clippy::type_complexity)]
static SERVED: Mutex<std::collections::BTreeMap<u16, std::collections::VecDeque<Vec<u8>>>> =
    Mutex::new(std::collections::BTreeMap::new());

/// The image of the next answer: the next one `serve_images` gave, else stub bytes of `format`.
fn image_for(port: u16, format: &str) -> Vec<u8> {
    let mut served = SERVED.lock().expect("lock");
    match served.get_mut(&port) {
        Some(q) if q.len() > 1 => q.pop_front().expect("not empty"),
        Some(q) if q.len() == 1 => q[0].clone(),
        _ => image_bytes(format),
    }
}

static NEXT_FILE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// One request as it arrived.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `POST`.
    pub method: String,
    /// `/v1/images/generations`.
    pub path: String,
    /// Lower-cased header names with their values.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {}: body is not JSON ({e}): {}",
                self.method,
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An error the mock answers instead of the provider's success: the hand-off tests check that
/// every snippet then exits non-zero and writes no file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fail {
    /// Every request is answered like the provider.
    Never,
    /// Every POST (the generation, the Stability form, the FLUX submit): 400 with a JSON error.
    Request,
    /// FLUX: every poll of `polling_url`: 500.
    Poll,
    /// FLUX: the download of `result.sample`: 404 with a JSON body (an expired URL).
    Download,
    /// A 200 answer without any image (OpenAI `data: []`, Gemini a text part only).
    NoImage,
}

/// The answer `fail` puts in place of the provider's, if it applies to `rec`.
fn injected(fail: Fail, rec: &Recorded) -> Option<(&'static str, &'static str, Vec<u8>)> {
    let json =
        |status: &'static str, v: Value| (status, "application/json", v.to_string().into_bytes());
    let generation =
        rec.path.ends_with("/images/generations") || rec.path.ends_with("/images/edits");
    match fail {
        Fail::Never => None,
        Fail::Request if rec.method == "POST" => Some(json(
            "400 Bad Request",
            json!({"error": {"message": "Invalid request (injected by the test)", "type": "invalid_request_error"}}),
        )),
        Fail::Poll if rec.method == "GET" && rec.path.starts_with("/v1/get_result") => Some(json(
            "500 Internal Server Error",
            json!({"detail": "poll failed (injected by the test)"}),
        )),
        Fail::Download if rec.method == "GET" && rec.path.starts_with("/samples/") => Some(json(
            "404 Not Found",
            json!({"error": "the result URL has expired (injected by the test)"}),
        )),
        Fail::NoImage if generation => Some(json(
            "200 OK",
            json!({"created": 1_764_460_800, "data": []}),
        )),
        Fail::NoImage if rec.path.ends_with(":generateContent") => Some(json(
            "200 OK",
            json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "I cannot draw that."}]}}]}),
        )),
        _ => None,
    }
}

/// The running server; stops when dropped.
pub struct Mock {
    /// Its port.
    pub port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Bytes that start like a file of each format, so a saved file can be checked by its magic.
pub fn image_bytes(format: &str) -> Vec<u8> {
    match format {
        "jpeg" => vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0],
        "webp" => b"RIFF\x1a\0\0\0WEBPVP8 ".to_vec(),
        "gif" => b"GIF89a\x01\0\x01\0\0\0\0;".to_vec(),
        "svg" => br#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>"#.to_vec(),
        _ => b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
    }
}

/// Base64 (standard, padded), as the providers send images.
pub fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What the OpenAI Images API answers for a request body.
fn openai_response(body: &Value, port: u16) -> Value {
    let format = body["output_format"].as_str().unwrap_or("png");
    let n = body["n"].as_u64().unwrap_or(1);
    let data: Vec<Value> = (0..n)
        .map(|_| json!({"b64_json": b64(&image_for(port, format))}))
        .collect();
    let mut r = json!({
        "created": 1_764_460_800,
        "data": data,
        "output_format": format,
        "size": body["size"].as_str().filter(|s| *s != "auto").unwrap_or("1024x1024"),
        "usage": {
            "input_tokens": 50, "output_tokens": 1756, "total_tokens": 1806,
            "input_tokens_details": {"image_tokens": 0, "text_tokens": 50}
        }
    });
    if let Some(q) = body["quality"].as_str().filter(|q| *q != "auto") {
        r["quality"] = q.into();
    }
    r
}

/// The file part of a multipart body (the bytes between the part's headers and the next
/// boundary).
fn multipart_file(content_type: &str, body: &[u8]) -> Option<Vec<u8>> {
    let boundary = content_type.split("boundary=").nth(1)?.trim_matches('"');
    let delim = format!("--{boundary}");
    let text = body;
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let mut at = 0;
    while let Some(start) = find(text, delim.as_bytes(), at) {
        let head_start = start + delim.len();
        let head_end = find(text, b"\r\n\r\n", head_start)?;
        let head = String::from_utf8_lossy(&text[head_start..head_end]).to_string();
        let next = find(text, delim.as_bytes(), head_end)?;
        if head.contains("name=\"file\"") {
            let mut part = text[head_end + 4..next].to_vec();
            if part.ends_with(b"\r\n") {
                part.truncate(part.len() - 2);
            }
            return Some(part);
        }
        at = next;
    }
    None
}

/// Every file part named `name` of a multipart body: (file name, bytes).
pub fn multipart_files(content_type: &str, body: &[u8], name: &str) -> Vec<(String, Vec<u8>)> {
    let Some(boundary) = content_type.split("boundary=").nth(1) else {
        return Vec::new();
    };
    let delim = format!("--{}", boundary.trim_matches('"'));
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = find(body, delim.as_bytes(), at) {
        let head_start = start + delim.len();
        let (Some(head_end), Some(next)) = (
            find(body, b"\r\n\r\n", head_start),
            find(body, delim.as_bytes(), head_start),
        ) else {
            break;
        };
        let head = String::from_utf8_lossy(&body[head_start..head_end.min(next)]).to_string();
        if head.contains(&format!("name=\"{name}\"")) && head_end < next {
            let file = head
                .split("filename=\"")
                .nth(1)
                .and_then(|f| f.split('"').next())
                .unwrap_or_default()
                .to_string();
            let mut part = body[head_end + 4..next].to_vec();
            if part.ends_with(b"\r\n") {
                part.truncate(part.len() - 2);
            }
            out.push((file, part));
        }
        at = next;
    }
    out
}

/// What the Batch API checks when a batch is created from an uploaded file: every line a JSON
/// object with a `custom_id` unique in the file, `method: POST`, the batch's endpoint as `url`,
/// and a JSON object `body`. The error message names the first bad line.
pub fn check_batch_file(text: &str, endpoint: &str) -> Result<usize, String> {
    let mut seen = std::collections::HashSet::new();
    let mut n = 0;
    for (i, line) in text.lines().enumerate() {
        let l = i + 1;
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {l}: not JSON ({e})"))?;
        let id = v["custom_id"]
            .as_str()
            .ok_or(format!("line {l}: no custom_id"))?;
        if !seen.insert(id.to_string()) {
            return Err(format!("line {l}: duplicate custom_id `{id}`"));
        }
        if v["method"] != "POST" {
            return Err(format!("line {l}: method must be POST"));
        }
        if v["url"] != endpoint {
            return Err(format!(
                "line {l}: url {} differs from the batch endpoint {endpoint}",
                v["url"]
            ));
        }
        if !v["body"].is_object() {
            return Err(format!("line {l}: body must be an object"));
        }
        n += 1;
    }
    if n == 0 {
        return Err(String::from("the file is empty"));
    }
    Ok(n)
}

fn handle(stream: TcpStream, requests: &Mutex<Vec<Recorded>>, port: u16, fail: Fail) {
    stream.set_read_timeout(Some(Duration::from_secs(20))).ok();
    let mut reader = BufReader::new(stream);
    let mut first = String::new();
    if reader.read_line(&mut first).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size_line = String::new();
            if reader.read_line(&mut size_line).unwrap_or(0) == 0 {
                return;
            }
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16)
                .unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            if reader.read_exact(&mut chunk).is_err() {
                return;
            }
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else {
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
    }
    let rec = Recorded {
        method,
        path,
        headers,
        body,
    };
    // recorded as it arrives: an answer that stalls is still counted
    requests.lock().expect("lock").push(rec.clone());
    if special(&rec, port, reader.get_mut()) {
        return;
    }
    let json_reply =
        |status: &'static str, v: Value| (status, "application/json", v.to_string().into_bytes());
    let (status, content_type, reply) = if let Some(answer) = injected(fail, &rec) {
        answer
    } else if rec.path.ends_with("/files") {
        let ct = rec.header("content-type").unwrap_or_default().to_string();
        match multipart_file(&ct, &rec.body) {
            Some(file) => {
                let id = format!("file-{}", NEXT_FILE.fetch_add(1, Ordering::Relaxed));
                FILES.lock().expect("lock").push((id.clone(), file.clone()));
                json_reply(
                    "200 OK",
                    json!({"id": id, "object": "file", "bytes": file.len(), "created_at": 1_764_460_800, "filename": "batch.jsonl", "purpose": "batch", "status": "processed"}),
                )
            }
            None => json_reply(
                "400 Bad Request",
                json!({"error": {"message": "no file part"}}),
            ),
        }
    } else if rec.path.ends_with("/batches") {
        let b: Value = serde_json::from_slice(&rec.body).unwrap_or_default();
        let file_id = b["input_file_id"].as_str().unwrap_or_default();
        let endpoint = b["endpoint"].as_str().unwrap_or_default();
        let file = FILES
            .lock()
            .expect("lock")
            .iter()
            .find(|(id, _)| id == file_id)
            .map(|(_, f)| f.clone());
        match file.map(|f| check_batch_file(&String::from_utf8_lossy(&f), endpoint)) {
            Some(Ok(n)) => {
                let id = format!("batch_{}", NEXT_FILE.fetch_add(1, Ordering::Relaxed));
                BATCHES
                    .lock()
                    .expect("lock")
                    .push((id.clone(), file_id.to_string(), 0));
                json_reply(
                    "200 OK",
                    json!({"id": id, "object": "batch", "endpoint": endpoint, "input_file_id": file_id, "completion_window": "24h", "status": "validating", "created_at": 1_764_460_800, "request_counts": {"total": n, "completed": 0, "failed": 0}}),
                )
            }
            Some(Err(e)) => json_reply(
                "400 Bad Request",
                json!({"error": {"message": e, "type": "invalid_request_error"}}),
            ),
            None => json_reply(
                "404 Not Found",
                json!({"error": {"message": format!("no file {file_id}")}}),
            ),
        }
    } else if rec.method == "GET" && rec.path.starts_with("/v1/batches/") {
        // validating → in_progress → completed, one step per poll
        let id = rec.path.trim_start_matches("/v1/batches/").to_string();
        let mut batches = BATCHES.lock().expect("lock");
        match batches.iter_mut().find(|(b, _, _)| *b == id) {
            Some((_, input, polls)) => {
                *polls += 1;
                let status = match *polls {
                    1 => "in_progress",
                    _ => "completed",
                };
                json_reply(
                    "200 OK",
                    json!({"id": id, "object": "batch", "status": status, "input_file_id": input, "output_file_id": format!("out-{id}"), "error_file_id": format!("err-{id}")}),
                )
            }
            None => json_reply(
                "404 Not Found",
                json!({"error": {"message": format!("no batch {id}")}}),
            ),
        }
    } else if rec.method == "GET"
        && rec.path.starts_with("/v1/files/")
        && rec.path.ends_with("/content")
    {
        // the output (or error) file of a batch, built from its input file
        let name = rec
            .path
            .trim_start_matches("/v1/files/")
            .trim_end_matches("/content")
            .to_string();
        let (kind, id) = name.split_once('-').unwrap_or(("", ""));
        let input = BATCHES
            .lock()
            .expect("lock")
            .iter()
            .find(|(b, _, _)| b == id)
            .map(|(_, f, _)| f.clone());
        let text = input
            .and_then(|f| {
                FILES
                    .lock()
                    .expect("lock")
                    .iter()
                    .find(|(i, _)| *i == f)
                    .map(|(_, t)| String::from_utf8_lossy(t).to_string())
            })
            .unwrap_or_default();
        if kind == "out" && text.contains("CUT-DOWNLOAD-ONCE") {
            // this answer is cut (the first time): see the write below
            first_time(port, "cut-download-due");
        }
        let mut out = String::new();
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).unwrap_or_default();
            let failing = v["body"]["prompt"]
                .as_str()
                .is_some_and(|p| p.contains("FAIL-IN-BATCH"));
            let record = if failing {
                json!({"custom_id": v["custom_id"], "response": {"status_code": 400, "body": {"error": {"message": "Your request was rejected by the safety system."}}}, "error": null})
            } else {
                let mut body = openai_response(&v["body"], port);
                if v["body"]["prompt"]
                    .as_str()
                    .is_some_and(|p| p.contains("HUGE-IN-BATCH"))
                {
                    // a 12 MiB image: the output file passes 10 MB
                    body["data"] = json!([{"b64_json": b64(&big_png(12))}]);
                }
                json!({"custom_id": v["custom_id"], "response": {"status_code": 200, "body": body}, "error": null})
            };
            if (kind == "err") == failing {
                out.push_str(&record.to_string());
                out.push('\n');
            }
        }
        ("200 OK", "application/jsonl", out.into_bytes())
    } else if rec.path.ends_with("/images/edits")
        && rec
            .header("content-type")
            .is_some_and(|c| c.starts_with("multipart/form-data"))
    {
        // the SDK's images.edit: `image[]` file parts (PNG, WebP or JPEG) and text fields
        let ct = rec.header("content-type").unwrap_or_default().to_string();
        let images = multipart_files(&ct, &rec.body, "image[]");
        let fields = multipart_fields(&ct, &rec.body).unwrap_or_default();
        let images_ok = !images.is_empty()
            && images.iter().all(|(_, b)| {
                b.starts_with(b"\x89PNG")
                    || b.starts_with(&[0xFF, 0xD8, 0xFF])
                    || b.starts_with(b"RIFF")
            });
        if images_ok && fields.get("prompt").is_some() {
            let body = json!({"output_format": fields.get("output_format"), "n": fields.get("n").and_then(|n| n.as_str()).and_then(|n| n.parse::<u64>().ok())});
            json_reply("200 OK", openai_response(&body, port))
        } else {
            json_reply(
                "400 Bad Request",
                json!({"error": {"message": "expected image[] files and a prompt", "type": "invalid_request_error"}}),
            )
        }
    } else if rec.path.ends_with("/images/generations") || rec.path.ends_with("/images/edits") {
        match serde_json::from_slice::<Value>(&rec.body) {
            // a prompt asking for it is rate-limited once (retry tests)
            Ok(b)
                if b["prompt"]
                    .as_str()
                    .is_some_and(|p| p.contains("RATE-LIMIT-ONCE"))
                    && RATE_LIMITED.lock().expect("lock").insert(port) =>
            {
                (
                    "429 Too Many Requests",
                    "application/json",
                    json!({"error": {"message": "Rate limit reached", "type": "requests"}})
                        .to_string()
                        .into_bytes(),
                )
            }
            // a server error once (then success), or always
            Ok(b)
                if b["prompt"].as_str().is_some_and(|p| {
                    p.contains("ALWAYS-FAIL")
                        || (p.contains("SERVER-ERROR-ONCE")
                            && RATE_LIMITED
                                .lock()
                                .expect("lock")
                                .insert(port.wrapping_add(1)))
                }) =>
            {
                json_reply(
                    "500 Internal Server Error",
                    json!({"error": {"message": "The server had an error"}}),
                )
            }
            Ok(b)
                if b["prompt"]
                    .as_str()
                    .is_some_and(|p| p.contains("BAD-REQUEST")) =>
            {
                json_reply(
                    "400 Bad Request",
                    json!({"error": {"message": "Invalid value: 'quality' must be one of low, medium, high.", "type": "invalid_request_error"}}),
                )
            }
            Ok(b)
                if b["prompt"]
                    .as_str()
                    .is_some_and(|p| p.contains("MALFORMED")) =>
            {
                ("200 OK", "application/json", b"{\"data\": [".to_vec())
            }
            Ok(b) if b["prompt"].as_str().is_some_and(|p| p.contains("SLOW")) => {
                std::thread::sleep(Duration::from_secs(3));
                json_reply("200 OK", openai_response(&b, port))
            }
            Ok(b) => json_reply("200 OK", openai_response(&b, port)),
            Err(_) => json_reply(
                "400 Bad Request",
                json!({"error": {"message": "body is not JSON", "type": "invalid_request_error"}}),
            ),
        }
    } else if rec.path.contains("/stable-image/generate/") {
        // Stability v2beta: a multipart form in, the image bytes out (with `accept: image/*`)
        let ct = rec.header("content-type").unwrap_or_default().to_string();
        match (multipart_fields(&ct, &rec.body), rec.header("accept")) {
            // a prompt asking for it is rate-limited once (retry tests)
            (Some(fields), Some(_))
                if fields["prompt"]
                    .as_str()
                    .is_some_and(|p| p.contains("RATE-LIMIT-ONCE"))
                    && RATE_LIMITED.lock().expect("lock").insert(port) =>
            {
                json_reply(
                    "429 Too Many Requests",
                    json!({"errors": ["rate limited"], "name": "rate_limit_exceeded"}),
                )
            }
            (Some(fields), Some(a)) if a.contains("image/") => {
                let format = fields
                    .get("output_format")
                    .and_then(Value::as_str)
                    .unwrap_or("png")
                    .to_string();
                ("200 OK", "image/png", image_for(port, &format))
            }
            (None, _) => json_reply(
                "400 Bad Request",
                json!({"errors": ["expected multipart/form-data"]}),
            ),
            _ => json_reply(
                "400 Bad Request",
                json!({"errors": ["accept must be image/*"]}),
            ),
        }
    } else if rec.method == "POST" && rec.path.starts_with("/v1/flux") {
        // BFL: submit answers with a polling URL
        match serde_json::from_slice::<Value>(&rec.body) {
            Ok(b) => {
                let id = format!("task-{}", NEXT_FILE.fetch_add(1, Ordering::Relaxed));
                let format = b["output_format"].as_str().unwrap_or("jpeg").to_string();
                // a prompt can ask for a task that fails, or one that never gets ready
                let prompt = b["prompt"].as_str().unwrap_or_default();
                let start = if prompt.contains("FLUX-ERROR") {
                    1000
                } else if prompt.contains("FLUX-NEVER-READY") {
                    2000
                } else {
                    0
                };
                TASKS
                    .lock()
                    .expect("lock")
                    .push((id.clone(), format, start));
                json_reply(
                    "200 OK",
                    json!({"id": id, "polling_url": format!("http://127.0.0.1:{port}/v1/get_result?id={id}")}),
                )
            }
            Err(_) => json_reply(
                "422 Unprocessable Entity",
                json!({"detail": "body is not JSON"}),
            ),
        }
    } else if rec.method == "GET" && rec.path.starts_with("/v1/get_result") {
        let id = rec.path.split("id=").nth(1).unwrap_or_default().to_string();
        let mut tasks = TASKS.lock().expect("lock");
        match tasks.iter_mut().find(|(t, _, _)| *t == id) {
            // pending on the first poll, ready on the next
            Some((_, _, polls)) if *polls == 0 || *polls >= 2000 => {
                *polls += 1;
                json_reply("200 OK", json!({"id": id, "status": "Pending"}))
            }
            Some((_, _, polls)) if *polls >= 1000 => json_reply(
                "200 OK",
                json!({"id": id, "status": "Error", "details": {"message": "generation failed"}}),
            ),
            Some((_, format, _)) => json_reply(
                "200 OK",
                json!({"id": id, "status": "Ready", "result": {"sample": format!("http://127.0.0.1:{port}/samples/{id}.{format}")}}),
            ),
            None => json_reply("200 OK", json!({"id": id, "status": "Task not found"})),
        }
    } else if rec.method == "GET" && rec.path.starts_with("/samples/") {
        let format = rec.path.rsplit('.').next().unwrap_or("jpeg").to_string();
        (
            "200 OK",
            "application/octet-stream",
            image_for(port, &format),
        )
    } else if rec.path.ends_with(":generateContent") {
        match serde_json::from_slice::<Value>(&rec.body) {
            // two images and two text parts when the prompt asks for it
            Ok(b) if b.to_string().contains("GEMINI-TWO-IMAGES") => json_reply(
                "200 OK",
                json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Here are two."}, {"inlineData": {"mimeType": "image/png", "data": b64(&image_for(port, "png"))}}, {"text": "And a second one."}, {"inlineData": {"mimeType": "image/jpeg", "data": b64(&image_bytes("jpeg"))}}]}}], "modelVersion": "gemini-3.1-flash-image", "usageMetadata": {"promptTokenCount": 12}}),
            ),
            Ok(_) => json_reply(
                "200 OK",
                json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "Here is your image."}, {"inlineData": {"mimeType": "image/png", "data": b64(&image_for(port, "png"))}}]}}]}),
            ),
            Err(_) => json_reply(
                "400 Bad Request",
                json!({"error": {"message": "body is not JSON"}}),
            ),
        }
    } else {
        json_reply(
            "404 Not Found",
            json!({"error": {"message": format!("no route {}", rec.path)}}),
        )
    };
    let mut stream = reader.into_inner();
    // a batch file download cut mid-way once (the client must retry)
    let cut = rec.path.ends_with("/content")
        && FAULTED
            .lock()
            .expect("lock")
            .contains(&(port, String::from("cut-download-due")))
        && first_time(port, "cut-download");
    if cut {
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            reply.len()
        );
        let _ = stream.write_all(&reply[..reply.len() / 2]);
        return;
    }
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nRetry-After: 0\r\nConnection: close\r\n\r\n",
        reply.len()
    );
    let _ = stream.write_all(&reply);
    let _ = stream.flush();
}

/// Mocks (by port) that have answered a fault once.
static FAULTED: Mutex<std::collections::BTreeSet<(u16, String)>> =
    Mutex::new(std::collections::BTreeSet::new());

/// True the first time `fault` is seen on this mock.
fn first_time(port: u16, fault: &str) -> bool {
    FAULTED
        .lock()
        .expect("lock")
        .insert((port, fault.to_string()))
}

/// A PNG of about `mib` MiB: the real signature and header, then filler (real 4K PNGs at n > 1
/// pass 10 MB).
pub fn big_png(mib: usize) -> Vec<u8> {
    let mut v = image_bytes("png");
    v.resize(mib << 20, 0x5A);
    v
}

fn write_head(stream: &mut TcpStream, status: &str, extra: &str, len: usize) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n{extra}Connection: close\r\n\r\n"
    );
}

/// Faults asked for by a keyword in the prompt, answered directly on the stream (true when one
/// was): real providers' large, cut, stalled, redirected and odd answers.
fn special(rec: &Recorded, port: u16, stream: &mut TcpStream) -> bool {
    let is_image = rec.path.ends_with("/images/generations") || rec.path.ends_with("/images/edits");
    if rec.method == "GET" && rec.path == "/elsewhere" {
        // where a redirect points: a 200 that must never be taken for the generation
        let body = openai_response(&json!({}), port).to_string();
        write_head(stream, "200 OK", "", body.len());
        let _ = stream.write_all(body.as_bytes());
        return true;
    }
    let Some(prompt) = is_image
        .then(|| serde_json::from_slice::<Value>(&rec.body).ok())
        .flatten()
        .and_then(|b| b["prompt"].as_str().map(str::to_string))
    else {
        return false;
    };
    let has = |k: &str| prompt.contains(k);
    if has("HUGE-IMAGE") {
        // two 12 MiB images: a 32 MiB answer
        let img = b64(&big_png(12));
        let body = json!({"created": 1, "data": [{"b64_json": img}, {"b64_json": img}], "output_format": "png"}).to_string();
        write_head(stream, "200 OK", "", body.len());
        for chunk in body.as_bytes().chunks(1 << 20) {
            if stream.write_all(chunk).is_err() {
                break;
            }
        }
    } else if has("CUT-BODY-ONCE") && first_time(port, "cut") {
        let body = openai_response(&json!({}), port).to_string();
        write_head(stream, "200 OK", "", body.len() + 1000);
        let _ = stream.write_all(&body.as_bytes()[..body.len() / 2]);
    } else if has("STALL-BODY") {
        // headers at once, then a byte every 200 ms, never ending
        write_head(stream, "200 OK", "", 10_000_000);
        for _ in 0..150 {
            if stream.write_all(b" ").is_err() {
                break;
            }
            let _ = stream.flush();
            std::thread::sleep(Duration::from_millis(200));
        }
    } else if let Some(value) = prompt
        .split("RETRY-AFTER[")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .filter(|v| first_time(port, &format!("retry-after {v}")))
    {
        let body = json!({"error": {"message": "Rate limit reached"}}).to_string();
        write_head(
            stream,
            "429 Too Many Requests",
            &format!("Retry-After: {value}\r\n"),
            body.len(),
        );
        let _ = stream.write_all(body.as_bytes());
    } else if has("HALF-BAD") || has("NOT-AN-IMAGE") || has("JPEG-FOR-PNG") {
        let data = if has("HALF-BAD") {
            json!([{"b64_json": b64(&image_bytes("png"))}, {"b64_json": "!!!not base64!!!"}])
        } else if has("JPEG-FOR-PNG") {
            json!([{"b64_json": b64(&image_bytes("jpeg"))}])
        } else {
            json!([{"b64_json": b64(b"hello, this is not an image")}])
        };
        let body = json!({"created": 1, "data": data, "output_format": "png"}).to_string();
        write_head(stream, "200 OK", "", body.len());
        let _ = stream.write_all(body.as_bytes());
    } else if has("REDIRECT") {
        let to = format!("Location: http://127.0.0.1:{port}/elsewhere\r\n");
        write_head(stream, "302 Found", &to, 0);
    } else if has("ECHO-KEY-200") {
        // a 200 whose answer repeats the key (a proxy that echoes headers, say)
        let key = rec
            .header("authorization")
            .unwrap_or_default()
            .trim_start_matches("Bearer ");
        let body = json!({"created": 1, "data": [{"b64_json": b64(&image_bytes("png")), "revised_prompt": format!("for {key}")}], "output_format": "png", "size": key}).to_string();
        write_head(stream, "200 OK", "", body.len());
        let _ = stream.write_all(body.as_bytes());
    } else if has("ECHO-KEY") {
        let key = rec
            .header("authorization")
            .unwrap_or_default()
            .trim_start_matches("Bearer ");
        let body = json!({"error": {"message": format!("Incorrect API key provided: {key}.")}})
            .to_string();
        write_head(stream, "401 Unauthorized", "", body.len());
        let _ = stream.write_all(body.as_bytes());
    } else {
        return false;
    }
    let _ = stream.flush();
    true
}

/// The text fields of a multipart form.
pub fn multipart_fields(content_type: &str, body: &[u8]) -> Option<serde_json::Map<String, Value>> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)?
        .trim_matches('"')
        .to_string();
    let text = String::from_utf8_lossy(body).to_string();
    let mut out = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")).skip(1) {
        if part.starts_with("--") {
            break;
        }
        let (head, value) = part.split_once("\r\n\r\n")?;
        let name = head.split("name=\"").nth(1)?.split('"').next()?.to_string();
        let value = value.strip_suffix("\r\n").unwrap_or(value);
        out.insert(name, Value::String(value.to_string()));
    }
    Some(out)
}

impl Recorded {
    /// The fields of a multipart body.
    pub fn form(&self) -> serde_json::Map<String, Value> {
        multipart_fields(self.header("content-type").unwrap_or_default(), &self.body)
            .unwrap_or_else(|| panic!("{} {}: not a multipart form", self.method, self.path))
    }
}

impl Mock {
    /// Starts the server on a free port.
    pub fn start() -> Mock {
        Mock::failing(Fail::Never)
    }

    /// Starts the server on a free port, answering `fail` where it applies.
    pub fn failing(fail: Fail) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        listener.set_nonblocking(true).expect("nonblocking");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s) = (requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).ok();
                        // one thread per connection: a slow request never holds up the others
                        let r = r.clone();
                        std::thread::spawn(move || handle(stream, &r, port, fail));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Mock {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// The base URL an OpenAI client takes (`http://127.0.0.1:PORT/v1`).
    pub fn openai_base(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Serves these images, in order, as the images of the next answers (the last one stays).
    pub fn serve_images(&self, images: Vec<Vec<u8>>) {
        SERVED
            .lock()
            .expect("lock")
            .insert(self.port, images.into_iter().collect());
    }

    /// The base URL of `target`'s provider on this mock, and its key variable.
    pub fn env_for(&self, target: &str) -> Vec<(&'static str, String)> {
        let t = imgprompt::targets::by_name(target).expect("target");
        let p = t.provider().expect("an HTTP API");
        let path = p
            .base
            .trim_start_matches("https://")
            .split_once('/')
            .map_or("", |(_, rest)| rest);
        vec![
            (p.base_env, format!("http://127.0.0.1:{}/{path}", self.port)),
            (p.key_env, String::from("sk-test-local")),
        ]
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
