//! The command line: argument parsing and glue over the library. Errors become exit codes:
//! 0 ok, 1 invalid input found, 2 usage or I/O error.
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::emit::{Emit, emit};
use crate::engine::Engine;
use crate::models::ModelTable;
use crate::source::{Format, SourceFile};

/// Turns structured image briefs into the final prompt and a validated API request.
#[derive(Debug, Parser)]
#[command(name = "imgprompt", version, about, long_about = None, after_help = "Exit codes: 0 ok, 1 invalid input found, 2 usage or I/O error.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Extra preset folder (repeatable); wins over built-in presets of the same name.
    #[arg(long = "presets", value_name = "DIR", global = true)]
    presets: Vec<PathBuf>,
    /// Model rules overriding the built-in table (same format as data/models.json).
    #[arg(long, value_name = "FILE", global = true, env = "IMGPROMPT_MODELS")]
    models: Option<PathBuf>,
    /// Prices overriding the built-in table (same format as data/prices.json).
    #[arg(long, value_name = "FILE", global = true, env = "IMGPROMPT_PRICES")]
    prices: Option<PathBuf>,
    /// Limits of the non-OpenAI targets, merged over the built-in ones (format of data/targets.json).
    #[arg(
        long,
        value_name = "FILE",
        global = true,
        env = "IMGPROMPT_TARGET_LIMITS"
    )]
    target_limits: Option<PathBuf>,
    /// Treat every warning as an error (for CI): unknown models, preview features, unstated
    /// rules, mapped sizes, ignored fields.
    #[arg(long, global = true, env = "IMGPROMPT_STRICT")]
    strict: bool,
    /// Colour diagnostics.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InputFormat {
    Json,
    Yaml,
}

impl From<InputFormat> for Format {
    fn from(f: InputFormat) -> Format {
        match f {
            InputFormat::Json => Format::Json,
            InputFormat::Yaml => Format::Yaml,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExpandEmit {
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

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CostFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render a brief: the request payload (default), the prompt, or a report.
    #[command(
        after_help = "Examples:\n  imgprompt render examples/poster-future-forms.yaml\n  imgprompt render examples/poster-future-forms.yaml --emit prompt\n  cat brief.json | imgprompt render -"
    )]
    Render {
        /// Brief file (JSON or YAML), or `-` for standard input.
        brief: PathBuf,
        /// What to print.
        #[arg(long, value_enum, default_value_t = Emit::Payload)]
        emit: Emit,
        /// The API to build the request for.
        #[arg(long, default_value = "openai")]
        target: String,
        /// Force the input format instead of detecting it from the extension.
        #[arg(long, value_enum)]
        input_format: Option<InputFormat>,
        /// Write to a file (atomically) instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check briefs: exit 0 if all are valid, 1 otherwise; diagnostics on stderr.
    Validate {
        /// Brief files (JSON or YAML), or `-` for standard input.
        #[arg(required = true)]
        briefs: Vec<PathBuf>,
        /// The API to validate the request for.
        #[arg(long, default_value = "openai")]
        target: String,
        /// Force the input format.
        #[arg(long, value_enum)]
        input_format: Option<InputFormat>,
        /// Diagnostics as text or as JSON lines.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
    /// List presets or show one.
    Presets {
        #[command(subcommand)]
        action: PresetsAction,
    },
    /// Print a JSON Schema: of a brief, or of a preset's params.
    Schema {
        #[command(subcommand)]
        which: SchemaWhich,
    },
    /// List the models, their limits and lifecycle (and, as JSON, the source of every fact).
    Models {
        /// Text or JSON (the merged table, with sources).
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
    /// Maintenance: regenerate data/models.sdk.json from the official SDK files vendored under
    /// data/sdk/ (run from a checkout of imgprompt). `--check` only reports whether it is stale.
    #[command(hide = true)]
    SyncModels {
        /// Report staleness (exit 1) instead of writing.
        #[arg(long)]
        check: bool,
        /// The project root (default: the current directory).
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Render many briefs: one JSON brief per line (JSONL), from a file, `-` or a folder of brief
    /// files. One record per line, in input order; bad lines never stop the batch.
    #[command(
        after_help = "Examples:\n  imgprompt batch briefs.jsonl -o results.jsonl --errors errors.jsonl\n  cat briefs.jsonl | imgprompt batch - --emit openai-batch > batch-input.jsonl\n  imgprompt batch examples/"
    )]
    Batch {
        /// JSONL file, `-` for standard input, or a folder of brief files.
        #[arg(default_value = "-")]
        input: PathBuf,
        /// Write results here (atomically) instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Write error records here (atomically) instead of among the results.
        #[arg(long, value_name = "FILE")]
        errors: Option<PathBuf>,
        /// What each result record holds.
        #[arg(long, value_enum, default_value_t = Emit::Json)]
        emit: Emit,
        /// The API to build requests for.
        #[arg(long, default_value = "openai")]
        target: String,
        /// Stop at the first bad line.
        #[arg(long)]
        fail_fast: bool,
        /// Most variants one line with `vary` may render (default 100000).
        #[arg(long, value_name = "N")]
        max_variants: Option<u64>,
        /// Render on one thread (default: all cores).
        #[arg(long)]
        sequential: bool,
        /// No progress bar and no summary on stderr.
        #[arg(short, long)]
        quiet: bool,
    },
    /// List a brief's variations (`vary`), count them and price them, within a budget.
    #[command(
        after_help = "Examples:\n  imgprompt expand campaign.yaml --count\n  imgprompt expand campaign.yaml --sample 20 --seed 7 --emit openai-batch\n  imgprompt expand campaign.yaml --max-variants 500 --max-cost 25"
    )]
    Expand {
        /// The brief (JSON or YAML).
        brief: PathBuf,
        /// Print only the number of variants and what generating them all costs.
        #[arg(long)]
        count: bool,
        /// Keep a reproducible random subset of N variants.
        #[arg(long, value_name = "N")]
        sample: Option<u64>,
        /// Seed of `--sample`.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Refuse to render or list more than N variants (default 100000; counting is never
        /// limited).
        #[arg(long, value_name = "N")]
        max_variants: Option<u64>,
        /// Refuse to expand when generating every variant would cost more than USD.
        #[arg(long, value_name = "USD")]
        max_cost: Option<f64>,
        /// Variants as briefs (default) or rendered like `batch`.
        #[arg(long, value_enum, default_value_t = ExpandEmit::Brief)]
        emit: ExpandEmit,
    },
    /// Check prompt quality: exact text kept, no-text conflicts, length, repetition, dangling
    /// separators, leftover placeholders, contradictions, context vs size. Exit 1 on any error.
    #[command(
        after_help = "Examples:\n  imgprompt lint examples/*.yaml\n  imgprompt lint --rules\n  imgprompt lint brief.yaml --format json"
    )]
    Lint {
        /// Brief files (JSON or YAML).
        #[arg(required_unless_present = "rules")]
        briefs: Vec<PathBuf>,
        /// List the rules and stop.
        #[arg(long)]
        rules: bool,
        /// The API the prompt is written for.
        #[arg(long, default_value = "openai")]
        target: String,
        /// Text or JSON lines.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
        /// Lint tables replacing the shipped ones (same format as data/lint.json).
        #[arg(long, value_name = "FILE")]
        table: Option<PathBuf>,
    },
    /// Snapshot-test prompts and payloads: each preset's fixtures (or any folder of briefs)
    /// against the `.snap` files beside them. Exit 1 on any mismatch.
    #[command(
        after_help = "Examples:\n  imgprompt test presets/\n  imgprompt test templates/   # the built-in presets\n  imgprompt test presets/recipe --accept"
    )]
    Test {
        /// Preset folders, folders of presets, or folders of briefs (default: ./presets).
        dirs: Vec<PathBuf>,
        /// Write new and changed snapshots instead of failing.
        #[arg(long)]
        accept: bool,
        /// The API the payloads are built for.
        #[arg(long, default_value = "openai")]
        target: String,
    },
    /// Scaffold something new.
    New {
        #[command(subcommand)]
        what: NewWhat,
    },
    /// Estimate what briefs cost: per image, per request, per period, with retries.
    #[command(
        after_help = "Examples:\n  imgprompt cost examples/*.yaml\n  imgprompt cost brief.yaml --volume 500 --per day --retries 0.1 --batch-api"
    )]
    Cost {
        /// Brief files (JSON or YAML).
        #[arg(required = true)]
        briefs: Vec<PathBuf>,
        /// Requests of each brief per period.
        #[arg(long, default_value_t = 1)]
        volume: u64,
        /// The period of `--volume`.
        #[arg(long, value_enum, default_value_t = crate::emit::Period::Day)]
        per: crate::emit::Period,
        /// Fraction of requests sent again (0.1 = 10%).
        #[arg(long, default_value_t = 0.0)]
        retries: f64,
        /// Priced through the OpenAI Batch API (50%).
        #[arg(long)]
        batch_api: bool,
        /// Partial images streamed per image (each adds 100 output tokens).
        #[arg(long, default_value_t = 0)]
        partial_images: u32,
        /// Table or JSON.
        #[arg(long, value_enum, default_value_t = CostFormat::Table)]
        format: CostFormat,
        /// The API to price the request for.
        #[arg(long, default_value = "openai")]
        target: String,
    },
}

