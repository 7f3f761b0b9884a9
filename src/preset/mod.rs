//! A preset: a manifest (`preset.yaml`) plus tera templates, turning a brief into a prompt.
//! Built-in presets (under `templates/`) and user presets use exactly the same format.

pub mod catalog;
pub mod files;
pub mod scaffold;
pub mod styles;
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::brief::schema::Schema;

/// Where a preset comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Embedded in the binary.
    BuiltIn,
    /// A folder on disk.
    Dir(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::Dir(d) => f.write_str(d),
        }
    }
}

/// One allowed exact-text role of a preset.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextRole {
    /// What this text is for.
    #[serde(default)]
    pub description: String,
    /// How the prompt names it ("headline", "call to action"); defaults to the role name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// True when the role takes several texts (`labels`).
    #[serde(default)]
    pub plural: bool,
    /// Its size in the text hierarchy, said next to its quote (`largest`, `small`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
}

/// What a preset's main template writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Writes {
    /// The whole prompt, the same for every model family (a preset written before families).
    #[default]
    Prompt,
    /// The preset's own phrases, one per line (`subject:`, `detail:`, `text:`, `constraint:`):
    /// each family's writer builds its prompt around them.
    Details,
}

/// How strictly the exact texts are the only text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TextRule {
    /// Every text exactly as written, and no other text (the default).
    Strict,
    /// The texts exactly as written; other short interface text may appear (UI screens).
    Loose,
}

/// The manifest of a preset (`preset.yaml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The preset name, as used in `preset:`.
    pub name: String,
    /// One line on what the preset is for.
    pub description: String,
    /// The preset's own version.
    #[serde(default = "default_version")]
    pub version: String,
    /// License of the templates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Where the prompt style comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Free tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// A preset to build on: its templates, defaults, roles and params are inherited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// The main template file, relative to the preset folder.
    #[serde(default = "default_template")]
    pub template: String,
    /// What the main template writes: the whole prompt (`prompt`, the default) or the preset's
    /// phrases for every family's writer (`details`). A `prompt.<family>.tera` beside it writes
    /// that family's whole prompt either way.
    #[serde(default, skip_serializing_if = "is_prompt")]
    pub writes: Writes,
    /// The word between the medium and the subject (`a poster for …`); `of` by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_link: Option<String>,
    /// `loose` when other short text may appear beside the exact texts (interface screens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_rule: Option<TextRule>,
    /// A partial brief merged under the user's brief (the user wins).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub defaults: serde_json::Map<String, Value>,
    /// The exact-text roles the preset accepts, in prompt order.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub text_roles: IndexMap<String, TextRole>,
    /// JSON Schema of `params`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    /// An example brief, relative to the preset folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// An aspect ratio chosen by a param's value (a social `format`), used when the brief gives
    /// neither `output.size` nor `output.aspect_ratio`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratios: Option<ParamRatios>,
}

/// Aspect ratios by the value of one param.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamRatios {
    /// The param.
    pub param: String,
    /// Its values → `W:H`.
    pub map: IndexMap<String, String>,
}

fn is_prompt(w: &Writes) -> bool {
    *w == Writes::Prompt
}

fn default_version() -> String {
    String::from("0.1.0")
}

fn default_template() -> String {
    String::from("prompt.tera")
}

/// A loaded preset: manifest, template sources, origin.
#[derive(Debug)]
pub struct Preset {
    /// The manifest, with inherited parts already merged in.
    pub manifest: Manifest,
    /// Where it was found.
    pub origin: Origin,
    /// Its folder, as shown in diagnostics (`templates/poster`, `presets/mine`).
    pub dir: String,
    /// Template files as (name inside tera, source). Names are `<preset>/<file>`.
    pub templates: Vec<(String, Arc<str>)>,
    /// The example brief's text, if the preset ships one.
    pub example: Option<(String, Arc<str>)>,
    /// A preset of the same name that this one hides.
    pub shadows: Option<Origin>,
    /// The tera name of the main template (may be inherited from the parent).
    pub main: String,
    pub(crate) params_schema: OnceLock<Result<Schema, String>>,
}

impl Preset {
    /// The preset name.
    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    /// The tera name of the main template.
    pub fn main_template(&self) -> &str {
        &self.main
    }

    /// The compiled params schema (an empty-object schema when the preset declares none).
    pub fn params_schema(&self) -> Result<&Schema, String> {
        self.params_schema
            .get_or_init(|| {
                let raw = self.manifest.params.clone().unwrap_or_else(
                    || serde_json::json!({"type": "object", "additionalProperties": false}),
                );
                Schema::compile(raw)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The params schema as a standalone JSON Schema document.
    pub fn params_schema_document(&self) -> Value {
        let mut raw = self.manifest.params.clone().unwrap_or_else(
            || serde_json::json!({"type": "object", "additionalProperties": false}),
        );
        if let Some(obj) = raw.as_object_mut() {
            let mut doc = serde_json::Map::new();
            doc.insert(
                "$schema".into(),
                "https://json-schema.org/draft/2020-12/schema".into(),
            );
            doc.insert(
                "title".into(),
                format!("params of the `{}` preset", self.name()).into(),
            );
            for (k, v) in std::mem::take(obj) {
                if k != "$schema" && k != "title" {
                    doc.insert(k, v);
                }
            }
            return Value::Object(doc);
        }
        raw
    }

    /// The label the prompt uses for `role`.
    pub fn role_label(&self, role: &str) -> String {
        self.manifest
            .text_roles
            .get(role)
            .and_then(|r| r.label.clone())
            .unwrap_or_else(|| {
                if !role.contains(|c: char| c == '_' || c == '-' || c.is_whitespace()) {
                    // what the words below give back for a role of one word
                    return role.to_string();
                }
                role.replace(['_', '-'], " ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
    }
}

/// One template file: its name inside tera, its text, and the path shown in diagnostics.
#[derive(Debug, Clone)]
pub struct TemplateFile {
    /// `<preset>/<file>` or `_shared/<file>`.
    pub name: String,
    /// The template source.
    pub text: Arc<str>,
    /// Where the file lives, for diagnostics (`templates/poster/prompt.tera`).
    pub path: String,
}
