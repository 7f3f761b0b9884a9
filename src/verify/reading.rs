//! The `text` and `extra-text` checks: the image read in several passes ([`super::ocr`]), the
//! best reading of each exact text kept across them.
//!
//! The first pass runs alone: when it reads every text exactly and extra text is not checked, it
//! is the only one. Then the passes at the original size run side by side (rayon), then, while a
//! text is still not read exactly, the upscaled ones. In each pass the texts take their readings
//! longest first, and no word serves two texts; each text keeps its best reading of any pass.
//! Extra text is every confident word some pass read outside its readings of the texts.
use rayon::prelude::*;
use serde_json::{Value, json};

use super::ocr::{Pass, Tesseract};
use super::text::{Match, Word, best_match_among, is_wordlike};
use super::{Check, CheckKind, Expected, Options, Scores, Status};

/// What one pass read, and its best match per text.
struct PassReading {
    words: Vec<Word>,
    matches: Vec<Option<Match>>,
}

/// The `text` checks (one per exact text) and `extra-text`, as `options` asks.
pub fn text_checks(
    img: &image::DynamicImage,
    expected: &Expected,
    options: &Options,
    ocr: Option<&Tesseract>,
) -> Vec<Check> {
    let want_text = options.wants(CheckKind::Text) && !expected.texts.is_empty();
    let want_extra = options.wants(CheckKind::ExtraText) && expected.no_other_text;
    if !want_text && !want_extra {
        return Vec::new();
    }
    // the text checks alone, undecided for `why`
    let undecided = |why: &str| {
        let texts_only = Expected {
            size: None,
            transparent: false,
            ..expected.clone()
        };
        super::undecided(&texts_only, options, why)
    };
    let Some(ocr) = ocr else {
        return undecided("no OCR engine was given");
    };
    let readings = read_all(img, expected, options, ocr, want_extra);
    if readings.is_empty() {
        return undecided("Tesseract could not read the image");
    }
    let mut checks = Vec::new();
    let read_any = readings.iter().any(|r| !r.words.is_empty());
    if want_text {
        for (i, t) in expected.texts.iter().enumerate() {
            let best = readings.iter().filter_map(|r| r.matches[i].as_ref()).fold(
                None::<&Match>,
                |b, m| match b {
                    Some(b) if !m.better_than(b) => Some(b),
                    _ => Some(m),
                },
            );
            checks.push(text_check(&t.role, &t.text, best, read_any, options));
        }
    }
    if want_extra {
        checks.push(extra_check(&readings, read_any, options));
    }
    checks
}

/// True when every text of `expected` has an exact reading in one of `readings`.
fn all_exact(readings: &[PassReading], expected: &Expected) -> bool {
    (0..expected.texts.len()).all(|i| {
        readings
            .iter()
            .any(|r| r.matches[i].as_ref().is_some_and(Match::exact))
    })
}

/// Each text's reading among `words`, longest text first, no word serving two texts.
fn assign(expected: &Expected, words: &[Word], options: &Options) -> Vec<Option<Match>> {
    let mut order: Vec<usize> = (0..expected.texts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(expected.texts[i].text.chars().count()));
    let mut taken = Vec::new();
    let mut matches = vec![None; expected.texts.len()];
    for i in order {
        let m = best_match_among(&expected.texts[i].text, words, options.case, &taken);
        if let Some(m) = &m {
            taken.push(m.span.clone());
        }
        matches[i] = m;
    }
    matches
}

