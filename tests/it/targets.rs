//! Every target builds a payload that passes its own schema (checked here by an independent
//! validator over the files in `schemas/targets/`), for every fixture in `tests/inputs/targets/`;
//! and the hand-off snippets run: Python compiles, JavaScript parses, curl reaches a local server
//! with exactly the payload.

use imgprompt::SourceFile;

use crate::common;

/// An independent validator for the schema a payload names: the committed file, or for the
/// OpenAI endpoints the official snapshot with the SDK's parameters laid over it.
fn validator(schema: imgprompt::validate::TargetSchema) -> jsonschema::Validator {
    use imgprompt::validate::TargetSchema;
    let doc = if matches!(
        schema,
        TargetSchema::OpenAiGenerations | TargetSchema::OpenAiEdits
    ) {
        schema.document()
    } else {
        serde_json::from_str(
            &std::fs::read_to_string(common::root().join(schema.file())).expect("schema"),
        )
        .expect("json")
    };
    jsonschema::validator_for(&doc).expect("compiles")
}

#[test]
fn every_target_payload_passes_its_schema() {
    let engine = common::engine();
    insta::glob!("../inputs/targets", "*.*", |path| {
        let source = SourceFile::read(path, None).expect("fixture");
        let mut snap = String::new();
        for target in imgprompt::targets::all() {
            // every Imagen model is shut down: today it is refused (see
            // `imagen_is_refused_with_its_replacement`); its payload shape is checked on a day the
            // models still served requests
            let live = common::engine()
                .today(imgprompt::validate::date::Date::parse("2026-06-01").expect("date"));
            let engine = if target.name() == "imagen" {
                &live
            } else {
                &engine
            };
            let r = engine.render(&source, target.as_ref()).unwrap_or_else(|d| {
                panic!(
                    "{} / {}:\n{}",
                    path.display(),
                    target.name(),
                    d.render(false)
                )
            });
            let v = validator(r.payload.schema);
            let errors: Vec<String> = v
                .iter_errors(&r.payload.body)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{}: {errors:?}", target.name());
            // exact text reaches every target's prompt
            for value in r.brief.text.values() {
                for entry in value.entries() {
                    assert!(
                        serde_json::to_string(&r.payload.body)
                            .expect("json")
                            .contains(
                                &serde_json::to_string(entry.content())
                                    .expect("json")
                                    .trim_matches('"')
                                    .to_string()
                            )
                    );
                }
            }
            snap.push_str(&format!(
                "== {} {} {}\n",
                target.name(),
                r.payload.method,
                r.payload.url
            ));
            for w in &r.warnings {
                snap.push_str(&format!("warning[{}]: {}\n", w.code, w.message));
            }
            snap.push_str(&serde_json::to_string_pretty(&r.payload.body).expect("json"));
            snap.push('\n');
        }
        insta::assert_snapshot!(snap);
    });
}

#[test]
fn imagen_is_refused_with_its_replacement() {
    let out = common::cli()
        .args(["render", BRIEF, "--target", "imagen"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error[retired-model]") && err.contains("2026-08-17"),
        "{err}"
    );
    assert!(err.contains("--target gemini"), "{err}");
}

#[test]
fn gemini_takes_current_models_and_image_size() {
    let engine = common::engine();
    let brief = |model: &str, size: &str| {
        SourceFile::new(
            "g.json",
            format!(
                r#"{{"subject": "a lighthouse", "output": {{"model": "{model}", "size": "{size}"}}}}"#
            ),
            None,
        )
    };
    let r = engine
        .render(
            &brief("gemini-3-pro-image", "3840x2160"),
            &imgprompt::targets::Gemini,
        )
        .expect("renders");
    assert_eq!(
        r.payload.body["generationConfig"]["imageConfig"]["imageSize"],
        "4K"
    );
    assert_eq!(
        r.payload.body["generationConfig"]["imageConfig"]["aspectRatio"],
        "16:9"
    );
    assert_eq!(r.payload.body["contents"][0]["role"], "user");
    assert!(
        r.payload
            .url
            .ends_with("/v1/models/gemini-3-pro-image:generateContent"),
        "{}",
        r.payload.url
    );
    let r = engine
        .render(
            &brief("gemini-3.1-flash-image", "1024x1024"),
            &imgprompt::targets::Gemini,
        )
        .expect("renders");
    assert_eq!(
        r.payload.body["generationConfig"]["imageConfig"]["imageSize"],
        "1K"
    );
    let d = engine
        .render(
            &brief("gemini-2.5-flash-image", "1024x1024"),
            &imgprompt::targets::Gemini,
        )
        .expect_err("shut down 2026-10-02");
    assert!(
        d.0.iter()
            .any(|e| e.code == "retired-model" && e.message.contains("2026-10-02"))
    );
    // an OpenAI model in the brief is not silently swapped: a warning names it
    let r = engine
        .render(
            &brief("gpt-image-2", "1024x1024"),
            &imgprompt::targets::Gemini,
        )
        .expect("renders");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.path.as_deref() == Some("output.model"))
    );
}

