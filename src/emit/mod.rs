//! Emitting a rendering: the payload, the prompt, a human report, or a JSON record.

pub mod atomic;
pub mod handoff;
pub mod junit;
pub mod sarif;
use std::fmt::Write as _;

use crate::engine::Rendering;

/// What to print for a rendered brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Emit {
    /// The request body, pretty JSON (default).
    Payload,
    /// Only the prompt text.
    Prompt,
    /// A human view: prompt, payload, warnings.
    Report,
    /// One JSON record: name, preset, prompt, payload (with method and URL), warnings, cost.
    Json,
    /// An OpenAI Batch API input line: `custom_id`, `method`, `url`, `body`.
    OpenaiBatch,
    /// A shell script calling the API with curl (key from the environment).
    Curl,
    /// A Python script (official `openai` SDK for OpenAI).
    Python,
    /// A JavaScript program for Node 18+ that runs as CommonJS or as an ES module (official
    /// `openai` SDK for OpenAI).
    Js,
    /// A raw HTTP request (`.http` file), its base URL and key in file variables.
    Http,
}

/// Renders `r` in the chosen form. The text ends with a newline.
pub fn emit(r: &Rendering, form: Emit) -> Result<String, crate::diagnostic::Diagnostic> {
    use crate::emit::handoff::{HandOff, snippet};
    Ok(match form {
        Emit::Curl => snippet(r, HandOff::Curl)?,
        Emit::Python => snippet(r, HandOff::Python)?,
        Emit::Js => snippet(r, HandOff::Js)?,
        Emit::Http => snippet(r, HandOff::Http)?,
        Emit::Payload => pretty(&r.payload.body),
        // for a prompt-box target the line to paste carries its parameters (`--ar`, `--no`, …)
        Emit::Prompt => format!("{}\n", r.payload.paste_line().unwrap_or(&r.prompt)),
        Emit::Json => {
            let mut s = serde_json::to_string(r).expect("rendering serialises");
            s.push('\n');
            s
        }
        Emit::Report => report(r),
        Emit::OpenaiBatch => {
            let base = r.name.clone().unwrap_or_else(|| String::from("request"));
            let mut s = openai_batch_line(&batch_custom_id(&base, None, None, r), r);
            s.push('\n');
            s
        }
    })
}

/// A Batch API `custom_id` that cannot collide within one upload file and stays the same when
/// the same input is run again: the brief's name (or file stem) for people, the input line and
/// variant index for uniqueness, and 8 hex digits of the request body for provenance
/// (`poster-future-forms-L1-2cd0144a`; a variant's id carries the hash of its values:
/// `mug-fb6b31c2b2d047de-L1-v0-6167e73c`).
pub fn batch_custom_id(
    base: &str,
    line: Option<u64>,
    variant: Option<u64>,
    r: &Rendering,
) -> String {
    let mut name = file_safe(base, 64);
    if name.is_empty() {
        name.push_str("request");
    }
    if let Some(l) = line {
        name.push_str(&format!("-L{l}"));
    }
    if let Some(v) = variant {
        name.push_str(&format!("-v{v}"));
    }
    // FNV-1a over the body: stable across runs and platforms
    let body = serde_json::to_string(&r.payload.body).expect("json");
    let mut h: u32 = 0x811c_9dc5;
    for b in body.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{name}-{h:08x}")
}

/// The OpenAI Batch API input line for a rendering (no trailing newline).
pub fn openai_batch_line(custom_id: &str, r: &Rendering) -> String {
    let path = r
        .payload
        .url
        .strip_prefix("https://api.openai.com")
        .unwrap_or(&r.payload.url);
    serde_json::to_string(&serde_json::json!({
        "custom_id": custom_id,
        "method": r.payload.method,
        "url": path,
        "body": r.payload.body,
    }))
    .expect("batch line serialises")
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON serialises");
    s.push('\n');
    s
}