#[derive(Debug, Subcommand)]
enum PresetsAction {
    /// Every preset, where it comes from, and what it hides.
    List {
        /// Text or JSON.
        #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
        format: OutputFormat,
    },
    /// One preset: what it takes, its defaults and an example.
    Show {
        /// The preset name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum NewWhat {
    /// A preset folder with a manifest, a template and a fixture whose snapshot passes.
    Preset {
        /// The preset name (letters, digits, `-` and `_`).
        name: String,
        /// Start from this preset: extend it and copy its template to edit.
        #[arg(long)]
        from: Option<String>,
        /// Where to create it.
        #[arg(long, default_value = "presets")]
        dir: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum SchemaWhich {
    /// The brief (committed as schemas/spec.schema.json).
    Spec,
    /// The `params` of one preset.
    Params {
        /// The preset name.
        preset: String,
    },
}

/// A failure: diagnostics plus the exit code they map to.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    diagnostics: Diagnostics,
}

impl Failure {
    fn invalid(diagnostics: Diagnostics) -> Self {
        let code = if diagnostics.0.iter().any(|d| d.code == "io") {
            2
        } else {
            1
        };
        Failure { code, diagnostics }
    }
    fn usage(d: Diagnostic) -> Self {
        Failure {
            code: 2,
            diagnostics: Diagnostics(vec![d]),
        }
    }
}

/// Runs the command line and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    match run(cli, color) {
        Ok(code) => ExitCode::from(code),
        Err(f) if is_broken_pipe(&f) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = std::io::stderr().write_all(f.diagnostics.render(color).as_bytes());
            ExitCode::from(f.code)
        }
    }
}

