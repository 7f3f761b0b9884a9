//! Style libraries: importing each community format (small files written for these tests),
//! applying imported styles on every target, and the documented semantics of Fooocus and
//! AUTOMATIC1111 reproduced exactly.
use imgprompt::preset::styles::{self, ImportFormat, Style};
use serde_json::Value;

use crate::common;

fn import(file: &str, format: &str, dir: &std::path::Path) -> (Value, String) {
    let out = crate::common::succeeds(
        common::cli()
            .args(["styles", "import", file, "--format", format, "--dir"])
            .arg(dir),
    );
    let stem = std::path::Path::new(file)
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let pack = std::fs::read_to_string(dir.join(format!("{stem}.json"))).expect("pack");
    (
        serde_json::from_str(&pack).expect("json"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn each_format_imports_and_reports_what_it_could_not_map() {
    let dir = std::env::temp_dir().join(format!("imgprompt-styles-{}", std::process::id()));
    let (f, log) = import("tests/inputs/styles/fooocus.json", "fooocus", &dir);
    assert_eq!(f["styles"].as_array().expect("styles").len(), 3);
    assert_eq!(
        f["styles"][0]["prompt"],
        "cinematic still {prompt} . sharp focus, high contrast"
    );
    assert!(
        log.contains("Test Extra: field `thumbnail` has no equivalent"),
        "{log}"
    );
    let (a, log) = import("tests/inputs/styles/a1111.csv", "a1111", &dir);
    let names: Vec<&str> = a["styles"]
        .as_array()
        .expect("styles")
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, ["Dusty Film", "Bright Poster", "Two Lines"]);
    assert_eq!(
        a["styles"][0]["negative_prompt"], "digital, \"clean\" look",
        "quoted fields, doubled quotes"
    );
    assert_eq!(
        a["styles"][2]["prompt"], "{prompt}, morning light\nsoft haze",
        "a newline inside quotes"
    );
    assert!(log.contains("column `notes` has no equivalent"), "{log}");
    let (s, _) = import("tests/inputs/styles/styler.json", "styler", &dir);
    assert_eq!(s["styles"].as_array().expect("styles").len(), 2);

    // imported styles apply by name, on every target, combined in order
    let brief = dir.join("brief.yaml");
    std::fs::write(
        &brief,
        "preset: poster\nsubject: a jazz night\nstyle: {apply: [Test Sharp, styler-origami, Dusty Film]}\ntext: {headline: Blue Notes}\navoid: [clutter]\n",
    )
    .expect("write");
    let mut snap = String::new();
    for target in ["openai", "stability", "flux", "gemini", "midjourney"] {
        let out = common::cli()
            .arg("--styles")
            .arg(&dir)
            .args(["render", "--target", target])
            .arg(&brief)
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        snap.push_str(&format!(
            "== {target}\n{}",
            String::from_utf8_lossy(&out.stdout)
        ));
    }
    insta::assert_snapshot!(snap);
    std::fs::remove_dir_all(&dir).ok();
}

fn style(prompt: &str, negative: &str) -> Style {
    Style {
        name: String::from("s"),
        prompt: prompt.into(),
        negative_prompt: negative.into(),
        tags: Vec::new(),
    }
}

/// Fooocus: `p.replace('{prompt}', positive).splitlines()` per style, in order.
#[test]
fn fooocus_semantics() {
    let sharp = style("cinematic still {prompt} . sharp focus", "blurry");
    let ink = style("ink drawing of {prompt}\ncross-hatching", "colour");
    let (p, n) = styles::apply_fooocus(&[&sharp, &ink], "a fox");
    assert_eq!(
        p,
        [
            "cinematic still a fox . sharp focus",
            "ink drawing of a fox",
            "cross-hatching"
        ]
    );
    assert_eq!(n, ["blurry", "colour"]);
}

/// AUTOMATIC1111: the slot takes the prompt; without one the style is appended after `, `;
/// styles apply one after another, negatives the same way.
#[test]
fn a1111_semantics() {
    let slot = style("{prompt}, 35mm film", "digital");
    let plain = style("bold flat colours", "");
    assert_eq!(
        styles::apply_a1111(&[&slot, &plain], "a fox", "blur"),
        (
            String::from("a fox, 35mm film, bold flat colours"),
            String::from("blur, digital")
        )
    );
    assert_eq!(
        styles::apply_a1111(&[&plain], "", ""),
        (String::from("bold flat colours"), String::new())
    );
}

/// A style that forbids text, next to a headline, is a lint finding.
#[test]
fn a_no_text_style_next_to_a_headline_is_a_finding() {
    let dir = std::env::temp_dir().join(format!("imgprompt-styles-lint-{}", std::process::id()));
    import("tests/inputs/styles/fooocus.json", "fooocus", &dir);
    let brief = dir.join("b.yaml");
    std::fs::write(
        &brief,
        "preset: poster\nsubject: a fair\nstyle: {apply: [Test Ink]}\ntext: {headline: Open Day}\n",
    )
    .expect("write");
    let out = common::cli()
        .arg("--styles")
        .arg(&dir)
        .arg("lint")
        .arg(&brief)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("text-vs-no-text"), "{text}");
    let _ = ImportFormat::Fooocus;
    std::fs::remove_dir_all(&dir).ok();
}
