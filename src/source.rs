//! Source files (briefs, manifests): reading, format detection, parsing, and mapping a JSON path
//! back to a line and column.
use std::fmt;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Location};

/// The serialisation format of a brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JSON (`.json`, `.jsonl`).
    Json,
    /// YAML (`.yaml`, `.yml`).
    Yaml,
}

impl Format {
    /// The format implied by a file name's extension, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" | "jsonl" | "ndjson" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }

    /// Guesses from the content: JSON objects start with `{`.
    pub fn sniff(text: &str) -> Format {
        if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
        {
            Format::Json
        } else {
            Format::Yaml
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        })
    }
}

/// One segment of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// An object key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A path into a JSON/YAML document, displayed as `output.size` or `text.labels[1]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JsonPath(pub Vec<Segment>);

impl JsonPath {
    /// The empty path (the document root).
    pub fn root() -> Self {
        JsonPath(Vec::new())
    }

    /// Parses a JSON pointer (`/output/size`).
    pub fn from_pointer(pointer: &str) -> Self {
        JsonPath(
            pointer
                .split('/')
                .skip(1)
                .map(|s| s.replace("~1", "/").replace("~0", "~"))
                .map(|s| match s.parse::<usize>() {
                    Ok(i) if !s.starts_with('+') && (s == "0" || !s.starts_with('0')) => {
                        Segment::Index(i)
                    }
                    _ => Segment::Key(s),
                })
                .collect(),
        )
    }

    /// Parses a dotted path (`output.size`, `text.labels[1]`).
    pub fn parse(dotted: &str) -> Self {
        let mut segments = Vec::new();
        for part in dotted.split('.').filter(|p| !p.is_empty()) {
            let mut rest = part;
            if let Some(i) = rest.find('[') {
                segments.push(Segment::Key(rest[..i].to_string()));
                rest = &rest[i..];
                while let Some(end) = rest.find(']') {
                    if let Ok(n) = rest[1..end].parse() {
                        segments.push(Segment::Index(n));
                    }
                    rest = &rest[end + 1..];
                }
            } else {
                segments.push(Segment::Key(rest.to_string()));
            }
        }
        JsonPath(segments)
    }