/// The colour choice for text written to stdout (`lint`, `test` reports).
fn color_stdout(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

fn is_broken_pipe(f: &Failure) -> bool {
    f.diagnostics.0.iter().any(|d| d.code == "broken-pipe")
}

fn engine(cli: &Cli) -> Result<Engine, Failure> {
    let mut extra = cli.presets.clone();
    if let Command::Test { dirs, .. } = &cli.command {
        // the presets under test are loaded too
        for d in dirs {
            let has_presets = d.join(crate::catalog::MANIFEST).is_file()
                || std::fs::read_dir(d).is_ok_and(|e| {
                    e.flatten()
                        .any(|e| e.path().join(crate::catalog::MANIFEST).is_file())
                });
            if has_presets && !extra.contains(d) {
                extra.push(d.clone());
            }
        }
    }
    let dirs = Catalog::search_path(&extra);
    let catalog = Catalog::load(&dirs).map_err(Failure::invalid)?;
    let mut models = ModelTable::builtin();
    if let Some((name, text)) = read_override(cli.models.as_deref())? {
        models
            .apply_overrides(&name, &text)
            .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    }
    let mut prices = crate::cost::PriceTable::builtin();
    if let Some((name, text)) = read_override(cli.prices.as_deref())? {
        prices
            .apply_overrides(&name, &text)
            .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    }
    let options = match &cli.command {
        Command::Cost {
            batch_api,
            partial_images,
            ..
        } => crate::cost::CostOptions {
            batch_api: *batch_api,
            partial_images: *partial_images,
        },
        _ => crate::cost::CostOptions::default(),
    };
    let mut engine = Engine::with(catalog, models)
        .prices(prices, options)
        .strict(cli.strict);
    if let Some((name, text)) = read_override(cli.target_limits.as_deref())? {
        let value = crate::target::limits::check_override(&name, &text)
            .map_err(|d| Failure::invalid(Diagnostics(d)))?;
        engine = engine
            .try_target_limits(&name, value)
            .map_err(|d| Failure::invalid(Diagnostics(d)))?;
    }
    Ok(engine)
}

/// Reads an override file given on the command line: (its name, its text).
fn read_override(path: Option<&std::path::Path>) -> Result<Option<(String, String)>, Failure> {
    let Some(path) = path else { return Ok(None) };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(crate::source::io_error(&name, &e)))?;
    Ok(Some((name, text)))
}

fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Failure::usage(Diagnostic::error("broken-pipe", "broken pipe"))
            } else {
                Failure::usage(Diagnostic::error(
                    "io",
                    format!("cannot write to standard output: {e}"),
                ))
            }
        })
}

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a
/// crash never leaves a half-written file behind.
pub fn write_atomic(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.writer().write_all(contents)?;
    file.commit()
}

/// A file written through a temporary sibling and renamed into place on `commit`; dropped
/// uncommitted, the temporary file is removed and the target is untouched.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    writer: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &std::path::Path) -> std::io::Result<Self> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = std::fs::File::create(&tmp)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            writer: Some(std::io::BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut dyn Write {
        self.writer.as_mut().expect("not committed")
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> std::io::Result<()> {
        let w = self.writer.take().expect("not committed");
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&self.tmp, &self.path)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

