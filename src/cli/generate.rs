//! `imgprompt generate`: render, price, send to the provider, keep every image with its sidecar.
use std::path::PathBuf;

use super::output::io_failure;
use super::{Cli, Failure, engine};
use crate::brief::source::SourceFile;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::engine::{Engine, Rendering};

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Brief files (JSON or YAML; a brief with `vary` sends each variant).
    #[arg(required = true)]
    pub briefs: Vec<PathBuf>,
    /// Where the images, sidecars and index.html go.
    #[arg(short, long, value_name = "DIR", default_value = "images")]
    pub out: PathBuf,
    /// The API to call: openai (generations), openai-edit, stability, flux or gemini.
    #[arg(long, default_value = "openai", value_name = "TARGET", value_parser = super::target_names())]
    pub target: String,
    /// Refuse when the estimated total is above this (USD).
    #[arg(long, value_name = "USD", value_parser = super::parse_usd)]
    pub max_cost: Option<f64>,
    /// Retries of a rate-limited or failed request.
    #[arg(long, default_value_t = 4)]
    pub retries: u32,
    /// Requests in flight at once (1 to 32).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,
    /// Most variants of one brief (default 100000).
    #[arg(long, value_name = "N")]
    pub max_variants: Option<u64>,
    /// Render, check and price only: send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation on a terminal.
    #[arg(long, short)]
    pub yes: bool,
    /// The longest one request may take (headers and body), in seconds: 1 to 86400.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
    /// The environment variable holding the API key [default: the target's own:
    /// OPENAI_API_KEY, STABILITY_API_KEY, BFL_API_KEY, GEMINI_API_KEY].
    #[arg(long, value_name = "NAME")]
    pub api_key_env: Option<String>,
    /// Verify every image against its brief (`imgprompt verify`); the sidecar records the checks.
    #[arg(long)]
    pub verify: bool,
    /// The checks an image must pass to be accepted, comma-separated (implies --verify)
    /// [default: format,size,alpha,text,extra-text].
    #[arg(long, value_delimiter = ',', value_parser = super::verify::parse_check, value_name = "CHECK,...")]
    pub accept: Vec<crate::verify::CheckKind>,
    /// Requests per brief at most, until one is accepted (needs --verify; within --max-cost).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=10), value_name = "N")]
    pub attempts: u32,
    /// How --verify judges the images.
    #[command(flatten)]
    pub judging: super::verify::Judging,
}

/// One request to send: (id, rendering, brief file, what its sidecar adds).
type Job = (
    String,
    Rendering,
    String,
    serde_json::Map<String, serde_json::Value>,
);

/// Runs `imgprompt generate`.
pub(super) fn run(cli: &Cli, args: &Args, color: bool) -> Result<u8, Failure> {
    let engine = engine(cli)?;
    let target = crate::targets::by_name(&args.target).map_err(Failure::usage)?;
    check_target(target.as_ref())?;
    if args.attempts > 1 && !args.verify && args.accept.is_empty() {
        return Err(Failure::of(
            Diagnostic::error(Code::Usage, "--attempts needs --verify (or --accept): without a verdict there is nothing to retry on")
                .with_help("add --verify"),
        ));
    }
    // render and check everything first: nothing is sent for a batch with a bad brief
    let jobs = render_all(&engine, target.as_ref(), args)?;
    let (known, unpriced) = estimate(&jobs);
    if args.attempts > 1 {
        eprintln!(
            "generate: --attempts {}: at most {} if every image is requested {} times (--max-cost bounds the retries)",
            args.attempts,
            crate::cost::usd(Some(known * f64::from(args.attempts))),
            args.attempts
        );
    }
    check_budget(args.max_cost, known, unpriced)?;
    let judging = judging(args, &jobs)?;
    let is_judging = judging.is_some();
    if args.dry_run {
        return Ok(0);
    }
    let provider = target
        .provider()
        .expect("checked: supported targets have a provider");
    let key_env = args.api_key_env.as_deref().unwrap_or(provider.key_env);
    let api_key = api_key(key_env)?;
    if !args.yes && !confirm(jobs.len(), known, unpriced)? {
        eprintln!("generate: nothing sent");
        return Ok(1);
    }
    let mut settings = crate::app::generate::Settings::for_provider(
        provider,
        args.out.clone(),
        api_key,
        std::time::Duration::from_secs(args.timeout),
    );
    settings.max_retries = args.retries;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| io_failure(&format!("cannot create `{}`", args.out.display()), &e))?;
    let accept = judging.as_ref().map_or_else(String::new, |(o, _)| {
        let names: Vec<&str> = o.checks.iter().map(|c| c.as_str()).collect();
        names.join(",")
    });
    let judge = move |files: &[PathBuf], sidecar: &serde_json::Value| match &judging {
        Some((options, ocr)) => judge(files, sidecar, options, ocr),
        None => crate::app::generate::attempts::Verdict {
            accepted: true,
            record: serde_json::Value::Null,
        },
    };
    let budget = crate::app::generate::attempts::Budget::new(args.max_cost, known);
    let plan = crate::app::generate::attempts::Plan {
        attempts: args.attempts,
        accept: &accept,
        judge: is_judging.then_some(&judge as &crate::app::generate::attempts::Judge<'_>),
        budget: &budget,
    };
    let tally = send_all(
        &jobs,
        &settings,
        engine.price_table(),
        plan,
        args.concurrency,
        color,
    );
    summary(jobs.len(), &tally, is_judging);
    let index = crate::app::generate::contact_sheet(&args.out)
        .map_err(|e| io_failure("cannot write index.html", &e))?;
    eprintln!("contact sheet: {}", index.display());
    Ok(u8::from(
        tally.failed > 0 || (is_judging && tally.accepted < jobs.len()),
    ))
}

