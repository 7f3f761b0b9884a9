//! The command line: argument parsing and glue over the library. Errors become exit codes:
//! 0 ok, 1 invalid input found, 2 usage or I/O error.
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::brief::source::Format;
use crate::diagnostic::{Code, Diagnostic, Diagnostics, ExitClass};
use crate::engine::Engine;
use crate::preset::catalog::Catalog;

mod batch;
mod completions;
mod generate;
mod man;
mod models;
mod output;
mod presets;
mod render;
mod schema;
mod serve;
mod styles;
mod validate;
mod verify;
pub use output::{AtomicFile, write_atomic};
mod cost;
mod expand;
mod lint;
mod new;
mod test;

/// Turns structured image briefs into the final prompt and a validated API request.
#[derive(Debug, Parser)]
#[command(name = "imgprompt", version, about, long_about = None, after_help = "Exit codes: 0 ok, 1 invalid input found, 2 usage or I/O error.")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Extra preset folder (repeatable); wins over built-in presets of the same name.
    #[arg(long = "presets", value_name = "DIR", global = true)]
    presets: Vec<PathBuf>,
    /// Extra style folder (repeatable): packs of named styles (`*.json`), after `./styles` and
    /// `IMGPROMPT_STYLES`.
    #[arg(long = "styles", value_name = "DIR", global = true)]
    styles: Vec<PathBuf>,
    /// Model rules overriding the built-in table (same format as data/models.json) [env:
    /// IMGPROMPT_MODELS; empty means unset].
    #[arg(long, value_name = "FILE", global = true)]
    models: Option<PathBuf>,
    /// Prices overriding the built-in table (same format as data/prices.json) [env:
    /// IMGPROMPT_PRICES; empty means unset].
    #[arg(long, value_name = "FILE", global = true)]
    prices: Option<PathBuf>,
    /// Limits of the non-OpenAI targets, merged over the built-in ones (format of data/targets.json)
    /// [env: IMGPROMPT_TARGET_LIMITS; empty means unset].
    #[arg(long, value_name = "FILE", global = true)]
    target_limits: Option<PathBuf>,
    /// The model families' writing rules and positive rewrites, merged over the built-in ones
    /// (format of data/families.json) [env: IMGPROMPT_FAMILIES; empty means unset].
    #[arg(long, value_name = "FILE", global = true)]
    families: Option<PathBuf>,
    /// Treat every warning as an error (for CI): unknown models, preview features, unstated
    /// rules, mapped sizes, ignored fields. IMGPROMPT_STRICT=1 (or true, yes, on) does the same;
    /// empty, 0, false, no or off leave it off.
    #[arg(
        long,
        global = true,
        env = "IMGPROMPT_STRICT",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
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

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
}

/// `--target`: every name is taken here and checked by [`crate::targets::by_name`] (so an
/// unknown one gets "did you mean" and the list); the known names show in `--help` and in the
/// shell completions.
#[derive(Debug, Clone, Copy)]
struct TargetNames;

impl clap::builder::TypedValueParser for TargetNames {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            crate::targets::all()
                .into_iter()
                .map(|t| clap::builder::PossibleValue::new(t.name())),
        ))
    }
}

/// The parser of every `--target` flag.
fn target_names() -> TargetNames {
    TargetNames
}

/// The forms of a report over briefs (`validate`, `lint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// Diagnostics as text, with a summary line.
    Human,
    /// One JSON diagnostic per line.
    Json,
    /// JUnit XML: one test case per brief, failed when it has an error (CI test dashboards).
    Junit,
    /// SARIF 2.1.0: one result per diagnostic, with file, line and column (code scanning).
    Sarif,
}

