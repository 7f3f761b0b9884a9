//! `generate` on every target with an API (Stability's multipart form, FLUX's submit and poll,
//! Gemini's inline parts) and `generate --verify --attempts N` against the provider-shaped mock:
//! a misspelt image first, a right one second.
use std::path::Path;

use serde_json::Value;

use crate::common::cli;
use crate::corpus::{Face, INK, PAPER, Scene};
use crate::mock::Mock;

/// A poster brief with one headline, 1024×1536 PNG, whose subject carries `marker` (the mock's
/// fault switches read the prompt).
fn poster(dir: &Path, name: &str, marker: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(
        &path,
        format!("name: {name}\npreset: poster\nsubject: a jazz night {marker}\ntext:\n  headline: Blue Notes\noutput:\n  size: 1024x1536\n  format: png\n"),
    )
    .expect("write");
    path
}

fn run(mock: &Mock, target: &str, out: &Path, args: &[&str]) -> (i32, String) {
    let mut cmd = cli();
    for (k, v) in mock.env_for(target) {
        cmd.env(k, v);
    }
    let out = cmd
        .arg("generate")
        .args(args)
        .args(["--target", target, "-y", "-o"])
        .arg(out)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn sidecar(dir: &Path, id: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{id}.json"))).expect("sidecar"))
        .expect("json")
}

#[test]
fn stability_flux_and_gemini_send_and_keep_the_image() {
    let tmp = tempfile::tempdir().expect("tmp");
    let brief = poster(tmp.path(), "night", "");
    for (target, ext) in [("stability", "png"), ("flux", "png"), ("gemini", "png")] {
        let mock = Mock::start();
        let out = tmp.path().join(target);
        let (code, err) = run(&mock, target, &out, &[brief.to_str().expect("path")]);
        assert_eq!(code, 0, "{target}: {err}");
        let written = files(&out);
        assert_eq!(
            written,
            [
                String::from("index.html"),
                format!("night-0.{ext}"),
                String::from("night.json")
            ],
            "{target}: only the image, its sidecar and the sheet are left"
        );
        let v = sidecar(&out, "night");
        assert_eq!(v["target"], target);
        assert_eq!(v["expect"]["texts"][0]["text"], "Blue Notes");
        for f in &written {
            let text =
                String::from_utf8_lossy(&std::fs::read(out.join(f)).expect("read")).into_owned();
            assert!(
                !text.contains("sk-test-local"),
                "{target}: the key is in {f}"
            );
        }
        let reqs = mock.requests();
        match target {
            "stability" => {
                assert_eq!(reqs.len(), 1);
                assert!(
                    reqs[0].path.contains("/stable-image/generate/"),
                    "{}",
                    reqs[0].path
                );
                assert_eq!(reqs[0].header("accept"), Some("image/*"));
                assert_eq!(
                    reqs[0].header("authorization"),
                    Some("Bearer sk-test-local")
                );
                assert_eq!(reqs[0].form()["output_format"], "png");
                assert!(
                    reqs[0].form()["prompt"]
                        .as_str()
                        .expect("prompt")
                        .contains("\"Blue Notes\"")
                );
            }
            "flux" => {
                let methods: Vec<&str> = reqs.iter().map(|r| r.method.as_str()).collect();
                assert_eq!(
                    methods,
                    ["POST", "GET", "GET", "GET"],
                    "submit, pending, ready, download"
                );
                assert_eq!(
                    reqs[1].header("x-key"),
                    Some("sk-test-local"),
                    "the poll is the provider's"
                );
                assert!(reqs[3].path.starts_with("/samples/"));
                assert_eq!(
                    reqs[3].header("x-key"),
                    None,
                    "the download URL never gets the key"
                );
                assert!(v["response"]["task"]["polling_url"].is_string());
            }
            _ => {
                assert_eq!(reqs.len(), 1);
                assert!(reqs[0].path.ends_with(":generateContent"));
                assert_eq!(reqs[0].header("x-goog-api-key"), Some("sk-test-local"));
                assert_eq!(v["response"]["texts"][0], "Here is your image.");
            }
        }
    }
}

#[test]
fn gemini_keeps_every_inline_image_and_its_text_parts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let brief = poster(tmp.path(), "two", "GEMINI-TWO-IMAGES");
    let mock = Mock::start();
    let out = tmp.path().join("out");
    let (code, err) = run(&mock, "gemini", &out, &[brief.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    assert!(out.join("two-0.png").is_file());
    assert!(out.join("two-1.jpg").is_file(), "{:?}", files(&out));
    let v = sidecar(&out, "two");
    assert_eq!(
        v["response"]["texts"],
        serde_json::json!(["Here are two.", "And a second one."])
    );
    assert_eq!(v["response"]["model_version"], "gemini-3.1-flash-image");
    assert!(err.contains("two: 2 images"), "{err}");
}

#[test]
fn a_flux_task_in_an_error_state_or_never_ready_is_reported() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mock = Mock::start();
    let failing = poster(tmp.path(), "broken", "FLUX-ERROR");
    let out = tmp.path().join("out");
    let (code, err) = run(&mock, "flux", &out, &[failing.to_str().expect("path")]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("ended in status `Error`"), "{err}");
    assert!(
        !out.join("broken.task.json").exists(),
        "an ended task is not polled again"
    );
    // never ready: the timeout ends the wait, the task is kept and polled again by the next run
    let slow = poster(tmp.path(), "slow", "FLUX-NEVER-READY");
    let args = [slow.to_str().expect("path"), "--timeout", "1"];
    let (code, err) = run(&mock, "flux", &out, &args);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("not ready within --timeout (1 s)"), "{err}");
    assert!(out.join("slow.task.json").is_file());
    let submits = |m: &Mock| m.requests().iter().filter(|r| r.method == "POST").count();
    let before = submits(&mock);
    let (code, _) = run(&mock, "flux", &out, &args);
    assert_eq!(code, 1);
    assert_eq!(
        submits(&mock),
        before,
        "the saved task is polled, not submitted again"
    );
}