/// Every pass's reading, in stages: the first alone; the other passes at the original size when
/// a text was missed or extra text is checked; the upscaled ones while a text is still missed.
fn read_all(
    img: &image::DynamicImage,
    expected: &Expected,
    options: &Options,
    ocr: &Tesseract,
    want_extra: bool,
) -> Vec<PassReading> {
    // a huge image is read at most 4,096 pixels on its long side (Tesseract's time grows with
    // the pixels; type that small is not what a brief asks for)
    let scaled;
    let img = if img.width().max(img.height()) > 4096 {
        scaled = img.resize(4096, 4096, image::imageops::FilterType::Triangle);
        &scaled
    } else {
        img
    };
    let gray = super::ocr::grayscale(&img.to_rgba8());
    let passes = super::ocr::passes(gray.width(), gray.height());
    let run = |pass: &Pass| -> Option<PassReading> {
        let words = ocr
            .read(&super::ocr::picture(&gray, *pass), pass.psm)
            .ok()?;
        let matches = assign(expected, &words, options);
        Some(PassReading { words, matches })
    };
    let mut readings: Vec<PassReading> = run(&passes[0]).into_iter().collect();
    let (native, upscaled): (Vec<&Pass>, Vec<&Pass>) =
        passes[1..].iter().partition(|p| !p.upscaled);
    if want_extra || !all_exact(&readings, expected) {
        readings.extend(native.par_iter().filter_map(|p| run(p)).collect::<Vec<_>>());
    }
    if !all_exact(&readings, expected) {
        readings.extend(
            upscaled
                .par_iter()
                .filter_map(|p| run(p))
                .collect::<Vec<_>>(),
        );
    }
    readings
}

/// One exact text's verdict from its best reading (`read_any`: OCR read some words at all).
fn text_check(
    role: &str,
    text: &str,
    best: Option<&Match>,
    read_any: bool,
    options: &Options,
) -> Check {
    let Some(m) = best else {
        if read_any {
            // words were read, and every one of them is another text's reading
            return Check {
                check: CheckKind::Text,
                role: Some(role.to_string()),
                status: Status::Fail,
                expected: json!(text),
                found: Value::Null,
                scores: None,
                note: Some(String::from(
                    "not found: every word OCR read belongs to another text",
                )),
            };
        }
        return Check::unverified(
            CheckKind::Text,
            Some(role.to_string()),
            json!(text),
            "OCR read no text: the text may be missing, or set in a way OCR cannot read",
        );
    };
    let status = if m.exact() {
        Status::Pass
    } else if m.conf < options.min_confidence {
        Status::Unverified
    } else {
        Status::Fail
    };
    let note = match status {
        Status::Pass => None,
        Status::Fail => Some(format!(
            "read \"{}\": {} character edit{} away",
            m.found,
            m.distance,
            if m.distance == 1 { "" } else { "s" }
        )),
        Status::Unverified => Some(format!(
            "the best reading has confidence {:.0}, under the floor {:.0}: not decided",
            m.conf, options.min_confidence
        )),
    };
    Check {
        check: CheckKind::Text,
        role: Some(role.to_string()),
        status,
        expected: json!(text),
        found: json!(m.found),
        scores: Some(Scores {
            distance: m.distance,
            ned: round4(m.ned),
            cer: round4(m.cer),
            confidence: round4(f64::from(m.conf)),
        }),
        note,
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// `extra-text`: the confident, word-like words any pass read outside its readings of the texts
/// (each text's best window in that pass is its reading, however far from the text: a misspelt or
/// cut text fails its own check, not this one; a second copy of a text is extra), each word once.
/// Undecided when OCR read nothing at all.
fn extra_check(readings: &[PassReading], read_any: bool, options: &Options) -> Check {
    if !read_any {
        return Check::unverified(
            CheckKind::ExtraText,
            None,
            json!("no other text"),
            "OCR read no text at all: whether there is other text is not decided",
        );
    }
    let mut extra: Vec<&str> = Vec::new();
    for reading in readings {
        let used: Vec<&std::ops::Range<usize>> =
            reading.matches.iter().flatten().map(|m| &m.span).collect();
        for (i, w) in reading.words.iter().enumerate() {
            let counted = !used.iter().any(|s| s.contains(&i))
                && w.conf >= options.extra_confidence
                && is_wordlike(&w.text, options.extra_min_chars);
            if counted && !extra.contains(&w.text.as_str()) {
                extra.push(&w.text);
            }
        }
    }
    Check {
        check: CheckKind::ExtraText,
        role: None,
        status: Status::from_pass(extra.is_empty()),
        expected: json!("no other text"),
        found: json!(extra),
        scores: None,
        note: (!extra.is_empty()).then(|| {
            format!(
                "{} word{} no exact text accounts for (confidence ≥ {:.0}, ≥ {} letters)",
                extra.len(),
                if extra.len() == 1 { "" } else { "s" },
                options.extra_confidence,
                options.extra_min_chars
            )
        }),
    }
}
