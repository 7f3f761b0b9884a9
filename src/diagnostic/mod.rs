//! Diagnostics: errors and warnings as data, rendered rustc-style or as JSON.

pub mod suggest;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

mod code;
pub use code::{Code, ExitClass};

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational only.
    Note,
    /// The request can be sent, but something deserves attention.
    Warning,
    /// The input is invalid: nothing is emitted for it.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A position in a source file: 1-based line and column (in characters), plus the byte range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// Byte range in the source text.
    #[serde(skip)]
    pub range: Range<usize>,
}

impl Location {
    /// The location of a byte range in `text`.
    pub fn from_range(text: &str, range: Range<usize>) -> Self {
        let start = range.start.min(text.len());
        let before = &text[..floor_char_boundary(text, start)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Location {
            line,
            column,
            range,
        }
    }

    /// The byte range of a 1-based line and column (in characters) in `text`, `len` characters long.
    pub fn from_line_column(text: &str, line: usize, column: usize, len: usize) -> Self {
        let mut offset = 0;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                let start = offset
                    + l.char_indices()
                        .nth(column.saturating_sub(1))
                        .map_or(l.trim_end_matches('\n').len(), |(b, _)| b);
                let end = text[start..]
                    .char_indices()
                    .nth(len.max(1))
                    .map_or(text.len(), |(b, _)| start + b);
                let end = end.min(start + text[start..].find('\n').unwrap_or(text.len() - start));
                return Location {
                    line,
                    column,
                    range: start..end.max(start),
                };
            }
            offset += l.len();
        }
        Location {
            line,
            column,
            range: text.len()..text.len(),
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// One finding: an error or a warning about a brief, a preset, a template or a payload.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable identifier, e.g. `unknown-field` or `invalid-size`.
    pub code: Code,
    /// The one-line message.
    pub message: String,
    /// The file the finding is in, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Where in that file.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The JSON path of the offending value in the brief or payload, e.g. `output.size`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A short label under the caret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The likely fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Further context.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip)]
    source: Option<Arc<str>>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A new warning.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            file: None,
            location: None,
            path: None,
            label: None,
            help: None,
            notes: Vec::new(),
            source: None,
        }
    }

    /// Sets the JSON path.
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        let path = path.into();
        self.path = (!path.is_empty()).then_some(path);
        self
    }

    /// Sets the likely fix.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help only when there is one.
    #[must_use]
    pub fn with_help_opt(self, help: Option<String>) -> Self {
        match help {
            Some(h) => self.with_help(h),
            None => self,
        }
    }

    /// Sets the caret label.
    #[must_use]
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a note.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Adds a note only when there is one.
    #[must_use]
    pub fn with_note_opt(self, note: Option<String>) -> Self {
        match note {
            Some(n) => self.with_note(n),
            None => self,
        }
    }

    /// Names the file without pointing into it.
    #[must_use]
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Points at `location` in `source` (the text of `file`).
    #[must_use]
    pub fn at(mut self, file: impl Into<String>, source: Arc<str>, location: Location) -> Self {
        self.file = Some(file.into());
        self.source = Some(source);
        self.location = Some(location);
        self
    }

    /// The same finding as an error (`--strict`).
    #[must_use]
    pub fn into_strict_error(mut self) -> Self {
        if self.severity == Severity::Warning {
            self.severity = Severity::Error;
            self.notes
                .push(String::from("a warning, made an error by --strict"));
        }
        self
    }

    /// True for errors.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic rustc-style, with the source line and a caret when known.
    pub fn render(&self, color: bool) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        let mut group = Group::with_title(
            level
                .primary_title(self.message.as_str())
                .id(self.code.as_str()),
        );
        match (&self.source, &self.location) {
            (Some(source), Some(location)) => {
                let mut annotation = AnnotationKind::Primary.span(clamp(location, source));
                if let Some(label) = &self.label {
                    annotation = annotation.label(label.as_str());
                }
                group = group.element(
                    Snippet::source(&**source)
                        .path(self.file.as_deref())
                        .annotation(annotation),
                );
            }
            _ => {
                if let Some(file) = &self.file {
                    group = group.element(annotate_snippets::Origin::path(file.as_str()));
                }
            }
        }
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        renderer.render(&[self.footer(group)])
    }

    fn footer<'a>(&'a self, mut group: Group<'a>) -> Group<'a> {
        if let Some(path) = &self.path {
            group = group.element(Level::NOTE.message(format!("at `{path}`")));
        }
        for note in &self.notes {
            group = group.element(Level::NOTE.message(note.as_str()));
        }
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        group
    }
}

fn clamp(location: &Location, source: &str) -> Range<usize> {
    let mut range = location.range.clone();
    if range.start > source.len() {
        range.start = source.len();
    }
    range.end = range.end.clamp(range.start, source.len());
    range
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostic {}

/// Every diagnostic found for one input, errors and warnings.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// True if any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// Adds one.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.severity == Severity::Warning)
    }

    /// One JSON object per diagnostic, one per line (the `--format json` output).
    pub fn json_lines(&self) -> String {
        let mut text = String::new();
        for d in &self.0 {
            text.push_str(&serde_json::to_string(d).expect("diagnostic serialises"));
            text.push('\n');
        }
        text
    }

    /// Renders them all, separated by blank lines.
    pub fn render(&self, color: bool) -> String {
        let mut out = String::new();
        for d in &self.0 {
            out.push_str(&d.render(color));
            out.push_str("\n\n");
        }
        out
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(false).trim_end())
    }
}

impl std::error::Error for Diagnostics {}
