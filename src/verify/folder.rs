//! `verify DIR`: the images of a `generate` or `batch fetch` folder, each with what its sidecar
//! says it must be.
//!
//! A sidecar written by `generate` holds `expect` (the [`Expected`] of its request). One without
//! it (`batch fetch`, or an older `generate`) is read from its request body (format, size,
//! background) and, when it holds the brief, the brief's exact texts.
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Expected;

/// One image to verify.
#[derive(Debug, Clone)]
pub struct Item {
    /// The image file (the sidecar itself when it names none that can be read).
    pub image: PathBuf,
    /// Its sidecar.
    pub sidecar: PathBuf,
    /// What it must be.
    pub expected: Expected,
    /// Why it cannot be verified at all (a sidecar that is not one, an image name outside the
    /// folder, a file that is not a regular file): reported, never skipped.
    pub problem: Option<String>,
}

/// Every image named by a `.json` file of `dir`, in file order; what cannot be read is an item
/// with its problem.
pub fn items(dir: &Path) -> std::io::Result<Vec<Item>> {
    let mut out = Vec::new();
    for sidecar in json_files(dir)? {
        let item = |image: PathBuf, expected: Expected, problem: Option<String>| Item {
            image,
            sidecar: sidecar.clone(),
            expected,
            problem,
        };
        let unreadable = |why: String| item(sidecar.clone(), Expected::default(), Some(why));
        if !crate::app::sidecar::is_sidecar(&sidecar) {
            out.push(unreadable(String::from(
                "not read as a sidecar: a link, a pipe or device, or larger than 16 MiB",
            )));
            continue;
        }
        let Some(v) = crate::app::sidecar::read(&sidecar) else {
            out.push(unreadable(String::from(
                "not a sidecar (no `images` list), or not JSON",
            )));
            continue;
        };
        let expected = match from_sidecar(&v) {
            Ok(e) => e,
            Err(why) => {
                out.push(unreadable(why));
                continue;
            }
        };
        let names: Vec<&str> = v["images"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| i["file"].as_str().unwrap_or(""))
            .collect();
        if names.is_empty() {
            out.push(item(
                sidecar.clone(),
                expected.clone(),
                Some(String::from("the sidecar names no image")),
            ));
        }
        for name in names {
            let problem = image_problem(dir, name);
            out.push(item(dir.join(name), expected.clone(), problem));
        }
    }
    Ok(out)
}

/// Why an image a sidecar names cannot be read: a name that is not a plain file name in the
/// folder, a link, or not a regular file.
fn image_problem(dir: &Path, name: &str) -> Option<String> {
    if !crate::app::sidecar::is_plain_file_name(name) {
        return Some(format!(
            "`{name}` is not a plain file name in the folder: not read"
        ));
    }
    match std::fs::symlink_metadata(dir.join(name)) {
        Ok(m) if m.is_file() => None,
        Ok(m) if m.file_type().is_symlink() => Some(String::from("a link: not followed")),
        Ok(_) => Some(String::from("not a regular file")),
        Err(e) => Some(format!("cannot read it: {e}")),
    }
}

/// Every `.json` file of `dir` (any case), sorted, but a provider's answer or a FLUX task in
/// flight (`ID.response.json`, `ID.task.json`, `ID.poll.json`).
fn json_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().to_ascii_lowercase());
            name.ends_with(".json")
                && ![".response.json", ".task.json", ".poll.json"]
                    .iter()
                    .any(|s| name.ends_with(s))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// What a sidecar says its images must be: its `expect`, else what its request body and brief
/// say. An `expect` that cannot be read is an error, not a fallback.
pub fn from_sidecar(v: &Value) -> Result<Expected, String> {
    if let Some(e) = v.get("expect") {
        return serde_json::from_value::<Expected>(e.clone())
            .map_err(|err| format!("the sidecar's `expect` cannot be read: {err}"));
    }
    let body = &v["request"]["body"];
    let openai = body.get("prompt").is_some() && body.get("model").is_some();
    let format = body["output_format"]
        .as_str()
        .or(v["response"]["output_format"].as_str())
        .or(openai.then_some("png"))
        .map(|f| if f == "jpg" { "jpeg" } else { f }.to_string());
    let size = body["size"]
        .as_str()
        .filter(|s| crate::validate::size::Size::parse(s).is_some())
        .map(str::to_string);
    let texts = v
        .get("brief")
        .and_then(|b| serde_json::from_value::<crate::brief::Brief>(b.clone()).ok())
        .map(|b| super::expected::texts_of(&b))
        .unwrap_or_default();
    Ok(Expected {
        format,
        size,
        transparent: body["background"].as_str() == Some("transparent"),
        no_other_text: !texts.is_empty(),
        texts,
    })
}
