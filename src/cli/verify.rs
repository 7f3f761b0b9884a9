//! `imgprompt verify`: check images against their brief (format, size, alpha, exact text by OCR,
//! extra text). Exit 0 when every check passes, 1 when one fails or cannot be decided, 2 for
//! usage errors.
use std::io::Write;
use std::path::{Path, PathBuf};

use super::output::write_stdout;
use super::{Cli, Failure, engine};
use crate::brief::source::SourceFile;
use crate::diagnostic::{Code, Diagnostic};
use crate::verify::{Case, CheckKind, Expected, Options, Report, Status};

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// A brief and the images made from it (`BRIEF IMAGE...`), or one folder written by
    /// `generate` or `batch fetch` (each image checked against its sidecar).
    #[arg(required = true, value_name = "BRIEF IMAGE... | DIR")]
    pub inputs: Vec<PathBuf>,
    /// The API the images came from (what the brief's request asked of it).
    #[arg(long, default_value = "openai", value_name = "TARGET", value_parser = super::target_names())]
    pub target: String,
    /// A table per image, or one JSON object per image per line.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// The checks to run, comma-separated (default: all that apply).
    #[arg(long, value_delimiter = ',', value_parser = parse_check, value_name = "CHECK,...")]
    pub checks: Vec<CheckKind>,
    /// How the image is judged.
    #[command(flatten)]
    pub judging: Judging,
}

/// How images are judged (`verify`, and `generate --verify`).
#[derive(Debug, Clone, clap::Args)]
pub(super) struct Judging {
    /// How letter case counts in exact text: `exact` (letter for letter) or `ignore`.
    #[arg(long, value_enum, default_value_t = CaseArg::Exact)]
    pub case: CaseArg,
    /// Tesseract's languages, `+`-joined (`eng`, `eng+deu`, `jpn`).
    #[arg(long, default_value = "eng", value_name = "LANG")]
    pub lang: String,
    /// A text reading below this OCR confidence (0-100) is unverified, not failed.
    #[arg(long, default_value_t = 60.0, value_name = "N", value_parser = parse_percent)]
    pub min_confidence: f32,
    /// How far an aspect ratio may be from the one asked for, in percent.
    #[arg(long, default_value_t = 3.0, value_name = "PERCENT", value_parser = parse_percent)]
    pub ratio_tolerance: f32,
}

