//! Every target × every hand-off form, end to end: each snippet runs unmodified against a local
//! server shaped like the provider (`mock.rs`: JSON and base64 images for OpenAI and Gemini, a
//! multipart form answered with image bytes for Stability, submit-then-poll for FLUX), must send
//! exactly the payload, and must leave the image on disk with the extension of its format. The
//! JavaScript runs as CommonJS (`.cjs`) and as an ES module (`.mjs`). When the server answers an
//! error instead — at the request, a FLUX poll, the FLUX download — or an answer without an
//! image, every snippet must exit non-zero and leave no file. The `.http` form is sent as
//! written, its file variables filled in. Forms that make no sense for a target are clear errors.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common;
use crate::mock::{Fail, Mock, image_bytes};

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
    mock.env_for(target)
}

#[test]
#[cfg_attr(
    imgprompt_no_sdks,
    ignore = "the official SDKs are not installed: run tests/sdk/setup.sh (.ci/run does)"
)]
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
            ("js", "snippet.cjs", PathBuf::from("node")),
            ("js", "snippet.mjs", PathBuf::from("node")),
        ] {
            let run = dir.join(file.replace('.', "-"));
            std::fs::create_dir_all(&run).expect("dir");
            std::fs::write(run.join(file), render(&brief, case.target, emit)).expect("write");
            let mock = Mock::start();
            let out = Command::new(&program)
                .arg(file)
                .current_dir(&run)
                .envs(env_for(case.target, &mock))
                .output()
                .expect("snippet runs");
            let label = format!("{}/{file} (case {n})", case.target);
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
        // the .http file, sent as written: its base URL variable pointed at the mock (as a
        // user's edit or environment file would), the key read from the environment
        let http = render(&brief, case.target, "http");
        let mock = Mock::start();
        send_http_file(&http, &mock, case.target);
        assert_eq!(
            received(&mock),
            expected(&payload, multipart(&mock)),
            "{}/http",
            case.target
        );
    }
    std::fs::remove_dir_all(&base).ok();
}

/// The errors a target's snippets meet on the way: every target's request can be refused; FLUX
/// also polls and downloads; OpenAI and Gemini answer JSON that might hold no image.
fn failures(target: &str) -> Vec<Fail> {
    match target {
        "flux" => vec![Fail::Request, Fail::Poll, Fail::Download],
        "openai" | "openai-edit" | "gemini" => vec![Fail::Request, Fail::NoImage],
        _ => vec![Fail::Request],
    }
}

