//! `imgprompt lint`: prompt-quality rules over a rendered brief. Each rule has an id, a severity
//! and a one-line explanation; findings point into the prompt or the brief. Regex-based rules
//! use the regex crate; tables (contradictions, no-text words, context ratios) are data
//! (`data/lint.json`), overridable with `--table FILE`.
//!
//! [`lint`] builds one context per rendering (the brief's exact texts, the prompt with them
//! masked) and runs the checks of [`RULES`] over it in table order; each check is one function
//! of the `rules` submodule, named after its rule.

pub mod fixtures;
use std::ops::Range;
use std::sync::Arc;

use regex::Regex;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::brief::source::{JsonPath, SourceFile};
use crate::diagnostic::{Code, Diagnostic, Location, Severity};
use crate::engine::{Engine, Rendering};
use crate::overlay::{DataFile, overlay};

mod family;
mod rules;

/// A lint rule: what `lint --rules` lists, and the check that finds it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Rule {
    /// Stable id: the code of its findings.
    pub id: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One line on what it catches.
    pub summary: &'static str,
    /// Its findings in one rendering, in the order they are reported.
    #[serde(skip)]
    check: fn(&Context<'_>) -> Vec<Diagnostic>,
}

/// Every rule, in the order they run (and their findings are reported).
pub const RULES: &[Rule] = &[
    Rule {
        id: Code::ExactTextMissing,
        severity: Severity::Error,
        summary: "an exact text is not in the final prompt verbatim (missing or altered)",
        check: rules::exact_text_missing,
    },
    Rule {
        id: Code::TextVsNoText,
        severity: Severity::Error,
        summary: "the brief has exact text but its avoid list or style asks for no text, letters, words, typography or watermarks",
        check: rules::text_vs_no_text,
    },
    Rule {
        id: Code::PromptOverCap,
        severity: Severity::Error,
        summary: "the prompt is longer than the model accepts",
        check: rules::prompt_over_cap,
    },
    Rule {
        id: Code::PromptLong,
        severity: Severity::Warning,
        summary: "the prompt is so long that parts of it risk being ignored",
        check: rules::prompt_long,
    },
    Rule {
        id: Code::EmptyPhrase,
        severity: Severity::Warning,
        summary: "an empty string in the brief (an empty avoid item, mood, palette entry, text…)",
        check: rules::empty_phrase,
    },
    Rule {
        id: Code::NegatedAvoid,
        severity: Severity::Warning,
        summary: "an avoid item is written as a negation (`no text`): read without it (`text`), as every avoid item is something to leave out",
        check: rules::negated_avoid,
    },
    Rule {
        id: Code::DuplicatePhrase,
        severity: Severity::Warning,
        summary: "the same phrase appears twice in the prompt",
        check: rules::duplicate_phrase,
    },
    Rule {
        id: Code::RepeatedWord,
        severity: Severity::Warning,
        summary: "a descriptive word is repeated back to back, or four times or more",
        check: rules::repeated_word,
    },
    Rule {
        id: Code::DoubledNoun,
        severity: Severity::Warning,
        summary: "a head noun said twice in one phrase or sentence (\"low-angle angle\", \"banner … banner\")",
        check: rules::doubled_noun,
    },
    Rule {
        id: Code::DanglingSeparator,
        severity: Severity::Warning,
        summary: "a separator with nothing before or after it, or doubled (\"..\", \". ;\", \"; .\", \",.\", \" ,\", \". .\", \"()\")",
        check: rules::dangling_separator,
    },
    Rule {
        id: Code::UnresolvedPlaceholder,
        severity: Severity::Error,
        summary: "template syntax or a placeholder left in the prompt ({{ }}, {% %}, ${…}, TODO, undefined)",
        check: rules::unresolved_placeholder,
    },
    Rule {
        id: Code::Contradiction,
        severity: Severity::Warning,
        summary: "two descriptors that contradict each other (from the contradiction table)",
        check: rules::contradiction,
    },
    Rule {
        id: Code::ContextSize,
        severity: Severity::Warning,
        summary: "the output context implies an orientation or ratio the size does not have",
        check: rules::context_size,
    },
    Rule {
        id: Code::TextUnplaced,
        severity: Severity::Warning,
        summary: "an exact text has neither a size in the hierarchy nor a placement beside its quote",
        check: family::text_unplaced,
    },
    Rule {
        id: Code::FamilyNegation,
        severity: Severity::Warning,
        summary: "a negation in the prompt of a family that takes none there (FLUX, Gemini: describe the wanted state; Stability, Midjourney: negative_prompt / --no)",
        check: family::family_negation,
    },
    Rule {
        id: Code::FamilyForm,
        severity: Severity::Warning,
        summary: "not the family's shape: keyword lists (Gemini, FLUX, Stability), instruction sentences (Midjourney), one long paragraph (GPT image)",
        check: family::family_form,
    },
    Rule {
        id: Code::FamilyOrder,
        severity: Severity::Warning,
        summary: "GPT image: a scene, composition or style phrase comes after the exact text and its constraints",
        check: family::family_order,
    },
    Rule {
        id: Code::FamilyLighting,
        severity: Severity::Warning,
        summary: "FLUX: the brief names no lighting (its guide: always specify lighting)",
        check: family::family_lighting,
    },
    Rule {
        id: Code::FamilyLength,
        severity: Severity::Warning,
        summary: "FLUX: the prompt's word count is outside the guide's range for a brief of its size",
        check: family::family_length,
    },
    Rule {
        id: Code::FamilyRewrite,
        severity: Severity::Warning,
        summary: "an avoid item has no positive rewrite for a family that takes no negatives",
        check: family::family_rewrite,
    },
];

