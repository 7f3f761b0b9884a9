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
    for (name, schema) in imgprompt::app::serve::schemas() {
        assert_fresh(
            &format!("schemas/api/{name}.schema.json"),
            &schema,
            "IMGPROMPT_UPDATE_SCHEMAS=1 cargo test --test it schemas",
        );
    }
}

/// Every brief under `tests/inputs` and `examples`, parsed (those that parse).
fn brief_corpus() -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut dirs = vec![
        common::root().join("tests/inputs"),
        common::root().join("examples"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let Some(format) = imgprompt::Format::from_path(&path) else {
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let lines: Vec<String> = if path.extension().is_some_and(|e| e == "jsonl") {
                text.lines().map(str::to_string).collect()
            } else {
                vec![text]
            };
            for line in lines {
                let source = imgprompt::SourceFile::new("corpus", line, Some(format));
                if let Ok(v @ serde_json::Value::Object(_)) = source.parse() {
                    out.push(v);
                }
            }
        }
    }
    out
}

/// Wrong values for every place of a brief: each mutation of `brief` at one path.
fn mutations(brief: &serde_json::Value) -> Vec<serde_json::Value> {
    use serde_json::json;
    let wrong = [
        json!(null),
        json!(""),
        json!(7),
        json!(2.0),
        json!(-1),
        json!(true),
        json!(["x", 3]),
        json!({"zzz": 1}),
        json!("1024x"),
        json!("3:2"),
        json!(4294967296u64),
    ];
    let mut out = Vec::new();
    let mut stack = vec![(Vec::<String>::new(), brief.clone())];
    while let Some((path, value)) = stack.pop() {
        if let serde_json::Value::Object(m) = &value {
            for (k, v) in m {
                let mut p = path.clone();
                p.push(k.clone());
                stack.push((p, v.clone()));
            }
            let mut with_unknown = brief.clone();
            let target = path
                .iter()
                .try_fold(&mut with_unknown, |v, k| v.get_mut(k.as_str()));
            if let Some(serde_json::Value::Object(t)) = target {
                t.insert("unknown_field".into(), json!("x"));
                out.push(with_unknown);
            }
        }
        if path.is_empty() {
            continue;
        }
        for w in &wrong {
            let mut m = brief.clone();
            if let Some(slot) = path.iter().try_fold(&mut m, |v, k| v.get_mut(k.as_str())) {
                *slot = w.clone();
                out.push(m);
            }
        }
        let mut removed = brief.clone();
        let (last, parents) = path.split_last().expect("non-empty");
        if let Some(serde_json::Value::Object(p)) = parents
            .iter()
            .try_fold(&mut removed, |v, k| v.get_mut(k.as_str()))
        {
            p.remove(last);
            out.push(removed);
        }
    }
    out
}

/// The brief check's fast path (`is_valid`, no error built) and its error path (every error,
/// translated into diagnostics) accept and reject the same briefs, and serde accepts every brief
/// the schema accepts: the fixtures, the examples and
/// some thousands of mutations of them (each field set to a wrong type, a wrong number, an
/// unknown key added, a field removed). A brief refused must always say why.
#[test]
fn the_brief_check_accepts_and_rejects_alike_on_both_paths() {
    let schema = imgprompt::engine::brief_schema();
    let root = imgprompt::brief::source::JsonPath::root();
    let corpus = brief_corpus();
    assert!(corpus.len() >= 40, "corpus of {} briefs", corpus.len());
    let (mut valid, mut invalid) = (0, 0);
    for brief in &corpus {
        for candidate in std::iter::once(brief.clone()).chain(mutations(brief)) {
            let fast = schema.is_valid(&candidate);
            let diagnostics = schema.diagnose(&candidate, &root, None);
            assert_eq!(
                fast,
                diagnostics.is_empty(),
                "the two paths disagree on {candidate:#}: {diagnostics:?}"
            );
            // what the schema accepts, serde accepts too: no brief gets past the located schema
            // check only to fail, without a location, when it becomes a `Brief`
            if fast {
                let typed = serde_json::from_value::<imgprompt::Brief>(candidate.clone());
                assert!(
                    typed.is_ok(),
                    "schema accepts, serde refuses {candidate:#}: {typed:?}"
                );
            }
            if fast { valid += 1 } else { invalid += 1 }
        }
    }
    assert!(
        valid > 300 && invalid > 3000,
        "{valid} valid, {invalid} invalid"
    );
}

/// `n: 2.0` is a whole number to JSON Schema, so to the brief too: the request says `2`; a
/// fraction is refused by the schema with its place.
#[test]
fn whole_numbers_written_with_a_point_are_whole_numbers() {
    let engine = common::engine();
    let ok = imgprompt::SourceFile::new("n.yaml", "subject: a cat\noutput:\n  n: 2.0\n", None);
    let r = engine
        .render(&ok, &imgprompt::targets::OpenAi)
        .expect("renders");
    assert_eq!(r.payload.body["n"], serde_json::json!(2));
    let bad = imgprompt::SourceFile::new("n.yaml", "subject: a cat\noutput:\n  n: 2.5\n", None);
    let e = engine
        .render(&bad, &imgprompt::targets::OpenAi)
        .expect_err("refused");
    let text = e.render(false);
    assert!(
        text.contains("n.yaml:3:6") && text.contains("output.n"),
        "{text}"
    );
}
