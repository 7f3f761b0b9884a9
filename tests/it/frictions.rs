//! The small things a new user trips on: starter briefs, `expand -o`, one brief per `render`,
//! `--target` values in help and completions, `--emit` forms a command cannot write, plurals,
//! money without float noise, and the errors of an empty, a misindented and a binary file.
use crate::common::{cli, root, succeeds};

fn run(args: &[&str], dir: &std::path::Path) -> (i32, String, String) {
    let out = cli().args(args).current_dir(dir).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn new_brief_writes_a_commented_brief_that_renders_with_its_schema_beside_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    for preset in crate::tables::PRESETS.iter().copied() {
        let file = format!("{preset}.yaml");
        let (code, out, err) = run(&["new", "brief", "--preset", preset, &file], dir.path());
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(&format!("created {file}")), "{out}");
        let text = std::fs::read_to_string(dir.path().join(&file)).expect("written");
        assert!(
            text.starts_with("# yaml-language-server: $schema=brief.schema.json\n"),
            "{text}"
        );
        assert!(
            text.contains(&format!("A brief for the `{preset}` preset")),
            "{text}"
        );
        let (code, _, err) = run(&["lint", &file], dir.path());
        assert_eq!(code, 0, "{preset}: the starter lints clean: {err}");
    }
    // the schema the modeline names is the brief schema, written once
    let schema = std::fs::read_to_string(dir.path().join("brief.schema.json")).expect("schema");
    let spec = succeeds(cli().args(["schema", "spec"]));
    assert_eq!(schema.as_bytes(), spec.stdout.as_slice());
    // an unused text role is offered, commented out
    let product = std::fs::read_to_string(dir.path().join("product.yaml")).expect("product");
    assert!(
        product.contains("#   tagline: a slogan shown beside the product"),
        "{product}"
    );
    // refused over an existing file; another schema named without writing one
    let (code, _, err) = run(&["new", "brief", "basic.yaml"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    let (code, out, _) = run(
        &["new", "brief", "--schema", "https://example.test/s.json"],
        dir.path(),
    );
    assert_eq!(code, 0);
    assert!(out.starts_with("# yaml-language-server: $schema=https://example.test/s.json\n"));
    let (code, _, err) = run(&["new", "brief", "--preset", "postr"], dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("did you mean `poster`"), "{err}");
}

#[test]
fn expand_writes_its_output_file_atomically() {
    let dir = tempfile::tempdir().expect("tempdir");
    let brief = dir.path().join("kite.yaml");
    std::fs::write(
        &brief,
        "subject: a kite\nvary:\n  subject: [red, blue, green]\n",
    )
    .expect("write");
    let (code, out, err) = run(&["expand", "kite.yaml", "-o", "v.jsonl"], dir.path());
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let stdout = succeeds(cli().args(["expand", "kite.yaml"]).current_dir(dir.path())).stdout;
    assert_eq!(
        std::fs::read(dir.path().join("v.jsonl")).expect("written"),
        stdout
    );
    let (code, _, _) = run(
        &["expand", "kite.yaml", "--count", "--output", "n.txt"],
        dir.path(),
    );
    assert_eq!(code, 0);
    let count = std::fs::read_to_string(dir.path().join("n.txt")).expect("count");
    assert!(count.starts_with("3 variants, 3 images, $"), "{count}");
    // a failure leaves no partial file behind
    let (code, _, _) = run(
        &[
            "expand",
            "kite.yaml",
            "--max-variants",
            "1",
            "-o",
            "none.jsonl",
        ],
        dir.path(),
    );
    assert_eq!(code, 1);
    assert!(!dir.path().join("none.jsonl").exists());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "no temporary file left: {names:?}"
    );
}

#[test]
fn render_takes_one_brief_and_points_to_batch_for_more() {
    let r = root();
    let (code, out, err) = run(
        &[
            "render",
            "examples/poster-future-forms.yaml",
            "examples/ui-finance-dashboard.json",
        ],
        &r,
    );
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.contains("`render` takes one brief, and 2 were given"),
        "{err}"
    );
    assert!(err.contains("imgprompt batch DIR"), "{err}");
}

