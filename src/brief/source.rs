//! Source files (briefs, manifests): reading, format detection, parsing, and mapping a JSON path
//! back to a line and column.
use std::fmt;
use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic, Location};

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

    /// Parses a dotted path (`output.size`, `text.labels[1]`, `text["odd key"]`): the inverse of
    /// [`Display`](fmt::Display), whatever the keys hold. Text that no path displays as is read
    /// leniently (an unreadable bracket becomes a key), never a panic.
    pub fn parse(dotted: &str) -> Self {
        let mut segments = Vec::new();
        let mut rest = dotted;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('.') {
                rest = after;
                continue;
            }
            if rest.starts_with("[\"") {
                // a JSON string up to its closing quote, then `]`
                let mut de = serde_json::Deserializer::from_str(&rest[1..]).into_iter::<String>();
                if let Some(Ok(key)) = de.next() {
                    let used = 1 + de.byte_offset();
                    if rest[used..].starts_with(']') {
                        segments.push(Segment::Key(key));
                        rest = &rest[used + 1..];
                        continue;
                    }
                }
            } else if let Some(after) = rest.strip_prefix('[') {
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                if digits > 0
                    && after[digits..].starts_with(']')
                    && let Ok(n) = after[..digits].parse()
                {
                    segments.push(Segment::Index(n));
                    rest = &after[digits + 1..];
                    continue;
                }
            }
            // a plain key: up to the next `.` or `[` (at least one character)
            let first = rest.chars().next().map_or(1, char::len_utf8);
            let end = rest[first..]
                .find(['.', '['])
                .map_or(rest.len(), |i| i + first);
            segments.push(Segment::Key(rest[..end].to_string()));
            rest = &rest[end..];
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
    /// Where each node is, parsed once on the first [`SourceFile::locate`] and shared by the
    /// clones (a brief with many diagnostics, or many variants, is not parsed again for each).
    spans: Arc<std::sync::OnceLock<Option<SpanTree>>>,
}