impl ReportFormat {
    /// The report of `command` over `files`, each with its findings, in this form.
    fn report(
        self,
        command: &str,
        files: &[(String, Vec<Diagnostic>)],
        color: bool,
        summary: &str,
    ) -> String {
        let all = || files.iter().flat_map(|(_, d)| d.iter().cloned());
        match self {
            ReportFormat::Human => {
                let mut text = Diagnostics(all().collect()).render(color);
                text.push_str(summary);
                text
            }
            ReportFormat::Json => Diagnostics(all().collect()).json_lines(),
            ReportFormat::Junit => crate::emit::junit::per_file(command, files),
            ReportFormat::Sarif => crate::emit::sarif::sarif(&all().collect::<Vec<_>>()),
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Render a brief: the request payload (default), the prompt, or a report.
    #[command(
        after_help = "Examples:\n  imgprompt render examples/poster-future-forms.yaml\n  imgprompt render examples/poster-future-forms.yaml --emit prompt\n  cat brief.json | imgprompt render -"
    )]
    Render(render::Args),
    /// Check briefs: exit 0 if all are valid, 1 otherwise; diagnostics on stderr.
    Validate(validate::Args),
    /// List presets or show one.
    Presets(presets::Args),
    /// Print a JSON Schema: of a brief, or of a preset's params.
    Schema(schema::Args),
    /// List the models, their limits and lifecycle (and, as JSON, the source of every fact).
    Models(models::Args),
    /// Render many briefs: one JSON brief per line (JSONL), from a file, `-` or a folder of brief
    /// files. One record per line, in input order; bad lines never stop the batch.
    #[command(
        after_help = "Examples:\n  imgprompt batch briefs.jsonl -o results.jsonl --errors errors.jsonl\n  cat briefs.jsonl | imgprompt batch - --emit openai-batch > batch-input.jsonl\n  imgprompt batch examples/"
    )]
    Batch(batch::Args),
    /// List a brief's variations (`vary`), count them and price them, within a budget.
    #[command(
        after_help = "Examples:\n  imgprompt expand campaign.yaml --count\n  imgprompt expand campaign.yaml --sample 20 --seed 7 --emit openai-batch\n  imgprompt expand campaign.yaml --max-variants 500 --max-cost 25"
    )]
    Expand(expand::Args),
    /// Check prompt quality: exact text kept, no-text conflicts, length, repetition, dangling
    /// separators, leftover placeholders, contradictions, context vs size. Exit 1 on any error.
    #[command(
        after_help = "Examples:\n  imgprompt lint examples/*.yaml\n  imgprompt lint --rules\n  imgprompt lint brief.yaml --format json"
    )]
    Lint(lint::Args),
    /// Snapshot-test prompts and payloads: each preset's fixtures (or any folder of briefs)
    /// against the `.snap` files beside them. Exit 1 on any mismatch.
    #[command(
        after_help = "Examples:\n  imgprompt test presets/\n  imgprompt test templates/   # the built-in presets\n  imgprompt test presets/recipe --accept"
    )]
    Test(test::Args),
    /// Scaffold something new.
    New(new::Args),
    /// Estimate what briefs cost: per image, per request, per period, with retries.
    #[command(
        after_help = "Examples:\n  imgprompt cost examples/*.yaml\n  imgprompt cost brief.yaml --volume 500 --per day --retries 0.1 --batch-api"
    )]
    Cost(cost::Args),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Install, for example:\n  imgprompt completions bash > ~/.local/share/bash-completion/completions/imgprompt\n  imgprompt completions zsh > \"${fpath[1]}/_imgprompt\"\n  imgprompt completions fish > ~/.config/fish/completions/imgprompt.fish"
    )]
    Completions(completions::Args),
    /// Print the man page (roff), or write one page per command into a folder.
    #[command(
        after_help = "Install, for example:\n  imgprompt man > ~/.local/share/man/man1/imgprompt.1\n  imgprompt man --dir ~/.local/share/man/man1"
    )]
    Man(man::Args),
    /// Serve the playground page and a JSON API on this machine (render, validate, lint, expand,
    /// cost, presets, models, schema).
    #[command(
        after_help = "Examples:\n  imgprompt serve --open\n  curl -s localhost:7878/api/render -H 'content-type: application/json' -d '{\"brief\": \"subject: a cat\"}'"
    )]
    Serve(serve::Args),
    /// Send the requests of briefs to the provider (OpenAI, Stability, FLUX, Gemini) and keep every
    /// image with a sidecar of its provenance, and an index.html contact sheet. Resumes: what has a
    /// sidecar is skipped. With --verify, each image is checked against its brief.
    #[command(
        after_help = "Needs the target's key: OPENAI_API_KEY, STABILITY_API_KEY, BFL_API_KEY or GEMINI_API_KEY\n(OPENAI_BASE_URL, STABILITY_BASE_URL, BFL_BASE_URL or GEMINI_BASE_URL for another endpoint).\nExamples:\n  imgprompt generate examples/poster-future-forms.yaml -o out/\n  imgprompt generate campaign.yaml --max-cost 5 --dry-run\n  imgprompt generate poster.yaml --verify --attempts 3 --max-cost 2\n  imgprompt generate poster.yaml --target flux -o out/"
    )]
    Generate(generate::Args),
    /// List, show and import style libraries (Fooocus, AUTOMATIC1111 styles.csv, SDXL Prompt
    /// Styler); briefs apply them with `style: {apply: [name, …]}`.
    Styles(styles::Args),
    /// Check images against their brief: file format, pixel size or aspect ratio, transparency,
    /// every exact text read by OCR (Tesseract), and no other text. Exit 0 when every check
    /// passes, 1 when one fails or cannot be decided.
    #[command(
        after_help = "Needs Tesseract for the text checks (Debian: apt-get install tesseract-ocr tesseract-ocr-eng).\nExamples:\n  imgprompt verify examples/poster-future-forms.yaml images/poster-future-forms-0.png\n  imgprompt verify images/ --format json\n  imgprompt verify brief.yaml logo.png --checks format,size,alpha"
    )]
    Verify(verify::Args),
}

/// A failure: diagnostics plus the exit code they map to.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    diagnostics: Diagnostics,
}

