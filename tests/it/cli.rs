//! The real binary: output, stderr and exit codes, snapshotted with insta-cmd.

use insta_cmd::assert_cmd_snapshot;

use crate::common::cli;

#[test]
fn render_payload_is_the_default() {
    assert_cmd_snapshot!(cli().args(["render", "examples/poster-future-forms.yaml"]));
}

#[test]
fn render_prompt_only() {
    assert_cmd_snapshot!(cli().args([
        "render",
        "examples/product-water-bottle.yaml",
        "--emit",
        "prompt"
    ]));
}

#[test]
fn render_report() {
    assert_cmd_snapshot!(cli().args([
        "render",
        "examples/ui-finance-dashboard.json",
        "--emit",
        "report"
    ]));
}

#[test]
fn render_json_record() {
    assert_cmd_snapshot!(cli().args([
        "render",
        "tests/inputs/render/deprecated-model.yaml",
        "--emit",
        "json"
    ]));
}

#[test]
fn render_from_stdin_with_forced_format() {
    let out = crate::common::with_stdin(
        cli().args(["render", "-", "--input-format", "yaml", "--emit", "prompt"]),
        b"preset: poster\nsubject: a book fair\ntext:\n  headline: Read More\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn render_warns_on_stderr_but_succeeds() {
    assert_cmd_snapshot!(cli().args([
        "render",
        "tests/inputs/render/custom-size.yaml",
        "--emit",
        "prompt"
    ]));
}

#[test]
fn render_invalid_brief_exits_1() {
    assert_cmd_snapshot!(cli().args(["render", "tests/inputs/errors/invalid-size.yaml"]));
}

#[test]
fn render_missing_file_exits_2() {
    assert_cmd_snapshot!(cli().args(["render", "no/such/brief.yaml"]));
}

#[test]
fn render_unknown_target_exits_2() {
    assert_cmd_snapshot!(cli().args([
        "render",
        "examples/poster-future-forms.yaml",
        "--target",
        "opnai"
    ]));
}

#[test]
fn usage_error_exits_2() {
    assert_cmd_snapshot!(cli().args([
        "render",
        "examples/poster-future-forms.yaml",
        "--emit",
        "yaml"
    ]));
}

#[test]
fn render_to_file_atomically() {
    let dir = std::env::temp_dir().join(format!("imgprompt-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let out = dir.join("payload.json");
    let status = cli()
        .args(["render", "examples/poster-future-forms.yaml", "-o"])
        .arg(&out)
        .status()
        .expect("run");
    assert!(status.success());
    let body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).expect("written")).expect("JSON");
    assert_eq!(body["model"], "gpt-image-2");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
    std::fs::remove_dir_all(&dir).ok();
}

/// `-o` on something that is not a regular file: a named pipe (like `/dev/null` or
/// `/dev/stdout`) is written in place, not replaced by a plain file; a symbolic link stays a link
/// and the file it points to gets the output.
#[test]
fn output_to_a_pipe_or_a_link_keeps_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = std::env::temp_dir().join(format!("imgprompt-cli-special-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let fifo = dir.join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).expect("read the pipe"))
    };
    let status = cli()
        .args(["render", "examples/poster-future-forms.yaml", "-o"])
        .arg(&fifo)
        .status()
        .expect("run");
    assert!(status.success());
    // checked before waiting for the reader, which would wait forever on a replaced pipe
    let kind = std::fs::symlink_metadata(&fifo)
        .expect("still there")
        .file_type();
    assert!(kind.is_fifo(), "the pipe was replaced by {kind:?}");
    let got = reader.join().expect("reader");
    let body: serde_json::Value = serde_json::from_slice(&got).expect("JSON through the pipe");
    assert_eq!(body["model"], "gpt-image-2");

    let target = dir.join("real.json");
    std::fs::write(&target, "old").expect("write");
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let status = cli()
        .args(["render", "examples/poster-future-forms.yaml", "-o"])
        .arg(&link)
        .status()
        .expect("run");
    assert!(status.success());
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("link")
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    let body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&target).expect("target")).expect("JSON");
    assert_eq!(body["model"], "gpt-image-2");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn validate_all_examples_ok() {
    assert_cmd_snapshot!(cli().args([
        "validate",
        "examples/poster-future-forms.yaml",
        "examples/product-water-bottle.yaml",
        "examples/ui-finance-dashboard.json",
    ]));
}

#[test]
fn validate_mixed_exits_1() {
    assert_cmd_snapshot!(cli().args([
        "validate",
        "examples/poster-future-forms.yaml",
        "tests/inputs/errors/unknown-field.yaml",
        "tests/inputs/errors/transparent-jpeg.yaml",
    ]));
}

