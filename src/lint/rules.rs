//! The checks behind [`RULES`](super::RULES), one function per rule, each named after its id.
//! A check reads the shared [`Context`] and returns its findings in the order they are reported;
//! the prose rules read the masked prompt, so an exact text is never a finding of theirs.
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use regex::Regex;
use serde_json::Value;

use super::{Context, cached_regex, finding, is_quoted};
use crate::brief::source::JsonPath;
use crate::diagnostic::{Code, Diagnostic};
use crate::validate::size::Size;

/// `exact-text-missing`: every exact text of the brief is in the prompt verbatim, quoted as the
/// renderer quotes it. An exact text is the one thing a brief promises to the letter, so a
/// template that drops, rewrites or unquotes it is an error; the finding points at the text in
/// the brief.
pub(super) fn exact_text_missing(cx: &Context<'_>) -> Vec<Diagnostic> {
    cx.texts
        .iter()
        .filter(|t| !is_quoted(&cx.rendering.prompt, &t.text))
        .map(|t| {
            let message = format!(
                "the exact text {:?} is not in the prompt verbatim, in double quotes",
                t.text
            );
            cx.in_brief(finding(Code::ExactTextMissing, message), &t.path)
        })
        .collect()
}

/// `text-vs-no-text`: when the brief has exact text, no avoid item, and no style detail that
/// starts with "no " or "without ", names a no-text word of the table ("text", "letters",
/// "watermark"…). The model cannot both write the text and leave all text out, and usually
/// drops the text.
pub(super) fn text_vs_no_text(cx: &Context<'_>) -> Vec<Diagnostic> {
    if cx.texts.is_empty() {
        return Vec::new();
    }
    let Some(re) = no_text_regex(&cx.table.no_text_words) else {
        return Vec::new();
    };
    let family = cx.rendering.payload.target.family();
    let negatives = cx.engine.family_book().rules(family).negatives;
    // "extra text" is narrow in a sentence ("Avoid extra text") and in a positive rewrite, but a
    // negative prompt or `--no` weighs each word alone: "extra" is lost, "text" pushes away
    // the exact text too
    let field = matches!(
        negatives,
        crate::prompt::family::Negatives::Field | crate::prompt::family::Negatives::Parameter
    );
    // narrow: more text than asked for, or text done badly (`blurry letters`, `bad typography`)
    let narrow = cached_regex(
        r"(?i)\b(?:extra|other|additional|stray|unwanted|more|blurry|bad|misspelled|distorted|garbled|illegible|warped|broken|malformed|ugly|poor|jumbled|deformed|low[- ]quality)\s+\w+",
    )
    .ok();
    no_text_candidates(&cx.rendering.brief)
        .into_iter()
        .filter_map(|(path, value)| {
            let m = re.find(value)?;
            let is_narrow = path.starts_with("avoid")
                && narrow.as_ref().is_some_and(|n| n.is_match(value));
            if is_narrow && !field {
                return None;
            }
            let d = if is_narrow {
                finding(
                    Code::TextVsNoText,
                    format!("`{path}` goes to the {family} request's negatives, where \"{}\" is weighed word by word: \"{}\" pushes away the exact text too", value.trim(), m.as_str()),
                )
                .with_help("drop it from `avoid`: in a negative prompt it works against the exact text")
            } else {
                finding(
                    Code::TextVsNoText,
                    format!("`{path}` asks to avoid \"{}\", but the brief has exact text that must appear", m.as_str()),
                )
                .with_help("remove the no-text wording (keep it narrow, e.g. \"extra text\"), or drop the exact text")
            };
            Some(cx.in_brief(d, &path))
        })
        .collect()
}

/// Any of the no-text words as a whole word, case-insensitively; `None` when a table makes the
/// pattern too large to compile (the rule then finds nothing).
fn no_text_regex(words: &[String]) -> Option<std::sync::Arc<Regex>> {
    let words: Vec<String> = words
        .iter()
        .map(|w| regex::escape(&w.to_lowercase()))
        .collect();
    cached_regex(&format!(r"(?i)\b(?:{})\b", words.join("|"))).ok()
}

