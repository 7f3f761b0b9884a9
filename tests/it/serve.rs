//! `imgprompt serve` on the real binary: every endpoint over HTTP on 127.0.0.1, errors as JSON
//! with the right status (400, 404, 405, 408, 413, 415, 422, 500, 503) and diagnostics pointing
//! into the submitted text, the page embedded and self-contained, and the limits: answer size,
//! blocking slots and time, read timeouts, connections, shutdown. Faults (a panic, work that hangs)
//! are injected with `IMGPROMPT_SERVE_FAULTS`, which only debug builds read.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common;

/// The server, stopped when dropped.
pub struct Server {
    child: Child,
    /// Its port.
    pub port: u16,
}

impl Server {
    /// Starts `imgprompt serve --port 0` and waits for the address it prints.
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// [`Server::start`] with more arguments.
    pub fn start_with(extra: &[&str]) -> Server {
        Server::start_env(extra, &[])
    }

    /// [`Server::start_with`] with environment variables.
    pub fn start_env(extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut child = common::cli()
            .args(["serve", "--port", "0"])
            .args(extra)
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn serve");
        let mut line = String::new();
        BufReader::new(child.stderr.take().expect("stderr"))
            .read_line(&mut line)
            .expect("the address line");
        let port = line
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Server { child, port }
    }

    /// One request; (status, body).
    pub fn call(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .expect("send");
        let _ = s.write_all(body);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("headers");
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        let mut body = raw[split + 4..].to_vec();
        if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            body = dechunk(&body);
        }
        (status, body)
    }

    /// A JSON request; (status, JSON body).
    pub fn json(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let (status, body) = self.call(method, path, body.to_string().as_bytes());
        (
            status,
            serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e})")),
        )
    }
}

/// Raw request bytes in, (status, head in lowercase, body) out; the client gives up after 20 s.
fn exchange(port: u16, request: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    s.write_all(request).expect("send");
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut body = raw[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, head, body)
}

