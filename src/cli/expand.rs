//! `imgprompt expand`: List a brief's variations (`vary`), count them and price them, within a budget.
use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;

use super::output::{AtomicFile, io_failure};
use super::{Cli, Failure, engine};
use crate::brief::source::SourceFile;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::engine::Engine;

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// The brief (JSON or YAML).
    pub brief: PathBuf,
    /// Print only the number of variants and what generating them all costs.
    #[arg(long, conflicts_with = "emit")]
    pub count: bool,
    /// Keep a reproducible random subset of N variants.
    #[arg(long, value_name = "N")]
    pub sample: Option<u64>,
    /// Seed of `--sample`.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Refuse to render or list more than N variants (default 100000; counting is never
    /// limited).
    #[arg(long, value_name = "N")]
    pub max_variants: Option<u64>,
    /// Refuse to expand when generating every variant would cost more than USD.
    #[arg(long, value_name = "USD", value_parser = super::parse_usd)]
    pub max_cost: Option<f64>,
    /// Variants as briefs (default) or rendered like `batch`.
    #[arg(long, value_enum, default_value_t = ExpandEmit::Brief)]
    pub emit: ExpandEmit,
    /// Write to a file instead of standard output, atomically: it appears when `expand` ends
    /// (with every variant that rendered; failures go to stderr), never half written.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `imgprompt expand`.
pub(super) fn run(cli: &Cli, args: &Args, color: bool) -> Result<u8, Failure> {
    let Args {
        brief,
        count,
        sample,
        seed,
        max_variants,
        max_cost,
        emit: form,
        output,
    } = args;

    if let Some(out) = output
        && std::fs::canonicalize(out).ok() == std::fs::canonicalize(brief).ok()
        && out.exists()
    {
        return Err(Failure::of(
            Diagnostic::error(
                Code::Usage,
                format!("`-o {}` is the brief itself", out.display()),
            )
            .with_help("write the variants to another file"),
        ));
    }
    if let Some(out) = output {
        super::output::check_output_folder(out)?;
    }
    let engine = engine(cli)?;
    let mut file = output
        .as_deref()
        .map(AtomicFile::create)
        .transpose()
        .map_err(|e| {
            let name = output
                .as_deref()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            io_failure(&format!("cannot create `{name}`"), &e)
        })?;
    let stdout = std::io::stdout();
    let mut lock;
    let out: &mut dyn Write = match &mut file {
        Some(f) => f.writer(),
        None => {
            lock = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            &mut lock
        }
    };
    let code = expand_command(
        &engine,
        brief,
        out,
        ExpandArgs {
            count: *count,
            sample: *sample,
            seed: *seed,
            max_variants: max_variants.unwrap_or(crate::app::expand::DEFAULT_MAX_VARIANTS),
            max_cost: *max_cost,
            emit: *form,
        },
        color,
    )?;
    if let Some(f) = file {
        let name = output
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        f.commit()
            .map_err(|e| io_failure(&format!("cannot write `{name}`"), &e))?;
    }
    Ok(code)
}

/// The options of `expand`.
#[derive(Debug, Clone, Copy)]
struct ExpandArgs {
    count: bool,
    sample: Option<u64>,
    seed: u64,
    max_variants: u64,
    max_cost: Option<f64>,
    emit: ExpandEmit,
}

/// `expand`: count and price by arithmetic over the axes; list or render by streaming.
fn expand_command(
    engine: &Engine,
    brief: &std::path::Path,
    out: &mut dyn Write,
    args: ExpandArgs,
    color: bool,
) -> Result<u8, Failure> {
    let (source, variations) = load(brief)?;
    let total = variations.count().ok_or_else(|| {
        Failure::invalid(Diagnostics(vec![
            Diagnostic::error(
                Code::TooManyVariants,
                "this brief has more than 18 quintillion variants",
            )
            .in_file(&source.name),
        ]))
    })?;
    // a sample at least as large as the whole is the whole
    let sampled: Option<Vec<u64>> = args
        .sample
        .filter(|n| *n < total)
        .map(|n| variations.sample(n, args.seed));
    let selected = sampled.as_ref().map_or(total, |s| s.len() as u64);
    let priced = if args.count || args.max_cost.is_some() {
        Some(price(
            engine,
            &variations,
            &source,
            sampled.as_deref(),
            args,
        )?)
    } else {
        None
    };
    if let (Some(max), Some((_, cost))) = (args.max_cost, priced) {
        check_budget(cost, max, selected, &source.name)?;
    }
    if args.count {
        let (images, cost) = priced.unwrap_or((0.0, None));
        let mut text = crate::emit::plural(selected, "variant");
        if sampled.is_some() {
            text.push_str(&format!(" (sampled from {total}, seed {})", args.seed));
        }
        let images = if images.is_nan() {
            String::from("unknown images")
        } else {
            // a whole number of images, counted in f64 by the pricing arithmetic
            crate::emit::plural(images.round() as u64, "image")
        };
        text.push_str(&format!(
            ", {images}, {} to generate them all\n",
            crate::cost::usd(cost)
        ));
        write_all(out, &text)?;
        return Ok(0);
    }
    crate::app::expand::check_ceiling(selected, args.max_variants, &source.name)
        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    let indices: Box<dyn Iterator<Item = u64>> = match sampled {
        Some(s) => Box::new(s.into_iter()),
        None => Box::new(0..total),
    };
    write_variants(engine, &variations, &source, indices, args.emit, out, color)
}

