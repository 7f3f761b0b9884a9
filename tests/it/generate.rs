//! `imgprompt generate` against the local OpenAI-shaped server: images with the extension of their
//! format, a sidecar of provenance each, a contact sheet; a re-run resumes (nothing sent twice);
//! a rate limit is retried; other targets are refused.
use serde_json::Value;

use crate::common;
use crate::mock::{Mock, image_bytes};

fn generate(
    mock: &Mock,
    out: &std::path::Path,
    briefs: &[&str],
    extra: &[&str],
) -> std::process::Output {
    common::cli()
        .arg("generate")
        .args(briefs)
        .arg("-o")
        .arg(out)
        .args(extra)
        .env("OPENAI_BASE_URL", mock.openai_base())
        .env("OPENAI_API_KEY", "sk-test-local")
        .output()
        .expect("run")
}

#[test]
fn generate_keeps_every_image_with_its_provenance_and_resumes() {
    let dir = std::env::temp_dir().join(format!("imgprompt-generate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let briefs = [
        "examples/poster-future-forms.yaml",
        "tests/inputs/providers/gif-loop.yaml",
        "tests/inputs/batch/campaign.yaml",
    ];
    let mock = Mock::start();
    let out = generate(&mock, &dir, &briefs, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // one request per brief, one per variant (campaign: 6)
    assert_eq!(mock.requests().len(), 8);
    assert_eq!(
        std::fs::read(dir.join("poster-future-forms-0.png")).expect("png"),
        image_bytes("png")
    );
    assert_eq!(
        std::fs::read(dir.join("gif-loop-0.gif")).expect("gif"),
        image_bytes("gif")
    );
    let side: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("poster-future-forms.json")).expect("sidecar"),
    )
    .expect("json");
    assert_eq!(side["model"], "gpt-image-2");
    let sent: Vec<Value> = mock
        .requests()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("sent"))
        .collect();
    assert!(
        sent.contains(&side["request"]["body"]),
        "the sidecar keeps the body that was sent"
    );
    assert_eq!(side["prompt"], side["request"]["body"]["prompt"]);
    assert!(side["response"]["created"].is_number());
    assert!(side["response"]["usage"]["output_tokens"].is_number());
    assert!(side["cost"]["estimated"].is_number() && side["cost"]["usage_based"].is_number());
    assert!(
        side["brief"]["output"]["quality"].is_string(),
        "the brief after defaults"
    );
    assert_eq!(side["imgprompt"], env!("CARGO_PKG_VERSION"));
    assert!(
        side["started_at"]
            .as_str()
            .expect("timestamp")
            .ends_with('Z')
    );
    let index = std::fs::read_to_string(dir.join("index.html")).expect("contact sheet");
    assert!(index.contains("src=\"poster-future-forms-0.png\""));

    // a re-run sends nothing: every request has its sidecar
    let mock2 = Mock::start();
    let out = generate(&mock2, &dir, &briefs, &[]);
    assert!(out.status.success());
    assert!(mock2.requests().is_empty(), "resumed, nothing sent twice");
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn generate_retries_a_rate_limit_and_refuses_other_targets() {
    let dir = std::env::temp_dir().join(format!("imgprompt-generate-retry-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let brief = dir.join("limited.yaml");
    std::fs::write(
        &brief,
        "name: limited\nsubject: RATE-LIMIT-ONCE lighthouse\n",
    )
    .expect("write");
    let mock = Mock::start();
    let out = generate(
        &mock,
        &dir.join("out"),
        &[brief.to_str().expect("path")],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mock.requests().len(), 2, "429 then 200");
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("1 image written, 0 skipped (already done), 0 failed, 1 retry; cost $"),
        "{summary}"
    );
    assert!(dir.join("out/limited-0.png").is_file());

    let out = generate(
        &mock,
        &dir.join("out2"),
        &["examples/poster-future-forms.yaml"],
        &["--target", "midjourney"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not-supported"));
    let out = generate(
        &mock,
        &dir.join("out3"),
        &["examples/poster-future-forms.yaml"],
        &["--dry-run"],
    );
    assert!(out.status.success());
    assert!(!dir.join("out3").exists(), "a dry run writes nothing");
    let sent = mock.requests().len();
    let out = generate(
        &mock,
        &dir.join("out5"),
        &[
            "examples/poster-future-forms.yaml",
            "examples/poster-future-forms.yaml",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("duplicate-id"));
    assert_eq!(mock.requests().len(), sent, "nothing sent");
    // names that differ but write the same file name collide too
    let spaced = dir.join("spaced.yaml");
    std::fs::write(&spaced, "name: night market\nsubject: a night market\n").expect("write");
    let dashed = dir.join("dashed.yaml");
    std::fs::write(&dashed, "name: night-market\nsubject: a night market\n").expect("write");
    let out = generate(
        &mock,
        &dir.join("out6"),
        &[
            spaced.to_str().expect("path"),
            dashed.to_str().expect("path"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("two requests would write `night-market`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mock.requests().len(), sent, "nothing sent");
    for bad in ["0", "33"] {
        let out = generate(
            &mock,
            &dir.join("out4"),
            &["examples/poster-future-forms.yaml"],
            &["--concurrency", bad],
        );
        assert_eq!(out.status.code(), Some(2), "--concurrency {bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("1..=32"));
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn brief_file(dir: &std::path::Path, name: &str, subject: &str) -> String {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, format!("name: {name}\nsubject: {subject}\n")).expect("write");
    path.display().to_string()
}

/// Faults: a 500 is retried; a 400 is not, and its message is shown verbatim; a malformed body and
/// a timeout are errors; a failed request is sent again on the next run and nothing else is; the
/// key never appears in any output or file.
#[test]
fn faults_resume_and_secrets() {
    let dir =
        std::env::temp_dir().join(format!("imgprompt-generate-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let key = "sk-SECRET-never-printed-42";
    let run = |mock: &Mock, briefs: &[String], extra: &[&str]| {
        common::cli()
            .arg("generate")
            .args(briefs)
            .arg("-o")
            .arg(dir.join("out"))
            .args(["--retries", "2"])
            .args(extra)
            .env("OPENAI_BASE_URL", mock.openai_base())
            .env("OPENAI_API_KEY", key)
            .output()
            .expect("run")
    };
    let once = brief_file(&dir, "once", "SERVER-ERROR-ONCE harbour");
    let bad = brief_file(&dir, "bad", "BAD-REQUEST harbour");
    let broken = brief_file(&dir, "broken", "MALFORMED harbour");
    let slow = brief_file(&dir, "slow", "SLOW harbour");
    let fine = brief_file(&dir, "fine", "a calm harbour");
    let mock = Mock::start();
    let out = run(
        &mock,
        &[
            once.clone(),
            bad.clone(),
            broken.clone(),
            slow.clone(),
            fine.clone(),
        ],
        &["--timeout", "1"],
    );
    assert_eq!(out.status.code(), Some(1), "some requests failed");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        stderr.contains("Invalid value: 'quality' must be one of low, medium, high."),
        "verbatim: {stderr}"
    );
    assert!(stderr.contains("not JSON"), "{stderr}");
    // reported in brief order, whatever order the requests finished in (the slow one times out
    // after the fine one is done)
    let at = |s: &str| {
        stderr
            .find(s)
            .unwrap_or_else(|| panic!("`{s}` in {stderr}"))
    };
    assert!(
        at("once: 1 image") < at("request bad")
            && at("request bad") < at("request broken")
            && at("request broken") < at("request slow")
            && at("request slow") < at("fine: 1 image")
            && at("fine: 1 image") < at("generate: 5 requests, 2 images written"),
        "{stderr}"
    );
    assert!(dir.join("out/once-0.png").is_file(), "500 then success");
    assert!(dir.join("out/fine-0.png").is_file());
    assert!(
        !dir.join("out/bad.json").exists()
            && !dir.join("out/broken.json").exists()
            && !dir.join("out/slow.json").exists()
    );
    let bad_requests = mock
        .requests()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("BAD-REQUEST"))
        .count();
    assert_eq!(
        bad_requests,
        1,
        "a 400 is not retried: {:?}\n{stderr}",
        mock.requests()
            .iter()
            .map(|r| String::from_utf8_lossy(&r.body)
                .chars()
                .take(80)
                .collect::<String>())
            .collect::<Vec<_>>()
    );
    // the key: sent in the header, never printed or written
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {key}")[..]))
    );
    let mut everything = stderr + &String::from_utf8_lossy(&out.stdout);
    for e in std::fs::read_dir(dir.join("out")).expect("out").flatten() {
        everything.push_str(&String::from_utf8_lossy(
            &std::fs::read(e.path()).expect("read"),
        ));
    }
    assert!(!everything.contains(key), "the key leaked");

    // the next run sends only what is missing
    let mock2 = Mock::start();
    let out = run(
        &mock2,
        &[once, bad, broken, slow, fine],
        &["--timeout", "10"],
    );
    assert_eq!(out.status.code(), Some(1), "bad and broken still fail");
    let sent: Vec<String> = mock2
        .requests()
        .iter()
        .map(|r| r.json()["prompt"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        sent.iter()
            .all(|p| !p.contains("calm") && !p.contains("SERVER-ERROR-ONCE")),
        "done ones not sent again: {sent:?}"
    );
    assert!(
        dir.join("out/slow-0.png").is_file(),
        "the slow one, with time, succeeds"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The Batch API flow against the local mock: a batch file of briefs (one failing in the batch)
/// is submitted, followed through validating → in_progress → completed, fetched: every image with
/// its sidecar matched by custom_id, the failed line reported.
#[test]
fn batch_api_submit_status_fetch() {
    let dir = std::env::temp_dir().join(format!("imgprompt-batchflow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let input = [
        r#"{"name": "harbour", "subject": "a calm harbour"}"#,
        r#"{"name": "rejected", "subject": "FAIL-IN-BATCH harbour"}"#,
        r#"{"name": "fox", "subject": "a fox", "output": {"format": "webp"}}"#,
        r#"{"name": "big", "subject": "HUGE-IN-BATCH harbour CUT-DOWNLOAD-ONCE"}"#,
    ]
    .join("\n");
    let briefs = dir.join("briefs.jsonl");
    std::fs::write(&briefs, input).expect("write");
    crate::common::succeeds(
        common::cli()
            .args(["batch", "--emit", "openai-batch", "--quiet", "-o"])
            .arg(dir.join("upload.jsonl"))
            .arg(&briefs),
    );
    let mock = Mock::start();
    let api = |args: &[&str]| {
        common::cli()
            .arg("batch")
            .args(args)
            .env("OPENAI_BASE_URL", mock.openai_base())
            .env("OPENAI_API_KEY", "sk-test-local")
            .output()
            .expect("run")
    };
    let upload = dir.join("upload.jsonl").display().to_string();
    let out = api(&["submit", &upload]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(id.starts_with("batch_"), "{id}");
    let status = |expect: &str| {
        let out = api(&["status", &id]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(expect),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    };
    status("in_progress");
    let images = dir.join("images").display().to_string();
    let manifest = format!("{upload}.batch.json");
    let out = api(&["fetch", &id, "--manifest", &manifest, "-o", &images]);
    assert_eq!(out.status.code(), Some(1), "one request failed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rejected by the safety system"), "{err}");
    let files: Vec<String> = std::fs::read_dir(dir.join("images"))
        .expect("images")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("harbour-L1-") && f.ends_with("-0.png")),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("fox-L3-") && f.ends_with("-0.webp")),
        "{files:?}"
    );
    assert!(
        !files.iter().any(|f| f.starts_with("rejected")),
        "{files:?}"
    );
    let sidecar = files
        .iter()
        .find(|f| f.starts_with("fox") && f.ends_with(".json"))
        .expect("sidecar");
    let v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("images").join(sidecar)).expect("read"),
    )
    .expect("json");
    // the output file's download was cut once and retried
    let downloads = mock
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/content"))
        .count();
    assert_eq!(downloads, 3, "output (cut, then again) and error files");
    // an output file over 10 MB (a 12 MiB image in it) is unpacked whole
    let big = files
        .iter()
        .find(|f| f.starts_with("big-L4-") && f.ends_with("-0.png"))
        .unwrap_or_else(|| panic!("the big image: {files:?}"));
    assert_eq!(
        std::fs::read(dir.join("images").join(big)).expect("big"),
        crate::mock::big_png(12)
    );
    assert_eq!(v["batch_id"], id.as_str());
    assert_eq!(v["request"]["body"]["output_format"], "webp");
    assert!(v["prompt"].as_str().expect("prompt").contains("fox"));
    std::fs::remove_dir_all(&dir).ok();
}
