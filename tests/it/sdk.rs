//! Real clients: every OpenAI payload the fixtures produce goes through the official `openai`
//! Python and Node SDKs (pinned in tests/sdk/, installed by tests/sdk/setup.sh, which .ci/run
//! calls) against a local server; the body each SDK sends must equal the payload, and no SDK may
//! raise a parameter error. The generated Python, JavaScript and curl snippets then run
//! unmodified with OPENAI_BASE_URL pointing at that server: the image file appears, with the
//! extension of its format and the bytes the server sent.
use std::path::{Path, PathBuf};
use std::process::Command;

use imgprompt::SourceFile;
use imgprompt::targets::{OpenAi, OpenAiEdit, Target};
use serde_json::{Value, json};

use crate::common;
use crate::mock::{Mock, image_bytes};

fn sdk_dir() -> PathBuf {
    common::root().join("tests/sdk")
}

/// True when the SDKs are installed. Outside CI a missing install skips with a note; in CI
/// (`CI=true`) it fails, so the round trip can never silently not run there.
pub fn sdks_ready() -> bool {
    let python = sdk_dir().join(".venv/bin/python").is_file();
    let node = sdk_dir().join("node_modules/openai/package.json").is_file();
    if python && node {
        return true;
    }
    let msg = "the official SDKs are not installed: run tests/sdk/setup.sh (.ci/run does)";
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{msg}");
    }
    eprintln!("skipped: {msg}");
    false
}

/// (endpoint, payload) of every brief under the fixture folders that renders for OpenAI.
fn payloads() -> Vec<(&'static str, Value)> {
    let engine = common::engine();
    let mut out = Vec::new();
    for dir in [
        "examples",
        "tests/inputs/render",
        "tests/inputs/targets",
        "tests/inputs/providers",
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(common::root().join(dir))
            .expect("fixtures")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
            .collect();
        files.sort();
        for path in files {
            let source = SourceFile::read(&path, None).expect("read");
            let targets: [(&'static str, &dyn Target); 2] =
                [("generations", &OpenAi), ("edits", &OpenAiEdit)];
            for (endpoint, target) in targets {
                if let Ok(r) = engine.render(&source, target) {
                    out.push((endpoint, r.payload.body));
                }
            }
        }
    }
    assert!(out.len() >= 20, "fixtures give {} payloads", out.len());
    assert!(out.iter().any(|(e, _)| *e == "edits"));
    out
}

fn run_driver(
    program: &Path,
    script: &str,
    payloads: &[(&'static str, Value)],
    mock: &Mock,
) -> Vec<Value> {
    let dir = std::env::temp_dir().join(format!("imgprompt-sdk-{}-{script}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("payloads.jsonl");
    let lines: Vec<String> = payloads
        .iter()
        .map(|(e, p)| json!({"endpoint": e, "payload": p}).to_string())
        .collect();
    std::fs::write(&file, lines.join("\n") + "\n").expect("write");
    let out = Command::new(program)
        .arg(sdk_dir().join(script))
        .arg(&file)
        .current_dir(sdk_dir())
        .env("OPENAI_BASE_URL", mock.openai_base())
        .env("OPENAI_API_KEY", "sk-test-local")
        .output()
        .expect("driver runs");
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("driver line"))
        .collect()
}

fn assert_round_trip(name: &str, program: &Path, script: &str) {
    let payloads = payloads();
    let mock = Mock::start();
    let results = run_driver(program, script, &payloads, &mock);
    assert_eq!(
        results.len(),
        payloads.len(),
        "{name}: one result per payload"
    );
    for (i, r) in results.iter().enumerate() {
        assert!(
            r["ok"] == true,
            "{name}: payload {i} ({}) raised: {}",
            payloads[i].1["model"],
            r["error"]
        );
    }
    let requests = mock.requests();
    assert_eq!(
        requests.len(),
        payloads.len(),
        "{name}: one request per payload"
    );
    for ((endpoint, payload), req) in payloads.iter().zip(&requests) {
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, format!("/v1/images/{endpoint}"), "{name}");
        assert_eq!(
            &req.json(),
            payload,
            "{name}: the body the SDK sent is the payload"
        );
        assert_eq!(req.header("authorization"), Some("Bearer sk-test-local"));
    }
}

#[test]
#[cfg_attr(
    imgprompt_no_sdks,
    ignore = "the official SDKs are not installed: run tests/sdk/setup.sh (.ci/run does)"
)]
fn official_python_sdk_sends_every_payload_unchanged() {
    if !sdks_ready() {
        return;
    }
    assert_round_trip(
        "openai-python",
        &sdk_dir().join(".venv/bin/python"),
        "roundtrip.py",
    );
}

#[test]
#[cfg_attr(
    imgprompt_no_sdks,
    ignore = "the official SDKs are not installed: run tests/sdk/setup.sh (.ci/run does)"
)]
fn official_node_sdk_sends_every_payload_unchanged() {
    if !sdks_ready() {
        return;
    }
    assert_round_trip("openai-node", Path::new("node"), "roundtrip.mjs");
}

