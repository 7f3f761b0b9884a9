//! Exact text against what OCR read: one declared normalisation, then the best window of read
//! words per text, scored as the text-rendering benchmarks score it (exact match, normalised
//! edit distance, character error rate).
//!
//! The normalisation, applied to both sides and nothing else: Unicode NFC; every run of
//! whitespace one space, none at the ends; curly quotes straight (`‘’‚‛′` → `'`, `“”„‟″` →
//! `"`); dashes one hyphen (`‐‑‒–—―−` → `-`: OCR cannot tell them apart); `…` three dots; the
//! Latin ligatures spelled out (`ﬁ` → `fi`, U+FB00–FB06); and, under [`Case::Ignore`] only, lower
//! case. A text without spaces (Chinese, Japanese, Thai; or one word) is compared with the
//! reading's spaces removed: OCR splits such text into words at will.
use unicode_normalization::UnicodeNormalization;

/// How letter case counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Case {
    /// `Blue Notes` is not `BLUE NOTES` (the default: exact text is letter for letter).
    #[default]
    Exact,
    /// Case is ignored (display type set in capitals by design).
    Ignore,
}

/// The declared normalisation (see the module docs).
pub fn normalise(s: &str, case: Case) -> String {
    let nfc: String = s.nfc().collect();
    let mut out = String::with_capacity(nfc.len());
    for word in nfc.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            let folded: &str = match c {
                '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => "'",
                '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => "\"",
                '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
                '\u{2026}' => "...",
                '\u{FB00}' => "ff",
                '\u{FB01}' => "fi",
                '\u{FB02}' => "fl",
                '\u{FB03}' => "ffi",
                '\u{FB04}' => "ffl",
                '\u{FB05}' | '\u{FB06}' => "st",
                _ => "",
            };
            let mut push = |c: char| {
                if case == Case::Ignore {
                    out.extend(c.to_lowercase());
                } else {
                    out.push(c);
                }
            };
            if folded.is_empty() {
                push(c);
            } else {
                folded.chars().for_each(push);
            }
        }
    }
    out
}

/// One word OCR read, with its confidence (0–100).
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// As read.
    pub text: String,
    /// Tesseract's confidence, 0–100.
    pub conf: f32,
}

/// The best reading of one exact text among the words of one OCR pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The words read, joined by spaces (as read, not normalised).
    pub found: String,
    /// Character edits between the normalised text and the normalised reading.
    pub distance: usize,
    /// `distance` over the longer of the two (0 = identical, 1 = nothing in common).
    pub ned: f64,
    /// `distance` over the text's length: the character error rate.
    pub cer: f64,
    /// The mean confidence of the words read.
    pub conf: f32,
    /// The words used, as `start..end` into the pass's words.
    pub span: std::ops::Range<usize>,
}

impl Match {
    /// True when the reading is the text, after normalisation.
    pub fn exact(&self) -> bool {
        self.distance == 0
    }
    /// Better than `other`: fewer edits, then more confidence.
    pub fn better_than(&self, other: &Match) -> bool {
        (self.distance, -self.conf) < (other.distance, -other.conf)
    }
}

/// The window of consecutive words (from one word fewer to two more than the text has, across
/// lines: a headline may wrap) closest to `expected`; `None` when nothing was read.
pub fn best_match(expected: &str, words: &[Word], case: Case) -> Option<Match> {
    let want = normalise(expected, case);
    let want_len = want.chars().count().max(1);
    // a text without spaces is read with the reading's spaces removed, over as many words as
    // it has characters (OCR splits such text at will)
    let spaced = want.contains(' ');
    let k = want.split(' ').count();
    let widest = if spaced { k + 2 } else { want_len + 1 };
    let normal: Vec<String> = words.iter().map(|w| normalise(&w.text, case)).collect();
    let mut best: Option<Match> = None;
    for start in 0..words.len() {
        let mut joined = String::new();
        for end in start + 1..=(start + widest).min(words.len()) {
            if spaced && !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(&normal[end - 1]);
            // at least one word fewer than the text has (a word read may itself hold spaces)
            if spaced && joined.split(' ').count() + 1 < k {
                continue;
            }
            let compared = if spaced {
                joined.clone()
            } else {
                joined.replace(' ', "")
            };
            let m = window_match(&want, want_len, &compared, &words[start..end], start);
            if best.as_ref().is_none_or(|b| m.better_than(b)) {
                best = Some(m);
            }
        }
    }
    best
}

