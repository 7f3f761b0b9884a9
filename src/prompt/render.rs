//! Rendering a prompt: the brief becomes a tera context, the preset's template writes the prompt.
//!
//! Exact text never passes through template code: each text enters the context as an opaque
//! placeholder that is swapped for the user's bytes after the template has run and the prompt has
//! been tidied. Whatever a text holds — quotes, `{{ }}`, newlines — it lands verbatim.
use std::io::{self, Write};
use std::sync::OnceLock;
use std::time::Instant;

use indexmap::IndexMap;
use serde_json::Value;
use tera::Tera;

use crate::brief::{Brief, OneOrMany};
use crate::diagnostic::{Code, Diagnostic, Location};
use crate::preset::Preset;
use crate::preset::catalog::Catalog;
use crate::prompt::plan::{Detail, DetailKind};
use crate::prompt::sandbox::{ScanError, SourceMap};

pub use crate::prompt::sandbox::Limits;

pub use crate::preset::TemplateFile;

/// Every preset's compiled templates, each built on first use and reused (the engine holds one
/// per catalog).
#[derive(Debug)]
pub struct CompiledCache {
    cells: IndexMap<String, OnceLock<Result<Compiled, Vec<Diagnostic>>>>,
}

impl CompiledCache {
    /// An empty cache for the presets of `catalog`.
    pub fn new(catalog: &Catalog) -> CompiledCache {
        CompiledCache {
            cells: catalog
                .iter()
                .map(|p| (p.name().to_string(), OnceLock::new()))
                .collect(),
        }
    }

