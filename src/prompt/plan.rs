//! The prompt plan: what a brief asks for, in typed parts, before any family writes it.
//!
//! A plan holds the brief's phrases (normalised, never reworded), its exact texts (verbatim), the
//! preset's own phrases (its details template, one kind per line) and the facts a family writer
//! needs (the size rank of each text role, whether the medium is photographic). The family
//! writers ([`crate::prompt::family`]) only arrange these parts and add the family's own words.
use crate::brief::{Brief, OneOrMany, TextEntry};
use crate::preset::Preset;
use crate::prompt::filters::normalise_phrase;

/// One user phrase with the brief field it came from (`style.lighting`, `composition.details[1]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Phrase {
    /// The brief path of the field.
    pub path: String,
    /// The phrase, normalised ([`normalise_phrase`]).
    pub text: String,
}

/// One exact text, verbatim, with what the brief and the preset say about how it is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanText {
    /// The role (`headline`).
    pub role: String,
    /// How the prompt names one text of the role (`call to action`, `label`).
    pub label: String,
    /// How it names several (`labels`).
    pub labels: String,
    /// The brief path of this text (`text.headline`, `text.labels[1]`).
    pub path: String,
    /// The text, byte for byte.
    pub content: String,
    /// Its typography (the entry's own).
    pub typography: Option<String>,
    /// Its place (the entry's own).
    pub placement: Option<String>,
    /// Its size in the hierarchy, from the preset's manifest (`largest`).
    pub size: Option<String>,
}

/// One line of a preset's details template: its kind, its final text, and whether it starts with
/// the user's words (then a writer never changes its first letter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// Its kind (its prefix).
    pub kind: DetailKind,
    /// The text, the user's phrases and exact texts in place.
    pub text: String,
    /// True when the first character is the user's.
    pub user_first: bool,
}

/// A preset phrase said as a sentence of its own: its text, and whether its first letter is the
/// user's (`iPhone notch area clear`), which a writer leaves as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Said {
    /// The phrase.
    pub text: String,
    /// True when its first character is the user's.
    pub user_first: bool,
}

/// What kind of phrase a line of a preset's details template is (`subject: featuring …`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailKind {
    /// Said with the subject (`featuring a mug`, `in dark mode`).
    Subject,
    /// A key detail of the image (the default).
    Detail,
    /// About the text (`the small print small but legible`).
    Text,
    /// A constraint on the whole image (`the top and bottom fifth clear of text`).
    Constraint,
    /// The place of a text role's texts that have none of their own: `place: headline at the
    /// top` (the first word is the role).
    Place,
}

impl DetailKind {
    /// The kind a line's prefix names, and the rest of the line.
    pub fn split(line: &str) -> (DetailKind, &str) {
        for (prefix, kind) in [
            ("subject:", DetailKind::Subject),
            ("detail:", DetailKind::Detail),
            ("text:", DetailKind::Text),
            ("constraint:", DetailKind::Constraint),
            ("place:", DetailKind::Place),
        ] {
            if let Some(rest) = line.strip_prefix(prefix) {
                return (kind, rest.trim());
            }
        }
        (DetailKind::Detail, line)
    }
}

/// The brief and the preset's phrases, ready for a family writer.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The medium (`cinematic event poster`), when the brief or the preset names one.
    pub medium: Option<Phrase>,
    /// The word between the medium and the subject (`for`, `of`, `about`).
    pub link: String,
    /// The subject.
    pub subject: Phrase,
    /// The preset's phrases said with the subject.
    pub subject_details: Vec<String>,
    /// What the image is for: purpose, channel, platform.
    pub usage: Vec<Phrase>,
    /// Who it speaks to.
    pub audience: Option<Phrase>,
    /// Whose it is.
    pub brand: Option<Phrase>,
    /// Where it happens: scene, background, surface (in that order).
    pub scene: Vec<Phrase>,
    /// How it is arranged: layout, framing, camera, negative space, composition details.
    pub layout: Vec<Phrase>,
    /// The preset's key details.
    pub details: Vec<String>,
    /// Mood words.
    pub mood: Vec<Phrase>,
    /// The lighting.
    pub lighting: Option<Phrase>,
    /// Colours.
    pub palette: Vec<Phrase>,
    /// Style details.
    pub style_details: Vec<Phrase>,
    /// The typography of every text (`style.typography`).
    pub typography: Option<Phrase>,
    /// The exact texts, in the brief's role order.
    pub texts: Vec<PlanText>,
    /// The preset's phrases about the text.
    pub text_details: Vec<Said>,
    /// Whether every text must be exactly the brief's and no other (false: interface text may
    /// have other short labels).
    pub text_strict: bool,
    /// The preset's constraints.
    pub constraints: Vec<Said>,
    /// What to keep out.
    pub avoid: Vec<Phrase>,
}

fn phrase(path: impl Into<String>, text: &str) -> Option<Phrase> {
    let n = normalise_phrase(text);
    (!n.is_empty()).then(|| Phrase {
        path: path.into(),
        text: n,
    })
}

fn opt(path: &str, v: &Option<String>) -> Option<Phrase> {
    v.as_deref().and_then(|s| phrase(path, s))
}

