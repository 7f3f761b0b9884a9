//! Files written atomically: through a temporary sibling and a rename, so a crash never leaves a
//! half-written file behind (devices and pipes are written in place; links are followed).
use std::io::Write;
use std::path::{Path, PathBuf};

/// The buffer in front of the file being written.
const BUFFER: usize = 1 << 16;

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a
/// crash never leaves a half-written file behind.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
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
    sink: Sink,
}

/// Where the bytes of an [`AtomicFile`] go.
#[derive(Debug)]
enum Sink {
    /// A device or a pipe, opened for writing.
    InPlace(std::io::BufWriter<std::fs::File>),
    /// A temporary sibling (removed when dropped), persisted over `target` on commit.
    Replace {
        target: PathBuf,
        tmp: std::io::BufWriter<tempfile::NamedTempFile>,
    },
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let target = match std::fs::metadata(path) {
            // a device, a pipe: written in place (a folder fails on the rename, with its own error)
            Ok(meta) if !meta.is_file() && !meta.is_dir() => {
                let file = std::fs::OpenOptions::new().write(true).open(path)?;
                let sink = Sink::InPlace(std::io::BufWriter::with_capacity(BUFFER, file));
                return Ok(AtomicFile { sink });
            }
            // an existing file, maybe behind links: replace the file itself
            Ok(meta) if meta.is_file() => std::fs::canonicalize(path)?,
            _ => path.to_path_buf(),
        };
        let tmp = temporary_sibling(&target)?;
        let tmp = std::io::BufWriter::with_capacity(BUFFER, tmp);
        Ok(AtomicFile {
            sink: Sink::Replace { target, tmp },
        })
    }

    /// The writer.
    pub fn writer(&mut self) -> &mut dyn Write {
        match &mut self.sink {
            Sink::InPlace(file) => file,
            Sink::Replace { tmp, .. } => tmp,
        }
    }

    /// Flushes, syncs and renames into place (a device or pipe: flushes).
    pub fn commit(self) -> std::io::Result<()> {
        match self.sink {
            Sink::InPlace(mut file) => file.flush(),
            Sink::Replace { target, tmp } => {
                let tmp = tmp.into_inner().map_err(|e| e.into_error())?;
                tmp.as_file().sync_all()?;
                tmp.persist(&target)?;
                Ok(())
            }
        }
    }
}

/// A new temporary file `.<name>.<random>.tmp` next to `target`, with the permissions a plainly
/// created file gets (`0666` less the umask, not `tempfile`'s private `0600`).
fn temporary_sibling(target: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}