impl SourceFile {
    /// Wraps text already in memory; the format is sniffed when not given.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>, format: Option<Format>) -> Self {
        let mut text: Arc<str> = text.into();
        // a UTF-8 byte-order mark is not part of the document (JSON forbids it, YAML skips it)
        if let Some(rest) = text.strip_prefix('\u{feff}') {
            text = Arc::from(rest);
        }
        let format = format.unwrap_or_else(|| Format::sniff(&text));
        SourceFile {
            name: name.into(),
            text,
            format,
            spans: Arc::default(),
        }
    }

    /// Reads a file, or standard input for `-`. The format comes from `forced`, the extension,
    /// or the content, in that order.
    pub fn read(path: &Path, forced: Option<Format>) -> Result<Self, Diagnostic> {
        let name = path.display().to_string();
        let (name, bytes) = if name == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .map_err(|e| io_error("<stdin>", &e))?;
            (String::from("<stdin>"), bytes)
        } else {
            let bytes = std::fs::read(path).map_err(|e| io_error(&name, &e))?;
            (name, bytes)
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            crate::brief::hints::not_text(&name, e.as_bytes(), at)
        })?;
        if name == "<stdin>" {
            return Ok(Self::new(name, text, forced));
        }
        let format = forced.or_else(|| Format::from_path(path));
        Ok(Self::new(name, text, format))
    }

    /// The first key set twice in one mapping: (path of the mapping, key, where it is first set,
    /// where again). Read on the error path only.
    fn duplicate_key(&self) -> Option<(JsonPath, String, Location, Location)> {
        let options = serde_saphyr::options! {
            duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        };
        let tree: SpanTree = serde_saphyr::from_str_with_options(&self.text, options).ok()?;
        fn walk(
            t: &SpanTree,
            at: &JsonPath,
        ) -> Option<(
            JsonPath,
            String,
            serde_saphyr::Location,
            serde_saphyr::Location,
        )> {
            match &t.kind {
                SpanKind::Map(entries) => {
                    for (i, (k, loc, _)) in entries.iter().enumerate() {
                        if let Some((_, first, _)) = entries[..i].iter().find(|(k2, _, _)| k2 == k)
                        {
                            return Some((at.clone(), k.clone(), *first, *loc));
                        }
                    }
                    entries
                        .iter()
                        .find_map(|(k, _, v)| walk(v, &at.key(k.clone())))
                }
                SpanKind::Seq(items) => items
                    .iter()
                    .enumerate()
                    .find_map(|(i, v)| walk(v, &at.index(i))),
                SpanKind::Leaf => None,
            }
        }
        let (at, key, first, second) = walk(&tree, &JsonPath::root())?;
        Some((
            at,
            key,
            self.to_location(first, false)?,
            self.to_location(second, false)?,
        ))
    }

    /// The error for a key set twice, pointing at both places.
    fn duplicate_error(&self) -> Option<Diagnostic> {
        let (at, key, first, second) = self.duplicate_key()?;
        let within = if at.0.is_empty() {
            String::new()
        } else {
            format!(" in `{at}`")
        };
        Some(
            Diagnostic::error(
                Code::DuplicateKey,
                format!("`{key}` is set twice{within}: a brief sets each field once"),
            )
            .with_label("set again here")
            .with_note(format!(
                "first set at {}:{}:{}",
                self.name, first.line, first.column
            ))
            .with_help(format!("keep one `{key}` and remove the other"))
            .at(&self.name, self.text.clone(), second),
        )
    }

    /// [`SourceFile::parse`] for a brief: an empty document (nothing but whitespace, comments and
    /// YAML markers) is an error saying so, with a starter to begin from.
    pub fn parse_brief(&self) -> Result<Value, Diagnostic> {
        let blank = match self.format {
            Format::Json => self.text.trim().is_empty(),
            Format::Yaml => crate::brief::hints::is_blank(&self.text),
        };
        if blank {
            return Err(crate::brief::hints::empty(&self.name));
        }
        self.parse()
    }

    /// Parses the text into a JSON value; syntax errors carry line and column. A key set twice in
    /// one mapping is an error in both formats, pointing at both places.
    pub fn parse(&self) -> Result<Value, Diagnostic> {
        match self.format {
            Format::Json => serde_json::from_str::<NoDuplicates>(&self.text)
                .map(|v| v.0)
                .map_err(|e| {
                    if e.to_string().starts_with(DUPLICATE)
                        && let Some(d) = self.duplicate_error()
                    {
                        return d;
                    }
                    let message = strip_position(&e.to_string());
                    // serde_json counts the column in bytes; a location counts characters
                    let column = char_column(&self.text, e.line(), e.column());
                    let location = Location::from_line_column(&self.text, e.line(), column, 1);
                    Diagnostic::error(Code::Syntax, format!("invalid JSON: {message}"))
                        .with_label("here")
                        .at(&self.name, self.text.clone(), location)
                }),
            Format::Yaml => {
                let options = serde_saphyr::options! {};
                serde_saphyr::from_str_with_options::<Value>(&self.text, options).map_err(|e| {
                    if e.to_string().contains("duplicate mapping key")
                        && let Some(d) = self.duplicate_error()
                    {
                        return d;
                    }
                    let message = e.render_with_options(serde_saphyr::render_options! {
                        snippets: serde_saphyr::SnippetMode::Off,
                    });
                    let message = yaml_message(&strip_position(&message));
                    let d = Diagnostic::error(Code::Syntax, format!("invalid YAML: {message}"));
                    let line = e.location().map_or(0, |l| l.line() as usize);
                    if let Some(hint) =
                        crate::brief::hints::indentation(&self.name, &self.text, line)
                    {
                        return hint;
                    }
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
        let tree = self
            .spans
            .get_or_init(|| serde_saphyr::from_str::<SpanTree>(&self.text).ok())
            .as_ref()?;
        let mut node = tree;
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

/// The YAML reader's message in the brief's words where it names the reader's own API or types.
fn yaml_message(message: &str) -> String {
    if message.contains("multiple YAML documents") {
        String::from(
            "the file holds several YAML documents (separated by `---`); a brief is one document",
        )
    } else if let Some(rest) = message.strip_prefix("budget breached: Depth { depth: ") {
        let depth = rest.trim_end_matches([' ', '}']);
        format!("the brief nests {depth} levels deep, more than the 64 a brief may have")
    } else if message.starts_with("budget breached") {
        String::from("the document is larger or more complex than a brief may be")
    } else {
        message.to_string()
    }
}

/// The 1-based character column of a 1-based byte column on `line` of `text`.
fn char_column(text: &str, line: usize, byte_column: usize) -> usize {
    let l = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let mut end = byte_column.saturating_sub(1).min(l.len());
    while !l.is_char_boundary(end) {
        end -= 1;
    }
    l[..end].chars().count() + 1
}

/// An I/O error as a diagnostic (exit code 2).
pub fn io_error(name: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::error(Code::Io, format!("cannot read `{name}`: {e}")).in_file(name)
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

const DUPLICATE: &str = "duplicate key";

/// A JSON value whose objects refuse a key set twice (serde_json keeps the last silently).
struct NoDuplicates(Value);

impl<'de> Deserialize<'de> for NoDuplicates {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NoDupVisitor).map(NoDuplicates)
    }
}

struct NoDupVisitor;

impl<'de> Visitor<'de> for NoDupVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(NoDupVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(NoDuplicates(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut m = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            // one hash per key: the entry is looked up once, and filled after its value is read
            match m.entry(key) {
                serde_json::map::Entry::Occupied(e) => {
                    return Err(de::Error::custom(format!("{DUPLICATE} `{}`", e.key())));
                }
                serde_json::map::Entry::Vacant(e) => {
                    let NoDuplicates(v) = map.next_value()?;
                    e.insert(v);
                }
            }
        }
        Ok(Value::Object(m))
    }
}

/// A parse tree that only keeps where each node is, for [`SourceFile::locate`].
#[derive(Debug)]
struct SpanTree {
    loc: serde_saphyr::Location,
    kind: SpanKind,
}

#[derive(Debug)]
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
