//! `index.html`: a contact sheet of every sidecar in a folder (thumbnail, prompt, settings, cost,
//! and, when the image was verified, each check with what OCR read), opening from disk.
use std::path::{Path, PathBuf};

use serde_json::Value;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The checks of a verified image: a line each, pass, fail or unverified, with what was read.
fn checks_html(v: &Value) -> String {
    let Some(reports) = v["verification"]["reports"].as_array() else {
        return String::new();
    };
    let mut out = String::new();
    let verdict = if v["accepted"] == true {
        "accepted"
    } else {
        "not accepted"
    };
    out.push_str(&format!(
        "<p class=\"verdict\">attempt {} · {verdict}</p><ul>",
        v["attempt"].as_u64().unwrap_or(1)
    ));
    for report in reports {
        for c in report["checks"].as_array().into_iter().flatten() {
            let status = c["status"].as_str().unwrap_or("unverified");
            let what = match c["role"].as_str() {
                Some(role) => format!("{} {role}", c["check"].as_str().unwrap_or("")),
                None => c["check"].as_str().unwrap_or("").to_string(),
            };
            let found = match &c["found"] {
                Value::String(s) => s.clone(),
                Value::Null => String::from("-"),
                other => other.to_string(),
            };
            out.push_str(&format!(
                "<li class=\"{}\">{} <b>{}</b>: read {}</li>",
                esc(status),
                esc(&what),
                esc(status),
                esc(&found)
            ));
        }
    }
    out.push_str("</ul>");
    out
}

fn card(v: &Value) -> String {
    let imgs: String = v["images"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["file"].as_str())
                .filter(|f| crate::app::sidecar::is_plain_file_name(f))
                .map(|f| format!("<a href=\"{0}\"><img src=\"{0}\" alt=\"\"></a>", esc(f)))
                .collect()
        })
        .unwrap_or_default();
    let body = &v["request"]["body"];
    let settings: Vec<String> = [
        "model",
        "size",
        "quality",
        "output_format",
        "n",
        "aspect_ratio",
    ]
    .iter()
    .filter_map(|k| {
        body.get(*k).map(|x| {
            format!(
                "{k}: {}",
                x.as_str().map_or_else(|| x.to_string(), str::to_string)
            )
        })
    })
    .collect();
    let cost = v["cost"]["usage_based"]
        .as_f64()
        .or(v["cost"]["estimated"].as_f64())
        .map_or_else(|| String::from("cost unknown"), |c| format!("${c:.4}"));
    format!(
        "<figure>{imgs}<figcaption><b>{}</b> · {} · {}<p>{}</p>{}</figcaption></figure>\n",
        esc(v["id"].as_str().unwrap_or("")),
        esc(&settings.join(", ")),
        esc(&cost),
        esc(v["prompt"].as_str().unwrap_or("")),
        checks_html(v),
    )
}

/// Writes `index.html` in `dir`.
pub fn contact_sheet(dir: &Path) -> std::io::Result<PathBuf> {
    let mut sidecars: Vec<Value> = crate::app::sidecar::list(dir)?
        .iter()
        .filter_map(|p| crate::app::sidecar::read(p))
        .collect();
    // a request's attempts together, in order: `poster`, `poster-try2`, … (not `poster-try2`
    // before `poster`)
    sidecars.sort_by_cached_key(|v| {
        let id = v["id"].as_str().unwrap_or("").to_string();
        let attempt = v["attempt"].as_u64().unwrap_or(1);
        let base = id
            .strip_suffix(&format!("-try{attempt}"))
            .map_or(id.clone(), str::to_string);
        (base, attempt)
    });
    let cards: String = sidecars.iter().map(card).collect();
    let html = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>imgprompt contact sheet</title>\n<style>body{{font:14px system-ui,sans-serif;margin:1rem;background:#f7f6f3}}main{{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:1rem}}figure{{margin:0;background:#fff;border:1px solid #e3e1dc;border-radius:8px;padding:.5rem}}img{{width:100%;border-radius:4px}}p{{color:#555;font-size:12px}}ul{{padding-left:1rem;font-size:12px}}.pass{{color:#1a7f37}}.fail{{color:#c62828}}.unverified{{color:#a15c00}}</style>\n<h1>Generated images</h1>\n<main>\n{cards}</main>\n"
    );
    let index = dir.join("index.html");
    crate::emit::atomic::write_atomic(&index, html.as_bytes())?;
    Ok(index)
}
