//! `imgprompt lint`: prompt-quality rules over a rendered brief. Each rule has an id, a severity
//! and a one-line explanation; findings point into the prompt or the brief. Regex-based rules
//! use the regex crate; tables (contradictions, no-text words, context ratios) are data
//! (`data/lint.json`), overridable with `--table FILE`.
use std::ops::Range;
use std::sync::Arc;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Location, Severity};
use crate::engine::{Engine, Rendering};
use crate::source::{JsonPath, SourceFile};

/// A lint rule.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    /// Stable id.
    pub id: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// One line on what it catches.
    pub summary: &'static str,
}

/// Every rule, in the order they run.
pub const RULES: &[Rule] = &[
    Rule {
        id: "exact-text-missing",
        severity: Severity::Error,
        summary: "an exact text is not in the final prompt verbatim (missing or altered)",
    },
    Rule {
        id: "text-vs-no-text",
        severity: Severity::Error,
        summary: "the brief has exact text but its avoid list or style asks for no text, letters, words, typography or watermarks",
    },
    Rule {
        id: "prompt-over-cap",
        severity: Severity::Error,
        summary: "the prompt is longer than the model accepts",
    },
    Rule {
        id: "prompt-long",
        severity: Severity::Warning,
        summary: "the prompt is so long that parts of it risk being ignored",
    },
    Rule {
        id: "empty-phrase",
        severity: Severity::Warning,
        summary: "an empty string in the brief (an empty avoid item, mood, palette entry, text…)",
    },
    Rule {
        id: "duplicate-phrase",
        severity: Severity::Warning,
        summary: "the same phrase appears twice in the prompt",
    },
    Rule {
        id: "repeated-word",
        severity: Severity::Warning,
        summary: "a descriptive word is repeated back to back, or four times or more",
    },
    Rule {
        id: "doubled-noun",
        severity: Severity::Warning,
        summary: "a head noun said twice in one phrase or sentence (\"low-angle angle\", \"banner … banner\")",
    },
    Rule {
        id: "dangling-separator",
        severity: Severity::Warning,
        summary: "a separator with nothing before or after it, or doubled (\"..\", \". ;\", \"; .\", \",.\", \" ,\", \". .\", \"()\")",
    },
    Rule {
        id: "unresolved-placeholder",
        severity: Severity::Error,
        summary: "template syntax or a placeholder left in the prompt ({{ }}, {% %}, ${…}, TODO, undefined)",
    },
    Rule {
        id: "contradiction",
        severity: Severity::Warning,
        summary: "two descriptors that contradict each other (from the contradiction table)",
    },
    Rule {
        id: "context-size",
        severity: Severity::Warning,
        summary: "the output context implies an orientation or ratio the size does not have",
    },
];

/// A compiled regex, compiled once per pattern for the process (lint runs once per brief; a
/// pattern with Unicode classes costs far more to compile than to run).
fn cached_regex(pattern: &str) -> Result<Regex, regex::Error> {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, Regex>>> =
        std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(re) = cache.lock().ok().and_then(|c| c.get(pattern).cloned()) {
        return Ok(re);
    }
    let re = Regex::new(pattern)?;
    if let Ok(mut c) = cache.lock() {
        c.insert(pattern.to_string(), re.clone());
    }
    Ok(re)
}

/// The data tables of the rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LintTable {
    /// Words in an avoid list or style that forbid text.
    pub no_text_words: Vec<String>,
    /// Above this many characters, `prompt-long` warns.
    pub long_prompt_chars: usize,
    /// Pairs of contradicting descriptors.
    pub contradictions: Vec<(String, String)>,
    /// Context phrases implying a ratio.
    pub context_ratios: Vec<ContextRatio>,
    /// Head nouns a sentence should not say twice (`doubled-noun`).
    #[serde(default)]
    pub head_nouns: Vec<String>,
}

/// A context phrase implying a ratio.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContextRatio {
    /// Regex, matched case-insensitively against the context.
    pub pattern: String,
    /// `W:H`.
    pub ratio: String,
    /// What it is called in messages.
    pub name: String,
}

impl LintTable {
    /// The shipped table.
    pub fn builtin() -> LintTable {
        serde_json::from_str(include_str!("../data/lint.json")).expect("data/lint.json is valid")
    }

