//! Model rules as data, in three layers merged field by field:
//!
//! 1. `data/models.sdk.json` — GENERATED from the official SDK files under `data/sdk/` by
//!    `cargo xtask sync-models` (`xtask/src/sync/`, a maintainer tool outside this crate): model
//!    ids, literal values, ranges, deprecations and the per-model rules the SDK text states;
//! 2. `data/models.json` — HAND-WRITTEN facts no SDK states (the guide's pixel floor, deprecation
//!    notices from the deprecations page, the default model), each with its source;
//! 3. `--models FILE` / `IMGPROMPT_MODELS` — the user's own, same shape as layer 2.
//!
//! Each fact keeps the source of the layer that gave it ([`ModelRules::sources`]). A fact no layer
//! states is [`Fact::Unknown`]: never invented, checked by nothing but the official schema.
use std::fmt;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::brief::source::{JsonPath, Segment};
use crate::diagnostic::suggest::{did_you_mean, one_of};
use crate::diagnostic::{Code, Diagnostic};
use crate::overlay::{DataFile, overlay};
use crate::validate::date::Date;

/// The generated layer (from the vendored SDKs).
pub const GENERATED_MODELS: &str = include_str!("../../data/models.sdk.json");
/// The hand-written layer.
pub const BUILTIN_MODELS: &str = include_str!("../../data/models.json");

/// A fact about a model: stated by a source, stated as not accepted, or stated by no source.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Fact<T> {
    /// No source states it (written `"unknown"`, or left out).
    #[default]
    Unknown,
    /// A source states the model does not accept the parameter (written `null` in the shipped
    /// files, `"unsupported"` in an override file, where `null` removes the fact).
    Unsupported,
    /// A source states this value.
    Known(T),
}

impl<T> Fact<T> {
    /// The known value.
    pub fn known(&self) -> Option<&T> {
        match self {
            Fact::Known(v) => Some(v),
            _ => None,
        }
    }
    /// True when no source states it.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Fact::Unknown)
    }
}

impl<T: Serialize> Serialize for Fact<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Fact::Unknown => s.serialize_str("unknown"),
            Fact::Unsupported => s.serialize_none(),
            Fact::Known(v) => v.serialize(s),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Fact<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        match v {
            Value::Null => Ok(Fact::Unsupported),
            Value::String(s) if s == "unknown" => Ok(Fact::Unknown),
            Value::String(s) if s == "unsupported" => Ok(Fact::Unsupported),
            other => serde_json::from_value(other)
                .map(Fact::Known)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// A fact is its value, `null` or `"unsupported"` (not accepted) or `"unknown"` (no source
/// states it).
impl<T: JsonSchema> JsonSchema for Fact<T> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Fact_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "anyOf": [generator.subschema_for::<T>(), {"type": "null"}, {"const": "unknown"}, {"const": "unsupported"}]
        })
    }
}

/// An inclusive integer range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// Smallest allowed value.
    pub min: u32,
    /// Largest allowed value.
    pub max: u32,
}

/// Free-form sizes (`WIDTHxHEIGHT`) a model accepts beyond its listed sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SizeRule {
    /// Both edges must be multiples of this.
    pub multiple_of: u32,
    /// Longest edge.
    pub max_edge: u32,
    /// Narrowest ratio, `1:3`.
    pub min_ratio: String,
    /// Widest ratio, `3:1`.
    pub max_ratio: String,
    /// Fewest pixels, when a source states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pixels: Option<u64>,
    /// Most pixels.
    pub max_pixels: u64,
    /// Above this many pixels, results are experimental (warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental_above_pixels: Option<u64>,
}

/// Output compression rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CompressionRule {
    /// Lowest value.
    pub min: u32,
    /// Highest value.
    pub max: u32,
    /// Formats that take compression.
    pub only_with: Vec<String>,
}

