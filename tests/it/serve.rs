//! `imgprompt serve` on the real binary: every endpoint over HTTP on 127.0.0.1, errors as JSON
//! with the right status (400, 404, 413, 422) and diagnostics pointing into the submitted text,
//! the page embedded and self-contained.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

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
        let mut child = common::cli()
            .args(["serve", "--port", "0"])
            .args(extra)
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
    assert_eq!(r["payload"]["body"]["model"], "gpt-image-2");
    assert!(r["cost"]["per_request"].is_number());
    assert!(
        r["snippets"]["python"]
            .as_str()
            .expect("python")
            .contains("client.images.generate(")
    );
    assert_eq!(r["variants"], 1);

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
    let (s, _) = server.call("GET", "/api/nothing", b"");
    assert_eq!(s, 404);
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
/// presets and renders, follows an edit with the exact text highlighted, shows an invalid brief's
/// diagnostic and jumps to its line, fetches nothing from elsewhere, and fits a phone-width window.
#[test]
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
    // every occurrence of the exact text is marked (the example names it twice)
    let marks = r["marks"].as_array().expect("marks");
    assert!(
        !marks.is_empty() && marks.iter().all(|m| m == "Future Forms"),
        "{r}"
    );
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
