//! A user preset of any shape either loads or is set aside as broken, the built-in presets it
//! does not replace still work, and a brief using it renders (every exact text kept) or fails
//! with diagnostics: the sandbox and limits hold, no panic.
//!
//! The input is the template (any text; `fuzz/seed.sh` copies the shipped templates) up to its
//! last NUL byte, then the bytes that shape the manifest (name, parent, text roles, defaults,
//! params schema, mutations) and the brief; without a NUL byte both are plain.
#![no_main]
use arbitrary::Unstructured;
use imgprompt::{Format, SourceFile};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

#[path = "../common/adversarial.rs"]
mod adversarial;

const GOOD_BRIEF: &str =
    r#"{"preset": "product", "subject": "a ceramic mug", "text": {"label": "MUG & CO"}}"#;

fuzz_target!(|data: &[u8]| {
    let (template, rest) = match data.iter().rposition(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    let Ok(template) = std::str::from_utf8(template) else {
        return;
    };
    let u = &mut Unstructured::new(rest);
    let mut manifest = json!({
        "name": "fz",
        "description": "fuzzed",
        "text_roles": {"headline": {"label": "headline"}},
    });
    if adversarial::chance(u, 60) {
        manifest["name"] = Value::String(adversarial::key(u));
    }
    if adversarial::chance(u, 40) {
        manifest["extends"] =
            Value::from(*adversarial::choose(u, &["basic", "poster", "fz", "nope"]));
    }
    if adversarial::chance(u, 80) {
        let n = adversarial::pick(u, 4);
        let roles: serde_json::Map<String, Value> = (0..n)
            .map(|_| {
                let name = adversarial::key(u);
                let plural = adversarial::chance(u, 64);
                (name, json!({"description": "a role", "plural": plural}))
            })
            .collect();
        manifest["text_roles"] = Value::Object(roles);
    }
    if adversarial::chance(u, 60) {
        manifest["defaults"] = adversarial::brief(u);
    }
    if adversarial::chance(u, 60) {
        manifest["params"] = adversarial::value(u, 3);
    }
    for _ in 0..adversarial::pick(u, 3) {
        adversarial::mutate(u, &mut manifest);
    }
    let mut brief = if adversarial::chance(u, 200) {
        adversarial::brief(u)
    } else {
        json!({"subject": "a cat", "text": {"headline": "Say \"hi\" {{ x }}"}})
    };
    let name = manifest
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("fz")
        .to_string();
    if let Value::Object(b) = &mut brief {
        b.insert("preset".into(), Value::String(name.clone()));
    }

    let dir = std::env::temp_dir().join(format!("imgprompt-fuzz-preset-{}", std::process::id()));
    let preset = dir.join("fz");
    let _ = std::fs::remove_dir_all(&dir);
    let manifest = serde_json::to_string_pretty(&manifest).expect("JSON");
    if std::fs::create_dir_all(&preset).is_err()
        || std::fs::write(preset.join("preset.yaml"), manifest).is_err()
        || std::fs::write(preset.join("prompt.tera"), template).is_err()
    {
        return;
    }
    let catalog = match imgprompt::preset::catalog::Catalog::load(&[dir.clone()]) {
        Ok(c) => c,
        Err(ds) => panic!(
            "a user preset failed the whole catalog:\n{}",
            ds.render(false)
        ),
    };
    for ds in catalog.broken().values() {
        for d in ds {
            let _ = d.render(false);
        }
    }
    let engine = imgprompt::Engine::with(catalog, imgprompt::validate::models::ModelTable::builtin())
        .today(adversarial::engine().date());
    let source = SourceFile::new("b.json", brief.to_string(), Some(Format::Json));
    match engine.render(&source, &imgprompt::targets::OpenAi) {
        Ok(r) => {
            for t in adversarial::exact_texts(&r) {
                assert!(r.prompt.contains(t.as_str()), "a user preset dropped {t:?}");
            }
        }
        Err(ds) => {
            let _ = ds.render(false);
        }
    }
    if !adversarial::PRESETS.contains(&name.as_str()) {
        let good = SourceFile::new("good.json", GOOD_BRIEF, Some(Format::Json));
        if let Err(ds) = engine.render(&good, &imgprompt::targets::OpenAi) {
            panic!("a user preset broke a built-in one:\n{}", ds.render(false));
        }
    }
});