/// The Google REST fields the targets send are the camelCase of fields of the vendored SDK
/// classes (`ImageConfig.aspect_ratio` → `aspectRatio`).
#[test]
fn google_rest_field_names_match_the_sdk_classes() {
    let sdk = std::fs::read_to_string(
        common::root().join("data/sdk/google-genai-3.6.1/types_image_excerpt.py"),
    )
    .expect("sdk excerpt");
    let fields_of = |class: &str| -> Vec<String> {
        let start = sdk.find(&format!("class {class}(")).expect("class");
        let body = &sdk[start..];
        let end = body[1..].find("\nclass ").map_or(body.len(), |i| i + 1);
        body[..end]
            .lines()
            .filter_map(|l| {
                l.strip_prefix("  ")?
                    .split_once(": ")
                    .map(|(k, _)| k.trim().to_string())
            })
            .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .collect()
    };
    let camel = |s: &str| {
        let mut out = String::new();
        let mut up = false;
        for c in s.chars() {
            if c == '_' {
                up = true;
            } else if up {
                out.push(c.to_ascii_uppercase());
                up = false;
            } else {
                out.push(c);
            }
        }
        out
    };
    let image_config: Vec<String> = fields_of("ImageConfig").iter().map(|f| camel(f)).collect();
    let images_config: Vec<String> = fields_of("GenerateImagesConfig")
        .iter()
        .map(|f| camel(f))
        .collect();
    assert!(
        image_config.contains(&String::from("imageSize")),
        "{image_config:?}"
    );
    let engine = common::engine();
    let source = SourceFile::read(&common::root().join(BRIEF), None).expect("brief");
    let r = engine
        .render(&source, &imgprompt::targets::Gemini)
        .expect("gemini");
    for key in r.payload.body["generationConfig"]["imageConfig"]
        .as_object()
        .expect("imageConfig")
        .keys()
    {
        assert!(
            image_config.contains(key),
            "gemini sends imageConfig.{key}, which ImageConfig does not have"
        );
    }
    // the rest of generationConfig are fields of GenerateContentConfig (the excerpt copies
    // `seed`, the one the brief sets; responseModalities and imageConfig are not copied)
    let content_config: Vec<String> = fields_of("GenerateContentConfig")
        .iter()
        .map(|f| camel(f))
        .collect();
    assert!(r.payload.body["generationConfig"]["seed"].is_u64());
    for key in r.payload.body["generationConfig"]
        .as_object()
        .expect("generationConfig")
        .keys()
    {
        if key == "responseModalities" || key == "imageConfig" {
            continue;
        }
        assert!(
            content_config.contains(key),
            "gemini sends generationConfig.{key}, which GenerateContentConfig does not have"
        );
    }
    let live =
        common::engine().today(imgprompt::validate::date::Date::parse("2026-06-01").expect("date"));
    let r = live
        .render(&source, &imgprompt::targets::Imagen)
        .expect("imagen");
    for key in r.payload.body["parameters"]
        .as_object()
        .expect("parameters")
        .keys()
    {
        // the one REST name the SDK renames: number_of_images is sent as sampleCount
        if key == "sampleCount" {
            assert!(images_config.contains(&String::from("numberOfImages")));
            continue;
        }
        assert!(
            images_config.contains(key),
            "imagen sends parameters.{key}, which GenerateImagesConfig does not have"
        );
    }
}

