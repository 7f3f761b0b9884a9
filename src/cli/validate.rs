//! `imgprompt validate`: Check briefs: exit 0 if all are valid, 1 otherwise; diagnostics on stderr.
use std::io::Write;
use std::path::PathBuf;

use super::output::write_stdout;
use super::{Cli, Failure, InputFormat, ReportFormat, engine};
use crate::brief::source::SourceFile;
use crate::diagnostic::Diagnostics;

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Brief files (JSON or YAML), or `-` for standard input.
    #[arg(required = true)]
    pub briefs: Vec<PathBuf>,
    /// The API to validate the request for.
    #[arg(long, default_value = "openai", value_parser = super::target_names())]
    pub target: String,
    /// Force the input format.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Diagnostics as text (on stderr), or on stdout as JSON lines, JUnit XML or SARIF.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
}

/// Runs `imgprompt validate`.
pub(super) fn run(cli: &Cli, args: &Args, color: bool) -> Result<u8, Failure> {
    let Args {
        briefs,
        target,
        input_format,
        format,
    } = args;

    let engine = engine(cli)?;
    let target = crate::targets::by_name(target).map_err(Failure::usage)?;
    let mut files = Vec::new();
    let mut io_failed = false;
    let mut valid = 0;
    for path in briefs {
        let result = SourceFile::read(path, input_format.map(Into::into))
            .map_err(|d| {
                // a file that cannot be read exits 2; one that is not text is an invalid brief
                io_failed |= d.code == crate::diagnostic::Code::Io;
                Diagnostics(vec![d])
            })
            .and_then(|s| engine.render(&s, target.as_ref()));
        let found = match result {
            Ok(r) => {
                valid += 1;
                r.warnings
            }
            Err(ds) => ds.0,
        };
        files.push((path.display().to_string(), found));
    }
    let failed = briefs.len() - valid;
    let summary = format!("{valid} valid, {failed} invalid\n");
    let text = format.report("validate", &files, color, &summary);
    if *format == ReportFormat::Human {
        let _ = std::io::stderr().write_all(text.as_bytes());
    } else {
        write_stdout(&text)?;
    }
    Ok(if io_failed {
        2
    } else if failed > 0 {
        1
    } else {
        0
    })
}
