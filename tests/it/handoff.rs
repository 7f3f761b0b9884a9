//! Every target × every hand-off form, end to end: each snippet runs unmodified against a local
//! server shaped like the provider (`mock.rs`: JSON and base64 images for OpenAI and Gemini, a
//! multipart form answered with image bytes for Stability, submit-then-poll for FLUX), must send
//! exactly the payload, and must leave the image on disk with the extension of its format. The
//! `.http` form is sent as written. Forms that make no sense for a target are clear errors.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common;
use crate::mock::{Mock, image_bytes};

struct Case {
    target: &'static str,
    brief: String,
    /// (file, format) of each image the snippet must write.
    images: Vec<(&'static str, &'static str)>,
}

fn cases() -> Vec<Case> {
    let file = |p: &str| std::fs::read_to_string(common::root().join(p)).expect("fixture");
    vec![
        Case {
            target: "openai",
            brief: file("tests/inputs/providers/gif-loop.yaml"),
            images: vec![("image-0.gif", "gif")],
        },
        Case {
            target: "openai-edit",
            brief: file("tests/inputs/providers/edit-fidelity.yaml"),
            images: vec![("image-0.png", "png")],
        },
        Case {
            target: "stability",
            brief: String::from(
                "subject: a lighthouse \"at dawn\" & $HOME\navoid: [text]\noutput: {format: webp, seed: 9, aspect_ratio: \"16:9\"}\n",
            ),
            images: vec![("image-0.webp", "webp")],
        },
        Case {
            target: "stability",
            brief: file("tests/inputs/targets/square-with-avoid.yaml"),
            images: vec![("image-0.png", "png")],
        },
        Case {
            target: "flux",
            brief: file("tests/inputs/targets/square-with-avoid.yaml"),
            images: vec![("image-0.jpg", "jpeg")],
        },
        Case {
            target: "flux",
            brief: String::from(
                "subject: a fox\noutput: {model: flux-2-pro, format: png, size: 1024x768}\n",
            ),
            images: vec![("image-0.png", "png")],
        },
        Case {
            target: "gemini",
            brief: file("tests/inputs/targets/poster-all-targets.yaml"),
            images: vec![("image-0.png", "png")],
        },
    ]
}

fn python() -> PathBuf {
    let venv = common::root().join("tests/sdk/.venv/bin/python");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

fn render(brief: &Path, target: &str, emit: &str) -> String {
    let out = common::cli()
        .args(["render", "--target", target, "--emit", emit])
        .arg(brief)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{target}/{emit}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

/// The request the provider received, as the payload's JSON shape (form fields as text).
fn received(mock: &Mock) -> Value {
    let requests = mock.requests();
    let first = requests
        .iter()
        .find(|r| r.method == "POST")
        .expect("a POST");
    if first
        .header("content-type")
        .is_some_and(|c| c.starts_with("multipart/"))
    {
        Value::Object(first.form())
    } else {
        first.json()
    }
}

/// Whether the provider received a multipart form.
fn multipart(mock: &Mock) -> bool {
    mock.requests()
        .iter()
        .find(|r| r.method == "POST")
        .and_then(|r| {
            r.header("content-type")
                .map(|c| c.starts_with("multipart/"))
        })
        .unwrap_or(false)
}

/// The payload as the provider receives it (a form's values are text).
fn expected(payload: &Value, multipart: bool) -> Value {
    if !multipart {
        return payload.clone();
    }
    Value::Object(
        payload
            .as_object()
            .expect("object")
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    Value::String(v.as_str().map_or_else(|| v.to_string(), str::to_string)),
                )
            })
            .collect(),
    )
}

/// The environment a target's snippets read: its key, and its base URL pointed at the mock
/// (same path as the provider's).
fn env_for(target: &str, mock: &Mock) -> Vec<(&'static str, String)> {
    let t = imgprompt::target::by_name(target).expect("target");
    let p = t.provider().expect("an HTTP API");
    let path = p
        .base
        .trim_start_matches("https://")
        .split_once('/')
        .map_or("", |(_, rest)| rest);
    vec![
        (p.base_env, format!("http://127.0.0.1:{}/{path}", mock.port)),
        (p.key_env, String::from("sk-test-local")),
    ]
}

