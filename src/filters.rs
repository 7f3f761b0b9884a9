//! Prompt-writing filters registered by the engine for every preset template.
//!
//! | filter | does | example |
//! |---|---|---|
//! | `and_list(conj="and", sep=", ")` | natural-language list, empty items dropped | `["a","b","c"]` → `a, b and c` |
//! | `quote` | wraps a string (or each item of a list) in double quotes | `Sale` → `"Sale"` |
//! | `article` | prefixes `a`/`an` unless the phrase already has a determiner | `event poster` → `an event poster` |
//! | `sentence` | capitalises the first letter and ends with a full stop | `bold type` → `Bold type.` |
//! | `phrase` | trims and drops a trailing full stop, to embed user text mid-sentence | `A stone surface.` → `A stone surface` |
//! | `lcfirst` | lower-cases the first letter unless the word is an acronym | `Cinematic poster` → `cinematic poster` |
//! | `compact` | drops empty strings and nulls from a list | `["a", "", null]` → `["a"]` |
use tera::{Kwargs, State, TeraResult, Value};

/// Registers every prompt filter, and replaces `range` with a bounded version.
pub fn register(tera: &mut tera::Tera) {
    tera.register_filter("and_list", and_list);
    tera.register_filter("quote", quote);
    tera.register_filter("article", article);
    tera.register_filter("sentence", sentence);
    tera.register_filter("phrase", phrase);
    tera.register_filter("lcfirst", lcfirst);
    tera.register_filter("compact", compact);
    tera.register_function("range", bounded_range);
}

/// The most items one `range` call may produce in a template.
pub const MAX_RANGE: i64 = 10_000;

/// The most items all `range` calls of one render may produce together: nested loops cannot
/// multiply past it, even when they write nothing (the output and time limits only see writes).
pub const MAX_RANGE_TOTAL: i64 = 100_000;

thread_local! {
    static RANGE_BUDGET: std::cell::Cell<i64> = const { std::cell::Cell::new(MAX_RANGE_TOTAL) };
}

/// Resets the per-render `range` budget (called before every render).
pub fn reset_range_budget() {
    RANGE_BUDGET.with(|b| b.set(MAX_RANGE_TOTAL));
}

fn bounded_range(kwargs: Kwargs, _: &State) -> TeraResult<Vec<i64>> {
    let start = kwargs.get::<i64>("start")?.unwrap_or_default();
    let end = kwargs.must_get::<i64>("end")?;
    let step = kwargs.get::<i64>("step_by")?.unwrap_or(1);
    if step == 0 {
        return Err(tera::Error::message("`range` was called with `step_by=0`"));
    }
    let len = if step > 0 {
        (end - start).max(0) / step
    } else {
        (start - end).max(0) / -step
    };
    if len > MAX_RANGE {
        return Err(tera::Error::message(format!(
            "`range` would produce {len} items; templates are limited to {MAX_RANGE}"
        )));
    }
    let left = RANGE_BUDGET.with(|b| {
        let left = b.get() - len;
        b.set(left);
        left
    });
    if left < 0 {
        return Err(tera::Error::message(format!(
            "`range` calls of this render would produce more than {MAX_RANGE_TOTAL} items in all; a template must not loop without bound"
        )));
    }
    Ok((0..len).map(|i| start + i * step).collect())
}

fn strings(value: &Value) -> Vec<String> {
    match value.as_array() {
        Some(items) => items.iter().flat_map(strings).collect(),
        None if value.is_none() || value.is_undefined() => Vec::new(),
        None => {
            let s = value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_string);
            if s.trim().is_empty() {
                Vec::new()
            } else {
                vec![s]
            }
        }
    }
}

/// `["a", "b", "c"]` → `a, b and c`.
pub fn join_natural(items: &[String], conj: &str, sep: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => {
            if conj.is_empty() || conj == sep.trim() {
                format!("{}{sep}{last}", init.join(sep))
            } else {
                format!("{} {conj} {last}", init.join(sep))
            }
        }
    }
}

fn and_list(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let conj = kwargs.get::<&str>("conj")?.unwrap_or("and");
    let sep = kwargs.get::<&str>("sep")?.unwrap_or(", ");
    Ok(join_natural(&strings(value), conj, sep))
}

