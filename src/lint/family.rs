//! The family rules of [`RULES`](super::RULES): the prompt checked against the prompting guide
//! of its target's model family (`data/families.json`, [`crate::prompt::family`]). Every finding
//! names the guide and, where a brief field would fix it, points at that field.
use super::{Context, cached_regex, finding};
use crate::diagnostic::{Code, Diagnostic};
use crate::prompt::family::{Family, Form, Negatives, Rules, word_count};
use crate::prompt::plan::{Phrase, Plan};

/// The family of the rendering's target, and its rules.
fn family<'a>(cx: &'a Context<'_>) -> (Family, &'a Rules) {
    let f = cx.rendering.payload.target.family();
    (f, cx.engine.family_book().rules(f))
}

/// `FLUX guide (docs.bfl.ai/…, read 2026-12-01): <rule>` — the help line of a family finding.
fn says(rules: &Rules, rule: &str) -> String {
    let text = rules.rules.get(rule).map_or("", String::as_str);
    format!(
        "{} ({}, read {}): {text}",
        rules.guide.title, rules.guide.url, rules.guide.read
    )
}

/// The brief's plan (its phrases with their paths), when its preset is known: built once per
/// lint run, for every rule that reads it.
fn plan<'c>(cx: &'c Context<'_>) -> Option<&'c Plan> {
    cx.plan
        .get_or_init(|| {
            let preset = cx.engine.catalog().get(&cx.rendering.preset).ok()?;
            Some(Plan::new(&cx.rendering.brief, preset, &[]))
        })
        .as_ref()
}

const NEGATION: &str =
    r"(?i)\b(?:no|not|never|without|avoid|don't|do not|none|nothing|neither|nor)\b";

/// `family-negation`: no negation in the prompt of a family that takes none in it (FLUX and
/// Gemini describe the wanted state; Stability and Midjourney keep negatives in
/// `negative_prompt` / `--no`). A negation inside a user phrase points at its field.
pub(super) fn family_negation(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (f, rules) = family(cx);
    if rules.negatives == Negatives::Sentence {
        return Vec::new();
    }
    let Ok(re) = cached_regex(NEGATION) else {
        return Vec::new();
    };
    let rule = if rules.negatives == Negatives::Positive {
        "positive"
    } else {
        "field"
    };
    let rule = if f == Family::Midjourney { "no" } else { rule };
    let mut out = Vec::new();
    let phrases: Vec<Phrase> = plan(cx)
        .map(|p| p.phrases().cloned().collect())
        .unwrap_or_default();
    for m in re.find_iter(&cx.masked) {
        let owner = phrases
            .iter()
            .find(|p| re.is_match(&p.text) && cx.rendering.prompt.contains(&p.text));
        let message = format!(
            "the {} prompt says \"{}\": {} takes no negation in its prompt",
            f,
            m.as_str(),
            rules.name
        );
        let d = finding(Code::FamilyNegation, message).with_help(says(rules, rule));
        match owner {
            Some(p)
                if !out
                    .iter()
                    .any(|(path, _): &(String, Diagnostic)| *path == p.path) =>
            {
                out.push((p.path.clone(), cx.in_brief(d, &p.path)));
            }
            Some(_) => {}
            None => out.push((String::new(), cx.in_prompt(d, m.range()))),
        }
    }
    out.into_iter().map(|(_, d)| d).collect()
}

const KEYWORD_LIST: &str = r"(?m)(?:^|[.!?]\s+)([A-Z][A-Za-z ]{0,24}): [^.\n]*;";
const INSTRUCTION: &str = r"(?:^|[.!?]\s+)(?:Render|Create|Generate|Make|Keep|Use|Add|Set the|Place|Ensure|Avoid|Do not|Don't|Include|Feature|Show)\b[^.!?\n]*";

/// `family-form`: the prompt has its family's shape — no `Label: a; b; c` keyword lists for
/// the prose families, no instruction sentences for Midjourney, labelled lines for a long GPT
/// image prompt.
pub(super) fn family_form(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (f, rules) = family(cx);
    let prompt = &cx.masked;
    let (pattern, rule, what) = match rules.form {
        Form::Narrative | Form::Prose => (
            KEYWORD_LIST,
            if f == Family::Gemini {
                "narrative"
            } else {
                "prose"
            },
            "a keyword list",
        ),
        Form::Phrases => (INSTRUCTION, "grammar", "an instruction sentence"),
        Form::Segments => {
            return match rules.segments_over_words {
                Some(max) if word_count(prompt) > max && !prompt.contains('\n') => {
                    let d = finding(
                        Code::FamilyForm,
                        format!(
                            "the {f} prompt is one paragraph of {} words",
                            word_count(prompt)
                        ),
                    )
                    .with_help(says(rules, "segments"));
                    vec![cx.in_prompt(d, 0..prompt.len().min(1))]
                }
                _ => Vec::new(),
            };
        }
    };
    let Ok(re) = cached_regex(pattern) else {
        return Vec::new();
    };
    re.find_iter(prompt)
        .take(3)
        .map(|m| {
            let d = finding(
                Code::FamilyForm,
                format!(
                    "the {f} prompt has {what}: \"{}\"",
                    m.as_str().trim_start_matches(['.', '!', '?', ' '])
                ),
            )
            .with_help(says(rules, rule));
            cx.in_prompt(d, m.range())
        })
        .collect()
}