/// The brief phrases that can ask for no text, with their paths: every avoid item, then the
/// style details that start with "no " or "without ".
fn no_text_candidates(brief: &crate::brief::Brief) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = brief
        .avoid
        .iter()
        .enumerate()
        .map(|(i, a)| (format!("avoid[{i}]"), a.as_str()))
        .collect();
    if let Some(details) = &brief.style.details {
        let many = matches!(details, crate::brief::OneOrMany::Many(_));
        for (i, d) in details.items().into_iter().enumerate() {
            if d.to_lowercase().starts_with("no ") || d.to_lowercase().starts_with("without ") {
                let path = if many {
                    format!("style.details[{i}]")
                } else {
                    String::from("style.details")
                };
                out.push((path, d));
            }
        }
    }
    out
}

/// `prompt-over-cap`: the prompt is no longer (in characters) than the model's rules say it
/// accepts. A longer prompt is refused by the API, or cut off; models with no known cap are not
/// checked.
pub(super) fn prompt_over_cap(cx: &Context<'_>) -> Vec<Diagnostic> {
    let chars = cx.rendering.prompt.chars().count();
    let model = cx.rendering.payload.summary.model.as_str();
    if let Some((_, rules)) = cx.engine.models().get(model)
        && let Some(max) = rules.prompt_max_chars.known()
        && chars > *max
    {
        return vec![finding(
            Code::PromptOverCap,
            format!("the prompt has {chars} characters; {model} accepts {max}"),
        )];
    }
    Vec::new()
}

/// `prompt-long`: the prompt is no longer than the table's `long_prompt_chars`. Models weigh
/// the start of a long prompt most, so details late in it tend to be ignored.
pub(super) fn prompt_long(cx: &Context<'_>) -> Vec<Diagnostic> {
    let chars = cx.rendering.prompt.chars().count();
    let over = cx.table.long_prompt_chars;
    if chars <= over {
        return Vec::new();
    }
    vec![
        finding(
            Code::PromptLong,
            format!("the prompt has {chars} characters (over {over}): details late in it risk being ignored"),
        )
        .with_help("put what matters first; cut repeated or decorative phrases"),
    ]
}

/// `empty-phrase`: no string in the brief (preset defaults merged in) is empty or blank. An
/// empty avoid item, mood or text renders as a dangling phrase, or as nothing where something
/// was meant.
pub(super) fn empty_phrase(cx: &Context<'_>) -> Vec<Diagnostic> {
    let brief = serde_json::to_value(&cx.rendering.brief).unwrap_or_default();
    let mut empties = Vec::new();
    find_empty(&brief, &JsonPath::root(), &mut empties);
    empties
        .into_iter()
        .map(|path| {
            cx.in_brief(
                finding(Code::EmptyPhrase, format!("`{path}` is an empty string"))
                    .with_help("remove it, or fill it in"),
                &path.to_string(),
            )
        })
        .collect()
}

/// `negated-avoid`: an avoid item names what to leave out, so it is not itself a negation:
/// written `no text`, it would say "Avoid no text" (the opposite of what was meant), `--no no
/// text` or a negative prompt of "no text"; imgprompt drops the negation and says so.
pub(super) fn negated_avoid(cx: &Context<'_>) -> Vec<Diagnostic> {
    let negation = cached_regex(r"(?i)^\s*(no|not|never|without|don't|do not)\b\s*")
        .expect("a valid constant pattern");
    cx.rendering
        .brief
        .avoid
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let m = negation.find(item)?;
            let rest = item[m.end()..].trim();
            let help = if rest.is_empty() {
                String::from("write what to leave out, without the negation")
            } else {
                format!("write `{rest}`: every avoid item is already something to leave out")
            };
            Some(cx.in_brief(
                finding(
                    Code::NegatedAvoid,
                    format!("the avoid item `{item}` is a negation: every avoid item is already something to leave out, so the request says `{rest}`"),
                )
                .with_help(help),
                &format!("avoid[{i}]"),
            ))
        })
        .collect()
}

/// The paths of the blank strings in `v`, depth first, in document order.
fn find_empty(v: &Value, path: &JsonPath, out: &mut Vec<JsonPath>) {
    match v {
        Value::String(s) if s.trim().is_empty() => out.push(path.clone()),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| find_empty(x, &path.index(i), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| find_empty(x, &path.key(k.clone()), out)),
        _ => {}
    }
}

