//! Reading user folders — preset folders (manifest, templates, example, fixtures, snapshots) and
//! style folders — without being led anywhere else. One set of rules for every such folder:
//!
//! - an entry is judged by its own metadata (`symlink_metadata`, the directory entry's type),
//!   never by opening it: a FIFO, a socket or a device is refused by name before anything could
//!   block on it or read from it;
//! - a regular file is read when it is at most [`Limits::max_file_bytes`] long (and reading
//!   stops one byte past the cap, should it grow meanwhile);
//! - a symbolic link is followed only when it resolves (canonicalized) to a regular file inside
//!   the same root; a link to a folder, out of the root, to a special file or to nothing is
//!   refused. The root itself may be reached through links;
//! - a walk descends at most [`Limits::max_depth`] folders below its root and looks at most at
//!   [`Limits::max_entries`] entries, stopping at the first one over;
//! - names starting with `.` (`.git`, editor lock files such as `.#prompt.tera`) are skipped
//!   unread.
//!
//! Entries the caller does not want (by name) are never looked at further, so a stray socket or
//! a dangling link named `notes` does not break a folder. Every refusal is an [`Error`] naming
//! the path and, for a cap, the limit.
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};

/// The largest file read from a preset folder: 1 MiB.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// The largest style pack read from a style folder: 16 MiB (imported community libraries run to
/// a few MiB).
pub const MAX_PACK_BYTES: u64 = 16 << 20;

/// The most entries one walk looks at: one preset folder, one search root, one style folder.
pub const MAX_ENTRIES: usize = 1_000;

/// The deepest folder a walk enters below its root.
pub const MAX_DEPTH: usize = 8;

/// Caps on one walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest file, in bytes.
    pub max_file_bytes: u64,
    /// The most entries looked at (files, folders and skipped ones alike).
    pub max_entries: usize,
    /// The deepest folder entered below the root (0: the root's own entries only).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: MAX_FILE_BYTES,
            max_entries: MAX_ENTRIES,
            max_depth: MAX_DEPTH,
        }
    }
}

/// What a walk asks its caller about an entry, from the entry's relative path alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A file (or something else that is not a folder): keep it?
    File,
    /// A folder: descend into it?
    Dir,
}

/// A file a walk kept, checked but not yet read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Where it was found (under the root as given).
    pub path: PathBuf,
    /// Its path relative to the root, `/`-separated.
    pub rel: String,
    /// The path to read: `path` itself, or a link's resolved target (a regular file in the root).
    pub resolved: PathBuf,
}

/// Why a path was refused or could not be read.
#[derive(Debug)]
pub enum Error {
    /// A symbolic link that does not lead to a regular file inside the root.
    Link {
        /// The link.
        path: PathBuf,
        /// What it leads to, as a phrase ("to a folder", "to `/etc/passwd`, outside `…`").
        reason: String,
    },
    /// A FIFO, socket or device: never opened.
    Special {
        /// The entry.
        path: PathBuf,
        /// What it is ("FIFO (named pipe)", "socket", …).
        kind: &'static str,
    },
    /// A file over the size cap.
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (at least), in bytes.
        size: u64,
        /// The cap, in bytes.
        limit: u64,
    },
    /// A walk that met more entries than its cap.
    TooMany {
        /// The root of the walk.
        path: PathBuf,
        /// The cap.
        limit: usize,
    },
    /// A folder nested deeper than the cap.
    TooDeep {
        /// The folder.
        path: PathBuf,
        /// The cap.
        limit: usize,
    },
    /// A file that is not UTF-8 text.
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// Any other failure of the file system.
    Io {
        /// The path.
        path: PathBuf,
        /// The failure.
        error: std::io::Error,
    },
}

