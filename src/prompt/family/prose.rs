//! The descriptive-prose families: Gemini (one narrative paragraph, opening with its guide's
//! `Create a [image type] for [brand] with the text "[text]" in a [font style]`), FLUX (subject
//! and quoted text front-loaded, lighting named) and Stability (descriptive prose; its
//! negatives go to `negative_prompt`). None of them writes a negation of its own: avoid items
//! become the wanted state (Gemini, FLUX) or leave the prompt (Stability).
use super::{Book, and_list, end, opening_sentence, positives, said_sentence, with_noun};
use crate::prompt::filters::join_natural;
use crate::prompt::plan::{Phrase, Plan};

/// Which prose family is writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Voice {
    /// Gemini image.
    Gemini,
    /// FLUX.
    Flux,
    /// Stable Diffusion / Stable Image.
    Stability,
}

/// The prompt, one paragraph of sentences.
pub(super) fn write(plan: &Plan, book: &Book, voice: Voice) -> String {
    let mut s: Vec<String> = Vec::new();
    s.push(first_sentence(plan, voice));
    if voice != Voice::Gemini {
        s.extend(lettering(plan));
    }
    s.extend(usage_sentence(plan));
    s.extend(scene_sentence(plan));
    s.extend(composition_sentence(plan));
    // the preset's details are participles (`laid out on a grid`, `styled with props`)
    if !plan.details.is_empty() {
        s.push(format!(
            "It is {}.",
            join_natural(&plan.details, "and", "; ")
        ));
    }
    s.extend(style_sentence(plan));
    if let Some(l) = &plan.lighting {
        s.push(lighting_sentence(&l.text));
    }
    s.extend(text_rule(plan));
    s.extend(plan.constraints.iter().map(said_sentence));
    if voice != Voice::Stability {
        let wanted = positives(plan, book);
        if !wanted.is_empty() {
            s.push(format!("It has {}.", join_natural(&wanted, "and", "; ")));
        }
    }
    s.join(" ")
}

/// Gemini: `Create <opening>, for <brand>, with the text …`; FLUX and Stability: the opening
/// with the texts front-loaded.
fn first_sentence(plan: &Plan, voice: Voice) -> String {
    let mut out = match voice {
        Voice::Gemini => format!("Create {}", super::opening(plan)),
        _ => opening_sentence(plan),
    };

    if let Some(b) = &plan.brand {
        out.push_str(", for ");
        out.push_str(&b.text);
    }
    if plan.has_text() {
        out.push_str(", with ");
        out.push_str(&texts(plan));
        if voice == Voice::Gemini
            && let Some(t) = &plan.typography
        {
            out.push_str(", in ");
            out.push_str(&t.text);
        }
    }
    end(&out)
}

/// Every exact text: `the headline "Blue Notes" (set largest, at the top) and the date "…"`.
fn texts(plan: &Plan) -> String {
    let items = super::texts_quoted(plan);
    join_natural(&items, "and", ", ")
}

/// FLUX and Stability: the type style and the preset's words on the text, early.
fn lettering(plan: &Plan) -> Vec<String> {
    let mut s = Vec::new();
    if plan.has_text()
        && let Some(t) = &plan.typography
    {
        s.push(format!("The lettering is set in {}.", t.text));
    }
    s
}

/// `The composition is <layout>, with <framing> and <negative space>.`
fn composition_sentence(plan: &Plan) -> Option<String> {
    let (first, rest) = plan.layout.split_first()?;
    // the layout says what the composition is; framing, camera and space are what it has
    let mut out = if first.path == "composition.layout" {
        format!("The composition is {}", first.text)
    } else {
        format!("The composition has {}", first.text)
    };
    if !rest.is_empty() {
        let rest: Vec<&str> = rest.iter().map(|p| p.text.as_str()).collect();
        out.push_str(", with ");
        out.push_str(&join_natural(&rest, "and", "; "));
    }
    Some(end(&out))
}

/// `It is lit by <lighting>.` (`It is lit by candles.` for a phrase that says `lit` itself).
fn lighting_sentence(lighting: &str) -> String {
    let lower = lighting.to_lowercase();
    if lower.starts_with("lit ") || lower.starts_with("backlit") {
        end(&format!("It is {lighting}"))
    } else {
        end(&format!("It is lit by {lighting}"))
    }
}

/// `as an event poster, for …`, or `for Instagram stories` when the use has no purpose.
fn as_use(usage: &str) -> String {
    if usage.starts_with("for ") || usage.starts_with("on ") {
        usage.to_string()
    } else {
        format!("as {usage}")
    }
}

/// `It is intended as <use> and speaks to <audience>.`
fn usage_sentence(plan: &Plan) -> Option<String> {
    let u = super::usage_with(plan, true);
    let a = plan.audience.as_ref().map(|a| a.text.as_str());
    match (u, a) {
        (None, None) => None,
        (Some(u), None) => Some(format!("It is intended {}.", as_use(&u))),
        (None, Some(a)) => Some(format!("It speaks to {a}.")),
        (Some(u), Some(a)) => Some(format!("It is intended {} and speaks to {a}.", as_use(&u))),
    }
}

/// `It is set in <scene>, against <background>, on <surface>.`
fn scene_sentence(plan: &Plan) -> Option<String> {
    let parts: Vec<String> = plan
        .scene
        .iter()
        .map(|p| match p.path.as_str() {
            "composition.background" => format!("against {}", p.text),
            "composition.surface" => format!("on {}", p.text),
            _ if super::starts_with_preposition(&p.text) => p.text.clone(),
            _ => format!("in {}", p.text),
        })
        .collect();
    (!parts.is_empty()).then(|| format!("It is set {}.", parts.join(", ")))
}

/// `The mood is warm and calm, with a navy and coral colour palette, grain and film.`
fn style_sentence(plan: &Plan) -> Option<String> {
    let mut with: Vec<String> = Vec::new();
    if !plan.palette.is_empty() {
        with.push(crate::prompt::filters::with_article(&with_noun(
            &and_list(&plan.palette),
            "colour palette",
        )));
    }
    with.extend(plan.style_details.iter().map(|p: &Phrase| p.text.clone()));
    let with = join_natural(&with, "and", "; ");
    // `The mood is calm`, or `It has a calm mood` when the phrase says "mood" itself
    let mood = and_list(&plan.mood);
    let mood = if mood.to_lowercase().ends_with("mood") {
        format!("It has {}", crate::prompt::filters::with_article(&mood))
    } else {
        format!("The mood is {mood}")
    };
    match (plan.mood.is_empty(), with.is_empty()) {
        (true, true) => None,
        (false, true) => Some(format!("{mood}.")),
        (true, false) => Some(format!("It shows {with}.")),
        (false, false) => Some(format!("{mood}, with {with}.")),
    }
}

/// The text rule, said as the wanted state, and the preset's words on the text.
fn text_rule(plan: &Plan) -> Vec<String> {
    if !plan.has_text() {
        return Vec::new();
    }
    let mut s = vec![String::from(match (plan.text_strict, plan.texts.len()) {
        (true, _) => {
            "The given text is the only lettering in the image, each piece spelled exactly as written, once."
        }
        (false, 1) => {
            "This text is spelled exactly as written; any other interface text is short and legible."
        }
        (false, _) => {
            "These texts are spelled exactly as written; any other interface text is short and legible."
        }
    })];
    s.extend(plan.text_details.iter().map(said_sentence));
    s
}
