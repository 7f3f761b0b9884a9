//! Batches: one brief per JSONL line, streamed, rendered in parallel, written in input order.
//!
//! Every input line gives one record, in input order: a result or an error. A line whose brief
//! declares `vary` gives one result per variant, each carrying the same `line`. Bad lines never
//! stop the batch unless `fail_fast` is set.
use std::io::{self, BufRead, Write};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::app::vary::Variations;
use crate::brief::source::{Format, SourceFile};
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::emit::{Emit, batch_custom_id, openai_batch_line};
use crate::engine::{Engine, Rendering};
use crate::targets::Target;

/// Options of a batch run.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// What each result record holds.
    pub emit: Emit,
    /// Stop after the first failing line.
    pub fail_fast: bool,
    /// Render in parallel (rayon) when true.
    pub parallel: bool,
    /// The input's name, used in ids and messages.
    pub input_name: String,
    /// Most variants one line with `vary` may render (see [`crate::app::expand`]).
    pub max_variants: u64,
}

/// Counts of a finished batch.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Input lines read.
    pub lines: u64,
    /// Result records written.
    pub results: u64,
    /// Lines that failed.
    pub failed: u64,
    /// Blank lines, skipped (each has a `{"line": N, "skipped": "blank line"}` record).
    pub skipped: u64,
    /// Warnings across all results.
    pub warnings: u64,
    /// Sum of the known costs, USD.
    pub cost: f64,
    /// Results whose cost is unknown.
    pub unpriced: u64,
    /// True when `fail_fast` stopped the batch early.
    pub stopped_early: bool,
}

impl Summary {
    /// Counts one line's output and writes its records (streaming a line's variants); true when
    /// the line failed.
    fn absorb<'a, 'b>(
        &mut self,
        o: LineOutput,
        results: &mut dyn Write,
        errors: Option<&'a mut (dyn Write + 'b)>,
        stream: (&Engine, &dyn Target, &BatchOptions),
    ) -> io::Result<bool> {
        if let Some(d) = &o.deferred {
            let (engine, target, opts) = stream;
            self.lines += 1;
            // reborrow with a shorter trait-object lifetime
            #[allow(clippy::needless_match)]
            let errors: Option<&mut dyn Write> = match errors {
                Some(e) => Some(e),
                None => None,
            };
            let mut errors = errors;
            let streamed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let errors = errors.as_mut().map(|e| &mut **e as &mut dyn Write);
                stream_variants(engine, target, opts, d.line, d, results, errors)
            }));
            let s = match streamed {
                Ok(s) => s?,
                Err(panic) => {
                    // the variants written so far stay; the line ends with its error record
                    let record = error_record(d.line, &[panicked(&panic)]);
                    match errors {
                        Some(e) => e.write_all(record.as_bytes())?,
                        None => results.write_all(record.as_bytes())?,
                    }
                    self.failed += 1;
                    return Ok(true);
                }
            };
            self.results += s.written;
            self.warnings += s.warnings;
            self.cost += s.cost;
            self.unpriced += s.unpriced;
            if s.failed > 0 {
                self.failed += 1;
            }
            return Ok(s.failed > 0);
        }
        self.lines += 1;
        if o.skipped {
            self.skipped += 1;
            match errors {
                Some(e) => e.write_all(o.errors.as_bytes())?,
                None => results.write_all(o.errors.as_bytes())?,
            }
            return Ok(false);
        }
        self.results += o.ok;
        self.warnings += o.warnings;
        self.cost += o.cost;
        self.unpriced += o.unpriced;
        results.write_all(o.results.as_bytes())?;
        if o.failed {
            self.failed += 1;
            match errors {
                Some(e) => e.write_all(o.errors.as_bytes())?,
                None => results.write_all(o.errors.as_bytes())?,
            }
        }
        Ok(o.failed)
    }
}

/// One error record.
#[derive(Debug, Serialize)]
struct ErrorRecord<'a> {
    line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    error: ErrorBody<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    more: &'a [Diagnostic],
}

#[derive(Debug, Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// One result record.
#[derive(Debug, Serialize)]
struct ResultRecord<'a> {
    line: u64,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    variant: Option<u64>,
    #[serde(flatten)]
    rendering: &'a Rendering,
}

/// A line with `vary`, its values checked: its variants are rendered and written as a stream
/// when its turn comes, so a line of a million variants never sits in memory.
#[derive(Debug)]
struct Deferred {
    variations: Variations,
    source: SourceFile,
    line: u64,
}

