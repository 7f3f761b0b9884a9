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
    assert_eq!(
        side["request"]["body"],
        serde_json::from_slice::<Value>(&mock.requests()[0].body).expect("sent")
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
    assert!(dir.join("out/limited-0.png").is_file());

    let out = generate(
        &mock,
        &dir.join("out2"),
        &["examples/poster-future-forms.yaml"],
        &["--target", "flux"],
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
    std::fs::remove_dir_all(&dir).ok();
}
