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
//! | `grid` | a layout grid after "Lay it out" | `two columns` → `in two columns`, `Swiss grid` → `on a Swiss grid` |
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
    tera.register_filter("grid", grid);
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

/// The language tables (`data/language.json`).
#[derive(Debug, serde::Deserialize)]
pub struct Language {
    /// Words whose final full stop is theirs (`etc`, `co`), without the dot, lower case.
    pub abbreviations: Vec<String>,
    /// a/an by sound.
    pub articles: Articles,
}

/// How a/an is chosen.
#[derive(Debug, serde::Deserialize)]
pub struct Articles {
    /// Letters whose name starts with a vowel sound (`aefhilmnorsx`).
    pub vowel_letter_names: String,
    /// Acronyms read as words, with their article.
    pub spoken_as_words: std::collections::HashMap<String, String>,
    /// `hour`, `honest`: an.
    pub silent_h_prefixes: Vec<String>,
    /// `uni`, `eu`, `one`: a.
    pub consonant_sound_prefixes: Vec<String>,
    /// Exceptions to those: `unin` (an uninspired).
    pub vowel_sound_prefixes: Vec<String>,
}

/// The shipped language tables.
pub fn language() -> &'static Language {
    static L: std::sync::OnceLock<Language> = std::sync::OnceLock::new();
    L.get_or_init(|| {
        serde_json::from_str(include_str!("../data/language.json")).expect("data/language.json")
    })
}

thread_local! {
    /// The two characters marking a user phrase in the render under way (see `render.rs`).
    static MARKS: std::cell::Cell<Option<(char, char)>> = const { std::cell::Cell::new(None) };
}

/// Sets (or clears) the user-phrase marks for the renders of this thread.
pub fn set_marks(marks: Option<(char, char)>) {
    MARKS.with(|m| m.set(marks));
}

fn marks() -> Option<(char, char)> {
    MARKS.with(std::cell::Cell::get)
}

/// The text without user-phrase marks.
pub fn unmarked(s: &str) -> std::borrow::Cow<'_, str> {
    match marks() {
        Some((o, c)) if s.contains([o, c]) => s.replace([o, c], "").into(),
        _ => s.into(),
    }
}

/// A user phrase made ready to sit inside a sentence or a list — and nothing more: surrounding
/// whitespace trimmed, inner runs of whitespace collapsed to one space, leading and trailing
/// commas, semicolons and colons dropped, and one trailing full stop dropped unless it belongs to
/// the phrase (an ellipsis `...`, or an abbreviation: `etc.`, `Co.`, `U.S.A.`, an initial `J.`;
/// `U.S..` loses its second dot).
/// Every other character — inner commas, semicolons, parentheses, quotes, slashes, percent signs,
/// ampersands, abbreviations, any script — is kept byte for byte.
pub fn normalise_phrase(s: &str) -> String {
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut t = collapsed
        .trim_matches(|c: char| matches!(c, ',' | ';' | ':') || c.is_whitespace())
        .to_string();
    if let Some(rest) = t.strip_suffix('.')
        && !rest.ends_with("..")
    {
        let last = rest.rsplit([' ', '(', '"', '\'']).next().unwrap_or(rest);
        let lower = last.to_lowercase();
        // `U.S..`: the second dot is the sentence's, the first the abbreviation's
        let abbreviation = (lower.contains('.') && !rest.ends_with('.'))
            || (last.chars().count() == 1 && last.chars().all(char::is_alphabetic))
            || language().abbreviations.contains(&lower);
        if !abbreviation {
            t = rest
                .trim_end_matches(|c: char| matches!(c, ',' | ';' | ':') || c.is_whitespace())
                .to_string();
        }
    }
    t
}

