//! Broken presets: each folder under `tests/inputs/bad-presets/` is a preset with one defect and a
//! `brief.yaml` using it. The error must point into the template or manifest (file:line:col).
use std::path::PathBuf;

use imgprompt::SourceFile;
use imgprompt::preset::catalog::Catalog;
use imgprompt::targets::OpenAi;
use imgprompt::validate::models::ModelTable;

use crate::common;

#[test]
fn broken_presets_are_reported_with_locations() {
    let base = common::root().join("tests/inputs/bad-presets");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&base)
        .expect("dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10);
    for dir in cases {
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let rel = PathBuf::from("tests/inputs/bad-presets").join(&name);
        let report = match Catalog::load(std::slice::from_ref(&rel)) {
            Err(d) => d.render(false),
            Ok(catalog) => {
                let engine = imgprompt::Engine::with(catalog, ModelTable::builtin())
                    .today(imgprompt::validate::date::Date::parse(common::TODAY).expect("date"));
                let brief = SourceFile::read(&rel.join("brief.yaml"), None).expect("brief");
                match engine.render(&brief, &OpenAi) {
                    Ok(r) => panic!("{name}: expected an error, got {}", r.prompt),
                    Err(d) => d.render(false),
                }
            }
        };
        insta::assert_snapshot!(name, report);
    }
}

/// Runaway templates: each folder under `tests/inputs/sandbox/` is a preset that loops, grows or
/// overflows, most of them without writing a byte. Each render fails quickly with an error that
/// names the limit and points into the template; none runs on or aborts the process.
#[test]
fn runaway_templates_are_stopped_with_the_limit_they_met() {
    // (folder, code, one of the words the message must hold)
    let cases: &[(&str, &str, &[&str])] = &[
        // a debug build may meet the 2 s limit before the 200,000 iterations
        (
            "silent-kept-range",
            "template-limit",
            &["loop iterations", "time limit"],
        ),
        (
            "component-fan-out",
            "template-limit",
            &["component call", "time limit"],
        ),
        (
            "doubling-set",
            "template-limit",
            &["`set s` would hold more than 1048576 bytes"],
        ),
        (
            "shared-list-bomb",
            "template-limit",
            &["`set a` would hold more than"],
        ),
        (
            "captured-growth",
            "template-limit",
            &["produced more than 16777216 bytes"],
        ),
        (
            "comprehension-bomb",
            "template-limit",
            &["a list comprehension would hold more than"],
        ),
        (
            "replace-bomb",
            "template-limit",
            &["`replace` would build a string of 10000000 bytes"],
        ),
        (
            "range-overflow",
            "template-render",
            &["`range` would produce 18446744073709551615 items"],
        ),
    ];
    let base = PathBuf::from("tests/inputs/sandbox");
    let found = std::fs::read_dir(common::root().join(&base))
        .expect("dir")
        .count();
    assert_eq!(found, cases.len(), "every fixture has a case");
    for &(name, code, words) in cases {
        let rel = base.join(name);
        let catalog = Catalog::load(std::slice::from_ref(&rel))
            .unwrap_or_else(|d| panic!("{name}: {}", d.render(false)));
        let engine = imgprompt::Engine::with(catalog, ModelTable::builtin())
            .today(imgprompt::validate::date::Date::parse(common::TODAY).expect("date"));
        let brief = SourceFile::read(&rel.join("brief.yaml"), None).expect("brief");
        let started = std::time::Instant::now();
        let report = match engine.render(&brief, &OpenAi) {
            Ok(r) => panic!("{name}: expected an error, got {} bytes", r.prompt.len()),
            Err(d) => d,
        };
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(5),
            "{name}: took {took:?}"
        );
        let d = report.0.iter().find(|d| d.is_error()).expect("an error");
        let text = report.render(false);
        assert_eq!(d.code, code, "{name}: {text}");
        assert!(
            words.iter().any(|w| d.message.contains(w)),
            "{name}: {text}"
        );
        assert!(
            d.file
                .as_deref()
                .is_some_and(|f| f.ends_with("prompt.tera"))
                && d.location.is_some(),
            "{name}: the error points into the template: {text}"
        );
    }
}

/// A template the sandbox's reader cannot follow is never compiled unmetered; when tera refuses
/// it too (an unclosed loop here), tera's own error is the one shown.
#[test]
fn templates_the_sandbox_cannot_read_are_not_compiled() {
    use imgprompt::prompt::render::{Compiled, TemplateFile};
    let file = TemplateFile {
        name: String::from("t/prompt.tera"),
        text: "Create {% for x in y %}".into(),
        path: String::from("t/prompt.tera"),
    };
    let d = Compiled::new(&[file]).expect_err("unclosed");
    assert_eq!(d[0].code, "template-syntax", "{d:?}");
    assert_eq!(d[0].message, "Unexpected end of input", "{d:?}");
}
