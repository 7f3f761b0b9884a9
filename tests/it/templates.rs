//! Broken presets: each folder under `tests/inputs/bad-presets/` is a preset with one defect and a
//! `brief.yaml` using it. The error must point into the template or manifest (file:line:col).
use std::path::PathBuf;

use imgprompt::SourceFile;
use imgprompt::catalog::Catalog;
use imgprompt::models::ModelTable;
use imgprompt::target::OpenAi;

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
                    .today(imgprompt::date::Date::parse(common::TODAY).expect("date"));
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