/// An error answer never ends up on disk: for every target, every form and every step that can
/// fail (the request refused, a FLUX poll or its download failing, an answer without an image),
/// the snippet exits non-zero and the folder holds nothing but the snippet.
#[test]
#[cfg_attr(
    imgprompt_no_sdks,
    ignore = "the official SDKs are not installed: run tests/sdk/setup.sh (.ci/run does)"
)]
fn every_snippet_fails_on_an_error_answer_and_writes_nothing() {
    if !crate::sdk::sdks_ready() {
        return;
    }
    let base = common::root().join(format!(
        "tests/sdk/.run-handoff-fail-{}",
        std::process::id()
    ));
    for (n, case) in cases().into_iter().enumerate() {
        let dir = base.join(format!("{n}-{}", case.target));
        std::fs::create_dir_all(&dir).expect("dir");
        let brief = dir.join("brief.yaml");
        std::fs::write(&brief, &case.brief).expect("write");
        for fail in failures(case.target) {
            for (emit, file, program) in [
                ("curl", "snippet.sh", PathBuf::from("sh")),
                ("python", "snippet.py", python()),
                ("js", "snippet.cjs", PathBuf::from("node")),
            ] {
                let run = dir.join(format!("{fail:?}-{emit}"));
                std::fs::create_dir_all(&run).expect("dir");
                std::fs::write(run.join(file), render(&brief, case.target, emit)).expect("write");
                let mock = Mock::failing(fail);
                let out = Command::new(&program)
                    .arg(file)
                    .current_dir(&run)
                    .envs(env_for(case.target, &mock))
                    .output()
                    .expect("snippet runs");
                let label = format!("{}/{emit} with {fail:?} (case {n})", case.target);
                assert!(
                    !out.status.success(),
                    "{label}: exit 0 on an error answer\n{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                // it failed on the answer, not before sending (a syntax or import error)
                let requests = mock.requests();
                let reached = match fail {
                    Fail::Poll => requests
                        .iter()
                        .any(|r| r.method == "GET" && r.path.starts_with("/v1/get_result")),
                    Fail::Download => requests
                        .iter()
                        .any(|r| r.method == "GET" && r.path.starts_with("/samples/")),
                    _ => requests.iter().any(|r| r.method == "POST"),
                };
                assert!(
                    reached,
                    "{label}: failed before the step under test: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                let left: Vec<String> = std::fs::read_dir(&run)
                    .expect("dir")
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|f| f != file)
                    .collect();
                assert!(left.is_empty(), "{label}: wrote {left:?}");
            }
        }
    }
    std::fs::remove_dir_all(&base).ok();
}

/// Sends a `.http` file's request to the mock as VS Code REST Client or the JetBrains client
/// would: comments skipped, the `@NAME = value` file variables read (the provider's base URL one
/// replaced by `env`'s, which points at the mock), `{{NAME}}` and `{{$processEnv NAME}}` filled
/// in everywhere, then the request line, the headers and the body. The file must name the base
/// URL in a variable called like the provider's `*_BASE_URL`, holding the provider's base URL.
fn send_http_file(text: &str, mock: &Mock, target: &str) {
    let t = imgprompt::targets::by_name(target).expect("target");
    let provider = t.provider().expect("an HTTP API");
    let env = env_for(target, mock);
    let (base_env, base) = (provider.base_env, env[0].1.as_str());
    assert!(
        text.contains(&format!("\n@{base_env} = {}\n", provider.base)),
        "the .http file names its base URL as @{base_env}:\n{text}"
    );
    // the file variables, then the request
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut rest = text;
    loop {
        let (line, tail) = rest.split_once('\n').expect("a request line");
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("//") {
            rest = tail;
        } else if let Some(def) = line.strip_prefix('@') {
            let (name, value) = def.split_once('=').expect("@NAME = value");
            vars.push((name.trim().to_string(), value.trim().to_string()));
            rest = tail;
        } else {
            break;
        }
    }
    let fill = |s: &str| -> String {
        let mut s = s.to_string();
        // a variable's value may itself read the environment
        for _ in 0..2 {
            for (name, value) in &env {
                s = s.replace(&format!("{{{{$processEnv {name}}}}}"), value);
            }
            for (name, value) in &vars {
                let value = if name.as_str() == base_env {
                    base
                } else {
                    value.as_str()
                };
                s = s.replace(&format!("{{{{{name}}}}}"), value);
            }
        }
        assert!(!s.contains("{{"), "an unresolved variable: {s}");
        s
    };
    let (head, body) = rest.split_once("\n\n").expect("blank line");
    let head = fill(head);
    let body = fill(body);
    let mut lines = head.lines();
    let request_line = lines.next().expect("request line");
    let (method, rest) = request_line.split_once(' ').expect("method");
    let (url, version) = rest.rsplit_once(' ').expect("HTTP version");
    let origin = format!("http://127.0.0.1:{}", mock.port);
    let target = url
        .strip_prefix(&origin)
        .unwrap_or_else(|| panic!("{url} goes to the mock"));
    let mut req = format!(
        "{method} {target} {version}\r\nHost: 127.0.0.1:{}\r\n",
        mock.port
    );
    for h in lines {
        assert!(
            !h.to_ascii_lowercase().starts_with("host:"),
            "no hard-coded Host header: {h}"
        );
        req.push_str(h);
        req.push_str("\r\n");
    }
    // REST Client sends the body with CRLF line ends for multipart parts
    let body = if head.contains("multipart/form-data") {
        body.replace('\n', "\r\n")
    } else {
        body
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