    /// The compiled templates of `preset`, one of the catalog's.
    pub fn get(&self, catalog: &Catalog, preset: &Preset) -> Result<&Compiled, Vec<Diagnostic>> {
        let Some(cell) = self.cells.get(preset.name()) else {
            return Err(vec![Diagnostic::error(
                Code::Preset,
                format!("preset `{}` is not in this catalog", preset.name()),
            )]);
        };
        cell.get_or_init(|| Compiled::new(&catalog.template_set(preset)))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// A preset's templates compiled into a tera instance, built once and reused.
#[derive(Debug)]
pub struct Compiled {
    tera: Tera,
    sources: Vec<TemplateFile>,
    /// What tera compiled: each source with the sandbox's hooks, and the way back to it.
    maps: Vec<SourceMap>,
    /// The parts of the context the templates may read: the others are never built.
    reads: crate::prompt::reads::Reads,
}

/// A tera instance with the project's filters and the sandbox's hooks.
fn new_tera() -> Tera {
    let mut tera = Tera::new();
    tera.autoescape_on(Vec::<&str>::new());
    crate::prompt::filters::register(&mut tera);
    tera
}

impl Compiled {
    /// Compiles the shared parts and the preset's own templates (with its parents'), each
    /// rewritten with the sandbox's hooks ([`crate::prompt::sandbox::instrument`]).
    pub fn new(templates: &[TemplateFile]) -> Result<Self, Vec<Diagnostic>> {
        let mut maps = Vec::with_capacity(templates.len());
        for t in templates {
            match crate::prompt::sandbox::instrument(&t.text) {
                Ok(map) => maps.push(map),
                Err(e) => return Err(unreadable(templates, t, &e)),
            }
        }
        let mut tera = new_tera();
        let compiled = tera.add_raw_templates(
            templates
                .iter()
                .zip(&maps)
                .map(|(t, m)| (t.name.as_str(), m.text())),
        );
        if let Err(e) = compiled {
            // tera's errors on the author's own text: the rewrite neither adds nor hides one
            let mut plain = new_tera();
            return Err(
                match plain.add_raw_templates(templates.iter().map(|t| (t.name.as_str(), &*t.text))) {
                    Err(e) => template_error(&e, templates, None),
                    Ok(()) => mapped_template_error(&e, templates, &maps, None)
                        .into_iter()
                        .map(|mut d| {
                            d.code = Code::TemplateSandbox;
                            d.help = Some(String::from(
                                "the template sandbox's rewrite of this template does not compile; please report it",
                            ));
                            d
                        })
                        .collect(),
                },
            );
        }
        // the authors' text: the sandbox's hooks name only what the tag they meter names, and in
        // a component its own arguments (`__tera_context` there)
        let reads = crate::prompt::reads::Reads::of(templates.iter().map(|t| &*t.text));
        Ok(Compiled {
            tera,
            sources: templates.to_vec(),
            maps,
            reads,
        })
    }

    /// Renders `template` with `context` under `limits`.
    pub fn render(
        &self,
        template: &str,
        context: &tera::Context,
        limits: Limits,
    ) -> Result<String, Vec<Diagnostic>> {
        let deadline = Instant::now() + limits.timeout;
        let mut out = LimitedWriter {
            buf: Vec::with_capacity(1024),
            max: limits.max_output,
            deadline,
            writes: 0,
            tripped: None,
        };
        crate::prompt::filters::reset_range_budget();
        crate::prompt::sandbox::begin(&limits, deadline);
        let rendered = self.tera.render_to(template, context, &mut out);
        let stopped = crate::prompt::sandbox::finish();
        match rendered {
            Ok(()) => String::from_utf8(out.buf).map_err(|_| {
                vec![Diagnostic::error(
                    Code::Template,
                    "template produced invalid UTF-8",
                )]
            }),
            Err(e) => Err(
                mapped_template_error(&e, &self.sources, &self.maps, out.tripped)
                    .into_iter()
                    .map(|mut d| {
                        if stopped.is_some() {
                            // a sandbox limit, raised by one of its hooks: located like any render error
                            d.code = Code::TemplateLimit;
                            d.help = Some(String::from(LIMIT_HELP));
                        }
                        if d.file.is_none() {
                            d.in_file(self.path_of(template))
                        } else {
                            d
                        }
                    })
                    .collect(),
            ),
        }
    }
}

impl Compiled {
    /// The parts of the context the templates may read.
    pub fn reads(&self) -> crate::prompt::reads::Reads {
        self.reads
    }

    /// True when a template of this name was compiled.
    pub fn has(&self, name: &str) -> bool {
        self.sources.iter().any(|t| t.name == name)
    }

    /// The display path of a template.
    pub fn path_of(&self, name: &str) -> String {
        self.sources
            .iter()
            .find(|t| t.name == name)
            .map_or_else(|| name.to_string(), |t| t.path.clone())
    }
}

struct LimitedWriter {
    buf: Vec<u8>,
    max: usize,
    deadline: Instant,
    /// Writes so far: the clock is read every [`CLOCK_EVERY`] writes, not on each (a render
    /// makes about a hundred small writes, and reading the clock cost more than writing).
    writes: u32,
    tripped: Option<String>,
}

/// How many template writes pass between two reads of the clock.
const CLOCK_EVERY: u32 = 64;

impl Write for LimitedWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > self.max {
            let msg = format!("template output exceeded the limit of {} bytes", self.max);
            self.tripped = Some(msg.clone());
            return Err(io::Error::other(msg));
        }
        self.writes = self.writes.wrapping_add(1);
        if self.writes.is_multiple_of(CLOCK_EVERY) && Instant::now() > self.deadline {
            let msg = String::from("template rendering exceeded its time limit");
            self.tripped = Some(msg.clone());
            return Err(io::Error::other(msg));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The help of every `template-limit` error.
const LIMIT_HELP: &str =
    "a template must not loop or grow without bound; check `for` loops and recursive components";

/// A template the sandbox cannot read is never compiled (its loops would run unmetered): tera's
/// own error when tera refuses the template too (the likely case, and the more precise one),
/// else the reader's.
fn unreadable(templates: &[TemplateFile], t: &TemplateFile, e: &ScanError) -> Vec<Diagnostic> {
    let mut plain = new_tera();
    if let Err(err) = plain.add_raw_templates(templates.iter().map(|t| (t.name.as_str(), &*t.text)))
    {
        return template_error(&err, templates, None);
    }
    let at = e.at.min(t.text.len());
    vec![
        Diagnostic::error(
            Code::TemplateSandbox,
            format!(
                "the template sandbox cannot read this template: {}",
                e.message
            ),
        )
        .with_label("here")
        .with_help("the sandbox reads tera's syntax to meter loops and values; simplify this tag")
        .at(
            t.path.clone(),
            t.text.clone(),
            Location::from_range(&t.text, at..at),
        ),
    ]
}

/// Turns a tera error into diagnostics pointing into the template sources (tera reports
/// reference checks, such as unknown filters, several at a time).
pub fn template_error(
    error: &tera::Error,
    sources: &[TemplateFile],
    tripped: Option<String>,
) -> Vec<Diagnostic> {
    mapped_template_error(error, sources, &[], tripped)
}

/// [`template_error`] for an error of the rewritten templates: `maps[i]` (when there) takes
/// offsets in what tera compiled for `sources[i]` back to the author's text.
fn mapped_template_error(
    error: &tera::Error,
    sources: &[TemplateFile],
    maps: &[SourceMap],
    tripped: Option<String>,
) -> Vec<Diagnostic> {
    if let Some(limit) = tripped {
        return vec![Diagnostic::error(Code::TemplateLimit, limit).with_help(LIMIT_HELP)];
    }
    let (code, report) = match error.kind() {
        tera::ErrorKind::SyntaxError(r) => (Code::TemplateSyntax, Some(r)),
        tera::ErrorKind::RenderingError(r) => (Code::TemplateRender, Some(r)),
        _ => (Code::Template, None),
    };
    match report {
        Some(report) => vec![report_error(code, report, sources, maps)],
        None => reference_errors(error, sources, maps),
    }
}

/// The template named `name` and its map back to the author's text (when there is one).
fn source_of<'s>(
    sources: &'s [TemplateFile],
    maps: &'s [SourceMap],
    name: &str,
) -> Option<(&'s TemplateFile, Option<&'s SourceMap>)> {
    let i = sources.iter().position(|t| t.name == name)?;
    Some((&sources[i], maps.get(i)))
}

/// A syntax or rendering error tera located itself, as a diagnostic in the author's text.
fn report_error(
    code: Code,
    report: &tera::ReportError,
    sources: &[TemplateFile],
    maps: &[SourceMap],
) -> Diagnostic {
    let d = Diagnostic::error(code, report.message().to_string())
        .with_help_opt(suggest_name(report.message()));
    match source_of(sources, maps, report.filename()) {
        Some((t, map)) => {
            let location = report_location(t, map, report.span());
            d.with_label("here")
                .at(t.path.clone(), t.text.clone(), location)
        }
        None => d.in_file(report.filename().to_string()),
    }
}

/// Where tera's `span` of the compiled template `t` lies in the author's text: its range, and its
/// line and column when tera gave them.
fn report_location(t: &TemplateFile, map: Option<&SourceMap>, span: &tera::Span) -> Location {
    let range = map.map_or_else(|| span.range.clone(), |m| m.range(span.range.clone()));
    let start = range.start.min(t.text.len());
    let end = range.end.clamp(start, t.text.len());
    let mut location = Location::from_range(&t.text, start..end);
    if span.start_line > 0 {
        match map {
            Some(m) => {
                let at = m.start(m.offset_of(span.start_line, span.start_col));
                let at = at.min(t.text.len());
                let point = Location::from_range(&t.text, at..at);
                location.line = point.line;
                location.column = point.column;
            }
            None => {
                location.line = span.start_line;
                location.column = span.start_col + 1;
            }
        }
    }
    location
}

/// `error` with the chain of its sources, `: `-separated.
fn error_chain(error: &tera::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

/// The errors of tera's reference checks, each located in the author's text; the whole message
/// as one diagnostic when none can be read out of it.
fn reference_errors(
    error: &tera::Error,
    sources: &[TemplateFile],
    maps: &[SourceMap],
) -> Vec<Diagnostic> {
    let message = error_chain(error);
    // Reference checks come pre-rendered: `error: MSG\n --> NAME:LINE:COL\n ... ^^^`.
    static REPORT: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = REPORT.get_or_init(|| {
        regex::Regex::new(r"(?m)^error: (.+)\n\s*--> (.+):(\d+):(\d+)\n(?:.*\n)*?\s*\|\s*(\^+)")
            .expect("valid regex")
    });
    let found: Vec<Diagnostic> = re
        .captures_iter(&message)
        .map(|c| reference_error(&c, sources, maps))
        .collect();
    if found.is_empty() {
        vec![Diagnostic::error(Code::Template, message)]
    } else {
        found
    }
}

/// One error of a reference check (`c`: message, template, line, column, carets).
fn reference_error(
    c: &regex::Captures<'_>,
    sources: &[TemplateFile],
    maps: &[SourceMap],
) -> Diagnostic {
    let d = Diagnostic::error(Code::Template, c[1].to_string()).with_label("here");
    let (line, col): (usize, usize) = (c[3].parse().unwrap_or(1), c[4].parse().unwrap_or(1));
    match source_of(sources, maps, &c[2]) {
        Some((t, map)) => {
            let (line, col) = match map {
                Some(m) => {
                    let at = m.start(m.offset_of(line, col.saturating_sub(1)));
                    let at = at.min(t.text.len());
                    let point = Location::from_range(&t.text, at..at);
                    (point.line, point.column)
                }
                None => (line, col),
            };
            let location = Location::from_line_column(&t.text, line, col, c[5].len());
            d.at(t.path.clone(), t.text.clone(), location)
        }
        None => d.in_file(c[2].to_string()),
    }
}

/// "did you mean" for tera's "Variable `x` is not defined. Available variables: a, b".
fn suggest_name(message: &str) -> Option<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"`([^`]+)` is not defined\. Available (?:variables|fields): (.+)$")
            .expect("valid regex")
    });
    let c = re.captures(message)?;
    let known: Vec<&str> = c[2].split(", ").map(str::trim).collect();
    crate::diagnostic::suggest::did_you_mean(&c[1], known).map(|s| format!("did you mean `{s}`?"))
}

