//! Verify: check a generated image against its brief, the last step of the pipeline.
//!
//! The checks come from what the brief and its request ask for ([`Expected`]):
//!
//! - `format`: the file's bytes are the format requested, and the extension agrees;
//! - `size`: the pixels requested, or the aspect ratio within a tolerance;
//! - `alpha`: transparent pixels, where a transparent background was asked for;
//! - `text`: each exact text, per role, read by OCR ([`ocr`], Tesseract) and compared after one
//!   declared normalisation ([`text::normalise`]), with its edit distance and character error
//!   rate;
//! - `extra-text`: under a strict text rule, confident words that no exact text accounts for.
//!
//! A check that cannot be decided (an unreadable image, a reading below the confidence floor) is
//! [`Status::Unverified`], never a pass.
//!
//! ```
//! use imgprompt::verify::{CheckKind, Expected, Options, Status, verify_bytes};
//!
//! // a 2×1 PNG, without OCR: format and size only
//! let mut png = Vec::new();
//! image::RgbImage::new(2, 1)
//!     .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
//!     .unwrap();
//! let expected = Expected { format: Some("png".into()), size: Some("2x1".into()), ..Expected::default() };
//! let report = verify_bytes(&png, "a.png".as_ref(), &expected, &Options::default(), None);
//! assert!(report.passed);
//! assert_eq!(report.checks[0].check, CheckKind::Format);
//! ```
use serde::Serialize;
use serde_json::{Value, json};

pub mod expected;
pub mod folder;
pub mod ocr;
pub mod pixels;
pub mod reading;
pub mod text;

pub use expected::{Expected, ExpectedText};
pub use text::Case;

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Checked, and right.
    Pass,
    /// Checked, and wrong.
    Fail,
    /// Could not be decided: not a pass.
    Unverified,
}

impl Status {
    /// Pass or fail.
    pub fn from_pass(ok: bool) -> Status {
        if ok { Status::Pass } else { Status::Fail }
    }
    /// `pass`, `fail`, `unverified`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Unverified => "unverified",
        }
    }
}

/// Which check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// The file format.
    Format,
    /// The pixel size or aspect ratio.
    Size,
    /// Transparency.
    Alpha,
    /// An exact text.
    Text,
    /// Text beyond the exact texts.
    ExtraText,
}

impl CheckKind {
    /// Every check, in report order.
    pub const ALL: [CheckKind; 5] = [
        CheckKind::Format,
        CheckKind::Size,
        CheckKind::Alpha,
        CheckKind::Text,
        CheckKind::ExtraText,
    ];
    /// `format`, `size`, `alpha`, `text`, `extra-text`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Format => "format",
            CheckKind::Size => "size",
            CheckKind::Alpha => "alpha",
            CheckKind::Text => "text",
            CheckKind::ExtraText => "extra-text",
        }
    }
    /// The check named `s`.
    pub fn parse(s: &str) -> Option<CheckKind> {
        CheckKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The scores of a text check, as text-rendering benchmarks report them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    /// Character edits between the text and the best reading (normalised).
    pub distance: usize,
    /// Normalised edit distance, 0–1.
    pub ned: f64,
    /// Character error rate: edits over the text's length.
    pub cer: f64,
    /// The mean OCR confidence of the words read, 0–100.
    pub confidence: f64,
}

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Which check.
    pub check: CheckKind,
    /// The text role, for `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Its verdict.
    pub status: Status,
    /// What was asked for.
    pub expected: Value,
    /// What the image has.
    pub found: Value,
    /// Text scores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scores: Option<Scores>,
    /// Why, when it is not a plain pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Check {
    /// A check that could not be decided, and why.
    pub fn unverified(check: CheckKind, role: Option<String>, expected: Value, why: &str) -> Check {
        Check {
            check,
            role,
            status: Status::Unverified,
            expected,
            found: Value::Null,
            scores: None,
            note: Some(why.to_string()),
        }
    }
    /// `true`, `false`, or `null` when unverified.
    fn passed(&self) -> Value {
        match self.status {
            Status::Pass => json!(true),
            Status::Fail => json!(false),
            Status::Unverified => Value::Null,
        }
    }
}

/// One image's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The image file.
    pub image: String,
    /// Every check passed (an unverified one is not a pass).
    pub passed: bool,
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let checks: Vec<Value> = self
            .checks
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c).unwrap_or(Value::Null);
                v["passed"] = c.passed();
                v
            })
            .collect();
        json!({"image": self.image, "passed": self.passed, "status": self.status().as_str(), "checks": checks})
            .serialize(s)
    }
}

impl Report {
    /// Fail when a check failed, else unverified when one is, else pass.
    pub fn status(&self) -> Status {
        let has = |s| self.checks.iter().any(|c| c.status == s);
        if has(Status::Fail) {
            Status::Fail
        } else if has(Status::Unverified) {
            Status::Unverified
        } else {
            Status::Pass
        }
    }
    /// From its checks.
    pub fn new(image: String, checks: Vec<Check>) -> Report {
        let passed = checks.iter().all(|c| c.status == Status::Pass);
        Report {
            image,
            passed,
            checks,
        }
    }
}

