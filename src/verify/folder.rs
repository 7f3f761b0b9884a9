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
    /// The image file.
    pub image: PathBuf,
    /// Its sidecar.
    pub sidecar: PathBuf,
    /// What it must be.
    pub expected: Expected,
}

/// Every image named by a sidecar of `dir`, in sidecar order.
pub fn items(dir: &Path) -> std::io::Result<Vec<Item>> {
    let mut out = Vec::new();
    for sidecar in crate::app::sidecar::list(dir)? {
        let Some(v) = crate::app::sidecar::read(&sidecar) else {
            continue;
        };
        let expected = from_sidecar(&v);
        for image in crate::app::sidecar::images(&v, dir) {
            out.push(Item {
                image,
                sidecar: sidecar.clone(),
                expected: expected.clone(),
            });
        }
    }
    Ok(out)
}

/// What a sidecar says its images must be.
pub fn from_sidecar(v: &Value) -> Expected {
    if let Some(e) = v
        .get("expect")
        .and_then(|e| serde_json::from_value::<Expected>(e.clone()).ok())
    {
        return e;
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
    Expected {
        format,
        size,
        transparent: body["background"].as_str() == Some("transparent"),
        no_other_text: !texts.is_empty(),
        texts,
    }
}
