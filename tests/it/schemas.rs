//! The committed JSON Schemas must match what the code generates (like uv's schema check).
use crate::common;

fn assert_fresh(file: &str, generated: &serde_json::Value, command: &str) {
    let path = common::root().join(file);
    let expected = format!(
        "{}\n",
        serde_json::to_string_pretty(generated).expect("json")
    );
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != expected {
        if std::env::var_os("IMGPROMPT_UPDATE_SCHEMAS").is_some() {
            std::fs::write(&path, expected).expect("write schema");
            return;
        }
        panic!(
            "{file} is stale: the types changed but the committed schema did not.\n\
             Regenerate it with:\n\n    {command}\n\n\
             (or run the tests with IMGPROMPT_UPDATE_SCHEMAS=1)"
        );
    }
}

#[test]
fn brief_schema_is_fresh() {
    assert_fresh(
        "schemas/spec.schema.json",
        &imgprompt::brief::schema(),
        "cargo run -q -- schema spec > schemas/spec.schema.json",
    );
}

#[test]
fn params_schemas_are_fresh() {
    let engine = common::engine();
    for preset in engine.catalog().iter() {
        let name = preset.name();
        assert_fresh(
            &format!("schemas/params-{name}.schema.json"),
            &preset.params_schema_document(),
            &format!("cargo run -q -- schema params {name} > schemas/params-{name}.schema.json"),
        );
    }
}

/// The examples validate against the committed schema with an independent validator.
#[test]
fn examples_match_the_committed_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("schemas/spec.schema.json")).expect("schema"),
    )
    .expect("json");
    let validator = jsonschema::validator_for(&schema).expect("compiles");
    for entry in std::fs::read_dir(common::root().join("examples"))
        .expect("examples")
        .flatten()
    {
        let path = entry.path();
        let source = imgprompt::SourceFile::read(&path, None).expect("read");
        let value = source.parse().expect("parses");
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
}

#[test]
fn api_schemas_are_fresh() {
    for (name, schema) in imgprompt::serve::schemas() {
        assert_fresh(
            &format!("schemas/api/{name}.schema.json"),
            &schema,
            "IMGPROMPT_UPDATE_SCHEMAS=1 cargo test --test it schemas",
        );
    }
}
