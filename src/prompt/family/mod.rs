//! Step 3b: one prompt per model family. Every target belongs to a family (GPT image, Gemini
//! image, FLUX, Stable Diffusion / Stable Image, Midjourney) whose provider's prompting guide says
//! how a prompt is written: the order of its parts, sentences or phrases, where negatives go, how
//! exact text is given. The guides' rules are data (`data/families.json`, with each guide's
//! address and the date it was read; [`Book`]); each family's writer arranges a [`Plan`] the way
//! its guide says and adds only the family's own words.
//!
//! ```
//! use imgprompt::prompt::family::Family;
//! use imgprompt::targets::TargetId;
//!
//! assert_eq!(TargetId::Flux.family(), Family::Flux);
//! assert_eq!(TargetId::Imagen.family(), Family::Gemini);
//! assert_eq!(Family::by_name("midjourney"), Some(Family::Midjourney));
//! ```
mod gpt;
mod midjourney;
mod prose;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::prompt::filters::{join_natural, with_article};
use crate::prompt::plan::{Phrase, Plan, PlanText};

/// A model family: the targets whose models read a prompt the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// OpenAI's GPT image models (`openai`, `openai-edit`).
    Gpt,
    /// Google's Gemini image models (`gemini`; `imagen` too).
    Gemini,
    /// Black Forest Labs' FLUX (`flux`).
    Flux,
    /// Stable Diffusion 3.5 and Stable Image (`stability`).
    Stability,
    /// Midjourney (`midjourney`).
    Midjourney,
}

impl Family {
    /// Every family, in the order reports show them.
    pub const ALL: [Family; 5] = [
        Family::Gpt,
        Family::Gemini,
        Family::Flux,
        Family::Stability,
        Family::Midjourney,
    ];

    /// Its name in data files, templates (`prompt.<name>.tera`) and reports.
    pub fn name(self) -> &'static str {
        match self {
            Family::Gpt => "gpt",
            Family::Gemini => "gemini",
            Family::Flux => "flux",
            Family::Stability => "stability",
            Family::Midjourney => "midjourney",
        }
    }

    /// The family named `name`.
    pub fn by_name(name: &str) -> Option<Family> {
        Family::ALL.into_iter().find(|f| f.name() == name)
    }

    /// [`Family::write`] in both the forms it chooses between by the prompt's length (GPT
    /// image's paragraph and labelled lines); one form for the other families.
    pub fn forms(self, plan: &Plan, book: &Book) -> Forms {
        match self {
            Family::Gpt => gpt::forms(plan, book.rules(self)),
            _ => Forms {
                main: self.write(plan, book),
                long: None,
            },
        }
    }

    /// The family's prompt for `plan`, written the way its guide says (`book` holds the guides'
    /// data: thresholds, rewrites).
    pub fn write(self, plan: &Plan, book: &Book) -> String {
        let rules = book.rules(self);
        match self {
            Family::Gpt => gpt::write(plan, rules),
            Family::Gemini => prose::write(plan, book, prose::Voice::Gemini),
            Family::Flux => prose::write(plan, book, prose::Voice::Flux),
            Family::Stability => prose::write(plan, book, prose::Voice::Stability),
            Family::Midjourney => midjourney::write(plan),
        }
    }
}

/// A family's prompt in the forms its length chooses between ([`Family::forms`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forms {
    /// The prompt.
    pub main: String,
    /// The prompt sent when `main` has more words than the threshold ([`wants_long_form`]):
    /// (threshold, prompt).
    pub long: Option<(usize, String)>,
}

/// True when a prompt of the short form `main` is too long for it: it has more words than the
/// family's threshold `max`, and the long form is sent instead (GPT image's labelled lines).
pub fn wants_long_form(main: &str, max: usize) -> bool {
    word_count(main) > max
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a family's guide is, and when it was read.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Guide {
    /// The guide's title.
    pub title: String,
    /// Its public address.
    pub url: String,
    /// Where the copy that was read is stored.
    pub stored: String,
    /// The day it was read (`YYYY-MM-DD`).
    pub read: String,
}

/// How a family's prompt is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// Labelled segments (one per line once the prompt is long).
    Segments,
    /// One narrative, descriptive paragraph.
    Narrative,
    /// Descriptive prose.
    Prose,
    /// Short descriptive phrases.
    Phrases,
}

/// Where a family's negatives go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Negatives {
    /// An "Avoid …" sentence in the prompt.
    Sentence,
    /// Rewritten as the wanted state; never a negation in the prompt.
    Positive,
    /// A negative-prompt field of the request.
    Field,
    /// A parameter of the prompt line (`--no`).
    Parameter,
}