/// Placeholders standing for exact texts while the template runs.
#[derive(Debug)]
struct Placeholders {
    open: char,
    close: char,
    texts: Vec<String>,
    /// The marks around every user phrase (two more unused private-use characters): the tidy
    /// pass copies what is between them verbatim, then removes them.
    marks: (char, char),
}

impl Placeholders {
    /// Picks the delimiters and marks: four private-use characters that occur nowhere in what
    /// the template can write (every string of the brief that `context` reads), from the BMP
    /// area first, then the supplementary planes 15 and 16. A brief that leaves fewer than four
    /// free is an error: the exact texts could not be kept apart, and nothing is guessed.
    fn new(brief: &Brief) -> Result<Self, Diagnostic> {
        let mut used = PrivateUse::default();
        used.see_brief(brief);
        let mut free = PRIVATE_USE
            .into_iter()
            .flatten()
            .filter_map(char::from_u32)
            .filter(|c| !used.contains(*c));
        match (free.next(), free.next(), free.next(), free.next()) {
            (Some(open), Some(close), Some(mark_open), Some(mark_close)) => Ok(Placeholders {
                open,
                close,
                texts: Vec::new(),
                marks: (mark_open, mark_close),
            }),
            _ => Err(Diagnostic::error(
                Code::PrivateUseExhausted,
                "the brief uses so many private-use characters (U+E000–U+F8FF, U+F0000–U+FFFFD, U+100000–U+10FFFD) that fewer than four are left to keep its exact text apart while the template runs",
            )
            .with_help("remove some private-use characters from the brief; a prompt made without them could not keep every text verbatim")),
        }
    }

    /// A user phrase, normalised and marked; `None` when nothing is left.
    fn user(&self, s: &str) -> Option<String> {
        let (collapsed, kept) = crate::prompt::filters::normalised(s);
        if kept.is_empty() {
            return None;
        }
        let n = &collapsed[kept];
        let mut out = String::with_capacity(n.len() + 6);
        out.push(self.marks.0);
        out.push_str(n);
        out.push(self.marks.1);
        Some(out)
    }

    fn add(&mut self, text: &str) -> String {
        self.texts.push(text.to_string());
        format!("{}{}{}", self.open, self.texts.len() - 1, self.close)
    }

    /// Replaces every placeholder in one left-to-right pass.
    fn substitute(&self, rendered: &str) -> String {
        let mut out = String::with_capacity(rendered.len() + 64);
        let mut rest = rendered;
        while let Some(i) = rest.find(self.open) {
            out.push_str(&rest[..i]);
            let after = &rest[i + self.open.len_utf8()..];
            match after
                .find(self.close)
                .and_then(|j| after[..j].parse::<usize>().ok().map(|n| (j, n)))
            {
                Some((j, n)) if n < self.texts.len() => {
                    let text = &self.texts[n];
                    let tail = &after[j + self.close.len_utf8()..];
                    // a text holding straight double quotes is not wrapped in them, or a model
                    // cannot tell where it ends: curly quotes (or guillemets) instead
                    if text.contains('"') && out.ends_with('"') && tail.starts_with('"') {
                        let (open, close) = crate::prompt::family::QUOTES
                            .iter()
                            .copied()
                            .find(|(o, c)| !text.contains([*o, *c]))
                            .unwrap_or(('"', '"'));
                        out.pop();
                        out.push(open);
                        out.push_str(text);
                        out.push(close);
                        rest = &tail[1..];
                    } else {
                        out.push_str(text);
                        rest = tail;
                    }
                }
                _ => {
                    out.push(self.open);
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// The private-use code points the delimiters are chosen from, in order: the BMP area, then the
/// supplementary private-use planes 15 and 16 (their last two code points are noncharacters).
const PRIVATE_USE: [std::ops::RangeInclusive<u32>; 3] =
    [0xE000..=0xF8FF, 0xF0000..=0xFFFFD, 0x100000..=0x10FFFD];

/// True for a code point of [`PRIVATE_USE`].
fn is_private_use(c: char) -> bool {
    PRIVATE_USE.iter().any(|r| r.contains(&u32::from(c)))
}

/// True when a string (or key) of `v` holds a private-use character of those the template's
/// delimiters are chosen from: they are chosen among the ones the whole brief does not hold, so
/// such a value changes them (and what a template that shows them writes).
pub fn holds_private_use(v: &Value) -> bool {
    let mut seen = PrivateUse::default();
    seen.see_json(v);
    !seen.0.is_empty()
}

/// The private-use characters ([`PRIVATE_USE`]) seen in the strings of a brief.
#[derive(Default)]
struct PrivateUse(std::collections::BTreeSet<char>);

impl PrivateUse {
    /// Notes the private-use characters of `s` (most strings have none: one byte scan).
    fn see(&mut self, s: &str) {
        // their UTF-8 starts with 0xEE or 0xEF (BMP) or 0xF3 or 0xF4 (planes 15 and 16): a string
        // without a byte of 0xEE or more has none
        if s.bytes().any(|b| b >= 0xEE) {
            self.0.extend(s.chars().filter(|c| is_private_use(*c)));
        }
    }

    /// True when `c` was seen.
    fn contains(&self, c: char) -> bool {
        self.0.contains(&c)
    }

    fn see_all(&mut self, v: &Option<OneOrMany>) {
        match v {
            Some(OneOrMany::One(s)) => self.see(s),
            Some(OneOrMany::Many(items)) => items.iter().for_each(|s| self.see(s)),
            None => {}
        }
    }

    fn see_json(&mut self, v: &Value) {
        match v {
            Value::String(s) => self.see(s),
            Value::Array(a) => a.iter().for_each(|v| self.see_json(v)),
            Value::Object(o) => o.iter().for_each(|(k, v)| {
                self.see(k);
                self.see_json(v);
            }),
            _ => {}
        }
    }

    /// Every string of `brief` that [`context`] puts in front of a template — keep the two in
    /// step (`delimiters_avoid_every_string_the_template_sees` checks each field).
    fn see_brief(&mut self, brief: &Brief) {
        let (s, c, x, o) = (
            &brief.style,
            &brief.composition,
            &brief.context,
            &brief.output,
        );
        self.see(&brief.subject);
        for v in [&s.medium, &s.lighting, &s.typography] {
            v.as_deref().inspect(|v| self.see(v));
        }
        for v in [&s.mood, &s.palette, &s.details, &c.details] {
            self.see_all(v);
        }
        for v in [
            &c.layout,
            &c.framing,
            &c.camera,
            &c.scene,
            &c.background,
            &c.surface,
            &c.negative_space,
            &x.purpose,
            &x.channel,
            &x.audience,
            &x.platform,
            &x.brand,
            &o.model,
            &o.quality,
            &o.format,
            &o.background,
        ] {
            v.as_deref().inspect(|v| self.see(v));
        }
        if let Some(size) = &o.size {
            self.see(size.as_str());
        }
        for (role, value) in &brief.text {
            self.see(role);
            for e in value.entries() {
                self.see(e.content());
                if let crate::brief::TextEntry::Detailed(d) = e {
                    for v in [&d.typography, &d.placement] {
                        v.as_deref().inspect(|v| self.see(v));
                    }
                }
            }
        }
        brief.avoid.iter().for_each(|a| self.see(a));
        brief.params.iter().for_each(|(k, v)| {
            self.see(k);
            self.see_json(v);
        });
    }
}

/// One exact text as templates see it (`text[i].entries[j]`).
#[derive(serde::Serialize)]
struct EntryCtx {
    content: String,
    typography: Option<String>,
    placement: Option<String>,
}

/// One text role as templates see it (`text[i]`, `text_by_role.<role>`).
#[derive(serde::Serialize)]
struct TextCtx<'a> {
    role: &'a str,
    label: String,
    plural: bool,
    values: Vec<String>,
    entries: Vec<EntryCtx>,
    typography: Option<String>,
    placement: Option<String>,
    typographies: Vec<String>,
    placements: Vec<String>,
}

#[derive(serde::Serialize)]
struct PresetCtx<'a> {
    name: &'a str,
    description: &'a str,
}

#[derive(serde::Serialize)]
struct StyleCtx {
    medium: Option<String>,
    mood: Vec<String>,
    lighting: Option<String>,
    palette: Vec<String>,
    typography: Option<String>,
    details: Vec<String>,
}

#[derive(serde::Serialize)]
struct CompositionCtx {
    layout: Option<String>,
    framing: Option<String>,
    camera: Option<String>,
    scene: Option<String>,
    background: Option<String>,
    surface: Option<String>,
    negative_space: Option<String>,
    details: Vec<String>,
}

#[derive(serde::Serialize)]
struct UseCtx {
    purpose: Option<String>,
    channel: Option<String>,
    audience: Option<String>,
    platform: Option<String>,
    brand: Option<String>,
}

#[derive(serde::Serialize)]
struct TargetCtx {
    avoid_in_prompt: bool,
}

#[derive(serde::Serialize)]
struct OutputCtx<'a> {
    model: Option<&'a str>,
    size: Option<&'a str>,
    quality: Option<&'a str>,
    format: Option<&'a str>,
    background: Option<&'a str>,
}

/// `v` as a marked user phrase, when it holds one.
#[inline]
fn user_opt(p: &Placeholders, v: &Option<String>) -> Option<String> {
    v.as_deref().and_then(|s| p.user(s))
}

/// Every phrase of a one-or-many field, marked (the empty ones left out).
#[inline]
fn user_list(p: &Placeholders, v: &Option<OneOrMany>) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => p.user(s).into_iter().collect(),
        Some(OneOrMany::Many(items)) => items.iter().filter_map(|s| p.user(s)).collect(),
    }
}

