//! Output shared by the commands: standard output (a closed pipe is not an error), files written
//! atomically, the override files, I/O failures.
use std::io::Write;

use super::Failure;
use crate::diagnostic::{Code, Diagnostic};

/// Reads an override file given on the command line: (its name, its text).
pub(super) fn read_override(
    path: Option<&std::path::Path>,
) -> Result<Option<(String, String)>, Failure> {
    let Some(path) = path else { return Ok(None) };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::of(crate::brief::source::io_error(&name, &e)))?;
    Ok(Some((name, text)))
}

pub(super) fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Failure::of(Diagnostic::error(Code::BrokenPipe, "broken pipe"))
            } else {
                Failure::of(Diagnostic::error(
                    Code::Io,
                    format!("cannot write to standard output: {e}"),
                ))
            }
        })
}

pub use crate::emit::atomic::{AtomicFile, write_atomic};

pub(super) fn io_failure(what: &str, e: &std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Failure::of(Diagnostic::error(Code::BrokenPipe, "broken pipe"));
    }
    Failure::of(Diagnostic::error(Code::Io, format!("{what}: {e}")))
}

/// An output file's folder must exist: said before any work is done, naming the folder (the
/// atomic writer's own error would name its temporary file).
pub(super) fn check_output_folder(path: &std::path::Path) -> Result<(), Failure> {
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    match folder {
        Some(f) if !f.is_dir() => Err(Failure::of(
            Diagnostic::error(
                Code::Io,
                format!(
                    "cannot write `{}`: the folder `{}` does not exist",
                    path.display(),
                    f.display()
                ),
            )
            .with_help(format!("create it first: `mkdir -p {}`", f.display())),
        )),
        _ if path.is_dir() => Err(Failure::of(Diagnostic::error(
            Code::Io,
            format!("cannot write `{}`: it is a folder", path.display()),
        ))),
        _ => Ok(()),
    }
}
