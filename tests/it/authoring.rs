//! Preset authoring on the real binary: `new preset`, `test` (pass, diff, accept, pending, CI),
//! fixture assertions, user presets overriding built-ins, and the built-in presets' own fixtures.
use std::path::Path;

use insta_cmd::assert_cmd_snapshot;

use crate::common::cli;

fn run_in(dir: &Path, args: &[&str], ci: bool) -> (i32, String) {
    let mut cmd = cli();
    cmd.current_dir(dir).args(args);
    if ci {
        cmd.env("CI", "true");
    } else {
        cmd.env_remove("CI");
    }
    let out = cmd.output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The README's authoring walkthrough: new, edit, see the diff fail, accept, pass.
#[test]
fn new_edit_fail_accept_pass() {
    let dir = std::env::temp_dir().join(format!("imgprompt-authoring-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let (code, out) = run_in(&dir, &["new", "preset", "recipe"], false);
    assert_eq!(code, 0, "{out}");
    let (code, out) = run_in(&dir, &["test", "presets"], true);
    assert_eq!(code, 0, "a new preset passes at once: {out}");
    assert!(out.ends_with("1 passed, 0 failed\n"), "{out}");

    let template = dir.join("presets/recipe/prompt.tera");
    let text = std::fs::read_to_string(&template)
        .expect("template")
        .replace("seen from", "viewed from");
    std::fs::write(&template, text).expect("edit");
    let (code, out) = run_in(&dir, &["test", "presets"], false);
    assert_eq!(code, 1);
    assert!(
        out.contains("- Create an image of a first test subject, seen from a low angle")
            && out.contains("+ Create an image of a first test subject, viewed from a low angle"),
        "{out}"
    );
    assert!(
        dir.join("presets/recipe/fixtures/snapshots/example.snap.new")
            .is_file()
    );
    assert!(out.ends_with("0 passed, 1 failed\n"), "{out}");

    let (code, _) = run_in(&dir, &["test", "presets", "--accept"], false);
    assert_eq!(code, 0);
    assert!(
        !dir.join("presets/recipe/fixtures/snapshots/example.snap.new")
            .exists()
    );
    let (code, out) = run_in(&dir, &["test", "presets"], true);
    assert_eq!(code, 0, "{out}");

    // a new fixture without a snapshot: pending locally, a failure in CI
    std::fs::write(
        dir.join("presets/recipe/fixtures/second.yaml"),
        "preset: recipe\nsubject: soup\n",
    )
    .expect("fixture");
    let (code, out) = run_in(&dir, &["test", "presets"], false);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 new snapshot pending"), "{out}");
    let (code, out) = run_in(&dir, &["test", "presets"], true);
    assert_eq!(code, 1, "{out}");

    // assertions
    std::fs::write(
        dir.join("presets/recipe/fixtures/example.assert.yaml"),
        "contains: [viewed]\nnot_contains: [seen]\nregex: ['\"Hello\"']\nmax_length: 50\n",
    )
    .expect("assert");
    let (code, out) = run_in(&dir, &["test", "presets"], false);
    assert_eq!(code, 1);
    assert!(out.contains("more than max_length 50"), "{out}");

    // `--from` extends a built-in; a user preset named like a built-in overrides it
    let (code, out) = run_in(
        &dir,
        &["new", "preset", "poster", "--from", "poster"],
        false,
    );
    assert_eq!(code, 0, "{out}");
    let (_, out) = run_in(&dir, &["presets", "list"], false);
    assert!(
        out.contains("presets/poster, overrides built-in, extends poster"),
        "{out}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn new_preset_refuses_bad_names_and_existing_folders() {
    assert_cmd_snapshot!(cli().args(["new", "preset", "bad name"]));
    assert_cmd_snapshot!(cli().args([
        "new",
        "preset",
        "x",
        "--dir",
        "templates",
        "--from",
        "postr"
    ]));
}

/// Every built-in preset's fixtures match their committed snapshots (in CI mode).
#[test]
fn builtin_preset_fixtures_pass() {
    let (code, out) = run_in(&crate::common::root(), &["test", "templates"], true);
    assert_eq!(code, 0, "{out}");
    for preset in [
        "basic",
        "poster",
        "product",
        "ui",
        "ad",
        "social",
        "typography",
    ] {
        assert!(
            out.contains(&format!("templates/{preset}/fixtures/")),
            "{preset} has no fixture:\n{out}"
        );
    }
}

/// A preset that only extends (no template of its own) can itself be extended, whatever order
/// the folders load in: `aaa` extends `zzz` extends `poster` renders with the poster's template,
/// and so does a preset extending a user `poster` that extends the built-in one.
#[test]
fn chains_of_presets_that_only_extend_render_in_any_load_order() {
    let dir = std::env::temp_dir().join(format!("imgprompt-chain-{}", std::process::id()));
    let presets = dir.join("presets");
    // (preset, what it extends), and the preset the brief uses
    let chains: [(&[(&str, &str)], &str); 2] = [
        (&[("aaa", "zzz"), ("zzz", "poster")], "aaa"),
        // a user `poster` shadowing the built-in by extending it, and a preset extending that
        (&[("poster", "poster"), ("fancy", "poster")], "fancy"),
    ];
    for (chain, used) in chains {
        std::fs::remove_dir_all(&presets).ok();
        for (name, parent) in chain {
            std::fs::create_dir_all(presets.join(name)).expect("dir");
            std::fs::write(
                presets.join(name).join("preset.yaml"),
                format!("name: {name}\ndescription: {name}\nextends: {parent}\n"),
            )
            .expect("write");
        }
        std::fs::write(
            dir.join("brief.yaml"),
            format!("preset: {used}\nsubject: a jazz night\ntext:\n  headline: Blue Notes\n"),
        )
        .expect("write");
        let (code, out) = run_in(&dir, &["render", "brief.yaml", "--emit", "prompt"], false);
        assert_eq!(code, 0, "{used}: {out}");
        assert!(out.contains("\"Blue Notes\""), "{used}: {out}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
