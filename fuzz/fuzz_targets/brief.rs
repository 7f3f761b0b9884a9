//! A brief of the real shape, mutated with adversarial keys and values of every JSON type at any
//! path, renders or fails with an error on every target, never panics; when it renders, every
//! exact text is in the prompt and in the payload's prompt byte for byte.
//!
//! The input is a seed brief (JSON or YAML: `fuzz/seed.sh` copies the fixtures) up to its last
//! NUL byte, then the bytes that choose the mutations; an input that is no brief generates one
//! from all of its bytes.
#![no_main]
use arbitrary::Unstructured;
use imgprompt::{Format, SourceFile};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[path = "../common/adversarial.rs"]
mod adversarial;

fuzz_target!(|data: &[u8]| {
    let (seed, rest) = match data.iter().rposition(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &data[data.len()..]),
    };
    let base = std::str::from_utf8(seed)
        .ok()
        .and_then(|t| SourceFile::new("seed", t, None).parse().ok())
        .filter(Value::is_object);
    let (mut brief, mut u) = match base {
        Some(b) => (b, Unstructured::new(rest)),
        None => {
            let mut u = Unstructured::new(data);
            let b = adversarial::brief(&mut u);
            (b, u)
        }
    };
    for _ in 0..adversarial::pick(&mut u, 5) {
        adversarial::mutate(&mut u, &mut brief);
    }
    let text = brief.to_string();
    let json = SourceFile::new("fuzz.json", text.as_str(), Some(Format::Json));
    for target in imgprompt::targets::all() {
        adversarial::render_checked(&json, target.as_ref(), Some(&brief));
    }
    // the same text read as YAML (what `serve` does by default)
    let yaml = SourceFile::new("fuzz.yaml", text.as_str(), Some(Format::Yaml));
    adversarial::render_checked(&yaml, &imgprompt::targets::OpenAi, None);
});
