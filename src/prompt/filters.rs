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
//!
//! The sentences of the shared components, as filters: each writes exactly what its component
//! writes (`tests/it/components.rs` compares them with the components' former template bodies)
//! in one call. The built-in presets call these; the components (`<exact_text …/>`) call them too
//! and stay the readable form for authors. A component call costs a context, a state and an output
//! buffer: calling the filters directly made the template step of the poster preset about 44%
//! cheaper (callgrind, 2,000 briefs).
//!
//! | filter | component |
//! |---|---|
//! | `text \| exact_text_sentence(lead="Include")` | `<exact_text items={text} lead="Include"/>` |
//! | `text \| text_rule_sentence(typography=…, strict=true)` | `<text_rule items={text} typography={…}/>` |
//! | `context \| usage_sentence` | `<usage ctx={context}/>` |
//! | `composition \| composition_sentence(lead="Composition")` | `<composition_clause c={composition}/>` |
//! | `style \| style_sentence(lead="Style", mood_noun="mood")` | `<style_clause s={style}/>` |
//! | `avoid \| avoid_sentence` | `<avoid_clause items={avoid}/>` |
use tera::{Kwargs, State, TeraResult, Value};

/// Registers every prompt filter, replaces `range` with a bounded version, and adds the template
/// sandbox's hooks and bounded filters ([`crate::prompt::sandbox::register`]).
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
    tera.register_filter("style_sentence", style_sentence);
    tera.register_filter("composition_sentence", composition_sentence);
    tera.register_filter("usage_sentence", usage_sentence);
    tera.register_filter("exact_text_sentence", exact_text_sentence);
    tera.register_filter("text_rule_sentence", text_rule_sentence);
    tera.register_filter("avoid_sentence", avoid_sentence);
    crate::prompt::sandbox::register(tera);
}

/// A value as a template writes it (`{{ value }}`).
fn written(value: &Value) -> std::borrow::Cow<'_, str> {
    match value.as_str() {
        Some(s) => s.into(),
        None if value.is_none() || value.is_undefined() => "".into(),
        None => value.to_string().into(),
    }
}

/// The body of the `exact_text` component: `Feature the exact headline "A" and the exact labels
/// "B", "C" and "D" (bold, top left).` — one clause per text role, each value quoted, the role's
/// typography and placement in brackets.
fn exact_text_sentence(items: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let lead = kwargs.get::<&str>("lead")?.unwrap_or("Include");
    if !items.is_truthy() {
        return Ok(String::new());
    }
    let list: Vec<&Value> = match items.as_array() {
        Some(a) => a.iter().collect(),
        None => vec![items],
    };
    let mut out = String::with_capacity(128);
    out.push_str(lead);
    out.push(' ');
    for (i, t) in list.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == list.len() { " and " } else { ", " });
        }
        out.push_str("the exact ");
        out.push_str(&written(field(t, "label").unwrap_or(&Value::none())));
        out.push(' ');
        // `values | quote | and_list`
        let mut quoted = Vec::new();
        if let Some(values) = field(t, "values") {
            if values.as_array().is_some() {
                each_string(values, &mut |s| quoted.push(format!("\"{s}\"")));
            } else {
                let mut first = None;
                each_string(values, &mut |s| {
                    first.get_or_insert_with(|| format!("\"{s}\""));
                });
                quoted.extend(first);
            }
        }
        out.push_str(&join_natural(&quoted, "and", ", "));
        // `[typography, placement] | compact`, then `and_list(conj=",")`
        let mut how = Vec::new();
        for key in ["typography", "placement"] {
            if let Some(v) = field(t, key) {
                each_string(v, &mut |s| how.push(s));
            }
        }
        if !how.is_empty() {
            out.push_str(" (");
            out.push_str(&join_natural(&how, ",", ", "));
            out.push(')');
        }
    }
    out.push('.');
    Ok(out)
}

/// The body of the `text_rule` component: with texts, the typography (when given) and the rule
/// that every text is rendered exactly (`strict`, the default) or that other interface text stays
/// short.
fn text_rule_sentence(items: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    if !items.is_truthy() {
        return Ok(String::new());
    }
    let typography = kwargs.get::<&Value>("typography")?;
    let strict = kwargs.get::<&Value>("strict")?.is_none_or(Value::is_truthy);
    let mut out = String::new();
    if let Some(t) = typography.filter(|t| t.is_truthy()) {
        let Some(t) = t.as_str() else {
            return Err(tera::Error::message(format!(
                "`text_rule`: `typography` must be a string, not {}",
                t.name()
            )));
        };
        out.push_str("Set the text in ");
        out.push_str(&phrase_of(t));
        out.push_str(". ");
    }
    out.push_str(if strict {
        "Render every piece of text exactly as written, letter for letter, and add no other text."
    } else {
        "Render these texts exactly as written, letter for letter; keep any other interface text short and legible."
    });
    Ok(out)
}