/// An output setting as written, trimmed; `None` when blank.
#[inline]
fn plain(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// One text role as templates see it: each entry's content becomes a placeholder (in entry
/// order), its typography and placement marked phrases.
fn text_role_context(
    role: &str,
    value: &crate::brief::TextValue,
    preset: &Preset,
    placeholders: &mut Placeholders,
) -> tera::Value {
    let entries = value.entries();
    let plural = entries.len() > 1;
    let mut values = Vec::with_capacity(entries.len());
    let mut items = Vec::with_capacity(entries.len());
    let (mut typographies, mut placements) = (Vec::new(), Vec::new());
    for e in &entries {
        let (typography, placement) = match e {
            crate::brief::TextEntry::Plain(_) => (None, None),
            crate::brief::TextEntry::Detailed(d) => (
                user_opt(placeholders, &d.typography),
                user_opt(placeholders, &d.placement),
            ),
        };
        let content = placeholders.add(e.content());
        values.push(content.clone());
        typographies.extend(typography.clone());
        placements.extend(placement.clone());
        items.push(EntryCtx {
            content,
            typography,
            placement,
        });
    }
    let mut label = preset.role_label(role);
    if plural
        && !label.ends_with('s')
        && preset
            .manifest
            .text_roles
            .get(role)
            .is_none_or(|r| !r.plural)
    {
        label.push('s');
    }
    tera::Value::from_serializable(&TextCtx {
        role,
        label,
        plural,
        values,
        entries: items,
        typography: typographies.first().cloned(),
        placement: placements.first().cloned(),
        typographies,
        placements,
    })
}

/// The `text` list and the `text_by_role` map of the context, in the brief's role order.
fn text_context(
    brief: &Brief,
    preset: &Preset,
    placeholders: &mut Placeholders,
) -> (Vec<tera::Value>, tera::Map) {
    let mut text = Vec::with_capacity(brief.text.len());
    let mut text_by_role = tera::Map::with_capacity(brief.text.len());
    for (role, value) in &brief.text {
        let item = text_role_context(role, value, preset, placeholders);
        text_by_role.insert(tera::value::Key::from(role.clone()), item.clone());
        text.push(item);
    }
    (text, text_by_role)
}

/// The context's `style`.
fn style_context(p: &Placeholders, s: &crate::brief::Style) -> tera::Value {
    tera::Value::from_serializable(&StyleCtx {
        medium: user_opt(p, &s.medium),
        mood: user_list(p, &s.mood),
        lighting: user_opt(p, &s.lighting),
        palette: user_list(p, &s.palette),
        typography: user_opt(p, &s.typography),
        details: user_list(p, &s.details),
    })
}

/// The context's `composition`.
fn composition_context(p: &Placeholders, c: &crate::brief::Composition) -> tera::Value {
    tera::Value::from_serializable(&CompositionCtx {
        layout: user_opt(p, &c.layout),
        framing: user_opt(p, &c.framing),
        camera: user_opt(p, &c.camera),
        scene: user_opt(p, &c.scene),
        background: user_opt(p, &c.background),
        surface: user_opt(p, &c.surface),
        negative_space: user_opt(p, &c.negative_space),
        details: user_list(p, &c.details),
    })
}

/// The context's `context` (what the image is for).
fn use_context(p: &Placeholders, x: &crate::brief::Context) -> tera::Value {
    tera::Value::from_serializable(&UseCtx {
        purpose: user_opt(p, &x.purpose),
        channel: user_opt(p, &x.channel),
        audience: user_opt(p, &x.audience),
        platform: user_opt(p, &x.platform),
        brand: user_opt(p, &x.brand),
    })
}

/// The context's `output` (the settings as written, trimmed).
fn output_context(o: &crate::brief::Output) -> tera::Value {
    tera::Value::from_serializable(&OutputCtx {
        model: plain(&o.model),
        size: o
            .size
            .as_ref()
            .map(|s| s.as_str().trim())
            .filter(|s| !s.is_empty()),
        quality: plain(&o.quality),
        format: plain(&o.format),
        background: plain(&o.background),
    })
}

/// The context's `avoid` (empty when the target compiles the list itself: negative prompt,
/// `--no`), `avoid_all` (the full list) and `target`.
fn insert_avoid(ctx: &mut tera::Context, avoid: &[String], avoid_in_prompt: bool) {
    let avoid_all = tera::Value::from_serializable(avoid);
    ctx.insert_value(
        "avoid",
        if avoid_in_prompt {
            avoid_all.clone()
        } else {
            tera::Value::from(Vec::<tera::Value>::new())
        },
    );
    ctx.insert_value("avoid_all", avoid_all);
    ctx.insert_value(
        "target",
        tera::Value::from_serializable(&TargetCtx { avoid_in_prompt }),
    );
}

/// Builds the template context for `brief` (defaults already merged), with the parts the
/// templates may read ([`crate::prompt::reads`]). Each part is a small typed
/// struct turned into a tera value by tera's own serializer, which inserts every key once (a
/// `tera::Map` converted with `Value::from` is hashed a second time).
fn context(
    brief: &Brief,
    preset: &Preset,
    placeholders: &mut Placeholders,
    avoid_in_prompt: bool,
    reads: crate::prompt::reads::Reads,
) -> tera::Context {
    use crate::prompt::reads::Key;
    // the texts first (they register their placeholders), inserted in their place below: the
    // context keeps one order, which `__tera_context` shows
    let texts = (reads.has(Key::Text) || reads.has(Key::TextByRole))
        .then(|| text_context(brief, preset, placeholders));
    let p = &*placeholders;
    let mut ctx = tera::Context::new();
    if reads.has(Key::Preset) {
        ctx.insert_value(
            "preset",
            tera::Value::from_serializable(&PresetCtx {
                name: preset.name(),
                description: &preset.manifest.description,
            }),
        );
    }
    if reads.has(Key::Subject) {
        ctx.insert_value(
            "subject",
            tera::Value::from(p.user(&brief.subject).unwrap_or_default()),
        );
    }
    if reads.has(Key::Style) {
        ctx.insert_value("style", style_context(p, &brief.style));
    }
    if reads.has(Key::Composition) {
        ctx.insert_value("composition", composition_context(p, &brief.composition));
    }
    if let Some((text, text_by_role)) = texts {
        ctx.insert_value("text", tera::Value::from(text));
        ctx.insert_value("text_by_role", tera::Value::from(text_by_role));
    }
    if reads.has(Key::Context) {
        ctx.insert_value("context", use_context(p, &brief.context));
    }
    if reads.has(Key::Avoid) || reads.has(Key::AvoidAll) || reads.has(Key::Target) {
        let avoid: Vec<String> = brief.avoid.iter().filter_map(|a| p.user(a)).collect();
        insert_avoid(&mut ctx, &avoid, avoid_in_prompt);
    }
    if reads.has(Key::Output) {
        ctx.insert_value("output", output_context(&brief.output));
    }
    if reads.has(Key::Params) {
        ctx.insert_value("params", tera_map(&brief.params));
    }
    ctx
}

/// Renders the prompt for `brief` with `preset`. The brief's defaults must already be merged.
/// Without `avoid_in_prompt`, templates see an empty `avoid` (the full list stays in
/// `avoid_all`): the target puts it in a negative-prompt field instead.
pub fn render_prompt(
    brief: &Brief,
    preset: &Preset,
    compiled: &Compiled,
    limits: Limits,
    avoid_in_prompt: bool,
) -> Result<String, Vec<Diagnostic>> {
    render_template(
        brief,
        preset,
        compiled,
        preset.main_template(),
        limits,
        avoid_in_prompt,
    )
}

/// [`render_prompt`] with another of the preset's templates (a family's own,
/// `prompt.<family>.tera`).
pub fn render_template(
    brief: &Brief,
    preset: &Preset,
    compiled: &Compiled,
    template: &str,
    limits: Limits,
    avoid_in_prompt: bool,
) -> Result<String, Vec<Diagnostic>> {
    let (rendered, placeholders) =
        render_marked(brief, preset, compiled, template, limits, avoid_in_prompt)?;
    let tidied = tidy_marked(&rendered, Some(placeholders.marks));
    Ok(placeholders.substitute(&tidied))
}

/// Renders `template` over the brief's context: the raw output, its user phrases still marked
/// and its exact texts still placeholders, with the placeholders that put them back.
fn render_marked(
    brief: &Brief,
    preset: &Preset,
    compiled: &Compiled,
    template: &str,
    limits: Limits,
    avoid_in_prompt: bool,
) -> Result<(String, Placeholders), Vec<Diagnostic>> {
    let render = |reads| -> Result<(String, Placeholders), Vec<Diagnostic>> {
        let mut placeholders = Placeholders::new(brief).map_err(|d| vec![d])?;
        let context = context(brief, preset, &mut placeholders, avoid_in_prompt, reads);
        crate::prompt::filters::set_marks(Some(placeholders.marks));
        let rendered = compiled.render(template, &context, limits);
        crate::prompt::filters::set_marks(None);
        Ok((rendered?, placeholders))
    };
    match render(compiled.reads) {
        // a failing template fails again with the whole context, so that its error lists every
        // variable there is and suggests the one meant (`subjet` → `subject`); one stopped by
        // the sandbox's limits is not run twice
        Err(ds)
            if compiled.reads != crate::prompt::reads::Reads::ALL
                && !ds.iter().any(|d| d.code == Code::TemplateLimit) =>
        {
            render(crate::prompt::reads::Reads::ALL)
        }
        done => done,
    }
}

/// Renders a details template (a preset that `writes: details`): each non-empty line it writes
/// is one phrase of the preset's own, of the kind its prefix names (`subject:`, `detail:`,
/// `text:`, `constraint:`; none is `detail`). The prefix is read before the user's phrases are
/// put back, so no value of the brief can name a kind: user phrases are marked and whitespace-
/// collapsed, exact texts are placeholders, and the params' strings have their line breaks
/// turned into spaces.
pub fn render_details(
    brief: &Brief,
    preset: &Preset,
    compiled: &Compiled,
    limits: Limits,
) -> Result<Vec<Detail>, Vec<Diagnostic>> {
    let (rendered, placeholders) = render_marked(
        brief,
        preset,
        compiled,
        preset.main_template(),
        limits,
        true,
    )?;
    let mut out = Vec::new();
    let (open, close) = placeholders.marks;
    let params = param_strings(&brief.params);
    for line in rendered.lines() {
        let (kind, rest) = DetailKind::split(line.trim());
        let rest = rest.trim();
        // the template's own full stop goes (the writers end their sentences): a user phrase's
        // or an exact text's is inside its marks or placeholder at this point, never last
        let rest = rest.strip_suffix('.').unwrap_or(rest);
        let tidied = tidy_marked(rest, Some(placeholders.marks));
        // the user's words first: a phrase, an exact text, or a param's value (params are not
        // marked, so templates can compare them)
        let user_first = rest.starts_with([open, close, placeholders.open])
            || params.iter().any(|p| tidied.starts_with(p.as_str()));
        let text = placeholders.substitute(&tidied);
        if !text.trim().is_empty() {
            out.push(Detail {
                kind,
                text: text.trim().to_string(),
                user_first,
            });
        }
    }
    Ok(out)
}

/// Every non-empty string among the params' values (what a details line may start with).
fn param_strings(params: &serde_json::Map<String, Value>) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    params.values().for_each(|v| walk(v, &mut out));
    out
}

