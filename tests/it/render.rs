//! Every fixture under `tests/inputs/render/` renders; its prompt, payload and warnings are
//! snapshotted, and every payload passes the official OpenAI request schema (checked here with an
//! independent validator, not the library's).
use std::path::Path;
use std::sync::OnceLock;

use imgprompt::SourceFile;
use imgprompt::targets::OpenAi;

use crate::common;

fn official_schema() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let text = std::fs::read_to_string(
            common::root().join("schemas/targets/openai-images-generations.schema.json"),
        )
        .expect("schema file");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("schema JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    })
}

/// Asserts the payload passes the official `CreateImageRequest` schema.
pub fn assert_official(body: &serde_json::Value) {
    let errors: Vec<String> = official_schema()
        .iter_errors(body)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "payload fails the official schema: {errors:?}\n{body:#}"
    );
}

fn relative(path: &Path) -> String {
    path.strip_prefix(common::root())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn fixtures_render() {
    let engine = common::engine();
    insta::glob!("../inputs/render", "*.*", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let source = SourceFile::new(relative(path), text, imgprompt::Format::from_path(path));
        let r = match engine.render(&source, &OpenAi) {
            Ok(r) => r,
            Err(d) => panic!("{} should render:\n{}", relative(path), d.render(false)),
        };
        assert_official(&r.payload.body);
        assert_eq!(
            r.payload.body["prompt"], r.prompt,
            "payload carries the prompt unchanged"
        );
        // every exact text is in the prompt, verbatim and quoted
        for (role, value) in &r.brief.text {
            for entry in value.entries() {
                let c = entry.content();
                let quoted = if c.contains('"') {
                    format!("“{c}”")
                } else {
                    format!("\"{c}\"")
                };
                assert!(r.prompt.contains(&quoted), "{role} missing");
            }
        }
        let mut snap = format!("preset: {}\n", r.preset);
        for w in &r.warnings {
            snap.push_str(&format!("{}\n", w.render(false)));
        }
        snap.push_str(&format!(
            "--- prompt ({} chars) ---\n{}\n",
            r.prompt.chars().count(),
            r.prompt
        ));
        snap.push_str(&format!(
            "--- payload ---\n{}\n",
            serde_json::to_string_pretty(&r.payload.body).expect("json")
        ));
        insta::assert_snapshot!(snap);
    });
}

/// The three briefs of the product page carry every part of the brief into the prompt.
#[test]
fn product_page_briefs_carry_every_part() {
    let engine = common::engine();
    let cases: &[(&str, &[&str])] = &[
        (
            "examples/poster-future-forms.yaml",
            &[
                "cinematic event poster",
                "a design conference called Future Forms",
                "cool white lighting",
                "bold, readable typography",
                "a clean stage scene",
                "strong empty space for sponsor logos",
                "the headline \"Future Forms\" (largest type)",
            ],
        ),
        (
            "examples/product-water-bottle.yaml",
            &[
                "premium ecommerce product photograph",
                "a matte black water bottle",
                "soft studio lighting",
                "realistic shadows",
                "a stone surface",
                "a minimal background",
                "\"NORTHWIND\"",
                "crisp label text",
                "ecommerce product page",
            ],
        ),
        (
            "examples/ui-finance-dashboard.json",
            &[
                "polished mobile UI mockup",
                "a personal finance app dashboard",
                "calm and professional",
                "spending cards at the top, chart modules in the middle, bottom navigation",
                "\"Overview\"",
                "the labels \"Spending\", \"Budget\" and \"Savings\"",
                "app store screenshot",
                "mobile",
            ],
        ),
    ];
    for (file, parts) in cases {
        let path = common::root().join(file);
        let source = SourceFile::read(&path, None).expect("example");
        let r = engine.render(&source, &OpenAi).expect("renders");
        for part in *parts {
            assert!(
                r.prompt.contains(part),
                "{file}: prompt lacks {part:?}\n{}",
                r.prompt
            );
        }
        assert!(
            !r.prompt.contains("  ") && !r.prompt.contains(" ,") && !r.prompt.contains(",,"),
            "{}",
            r.prompt
        );
        assert_official(&r.payload.body);
    }
}