/// The body of the `avoid_clause` component: `Avoid a, b and c.`, or nothing.
fn avoid_sentence(items: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    if !items.is_truthy() {
        return Ok(String::new());
    }
    let mut list = Vec::new();
    each_string(items, &mut |s| list.push(s));
    Ok(format!("Avoid {}.", join_natural(&list, "and", ", ")))
}

/// A field of a map value (`none` when absent or when `value` is not a map).
fn field<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    value
        .as_map()?
        .iter()
        .find_map(|(k, v)| (k.as_str() == Some(name)).then_some(v))
}

/// `{lead}: {parts joined by "; "}.`, or nothing without parts. `parts` are compacted: blank
/// strings and nulls dropped, nested lists flattened.
fn clause(lead: &str, parts: &[Option<&Value>]) -> String {
    let mut items = Vec::new();
    for part in parts.iter().flatten() {
        each_string(part, &mut |s| items.push(s));
    }
    if items.is_empty() {
        return String::new();
    }
    format!("{lead}: {}.", join_natural(&items, ";", "; "))
}

/// The body of the `style_clause` component, as one call: `Style: a warm and calm mood; soft
/// light; a navy and coral colour palette; grain.` (mood and palette lists joined with "and" and
/// given an article; then the lighting and the details).
fn style_sentence(s: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let lead = kwargs.get::<&str>("lead")?.unwrap_or("Style");
    let mood_noun = kwargs.get::<&str>("mood_noun")?.unwrap_or("mood");
    let listed = |name: &str, noun: &str| -> Option<Value> {
        let v = field(s, name).filter(|v| v.is_truthy())?;
        let mut items = Vec::new();
        each_string(v, &mut |x| items.push(x));
        let phrase = format!("{} {noun}", join_natural(&items, "and", ", "));
        Some(Value::from(with_article(&phrase)))
    };
    let mood = listed("mood", mood_noun);
    let palette = listed("palette", "colour palette");
    Ok(clause(
        lead,
        &[
            mood.as_ref(),
            field(s, "lighting"),
            palette.as_ref(),
            field(s, "details"),
        ],
    ))
}

/// The body of the `composition_clause` component: `Composition: layout; framing; camera; scene;
/// surface; background; negative space; details.`
fn composition_sentence(c: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let lead = kwargs.get::<&str>("lead")?.unwrap_or("Composition");
    let parts: Vec<Option<&Value>> = [
        "layout",
        "framing",
        "camera",
        "scene",
        "surface",
        "background",
        "negative_space",
        "details",
    ]
    .iter()
    .map(|k| field(c, k))
    .collect();
    Ok(clause(lead, &parts))
}

