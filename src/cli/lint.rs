//! `imgprompt lint`: Check prompt quality: exact text kept, no-text conflicts, length, repetition, dangling separators, leftover placeholders, contradictions, context vs size. Exit 1 on any error.
use std::path::PathBuf;

use super::output::{read_override, write_stdout};
use super::{Cli, Failure, OutputFormat, color_stdout, engine};
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
    #[arg(long, default_value = "openai")]
    pub target: String,
    /// Check the prompt of every model family (GPT image, Gemini, FLUX, Stability, Midjourney),
    /// each against its own guide.
    #[arg(long, conflicts_with = "target")]
    pub all_targets: bool,
    /// Text or JSON lines.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
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
    let targets: Vec<&dyn crate::targets::Target> = if *all_targets {
        crate::prompt::family::Family::ALL
            .iter()
            .map(|f| crate::targets::TargetId::of_family(*f).target())
            .collect()
    } else {
        vec![target.as_ref()]
    };
    let mut all = Diagnostics::default();
    for path in briefs {
        let source = SourceFile::read(path, None).map_err(Failure::of)?;
        all.0.extend(crate::lint::lint_brief(
            &engine,
            &source,
            &targets,
            &lint_table,
        ));
    }
    let errors = all.0.iter().filter(|d| d.is_error()).count();
    let warnings = all.0.len() - errors;
    match format {
        OutputFormat::Human => {
            let mut text = all.render(color_stdout(cli.color));
            text.push_str(&format!(
                "{} briefs: {errors} errors, {warnings} warnings\n",
                briefs.len()
            ));
            write_stdout(&text)?;
        }
        OutputFormat::Json => write_stdout(&all.json_lines())?,
    }
    Ok(if errors > 0 { 1 } else { 0 })
}
