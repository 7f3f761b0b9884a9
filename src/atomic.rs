//! Files written atomically: through a temporary sibling and a rename, so a crash never leaves a
//! half-written file behind (devices and pipes are written in place; links are followed).
use std::io::Write;
use std::path::PathBuf;

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a
/// crash never leaves a half-written file behind.
pub fn write_atomic(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.writer().write_all(contents)?;
    file.commit()
}

/// A file written through a temporary sibling and renamed into place on `commit`; dropped
/// uncommitted, the temporary file is removed and the target is untouched.
///
/// Only a regular file (or a new path) is replaced that way. A path that is something else — a
/// device such as `/dev/null` or `/dev/stdout`, a named pipe — is written in place: renaming over
/// it would replace the device with a plain file. A symbolic link is followed: the file it points
/// to is replaced, the link stays.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    /// The temporary sibling, when the target is replaced by a rename.
    tmp: Option<PathBuf>,
    writer: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &std::path::Path) -> std::io::Result<Self> {
        let path = match std::fs::metadata(path) {
            // a device, a pipe: written in place (a folder fails to open, with its own error)
            Ok(meta) if !meta.is_file() && !meta.is_dir() => {
                let file = std::fs::OpenOptions::new().write(true).open(path)?;
                return Ok(AtomicFile {
                    path: path.to_path_buf(),
                    tmp: None,
                    writer: Some(std::io::BufWriter::with_capacity(1 << 16, file)),
                });
            }
            // an existing file, maybe behind links: replace the file itself
            Ok(meta) if meta.is_file() => std::fs::canonicalize(path)?,
            _ => path.to_path_buf(),
        };
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
            path,
            tmp: Some(tmp),
            writer: Some(std::io::BufWriter::with_capacity(1 << 16, file)),
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut dyn Write {
        self.writer.as_mut().expect("not committed")
    }

    /// Flushes, syncs and renames into place (a device or pipe: flushes).
    pub fn commit(mut self) -> std::io::Result<()> {
        let w = self.writer.take().expect("not committed");
        let file = w.into_inner().map_err(|e| e.into_error())?;
        match self.tmp.take() {
            Some(tmp) => {
                file.sync_all()?;
                std::fs::rename(&tmp, &self.path)
            }
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let (Some(_), Some(tmp)) = (&self.writer, &self.tmp) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}
