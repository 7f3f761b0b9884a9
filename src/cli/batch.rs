//! `imgprompt batch`: Render many briefs: one JSON brief per line (JSONL), from a file, `-` or a folder of brief files. One record per line, in input order; bad lines never stop the batch.
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::output::{AtomicFile, io_failure, write_stdout};
use super::{Cli, Failure, batch_api_target, engine};
use crate::brief::source::Format;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::emit::Emit;
use crate::engine::Engine;

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(super) struct Args {
    /// The OpenAI Batch API: submit a file, follow a batch, fetch its images.
    #[command(subcommand)]
    pub api: Option<BatchApi>,
    /// JSONL file, `-` for standard input, or a folder of brief files.
    #[arg(default_value = "-")]
    pub input: PathBuf,
    /// Write results here (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write error records here (atomically) instead of among the results.
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
    /// What each result record holds (one JSON line per result).
    #[arg(long, value_enum, default_value_t = BatchEmit::Json)]
    pub emit: BatchEmit,
    /// The API to build requests for.
    #[arg(long, default_value = "openai", value_parser = super::target_names())]
    pub target: String,
    /// Stop at the first bad line.
    #[arg(long)]
    pub fail_fast: bool,
    /// Most variants one line with `vary` may render (default 100000).
    #[arg(long, value_name = "N")]
    pub max_variants: Option<u64>,
    /// Render on one thread (default: all cores).
    #[arg(long)]
    pub sequential: bool,
    /// No progress bar and no summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// The forms of `batch` results: each is one JSON line (a form of `render` that is not a line,
/// such as `report`, is refused as a usage error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum BatchEmit {
    /// `{line, id, variant, name, preset, prompt, payload, warnings, cost}` (default).
    Json,
    /// The request body, compact JSON.
    Payload,
    /// `{line, id, prompt}`.
    Prompt,
    /// An OpenAI Batch API input line: `custom_id`, `method`, `url`, `body`.
    OpenaiBatch,
    /// `{line, id, snippet}`: a shell script calling the API with curl.
    Curl,
    /// `{line, id, snippet}`: a Python script.
    Python,
    /// `{line, id, snippet}`: a JavaScript program for Node 18+.
    Js,
    /// `{line, id, snippet}`: a raw HTTP request (`.http` file).
    Http,
}

impl From<BatchEmit> for Emit {
    fn from(e: BatchEmit) -> Emit {
        match e {
            BatchEmit::Json => Emit::Json,
            BatchEmit::Payload => Emit::Payload,
            BatchEmit::Prompt => Emit::Prompt,
            BatchEmit::OpenaiBatch => Emit::OpenaiBatch,
            BatchEmit::Curl => Emit::Curl,
            BatchEmit::Python => Emit::Python,
            BatchEmit::Js => Emit::Js,
            BatchEmit::Http => Emit::Http,
        }
    }
}

/// The OpenAI Batch API flow.
#[derive(Debug, Subcommand)]
pub(super) enum BatchApi {
    /// Upload a Batch input file (`batch --emit openai-batch`) and create the batch; prints its id
    /// and writes FILE.batch.json beside the file (the requests, for `fetch`).
    Submit {
        /// The Batch input file (JSONL).
        file: PathBuf,
    },
    /// Where a batch is: status and request counts.
    Status {
        /// The batch id.
        id: String,
    },
    /// Download a completed batch and unpack every image with its sidecar; report failed lines.
    Fetch {
        /// The batch id.
        id: String,
        /// The manifest `submit` wrote (FILE.batch.json), for each image's request.
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
        /// Where the images go.
        #[arg(short, long, value_name = "DIR", default_value = "images")]
        out: PathBuf,
    },
}

fn client() -> Result<crate::app::batch_api::Client, Failure> {
    let api_key = std::env::var("OPENAI_API_KEY")
        .map_err(|_| Failure::of(Diagnostic::error(Code::Usage, "OPENAI_API_KEY is not set")))?;
    Ok(crate::app::batch_api::Client {
        base_url: std::env::var("OPENAI_BASE_URL")
            .unwrap_or_else(|_| String::from("https://api.openai.com/v1")),
        api_key,
    })
}