    /// Appends a key.
    #[must_use]
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Key(key.into()));
        p
    }

    /// Appends an index.
    #[must_use]
    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Segment::Index(i));
        p
    }

    /// The last key, if the path ends with one.
    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Segment::Key(k)) => Some(k),
            _ => None,
        }
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for seg in &self.0 {
            match seg {
                Segment::Key(k) if is_identifier(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => write!(f, "[{}]", serde_json::Value::from(k.as_str()))?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

fn is_identifier(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// A file read into memory, with its name as the user gave it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name used in diagnostics (`examples/poster.yaml`, `<stdin>`).
    pub name: String,
    /// The whole text.
    pub text: Arc<str>,
    /// JSON or YAML.
    pub format: Format,
}

impl SourceFile {
    /// Wraps text already in memory; the format is sniffed when not given.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>, format: Option<Format>) -> Self {
        let text = text.into();
        let format = format.unwrap_or_else(|| Format::sniff(&text));
        SourceFile {
            name: name.into(),
            text,
            format,
        }
    }

    /// Reads a file, or standard input for `-`. The format comes from `forced`, the extension,
    /// or the content, in that order.
    pub fn read(path: &Path, forced: Option<Format>) -> Result<Self, Diagnostic> {
        let name = path.display().to_string();
        let text = if name == "-" {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| io_error("<stdin>", &e))?;
            return Ok(Self::new("<stdin>", s, forced));
        } else {
            std::fs::read_to_string(path).map_err(|e| io_error(&name, &e))?
        };
        let format = forced.or_else(|| Format::from_path(path));
        Ok(Self::new(name, text, format))
    }

    /// Parses the text into a JSON value; syntax errors carry line and column.
    pub fn parse(&self) -> Result<Value, Diagnostic> {
        match self.format {
            Format::Json => serde_json::from_str(&self.text).map_err(|e| {
                let message = strip_position(&e.to_string());
                let location = Location::from_line_column(&self.text, e.line(), e.column(), 1);
                Diagnostic::error("syntax", format!("invalid JSON: {message}"))
                    .with_label("here")
                    .at(&self.name, self.text.clone(), location)
            }),
            Format::Yaml => {
                let options = serde_saphyr::options! {};
                serde_saphyr::from_str_with_options::<Value>(&self.text, options).map_err(|e| {
                    let message = e.render_with_options(serde_saphyr::render_options! {
                        snippets: serde_saphyr::SnippetMode::Off,
                    });
                    let message = strip_position(&message);
                    let d = Diagnostic::error("syntax", format!("invalid YAML: {message}"));
                    match e.location() {
                        Some(loc) if loc.line() > 0 => {
                            let location = Location::from_line_column(
                                &self.text,
                                loc.line() as usize,
                                loc.column() as usize,
                                1,
                            );
                            d.with_label("here")
                                .at(&self.name, self.text.clone(), location)
                        }
                        _ => d.in_file(&self.name),
                    }
                })
            }
        }
    }

    /// Where the value at `path` is written. With `key`, points at the key instead of the value
    /// (for "unknown field" errors). `None` when the path cannot be found.
    pub fn locate(&self, path: &JsonPath, key: bool) -> Option<Location> {
        let tree: SpanTree = serde_saphyr::from_str(&self.text).ok()?;
        let mut node = &tree;
        let mut key_loc = None;
        for seg in &path.0 {
            match (seg, &node.kind) {
                (Segment::Key(k), SpanKind::Map(entries)) => {
                    let (_, kl, child) = entries.iter().find(|(name, _, _)| name == k)?;
                    key_loc = Some(*kl);
                    node = child;
                }
                (Segment::Index(i), SpanKind::Seq(items)) => {
                    key_loc = None;
                    node = items.get(*i)?;
                }
                _ => return None,
            }
        }
        let loc = if key {
            key_loc.unwrap_or(node.loc)
        } else {
            node.loc
        };
        self.to_location(loc, !key && matches!(node.kind, SpanKind::Leaf))
    }

    fn to_location(&self, loc: serde_saphyr::Location, whole: bool) -> Option<Location> {
        if loc.line() == 0 {
            return None;
        }
        let span = loc.span();
        match (span.byte_offset(), span.byte_len()) {
            (Some(start), Some(len)) if len > 0 => {
                let start = start as usize;
                let mut end = start + len as usize;
                if !whole {
                    // containers: underline the first line only
                    end = self.text[start..end.min(self.text.len())]
                        .find('\n')
                        .map_or(end, |i| start + i);
                }
                Some(Location::from_range(
                    &self.text,
                    start..end.min(self.text.len()),
                ))
            }
            _ => Some(Location::from_line_column(
                &self.text,
                loc.line() as usize,
                loc.column() as usize,
                1,
            )),
        }
    }

    /// A diagnostic pointing at `path` in this file (or just naming the file when the path
    /// cannot be located).
    pub fn point(&self, diagnostic: Diagnostic, path: &JsonPath, key: bool) -> Diagnostic {
        let diagnostic = diagnostic.with_path(path.to_string());
        match self.locate(path, key) {
            Some(location) => diagnostic.at(&self.name, self.text.clone(), location),
            None => diagnostic.in_file(&self.name),
        }
    }
}

/// An I/O error as a diagnostic (exit code 2).
pub fn io_error(name: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error("io", format!("cannot read `{name}`: {e}")).in_file(name)
}

fn strip_position(message: &str) -> String {
    let re = regex_lite_position();
    re.replace_all(message, "").trim().to_string()
}

fn regex_lite_position() -> &'static regex::Regex {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(r"\s*(?:at )?line \d+,? column \d+\.?$").expect("valid regex")
    })
}

/// A parse tree that only keeps where each node is, for [`SourceFile::locate`].
struct SpanTree {
    loc: serde_saphyr::Location,
    kind: SpanKind,
}

enum SpanKind {
    Leaf,
    Seq(Vec<SpanTree>),
    Map(Vec<(String, serde_saphyr::Location, SpanTree)>),
}

impl<'de> Deserialize<'de> for SpanTree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = serde_saphyr::Spanned::<SpanKind>::deserialize(d)?;
        Ok(SpanTree {
            loc: s.referenced,
            kind: s.value,
        })
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = SpanKind;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_unit<E: de::Error>(self) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_none<E: de::Error>(self) -> Result<SpanKind, E> {
        Ok(SpanKind::Leaf)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<SpanKind, D::Error> {
        d.deserialize_any(KindVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<SpanKind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<SpanTree>()? {
            items.push(item);
        }
        Ok(SpanKind::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SpanKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<serde_saphyr::Spanned<KeyString>>()? {
            let value = map.next_value::<SpanTree>()?;
            entries.push((key.value.0, key.referenced, value));
        }
        Ok(SpanKind::Map(entries))
    }
}

impl<'de> Deserialize<'de> for SpanKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<KeyString, E> {
                Ok(KeyString(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyString, E> {
                Ok(KeyString(v.to_string()))
            }
        }
        // not `deserialize_any`: YAML 1.1 would read the key `n` as a boolean
        d.deserialize_string(V)
    }
}
