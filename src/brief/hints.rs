//! Clearer errors for three ways a file fails to be a brief before any field is read: it is
//! empty (or only comments), it is not text at all (an image, an archive, a program), or its YAML
//! keys do not line up (the parser's own phrase, "mapping values are not allowed in this
//! context", names neither the cause nor the fix).
use std::sync::Arc;

use crate::diagnostic::{Code, Diagnostic, Location};

/// True when a document holds nothing: only whitespace, comments and YAML document markers.
pub fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let t = l.trim();
        t.is_empty()
            || t.starts_with('#')
            || t.starts_with('%')
            || t == "---"
            || t == "..."
            || t.starts_with("--- #")
    })
}

/// The error of an empty brief file.
pub fn empty(name: &str) -> Diagnostic {
    Diagnostic::error(
        Code::MissingField,
        format!("`{name}` is empty: a brief is a mapping of fields, and `subject` is required"),
    )
    .in_file(name)
    .with_help(
        "write at least `subject: a lighthouse at dawn`, or start from a commented brief with \
         `imgprompt new brief FILE`",
    )
}

/// What a file that is not UTF-8 text looks like, from its first bytes.
fn kind_of(bytes: &[u8]) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
        (b"\x1f\x8b", "a gzip archive"),
        (b"\x7fELF", "a program"),
        (b"\xff\xfe", "UTF-16 text"),
        (b"\xfe\xff", "UTF-16 text"),
    ];
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("a WebP image");
    }
    MAGIC
        .iter()
        .find(|(m, _)| bytes.starts_with(m))
        .map(|(_, k)| *k)
}

/// The error of a file that is not UTF-8 text: what it looks like, where the first byte that is
/// not UTF-8 is, and what to do.
pub fn not_text(name: &str, bytes: &[u8], valid_up_to: usize) -> Diagnostic {
    let kind = kind_of(bytes);
    let looks = kind
        .map(|k| format!(" (it looks like {k})"))
        .unwrap_or_default();
    let line = 1 + bytes[..valid_up_to].iter().filter(|b| **b == b'\n').count();
    let mut help = String::from("a brief is a YAML or JSON text file saved as UTF-8");
    if kind.is_some_and(|k| k.contains("image")) {
        help.push_str("; to check an image against its brief, run `imgprompt verify BRIEF IMAGE`");
    } else if kind.is_none() || kind == Some("UTF-16 text") {
        help.push_str(
            "; if it is text in another encoding (Latin-1, UTF-16), save it again as UTF-8",
        );
    }
    Diagnostic::error(
        Code::NotUtf8,
        format!(
            "`{name}` is not a brief: it is not UTF-8 text{looks}; byte {valid_up_to} (line {line}) is the first that is not"
        ),
    )
    .in_file(name)
    .with_help(help)
}

/// For a YAML syntax error on `line` (1-based): when its indentation lines up with no key before
/// it, an error that says so, pointing at the indentation, with the indentation to use.
pub fn indentation(name: &str, text: &Arc<str>, line: usize) -> Option<Diagnostic> {
    let lines: Vec<&str> = text.lines().collect();
    let here = *lines.get(line.checked_sub(1)?)?;
    let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let content = |l: &str| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#')
    };
    // a tab at the start of this line or the next (the parser often stops on the line before)
    let (line, here) = match lines.get(line) {
        Some(next) if next.starts_with('\t') && !here.starts_with('\t') => (line + 1, *next),
        _ => (line, here),
    };
    if here.starts_with('\t') {
        let d = Diagnostic::error(
            Code::Syntax,
            format!("invalid YAML: line {line} is indented with a tab, which YAML does not allow"),
        );
        let at = Location::from_line_column(text, line, 1, 1);
        return Some(
            d.with_label("a tab")
                .with_help("indent with spaces only")
                .at(name, text.clone(), at),
        );
    }
    let mine = indent(here);
    let before: Vec<&str> = lines[..line - 1]
        .iter()
        .copied()
        .filter(|l| content(l))
        .collect();
    let above = *before.last()?;
    // a block scalar (`|`, `>`) holds free text: no hint about lines near one
    if before.iter().any(|l| block_scalar(l)) {
        return None;
    }
    // only among plain `key: value` lines (a continued plain scalar, a flow mapping or an
    // explicit `?` key is the parser's business)
    if !looks_like_a_key(above) || !looks_like_a_key(here) {
        return None;
    }
    // where a line's key starts: after its indent, and after `- ` for a list item
    let key_column = |l: &str| {
        let rest = l.trim_start_matches(' ');
        let mut col = indent(l);
        let mut r = rest;
        while let Some(after) = r.strip_prefix("- ") {
            col += 2 + (after.len() - after.trim_start_matches(' ').len());
            r = after.trim_start_matches(' ');
        }
        col
    };
    // the columns `here` could line up with: the line above and each line it is nested in, at
    // their dashes or their keys
    let mut open = vec![key_column(above)];
    let mut outer = indent(above);
    for l in before.iter().rev() {
        if indent(l) < outer {
            outer = indent(l);
            open.push(key_column(l));
        }
    }
    let mut fits: Vec<usize> = open.clone();
    fits.extend(before.iter().map(|l| indent(l)));
    let opens_block = above
        .split(" #")
        .next()
        .unwrap_or(above)
        .trim_end()
        .ends_with(':');
    if (opens_block && mine > indent(above)) || fits.contains(&mine) || mine == 0 {
        return None;
    }
    let open: Vec<usize> = {
        let mut o = open;
        o.dedup();
        o
    };
    let key = above
        .trim()
        .trim_start_matches("- ")
        .split(':')
        .next()
        .unwrap_or("")
        .trim();
    let spaces = |n: usize| {
        if n == 1 {
            String::from("1 space")
        } else {
            format!("{n} spaces")
        }
    };
    let d = Diagnostic::error(
        Code::Syntax,
        format!(
            "invalid YAML: line {line} is indented {}, which lines up with no key above it",
            spaces(mine)
        ),
    );
    let at = Location::from_line_column(text, line, 1, mine.max(1));
    let label = format!("{} here", spaces(mine));
    let mut help = format!(
        "keys of one mapping line up: indent it {} like `{key}` on the line above",
        spaces(open[0])
    );
    let outer: Vec<String> = open.iter().skip(1).map(|n| spaces(*n)).collect();
    if !outer.is_empty() {
        help.push_str(&format!(
            ", or {} to make it a key of an enclosing mapping",
            outer.join(" or ")
        ));
    }
    Some(
        d.with_label(label)
            .with_help(help)
            .at(name, text.clone(), at),
    )
}

