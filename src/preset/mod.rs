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
            .unwrap_or_else(|| role.replace(['_', '-'], " "))
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