/// Every Google model id the vendored SDK names is in a Google target's table, with a lifecycle.
#[test]
fn every_google_model_the_sdk_names_is_known() {
    let names = std::fs::read_to_string(
        common::root().join("data/sdk/google-genai-3.6.1/model-names-mentioned.txt"),
    )
    .expect("names");
    let limits: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("data/targets.json")).expect("limits"),
    )
    .expect("json");
    for id in names
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let entry = &limits["gemini"]["models"][id];
        let entry = if entry.is_null() {
            &limits["imagen"]["models"][id]
        } else {
            entry
        };
        assert!(
            entry["lifecycle"]["status"].is_string(),
            "{id} is in google-genai 3.6.1 but in no Google target"
        );
    }
    // the SDK's aspect ratios and image sizes are the targets'
    let generated: serde_json::Value =
        serde_json::from_str(imgprompt::validate::models::GENERATED_MODELS).expect("json");
    assert_eq!(
        limits["gemini"]["aspect_ratios"],
        generated["google"]["generate_content"]["aspect_ratios"]
    );
    assert_eq!(
        limits["imagen"]["aspect_ratios"],
        generated["google"]["generate_images"]["aspect_ratios"]
    );
}

#[test]
fn avoid_list_goes_where_each_target_wants_it() {
    let engine = common::engine();
    let source = SourceFile::read(
        &common::root().join("tests/inputs/targets/square-with-avoid.yaml"),
        None,
    )
    .expect("fixture");
    let by = |t: &dyn imgprompt::targets::Target| engine.render(&source, t).expect("renders");
    let openai = by(&imgprompt::targets::OpenAi);
    assert!(openai.prompt.contains("Avoid chopsticks, text and steam."));
    let stability = by(&imgprompt::targets::Stability);
    assert!(!stability.prompt.contains("Avoid"));
    assert_eq!(
        stability.payload.body["negative_prompt"],
        "chopsticks, text, steam"
    );
    let mj = by(&imgprompt::targets::Midjourney);
    assert!(
        mj.payload.body["prompt"]
            .as_str()
            .expect("prompt")
            .ends_with("--ar 1:1 --no chopsticks, text, steam --seed 7 --v 8.1")
    );
}

