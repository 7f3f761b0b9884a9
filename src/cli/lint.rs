//! `imgprompt lint`: Check prompt quality: exact text kept, no-text conflicts, length, repetition, dangling separators, leftover placeholders, contradictions, context vs size. Exit 1 on any error.
use std::path::PathBuf;

use super::output::{read_override, write_stdout};
use super::{Cli, Failure, ReportFormat, color_stdout, engine};
use crate::brief::source::SourceFile;
use crate::diagnostic::Diagnostics;

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Brief files (JSON or YAML).
    #[arg(required_unless_present = "rules")]
    pub briefs: Vec<PathBuf>,
    /// List the rules and stop.
    #[arg(long)]
    pub rules: bool,
    /// The API the prompt is written for: its model family's rules are checked.
    #[arg(long, default_value = "openai", value_parser = super::target_names())]
    pub target: String,
    /// Check the prompt of every model family (GPT image, Gemini, FLUX, Stability, Midjourney),
    /// each against its own guide.
    #[arg(long, conflicts_with = "target")]
    pub all_targets: bool,
    /// Text, JSON lines, JUnit XML (one case per brief) or SARIF (for code scanning).
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Lint tables replacing the shipped ones (same format as data/lint.json).
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
}

/// Runs `imgprompt lint`.
pub(super) fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let Args {
        briefs,
        rules,
        target,
        all_targets,
        format,
        table,
    } = args;

    if *rules {
        write_stdout(&crate::lint::rules_table())?;
        return Ok(0);
    }
    let engine = engine(cli)?;
    let target = crate::targets::by_name(target).map_err(Failure::usage)?;
    let mut lint_table = crate::lint::LintTable::builtin();
    if let Some((name, text)) = read_override(table.as_deref())? {
        lint_table
            .apply_overrides(&name, &text)
            .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    }
    let targets = crate::lint::targets(target.as_ref(), *all_targets);
    let mut files = Vec::new();
    let mut io_failed = false;
    for path in briefs {
        // a file that cannot be read is reported with the others (exit 2 at the end)
        let found = match SourceFile::read(path, None) {
            Ok(source) => crate::lint::lint_brief(&engine, &source, &targets, &lint_table),
            Err(d) => {
                io_failed |= d.code == crate::diagnostic::Code::Io;
                vec![d]
            }
        };
        files.push((path.display().to_string(), found));
    }
    let all = || files.iter().flat_map(|(_, d)| d);
    let errors = all().filter(|d| d.is_error()).count();
    let warnings = all().count() - errors;
    let summary = format!(
        "{}: {}, {}\n",
        crate::emit::plural(briefs.len() as u64, "brief"),
        crate::emit::plural(errors as u64, "error"),
        crate::emit::plural(warnings as u64, "warning")
    );
    write_stdout(&format.report("lint", &files, color_stdout(cli.color), &summary))?;
    Ok(if io_failed {
        2
    } else if errors > 0 {
        1
    } else {
        0
    })
}