fn io_failure(what: &str, e: &std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Failure::usage(Diagnostic::error("broken-pipe", "broken pipe"));
    }
    Failure::usage(Diagnostic::error("io", format!("{what}: {e}")))
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
    args: ExpandArgs,
    color: bool,
) -> Result<u8, Failure> {
    let target = &crate::target::OpenAi;
    let source = SourceFile::read(brief, None).map_err(Failure::usage)?;
    let value = source
        .parse()
        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    let stem = brief.file_stem().map_or_else(
        || String::from("brief"),
        |s| s.to_string_lossy().into_owned(),
    );
    let variations = crate::vary::Variations::from_brief(&value, &stem, Some(&source))
        .map_err(Failure::invalid)?;
    // all or nothing, up front: every value of every axis against its field
    variations
        .check_values(Some(&source))
        .map_err(Failure::invalid)?;
    let total = variations.count().ok_or_else(|| {
        Failure::invalid(Diagnostics(vec![
            Diagnostic::error(
                "too-many-variants",
                "this brief has more than 18 quintillion variants",
            )
            .in_file(&source.name),
        ]))
    })?;
    let sampled: Option<Vec<u64>> = args.sample.map(|n| {
        if n >= total {
            Vec::new()
        } else {
            variations.sample(n, args.seed)
        }
    });
    // a sample at least as large as the whole is the whole
    let sampled = sampled.filter(|s| !s.is_empty());
    let selected = sampled.as_ref().map_or(total, |s| s.len() as u64);
    // the price: of the sample by rendering it, of everything by the distinct price settings
    let priced = if args.count || args.max_cost.is_some() {
        Some(match &sampled {
            Some(indices) => {
                crate::expand::check_ceiling(selected, args.max_variants, &source.name)
                    .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
                let mut images = 0.0;
                let mut cost = Some(0.0);
                for &i in indices {
                    let v = variations.variant(i);
                    let r = engine
                        .render_value(v.brief.clone(), Some(&source), target)
                        .map_err(|d| Failure::invalid(crate::expand::variant_errors(d, &v)))?;
                    images += r.payload.body["n"].as_u64().unwrap_or(1) as f64;
                    cost = cost
                        .zip(r.cost.as_ref().and_then(|c| c.per_request))
                        .map(|(a, b)| a + b);
                }
                (images, cost)
            }
            None => {
                let report = crate::expand::count(engine, &variations, Some(&source), target)
                    .map_err(Failure::invalid)?;
                for n in &report.notes {
                    eprintln!("note: {n}");
                }
                (report.images, report.cost)
            }
        })
    } else {
        None
    };
    if let (Some(max), Some((_, cost))) = (args.max_cost, priced) {
        match cost {
            Some(c) if c > max => {
                return Err(Failure::invalid(Diagnostics(vec![Diagnostic::error(
                    "over-budget",
                    format!(
                        "generating all {selected} variants would cost {}, more than --max-cost {}",
                        crate::cost::usd(Some(c)),
                        crate::cost::usd(Some(max))
                    ),
                )
                .in_file(&source.name)
                .with_help("lower quality or n, take a subset with `--sample N`, or raise the budget")])));
            }
            None => {
                return Err(Failure::invalid(Diagnostics(vec![
                    Diagnostic::error(
                        "over-budget",
                        "the cost of some variants is unknown, so --max-cost cannot be checked",
                    )
                    .in_file(&source.name),
                ])));
            }
            _ => {}
        }
    }
    if args.count {
        let (images, cost) = priced.unwrap_or((0.0, None));
        let mut text = format!("{selected} variants");
        if sampled.is_some() {
            text.push_str(&format!(" (sampled from {total}, seed {})", args.seed));
        }
        let images = if images.is_nan() {
            String::from("unknown")
        } else {
            format!("{images:.0}")
        };
        text.push_str(&format!(
            ", {images} images, {} to generate them all\n",
            crate::cost::usd(cost)
        ));
        write_stdout(&text)?;
        return Ok(0);
    }
    crate::expand::check_ceiling(selected, args.max_variants, &source.name)
        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    let indices: Box<dyn Iterator<Item = u64>> = match sampled {
        Some(s) => Box::new(s.into_iter()),
        None => Box::new(0..total),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    if args.emit == ExpandEmit::Brief {
        for i in indices {
            let v = variations.variant(i);
            let mut line = serde_json::to_string(&v).expect("variant serialises");
            line.push('\n');
            out.write_all(line.as_bytes())
                .map_err(|e| io_failure("cannot write to standard output", &e))?;
        }
        out.flush()
            .map_err(|e| io_failure("cannot write to standard output", &e))?;
        return Ok(0);
    }
    let form = args.emit;
    let line = |v: &crate::vary::Variant, r: &crate::engine::Rendering| {
        let mut s = match form {
            ExpandEmit::Payload => serde_json::to_string(&r.payload.body).expect("json"),
            ExpandEmit::Prompt => serde_json::to_string(&serde_json::json!({"id": v.id, "prompt": r.payload.paste_line().unwrap_or(&r.prompt)})).expect("json"),
            ExpandEmit::OpenaiBatch => crate::emit::openai_batch_line(
                &crate::emit::batch_custom_id(&v.id, None, Some(v.index), r),
                r,
            ),
            _ => serde_json::to_string(&serde_json::json!({"id": v.id, "variant": v.index, "values": v.values, "rendering": r})).expect("json"),
        };
        s.push('\n');
        s
    };
    let failure = |_: &crate::vary::Variant, d: &Diagnostics| d.render(color);
    let mut stderr = std::io::stderr();
    let summary = crate::expand::stream(
        engine,
        &variations,
        indices,
        Some(&source),
        target,
        true,
        line,
        failure,
        &mut out,
        Some(&mut stderr),
    )
    .map_err(|e| io_failure("cannot write to standard output", &e))?;
    Ok(u8::from(summary.failed > 0))
}

/// `--emit openai-batch` needs a target the OpenAI Batch API can run.
fn batch_api_target(target: &dyn crate::target::Target) -> Result<(), Failure> {
    if target.batch_endpoint().is_some() {
        return Ok(());
    }
    Err(Failure::usage(
        Diagnostic::error(
            "no-batch-api",
            format!(
                "`--emit openai-batch` writes OpenAI Batch API input, but `{}` is not an OpenAI endpoint",
                target.name()
            ),
        )
        .with_help("use `--target openai` or `--target openai-edit`, or another --emit form (payload, json, curl)"),
    ))
}

/// `sync-models`: regenerate (or check) data/models.sdk.json from the vendored SDK files.
fn sync_models(root: &std::path::Path, check: bool) -> Result<u8, Failure> {
    let text = crate::sync::generate_text(root).map_err(|e| {
        Failure::invalid(Diagnostics(vec![
            Diagnostic::error("sync", e.to_string()).in_file(e.file.clone()),
        ]))
    })?;
    let path = root.join(crate::sync::GENERATED_FILE);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if old == text {
        eprintln!("{} is up to date", crate::sync::GENERATED_FILE);
        return Ok(0);
    }
    if check {
        eprintln!(
            "{} is stale: run `{}` and review the diff",
            crate::sync::GENERATED_FILE,
            crate::sync::COMMAND
        );
        return Ok(1);
    }
    write_atomic(&path, text.as_bytes()).map_err(|e| {
        Failure::usage(
            Diagnostic::error("io", format!("cannot write {}: {e}", path.display()))
                .in_file(path.display().to_string()),
        )
    })?;
    eprintln!(
        "wrote {}: review it with `git diff {}`",
        crate::sync::GENERATED_FILE,
        crate::sync::GENERATED_FILE
    );
    Ok(0)
}

/// `color` is the choice of `--color` and `NO_COLOR` for stderr: every diagnostic printed there
/// honours it.
fn run(cli: Cli, color: bool) -> Result<u8, Failure> {
    match &cli.command {
        Command::Render {
            brief,
            emit: form,
            target,
            input_format,
            output,
        } => {
            let engine = engine(&cli)?;
            let target = crate::target::by_name(target).map_err(Failure::usage)?;
            if *form == Emit::OpenaiBatch {
                batch_api_target(target.as_ref())?;
            }
            let source =
                SourceFile::read(brief, input_format.map(Into::into)).map_err(Failure::usage)?;
            let rendering = engine
                .render(&source, target.as_ref())
                .map_err(Failure::invalid)?;
            let text = emit(&rendering, *form).map_err(Failure::usage)?;
            if *form != Emit::Report && !rendering.warnings.is_empty() {
                let _ = std::io::stderr().write_all(
                    Diagnostics(rendering.warnings.clone())
                        .render(color)
                        .as_bytes(),
                );
            }
            match output {
                Some(path) => write_atomic(path, text.as_bytes()).map_err(|e| {
                    Failure::usage(Diagnostic::error(
                        "io",
                        format!("cannot write `{}`: {e}", path.display()),
                    ))
                })?,
                None => write_stdout(&text)?,
            }
            Ok(0)
        }
        Command::Validate {
            briefs,
            target,
            input_format,
            format,
        } => {
            let engine = engine(&cli)?;
            let target = crate::target::by_name(target).map_err(Failure::usage)?;
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
                OutputFormat::Json => {
                    let mut text = String::new();
                    for d in &all.0 {
                        text.push_str(&serde_json::to_string(d).expect("diagnostic serialises"));
                        text.push('\n');
                    }
                    write_stdout(&text)?;
                }
            }
            Ok(if io_failed {
                2
            } else if failed > 0 {
                1
            } else {
                0
            })
        }
        Command::Presets { action } => {
            let engine = engine(&cli)?;
            match action {
                PresetsAction::List { format } => write_stdout(&presets_list(&engine, *format))?,
                PresetsAction::Show { name } => {
                    let preset = engine
                        .catalog()
                        .get(name)
                        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
                    write_stdout(&preset_show(&engine, preset))?;
                }
            }
            Ok(0)
        }
        Command::Schema { which } => {
            let value = match which {
                SchemaWhich::Spec => crate::brief::schema(),
                SchemaWhich::Params { preset } => {
                    let engine = engine(&cli)?;
                    let p = engine
                        .catalog()
                        .get(preset)
                        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
                    p.params_schema_document()
                }
            };
            let mut text = serde_json::to_string_pretty(&value).expect("schema serialises");
            text.push('\n');
            write_stdout(&text)?;
            Ok(0)
        }
        Command::Batch {
            input,
            output,
            errors,
            emit: form,
            target,
            fail_fast,
            sequential,
            quiet,
            max_variants,
        } => {
            let engine = engine(&cli)?;
            let target = crate::target::by_name(target).map_err(Failure::usage)?;
            if *form == Emit::OpenaiBatch {
                batch_api_target(target.as_ref())?;
            }
            let opts = crate::batch::BatchOptions {
                max_variants: max_variants.unwrap_or(crate::expand::DEFAULT_MAX_VARIANTS),
                emit: *form,
                fail_fast: *fail_fast,
                parallel: !*sequential,
                input_name: if input.as_os_str() == "-" {
                    String::from("<stdin>")
                } else {
                    input.display().to_string()
                },
            };
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
            let bar = if !*quiet && std::io::stderr().is_terminal() {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{spinner} {pos} lines  {per_sec}  {elapsed}",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                bar
            } else {
                indicatif::ProgressBar::hidden()
            };
            let progress = |n: u64| bar.set_position(n);
            // the Batch API upload file must hold requests only: without --errors, error records
            // go to stderr instead of among the results
            let mut stderr_errors = std::io::stderr();
            let errors_w: Option<&mut dyn Write> = match err_file.as_mut() {
                Some(f) => Some(f.writer()),
                None if *form == Emit::OpenaiBatch => Some(&mut stderr_errors),
                None => None,
            };
            let summary = if input.is_dir() {
                let mut files: Vec<PathBuf> = std::fs::read_dir(input)
                    .map_err(|e| io_failure(&format!("cannot read `{}`", input.display()), &e))?
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| Format::from_path(p).is_some())
                    .collect();
                files.sort();
                crate::batch::run_files(
                    &engine,
                    target.as_ref(),
                    &files,
                    results,
                    errors_w,
                    &opts,
                    progress,
                )
            } else if input.as_os_str() == "-" {
                let stdin = std::io::stdin();
                crate::batch::run(
                    &engine,
                    target.as_ref(),
                    stdin.lock(),
                    results,
                    errors_w,
                    &opts,
                    progress,
                )
            } else {
                let file = std::fs::File::open(input)
                    .map_err(|e| io_failure(&format!("cannot read `{}`", input.display()), &e))?;
                crate::batch::run(
                    &engine,
                    target.as_ref(),
                    std::io::BufReader::with_capacity(1 << 16, file),
                    results,
                    errors_w,
                    &opts,
                    progress,
                )
            }
            .map_err(|e| io_failure("batch failed", &e))?;
            bar.finish_and_clear();
            stdout_lock
                .flush()
                .map_err(|e| io_failure("cannot write to standard output", &e))?;
            drop(stdout_lock);
            if let Some(f) = out_file {
                f.commit()
                    .map_err(|e| io_failure("cannot write the output file", &e))?;
            }
            if let Some(f) = err_file {
                f.commit()
                    .map_err(|e| io_failure("cannot write the errors file", &e))?;
            }
            if !*quiet {
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
                eprintln!(
                    "batch: {} lines, {} results, {} failed, {} warnings; cost {}{unpriced}{stopped}",
                    summary.lines,
                    summary.results,
                    summary.failed,
                    summary.warnings,
                    crate::cost::usd(Some(summary.cost))
                );
            }
            Ok(if summary.failed > 0 { 1 } else { 0 })
        }
        Command::Expand {
            brief,
            count,
            sample,
            seed,
            max_variants,
            max_cost,
            emit: form,
        } => {
            let engine = engine(&cli)?;
            expand_command(
                &engine,
                brief,
                ExpandArgs {
                    count: *count,
                    sample: *sample,
                    seed: *seed,
                    max_variants: max_variants.unwrap_or(crate::expand::DEFAULT_MAX_VARIANTS),
                    max_cost: *max_cost,
                    emit: *form,
                },
                color,
            )
        }
        Command::Cost {
            briefs,
            volume,
            per,
            retries,
            format,
            target,
            ..
        } => {
            if !(0.0..=10.0).contains(retries) {
                return Err(Failure::usage(Diagnostic::error(
                    "usage",
                    format!("--retries must be between 0 and 10, got {retries}"),
                )));
            }
            let engine = engine(&cli)?;
            let target = crate::target::by_name(target).map_err(Failure::usage)?;
            let mut rows = Vec::new();
            let mut problems = Diagnostics::default();
            for path in briefs {
                let source = SourceFile::read(path, None).map_err(Failure::usage)?;
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
        Command::Lint {
            briefs,
            rules,
            target,
            format,
            table,
        } => {
            if *rules {
                write_stdout(&crate::lint::rules_table())?;
                return Ok(0);
            }
            let engine = engine(&cli)?;
            let target = crate::target::by_name(target).map_err(Failure::usage)?;
            let mut lint_table = crate::lint::LintTable::builtin();
            if let Some((name, text)) = read_override(table.as_deref())? {
                lint_table
                    .apply_overrides(&name, &text)
                    .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
            }
            let mut all = Diagnostics::default();
            for path in briefs {
                let source = SourceFile::read(path, None).map_err(Failure::usage)?;
                match engine.render(&source, target.as_ref()) {
                    Ok(r) => {
                        all.0.extend(r.warnings.iter().cloned());
                        all.0
                            .extend(crate::lint::lint(&engine, &source, &r, &lint_table));
                    }
                    Err(d) => all.0.extend(d.0),
                }
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
                OutputFormat::Json => {
                    let mut text = String::new();
                    for d in &all.0 {
                        text.push_str(&serde_json::to_string(d).expect("diagnostic serialises"));
                        text.push('\n');
                    }
                    write_stdout(&text)?;
                }
            }
            Ok(if errors > 0 { 1 } else { 0 })
        }
        Command::Test {
            dirs,
            accept,
            target,
        } => {
            let dirs = if dirs.is_empty() {
                if !std::path::Path::new("presets").is_dir() {
                    return Err(Failure::usage(
                        Diagnostic::error("usage", "no folder given and no ./presets folder")
                            .with_help("run `imgprompt test DIR`, e.g. `imgprompt test templates`"),
                    ));
                }
                vec![PathBuf::from("presets")]
            } else {
                dirs.clone()
            };
            let engine = engine(&cli)?;
            let target = crate::target::by_name(target).map_err(Failure::usage)?;
            let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
            let (mut passed, mut failed, mut pending) = (0, 0, 0);
            let mut text = String::new();
            let mut fixtures = 0;
            for dir in &dirs {
                if !dir.exists() {
                    return Err(Failure::usage(crate::source::io_error(
                        &dir.display().to_string(),
                        &std::io::Error::from(std::io::ErrorKind::NotFound),
                    )));
                }
                for (fixture, snap) in crate::fixtures::discover(dir) {
                    fixtures += 1;
                    let outcome = crate::fixtures::run_one(
                        &engine,
                        target.as_ref(),
                        &fixture,
                        &snap,
                        *accept,
                    )
                    .map_err(|e| {
                        io_failure(
                            &format!("cannot write the snapshot of `{}`", fixture.display()),
                            &e,
                        )
                    })?;
                    let name = fixture.display();
                    use crate::fixtures::Outcome;
                    match outcome {
                        Outcome::Passed => {
                            passed += 1;
                            text.push_str(&format!("ok       {name}\n"));
                        }
                        Outcome::Accepted => {
                            passed += 1;
                            text.push_str(&format!("accepted {name} -> {}\n", snap.display()));
                        }
                        Outcome::New if ci => {
                            failed += 1;
                            text.push_str(&format!("FAILED   {name}: no snapshot (CI: new snapshots are not accepted; pending file {})\n", snap.with_extension("snap.new").display()));
                        }
                        Outcome::New => {
                            pending += 1;
                            text.push_str(&format!("new      {name}: pending snapshot written to {} (accept with --accept)\n", snap.with_extension("snap.new").display()));
                        }
                        Outcome::Changed(diff) => {
                            failed += 1;
                            text.push_str(&format!(
                                "FAILED   {name}: differs from {}\n{diff}",
                                snap.display()
                            ));
                            text.push_str(&format!(
                                "         (new version in {}; accept with --accept)\n",
                                snap.with_extension("snap.new").display()
                            ));
                        }
                        Outcome::Assertion(msgs) => {
                            failed += 1;
                            text.push_str(&format!("FAILED   {name}: assertions\n"));
                            for m in msgs {
                                text.push_str(&format!("         - {m}\n"));
                            }
                        }
                        Outcome::Invalid(d) => {
                            failed += 1;
                            text.push_str(&format!(
                                "FAILED   {name}: does not render\n{}",
                                d.render(color_stdout(cli.color))
                            ));
                        }
                    }
                }
            }
            if fixtures == 0 {
                text.push_str("no fixtures found\n");
            }
            if pending > 0 {
                text.push_str(&format!("{pending} new snapshots pending\n"));
            }
            text.push_str(&format!("{passed} passed, {failed} failed\n"));
            write_stdout(&text)?;
            Ok(if failed > 0 || (pending > 0 && ci) {
                1
            } else {
                0
            })
        }
        Command::New {
            what: NewWhat::Preset { name, from, dir },
        } => {
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid {
                return Err(Failure::usage(
                    Diagnostic::error("usage", format!("`{name}` is not a valid preset name"))
                        .with_help("use letters, digits, `-` and `_`"),
                ));
            }
            let folder = dir.join(name);
            if folder.exists() {
                return Err(Failure::usage(Diagnostic::error(
                    "usage",
                    format!("`{}` already exists", folder.display()),
                )));
            }
            let base = engine(&cli)?;
            let parent = match from {
                Some(f) => Some(
                    base.catalog()
                        .get(f)
                        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?
                        .clone(),
                ),
                None => None,
            };
            let (manifest, template, fixture) =
                crate::scaffold::preset_files(name, parent.as_deref());
            let io = |e: std::io::Error| {
                io_failure(&format!("cannot create `{}`", folder.display()), &e)
            };
            std::fs::create_dir_all(folder.join("fixtures/snapshots")).map_err(io)?;
            std::fs::write(folder.join("preset.yaml"), manifest).map_err(io)?;
            std::fs::write(folder.join("prompt.tera"), template).map_err(io)?;
            let fixture_path = folder.join("fixtures/example.yaml");
            std::fs::write(&fixture_path, fixture).map_err(io)?;
            // render the fixture with the new preset and accept its first snapshot
            let mut dirs = Catalog::search_path(&cli.presets);
            dirs.push(folder.clone());
            let catalog = Catalog::load(&dirs).map_err(Failure::invalid)?;
            let engine = Engine::with(catalog, base.models().clone());
            let snap = folder.join("fixtures/snapshots/example.snap");
            if let crate::fixtures::Outcome::Invalid(d) = crate::fixtures::run_one(
                &engine,
                &crate::target::OpenAi,
                &fixture_path,
                &snap,
                true,
            )
            .map_err(io)?
            {
                return Err(Failure::invalid(d));
            }
            let mut text = format!("created {}\n", folder.display());
            for f in [
                "preset.yaml",
                "prompt.tera",
                "fixtures/example.yaml",
                "fixtures/snapshots/example.snap",
            ] {
                text.push_str(&format!("  {}\n", folder.join(f).display()));
            }
            text.push_str(&format!(
                "next: edit {}, then run `imgprompt test {}`\n",
                folder.join("prompt.tera").display(),
                folder.display()
            ));
            write_stdout(&text)?;
            Ok(0)
        }
        Command::Models { format } => {
            let engine = engine(&cli)?;
            let text = match format {
                OutputFormat::Human => models_list(engine.models()),
                OutputFormat::Json => format!(
                    "{}\n",
                    serde_json::to_string_pretty(engine.models()).expect("table serialises")
                ),
            };
            write_stdout(&text)?;
            Ok(0)
        }
        Command::SyncModels { check, root } => sync_models(root, *check),
    }
}

fn presets_list(engine: &Engine, format: OutputFormat) -> String {
    let presets: Vec<_> = engine.catalog().iter().collect();
    match format {
        OutputFormat::Json => {
            let items: Vec<serde_json::Value> = presets
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "name": p.name(),
                        "description": p.manifest.description,
                        "version": p.manifest.version,
                        "origin": p.origin.to_string(),
                        "extends": p.manifest.extends,
                        "shadows": p.shadows.as_ref().map(ToString::to_string),
                        "text_roles": p.manifest.text_roles.keys().collect::<Vec<_>>(),
                        "tags": p.manifest.tags,
                    })
                })
                .chain(engine.catalog().broken().iter().map(|(name, ds)| {
                    serde_json::json!({
                        "name": name,
                        "broken": true,
                        "diagnostics": ds,
                    })
                }))
                .collect();
            let mut s = serde_json::to_string_pretty(&items).expect("json");
            s.push('\n');
            s
        }
        OutputFormat::Human => {
            let width = presets
                .iter()
                .map(|p| p.name().len())
                .chain(engine.catalog().broken().keys().map(String::len))
                .max()
                .unwrap_or(0);
            let mut out = String::new();
            for p in presets {
                let mut origin = p.origin.to_string();
                if let Some(shadowed) = &p.shadows {
                    origin.push_str(&format!(", overrides {shadowed}"));
                }
                if let Some(parent) = &p.manifest.extends {
                    origin.push_str(&format!(", extends {parent}"));
                }
                out.push_str(&format!(
                    "{:<width$}  {}  ({origin})\n",
                    p.name(),
                    p.manifest.description
                ));
            }
            for (name, ds) in engine.catalog().broken() {
                let first = ds.first().map(|d| {
                    let at = match (&d.file, &d.location) {
                        (Some(f), Some(l)) => format!("{f}:{}:{}: ", l.line, l.column),
                        (Some(f), None) => format!("{f}: "),
                        _ => String::new(),
                    };
                    format!("{at}{}", d.message)
                });
                out.push_str(&format!(
                    "{name:<width$}  BROKEN: {}{}\n",
                    first.unwrap_or_default(),
                    if ds.len() > 1 {
                        format!(" (and {} more)", ds.len() - 1)
                    } else {
                        String::new()
                    }
                ));
            }
            out
        }
    }
}

