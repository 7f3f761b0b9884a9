//! The maintainer tasks of imgprompt, never shipped with it: `cargo xtask TASK` (the alias is in
//! `.cargo/config.toml`).
//!
//! - `sync-models [--check] [--root DIR]`: regenerate `data/models.sdk.json` from the official SDK
//!   files vendored under `data/sdk/` ([`sync`]); `--check` only reports whether it is stale.
//!
//! - `json-floor IN OUT`: the floor of the benchmarks (`benches/peers/run.sh`): every line of the
//!   JSONL file `IN` parsed and re-serialised with serde_json alone, on one thread, into `OUT`;
//!   lines that are not JSON are skipped. What no brief pipeline can beat.
//!
//! Exit codes: 0 done (or up to date), 1 stale (`--check`) or an SDK statement not found, 2 usage
//! or I/O error.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod sync;
#[cfg(test)]
mod tests;

const USAGE: &str = "\
usage: cargo xtask sync-models [--check] [--root DIR]
       cargo xtask json-floor IN OUT

  sync-models   regenerate data/models.sdk.json from the official SDK files vendored under
                data/sdk/ (review the diff afterwards)
  --check       only report whether data/models.sdk.json is stale (exit 1 if it is)
  --root DIR    the repository root (default: the folder holding the workspace Cargo.toml,
                found from the current directory up)
  json-floor    the benchmarks' floor: parse and re-serialise every line of IN with serde_json
                alone (one thread), into OUT";

/// A task and its options, from the command line.
#[derive(Debug, PartialEq, Eq)]
enum Task {
    /// `sync-models`.
    SyncModels { check: bool, root: Option<PathBuf> },
    /// `json-floor IN OUT`.
    JsonFloor { input: PathBuf, output: PathBuf },
    /// `help`, `--help`, `-h`.
    Help,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match parse(&args) {
        Ok(Task::Help) => {
            println!("{USAGE}");
            0
        }
        Ok(Task::JsonFloor { input, output }) => json_floor(&input, &output),
        Ok(Task::SyncModels { check, root }) => match root.map_or_else(repository_root, Ok) {
            Ok(root) => sync_models(&root, check),
            Err(e) => {
                eprintln!("error: {e}");
                2
            }
        },
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            2
        }
    };
    ExitCode::from(code)
}

/// Reads the command line (without the program name).
fn parse(args: &[String]) -> Result<Task, String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("sync-models") => {}
        Some("json-floor") => {
            return match (args.next(), args.next(), args.next()) {
                (Some(input), Some(output), None) => Ok(Task::JsonFloor {
                    input: PathBuf::from(input),
                    output: PathBuf::from(output),
                }),
                _ => Err(String::from("`json-floor` takes two files: IN OUT")),
            };
        }
        Some("help" | "--help" | "-h") | None => return Ok(Task::Help),
        Some(other) => return Err(format!("unknown task `{other}`")),
    }
    let (mut check, mut root) = (false, None);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => check = true,
            "--root" => {
                let dir = args.next().ok_or("`--root` needs a folder")?;
                root = Some(PathBuf::from(dir));
            }
            "help" | "--help" | "-h" => return Ok(Task::Help),
            other => return Err(format!("unknown option `{other}` of sync-models")),
        }
    }
    Ok(Task::SyncModels { check, root })
}

/// The repository root: from the current directory up, see [`find_root`].
fn repository_root() -> Result<PathBuf, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    find_root(&cwd).ok_or_else(|| {
        format!(
            "no imgprompt checkout at or above {} (no Cargo.toml with `[workspace]` beside an \
             xtask/ folder): run from the repository or give --root DIR",
            cwd.display()
        )
    })
}

/// The nearest folder, from `start` up, holding the workspace's Cargo.toml: one that declares
/// `[workspace]` and sits beside `xtask/` (so `fuzz/`, a workspace of its own, is never taken).
fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| {
            dir.join("xtask/Cargo.toml").is_file()
                && std::fs::read_to_string(dir.join("Cargo.toml"))
                    .is_ok_and(|t| t.lines().any(|l| l.trim() == "[workspace]"))
        })
        .map(Path::to_path_buf)
}

/// `sync-models`: regenerates (or, with `check`, checks) `data/models.sdk.json` under `root`.
/// Returns the exit code; what happened is said on stderr.
fn sync_models(root: &Path, check: bool) -> u8 {
    let file = sync::GENERATED_FILE;
    let text = match sync::generate_text(root) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error[sync]: {e}\n --> {}", e.file);
            return 1;
        }
    };
    let path = root.join(file);
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    if old == text {
        eprintln!("{file} is up to date");
        return 0;
    }
    if check {
        eprintln!(
            "{file} is stale: run `{}` and review the diff",
            sync::COMMAND
        );
        return 1;
    }
    if let Err(e) = write_atomic(&path, text.as_bytes()) {
        eprintln!("error[io]: cannot write {}: {e}", path.display());
        return 2;
    }
    eprintln!("wrote {file}: review it with `git diff {file}`");
    0
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// failed write never leaves half a file.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

/// `json-floor`: parses and re-serialises every line of `input` into `output`, one thread, with
/// serde_json alone. Returns the exit code.
fn json_floor(input: &Path, output: &Path) -> u8 {
    use std::io::{BufRead, BufWriter, Write};
    let run = || -> std::io::Result<()> {
        let reader = std::io::BufReader::new(std::fs::File::open(input)?);
        let mut out = BufWriter::new(std::fs::File::create(output)?);
        for line in reader.split(b'\n') {
            if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&line?) {
                serde_json::to_writer(&mut out, &value)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()
    };
    match run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error[io]: {e}");
            2
        }
    }
}