#[test]
fn target_names_are_in_help_and_completions() {
    let help = succeeds(cli().args(["render", "--help"])).stdout;
    let help = String::from_utf8_lossy(&help);
    assert!(
        help.contains(
            "[possible values: openai, openai-edit, stability, flux, imagen, gemini, midjourney]"
        ),
        "{help}"
    );
    let bash = succeeds(cli().args(["completions", "bash"])).stdout;
    let bash = String::from_utf8_lossy(&bash);
    assert!(
        bash.contains("openai openai-edit stability flux imagen gemini midjourney"),
        "{bash}"
    );
    // an unknown one still gets the did-you-mean of the engine, as a usage error
    let (code, _, err) = run(
        &[
            "render",
            "--target",
            "fluxx",
            "examples/poster-future-forms.yaml",
        ],
        &root(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `flux`?"), "{err}");
}

#[test]
fn batch_refuses_an_emit_form_that_is_not_a_line_and_its_help_says_what_each_is() {
    let (code, out, err) = run(&["batch", "examples", "--emit", "report"], &root());
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.contains("invalid value 'report' for '--emit <EMIT>'"),
        "{err}"
    );
    let help = succeeds(cli().args(["batch", "--help"])).stdout;
    let help = String::from_utf8_lossy(&help);
    assert!(help.contains("[default: json]"), "{help}");
    assert!(!help.contains("pretty JSON (default)"), "{help}");
    assert!(help.contains("The request body, compact JSON"), "{help}");
}

#[test]
fn summaries_say_one_brief_and_one_image() {
    let r = root();
    let (_, out, _) = run(&["lint", "examples/poster-future-forms.yaml"], &r);
    assert!(out.ends_with("1 brief: 0 errors, 0 warnings\n"), "{out}");
    let (_, out, _) = run(&["cost", "examples/poster-future-forms.yaml"], &r);
    assert!(out.contains(" for 1 image\n"), "{out}");
    assert!(out.contains("1 request per brief per day"), "{out}");
    let out = crate::common::with_stdin(
        cli().args(["batch", "-o", "/dev/null"]),
        br#"{"subject": "a kite"}"#,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("batch: 1 line, 1 result, 0 failed, 0 warnings"),
        "{err}"
    );
}

#[test]
fn money_in_json_has_no_float_noise() {
    let r = root();
    let record = succeeds(
        cli()
            .args([
                "render",
                "--emit",
                "json",
                "examples/ui-finance-dashboard.json",
            ])
            .current_dir(&r),
    )
    .stdout;
    let text = String::from_utf8_lossy(&record);
    // 0.041 per image + 120 tokens at $5 per million: 0.0416, not 0.041600000000000005
    assert!(text.contains("\"per_request\":0.0416,"), "{text}");
    let cost = succeeds(
        cli()
            .args([
                "cost",
                "--format",
                "json",
                "--retries",
                "0.1",
                "--volume",
                "3",
            ])
            .args([
                "examples/poster-future-forms.yaml",
                "examples/ui-finance-dashboard.json",
            ])
            .current_dir(&r),
    )
    .stdout;
    let v: serde_json::Value = serde_json::from_slice(&cost).expect("json");
    for key in ["per_request_set", "with_retries", "per_period"] {
        let x = v[key].as_f64().expect("a number");
        let shown = v[key].to_string();
        let decimals = shown.split('.').nth(1).map_or(0, str::len);
        assert!(decimals <= 8, "{key} = {shown}");
        assert!(x > 0.0);
    }
}

#[test]
fn an_empty_a_misindented_and_a_binary_file_say_what_is_wrong() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path();
    std::fs::write(p.join("empty.yaml"), "").expect("write");
    std::fs::write(p.join("comments.yaml"), "# nothing yet\n---\n").expect("write");
    std::fs::write(
        p.join("indent.yaml"),
        "subject: a kite\ntext:\n headline: FLY\n  cta: GO\n",
    )
    .expect("write");
    std::fs::write(
        p.join("tab.yaml"),
        "subject: a kite\ntext:\n\theadline: FLY\n",
    )
    .expect("write");
    std::fs::write(p.join("image.json"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").expect("write");
    std::fs::write(p.join("latin1.yaml"), b"subject: caf\xe9\n").expect("write");
    let mut errors = String::new();
    for f in [
        "empty.yaml",
        "comments.yaml",
        "indent.yaml",
        "tab.yaml",
        "image.json",
        "latin1.yaml",
    ] {
        let (code, _, err) = run(&["--color", "never", "validate", f], p);
        assert_eq!(code, 1, "{f}: an invalid brief, not an I/O error: {err}");
        errors.push_str(&format!("$ imgprompt validate {f}\n{err}\n"));
    }
    insta::assert_snapshot!(errors);
}

#[test]
fn the_readme_custom_ids_are_what_batch_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let first = succeeds(
        cli()
            .args(["batch", "examples", "--emit", "openai-batch", "--quiet"])
            .current_dir(root()),
    )
    .stdout;
    let line = |bytes: &[u8], i: usize| -> String {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let v: serde_json::Value =
            serde_json::from_str(text.lines().nth(i).expect("a line")).expect("json");
        v["custom_id"].as_str().expect("custom_id").to_string()
    };
    let id = line(&first, 0);
    assert!(readme.contains(&format!("`{id}`")), "README shows {id}");
    let mug =
        r#"{"name": "mug", "subject": "a mug", "vary": {"subject": ["a red mug", "a blue mug"]}}"#;
    assert!(readme.contains(mug));
    let out = crate::common::with_stdin(
        cli().args(["batch", "--emit", "openai-batch", "--quiet"]),
        format!("{mug}\n").as_bytes(),
    );
    for i in 0..2 {
        let id = line(&out.stdout, i);
        assert!(readme.contains(&format!("`{id}`")), "README shows {id}");
    }
}

#[test]
fn new_brief_refuses_json_and_missing_folders_and_takes_dash_for_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, _, err) = run(&["new", "brief", "b.json"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("a starter brief is YAML"), "{err}");
    let (code, _, err) = run(&["new", "brief", "no/such/b.yaml"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("the folder `no/such` does not exist"), "{err}");
    let (code, out, _) = run(&["new", "brief", "-"], dir.path());
    assert_eq!(code, 0);
    assert!(out.starts_with("# yaml-language-server"), "{out}");
    assert!(!dir.path().join("-").exists());
}

#[test]
fn a_multi_line_description_stays_a_comment_in_the_starter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let preset = dir.path().join("presets/mine");
    std::fs::create_dir_all(&preset).expect("dir");
    std::fs::write(
        preset.join("preset.yaml"),
        "name: mine\ndescription: |\n  Line one.\n  subject: injected\nversion: 1.0.0\n\
         template: prompt.tera\ntext_roles:\n  headline: {description: \"two\\nlines\"}\n",
    )
    .expect("manifest");
    std::fs::write(preset.join("prompt.tera"), "An image of {{ subject }}.").expect("template");
    let (code, out, err) = run(&["new", "brief", "--preset", "mine", "-"], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("#   subject: injected"), "{out}");
    assert!(out.contains("#   headline: two\n#   lines"), "{out}");
    std::fs::write(dir.path().join("b.yaml"), &out).expect("write");
    let (code, _, err) = run(&["validate", "b.yaml"], dir.path());
    assert_eq!(code, 0, "the starter still parses and renders: {err}");
}