/// Where a model is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Supported.
    #[default]
    Current,
    /// Works until `shutdown`.
    Deprecated,
    /// Gone.
    Retired,
    /// No source states whether it still takes requests (a warning when used).
    Unknown,
}

/// Lifecycle of a model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// Current, deprecated or retired.
    #[serde(default)]
    pub status: Status,
    /// Shutdown date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown: Option<String>,
    /// What to use instead (hand-written tables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// What to use instead, as the SDK names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replacements: Vec<String>,
    /// The source's own words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the deprecation was announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

impl Lifecycle {
    /// Where the model stands on `today` — the one reading of a lifecycle that `render`, the
    /// Google targets and `imgprompt models` all use, so they never disagree on a boundary day.
    /// A model is retired from its shutdown day on: the shutdown date is the first day it no
    /// longer takes requests (the SDK's "was shut down on October 23, 2026"). Before that day a
    /// dated model keeps its written status (deprecated, or current/unknown as a source says).
    pub fn status_on(&self, today: Date) -> Status {
        let shut = self
            .shutdown
            .as_deref()
            .and_then(Date::parse)
            .is_some_and(|d| today >= d);
        if shut { Status::Retired } else { self.status }
    }
}

/// The rules of one model for the OpenAI Images API. Each field is a [`Fact`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelRules {
    /// Lifecycle (current unless a source says otherwise).
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// The model this dated snapshot pins (`gpt-image-2-2026-04-21` → `gpt-image-2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_of: Option<String>,
    /// Other names for the same model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Listed sizes (including `auto` where accepted).
    #[serde(default)]
    pub sizes: Vec<String>,
    /// Free-form sizes: `null` when only the listed sizes are accepted.
    #[serde(default)]
    pub size_rule: Fact<SizeRule>,
    /// Quality values.
    #[serde(default)]
    pub quality: Fact<Vec<String>>,
    /// Range of `n`.
    #[serde(default)]
    pub n: Fact<Bounds>,
    /// Longest prompt, in characters.
    #[serde(default)]
    pub prompt_max_chars: Fact<usize>,
    /// Background values.
    #[serde(default)]
    pub background: Fact<Vec<String>>,
    /// Output formats.
    #[serde(default)]
    pub output_format: Fact<Vec<String>>,
    /// Compression.
    #[serde(default)]
    pub output_compression: Fact<CompressionRule>,
    /// Moderation values.
    #[serde(default)]
    pub moderation: Fact<Vec<String>>,
    /// Complexity values.
    #[serde(default)]
    pub complexity: Fact<Vec<String>>,
    /// `style` values (DALL·E 3).
    #[serde(default)]
    pub style: Fact<Vec<String>>,
    /// `response_format` values (DALL·E).
    #[serde(default)]
    pub response_format: Fact<Vec<String>>,
    /// Formats a transparent background needs.
    #[serde(default)]
    pub transparent_requires: Fact<Vec<String>>,
    /// Partial images (streaming).
    #[serde(default)]
    pub partial_images: Fact<Bounds>,
    /// `input_fidelity` values on edits.
    #[serde(default)]
    pub input_fidelity: Fact<Vec<String>>,
    /// Values in preview: parameter → value → the source's words (a warning when used).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub preview: IndexMap<String, IndexMap<String, String>>,
    /// Where each fact comes from: field → source.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub sources: IndexMap<String, String>,
}

/// The SDK's rules for GIF output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GifRules {
    /// `frame_count` range and default.
    pub frame_count: FrameCount,
    /// The longest encoded frame delay, in ms.
    pub frame_duration_ms_cap: u64,
    /// Parameters GIF output does not take.
    pub excludes: Vec<String>,
    /// Access note (preview).
    #[serde(default)]
    pub access: Option<String>,
    /// Source.
    pub source: String,
}

/// `frame_count` range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameCount {
    /// Fewest frames.
    pub min: u32,
    /// Most frames.
    pub max: u32,
    /// Default when omitted.
    #[serde(default)]
    pub default: Option<u32>,
}