/// `generate` sends to the targets with an API (a provider and a request shape).
fn check_target(target: &dyn crate::targets::Target) -> Result<(), Failure> {
    if crate::app::generate::supports(target) {
        return Ok(());
    }
    Err(Failure::of(
        Diagnostic::error(
            Code::NotSupported,
            format!(
                "`generate` does not support the {} target: it has no API to call",
                target.name()
            ),
        )
        .with_help("use --target openai, openai-edit, stability, flux or gemini"),
    ))
}

/// What a job's image must be (the `expect` its sidecar will hold).
fn expected_of(extra: &serde_json::Map<String, serde_json::Value>) -> crate::verify::Expected {
    extra
        .get("expect")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default()
}

/// True when an accepted check reads text in some request (and so needs Tesseract).
fn wants_ocr(jobs: &[Job], options: &crate::verify::Options) -> bool {
    jobs.iter().any(|(_, _, _, extra)| {
        expected_of(extra)
            .applicable(&options.checks)
            .iter()
            .any(|c| {
                matches!(
                    c,
                    crate::verify::CheckKind::Text | crate::verify::CheckKind::ExtraText
                )
            })
    })
}

/// With --verify (or --accept): the options and the OCR engine, after every request was found
/// judgeable and Tesseract present (when a text check is accepted); `None` without.
fn judging(
    args: &Args,
    jobs: &[Job],
) -> Result<Option<(crate::verify::Options, crate::verify::ocr::Tesseract)>, Failure> {
    if !args.verify && args.accept.is_empty() {
        return Ok(None);
    }
    let options = args.judging.options(&args.accept);
    check_judgeable(jobs, &options)?;
    let ocr = args.judging.ocr();
    if wants_ocr(jobs, &options) {
        ocr.check().map_err(|e| {
            Failure::of(
                Diagnostic::error(Code::Usage, e.to_string())
                    .with_help("or accept without the text checks: --accept format,size,alpha"),
            )
        })?;
    }
    Ok(Some((options, ocr)))
}

/// With --verify, every request must be one the accepted checks can judge: a usage error
/// before anything is sent otherwise (an SVG, or checks that do not apply, could never be
/// accepted and would be paid for `--attempts` times).
fn check_judgeable(jobs: &[Job], options: &crate::verify::Options) -> Result<(), Failure> {
    for (id, _, _, extra) in jobs {
        if let Some(why) = expected_of(extra).cannot_judge(&options.checks) {
            return Err(Failure::of(
                Diagnostic::error(Code::Usage, format!("--verify cannot judge {id}: {why}"))
                    .with_help(
                        "choose the checks that apply with --accept (for SVG: --accept format)",
                    ),
            ));
        }
    }
    Ok(())
}

