//! `imgprompt sync-models`: Maintenance: regenerate data/models.sdk.json from the official SDK files vendored under data/sdk/ (run from a checkout of imgprompt). `--check` only reports whether it is stale.
use super::*;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Report staleness (exit 1) instead of writing.
    #[arg(long)]
    pub check: bool,
    /// The project root (default: the current directory).
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
}

/// Runs `imgprompt sync-models`.
pub fn run(_cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let Args { check, root } = args;

    sync_models(root, *check)
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