/// Runs `imgprompt batch submit|status|fetch`.
fn run_api(api: &BatchApi, color: bool) -> Result<u8, Failure> {
    let client = client()?;
    let fail = |d: Diagnostic| Failure::invalid(Diagnostics(vec![d]));
    match api {
        BatchApi::Submit { file } => {
            let id = crate::app::batch_api::submit(&client, file).map_err(fail)?;
            write_stdout(&format!("{id}\n"))?;
            eprintln!(
                "submitted: follow it with `imgprompt batch status {id}`; the requests are in {}",
                crate::app::batch_api::manifest_path(file).display()
            );
        }
        BatchApi::Status { id } => {
            let b = crate::app::batch_api::status(&client, id).map_err(fail)?;
            write_stdout(&format!(
                "{id}: {} {}\n",
                b["status"].as_str().unwrap_or("?"),
                b.get("request_counts")
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ))?;
        }
        BatchApi::Fetch { id, manifest, out } => {
            let f = crate::app::batch_api::fetch(&client, id, manifest.as_deref(), out)
                .map_err(fail)?;
            eprintln!(
                "{}: {} written to {}, {} failed",
                id,
                crate::emit::plural(f.images, "image"),
                out.display(),
                crate::emit::plural(f.failed.len(), "request")
            );
            for (custom_id, message) in &f.failed {
                let d =
                    Diagnostic::error(Code::BatchRequestFailed, format!("{custom_id}: {message}"));
                eprintln!("{}\n", d.render(color));
            }
            for kept in &f.kept {
                eprintln!(
                    "kept {}: the provider's lines as downloaded, for the failed requests",
                    kept.display()
                );
            }
            let _ = crate::app::generate::contact_sheet(out);
            return Ok(u8::from(!f.failed.is_empty()));
        }
    }
    Ok(0)
}

/// Runs `imgprompt batch`.
pub(super) fn run(cli: &Cli, args: &Args, color: bool) -> Result<u8, Failure> {
    if let Some(api) = &args.api {
        return run_api(api, color);
    }
    let Args {
        input,
        output,
        errors,
        emit: form,
        target,
        quiet,
        ..
    } = args;

    let engine = engine(cli)?;
    let target = crate::targets::by_name(target).map_err(Failure::usage)?;
    if *form == BatchEmit::OpenaiBatch {
        batch_api_target(target.as_ref())?;
    }
    let opts = batch_options(args);
    check_distinct(output.as_deref(), errors.as_deref())?;
    for f in [output, errors].into_iter().flatten() {
        super::output::check_output_folder(f)?;
    }
    let mut out_file = output
        .as_deref()
        .map(AtomicFile::create)
        .transpose()
        .map_err(|e| io_failure("cannot create the output file", &e))?;
    let mut err_file = errors
        .as_deref()
        .map(AtomicFile::create)
        .transpose()
        .map_err(|e| io_failure("cannot create the errors file", &e))?;
    let stdout = std::io::stdout();
    let mut stdout_lock = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let results: &mut dyn Write = match out_file.as_mut() {
        Some(f) => f.writer(),
        None => &mut stdout_lock,
    };
    let bar = progress_bar(*quiet);
    let progress = |n: u64| bar.set_position(n);
    // the Batch API upload file must hold requests only: without --errors, error records
    // go to stderr instead of among the results
    let mut stderr_errors = std::io::stderr();
    let errors_w: Option<&mut dyn Write> = match err_file.as_mut() {
        Some(f) => Some(f.writer()),
        None if *form == BatchEmit::OpenaiBatch => Some(&mut stderr_errors),
        None => None,
    };
    let summary = run_input(
        &engine,
        target.as_ref(),
        input,
        results,
        errors_w,
        &opts,
        progress,
    )?;
    bar.finish_and_clear();
    stdout_lock
        .flush()
        .map_err(|e| io_failure("cannot write to standard output", &e))?;
    drop(stdout_lock);
    commit_files(out_file, err_file)?;
    if !*quiet {
        print_summary(&summary);
    }
    Ok(if summary.failed > 0 { 1 } else { 0 })
}

/// The options of the library's batch run, from the command line.
fn batch_options(args: &Args) -> crate::app::batch::BatchOptions {
    crate::app::batch::BatchOptions {
        max_variants: args
            .max_variants
            .unwrap_or(crate::app::expand::DEFAULT_MAX_VARIANTS),
        emit: args.emit.into(),
        fail_fast: args.fail_fast,
        parallel: !args.sequential,
        input_name: if args.input.as_os_str() == "-" {
            String::from("<stdin>")
        } else {
            args.input.display().to_string()
        },
    }
}

