//! `imgprompt styles`: list, show and import style libraries.
use std::path::PathBuf;

use clap::Subcommand;

use super::output::{io_failure, write_atomic, write_stdout};
use super::{Cli, Failure};
use crate::diagnostic::Diagnostics;

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(subcommand)]
    pub action: StylesAction,
}

#[derive(Debug, Subcommand)]
pub(super) enum StylesAction {
    /// Every style, with its pack.
    List,
    /// One style: its fragments, and what it adds to a brief.
    Show {
        /// The style name.
        name: String,
    },
    /// Convert a style file of another tool into a pack under `--dir` (default `styles/`).
    #[command(
        after_help = "Formats: fooocus (sdxl_styles/*.json), a1111 (styles.csv), styler (SDXL Prompt Styler JSON).\nThe file is read on your machine; imgprompt ships none of these tools' styles.\nExample:\n  imgprompt styles import ~/Fooocus/sdxl_styles/sdxl_styles_fooocus.json --format fooocus --pack fooocus"
    )]
    Import {
        /// The file to import.
        file: PathBuf,
        /// Its format.
        #[arg(long, value_enum)]
        format: crate::preset::styles::ImportFormat,
        /// The pack name (default: the file stem).
        #[arg(long)]
        pack: Option<String>,
        /// Where the pack is written.
        #[arg(long, default_value = "styles")]
        dir: PathBuf,
    },
}

/// Runs `imgprompt styles`.
pub(super) fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let load = || {
        crate::preset::styles::Library::load(&crate::preset::styles::Library::search_path(
            &cli.styles,
        ))
        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))
    };
    match &args.action {
        StylesAction::List => {
            let lib = load()?;
            let width = lib.iter().map(|(s, _)| s.name.len()).max().unwrap_or(0);
            let mut text = String::new();
            for (s, pack) in lib.iter() {
                text.push_str(&format!("{:<width$}  {pack}  {}\n", s.name, s.prompt));
            }
            write_stdout(&text)?;
        }
        StylesAction::Show { name } => {
            let lib = load()?;
            let s = lib
                .get(name)
                .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
            write_stdout(&format!(
                "{}\n  prompt: {}\n  negative: {}\n  adds to style.details: {}\n  adds to avoid: {}\n",
                s.name,
                s.prompt,
                s.negative_prompt,
                crate::preset::styles::positive_phrases(s).join("; "),
                crate::preset::styles::negative_items(s).join(", ")
            ))?;
        }
        StylesAction::Import {
            file,
            format,
            pack,
            dir,
        } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| io_failure(&format!("cannot read `{}`", file.display()), &e))?;
            let imported = crate::preset::styles::import(&text, *format).map_err(|d| {
                Failure::invalid(Diagnostics(vec![d.in_file(file.display().to_string())]))
            })?;
            let name = pack.clone().unwrap_or_else(|| {
                file.file_stem().map_or_else(
                    || String::from("imported"),
                    |s| s.to_string_lossy().into_owned(),
                )
            });
            let out = crate::preset::styles::Pack {
                pack: name.clone(),
                source: format!("imported from {} ({format:?})", file.display()),
                license: String::from("as the source file's; check it before sharing"),
                styles: imported.styles,
            };
            std::fs::create_dir_all(dir)
                .map_err(|e| io_failure(&format!("cannot create `{}`", dir.display()), &e))?;
            let path = dir.join(format!("{name}.json"));
            let json = serde_json::to_string_pretty(&out).expect("pack serialises") + "\n";
            write_atomic(&path, json.as_bytes())
                .map_err(|e| io_failure(&format!("cannot write `{}`", path.display()), &e))?;
            eprintln!(
                "imported {} styles into {}",
                out.styles.len(),
                path.display()
            );
            for u in &imported.unmapped {
                eprintln!("  not mapped: {u}");
            }
        }
    }
    Ok(0)
}
