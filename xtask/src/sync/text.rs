//! Reading the SDK text: Python `TypedDict` classes and their docstrings, `Literal[...]` types,
//! TypeScript string unions, sentences, ranges, dates and the "Deprecated values:" lists.
//!
//! These helpers find things or return nothing; the callers turn "nothing" into a
//! [`SyncError`](super::SyncError) naming the file and the statement.
use indexmap::IndexMap;
use regex::Regex;

/// A pattern of this crate. The argument is always a literal written here (never SDK text), and
/// every pattern is compiled by the drift tests, which read the whole vendored SDK.
pub fn pattern(re: &str) -> Regex {
    Regex::new(re).expect("the patterns of xtask/src/sync are valid regexes")
}

/// One field of a Python `TypedDict`: its type text and its docstring.
#[derive(Debug, Clone, Default)]
pub struct PyField {
    /// The type, joined onto one line when it spans several.
    pub ty: String,
    /// The docstring under the field, whitespace squashed.
    pub doc: String,
}

/// The fields of a Python class, in the file's order.
pub type PyFields = IndexMap<String, PyField>;

/// The fields of `class NAME(...)` in a Python file, in order.
pub fn py_class(text: &str, class: &str) -> Option<PyFields> {
    let start = text.find(&format!("class {class}("))?;
    let body = &text[start..];
    let body_start = body.find('\n')? + 1;
    let body = &body[body_start..];
    let end = body.find("\nclass ").unwrap_or(body.len());
    let field = pattern(r"^    ([a-z_][a-z0-9_]*): (.*)$");
    let lines: Vec<&str> = body[..end].lines().collect();
    let mut out = IndexMap::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(c) = field.captures(lines[i]) else {
            i += 1;
            continue;
        };
        let name = c[1].to_string();
        let mut ty = c[2].to_string();
        // a type may span lines until its brackets balance
        while depth(&ty) > 0 && i + 1 < lines.len() {
            i += 1;
            ty.push_str(lines[i].trim());
        }
        i += 1;
        let doc = docstring(&lines, &mut i);
        out.insert(
            name,
            PyField {
                ty,
                doc: squash(&doc),
            },
        );
    }
    Some(out)
}

/// The docstring starting at `lines[*i]` (if one does), its lines joined with spaces; `*i` moves
/// past it.
fn docstring(lines: &[&str], i: &mut usize) -> String {
    let mut doc = String::new();
    if *i >= lines.len() || !lines[*i].trim_start().starts_with("\"\"\"") {
        return doc;
    }
    let first = lines[*i].trim_start().trim_start_matches("\"\"\"");
    *i += 1;
    if let Some(one) = first.strip_suffix("\"\"\"") {
        doc.push_str(one);
        return doc;
    }
    doc.push_str(first);
    while *i < lines.len() {
        let l = lines[*i].trim();
        *i += 1;
        doc.push(' ');
        if let Some(last) = l.strip_suffix("\"\"\"") {
            doc.push_str(last);
            break;
        }
        doc.push_str(l);
    }
    doc
}

/// How many brackets of `s` are open.
fn depth(s: &str) -> i32 {
    s.chars().fold(0, |d, c| match c {
        '[' | '(' => d + 1,
        ']' | ')' => d - 1,
        _ => d,
    })
}