/// `-o` and `--errors` must name two files: one would overwrite the other.
fn check_distinct(output: Option<&Path>, errors: Option<&Path>) -> Result<(), Failure> {
    if let (Some(o), Some(e)) = (output, errors)
        && (o == e || same_file(o, e))
    {
        return Err(Failure::of(
            Diagnostic::error(
                Code::Usage,
                format!("-o and --errors name the same file `{}`", o.display()),
            )
            .with_help("give the error records their own file, or leave out --errors to keep them among the results"),
        ));
    }
    Ok(())
}

/// Puts the output file, then the errors file, in place (those given).
fn commit_files(out_file: Option<AtomicFile>, err_file: Option<AtomicFile>) -> Result<(), Failure> {
    if let Some(f) = out_file {
        f.commit()
            .map_err(|e| io_failure("cannot write the output file", &e))?;
    }
    if let Some(f) = err_file {
        f.commit()
            .map_err(|e| io_failure("cannot write the errors file", &e))?;
    }
    Ok(())
}

/// A spinner on stderr when it is a terminal (never with `--quiet`).
fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {pos} lines  {per_sec}  {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar
}

/// Runs the batch over its input: a folder of brief files (in name order), stdin, or a JSONL file.
fn run_input(
    engine: &Engine,
    target: &dyn crate::targets::Target,
    input: &std::path::Path,
    results: &mut dyn Write,
    errors: Option<&mut dyn Write>,
    opts: &crate::app::batch::BatchOptions,
    progress: impl FnMut(u64),
) -> Result<crate::app::batch::Summary, Failure> {
    let cannot_read =
        |e: std::io::Error| io_failure(&format!("cannot read `{}`", input.display()), &e);
    let summary = if input.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(input)
            .map_err(cannot_read)?
            .flatten()
            .map(|e| e.path())
            .filter(|p| Format::from_path(p).is_some())
            .collect();
        files.sort();
        crate::app::batch::run_files(engine, target, &files, results, errors, opts, progress)
    } else if input.as_os_str() == "-" {
        let stdin = std::io::stdin();
        crate::app::batch::run(
            engine,
            target,
            stdin.lock(),
            results,
            errors,
            opts,
            progress,
        )
    } else {
        let file = std::fs::File::open(input).map_err(cannot_read)?;
        // a regular file is all there: read ahead; a FIFO streams like stdin
        let whole = file.metadata().is_ok_and(|m| m.is_file());
        let reader = std::io::BufReader::with_capacity(1 << 16, file);
        if whole {
            crate::app::batch::run_file(engine, target, reader, results, errors, opts, progress)
        } else {
            crate::app::batch::run(engine, target, reader, results, errors, opts, progress)
        }
    };
    summary.map_err(|e| io_failure("batch failed", &e))
}

/// The summary line on stderr.
fn print_summary(summary: &crate::app::batch::Summary) {
    let unpriced = if summary.unpriced > 0 {
        format!(" ({} results unpriced)", summary.unpriced)
    } else {
        String::new()
    };
    let stopped = if summary.stopped_early {
        " — stopped at the first failure (--fail-fast)"
    } else {
        ""
    };
    let skipped = if summary.skipped > 0 {
        format!(", {} blank skipped", summary.skipped)
    } else {
        String::new()
    };
    eprintln!(
        "batch: {}, {}, {} failed{skipped}, {}; cost {}{unpriced}{stopped}",
        crate::emit::plural(summary.lines, "line"),
        crate::emit::plural(summary.results, "result"),
        summary.failed,
        crate::emit::plural(summary.warnings, "warning"),
        crate::cost::usd(Some(summary.cost))
    );
}

/// True when both paths name one file (through links or `./`, existing or not yet).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    let full = |p: &std::path::Path| {
        std::fs::canonicalize(p).ok().or_else(|| {
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
            let dir = std::fs::canonicalize(parent.unwrap_or(std::path::Path::new("."))).ok()?;
            Some(dir.join(p.file_name()?))
        })
    };
    matches!((full(a), full(b)), (Some(x), Some(y)) if x == y)
}