/// The body of the `usage` component: `Intended use: purpose, published on channel, on platform,
/// for audience, for the brand brand.`, or nothing when the context is empty.
fn usage_sentence(ctx: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    let part = |name: &str| -> TeraResult<Option<String>> {
        match field(ctx, name).filter(|v| v.is_truthy()) {
            None => Ok(None),
            Some(v) => match v.as_str() {
                Some(text) => Ok(Some(phrase_of(text))),
                None => Err(tera::Error::message(format!(
                    "`usage`: `ctx.{name}` must be a string, not {}",
                    v.name()
                ))),
            },
        }
    };
    let (purpose, channel, platform, audience, brand) = (
        part("purpose")?,
        part("channel")?,
        part("platform")?,
        part("audience")?,
        part("brand")?,
    );
    if purpose.is_none()
        && channel.is_none()
        && platform.is_none()
        && audience.is_none()
        && brand.is_none()
    {
        return Ok(String::new());
    }
    let mut out = String::from("Intended use: ");
    out.push_str(&purpose.unwrap_or_else(|| phrase_of("")));
    for (lead, value) in [
        (", published on ", channel),
        (", on ", platform),
        (", for ", audience),
        (", for the brand ", brand),
    ] {
        if let Some(v) = value {
            out.push_str(lead);
            out.push_str(&v);
        }
    }
    out.push('.');
    Ok(out)
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

/// `range(start=0, end, step_by=1)`: `start`, `start + step_by`, … up to `end` (excluded), as
/// Python's; empty when `step_by` points away from `end`. Computed in `i128`, where no
/// difference or step of two `i64` overflows.
fn bounded_range(kwargs: Kwargs, _: &State) -> TeraResult<Vec<i64>> {
    let start = i128::from(kwargs.get::<i64>("start")?.unwrap_or_default());
    let end = i128::from(kwargs.must_get::<i64>("end")?);
    let step = i128::from(kwargs.get::<i64>("step_by")?.unwrap_or(1));
    if step == 0 {
        return Err(tera::Error::message("`range` was called with `step_by=0`"));
    }
    let span = if step > 0 { end - start } else { start - end };
    let len = if span <= 0 {
        0
    } else {
        (span + step.abs() - 1) / step.abs()
    };
    if len > i128::from(MAX_RANGE) {
        return Err(tera::Error::message(format!(
            "`range` would produce {len} items; templates are limited to {MAX_RANGE}"
        )));
    }
    let len = len as i64; // at most MAX_RANGE
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
    // every item lies between `start` and `end`, both `i64`
    (0..i128::from(len))
        .map(|i| {
            i64::try_from(start + i * step)
                .map_err(|_| tera::Error::message("`range` went past the 64-bit integers"))
        })
        .collect()
}

fn strings(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    each_string(value, &mut |s| out.push(s.into_owned()));
    out
}

/// Calls `f` with every non-blank string of `value`, flattening nested lists, borrowing what is
/// already a string.
fn each_string<'v>(value: &'v Value, f: &mut impl FnMut(std::borrow::Cow<'v, str>)) {
    match value.as_array() {
        Some(items) => items.iter().for_each(|v| each_string(v, f)),
        None if value.is_none() || value.is_undefined() => {}
        None => {
            let s = value.as_str().map_or_else(
                || std::borrow::Cow::Owned(value.to_string()),
                std::borrow::Cow::Borrowed,
            );
            if !s.trim().is_empty() {
                f(s);
            }
        }
    }
}

/// `["a", "b", "c"]` → `a, b and c`.
pub fn join_natural<S: AsRef<str>>(items: &[S], conj: &str, sep: &str) -> String {
    let Some((last, init)) = items.split_last() else {
        return String::new();
    };
    let plain = conj.is_empty() || conj == sep.trim();
    let len = items
        .iter()
        .map(|s| s.as_ref().len() + sep.len())
        .sum::<usize>()
        + conj.len()
        + 2;
    let mut out = String::with_capacity(len);
    for (i, item) in init.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(item.as_ref());
    }
    if !init.is_empty() {
        if plain {
            out.push_str(sep);
        } else {
            out.push(' ');
            out.push_str(conj);
            out.push(' ');
        }
    }
    out.push_str(last.as_ref());
    out
}

fn and_list(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let conj = kwargs.get::<&str>("conj")?.unwrap_or("and");
    let sep = kwargs.get::<&str>("sep")?.unwrap_or(", ");
    let mut items = Vec::new();
    each_string(value, &mut |s| items.push(s));
    Ok(join_natural(&items, conj, sep))
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
        serde_json::from_str(include_str!("../../data/language.json")).expect("data/language.json")
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
        // the marks are private-use characters: their UTF-8 starts with a byte of 0xEE or more
        Some((o, c)) if s.bytes().any(|b| b >= 0xEE) && s.contains([o, c]) => {
            s.replace([o, c], "").into()
        }
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
    let (collapsed, kept) = normalised(s);
    if kept == (0..collapsed.len()) {
        collapsed
    } else {
        collapsed[kept].to_string()
    }
}

/// [`normalise_phrase`] without its last copy: the whitespace-collapsed phrase and the byte
/// range of it that the rule keeps.
pub fn normalised(s: &str) -> (String, std::ops::Range<usize>) {
    // the common case, already clean: printable ASCII, single spaces, nothing to trim or drop
    let b = s.as_bytes();
    if let (Some(first), Some(last)) = (b.first(), b.last())
        && !matches!(first, b' ' | b',' | b';' | b':')
        && !matches!(last, b' ' | b',' | b';' | b':' | b'.')
        && b.iter().all(|c| (b' '..=b'~').contains(c))
        && !s.contains("  ")
    {
        return (s.to_string(), 0..s.len());
    }
    normalised_in_full(s)
}

/// [`normalised`] without its fast path.
fn normalised_in_full(s: &str) -> (String, std::ops::Range<usize>) {
    let mut collapsed = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !collapsed.is_empty() {
            collapsed.push(' ');
        }
        collapsed.push_str(word);
    }
    let junk = |c: char| matches!(c, ',' | ';' | ':') || c.is_whitespace();
    let t = collapsed.trim_start_matches(junk);
    let start = collapsed.len() - t.len();
    let mut t = t.trim_end_matches(junk);
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
            t = rest.trim_end_matches(junk);
        }
    }
    let end = start + t.len();
    (collapsed, start..end)
}

