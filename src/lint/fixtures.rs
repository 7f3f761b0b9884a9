//! `imgprompt test`: snapshot tests of prompts and payloads, kept next to the fixtures in insta's
//! `.snap` file format (so `cargo insta review` works on them in Rust projects).
//!
//! A preset folder's fixtures are `fixtures/*.yaml|json`, their snapshots
//! `fixtures/snapshots/<name>.snap`. Any folder of briefs works the same way (`<dir>/snapshots/`).
//! A fixture may carry assertions in `<name>.assert.yaml`: `contains`, `not_contains`, `regex`,
//! `max_length`, `lint_clean`.
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::brief::source::{Format, SourceFile};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::engine::{Engine, Rendering};
use crate::preset::files;
use crate::targets::Target;

/// Assertions a fixture may carry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assertions {
    /// Phrases the prompt must contain.
    #[serde(default)]
    pub contains: Vec<String>,
    /// Phrases it must not contain.
    #[serde(default)]
    pub not_contains: Vec<String>,
    /// Regexes it must match.
    #[serde(default)]
    pub regex: Vec<String>,
    /// Longest allowed prompt, in characters.
    #[serde(default)]
    pub max_length: Option<usize>,
    /// No lint finding at all.
    #[serde(default)]
    pub lint_clean: bool,
}

/// What happened to one fixture.
#[derive(Debug)]
pub enum Outcome {
    /// Matches its snapshot and assertions.
    Passed,
    /// Snapshot written (`--accept`).
    Accepted,
    /// No snapshot yet: a pending `.snap.new` was written.
    New,
    /// Differs from its snapshot: the diff.
    Changed(String),
    /// An assertion failed.
    Assertion(Vec<String>),
    /// The fixture does not render.
    Invalid(Diagnostics),
}

/// A fixture and what happened to it.
#[derive(Debug)]
pub struct Report {
    /// The fixture file.
    pub fixture: PathBuf,
    /// The outcome.
    pub outcome: Outcome,
}

/// The most entries a fixture folder (or a folder of briefs, or of presets) may hold.
pub const MAX_FIXTURE_ENTRIES: usize = 10_000;

/// The fixtures of `dir`, each with its snapshot path: `dir/fixtures/*.yaml|json` for a preset
/// folder, each preset's for a folder of presets, else the briefs of `dir` itself. The files are
/// listed through [`crate::preset::files`]: regular files, or links to one inside the same fixture
/// folder; a preset's `fixtures` folder may not itself be a link. A refused file is an error.
pub fn discover(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>, Diagnostic> {
    use crate::preset::catalog::{has_manifest, has_presets};
    let limits = files::Limits {
        max_entries: MAX_FIXTURE_ENTRIES,
        ..files::Limits::default()
    };
    let mut folders = Vec::new();
    if has_presets(dir) {
        let subs = if has_manifest(dir) {
            vec![dir.to_path_buf()]
        } else {
            let mut subs = files::list_dir(dir, &limits).map_err(|e| e.diagnostic())?;
            subs.retain(|p| has_manifest(p));
            subs
        };
        for sub in subs {
            let folder = sub.join("fixtures");
            match std::fs::symlink_metadata(&folder) {
                Ok(m) if m.is_dir() => folders.push(folder),
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(files::Error::Link {
                        path: folder,
                        reason: String::from("(a preset's fixtures folder is not followed)"),
                    }
                    .diagnostic());
                }
                _ => {}
            }
        }
    } else {
        folders.push(dir.to_path_buf());
    }
    let keep = |rel: &str, kind: files::Kind| {
        kind == files::Kind::File
            && Format::from_path(Path::new(rel)).is_some()
            && !rel.ends_with(".assert.yaml")
    };
    let mut out = Vec::new();
    for folder in folders {
        for entry in files::walk(&folder, &limits, &keep).map_err(|e| e.diagnostic())? {
            let stem = entry
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let snap = folder.join("snapshots").join(format!("{stem}.snap"));
            out.push((entry.path, snap));
        }
    }
    Ok(out)
}