/// How strictly to verify.
#[derive(Debug, Clone)]
pub struct Options {
    /// The checks to run (the others are left out of the report).
    pub checks: Vec<CheckKind>,
    /// How letter case counts.
    pub case: Case,
    /// A reading below this mean confidence (0–100) cannot fail a text: it is unverified.
    pub min_confidence: f32,
    /// The confidence (0–100) above which an unaccounted word is extra text.
    pub extra_confidence: f32,
    /// The letters or digits a word needs to count as extra text.
    pub extra_min_chars: usize,
    /// How far an aspect ratio may be from the one requested (0.03 = 3 %).
    pub ratio_tolerance: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            checks: CheckKind::ALL.to_vec(),
            case: Case::Exact,
            min_confidence: 60.0,
            extra_confidence: 80.0,
            extra_min_chars: 3,
            ratio_tolerance: 0.03,
        }
    }
}

impl Options {
    fn wants(&self, k: CheckKind) -> bool {
        self.checks.contains(&k)
    }
}

/// Verifies the file at `path` (a regular file, read whole, at most 256 MiB): a file that cannot
/// be read, or is not a regular file (a pipe, a device), is unverified.
pub fn verify_file(
    path: &std::path::Path,
    expected: &Expected,
    options: &Options,
    ocr: Option<&ocr::Tesseract>,
) -> Report {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => Err(String::from("not a regular file")),
        Ok(_) => std::fs::File::open(path)
            .and_then(|f| f.take(256 << 20).read_to_end(&mut bytes).map(|_| ()))
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = read {
        let why = format!("cannot read {}: {e}", path.display());
        let mut checks = Vec::new();
        if options.wants(CheckKind::Format) {
            checks.push(Check::unverified(
                CheckKind::Format,
                None,
                json!(expected.format),
                &why,
            ));
        }
        checks.extend(undecided(expected, options, &why));
        return Report::new(path.display().to_string(), checks);
    }
    verify_bytes(&bytes, path, expected, options, ocr)
}

/// Verifies an image's bytes (`path` names it and gives its extension). Without `ocr` the text
/// checks are unverified. The size is read from the header; the pixels are decoded only for the
/// checks that need them (alpha, text).
pub fn verify_bytes(
    bytes: &[u8],
    path: &std::path::Path,
    expected: &Expected,
    options: &Options,
    ocr: Option<&ocr::Tesseract>,
) -> Report {
    let mut checks = Vec::new();
    if options.wants(CheckKind::Format) {
        checks.push(pixels::format(bytes, path, expected.format.as_deref()));
    }
    let raster = !matches!(crate::app::image::sniff(bytes), Some("svg"));
    let not_raster = || String::from("an SVG is not rasterised by verify");
    if let Some(size) = expected
        .size
        .as_ref()
        .filter(|_| options.wants(CheckKind::Size))
    {
        let header = if raster {
            pixels::dimensions(bytes)
        } else {
            Err(not_raster())
        };
        checks.push(match (expected.dimensions(), header) {
            (None, _) => Check::unverified(
                CheckKind::Size,
                None,
                json!(size),
                "the size asked for is neither WIDTHxHEIGHT nor W:H",
            ),
            (Some(want), Ok((w, h))) => pixels::size(w, h, &want, options.ratio_tolerance),
            (Some(_), Err(why)) => Check::unverified(
                CheckKind::Size,
                None,
                json!(size),
                &format!("the image cannot be decoded: {why}"),
            ),
        });
    }
    let rest = Expected {
        size: None,
        ..expected.clone()
    };
    if undecided(&rest, options, "").is_empty() {
        return Report::new(path.display().to_string(), checks);
    }
    let decoded = if raster {
        pixels::decode(bytes)
    } else {
        Err(not_raster())
    };
    let img = match decoded {
        Ok(img) => img,
        Err(why) => {
            let why = format!("the image cannot be decoded: {why}");
            checks.extend(undecided(&rest, options, &why));
            return Report::new(path.display().to_string(), checks);
        }
    };
    if expected.transparent && options.wants(CheckKind::Alpha) {
        checks.push(pixels::alpha(&img));
    }
    checks.extend(reading::text_checks(&img, expected, options, ocr));
    Report::new(path.display().to_string(), checks)
}

/// Every pixel check that applies, unverified for `why`.
fn undecided(expected: &Expected, options: &Options, why: &str) -> Vec<Check> {
    let mut out = Vec::new();
    if let Some(size) = expected
        .size
        .as_ref()
        .filter(|_| options.wants(CheckKind::Size))
    {
        out.push(Check::unverified(CheckKind::Size, None, json!(size), why));
    }
    if expected.transparent && options.wants(CheckKind::Alpha) {
        out.push(Check::unverified(
            CheckKind::Alpha,
            None,
            json!("transparent background"),
            why,
        ));
    }
    if options.wants(CheckKind::Text) {
        for t in &expected.texts {
            out.push(Check::unverified(
                CheckKind::Text,
                Some(t.role.clone()),
                json!(t.text),
                why,
            ));
        }
    }
    if expected.no_other_text && options.wants(CheckKind::ExtraText) {
        out.push(Check::unverified(
            CheckKind::ExtraText,
            None,
            json!("no other text"),
            why,
        ));
    }
    out
}
