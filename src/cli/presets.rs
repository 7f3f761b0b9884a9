//! `imgprompt presets`: List presets or show one.
use clap::Subcommand;

use super::output::write_stdout;
use super::{Cli, Failure, OutputFormat, engine};
use crate::brief::source::SourceFile;
use crate::diagnostic::Diagnostics;
use crate::engine::Engine;

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(subcommand)]
    pub action: PresetsAction,
}

/// Runs `imgprompt presets`.
pub(super) fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let Args { action } = args;

    let engine = engine(cli)?;
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

fn presets_list(engine: &Engine, format: OutputFormat) -> String {
    let presets: Vec<_> = engine.catalog().iter().collect();
    match format {
        OutputFormat::Json => {
            let items = engine.catalog().listing();
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
        if let Ok(r) = engine.render(&source, &crate::targets::OpenAi) {
            out.push_str("\nexample prompt:\n");
            out.push_str(&format!("  {}\n", r.prompt.replace('\n', "\n  ")));
        }
    }
    out
}

#[derive(Debug, Subcommand)]
pub(super) enum PresetsAction {
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