fn quote(value: &Value, _: Kwargs, _: &State) -> Value {
    match value.as_array() {
        Some(items) => Value::from(
            items
                .iter()
                .flat_map(strings)
                .map(|s| format!("\"{s}\""))
                .map(Value::from)
                .collect::<Vec<_>>(),
        ),
        None => Value::from(
            strings(value)
                .first()
                .map(|s| format!("\"{s}\""))
                .unwrap_or_default(),
        ),
    }
}

const DETERMINERS: &[&str] = &[
    "a ", "an ", "the ", "this ", "that ", "these ", "those ", "some ", "one ", "two ", "three ",
    "several ", "many ", "his ", "her ", "their ", "our ", "my ", "your ", "its ", "every ",
    "each ",
];

/// `event poster` → `an event poster`; leaves `the stage`, `two cats`, `Apple's store` alone.
pub fn with_article(phrase: &str) -> String {
    let p = phrase.trim();
    let lower = p.to_lowercase();
    if p.is_empty()
        || DETERMINERS.iter().any(|d| lower.starts_with(d))
        || p.starts_with(|c: char| c.is_ascii_digit() || c == '"' || c == '\'')
        || p.split_whitespace().next().is_some_and(|w| {
            w.ends_with("'s")
                || w.ends_with('s')
                    && w.len() > 3
                    && !w.ends_with("ss")
                    && p.split_whitespace().count() == 1
        })
    {
        return p.to_string();
    }
    let first_word = lower.split_whitespace().next().unwrap_or("");
    let vowel_sound = match first_word {
        w if w.starts_with("uni")
            || w.starts_with("use")
            || w.starts_with("eu")
            || w.starts_with("one") =>
        {
            false
        }
        w if w.starts_with("hour") || w.starts_with("honest") || w.starts_with("heir") => true,
        w if w.len() <= 4
            && w.chars().all(|c| c.is_ascii_alphabetic())
            && p.split_whitespace()
                .next()
                .is_some_and(|o| o.chars().all(|c| c.is_ascii_uppercase())) =>
        {
            // acronyms are read letter by letter: an SVG, a UI, an FAQ
            "aefhilmnorsx".contains(first_word.chars().next().unwrap_or('b'))
        }
        w => w.starts_with(['a', 'e', 'i', 'o', 'u']),
    };
    format!("{} {p}", if vowel_sound { "an" } else { "a" })
}

fn article(value: &str, _: Kwargs, _: &State) -> String {
    with_article(value)
}

fn sentence(value: &str, _: Kwargs, _: &State) -> String {
    let t = value.trim();
    if t.is_empty() {
        return String::new();
    }
    let mut chars = t.chars();
    let first = chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    let mut out = first + chars.as_str();
    if !out.ends_with(['.', '!', '?', '"', '\u{E001}']) {
        out.push('.');
    }
    out
}

fn phrase(value: &str, _: Kwargs, _: &State) -> String {
    let t = value.trim();
    match t.strip_suffix('.') {
        Some(rest) if !rest.ends_with('.') => rest.trim_end().to_string(),
        _ => t.to_string(),
    }
}

fn lcfirst(value: &str, _: Kwargs, _: &State) -> String {
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            let mut s: String = a.to_lowercase().collect();
            s.push_str(&value[a.len_utf8()..]);
            s
        }
        _ => value.to_string(),
    }
}

fn compact(value: &Value, _: Kwargs, _: &State) -> Value {
    Value::from(
        strings(value)
            .into_iter()
            .map(Value::from)
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles() {
        assert_eq!(with_article("event poster"), "an event poster");
        assert_eq!(
            with_article("cinematic event poster"),
            "a cinematic event poster"
        );
        assert_eq!(with_article("the stage"), "the stage");
        assert_eq!(with_article("unique mug"), "a unique mug");
        assert_eq!(with_article("hour glass"), "an hour glass");
        assert_eq!(with_article("UI mockup"), "a UI mockup");
        assert_eq!(with_article("SVG icon"), "an SVG icon");
        assert_eq!(
            with_article("app store screenshot"),
            "an app store screenshot"
        );
    }

    #[test]
    fn natural_lists() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(join_natural(&v(&[]), "and", ", "), "");
        assert_eq!(join_natural(&v(&["a"]), "and", ", "), "a");
        assert_eq!(join_natural(&v(&["a", "b"]), "and", ", "), "a and b");
        assert_eq!(join_natural(&v(&["a", "b", "c"]), "or", ", "), "a, b or c");
    }
}