/// A compiled regex, compiled once per pattern for the process (lint runs once per brief; a
/// pattern with Unicode classes costs far more to compile than to run). Shared, never cloned: a
/// cloned `Regex` starts with an empty pool of search caches, and building a lazy DFA's cache on
/// every search was 80 % of a `serve` render request. The cache holds at most
/// [`MAX_CACHED_REGEXES`] patterns (those built from a brief's exact texts vary per request):
/// past that it starts again, so a long-running server's memory stays flat.
fn cached_regex(pattern: &str) -> Result<std::sync::Arc<Regex>, regex::Error> {
    type Cache = std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<Regex>>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(re) = cache.lock().ok().and_then(|c| c.get(pattern).cloned()) {
        return Ok(re);
    }
    let re = std::sync::Arc::new(Regex::new(pattern)?);
    if let Ok(mut c) = cache.lock() {
        if c.len() >= MAX_CACHED_REGEXES {
            c.clear();
        }
        c.insert(pattern.to_string(), std::sync::Arc::clone(&re));
    }
    Ok(re)
}

/// Patterns [`cached_regex`] keeps at most.
const MAX_CACHED_REGEXES: usize = 512;

/// The data tables of the rules.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContextRatio {
    /// Regex, matched case-insensitively against the context.
    pub pattern: String,
    /// `W:H`.
    pub ratio: String,
    /// What it is called in messages.
    pub name: String,
    /// The range of ratios the context also takes (`["4:5", "1.91:1"]`, narrowest to widest):
    /// a size inside it is not a finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepts: Option<(String, String)>,
    /// Where the ratio and the range come from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl LintTable {
    /// The shipped table.
    pub fn builtin() -> LintTable {
        Self::shipped().clone()
    }

    /// The shipped tables, read once for the process.
    pub fn shipped() -> &'static LintTable {
        static TABLE: std::sync::OnceLock<LintTable> = std::sync::OnceLock::new();
        TABLE.get_or_init(|| {
            serde_json::from_str(include_str!("../../data/lint.json"))
                .expect("data/lint.json is valid")
        })
    }

    /// Applies an override file by the rule of every data file ([`crate::overlay`]): the lists
    /// and numbers it gives replace the shipped ones, `null` removes one (`head_nouns` is then
    /// empty; the other tables are required), and a key the tables do not have is an error
    /// naming it, pointing at it in the file.
    pub fn apply_overrides(&mut self, name: &str, text: &str) -> Result<(), Diagnostic> {
        let file = DataFile::new(Code::LintTable, "lint table");
        let shipped = serde_json::to_value(&*self).map_err(|e| {
            Diagnostic::error(Code::LintTable, format!("invalid lint table: {e}")).in_file(name)
        })?;
        let table = overlay::<LintTable>(&shipped, name, text, &file)?.data;
        if let Some((path, what)) = table.unusable() {
            return Err(Diagnostic::error(
                Code::LintTable,
                format!("invalid lint table: `{path}` {what}"),
            )
            .with_path(path)
            .in_file(name));
        }
        *self = table;
        Ok(())
    }

    /// The first entry no rule could use: a context pattern that is not a regular expression,
    /// a ratio that is not one (a rule would silently skip it).
    fn unusable(&self) -> Option<(String, String)> {
        self.context_ratios.iter().enumerate().find_map(|(i, cr)| {
            if let Err(e) = regex::Regex::new(&format!("(?i){}", cr.pattern)) {
                let e = e.to_string();
                let first = e.lines().last().unwrap_or_default().trim().to_string();
                return Some((
                    format!("context_ratios[{i}].pattern"),
                    format!("is not a regular expression: {first}"),
                ));
            }
            if let Some((lo, hi)) = &cr.accepts {
                for (k, r) in [("0", lo), ("1", hi)] {
                    if crate::brief::size::parse_ratio(r).is_none() {
                        return Some((
                            format!("context_ratios[{i}].accepts[{k}]"),
                            format!("is `{r}`, not an aspect ratio (`WIDTH:HEIGHT`)"),
                        ));
                    }
                }
            }
            crate::brief::size::parse_ratio(&cr.ratio)
                .is_none()
                .then(|| {
                    (
                        format!("context_ratios[{i}].ratio"),
                        format!("is `{}`, not an aspect ratio (`WIDTH:HEIGHT`)", cr.ratio),
                    )
                })
        })
    }
}