/// The snapshot body of a rendering, then the prompt of every other model family
/// ([`family_prompts`]).
pub fn snapshot_body(r: &Rendering, others: &str) -> String {
    let mut s = format!("preset: {}\n", r.preset);
    for w in &r.warnings {
        s.push_str(&format!("warning[{}]: {}\n", w.code, w.message));
    }
    s.push_str(&format!(
        "--- prompt ({} chars) ---\n{}\n",
        r.prompt.chars().count(),
        r.prompt
    ));
    s.push_str(&format!(
        "--- payload: {} {} ---\n{}\n",
        r.payload.method,
        r.payload.url,
        serde_json::to_string_pretty(&r.payload.body).expect("json")
    ));
    s.push_str(others);
    s
}

/// `--- prompt for gemini (N chars) ---` and the prompt, for every family but the rendering's
/// (a family the brief cannot be written for shows its first error).
pub fn family_prompts(engine: &Engine, source: &SourceFile, r: &Rendering) -> String {
    let mut s = String::new();
    for f in crate::prompt::family::Family::ALL {
        if f == r.payload.target.family() {
            continue;
        }
        match engine.family_prompt(source, f) {
            Ok(p) => s.push_str(&format!(
                "--- prompt for {f} ({} chars) ---\n{p}\n",
                p.chars().count()
            )),
            Err(d) => s.push_str(&format!(
                "--- prompt for {f}: error ---\n{}\n",
                d.0.first().map_or("", |d| d.message.as_str())
            )),
        }
    }
    s
}

/// The whole `.snap` file: insta's header, then the body.
pub fn snap_file(fixture: &Path, body: &str) -> String {
    format!(
        "---\nsource: imgprompt test\nexpression: {}\n---\n{body}",
        serde_json::to_string(&fixture.display().to_string()).expect("json")
    )
}

/// The body of a `.snap` file (after the header).
pub fn snap_body(file: &str) -> &str {
    let rest = file.strip_prefix("---\n").unwrap_or(file);
    match rest.find("\n---\n") {
        Some(i) => &rest[i + 5..],
        None => file,
    }
}

/// A line diff (`-` expected, `+` actual, two spaces for a common line), from `similar`'s longest
/// common subsequence of the two texts' lines (a removed line comes before the added one).
pub fn diff(expected: &str, actual: &str) -> String {
    use similar::algorithms::{Algorithm, Capture, diff_slices};
    let old: Vec<&str> = expected.lines().collect();
    let new: Vec<&str> = actual.lines().collect();
    let mut ops = Capture::new();
    let Ok(()) = diff_slices(Algorithm::Lcs, &mut ops, &old, &new);
    let mut out = String::new();
    for op in ops.ops() {
        for change in op.iter_changes(&old, &new) {
            let sign = match change.tag() {
                similar::ChangeTag::Equal => ' ',
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
            };
            out.push_str(&format!("{sign} {}\n", change.value()));
        }
    }
    out
}

/// Writes a snapshot (or a pending one) inside `root`, the fixture's folder: never through a
/// link, nor into a folder that leads out of `root`.
fn write(root: &Path, path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    files::writable_in(root, path).map_err(|e| std::io::Error::other(e.to_string()))?;
    std::fs::write(path, text)
}