impl Error {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Error::Link { path, .. }
            | Error::Special { path, .. }
            | Error::TooLarge { path, .. }
            | Error::TooMany { path, .. }
            | Error::TooDeep { path, .. }
            | Error::NotUtf8 { path }
            | Error::Io { path, .. } => path,
        }
    }

    /// True when the path does not exist (only an [`Error::Io`] can say so).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound)
    }

    /// The error as a diagnostic in the path's file: code `io` for a file-system failure (exit
    /// code 2 on the command line), `refused-file` for a link or special file, `over-limit` for
    /// a cap, `not-utf8` for a file that is not text.
    pub fn diagnostic(&self) -> Diagnostic {
        let code = match self {
            Error::Link { .. } | Error::Special { .. } => Code::RefusedFile,
            Error::TooLarge { .. } | Error::TooMany { .. } | Error::TooDeep { .. } => {
                Code::OverLimit
            }
            Error::NotUtf8 { .. } => Code::NotUtf8,
            Error::Io { .. } => Code::Io,
        };
        let help = match self {
            Error::Link { .. } => {
                Some("copy the file into the folder, or point the link at a regular file inside it")
            }
            Error::Special { .. } => Some("remove it, or rename it so it is not taken for one"),
            Error::TooLarge { .. } | Error::TooMany { .. } | Error::TooDeep { .. } => {
                Some("the limits are fixed: shrink the file or split the folder")
            }
            Error::NotUtf8 { .. } | Error::Io { .. } => None,
        };
        Diagnostic::error(code, self.to_string())
            .in_file(self.path().display().to_string())
            .with_help_opt(help.map(str::to_string))
    }

    /// The same error, about `path` (a link's own path rather than its target's).
    fn at(self, path: &Path) -> Error {
        let path = path.to_path_buf();
        match self {
            Error::TooLarge { size, limit, .. } => Error::TooLarge { path, size, limit },
            Error::NotUtf8 { .. } => Error::NotUtf8 { path },
            Error::Io { error, .. } => Error::Io { path, error },
            other => other,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.path().display();
        match self {
            Error::Link { reason, .. } => write!(
                f,
                "`{p}` is a symbolic link {reason}: links are followed only to a regular file inside the same folder"
            ),
            Error::Special { kind, .. } => {
                write!(f, "`{p}` is a {kind}, not a regular file: it is not opened")
            }
            Error::TooLarge { size, limit, .. } => write!(
                f,
                "`{p}` is {size} bytes, over the limit of {limit} bytes ({}) per file",
                human(*limit)
            ),
            Error::TooMany { limit, .. } => {
                write!(
                    f,
                    "`{p}` holds more than {limit} entries (the limit per folder)"
                )
            }
            Error::TooDeep { limit, .. } => write!(
                f,
                "`{p}` is nested more than {limit} folders deep (the limit)"
            ),
            Error::NotUtf8 { .. } => write!(f, "`{p}` is not UTF-8 text"),
            Error::Io { error, .. } => write!(f, "cannot read `{p}`: {error}"),
        }
    }
}

impl std::error::Error for Error {}

/// `1048576` → `1 MiB`.
fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

fn io(path: &Path, error: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        error,
    }
}

/// What a file type that is neither a file, a folder nor a link is.
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "FIFO (named pipe)";
        }
        if ft.is_socket() {
            return "socket";
        }
        if ft.is_block_device() {
            return "block device";
        }
        if ft.is_char_device() {
            return "character device";
        }
    }
    let _ = ft;
    "special file"
}

/// Reads the regular file at `path` as UTF-8, at most `max_bytes` long. Anything else — a link,
/// a folder, a FIFO, a socket, a device — is refused from its metadata, before it is opened.
pub fn read_regular(path: &Path, max_bytes: u64) -> Result<String, Error> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| io(path, e))?;
    let ft = meta.file_type();
    if ft.is_symlink() {
        return Err(Error::Link {
            path: path.to_path_buf(),
            reason: String::from("(read as a file, it is not followed)"),
        });
    }
    if ft.is_dir() {
        return Err(io(path, std::io::Error::other("a folder, not a file")));
    }
    if !ft.is_file() {
        return Err(Error::Special {
            path: path.to_path_buf(),
            kind: special_kind(&ft),
        });
    }
    if meta.len() > max_bytes {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            limit: max_bytes,
        });
    }
    let file = std::fs::File::open(path).map_err(|e| io(path, e))?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // the file may have grown since its metadata was read: one byte past the cap is enough to know
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| io(path, e))?;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > max_bytes {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            size,
            limit: max_bytes,
        });
    }
    String::from_utf8(bytes).map_err(|_| Error::NotUtf8 {
        path: path.to_path_buf(),
    })
}