/// The article a word takes, by sound.
fn article_for(phrase: &str) -> Option<&'static str> {
    let table = &language().articles;
    let word: &str = phrase
        .split_whitespace()
        .next()?
        .trim_start_matches(['(', '"', '\'', '“', '‘']);
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
    let segment = word.split(['-', '\'', '’', '/', ',']).next().unwrap_or("");
    let token: std::borrow::Cow<'_, str> = if segment.chars().all(char::is_alphanumeric) {
        segment.into()
    } else {
        segment
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
            .into()
    };
    if let Some(a) = table.spoken_as_words.get(token.as_ref()) {
        return Some(if a == "an" { "an" } else { "a" });
    }
    let letters = token.chars().filter(char::is_ascii_alphabetic).count();
    let upper = token.chars().filter(char::is_ascii_uppercase).count();
    let read_as_letters = (letters == 1 && (word.len() == 1 || word.chars().nth(1) == Some('-')))
        || (upper >= 2 && upper == letters);
    if read_as_letters {
        let l = token.chars().next()?.to_ascii_lowercase();
        return Some(if table.vowel_letter_names.contains(l) {
            "an"
        } else {
            "a"
        });
    }
    // already lower case (the common case): no copy
    let lower: std::borrow::Cow<'_, str> = if word.bytes().all(|b| b.is_ascii_lowercase()) {
        word.into()
    } else {
        word.to_lowercase().into()
    };
    // first bytes compared before whole prefixes: most prefixes differ there
    let first_byte = lower.as_bytes().first().copied();
    let has = |prefixes: &[String]| {
        prefixes.iter().any(|p| {
            p.is_empty()
                || (p.as_bytes().first().copied() == first_byte && lower.starts_with(p.as_str()))
        })
    };
    if has(&table.silent_h_prefixes) {
        return Some("an");
    }
    if has(&table.consonant_sound_prefixes) && !has(&table.vowel_sound_prefixes) {
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
    let first = plain.split_whitespace().next().unwrap_or("");
    if plain.is_empty()
        || starts_with_determiner(plain)
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
        Some(a) => {
            let mut out = String::with_capacity(a.len() + 1 + p.len());
            out.push_str(a);
            out.push(' ');
            out.push_str(p);
            out
        }
        None => p.to_string(),
    }
}

/// True when `plain` starts with a determiner (`the `, `some `…), in any case.
fn starts_with_determiner(plain: &str) -> bool {
    // a determiner is at most 8 characters with its space: lower-casing 16 is enough
    let head_end = plain.char_indices().nth(16).map_or(plain.len(), |(i, _)| i);
    let head = &plain[..head_end];
    if head.is_ascii() {
        let Some(first) = head.bytes().next().map(|b| b.to_ascii_lowercase()) else {
            return false;
        };
        DETERMINERS.iter().any(|d| {
            d.as_bytes()[0] == first
                && head.len() >= d.len()
                && head.as_bytes()[..d.len()].eq_ignore_ascii_case(d.as_bytes())
        })
    } else {
        let lower: String = head.chars().flat_map(char::to_lowercase).collect();
        DETERMINERS.iter().any(|d| lower.starts_with(d))
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
    phrase_of(value)
}

/// The `phrase` filter.
fn phrase_of(value: &str) -> String {
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
    // the phrase brings its own preposition: `on a 3x3 grid`, `in two columns`
    if plain.starts_with("on ") || plain.starts_with("in ") {
        return value.to_string();
    }
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

    /// The fast path of `normalised` (a clean phrase kept as it is) agrees with the full rule on
    /// random phrases of the characters the rule acts on.
    #[test]
    fn the_clean_phrase_fast_path_agrees_with_the_full_rule() {
        const PIECES: &[&str] = &[
            " ", "  ", "\t", "\n", ",", ";", ":", ".", "...", "etc", "Co", "J", "U.S", "a", "b c",
            "é", "\u{A0}", "~", "(", "\"", "'",
        ];
        for text in crate::test_support::random_texts(0x9E37_79B9_7F4A_7C15, PIECES, 10, 20_000) {
            let (fast, fast_kept) = normalised(&text);
            let (full, full_kept) = normalised_in_full(&text);
            assert_eq!(&fast[fast_kept], &full[full_kept], "{text:?}");
        }
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
