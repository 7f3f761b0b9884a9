//! `imgprompt cost`: Estimate what briefs cost: per image, per request, per period, with retries.
use std::path::PathBuf;

use clap::ValueEnum;

use super::output::write_stdout;
use super::{Cli, Failure, engine};
use crate::brief::source::SourceFile;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Brief files (JSON or YAML).
    #[arg(required = true)]
    pub briefs: Vec<PathBuf>,
    /// Requests of each brief per period.
    #[arg(long, default_value_t = 1)]
    pub volume: u64,
    /// The period of `--volume`.
    #[arg(long, value_enum, default_value_t = crate::emit::Period::Day)]
    pub per: crate::emit::Period,
    /// Fraction of requests sent again (0.1 = 10%).
    #[arg(long, default_value_t = 0.0)]
    pub retries: f64,
    /// Priced through the OpenAI Batch API (50%).
    #[arg(long)]
    pub batch_api: bool,
    /// Partial images streamed per image (each adds 100 output tokens).
    #[arg(long, default_value_t = 0)]
    pub partial_images: u32,
    /// Table or JSON.
    #[arg(long, value_enum, default_value_t = CostFormat::Table)]
    pub format: CostFormat,
    /// The API to price the request for.
    #[arg(long, default_value = "openai", value_parser = super::target_names())]
    pub target: String,
}

/// Runs `imgprompt cost`.
pub(super) fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let Args {
        briefs,
        volume,
        per,
        retries,
        format,
        target,
        ..
    } = args;

    if !(0.0..=10.0).contains(retries) {
        return Err(Failure::of(Diagnostic::error(
            Code::Usage,
            format!("--retries must be between 0 and 10, got {retries}"),
        )));
    }
    let engine = engine(cli)?;
    let target = crate::targets::by_name(target).map_err(Failure::usage)?;
    let mut rows = Vec::new();
    let mut problems = Diagnostics::default();
    for path in briefs {
        let source = SourceFile::read(path, None).map_err(Failure::of)?;
        match engine.render(&source, target.as_ref()) {
            Ok(r) => {
                if let Some(c) = r.cost {
                    rows.push((source.name.clone(), c));
                }
            }
            Err(d) => problems.0.extend(d.0),
        }
    }
    if problems.has_errors() {
        return Err(Failure::invalid(problems));
    }
    let volume = crate::emit::Volume {
        requests: *volume,
        per: *per,
        retries: *retries,
    };
    let text = match format {
        CostFormat::Table => crate::emit::cost_table(&rows, volume, engine.price_table()),
        CostFormat::Json => crate::emit::cost_json(&rows, volume),
    };
    write_stdout(&text)?;
    Ok(0)
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum CostFormat {
    Table,
    Json,
}