/// Reads a file a walk kept (through its resolved path); errors name the path it was found at.
pub fn read_entry(entry: &Entry, max_bytes: u64) -> Result<String, Error> {
    read_regular(&entry.resolved, max_bytes).map_err(|e| e.at(&entry.path))
}

/// Reads `path`, which must be a regular file (or a link to one) inside `root`, its folder
/// inside `root` too (a linked folder on the way out is refused).
pub fn read_in(root: &Path, path: &Path, max_bytes: u64) -> Result<String, Error> {
    let root = canonical(root)?;
    inside(&root, path)?;
    let meta = std::fs::symlink_metadata(path).map_err(|e| io(path, e))?;
    let resolved = vet(&root, path, &meta, max_bytes)?;
    read_regular(&resolved, max_bytes).map_err(|e| e.at(path))
}

/// Checks that `path` may be written without being led out of `root`: its folder (which must
/// exist) resolves inside `root`, and `path`, if it exists, is a regular file, not a link.
pub fn writable_in(root: &Path, path: &Path) -> Result<(), Error> {
    let root = canonical(root)?;
    inside(&root, path)?;
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(path, e)),
        Ok(meta) if meta.file_type().is_file() => Ok(()),
        Ok(meta) if meta.file_type().is_symlink() => Err(Error::Link {
            path: path.to_path_buf(),
            reason: String::from("(it is not written through)"),
        }),
        Ok(meta) => Err(Error::Special {
            path: path.to_path_buf(),
            kind: special_kind(&meta.file_type()),
        }),
    }
}

/// `root`, canonicalized.
fn canonical(root: &Path) -> Result<PathBuf, Error> {
    std::fs::canonicalize(root).map_err(|e| io(root, e))
}

/// Checks that the folder of `path` resolves inside the canonical `root`.
fn inside(root: &Path, path: &Path) -> Result<(), Error> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let folder = canonical(parent)?;
    if folder.starts_with(root) {
        return Ok(());
    }
    Err(Error::Link {
        path: parent.to_path_buf(),
        reason: format!("to `{}`, outside `{}`", folder.display(), root.display()),
    })
}

/// The path to read `path` from, judged by its own metadata `meta`: itself when it is a regular
/// file within the size cap, a link's target when that is a regular file inside the canonical
/// `root` within the cap; an error for anything else.
fn vet(
    root: &Path,
    path: &Path,
    meta: &std::fs::Metadata,
    max_bytes: u64,
) -> Result<PathBuf, Error> {
    let ft = meta.file_type();
    let too_large = |size: u64| Error::TooLarge {
        path: path.to_path_buf(),
        size,
        limit: max_bytes,
    };
    if ft.is_file() {
        return if meta.len() > max_bytes {
            Err(too_large(meta.len()))
        } else {
            Ok(path.to_path_buf())
        };
    }
    if ft.is_dir() {
        return Err(io(path, std::io::Error::other("a folder, not a file")));
    }
    if !ft.is_symlink() {
        return Err(Error::Special {
            path: path.to_path_buf(),
            kind: special_kind(&ft),
        });
    }
    let link = |reason: String| Error::Link {
        path: path.to_path_buf(),
        reason,
    };
    // canonicalize resolves every link on the way (a loop is an error) and opens nothing
    let target =
        std::fs::canonicalize(path).map_err(|e| link(format!("that leads nowhere ({e})")))?;
    if !target.starts_with(root) {
        return Err(link(format!(
            "to `{}`, outside `{}`",
            target.display(),
            root.display()
        )));
    }
    let tmeta = std::fs::symlink_metadata(&target).map_err(|e| io(&target, e))?;
    let tft = tmeta.file_type();
    if tft.is_dir() {
        return Err(link(String::from("to a folder")));
    }
    if !tft.is_file() {
        return Err(link(format!("to a {}", special_kind(&tft))));
    }
    if tmeta.len() > max_bytes {
        return Err(too_large(tmeta.len()));
    }
    Ok(target)
}