/// The JSON error of a body, asserting its shape.
#[track_caller]
fn json_error(status: u16, body: &[u8]) -> Value {
    let e: Value = serde_json::from_slice(body)
        .unwrap_or_else(|_| panic!("{status}: not JSON: {:?}", String::from_utf8_lossy(body)));
    assert_eq!(e["error"]["status"], status, "{e}");
    assert!(e["error"]["code"].is_string(), "{e}");
    assert!(e["error"]["message"].is_string(), "{e}");
    e
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[eol + 2 + size + 2..];
    }
    out
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_api_answers_every_endpoint() {
    let server = Server::start();
    let (s, health) = server.json("GET", "/api/health", &json!(null));
    assert_eq!((s, health["ok"].clone()), (200, json!(true)));

    let poster = std::fs::read_to_string(common::root().join("examples/poster-future-forms.yaml"))
        .expect("example");
    let (s, r) = server.json("POST", "/api/render", &json!({"brief": poster}));
    assert_eq!(s, 200, "{r}");
    assert!(
        r["prompt"]
            .as_str()
            .expect("prompt")
            .contains("\"Future Forms\"")
    );
    assert_eq!(r["exact_texts"], json!(["Future Forms"]));
    // every family's prompt, the request's own first and equal to `prompt`
    let families: Vec<&str> = r["families"]
        .as_array()
        .expect("families")
        .iter()
        .filter_map(|f| f["family"].as_str())
        .collect();
    assert_eq!(
        families,
        ["gpt", "gemini", "flux", "stability", "midjourney"],
        "{r}"
    );
    assert_eq!(r["families"][0]["prompt"], r["prompt"]);
    assert!(
        r["families"][4]["prompt"]
            .as_str()
            .is_some_and(|p| p.contains("headline \"Future Forms\"") && !p.contains("Render")),
        "{r}"
    );
    assert_eq!(r["payload"]["body"]["model"], "gpt-image-2");
    assert!(r["cost"]["per_request"].is_number());
    assert!(
        r["snippets"]["python"]
            .as_str()
            .expect("python")
            .contains("client.images.generate(")
    );
    assert_eq!(r["variants"], 1);
    assert_eq!(r["variants_overflow"], false);

    // a JSON brief, another target
    let dashboard =
        std::fs::read_to_string(common::root().join("examples/ui-finance-dashboard.json"))
            .expect("example");
    let (s, r) = server.json(
        "POST",
        "/api/render",
        &json!({"brief": dashboard, "format": "json", "target": "gemini"}),
    );
    assert_eq!(s, 200, "{r}");
    assert!(
        r["payload"]["url"]
            .as_str()
            .expect("url")
            .contains(":generateContent")
    );

    // an invalid brief: 422 with the diagnostic's line and column in the submitted text
    let (s, e) = server.json(
        "POST",
        "/api/render",
        &json!({"brief": "subject: a cat\noutput:\n  size: 1000x1000\n"}),
    );
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "invalid-size");
    assert_eq!(e["error"]["diagnostics"][0]["line"], 3);
    assert_eq!(e["error"]["diagnostics"][0]["column"], 9);

    let (s, v) = server.json(
        "POST",
        "/api/validate",
        &json!({"brief": "subject: a cat\nstyle: {moood: calm}\n"}),
    );
    assert_eq!(s, 200);
    assert_eq!(v["valid"], false);
    assert_eq!(v["diagnostics"][0]["code"], "unknown-field");

    let (s, l) = server.json(
        "POST",
        "/api/lint",
        &json!({"brief": "subject: a cat\nstyle: {medium: low-angle angle photograph}\n"}),
    );
    assert_eq!(s, 200);
    assert!(
        l["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["code"] == "doubled-noun"),
        "{l}"
    );

    let campaign = std::fs::read_to_string(common::root().join("tests/inputs/batch/campaign.yaml"))
        .expect("campaign");
    let (s, x) = server.json(
        "POST",
        "/api/expand",
        &json!({"brief": campaign, "first": 2}),
    );
    assert_eq!(s, 200, "{x}");
    assert_eq!(x["count"], 6);
    assert_eq!(x["variants"].as_array().expect("variants").len(), 2);

    let (s, c) = server.json("POST", "/api/cost", &json!({"brief": poster}));
    assert_eq!(s, 200);
    assert!(c["estimate"]["per_request"].is_number());

    let (s, p) = server.json("GET", "/api/presets", &json!(null));
    assert_eq!(s, 200);
    assert!(p["presets"].as_array().expect("presets").len() >= 7);
    assert!(p["presets"][0]["example_prompt"].is_string());
    let (s, one) = server.json("GET", "/api/presets/poster", &json!(null));
    assert_eq!(s, 200);
    assert!(
        one["example"]
            .as_str()
            .expect("example")
            .contains("subject")
    );
    assert!(one["params_schema"]["properties"].is_object());
    let (s, _) = server.json("GET", "/api/presets/postr", &json!(null));
    assert_eq!(s, 404);

    let (s, m) = server.json("GET", "/api/models", &json!(null));
    assert_eq!(s, 200);
    assert!(m["models"]["gpt-image-2.5-sunburst"].is_object());
    let (s, spec) = server.json("GET", "/api/schema/spec", &json!(null));
    assert_eq!(s, 200);
    assert!(spec["properties"]["subject"].is_object());
}

#[test]
fn malformed_and_oversized_requests_are_json_errors() {
    let server = Server::start();
    let (s, body) = server.call("POST", "/api/render", b"not json");
    assert_eq!(s, 400);
    let e: Value = serde_json::from_slice(&body).expect("JSON error");
    assert_eq!(e["error"]["code"], "bad-request");
    let big = json!({"brief": "a".repeat(2 << 20)}).to_string();
    let (s, body) = server.call("POST", "/api/render", big.as_bytes());
    assert_eq!(s, 413);
    let e: Value = serde_json::from_slice(&body).expect("JSON error");
    assert_eq!(e["error"]["code"], "too-large");
    let (s, body) = server.call("GET", "/api/nothing", b"");
    assert_eq!(s, 404);
    assert_eq!(json_error(404, &body)["error"]["code"], "not-found");
}

/// Raw request text in, (status, head in lowercase) out.
fn raw(port: u16, request: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.write_all(request.as_bytes()).expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let head = out
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status");
    (status, head)
}