/// A JSON value as a tera value.
fn to_tera(v: &Value) -> tera::Value {
    match v {
        Value::Null => tera::Value::none(),
        Value::Bool(b) => tera::Value::from(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => tera::Value::from(i),
            (None, Some(u), _) => tera::Value::from(u),
            (_, _, Some(f)) => tera::Value::from(f),
            _ => tera::Value::none(),
        },
        // a line break would start a new line of a details template: a space (the tidy pass
        // makes every line break one anyway)
        Value::String(s) if s.contains(['\n', '\r']) => {
            tera::Value::from(s.replace(['\n', '\r'], " "))
        }
        Value::String(s) => tera::Value::from(s.as_str()),
        Value::Array(a) => tera::Value::from(a.iter().map(to_tera).collect::<Vec<_>>()),
        Value::Object(o) => tera_map(o),
    }
}

/// A JSON object as a tera map.
fn tera_map(o: &serde_json::Map<String, Value>) -> tera::Value {
    let mut m = tera::Map::with_capacity(o.len());
    for (k, x) in o {
        m.insert(tera::value::Key::from(k.clone()), to_tera(x));
    }
    tera::Value::from(m)
}

/// Normalises whitespace and punctuation left by templates: the prompt becomes one paragraph
/// (line breaks are spaces, so authors may write one sentence per line and leave empty `if`
/// blocks), with no doubled spaces, no space before punctuation and no doubled or dangling
/// separators. Exact texts are placeholders at this point, so their bytes are never touched.
pub fn tidy(text: &str) -> String {
    tidy_marked(text, None)
}