/// What one line produced: output text for the results stream and for the errors stream.
#[derive(Debug, Default)]
struct LineOutput {
    deferred: Option<Box<Deferred>>,
    results: String,
    errors: String,
    ok: u64,
    failed: bool,
    warnings: u64,
    cost: f64,
    unpriced: u64,
    skipped: bool,
}

fn error_record(line: u64, diagnostics: &[Diagnostic]) -> String {
    variant_error_record(line, None, diagnostics)
}

/// The error record of one variant of a line (`variant` and `id` set), or of the line.
fn variant_error_record(
    line: u64,
    variant: Option<(u64, &str)>,
    diagnostics: &[Diagnostic],
) -> String {
    let first = diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .or(diagnostics.first());
    let Some(d) = first else {
        return String::new();
    };
    let rest: Vec<Diagnostic> = diagnostics
        .iter()
        .filter(|x| !std::ptr::eq(*x, d))
        .cloned()
        .collect();
    let record = ErrorRecord {
        line,
        variant: variant.map(|v| v.0),
        id: variant.map(|v| v.1),
        error: ErrorBody {
            code: d.code.as_str(),
            message: &d.message,
            path: d.path.as_deref(),
            column: d.location.as_ref().map(|l| l.column),
            help: d.help.as_deref(),
        },
        more: &rest,
    };
    let mut s = serde_json::to_string(&record).expect("record serialises");
    s.push('\n');
    s
}

fn result_text(line: u64, id: &str, variant: Option<u64>, r: &Rendering, emit: Emit) -> String {
    let mut s = match emit {
        Emit::Json | Emit::Report => serde_json::to_string(&ResultRecord {
            line,
            id,
            variant,
            rendering: r,
        })
        .expect("record serialises"),
        Emit::Payload => serde_json::to_string(&r.payload.body).expect("payload serialises"),
        Emit::Prompt => {
            serde_json::to_string(&serde_json::json!({"line": line, "id": id, "prompt": r.payload.paste_line().unwrap_or(&r.prompt)}))
                .expect("json")
        }
        Emit::OpenaiBatch => openai_batch_line(&batch_custom_id(id, Some(line), variant, r), r),
        Emit::Curl | Emit::Python | Emit::Js | Emit::Http => {
            let snippet = crate::emit::emit(r, emit).unwrap_or_else(|d| d.message);
            serde_json::to_string(&serde_json::json!({"line": line, "id": id, "snippet": snippet}))
                .expect("json")
        }
    };
    s.push('\n');
    s
}

/// The longest batch line read (16 MiB): a longer one gets an error record and the rest of it is
/// skipped up to its newline, never held in memory.
pub const MAX_LINE_BYTES: usize = 16 << 20;

/// One input line as read: its text, or why it has none.
#[derive(Debug)]
enum RawLine {
    /// The line, without its newline (and a UTF-8 byte-order mark removed).
    Text(String),
    /// Not UTF-8: the byte offset of the first invalid byte.
    NotUtf8(usize),
    /// Longer than [`MAX_LINE_BYTES`]: its length.
    TooLong(u64),
}

/// Reads the next line (up to `\n`, a final line without one included), keeping at most
/// [`MAX_LINE_BYTES`] of it in `buf`; `None` at the end of the input.
fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>) -> io::Result<Option<RawLine>> {
    buf.clear();
    let mut total = 0u64;
    let mut any = false;
    loop {
        let avail = match input.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match avail.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        let room = (MAX_LINE_BYTES + 2).saturating_sub(buf.len());
        buf.extend_from_slice(&avail[..take.min(room)]);
        total += take as u64;
        input.consume(take);
        if done {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if buf.last() == Some(&b'\n') {
        buf.pop();
        total -= 1;
        if buf.last() == Some(&b'\r') {
            buf.pop();
            total -= 1;
        }
    }
    if total > MAX_LINE_BYTES as u64 {
        return Ok(Some(RawLine::TooLong(total)));
    }
    let bytes = buf.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(buf);
    Ok(Some(match std::str::from_utf8(bytes) {
        Ok(text) => RawLine::Text(text.to_string()),
        Err(e) => RawLine::NotUtf8(e.valid_up_to()),
    }))
}

/// [`process_line`], with a panic turned into the line's error record (the run goes on).
fn guarded_line(
    engine: &Engine,
    target: &dyn Target,
    opts: &BatchOptions,
    line_no: u64,
    line: &RawLine,
) -> LineOutput {
    let text = match line {
        RawLine::Text(t) => t,
        RawLine::NotUtf8(at) => {
            let d = Diagnostic::error(
                Code::NotUtf8,
                format!(
                    "line {line_no} is not UTF-8 text (invalid byte at byte {})",
                    at + 1
                ),
            )
            .with_help("save the file as UTF-8 (for example `iconv -f latin1 -t utf-8`)");
            return failed_line(line_no, d);
        }
        RawLine::TooLong(len) => {
            let d = Diagnostic::error(
                Code::LineTooLong,
                format!(
                    "line {line_no} is {len} bytes long, over the limit of {} MiB",
                    MAX_LINE_BYTES >> 20
                ),
            )
            .with_help("one brief per line: a brief that long is not a brief");
            return failed_line(line_no, d);
        }
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        process_line(engine, target, opts, line_no, text)
    }))
    .unwrap_or_else(|panic| failed_line(line_no, panicked(&panic)))
}