/// `--max-body` sets the limit (named in the 413); CORS is off unless `--cors ORIGIN`, and then
/// only that origin gets the header and a preflight answer.
#[test]
fn body_limit_and_cors_are_options() {
    let get = |origin: &str| {
        format!(
            "GET /api/health HTTP/1.1\r\nHost: localhost\r\nOrigin: {origin}\r\nConnection: close\r\n\r\n"
        )
    };
    let default = Server::start();
    let (s, head) = raw(default.port, &get("https://app.example"));
    assert_eq!(s, 200);
    assert!(!head.contains("access-control-allow-origin"), "{head}");

    let server = Server::start_with(&["--max-body", "4096", "--cors", "https://app.example"]);
    let big = json!({"brief": "a".repeat(5000)}).to_string();
    let (s, body) = server.call("POST", "/api/render", big.as_bytes());
    assert_eq!(s, 413);
    let e: Value = serde_json::from_slice(&body).expect("JSON error");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("message")
            .contains("4096 bytes"),
        "{e}"
    );
    let (s, _) = server.json(
        "POST",
        "/api/render",
        &json!({"brief": "subject: a lighthouse"}),
    );
    assert_eq!(s, 200, "a small body still passes");

    let (s, head) = raw(server.port, &get("https://app.example"));
    assert_eq!(s, 200);
    assert!(
        head.contains("access-control-allow-origin: https://app.example"),
        "{head}"
    );
    let (_, head) = raw(server.port, &get("https://evil.example"));
    assert!(!head.contains("access-control-allow-origin"), "{head}");
    let (s, head) = raw(
        server.port,
        "OPTIONS /api/render HTTP/1.1\r\nHost: localhost\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(s, 204, "{head}");
    assert!(
        head.contains("access-control-allow-methods: get, post"),
        "{head}"
    );
    assert!(
        head.contains("access-control-allow-headers: content-type"),
        "{head}"
    );

    let out = common::cli()
        .args(["serve", "--max-body", "10"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "below 1024 is a usage error");
}

/// A request naming another host (DNS rebinding) is refused; loopback names pass.
#[test]
fn other_host_names_are_refused() {
    let server = Server::start();
    let ask = |host: &str| {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        write!(
            s,
            "GET /api/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut raw = String::new();
        let _ = s.read_to_string(&mut raw);
        raw.split_whitespace()
            .nth(1)
            .and_then(|c| c.parse::<u16>().ok())
            .expect("status")
    };
    assert_eq!(ask("evil.example"), 403);
    assert_eq!(ask("evil.example:7878"), 403);
    assert_eq!(ask(&format!("127.0.0.1:{}", server.port)), 200);
    assert_eq!(ask("localhost"), 200);
    assert_eq!(ask("[::1]:7878"), 200);
}

/// Concurrent requests all answer.
#[test]
fn concurrent_requests_all_answer() {
    let server = Server::start();
    let poster = std::fs::read_to_string(common::root().join("examples/poster-future-forms.yaml"))
        .expect("example");
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                s.spawn(|| {
                    server
                        .json("POST", "/api/render", &json!({"brief": poster}))
                        .0
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().expect("thread"), 200);
        }
    });
}

#[test]
fn the_page_is_embedded_and_self_contained() {
    let server = Server::start();
    let (s, body) = server.call("GET", "/", b"");
    assert_eq!(s, 200);
    let page = String::from_utf8(body).expect("utf8");
    assert!(page.contains("<title>imgprompt playground</title>"));
    assert!(page.contains("/api/render"));
    // no CDN: nothing is fetched from another host
    assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
}