fn report(r: &Rendering) -> String {
    let mut out = String::new();
    let body = &r.payload.body;
    let field = |k: &str| {
        body.get(k)
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| Some(v.to_string()))
            })
            .filter(|s| s != "null")
    };
    let _ = writeln!(out, "preset   {}", r.preset);
    let _ = writeln!(
        out,
        "target   {} {} {}",
        r.payload.target, r.payload.method, r.payload.url
    );
    for k in [
        "model",
        "size",
        "quality",
        "n",
        "output_format",
        "background",
    ] {
        if let Some(v) = field(k) {
            let _ = writeln!(out, "{k:<8} {v}");
        }
    }
    let _ = writeln!(out, "prompt   {} characters", r.prompt.chars().count());
    if let Some(c) = &r.cost {
        let basis = match &c.image_output_basis {
            crate::cost::Basis::Official => String::from("official price"),
            crate::cost::Basis::Estimated(m) => format!("estimate: {m}"),
            crate::cost::Basis::Unknown(m) => format!("unknown: {m}"),
        };
        let _ = writeln!(
            out,
            "cost     {} per request, {} per image ({basis})",
            crate::cost::usd(c.per_request),
            crate::cost::usd(c.per_image)
        );
    }
    out.push('\n');
    let _ = writeln!(out, "── prompt ──");
    let _ = writeln!(out, "{}\n", r.prompt);
    let _ = writeln!(out, "── payload ──");
    out.push_str(&pretty(body));
    if r.warnings.is_empty() {
        let _ = writeln!(out, "\nno warnings");
    } else {
        let _ = writeln!(out, "\n── warnings ──");
        for w in &r.warnings {
            let _ = writeln!(out, "{}\n", w.render(false));
        }
    }
    out
}

/// The report's last section: the prompt each model family receives for the same brief, the
/// rendering's own family first (`render --emit report`; the playground shows the same).
pub fn family_section(
    r: &Rendering,
    prompts: &[(
        crate::prompt::family::Family,
        Result<String, crate::diagnostic::Diagnostics>,
    )],
    book: &crate::prompt::family::Book,
) -> String {
    let mut out = String::from("\n── the prompt for each model family ──\n");
    let own = r.payload.target.family();
    for (f, prompt) in prompts {
        let rules = book.rules(*f);
        let mark = if *f == own { "  (this request)" } else { "" };
        let _ = writeln!(
            out,
            "\n{} · {} ({}){mark}",
            f,
            rules.name,
            rules.targets.join(", ")
        );
        match prompt {
            Ok(p) => {
                let _ = writeln!(out, "{p}");
            }
            Err(d) => {
                let _ = writeln!(
                    out,
                    "(cannot be written: {})",
                    d.0.first().map_or("", |d| d.message.as_str())
                );
            }
        }
    }
    out
}

/// A period for volume estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Per day.
    Day,
    /// Per week.
    Week,
    /// Per month.
    Month,
}

/// Volume and retry assumptions for `cost`.
#[derive(Debug, Clone, Copy)]
pub struct Volume {
    /// Requests per period (per brief).
    pub requests: u64,
    /// The period.
    pub per: Period,
    /// Fraction of requests retried (0.1 = 10%).
    pub retries: f64,
}

/// The cost of each brief and the totals, as a table.
pub fn cost_table(
    rows: &[(String, crate::cost::Estimate)],
    volume: Volume,
    prices: &crate::cost::PriceTable,
) -> String {
    let name_w = rows
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!(
        "{:<name_w$}  {:<16} {:<7} {:<10} {:>2}  {:>10}  {:>11}  basis\n",
        "brief", "model", "quality", "size", "n", "per image", "per request"
    );
    let mut total = Some(0.0);
    let mut images = 0u64;
    let mut notes: Vec<String> = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    for (name, e) in rows {
        write_cost_row(&mut out, name, e, name_w);
        total = match (total, e.per_request) {
            (Some(t), Some(c)) => Some(t + c),
            _ => None,
        };
        images += u64::from(e.n);
        collect_cost_notes(e, &mut notes, &mut sources);
    }
    write_cost_totals(&mut out, total, images, volume);
    if !notes.is_empty() || !sources.is_empty() {
        let _ = writeln!(out);
    }
    for n in notes {
        let _ = writeln!(out, "note: {n}");
    }
    for s in sources {
        let _ = writeln!(out, "source: {s}");
    }
    let _ = writeln!(out, "currency: {}", prices.currency);
    out
}

