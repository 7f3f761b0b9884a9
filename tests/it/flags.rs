//! Every documented flag and environment variable does what its help says: each test here fails
//! if its flag were parsed and ignored. (Flags covered elsewhere are not repeated.)
use crate::common;

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("imgprompt-flags-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

fn code(cmd: &mut std::process::Command) -> (Option<i32>, String, String) {
    let out = cmd.output().expect("run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// IMGPROMPT_STRICT takes the usual truthy and falsey words; empty means unset. An unknown model
/// is a warning, an error under strict.
#[test]
fn imgprompt_strict_reads_like_a_ci_variable() {
    let dir = temp("strict");
    let brief = dir.join("warn.yaml");
    std::fs::write(&brief, "subject: a fox\noutput:\n  model: gpt-image-9\n").expect("write");
    for (value, expect) in [
        ("1", 1),
        ("true", 1),
        ("yes", 1),
        ("0", 0),
        ("", 0),
        ("off", 0),
    ] {
        let (c, _, err) = code(
            common::cli()
                .arg("validate")
                .arg(&brief)
                .env("IMGPROMPT_STRICT", value),
        );
        assert_eq!(c, Some(expect), "IMGPROMPT_STRICT={value:?}: {err}");
    }
    // empty override variables mean unset, not "a value is required"
    for var in [
        "IMGPROMPT_MODELS",
        "IMGPROMPT_PRICES",
        "IMGPROMPT_TARGET_LIMITS",
    ] {
        let (c, _, err) = code(
            common::cli()
                .args(["validate", "examples/poster-future-forms.yaml"])
                .env(var, ""),
        );
        assert_eq!(c, Some(0), "{var}='': {err}");
    }
    // and a set one is read, as the flag is
    let bad = dir.join("models.json");
    std::fs::write(&bad, "{ not json").expect("write");
    let (c, _, err) = code(
        common::cli()
            .args(["validate", "examples/poster-future-forms.yaml"])
            .env("IMGPROMPT_MODELS", &bad),
    );
    assert_eq!(c, Some(1), "{err}");
    assert!(err.contains("models.json"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn budgets_and_timeouts_refuse_values_that_are_no_limit() {
    for bad in ["NaN", "inf", "-1", "lots"] {
        let (c, _, err) = code(common::cli().args([
            "generate",
            "examples/poster-future-forms.yaml",
            "--dry-run",
            "--max-cost",
            bad,
        ]));
        assert_eq!(c, Some(2), "--max-cost {bad}: {err}");
        let (c, _, _) = code(common::cli().args([
            "expand",
            "tests/inputs/batch/campaign.yaml",
            "--count",
            "--max-cost",
            bad,
        ]));
        assert_eq!(c, Some(2), "expand --max-cost {bad}");
    }
    for bad in ["0", "18446744073709551615"] {
        let (c, _, err) = code(common::cli().args([
            "generate",
            "examples/poster-future-forms.yaml",
            "--dry-run",
            "--timeout",
            bad,
        ]));
        assert_eq!(c, Some(2), "--timeout {bad}: {err}");
    }
    // a real budget refuses past it, and sends nothing (dry run or not)
    let (c, _, err) = code(common::cli().args([
        "generate",
        "examples/poster-future-forms.yaml",
        "--dry-run",
        "--max-cost",
        "0.01",
    ]));
    assert_eq!(c, Some(1), "{err}");
    assert!(err.contains("over-budget"), "{err}");
    let (c, _, err) = code(common::cli().args([
        "generate",
        "tests/inputs/batch/campaign.yaml",
        "--dry-run",
        "--max-variants",
        "2",
    ]));
    assert_eq!(c, Some(1), "{err}");
}

#[test]
fn batch_output_and_errors_must_differ_and_quiet_is_quiet() {
    let dir = temp("batch");
    let input = dir.join("in.jsonl");
    std::fs::write(&input, "{\"subject\":\"a\"}\n{\"subject\":\n").expect("write");
    let same = dir.join("same.jsonl");
    let (c, _, err) = code(
        common::cli()
            .arg("batch")
            .arg(&input)
            .arg("-o")
            .arg(&same)
            .arg("--errors")
            .arg(dir.join(".").join("same.jsonl")),
    );
    assert_eq!(c, Some(2), "{err}");
    assert!(err.contains("name the same file"), "{err}");
    assert!(!same.exists(), "nothing written");
    let (_, _, loud) = code(common::cli().arg("batch").arg(&input));
    assert!(loud.contains("batch: 2 lines"), "{loud}");
    let (_, _, quiet) = code(common::cli().arg("batch").arg(&input).arg("--quiet"));
    assert!(quiet.is_empty(), "{quiet}");
    // --max-variants refuses a line past it
    let vary = dir.join("vary.jsonl");
    std::fs::write(&vary, "{\"subject\":\"a\",\"vary\":{\"output.size\":[\"1024x1024\",\"1536x1024\",\"1024x1536\"]}}\n").expect("write");
    let (c, out, _) = code(
        common::cli()
            .arg("batch")
            .arg(&vary)
            .args(["--max-variants", "2"]),
    );
    assert_eq!(c, Some(1));
    assert!(out.contains("\"code\":\"over-budget\""), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A folder of briefs holding a FIFO and a link to /dev/zero: each gets its record, never read.
#[cfg(unix)]
#[test]
fn a_batch_folder_never_opens_pipes_or_devices() {
    let dir = temp("folder");
    std::fs::write(dir.join("a.json"), "{\"subject\":\"a\"}").expect("write");
    std::os::unix::fs::symlink("/dev/zero", dir.join("m.json")).expect("link");
    let fifo = std::process::Command::new("mkfifo")
        .arg(dir.join("f.json"))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    let mut child = common::cli()
        .arg("batch")
        .arg(&dir)
        .args(["--emit", "prompt"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let start = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("batch over a folder with a FIFO hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].contains("\"prompt\""), "{text}");
    assert!(
        lines[1].contains("not-a-file") && lines[2].contains("not-a-file"),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn vary_axes_that_overwrite_each_other_are_refused() {
    let dir = temp("vary");
    let overlap = dir.join("overlap.yaml");
    std::fs::write(&overlap, "subject: s\nvary:\n  text.headline: [A, B]\n  link:\n    - {text.headline: C}\n    - {text.headline: D}\n").expect("write");
    let (c, _, err) = code(common::cli().arg("expand").arg(&overlap));
    assert_eq!(c, Some(1), "{err}");
    assert!(err.contains("vary-overlap"), "{err}");
    let dup = dir.join("dup.yaml");
    std::fs::write(&dup, "subject: s\nvary:\n  text.headline: [A, A]\n").expect("write");
    let (c, _, err) = code(common::cli().arg("expand").arg(&dup));
    assert_eq!(c, Some(1));
    assert!(err.contains("vary-duplicate"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_misspelt_target_under_targets_is_an_error() {
    let dir = temp("targets");
    let brief = dir.join("b.yaml");
    std::fs::write(
        &brief,
        "preset: poster\nsubject: s\ntargets:\n  stabilty: {style_preset: anime}\n",
    )
    .expect("write");
    let (c, _, err) = code(common::cli().arg("validate").arg(&brief));
    assert_eq!(c, Some(1), "{err}");
    assert!(err.contains("did you mean `stability`?"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `--target` of validate, lint and cost: the answer depends on it.
#[test]
fn target_flags_change_the_answer() {
    let (c, _, err) = code(common::cli().args([
        "validate",
        "--target",
        "imagen",
        "examples/poster-future-forms.yaml",
    ]));
    assert_eq!(c, Some(1), "imagen is shut down: {err}");
    assert!(err.contains("retired-model"), "{err}");
    let (_, openai, _) = code(common::cli().args(["lint", "tests/inputs/lint/context-size.yaml"]));
    let (_, mj, _) = code(common::cli().args([
        "lint",
        "--target",
        "midjourney",
        "tests/inputs/lint/context-size.yaml",
    ]));
    assert!(openai.contains("1 warning"), "{openai}");
    assert!(mj.contains("0 warnings"), "{mj}");
    let (c, out, _) = code(common::cli().args([
        "cost",
        "--target",
        "flux",
        "examples/poster-future-forms.yaml",
    ]));
    assert_eq!(c, Some(0));
    assert!(out.contains("flux-pro"), "{out}");
}

/// `--input-format` forces the format whatever the extension says.
#[test]
fn input_format_overrides_the_extension() {
    let dir = temp("format");
    let file = dir.join("brief.json");
    std::fs::copy(
        common::root().join("examples/poster-future-forms.yaml"),
        &file,
    )
    .expect("copy");
    for cmd in ["render", "validate"] {
        let (c, _, _) = code(common::cli().arg(cmd).arg(&file));
        assert_eq!(c, Some(1), "{cmd}: YAML read as JSON fails");
        let (c, _, err) = code(
            common::cli()
                .arg(cmd)
                .arg(&file)
                .args(["--input-format", "yaml"]),
        );
        assert_eq!(c, Some(0), "{cmd} --input-format yaml: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn json_listings_are_json() {
    let (_, presets, _) = code(common::cli().args(["presets", "list", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&presets).expect("presets list JSON");
    assert!(v.to_string().contains("\"poster\""), "{v}");
    let (_, models, _) = code(common::cli().args(["models", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&models).expect("models JSON");
    assert!(v["models"]["gpt-image-2"].is_object(), "{v}");
}

/// `--color always` colours lint's report on stdout; `never` does not.
#[test]
fn color_reaches_the_lint_report() {
    let args = ["lint", "tests/inputs/lint/context-size.yaml"];
    let (_, coloured, _) = code(common::cli().args(["--color", "always"]).args(args));
    let (_, plain, _) = code(common::cli().args(["--color", "never"]).args(args));
    assert!(coloured.contains("\u{1b}["), "{coloured}");
    assert!(!plain.contains("\u{1b}["), "{plain}");
}

/// A preset from `./presets` that hides a built-in is an error under --strict.
#[test]
fn a_shadowing_preset_fails_under_strict() {
    let dir = temp("shadow");
    let preset = dir.join("presets/poster");
    std::fs::create_dir_all(&preset).expect("dir");
    std::fs::write(
        preset.join("preset.yaml"),
        "name: poster\ndescription: a fake\n",
    )
    .expect("manifest");
    std::fs::write(preset.join("prompt.tera"), "FAKE {{ subject }}").expect("template");
    std::fs::write(dir.join("b.yaml"), "preset: poster\nsubject: s\n").expect("brief");
    let run = |strict: bool| {
        let mut cmd = common::cli();
        cmd.current_dir(&dir)
            .args(["render", "b.yaml", "--emit", "prompt"]);
        if strict {
            cmd.arg("--strict");
        }
        code(&mut cmd)
    };
    let (c, out, err) = run(false);
    assert_eq!(c, Some(0), "{err}");
    assert!(
        out.contains("FAKE s") && err.contains("shadows-built-in"),
        "{out}{err}"
    );
    assert!(
        err.contains("./presets\n") || err.ends_with('\n'),
        "a whole line: {err:?}"
    );
    let (c, out, err) = run(true);
    assert_eq!(c, Some(1), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `lint --table` replaces the shipped tables: with no contradictions listed, none is found.
#[test]
fn lint_table_replaces_the_shipped_tables() {
    let dir = temp("table");
    let table = dir.join("lint.json");
    std::fs::write(&table, r#"{"contradictions": []}"#).expect("write");
    let brief = "tests/inputs/lint/contradiction.yaml";
    let (_, shipped, _) = code(common::cli().args(["lint", brief]));
    let (_, replaced, err) = code(common::cli().args(["lint", brief, "--table"]).arg(&table));
    assert!(shipped.contains("contradiction"), "{shipped}");
    assert!(!replaced.contains("[contradiction]"), "{replaced}{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `IMGPROMPT_STYLES` adds a style folder as `--styles` does.
#[test]
fn imgprompt_styles_adds_a_style_folder() {
    let dir = temp("styles-env");
    std::fs::write(
        dir.join("mine.json"),
        r#"{"pack": "mine", "source": "test", "license": "MIT", "styles": [{"name": "Moss Glow", "prompt": "{prompt}, glowing moss green"}]}"#,
    )
    .expect("pack");
    let brief = dir.join("b.yaml");
    std::fs::write(&brief, "subject: a fox\nstyle: {apply: [Moss Glow]}\n").expect("brief");
    let (c, _, err) = code(
        common::cli()
            .args(["render", "--emit", "prompt"])
            .arg(&brief),
    );
    assert_eq!(c, Some(1), "unknown without the folder: {err}");
    let (c, out, err) = code(
        common::cli()
            .args(["render", "--emit", "prompt"])
            .arg(&brief)
            .env("IMGPROMPT_STYLES", &dir),
    );
    assert_eq!(c, Some(0), "{err}");
    assert!(out.contains("glowing moss green"), "{out}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `new preset --dir` creates it there; `styles import --pack` names the pack.
#[test]
fn new_dir_and_import_pack_are_read() {
    let dir = temp("new-dir");
    let (c, _, err) = code(
        common::cli()
            .args(["new", "preset", "harbour", "--dir"])
            .arg(dir.join("mine")),
    );
    assert_eq!(c, Some(0), "{err}");
    assert!(dir.join("mine/harbour/preset.yaml").is_file(), "{err}");
    let (c, _, err) = code(
        common::cli()
            .args([
                "styles",
                "import",
                "--format",
                "fooocus",
                "tests/inputs/styles/fooocus.json",
                "--pack",
                "mypack",
                "--dir",
            ])
            .arg(dir.join("packs")),
    );
    assert_eq!(c, Some(0), "{err}");
    let pack: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("packs/mypack.json")).expect("pack"),
    )
    .expect("json");
    assert_eq!(pack["pack"], "mypack");
    std::fs::remove_dir_all(&dir).ok();
}

/// `schema spec` prints the committed brief schema; `schema params` a preset's; `styles show`
/// one style.
#[test]
fn schema_and_styles_show_print_what_they_say() {
    let (c, spec, _) = code(common::cli().args(["schema", "spec"]));
    assert_eq!(c, Some(0));
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("schemas/spec.schema.json")).expect("schema"),
    )
    .expect("json");
    let printed: serde_json::Value = serde_json::from_str(&spec).expect("json");
    assert_eq!(printed, committed);
    let (c, params, err) = code(common::cli().args(["schema", "params", "poster"]));
    assert_eq!(c, Some(0), "{err}");
    assert!(
        serde_json::from_str::<serde_json::Value>(&params).is_ok(),
        "{params}"
    );
    let (c, shown, err) = code(common::cli().args(["styles", "show", "cinematic"]));
    assert_eq!(c, Some(0), "{err}");
    assert!(shown.to_lowercase().contains("cinematic"), "{shown}");
}

/// `serve --host` other than loopback warns that the server is reachable from other machines.
#[test]
fn serve_host_off_loopback_warns() {
    use std::io::{BufRead, BufReader};
    let mut child = common::cli()
        .args(["serve", "--port", "0", "--host", "0.0.0.0"])
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let mut err = String::new();
    let mut reader = BufReader::new(child.stderr.take().expect("stderr"));
    for _ in 0..3 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        err.push_str(&line);
        if err.contains("other machines") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(err.contains("other machines"), "{err}");
}

/// On a terminal, `--yes` sends without asking (answer `n` is never read).
#[test]
fn yes_skips_the_terminal_confirmation() {
    let dir = temp("yes");
    let brief = dir.join("b.yaml");
    std::fs::write(&brief, "name: confirmed\nsubject: a windmill\n").expect("brief");
    let mock = crate::mock::Mock::start();
    let cmd = format!(
        "{} generate {} --yes -o {}",
        env!("CARGO_BIN_EXE_imgprompt"),
        brief.display(),
        dir.join("out").display()
    );
    let out = common::with_stdin(
        std::process::Command::new("script")
            .args(["-q", "-e", "-c", &cmd, "/dev/null"])
            .env("OPENAI_BASE_URL", mock.openai_base())
            .env("OPENAI_API_KEY", "sk-test-local")
            .env("IMGPROMPT_TODAY", common::TODAY)
            .env("NO_COLOR", "1"),
        b"n\n",
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!said.contains("[y/N]"), "{said}");
    assert_eq!(mock.requests().len(), 1, "{said}");
    std::fs::remove_dir_all(&dir).ok();
}

/// An unknown key in a data file given to override the shipped one (`--models`, `--prices`,
/// `lint --table`) is refused by the one override rule: the error names the key and points at
/// its line and column, with a "did you mean".
fn unknown_override_key_is_refused(file: &str, text: &str, args: &[&str], said: &[&str]) {
    let dir = temp(&format!("override-{file}"));
    let path = dir.join(file);
    std::fs::write(&path, text).expect("write");
    let (c, out, err) = code(common::cli().args(args).arg(&path));
    assert_eq!(c, Some(1), "{out}{err}");
    for words in said {
        assert!(err.contains(words), "`{words}` not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unknown_key_in_a_models_file_is_an_error_with_line_and_column() {
    unknown_override_key_is_refused(
        "models.json",
        "{\"models\": {\"gpt-image-2\": {\n  \"qualty\": [\"low\"]}}}",
        &["validate", "examples/poster-future-forms.yaml", "--models"],
        &[
            "unknown field `qualty`",
            "models.json:2:3",
            "did you mean `quality`?",
        ],
    );
}

#[test]
fn an_unknown_key_in_a_prices_file_is_an_error_with_line_and_column() {
    unknown_override_key_is_refused(
        "prices.json",
        "{\n  \"models\": {\"gpt-image-2\": {\"per_imag\": {}}}\n}",
        &["cost", "examples/poster-future-forms.yaml", "--prices"],
        &[
            "invalid price table: unknown field `per_imag`",
            "prices.json:2:30",
            "did you mean `per_image`?",
        ],
    );
}

#[test]
fn an_unknown_key_in_a_lint_table_is_an_error_with_line_and_column() {
    unknown_override_key_is_refused(
        "lint.json",
        "{\n  \"contradictions\": [],\n  \"no_text_wrods\": []\n}",
        &["lint", "tests/inputs/lint/contradiction.yaml", "--table"],
        &[
            "invalid lint table: unknown field `no_text_wrods`",
            "lint.json:3:3",
            "did you mean `no_text_words`?",
        ],
    );
}