#[test]
fn every_target_and_form_sends_the_payload_and_saves_the_image() {
    if !crate::sdk::sdks_ready() {
        return;
    }
    let base = common::root().join(format!("tests/sdk/.run-handoff-{}", std::process::id()));
    for (n, case) in cases().into_iter().enumerate() {
        let dir = base.join(format!("{n}-{}", case.target));
        std::fs::create_dir_all(&dir).expect("dir");
        let brief = dir.join("brief.yaml");
        std::fs::write(&brief, &case.brief).expect("write");
        let payload: Value =
            serde_json::from_str(&render(&brief, case.target, "payload")).expect("payload");
        for (emit, file, program) in [
            ("curl", "snippet.sh", PathBuf::from("sh")),
            ("python", "snippet.py", python()),
            ("js", "snippet.mjs", PathBuf::from("node")),
        ] {
            let run = dir.join(emit);
            std::fs::create_dir_all(&run).expect("dir");
            std::fs::write(run.join(file), render(&brief, case.target, emit)).expect("write");
            let mock = Mock::start();
            let out = Command::new(&program)
                .arg(file)
                .current_dir(&run)
                .envs(env_for(case.target, &mock))
                .output()
                .expect("snippet runs");
            let label = format!("{}/{emit} (case {n})", case.target);
            assert!(
                out.status.success(),
                "{label}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                received(&mock),
                expected(&payload, multipart(&mock)),
                "{label}: the provider received the payload"
            );
            let key = mock.requests()[0]
                .headers
                .iter()
                .any(|(_, v)| v.contains("sk-test-local"));
            assert!(key, "{label}: the key from the environment");
            for (image, format) in &case.images {
                let bytes = std::fs::read(run.join(image))
                    .unwrap_or_else(|e| panic!("{label}: {image} not written: {e}"));
                assert_eq!(
                    bytes,
                    image_bytes(format),
                    "{label}: {image} holds the image"
                );
            }
        }
        // the .http file, sent as written (its key placeholder filled in)
        let http = render(&brief, case.target, "http");
        let mock = Mock::start();
        send_http_file(&http, &mock);
        assert_eq!(
            received(&mock),
            expected(&payload, multipart(&mock)),
            "{}/http",
            case.target
        );
    }
    std::fs::remove_dir_all(&base).ok();
}

/// Sends a `.http` file's request to the mock: the request line's path, its headers (with
/// `{{$processEnv X}}` filled in), its body.
fn send_http_file(text: &str, mock: &Mock) {
    let (head, body) = text.split_once("\n\n").expect("blank line");
    let mut lines = head.lines();
    let request_line = lines.next().expect("request line");
    let mut req = format!("{request_line}\r\n");
    for h in lines {
        if h.to_ascii_lowercase().starts_with("host:") {
            req.push_str(&format!("Host: 127.0.0.1:{}\r\n", mock.port));
        } else {
            req.push_str(
                &h.replace("{{$processEnv OPENAI_API_KEY}}", "sk-test-local")
                    .replace("{{$processEnv STABILITY_API_KEY}}", "sk-test-local")
                    .replace("{{$processEnv BFL_API_KEY}}", "sk-test-local")
                    .replace("{{$processEnv GEMINI_API_KEY}}", "sk-test-local"),
            );
            req.push_str("\r\n");
        }
    }
    // REST Client sends the body with CRLF line ends for multipart parts
    let body = if head.contains("multipart/form-data") {
        body.replace('\n', "\r\n")
    } else {
        body.to_string()
    };
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut stream = TcpStream::connect(("127.0.0.1", mock.port)).expect("connect");
    stream.write_all(req.as_bytes()).expect("send");
    stream.write_all(body.as_bytes()).expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("answer");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

/// Forms a target does not have are usage errors naming what to do instead.
#[test]
fn forms_a_target_lacks_are_clear_errors() {
    let brief = "tests/inputs/targets/square-with-avoid.yaml";
    for (target, emit, words) in [
        ("midjourney", "curl", "--emit prompt"),
        ("midjourney", "python", "no public API"),
        ("flux", "openai-batch", "no-batch-api"),
        ("stability", "openai-batch", "no-batch-api"),
        ("gemini", "openai-batch", "no-batch-api"),
        ("midjourney", "openai-batch", "no-batch-api"),
    ] {
        let out = common::cli()
            .args(["render", brief, "--target", target, "--emit", emit])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{target}/{emit}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(words), "{target}/{emit}: {err}");
    }
    let out = common::cli()
        .args(["render", brief, "--target", "imagen", "--emit", "curl"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "imagen is shut down");
}