fn emit(args: &[&str]) -> String {
    let out = common::cli().args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

const BRIEF: &str = "tests/inputs/targets/poster-all-targets.yaml";

#[test]
fn python_and_js_snippets_compile() {
    let dir = std::env::temp_dir().join(format!("imgprompt-handoff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for target in ["openai", "stability", "flux", "gemini", "openai-edit"] {
        let py = dir.join(format!("{target}.py"));
        std::fs::write(
            &py,
            emit(&["render", BRIEF, "--target", target, "--emit", "python"]),
        )
        .expect("write");
        let status = std::process::Command::new("python3")
            .args(["-m", "py_compile"])
            .arg(&py)
            .status()
            .expect("python3 runs");
        assert!(status.success(), "{target}: python does not compile");
        // one program for both module systems: it parses as an ES module and as CommonJS (no
        // `import` statement, no top-level `await`)
        let js_text = emit(&["render", BRIEF, "--target", target, "--emit", "js"]);
        for ext in ["mjs", "cjs"] {
            let js = dir.join(format!("{target}.{ext}"));
            std::fs::write(&js, &js_text).expect("write");
            match std::process::Command::new("node")
                .arg("--check")
                .arg(&js)
                .status()
            {
                Ok(status) => assert!(
                    status.success(),
                    "{target}: javascript does not parse as .{ext}"
                ),
                Err(e) => panic!("node is needed for this test (.ci/run installs it): {e}"),
            }
        }
        let sh = dir.join(format!("{target}.sh"));
        std::fs::write(
            &sh,
            emit(&["render", BRIEF, "--target", target, "--emit", "curl"]),
        )
        .expect("write");
        let status = std::process::Command::new("sh")
            .arg("-n")
            .arg(&sh)
            .status()
            .expect("sh");
        assert!(status.success(), "{target}: shell syntax");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Target limits are data: a team can change them without recompiling.
#[test]
fn target_limits_can_be_overridden() {
    let dir = std::env::temp_dir().join(format!("imgprompt-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("limits.json");
    std::fs::write(
        &file,
        r#"{"flux": {"models": {"flux-pro-1.1": {"multiple_of": 32, "min": 256, "max": 768}}}}"#,
    )
    .expect("write");
    let out = crate::common::succeeds(
        common::cli()
            .args([
                "render",
                "examples/poster-future-forms.yaml",
                "--target",
                "flux",
                "--target-limits",
            ])
            .arg(&file),
    );
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(body["height"], 768, "{body}");
    std::fs::remove_dir_all(&dir).ok();
}

/// The line `--emit prompt` prints for Midjourney is the one to paste: every parameter, the
/// avoid list as `--no`; versions as numbers or strings read the same; V8.1 is known.
#[test]
fn midjourney_paste_line_carries_every_parameter() {
    let run = |targets: &str| {
        let dir = std::env::temp_dir().join(format!(
            "imgprompt-mj-{}-{}",
            std::process::id(),
            targets.len()
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let brief = dir.join("b.yaml");
        std::fs::write(
            &brief,
            format!("subject: a fox in snow\navoid: [text, watermark]\noutput: {{seed: 3, aspect_ratio: \"16:9\"}}\ntargets:\n  midjourney: {targets}\n"),
        )
        .expect("write");
        let out = common::cli()
            .args(["render", "--target", "midjourney", "--emit", "prompt"])
            .arg(&brief)
            .output()
            .expect("run");
        std::fs::remove_dir_all(&dir).ok();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).trim().to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, line, _) = run("{v: 6, stylize: 250}");
    assert_eq!(code, Some(0));
    assert!(
        line.ends_with("--ar 16:9 --no text, watermark --seed 3 --stylize 250 --v 6"),
        "{line}"
    );
    assert_eq!(
        run("{v: \"6\", stylize: \"250\"}").1,
        line,
        "numbers and strings read the same"
    );
    let (_, default, _) = run("{}");
    assert!(default.ends_with("--v 8.1"), "{default}");
    assert!(run("{v: 8}").1.ends_with("--v 8"));
    let (code, _, err) = run("{v: 9}");
    assert_eq!(code, Some(1));
    assert!(
        err.contains("unknown Midjourney version `9`") && err.contains("8.1"),
        "{err}"
    );
}

/// FLUX fields follow each model's schema: FLUX.2 [pro] takes safety_tolerance 0–5 and webp, and
/// has no prompt_upsampling; its price is the published per-megapixel one.
#[test]
fn flux_fields_follow_each_model() {
    let engine = common::engine();
    let brief = |model: &str, extra: &str, targets: &str| {
        SourceFile::new(
            "f.json",
            format!(
                r#"{{"subject": "a fox", "output": {{"model": "{model}", "size": "1024x1024"{extra}}}, "targets": {{"flux": {targets}}}}}"#
            ),
            None,
        )
    };
    let flux = imgprompt::targets::Flux;
    let d = engine
        .render(
            &brief("flux-2-pro", "", r#"{"safety_tolerance": 6}"#),
            &flux,
        )
        .expect_err("0–5");
    assert!(
        d.0.iter().any(|e| e.message.contains("from 0 to 5")),
        "{}",
        d.render(false)
    );
    assert!(
        engine
            .render(
                &brief("flux-pro-1.1", "", r#"{"safety_tolerance": 6}"#),
                &flux
            )
            .is_ok()
    );
    let r = engine
        .render(
            &brief(
                "flux-2-pro",
                r#", "format": "webp""#,
                r#"{"prompt_upsampling": true}"#,
            ),
            &flux,
        )
        .expect("renders");
    assert_eq!(r.payload.body["output_format"], "webp");
    assert!(r.payload.body.get("prompt_upsampling").is_none());
    assert!(
        r.warnings
            .iter()
            .any(|w| w.path.as_deref() == Some("targets.flux.prompt_upsampling"))
    );
    let d = engine
        .render(&brief("flux-pro-1.1", r#", "format": "webp""#, "{}"), &flux)
        .expect_err("no webp");
    assert!(
        d.0.iter()
            .any(|e| e.path.as_deref() == Some("output.format"))
    );
    // 1024x1024 is one megapixel: $0.03; 2048x1024 is two: $0.045
    let r = engine
        .render(&brief("flux-2-pro", "", "{}"), &flux)
        .expect("renders");
    let cost = r.cost.expect("cost");
    assert_eq!(cost.per_image, Some(0.03));
    let wide = SourceFile::new(
        "f.json",
        r#"{"subject": "a fox", "output": {"model": "flux-2-pro", "size": "2048x1024"}}"#,
        None,
    );
    let r = engine.render(&wide, &flux).expect("renders");
    let per = r.cost.expect("cost").per_image.expect("priced");
    assert!((per - 0.045).abs() < 1e-9, "{per}");
}

/// A bad `--target-limits` file is a clear error pointing into it, never a crash in a target.
#[test]
fn bad_target_limits_are_clear_errors() {
    let dir = std::env::temp_dir().join(format!("imgprompt-bad-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for (text, words) in [
        (
            r#"{"flux": {"models": {"flux-pro-1.1": {"multiple_of": "32"}}}}"#,
            "limits.json:1:",
        ),
        (r#"{"flux": {"modles": {}}}"#, "unknown field `modles`"),
        ("{\"flux\": {\n  \"modles\": {}}}", "limits.json:2:3"),
        (
            r#"{"flux": {"default_model": "flux-9"}}"#,
            "not among `flux.models`",
        ),
        (
            r#"{"flux": {"models": {"flux-9": {"multiple_of": 16}}, "default_model": "flux-9"}}"#,
            "missing required field `min`",
        ),
        (r#"{"flux": "#, "limits.json"),
    ] {
        let file = dir.join("limits.json");
        std::fs::write(&file, text).expect("write");
        let out = common::cli()
            .arg("--target-limits")
            .arg(&file)
            .args(["render", BRIEF, "--target", "flux"])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(1), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(words) && !err.contains("panicked"),
            "{text}: {err}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The value a coverage case sets: one no target takes as its default, with what it needs
/// beside it (`compression` a format that takes it, GIF frames `format: gif`, SVG `format:
/// svg`). Every `output` field of the brief's schema must have one: a new field fails here until
/// it is given a value, and then the test below checks every target handles it.
fn output_case(field: &str, target: &str) -> (serde_json::Value, serde_json::Value) {
    use serde_json::json;
    let none = json!({});
    match field {
        "model" => (
            match target {
                "openai" => json!("gpt-image-2.5-sunburst"),
                "openai-edit" => json!("gpt-image-1.5"),
                "stability" => json!("ultra"),
                "flux" => json!("flux-2-pro"),
                "gemini" => json!("gemini-3-pro-image"),
                "imagen" => json!("imagen-4.0-fast-generate-001"),
                _ => json!("gpt-image-2"),
            },
            none,
        ),
        "size" => (json!("1536x1024"), none),
        "aspect_ratio" => (json!("16:9"), none),
        "quality" => (json!("low"), none),
        "n" => (json!(2), none),
        "format" => (json!("png"), none),
        "compression" => (json!(50), json!({"output": {"format": "jpeg"}})),
        "background" => (json!("opaque"), none),
        "moderation" => (json!("low"), none),
        "style" => (json!("vivid"), none),
        "seed" => (json!(4242), none),
        "complexity" => (json!("high"), none),
        "frame_count" => (json!(4), json!({"output": {"format": "gif"}})),
        "frame_duration_ms" => (json!(100), json!({"output": {"format": "gif"}})),
        "svg" => (
            json!({"model": "gpt-5.5", "reasoning_effort": "low"}),
            json!({"output": {"format": "svg"}}),
        ),
        "safety_identifier" => (json!("user-7f3a9c"), none),
        "input_fidelity" => (json!("low"), none),
        other => panic!(
            "no coverage value for `output.{other}`: add one to `output_case` in tests/it/targets.rs"
        ),
    }
}

/// A value for each target option (`targets.<name>.<option>`).
fn option_case(target: &str, option: &str) -> serde_json::Value {
    use serde_json::json;
    match (target, option) {
        ("stability", "style_preset") => json!("cinematic"),
        ("stability", "cfg_scale") => json!(5),
        ("flux", "safety_tolerance") => json!(3),
        ("flux", "prompt_upsampling") => json!(true),
        ("imagen", "person_generation") => json!("dont_allow"),
        ("imagen" | "gemini", "image_size") => json!("2K"),
        ("midjourney", "stylize") => json!(250),
        ("midjourney", "v") => json!("7"),
        _ => panic!(
            "no coverage value for `targets.{target}.{option}`: add one to `option_case` in tests/it/targets.rs"
        ),
    }
}

/// Merges `extra` into `brief`, object by object.
fn merge(brief: &mut serde_json::Value, extra: &serde_json::Value) {
    if let (Some(b), Some(e)) = (brief.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            match b.get_mut(k) {
                Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                _ => {
                    b.insert(k.clone(), v.clone());
                }
            }
        }
    }
}

/// Sets `path` (dotted, object keys only) in `brief` to `value`.
fn set_path(brief: &mut serde_json::Value, path: &str, value: serde_json::Value) {
    let mut at = brief;
    let keys: Vec<&str> = path.split('.').collect();
    for k in &keys[..keys.len() - 1] {
        at = at
            .as_object_mut()
            .expect("object")
            .entry(k.to_string())
            .or_insert_with(|| serde_json::json!({}));
    }
    at[keys[keys.len() - 1]] = value;
}

/// Whether a diagnostic's path is about `path` (the field, a part of it, or its section).
fn about(d: &imgprompt::Diagnostic, path: &str) -> bool {
    d.path.as_deref().is_some_and(|p| {
        p == path || p.starts_with(&format!("{path}.")) || path.starts_with(&format!("{p}."))
    })
}

/// What a coverage case leads to, for the failure message.
fn described(r: &Result<imgprompt::Rendering, imgprompt::Diagnostics>) -> String {
    match r {
        Ok(r) => format!(
            "{} {}\n{}\nwarnings: {:?}",
            r.payload.method,
            r.payload.url,
            r.payload.body,
            r.warnings
                .iter()
                .map(|w| (w.path.clone(), w.message.clone()))
                .collect::<Vec<_>>()
        ),
        Err(d) => d.render(false),
    }
}

/// Nothing a brief asks for is dropped silently, on any target: for every target × every field
/// of `output` (read from the brief's schema, so a new field is covered the day it is added),
/// `inputs.images`, `inputs.mask`, `avoid` and every option the target takes (read from its own
/// "unknown option" help), the value either changes the request (its URL or its body, the
/// prompt masked for the fields that are not prompt text) or a warning names it at its path —
/// and then `--strict` refuses the brief there — or the brief is refused there outright.
#[test]
fn every_brief_field_reaches_the_payload_or_is_named() {
    use serde_json::{Value, json};
    // every Imagen model is shut down today: its handling is checked on a day they served
    let today = common::engine();
    let live =
        common::engine().today(imgprompt::validate::date::Date::parse("2026-06-01").expect("date"));
    let fields: Vec<String> = imgprompt::brief::schema()["$defs"]["Output"]["properties"]
        .as_object()
        .expect("Output properties in the brief schema")
        .keys()
        .cloned()
        .collect();
    assert!(fields.len() >= 17, "{fields:?}");
    let mut checked = 0;
    for target in imgprompt::targets::all() {
        let name = target.name();
        let engine = if name == "imagen" { &live } else { &today };
        let strict = if name == "imagen" {
            common::engine()
                .today(imgprompt::validate::date::Date::parse("2026-06-01").expect("date"))
                .strict(true)
        } else {
            common::engine().strict(true)
        };
        let mut base = json!({"subject": "a lighthouse on a cliff"});
        if name == "openai-edit" {
            base["inputs"] = json!({"images": ["https://example.com/photo.png"]});
        }
        let render = |v: &Value| engine.render_value(v.clone(), None, target.as_ref());

        // the cases: (path, value, what it needs beside it)
        let mut cases: Vec<(String, Value, Value)> = fields
            .iter()
            .map(|f| {
                let (value, extras) = output_case(f, name);
                (format!("output.{f}"), value, extras)
            })
            .collect();
        cases.push((
            String::from("inputs.images"),
            json!(["https://example.com/other.png", "file-abc123"]),
            json!({}),
        ));
        cases.push((
            String::from("inputs.mask"),
            json!("https://example.com/mask.png"),
            json!({}),
        ));
        cases.push((String::from("avoid"), json!(["fog"]), json!({})));
        // the target's own options, as its "unknown option" error lists them
        let mut probe = base.clone();
        set_path(
            &mut probe,
            &format!("targets.{name}.not_an_option"),
            json!(1),
        );
        match render(&probe) {
            Err(d) => {
                let help =
                    d.0.iter()
                        .find(|e| e.code == "unknown-field")
                        .and_then(|e| e.help.clone())
                        .unwrap_or_else(|| panic!("{name}: {}", d.render(false)));
                let list = help.split("options: ").nth(1).expect("the options listed");
                for option in list.split('`').skip(1).step_by(2) {
                    cases.push((
                        format!("targets.{name}.{option}"),
                        option_case(name, option),
                        json!({}),
                    ));
                }
            }
            Ok(r) => assert!(
                r.warnings
                    .iter()
                    .any(|w| about(w, &format!("targets.{name}"))),
                "{name} takes no options, yet `targets.{name}` passed without a warning"
            ),
        }

        for (path, value, extras) in cases {
            // the brief without the field (with what the field needs, where the target takes it)
            let mut before = base.clone();
            merge(&mut before, &extras);
            let baseline = match render(&before) {
                Ok(r) => r,
                Err(_) => {
                    before = base.clone();
                    render(&before).unwrap_or_else(|d| {
                        panic!("{name}: the base brief fails:\n{}", d.render(false))
                    })
                }
            };
            let mut after = before.clone();
            set_path(&mut after, &path, value.clone());
            let label = format!("{name} / {path}: {value}");
            let got = render(&after);
            let r = match &got {
                // refused, at the field: nothing is sent silently without it
                Err(d) => {
                    assert!(
                        d.0.iter().any(|e| e.is_error() && about(e, &path)),
                        "{label}: refused, but not at the field:\n{}",
                        described(&got)
                    );
                    checked += 1;
                    continue;
                }
                Ok(r) => r,
            };
            // what the request says apart from the prompt (unless the field is prompt text)
            let request = |r: &imgprompt::Rendering| {
                let body = serde_json::to_string(&r.payload.body).expect("json");
                let body = if path == "avoid" {
                    body
                } else {
                    let prompt = serde_json::to_string(&r.prompt).expect("json");
                    body.replace(prompt.trim_matches('"'), "<prompt>")
                };
                (r.payload.url.clone(), body)
            };
            if request(r) != request(&baseline) {
                checked += 1;
                continue;
            }
            // not in the request: a warning must name it, and --strict must refuse it
            let text = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            // the warning names the field (or, for `inputs`, its section) or the value
            let leaf = path.rsplit('.').next().unwrap_or(path.as_str());
            let section = path.split('.').next().unwrap_or(path.as_str());
            let named = r.warnings.iter().any(|w| {
                about(w, &path)
                    && (w.message.contains(leaf)
                        || (section != "output"
                            && section != "targets"
                            && w.message.contains(section))
                        || w.message.contains(&text))
            });
            assert!(
                named,
                "{label}: dropped silently (the request is the same and no warning names it)\n{}",
                described(&got)
            );
            let strict_result = strict.render_value(after.clone(), None, target.as_ref());
            match &strict_result {
                Err(d) => assert!(
                    d.0.iter().any(|e| e.is_error() && about(e, &path)),
                    "{label}: --strict refuses, but not at the field:\n{}",
                    described(&strict_result)
                ),
                Ok(_) => panic!(
                    "{label}: --strict lets a dropped field through:\n{}",
                    described(&strict_result)
                ),
            }
            checked += 1;
        }
    }
    assert!(checked >= 7 * 20, "{checked} cases");
}

/// A preset's own defaults are not the user's: `quality: high` from the poster preset is left out
/// quietly on a target without quality, while the same field written in the brief is named.
#[test]
fn preset_defaults_a_target_cannot_use_are_left_out_quietly() {
    let engine = common::engine();
    let quiet = SourceFile::new("p.yaml", "preset: poster\nsubject: a jazz night\n", None);
    let r = engine
        .render(&quiet, &imgprompt::targets::Stability)
        .expect("renders");
    assert_eq!(r.brief.output.quality.as_deref(), Some("high"));
    assert!(
        r.warnings
            .iter()
            .all(|w| w.path.as_deref() != Some("output.quality")),
        "{:?}",
        r.warnings
    );
    let written = SourceFile::new(
        "p.yaml",
        "preset: poster\nsubject: a jazz night\noutput: {quality: high}\n",
        None,
    );
    let r = engine
        .render(&written, &imgprompt::targets::Stability)
        .expect("renders");
    assert!(
        r.warnings.iter().any(|w| w.code == "ignored-setting"
            && w.path.as_deref() == Some("output.quality")
            && w.message.contains("stability")),
        "{:?}",
        r.warnings
    );
}

/// Gemini takes the seed as `generationConfig.seed` (google-genai's
/// `GenerateContentConfig.seed`), a 32-bit integer.
#[test]
fn gemini_sends_the_seed() {
    let engine = common::engine();
    let source = SourceFile::read(
        &common::root().join("tests/inputs/targets/square-with-avoid.yaml"),
        None,
    )
    .expect("fixture");
    let r = engine
        .render(&source, &imgprompt::targets::Gemini)
        .expect("renders");
    assert_eq!(r.payload.body["generationConfig"]["seed"], 7);
    assert!(
        r.warnings
            .iter()
            .all(|w| w.path.as_deref() != Some("output.seed")),
        "{:?}",
        r.warnings
    );
    let sdk = std::fs::read_to_string(
        common::root().join("data/sdk/google-genai-3.6.1/types_image_excerpt.py"),
    )
    .expect("sdk excerpt");
    let config = &sdk[sdk
        .find("class GenerateContentConfig(")
        .expect("GenerateContentConfig")..];
    assert!(config.contains("\n  seed: Optional[int]"), "{config}");
    let big = SourceFile::new(
        "g.yaml",
        "subject: a fox\noutput: {seed: 4294967296}\n",
        None,
    );
    let d = engine
        .render(&big, &imgprompt::targets::Gemini)
        .expect_err("too large for an int32");
    assert!(
        d.0.iter().any(|e| e.path.as_deref() == Some("output.seed")),
        "{}",
        d.render(false)
    );
}

/// A lifecycle diagnostic points at the model it names: `--target imagen` on a brief written
/// for gpt-image-2 names Imagen's default model, so its caret is not under `gpt-image-2`.
#[test]
fn retired_default_model_points_at_no_other_value() {
    let out = common::cli()
        .args([
            "render",
            "examples/poster-future-forms.yaml",
            "--target",
            "imagen",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error[retired-model]") && err.contains("imagen-4.0-generate-001"),
        "{err}"
    );
    assert!(
        !err.contains("model: gpt-image-2"),
        "caret under the wrong model:\n{err}"
    );
    assert!(
        err.contains("the default model of `--target imagen`"),
        "{err}"
    );
    // a brief that names the retired model gets the caret under it
    let dir = std::env::temp_dir().join(format!("imgprompt-imagen-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let brief = dir.join("b.yaml");
    std::fs::write(
        &brief,
        "subject: a fox\noutput: {model: imagen-4.0-generate-001}\n",
    )
    .expect("write");
    let out = common::cli()
        .args(["render", "--target", "imagen"])
        .arg(&brief)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("output: {model: imagen-4.0-generate-001}") && err.contains("^^^"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