impl Failure {
    /// A failure whose exit code comes from its codes' exit classes ([`Code::exit_class`]): 2 when
    /// one is an I/O or a usage error, else 1.
    fn invalid(diagnostics: Diagnostics) -> Self {
        let code = if diagnostics
            .0
            .iter()
            .any(|d| matches!(d.code.exit_class(), ExitClass::Io | ExitClass::Usage))
        {
            2
        } else {
            1
        };
        Failure { code, diagnostics }
    }
    /// A failure of one diagnostic, exiting as its code's exit class says.
    fn of(d: Diagnostic) -> Self {
        Self::invalid(Diagnostics(vec![d]))
    }
    /// A usage error (exit 2) for a code that is one only where the command line gives it:
    /// `unknown-target` for `--target` (from a brief's `targets` it exits 1).
    fn usage(d: Diagnostic) -> Self {
        debug_assert_eq!(d.code.exit_class(), ExitClass::Other, "{}", d.code);
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
    let color = color_stderr(cli.color);
    // rayon's threads render batches and expansions: they get a main thread's stack
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(crate::app::batch::RENDER_STACK)
        .build_global();
    match run(cli, color) {
        Ok(code) => ExitCode::from(code),
        Err(f) if is_broken_pipe(&f) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = std::io::stderr().write_all(f.diagnostics.render(color).as_bytes());
            ExitCode::from(f.code)
        }
    }
}

/// The colour choice for diagnostics written to stderr.
fn color_stderr(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// Prints the catalog's own warnings (a preset from `./presets` or `IMGPROMPT_PRESETS` hiding a
/// built-in one) on stderr, each once per run however many times a catalog is loaded.
fn warn_catalog(catalog: &Catalog, choice: ColorChoice) {
    static PRINTED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let Ok(mut printed) = PRINTED.lock() else {
        return;
    };
    for w in catalog.warnings() {
        if !printed.contains(&w.message) {
            printed.push(w.message.clone());
            let _ = writeln!(std::io::stderr(), "{}", w.render(color_stderr(choice)));
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
    f.diagnostics
        .0
        .iter()
        .any(|d| d.code.exit_class() == ExitClass::BrokenPipe)
}

fn engine(cli: &Cli) -> Result<Engine, Failure> {
    let mut presets = cli.presets.clone();
    if let Command::Test(test::Args { dirs, .. }) = &cli.command {
        // the presets under test are loaded too
        for d in dirs {
            if crate::preset::catalog::has_presets(d) && !presets.contains(d) {
                presets.push(d.clone());
            }
        }
    }
    let cost = match &cli.command {
        Command::Cost(cost::Args {
            batch_api,
            partial_images,
            ..
        }) => crate::cost::CostOptions {
            batch_api: *batch_api,
            partial_images: *partial_images,
        },
        _ => crate::cost::CostOptions::default(),
    };
    let setup = crate::engine::Setup {
        presets,
        styles: cli.styles.clone(),
        models: cli.models.clone(),
        prices: cli.prices.clone(),
        target_limits: cli.target_limits.clone(),
        families: cli.families.clone(),
        strict: cli.strict,
        cost,
    };
    let engine = setup.build().map_err(Failure::invalid)?;
    warn_catalog(engine.catalog(), cli.color);
    Ok(engine)
}

/// `--emit openai-batch` needs a target the OpenAI Batch API can run.
fn batch_api_target(target: &dyn crate::targets::Target) -> Result<(), Failure> {
    if target.batch_endpoint().is_some() {
        return Ok(());
    }
    Err(Failure::of(
        Diagnostic::error(
            Code::NoBatchApi,
            format!(
                "`--emit openai-batch` writes OpenAI Batch API input, but `{}` is not an OpenAI endpoint",
                target.name()
            ),
        )
        .with_help("use `--target openai` or `--target openai-edit`, or another --emit form (payload, json, curl)"),
    ))
}

/// `color` is the choice of `--color` and `NO_COLOR` for stderr: every diagnostic printed there
/// honours it.
fn run(cli: Cli, color: bool) -> Result<u8, Failure> {
    match &cli.command {
        Command::Render(args) => render::run(&cli, args, color),
        Command::Validate(args) => validate::run(&cli, args, color),
        Command::Presets(args) => presets::run(&cli, args, color),
        Command::Schema(args) => schema::run(&cli, args, color),
        Command::Models(args) => models::run(&cli, args, color),
        Command::Batch(args) => batch::run(&cli, args, color),
        Command::Expand(args) => expand::run(&cli, args, color),
        Command::Lint(args) => lint::run(&cli, args, color),
        Command::Test(args) => test::run(&cli, args, color),
        Command::New(args) => new::run(&cli, args, color),
        Command::Cost(args) => cost::run(&cli, args, color),
        Command::Completions(args) => completions::run(&cli, args, color),
        Command::Man(args) => man::run(&cli, args, color),
        Command::Serve(args) => serve::run(&cli, args, color),
        Command::Generate(args) => generate::run(&cli, args, color),
        Command::Styles(args) => styles::run(&cli, args, color),
        Command::Verify(args) => verify::run(&cli, args, color),
    }
}

/// A budget in USD: a finite number, not negative (`NaN` would compare as no budget at all).
pub(crate) fn parse_usd(text: &str) -> Result<f64, String> {
    let v: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of US dollars"))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!(
            "`{text}` is not a budget: give a finite amount, 0 or more"
        ))
    }
}
