//! Emitting a rendering: the payload, the prompt, a human report, or a JSON record.
use std::fmt::Write as _;

use crate::engine::Rendering;

/// What to print for a rendered brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// The request body, pretty JSON (default).
    Payload,
    /// Only the prompt text.
    Prompt,
    /// A human view: prompt, payload, warnings.
    Report,
    /// One JSON record: name, preset, prompt, payload (with method and URL), warnings.
    Json,
}

/// Renders `r` in the chosen form. The text ends with a newline.
pub fn emit(r: &Rendering, form: Emit) -> String {
    match form {
        Emit::Payload => pretty(&r.payload.body),
        Emit::Prompt => format!("{}\n", r.prompt),
        Emit::Json => {
            let mut s = serde_json::to_string(r).expect("rendering serialises");
            s.push('\n');
            s
        }
        Emit::Report => report(r),
    }
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("JSON serialises");
    s.push('\n');
    s
}

fn report(r: &Rendering) -> String {
    let mut out = String::new();
    let body = &r.payload.body;
    let field = |k: &str| {
        body.get(k)
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| Some(v.to_string()))
            })
            .filter(|s| s != "null")
    };
    let _ = writeln!(out, "preset   {}", r.preset);
    let _ = writeln!(
        out,
        "target   {} {} {}",
        r.payload.target, r.payload.method, r.payload.url
    );
    for k in [
        "model",
        "size",
        "quality",
        "n",
        "output_format",
        "background",
    ] {
        if let Some(v) = field(k) {
            let _ = writeln!(out, "{k:<8} {v}");
        }
    }
    let _ = writeln!(out, "prompt   {} characters\n", r.prompt.chars().count());
    let _ = writeln!(out, "── prompt ──");
    let _ = writeln!(out, "{}\n", r.prompt);
    let _ = writeln!(out, "── payload ──");
    out.push_str(&pretty(body));
    if r.warnings.is_empty() {
        let _ = writeln!(out, "\nno warnings");
    } else {
        let _ = writeln!(out, "\n── warnings ──");
        for w in &r.warnings {
            let _ = writeln!(out, "{}\n", w.render(false));
        }
    }
    out
}
