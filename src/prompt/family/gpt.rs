//! GPT image (OpenAI cookbook): background/scene → subject → key details → constraints; the
//! intended use sets the mode; literal text in quotes with its typography as constraints, asked
//! for once and with no extra text; "photorealistic" for photographs; short labelled segments on
//! their own lines once the prompt is long.
use super::{Rules, and_list, end, opening, usage};
use crate::prompt::filters::with_article;
use crate::prompt::plan::Plan;

/// One labelled segment: `Scene: a skyline at dusk`.
struct Segment {
    label: &'static str,
    body: String,
}

/// The prompt: the segments in the cookbook's order, as one paragraph, or one per line when the
/// paragraph would be longer than the family's threshold.
pub(super) fn write(plan: &Plan, rules: &Rules) -> String {
    let segments = segments(plan, rules);
    let paragraph = paragraph(&segments);
    match rules.segments_over_words {
        Some(max) if super::wants_long_form(&paragraph, max) => lines(&segments),
        _ => paragraph,
    }
}

/// Both forms [`write`] chooses between: the paragraph, and with the family's threshold the
/// labelled lines.
pub(super) fn forms(plan: &Plan, rules: &Rules) -> super::Forms {
    let segments = segments(plan, rules);
    super::Forms {
        main: paragraph(&segments),
        long: rules.segments_over_words.map(|max| (max, lines(&segments))),
    }
}

/// The long form: one labelled segment per line.
fn lines(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| format!("{}: {}", s.label, end(&s.body)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The short form: the subject as a `Create …` sentence, the other segments labelled.
fn paragraph(segments: &[Segment]) -> String {
    let mut out = String::new();
    for s in segments {
        if !out.is_empty() {
            out.push(' ');
        }
        if s.label == "Subject" {
            out.push_str("Create ");
        } else if s.label != "Constraints" {
            out.push_str(s.label);
            out.push_str(": ");
        }
        super::push_end(&mut out, &s.body);
    }
    out
}

fn segments(plan: &Plan, rules: &Rules) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut push = |label, body: Option<String>| {
        if let Some(body) = body.filter(|b| !b.is_empty()) {
            out.push(Segment { label, body });
        }
    };
    push("Scene", scene(plan));
    push("Subject", Some(subject(plan)));
    push("Intended use", usage(plan));
    let details: Vec<&str> = plan
        .layout
        .iter()
        .map(|p| p.text.as_str())
        .chain(plan.details.iter().map(String::as_str))
        .collect();
    push("Details", Some(details.join("; ")));
    push("Style", style(plan, rules));
    push("Text", text(plan));
    push("Constraints", Some(constraints(plan)));
    out
}

/// `a clean stage scene; background: a skyline at dusk; on a marble counter`.
fn scene(plan: &Plan) -> Option<String> {
    let parts: Vec<String> = plan
        .scene
        .iter()
        .map(|p| match p.path.as_str() {
            "composition.background" => super::with_noun(&p.text, "as the background"),
            "composition.surface" => format!("set on {}", p.text),
            _ => p.text.clone(),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The opening, then whose it is and whom it speaks to.
fn subject(plan: &Plan) -> String {
    let mut out = opening(plan);
    if let Some(b) = &plan.brand {
        out.push_str(", for the brand ");
        out.push_str(&b.text);
    }
    if let Some(a) = &plan.audience {
        out.push_str(", aimed at ");
        out.push_str(&a.text);
    }
    out
}

/// `photorealistic; a warm and calm mood; soft light; a navy and coral colour palette; grain`.
fn style(plan: &Plan, rules: &Rules) -> Option<String> {
    let mut parts = Vec::new();
    if rules.photorealistic && plan.photographic() {
        parts.push(String::from("photorealistic"));
    }
    if !plan.mood.is_empty() {
        parts.push(with_article(&super::with_noun(
            &and_list(&plan.mood),
            "mood",
        )));
    }
    parts.extend(plan.lighting.iter().map(|l| l.text.clone()));
    if !plan.palette.is_empty() {
        parts.push(with_article(&super::with_noun(
            &and_list(&plan.palette),
            "colour palette",
        )));
    }
    parts.extend(plan.style_details.iter().map(|d| d.text.clone()));
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Every exact text with its size, place and typography, then the type style and the preset's
/// words about the text.
fn text(plan: &Plan) -> Option<String> {
    if !plan.has_text() {
        return None;
    }
    let mut parts = super::texts_quoted(plan);
    if let Some(t) = &plan.typography {
        parts.push(format!("set in {}", t.text));
    }
    parts.extend(plan.text_details.iter().map(|d| d.text.clone()));
    Some(parts.join("; "))
}

/// The text rule, the preset's constraints and the avoid list, last.
fn constraints(plan: &Plan) -> String {
    let mut out = Vec::new();
    if plan.has_text() {
        out.push(String::from(match (plan.text_strict, plan.texts.len()) {
            (true, _) => {
                "Render each text once, exactly as written, letter for letter, and add no other text."
            }
            (false, 1) => {
                "Render this text exactly as written, letter for letter; keep any other interface text short and legible."
            }
            (false, _) => {
                "Render these texts exactly as written, letter for letter; keep any other interface text short and legible."
            }
        }));
    }
    for c in &plan.constraints {
        out.push(super::said_sentence(c));
    }
    if !plan.avoid.is_empty() {
        let items: Vec<&str> = plan
            .avoid
            .iter()
            .map(|a| super::unnegated(&a.text))
            .collect();
        out.push(format!(
            "Avoid {}.",
            crate::prompt::filters::join_natural(&items, "and", ", ")
        ));
    }
    out.join(" ")
}