/// The playground in a real browser (Debian's Chromium driven by playwright-core): it loads the
/// presets and renders, follows an edit with only the exact text highlighted, shows an invalid
/// brief's diagnostic and jumps to its line, marks stale results and disables copying while the
/// brief is invalid, keeps the brief across a reload, downloads it, shares it by link into a fresh
/// browser, fetches nothing from elsewhere, and fits a phone-width window.
#[test]
#[cfg_attr(
    imgprompt_no_browser,
    ignore = "Chromium or playwright-core is missing: .ci/run installs them (apt chromium, tests/sdk/setup.sh)"
)]
fn the_playground_works_in_a_real_browser() {
    let chromium = std::path::Path::new("/usr/bin/chromium");
    let driver = common::root().join("tests/sdk/node_modules/playwright-core/package.json");
    if !chromium.is_file() || !driver.is_file() {
        let msg = "Chromium or playwright-core is missing: .ci/run installs them (apt chromium, tests/sdk/setup.sh)";
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{msg}");
        }
        eprintln!("skipped: {msg}");
        return;
    }
    let server = Server::start();
    // screenshots for a human to look at
    let shots = common::root().join("target/playground-screenshots");
    std::fs::create_dir_all(&shots).expect("dir");
    let out = std::process::Command::new("node")
        .arg(common::root().join("tests/sdk/playground.mjs"))
        .arg(format!("http://127.0.0.1:{}/", server.port))
        .arg(&shots)
        .current_dir(common::root().join("tests/sdk"))
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).expect("result JSON");
    assert!(r["presets"].as_array().expect("presets").len() >= 7, "{r}");
    assert!(
        r["first_prompt"]
            .as_str()
            .expect("prompt")
            .contains("Future Forms"),
        "{r}"
    );
    // the same brief for every model family, the target's own first
    let families = r["families"].as_array().expect("families");
    let names: Vec<&str> = families
        .iter()
        .filter_map(|f| f["family"].as_str())
        .collect();
    assert_eq!(names.len(), 5, "{r}");
    assert!(
        families.iter().all(|f| f["prompt"]
            .as_str()
            .is_some_and(|p| p.contains("Future Forms"))),
        "{r}"
    );
    // only the exact text is marked: the example names "Future Forms" twice in the prompt, in
    // the subject ("a design conference called Future Forms") and as the quoted headline
    let first = r["first_prompt"].as_str().expect("prompt");
    assert_eq!(first.matches("Future Forms").count(), 2, "{first}");
    assert_eq!(r["marks"], json!(["Future Forms"]), "{r}");
    assert_eq!(r["edited_marks"], json!(["Lantern Row"]));
    assert!(
        r["status"]
            .as_str()
            .expect("status")
            .starts_with("rendered in")
    );
    assert!(
        r["diagnostic"]
            .as_str()
            .expect("diagnostic")
            .contains("invalid-size"),
        "{r}"
    );
    assert_eq!(
        r["selected"], "  size: 1000x1000",
        "the click selects the line"
    );
    assert_eq!(r["phone_overflow"], false, "fits a phone-width window");
    // an invalid brief: the results are marked stale and cannot be copied
    assert_eq!(r["stale_banner"], true, "{r}");
    assert_eq!(r["stale_copy_disabled"], json!([true, true, true]), "{r}");
    assert!(
        r["stale_opacity"]
            .as_str()
            .expect("opacity")
            .starts_with("0.3"),
        "{r}"
    );
    assert_eq!(r["fresh_banner"], false, "{r}");
    assert_eq!(
        r["fresh_copy_disabled"],
        json!([false, false, false]),
        "{r}"
    );
    // a reload keeps the brief, the target and the form shown
    let kept = "preset: poster\nsubject: a night market\ntext:\n  headline: Kept After Reload\n";
    assert_eq!(
        r["reloaded"],
        json!({"brief": kept, "target": "stability", "emit": "curl"}),
        "{r}"
    );
    assert!(
        r["replace_question"]
            .as_str()
            .is_some_and(|q| q.contains("Replace your brief")),
        "{r}"
    );
    assert_eq!(
        r["after_dismiss"],
        json!({"brief": kept, "preset": "poster"}),
        "{r}"
    );
    // download: the brief as it is
    assert_eq!(r["download_name"], "brief.yaml", "{r}");
    assert_eq!(r["download_text"], kept, "{r}");
    // a shared link opens the same brief, every character of it, in a fresh browser
    let shared =
        "preset: poster\nsubject: a night market\ntext:\n  headline: Shared – «Ünïcode» 🏮\n";
    assert!(
        r["share_link"]
            .as_str()
            .is_some_and(|l| l.contains("#brief=")),
        "{r}"
    );
    assert_eq!(r["shared"]["brief"], shared, "{r}");
    assert_eq!(r["shared"]["target"], "stability", "{r}");
    assert_eq!(
        r["shared"]["preset"], "poster",
        "the picker follows the brief: {r}"
    );
    assert_eq!(
        r["shared"]["marks"],
        json!(["Shared – «Ünïcode» 🏮"]),
        "{r}"
    );
    assert_eq!(r["hash_after_edit"], "", "{r}");
    assert_eq!(
        r["reloaded_after_share"],
        "preset: poster\nsubject: a night market\ntext:\n  headline: Edited After Sharing\n",
        "{r}"
    );
    assert_eq!(r["big_link_ok"], true, "{r}");
    assert!(shots.join("playground-stale.png").is_file());
    assert!(shots.join("playground-shared.png").is_file());
    let curl = r["curl"].as_str().expect("curl");
    assert!(
        curl.contains("curl") && curl.contains("stable-image/generate"),
        "{curl}"
    );
    assert_eq!(r["failed_requests"], json!([]));
    assert!(shots.join("playground-phone.png").is_file());
    let prompts = r["preset_prompts"].as_object().expect("per preset");
    assert!(
        prompts.len() >= 7
            && prompts
                .values()
                .all(|p| p.as_str().is_some_and(|p| p.len() > 20)),
        "{r}"
    );
}