/// Every entry directly in `dir` whose name does not start with `.`, sorted, at most
/// `limits.max_entries` of them (an error past that). Nothing is opened or followed.
pub fn list_dir(dir: &Path, limits: &Limits) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut seen = 0usize;
    for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
        let entry = entry.map_err(|e| io(dir, e))?;
        seen += 1;
        if seen > limits.max_entries {
            return Err(Error::TooMany {
                path: dir.to_path_buf(),
                limit: limits.max_entries,
            });
        }
        if !entry.file_name().to_string_lossy().starts_with('.') {
            out.push(entry.path());
        }
    }
    out.sort();
    Ok(out)
}

/// Every file under `root` that `keep` wants, in path order, each checked (a regular file, or a
/// link to a regular file inside `root`, within the size cap) but not read. `keep(rel,
/// Kind::Dir)` says whether to descend into a folder, `keep(rel, Kind::File)` whether to keep a
/// file; `rel` is `/`-separated, relative to `root`. A link whose name `keep` wants as a file is
/// vetted; a link to a folder that `keep` would enter is refused (folders are never followed);
/// any other link is left alone.
pub fn walk(
    root: &Path,
    limits: &Limits,
    keep: &dyn Fn(&str, Kind) -> bool,
) -> Result<Vec<Entry>, Error> {
    let mut walker = Walker {
        root,
        canonical: canonical(root)?,
        limits,
        keep,
        seen: 0,
        out: Vec::new(),
    };
    walker.dir(root, 0)?;
    Ok(walker.out)
}

struct Walker<'a> {
    root: &'a Path,
    canonical: PathBuf,
    limits: &'a Limits,
    keep: &'a dyn Fn(&str, Kind) -> bool,
    seen: usize,
    out: Vec<Entry>,
}

