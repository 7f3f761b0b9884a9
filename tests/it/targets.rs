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
        for target in imgprompt::target::all() {
            // every Imagen model is shut down: today it is refused (see
            // `imagen_is_refused_with_its_replacement`); its payload shape is checked on a day the
            // models still served requests
            let live =
                common::engine().today(imgprompt::date::Date::parse("2026-06-01").expect("date"));
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
            &imgprompt::target::Gemini,
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
            &imgprompt::target::Gemini,
        )
        .expect("renders");
    assert_eq!(
        r.payload.body["generationConfig"]["imageConfig"]["imageSize"],
        "1K"
    );
    let d = engine
        .render(
            &brief("gemini-2.5-flash-image", "1024x1024"),
            &imgprompt::target::Gemini,
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
            &imgprompt::target::Gemini,
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
        .render(&source, &imgprompt::target::Gemini)
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
    let live = common::engine().today(imgprompt::date::Date::parse("2026-06-01").expect("date"));
    let r = live
        .render(&source, &imgprompt::target::Imagen)
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
        serde_json::from_str(imgprompt::models::GENERATED_MODELS).expect("json");
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
    let by = |t: &dyn imgprompt::target::Target| engine.render(&source, t).expect("renders");
    let openai = by(&imgprompt::target::OpenAi);
    assert!(openai.prompt.contains("Avoid chopsticks, text and steam."));
    let stability = by(&imgprompt::target::Stability);
    assert!(!stability.prompt.contains("Avoid"));
    assert_eq!(
        stability.payload.body["negative_prompt"],
        "chopsticks, text, steam"
    );
    let mj = by(&imgprompt::target::Midjourney);
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
        let js = dir.join(format!("{target}.mjs"));
        std::fs::write(
            &js,
            emit(&["render", BRIEF, "--target", target, "--emit", "js"]),
        )
        .expect("write");
        match std::process::Command::new("node")
            .arg("--check")
            .arg(&js)
            .status()
        {
            Ok(status) => assert!(status.success(), "{target}: javascript does not parse"),
            Err(e) => panic!("node is needed for this test (.ci/run installs it): {e}"),
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
    let flux = imgprompt::target::Flux;
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
        (
            r#"{"flux": {"default_model": "flux-9"}}"#,
            "not among `flux.models`",
        ),
        (
            r#"{"flux": {"models": {"flux-9": {"multiple_of": 16}}, "default_model": "flux-9"}}"#,
            "missing field",
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
