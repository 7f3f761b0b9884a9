//! A user preset's template (any text) either loads or is reported as broken, and rendering a
//! brief with it either works or fails with diagnostics: the sandbox and limits hold, no panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(template) = std::str::from_utf8(data) else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("imgprompt-fuzz-preset-{}", std::process::id()));
    let preset = dir.join("fz");
    let _ = std::fs::create_dir_all(&preset);
    let manifest = "name: fz\ndescription: fuzzed\ntext_roles:\n  headline: {label: headline}\n";
    if std::fs::write(preset.join("preset.yaml"), manifest).is_err()
        || std::fs::write(preset.join("prompt.tera"), template).is_err()
    {
        return;
    }
    let Ok(catalog) = imgprompt::catalog::Catalog::load(&[dir.clone()]) else {
        return;
    };
    let engine = imgprompt::Engine::with(catalog, imgprompt::models::ModelTable::builtin());
    let brief = imgprompt::SourceFile::new(
        "b.yaml",
        "preset: fz\nsubject: a cat\ntext: {headline: \"Say \\\"hi\\\" {{ x }}\"}\n",
        None,
    );
    let _ = engine.render(&brief, &imgprompt::target::OpenAi);
});