/// The rule with this id (every id the rules use is in [`RULES`]).
fn rule(id: Code) -> &'static Rule {
    RULES.iter().find(|r| r.id == id).expect("known rule")
}

/// A finding of rule `id`, with the rule's severity.
fn finding(id: Code, message: String) -> Diagnostic {
    let r = rule(id);
    match r.severity {
        Severity::Error => Diagnostic::error(r.id, message),
        _ => Diagnostic::warning(r.id, message),
    }
}

/// One exact text of the brief: where it is written and what it says.
struct ExactText {
    /// Its brief path: `text.headline`, or `text.labels[1]` for one of several.
    path: String,
    /// The text, as it must appear in the prompt.
    text: String,
}

/// What every rule reads: the rendering and its brief, the data tables, and the prompt with the
/// exact texts masked (built once, before the first rule runs).
struct Context<'a> {
    /// Model rules, for the prompt cap and size suggestions.
    engine: &'a Engine,
    /// The brief file, for findings about the brief.
    source: &'a SourceFile,
    /// The rendering being linted.
    rendering: &'a Rendering,
    /// The rules' data tables.
    table: &'a LintTable,
    /// The brief's exact texts, in brief order.
    texts: Vec<ExactText>,
    /// The prompt with every exact text found quoted in it overwritten by `_` (same byte offsets):
    /// the prose rules read this, so a user's literal text is never a finding.
    masked: String,
    /// The prompt, shared by the findings that point into it.
    prompt: Arc<str>,
    /// The file name findings in the prompt carry: `prompt of FILE` (GPT image), `flux prompt of
    /// FILE` (another family's).
    prompt_name: String,
    /// The brief's plan, built on first use by the family rules (`family::plan`).
    plan: std::cell::OnceCell<Option<crate::prompt::plan::Plan>>,
}