/// Verifies the images of one attempt against what its sidecar says they must be.
fn judge(
    files: &[PathBuf],
    sidecar: &serde_json::Value,
    options: &crate::verify::Options,
    ocr: &crate::verify::ocr::Tesseract,
) -> crate::app::generate::attempts::Verdict {
    let expected = match crate::verify::folder::from_sidecar(sidecar) {
        Ok(e) => e,
        Err(why) => {
            return crate::app::generate::attempts::Verdict {
                accepted: false,
                record: serde_json::json!({"error": why}),
            };
        }
    };
    let reports: Vec<crate::verify::Report> = files
        .iter()
        .map(|f| crate::verify::verify_file(f, &expected, options, Some(ocr)))
        .collect();
    let accepted = !reports.is_empty() && reports.iter().all(|r| r.passed);
    let checks: Vec<&str> = options.checks.iter().map(|c| c.as_str()).collect();
    crate::app::generate::attempts::Verdict {
        accepted,
        record: serde_json::json!({"accept": checks, "reports": reports}),
    }
}

/// The closing summary on stderr.
fn summary(requests: usize, tally: &Tally, judging: bool) {
    let unpriced = if tally.uncosted > 0 {
        format!(" (+{} unpriced)", tally.uncosted)
    } else {
        String::new()
    };
    eprintln!(
        "generate: {}, {} written, {} skipped (already done), {} failed, {}; cost {}{unpriced}",
        crate::emit::plural(requests, "request"),
        crate::emit::plural(tally.written, "image"),
        tally.skipped,
        tally.failed,
        crate::emit::plural_of(tally.retried, "retry", "retries"),
        crate::cost::usd(Some(tally.cost)),
    );
    if judging {
        let per = if tally.uncosted > 0 {
            String::from("unknown (some attempts are unpriced)")
        } else if tally.written == 0 {
            String::from("nothing paid in this run")
        } else if tally.accepted > 0 {
            crate::cost::usd(Some(tally.cost / tally.accepted as f64))
        } else {
            String::from("n/a (none accepted)")
        };
        eprintln!(
            "verify: {} of {requests} accepted after {} attempt{}; cost per accepted image {per}",
            tally.accepted,
            tally.attempts,
            if tally.attempts == 1 { "" } else { "s" }
        );
    }
}

/// The estimated total of the priced requests and the number of unpriced ones, announced on
/// stderr.
fn estimate(jobs: &[Job]) -> (f64, usize) {
    let known: f64 = jobs
        .iter()
        .filter_map(|(_, r, _, _)| r.cost.as_ref().and_then(|c| c.per_request))
        // an empty float sum is -0.0: printed "$-0.0000" otherwise
        .sum::<f64>()
        + 0.0;
    let unpriced = jobs
        .iter()
        .filter(|(_, r, _, _)| r.cost.as_ref().and_then(|c| c.per_request).is_none())
        .count();
    eprintln!(
        "generate: {}, estimated {}{}",
        crate::emit::plural(jobs.len(), "request"),
        crate::cost::usd(Some(known)),
        if unpriced > 0 {
            format!(" ({unpriced} unpriced)")
        } else {
            String::new()
        }
    );
    (known, unpriced)
}

/// `--max-cost`: refuses when the estimate is over it, or some requests are unpriced.
fn check_budget(max_cost: Option<f64>, known: f64, unpriced: usize) -> Result<(), Failure> {
    if let Some(max) = max_cost
        && (known > max || unpriced > 0)
    {
        return Err(Failure::invalid(Diagnostics(vec![Diagnostic::error(
            Code::OverBudget,
            format!(
                "the estimated cost {} is over --max-cost {} (or some requests are unpriced)",
                crate::cost::usd(Some(known)),
                crate::cost::usd(Some(max))
            ),
        )])));
    }
    Ok(())
}

/// The API key from the environment variable `var` (set and not empty).
fn api_key(var: &str) -> Result<String, Failure> {
    std::env::var(var)
        .ok()
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            Failure::of(
                Diagnostic::error(Code::Usage, format!("{var} is not set"))
                    .with_help(format!("export {var}=…, or use --dry-run")),
            )
        })
}

/// What the requests came to: the counts and cost of the closing summary.
#[derive(Debug, Default)]
struct Tally {
    written: usize,
    skipped: usize,
    failed: usize,
    retried: u64,
    cost: f64,
    uncosted: usize,
    accepted: usize,
    attempts: u64,
}

