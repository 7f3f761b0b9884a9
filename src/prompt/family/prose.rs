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

/// The composition, one short sentence per field, each in its own frame: `The layout is …`,
/// `It is framed as …`, `The camera is …`, `It leaves …`, `It includes a, b and c.`
fn composition_sentence(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    let mut details = Vec::new();
    for p in &plan.layout {
        let t = &p.text;
        match p.path.as_str() {
            "composition.layout" => out.push(end(&format!("The layout is {t}"))),
            "composition.framing" => out.push(end(&format!("It is framed as {t}"))),
            "composition.camera" => out.push(end(&format!("The camera is {t}"))),
            "composition.negative_space" => out.push(end(&format!("It leaves {t}"))),
            _ => details.push(t.as_str()),
        }
    }
    if !details.is_empty() {
        out.push(end(&format!(
            "It includes {}",
            join_natural(&details, "and", "; ")
        )));
    }
    out
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

/// `Intended use: <use>.` and `It speaks to <audience>.` (the use as written: a purpose is not
/// always a noun that takes an article, `marketing`, `to sell shoes`).
fn usage_sentence(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(u) = super::usage(plan) {
        out.push(end(&format!("Intended use: {u}")));
    }
    if let Some(a) = &plan.audience {
        out.push(end(&format!("It speaks to {}", a.text)));
    }
    out
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
    (!parts.is_empty()).then(|| end(&format!("It is set {}", parts.join(", "))))
}

/// `The mood is warm and calm. It has a navy and coral colour palette. Its style: grain and film.`
fn style_sentence(plan: &Plan) -> Vec<String> {
    let mut out = Vec::new();
    if !plan.mood.is_empty() {
        // `The mood is calm`, or `It has a calm mood` when the phrase says "mood" itself
        let mood = and_list(&plan.mood);
        out.push(end(&if mood.to_lowercase().ends_with("mood") {
            format!("It has {}", crate::prompt::filters::with_article(&mood))
        } else {
            format!("The mood is {mood}")
        }));
    }
    if !plan.palette.is_empty() {
        out.push(end(&format!(
            "It has {}",
            crate::prompt::filters::with_article(&with_noun(
                &and_list(&plan.palette),
                "colour palette"
            ))
        )));
    }
    if !plan.style_details.is_empty() {
        let details: Vec<&str> = plan
            .style_details
            .iter()
            .map(|p: &Phrase| p.text.as_str())
            .collect();
        out.push(end(&format!(
            "Its style: {}",
            join_natural(&details, "and", ", ")
        )));
    }
    out
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
