//! Many variants of one brief, each doing only what varies.
//!
//! Variants that differ only in their subject or their exact texts share steps 1 to 3 of the
//! pipeline: the brief checked against its schema, its preset resolved, the preset's defaults,
//! styles and params merged into the typed brief. [`Engine::prepare`] runs those steps once, on
//! the first variant; [`Engine::render_prepared`] sets each variant's values into a copy of the
//! typed brief and runs steps 4 and 5 (the prompt, the payload validated and priced) exactly as
//! a whole rendering does. The result is byte for byte the rendering of the variant's brief.
//!
//! Why that holds, and what is refused so that it does:
//! * **The schema.** The brief schema checks `subject` and each `text` entry on its own, with no
//!   rule across fields (a test holds the schema to that); every value under `vary` is checked
//!   against it up front ([`crate::app::vary::Variations::check_values`]).
//! * **The merge.** A default at a patched path would be merged into the value: such a brief is
//!   not prepared. Styles and params write `style`, `avoid` and `output`, never the subject or a
//!   text. The roles a preset declares are checked by key, and every variant has the same keys.
//! * **The typed value.** A text is read into its type once per value, by the same `Deserialize`
//!   the whole brief uses; a value it refuses is not patched.
//! * **The template's delimiters.** They are private-use characters the whole brief does not
//!   hold (`src/prompt/render.rs`): a varied value holding one would change them, so a variant
//!   with such a value has its details rendered and its prompt written, and a first variant with
//!   one shares neither.
//! * **Problems.** A first variant with any problem before its prompt is not prepared: every
//!   variant is then rendered whole, so its errors are the whole rendering's.
//!
//! ```
//! use imgprompt::engine::Patch;
//! use imgprompt::brief::source::JsonPath;
//! use imgprompt::{Engine, targets::OpenAi};
//! use serde_json::json;
//!
//! let engine = Engine::new().unwrap();
//! let path = JsonPath::parse("text.headline");
//! let first = json!({"preset": "poster", "subject": "a jazz night", "text": {"headline": "Blue Notes"}});
//! let prepared = engine.prepare(first.clone(), None, &OpenAi, &[&path]).expect("patchable");
//!
//! let patch = Patch::new(&path, &json!("Red Notes")).unwrap();
//! let fast = engine.render_prepared(&prepared, &[&patch], None, &OpenAi).unwrap();
//! let mut whole = first;
//! whole["text"]["headline"] = json!("Red Notes");
//! assert_eq!(fast.prompt, engine.render_value(whole, None, &OpenAi).unwrap().prompt);
//! ```
use serde_json::{Map, Value};

use super::{Engine, Merged, Rendering, Run};
use crate::brief::source::{JsonPath, Segment, SourceFile};
use crate::brief::{Brief, TextValue};
use crate::diagnostic::Diagnostics;
use crate::targets::Target;

/// Steps 1 to 3 of a brief, done once for all its variants ([`Engine::prepare`]).
#[derive(Debug)]
pub struct Prepared<'e> {
    preset: &'e crate::preset::Preset,
    brief: Brief,
    defaulted: Vec<String>,
    /// The preset's details, when its templates read none of the varied fields: the same for
    /// every variant, rendered once.
    details: Option<Vec<crate::prompt::plan::Detail>>,
    /// The prompt with a hole for each varied text, when every varied field is a plain text.
    skeleton: Option<Skeleton>,
}

/// A family's prompt written once with a hole where each varied exact text goes: the writers
/// read an exact text only to quote it ([`crate::prompt::family::quoted`]), so a variant's prompt
/// is the skeleton with its texts quoted in the holes. The GPT image family also has its long
/// form, chosen by the filled prompt's words ([`crate::prompt::family::wants_long_form`]), as its
/// writer chooses.
#[derive(Debug)]
struct Skeleton {
    family: crate::prompt::family::Family,
    /// The varied roles, in the order of their holes' numbers.
    roles: Vec<String>,
    main: Holes,
    long: Option<(usize, Holes)>,
}

/// A prompt cut at its holes: `pieces[0] hole pieces[1] hole … pieces[n]`, each hole the number
/// of the role it quotes.
#[derive(Debug)]
struct Holes {
    pieces: Vec<String>,
    holes: Vec<usize>,
}

/// What marks a hole while the skeleton is written (a noncharacter, `U+10FFFF`): `MARK n MARK`.
const MARK: char = '\u{10FFFF}';

