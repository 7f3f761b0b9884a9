//! Provider truth: every model and literal the SDKs list is accepted (or refused with the SDK's
//! own reason), the hand-written facts never restate generated ones, new parameters render, and
//! an unknown model warns (an error under `--strict`). That the generated facts are fresh and
//! that drift is caught is tested by the xtask that generates them (`xtask/src/tests.rs`).
use imgprompt::SourceFile;
use imgprompt::targets::{OpenAi, OpenAiEdit, Target};
use insta_cmd::assert_cmd_snapshot;
use serde_json::Value;

use crate::common;

/// Leaf paths of a JSON object (`size_rule.min_pixels`).
fn leaves(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(x, &p, out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

#[test]
fn hand_written_facts_never_restate_generated_ones() {
    let hand: Value =
        serde_json::from_str(imgprompt::validate::models::BUILTIN_MODELS).expect("json");
    let generated: Value =
        serde_json::from_str(imgprompt::validate::models::GENERATED_MODELS).expect("json");
    for (model, entry) in hand["models"].as_object().expect("models") {
        let mut paths = Vec::new();
        let mut entry = entry.clone();
        let sources = entry.as_object_mut().expect("entry").remove("sources");
        leaves(&entry, "", &mut paths);
        for p in paths {
            let mut g = &generated["openai"]["models"][model];
            for k in p.split('.') {
                g = &g[k];
            }
            assert!(
                g.is_null(),
                "data/models.json restates `{model}.{p}`, which the SDK states"
            );
            assert!(
                sources.as_ref().is_some_and(|s| s
                    .get(&p)
                    .or_else(|| s.get(p.split('.').next().unwrap_or_default()))
                    .is_some()),
                "data/models.json: `{model}.{p}` has no source"
            );
        }
    }
}

fn brief(model: &str) -> SourceFile {
    SourceFile::new(
        format!("{model}.json"),
        format!(r#"{{"subject": "a lighthouse", "output": {{"model": "{model}"}}}}"#),
        None,
    )
}

/// The ImageModel literals and the deprecation notes, read from the vendored file independently
/// of the sync code.
fn sdk_models() -> (Vec<String>, String) {
    let text = std::fs::read_to_string(
        common::root().join("data/sdk/openai-python-3.57.0/image_model.py"),
    )
    .expect("read");
    let list = text
        .split("Literal[")
        .nth(1)
        .expect("literal")
        .split(']')
        .next()
        .expect("end");
    let ids = list
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    (ids, text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[test]
fn every_sdk_model_is_accepted_or_refused_with_the_sdk_reason() {
    let engine = common::engine();
    let (ids, notes) = sdk_models();
    assert!(ids.len() >= 14, "{ids:?}");
    for id in ids {
        match engine.render(&brief(&id), &OpenAi) {
            Ok(r) => {
                assert_eq!(r.payload.body["model"], id.as_str());
                assert!(
                    r.warnings.iter().all(|w| w.code != "unknown-model"),
                    "{id} is in the SDK but unknown to the table"
                );
            }
            Err(d) => {
                let e =
                    d.0.iter()
                        .find(|e| e.code == "retired-model")
                        .unwrap_or_else(|| panic!("{id}: {}", d.render(false)));
                // the SDK's own words, e.g. "GPT Image 1 was shut down on October 23, 2026."
                let reason = e.message.split(": ").nth(1).expect("reason");
                assert!(
                    notes.contains(reason),
                    "{id}: `{reason}` is not the SDK's text"
                );
            }
        }
    }
}

#[test]
fn every_sdk_literal_is_accepted_by_some_current_model() {
    let engine = common::engine();
    let params: Value =
        serde_json::from_str(imgprompt::validate::models::GENERATED_MODELS).expect("json");
    let deprecated: Vec<&str> = params["openai"]["quality_deprecated"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let models: Vec<String> = engine
        .models()
        .models
        .iter()
        .filter(|(_, r)| r.lifecycle.status == imgprompt::validate::models::Status::Current)
        .map(|(k, _)| k.clone())
        .collect();
    for (param, field) in [
        ("quality", "quality"),
        ("output_format", "format"),
        ("background", "background"),
        ("moderation", "moderation"),
        ("complexity", "complexity"),
    ] {
        for v in params["openai"]["params"]["generations"][param]["values"]
            .as_array()
            .expect("values")
        {
            let v = v.as_str().expect("str");
            if deprecated.contains(&v) {
                continue;
            }
            let extra = match v {
                "transparent" => r#", "format": "png""#,
                _ => "",
            };
            let ok = models.iter().any(|m| {
                let b = SourceFile::new(
                    "b.json",
                    format!(r#"{{"subject": "s", "output": {{"model": "{m}", "{field}": "{v}"{extra}}}}}"#),
                    None,
                );
                engine.render(&b, &OpenAi).is_ok()
            });
            assert!(ok, "no current model accepts {param}={v}");
        }
    }
}

#[test]
fn provider_fixtures_render() {
    let engine = common::engine();
    insta::glob!("../inputs/providers", "*.yaml", |path| {
        let source = SourceFile::read(path, None).expect("fixture");
        let target: &dyn Target = if path.to_string_lossy().contains("edit") {
            &OpenAiEdit
        } else {
            &OpenAi
        };
        let r = engine
            .render(&source, target)
            .unwrap_or_else(|d| panic!("{}", d.render(false)));
        let warnings: Vec<String> = r
            .warnings
            .iter()
            .map(|w| format!("{}: {}", w.code, w.message))
            .collect();
        insta::assert_snapshot!(format!(
            "{}\n--- warnings ---\n{}\n--- cost ---\n{}",
            serde_json::to_string_pretty(&r.payload.body).expect("json"),
            warnings.join("\n"),
            serde_json::to_string(&r.cost).expect("json"),
        ));
    });
}

#[test]
fn wrong_values_for_the_new_parameters_are_refused_with_reasons() {
    let engine = common::engine();
    let cases = [
        (
            r#"{"model": "gpt-image-2", "quality": "xhigh"}"#,
            "output.quality",
            "xhigh",
        ),
        (
            r#"{"format": "gif", "frame_count": 40}"#,
            "output.frame_count",
            "2 to 16",
        ),
        (
            r#"{"format": "png", "frame_count": 4}"#,
            "output.frame_count",
            "only to GIF",
        ),
        (r#"{"format": "svg", "n": 2}"#, "output.n", "n=1"),
        (
            r#"{"format": "svg", "compression": 50}"#,
            "output.compression",
            "SVG",
        ),
        (
            r#"{"format": "gif", "compression": 50}"#,
            "output.compression",
            "GIF",
        ),
        (
            r#"{"format": "svg", "svg": {"model": "m", "reasoning_effort": "extreme"}}"#,
            "output.svg.reasoning_effort",
            "extreme",
        ),
        (
            r#"{"format": "png", "svg": {"model": "m"}}"#,
            "output.svg",
            "only to SVG",
        ),
        (r#"{"complexity": "huge"}"#, "output.complexity", "huge"),
        (
            r#"{"model": "gpt-image-2.6-flare", "size": "1536x864"}"#,
            "output.size",
            "only accepts",
        ),
        (
            r#"{"model": "dall-e-3"}"#,
            "output.model",
            "retired on May 12, 2026",
        ),
    ];
    for (output, path, words) in cases {
        let b = SourceFile::new(
            "b.json",
            format!(r#"{{"subject": "s", "output": {output}}}"#),
            None,
        );
        let d = engine.render(&b, &OpenAi).expect_err(output);
        assert!(
            d.0.iter().any(|e| e.path.as_deref() == Some(path)
                && (e.message.contains(words)
                    || e.help.as_deref().is_some_and(|h| h.contains(words)))),
            "{output}: expected an error at {path} mentioning `{words}`, got:\n{}",
            d.render(false)
        );
    }
    // input_fidelity on gpt-image-2: the SDK says to omit it
    let b = SourceFile::new(
        "b.json",
        r#"{"subject": "s", "inputs": {"images": ["file-abc"]}, "output": {"input_fidelity": "high"}}"#,
        None,
    );
    let d = engine
        .render(&b, &OpenAiEdit)
        .expect_err("gpt-image-2 takes no input_fidelity");
    assert!(
        d.0.iter()
            .any(|e| e.path.as_deref() == Some("output.input_fidelity")),
        "{}",
        d.render(false)
    );
}

#[test]
fn unknown_model_renders_with_a_warning() {
    assert_cmd_snapshot!(
        common::cli().args(["render", "tests/inputs/providers/unknown/gpt-image-3.yaml"])
    );
}

#[test]
fn unknown_model_fails_under_strict() {
    assert_cmd_snapshot!(common::cli().args([
        "--strict",
        "validate",
        "tests/inputs/providers/unknown/gpt-image-3.yaml"
    ]));
}

#[test]
fn near_miss_model_gets_did_you_mean() {
    let engine = common::engine();
    let r = engine
        .render(&brief("gpt-image-2.5-flair"), &OpenAi)
        .expect("renders with a warning");
    let w = r
        .warnings
        .iter()
        .find(|w| w.code == "unknown-model")
        .expect("warning");
    assert!(
        w.help
            .as_deref()
            .is_some_and(|h| h.contains("did you mean `gpt-image-2.5-flare`")),
        "{w:?}"
    );
}
