//! SARIF 2.1.0, the static-analysis format code-scanning dashboards read (GitHub code scanning,
//! GitLab, Azure DevOps): `imgprompt lint --format sarif` and `validate --format sarif`. Each
//! diagnostic is a result with its code as the rule, its level, its message (with the fix), and
//! its file, line and column; each code that occurs is a rule with its one-line summary.
//!
//! ```
//! use imgprompt::{Code, Diagnostic};
//!
//! let d = Diagnostic::warning(Code::UnknownField, "unknown field `x`").in_file("brief.yaml");
//! let log: serde_json::Value = serde_json::from_str(&imgprompt::emit::sarif::sarif(&[d])).unwrap();
//! assert_eq!(log["version"], "2.1.0");
//! assert_eq!(log["runs"][0]["results"][0]["ruleId"], "unknown-field");
//! ```
use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Severity};

/// The schema a SARIF 2.1.0 log names.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The log of one run of imgprompt over `diagnostics`, pretty JSON ending with a newline.
pub fn sarif(diagnostics: &[Diagnostic]) -> String {
    let mut codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<Value> = codes
        .iter()
        .map(|c| {
            json!({
                "id": c.as_str(),
                "shortDescription": {"text": c.summary()},
                "helpUri": format!("https://docs.rs/imgprompt/{}/imgprompt/diagnostic/enum.Code.html", env!("CARGO_PKG_VERSION")),
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| result(d, codes.binary_search(&d.code).unwrap_or(0)))
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "imgprompt",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.rs/imgprompt",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&log).expect("a SARIF log serialises");
    s.push('\n');
    s
}

fn result(d: &Diagnostic, rule_index: usize) -> Value {
    let level = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    };
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str(&format!(" (help: {help})"));
    }
    let mut r = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": text},
    });
    if let Some(file) = &d.file {
        let mut physical = json!({"artifactLocation": {"uri": uri(file)}});
        if let Some(at) = &d.location {
            physical["region"] = json!({"startLine": at.line, "startColumn": at.column});
        }
        r["locations"] = json!([{"physicalLocation": physical}]);
    }
    if let Some(path) = &d.path {
        r["properties"] = json!({"path": path});
    }
    r
}

/// A file name as a URI: relative names as relative references, absolute paths as `file://`
/// URIs; `/` separators, and every byte outside the unreserved set and `/` percent-encoded (a
/// space, `#`, `?` or `%` in a name stays a name).
pub fn uri(file: &str) -> String {
    // an absolute path is a `file:` URI; a relative one a relative reference
    let mut out = String::from(if file.starts_with('/') { "file://" } else { "" });
    for b in file.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
