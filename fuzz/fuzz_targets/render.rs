//! A brief of any shape renders or fails with diagnostics on every target, never panics; when it
//! renders, every exact text is in the prompt byte for byte.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn engine() -> &'static imgprompt::Engine {
    static E: OnceLock<imgprompt::Engine> = OnceLock::new();
    E.get_or_init(|| {
        imgprompt::Engine::new()
            .expect("built-in presets")
            .today(imgprompt::date::Date::parse("2026-11-24").expect("date"))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = imgprompt::SourceFile::new("fuzz.yaml", text, Some(imgprompt::Format::Yaml));
    for target in imgprompt::target::all() {
        if let Ok(r) = engine().render(&source, target.as_ref()) {
            for value in r.brief.text.values() {
                for entry in value.entries() {
                    assert!(r.prompt.contains(entry.content()), "exact text dropped");
                }
            }
            for form in [imgprompt::handoff::HandOff::Curl, imgprompt::handoff::HandOff::Python] {
                let _ = imgprompt::handoff::snippet(&r, form);
            }
        }
    }
});
