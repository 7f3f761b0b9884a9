//! The `text` and `extra-text` checks: the image read in several passes ([`super::ocr`]), the
//! best reading of each exact text kept across them.
//!
//! The first pass runs alone: when it reads every text exactly, it is the only one. Otherwise the
//! other passes run side by side (rayon), and each text keeps its best reading of any pass. Extra
//! text is judged in the pass that read the texts best (fewest edits in total).
use rayon::prelude::*;
use serde_json::json;

use super::ocr::{Pass, Tesseract};
use super::text::{Match, Word, best_match, is_wordlike};
use super::{Check, CheckKind, Expected, Options, Scores, Status};

/// What one pass read, and its best match per text.
struct PassReading {
    words: Vec<Word>,
    matches: Vec<Option<Match>>,
}

impl PassReading {
    /// The edits of every text (a text not read at all counts its length), then the pass's
    /// confidence, lower is better.
    fn cost(&self, expected: &Expected) -> (usize, i64) {
        let edits = expected
            .texts
            .iter()
            .zip(&self.matches)
            .map(|(t, m)| m.as_ref().map_or(t.text.chars().count(), |m| m.distance))
            .sum();
        let conf: f32 = self.matches.iter().flatten().map(|m| m.conf).sum();
        (edits, -(conf as i64))
    }
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
    let readings = read_all(img, expected, options, ocr);
    if readings.is_empty() {
        return undecided("Tesseract could not read the image");
    }
    let mut checks = Vec::new();
    if want_text {
        for (i, t) in expected.texts.iter().enumerate() {
            let best = readings.iter().filter_map(|r| r.matches[i].as_ref()).fold(
                None::<&Match>,
                |b, m| match b {
                    Some(b) if !m.better_than(b) => Some(b),
                    _ => Some(m),
                },
            );
            checks.push(text_check(&t.role, &t.text, best, options));
        }
    }
    if want_extra {
        let best = readings
            .iter()
            .min_by_key(|r| r.cost(expected))
            .expect("not empty");
        checks.push(extra_check(best, options));
    }
    checks
}

/// Every pass's reading: the first alone, the others only when it missed a text.
fn read_all(
    img: &image::DynamicImage,
    expected: &Expected,
    options: &Options,
    ocr: &Tesseract,
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
        let matches = expected
            .texts
            .iter()
            .map(|t| best_match(&t.text, &words, options.case))
            .collect();
        Some(PassReading { words, matches })
    };
    let mut readings: Vec<PassReading> = run(&passes[0]).into_iter().collect();
    let done = readings.first().is_some_and(|r| {
        !r.matches.is_empty()
            && r.matches
                .iter()
                .all(|m| m.as_ref().is_some_and(Match::exact))
    });
    if !done {
        readings.extend(passes[1..].par_iter().filter_map(run).collect::<Vec<_>>());
    }
    readings
}

/// One exact text's verdict from its best reading.
fn text_check(role: &str, text: &str, best: Option<&Match>, options: &Options) -> Check {
    let Some(m) = best else {
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

/// `extra-text`: the confident, word-like words of the best pass that no exact text accounts
/// for: outside the reading of every text (each text's best window is its reading, however far
/// from the text: a misspelt or cut text fails its own check, not this one). A second copy of a
/// text, right or misspelt, is extra.
fn extra_check(reading: &PassReading, options: &Options) -> Check {
    let used: Vec<&std::ops::Range<usize>> =
        reading.matches.iter().flatten().map(|m| &m.span).collect();
    let extra: Vec<&str> = reading
        .words
        .iter()
        .enumerate()
        .filter(|(i, _)| !used.iter().any(|s| s.contains(i)))
        .filter(|(_, w)| w.conf >= options.extra_confidence)
        .filter(|(_, w)| is_wordlike(&w.text, options.extra_min_chars))
        .map(|(_, w)| w.text.as_str())
        .collect();
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
