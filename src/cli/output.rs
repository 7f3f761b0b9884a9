//! Output shared by the commands: standard output (a closed pipe is not an error), files written
//! atomically, the override files, I/O failures.
use super::*;

/// Reads an override file given on the command line: (its name, its text).
pub(super) fn read_override(
    path: Option<&std::path::Path>,
) -> Result<Option<(String, String)>, Failure> {
    let Some(path) = path else { return Ok(None) };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(crate::source::io_error(&name, &e)))?;
    Ok(Some((name, text)))
}

pub(super) fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Failure::usage(Diagnostic::error("broken-pipe", "broken pipe"))
            } else {
                Failure::usage(Diagnostic::error(
                    "io",
                    format!("cannot write to standard output: {e}"),
                ))
            }
        })
}

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a
/// crash never leaves a half-written file behind.
pub fn write_atomic(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.writer().write_all(contents)?;
    file.commit()
}

/// A file written through a temporary sibling and renamed into place on `commit`; dropped
/// uncommitted, the temporary file is removed and the target is untouched.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    writer: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &std::path::Path) -> std::io::Result<Self> {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let file = std::fs::File::create(&tmp)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            writer: Some(std::io::BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut dyn Write {
        self.writer.as_mut().expect("not committed")
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> std::io::Result<()> {
        let w = self.writer.take().expect("not committed");
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&self.tmp, &self.path)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

pub(super) fn io_failure(what: &str, e: &std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Failure::usage(Diagnostic::error("broken-pipe", "broken pipe"));
    }
    Failure::usage(Diagnostic::error("io", format!("{what}: {e}")))
}
