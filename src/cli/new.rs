//! `imgprompt new`: Scaffold something new.
use std::path::PathBuf;

use clap::Subcommand;

use super::output::{io_failure, write_stdout};
use super::{Cli, Failure, engine, warn_catalog};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::engine::Engine;
use crate::preset::catalog::Catalog;

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(subcommand)]
    pub what: NewWhat,
}

/// Runs `imgprompt new`.
pub(super) fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let (name, from, dir) = match &args.what {
        NewWhat::Preset { name, from, dir } => (name, from, dir),
        NewWhat::Brief {
            file,
            preset,
            schema,
        } => return new_brief(cli, file.as_deref(), preset, schema.as_deref()),
    };

    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        return Err(Failure::of(
            Diagnostic::error(Code::Usage, format!("`{name}` is not a valid preset name"))
                .with_help("use letters, digits, `-` and `_`"),
        ));
    }
    let folder = dir.join(name);
    if folder.exists() {
        return Err(Failure::of(Diagnostic::error(
            Code::Usage,
            format!("`{}` already exists", folder.display()),
        )));
    }
    let base = engine(cli)?;
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
        crate::preset::scaffold::preset_files(name, parent.as_deref());
    let io = |e: std::io::Error| io_failure(&format!("cannot create `{}`", folder.display()), &e);
    std::fs::create_dir_all(folder.join("fixtures/snapshots")).map_err(io)?;
    std::fs::write(folder.join("preset.yaml"), manifest).map_err(io)?;
    std::fs::write(folder.join("prompt.tera"), template).map_err(io)?;
    let fixture_path = folder.join("fixtures/example.yaml");
    std::fs::write(&fixture_path, fixture).map_err(io)?;
    // render the fixture with the new preset and accept its first snapshot
    let mut dirs = Catalog::search_path(&cli.presets);
    dirs.push(crate::preset::catalog::SearchDir::explicit(folder.clone()));
    let catalog = Catalog::load_search(&dirs).map_err(Failure::invalid)?;
    warn_catalog(&catalog, cli.color);
    let engine = Engine::with(catalog, base.models().clone());
    let snap = folder.join("fixtures/snapshots/example.snap");
    if let crate::lint::fixtures::Outcome::Invalid(d) =
        crate::lint::fixtures::run_one(&engine, &crate::targets::OpenAi, &fixture_path, &snap, true)
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

/// `imgprompt new brief`: the starter brief on stdout, or in FILE with the brief schema beside it
/// (`brief.schema.json`, unless `--schema` names another) for the modeline to find.
fn new_brief(
    cli: &Cli,
    file: Option<&std::path::Path>,
    preset: &str,
    schema: Option<&str>,
) -> Result<u8, Failure> {
    let engine = engine(cli)?;
    let p = engine
        .catalog()
        .get(preset)
        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    let text = crate::preset::scaffold::starter_brief(p, schema.unwrap_or(SCHEMA_FILE));
    let Some(file) = file.filter(|f| f.as_os_str() != "-") else {
        write_stdout(&text)?;
        return Ok(0);
    };
    if crate::brief::source::Format::from_path(file) == Some(crate::brief::source::Format::Json) {
        return Err(Failure::of(
            Diagnostic::error(
                Code::Usage,
                format!(
                    "`{}`: a starter brief is YAML (it carries comments)",
                    file.display()
                ),
            )
            .with_help("name it `.yaml`; `imgprompt render` reads YAML and JSON alike"),
        ));
    }
    super::output::check_output_folder(file)?;
    if file.exists() {
        return Err(Failure::of(
            Diagnostic::error(Code::Usage, format!("`{}` already exists", file.display()))
                .with_help("name a new file, or remove this one first"),
        ));
    }
    let mut made = vec![file.to_path_buf()];
    if schema.is_none() {
        let beside = file
            .parent()
            .unwrap_or(std::path::Path::new(""))
            .join(SCHEMA_FILE);
        if !beside.exists() {
            let mut json = serde_json::to_string_pretty(&crate::brief::schema()).expect("schema");
            json.push('\n');
            super::output::write_atomic(&beside, json.as_bytes())
                .map_err(|e| io_failure(&format!("cannot write `{}`", beside.display()), &e))?;
            made.push(beside);
        }
    }
    super::output::write_atomic(file, text.as_bytes())
        .map_err(|e| io_failure(&format!("cannot write `{}`", file.display()), &e))?;
    let mut out = String::new();
    for f in &made {
        out.push_str(&format!("created {}\n", f.display()));
    }
    out.push_str(&format!(
        "next: edit {0}, then run `imgprompt render {0} --emit prompt`\n",
        file.display()
    ));
    write_stdout(&out)?;
    Ok(0)
}

/// The brief schema's file name, beside a new brief.
const SCHEMA_FILE: &str = "brief.schema.json";

#[derive(Debug, Subcommand)]
pub(super) enum NewWhat {
    /// A commented starter brief (YAML) with the editor's JSON Schema modeline: on standard
    /// output, or in FILE with `brief.schema.json` beside it.
    Brief {
        /// Where to write it, a `.yaml` file (refused if it exists); standard output when left
        /// out or `-`.
        file: Option<PathBuf>,
        /// The preset it is for (`imgprompt presets list`).
        #[arg(long, default_value = "basic")]
        preset: String,
        /// The schema the modeline names (a path or URL); nothing is written beside the brief.
        #[arg(long, value_name = "PATH_OR_URL")]
        schema: Option<String>,
    },
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