/// The article a word takes, by sound.
fn article_for(phrase: &str) -> Option<&'static str> {
    let table = &language().articles;
    let word: String = phrase
        .split_whitespace()
        .next()?
        .trim_start_matches(['(', '"', '\'', '“', '‘'])
        .to_string();
    let first = word.chars().next()?;
    if first.is_ascii_digit() {
        // numbers read aloud: eight…, eleven…, eighteen… take `an`
        let run: String = word
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ',')
            .collect();
        let grouped = run.contains(',');
        let digits: String = run.chars().filter(char::is_ascii_digit).collect();
        let lead = if grouped {
            run.split(',').next().unwrap_or("").to_string()
        } else {
            digits.clone()
        };
        let vowel = lead.starts_with('8')
            || ((lead.starts_with("11") || lead.starts_with("18"))
                && (grouped && lead.len() == 2 || matches!(lead.len(), 2 | 4 | 5 | 8)));
        return Some(if vowel { "an" } else { "a" });
    }
    // the token as written, up to a hyphen: `X-ray` → `X`, `FAQ` → `FAQ`
    let token: String = word
        .split(['-', '\'', '’', '/', ','])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    if let Some(a) = table.spoken_as_words.get(&token) {
        return Some(if a == "an" { "an" } else { "a" });
    }
    let letters = token.chars().filter(char::is_ascii_alphabetic).count();
    let upper = token.chars().filter(char::is_ascii_uppercase).count();
    let read_as_letters = (letters == 1 && word.len() > 1 && word[1..].starts_with('-'))
        || (letters == 1 && word.len() == 1)
        || (upper >= 2 && upper == letters);
    if read_as_letters {
        let l = token.chars().next()?.to_ascii_lowercase();
        return Some(if table.vowel_letter_names.contains(l) {
            "an"
        } else {
            "a"
        });
    }
    let lower = word.to_lowercase();
    if table
        .silent_h_prefixes
        .iter()
        .any(|p| lower.starts_with(p.as_str()))
    {
        return Some("an");
    }
    if table
        .consonant_sound_prefixes
        .iter()
        .any(|p| lower.starts_with(p.as_str()))
        && !table
            .vowel_sound_prefixes
            .iter()
            .any(|p| lower.starts_with(p.as_str()))
    {
        return Some("a");
    }
    Some(if lower.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    })
}

/// `event poster` → `an event poster`, `8-bit game screen` → `an 8-bit game screen`; leaves
/// `the stage`, `2 cats`, `Apple's store` alone. a/an is chosen by sound (see
/// `data/language.json`).
pub fn with_article(phrase: &str) -> String {
    let p = phrase.trim();
    let plain = unmarked(p);
    let plain = plain.trim();
    let lower = plain.to_lowercase();
    let first = plain.split_whitespace().next().unwrap_or("");
    if plain.is_empty()
        || DETERMINERS.iter().any(|d| lower.starts_with(d))
        || plain.starts_with(['"', '\''])
        // a bare number is a quantity: `2 cats`
        || (first.chars().all(|c| c.is_ascii_digit() || c == ',') && plain.contains(' '))
        || first.ends_with("'s")
        || first.ends_with('s')
            && first.len() > 3
            && !first.ends_with("ss")
            && plain.split_whitespace().count() == 1
            && !first.chars().all(|c| c.is_ascii_uppercase())
    {
        return p.to_string();
    }
    match article_for(plain) {
        Some(a) => format!("{a} {p}"),
        None => p.to_string(),
    }
}

/// `event poster` → `an event poster`; leaves `the stage`, `two cats`, `Apple's store` alone.
fn article(value: &str, _: Kwargs, _: &State) -> String {
    with_article(value)
}

/// The leading marks of `s` and the rest.
fn split_leading_marks(s: &str) -> (&str, &str) {
    match marks() {
        Some((o, _)) => {
            let n = s.len() - s.trim_start_matches(o).len();
            (&s[..n], &s[n..])
        }
        None => ("", s),
    }
}