/// A word-count range.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Words {
    /// Fewest words.
    pub min: usize,
    /// Most words.
    pub max: usize,
}

/// One family's rules, from its guide.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// The family's display name.
    pub name: String,
    /// Its targets.
    pub targets: Vec<String>,
    /// Its guide.
    pub guide: Guide,
    /// The prompt's shape.
    pub form: Form,
    /// Where negatives go.
    pub negatives: Negatives,
    /// Above this many words the prompt is written as labelled lines (`null`: never).
    #[serde(default)]
    pub segments_over_words: Option<usize>,
    /// The word range for an ordinary brief (`null`: the guide gives none).
    #[serde(default)]
    pub ordinary_words: Option<Words>,
    /// Whether photographic media are called "photorealistic".
    #[serde(default)]
    pub photorealistic: bool,
    /// The guide's rules, by lint rule name, in the project's words.
    #[serde(default)]
    pub rules: IndexMap<String, String>,
}

/// A rewrite of avoid items as the wanted state (for families that take no negatives).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rewrite {
    /// The avoid items it rewrites (lower case; a leading "no " is ignored when matching).
    pub avoid: Vec<String>,
    /// The wanted state when the brief has no exact text.
    pub without_text: String,
    /// The wanted state when it has.
    pub with_text: String,
    /// Where the rewrite comes from.
    pub source: String,
}

/// The rules of the five families, one field each (an override naming another family is an
/// unknown key, pointed at in its file).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Families {
    /// GPT image.
    pub gpt: Rules,
    /// Gemini image.
    pub gemini: Rules,
    /// FLUX.
    pub flux: Rules,
    /// Stable Diffusion / Stable Image.
    pub stability: Rules,
    /// Midjourney.
    pub midjourney: Rules,
}

impl Families {
    /// One family's rules.
    pub fn get(&self, family: Family) -> &Rules {
        match family {
            Family::Gpt => &self.gpt,
            Family::Gemini => &self.gemini,
            Family::Flux => &self.flux,
            Family::Stability => &self.stability,
            Family::Midjourney => &self.midjourney,
        }
    }
}

/// The families' rules and the positive rewrites (`data/families.json`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Book {
    /// What the file is.
    #[serde(rename = "$comment", default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Each family's rules.
    pub families: Families,
    /// Avoid items rewritten as the wanted state.
    pub rewrites: Vec<Rewrite>,
    /// The rewrite of any other avoid item; `{item}` is the item.
    pub fallback: String,
}

/// The shipped `data/families.json`.
pub const BUILTIN: &str = include_str!("../../../data/families.json");

impl Book {
    /// The shipped book.
    pub fn builtin() -> &'static Book {
        static B: std::sync::OnceLock<Book> = std::sync::OnceLock::new();
        B.get_or_init(|| serde_json::from_str(BUILTIN).expect("data/families.json reads as a Book"))
    }

    /// This book with an override file laid over it by the rule of every data file
    /// ([`crate::overlay`]): objects merge, a list replaces, `null` removes, an unknown key is
    /// an error pointing into the file.
    pub fn overlaid(&self, name: &str, text: &str) -> Result<Book, crate::diagnostic::Diagnostic> {
        let file =
            crate::overlay::DataFile::new(crate::diagnostic::Code::FamiliesFile, "families file");
        let shipped = serde_json::to_value(self).map_err(|e| {
            crate::diagnostic::Diagnostic::error(
                crate::diagnostic::Code::FamiliesFile,
                format!("invalid families file: {e}"),
            )
            .in_file(name)
        })?;
        let book = crate::overlay::overlay::<Book>(&shipped, name, text, &file)?.data;
        match book.unusable() {
            Some((path, what)) => Err(crate::diagnostic::Diagnostic::error(
                crate::diagnostic::Code::FamiliesFile,
                format!("invalid families file: `{path}` {what}"),
            )
            .with_path(path)
            .in_file(name)),
            None => Ok(book),
        }
    }

    /// The first value no writer could use: an empty rewrite, a fallback without `{item}`, a
    /// word range whose `min` is above its `max`.
    fn unusable(&self) -> Option<(String, String)> {
        for (i, r) in self.rewrites.iter().enumerate() {
            for (k, v) in [
                ("without_text", &r.without_text),
                ("with_text", &r.with_text),
            ] {
                if v.trim().is_empty() {
                    return Some((
                        format!("rewrites[{i}].{k}"),
                        String::from("is empty: say the wanted state"),
                    ));
                }
            }
        }
        if !self.fallback.contains("{item}") {
            return Some((
                String::from("fallback"),
                String::from("must hold `{item}`, where the avoid item goes"),
            ));
        }
        Family::ALL.iter().find_map(|f| {
            let w = self.rules(*f).ordinary_words?;
            (w.min > w.max).then(|| {
                (
                    format!("families.{f}.ordinary_words"),
                    format!("has `min` {} above `max` {}", w.min, w.max),
                )
            })
        })
    }

    /// One family's rules.
    pub fn rules(&self, family: Family) -> &Rules {
        self.families.get(family)
    }

    /// The wanted state that replaces avoid item `item`, and whether a rewrite (not the
    /// fallback) gave it.
    pub fn rewrite(&self, item: &str, has_text: bool) -> (String, bool) {
        // an item written as a negation (`no dogs`, `not blurry`) names the unwanted thing after it
        let bare = unnegated(item);
        let key = bare.to_lowercase();
        for r in &self.rewrites {
            if r.avoid.iter().any(|a| *a == key || a == bare) {
                let s = if has_text {
                    &r.with_text
                } else {
                    &r.without_text
                };
                return (s.clone(), true);
            }
        }
        (self.fallback.replace("{item}", bare), false)
    }
}