/// The SDK's rules for SVG output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvgRules {
    /// The only `n` SVG output takes.
    pub n: u32,
    /// Parameters SVG output does not take.
    pub excludes: Vec<String>,
    /// `svg.reasoning.effort` values.
    pub reasoning_efforts: Vec<String>,
    /// Access note.
    #[serde(default)]
    pub access: Option<String>,
    /// Source.
    pub source: String,
}

/// Rules that hold for every model, by output format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormatRules {
    /// GIF.
    pub gif: GifRules,
    /// SVG.
    pub svg: SvgRules,
}

/// Facts about the edits endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditRules {
    /// Most input images.
    pub max_input_images: u32,
    /// Source.
    pub source: String,
}

/// One request parameter as the SDK types it (for the request-schema overlay).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ParamSpec {
    /// A string.
    String {
        /// Takes `null`.
        #[serde(default)]
        nullable: bool,
        /// Suggested values (any string passes).
        #[serde(default)]
        suggested: Vec<String>,
    },
    /// One of `values`.
    Enum {
        /// Takes `null`.
        #[serde(default)]
        nullable: bool,
        /// The literal values.
        values: Vec<String>,
    },
    /// An integer.
    Integer {
        /// Takes `null`.
        #[serde(default)]
        nullable: bool,
    },
    /// A boolean.
    Boolean {
        /// Takes `null`.
        #[serde(default)]
        nullable: bool,
    },
    /// `{model, reasoning: {effort}}`.
    Svg {
        /// Takes `null`.
        #[serde(default)]
        nullable: bool,
        /// Effort values.
        efforts: Vec<String>,
    },
    /// An uploaded file (multipart only).
    File,
}

/// The request parameters of each endpoint, as the SDK types them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Params {
    /// `POST /v1/images/generations`.
    pub generations: IndexMap<String, ParamSpec>,
    /// `POST /v1/images/edits`.
    pub edits: IndexMap<String, ParamSpec>,
}

/// The model table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelTable {
    /// The SDK versions the generated layer comes from.
    pub sdks: IndexMap<String, String>,
    /// The model used when a brief names none.
    pub default_model: String,
    /// Rules by model name.
    pub models: IndexMap<String, ModelRules>,
    /// Rules by output format.
    pub formats: FormatRules,
    /// Edits facts.
    pub edits: EditRules,
    /// Request parameters by endpoint.
    pub params: Params,
    /// Endpoints the Batch API takes for images.
    pub batch_endpoints: Vec<String>,
    /// The Google facts of the generated layer (read by the gemini and imagen targets).
    pub google: Value,
}

/// A layer of model facts: the hand-written file and user overrides share this shape, and are
/// laid over the table by the rule of every data file ([`crate::overlay`]).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Layer {
    #[serde(default, rename = "$comment")]
    _comment: Option<String>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    source: Option<String>,
    default_model: String,
    models: IndexMap<String, ModelRules>,
}

/// The help of an invalid model table.
const LAYER_HELP: &str =
    "the format is that of data/models.json: {\"models\": {\"MODEL\": {\"quality\": [...], ...}}}";