/// The diagnostic of a caught panic: an internal error, to report.
pub(crate) fn panicked(panic: &Box<dyn std::any::Any + Send>) -> Diagnostic {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| String::from("unknown"));
    Diagnostic::error(
        Code::Internal,
        format!("imgprompt failed on this input: {what}"),
    )
    .with_help("this is a bug in imgprompt: please report it with the input")
}

fn failed_line(line_no: u64, d: Diagnostic) -> LineOutput {
    LineOutput {
        errors: error_record(line_no, &[d]),
        failed: true,
        ..LineOutput::default()
    }
}

fn process_line(
    engine: &Engine,
    target: &dyn Target,
    opts: &BatchOptions,
    line_no: u64,
    text: &str,
) -> LineOutput {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        // a blank line is skipped, with a record saying so (one record per line, not a failure)
        let record = serde_json::json!({"line": line_no, "skipped": "blank line"});
        return LineOutput {
            errors: format!("{record}\n"),
            skipped: true,
            ..LineOutput::default()
        };
    }
    let source = SourceFile::new(opts.input_name.clone(), trimmed, Some(Format::Json));
    process_source(
        engine,
        target,
        opts,
        line_no,
        &source,
        &format!("line-{line_no}"),
    )
}

fn process_source(
    engine: &Engine,
    target: &dyn Target,
    opts: &BatchOptions,
    line_no: u64,
    source: &SourceFile,
    stem: &str,
) -> LineOutput {
    let mut out = LineOutput::default();
    let fail = |out: &mut LineOutput, ds: &[Diagnostic]| {
        out.errors.push_str(&error_record(line_no, ds));
        out.failed = true;
    };
    let value: Value = match source.parse_brief() {
        Ok(v) => v,
        Err(d) => {
            fail(&mut out, &[d]);
            return out;
        }
    };
    let stem = stem.to_string();
    let has_vary = value
        .get("vary")
        .and_then(Value::as_object)
        .is_some_and(|v| !v.is_empty());
    let emit_one = |out: &mut LineOutput, id: &str, variant: Option<u64>, brief: Value| -> bool {
        match engine.render_value(brief, Some(source), target) {
            Ok(r) => {
                out.results
                    .push_str(&result_text(line_no, id, variant, &r, opts.emit));
                out.ok += 1;
                out.warnings += r.warnings.len() as u64;
                match r.cost.as_ref().and_then(|c| c.per_request) {
                    Some(c) => out.cost += c,
                    None => out.unpriced += 1,
                }
                true
            }
            Err(d) => {
                fail(out, &d.0);
                false
            }
        }
    };
    if !has_vary {
        let id = value
            .get("name")
            .and_then(Value::as_str)
            .map_or(stem, str::to_string);
        emit_one(&mut out, &id, None, value);
        return out;
    }
    let variations = match Variations::from_brief(&value, &stem, Some(source)) {
        Ok(v) => v,
        Err(d) => {
            fail(&mut out, &d.0);
            return out;
        }
    };
    // all or nothing, up front: a bad value under `vary` fails the line as one record; then the
    // variants stream, a variant failing at render time giving its own record
    if let Err(d) = variations.check_values(Some(source)) {
        fail(&mut out, &d.0);
        return out;
    }
    let count = variations.count().unwrap_or(u64::MAX);
    if let Err(d) = crate::app::expand::check_ceiling(count, opts.max_variants, &source.name) {
        fail(&mut out, &[d]);
        return out;
    }
    out.deferred = Some(Box::new(Deferred {
        variations,
        source: source.clone(),
        line: line_no,
    }));
    out
}