/// A POST must say `Content-Type: application/json` (a page on another origin cannot send that
/// without a preflight); the brief may be text or a JSON object.
#[test]
fn posts_must_be_json_and_briefs_may_be_objects() {
    let server = Server::start();
    let post = |content_type: Option<&str>, body: &str| {
        let ct = content_type.map_or_else(String::new, |c| format!("Content-Type: {c}\r\n"));
        exchange(
            server.port,
            format!(
                "POST /api/render HTTP/1.1\r\nHost: localhost\r\n{ct}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        )
    };
    let brief = json!({"brief": "subject: a lighthouse"}).to_string();
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let (s, _, body) = post(ct, &brief);
        assert_eq!(s, 415, "{ct:?}");
        let e = json_error(415, &body);
        assert_eq!(e["error"]["code"], "unsupported-media-type");
    }
    let (s, _, body) = post(Some("application/json; charset=utf-8"), &brief);
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));

    // the brief as an object
    let (s, r) = server.json(
        "POST",
        "/api/render",
        &json!({"brief": {"subject": "a lighthouse", "text": {"headline": "Open House"}}}),
    );
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["exact_texts"], json!(["Open House"]));
    // its diagnostics point into its pretty-printed JSON
    let (s, e) = server.json(
        "POST",
        "/api/render",
        &json!({"brief": {"subject": "a cat", "output": {"size": "1000x1000"}}}),
    );
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "invalid-size");
    assert_eq!(e["error"]["diagnostics"][0]["line"], 4, "{e}");
    // neither text nor object
    let (s, e) = server.json("POST", "/api/render", &json!({"brief": 42}));
    assert_eq!(s, 400, "{e}");
    assert_eq!(e["error"]["code"], "bad-request");
}

/// Every error has the API's JSON body: a wrong method (with `Allow`), an unknown endpoint, a path
/// parameter axum rejects.
#[test]
fn every_error_is_json() {
    let server = Server::start();
    let ask = |method: &str, path: &str| {
        exchange(
            server.port,
            format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
    };
    let (s, head, body) = ask("GET", "/api/render");
    assert_eq!(s, 405);
    assert!(head.contains("allow: post"), "{head}");
    assert_eq!(
        json_error(405, &body)["error"]["code"],
        "method-not-allowed"
    );
    let (s, head, body) = ask("POST", "/api/health");
    assert_eq!(s, 405);
    assert!(head.contains("allow: get"), "{head}");
    json_error(405, &body);
    for (method, path) in [("GET", "/api/nothing"), ("DELETE", "/nothing/at/all")] {
        let (s, head, body) = ask(method, path);
        assert_eq!(s, 404, "{method} {path}");
        assert!(head.contains("content-type: application/json"), "{head}");
        assert_eq!(json_error(404, &body)["error"]["code"], "not-found");
    }
    // not UTF-8 once decoded: axum's plain-text 400, made JSON
    let (s, _, body) = ask("GET", "/api/presets/%FF");
    assert_eq!(s, 400);
    assert_eq!(json_error(400, &body)["error"]["code"], "bad-request");
}

/// More variants than a 64-bit count holds: reported as such, not as `u64::MAX`.
#[test]
fn an_uncountable_vary_is_reported_as_overflow() {
    let server = Server::start();
    // 7 axes of 1,000 distinct values: 10^21 variants
    let paths = [
        "style.medium",
        "style.mood",
        "style.lighting",
        "style.typography",
        "composition.layout",
        "composition.framing",
        "composition.camera",
    ];
    let vary: serde_json::Map<String, Value> = paths
        .iter()
        .map(|p| {
            let values: Vec<String> = (0..1000).map(|v| format!("v{v}")).collect();
            (p.to_string(), json!(values))
        })
        .collect();
    let brief = json!({"brief": {"subject": "a cat", "vary": vary}});
    let (s, r) = server.json("POST", "/api/render", &brief);
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["variants"], Value::Null, "{r}");
    assert_eq!(r["variants_overflow"], true);
    let (s, e) = server.json("POST", "/api/expand", &brief);
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["error"]["code"], "too-many-variants");
}

