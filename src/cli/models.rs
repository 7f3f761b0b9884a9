//! `imgprompt models`: List the models, their limits and lifecycle (and, as JSON, the source of every fact).
use super::output::write_stdout;
use super::{Cli, Failure, OutputFormat, engine};
use crate::validate::models::ModelTable;

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Text or JSON (the merged table, with sources).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

/// Runs `imgprompt models`.
pub(super) fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let Args { format } = args;

    let engine = engine(cli)?;
    let text = match format {
        OutputFormat::Human => models_list(engine.models(), engine.date()),
        OutputFormat::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(engine.models()).expect("table serialises")
        ),
    };
    write_stdout(&text)?;
    Ok(0)
}

fn fact_list(f: &crate::validate::models::Fact<Vec<String>>) -> String {
    match f {
        crate::validate::models::Fact::Known(v) => v.join(", "),
        crate::validate::models::Fact::Unsupported => String::from("not accepted"),
        crate::validate::models::Fact::Unknown => String::from("unknown (no source states it)"),
    }
}

/// The table as text, each model's lifecycle read on `today` (`IMGPROMPT_TODAY` pins it) by
/// the same function `render` uses, so both say "retired" from the shutdown day on.
fn models_list(models: &ModelTable, today: crate::validate::date::Date) -> String {
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
        out.push_str(&model_lines(name, r, name == &models.default_model, today));
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

/// The lines of one model in `imgprompt models`, its lifecycle as it stands on `today`.
fn model_lines(
    name: &str,
    r: &crate::validate::models::ModelRules,
    is_default: bool,
    today: crate::validate::date::Date,
) -> String {
    use crate::validate::models::Fact;
    let mut out = String::new();
    let life = &r.lifecycle;
    let now = life.status_on(today);
    let status = match now {
        crate::validate::models::Status::Current => String::from("current"),
        crate::validate::models::Status::Deprecated => format!(
            "deprecated, shuts down {}",
            life.shutdown.as_deref().unwrap_or("(date not stated)")
        ),
        crate::validate::models::Status::Retired => {
            format!("retired {}", life.shutdown.as_deref().unwrap_or(""))
        }
        crate::validate::models::Status::Unknown => String::from("lifecycle unknown"),
    };
    let default = if is_default { ", default" } else { "" };
    let snapshot = r
        .snapshot_of
        .as_deref()
        .map(|b| format!(", snapshot of {b}"))
        .unwrap_or_default();
    out.push_str(&format!("{name}  [{status}{default}{snapshot}]\n"));
    if let Some(reason) = &life.reason {
        out.push_str(&format!("  note     {reason}\n"));
    }
    if now == crate::validate::models::Status::Retired {
        return out;
    }
    let mut sizes = r.sizes.join(", ");
    match &r.size_rule {
        Fact::Known(rule) => sizes.push_str(&format!(
            "; any WxH with edges multiple of {}, ratio {}..{}, {}..{} pixels, edge ≤ {}",
            rule.multiple_of,
            rule.min_ratio,
            rule.max_ratio,
            rule.min_pixels
                .map(crate::validate::size::group_digits)
                .unwrap_or_else(|| String::from("(floor unknown)")),
            crate::validate::size::group_digits(rule.max_pixels),
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

    out
}