impl Judging {
    /// The verify options for `checks` (all when empty).
    pub(super) fn options(&self, checks: &[CheckKind]) -> Options {
        Options {
            checks: if checks.is_empty() {
                CheckKind::ALL.to_vec()
            } else {
                checks.to_vec()
            },
            case: match self.case {
                CaseArg::Exact => Case::Exact,
                CaseArg::Ignore => Case::Ignore,
            },
            min_confidence: self.min_confidence,
            ratio_tolerance: f64::from(self.ratio_tolerance) / 100.0,
            ..Options::default()
        }
    }
    /// The OCR engine, for `lang`.
    pub(super) fn ocr(&self) -> crate::verify::ocr::Tesseract {
        crate::verify::ocr::Tesseract::new(&self.lang)
    }
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum ReportFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum CaseArg {
    Exact,
    Ignore,
}

pub(super) fn parse_check(s: &str) -> Result<CheckKind, String> {
    CheckKind::parse(s).ok_or_else(|| {
        format!("unknown check `{s}`: expected format, size, alpha, text or extra-text")
    })
}

fn parse_percent(s: &str) -> Result<f32, String> {
    match s.parse::<f32>() {
        Ok(v) if (0.0..=100.0).contains(&v) => Ok(v),
        _ => Err(format!("expected a number from 0 to 100, found `{s}`")),
    }
}

/// Runs `imgprompt verify`.
pub(super) fn run(cli: &Cli, args: &Args, color: bool) -> Result<u8, Failure> {
    let items = items(cli, args)?;
    let options = args.judging.options(&args.checks);
    // a brief whose request none of the chosen checks applies to is a usage error (a folder's
    // image gets its report instead); an SVG is reported, its undecidable checks unverified
    for (image, expected, problem) in items.iter().filter(|_| !is_dir(args)) {
        let none = expected.applicable(&options.checks).is_empty();
        if let (None, true, Some(why)) = (problem, none, expected.cannot_judge(&options.checks)) {
            return Err(Failure::of(
                Diagnostic::error(
                    Code::Usage,
                    format!("nothing to verify in {}: {why}", image.display()),
                )
                .with_help("choose checks that apply with --checks, or leave it out"),
            ));
        }
    }
    let needs_ocr = items.iter().any(|(_, e, _)| {
        (options.checks.contains(&CheckKind::Text) && !e.texts.is_empty())
            || (options.checks.contains(&CheckKind::ExtraText) && e.no_other_text)
    });
    let ocr = args.judging.ocr();
    if needs_ocr {
        ocr.check().map_err(|e| {
            Failure::of(
                Diagnostic::error(Code::Usage, e.to_string())
                    .with_help("or leave the text out: --checks format,size,alpha"),
            )
        })?;
    }
    let mut worst = 0;
    for (image, expected, problem) in &items {
        let nothing = expected
            .applicable(&options.checks)
            .is_empty()
            .then(|| expected.cannot_judge(&options.checks).unwrap_or_default());
        let report = match problem.as_ref().or(nothing.as_ref()) {
            Some(why) => Report::new(
                image.display().to_string(),
                vec![crate::verify::Check::unverified(
                    CheckKind::Format,
                    None,
                    serde_json::Value::Null,
                    why,
                )],
            ),
            None => crate::verify::verify_file(image, expected, &options, Some(&ocr)),
        };
        worst = worst.max(u8::from(!report.passed));
        let text = match args.format {
            ReportFormat::Json => serde_json::to_string(&report).expect("json") + "\n",
            ReportFormat::Table => table(&report, color),
        };
        write_stdout(&text)?;
    }
    if matches!(args.format, ReportFormat::Table) {
        let _ = writeln!(
            std::io::stderr(),
            "verify: {} image{}, {}",
            items.len(),
            if items.len() == 1 { "" } else { "s" },
            if worst == 0 {
                "every check passed"
            } else {
                "some checks failed or could not be decided"
            }
        );
    }
    Ok(worst)
}

/// True when the inputs are one folder.
fn is_dir(args: &Args) -> bool {
    matches!(args.inputs.as_slice(), [dir] if dir.is_dir())
}

/// One image to verify: (the file, what it must be, why it cannot be verified at all).
type Item = (PathBuf, Expected, Option<String>);

/// Each image the inputs name.
fn items(cli: &Cli, args: &Args) -> Result<Vec<Item>, Failure> {
    let usage = |m: String| {
        Failure::of(Diagnostic::error(Code::Usage, m).with_help(
            "give a brief and its images (`verify brief.yaml poster-0.png`), or a folder written by `generate`",
        ))
    };
    if let [dir] = args.inputs.as_slice()
        && dir.is_dir()
    {
        let items = crate::verify::folder::items(dir).map_err(|e| {
            Failure::of(Diagnostic::error(
                Code::Io,
                format!("cannot read {}: {e}", dir.display()),
            ))
        })?;
        if items.is_empty() {
            return Err(usage(format!(
                "{} holds no sidecar naming an image",
                dir.display()
            )));
        }
        return Ok(items
            .into_iter()
            .map(|i| (i.image, i.expected, i.problem))
            .collect());
    }
    let [brief, images @ ..] = args.inputs.as_slice() else {
        unreachable!("clap requires one input");
    };
    if images.is_empty() {
        return Err(usage(format!(
            "{} is a brief without images (or not a folder)",
            brief.display()
        )));
    }
    if crate::app::image::sniff(&head(brief)).is_some() {
        return Err(usage(format!(
            "{} is an image: the brief comes first",
            brief.display()
        )));
    }
    let engine = engine(cli)?;
    let target = crate::targets::by_name(&args.target).map_err(Failure::usage)?;
    let source = SourceFile::read(brief, None).map_err(Failure::of)?;
    // an invalid brief is a usage error here (exit 2): exit 1 says an image failed
    let rendering = engine
        .render(&source, target.as_ref())
        .map_err(|d| Failure {
            code: 2,
            diagnostics: d,
        })?;
    let expected = Expected::of(&rendering, &engine);
    Ok(images
        .iter()
        .map(|i| (i.clone(), expected.clone(), None))
        .collect())
}

/// The first bytes of a file (empty when it cannot be read).
fn head(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let mut buf = vec![0; 1024];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut buf))
        .unwrap_or(0);
    buf.truncate(n);
    buf
}

/// One image's table: its verdict, then a line per check.
fn table(report: &Report, color: bool) -> String {
    let paint = |s: Status| {
        let word = s.as_str().to_uppercase();
        if !color {
            return word;
        }
        let code = match s {
            Status::Pass => "32",
            Status::Fail => "31",
            Status::Unverified => "33",
        };
        format!("\x1b[1;{code}m{word}\x1b[0m")
    };
    let mut out = format!("{}  {}\n", report.image, paint(report.status()));
    for c in &report.checks {
        let what = match &c.role {
            Some(role) => format!("{} {role}", c.check.as_str()),
            None => c.check.as_str().to_string(),
        };
        let found = match &c.found {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::from("-"),
            v => v.to_string(),
        };
        let expected = match &c.expected {
            serde_json::Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        let scores = c.scores.as_ref().map_or(String::new(), |s| {
            format!(
                "  (edits {}, CER {:.2}, conf {:.0})",
                s.distance, s.cer, s.confidence
            )
        });
        out.push_str(&format!(
            "  {what:<22} {:<10} expected {expected:?}, found {found:?}{scores}\n",
            c.status.as_str()
        ));
        if let Some(note) = c.note.as_ref().filter(|_| c.status != Status::Pass) {
            out.push_str(&format!("  {:<22} {:<10} {note}\n", "", ""));
        }
    }
    out
}