/// An expand answer is built variant by variant into a capped buffer: 100 variants of a 100 KB
/// brief (10 MB) are refused with 422 rather than built; fewer pass.
#[test]
fn expand_answers_are_capped() {
    let server = Server::start();
    let mask = format!("https://images.example/{}", "m".repeat(100_000));
    let subjects: Vec<String> = (0..100).map(|i| format!("a cat number {i}")).collect();
    let brief =
        json!({"subject": "a cat", "inputs": {"mask": mask}, "vary": {"subject": subjects}});
    let (s, body) = server.call(
        "POST",
        "/api/expand",
        json!({"brief": brief, "first": 100}).to_string().as_bytes(),
    );
    assert_eq!(
        s,
        422,
        "{}",
        String::from_utf8_lossy(&body[..body.len().min(500)])
    );
    assert!(
        body.len() < 10_000,
        "the refusal is small: {} bytes",
        body.len()
    );
    let e = json_error(422, &body);
    assert_eq!(e["error"]["code"], "response-too-large");
    assert!(
        e["error"]["message"]
            .as_str()
            .expect("message")
            .contains("8388608 bytes"),
        "{e}"
    );
    let (s, x) = server.json("POST", "/api/expand", &json!({"brief": brief, "first": 3}));
    assert_eq!(s, 200, "{x}");
    assert_eq!(x["count"], 100);
    assert_eq!(x["variants"].as_array().expect("variants").len(), 3);
}

/// `--jobs 1 --queue 0 --timeout 1`: work past its time is answered 503 and stops, freeing its
/// slot; work that does not stop keeps it, and meanwhile the next request is refused at once
/// (503 `busy`, `Retry-After`) instead of queueing; `/api/health` answers throughout.
#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "fault injection (IMGPROMPT_SERVE_FAULTS) is read by debug builds only"
)]
fn blocking_work_is_bounded_in_number_and_time() {
    let server = Server::start_env(
        &["--jobs", "1", "--queue", "0", "--timeout", "1"],
        &[("IMGPROMPT_SERVE_FAULTS", "routes")],
    );
    let get = |path: &str| {
        exchange(
            server.port,
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
    };
    let started = Instant::now();
    let (s, _, body) = get("/api/_fault/sleep/5000");
    assert_eq!(s, 503);
    assert_eq!(json_error(503, &body)["error"]["code"], "timeout");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    // the stopped work gave its slot back
    std::thread::sleep(Duration::from_millis(300));
    let (s, _, body) = get("/api/_fault/sleep/10");
    assert_eq!(s, 200, "{}", String::from_utf8_lossy(&body));

    // work that ignores the stop keeps the only slot until it ends
    let started = Instant::now();
    let (s, _, _) = get("/api/_fault/hang/3000");
    assert_eq!(s, 503);
    let (s, head, body) = get("/api/_fault/sleep/10");
    if started.elapsed() < Duration::from_millis(2800) {
        assert_eq!(s, 503, "{}", String::from_utf8_lossy(&body));
        assert_eq!(json_error(503, &body)["error"]["code"], "busy");
        assert!(head.contains("retry-after: 1"), "{head}");
    }
    let (s, _, _) = get("/api/health");
    assert_eq!(s, 200);
    std::thread::sleep(Duration::from_millis(3500).saturating_sub(started.elapsed()));
    let (s, _, _) = get("/api/_fault/sleep/10");
    assert_eq!(s, 200, "the slot is free once the work ends");
}

/// A handler that panics, or work that panics on the blocking threads, is a 500 with a JSON body;
/// the server goes on.
#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "fault injection (IMGPROMPT_SERVE_FAULTS) is read by debug builds only"
)]
fn panics_are_json_500s_and_the_server_stays_up() {
    let server = Server::start_env(&[], &[("IMGPROMPT_SERVE_FAULTS", "routes")]);
    for path in ["/api/_fault/panic", "/api/_fault/panic-blocking"] {
        let (s, body) = server.call("GET", path, b"");
        assert_eq!(s, 500, "{path}");
        assert_eq!(json_error(500, &body)["error"]["code"], "internal");
    }
    let (s, health) = server.json("GET", "/api/health", &json!(null));
    assert_eq!((s, health["ok"].clone()), (200, json!(true)));
}