/// The image of the brief's headline, right or misspelt, 1024×1536.
fn headline(text: &str) -> Vec<u8> {
    sized(text, 1024, 1536)
}

/// The same at another size.
fn sized(text: &str, width: u32, height: u32) -> Vec<u8> {
    let mut scene = Scene::page(Face::Sans, PAPER, INK, &[(text, 120.0)]);
    (scene.width, scene.height) = (width, height);
    scene.png()
}

#[test]
fn verify_requests_again_until_the_image_is_accepted_on_every_provider() {
    let tmp = tempfile::tempdir().expect("tmp");
    let plain = poster(tmp.path(), "blue", "");
    // an edit of a local file: the same brief with an input image beside it
    std::fs::write(tmp.path().join("in.png"), headline("draft")).expect("write");
    let edit_dir = tmp.path().join("edit");
    std::fs::create_dir_all(&edit_dir).expect("dir");
    std::fs::copy(tmp.path().join("in.png"), edit_dir.join("in.png")).expect("copy");
    let edit = edit_dir.join("blue.yaml");
    let text = std::fs::read_to_string(&plain).expect("read") + "inputs:\n  images: [./in.png]\n";
    std::fs::write(&edit, text).expect("write");
    for target in ["openai", "openai-edit", "stability", "flux", "gemini"] {
        let brief = if target == "openai-edit" {
            &edit
        } else {
            &plain
        };
        let mock = Mock::start();
        // FLUX takes 1024x1536 as 960x1440 (its limits): the mock answers with what was asked
        let (w, h) = if target == "flux" {
            (960, 1440)
        } else {
            (1024, 1536)
        };
        mock.serve_images(vec![sized("Blue Nates", w, h), sized("Blue Notes", w, h)]);
        let out = tmp.path().join(format!("out-{target}"));
        let args = [brief.to_str().expect("path"), "--verify", "--attempts", "3"];
        let (code, err) = run(&mock, target, &out, &args);
        assert_eq!(code, 0, "{target}: {err}");
        let sent = mock
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(sent, 2, "{target}: exactly two requests: {err}");
        let first = sidecar(&out, "blue");
        let second = sidecar(&out, "blue-try2");
        assert_eq!(first["accepted"], false, "{target}");
        assert_eq!(second["accepted"], true, "{target}");
        assert_eq!(second["attempt"], 2);
        let check = &first["verification"]["reports"][0]["checks"];
        let text = check
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["check"] == "text")
            .expect("a text check");
        assert_eq!(text["status"], "fail", "{target}: {text:#}");
        assert_eq!(text["found"], "Blue Nates");
        assert!(out.join("blue-0.png").is_file() && out.join("blue-try2-0.png").is_file());
        assert!(
            err.contains("blue: verify: rejected (text headline: fail, found \"Blue Nates\")"),
            "{err}"
        );
        assert!(
            err.contains("verify: 1 of 1 accepted after 2 attempts"),
            "{err}"
        );
        let sheet = std::fs::read_to_string(out.join("index.html")).expect("sheet");
        assert!(
            sheet.contains("text headline <b>fail</b>: read Blue Nates"),
            "{sheet}"
        );
        assert!(sheet.contains("attempt 2 · accepted"));
        if target == "openai" {
            // priced: the summary sums both attempts (their usage-based costs), per accepted image
            let paid = |v: &Value| v["cost"]["usage_based"].as_f64().expect("priced");
            let want = format!(
                "cost per accepted image ${:.4}",
                paid(&first) + paid(&second)
            );
            assert!(err.contains(&want), "{want}: {err}");
        }
        // a re-run pays for nothing: the accepted attempt is found
        let (code, err) = run(&mock, target, &out, &args);
        assert_eq!(code, 0, "{err}");
        let again = mock
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count();
        assert_eq!(
            again, 2,
            "{target}: the accepted image is never paid for twice"
        );
    }
}