/// Reads the brief and its variations, every value of every axis checked against its field up
/// front (all or nothing).
fn load(brief: &std::path::Path) -> Result<(SourceFile, crate::app::vary::Variations), Failure> {
    let source = SourceFile::read(brief, None).map_err(Failure::of)?;
    let value = source
        .parse_brief()
        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    let stem = brief.file_stem().map_or_else(
        || String::from("brief"),
        |s| s.to_string_lossy().into_owned(),
    );
    let variations = crate::app::vary::Variations::from_brief(&value, &stem, Some(&source))
        .map_err(Failure::invalid)?;
    variations
        .check_values(Some(&source))
        .map_err(Failure::invalid)?;
    Ok((source, variations))
}

/// (images, cost) of the sample by rendering it, or of every variant by the distinct price
/// settings ([`crate::app::expand::count`]).
fn price(
    engine: &Engine,
    variations: &crate::app::vary::Variations,
    source: &SourceFile,
    sampled: Option<&[u64]>,
    args: ExpandArgs,
) -> Result<(f64, Option<f64>), Failure> {
    let target = &crate::targets::OpenAi;
    let Some(indices) = sampled else {
        let report = crate::app::expand::count(engine, variations, Some(source), target)
            .map_err(Failure::invalid)?;
        for n in &report.notes {
            eprintln!("note: {n}");
        }
        return Ok((report.images, report.cost));
    };
    crate::app::expand::check_ceiling(indices.len() as u64, args.max_variants, &source.name)
        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    let mut images = 0.0;
    let mut cost = Some(0.0);
    for &i in indices {
        let v = variations.variant(i);
        let r = engine
            .render_value(v.brief.clone(), Some(source), target)
            .map_err(|d| Failure::invalid(crate::app::expand::variant_errors(d, v.index, &v.id)))?;
        images += f64::from(r.payload.summary.n);
        cost = cost
            .zip(r.cost.as_ref().and_then(|c| c.per_request))
            .map(|(a, b)| a + b);
    }
    Ok((images, cost))
}

/// `--max-cost`: refuses when generating the selection would cost more, or cannot be priced.
fn check_budget(cost: Option<f64>, max: f64, selected: u64, name: &str) -> Result<(), Failure> {
    match cost {
        Some(c) if c > max => Err(Failure::invalid(Diagnostics(vec![
            Diagnostic::error(
                Code::OverBudget,
                format!(
                    "generating all {selected} variants would cost {}, more than --max-cost {}",
                    crate::cost::usd(Some(c)),
                    crate::cost::usd(Some(max))
                ),
            )
            .in_file(name)
            .with_help("lower quality or n, take a subset with `--sample N`, or raise the budget"),
        ]))),
        None => Err(Failure::invalid(Diagnostics(vec![
            Diagnostic::error(
                Code::OverBudget,
                "the cost of some variants is unknown, so --max-cost cannot be checked",
            )
            .in_file(name),
        ]))),
        _ => Ok(()),
    }
}

/// Lists (`--emit brief`) or renders the selected variants, streamed to stdout; a failing
/// variant's diagnostics go to stderr. Exit 1 when any failed.
fn write_variants(
    engine: &Engine,
    variations: &crate::app::vary::Variations,
    source: &SourceFile,
    indices: Box<dyn Iterator<Item = u64>>,
    form: ExpandEmit,
    mut out: &mut dyn Write,
    color: bool,
) -> Result<u8, Failure> {
    let write_failed = |e: std::io::Error| io_failure("cannot write the variants", &e);
    if form == ExpandEmit::Brief {
        for i in indices {
            let mut line =
                serde_json::to_string(&variations.variant(i)).expect("variant serialises");
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(write_failed)?;
        }
        out.flush().map_err(write_failed)?;
        return Ok(0);
    }
    let line = |v: &crate::app::vary::Picked, r: &crate::engine::Rendering| {
        let mut s = match form {
            ExpandEmit::Payload => serde_json::to_string(&r.payload.body).expect("json"),
            ExpandEmit::Prompt => serde_json::to_string(&PromptLine {
                id: &v.id,
                prompt: r.payload.paste_line().unwrap_or(&r.prompt),
            })
            .expect("json"),
            ExpandEmit::OpenaiBatch => crate::emit::openai_batch_line(
                &crate::emit::batch_custom_id(&v.id, None, Some(v.index), r),
                r,
            ),
            _ => serde_json::to_string(&serde_json::json!({"id": v.id, "variant": v.index, "values": v.values, "rendering": r})).expect("json"),
        };
        s.push('\n');
        s
    };
    let failure = |_: &crate::app::vary::Picked, d: &Diagnostics| d.render(color);
    let mut stderr = std::io::stderr();
    let summary = crate::app::expand::stream(
        engine,
        variations,
        indices,
        Some(source),
        &crate::targets::OpenAi,
        true,
        line,
        failure,
        &mut out,
        Some(&mut stderr),
    )
    .map_err(write_failed)?;
    Ok(u8::from(summary.failed > 0))
}

/// A line of `--emit prompt`.
#[derive(serde::Serialize)]
struct PromptLine<'a> {
    id: &'a str,
    prompt: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum ExpandEmit {
    /// `{id, index, values, brief}` per line.
    Brief,
    /// Rendered records, as `batch --emit json`.
    Json,
    /// Request bodies.
    Payload,
    /// Prompts.
    Prompt,
    /// OpenAI Batch API input lines.
    OpenaiBatch,
}

/// Writes and flushes `text`.
fn write_all(out: &mut dyn Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| io_failure("cannot write the count", &e))
}