#[test]
fn validate_json_diagnostics() {
    assert_cmd_snapshot!(cli().args([
        "validate",
        "--format",
        "json",
        "tests/inputs/errors/unknown-text-role.yaml"
    ]));
}

#[test]
fn validate_unreadable_exits_2() {
    assert_cmd_snapshot!(cli().args([
        "validate",
        "examples/poster-future-forms.yaml",
        "missing.yaml"
    ]));
}

#[test]
fn presets_list() {
    assert_cmd_snapshot!(cli().args(["presets", "list"]));
}

#[test]
fn presets_show_poster() {
    assert_cmd_snapshot!(cli().args(["presets", "show", "poster"]));
}

#[test]
fn presets_show_unknown() {
    assert_cmd_snapshot!(cli().args(["presets", "show", "postr"]));
}

#[test]
fn models_list() {
    assert_cmd_snapshot!(cli().args(["models"]));
}

/// `models` and `render` read a lifecycle with the same function: the day before gpt-image-1.5's
/// shutdown both say deprecated (and it renders, with a warning); on the shutdown day itself
/// both say retired (and it is refused).
#[test]
fn lifecycle_reads_the_same_in_models_and_render_on_the_boundary() {
    let dir = std::env::temp_dir().join(format!("imgprompt-lifecycle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let brief = dir.join("b.yaml");
    std::fs::write(&brief, "subject: a cat\noutput: {model: gpt-image-1.5}\n").expect("write");
    for (day, listed, renders) in [
        (
            "2026-11-30",
            "gpt-image-1.5  [deprecated, shuts down 2026-12-01]",
            true,
        ),
        ("2026-12-01", "gpt-image-1.5  [retired 2026-12-01]", false),
        ("2026-12-02", "gpt-image-1.5  [retired 2026-12-01]", false),
    ] {
        let models = cli()
            .env("IMGPROMPT_TODAY", day)
            .arg("models")
            .output()
            .expect("run");
        let listing = String::from_utf8_lossy(&models.stdout);
        assert!(listing.contains(listed), "{day}: {listing}");
        let out = cli()
            .env("IMGPROMPT_TODAY", day)
            .arg("render")
            .arg(&brief)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        if renders {
            assert!(out.status.success(), "{day}: {err}");
            assert!(err.contains("warning[deprecated-model]"), "{day}: {err}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{day}: {err}");
            assert!(
                err.contains("error[retired-model]") && err.contains("retired on 2026-12-01"),
                "{day}: {err}"
            );
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn help() {
    assert_cmd_snapshot!(cli().args(["--help"]));
}

#[test]
fn models_override_file() {
    let dir = std::env::temp_dir().join(format!("imgprompt-models-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let file = dir.join("models.json");
    // a team raising the n cap of gpt-image-2 without recompiling
    let mut table: serde_json::Value =
        serde_json::from_str(imgprompt::validate::models::BUILTIN_MODELS).expect("json");
    let mut rules = table["models"]["gpt-image-2"].clone();
    rules["n"]["max"] = 1.into();
    table = serde_json::json!({"models": {"gpt-image-2": rules}});
    std::fs::write(&file, table.to_string()).expect("write");
    let out = cli()
        .args(["render", "tests/inputs/render/poster-full.yaml", "--models"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("n=2 is not valid for gpt-image-2: only n=1 is supported")
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn broken_pipe_exits_quietly() {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' render examples/poster-future-forms.yaml --emit report | head -c 1 >/dev/null; exit ${{PIPESTATUS:-0}}",
            env!("CARGO_BIN_EXE_imgprompt")
        ))
        .current_dir(crate::common::root())
        .output()
        .expect("sh");
    assert!(
        String::from_utf8_lossy(&out.stderr).is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cost_table_with_volume_and_retries() {
    assert_cmd_snapshot!(cli().args([
        "cost",
        "examples/poster-future-forms.yaml",
        "examples/ui-finance-dashboard.json",
        "tests/inputs/render/custom-size.yaml",
        "--volume",
        "500",
        "--per",
        "month",
        "--retries",
        "0.1",
    ]));
}

#[test]
fn cost_json_batch_api() {
    assert_cmd_snapshot!(cli().args([
        "cost",
        "examples/product-water-bottle.yaml",
        "--batch-api",
        "--partial-images",
        "2",
        "--format",
        "json",
    ]));
}

#[test]
fn cost_price_override() {
    let dir = std::env::temp_dir().join(format!("imgprompt-prices-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let file = dir.join("prices.json");
    std::fs::write(
        &file,
        r#"{"models": {"gpt-image-2": {"per_image": {"as_of": "2027-01-01", "source": "our contract", "prices": {"high": {"1024x1536": 0.1}}}}}}"#,
    )
    .expect("write");
    let cost = |file: &std::path::Path| {
        let out = cli()
            .args(["cost", "examples/poster-future-forms.yaml", "--prices"])
            .arg(file)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    // the override merges into the model's entry: its token prices stay (the prompt's tokens
    // add to the contract's per-image price)
    let text = cost(&file);
    assert!(
        text.contains("$0.1004") && text.contains("our contract (as of 2027-01-01)"),
        "{text}"
    );
    assert!(text.contains("source: token prices:"), "{text}");
    // and `null` removes a key: without token prices the request is the per-image price
    std::fs::write(
        &file,
        r#"{"models": {"gpt-image-2": {"tokens_per_million": null, "per_image": {"as_of": "2027-01-01", "source": "our contract", "prices": {"high": {"1024x1536": 0.1}}}}}}"#,
    )
    .expect("write");
    let text = cost(&file);
    assert!(
        text.contains("$0.1000") && !text.contains("source: token prices:"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A broken user preset affects only the briefs that use it: other commands and briefs run,
/// `presets list` shows it as broken with its first diagnostic.
#[test]
fn a_broken_user_preset_breaks_only_its_briefs() {
    let dir = std::env::temp_dir().join(format!("imgprompt-broken-{}", std::process::id()));
    let presets = dir.join("presets");
    std::fs::create_dir_all(presets.join("typo")).expect("dir");
    std::fs::write(
        presets.join("typo/preset.yaml"),
        "name: typo\ndescripton: oops\n",
    )
    .expect("write");
    std::fs::write(presets.join("typo/prompt.tera"), "{{ subject }}").expect("write");
    let brief = dir.join("uses-typo.yaml");
    std::fs::write(&brief, "preset: typo\nsubject: a cat\n").expect("write");
    let run = |args: &[&str]| {
        cli()
            .arg("--presets")
            .arg(&presets)
            .args(args)
            .output()
            .expect("run")
    };
    let models = run(&["models"]);
    assert!(
        models.status.success(),
        "{}",
        String::from_utf8_lossy(&models.stderr)
    );
    let ok = run(&[
        "render",
        "examples/poster-future-forms.yaml",
        "--emit",
        "prompt",
    ]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let list = run(&["presets", "list"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("typo") && text.contains("BROKEN") && text.contains("preset.yaml:1:1"),
        "{text}"
    );
    let bad = cli()
        .arg("--presets")
        .arg(&presets)
        .arg("render")
        .arg(&brief)
        .output()
        .expect("run");
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("preset.yaml:2:1") && err.contains("broken-preset"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `--color` decides for every diagnostic: render warnings, validate and lint.
#[test]
fn color_choice_is_honoured_everywhere() {
    let brief = "tests/inputs/providers/unknown/gpt-image-3.yaml";
    for args in [
        vec!["render", brief],
        vec!["validate", brief],
        vec!["validate", "tests/inputs/errors/several-problems.yaml"],
    ] {
        let always = cli()
            .args(["--color", "always"])
            .args(&args)
            .output()
            .expect("run");
        assert!(
            String::from_utf8_lossy(&always.stderr).contains("\u{1b}["),
            "{args:?}: colour asked for"
        );
        let never = cli()
            .args(["--color", "never"])
            .args(&args)
            .output()
            .expect("run");
        assert!(
            !String::from_utf8_lossy(&never.stderr).contains("\u{1b}["),
            "{args:?}: no colour"
        );
        let auto = cli().args(&args).output().expect("run");
        assert!(
            !String::from_utf8_lossy(&auto.stderr).contains("\u{1b}["),
            "{args:?}: NO_COLOR and not a terminal"
        );
    }
}

/// Completions for every shell, and the man pages, generate; the bash script parses.
#[test]
fn completions_and_man_pages_generate() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = cli().args(["completions", shell]).output().expect("run");
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("imgprompt") && text.contains("render"),
            "{shell}"
        );
        if shell == "bash" {
            let dir = std::env::temp_dir().join(format!("imgprompt-compl-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("dir");
            std::fs::write(dir.join("imgprompt.bash"), text.as_bytes()).expect("write");
            let status = std::process::Command::new("bash")
                .arg("-n")
                .arg(dir.join("imgprompt.bash"))
                .status()
                .expect("bash");
            assert!(status.success(), "bash completion parses");
            std::fs::remove_dir_all(&dir).ok();
        }
    }
    let out = cli().arg("man").output().expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(".TH imgprompt 1"));
    let dir = std::env::temp_dir().join(format!("imgprompt-man-{}", std::process::id()));
    crate::common::succeeds(cli().args(["man", "--dir"]).arg(&dir));
    assert!(dir.join("imgprompt.1").is_file());
    assert!(dir.join("imgprompt-render.1").is_file());
    std::fs::remove_dir_all(&dir).ok();
}
