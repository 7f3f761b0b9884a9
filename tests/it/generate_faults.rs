//! `generate` against what real providers send: answers over 10 MB, bodies cut or stalled,
//! `Retry-After` values that are no wait, an answer half decodable or not an image, a redirect,
//! an error that echoes the key. Nothing paid for is lost, nothing panics, the key never shows.
use crate::common;
use crate::mock::{Mock, big_png, image_bytes};

fn brief(dir: &std::path::Path, name: &str, subject: &str) -> String {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, format!("name: {name}\nsubject: {subject}\n")).expect("write");
    path.display().to_string()
}

fn fresh(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("imgprompt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn sent_with(mock: &Mock, word: &str) -> usize {
    mock.requests()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains(word))
        .count()
}

#[test]
fn large_cut_stalled_and_odd_answers() {
    let dir = fresh("generate-odd");
    let key = "sk-proj-SECRET-0123456789-abcdefgh";
    let cases = [
        ("cut", "CUT-BODY-ONCE harbour"),
        ("stall", "STALL-BODY harbour"),
        ("neg", "RETRY-AFTER[-1] harbour"),
        ("nan", "RETRY-AFTER[NaN] harbour"),
        ("inf", "RETRY-AFTER[1e400] harbour"),
        ("halfbad", "HALF-BAD harbour"),
        ("notimg", "NOT-AN-IMAGE harbour"),
        ("jpeg", "JPEG-FOR-PNG harbour"),
        ("redirect", "REDIRECT harbour"),
        ("echo", "ECHO-KEY harbour"),
    ];
    let briefs: Vec<String> = cases.iter().map(|(n, s)| brief(&dir, n, s)).collect();
    let out_dir = dir.join("out");
    let run = |mock: &Mock| {
        common::cli()
            .arg("generate")
            .args(&briefs)
            .arg("-o")
            .arg(&out_dir)
            .args(["--retries", "1", "--timeout", "2", "--concurrency", "4"])
            .env("OPENAI_BASE_URL", mock.openai_base())
            .env("OPENAI_API_KEY", key)
            .output()
            .expect("run")
    };
    let mock = Mock::start();
    let out = run(&mock);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // a cut body is retried and then succeeds
    assert_eq!(sent_with(&mock, "CUT-BODY-ONCE"), 2, "{stderr}");
    assert!(out_dir.join("cut-0.png").is_file(), "{stderr}");
    // a stalled body times out, is retried, and is reported as a timeout
    assert_eq!(sent_with(&mock, "STALL-BODY"), 2, "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
    // Retry-After -1, NaN and 1e400: no panic, the caller's backoff, then success
    for name in ["neg", "nan", "inf"] {
        assert!(
            out_dir.join(format!("{name}-0.png")).is_file(),
            "{name}: {stderr}"
        );
    }
    // half decodable: no image written, no sidecar, the answer kept for a free re-run
    assert!(!out_dir.join("halfbad-0.png").exists() && !out_dir.join("halfbad.json").exists());
    assert!(out_dir.join("halfbad.response.json").is_file());
    assert!(stderr.contains("is not base64"), "{stderr}");
    assert!(stderr.contains("halfbad.response.json"), "{stderr}");
    // bytes that are not the requested image
    assert!(!out_dir.join("notimg-0.png").exists() && !out_dir.join("notimg.json").exists());
    assert!(stderr.contains("error[bad-image]"), "{stderr}");
    assert!(
        stderr.contains("png was requested, the bytes are jpeg"),
        "{stderr}"
    );
    // a redirect is never followed
    assert!(stderr.contains("never follow redirects"), "{stderr}");
    assert!(mock.requests().iter().all(|r| r.path != "/elsewhere"));
    // the key, echoed by the provider, is redacted
    assert!(
        stderr.contains("Incorrect API key provided: [REDACTED]"),
        "{stderr}"
    );
    assert!(!stderr.contains("SECRET-0123456789"), "{stderr}");
    assert!(out_dir.join("index.html").is_file());

    // the re-run: the saved answer is used (nothing sent for halfbad), done ones are skipped
    let mock2 = Mock::start();
    let again = run(&mock2);
    assert_eq!(sent_with(&mock2, "HALF-BAD"), 0, "not paid again");
    assert_eq!(sent_with(&mock2, "CUT-BODY-ONCE"), 0, "skipped");
    assert_eq!(again.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

/// A 32 MiB answer (two 12 MiB PNGs; ureq's convenience readers stop at 10 MB): both images
/// kept, byte for byte.
#[test]
fn an_answer_over_10_mb_is_kept_whole() {
    let dir = fresh("generate-huge");
    let b = brief(&dir, "huge", "HUGE-IMAGE harbour");
    let mock = Mock::start();
    let out = common::cli()
        .args(["generate", &b, "-o"])
        .arg(dir.join("out"))
        .env("OPENAI_BASE_URL", mock.openai_base())
        .env("OPENAI_API_KEY", "sk-test-local")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    for i in 0..2 {
        let img = std::fs::read(dir.join(format!("out/huge-{i}.png")))
            .unwrap_or_else(|e| panic!("huge-{i}.png: {e}\n{stderr}"));
        assert!(img == big_png(12), "huge-{i}.png differs");
    }
    assert!(dir.join("out/huge.json").is_file());
    assert!(!dir.join("out/huge.response.json").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_saved_answer_is_used_and_an_interrupted_request_is_said() {
    let dir = fresh("generate-resume");
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).expect("out");
    let saved = brief(&dir, "saved", "a harbour at dawn");
    let resent = brief(&dir, "resent", "a harbour at dusk");
    // the answer a run saved before it could write its image
    let b64 = crate::mock::b64(&image_bytes("png"));
    std::fs::write(
        out_dir.join("saved.response.json"),
        format!(r#"{{"created": 1, "data": [{{"b64_json": "{b64}"}}], "output_format": "png"}}"#),
    )
    .expect("saved");
    std::fs::write(out_dir.join("resent.pending"), "2026-12-01T00:00:00Z").expect("pending");
    // a stray sidecar whose link is a script: the contact sheet must not link it
    std::fs::write(
        out_dir.join("stray.json"),
        r#"{"id": "stray", "images": [{"file": "javascript:alert(1)"}], "prompt": "x"}"#,
    )
    .expect("stray");
    let mock = Mock::start();
    let out = common::cli()
        .arg("generate")
        .args([&saved, &resent])
        .arg("-o")
        .arg(&out_dir)
        .env("OPENAI_BASE_URL", mock.openai_base())
        .env("OPENAI_API_KEY", "sk-test-local")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        sent_with(&mock, "dawn"),
        0,
        "the saved answer is not paid again"
    );
    assert_eq!(sent_with(&mock, "dusk"), 1);
    assert_eq!(
        std::fs::read(out_dir.join("saved-0.png")).expect("png"),
        image_bytes("png")
    );
    assert!(
        !out_dir.join("saved.response.json").exists(),
        "removed once used"
    );
    assert!(!out_dir.join("resent.pending").exists());
    assert!(
        stderr.contains("saved: 1 image (from the answer an earlier run saved: not paid again)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("resent: 1 image (it was in flight when an earlier run stopped"),
        "{stderr}"
    );
    let index = std::fs::read_to_string(out_dir.join("index.html")).expect("index");
    assert!(!index.contains("javascript:"), "{index}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_key_comes_from_api_key_env() {
    let dir = fresh("generate-keyenv");
    let b = brief(&dir, "keyed", "a lighthouse");
    let mock = Mock::start();
    let run = |env_name: &str| {
        common::cli()
            .args(["generate", &b, "--yes", "--api-key-env", env_name, "-o"])
            .arg(dir.join("out"))
            .env("OPENAI_BASE_URL", mock.openai_base())
            .env("OPENAI_API_KEY", "sk-A-default-account")
            .env("MY_KEY", "sk-B-other-account")
            .output()
            .expect("run")
    };
    let out = run("MY_KEY");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let auth: Vec<String> = mock
        .requests()
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(auth, ["Bearer sk-B-other-account"]);
    let missing = run("NOT_SET_ANYWHERE");
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("NOT_SET_ANYWHERE is not set"));
    std::fs::remove_dir_all(&dir).ok();
}

/// On a terminal, `generate` asks before sending: "n" sends nothing, "y" sends. `script` gives
/// the binary a pseudo-terminal (util-linux; the test fails if it is missing).
#[test]
fn a_terminal_is_asked_before_sending() {
    let dir = fresh("generate-confirm");
    let b = brief(&dir, "asked", "a windmill");
    let mock = Mock::start();
    let bin = env!("CARGO_BIN_EXE_imgprompt");
    let run = |answer: &str| {
        let cmd = format!("{bin} generate {b} -o {}", dir.join("out").display());
        common::with_stdin(
            std::process::Command::new("script")
                .args(["-q", "-e", "-c", &cmd, "/dev/null"])
                .env("OPENAI_BASE_URL", mock.openai_base())
                .env("OPENAI_API_KEY", "sk-test-local")
                .env("IMGPROMPT_TODAY", common::TODAY)
                .env("NO_COLOR", "1"),
            answer.as_bytes(),
        )
    };
    let no = run("n\n");
    let said = String::from_utf8_lossy(&no.stdout);
    assert!(said.contains("send 1 request for $"), "{said}");
    assert!(said.contains("nothing sent"), "{said}");
    assert!(mock.requests().is_empty(), "answered no: nothing sent");
    let yes = run("y\n");
    assert!(
        yes.status.success(),
        "{}",
        String::from_utf8_lossy(&yes.stdout)
    );
    assert_eq!(mock.requests().len(), 1);
    std::fs::remove_dir_all(&dir).ok();
}

/// A short key, echoed in an error and in a 200 answer: in no output and no file.
#[test]
fn an_echoed_key_is_redacted_everywhere() {
    let dir = fresh("generate-echo");
    let key = "sk-short";
    let briefs = [
        brief(&dir, "echo200", "ECHO-KEY-200 harbour"),
        brief(&dir, "echo", "ECHO-KEY harbour"),
    ];
    let mock = Mock::start();
    let out = common::cli()
        .arg("generate")
        .args(&briefs)
        .arg("-o")
        .arg(dir.join("out"))
        .env("OPENAI_BASE_URL", mock.openai_base())
        .env("OPENAI_API_KEY", key)
        .output()
        .expect("run");
    let mut everything = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(everything.contains("[REDACTED]"), "{everything}");
    assert!(dir.join("out/echo200-0.png").is_file(), "{everything}");
    for e in std::fs::read_dir(dir.join("out")).expect("out").flatten() {
        everything.push_str(&String::from_utf8_lossy(
            &std::fs::read(e.path()).expect("read"),
        ));
    }
    assert!(!everything.contains(key), "the key leaked: {everything}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A 200 that is not JSON is not replayed forever: kept aside, and the next run asks again.
#[test]
fn an_answer_that_is_not_json_is_set_aside() {
    let dir = fresh("generate-notjson");
    let b = brief(&dir, "page", "MALFORMED harbour");
    let run = |mock: &Mock| {
        common::cli()
            .args(["generate", &b, "--retries", "0", "-o"])
            .arg(dir.join("out"))
            .env("OPENAI_BASE_URL", mock.openai_base())
            .env("OPENAI_API_KEY", "sk-test-local")
            .output()
            .expect("run")
    };
    let mock = Mock::start();
    let first = run(&mock);
    assert_eq!(first.status.code(), Some(1));
    assert!(dir.join("out/page.response.invalid").is_file());
    assert!(!dir.join("out/page.response.json").exists());
    let mock2 = Mock::start();
    run(&mock2);
    assert_eq!(sent_with(&mock2, "MALFORMED"), 1, "asked again");
    std::fs::remove_dir_all(&dir).ok();
}