impl<'a> Context<'a> {
    /// Collects the exact texts and masks them in the prompt.
    fn new(
        engine: &'a Engine,
        source: &'a SourceFile,
        rendering: &'a Rendering,
        table: &'a LintTable,
    ) -> Context<'a> {
        let texts = exact_texts(&rendering.brief);
        let masked = mask_exact_texts(&rendering.prompt, &texts);
        Context {
            engine,
            source,
            rendering,
            table,
            texts,
            masked,
            prompt: Arc::from(rendering.prompt.as_str()),
            // the GPT image prompt is "the prompt"; another family's says whose it is
            prompt_name: match rendering.payload.target.family() {
                crate::prompt::family::Family::Gpt => format!("prompt of {}", source.name),
                f => format!("{f} prompt of {}", source.name),
            },
            plan: std::cell::OnceCell::new(),
        }
    }

    /// Points `d` at a byte range of the prompt.
    fn in_prompt(&self, d: Diagnostic, range: Range<usize>) -> Diagnostic {
        d.at(
            self.prompt_name.clone(),
            self.prompt.clone(),
            Location::from_range(&self.prompt, range),
        )
    }

    /// Points `d` at a path of the brief file (`avoid[0]`).
    fn in_brief(&self, d: Diagnostic, path: &str) -> Diagnostic {
        self.source.point(d, &JsonPath::parse(path), false)
    }
}

/// The brief's exact texts with their paths, in brief order.
fn exact_texts(brief: &crate::brief::Brief) -> Vec<ExactText> {
    let mut texts = Vec::new();
    for (role, value) in &brief.text {
        let many = matches!(value, crate::brief::TextValue::Many(_));
        for (i, e) in value.entries().into_iter().enumerate() {
            let path = if many {
                format!("text.{role}[{i}]")
            } else {
                format!("text.{role}")
            };
            texts.push(ExactText {
                path,
                text: e.content().to_string(),
            });
        }
    }
    texts
}

/// Whether `text` is in the prompt quoted as the renderer quotes it: straight quotes, or curly
/// quotes or guillemets for a text that holds straight ones.
fn is_quoted(prompt: &str, text: &str) -> bool {
    crate::prompt::family::QUOTES
        .iter()
        .any(|(open, close)| prompt.contains(&format!("{open}{text}{close}")))
}

/// The prompt with every occurrence of each quoted exact text overwritten by `_` ('_' keeps byte
/// offsets and is neither a letter, a space nor a separator). A text not found quoted is left
/// as it is (`exact-text-missing` reports it).
fn mask_exact_texts(prompt: &str, texts: &[ExactText]) -> String {
    let mut masked = prompt.to_string();
    for ExactText { text, .. } in texts {
        if !is_quoted(prompt, text) {
            continue;
        }
        for (start, m) in prompt.match_indices(text.as_str()) {
            if !m.is_empty() {
                masked.replace_range(start..start + m.len(), &"_".repeat(m.len()));
            }
        }
    }
    masked
}

/// Lints one rendering. `source` is the brief file, for findings about the brief. Findings come
/// rule by rule, in the order of [`RULES`].
pub fn lint(
    engine: &Engine,
    source: &SourceFile,
    r: &Rendering,
    table: &LintTable,
) -> Vec<Diagnostic> {
    let cx = Context::new(engine, source, r, table);
    RULES.iter().flat_map(|rule| (rule.check)(&cx)).collect()
}

/// The targets `lint` checks: `one`, or with `all` the target of every model family.
pub fn targets(one: &dyn crate::targets::Target, all: bool) -> Vec<&dyn crate::targets::Target> {
    if all {
        crate::prompt::family::Family::ALL
            .iter()
            .map(|f| crate::targets::TargetId::of_family(*f).target())
            .collect()
    } else {
        vec![one]
    }
}