fn many(path: &str, v: &Option<OneOrMany>) -> Vec<Phrase> {
    match v {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => phrase(path, s).into_iter().collect(),
        Some(OneOrMany::Many(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, s)| phrase(format!("{path}[{i}]"), s))
            .collect(),
    }
}

impl Plan {
    /// The plan of `brief` (the preset's defaults already merged) with the preset's `details`
    /// (the lines its details template wrote, final text).
    pub fn new(brief: &Brief, preset: &Preset, details: &[Detail]) -> Plan {
        let s = &brief.style;
        let c = &brief.composition;
        let x = &brief.context;
        let mut plan = Plan {
            medium: opt("style.medium", &s.medium),
            link: preset
                .manifest
                .subject_link
                .clone()
                .unwrap_or_else(|| String::from("of")),
            subject: phrase("subject", &brief.subject).unwrap_or(Phrase {
                path: String::from("subject"),
                text: String::new(),
            }),
            usage: [
                opt("context.purpose", &x.purpose),
                opt("context.channel", &x.channel),
                opt("context.platform", &x.platform),
            ]
            .into_iter()
            .flatten()
            .collect(),
            audience: opt("context.audience", &x.audience),
            brand: opt("context.brand", &x.brand),
            scene: [
                opt("composition.scene", &c.scene),
                opt("composition.background", &c.background),
                opt("composition.surface", &c.surface),
            ]
            .into_iter()
            .flatten()
            .collect(),
            mood: many("style.mood", &s.mood),
            lighting: opt("style.lighting", &s.lighting),
            palette: many("style.palette", &s.palette),
            style_details: many("style.details", &s.details),
            typography: opt("style.typography", &s.typography),
            texts: texts(brief, preset),
            text_strict: preset.manifest.text_rule != Some(crate::preset::TextRule::Loose),
            avoid: brief
                .avoid
                .iter()
                .enumerate()
                .filter_map(|(i, a)| phrase(format!("avoid[{i}]"), a))
                .collect(),
            ..Plan::default()
        };
        plan.layout = [
            opt("composition.layout", &c.layout),
            opt("composition.framing", &c.framing),
            opt("composition.camera", &c.camera),
            opt("composition.negative_space", &c.negative_space),
        ]
        .into_iter()
        .flatten()
        .chain(many("composition.details", &c.details))
        .collect();
        plan.add_details(details);
        plan
    }

    /// Files each line of the preset's details template under its kind.
    fn add_details(&mut self, details: &[Detail]) {
        for d in details {
            let rest = d.text.clone();
            let said = Said {
                text: rest.clone(),
                user_first: d.user_first,
            };
            match d.kind {
                DetailKind::Subject => self.subject_details.push(rest),
                DetailKind::Detail => self.details.push(rest),
                DetailKind::Text => self.text_details.push(said),
                DetailKind::Constraint => self.constraints.push(said),
                DetailKind::Place => {
                    let (role, place) = rest.split_once(' ').unwrap_or((&rest, ""));
                    for t in self.texts.iter_mut().filter(|t| t.role == role) {
                        if t.placement.is_none() && !place.trim().is_empty() {
                            t.placement = Some(place.trim().to_string());
                        }
                    }
                }
            }
        }
    }

    /// True when the medium (or a style detail) is a photograph.
    pub fn photographic(&self) -> bool {
        let photo = |p: &Phrase| {
            let l = p.text.to_lowercase();
            l.contains("photo") && !l.contains("photorealis")
        };
        self.medium.iter().chain(&self.style_details).any(photo)
            && !self
                .medium
                .iter()
                .chain(&self.style_details)
                .chain(&self.avoid)
                .any(|p| p.text.to_lowercase().contains("photorealis"))
    }

    /// Every phrase of the brief the plan holds, with its path (what fidelity checks).
    pub fn phrases(&self) -> impl Iterator<Item = &Phrase> {
        self.medium
            .iter()
            .chain(std::iter::once(&self.subject))
            .chain(&self.usage)
            .chain(&self.audience)
            .chain(&self.brand)
            .chain(&self.scene)
            .chain(&self.layout)
            .chain(&self.mood)
            .chain(&self.lighting)
            .chain(&self.palette)
            .chain(&self.style_details)
            .chain(&self.typography)
    }

    /// True when the brief has exact text.
    pub fn has_text(&self) -> bool {
        !self.texts.is_empty()
    }
}