#[test]
fn the_budget_and_the_attempts_bound_the_retries() {
    let tmp = tempfile::tempdir().expect("tmp");
    let brief = poster(tmp.path(), "tight", "");
    let mock = Mock::start();
    mock.serve_images(vec![headline("Blue Nates")]);
    let out = tmp.path().join("out");
    // the estimate of one request, from a dry run
    let dry = cli()
        .args(["cost", brief.to_str().expect("path"), "--format", "json"])
        .output()
        .expect("cost");
    let cost: Value = serde_json::from_slice(&dry.stdout).expect("cost json");
    let per = cost["briefs"][0]["estimate"]["per_request"]
        .as_f64()
        .unwrap_or_else(|| panic!("a price: {cost:#}"));
    let max = format!("{:.4}", per * 1.5);
    let args = [
        brief.to_str().expect("path"),
        "--verify",
        "--attempts",
        "3",
        "--max-cost",
        &max,
    ];
    let (code, err) = run(&mock, "openai", &out, &args);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        mock.requests().len(),
        1,
        "a second attempt would pass --max-cost: {err}"
    );
    assert!(
        err.contains("tight: not accepted: --max-cost leaves no room for another attempt"),
        "{err}"
    );
    // without a limit, three attempts and no more
    let out = tmp.path().join("out2");
    let (code, err) = run(&mock, "openai", &out, &args[..4]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(mock.requests().len(), 4);
    assert!(
        err.contains("tight: not accepted: no image accepted in 3 attempts"),
        "{err}"
    );
    // --attempts without a verdict is a usage error
    let (code, err) = run(
        &mock,
        "openai",
        &out,
        &[brief.to_str().expect("path"), "--attempts", "2"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--attempts needs --verify"), "{err}");
}

#[test]
fn an_edit_uploads_local_files_and_sends_urls_and_file_ids_as_json() {
    let tmp = tempfile::tempdir().expect("tmp");
    let png = headline("MUG");
    let jpeg = Scene::page(Face::Serif, PAPER, INK, &[("CO", 90.0)]).jpeg();
    std::fs::write(tmp.path().join("mug.png"), &png).expect("write");
    std::fs::write(tmp.path().join("side view.jpg"), &jpeg).expect("write");
    let write = |name: &str, images: &str| {
        let p = tmp.path().join(format!("{name}.yaml"));
        std::fs::write(
            &p,
            format!("name: {name}\npreset: product\nsubject: a ceramic mug\ninputs:\n  images: {images}\n"),
        )
        .expect("write");
        p
    };
    let local = write("local", "[./mug.png, \"side view.jpg\"]");
    // render warns that only generate can send a local file
    let out = cli()
        .args([
            "render",
            local.to_str().expect("path"),
            "--target",
            "openai-edit",
        ])
        .output()
        .expect("render");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("warning[local-file]"), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\"image_url\": \"file:side%20view.jpg\"")
    );
    let mock = Mock::start();
    let dir = tmp.path().join("out");
    let (code, err) = run(&mock, "openai-edit", &dir, &[local.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    let req = &mock.requests()[0];
    assert!(req.path.ends_with("/images/edits"));
    let ct = req
        .header("content-type")
        .expect("content type")
        .to_string();
    let files = crate::mock::multipart_files(&ct, &req.body, "image[]");
    assert_eq!(files.len(), 2);
    assert_eq!(
        files[0],
        (String::from("mug.png"), png.clone()),
        "the bytes, as they are on disk"
    );
    assert_eq!(files[1].0, "side view.jpg");
    assert_eq!(files[1].1, jpeg);
    assert_eq!(req.form()["model"], "gpt-image-2");
    assert!(req.form().get("images").is_none());
    assert!(dir.join("local-0.png").is_file());
    // URLs and file ids go as the JSON body
    let remote = write("remote", "[https://example.com/mug.png, file-abc123]");
    let (code, err) = run(
        &mock,
        "openai-edit",
        &dir,
        &[remote.to_str().expect("path")],
    );
    assert_eq!(code, 0, "{err}");
    let body = mock.requests()[1].json();
    assert_eq!(
        body["images"],
        serde_json::json!([{"image_url": "https://example.com/mug.png"}, {"file_id": "file-abc123"}])
    );
    // a local file beside a URL cannot be sent either way
    let mixed = write("mixed", "[./mug.png, https://example.com/mug.png]");
    let (code, err) = run(&mock, "openai-edit", &dir, &[mixed.to_str().expect("path")]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot mix local files with URLs"), "{err}");
    let missing = write("missing", "[./nope.png]");
    let (code, err) = run(
        &mock,
        "openai-edit",
        &dir,
        &[missing.to_str().expect("path")],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot upload `./nope.png`"), "{err}");
    assert_eq!(mock.requests().len(), 2, "nothing sent for the bad ones");
}

#[test]
fn a_stability_rate_limit_is_retried() {
    let tmp = tempfile::tempdir().expect("tmp");
    let brief = poster(tmp.path(), "busy", "RATE-LIMIT-ONCE");
    let mock = Mock::start();
    let out = tmp.path().join("out");
    let (code, err) = run(&mock, "stability", &out, &[brief.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mock.requests().len(), 2, "429 then 200");
    assert!(err.contains("0 failed, 1 retry"), "{err}");
    assert!(out.join("busy-0.png").is_file());
}

#[test]
fn attempt_ids_are_reserved_and_a_short_key_leaves_the_sidecar_whole() {
    let tmp = tempfile::tempdir().expect("tmp");
    let a = poster(tmp.path(), "poster", "");
    let b = poster(tmp.path(), "poster-try2", "");
    let mock = Mock::start();
    let out = tmp.path().join("out");
    let two = [a.to_str().expect("path"), b.to_str().expect("path")];
    // with --attempts 3, `poster` may write `poster-try2`: the second brief is refused
    let (code, err) = run(
        &mock,
        "openai",
        &out,
        &[two[0], two[1], "--verify", "--attempts", "3"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("two requests would write `poster-try2`"),
        "{err}"
    );
    assert!(mock.requests().is_empty());
    // a 120-character name still gets its attempts (the suffix survives the 100-character cut)
    let long = poster(tmp.path(), &"x".repeat(120), "");
    mock.serve_images(vec![headline("Blue Nates"), headline("Blue Notes")]);
    let (code, err) = run(
        &mock,
        "openai",
        &out,
        &[long.to_str().expect("path"), "--verify", "--attempts", "2"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(mock.requests().len(), 2, "{err}");
    assert!(
        out.join(format!("{}-try2.json", "x".repeat(95))).is_file(),
        "{:?}",
        files(&out)
    );
    // a placeholder key ("x") is not redacted through the record: 1024x1536 stays 1024x1536
    let mut cmd = cli();
    let out2 = tmp.path().join("out2");
    let ok = cmd
        .env("OPENAI_BASE_URL", mock.openai_base())
        .env("OPENAI_API_KEY", "x")
        .args(["generate", "-y", "-o"])
        .arg(&out2)
        .arg(&a)
        .output()
        .expect("run");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let v = sidecar(&out2, "poster");
    assert_eq!(v["expect"]["size"], "1024x1536", "{v:#}");
    assert_eq!(v["request"]["body"]["size"], "1024x1536");
}

#[test]
fn svg_and_checks_that_do_not_apply_are_refused_before_paying() {
    let tmp = tempfile::tempdir().expect("tmp");
    let svg = tmp.path().join("svg.yaml");
    std::fs::write(&svg, "name: svg\npreset: poster\nsubject: a logo\ntext:\n  headline: Blue Notes\noutput:\n  format: svg\n").expect("write");
    let mock = Mock::start();
    let out = tmp.path().join("out");
    let (code, err) = run(
        &mock,
        "openai",
        &out,
        &[svg.to_str().expect("path"), "--verify", "--attempts", "3"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("SVG, which verify does not rasterise"),
        "{err}"
    );
    let plain = poster(tmp.path(), "plain", "");
    let (code, err) = run(
        &mock,
        "openai",
        &out,
        &[plain.to_str().expect("path"), "--accept", "alpha"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("none of the checks applies"), "{err}");
    assert!(mock.requests().is_empty(), "nothing was sent");
}

#[test]
fn a_rerun_rejudges_under_new_checks_and_counts_earlier_spending() {
    let tmp = tempfile::tempdir().expect("tmp");
    let brief = poster(tmp.path(), "again", "");
    let mock = Mock::start();
    mock.serve_images(vec![headline("Blue Nates")]);
    let out = tmp.path().join("out");
    let path = brief.to_str().expect("path");
    let (code, _) = run(
        &mock,
        "openai",
        &out,
        &[path, "--verify", "--attempts", "2"],
    );
    assert_eq!(code, 1);
    assert_eq!(mock.requests().len(), 2);
    // accepting on the format alone: the images already there are judged again, and accepted
    let (code, err) = run(
        &mock,
        "openai",
        &out,
        &[path, "--accept", "format", "--attempts", "4"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(mock.requests().len(), 2, "nothing new is bought: {err}");
    // the budget counts what earlier runs spent on retries
    let out = tmp.path().join("budget");
    let per = 0.1653;
    let max = format!("{:.4}", per * 2.5);
    let args = [path, "--verify", "--attempts", "5", "--max-cost", &max];
    let before = mock.requests().len();
    let _ = run(&mock, "openai", &out, &args);
    let _ = run(&mock, "openai", &out, &args);
    let (_, err) = run(&mock, "openai", &out, &args);
    assert_eq!(
        mock.requests().len() - before,
        2,
        "two requests fit in 2.5 estimates, over three runs: {err}"
    );
}

#[test]
fn an_earlier_image_of_another_request_is_never_accepted() {
    let tmp = tempfile::tempdir().expect("tmp");
    let brief = poster(tmp.path(), "edited", "");
    let mock = Mock::start();
    mock.serve_images(vec![headline("Blue Notes")]);
    let out = tmp.path().join("out");
    let path = brief.to_str().expect("path");
    let (code, err) = run(&mock, "openai", &out, &[path, "--verify"]);
    assert_eq!(code, 0, "{err}");
    // the brief changes its headline: the image on disk is another request's
    let text = std::fs::read_to_string(&brief)
        .expect("read")
        .replace("Blue Notes", "Red Notes");
    std::fs::write(&brief, text).expect("write");
    let (code, err) = run(
        &mock,
        "openai",
        &out,
        &[path, "--verify", "--attempts", "2"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("edited.json holds another request"), "{err}");
    assert_eq!(
        mock.requests().len(),
        1,
        "nothing sent, nothing accepted: {err}"
    );
    // a name starting with a dot writes visible files the sidecar can name
    let dot = tmp.path().join("dot.yaml");
    std::fs::write(
        &dot,
        std::fs::read_to_string(poster(tmp.path(), "x", ""))
            .expect("read")
            .replace("name: x", "name: .blue"),
    )
    .expect("write");
    let (code, err) = run(
        &mock,
        "openai",
        &out,
        &[dot.to_str().expect("path"), "--verify"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.join("blue-0.png").is_file() && out.join("blue.json").is_file(),
        "{:?}",
        files(&out)
    );
}

#[test]
fn generate_judges_with_the_verify_flags() {
    let tmp = tempfile::tempdir().expect("tmp");
    let brief = tmp.path().join("lower.yaml");
    let text = std::fs::read_to_string(poster(tmp.path(), "lower", "")).expect("read");
    std::fs::write(&brief, text.replace("Blue Notes", "blue notes")).expect("write");
    let mock = Mock::start();
    mock.serve_images(vec![headline("Blue Notes")]);
    let path = brief.to_str().expect("path");
    let (code, err) = run(
        &mock,
        "openai",
        &tmp.path().join("exact"),
        &[path, "--accept", "text"],
    );
    assert_eq!(code, 1, "letter case counts by default: {err}");
    let args = [path, "--accept", "text", "--case", "ignore"];
    let (code, err) = run(&mock, "openai", &tmp.path().join("ignore"), &args);
    assert_eq!(code, 0, "--case ignore reaches the judge: {err}");
}
