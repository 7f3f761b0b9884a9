//! The sidecars of a folder of generated images (`generate`, `batch fetch`): `ID.json` beside
//! `ID-0.png`, … Read by the contact sheet and by `verify DIR`.
use std::path::{Path, PathBuf};

/// True for a bare file name that a link may point at: no scheme (`javascript:`), no folder, no
/// parent, not hidden. Only such names are read from a sidecar (a stray one could hold any).
pub fn is_plain_file_name(f: &str) -> bool {
    !f.is_empty()
        && !f.starts_with('.')
        && !f.contains([':', '/', '\\'])
        && !f.chars().any(char::is_control)
}

/// True for a file that may be read as a sidecar: a regular file (not a link, pipe or device) of
/// at most 16 MiB, not a saved answer (`ID.response.json`, up to 1 GiB) nor a FLUX task in flight
/// (`ID.task.json`, `ID.poll.json`).
pub fn is_sidecar(p: &Path) -> bool {
    let saved = p.file_name().is_some_and(|n| {
        let n = n.to_string_lossy();
        [".response.json", ".task.json", ".poll.json"]
            .iter()
            .any(|s| n.ends_with(s))
    });
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && !saved
        && std::fs::symlink_metadata(p).is_ok_and(|m| m.is_file() && m.len() <= 16 << 20)
}

/// The sidecars of `dir`, sorted by name.
pub fn list(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut sidecars: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_sidecar(p))
        .collect();
    sidecars.sort();
    Ok(sidecars)
}

/// A sidecar's JSON, when it is one.
pub fn read(path: &Path) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .filter(|v| v.get("images").is_some_and(serde_json::Value::is_array))
}

/// The image files a sidecar names (plain file names only), under `dir`.
pub fn images(v: &serde_json::Value, dir: &Path) -> Vec<PathBuf> {
    v["images"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["file"].as_str())
                .filter(|f| is_plain_file_name(f))
                .map(|f| dir.join(f))
                .collect()
        })
        .unwrap_or_default()
}