/// The exact texts of `brief`, each with its role's label and size from `preset`.
fn texts(brief: &Brief, preset: &Preset) -> Vec<PlanText> {
    let mut out = Vec::new();
    for (role, value) in &brief.text {
        let entries = value.entries();
        let many = matches!(value, crate::brief::TextValue::Many(_));
        let manifest = preset.manifest.text_roles.get(role);
        // each text of a plural role is one text: `the label "A"`, `the labels "A" and "B"`
        let base = preset.role_label(role);
        let base = if base.is_empty() {
            String::from("text")
        } else {
            base
        };
        let (label, labels) = if manifest.is_some_and(|r| r.plural) {
            (singular(&base), base)
        } else {
            (base.clone(), plural(&base))
        };
        for (i, e) in entries.iter().enumerate() {
            let (typography, placement) = match e {
                TextEntry::Plain(_) => (None, None),
                TextEntry::Detailed(d) => (
                    d.typography.as_deref().map(normalise_phrase),
                    d.placement.as_deref().map(normalise_phrase),
                ),
            };
            out.push(PlanText {
                role: role.clone(),
                label: label.clone(),
                labels: labels.clone(),
                path: if many {
                    format!("text.{role}[{i}]")
                } else {
                    format!("text.{role}")
                },
                content: e.content().to_string(),
                typography: typography.filter(|t| !t.is_empty()),
                placement: placement.filter(|t| !t.is_empty()),
                size: manifest.and_then(|r| r.size.clone()),
            });
        }
    }
    out
}

/// One of a plural label (`labels` → `label`, `list items` → `list item`).
fn singular(label: &str) -> String {
    match label.strip_suffix('s') {
        Some(one) if !one.ends_with('s') && !one.is_empty() => one.to_string(),
        _ => label.to_string(),
    }
}

/// Several of a label: `call to action` → `calls to action`, `body copy` → `body copies`,
/// `badge` → `badges`, `box` → `boxes`.
fn plural(label: &str) -> String {
    // a phrase with a preposition pluralises its head: `calls to action`
    if label.contains(' ') {
        for sep in [" to ", " of ", " for "] {
            if let Some((head, tail)) = label.split_once(sep) {
                let mut out = plural(head);
                out.push_str(sep);
                out.push_str(tail);
                return out;
            }
        }
    }
    let (stem, last) = label.rsplit_once(' ').map_or(("", label), |(s, l)| (s, l));
    // the endings are ASCII; of the other characters only `K` (Kelvin) lowercases to an ASCII
    // letter (`k`, in no ending) and `İ` to one followed by a combining dot (which ends no
    // ending): an ASCII case-blind suffix test is the test on the lowercased word
    let ends = |e: &str| {
        last.len() >= e.len()
            && last.as_bytes()[last.len() - e.len()..].eq_ignore_ascii_case(e.as_bytes())
    };
    let vowel_y = ["ay", "ey", "oy", "uy"].iter().any(|e| ends(e));
    let mut out = String::with_capacity(label.len() + 2);
    if !stem.is_empty() {
        out.push_str(stem);
        out.push(' ');
    }
    if ends("y") && !vowel_y {
        out.push_str(&last[..last.len() - 1]);
        out.push_str("ies");
    } else {
        out.push_str(last);
        out.push_str(if ["s", "x", "z", "ch", "sh"].iter().any(|e| ends(e)) {
            "es"
        } else {
            "s"
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::plural;

    /// `plural` as it was written first (lowercasing the last word), kept to hold the faster one
    /// to it.
    fn plural_by_lowercasing(label: &str) -> String {
        for sep in [" to ", " of ", " for "] {
            if let Some((head, tail)) = label.split_once(sep) {
                return format!("{}{sep}{tail}", plural_by_lowercasing(head));
            }
        }
        let (stem, last) = label.rsplit_once(' ').map_or(("", label), |(s, l)| (s, l));
        let lower = last.to_lowercase();
        let vowel_y = ["ay", "ey", "oy", "uy"].iter().any(|e| lower.ends_with(e));
        let many = if lower.ends_with('y') && !vowel_y {
            format!("{}ies", &last[..last.len() - 1])
        } else if ["s", "x", "z", "ch", "sh"]
            .iter()
            .any(|e| lower.ends_with(e))
        {
            format!("{last}es")
        } else {
            format!("{last}s")
        };
        if stem.is_empty() {
            many
        } else {
            format!("{stem} {many}")
        }
    }

    #[test]
    fn plurals_are_those_of_the_lowercased_word() {
        let words = [
            "",
            " ",
            "y",
            "Y",
            "day",
            "DAY",
            "city",
            "CITY",
            "box",
            "BOX",
            "church",
            "dish",
            "bus",
            "waltz",
            "label",
            "call to action",
            "body copy",
            "list of items",
            "badge for sale",
            "box ",
            " box",
            "a  b",
            "\u{212A}",
            "İ",
            "İy",
            "Σ",
            "ΣY",
            "ÿ",
            "straße",
            "ﬀ",
            "🙂y",
            "key",
            "guy",
            "boy",
            "CH",
            "Sh",
            "x",
            "to",
            " to ",
            " of  for ",
        ];
        for w in words {
            for form in [w.to_string(), format!("the {w}"), format!("{w} to {w}")] {
                assert_eq!(plural(&form), plural_by_lowercasing(&form), "{form:?}");
            }
        }
        // every character of the Unicode range before the private area, as a last letter
        for c in (0u32..0xE000).filter_map(char::from_u32) {
            for form in [
                format!("a{c}"),
                format!("{c}y"),
                format!("{c}h"),
                format!("c{c}"),
            ] {
                assert_eq!(plural(&form), plural_by_lowercasing(&form), "{form:?}");
            }
        }
    }
}