/// A line that opens a block scalar: `key: |`, `- >-`, `key: |+2 # comment`.
fn block_scalar(l: &str) -> bool {
    let v = l.split(" #").next().unwrap_or(l).trim_end();
    let indicator = v.rsplit([' ', ':']).next().unwrap_or("");
    let mut chars = indicator.chars();
    matches!(chars.next(), Some('|' | '>')) && chars.all(|c| matches!(c, '+' | '-' | '1'..='9'))
}

/// `key: value` or `- key: value` with a plain key (no flow collection, no explicit `?` key, no
/// continued scalar).
fn looks_like_a_key(l: &str) -> bool {
    let mut t = l.trim_start();
    while let Some(rest) = t.strip_prefix("- ") {
        t = rest.trim_start();
    }
    let Some((key, _)) = t.split_once(':') else {
        return false;
    };
    let key = key.trim();
    !key.is_empty()
        && !key.starts_with(['{', '[', '?', '#', '&', '*', '!', '|', '>'])
        && !key.contains(' ')
        || (key.starts_with('"') && key.ends_with('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_deeper_than_its_sibling_is_named_with_the_indent_to_use() {
        let text: Arc<str> = Arc::from("subject: a kite\ntext:\n headline: FLY\n  cta: GO\n");
        let d = indentation("b.yaml", &text, 4).expect("a hint");
        assert!(
            d.message.contains("line 4 is indented 2 spaces"),
            "{}",
            d.message
        );
        let help = d.help.expect("help");
        assert!(help.contains("indent it 1 space like `headline`"), "{help}");
    }

    #[test]
    fn a_key_of_a_list_item_lines_up_with_the_key_after_the_dash() {
        let text: Arc<str> =
            Arc::from("subject: kite\ntext:\n  labels:\n    - content: A\n     placement: top\n");
        let d = indentation("b.yaml", &text, 5).expect("a hint");
        assert!(
            d.help
                .expect("help")
                .contains("indent it 6 spaces like `content`")
        );
        // a line that lines up: the parser's own error stands
        let text: Arc<str> = Arc::from("subject: kite\ntext:\n  - headline: a\n    cta: b: c\n");
        assert!(indentation("b.yaml", &text, 4).is_none());
        for text in [
            "subject: |\n  deep text\n   more\n x: y\n",
            "subject: |+\n  deep text\n     more\n x: y\n",
            "subject: >2 # keep\n  deep text\n     more\n x: y\n",
            "subject: a kite\n  flying high\n   style: x\n",
            "x:\n  - {a: 1}\n   b: 2\n",
            "? subject\n: a\n  y: z\n",
        ] {
            let text: Arc<str> = Arc::from(text);
            let last = text.lines().count();
            assert!(indentation("b.yaml", &text, last).is_none(), "{text}");
        }
        let text: Arc<str> = Arc::from("subject: a kite\ntext:\n  headline: FLY\n\tcta: GO\n");
        let d = indentation("b.yaml", &text, 3).expect("the tab of the next line");
        assert!(
            d.message.contains("line 4 is indented with a tab"),
            "{}",
            d.message
        );
    }

    #[test]
    fn a_line_under_a_key_that_opens_a_block_is_fine() {
        let text: Arc<str> = Arc::from("text:\n   headline: FLY\n");
        assert!(indentation("b.yaml", &text, 2).is_none());
    }

    #[test]
    fn the_first_bytes_say_what_a_file_is() {
        assert_eq!(kind_of(b"\x89PNG\r\n\x1a\n"), Some("a PNG image"));
        assert_eq!(kind_of(b"RIFF\0\0\0\0WEBPVP8 "), Some("a WebP image"));
        assert_eq!(kind_of(b"\x80abc"), None);
        let d = not_text("x.json", b"\x89PNG\r\n", 0);
        assert!(d.message.contains("looks like a PNG image"));
        assert!(d.help.expect("help").contains("imgprompt verify"));
    }

    #[test]
    fn comments_and_markers_alone_are_blank() {
        assert!(is_blank("\n# a comment\n---\n  \n"));
        assert!(is_blank("%YAML 1.2\n--- # nothing\n"));
        assert!(!is_blank("# c\nsubject: x\n"));
    }
}
