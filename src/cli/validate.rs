//! `imgprompt validate`: Check briefs: exit 0 if all are valid, 1 otherwise; diagnostics on stderr.
use std::io::Write;
use std::path::PathBuf;

use super::output::write_stdout;
use super::{Cli, Failure, InputFormat, OutputFormat, engine};
use crate::brief::source::SourceFile;
use crate::diagnostic::Diagnostics;

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Brief files (JSON or YAML), or `-` for standard input.
    #[arg(required = true)]
    pub briefs: Vec<PathBuf>,
    /// The API to validate the request for.
    #[arg(long, default_value = "openai")]
    pub target: String,
    /// Force the input format.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Diagnostics as text or as JSON lines.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
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
    let mut all = Diagnostics::default();
    let mut io_failed = false;
    let mut valid = 0;
    for path in briefs {
        let result = SourceFile::read(path, input_format.map(Into::into))
            .map_err(|d| {
                io_failed = true;
                Diagnostics(vec![d])
            })
            .and_then(|s| engine.render(&s, target.as_ref()));
        match result {
            Ok(r) => {
                valid += 1;
                all.0.extend(r.warnings);
            }
            Err(ds) => all.0.extend(ds.0),
        }
    }
    let failed = briefs.len() - valid;
    match format {
        OutputFormat::Human => {
            let mut text = all.render(color);
            text.push_str(&format!("{valid} valid, {failed} invalid\n"));
            let _ = std::io::stderr().write_all(text.as_bytes());
        }
        OutputFormat::Json => write_stdout(&all.json_lines())?,
    }
    Ok(if io_failed {
        2
    } else if failed > 0 {
        1
    } else {
        0
    })
}