/// `duplicate-phrase`: no phrase of two words or more (text ended by `.`, `,`, `;` or `:`) is
/// said twice in the prompt, ignoring case. A repeated phrase usually comes from a preset
/// default and a brief field saying the same thing; it spends prompt length for nothing. Each
/// repeat after the first is a finding.
pub(super) fn duplicate_phrase(cx: &Context<'_>) -> Vec<Diagnostic> {
    let masked = cx.masked.as_str();
    let mut out = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut start = 0;
    for (i, c) in masked.char_indices() {
        if matches!(c, '.' | ',' | ';' | ':') {
            let phrase = masked[start..i].trim();
            let norm = phrase.to_lowercase();
            // the tool's own words repeat by design ("small type" beside each small text)
            let own = norm.split_whitespace().all(|w| COMMON_WORDS.contains(&w));
            if norm.split_whitespace().count() >= 2 && !own {
                let offset = start + masked[start..i].find(phrase).unwrap_or(0);
                if seen.contains(&norm) {
                    out.push(cx.in_prompt(
                        finding(
                            Code::DuplicatePhrase,
                            format!("\"{phrase}\" appears twice in the prompt"),
                        ),
                        offset..offset + phrase.len(),
                    ));
                } else {
                    seen.push(norm);
                }
            }
            start = i + c.len_utf8();
        }
    }
    out
}

/// Words the templates themselves use often ("exact text", "style", "palette"…): not counted
/// by `repeated-word`'s four-times check.
const COMMON_WORDS: &[&str] = &[
    "exact",
    "text",
    "texts",
    "render",
    "every",
    "piece",
    "letter",
    "written",
    "with",
    "that",
    "this",
    "from",
    "into",
    "their",
    "style",
    "colour",
    "palette",
    "other",
    "keep",
    "short",
    "legible",
    "exactly",
    "these",
    "include",
    "create",
    "composition",
    "intended",
    "mood",
    "look",
    "interface",
    "avoid",
    "show",
    "feature",
    "images",
    "image",
    "type",
    "largest",
    "second",
    "large",
    "medium",
    "small",
    "smallest",
    "lettering",
    "given",
    "only",
    "spelled",
    "once",
    "scene",
    "setting",
    "details",
    "subject",
    "constraints",
    "layout",
    "shows",
];

/// `repeated-word`: no word of four letters or more is said twice back to back ("vivid
/// vivid"), and no such word outside [`COMMON_WORDS`] is used four times or more. Back-to-back
/// repeats are template slips; a word said over and over flattens the description. The
/// back-to-back findings come first (once per word), then the counts, alphabetically.
pub(super) fn repeated_word(cx: &Context<'_>) -> Vec<Diagnostic> {
    let word = cached_regex(r"\b[\p{L}][\p{L}'-]{3,}\b").expect("a valid constant pattern");
    let words: Vec<(String, Range<usize>)> = word
        .find_iter(&cx.masked)
        .map(|m| (m.as_str().to_lowercase(), m.range()))
        .collect();
    let mut out = words_back_to_back(cx, &words);
    out.extend(words_used_often(cx, &words));
    out
}

/// A word followed, across nothing but white space, by itself: one finding per word, over both.
fn words_back_to_back(cx: &Context<'_>, words: &[(String, Range<usize>)]) -> Vec<Diagnostic> {
    let mut reported = HashSet::new();
    let mut out = Vec::new();
    for pair in words.windows(2) {
        let [(p, pr), (w, wr)] = pair else { continue };
        if p == w && cx.masked[pr.end..wr.start].trim().is_empty() && reported.insert(w.clone()) {
            out.push(cx.in_prompt(
                finding(
                    Code::RepeatedWord,
                    format!("\"{w}\" is repeated back to back"),
                ),
                pr.start..wr.end,
            ));
        }
    }
    out
}

/// A word outside [`COMMON_WORDS`] used four times or more, pointed at its fourth use.
fn words_used_often(cx: &Context<'_>, words: &[(String, Range<usize>)]) -> Vec<Diagnostic> {
    let mut counts: BTreeMap<&str, Vec<Range<usize>>> = BTreeMap::new();
    for (w, range) in words {
        if !COMMON_WORDS.contains(&w.as_str()) {
            counts.entry(w).or_default().push(range.clone());
        }
    }
    counts
        .into_iter()
        .filter(|(_, ranges)| ranges.len() >= 4)
        .map(|(w, ranges)| {
            cx.in_prompt(
                finding(
                    Code::RepeatedWord,
                    format!("\"{w}\" is used {} times", ranges.len()),
                ),
                ranges[3].clone(),
            )
            .with_help("vary the wording or say it once")
        })
        .collect()
}