/// The quote marks an exact text is wrapped in, in order of preference: the first pair the text
/// does not hold itself, so a model can tell where it ends.
pub const QUOTES: [(char, char); 5] =
    [('"', '"'), ('“', '”'), ('«', '»'), ('‹', '›'), ('「', '」')];

/// `text` wrapped in double quotes — or, when it holds straight double quotes itself, curly
/// quotes (or guillemets), so a model can tell where it ends. The text stays byte for byte.
pub fn quoted(text: &str) -> String {
    let (open, close) = QUOTES
        .iter()
        .copied()
        .find(|(o, c)| !text.contains([*o, *c]))
        .unwrap_or(('"', '"'));
    let mut out = String::with_capacity(text.len() + 8);
    out.push(open);
    out.push_str(text);
    out.push(close);
    out
}

/// The medium with its article (`an event poster`), or `an image`.
fn medium(plan: &Plan) -> String {
    plan.medium
        .as_ref()
        .map_or_else(|| String::from("an image"), |m| with_article(&m.text))
}

/// The opening phrase: `an event poster for a conference, in dark mode` (the medium, the link,
/// the subject and the preset's subject phrases).
fn opening(plan: &Plan) -> String {
    let mut out = medium(plan);
    if !plan.subject.text.is_empty() {
        out.push(' ');
        out.push_str(&plan.link);
        out.push(' ');
        out.push_str(&plan.subject.text);
    }
    for d in &plan.subject_details {
        out.push_str(", ");
        out.push_str(d);
    }
    out
}

/// `text` with its first letter upper-case (for the tool's own words).
fn cap_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The opening with a capital only when its first word is the tool's (`An event poster …`): a
/// medium the user wrote with its own determiner stays as written.
fn opening_sentence(plan: &Plan) -> String {
    let open = opening(plan);
    match &plan.medium {
        Some(m) if open.starts_with(&m.text) => open,
        _ => cap_first(&open),
    }
}

/// `body` ending with a full stop (unless it ends a sentence already).
fn end(body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1);
    push_end(&mut out, body);
    out
}

/// Appends [`end`]`(body)` to `out`.
fn push_end(out: &mut String, body: &str) {
    out.push_str(body);
    if !body.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
}

/// The purpose, unless every word of it is already in the opening (it would only echo it).
fn purpose_phrases(plan: &Plan) -> Vec<&Phrase> {
    if !plan.usage.iter().any(|p| p.path == "context.purpose") {
        // only a purpose can echo the opening
        return plan.usage.iter().collect();
    }
    let open = opening(plan).to_lowercase();
    // a few dozen words: a list is quicker to build and search than a hashed set
    let words: Vec<&str> = open
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    plan.usage
        .iter()
        .filter(|p| {
            if p.path != "context.purpose" {
                return true;
            }
            let lower = p.text.to_lowercase();
            let content: Vec<&str> = lower
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| w.len() > 2)
                .collect();
            // an echo: a purpose of content words the opening says already
            content.is_empty() || !content.iter().all(|w| words.contains(w))
        })
        .collect()
}