/// Writes a deferred line's variants, in order.
fn stream_variants(
    engine: &Engine,
    target: &dyn Target,
    opts: &BatchOptions,
    line: u64,
    d: &Deferred,
    results: &mut dyn Write,
    errors: Option<&mut dyn Write>,
) -> io::Result<crate::app::expand::StreamSummary> {
    let total = d.variations.count().unwrap_or(0);
    crate::app::expand::stream(
        engine,
        &d.variations,
        0..total,
        Some(&d.source),
        target,
        opts.parallel,
        |v, r| result_text(line, &v.id, Some(v.index), r, opts.emit),
        |v, ds| variant_error_record(line, Some((v.index, &v.id)), &ds.0),
        results,
        errors,
    )
}

/// Runs a batch from `input` to `results` (and `errors` when given; otherwise error records go
/// to `results` too, in order). `progress` is called with the number of lines done. Each chunk
/// of lines is written before the next is read, so records stream from an input that arrives
/// slowly (a pipe, a terminal); [`run_file`] reads ahead.
pub fn run(
    engine: &Engine,
    target: &dyn Target,
    input: impl BufRead,
    results: &mut dyn Write,
    errors: Option<&mut dyn Write>,
    opts: &BatchOptions,
    progress: impl FnMut(u64),
) -> io::Result<Summary> {
    let out = Out::new(results, errors);
    chunked(engine, target, input, out, opts, progress, false)
}

/// [`run`] for an input that is all there (a regular file): in parallel, a pipeline — while the
/// render threads work on one chunk of lines, this thread writes the records of the chunk before
/// and reads the next, so neither waits on the other (rendering chunk by chunk and then writing
/// left the cores idle while records were written). Records still come out in input order.
pub fn run_file(
    engine: &Engine,
    target: &dyn Target,
    input: impl BufRead,
    results: &mut dyn Write,
    errors: Option<&mut dyn Write>,
    opts: &BatchOptions,
    progress: impl FnMut(u64),
) -> io::Result<Summary> {
    let out = Out::new(results, errors);
    chunked(engine, target, input, out, opts, progress, opts.parallel)
}

/// Where a batch's records go, and what it has counted.
struct Out<'w, 'e> {
    results: &'w mut dyn Write,
    errors: Option<&'e mut dyn Write>,
    summary: Summary,
}

impl<'w, 'e> Out<'w, 'e> {
    fn new(results: &'w mut dyn Write, errors: Option<&'e mut dyn Write>) -> Self {
        Out {
            results,
            errors,
            summary: Summary::default(),
        }
    }
}

/// [`run`] and [`run_file`]: chunk by chunk, or (`read_ahead`) one chunk rendering while the one
/// before is written and the next read.
fn chunked(
    engine: &Engine,
    target: &dyn Target,
    mut input: impl BufRead,
    mut out: Out<'_, '_>,
    opts: &BatchOptions,
    mut progress: impl FnMut(u64),
    read_ahead: bool,
) -> io::Result<Summary> {
    let mut reader = Chunks::default();
    let render = |chunk: Vec<(u64, RawLine)>| -> Vec<LineOutput> {
        if opts.parallel && chunk.len() > 1 {
            chunk
                .par_iter()
                .map(|(n, line)| guarded_line(engine, target, opts, *n, line))
                .collect()
        } else {
            chunk
                .iter()
                .map(|(n, line)| guarded_line(engine, target, opts, *n, line))
                .collect()
        }
    };
    // the records of a chunk, in order; true when --fail-fast stops the batch
    let mut write = |outputs: Vec<LineOutput>, out: &mut Out<'_, '_>| -> io::Result<bool> {
        for o in outputs {
            let ctx = (engine, target, opts);
            let failed = out
                .summary
                .absorb(o, out.results, out.errors.as_deref_mut(), ctx)?;
            if failed && opts.fail_fast {
                out.summary.stopped_early = true;
                out.results.flush()?;
                return Ok(true);
            }
        }
        out.results.flush()?;
        progress(out.summary.lines);
        Ok(false)
    };
    if !read_ahead {
        while let Some(chunk) = reader.next(&mut input)? {
            if write(render(chunk), &mut out)? {
                break;
            }
        }
        return Ok(out.summary);
    }
    // each chunk renders as a job on the current rayon pool (the caller's, where `run` renders
    // its lines too) while this thread writes the chunk before and reads the next
    let mut chunk = reader.next(&mut input)?;
    let mut before: Option<Vec<LineOutput>> = None;
    loop {
        let Some(this) = chunk.take() else {
            if let Some(done) = before.take() {
                write(done, &mut out)?;
            }
            return Ok(out.summary);
        };
        let mut rendered: Option<Vec<LineOutput>> = None;
        let (written, read) = rayon::in_place_scope(|scope| {
            scope.spawn(|_| rendered = Some(render(this)));
            let written = match before.take() {
                Some(done) => write(done, &mut out),
                None => Ok(false),
            };
            let read = matches!(written, Ok(false)).then(|| reader.next(&mut input));
            (written, read)
        });
        if written? {
            return Ok(out.summary);
        }
        before = rendered;
        match read {
            Some(Ok(next)) => chunk = next,
            Some(Err(e)) => {
                // the chunk read before the error is written first, as without reading ahead;
                // the error ends the batch
                if let Some(done) = before.take() {
                    write(done, &mut out)?;
                }
                return Err(e);
            }
            None => unreachable!("the next chunk is read unless writing stopped or failed"),
        }
    }
}