fn preset_show(engine: &Engine, p: &crate::preset::Preset) -> String {
    let m = &p.manifest;
    let mut out = format!("{} {} — {}\n", m.name, m.version, m.description);
    out.push_str(&format!("origin: {}\n", p.origin));
    if let Some(parent) = &m.extends {
        out.push_str(&format!("extends: {parent}\n"));
    }
    if !m.tags.is_empty() {
        out.push_str(&format!("tags: {}\n", m.tags.join(", ")));
    }
    if let Some(l) = &m.license {
        out.push_str(&format!("license: {l}\n"));
    }
    out.push_str("\ntext roles:\n");
    if m.text_roles.is_empty() {
        out.push_str("  (any role)\n");
    }
    for (role, r) in &m.text_roles {
        let plural = if r.plural { " (list)" } else { "" };
        out.push_str(&format!("  {role:<12} {}{plural}\n", r.description));
    }
    out.push_str("\ndefaults (merged under your brief):\n");
    let defaults = serde_saphyr::to_string(&m.defaults).unwrap_or_default();
    for line in defaults.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str("\nparams schema:\n");
    let params = serde_json::to_string_pretty(&p.params_schema_document()).unwrap_or_default();
    for line in params.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    if let Some((name, text)) = &p.example {
        out.push_str(&format!("\nexample ({name}):\n"));
        for line in text.lines() {
            out.push_str(&format!("  {line}\n"));
        }
        let source = SourceFile::new(name.clone(), text.clone(), None);
        if let Ok(r) = engine.render(&source, &crate::target::OpenAi) {
            out.push_str("\nexample prompt:\n");
            out.push_str(&format!("  {}\n", r.prompt.replace('\n', "\n  ")));
        }
    }
    out
}

