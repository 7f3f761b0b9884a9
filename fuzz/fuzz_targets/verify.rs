//! `verify` never panics, hangs or exhausts memory, whatever the image bytes: format, size and
//! alpha are judged (the text checks, without OCR here, are unverified), and nothing undecided
//! passes. The first byte chooses the expectation (format, size, transparency).
#![no_main]
use imgprompt::verify::{CheckKind, Expected, ExpectedText, Options, Status, verify_bytes};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else {
        return;
    };
    let formats = ["png", "jpeg", "webp", "gif"];
    let sizes = ["1x1", "16:9", "1024x1536", "auto"];
    let expected = Expected {
        format: Some(formats[usize::from(first % 4)].to_string()),
        size: Some(sizes[usize::from(first / 4 % 4)].to_string()),
        transparent: first & 0x10 != 0,
        texts: vec![ExpectedText {
            role: String::from("headline"),
            text: String::from("Blue Notes"),
        }],
        no_other_text: first & 0x20 != 0,
    };
    let name = format!("image.{}", formats[usize::from(first / 64)]);
    let report = verify_bytes(bytes, name.as_ref(), &expected, &Options::default(), None);
    assert_eq!(report.passed, report.checks.iter().all(|c| c.status == Status::Pass));
    for c in &report.checks {
        if matches!(c.check, CheckKind::Text | CheckKind::ExtraText) {
            assert_eq!(c.status, Status::Unverified);
        }
    }
});