fn sources_of(entry: &Map<String, Value>) -> IndexMap<String, String> {
    entry
        .get("sources")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// The model and the field (dotted, `n.max`) a path of a layer names, for provenance: `None`
/// outside `models.MODEL`, and for the model's own `sources`. A whole model (`models.MODEL`)
/// has the field `""`.
fn model_field(path: &JsonPath) -> Option<(&str, String)> {
    let mut keys = path.0.iter().map(|s| match s {
        Segment::Key(k) => k.as_str(),
        Segment::Index(_) => "",
    });
    if keys.next() != Some("models") {
        return None;
    }
    let model = keys.next()?;
    let field: Vec<&str> = keys.collect();
    (field.first() != Some(&"sources")).then(|| (model, field.join(".")))
}

/// Records the provenance of `field`, set by a layer whose model `entry` is this: the entry's own
/// `sources` for it (or for its first part), else the layer's `default_source`. A whole new model
/// (`field` empty) sets each of its fields.
fn record_sources(
    rules: &mut ModelRules,
    entry: &Map<String, Value>,
    field: String,
    default_source: &str,
) {
    let own = sources_of(entry);
    let fields: Vec<String> = if field.is_empty() {
        entry
            .iter()
            .filter(|(k, v)| k.as_str() != "sources" && !v.is_null())
            .map(|(k, _)| k.clone())
            .collect()
    } else {
        vec![field]
    };
    for field in fields {
        let src = own
            .get(&field)
            .or_else(|| own.get(field.split('.').next().unwrap_or_default()))
            .cloned()
            .unwrap_or_else(|| default_source.to_string());
        rules.sources.insert(field, src);
    }
}

impl ModelTable {
    /// The built-in table: the generated layer, then the hand-written one.
    pub fn builtin() -> ModelTable {
        let mut t = ModelTable::generated();
        t.apply_layer("data/models.json", BUILTIN_MODELS)
            .expect("data/models.json is a valid layer");
        t
    }

    /// Only the layer generated from the SDKs.
    pub fn generated() -> ModelTable {
        let g: Value = serde_json::from_str(GENERATED_MODELS).expect("models.sdk.json is JSON");
        let o = &g["openai"];
        let mut models = IndexMap::new();
        let mut raw = IndexMap::new();
        for (name, entry) in o["models"].as_object().expect("models").iter() {
            let entry = entry.as_object().expect("model entry").clone();
            raw.insert(name.clone(), entry);
        }
        for (name, entry) in &raw {
            models.insert(name.clone(), rules_from(entry).expect("generated rules"));
        }
        ModelTable {
            sdks: serde_json::from_value(g["sdks"].clone()).expect("sdks"),
            default_model: String::from("gpt-image-2"),
            models,
            formats: serde_json::from_value(o["formats"].clone()).expect("formats"),
            edits: serde_json::from_value(o["edits"].clone()).expect("edits"),
            params: serde_json::from_value(o["params"].clone()).expect("params"),
            batch_endpoints: serde_json::from_value(o["batch_endpoints"].clone())
                .expect("batch endpoints"),
            google: g["google"].clone(),
        }
    }

    /// Lays a layer (hand-written or user file) over the table by the rule of every data file
    /// ([`crate::overlay`]): each model's fields merge with the ones already known (objects key
    /// by key, other values replaced, `null` removed), a new model is added. Fields it sets take
    /// `source` (or the model's own `sources`) as their provenance.
    pub fn apply_layer(&mut self, name: &str, text: &str) -> Result<(), Diagnostic> {
        let file =
            DataFile::new(Code::ModelsFile, format!("model table {name}")).with_help(LAYER_HELP);
        let laid = overlay::<Layer>(&self.layer_value(name)?, name, text, &file)?;
        let layer = laid.data;
        let default_source = match (&layer.source, &layer.as_of) {
            (Some(s), Some(d)) => format!("{s} (as of {d})"),
            (Some(s), None) => s.clone(),
            _ => name.to_string(),
        };
        let mut models = layer.models;
        for (model, rules) in &mut models {
            rules.sources = self
                .models
                .get(model)
                .map(|r| r.sources.clone())
                .unwrap_or_default();
        }
        let entries = laid.overlay.get("models").and_then(Value::as_object);
        for path in &laid.removed {
            if let Some((model, field)) = model_field(path)
                && let Some(rules) = models.get_mut(model)
            {
                let below = format!("{field}.");
                rules
                    .sources
                    .retain(|k, _| k != &field && !k.starts_with(&below));
            }
        }
        for path in &laid.set {
            let Some((model, field)) = model_field(path) else {
                continue;
            };
            let entry = entries
                .and_then(|e| e.get(model))
                .and_then(Value::as_object);
            let (Some(rules), Some(entry)) = (models.get_mut(model), entry) else {
                continue;
            };
            record_sources(rules, entry, field, &default_source);
        }
        self.default_model = layer.default_model;
        self.models = models;
        Ok(())
    }

    /// The table as a layer (`default_model` and `models`): what a layer is laid over.
    fn layer_value(&self, name: &str) -> Result<Value, Diagnostic> {
        let models = serde_json::to_value(&self.models).map_err(|e| {
            Diagnostic::error(Code::ModelsFile, format!("invalid model table {name}: {e}"))
                .in_file(name)
        })?;
        Ok(serde_json::json!({"default_model": self.default_model, "models": models}))
    }

    /// Applies a user override file (the shape of data/models.json).
    pub fn apply_overrides(&mut self, name: &str, text: &str) -> Result<(), Diagnostic> {
        self.apply_layer(name, text)
    }

    /// Finds a model by name or alias.
    pub fn get(&self, name: &str) -> Option<(&str, &ModelRules)> {
        self.models
            .get_key_value(name)
            .map(|(k, v)| (k.as_str(), v))
            .or_else(|| {
                self.models
                    .iter()
                    .find(|(_, r)| r.aliases.iter().any(|a| a == name))
                    .map(|(k, v)| (k.as_str(), v))
            })
    }

    /// The model a price is listed under: a snapshot is priced as its model.
    pub fn price_key<'a>(&'a self, name: &'a str) -> &'a str {
        match self.get(name) {
            Some((canonical, r)) => r.snapshot_of.as_deref().unwrap_or(canonical),
            None => name,
        }
    }

    /// Every model name and alias.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.models.keys().map(String::as_str).collect();
        for r in self.models.values() {
            names.extend(r.aliases.iter().map(String::as_str));
        }
        names
    }

    /// Resolves a model for use on `today`. A retired model is an error naming the replacement
    /// in the source's own words; a deprecated one is returned with a warning. An unknown model
    /// is never refused: it is returned as [`Resolved::Unknown`] with a warning (and a "did you
    /// mean" when it is close to a known one), to be checked against the official schema only.
    pub fn resolve(&self, name: &str, today: Date) -> Result<Resolved<'_>, Diagnostic> {
        let Some((canonical, rules)) = self.get(name) else {
            return Ok(Resolved::Unknown {
                warning: self.unknown_model(name),
            });
        };
        let life = &rules.lifecycle;
        let status = life.status_on(today);
        let warning = match status {
            Status::Retired => {
                return Err(retired_model(name, life, lifecycle_source(rules)));
            }
            Status::Unknown => Some(unknown_lifecycle(name)),
            Status::Deprecated => Some(deprecated_model(name, life, lifecycle_source(rules))),
            Status::Current => None,
        };
        Ok(Resolved::Known {
            canonical,
            rules,
            warning,
        })
    }

    /// The `unknown-model` warning for a name not in the table, with a "did you mean" when it is
    /// close to a known name.
    fn unknown_model(&self, name: &str) -> Diagnostic {
        let names = self.names();
        let d = Diagnostic::warning(
            Code::UnknownModel,
            format!(
                "unknown model `{name}`: checked against the official request schema only; its price is unknown"
            ),
        )
        .with_label("not in the model table");
        match did_you_mean(name, names.iter().copied()) {
            Some(s) => d.with_help(format!(
                "did you mean `{s}`? If `{name}` is a new model, add its rules with --models FILE"
            )),
            None => d.with_help(format!(
                "add its rules with --models FILE; known models: {}",
                one_of(&names)
            )),
        }
    }
}