impl Walker<'_> {
    fn dir(&mut self, dir: &Path, depth: usize) -> Result<(), Error> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io(dir, e))? {
            let entry = entry.map_err(|e| io(dir, e))?;
            self.seen += 1;
            if self.seen > self.limits.max_entries {
                return Err(Error::TooMany {
                    path: self.root.to_path_buf(),
                    limit: self.limits.max_entries,
                });
            }
            if !entry.file_name().to_string_lossy().starts_with('.') {
                entries.push(entry);
            }
        }
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            self.entry(&entry, depth)?;
        }
        Ok(())
    }

    fn entry(&mut self, entry: &std::fs::DirEntry, depth: usize) -> Result<(), Error> {
        let path = entry.path();
        let rel = path
            .strip_prefix(self.root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        // the entry's own type: a link is not followed to find it
        let ft = entry.file_type().map_err(|e| io(&path, e))?;
        if ft.is_dir() {
            if !(self.keep)(&rel, Kind::Dir) {
                return Ok(());
            }
            if depth >= self.limits.max_depth {
                return Err(Error::TooDeep {
                    path,
                    limit: self.limits.max_depth,
                });
            }
            return self.dir(&path, depth + 1);
        }
        if !(self.keep)(&rel, Kind::File) {
            // `metadata` follows the link without opening anything; a loop is an error, not a hang
            if ft.is_symlink()
                && std::fs::metadata(&path).is_ok_and(|m| m.is_dir())
                && (self.keep)(&rel, Kind::Dir)
            {
                return Err(Error::Link {
                    path,
                    reason: String::from("to a folder (folders are not followed)"),
                });
            }
            return Ok(());
        }
        let meta = std::fs::symlink_metadata(&path).map_err(|e| io(&path, e))?;
        let resolved = vet(&self.canonical, &path, &meta, self.limits.max_file_bytes)?;
        self.out.push(Entry {
            path,
            rel,
            resolved,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder under the temp dir, removed when dropped.
    struct Temp(PathBuf);

    impl Temp {
        fn new(name: &str) -> Temp {
            let dir = std::env::temp_dir()
                .join(format!("imgprompt-safe-fs-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            Temp(dir)
        }

        fn file(&self, rel: &str, text: &str) -> PathBuf {
            let path = self.0.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("dir");
            }
            std::fs::write(&path, text).expect("write");
            path
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn all(_: &str, _: Kind) -> bool {
        true
    }

    fn rels(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.rel.as_str()).collect()
    }

    #[test]
    fn walks_regular_files_in_order_and_skips_dot_names() {
        let t = Temp::new("order");
        t.file("b.tera", "b");
        t.file("a/c.tera", "c");
        t.file(".hidden.tera", "x");
        t.file(".git/config", "x");
        t.file("fixtures/f.yaml", "x");
        let keep = |rel: &str, kind: Kind| match kind {
            Kind::Dir => rel != "fixtures",
            Kind::File => rel.ends_with(".tera"),
        };
        let found = walk(&t.0, &Limits::default(), &keep).expect("walk");
        assert_eq!(rels(&found), ["a/c.tera", "b.tera"]);
        assert_eq!(read_entry(&found[1], 10).expect("read"), "b");
    }

    #[test]
    fn caps_are_errors_naming_path_and_limit() {
        let t = Temp::new("caps");
        t.file("big.tera", &"x".repeat(2048));
        let limits = Limits {
            max_file_bytes: 1024,
            ..Limits::default()
        };
        let e = walk(&t.0, &limits, &all).expect_err("too large");
        assert!(
            matches!(
                e,
                Error::TooLarge {
                    size: 2048,
                    limit: 1024,
                    ..
                }
            ),
            "{e}"
        );
        assert!(
            e.to_string().contains("big.tera") && e.to_string().contains("1 KiB"),
            "{e}"
        );
        assert!(matches!(
            read_regular(&t.0.join("big.tera"), 1024),
            Err(Error::TooLarge { .. })
        ));

        let t = Temp::new("many");
        for i in 0..5 {
            t.file(&format!("f{i}.tera"), "x");
        }
        let limits = Limits {
            max_entries: 4,
            ..Limits::default()
        };
        let e = walk(&t.0, &limits, &all).expect_err("too many");
        assert!(matches!(e, Error::TooMany { limit: 4, .. }), "{e}");
        assert!(matches!(
            list_dir(&t.0, &limits),
            Err(Error::TooMany { .. })
        ));

        let t = Temp::new("deep");
        t.file("1/2/3/x.tera", "x");
        let limits = Limits {
            max_depth: 2,
            ..Limits::default()
        };
        let e = walk(&t.0, &limits, &all).expect_err("too deep");
        assert!(
            matches!(&e, Error::TooDeep { limit: 2, path } if path.ends_with("1/2/3")),
            "{e}"
        );
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert_eq!(
            rels(&walk(&t.0, &limits, &all).expect("walk")),
            ["1/2/3/x.tera"]
        );
    }

    #[test]
    fn not_utf8_is_an_error() {
        let t = Temp::new("utf8");
        let p = t.0.join("bad.tera");
        std::fs::write(&p, [0xFFu8, 0xFE]).expect("write");
        assert!(matches!(read_regular(&p, 100), Err(Error::NotUtf8 { .. })));
    }

    #[cfg(unix)]
    #[test]
    fn links_only_to_regular_files_inside_the_root() {
        use std::os::unix::fs::symlink;
        let t = Temp::new("links");
        t.file("main.tera", "main");
        symlink("main.tera", t.0.join("alias.tera")).expect("link");
        let found = walk(&t.0, &Limits::default(), &all).expect("walk");
        assert_eq!(rels(&found), ["alias.tera", "main.tera"]);
        assert_eq!(read_entry(&found[0], 100).expect("read"), "main");
        assert!(found[0].resolved.ends_with("main.tera"));

        for (name, target) in [
            ("out.tera", "/etc/passwd"),
            ("zero.tera", "/dev/zero"),
            ("nowhere.tera", "missing"),
            ("self.tera", "self.tera"),
        ] {
            let t = Temp::new("bad-link");
            symlink(target, t.0.join(name)).expect("link");
            let e = walk(&t.0, &Limits::default(), &all).expect_err(name);
            assert!(matches!(e, Error::Link { .. }), "{name}: {e}");
            assert!(e.to_string().contains(name), "{e}");
            assert_eq!(e.diagnostic().code, "refused-file");
        }
    }

    #[cfg(unix)]
    #[test]
    fn linked_folders_are_never_followed() {
        use std::os::unix::fs::symlink;
        let t = Temp::new("loop");
        t.file("prompt.tera", "x");
        symlink(".", t.0.join("a")).expect("link");
        symlink(".", t.0.join("b")).expect("link");
        let e = walk(&t.0, &Limits::default(), &all).expect_err("loop");
        assert!(
            matches!(&e, Error::Link { path, .. } if path.ends_with("a")),
            "{e}"
        );
        // a folder the caller would not enter is left alone
        let keep = |rel: &str, kind: Kind| kind == Kind::File && rel.ends_with(".tera");
        assert_eq!(
            rels(&walk(&t.0, &Limits::default(), &keep).expect("walk")),
            ["prompt.tera"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_unopened() {
        let t = Temp::new("special");
        let fifo = t.0.join("pipe.tera");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let sock = t.0.join("sock.tera");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).expect("socket");
        let e = walk(&t.0, &Limits::default(), &all).expect_err("fifo");
        assert!(
            matches!(
                e,
                Error::Special {
                    kind: "FIFO (named pipe)",
                    ..
                }
            ),
            "{e}"
        );
        assert!(matches!(
            read_regular(&fifo, 10),
            Err(Error::Special { .. })
        ));
        assert!(matches!(
            read_regular(&sock, 10),
            Err(Error::Special { kind: "socket", .. })
        ));
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 10),
            Err(Error::Special {
                kind: "character device",
                ..
            })
        ));
        // not wanted by name: not looked at
        let keep = |_: &str, kind: Kind| kind == Kind::Dir;
        assert!(
            walk(&t.0, &Limits::default(), &keep)
                .expect("walk")
                .is_empty()
        );
    }

    #[cfg(unix)]
    #[test]
    fn read_in_and_writable_in_stay_in_the_root() {
        use std::os::unix::fs::symlink;
        let t = Temp::new("within");
        let inner = t.file("fixtures/snapshots/a.snap", "snap");
        let other = Temp::new("within-other");
        other.file("x.snap", "secret");
        symlink(&other.0, t.0.join("fixtures/linked")).expect("link");
        symlink(
            other.0.join("x.snap"),
            t.0.join("fixtures/snapshots/b.snap"),
        )
        .expect("link");
        let root = t.0.join("fixtures");
        assert_eq!(read_in(&root, &inner, 100).expect("read"), "snap");
        assert!(matches!(
            read_in(&root, &root.join("linked/x.snap"), 100),
            Err(Error::Link { .. })
        ));
        assert!(matches!(
            read_in(&root, &root.join("snapshots/b.snap"), 100),
            Err(Error::Link { .. })
        ));
        assert!(
            read_in(&root, &root.join("snapshots/none.snap"), 100).is_err_and(|e| e.is_not_found())
        );
        assert!(writable_in(&root, &inner).is_ok());
        assert!(writable_in(&root, &root.join("snapshots/new.snap")).is_ok());
        assert!(writable_in(&root, &root.join("snapshots/b.snap")).is_err());
        assert!(writable_in(&root, &root.join("linked/y.snap")).is_err());
    }
}