impl Holes {
    /// `prompt` cut where it quotes each of `n` holes, when it quotes each exactly once and
    /// holds the mark nowhere else (a user's own text could hold it: then there is no skeleton).
    fn cut(prompt: &str, n: usize) -> Option<Holes> {
        if prompt.matches(MARK).count() != 2 * n {
            return None;
        }
        let mut at: Vec<(usize, usize, usize)> = Vec::with_capacity(n);
        for i in 0..n {
            let quoted = crate::prompt::family::quoted(&hole(i));
            let mut found = prompt.match_indices(&quoted);
            let (start, _) = found.next()?;
            if found.next().is_some() {
                return None;
            }
            at.push((start, start + quoted.len(), i));
        }
        at.sort_unstable();
        let mut pieces = Vec::with_capacity(n + 1);
        let mut from = 0;
        for (start, end, _) in &at {
            pieces.push(prompt[from..*start].to_string());
            from = *end;
        }
        pieces.push(prompt[from..].to_string());
        Some(Holes {
            pieces,
            holes: at.into_iter().map(|(_, _, i)| i).collect(),
        })
    }

    /// The prompt with `texts[i]` quoted in hole `i`.
    fn fill(&self, texts: &[&str]) -> String {
        let len = self.pieces.iter().map(String::len).sum::<usize>()
            + texts.iter().map(|t| t.len() + 8).sum::<usize>();
        let mut out = String::with_capacity(len);
        for (piece, &h) in self.pieces.iter().zip(&self.holes) {
            out.push_str(piece);
            out.push_str(&crate::prompt::family::quoted(texts[h]));
        }
        out.push_str(self.pieces.last().map_or("", String::as_str));
        out
    }
}

/// The text written in hole `i` while the skeleton is written.
fn hole(i: usize) -> String {
    format!("{MARK}{i}{MARK}")
}

/// The plain text of `role` in `brief`, when it is one plain string.
fn plain<'b>(brief: &'b Brief, role: &str) -> Option<&'b str> {
    match brief.text.get(role) {
        Some(TextValue::One(crate::brief::TextEntry::Plain(s))) => Some(s),
        _ => None,
    }
}

/// A value a prepared brief takes: its subject, or the exact text of one role
/// ([`Patch::new`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Patch {
    slot: Slot,
    /// The value holds a character of those the template's delimiters are chosen from: the
    /// details and the skeleton written for the first variant do not hold for it.
    private_use: bool,
}

/// Where a patch goes.
#[derive(Debug, Clone, PartialEq)]
enum Slot {
    /// `subject`.
    Subject(String),
    /// `text.<role>`, read into its type.
    Text(String, TextValue),
}

impl Prepared<'_> {
    /// True when its variants' prompts are filled into a skeleton rather than written.
    pub fn has_skeleton(&self) -> bool {
        self.skeleton.is_some()
    }
}

impl Patch {
    /// The patch setting `value` at `path`; `None` for a path that is not `subject` or
    /// `text.<role>`, or a value those fields do not read (which a whole rendering refuses).
    pub fn new(path: &JsonPath, value: &Value) -> Option<Patch> {
        let slot = match path.0.as_slice() {
            [Segment::Key(k)] if k == "subject" => Slot::Subject(value.as_str()?.to_string()),
            [Segment::Key(k), Segment::Key(role)] if k == "text" => {
                Slot::Text(role.clone(), serde_json::from_value(value.clone()).ok()?)
            }
            _ => return None,
        };
        Some(Patch {
            slot,
            private_use: crate::prompt::render::holds_private_use(value),
        })
    }

    /// Sets the value into `brief`; false when the brief has no such place (a role it lacks).
    fn apply(&self, brief: &mut Brief) -> bool {
        match &self.slot {
            Slot::Subject(s) => s.clone_into(&mut brief.subject),
            Slot::Text(role, value) => match brief.text.get_mut(role) {
                Some(slot) => value.clone_into(slot),
                None => return false,
            },
        }
        true
    }
}

/// The value at `path` in `v`.
fn value_at<'v>(v: &'v Value, path: &JsonPath) -> Option<&'v Value> {
    path.0.iter().try_fold(v, |at, seg| match seg {
        Segment::Key(k) => at.get(k.as_str()),
        Segment::Index(i) => at.get(*i),
    })
}

