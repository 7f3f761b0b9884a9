//! Midjourney: simple, short descriptive phrases, no instruction sentences (it "does not
//! understand grammar"), exact text in quotes. The avoid list leaves the prompt for `--no` and
//! the parameters go at the end; both are the target's (`targets/midjourney.rs`).
use super::{and_list, opening, usage};
use crate::prompt::plan::Plan;

/// The prompt: one short phrase group per part of the brief, separated by full stops.
pub(super) fn write(plan: &Plan) -> String {
    let mut groups: Vec<String> = Vec::new();
    let mut first = opening(plan);
    if let Some(b) = &plan.brand {
        first.push_str(", for ");
        first.push_str(&b.text);
    }
    groups.push(first);
    for (label, quotes, how) in super::text_groups(plan) {
        let mut g = format!("{label} {quotes}");
        for h in how {
            g.push_str(", ");
            g.push_str(&h);
        }
        groups.push(g);
    }
    if plan.has_text() {
        groups.extend(plan.typography.iter().map(|t| t.text.clone()));
    }
    groups.extend(plan.text_details.iter().map(|d| d.text.clone()));
    groups.extend(plan.scene.iter().map(|p| p.text.clone()));
    groups.extend(plan.layout.iter().map(|p| p.text.clone()));
    groups.extend(plan.details.iter().cloned());
    let mut look = Vec::new();
    if !plan.mood.is_empty() {
        look.push(super::with_noun(&and_list(&plan.mood), "mood"));
    }
    look.extend(plan.lighting.iter().map(|l| l.text.clone()));
    if !plan.palette.is_empty() {
        look.push(super::with_noun(&and_list(&plan.palette), "palette"));
    }
    look.extend(plan.style_details.iter().map(|p| p.text.clone()));
    if !look.is_empty() {
        groups.push(look.join(", "));
    }
    let mut for_whom: Vec<String> = usage(plan).into_iter().collect();
    for_whom.extend(plan.audience.iter().map(|a| format!("for {}", a.text)));
    if !for_whom.is_empty() {
        groups.push(for_whom.join(", "));
    }
    groups.extend(plan.constraints.iter().map(|d| d.text.clone()));
    let mut out = String::new();
    for g in groups {
        if !out.is_empty() {
            out.push_str(if out.ends_with(['.', '!', '?']) {
                " "
            } else {
                ". "
            });
        }
        out.push_str(&g);
    }
    super::end(&out)
}