/// Sends every job through a bounded pool: at most `concurrency` requests in flight; each
/// outcome is reported as soon as every earlier one has been, so the log reads in brief order
/// while the run progresses.
fn send_all(
    jobs: &[Job],
    settings: &crate::app::generate::Settings,
    prices: &crate::cost::PriceTable,
    plan: crate::app::generate::attempts::Plan<'_>,
    concurrency: u16,
    color: bool,
) -> Tally {
    let mut tally = Tally::default();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..usize::from(concurrency).min(jobs.len()) {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((id, r, file, extra)) = jobs.get(i) else {
                        break;
                    };
                    let tried = crate::app::generate::attempts::try_request(
                        r, id, settings, prices, file, extra, plan,
                    );
                    if tx.send((i, tried)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let bar = progress_bar(jobs.len());
        let mut pending = std::collections::BTreeMap::new();
        let mut due = 0;
        for (i, tried) in rx {
            bar.inc(1);
            pending.insert(i, tried);
            while let Some(tried) = pending.remove(&due) {
                report_tried(
                    &jobs[due].0,
                    tried,
                    &bar,
                    &mut tally,
                    color,
                    plan.judge.is_some(),
                );
                due += 1;
            }
        }
        bar.finish_and_clear();
    });
    tally
}

/// Counts one request's attempts and logs their lines (above the progress bar).
fn report_tried(
    id: &str,
    tried: crate::app::generate::attempts::Tried,
    bar: &indicatif::ProgressBar,
    tally: &mut Tally,
    color: bool,
    judging: bool,
) {
    tally.attempts += u64::from(tried.made);
    tally.accepted += usize::from(tried.accepted.is_some());
    for (aid, outcome, verdict) in tried.attempts {
        report(&aid, outcome, bar, tally, color);
        if let Some(v) = verdict {
            let word = if v.accepted { "accepted" } else { "rejected" };
            let failing = failing_checks(&v.record);
            bar.suspend(|| {
                if failing.is_empty() {
                    eprintln!("{aid}: verify: {word}");
                } else {
                    eprintln!("{aid}: verify: {word} ({})", failing.join("; "));
                }
            });
        }
    }
    if judging
        && tried.accepted.is_none()
        && let Some(why) = tried.stopped
    {
        bar.suspend(|| eprintln!("{id}: not accepted: {why}"));
    }
}

/// The checks of a verification record that did not pass, as `text headline: fail (read "…")`.
fn failing_checks(record: &serde_json::Value) -> Vec<String> {
    record["reports"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["checks"].as_array().into_iter().flatten())
        .filter(|c| c["status"] != "pass")
        .map(|c| {
            let what = match c["role"].as_str() {
                Some(role) => format!("{} {role}", c["check"].as_str().unwrap_or("")),
                None => c["check"].as_str().unwrap_or("").to_string(),
            };
            let note = match (c["status"].as_str(), c["note"].as_str()) {
                (Some("unverified"), Some(n)) => format!(": {n}"),
                _ => String::new(),
            };
            format!(
                "{what}: {}, found {}{note}",
                c["status"].as_str().unwrap_or(""),
                c["found"]
            )
        })
        .collect()
}

/// Counts one attempt's outcome and logs its line (above the progress bar).
fn report(
    id: &str,
    outcome: Result<crate::app::generate::Outcome, Diagnostic>,
    bar: &indicatif::ProgressBar,
    tally: &mut Tally,
    color: bool,
) {
    match outcome {
        Ok(crate::app::generate::Outcome::Written {
            files,
            retries: r,
            cost: c,
            from,
            ..
        }) => {
            tally.written += files.len();
            tally.retried += u64::from(r);
            tally.cost += c.unwrap_or(0.0);
            tally.uncosted += usize::from(c.is_none());
            let how = match from {
                crate::app::generate::Source::Sent => "",
                crate::app::generate::Source::Resent => {
                    " (it was in flight when an earlier run stopped: sent again, it may have been billed twice)"
                }
                crate::app::generate::Source::Saved => {
                    " (from the answer an earlier run saved: not paid again)"
                }
            };
            bar.suspend(|| eprintln!("{id}: {}{how}", images(files.len())));
        }
        Ok(crate::app::generate::Outcome::Skipped(_)) => {
            tally.skipped += 1;
            bar.suspend(|| eprintln!("{id}: already generated, skipped"));
        }
        Err(d) => {
            tally.failed += 1;
            let d = d.with_note(format!("request {id}"));
            bar.suspend(|| eprintln!("{}\n", d.render(color)));
        }
    }
}

/// "1 image", "3 images".
fn images(n: usize) -> String {
    if n == 1 {
        String::from("1 image")
    } else {
        format!("{n} images")
    }
}