    /// Replaces the lists given in `text`.
    pub fn apply_overrides(&mut self, name: &str, text: &str) -> Result<(), Diagnostic> {
        let bad = |e: String| {
            Diagnostic::error("lint-table", format!("invalid lint table: {e}")).in_file(name)
        };
        let v: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut base = serde_json::to_value(&*self).map_err(|e| bad(e.to_string()))?;
        for key in [
            "no_text_words",
            "long_prompt_chars",
            "contradictions",
            "context_ratios",
        ] {
            if let Some(x) = v.get(key) {
                base[key] = x.clone();
            }
        }
        *self = serde_json::from_value(base).map_err(|e| bad(e.to_string()))?;
        Ok(())
    }
}

fn rule(id: &str) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).expect("known rule")
}

fn finding(id: &'static str, message: String) -> Diagnostic {
    let r = rule(id);
    match r.severity {
        Severity::Error => Diagnostic::error(r.id, message),
        _ => Diagnostic::warning(r.id, message),
    }
}

/// Lints one rendering. `source` is the brief file, for findings about the brief.
pub fn lint(
    engine: &Engine,
    source: &SourceFile,
    r: &Rendering,
    table: &LintTable,
) -> Vec<Diagnostic> {
    let prompt: Arc<str> = Arc::from(r.prompt.as_str());
    let prompt_name = format!("prompt of {}", source.name);
    let in_prompt = |d: Diagnostic, range: Range<usize>| {
        d.at(
            prompt_name.clone(),
            prompt.clone(),
            Location::from_range(&prompt, range),
        )
    };
    let in_brief = |d: Diagnostic, path: &str| source.point(d, &JsonPath::parse(path), false);
    let mut out = Vec::new();

    // exact text: present verbatim; and the prompt with those spans masked for the other rules
    let mut masked = r.prompt.clone();
    let mut texts = Vec::new();
    for (role, value) in &r.brief.text {
        for (i, e) in value.entries().into_iter().enumerate() {
            let path = if matches!(value, crate::brief::TextValue::Many(_)) {
                format!("text.{role}[{i}]")
            } else {
                format!("text.{role}")
            };
            texts.push((path, e.content().to_string()));
        }
    }
    for (path, text) in &texts {
        // quoted as the renderer quotes it: straight quotes, or curly quotes or guillemets for a
        // text that holds straight ones
        let quoted = [('"', '"'), ('“', '”'), ('«', '»')]
            .iter()
            .any(|(open, close)| r.prompt.contains(&format!("{open}{text}{close}")));
        match quoted.then_some(()) {
            Some(()) => {
                for (start, m) in r.prompt.match_indices(text.as_str()) {
                    if !m.is_empty() {
                        // '_' keeps byte offsets and is neither a letter, a space nor a separator
                        masked.replace_range(start..start + m.len(), &"_".repeat(m.len()));
                    }
                }
            }
            None => out.push(in_brief(
                finding(
                    "exact-text-missing",
                    format!(
                        "the exact text {text:?} is not in the prompt verbatim, in double quotes"
                    ),
                ),
                path,
            )),
        }
    }
    let masked = masked;

    // text present while something asks for no text
    if !texts.is_empty() {
        let words: Vec<String> = table
            .no_text_words
            .iter()
            .map(|w| regex::escape(&w.to_lowercase()))
            .collect();
        let re = cached_regex(&format!(r"(?i)\b(?:{})\b", words.join("|"))).expect("regex");
        let mut check = |path: String, value: &str| {
            if let Some(m) = re.find(value) {
                let d = finding(
                    "text-vs-no-text",
                    format!("`{path}` asks to avoid \"{}\", but the brief has exact text that must appear", m.as_str()),
                )
                .with_help("remove the no-text wording (keep it narrow, e.g. \"no extra text\"), or drop the exact text");
                out.push(in_brief(d, &path));
            }
        };
        for (i, a) in r.brief.avoid.iter().enumerate() {
            check(format!("avoid[{i}]"), a);
        }
        if let Some(details) = &r.brief.style.details {
            for (i, d) in details.items().into_iter().enumerate() {
                if d.to_lowercase().starts_with("no ") || d.to_lowercase().starts_with("without ") {
                    let path = if matches!(details, crate::brief::OneOrMany::Many(_)) {
                        format!("style.details[{i}]")
                    } else {
                        String::from("style.details")
                    };
                    check(path, d);
                }
            }
        }
    }

    // length
    let chars = r.prompt.chars().count();
    let model = r.payload.summary.model.as_str();
    if let Some((_, rules)) = engine.models().get(model)
        && let Some(max) = rules.prompt_max_chars.known()
        && chars > *max
    {
        out.push(finding(
            "prompt-over-cap",
            format!("the prompt has {chars} characters; {model} accepts {max}"),
        ));
    }
    if chars > table.long_prompt_chars {
        out.push(
            finding("prompt-long", format!("the prompt has {chars} characters (over {}): details late in it risk being ignored", table.long_prompt_chars))
                .with_help("put what matters first; cut repeated or decorative phrases"),
        );
    }

    // empty strings in the brief
    let brief_value = serde_json::to_value(&r.brief).unwrap_or_default();
    let mut empties = Vec::new();
    find_empty(&brief_value, &JsonPath::root(), &mut empties);
    for path in empties {
        out.push(in_brief(
            finding("empty-phrase", format!("`{path}` is an empty string"))
                .with_help("remove it, or fill it in"),
            &path.to_string(),
        ));
    }

    // duplicated phrases in the prompt
    let mut seen: Vec<(String, Range<usize>)> = Vec::new();
    let mut start = 0;
    for (i, c) in masked.char_indices() {
        if matches!(c, '.' | ',' | ';' | ':') {
            let phrase = masked[start..i].trim();
            let norm = phrase.to_lowercase();
            if norm.split_whitespace().count() >= 2 {
                let offset = start + masked[start..i].find(phrase).unwrap_or(0);
                if seen.iter().any(|(p, _)| *p == norm) {
                    out.push(in_prompt(
                        finding(
                            "duplicate-phrase",
                            format!("\"{phrase}\" appears twice in the prompt"),
                        ),
                        offset..offset + phrase.len(),
                    ));
                } else {
                    seen.push((norm, offset..offset + phrase.len()));
                }
            }
            start = i + c.len_utf8();
        }
    }

    // repeated words
    let word = cached_regex(r"\b[\p{L}][\p{L}'-]{3,}\b").expect("regex");
    const COMMON: &[&str] = &[
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
    ];
    let mut counts: std::collections::BTreeMap<String, Vec<Range<usize>>> = Default::default();
    let mut prev: Option<(String, Range<usize>)> = None;
    let mut doubled = std::collections::HashSet::new();
    for m in word.find_iter(&masked) {
        let w = m.as_str().to_lowercase();
        if let Some((p, pr)) = &prev
            && *p == w
            && masked[pr.end..m.start()].trim().is_empty()
            && doubled.insert(w.clone())
        {
            out.push(in_prompt(
                finding("repeated-word", format!("\"{w}\" is repeated back to back")),
                pr.start..m.end(),
            ));
        }
        prev = Some((w.clone(), m.range()));
        if !COMMON.contains(&w.as_str()) {
            counts.entry(w).or_default().push(m.range());
        }
    }
    for (w, ranges) in counts {
        if ranges.len() >= 4 {
            out.push(
                in_prompt(
                    finding(
                        "repeated-word",
                        format!("\"{w}\" is used {} times", ranges.len()),
                    ),
                    ranges[3].clone(),
                )
                .with_help("vary the wording or say it once"),
            );
        }
    }

    // doubled head nouns: a compound ending in a word followed by that word (`low-angle angle`),
    // or a head noun of the table twice in one sentence (`a 3:1 banner for a page banner`)
    let compound = cached_regex(r"(?i)\b[\p{L}\d]+-(\p{L}{3,})\s+(\p{L}{3,})\b").expect("regex");
    for c in compound.captures_iter(&masked) {
        if c[1].to_lowercase() == c[2].to_lowercase()
            && let Some(m) = c.get(0)
        {
            out.push(in_prompt(
                finding(
                    "doubled-noun",
                    format!("\"{}\" says \"{}\" twice", m.as_str(), &c[2]),
                )
                .with_help("say the noun once"),
                m.range(),
            ));
        }
    }
    let mut start = 0;
    for sentence in masked.split_inclusive(['.', '!', '?']) {
        let lower = sentence.to_lowercase();
        for noun in &table.head_nouns {
            let re = cached_regex(&format!(r"\b{}\b", regex::escape(&noun.to_lowercase())))
                .expect("regex");
            let hits: Vec<_> = re.find_iter(&lower).collect();
            if hits.len() >= 2 {
                out.push(in_prompt(
                    finding(
                        "doubled-noun",
                        format!("\"{noun}\" is said twice in one sentence"),
                    )
                    .with_help("say it once, or name the second thing differently"),
                    start + hits[1].start()..start + hits[1].end(),
                ));
            }
        }
        start += sentence.len();
    }

    // dangling separators
    // `..` that is not an ellipsis, `. ;`, `; .`, `,.`, ` ,`, `. .`, `()`, a separator opening or
    // ending the prompt
    let dangling = cached_regex(
        r"(?:^|[^.])\.\.(?:[^.]|$)|[.!?]\s+[,;:.]|[,;:]\s*[,.;:]|\s[,.;:!?]|\(\s*\)|^[,.;:]|[,;:]\s*$",
    )
    .expect("regex");
    for m in dangling.find_iter(&masked) {
        out.push(in_prompt(
            finding(
                "dangling-separator",
                String::from("a separator with nothing around it"),
            ),
            m.range(),
        ));
    }

    // unresolved placeholders (exact text is masked: a user's literal `{{` is not a finding)
    let placeholder = cached_regex(r"\{\{|\}\}|\{%|%\}|\{#|#\}|\$\{|\bTODO\b|\bTBD\b|\bundefined\b|\bNone\b|\bnull\b|\[object Object\]").expect("regex");
    for m in placeholder.find_iter(&masked) {
        out.push(
            in_prompt(
                finding(
                    "unresolved-placeholder",
                    format!("`{}` left in the prompt", m.as_str()),
                ),
                m.range(),
            )
            .with_help("a template printed something it should not: check the preset's template"),
        );
    }

    // contradictions, in the prompt and the avoid-free brief text
    let lower = masked.to_lowercase();
    for (a, b) in &table.contradictions {
        let find = |t: &str| {
            cached_regex(&format!(r"\b{}\b", regex::escape(&t.to_lowercase())))
                .ok()
                .and_then(|re| re.find(&lower).map(|m| m.range()))
        };
        if let (Some(_), Some(rb)) = (find(a), find(b)) {
            out.push(
                in_prompt(
                    finding(
                        "contradiction",
                        format!("\"{a}\" and \"{b}\" contradict each other"),
                    ),
                    rb,
                )
                .with_help("keep one of them"),
            );
        }
    }

    // context vs size
    let ctx = &r.brief.context;
    let context_text = [&ctx.purpose, &ctx.channel, &ctx.platform]
        .iter()
        .filter_map(|s| s.as_deref())
        .collect::<Vec<_>>()
        .join(" ");
    let size = r
        .payload
        .body
        .get("size")
        .and_then(Value::as_str)
        .and_then(crate::size::Size::parse);
    if let Some(size) = size {
        for cr in &table.context_ratios {
            let Ok(re) = cached_regex(&format!("(?i){}", cr.pattern)) else {
                continue;
            };
            if !re.is_match(&context_text) {
                continue;
            }
            let Some(want) = crate::size::parse_ratio(&cr.ratio) else {
                continue;
            };
            let have = size.ratio();
            let wrong_orientation = (want < 0.95 && have >= 1.0)
                || (want > 1.05 && have <= 1.0)
                || ((want - 1.0).abs() < 0.05 && (have - 1.0).abs() > 0.05);
            if wrong_orientation {
                let suggestion = engine
                    .models()
                    .get(model)
                    .and_then(|(_, rules)| crate::size::for_ratio(want, rules))
                    .map(|(s, _)| {
                        format!(
                            "use `size: {s}` ({model}), or `aspect_ratio: \"{}\"`",
                            cr.ratio
                        )
                    })
                    .unwrap_or_else(|| format!("use `aspect_ratio: \"{}\"`", cr.ratio));
                let path = if r.brief.output.aspect_ratio.is_some() {
                    "output.aspect_ratio"
                } else {
                    "output.size"
                };
                let d = finding(
                    "context-size",
                    format!(
                        "the context says {} ({}), but the size {size} is {}",
                        cr.name,
                        cr.ratio,
                        size.orientation()
                    ),
                )
                .with_help(suggestion);
                out.push(in_brief(d, path));
                break;
            }
        }
    }
    out
}

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

/// The rules as a table, for `lint --rules`.
pub fn rules_table() -> String {
    let mut s = String::new();
    for r in RULES {
        s.push_str(&format!(
            "{:<24} {:<8} {}\n",
            r.id,
            r.severity.to_string(),
            r.summary
        ));
    }
    s
}
