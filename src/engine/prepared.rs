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
//! let prepared = engine.prepare(first.clone(), None, &[&path]).expect("patchable");
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
}

/// A value a prepared brief takes: its subject, or the exact text of one role.
#[derive(Debug, Clone, PartialEq)]
pub enum Patch {
    /// `subject`.
    Subject(String),
    /// `text.<role>`, read into its type.
    Text(String, TextValue),
}

impl Patch {
    /// The patch setting `value` at `path`; `None` for a path that is not `subject` or
    /// `text.<role>`, or a value those fields do not read (which a whole rendering refuses).
    pub fn new(path: &JsonPath, value: &Value) -> Option<Patch> {
        match path.0.as_slice() {
            [Segment::Key(k)] if k == "subject" => {
                value.as_str().map(|s| Patch::Subject(s.to_string()))
            }
            [Segment::Key(k), Segment::Key(role)] if k == "text" => {
                serde_json::from_value(value.clone())
                    .ok()
                    .map(|v| Patch::Text(role.clone(), v))
            }
            _ => None,
        }
    }

    /// Sets the value into `brief`; false when the brief has no such place (a role it lacks).
    fn apply(&self, brief: &mut Brief) -> bool {
        match self {
            Patch::Subject(s) => s.clone_into(&mut brief.subject),
            Patch::Text(role, value) => match brief.text.get_mut(role) {
                Some(slot) => value.clone_into(slot),
                None => return false,
            },
        }
        true
    }
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
    /// Runs steps 1 to 3 on `first`, a variant's whole brief, for variants that differ from it
    /// only at `paths` (each `subject` or `text.<role>`, set in `first`). `None` when they cannot
    /// share them: another kind of path, a preset default at one of the paths, or any problem in
    /// `first` before its prompt. Then render every variant whole.
    pub fn prepare(
        &self,
        first: Value,
        source: Option<&SourceFile>,
        paths: &[&JsonPath],
    ) -> Option<Prepared<'_>> {
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
        let details = self.shared_details(preset, &brief, paths);
        Some(Prepared {
            preset,
            brief,
            defaulted,
            details,
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
        let mut run = Run {
            source,
            carried: Vec::new(),
        };
        let merged = Merged {
            preset: prepared.preset,
            brief,
            defaulted: prepared.defaulted.clone(),
            errors: Vec::new(),
            details: prepared.details.as_deref(),
        };
        let (_, rendering) = self.back(&mut run, merged, Some(target), target.id().family())?;
        Ok(rendering.expect("a target gives a rendering"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
                engine.prepare(first.clone(), None, &[&p]).is_none(),
                "{path} is not patchable"
            );
        }
        assert!(Patch::new(&JsonPath::parse("subject"), &json!(3)).is_none());
        assert!(Patch::new(&JsonPath::parse("text.a"), &json!(null)).is_none());
        // a first variant with a problem is not prepared: its variants render whole
        let bad = json!({"preset": "poster", "subject": "s", "text": {"headline": "A"}, "params": {"nope": 1}});
        let p = JsonPath::parse("text.headline");
        assert!(engine.prepare(bad, None, &[&p]).is_none());
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