/// Whether the preset's defaults hold a value at `path` (which the merge would combine with the
/// brief's own).
fn defaulted_at(defaults: &Map<String, Value>, path: &JsonPath) -> bool {
    let mut keys = path.0.iter();
    let Some(Segment::Key(first)) = keys.next() else {
        return true;
    };
    let mut at = defaults.get(first);
    for seg in keys {
        at = match (at, seg) {
            (Some(Value::Object(o)), Segment::Key(k)) => o.get(k),
            (Some(_), _) => return true,
            (None, _) => return false,
        };
    }
    at.is_some()
}

impl Engine {
    /// Runs steps 1 to 3 on `first`, a variant's whole brief, for variants rendered for `target`
    /// that differ from it only at `paths` (each `subject` or `text.<role>`, set in `first`). `None` when they cannot
    /// share them: another kind of path, a preset default at one of the paths, or any problem in
    /// `first` before its prompt. Then render every variant whole.
    pub fn prepare(
        &self,
        first: Value,
        source: Option<&SourceFile>,
        target: &dyn Target,
        paths: &[&JsonPath],
    ) -> Option<Prepared<'_>> {
        let family = target.id().family();
        // a private-use character in a varied value of the first variant chose its delimiters:
        // its details and skeleton would not hold for the others
        let private_use = paths
            .iter()
            .any(|p| value_at(&first, p).is_some_and(crate::prompt::render::holds_private_use));
        let mut run = Run {
            source,
            carried: Vec::new(),
        };
        let Merged {
            preset,
            brief,
            defaulted,
            errors,
            ..
        } = self.front(&mut run, first).ok()?;
        if !errors.is_empty() || !run.carried.is_empty() {
            return None;
        }
        let patchable = |p: &&JsonPath| match p.0.as_slice() {
            [Segment::Key(k)] => k == "subject",
            [Segment::Key(k), Segment::Key(role)] => k == "text" && brief.text.contains_key(role),
            _ => false,
        };
        if !paths.iter().all(patchable)
            || paths
                .iter()
                .any(|p| defaulted_at(&preset.manifest.defaults, p))
        {
            return None;
        }
        let details = self
            .shared_details(preset, &brief, paths)
            .filter(|_| !private_use);
        let skeleton = details
            .as_deref()
            .and_then(|d| self.skeleton(preset, &brief, d, paths, family));
        Some(Prepared {
            preset,
            brief,
            defaulted,
            details,
            skeleton,
        })
    }

    /// The skeleton of `family`'s prompt, when every path is a text whose value in `brief` is
    /// one plain string, and the family is written by its writer around `details` (not by a
    /// template of the preset's own).
    fn skeleton(
        &self,
        preset: &crate::preset::Preset,
        brief: &Brief,
        details: &[crate::prompt::plan::Detail],
        paths: &[&JsonPath],
        family: crate::prompt::family::Family,
    ) -> Option<Skeleton> {
        let mut roles: Vec<String> = Vec::new();
        for p in paths {
            let [Segment::Key(k), Segment::Key(role)] = p.0.as_slice() else {
                return None;
            };
            if k != "text" || plain(brief, role).is_none() {
                return None;
            }
            if !roles.contains(role) {
                roles.push(role.clone());
            }
        }
        let compiled = self.compiled.get(&self.catalog, preset).ok()?;
        if super::family_template(preset, compiled, family).is_some() {
            return None;
        }
        let mut plan = crate::prompt::plan::Plan::new(brief, preset, details);
        for (i, role) in roles.iter().enumerate() {
            let mut of_role = plan.texts.iter_mut().filter(|t| t.role == *role);
            let (Some(text), None) = (of_role.next(), of_role.next()) else {
                return None;
            };
            text.content = hole(i);
        }
        let forms = family.forms(&plan, &self.families);
        let main = Holes::cut(&forms.main, roles.len())?;
        let long = match forms.long {
            Some((max, long)) => Some((max, Holes::cut(&long, roles.len())?)),
            None => None,
        };
        Some(Skeleton {
            family,
            roles,
            main,
            long,
        })
    }

    /// The prompt of a patched brief from the skeleton, when it has one for this family and
    /// every varied text is one plain string.
    fn from_skeleton(
        prepared: &Prepared<'_>,
        brief: &Brief,
        family: crate::prompt::family::Family,
    ) -> Option<String> {
        let skeleton = prepared.skeleton.as_ref().filter(|s| s.family == family)?;
        let texts: Vec<&str> = skeleton
            .roles
            .iter()
            .map(|r| plain(brief, r))
            .collect::<Option<_>>()?;
        let main = skeleton.main.fill(&texts);
        Some(match &skeleton.long {
            Some((max, long)) if crate::prompt::family::wants_long_form(&main, *max) => {
                long.fill(&texts)
            }
            _ => main,
        })
    }

    /// The details of a preset that writes details, rendered once, when its templates read none
    /// of the fields at `paths` (nor the whole context): every variant's are then these.
    fn shared_details(
        &self,
        preset: &crate::preset::Preset,
        brief: &Brief,
        paths: &[&JsonPath],
    ) -> Option<Vec<crate::prompt::plan::Detail>> {
        use crate::prompt::reads::Key;
        if preset.manifest.writes != crate::preset::Writes::Details {
            return None;
        }
        let compiled = self.compiled.get(&self.catalog, preset).ok()?;
        let reads = compiled.reads();
        let read = |p: &&JsonPath| match p.0.first() {
            Some(Segment::Key(k)) if k == "subject" => reads.has(Key::Subject),
            _ => reads.has(Key::Text) || reads.has(Key::TextByRole),
        };
        if paths.iter().any(read) {
            return None;
        }
        crate::prompt::render::render_details(brief, preset, compiled, self.limits).ok()
    }

    /// Renders the variant of `prepared` that takes `patches` (applied in order), through steps 4
    /// and 5 as [`Engine::render_value`] does: the same prompt, payload, warnings, cost and
    /// errors as rendering the variant's whole brief.
    ///
    /// # Panics
    /// When a patch sets a role the prepared brief lacks (a path not given to
    /// [`Engine::prepare`]).
    pub fn render_prepared(
        &self,
        prepared: &Prepared<'_>,
        patches: &[&Patch],
        source: Option<&SourceFile>,
        target: &dyn Target,
    ) -> Result<Rendering, Diagnostics> {
        let mut brief = prepared.brief.clone();
        for p in patches {
            assert!(p.apply(&mut brief), "a patch outside the prepared paths");
        }
        // a value with a private-use character changes the template's delimiters: its details
        // are rendered, and its prompt written, as a whole rendering does
        let shared = !patches.iter().any(|p| p.private_use);
        let mut run = Run {
            source,
            carried: Vec::new(),
        };
        let merged = Merged {
            preset: prepared.preset,
            brief,
            defaulted: prepared.defaulted.clone(),
            errors: Vec::new(),
            details: prepared.details.as_deref().filter(|_| shared),
            written: None,
        };
        let family = target.id().family();
        let written = shared
            .then(|| Self::from_skeleton(prepared, &merged.brief, family))
            .flatten();
        let merged = Merged { written, ..merged };
        let (_, rendering) = self.back(&mut run, merged, Some(target), family)?;
        Ok(rendering.expect("a target gives a rendering"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::OpenAi;
    use serde_json::json;

    /// Keywords that relate one field of an object to another (or count its fields): with any of
    /// them at the brief's top level or on `text`, a variant's values would not be checked one
    /// by one, and preparing would be unsound.
    const ACROSS_FIELDS: &[&str] = &[
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "unevaluatedProperties",
        "patternProperties",
    ];

    #[test]
    fn the_brief_schema_checks_subject_and_texts_one_by_one() {
        let schema = crate::brief::schema();
        let text = &schema["properties"]["text"];
        for (name, at) in [("the brief", &schema), ("text", text)] {
            for k in ACROSS_FIELDS {
                assert!(
                    at.get(*k).is_none(),
                    "`{k}` on {name}: preparing is unsound"
                );
            }
        }
        assert_eq!(schema["properties"]["subject"]["type"], "string");
        assert!(
            text["additionalProperties"].is_object(),
            "each text is checked by one schema: {text}"
        );
    }

    #[test]
    fn paths_and_values_that_cannot_be_patched_are_refused() {
        let engine = Engine::new().expect("engine");
        let first = json!({"preset": "poster", "subject": "s", "text": {"headline": "A"}, "style": {"mood": "calm"}});
        for path in [
            "style.mood",
            "output.size",
            "text",
            "text.headline.content",
            "text.cta",
        ] {
            let p = JsonPath::parse(path);
            assert!(
                engine
                    .prepare(first.clone(), None, &OpenAi, &[&p])
                    .is_none(),
                "{path} is not patchable"
            );
        }
        assert!(Patch::new(&JsonPath::parse("subject"), &json!(3)).is_none());
        assert!(Patch::new(&JsonPath::parse("text.a"), &json!(null)).is_none());
        // a first variant with a problem is not prepared: its variants render whole
        let bad = json!({"preset": "poster", "subject": "s", "text": {"headline": "A"}, "params": {"nope": 1}});
        let p = JsonPath::parse("text.headline");
        assert!(engine.prepare(bad, None, &OpenAi, &[&p]).is_none());
    }

    #[test]
    fn the_skeleton_gives_the_long_form_when_the_texts_make_the_prompt_long() {
        let engine = Engine::new().expect("engine");
        let path = JsonPath::parse("text.a");
        let first = json!({"subject": "a shop sign", "text": {"a": "Hi", "b": "Open"}});
        let prepared = engine
            .prepare(first.clone(), None, &OpenAi, &[&path])
            .expect("patchable");
        assert!(prepared.has_skeleton(), "plain texts give a skeleton");
        let long = ["word"; 200].join(" ");
        let mut forms = Vec::new();
        for value in ["Hi", long.as_str(), "a \"quoted\" «text»", ""] {
            let patch = Patch::new(&path, &json!(value)).expect("a plain text");
            let fast = engine.render_prepared(&prepared, &[&patch], None, &OpenAi);
            let mut whole = first.clone();
            whole["text"]["a"] = json!(value);
            let whole = engine.render_value(whole, None, &OpenAi);
            match (fast, whole) {
                (Ok(f), Ok(w)) => {
                    assert_eq!(f.prompt, w.prompt, "{value:?}");
                    assert_eq!(f.payload.body, w.payload.body, "{value:?}");
                    forms.push(f.prompt.contains('\n'));
                }
                (Err(f), Err(w)) => assert_eq!(f.render(false), w.render(false), "{value:?}"),
                (f, w) => panic!("{value:?}: {f:?} against {w:?}"),
            }
        }
        assert_eq!(
            forms[..2],
            [false, true],
            "the short form, then the long one"
        );
    }

    /// A details template that shows the delimiters around a user phrase (`reverse` prints a
    /// list's debug form): they are chosen among the private-use characters the brief lacks.
    #[test]
    fn a_private_use_character_in_a_varied_value_renders_the_details_again() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let preset = dir.path().join("mp");
        std::fs::create_dir(&preset).expect("the preset folder");
        std::fs::write(
            preset.join("preset.yaml"),
            "name: mp\ndescription: shows its marks\nversion: 1.0.0\ntemplate: prompt.tera\nwrites: details\n",
        )
        .expect("the manifest");
        std::fs::write(
            preset.join("prompt.tera"),
            "{% if style.mood %}detail: styled {{ style.mood | reverse }}{% endif %}",
        )
        .expect("the template");
        let catalog =
            crate::preset::catalog::Catalog::load(&[dir.path().to_path_buf()]).expect("catalog");
        let engine = Engine::with(catalog, crate::validate::models::ModelTable::builtin());
        let path = JsonPath::parse("text.headline");
        for (first, other) in [("A", "B\u{E000}"), ("A\u{E001}", "B")] {
            let brief = json!({"preset": "mp", "subject": "a jazz night", "style": {"mood": "calm"}, "text": {"headline": first}});
            let prepared = engine
                .prepare(brief.clone(), None, &OpenAi, &[&path])
                .expect("patchable");
            let patch = Patch::new(&path, &json!(other)).expect("a text");
            let fast = engine
                .render_prepared(&prepared, &[&patch], None, &OpenAi)
                .expect("renders");
            let mut whole = brief;
            whole["text"]["headline"] = json!(other);
            let whole = engine.render_value(whole, None, &OpenAi).expect("renders");
            assert_eq!(fast.prompt, whole.prompt, "{first:?} then {other:?}");
        }
    }

    #[test]
    fn a_default_at_the_path_is_not_patched() {
        let defaults = json!({"text": {"headline": {"content": "x"}}, "subject": "s"});
        let defaults = defaults.as_object().expect("object");
        assert!(defaulted_at(defaults, &JsonPath::parse("text.headline")));
        assert!(defaulted_at(defaults, &JsonPath::parse("subject")));
        assert!(!defaulted_at(defaults, &JsonPath::parse("text.cta")));
    }
}