/// [`tidy`], where the text between `marks` is a user phrase: copied verbatim (only the
/// separators the template put around it are tidied), then the marks are removed. A template's
/// full stop right after a phrase that ends a sentence itself (`etc.`, `Wow!`, `…`) is dropped.
pub fn tidy_marked(text: &str, marks: Option<(char, char)>) -> String {
    let mut joined = String::with_capacity(text.len());
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !joined.is_empty() {
            joined.push(' ');
        }
        joined.push_str(line);
    }
    let out = tidy_line(&joined, marks);
    match marks {
        Some((o, c)) => without_marks(out, o, c),
        None => out,
    }
}

/// `text` without the characters `o` and `c` (`str::replace` with a character pattern decodes
/// every character; this looks for their first bytes only).
fn without_marks(text: String, o: char, c: char) -> String {
    let (mut ob, mut cb) = ([0u8; 4], [0u8; 4]);
    let (o, c) = (
        o.encode_utf8(&mut ob).as_bytes(),
        c.encode_utf8(&mut cb).as_bytes(),
    );
    let bytes = text.as_bytes();
    let is_lead = |b: &u8| *b == o[0] || *b == c[0];
    if !bytes.iter().any(is_lead) {
        return text;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(p) = bytes[i..].iter().position(is_lead) {
        out.extend_from_slice(&bytes[i..i + p]);
        let rest = &bytes[i + p..];
        if rest.starts_with(o) || rest.starts_with(c) {
            i += p + o.len().min(rest.len());
        } else {
            out.push(rest[0]);
            i += p + 1;
        }
    }
    out.extend_from_slice(&bytes[i..]);
    // whole characters removed at their boundaries: still UTF-8
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The bytes the tidy pass acts on outside user phrases (and a space that would double one).
const ACTS_ON: [bool; 256] = {
    let mut table = [false; 256];
    let bytes = b"\t,;:.!?)";
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
};

/// The marks of a tidy pass as UTF-8 bytes (empty without marks), and their first bytes.
#[derive(Clone, Copy)]
struct MarkBytes<'a> {
    open: &'a [u8],
    close: &'a [u8],
    /// The first bytes of the marks (three-byte private-use characters), or none.
    open_lead: Option<u8>,
    close_lead: Option<u8>,
}

impl MarkBytes<'_> {
    /// True when `b` may start a mark.
    #[inline]
    fn is_lead(&self, b: u8) -> bool {
        Some(b) == self.open_lead || Some(b) == self.close_lead
    }
}

/// The tidy pass over the prompt joined into one line (see [`tidy_marked`]); the marks are
/// kept.
fn tidy_line(line: &str, marks: Option<(char, char)>) -> String {
    // Works on bytes: every character the pass acts on is ASCII, and the bytes of a longer
    // character are never ASCII, so they are copied as they come; the marks are matched as whole
    // UTF-8 sequences (their first byte is never a continuation byte). The character-by-character
    // version this replaces is kept in the tests, which compare the two.
    let (mut open_buf, mut close_buf) = ([0u8; 4], [0u8; 4]);
    let (open, close): (&[u8], &[u8]) = match marks {
        Some((o, c)) => (
            o.encode_utf8(&mut open_buf).as_bytes(),
            c.encode_utf8(&mut close_buf).as_bytes(),
        ),
        None => (&[], &[]),
    };
    // without marks, a NUL character plays the closing mark in the "phrase ends a sentence"
    // check, as in the character version
    let end_mark: &[u8] = if marks.is_some() { close } else { b"\0" };
    let m = MarkBytes {
        open,
        close,
        open_lead: open.first().copied(),
        close_lead: close.first().copied(),
    };
    let bytes = line.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if !m.is_lead(rest[0]) {
            let run = untouched_run(rest, depth, &out, &m);
            if run > 0 {
                out.extend_from_slice(&rest[..run]);
                i += run;
                continue;
            }
        }
        if Some(rest[0]) == m.open_lead && rest.starts_with(m.open) {
            depth += 1;
            out.extend_from_slice(m.open);
            i += m.open.len();
            continue;
        }
        if Some(rest[0]) == m.close_lead && rest.starts_with(m.close) {
            depth = depth.saturating_sub(1);
            out.extend_from_slice(m.close);
            i += m.close.len();
            continue;
        }
        i += 1;
        if depth > 0 {
            // inside a user phrase: every byte is theirs
            out.push(rest[0]);
            continue;
        }
        tidy_byte(&mut out, rest[0], end_mark);
    }
    trimmed_line(out)
}