/// On a terminal (standard input and error both), asks before sending; true to go on. Off a
/// terminal there is nobody to ask: it goes on (`--yes` is then implied, as the README says).
fn confirm(requests: usize, known: f64, unpriced: usize) -> Result<bool, Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Ok(true);
    }
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "send {requests} request{} for {}{}? [y/N] ",
        if requests == 1 { "" } else { "s" },
        crate::cost::usd(Some(known)),
        if unpriced > 0 {
            " (and some unpriced)"
        } else {
            ""
        }
    );
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| io_failure("cannot read the answer", &e))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// Every request of every brief (a variant each for `vary`), rendered and checked: (id,
/// rendering, brief file).
fn render_all(
    engine: &Engine,
    target: &dyn crate::targets::Target,
    args: &Args,
) -> Result<Vec<Job>, Failure> {
    let mut jobs: Vec<(
        String,
        serde_json::Map<String, serde_json::Value>,
        Rendering,
        String,
    )> = Vec::new();
    let mut problems = Diagnostics::default();
    for path in &args.briefs {
        let source = SourceFile::read(path, None).map_err(Failure::of)?;
        let value = source
            .parse_brief()
            .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
        let stem = path.file_stem().map_or_else(
            || String::from("brief"),
            |s| s.to_string_lossy().into_owned(),
        );
        let name = value
            .get("name")
            .and_then(serde_json::Value::as_str)
            .map_or(stem.clone(), str::to_string);
        let file = path.display().to_string();
        if value
            .get("vary")
            .and_then(serde_json::Value::as_object)
            .is_some_and(|v| !v.is_empty())
        {
            render_variants(
                engine,
                target,
                args,
                (&value, &stem, &source, &file),
                &mut jobs,
                &mut problems,
            )?;
        } else {
            match engine.render(&source, target) {
                Ok(r) => jobs.push((name, extra(&r, engine), r, file)),
                Err(d) => problems.0.extend(d.0),
            }
        }
    }
    // two requests with one id would write the same files (and the second would be "resumed")
    // compared as file names: `a b` and `a-b` both write `a-b.json`
    let mut first: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    // with --attempts, every attempt's id is reserved too (`poster-try2` must not be a brief)
    let ids = jobs.iter().flat_map(|(id, _, _, file)| {
        (1..=args.attempts).map(move |k| (crate::app::generate::attempts::attempt_id(id, k), file))
    });
    for (written, file) in ids {
        if let Some(earlier) = first.insert(written.clone(), file) {
            problems.0.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!("two requests would write `{written}`: {earlier} and {file}"),
                )
                .with_help(
                    "give the briefs distinct `name`s (the id is the name, else the file stem)",
                ),
            );
        }
    }
    if problems.has_errors() {
        return Err(Failure::invalid(problems));
    }
    Ok(jobs
        .into_iter()
        .map(|(id, extra, r, file)| (id, r, file, extra))
        .collect())
}

/// Every variant of a brief with `vary`, rendered into `jobs` (or its errors into `problems`).
fn render_variants(
    engine: &Engine,
    target: &dyn crate::targets::Target,
    args: &Args,
    (value, stem, source, file): (&serde_json::Value, &str, &SourceFile, &str),
    jobs: &mut Vec<Pending>,
    problems: &mut Diagnostics,
) -> Result<(), Failure> {
    let variations = crate::app::vary::Variations::from_brief(value, stem, Some(source))
        .map_err(Failure::invalid)?;
    variations
        .check_values(Some(source))
        .map_err(Failure::invalid)?;
    let total = variations.count().unwrap_or(u64::MAX);
    crate::app::expand::check_ceiling(
        total,
        args.max_variants
            .unwrap_or(crate::app::expand::DEFAULT_MAX_VARIANTS),
        &source.name,
    )
    .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    for i in 0..total {
        let v = variations.variant(i);
        match engine.render_value(v.brief.clone(), Some(source), target) {
            Ok(r) => jobs.push((v.id.clone(), extra(&r, engine), r, file.to_string())),
            Err(d) => problems
                .0
                .extend(crate::app::expand::variant_errors(d, v.index, &v.id).0),
        }
    }
    Ok(())
}

/// A job before its sidecar extras are moved last: (id, extras, rendering, brief file).
type Pending = (
    String,
    serde_json::Map<String, serde_json::Value>,
    Rendering,
    String,
);

/// What each sidecar adds to the record: what verify checks the image against.
fn extra(r: &Rendering, engine: &Engine) -> serde_json::Map<String, serde_json::Value> {
    let expect = crate::verify::Expected::of(r, engine);
    let mut m = serde_json::Map::new();
    m.insert(
        String::from("expect"),
        serde_json::to_value(expect).unwrap_or_default(),
    );
    m
}

/// A bar of requests done on a terminal (hidden otherwise: the per-request lines are the log).
fn progress_bar(len: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} requests  {elapsed} (eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}