/// The text with every run of whitespace made one space.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The quoted strings inside the first `Literal[...]` of a type.
pub fn literals(ty: &str) -> Vec<String> {
    let Some(start) = ty.find("Literal[") else {
        return Vec::new();
    };
    let rest = &ty[start + "Literal[".len()..];
    let mut d = 1;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '[' => d += 1,
            ']' => {
                d -= 1;
                if d == 0 {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    quoted(&rest[..end], '"')
}

/// The strings of `s` between two `q` quotes, in order.
pub fn quoted(s: &str, q: char) -> Vec<String> {
    let re = pattern(&format!("{q}([^{q}]*){q}"));
    re.captures_iter(s).map(|c| c[1].to_string()).collect()
}

/// The backticked words of a text, in order.
pub fn ticked(s: &str) -> Vec<String> {
    quoted(s, '`')
}

/// The number of a month's English name (`October` → 10).
fn month(name: &str) -> Option<u32> {
    const M: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    M.iter().position(|m| *m == name).map(|i| i as u32 + 1)
}

/// `October 23, 2026` → `2026-10-23`.
pub fn iso_date(text: &str) -> Option<String> {
    let c = pattern(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})").captures(text)?;
    Some(format!(
        "{}-{:02}-{:02}",
        &c[3],
        month(&c[1])?,
        c[2].parse::<u32>().ok()?
    ))
}

/// Whether a word is a snapshot date (`2026-09-08`).
pub fn is_date(word: &str) -> bool {
    pattern(r"^\d{4}-\d{2}-\d{2}$").is_match(word)
}

/// Expands "`a` and `b`, including their `2026-09-08` snapshots" to the four ids.
pub fn models_in(sentence: &str, known: &[String]) -> Vec<String> {
    let words = ticked(sentence);
    let snapshots: Vec<&String> = words.iter().filter(|w| is_date(w)).collect();
    let mut out = Vec::new();
    for w in &words {
        if known.contains(w) && !out.contains(w) {
            out.push(w.clone());
            if sentence.contains("including their") {
                for s in &snapshots {
                    let id = format!("{w}-{s}");
                    if known.contains(&id) && !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
        }
    }
    out
}

/// The sentence of `doc` that matches `re` (sentences end with ". ").
pub fn sentence<'a>(doc: &'a str, re: &str) -> Option<&'a str> {
    let re = pattern(re);
    doc.split_inclusive(". ").find(|s| re.is_match(s))
}

/// The first match of `re` in `doc` as a pair of numbers (its two groups, `,` separators
/// dropped).
pub fn range(doc: &str, re: &str) -> Option<(u64, u64)> {
    let c = pattern(re).captures(doc)?;
    Some((
        c[1].replace(',', "").parse().ok()?,
        c[2].replace(',', "").parse().ok()?,
    ))
}

/// The first group of the first match of `re` in `doc`, as a number (`,` separators dropped).
pub fn number(doc: &str, re: &str) -> Option<u64> {
    let c = pattern(re).captures(doc)?;
    c[1].replace(',', "").parse().ok()
}

/// A deprecated literal value with the SDK's own words.
#[derive(Debug, Clone)]
pub struct Deprecation {
    /// The values deprecated together.
    pub values: Vec<String>,
    /// The SDK's words: why, since when, what to use instead.
    pub reason: String,
}

/// The "Deprecated values:" list of a docstring.
pub fn deprecations(doc: &str) -> Vec<Deprecation> {
    let Some(at) = doc.find("Deprecated values:") else {
        return Vec::new();
    };
    let list = &doc[at + "Deprecated values:".len()..];
    let item = pattern(r#"- ((?:"[^"]+"(?:, )?)+): (.*?)(?: - "|$)"#);
    let mut out = Vec::new();
    let mut rest = list.trim();
    while let Some(c) = item.captures(rest) {
        let values = quoted(&c[1], '"');
        let reason = c[2].trim().trim_end_matches('"').trim().to_string();
        let consumed = c.get(2).map(|m| m.end()).unwrap_or(rest.len());
        out.push(Deprecation { values, reason });
        rest = rest[consumed..].trim_start();
    }
    out
}

/// Node `interface NAME { … }` fields with a string-literal union type.
pub fn ts_unions(text: &str, interface: &str) -> IndexMap<String, Vec<String>> {
    let mut out = IndexMap::new();
    let Some(start) = text.find(&format!("export interface {interface} ")) else {
        return out;
    };
    let body = &text[start..];
    let end = body.find("\n}").unwrap_or(body.len());
    let field = pattern(r"(?m)^    ([a-z_]+)\??: ('.*);$");
    for c in field.captures_iter(&body[..end]) {
        out.insert(c[1].to_string(), quoted(&c[2], '\''));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecation_lists_parse() {
        let d = deprecations(
            r#"Deprecated values: - "gpt-image-1": Shut down on October 23, 2026. Use a or b instead. - "dall-e-2", "dall-e-3": Retired on May 12, 2026. Use a GPT image model instead."#,
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].values, ["dall-e-2", "dall-e-3"]);
        assert_eq!(iso_date(&d[0].reason).as_deref(), Some("2026-10-23"));
    }

    #[test]
    fn snapshot_ids_expand() {
        let known: Vec<String> = ["a", "a-2026-09-08", "b", "b-2026-09-08", "c"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            models_in(
                "`a` and `b`, including their `2026-09-08` snapshots, do",
                &known
            ),
            ["a", "a-2026-09-08", "b", "b-2026-09-08"]
        );
    }

    #[test]
    fn docstrings_join_their_lines() {
        let class = "class P(TypedDict):\n    a: int\n    \"\"\"One.\"\"\"\n\n    b: Optional[\n        Literal[\"x\", \"y\"]\n    ]\n    \"\"\"Two\n    lines.\n    \"\"\"\n";
        let fields = py_class(class, "P").expect("class P");
        assert_eq!(fields["a"].doc, "One.");
        assert_eq!(fields["b"].ty, "Optional[Literal[\"x\", \"y\"]]");
        assert_eq!(literals(&fields["b"].ty), ["x", "y"]);
        assert_eq!(fields["b"].doc, "Two lines.");
    }
}