/// The fixture's folder: what its assertions and snapshots must stay in.
fn fixture_root(fixture: &Path) -> &Path {
    match fixture.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The fixture's assertions (`<name>.assert.yaml`, read inside `root`), when it has them: an
/// outcome when one fails or the file is refused, `None` when all hold.
fn check_assertions(
    engine: &Engine,
    source: &SourceFile,
    r: &Rendering,
    root: &Path,
    fixture: &Path,
) -> Option<Outcome> {
    let assert_path = fixture.with_extension("assert.yaml");
    std::fs::symlink_metadata(&assert_path).ok()?;
    let text = match files::read_in(root, &assert_path, files::MAX_FILE_BYTES) {
        Ok(t) => t,
        Err(e) => return Some(Outcome::Invalid(Diagnostics(vec![e.diagnostic()]))),
    };
    let a: Assertions = match serde_saphyr::from_str(&text) {
        Ok(a) => a,
        Err(e) => {
            return Some(Outcome::Assertion(vec![format!(
                "{}: {e}",
                assert_path.display()
            )]));
        }
    };
    let mut failed = Vec::new();
    for c in &a.contains {
        if !r.prompt.contains(c.as_str()) {
            failed.push(format!("the prompt does not contain {c:?}"));
        }
    }
    for c in &a.not_contains {
        if r.prompt.contains(c.as_str()) {
            failed.push(format!("the prompt contains {c:?}"));
        }
    }
    for re in &a.regex {
        match regex::Regex::new(re) {
            Ok(rx) if rx.is_match(&r.prompt) => {}
            Ok(_) => failed.push(format!("the prompt does not match /{re}/")),
            Err(e) => failed.push(format!("invalid regex /{re}/: {e}")),
        }
    }
    if let Some(max) = a.max_length {
        let n = r.prompt.chars().count();
        if n > max {
            failed.push(format!(
                "the prompt has {n} characters, more than max_length {max}"
            ));
        }
    }
    if a.lint_clean {
        let findings = crate::lint::lint(engine, source, r, crate::lint::LintTable::shipped());
        for f in findings {
            failed.push(format!("lint: {}[{}]: {}", f.severity, f.code, f.message));
        }
    }
    (!failed.is_empty()).then_some(Outcome::Assertion(failed))
}

/// Runs one fixture.
pub fn run_one(
    engine: &Engine,
    target: &dyn Target,
    fixture: &Path,
    snap: &Path,
    accept: bool,
) -> std::io::Result<Outcome> {
    let source = match SourceFile::read(fixture, None) {
        Ok(s) => s,
        Err(d) => return Ok(Outcome::Invalid(Diagnostics(vec![d]))),
    };
    let r = match engine.render(&source, target) {
        Ok(r) => r,
        Err(d) => return Ok(Outcome::Invalid(d)),
    };
    let root = fixture_root(fixture);
    if let Some(outcome) = check_assertions(engine, &source, &r, root, fixture) {
        return Ok(outcome);
    }
    let body = snapshot_body(&r, &family_prompts(engine, &source, &r));
    let pending = snap.with_extension("snap.new");
    let existing = match files::read_in(root, snap, files::MAX_FILE_BYTES) {
        Ok(text) => Some(text),
        Err(e) if e.is_not_found() => None,
        Err(e) => return Ok(Outcome::Invalid(Diagnostics(vec![e.diagnostic()]))),
    };
    if accept {
        if existing.as_deref().map(snap_body) != Some(body.as_str()) {
            write(root, snap, &snap_file(fixture, &body))?;
            let _ = std::fs::remove_file(&pending);
            return Ok(Outcome::Accepted);
        }
        let _ = std::fs::remove_file(&pending);
        return Ok(Outcome::Passed);
    }
    match existing {
        None => {
            write(root, &pending, &snap_file(fixture, &body))?;
            Ok(Outcome::New)
        }
        Some(old) if snap_body(&old) == body => {
            let _ = std::fs::remove_file(&pending);
            Ok(Outcome::Passed)
        }
        Some(old) => {
            write(root, &pending, &snap_file(fixture, &body))?;
            Ok(Outcome::Changed(diff(snap_body(&old), &body)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_show_changes() {
        assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), "  a\n- b\n+ x\n  c\n");
        // a line repeated at the end of a change: the common tail is the last copy
        assert_eq!(diff("a\n", "c\na\na\n"), "+ c\n+ a\n  a\n");
        // lines as `str::lines` reads them: no final newline and `\r\n` change nothing
        assert_eq!(diff("a\r\nb", "a\nb\nc\n"), "  a\n  b\n+ c\n");
        assert_eq!(snap_body("---\nsource: x\n---\nbody\n"), "body\n");
    }
}