/// A preset whose example never finishes: the listing still comes (that example without a
/// prompt, the others with theirs), the server answers meanwhile, and the listing is kept.
#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "fault injection (IMGPROMPT_SERVE_FAULTS) is read by debug builds only"
)]
fn a_hanging_preset_example_does_not_stall_the_server() {
    let server = Server::start_env(
        &["--timeout", "6"],
        &[("IMGPROMPT_SERVE_FAULTS", "hang-example=poster")],
    );
    std::thread::scope(|scope| {
        let listing = scope.spawn(|| server.json("GET", "/api/presets", &json!(null)));
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        let (s, _) = server.json("GET", "/api/health", &json!(null));
        assert_eq!(s, 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        let (s, p) = listing.join().expect("thread");
        assert_eq!(s, 200, "{p}");
        let presets = p["presets"].as_array().expect("presets");
        let poster = presets
            .iter()
            .find(|x| x["name"] == "poster")
            .expect("poster");
        assert_eq!(poster["example_prompt"], Value::Null, "{poster}");
        assert!(poster["example_error"].is_string(), "{poster}");
        assert!(
            presets
                .iter()
                .filter(|x| x["name"] != "poster")
                .any(|x| x["example_prompt"].is_string()),
            "{p}"
        );
        // kept: the second call renders nothing
        let started = Instant::now();
        let (s, again) = server.json("GET", "/api/presets", &json!(null));
        assert_eq!(s, 200);
        assert_eq!(again, p);
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    });
}

/// `--read-timeout 1`: a connection that sends nothing, or half a head, is closed; a body that
/// does not arrive is answered 408.
#[test]
fn idle_and_slow_connections_are_closed() {
    let server = Server::start_with(&["--read-timeout", "1"]);
    let closed_within = |send: &[u8]| {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        s.write_all(send).expect("send");
        let started = Instant::now();
        let mut out = Vec::new();
        let closed = s.read_to_end(&mut out).is_ok();
        (closed, started.elapsed())
    };
    let (closed, took) = closed_within(b"");
    assert!(closed && took < Duration::from_secs(5), "idle: {took:?}");
    let (closed, took) = closed_within(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\n");
    assert!(
        closed && took < Duration::from_secs(5),
        "half a head: {took:?}"
    );

    let started = Instant::now();
    let (s, _, body) = exchange(
        server.port,
        b"POST /api/render HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"brief\": ",
    );
    assert_eq!(s, 408);
    assert_eq!(json_error(408, &body)["error"]["code"], "request-timeout");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// `--max-connections 2`: with two idle connections open, a third is served only once one of
/// them is closed (here by the read timeout); it is not refused, and nothing runs out.
#[test]
fn connections_are_capped() {
    let server = Server::start_with(&["--max-connections", "2", "--read-timeout", "2"]);
    let idle: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    let (s, _, _) = exchange(
        server.port,
        b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    let took = started.elapsed();
    assert_eq!(s, 200);
    assert!(
        took >= Duration::from_millis(1000) && took < Duration::from_secs(10),
        "answered after {took:?}: the cap held it until an idle connection timed out"
    );
    drop(idle);
}

/// SIGTERM with work still running on the blocking threads (work that never looks at the stop):
/// the server stops accepting, waits a bounded time and exits 0.
#[cfg(unix)]
#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "fault injection (IMGPROMPT_SERVE_FAULTS) is read by debug builds only"
)]
fn sigterm_stops_the_server_even_with_work_running() {
    let mut server = Server::start_env(
        &["--timeout", "60"],
        &[("IMGPROMPT_SERVE_FAULTS", "routes")],
    );
    let port = server.port;
    let client = std::thread::spawn(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let _ = s.write_all(
            b"GET /api/_fault/hang/60000 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        );
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
    });
    std::thread::sleep(Duration::from_millis(500));
    let started = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "still running 20 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "{:?}",
        started.elapsed()
    );
    client.join().expect("client");
}

/// Large requests (over 64 KiB) share one slot (a quarter of --jobs): a second one at the same
/// time is told to come back (503 busy) while an ordinary request still answers at once.
#[test]
fn large_requests_cannot_take_every_slot() {
    let server = Server::start();
    let images: Vec<String> = (0..36_000)
        .map(|i| format!("https://e.x/{i}.png"))
        .collect();
    let vary: Vec<String> = (0..100).map(|i| format!("mood {i}")).collect();
    let brief = json!({"preset": "poster", "subject": "a poster", "inputs": {"images": images}, "vary": {"style.mood": vary}});
    let body =
        serde_json::to_vec(&json!({"brief": brief.to_string(), "first": 100})).expect("json");
    assert!(body.len() > 64 << 10);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| server.call("POST", "/api/expand", &body).0))
            .collect();
        // meanwhile an ordinary request is answered
        std::thread::sleep(std::time::Duration::from_millis(50));
        let small = json!({"brief": "subject: a cat\n"});
        let (s, r) = server.json("POST", "/api/render", &small);
        assert_eq!(s, 200, "{r}");
        calls.into_iter().map(|c| c.join().expect("call")).collect()
    });
    assert!(statuses.contains(&503), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 503 || *s == 422),
        "{statuses:?}"
    );
}