fn sentence(value: &str, _: Kwargs, _: &State) -> String {
    let t = value.trim();
    if t.is_empty() {
        return String::new();
    }
    let (lead, rest) = split_leading_marks(t);
    let mut chars = rest.chars();
    let first = chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>())
        .unwrap_or_default();
    let mut out = format!("{lead}{first}{}", chars.as_str());
    let plain = unmarked(&out).to_string();
    if !plain.ends_with(['.', '!', '?', '"', '\u{E001}']) {
        out.push('.');
    }
    out
}

/// A user phrase to embed mid-sentence: normalised ([`normalise_phrase`]) and marked as the
/// user's, so the tidy pass never touches its characters. Already-marked values pass through.
fn phrase(value: &str, _: Kwargs, _: &State) -> String {
    let t = value.trim();
    match marks() {
        Some((o, _)) if t.starts_with(o) => t.to_string(),
        Some((o, c)) => {
            let n = normalise_phrase(t);
            if n.is_empty() {
                n
            } else {
                format!("{o}{n}{c}")
            }
        }
        None => normalise_phrase(t),
    }
}

fn lcfirst(value: &str, _: Kwargs, _: &State) -> String {
    let (lead, rest) = split_leading_marks(value);
    let mut chars = rest.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && !b.is_uppercase() => {
            let mut s: String = lead.to_string();
            s.extend(a.to_lowercase());
            s.push_str(&rest[a.len_utf8()..]);
            s
        }
        _ => value.to_string(),
    }
}

/// A layout grid as the end of "Lay it out …": `Swiss 12-column grid` → `on a Swiss 12-column
/// grid`, `two columns` → `in two columns`, `three-column layout` → `in a three-column layout`,
/// `modular` → `on a modular grid`. The user's words are kept as written.
fn grid(value: &str, _: Kwargs, _: &State) -> String {
    let plain = unmarked(value).trim().to_lowercase();
    let last = plain.rsplit(' ').next().unwrap_or("");
    match last {
        "grid" | "grids" => format!("on {}", with_article(value)),
        "columns" | "column" | "rows" | "row" | "layout" | "format" | "modules" | "panels" => {
            format!("in {}", with_article(value))
        }
        _ => format!("on {} grid", with_article(value)),
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
        // by sound, not by letter
        for (phrase, article) in [
            ("8-bit game screen", "an"),
            ("11-page booklet", "an"),
            ("18th-century etching", "an"),
            ("1-page flyer", "a"),
            ("100-year map", "a"),
            ("1800s street", "an"),
            ("80s poster", "an"),
            ("X-ray illustration", "an"),
            ("T-shirt mockup", "a"),
            ("MBA brochure", "an"),
            ("FAQ page", "an"),
            ("SVG badge", "an"),
            ("UI kit", "a"),
            ("URL card", "a"),
            ("NASA poster", "a"),
            ("hour-long timelapse", "an"),
            ("honest portrait", "an"),
            ("university campus", "a"),
            ("European street", "a"),
            ("one-off print", "a"),
            ("unicorn sticker", "a"),
            ("uninspired sketch", "an"),
            ("umbrella", "an"),
            ("owl", "an"),
        ] {
            assert_eq!(
                with_article(phrase),
                format!("{article} {phrase}"),
                "{phrase}"
            );
        }
        // a bare number is a quantity
        assert_eq!(with_article("2 cats"), "2 cats");
    }

    #[test]
    fn phrases_are_normalised_and_nothing_more() {
        for (input, want) in [
            ("  soft   light. ", "soft light"),
            ("warm, cosy, etc.", "warm, cosy, etc."),
            ("Crumb & Co.", "Crumb & Co."),
            ("the U.S.A.", "the U.S.A."),
            ("the U.S..", "the U.S."),
            ("fade to black...", "fade to black..."),
            ("Wow!", "Wow!"),
            ("portrait of J.", "portrait of J."),
            ("red,", "red"),
            ("; glossy; matte;", "glossy; matte"),
            ("50% off / today (only)", "50% off / today (only)"),
            ("café crème.", "café crème"),
        ] {
            assert_eq!(normalise_phrase(input), want, "{input:?}");
        }
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