/// `doubled-noun`: no head noun is said twice where once was meant: a compound ending in a word
/// followed by that word ("low-angle angle"), or a head noun of the table twice in one sentence
/// ("a 3:1 banner for a page banner"). These come from a template phrase and a brief value
/// that both name the thing. The compounds come first, then the sentences.
pub(super) fn doubled_noun(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = doubled_compounds(cx);
    out.extend(nouns_twice_in_a_sentence(cx));
    out
}

/// `low-angle angle`: a hyphenated compound followed by its own last word.
fn doubled_compounds(cx: &Context<'_>) -> Vec<Diagnostic> {
    let compound = cached_regex(r"(?i)\b[\p{L}\d]+-(\p{L}{3,})\s+(\p{L}{3,})\b")
        .expect("a valid constant pattern");
    compound
        .captures_iter(&cx.masked)
        .filter(|c| c[1].to_lowercase() == c[2].to_lowercase())
        .filter_map(|c| {
            let m = c.get(0)?;
            Some(
                cx.in_prompt(
                    finding(
                        Code::DoubledNoun,
                        format!("\"{}\" says \"{}\" twice", m.as_str(), &c[2]),
                    )
                    .with_help("say the noun once"),
                    m.range(),
                ),
            )
        })
        .collect()
}

/// A head noun of the table twice in one sentence (up to `.`, `!` or `?`), pointed at its
/// second use; sentence by sentence, nouns in table order.
fn nouns_twice_in_a_sentence(cx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut start = 0;
    for sentence in cx.masked.split_inclusive(['.', '!', '?']) {
        let lower = sentence.to_lowercase();
        for noun in &cx.table.head_nouns {
            let pattern = format!(r"\b{}\b", regex::escape(&noun.to_lowercase()));
            let Ok(re) = cached_regex(&pattern) else {
                continue;
            };
            let hits: Vec<_> = re.find_iter(&lower).collect();
            if hits.len() >= 2 {
                out.push(
                    cx.in_prompt(
                        finding(
                            Code::DoubledNoun,
                            format!("\"{noun}\" is said twice in one sentence"),
                        )
                        .with_help("say it once, or name the second thing differently"),
                        start + hits[1].start()..start + hits[1].end(),
                    ),
                );
            }
        }
        start += sentence.len();
    }
    out
}

/// `dangling-separator`: no separator stands with nothing around it: `..` that is not an
/// ellipsis, `. ;`, `; .`, `,.`, ` ,`, `. .`, `()`, or a separator opening or ending the
/// prompt. These are what an empty template field leaves behind.
pub(super) fn dangling_separator(cx: &Context<'_>) -> Vec<Diagnostic> {
    pattern_findings(
        cx,
        r"(?:^|[^.])\.\.(?:[^.]|$)|[.!?]\s+[,;:.]|[,;:]\s*[,.;:]|\s[,.;:!?]|\(\s*\)|^[,.;:]|[,;:]\s*$",
        |_| {
            finding(
                Code::DanglingSeparator,
                String::from("a separator with nothing around it"),
            )
        },
    )
}

/// A finding for every match of a constant `pattern` in the masked prompt (exact text is never
/// matched), made by `finding_for` and placed at the match.
fn pattern_findings(
    cx: &Context<'_>,
    pattern: &str,
    finding_for: impl Fn(&str) -> Diagnostic,
) -> Vec<Diagnostic> {
    let re = cached_regex(pattern).expect("a valid constant pattern");
    re.find_iter(&cx.masked)
        .map(|m| cx.in_prompt(finding_for(m.as_str()), m.range()))
        .collect()
}

/// `unresolved-placeholder`: no template syntax (`{{ }}`, `{% %}`, `{# #}`, `${`) and no
/// placeholder word (`TODO`, `TBD`, `undefined`, `None`, `null`, `[object Object]`) is left in
/// the prompt: the model would draw it. Exact text is masked, so a user's literal `{{` is not
/// a finding.
pub(super) fn unresolved_placeholder(cx: &Context<'_>) -> Vec<Diagnostic> {
    pattern_findings(
        cx,
        r"\{\{|\}\}|\{%|%\}|\{#|#\}|\$\{|\bTODO\b|\bTBD\b|\bundefined\b|\bNone\b|\bnull\b|\[object Object\]",
        |text| {
            finding(
                Code::UnresolvedPlaceholder,
                format!("`{text}` left in the prompt"),
            )
            .with_help("a template printed something it should not: check the preset's template")
        },
    )
}