/// `family-order` (GPT image): every scene, composition and style phrase comes before the
/// exact texts and their constraints.
pub(super) fn family_order(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (f, rules) = family(cx);
    if rules.form != Form::Segments || cx.texts.is_empty() {
        return Vec::new();
    }
    let Some(first_text) = cx
        .texts
        .iter()
        .filter_map(|t| cx.rendering.prompt.find(&format!("\"{}\"", t.text)))
        .min()
    else {
        return Vec::new();
    };
    let Some(plan) = plan(cx) else {
        return Vec::new();
    };
    let late = plan
        .scene
        .iter()
        .chain(&plan.layout)
        .chain(&plan.mood)
        .chain(&plan.lighting)
        .chain(&plan.palette)
        .chain(&plan.style_details)
        .filter_map(|p| cx.masked.find(&p.text).map(|i| (i, p)))
        .filter(|(i, _)| *i > first_text)
        .min_by_key(|(i, _)| *i);
    let Some((i, p)) = late else {
        return Vec::new();
    };
    let d = finding(
        Code::FamilyOrder,
        format!("the {f} prompt gives the exact text before `{}`", p.path),
    )
    .with_help(says(rules, "order"));
    vec![cx.in_prompt(d, i..i + p.text.len())]
}

/// `family-lighting` (FLUX): the brief names its lighting.
pub(super) fn family_lighting(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (_, rules) = family(cx);
    if !rules.rules.contains_key("lighting")
        || cx
            .rendering
            .brief
            .style
            .lighting
            .as_deref()
            .is_some_and(|l| !l.trim().is_empty())
    {
        return Vec::new();
    }
    let d = finding(
        Code::FamilyLighting,
        format!("the brief names no lighting, which {} asks for", rules.name),
    )
    .with_help(format!(
        "add `style.lighting` (e.g. \"soft window light\"); {}",
        says(rules, "lighting")
    ));
    vec![cx.in_brief(d, "subject")]
}

/// `family-length`: the prompt's word count is inside the family's range for an ordinary brief
/// (at most two exact texts and eight phrases; a fuller brief may run longer).
pub(super) fn family_length(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (f, rules) = family(cx);
    let Some(range) = rules.ordinary_words else {
        return Vec::new();
    };
    let words = word_count(&cx.rendering.prompt);
    let ordinary = cx.texts.len() <= 2 && plan(cx).is_some_and(|p| p.phrases().count() <= 8);
    let problem = if words < range.min {
        Some("fewer")
    } else if words > range.max && ordinary {
        Some("more")
    } else {
        None
    };
    let Some(problem) = problem else {
        return Vec::new();
    };
    let d = finding(
        Code::FamilyLength,
        format!("the {f} prompt has {words} words, {problem} than the {}–{} the guide gives for a brief like this", range.min, range.max),
    )
    .with_help(says(rules, "length"));
    vec![cx.in_prompt(d, 0..cx.rendering.prompt.len().min(1))]
}

/// `family-rewrite`: for a family that takes no negatives, every avoid item has a positive
/// rewrite (the fallback "a look free of …" keeps the meaning, but says what is unwanted).
pub(super) fn family_rewrite(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (f, rules) = family(cx);
    if rules.negatives != Negatives::Positive {
        return Vec::new();
    }
    let book = cx.engine.family_book();
    let has_text = !cx.texts.is_empty();
    let missing: Vec<(usize, &String)> = cx
        .rendering
        .brief
        .avoid
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.trim().is_empty() && !book.rewrite(a, has_text).1)
        .collect();
    // one finding per item, up to a screenful; then one for the rest
    const SHOWN: usize = 10;
    let mut out: Vec<Diagnostic> = missing
        .iter()
        .take(SHOWN)
        .map(|&(i, a)| {
            let (said, _) = book.rewrite(a, has_text);
            let d = finding(
                Code::FamilyRewrite,
                format!("{} takes no negatives, and `{}` has no positive rewrite: the {f} prompt says \"{said}\"", rules.name, a.trim()),
            )
            .with_help("describe what you want instead (in `style.details` or `composition`), or add a rewrite to `rewrites` with `--families FILE`");
            cx.in_brief(d, &format!("avoid[{i}]"))
        })
        .collect();
    if missing.len() > SHOWN {
        let d = finding(
            Code::FamilyRewrite,
            format!(
                "and {} more avoid items have no positive rewrite for {}",
                missing.len() - SHOWN,
                rules.name
            ),
        );
        out.push(cx.in_brief(d, &format!("avoid[{}]", missing[SHOWN].0)));
    }
    out
}

/// `text-unplaced`: every exact text has a size in the hierarchy (its role's `size` in the
/// preset) or a `placement`, which the guides ask for beside the quoted text.
pub(super) fn text_unplaced(cx: &Context<'_>) -> Vec<Diagnostic> {
    let (_, rules) = family(cx);
    let Some(plan) = plan(cx) else {
        return Vec::new();
    };
    plan.texts
        .iter()
        .filter(|t| t.size.is_none() && t.placement.is_none())
        .map(|t| {
            let d = finding(
                Code::TextUnplaced,
                format!("the exact {} {:?} has neither a size nor a place", t.label, t.content),
            )
            .with_help(format!(
                "write it as `{{content: …, placement: \"top left\"}}`, or give the role a `size` in the preset; {}",
                says(rules, "text-place")
            ));
            cx.in_brief(d, &t.path)
        })
        .collect()
}