/// Briefs covering every output format and both endpoints.
fn snippet_cases() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let file = |p: &str| std::fs::read_to_string(common::root().join(p)).expect("fixture");
    vec![
        (
            "svg",
            file("tests/inputs/providers/svg-logo.yaml"),
            "openai",
            "svg",
        ),
        (
            "gif",
            file("tests/inputs/providers/gif-loop.yaml"),
            "openai",
            "gif",
        ),
        (
            "png",
            file("tests/inputs/providers/flare-snapshot-max.yaml"),
            "openai",
            "png",
        ),
        (
            "webp",
            file("tests/inputs/render/product-transparent.yaml"),
            "openai",
            "webp",
        ),
        (
            "jpeg",
            String::from(
                "subject: a harbour at noon\noutput:\n  format: jpeg\n  compression: 80\n  n: 2\n",
            ),
            "openai",
            "jpg",
        ),
        (
            "edit",
            file("tests/inputs/providers/edit-fidelity.yaml"),
            "openai-edit",
            "png",
        ),
    ]
}

#[test]
#[cfg_attr(
    imgprompt_no_sdks,
    ignore = "the official SDKs are not installed: run tests/sdk/setup.sh (.ci/run does)"
)]
fn snippets_run_unmodified_and_save_the_image() {
    if !sdks_ready() {
        return;
    }
    let has_jq = Command::new("jq").arg("--version").output().is_ok();
    if !has_jq && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("jq is needed for the curl hand-off test (.ci/run installs it)");
    }
    // inside tests/sdk so that `import OpenAI from "openai"` resolves to tests/sdk/node_modules
    let base = sdk_dir().join(format!(".run-{}", std::process::id()));
    for (case, brief, target, ext) in snippet_cases() {
        let brief_path = base.join(format!("{case}.yaml"));
        std::fs::create_dir_all(&base).expect("dir");
        std::fs::write(&brief_path, &brief).expect("write");
        let render = |emit: &str| {
            let out = common::cli()
                .args(["render", "--target", target, "--emit", emit])
                .arg(&brief_path)
                .output()
                .expect("run");
            assert!(
                out.status.success(),
                "{case}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).expect("utf8")
        };
        let payload: Value = serde_json::from_str(&render("payload")).expect("payload");
        let n = payload["n"].as_u64().unwrap_or(1);
        let python = sdk_dir().join(".venv/bin/python");
        let forms: Vec<(&str, &str, Vec<String>)> = {
            // the JavaScript as an ES module and as CommonJS: it must run under either name
            let mut f = vec![
                ("python", "snippet.py", vec![python.display().to_string()]),
                ("js", "snippet.mjs", vec![String::from("node")]),
                ("js", "snippet.cjs", vec![String::from("node")]),
            ];
            if has_jq {
                f.push(("curl", "snippet.sh", vec![String::from("sh")]));
            }
            f
        };
        for (emit, file, program) in forms {
            let dir = base.join(format!("{case}-{}", file.replace('.', "-")));
            std::fs::create_dir_all(&dir).expect("dir");
            std::fs::write(dir.join(file), render(emit)).expect("write");
            let mock = Mock::start();
            let out = Command::new(&program[0])
                .arg(file)
                .current_dir(&dir)
                .env("OPENAI_BASE_URL", mock.openai_base())
                .env("OPENAI_API_KEY", "sk-test-local")
                .output()
                .expect("snippet runs");
            assert!(
                out.status.success(),
                "{case}/{emit}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let requests = mock.requests();
            assert_eq!(requests.len(), 1, "{case}/{emit}: one request");
            assert_eq!(
                requests[0].json(),
                payload,
                "{case}/{emit}: the body sent is the payload"
            );
            let format = payload["output_format"].as_str().unwrap_or("png");
            for i in 0..n {
                let saved = dir.join(format!("image-{i}.{ext}"));
                let bytes = std::fs::read(&saved).unwrap_or_else(|e| {
                    panic!("{case}/{emit}: {} not written: {e}", saved.display())
                });
                assert_eq!(
                    bytes,
                    image_bytes(format),
                    "{case}/{emit}: the file holds the image"
                );
            }
            if format == "svg" {
                let text = std::fs::read_to_string(dir.join("image-0.svg")).expect("svg is text");
                assert!(text.starts_with("<svg"));
            }
        }
    }
    std::fs::remove_dir_all(&base).ok();
}

/// A Batch API file written from a folder of briefs — two with the same name, one `.yaml` and one
/// `.json` of the same stem, unnamed ones, a broken one — uploads and creates a batch through the
/// official SDK against the local Batch API mock (unique `custom_id`s, one endpoint, no error
/// records in the file).
#[test]
fn batch_file_from_a_folder_uploads_cleanly() {
    let dir = std::env::temp_dir().join(format!("imgprompt-batchapi-{}", std::process::id()));
    let briefs = dir.join("briefs");
    std::fs::create_dir_all(&briefs).expect("dir");
    std::fs::write(
        briefs.join("a.yaml"),
        "name: poster\nsubject: a jazz night\n",
    )
    .expect("write");
    std::fs::write(
        briefs.join("a.json"),
        r#"{"name": "poster", "subject": "a jazz night"}"#,
    )
    .expect("write");
    std::fs::write(briefs.join("b.yaml"), "subject: a harbour\n").expect("write");
    std::fs::write(briefs.join("c.yaml"), "subject: a harbour\n").expect("write");
    std::fs::write(briefs.join("d.yaml"), "subject: [not, a, string]\n").expect("write");
    std::fs::write(
        briefs.join("e.yaml"),
        "name: sizes\nsubject: a bakery\nvary:\n  output.size: [1024x1024, 1536x1024]\n",
    )
    .expect("write");
    let out = common::cli()
        .args(["batch", "--emit", "openai-batch", "--quiet"])
        .arg(&briefs)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "one brief is broken");
    let file = String::from_utf8(out.stdout).expect("utf8");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"line\":5"),
        "the error record goes to stderr: {stderr}"
    );
    assert_eq!(
        crate::mock::check_batch_file(&file, "/v1/images/generations"),
        Ok(6),
        "{file}"
    );
    // the mock's check is not a formality: a repeated id or another endpoint is refused
    let first = file.lines().next().expect("a line");
    assert!(
        crate::mock::check_batch_file(&format!("{first}\n{first}\n"), "/v1/images/generations")
            .is_err()
    );
    assert!(crate::mock::check_batch_file(first, "/v1/images/edits").is_err());
    // the same input gives the same ids
    let again = common::cli()
        .args(["batch", "--emit", "openai-batch", "--quiet"])
        .arg(&briefs)
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&again.stdout), file);

    // a target without a Batch API is a usage error, not a file of wrong lines
    let flux = common::cli()
        .args(["batch", "--emit", "openai-batch", "--target", "flux"])
        .arg(&briefs)
        .output()
        .expect("run");
    assert_eq!(flux.status.code(), Some(2));
    assert!(flux.stdout.is_empty());
    assert!(String::from_utf8_lossy(&flux.stderr).contains("no-batch-api"));

    if sdks_ready() {
        let upload = dir.join("batch.jsonl");
        std::fs::write(&upload, &file).expect("write");
        let mock = Mock::start();
        let out = Command::new(sdk_dir().join(".venv/bin/python"))
            .arg(sdk_dir().join("upload_batch.py"))
            .arg(&upload)
            .arg("/v1/images/generations")
            .env("OPENAI_BASE_URL", mock.openai_base())
            .env("OPENAI_API_KEY", "sk-test-local")
            .output()
            .expect("upload");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "validating 6");
    }
    std::fs::remove_dir_all(&dir).ok();
}