/// `contradiction`: the prompt does not hold both words of a contradiction pair of the table
/// ("minimalist" and "busy"), as whole words, ignoring case. The model picks one at random or
/// blends them; the finding points at the second word of the pair.
pub(super) fn contradiction(cx: &Context<'_>) -> Vec<Diagnostic> {
    let lower = cx.masked.to_lowercase();
    let find = |t: &str| {
        cached_regex(&format!(r"\b{}\b", regex::escape(&t.to_lowercase())))
            .ok()
            .and_then(|re| re.find(&lower).map(|m| m.range()))
    };
    let mut out = Vec::new();
    for (a, b) in &cx.table.contradictions {
        if let (Some(_), Some(rb)) = (find(a), find(b)) {
            out.push(
                cx.in_prompt(
                    finding(
                        Code::Contradiction,
                        format!("\"{a}\" and \"{b}\" contradict each other"),
                    ),
                    rb,
                )
                .with_help("keep one of them"),
            );
        }
    }
    out
}

/// `context-size`: the size the request asks for has the orientation the brief's context
/// implies (a context ratio of the table matching `context.purpose`, `channel` or `platform`:
/// "story" is 9:16, portrait). An image in the wrong orientation is cropped or letterboxed
/// where it is used. Only the first context ratio that matches and disagrees is reported.
///
/// The size is read from the request body's `size` (`WIDTHxHEIGHT`), not from the payload's
/// summary: the two differ for Flux, whose body sends `width` and `height` (no `size`, so it is
/// not checked) while its summary says `WIDTHxHEIGHT`. Targets that send an aspect ratio are
/// not checked either way.
pub(super) fn context_size(cx: &Context<'_>) -> Vec<Diagnostic> {
    let brief = &cx.rendering.brief;
    let ctx = &brief.context;
    let context_text = [&ctx.purpose, &ctx.channel, &ctx.platform]
        .iter()
        .filter_map(|s| s.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
    let Some(size) = cx
        .rendering
        .payload
        .body
        .get("size")
        .and_then(Value::as_str)
        .and_then(Size::parse)
    else {
        return Vec::new();
    };
    let Some((cr, want)) = cx.table.context_ratios.iter().find_map(|cr| {
        let re = cached_regex(&format!("(?i){}", cr.pattern)).ok()?;
        let want =
            crate::validate::size::parse_ratio(&cr.ratio).filter(|_| re.is_match(&context_text))?;
        let accepted = cr.accepts.as_ref().is_some_and(|(lo, hi)| {
            let (lo, hi) = (
                crate::validate::size::parse_ratio(lo),
                crate::validate::size::parse_ratio(hi),
            );
            lo.zip(hi)
                .is_some_and(|(lo, hi)| (lo - 0.01..=hi + 0.01).contains(&size.ratio()))
        });
        (!accepted && wrong_orientation(want, size.ratio())).then_some((cr, want))
    }) else {
        return Vec::new();
    };
    let path = if brief.output.aspect_ratio.is_some() {
        "output.aspect_ratio"
    } else {
        "output.size"
    };
    let d = finding(
        Code::ContextSize,
        format!(
            "the context says {} ({}), but the size {size} is {}",
            cr.name,
            cr.ratio,
            size.orientation()
        ),
    )
    .with_help(size_suggestion(cx, want, &cr.ratio));
    vec![cx.in_brief(d, path)]
}

/// Whether a size of ratio `have` has another orientation (portrait, landscape, square) than
/// the ratio `want`, with 5% leeway around square.
fn wrong_orientation(want: f64, have: f64) -> bool {
    (want < 0.95 && have >= 1.0)
        || (want > 1.05 && have <= 1.0)
        || ((want - 1.0).abs() < 0.05 && (have - 1.0).abs() > 0.05)
}

/// What to ask for instead: the model's size closest to `want` when its rules list one, and
/// always the aspect ratio.
fn size_suggestion(cx: &Context<'_>, want: f64, ratio: &str) -> String {
    let model = cx.rendering.payload.summary.model.as_str();
    cx.engine
        .models()
        .get(model)
        .and_then(|(_, rules)| crate::validate::size::for_ratio(want, rules))
        .map(|(s, _)| format!("use `size: {s}` ({model}), or `aspect_ratio: \"{ratio}\"`"))
        .unwrap_or_else(|| format!("use `aspect_ratio: \"{ratio}\"`"))
}
