//! Sizes and ratios as a brief writes them, parsed once when it is read: `WIDTHxHEIGHT` pixels,
//! `auto`, aspect ratios, and what a request asks for ([`Dimensions`]). Checking them against a
//! model's rules is validation's part (the validate step's `size` module).
use std::fmt;

/// A concrete size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Size {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Size {
    /// Parses `1024x1536` (also `1024X1536` and `1024×1536`).
    pub fn parse(s: &str) -> Option<Size> {
        let s = s.trim();
        let (w, h) = s.split_once(['x', 'X', '×'])?;
        let width = w.trim().parse().ok()?;
        let height = h.trim().parse().ok()?;
        (width > 0 && height > 0).then_some(Size { width, height })
    }

    /// Width over height.
    pub fn ratio(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height)
    }

    /// Total pixels.
    pub fn pixels(&self) -> u64 {
        u64::from(self.width) * u64::from(self.height)
    }

    /// `portrait`, `landscape` or `square`.
    pub fn orientation(&self) -> &'static str {
        match self.width.cmp(&self.height) {
            std::cmp::Ordering::Less => "portrait",
            std::cmp::Ordering::Greater => "landscape",
            std::cmp::Ordering::Equal => "square",
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// `output.size` as a brief writes it (`1024x1536`, `auto`), parsed once when the brief is read
/// and kept as written. A value the brief schema admits but the numbers do not (`0x5`, an edge
/// past 4,294,967,295) reads as no size: each target reports it at `output.size` in its words.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub struct OutputSize {
    text: String,
    value: Option<Dimensions>,
}

impl OutputSize {
    /// As written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// `auto`.
    pub fn is_auto(&self) -> bool {
        self.value == Some(Dimensions::Auto)
    }
    /// The exact pixels, when it names readable ones.
    pub fn pixels(&self) -> Option<Size> {
        self.value.as_ref().and_then(Dimensions::pixels)
    }
}

impl From<String> for OutputSize {
    fn from(text: String) -> OutputSize {
        let value = match text.as_str() {
            "auto" => Some(Dimensions::Auto),
            s => Size::parse(s).map(Dimensions::Pixels),
        };
        OutputSize { text, value }
    }
}

impl From<OutputSize> for String {
    fn from(s: OutputSize) -> String {
        s.text
    }
}

/// `output.aspect_ratio` as a brief writes it (`9:16`), parsed once when the brief is read and
/// kept as written; `None` as its value when the numbers are not a ratio (`0:5`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub struct OutputRatio {
    text: String,
    value: Option<f64>,
}

impl OutputRatio {
    /// As written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
    /// Width over height, when it is a ratio of two positive numbers.
    pub fn value(&self) -> Option<f64> {
        self.value
    }
}

impl From<String> for OutputRatio {
    fn from(text: String) -> OutputRatio {
        let value = parse_ratio(&text);
        OutputRatio { text, value }
    }
}

impl From<OutputRatio> for String {
    fn from(r: OutputRatio) -> String {
        r.text
    }
}

impl fmt::Display for OutputRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Display for OutputSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What a request asks for in size: exact pixels, an aspect ratio, or `auto` (the model
/// chooses). Parsed once, where the request is built; cost, lint, generate and verify read it.
#[derive(Debug, Clone, PartialEq)]
pub enum Dimensions {
    /// The model chooses.
    Auto,
    /// Exact pixels.
    Pixels(Size),
    /// An aspect ratio (targets that take ratios, not sizes).
    Ratio(AspectRatio),
}

impl Dimensions {
    /// Parses `auto`, `WIDTHxHEIGHT` or `W:H`.
    pub fn parse(s: &str) -> Option<Dimensions> {
        if s == "auto" {
            return Some(Dimensions::Auto);
        }
        Size::parse(s)
            .map(Dimensions::Pixels)
            .or_else(|| AspectRatio::parse(s).map(Dimensions::Ratio))
    }

    /// The exact pixels, when the request names them.
    pub fn pixels(&self) -> Option<Size> {
        match self {
            Dimensions::Pixels(s) => Some(*s),
            _ => None,
        }
    }

    /// Width over height, when the request states it (`None` for `auto`).
    pub fn ratio(&self) -> Option<f64> {
        match self {
            Dimensions::Auto => None,
            Dimensions::Pixels(s) => Some(s.ratio()),
            Dimensions::Ratio(r) => Some(r.value()),
        }
    }
}

impl fmt::Display for Dimensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dimensions::Auto => f.write_str("auto"),
            Dimensions::Pixels(s) => s.fmt(f),
            Dimensions::Ratio(r) => r.fmt(f),
        }
    }
}

/// An aspect ratio as written (`9:16`, `1.91:1`) with its value, width over height: parsed once,
/// where it is read.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AspectRatio {
    text: String,
    value: f64,
}

impl AspectRatio {
    /// Parses `9:16` (or `1.91:1`); `None` when it is not a ratio of two positive numbers.
    pub fn parse(s: &str) -> Option<AspectRatio> {
        parse_ratio(s).map(|value| AspectRatio {
            text: s.to_string(),
            value,
        })
    }

    /// Width over height.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// As written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl TryFrom<String> for AspectRatio {
    type Error = String;
    fn try_from(text: String) -> Result<AspectRatio, String> {
        match parse_ratio(&text) {
            Some(value) => Ok(AspectRatio { text, value }),
            None => Err(format!(
                "`{text}` is not an aspect ratio (write it as `WIDTH:HEIGHT`, e.g. `9:16`)"
            )),
        }
    }
}

impl From<AspectRatio> for String {
    fn from(r: AspectRatio) -> String {
        r.text
    }
}

impl fmt::Display for AspectRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Parses `9:16` (or `1.91:1`) into width/height.
pub fn parse_ratio(s: &str) -> Option<f64> {
    let (a, b) = s.trim().split_once(':')?;
    let a: f64 = a.trim().parse().ok()?;
    let b: f64 = b.trim().parse().ok()?;
    (a > 0.0 && b > 0.0 && a.is_finite() && b.is_finite()).then(|| a / b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_sizes_are_parsed_once_and_kept_as_written() {
        let s: OutputSize = serde_json::from_value(serde_json::json!("1024x1536")).expect("size");
        assert_eq!(
            s.pixels(),
            Some(Size {
                width: 1024,
                height: 1536
            })
        );
        assert!(!s.is_auto());
        let s: OutputSize = serde_json::from_value(serde_json::json!("auto")).expect("size");
        assert!(s.is_auto() && s.pixels().is_none());
        // the schema's pattern admits it, the numbers do not: no size, the text kept for the error
        let s: OutputSize =
            serde_json::from_value(serde_json::json!("99999999999x1")).expect("size");
        assert_eq!((s.pixels(), s.as_str()), (None, "99999999999x1"));
        assert_eq!(serde_json::to_value(&s).expect("json"), "99999999999x1");
        let r: OutputRatio = serde_json::from_value(serde_json::json!("9:16")).expect("ratio");
        assert_eq!(r.value(), Some(9.0 / 16.0));
        let r: OutputRatio = serde_json::from_value(serde_json::json!("0:5")).expect("ratio");
        assert_eq!((r.value(), r.as_str()), (None, "0:5"));
    }
}