/// One brief's line of the cost table, its name padded to `name_w`.
fn write_cost_row(out: &mut String, name: &str, e: &crate::cost::Estimate, name_w: usize) {
    use crate::cost::{Basis, usd};
    let basis = match &e.image_output_basis {
        Basis::Official => String::from("official"),
        Basis::Estimated(m) => format!("estimate: {m}"),
        Basis::Unknown(m) => format!("unknown: {m}"),
    };
    let _ = writeln!(
        out,
        "{name:<name_w$}  {:<16} {:<7} {:<10} {:>2}  {:>10}  {:>11}  {basis}",
        e.model,
        e.quality,
        e.size,
        e.n,
        usd(e.per_image),
        usd(e.per_request)
    );
}

/// Adds the estimate's notes and sources not listed yet, each to its own list, in order.
fn collect_cost_notes(
    e: &crate::cost::Estimate,
    notes: &mut Vec<String>,
    sources: &mut Vec<String>,
) {
    for n in e.notes.iter().chain(&e.sources) {
        let list = if e.sources.contains(n) {
            &mut *sources
        } else {
            &mut *notes
        };
        if !list.contains(n) {
            list.push(n.clone());
        }
    }
}

/// The totals under the cost table: one request per brief, with retries, per period.
fn write_cost_totals(out: &mut String, total: Option<f64>, images: u64, volume: Volume) {
    use crate::cost::usd;
    let per = match volume.per {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    };
    let with_retries = total.map(|t| t * (1.0 + volume.retries));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "one request per brief: {} for {}",
        usd(total),
        plural(images, "image")
    );
    if volume.retries > 0.0 {
        let _ = writeln!(
            out,
            "with {:.0}% retries:    {}",
            volume.retries * 100.0,
            usd(with_retries)
        );
    }
    let _ = writeln!(
        out,
        "{} per brief per {per}: {} per {per} ({})",
        plural(volume.requests, "request"),
        usd(with_retries.map(|t| t * volume.requests as f64)),
        plural(images * volume.requests, "image")
    );
    if total.is_none() {
        let _ = writeln!(out, "totals are unknown: at least one brief has no price");
    }
}

/// The same as JSON.
pub fn cost_json(rows: &[(String, crate::cost::Estimate)], volume: Volume) -> String {
    use crate::cost::money;
    let total: Option<f64> = rows.iter().map(|(_, e)| e.per_request).sum();
    let with_retries = total.map(|t| t * (1.0 + volume.retries));
    let v = serde_json::json!({
        "briefs": rows.iter().map(|(n, e)| serde_json::json!({"brief": n, "estimate": e})).collect::<Vec<_>>(),
        "per_request_set": total.map(money),
        "with_retries": with_retries.map(money),
        "retries": volume.retries,
        "period": volume.per,
        "requests_per_period": volume.requests,
        "per_period": with_retries.map(|t| money(t * volume.requests as f64)),
    });
    pretty(&v)
}

/// The first `max` characters of `s`, each kept when it is an ASCII letter or digit, `-`, `_` or
/// `.`, and made `-` otherwise: safe in a file name or an id on every system.
pub fn file_safe(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(max)
        .collect()
}

/// `n` and the word, plural unless `n` is 1: `1 brief`, `2 briefs`, `0 errors` (for the English
/// words of the summaries, which all take an `s`).
pub fn plural(n: impl TryInto<u64>, word: &str) -> String {
    plural_of(n, word, &format!("{word}s"))
}

/// `n` and `one` or `many`: `1 retry`, `2 retries`.
pub fn plural_of(n: impl TryInto<u64>, one: &str, many: &str) -> String {
    let n: u64 = n.try_into().unwrap_or(u64::MAX);
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}