/// Everything `lint` says about one brief file for the given targets: the brief's own errors and
/// warnings (from the first target's rendering) and each target's family findings, a finding
/// several families share said once; under a strict engine, every warning an error. An empty
/// `targets` means OpenAI.
pub fn lint_brief(
    engine: &Engine,
    source: &SourceFile,
    targets: &[&dyn crate::targets::Target],
    table: &LintTable,
) -> Vec<Diagnostic> {
    let default: [&dyn crate::targets::Target; 1] = [&crate::targets::OpenAi];
    let targets = if targets.is_empty() {
        &default[..]
    } else {
        targets
    };
    let mut seen = std::collections::HashSet::new();
    let mut all = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let found = match engine.render(source, *t) {
            // the request's own warnings are the first target's; the others add their family's
            Ok(r) if i == 0 => r
                .warnings
                .iter()
                .cloned()
                .chain(lint(engine, source, &r, table))
                .collect(),
            Ok(r) => lint(engine, source, &r, table),
            Err(d) if i == 0 => d.0,
            Err(_) => Vec::new(),
        };
        for d in found {
            if seen.insert((d.code, d.message.clone(), d.path.clone())) {
                all.push(if engine.is_strict() {
                    d.into_strict_error()
                } else {
                    d
                });
            }
        }
    }
    all
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped tables are a valid override of themselves; a table given replaces the shipped
    /// one whole, the others are kept.
    #[test]
    fn an_override_replaces_the_tables_it_gives() {
        let mut table = LintTable::builtin();
        table
            .apply_overrides("lint.json", include_str!("../../data/lint.json"))
            .expect("the shipped file overrides cleanly");
        let shipped = LintTable::builtin();
        table
            .apply_overrides("lint.json", r#"{"contradictions": [["calm", "loud"]]}"#)
            .expect("valid");
        assert_eq!(
            table.contradictions,
            [(String::from("calm"), String::from("loud"))]
        );
        assert_eq!(table.no_text_words, shipped.no_text_words);
        assert_eq!(table.head_nouns, shipped.head_nouns);
        let d = table
            .apply_overrides("lint.json", "{\n  \"long_prompt_char\": 10\n}")
            .expect_err("unknown key");
        assert_eq!(d.code, Code::LintTable);
        assert_eq!(
            d.location.as_ref().map(|l| (l.line, l.column)),
            Some((2, 3))
        );
        assert!(
            d.help
                .unwrap_or_default()
                .contains("did you mean `long_prompt_chars`?")
        );
    }

    #[test]
    fn an_accepted_range_that_is_not_two_ratios_is_refused() {
        let mut table = LintTable::builtin();
        let d = table
            .apply_overrides(
                "t.json",
                r#"{"context_ratios": [{"pattern": "feed", "ratio": "1:1", "name": "x", "accepts": ["4:5", "wide"]}]}"#,
            )
            .expect_err("bad range");
        assert_eq!(d.path.as_deref(), Some("context_ratios[0].accepts[1]"));
    }

    #[test]
    fn a_context_pattern_or_ratio_no_rule_could_use_is_refused() {
        let mut table = LintTable::builtin();
        let d = table
            .apply_overrides(
                "t.json",
                r#"{"context_ratios": [{"pattern": "(", "ratio": "1:1", "name": "x"}]}"#,
            )
            .expect_err("bad regex");
        assert_eq!(d.path.as_deref(), Some("context_ratios[0].pattern"));
        let d = table
            .apply_overrides(
                "t.json",
                r#"{"context_ratios": [{"pattern": "story", "ratio": "wide", "name": "x"}]}"#,
            )
            .expect_err("bad ratio");
        assert_eq!(d.path.as_deref(), Some("context_ratios[0].ratio"));
        // and the table is left as it was
        assert_eq!(table.context_ratios, LintTable::builtin().context_ratios);
    }
}
