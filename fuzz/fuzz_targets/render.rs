//! A brief of any shape (any text, read as YAML; `fuzz/seed.sh` copies the fixtures) renders or
//! fails with an error on every target, never panics; when it renders, every exact text is in the
//! prompt and in the payload's prompt byte for byte, and the payload passes its schema.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../common/adversarial.rs"]
mod adversarial;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = imgprompt::SourceFile::new("fuzz.yaml", text, Some(imgprompt::Format::Yaml));
    for target in imgprompt::targets::all() {
        adversarial::render_checked(&source, target.as_ref(), None);
    }
});