/// What to use instead of a retired or deprecated model: the SDK's replacements, else the
/// hand-written one, else a pointer to `imgprompt models`.
fn replacement_help(life: &Lifecycle) -> String {
    if !life.replacements.is_empty() {
        let list: Vec<String> = life.replacements.iter().map(|r| format!("`{r}`")).collect();
        format!("use {} instead", list.join(" or "))
    } else {
        life.replacement
            .as_deref()
            .map(|r| format!("use `{r}` instead"))
            .unwrap_or_else(|| String::from("choose a current model (`imgprompt models`)"))
    }
}

/// The `source:` note of a model's lifecycle, if a layer gave one.
fn lifecycle_source(rules: &ModelRules) -> Option<String> {
    rules
        .sources
        .get("lifecycle")
        .or_else(|| rules.sources.get("lifecycle.status"))
        .map(|s| format!("source: {s}"))
}

/// ` on DATE` for a model with a shutdown date, else nothing.
fn shutdown_when(life: &Lifecycle) -> String {
    life.shutdown
        .as_deref()
        .map(|d| format!(" on {d}"))
        .unwrap_or_default()
}

/// The `retired-model` error: in the source's own words when it gives them.
fn retired_model(name: &str, life: &Lifecycle, source: Option<String>) -> Diagnostic {
    let when = shutdown_when(life);
    Diagnostic::error(
        Code::RetiredModel,
        match &life.reason {
            Some(r) => format!("model `{name}` no longer accepts requests: {r}"),
            None => format!("model `{name}` was retired{when} and no longer accepts requests"),
        },
    )
    .with_label("retired model")
    .with_help(replacement_help(life))
    .with_note_opt(source)
}

