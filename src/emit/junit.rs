//! JUnit XML, the report CI dashboards read (GitLab, Jenkins, GitHub test reporters): one
//! `<testcase>` per fixture (`imgprompt test --format junit`) or per brief (`validate`, `lint`).
//!
//! ```
//! use imgprompt::emit::junit::{Case, Verdict, junit};
//!
//! let xml = junit("imgprompt test", &[
//!     Case::new("templates/poster", "example.yaml", Verdict::Passed),
//!     Case::new("templates/poster", "full.yaml", Verdict::failed("snapshot", "differs", "- a\n+ b")),
//! ]);
//! assert!(xml.contains(r#"<testsuite name="imgprompt test" tests="2" failures="1" errors="0" skipped="0">"#));
//! ```
use std::fmt::Write as _;

/// One test case: what is tested (`classname`, the folder) and its verdict.
#[derive(Debug, Clone)]
pub struct Case {
    /// The group: the fixture's folder, or the command.
    pub classname: String,
    /// The case: the fixture's or brief's file.
    pub name: String,
    /// What happened.
    pub verdict: Verdict,
}

impl Case {
    /// A case.
    pub fn new(classname: impl Into<String>, name: impl Into<String>, verdict: Verdict) -> Self {
        Case {
            classname: classname.into(),
            name: name.into(),
            verdict,
        }
    }
}

/// How a case ended.
#[derive(Debug, Clone)]
pub enum Verdict {
    /// It passed.
    Passed,
    /// It failed: the kind (`snapshot`, `assertion`, `invalid`, an error code), a one-line
    /// message and the whole detail (a diff, the diagnostics).
    Failed {
        /// The failure's type attribute.
        kind: String,
        /// Its message attribute.
        message: String,
        /// The element's text.
        detail: String,
    },
    /// It did not run to a verdict (a snapshot pending acceptance).
    Skipped(String),
}

impl Verdict {
    /// A failure.
    pub fn failed(kind: &str, message: &str, detail: &str) -> Self {
        Verdict::Failed {
            kind: kind.into(),
            message: message.into(),
            detail: detail.into(),
        }
    }
}

/// The report: one `<testsuite>` named `suite` inside `<testsuites>`.
pub fn junit(suite: &str, cases: &[Case]) -> String {
    let failures = cases
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Failed { .. }))
        .count();
    let skipped = cases
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Skipped(_)))
        .count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\"",
        cases.len()
    );
    let _ = writeln!(x, "<testsuites name=\"imgprompt\" {counts}>");
    let _ = writeln!(x, "  <testsuite name=\"{}\" {counts}>", escape(suite));
    for c in cases {
        let head = format!(
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(&c.classname),
            escape(&c.name)
        );
        match &c.verdict {
            Verdict::Passed => {
                let _ = writeln!(x, "{head}/>");
            }
            Verdict::Failed {
                kind,
                message,
                detail,
            } => {
                let _ = writeln!(
                    x,
                    "{head}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    escape(kind),
                    escape(message),
                    escape(detail)
                );
            }
            Verdict::Skipped(why) => {
                let _ = writeln!(
                    x,
                    "{head}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                    escape(why)
                );
            }
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// The report of a command over files (`validate`, `lint`): one case per file, failed when the
/// file has an error (its first error's code and message; every finding, rendered, as the
/// detail).
pub fn per_file(command: &str, files: &[(String, Vec<crate::diagnostic::Diagnostic>)]) -> String {
    let cases: Vec<Case> = files
        .iter()
        .map(|(file, found)| {
            let verdict = match found.iter().find(|d| d.is_error()) {
                None => Verdict::Passed,
                Some(first) => Verdict::failed(
                    first.code.as_str(),
                    &first.message,
                    &crate::diagnostic::Diagnostics(found.clone()).render(false),
                ),
            };
            Case::new(format!("imgprompt {command}"), file.clone(), verdict)
        })
        .collect();
    junit(&format!("imgprompt {command}"), &cases)
}

/// Text as XML character data or an attribute value: markup escaped, and each character XML 1.0
/// cannot hold at all (control characters but tab and line ends, U+FFFE, U+FFFF) written as
/// U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_cannot_break_the_document() {
        let xml = junit(
            "s\"<",
            &[Case::new(
                "a&b",
                "x'y",
                Verdict::failed("t", "m\u{1b}[31m", "]]></failure><x>\u{0}"),
            )],
        );
        assert!(xml.contains("classname=\"a&amp;b\" name=\"x&apos;y\""));
        assert!(xml.contains("message=\"m\u{fffd}[31m\""));
        assert!(xml.contains("]]&gt;&lt;/failure&gt;&lt;x&gt;\u{fffd}</failure>"));
        assert!(!xml.contains('\u{0}'));
    }
}
