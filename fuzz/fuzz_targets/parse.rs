//! The brief parsers (JSON and YAML, with the duplicate-key check and locations) and the
//! variations reader never panic, whatever the bytes; every node of a parsed document is located
//! without a panic, and its path displayed then parsed is itself. The first byte chooses the
//! format (even: JSON, odd: YAML; `fuzz/seed.sh` prefixes the fixtures accordingly).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../common/adversarial.rs"]
mod adversarial;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let format = if first % 2 == 0 {
        imgprompt::Format::Json
    } else {
        imgprompt::Format::Yaml
    };
    let source = imgprompt::SourceFile::new("fuzz", text, Some(format));
    let value = match source.parse() {
        Ok(value) => value,
        Err(d) => {
            let _ = d.render(false);
            return;
        }
    };
    adversarial::check_paths(&source, &value);
    let _ = source.locate(&imgprompt::brief::source::JsonPath::parse("output.size"), false);
    if let Ok(v) = imgprompt::app::vary::Variations::from_brief(&value, "fuzz", Some(&source)) {
        if let Some(n) = v.count() {
            let _ = v.sample(3.min(n), 1);
            let _ = v.variant(n.saturating_sub(1));
        }
    }
});