#[test]
fn expand_will_not_write_over_its_brief() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "subject: a kite\nvary:\n  subject: [red, blue]\n";
    std::fs::write(dir.path().join("k.yaml"), text).expect("write");
    let (code, _, err) = run(&["expand", "k.yaml", "-o", "k.yaml"], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("is the brief itself"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("k.yaml")).expect("kept"),
        text
    );
}

#[test]
fn lint_reports_a_file_that_is_not_a_brief_and_strict_fails_on_warnings() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("img.png"), b"\x89PNG\r\n\x1a\n\0").expect("write");
    // a warning of the lint rules, no error: the avoid list phrased as a negation
    std::fs::write(
        dir.path().join("w.yaml"),
        "subject: a kite\navoid: [no text]\n",
    )
    .expect("write");
    let (code, out, _) = run(
        &["lint", "--format", "junit", "img.png", "w.yaml"],
        dir.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("name=\"img.png\">\n      <failure type=\"not-utf8\""),
        "{out}"
    );
    let (code, out, _) = run(&["lint", "w.yaml"], dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning["), "{out}");
    let (code, out, _) = run(&["--strict", "lint", "w.yaml"], dir.path());
    assert_eq!(code, 1, "{out}");
    let (code, _, _) = run(&["lint", "missing.yaml"], dir.path());
    assert_eq!(code, 2);
}

#[test]
fn a_json_syntax_error_points_at_the_character_not_the_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("u.json"), "{\"subject\": \"ééééé\", x}").expect("write");
    let (_, out, _) = run(&["validate", "--format", "json", "u.json"], dir.path());
    let d: serde_json::Value =
        serde_json::from_str(out.lines().next().expect("a line")).expect("json");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(22)),
        "{d}"
    );
}

#[test]
fn thousands_of_wrong_keys_list_the_first_hundred_and_say_how_many_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("subject: a\n");
    for i in 0..5000 {
        text.push_str(&format!("k{i}: {i}\n"));
    }
    std::fs::write(dir.path().join("big.yaml"), text).expect("write");
    let (code, out, _) = run(&["validate", "--format", "json", "big.yaml"], dir.path());
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 100);
    assert_eq!(
        lines[99]["notes"][0],
        "and 4900 more like these: only the first 100 are listed"
    );
}

#[test]
fn yaml_reader_messages_are_said_in_the_briefs_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("two.yaml"), "subject: a\n---\nsubject: b\n").expect("write");
    let deep = format!("subject: a\nx: {}{}\n", "[".repeat(70), "]".repeat(70));
    std::fs::write(dir.path().join("deep.yaml"), deep).expect("write");
    let (_, _, err) = run(
        &["--color", "never", "validate", "two.yaml", "deep.yaml"],
        dir.path(),
    );
    assert!(
        err.contains("the file holds several YAML documents"),
        "{err}"
    );
    assert!(err.contains("more than the 64 a brief may have"), "{err}");
    assert!(
        !err.contains("from_str_multiple") && !err.contains("Depth {"),
        "{err}"
    );
}

#[test]
fn an_output_file_in_a_missing_folder_is_named_before_any_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("k.yaml"),
        "subject: a\nvary:\n  subject: [b, c]\n",
    )
    .expect("write");
    for args in [
        &["expand", "k.yaml", "-o", "nodir/v.jsonl"][..],
        &["batch", "k.yaml", "-o", "nodir/v.jsonl"][..],
    ] {
        let (code, _, err) = run(args, dir.path());
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("the folder `nodir` does not exist"), "{err}");
        assert!(!err.contains(".tmp"), "{err}");
    }
    let (code, _, err) = run(
        &["expand", "k.yaml", "--count", "--emit", "json"],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("'--count' cannot be used with '--emit"),
        "{err}"
    );
}