/// How many bytes at the start of `rest` (which does not start with a mark) the tidy pass copies
/// as they are: inside a phrase up to the next possible mark; outside, up to the next byte the
/// pass acts on.
#[inline]
fn untouched_run(rest: &[u8], depth: usize, out: &[u8], m: &MarkBytes) -> usize {
    if depth == 0 {
        // a single space after anything but a space is kept as it is: only a space that
        // would double one (or open the text) needs the pass
        let mut prev = out.last().copied();
        rest.iter().position(|&b| {
            let stop = ACTS_ON[usize::from(b)]
                || m.is_lead(b)
                || (b == b' ' && matches!(prev, None | Some(b' ')));
            prev = Some(b);
            stop
        })
    } else {
        rest.iter().position(|&b| m.is_lead(b))
    }
    .unwrap_or(rest.len())
}

/// One byte of the template's own text (outside user phrases) through the tidy pass: a tab is a
/// space, a doubled or leading space is dropped, separators are tidied, `()` removed.
#[inline]
fn tidy_byte(out: &mut Vec<u8>, byte: u8, end_mark: &[u8]) {
    let c = if byte == b'\t' { b' ' } else { byte };
    match c {
        b' ' if out.is_empty() || out.last() == Some(&b' ') => {}
        b',' | b';' | b':' | b'.' | b'!' | b'?' => push_separator(out, c, end_mark),
        b')' if out.last() == Some(&b'(') => {
            out.pop();
            while out.last() == Some(&b' ') {
                out.pop();
            }
        }
        _ => out.push(c),
    }
}

/// A separator of the template: no space before it, no full stop after a phrase that ends a
/// sentence itself, no separator doubled or at the start.
#[inline]
fn push_separator(out: &mut Vec<u8>, c: u8, end_mark: &[u8]) {
    while out.last() == Some(&b' ') {
        out.pop();
    }
    // a phrase that ends a sentence itself takes no second full stop
    if c == b'.'
        && out.strip_suffix(end_mark).is_some_and(|phrase| {
            [&b"."[..], b"!", b"?", "…".as_bytes()]
                .iter()
                .any(|end| phrase.ends_with(end))
        })
    {
        return;
    }
    let last = out.last().copied();
    // drop a separator directly after another separator or at the start
    if c == b',' || c == b';' {
        if matches!(
            last,
            None | Some(b',' | b';' | b':' | b'.' | b'!' | b'?' | b'(')
        ) {
            return;
        }
    } else if c == b'.' && matches!(last, Some(b',' | b';' | b':')) {
        out.pop();
    } else if c == b':' && matches!(last, Some(b',' | b';' | b':')) {
        return;
    }
    out.push(c);
}