/// The use: `event poster, for city bus shelters, on Instagram` (purpose, channel, platform),
/// the purpose with its article (`an event poster`) when `article` asks.
fn usage_with(plan: &Plan, article: bool) -> Option<String> {
    let parts: Vec<String> = purpose_phrases(plan)
        .into_iter()
        .map(|p| match p.path.as_str() {
            "context.channel" => format!("for {}", p.text),
            "context.platform" => format!("on {}", p.text),
            _ if article => with_article(&p.text),
            _ => p.text.clone(),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The use as GPT image's `Intended use:` segment and Midjourney's phrases say it.
fn usage(plan: &Plan) -> Option<String> {
    usage_with(plan, false)
}

/// True when `phrase` starts with a preposition of place (`on a beach`, `at dusk`).
fn starts_with_preposition(phrase: &str) -> bool {
    let first = phrase
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_lowercase();
    matches!(
        first.as_str(),
        "on" | "in"
            | "at"
            | "by"
            | "under"
            | "over"
            | "inside"
            | "near"
            | "beside"
            | "behind"
            | "above"
            | "below"
            | "among"
            | "across"
            | "along"
            | "against"
            | "atop"
            | "within"
            | "beneath"
            | "amid"
            | "outside"
    )
}

/// `phrase noun`, unless the phrase ends with the noun's last word already (`calm mood`, not
/// `calm mood mood`; `earth-tone palette`, not `earth-tone palette colour palette`).
fn with_noun(phrase: &str, noun: &str) -> String {
    let last = noun.rsplit(' ').next().unwrap_or(noun);
    if phrase.to_lowercase().ends_with(last) {
        phrase.to_string()
    } else {
        format!("{phrase} {noun}")
    }
}

/// A preset phrase as a sentence: its first letter capitalised unless it is the user's.
fn said_sentence(s: &crate::prompt::plan::Said) -> String {
    if s.user_first {
        end(&s.text)
    } else {
        cap_first(&end(&s.text))
    }
}

/// The phrases of a list, joined naturally (`a, b and c`).
fn and_list(items: &[Phrase]) -> String {
    let texts: Vec<&str> = items.iter().map(|p| p.text.as_str()).collect();
    join_natural(&texts, "and", ", ")
}

/// How one exact text is set: its size, place and typography (`largest type, top left, italic
/// script`); empty when nothing is said.
fn text_how(t: &PlanText) -> Vec<String> {
    let mut how = Vec::new();
    if let Some(s) = &t.size {
        how.push(format!("{s} type"));
    }
    if let Some(p) = &t.placement {
        how.push(p.clone());
    }
    if let Some(ty) = &t.typography {
        how.push(ty.clone());
    }
    how
}

/// The exact texts in groups: consecutive texts of one role set the same way are said together
/// (`the labels "A", "B" and "C" (small type)`), each other text alone. Each group is its label,
/// its quoted texts joined naturally, and how they are set.
fn text_groups(plan: &Plan) -> Vec<(String, String, Vec<String>)> {
    // each group: its first text, how that one is set, and the texts
    let mut out: Vec<(&PlanText, Vec<String>, Vec<&PlanText>)> = Vec::new();
    for t in &plan.texts {
        let how = text_how(t);
        match out.last_mut() {
            Some((first, first_how, group)) if first.role == t.role && *first_how == how => {
                group.push(t);
            }
            _ => out.push((t, how, vec![t])),
        }
    }
    out.into_iter()
        .map(|(first, how, group)| {
            let label = if group.len() > 1 {
                &first.labels
            } else {
                &first.label
            };
            let quotes: Vec<String> = group.iter().map(|t| quoted(&t.content)).collect();
            (label.clone(), join_natural(&quotes, "and", ", "), how)
        })
        .collect()
}

/// Every exact text with its size, place and typography beside its quote: `the headline
/// "Blue Notes" (largest type, top)`, one entry per group of [`text_groups`].
fn texts_quoted(plan: &Plan) -> Vec<String> {
    text_groups(plan)
        .into_iter()
        .map(|(label, quotes, how)| {
            let mut s = format!("the {label} {quotes}");
            if !how.is_empty() {
                s.push_str(" (");
                s.push_str(&join_natural(&how, ",", ", "));
                s.push(')');
            }
            s
        })
        .collect()
}

/// The avoid list rewritten as the wanted state, each rewrite once.
fn positives(plan: &Plan, book: &Book) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in &plan.avoid {
        let (p, _) = book.rewrite(&a.text, plan.has_text());
        // with exact text, "no text" becomes what the text rule says already
        let said = plan.has_text() && plan.text_strict && p.starts_with("the given text");
        if !out.contains(&p) && !said && !p.trim().is_empty() {
            out.push(p);
        }
    }
    out
}

/// An avoid item without a leading negation: an avoid list, a negative field or `--no` already
/// says "not", so `no dogs` there would say it twice (`dogs`).
pub fn unnegated(item: &str) -> &str {
    let item = item.trim();
    for n in ["no ", "not ", "never ", "without ", "don't ", "do not "] {
        if let Some(head) = item.get(..n.len())
            && head.eq_ignore_ascii_case(n)
        {
            return item[n.len()..].trim();
        }
    }
    item
}

/// The number of words in `text`.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}