/// The `unknown-lifecycle` warning: no source states whether the model still takes requests.
fn unknown_lifecycle(name: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::UnknownLifecycle,
        format!("no source states whether `{name}` still takes requests"),
    )
    .with_label("lifecycle unknown")
}

/// The `deprecated-model` warning, with the shutdown date when one is known.
fn deprecated_model(name: &str, life: &Lifecycle, source: Option<String>) -> Diagnostic {
    Diagnostic::warning(
        Code::DeprecatedModel,
        format!(
            "model `{name}` is deprecated and shuts down{}",
            shutdown_when(life)
        ),
    )
    .with_label("deprecated model")
    .with_help(replacement_help(life))
    .with_note_opt(source)
}

/// A model name resolved against the table.
#[derive(Debug)]
pub enum Resolved<'a> {
    /// In the table.
    Known {
        /// Its table name.
        canonical: &'a str,
        /// Its rules.
        rules: &'a ModelRules,
        /// A deprecation warning.
        warning: Option<Diagnostic>,
    },
    /// Not in the table: the official schema is the only check.
    Unknown {
        /// The `unknown-model` warning.
        warning: Diagnostic,
    },
}

fn rules_from(entry: &Map<String, Value>) -> Result<ModelRules, String> {
    let mut entry = entry.clone();
    let sources = sources_of(&entry);
    entry.remove("sources");
    let mut rules: ModelRules =
        serde_json::from_value(Value::Object(entry)).map_err(|e| e.to_string())?;
    rules.sources = sources;
    Ok(rules)
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Current => "current",
            Status::Deprecated => "deprecated",
            Status::Retired => "retired",
            Status::Unknown => "unknown",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_read_unknown_null_and_values() {
        let r: ModelRules =
            serde_json::from_str(r#"{"quality": ["low"], "style": null, "n": "unknown"}"#)
                .expect("rules");
        assert_eq!(r.quality, Fact::Known(vec![String::from("low")]));
        assert_eq!(r.style, Fact::Unsupported);
        assert_eq!(r.n, Fact::Unknown);
        assert_eq!(r.background, Fact::Unknown);
    }

    #[test]
    fn the_shutdown_day_is_the_first_retired_day() {
        let day = |s: &str| Date::parse(s).expect("date");
        let life = Lifecycle {
            status: Status::Deprecated,
            shutdown: Some(String::from("2026-12-01")),
            ..Lifecycle::default()
        };
        assert_eq!(life.status_on(day("2026-11-30")), Status::Deprecated);
        assert_eq!(life.status_on(day("2026-12-01")), Status::Retired);
        assert_eq!(life.status_on(day("2027-01-01")), Status::Retired);
        assert_eq!(
            Lifecycle::default().status_on(day("2030-01-01")),
            Status::Current
        );
        let retired = Lifecycle {
            status: Status::Retired,
            ..Lifecycle::default()
        };
        assert_eq!(retired.status_on(day("2020-01-01")), Status::Retired);
    }

    #[test]
    fn a_layer_adds_fields_and_keeps_the_rest() {
        let mut t = ModelTable::builtin();
        t.apply_layer(
            "mine.json",
            r#"{"source": "my tests", "models": {"gpt-image-2": {"n": {"min": 1, "max": 4}}, "gpt-image-3": {"quality": ["ultra"]}}}"#,
        )
        .expect("layer");
        let (_, r) = t.get("gpt-image-2").expect("model");
        assert_eq!(r.n, Fact::Known(Bounds { min: 1, max: 4 }));
        assert!(r.quality.known().is_some());
        assert_eq!(r.sources["n.max"], "my tests");
        assert!(r.sources["quality"].starts_with("openai-python"));
        assert!(t.get("gpt-image-3").is_some());
        assert_eq!(
            t.get("gpt-image-3").expect("new").1.sources["quality"],
            "my tests"
        );
    }

    #[test]
    fn null_removes_a_fact_or_a_model() {
        let mut t = ModelTable::builtin();
        t.apply_layer(
            "mine.json",
            r#"{"models": {"gpt-image-2": {"quality": null}, "dall-e-2": null}}"#,
        )
        .expect("layer");
        let (_, r) = t.get("gpt-image-2").expect("model");
        assert_eq!(r.quality, Fact::Unknown);
        assert!(!r.sources.contains_key("quality"));
        assert!(t.models.get("dall-e-2").is_none());
    }

    #[test]
    fn an_unknown_key_in_a_layer_is_an_error_with_line_and_column() {
        let mut t = ModelTable::builtin();
        let d = t
            .apply_layer(
                "mine.json",
                "{\"models\": {\"gpt-image-2\": {\n  \"qualty\": [\"low\"]}}}",
            )
            .expect_err("unknown key");
        assert_eq!(d.code, Code::ModelsFile);
        assert_eq!(
            d.message,
            "invalid model table mine.json: unknown field `qualty`"
        );
        assert_eq!(d.path.as_deref(), Some("models.gpt-image-2.qualty"));
        assert_eq!(
            d.location.as_ref().map(|l| (l.line, l.column)),
            Some((2, 3))
        );
        assert!(
            d.help
                .unwrap_or_default()
                .contains("did you mean `quality`?")
        );
        // a wrong type is pointed at too
        let d = t
            .apply_layer(
                "mine.json",
                "{\"models\": {\"gpt-image-2\": {\n  \"n\": {\"max\": \"four\"}}}}",
            )
            .expect_err("wrong type");
        assert_eq!(d.location.as_ref().map(|l| l.line), Some(2));
        let path = d.path.clone().unwrap_or_default();
        assert!(path.starts_with("models.gpt-image-2.n"), "{path}");
    }

    #[test]
    fn unsupported_is_written_as_a_string_in_an_override() {
        let f: Fact<Vec<String>> =
            serde_json::from_value(serde_json::json!("unsupported")).expect("fact");
        assert_eq!(f, Fact::Unsupported);
        let f: Fact<Vec<String>> = serde_json::from_value(serde_json::Value::Null).expect("fact");
        assert_eq!(f, Fact::Unsupported);
        let f: Fact<Vec<String>> =
            serde_json::from_value(serde_json::json!("unknown")).expect("fact");
        assert_eq!(f, Fact::Unknown);
    }
}