/// `parts` chooses the costly parts of a render answer: without it, all of them (the playground's
/// answer); `[]` the rendering alone, byte for byte the same prompt, payload and cost; a part not
/// listed is absent; an unknown part is a 400 naming the known ones.
#[test]
fn render_parts_choose_what_is_computed() {
    let server = Server::start();
    let poster = std::fs::read_to_string(common::root().join("examples/poster-future-forms.yaml"))
        .expect("example");
    let (s, full) = server.json("POST", "/api/render", &json!({"brief": poster}));
    assert_eq!(s, 200, "{full}");
    for key in ["lint", "snippets", "families"] {
        assert!(
            full.get(key).is_some(),
            "{key} in the default answer: {full}"
        );
    }
    let (s, alone) = server.json(
        "POST",
        "/api/render",
        &json!({"brief": poster, "parts": []}),
    );
    assert_eq!(s, 200, "{alone}");
    for key in ["lint", "snippets", "families"] {
        assert!(alone.get(key).is_none(), "{key} not asked for: {alone}");
    }
    let mut trimmed = full.clone();
    for key in ["lint", "snippets", "families"] {
        trimmed.as_object_mut().expect("object").remove(key);
    }
    assert_eq!(alone, trimmed, "the rendering is the same");
    let (s, some) = server.json(
        "POST",
        "/api/render",
        &json!({"brief": poster, "parts": ["lint", "families"]}),
    );
    assert_eq!(s, 200, "{some}");
    assert_eq!(some["lint"], full["lint"]);
    assert_eq!(some["families"], full["families"]);
    assert!(some.get("snippets").is_none(), "{some}");
    let (s, e) = server.json(
        "POST",
        "/api/render",
        &json!({"brief": poster, "parts": ["cost"]}),
    );
    assert_eq!(s, 400, "{e}");
    let message = e["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("unknown variant `cost`") && message.contains("`lint`"),
        "{message}"
    );
}
