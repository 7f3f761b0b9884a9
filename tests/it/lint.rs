//! `imgprompt lint`: one fixture per rule under `tests/inputs/lint/`, each written to trigger its
//! rule; the findings are snapshotted. Rules the engine makes impossible to trigger through a
//! brief (text missing from the prompt, prompt over the cap) are proven on a tampered rendering.
use imgprompt::SourceFile;
use imgprompt::lint::{LintTable, RULES, lint};
use imgprompt::targets::OpenAi;
use insta_cmd::assert_cmd_snapshot;

use crate::common::{self, cli};

#[test]
fn each_rule_fires_on_its_fixture() {
    insta::glob!("../inputs/lint", "*.yaml", |path| {
        let rel = path
            .strip_prefix(common::root())
            .expect("inside")
            .display()
            .to_string();
        let rule = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        // a first line `# args: --target flux` lints for another target (a family rule)
        let text = std::fs::read_to_string(path).expect("fixture");
        let extra: Vec<&str> = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# args:"))
            .map(|a| a.split_whitespace().collect())
            .unwrap_or_default();
        let out = cli()
            .args(["lint", "--presets", "tests/inputs/lint/presets"])
            .args(&extra)
            .arg(&rel)
            .output()
            .expect("run");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            stdout.contains(&format!("[{rule}]")),
            "{rule} did not fire:\n{stdout}"
        );
        let is_error = RULES
            .iter()
            .find(|r| r.id == rule)
            .expect("a rule per fixture")
            .severity
            == imgprompt::Severity::Error;
        assert_eq!(
            out.status.code(),
            Some(if is_error { 1 } else { 0 }),
            "{stdout}"
        );
        insta::assert_snapshot!(stdout);
    });
}

#[test]
fn rules_are_listed() {
    assert_cmd_snapshot!(cli().args(["lint", "--rules"]));
}

#[test]
fn shipped_examples_are_lint_clean() {
    let out = cli()
        .args([
            "lint",
            "examples/poster-future-forms.yaml",
            "examples/product-water-bottle.yaml",
            "examples/ui-finance-dashboard.json",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("0 errors, 0 warnings"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn json_output() {
    assert_cmd_snapshot!(cli().args([
        "lint",
        "--format",
        "json",
        "tests/inputs/lint/contradiction.yaml"
    ]));
}

/// The engine never lets a template drop or alter exact text, and refuses prompts over the cap;
/// the rules still prove it on a tampered rendering.
#[test]
fn missing_text_and_cap_on_a_tampered_rendering() {
    let engine = common::engine();
    let source = SourceFile::read(
        &common::root().join("examples/poster-future-forms.yaml"),
        None,
    )
    .expect("brief");
    let mut r = engine.render(&source, &OpenAi).expect("renders");
    r.prompt = r.prompt.replace("Future Forms\"", "Future Form\"") + &" more".repeat(7000);
    let findings = lint(&engine, &source, &r, &LintTable::builtin());
    let ids: Vec<&str> = findings.iter().map(|d| d.code.as_str()).collect();
    assert!(ids.contains(&"exact-text-missing"), "{ids:?}");
    assert!(ids.contains(&"prompt-over-cap"), "{ids:?}");
    assert!(ids.contains(&"prompt-long"), "{ids:?}");
}

/// `dangling-separator` catches every bad separator on a tampered prompt, and not an ellipsis.
#[test]
fn dangling_separator_catches_every_bad_separator() {
    let engine = common::engine();
    let source = SourceFile::read(
        &common::root().join("examples/poster-future-forms.yaml"),
        None,
    )
    .expect("brief");
    let clean = engine.render(&source, &OpenAi).expect("renders");
    assert!(
        lint(&engine, &source, &clean, &LintTable::builtin())
            .iter()
            .all(|d| d.code != "dangling-separator")
    );
    for bad in [
        "soft light..",
        "top heavy. ; sky",
        "sky; . Style",
        "glossy,. steam",
        "glossy , steam",
        "sky. . Style",
    ] {
        let mut r = engine.render(&source, &OpenAi).expect("renders");
        r.prompt = format!("{} {bad} end.", r.prompt);
        let found = lint(&engine, &source, &r, &LintTable::builtin())
            .iter()
            .any(|d| d.code == "dangling-separator");
        assert!(found, "`{bad}` is not flagged");
    }
    let mut r = engine.render(&source, &OpenAi).expect("renders");
    r.prompt = format!("{} Wait... then go.", r.prompt);
    assert!(
        lint(&engine, &source, &r, &LintTable::builtin())
            .iter()
            .all(|d| d.code != "dangling-separator"),
        "an ellipsis is not a dangling separator"
    );
}

/// An Instagram feed takes 1:1 and any ratio from 4:5 to 1.91:1 (Meta's media requirements):
/// a 4:5 feed ad is no finding, a 2:3 one is.
#[test]
fn an_instagram_feed_takes_four_by_five() {
    let engine = common::engine();
    let table = LintTable::builtin();
    let finds = |size: &str| {
        let brief = format!(
            "preset: social\nsubject: a sale\ncontext:\n  channel: Instagram feed\noutput:\n  size: {size}\n"
        );
        let source = SourceFile::new("feed.yaml", brief, None);
        let r = engine.render(&source, &OpenAi).expect("renders");
        lint(&engine, &source, &r, &table)
            .iter()
            .any(|d| d.code == "context-size")
    };
    assert!(!finds("1024x1024"));
    assert!(!finds("1024x1280"), "4:5 is a feed format");
    assert!(!finds("1536x1024"), "3:2 is inside 1.91:1");
    assert!(finds("1024x1536"), "2:3 is taller than 4:5");
}

/// The tool's own repeated words ("small type" beside each small text) are no duplicate phrase,
/// and a finding in another family's prompt says whose prompt it is.
#[test]
fn the_tools_words_repeat_and_findings_name_the_family() {
    let engine = common::engine();
    let table = LintTable::builtin();
    let source = SourceFile::new(
        "d.yaml",
        "preset: poster\nsubject: a fair\nstyle: {lighting: soft light}\ntext:\n  date: May 5\n  venue: The Hall\n  body: Come along\n",
        None,
    );
    let r = engine
        .render(&source, &imgprompt::targets::Midjourney)
        .expect("renders");
    assert!(r.prompt.matches("small type").count() >= 3, "{}", r.prompt);
    assert!(
        lint(&engine, &source, &r, &table)
            .iter()
            .all(|d| d.code != "duplicate-phrase"),
        "{}",
        r.prompt
    );
    let out = cli()
        .args([
            "lint",
            "--target",
            "flux",
            "--format",
            "json",
            "tests/inputs/lint/family-length.yaml",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\"file\":\"flux prompt of tests/inputs/lint/family-length.yaml\""),
        "{text}"
    );
}
