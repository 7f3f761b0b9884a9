//! Exact text against what OCR read: one declared normalisation, then the best window of read
//! words per text, scored as the text-rendering benchmarks score it (exact match, normalised
//! edit distance, character error rate).
//!
//! The normalisation, applied to both sides and nothing else: Unicode NFC; every run of
//! whitespace one space, none at the ends; curly quotes straight (`‘’‚‛′` → `'`, `“”„‟″` →
//! `"`); dashes one hyphen (`‐‑‒–—―−` → `-`: OCR cannot tell them apart); `…` three dots; the
//! Latin ligatures spelled out (`ﬁ` → `fi`, U+FB00–FB06); full-width ASCII forms (`２０２５`,
//! U+FF01–FF5E) as ASCII; and, under [`Case::Ignore`] only, lower case. A text in a script
//! written without spaces between words (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar) is
//! compared with every space removed on both sides: OCR splits such text into words at will.
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
            let c = match u32::from(c) {
                0xFF01..=0xFF5E => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                _ => c,
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

/// True for a character of a script written without spaces between words.
pub fn is_spaceless(c: char) -> bool {
    matches!(u32::from(c),
        0x3040..=0x30FF // Hiragana, Katakana
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF // Han
        | 0x31F0..=0x31FF | 0xFF66..=0xFF9F // Katakana extensions, half-width
        | 0x0E00..=0x0EFF // Thai, Lao
        | 0x1000..=0x109F // Myanmar
        | 0x1780..=0x17FF // Khmer
    )
}

/// The window of consecutive words (from one word fewer to two more than the text has, across
/// lines: a headline may wrap) closest to `expected`, among the words no range of `taken`
/// holds; `None` when no word is left.
pub fn best_match(expected: &str, words: &[Word], case: Case) -> Option<Match> {
    best_match_among(expected, words, case, &[])
}

/// [`best_match`] over the words outside `taken` (the readings of other texts).
pub fn best_match_among(
    expected: &str,
    words: &[Word],
    case: Case,
    taken: &[std::ops::Range<usize>],
) -> Option<Match> {
    let mut want = normalise(expected, case);
    // a script without word spaces: compared with every space removed, over as many read words
    // as it has characters
    let spaceless = want.chars().any(is_spaceless);
    if spaceless {
        want.retain(|c| c != ' ');
    }
    let want_len = want.chars().count().max(1);
    let k = want.split(' ').count();
    let widest = if spaceless { want_len + 1 } else { k + 2 };
    let normal: Vec<String> = words.iter().map(|w| normalise(&w.text, case)).collect();
    let free = |i: usize| !taken.iter().any(|t| t.contains(&i));
    let mut best: Option<Match> = None;
    for start in 0..words.len() {
        let mut joined = String::new();
        for end in start + 1..=(start + widest).min(words.len()) {
            if !free(end - 1) {
                break;
            }
            if !spaceless && !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(&normal[end - 1]);
            if spaceless {
                joined.retain(|c| c != ' ');
            } else if joined.split(' ').count() + 1 < k {
                // at least one word fewer than the text has (a word read may hold spaces)
                continue;
            }
            let m = window_match(&want, want_len, &joined, &words[start..end], start);
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

/// True for a word that counts as text of its own: at least `min_chars` letters or digits (two
/// characters of a script without word spaces, where a word is one or two characters).
pub fn is_wordlike(text: &str, min_chars: usize) -> bool {
    let n = text.chars().filter(|c| c.is_alphanumeric()).count();
    if text.chars().any(is_spaceless) {
        return n >= 2.min(min_chars);
    }
    n >= min_chars
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
        // a space in the text, a split in the reading, full-width digits read as ASCII
        assert!(
            best_match("東京 ジャズ", &words("東京 ジャ ズ"), Case::Exact)
                .unwrap()
                .exact()
        );
        assert!(
            best_match("ジャズ２０２５", &words("ジャズ 2025"), Case::Exact)
                .unwrap()
                .exact()
        );
        // a Latin word split in two is not the word
        assert!(
            !best_match("BREAKFAST", &words("BREAK FAST"), Case::Exact)
                .unwrap()
                .exact()
        );
    }

    #[test]
    fn a_word_read_for_one_text_is_not_anothers() {
        let read = words("Blue Notes");
        let first = best_match("Blue Notes", &read, Case::Exact).unwrap();
        let second = best_match_among("Blue", &read, Case::Exact, &[first.span]);
        assert!(second.is_none());
        assert!(is_wordlike("無料", 3) && !is_wordlike("本", 3));
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