/// The tidied bytes as a string, trimmed, without leading separators.
fn trimmed_line(out: Vec<u8>) -> String {
    // only ASCII bytes were dropped and whole characters kept: still UTF-8
    let out = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let trimmed = out.trim();
    let trimmed = trimmed
        .trim_start_matches([',', ';', ':', '.'])
        .trim_start();
    if trimmed.len() == out.len() {
        out
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The character-by-character tidy pass the byte version replaced, kept as its reference.
    fn tidy_line_reference(line: &str, marks: Option<(char, char)>) -> String {
        let (mo, mc) = marks.unwrap_or(('\0', '\0'));
        let mut out = String::with_capacity(line.len());
        let mut depth = 0usize;
        // the last character of the last user phrase, when nothing but its mark followed it
        let last_user = |out: &str| -> Option<char> {
            let rest = out.strip_suffix(mc)?;
            rest.chars().next_back()
        };
        for c in line.chars() {
            if marks.is_some() && c == mo {
                depth += 1;
                out.push(c);
                continue;
            }
            if marks.is_some() && c == mc {
                depth = depth.saturating_sub(1);
                out.push(c);
                continue;
            }
            if depth > 0 {
                // inside a user phrase: every character is theirs
                out.push(c);
                continue;
            }
            let c = if c == '\t' { ' ' } else { c };
            match c {
                ' ' if out.is_empty() || out.ends_with(' ') => {}
                ',' | ';' | ':' | '.' | '!' | '?' => {
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    // a phrase that ends a sentence itself takes no second full stop
                    if c == '.'
                        && last_user(&out).is_some_and(|u| matches!(u, '.' | '!' | '?' | '…'))
                    {
                        continue;
                    }
                    // drop a separator directly after another separator or at the start
                    if c == ',' || c == ';' {
                        if out.is_empty() || out.ends_with([',', ';', ':', '.', '!', '?', '(']) {
                            continue;
                        }
                    } else if c == '.' && out.ends_with([',', ';', ':']) {
                        out.pop();
                    } else if c == ':' && out.ends_with([',', ';', ':']) {
                        continue;
                    }
                    out.push(c);
                }
                ')' if out.ends_with('(') => {
                    out.pop();
                    while out.ends_with(' ') {
                        out.pop();
                    }
                }
                _ => out.push(c),
            }
        }
        let trimmed = out.trim();
        let trimmed = trimmed
            .trim_start_matches([',', ';', ':', '.'])
            .trim_start();
        trimmed.to_string()
    }

    #[test]
    fn marks_are_removed_like_str_replace() {
        let (o, c) = ('\u{E010}', '\u{E011}');
        for text in [
            "",
            "plain",
            "\u{E010}a\u{E011} b \u{E012}\u{E010}\u{E010}",
            "\u{E011}é\u{F000}\u{E010}",
            "日本\u{E010}",
        ] {
            assert_eq!(
                without_marks(text.to_string(), o, c),
                text.replace([o, c], "")
            );
        }
    }

    /// The byte version of the tidy pass gives what the character version gave, on random text
    /// made of the characters it acts on, marks, tabs, NUL, ellipses and other scripts.
    #[test]
    fn tidy_bytes_match_the_character_version() {
        const PIECES: &[&str] = &[
            " ",
            "  ",
            "\t",
            ",",
            ";",
            ":",
            ".",
            "!",
            "?",
            "(",
            ")",
            "…",
            "a",
            "Bé",
            "日本",
            "\0",
            "\u{E010}",
            "\u{E011}",
            "..",
            "etc.",
            "x",
            "\u{1F600}",
            "’",
            "\u{E012}",
            "\u{F000}",
            "\u{EFFF}",
        ];
        for text in crate::test_support::random_texts(0x2545_F491_4F6C_DD1D, PIECES, 24, 20_000) {
            for marks in [
                None,
                Some(('\u{E010}', '\u{E011}')),
                Some(('\u{EFFF}', '\u{F000}')),
            ] {
                assert_eq!(
                    tidy_line(&text, marks),
                    tidy_line_reference(&text, marks),
                    "{text:?} with {marks:?}"
                );
            }
        }
    }

    /// Each string the template context is built from, holding U+E000 to U+E003, keeps those
    /// characters out of the delimiters.
    #[test]
    fn delimiters_avoid_every_string_the_template_sees() {
        let pua = "x\u{E000}\u{E001}\u{E002}\u{E003}";
        let fields: &[&str] = &[
            r#"{"subject": "P"}"#,
            r#"{"style": {"medium": "P"}}"#,
            r#"{"style": {"mood": "P"}}"#,
            r#"{"style": {"mood": ["a", "P"]}}"#,
            r#"{"style": {"lighting": "P"}}"#,
            r#"{"style": {"palette": ["P"]}}"#,
            r#"{"style": {"typography": "P"}}"#,
            r#"{"style": {"details": "P"}}"#,
            r#"{"composition": {"layout": "P"}}"#,
            r#"{"composition": {"framing": "P"}}"#,
            r#"{"composition": {"camera": "P"}}"#,
            r#"{"composition": {"scene": "P"}}"#,
            r#"{"composition": {"background": "P"}}"#,
            r#"{"composition": {"surface": "P"}}"#,
            r#"{"composition": {"negative_space": "P"}}"#,
            r#"{"composition": {"details": ["P"]}}"#,
            r#"{"text": {"P": "t"}}"#,
            r#"{"text": {"headline": "P"}}"#,
            r#"{"text": {"labels": ["a", "P"]}}"#,
            r#"{"text": {"headline": {"content": "P"}}}"#,
            r#"{"text": {"headline": {"content": "t", "typography": "P"}}}"#,
            r#"{"text": {"headline": {"content": "t", "placement": "P"}}}"#,
            r#"{"context": {"purpose": "P"}}"#,
            r#"{"context": {"channel": "P"}}"#,
            r#"{"context": {"audience": "P"}}"#,
            r#"{"context": {"platform": "P"}}"#,
            r#"{"context": {"brand": "P"}}"#,
            r#"{"avoid": ["P"]}"#,
            r#"{"output": {"model": "P"}}"#,
            r#"{"output": {"size": "P"}}"#,
            r#"{"output": {"quality": "P"}}"#,
            r#"{"output": {"format": "P"}}"#,
            r#"{"output": {"background": "P"}}"#,
            r#"{"params": {"P": 1}}"#,
            r#"{"params": {"grid": {"deep": ["P"]}}}"#,
        ];
        for field in fields {
            let mut value: Value = serde_json::from_str(&field.replace('P', pua)).expect("json");
            if value.get("subject").is_none() {
                value["subject"] = Value::from("s");
            }
            let brief: Brief = serde_json::from_value(value).expect("brief");
            let p = Placeholders::new(&brief).expect("free characters");
            let chosen = [p.open, p.close, p.marks.0, p.marks.1];
            assert!(
                chosen
                    .iter()
                    .all(|c| !('\u{E000}'..='\u{E003}').contains(c)),
                "{field}: chose {chosen:?}"
            );
        }
    }

    #[test]
    fn delimiters_avoid_the_private_use_characters_of_the_brief() {
        let mut brief = Brief {
            subject: String::from("a \u{E000}\u{E002} sign"),
            ..Brief::default()
        };
        brief.avoid.push(String::from("\u{E001}\u{F8FE}"));
        let p = Placeholders::new(&brief).expect("free characters");
        let chosen = [p.open, p.close, p.marks.0, p.marks.1];
        assert_eq!(chosen, ['\u{E003}', '\u{E004}', '\u{E005}', '\u{E006}']);
        let mut seen = PrivateUse::default();
        seen.see("x\u{E000}y\u{F8FF}z\u{E000}\u{FFFD}é\u{F0000}\u{10FFFD}\u{FFFFE}😀");
        assert_eq!(
            seen.0.into_iter().collect::<Vec<_>>(),
            vec!['\u{E000}', '\u{F8FF}', '\u{F0000}', '\u{10FFFD}'],
            "U+FFFD (0xEF 0xBF) is not private use, nor the noncharacter U+FFFFE"
        );
    }

    /// Every BMP private-use character in the brief: the delimiters come from plane 15, never
    /// from the brief's own characters.
    #[test]
    fn delimiters_move_to_the_supplementary_planes_when_the_bmp_area_is_used_up() {
        let all_bmp: String = (0xE000u32..=0xF8FF).filter_map(char::from_u32).collect();
        assert_eq!(all_bmp.chars().count(), 6400);
        let brief = Brief {
            subject: all_bmp,
            ..Brief::default()
        };
        let p = Placeholders::new(&brief).expect("plane 15 is free");
        let chosen = [p.open, p.close, p.marks.0, p.marks.1];
        assert_eq!(chosen, ['\u{F0000}', '\u{F0001}', '\u{F0002}', '\u{F0003}']);
        // the last BMP one free: it is taken first, then plane 15
        let brief = Brief {
            subject: (0xE000u32..0xF8FF).filter_map(char::from_u32).collect(),
            ..Brief::default()
        };
        let p = Placeholders::new(&brief).expect("free characters");
        assert_eq!((p.open, p.close), ('\u{F8FF}', '\u{F0000}'));
    }

    /// A brief holding every private-use character of every plane is an error, not a prompt
    /// with its texts mixed up.
    #[test]
    fn a_brief_with_no_free_private_use_character_is_an_error() {
        let every: String = PRIVATE_USE
            .into_iter()
            .flatten()
            .filter_map(char::from_u32)
            .skip(4)
            .collect();
        let brief = Brief {
            subject: String::from("a \u{E000}\u{E001}\u{E002}\u{E003} sign"),
            avoid: vec![every],
            ..Brief::default()
        };
        let e = Placeholders::new(&brief).expect_err("none free");
        assert_eq!(e.code, "private-use-exhausted");
        let mut brief = brief;
        brief.subject = String::from("a sign");
        let p = Placeholders::new(&brief).expect("four free");
        assert_eq!(
            [p.open, p.close, p.marks.0, p.marks.1],
            ['\u{E000}', '\u{E001}', '\u{E002}', '\u{E003}']
        );
    }

    #[test]
    fn tidy_fixes_dangling_separators() {
        assert_eq!(
            tidy("Create  a poster , with  light ,, and shade ."),
            "Create a poster, with light, and shade."
        );
        assert_eq!(tidy("  Style: , cool light;."), "Style: cool light.");
        assert_eq!(tidy("a\n\n\n\nb"), "a b");
        assert_eq!(tidy("one.\n  two.\n"), "one. two.");
        assert_eq!(tidy("Wait... what"), "Wait... what");
        assert_eq!(tidy("empty () here"), "empty here");
        // a user phrase (between marks) keeps every character; only the template's separators
        // around it are tidied
        let m = Some(('\u{E010}', '\u{E011}'));
        assert_eq!(
            tidy_marked(
                "Create a poster for \u{E010}Crumb & Co., a bakery\u{E011} .",
                m
            ),
            "Create a poster for Crumb & Co., a bakery."
        );
        assert_eq!(
            tidy_marked("Style: \u{E010}warm, cosy, etc.\u{E011}.", m),
            "Style: warm, cosy, etc."
        );
        assert_eq!(tidy_marked("Say \u{E010}Wow!\u{E011}.", m), "Say Wow!");
    }
}