/// The stack a thread rendering briefs needs: a main thread's (the deepest briefs the readers
/// accept need more than 2 MiB in a debug build). The command line gives it to rayon's threads,
/// where batches and expansions render.
pub const RENDER_STACK: usize = 8 << 20;

/// Reads the input in chunks of lines that grow from 1 to 1,024: the first records appear at
/// once, then chunks are large enough for throughput.
#[derive(Default)]
struct Chunks {
    size: usize,
    line_no: u64,
    buf: Vec<u8>,
}

impl Chunks {
    /// The next chunk, numbered from 1 across chunks; `None` at the end of the input.
    fn next(&mut self, input: &mut impl BufRead) -> io::Result<Option<Vec<(u64, RawLine)>>> {
        self.size = (self.size * 2).clamp(1, 1024);
        let mut chunk = Vec::with_capacity(self.size);
        while chunk.len() < self.size {
            let Some(line) = read_line(input, &mut self.buf)? else {
                break;
            };
            self.line_no += 1;
            chunk.push((self.line_no, line));
        }
        Ok((!chunk.is_empty()).then_some(chunk))
    }
}

/// Checks a file of a folder before it is read: a regular file (a link to one is followed) of
/// at most [`MAX_LINE_BYTES`] — a FIFO, a device or a huge file in the folder gets its error
/// record and is never opened.
fn brief_file(path: &std::path::Path) -> Result<(), Diagnostic> {
    let name = path.display();
    let meta = std::fs::metadata(path)
        .map_err(|e| Diagnostic::error(Code::Io, format!("cannot read `{name}`: {e}")))?;
    if !meta.is_file() {
        return Err(Diagnostic::error(
            Code::NotAFile,
            format!("`{name}` is not a regular file (a pipe, device or socket): not read"),
        )
        .with_help("keep only brief files in the folder"));
    }
    if meta.len() > MAX_LINE_BYTES as u64 {
        return Err(Diagnostic::error(
            Code::FileTooLarge,
            format!(
                "`{name}` is {} bytes, over the limit of {} MiB for one brief",
                meta.len(),
                MAX_LINE_BYTES >> 20
            ),
        ));
    }
    Ok(())
}

/// Runs a batch over brief files (JSON or YAML, e.g. a folder's files in name order): each file
/// counts as one input "line", numbered from 1; ids default to the file stem.
pub fn run_files(
    engine: &Engine,
    target: &dyn Target,
    files: &[std::path::PathBuf],
    results: &mut dyn Write,
    mut errors: Option<&mut dyn Write>,
    opts: &BatchOptions,
    mut progress: impl FnMut(u64),
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    for (i, path) in files.iter().enumerate() {
        let n = i as u64 + 1;
        let stem = path
            .file_stem()
            .map_or_else(|| format!("file-{n}"), |s| s.to_string_lossy().into_owned());
        let o = match brief_file(path).and_then(|()| SourceFile::read(path, None)) {
            Ok(source) => process_source(engine, target, opts, n, &source, &stem),
            Err(d) => LineOutput {
                errors: error_record(n, &[d]),
                failed: true,
                ..LineOutput::default()
            },
        };
        if summary.absorb(o, results, errors.as_deref_mut(), (engine, target, opts))?
            && opts.fail_fast
        {
            summary.stopped_early = true;
            break;
        }
        progress(summary.lines);
    }
    results.flush()?;
    Ok(summary)
}