/// The match of the words `read` (from `start`), read as `joined`, against `want`.
fn window_match(want: &str, want_len: usize, joined: &str, read: &[Word], start: usize) -> Match {
    let distance = strsim::levenshtein(want, joined);
    let longer = want_len.max(joined.chars().count()).max(1);
    let conf = read.iter().map(|w| w.conf).sum::<f32>() / read.len().max(1) as f32;
    Match {
        found: read
            .iter()
            .map(|w| w.text.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        distance,
        ned: distance as f64 / longer as f64,
        cer: distance as f64 / want_len as f64,
        conf,
        span: start..start + read.len(),
    }
}

/// True for a word that counts as text of its own: at least `min_chars` letters or digits.
pub fn is_wordlike(text: &str, min_chars: usize) -> bool {
    text.chars().filter(|c| c.is_alphanumeric()).count() >= min_chars
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<Word> {
        s.split_whitespace()
            .map(|t| Word {
                text: t.to_string(),
                conf: 90.0,
            })
            .collect()
    }

    #[test]
    fn normalises_as_declared() {
        assert_eq!(
            normalise("  Don\u{2019}t \n stop ", Case::Exact),
            "Don't stop"
        );
        assert_eq!(normalise("\u{201C}Hi\u{201D}", Case::Exact), "\"Hi\"");
        // NFC: e + combining acute is é
        assert_eq!(normalise("Cafe\u{301}", Case::Exact), "Caf\u{e9}");
        assert_eq!(normalise("BLUE Notes", Case::Ignore), "blue notes");
        assert_eq!(normalise("BLUE", Case::Exact), "BLUE");
        assert_eq!(
            normalise("9\u{2013}11 PM\u{2026}", Case::Exact),
            "9-11 PM..."
        );
        assert_eq!(normalise("\u{FB01}ne", Case::Exact), "fine");
    }

    #[test]
    fn text_without_spaces_ignores_the_readings_spaces() {
        let m = best_match("ジャズナイト", &words("ジャ ズ ナイ ト"), Case::Exact).unwrap();
        assert!(m.exact(), "{m:?}");
        let m = best_match("夜の東京", &words("夜 の 東京"), Case::Exact).unwrap();
        assert!(m.exact());
        assert!(
            !best_match("夜の東京", &words("夜 の 京"), Case::Exact)
                .unwrap()
                .exact()
        );
    }

    #[test]
    fn finds_the_best_window() {
        let read = words("JAZZ NIGHT Blue Notes Friday 9pm");
        let m = best_match("Blue Notes", &read, Case::Exact).unwrap();
        assert!(m.exact());
        assert_eq!(m.span, 2..4);
        let m = best_match("Blue Notes", &words("Blue Nates"), Case::Exact).unwrap();
        assert_eq!((m.distance, m.found.as_str()), (1, "Blue Nates"));
        assert!((m.cer - 0.1).abs() < 1e-9);
        // a word missing: the best window is the word that is there
        let m = best_match("Blue Notes Tonight", &words("Blue Notes"), Case::Exact).unwrap();
        assert_eq!(m.distance, 8);
        assert!(best_match("Blue", &[], Case::Exact).is_none());
        assert!(
            best_match("blue notes", &words("BLUE NOTES"), Case::Ignore)
                .unwrap()
                .exact()
        );
        assert!(
            !best_match("blue notes", &words("BLUE NOTES"), Case::Exact)
                .unwrap()
                .exact()
        );
    }

    #[test]
    fn wordlike() {
        assert!(is_wordlike("SALE", 3));
        assert!(!is_wordlike("—", 3));
        assert!(!is_wordlike("a.", 3));
    }
}