fn fact_list(f: &crate::models::Fact<Vec<String>>) -> String {
    match f {
        crate::models::Fact::Known(v) => v.join(", "),
        crate::models::Fact::Unsupported => String::from("not accepted"),
        crate::models::Fact::Unknown => String::from("unknown (no source states it)"),
    }
}

fn models_list(models: &ModelTable) -> String {
    use crate::models::Fact;
    let sdks: Vec<String> = models
        .sdks
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let mut out = format!(
        "OpenAI image models, from the official SDKs ({}) and hand-written facts (data/models.json); \
         `imgprompt models --format json` shows each fact's source\n\n",
        sdks.join(", ")
    );
    for (name, r) in &models.models {
        let life = &r.lifecycle;
        let status = match life.status {
            crate::models::Status::Current => String::from("current"),
            crate::models::Status::Deprecated => format!(
                "deprecated, shuts down {}",
                life.shutdown.as_deref().unwrap_or("(date not stated)")
            ),
            crate::models::Status::Retired => {
                format!("retired {}", life.shutdown.as_deref().unwrap_or(""))
            }
            crate::models::Status::Unknown => String::from("lifecycle unknown"),
        };
        let default = if *name == models.default_model {
            ", default"
        } else {
            ""
        };
        let snapshot = r
            .snapshot_of
            .as_deref()
            .map(|b| format!(", snapshot of {b}"))
            .unwrap_or_default();
        out.push_str(&format!("{name}  [{status}{default}{snapshot}]\n"));
        if let Some(reason) = &life.reason {
            out.push_str(&format!("  note     {reason}\n"));
        }
        if life.status == crate::models::Status::Retired {
            continue;
        }
        let mut sizes = r.sizes.join(", ");
        match &r.size_rule {
            Fact::Known(rule) => sizes.push_str(&format!(
                "; any WxH with edges multiple of {}, ratio {}..{}, {}..{} pixels, edge ≤ {}",
                rule.multiple_of,
                rule.min_ratio,
                rule.max_ratio,
                rule.min_pixels
                    .map(crate::size::group_digits)
                    .unwrap_or_else(|| String::from("(floor unknown)")),
                crate::size::group_digits(rule.max_pixels),
                rule.max_edge
            )),
            Fact::Unknown => sizes.push_str("; other sizes: unknown"),
            Fact::Unsupported => {}
        }
        out.push_str(&format!("  sizes    {sizes}\n"));
        out.push_str(&format!("  quality  {}\n", fact_list(&r.quality)));
        out.push_str(&format!("  formats  {}\n", fact_list(&r.output_format)));
        out.push_str(&format!("  background {}", fact_list(&r.background)));
        if let Some(p) = r.preview.get("background") {
            let keys: Vec<&str> = p.keys().map(String::as_str).collect();
            out.push_str(&format!(" ({} in preview)", keys.join(", ")));
        }
        out.push('\n');
        out.push_str(&format!("  complexity {}\n", fact_list(&r.complexity)));
        out.push_str(&format!(
            "  input_fidelity (edits) {}\n",
            fact_list(&r.input_fidelity)
        ));
        match r.n {
            Fact::Known(b) => out.push_str(&format!("  n        {}..{}\n", b.min, b.max)),
            _ => out.push_str("  n        unknown\n"),
        }
        match r.prompt_max_chars {
            Fact::Known(c) => out.push_str(&format!("  prompt   up to {c} characters\n")),
            _ => out.push_str("  prompt   length cap unknown\n"),
        }
    }
    let gif = &models.formats.gif;
    let svg = &models.formats.svg;
    out.push_str(&format!(
        "\nevery model: GIF output takes frame_count {}..{} (default {}), no {}; SVG output needs n={}, no {}\n",
        gif.frame_count.min,
        gif.frame_count.max,
        gif.frame_count
            .default
            .map(|d| d.to_string())
            .unwrap_or_else(|| String::from("unstated")),
        gif.excludes.join("/"),
        svg.n,
        svg.excludes.join("/"),
    ));
    out.push_str(
        "a model not listed here is sent with a warning and checked against the official schema only (--strict makes it an error)\n",
    );
    out
}
