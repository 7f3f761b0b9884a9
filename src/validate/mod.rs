//! Validation of payloads: the model's real limits (`data/models.json`) and the target's official
//! request schema (`schemas/targets/`).

pub mod date;
pub mod models;
pub mod size;
use std::sync::OnceLock;

use serde_json::Value;

use crate::brief::schema::Schema;
use crate::brief::source::JsonPath;
use crate::diagnostic::suggest::{did_you_mean, one_of};
use crate::diagnostic::{Code, Diagnostic};
use crate::validate::models::{Fact, ModelRules, ParamSpec};

/// Request schemas shipped with the binary (`schemas/targets/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetSchema {
    /// OpenAI `CreateImageRequest`.
    #[default]
    OpenAiGenerations,
    /// OpenAI `EditImageBodyJsonParam`.
    OpenAiEdits,
    /// Stability v2beta core.
    StabilityCore,
    /// Stability v2beta ultra.
    StabilityUltra,
    /// Stability v2beta sd3.
    StabilitySd3,
    /// Black Forest Labs.
    Flux,
    /// Google Imagen.
    Imagen,
    /// Google Gemini.
    Gemini,
    /// Midjourney.
    Midjourney,
}

const FILES: &[&str] = &[
    "openai-images-generations",
    "openai-images-edits",
    "stability-core",
    "stability-ultra",
    "stability-sd3",
    "flux",
    "imagen",
    "gemini",
    "midjourney",
];

const SCHEMAS: &[(TargetSchema, &str)] = &[
    (
        TargetSchema::OpenAiGenerations,
        include_str!("../../schemas/targets/openai-images-generations.schema.json"),
    ),
    (
        TargetSchema::OpenAiEdits,
        include_str!("../../schemas/targets/openai-images-edits.schema.json"),
    ),
    (
        TargetSchema::StabilityCore,
        include_str!("../../schemas/targets/stability-core.schema.json"),
    ),
    (
        TargetSchema::StabilityUltra,
        include_str!("../../schemas/targets/stability-ultra.schema.json"),
    ),
    (
        TargetSchema::StabilitySd3,
        include_str!("../../schemas/targets/stability-sd3.schema.json"),
    ),
    (
        TargetSchema::Flux,
        include_str!("../../schemas/targets/flux.schema.json"),
    ),
    (
        TargetSchema::Imagen,
        include_str!("../../schemas/targets/imagen.schema.json"),
    ),
    (
        TargetSchema::Gemini,
        include_str!("../../schemas/targets/gemini.schema.json"),
    ),
    (
        TargetSchema::Midjourney,
        include_str!("../../schemas/targets/midjourney.schema.json"),
    ),
];

impl TargetSchema {
    /// The schema's file under `schemas/targets/`.
    pub fn file(self) -> String {
        let i = SCHEMAS
            .iter()
            .position(|(t, _)| *t == self)
            .expect("every schema is listed");
        format!("schemas/targets/{}.schema.json", FILES[i])
    }

    /// The compiled schema (compiled once per process, on first use).
    pub fn schema(self) -> &'static Schema {
        static CELLS: [OnceLock<Schema>; 9] = [const { OnceLock::new() }; 9];
        let i = SCHEMAS
            .iter()
            .position(|(t, _)| *t == self)
            .expect("every schema is listed");
        CELLS[i].get_or_init(|| Schema::compile(self.document()).expect("shipped schema compiles"))
    }

    /// The schema document checked: the shipped file, and for the OpenAI endpoints the newer
    /// parameters and values of the vendored SDK laid over it ([`sdk_overlay`]).
    pub fn document(self) -> Value {
        let i = SCHEMAS
            .iter()
            .position(|(t, _)| *t == self)
            .expect("every schema is listed");
        let mut raw: Value = serde_json::from_str(SCHEMAS[i].1).expect("shipped schema is JSON");
        let params = &crate::validate::models::ModelTable::generated().params;
        match self {
            TargetSchema::OpenAiGenerations => sdk_overlay(&mut raw, &params.generations),
            TargetSchema::OpenAiEdits => sdk_overlay(&mut raw, &params.edits),
            _ => {}
        }
        raw
    }
}

/// Lays the SDK's typing of each request parameter over an official OpenAPI-derived schema. The
/// SDKs are generated from the provider's current API definition, later than the OpenAPI snapshot
/// in `schemas/targets/`: a parameter the SDK adds is added, and a literal set it widens
/// (`output_format: gif`, `quality: xhigh`) replaces the older enum, and so does a free string
/// (`size` on edits). Integers and booleans the snapshot already types keep their definition;
/// uploads (multipart only) are left out.
pub fn sdk_overlay(schema: &mut Value, params: &indexmap::IndexMap<String, ParamSpec>) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    let typed = |t: &str, nullable: bool| {
        if nullable {
            serde_json::json!({"type": [t, "null"]})
        } else {
            serde_json::json!({"type": t})
        }
    };
    for (name, spec) in params {
        let existing = props.contains_key(name);
        let replacement = match spec {
            ParamSpec::File => None,
            ParamSpec::Enum { nullable, values } => {
                let mut list: Vec<Value> = values.iter().map(|v| Value::from(v.as_str())).collect();
                if *nullable {
                    list.push(Value::Null);
                }
                Some(serde_json::json!({"enum": list, "description": "typed by the vendored SDK"}))
            }
            // the SDK types it as any string (`size` takes `WIDTHxHEIGHT` on edits too)
            ParamSpec::String { nullable, .. } => Some(typed("string", *nullable)),
            ParamSpec::Integer { nullable } => (!existing).then(|| typed("integer", *nullable)),
            ParamSpec::Boolean { nullable } => (!existing).then(|| typed("boolean", *nullable)),
            ParamSpec::Svg { nullable, efforts } => {
                let mut efforts: Vec<Value> =
                    efforts.iter().map(|v| Value::from(v.as_str())).collect();
                efforts.push(Value::Null);
                Some(serde_json::json!({
                    "type": if *nullable { serde_json::json!(["object", "null"]) } else { serde_json::json!("object") },
                    "properties": {
                        "model": {"type": "string"},
                        "reasoning": {"type": ["object", "null"], "properties": {"effort": {"enum": efforts}}}
                    },
                    "required": ["model"]
                }))
            }
        };
        if let Some(r) = replacement {
            props.insert(name.clone(), r);
        }
    }
}

/// Checks a payload body against a target schema. Any violation is an engine bug or a bad
/// override; it is reported as an error naming the payload path.
pub fn against_schema(schema: TargetSchema, body: &Value) -> Vec<Diagnostic> {
    schema
        .schema()
        .check(body, &JsonPath::root(), None)
        .into_iter()
        .map(|mut d| {
            d.code = Code::PayloadSchema;
            d.message = format!(
                "payload rejected by the official request schema: {}",
                d.message
            );
            let p = d.path.take().unwrap_or_default();
            d.with_note(format!("payload path `{p}`"))
        })
        .collect()
}

/// A warning for a brief field whose rule no source states for `model`.
pub fn unstated(field: &str, path: &str, model: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::UnstatedRule,
        format!("no source states whether {model} accepts `{field}`: sent as written, the API decides"),
    )
    .with_path(path)
    .with_help(format!(
        "if you know the rule, add it with --models FILE (`{{\"models\": {{\"{model}\": {{\"{field}\": [...]}}}}}}`)"
    ))
}

/// The `source: …` note of a model rule, when a layer gave its source.
pub(crate) fn source_note(rules: &ModelRules, field: &str) -> Option<String> {
    rules.sources.get(field).map(|s| format!("source: {s}"))
}

/// Checks a request value against the model's accepted values for `key`: an error when the
/// model does not take the parameter or not this value, a warning when no source states it.
/// `field` is the parameter as the messages name it, `path` its brief path.
pub(crate) fn value_check(
    field: &str,
    key: &str,
    path: &str,
    value: Option<&str>,
    allowed: &Fact<Vec<String>>,
    model: &str,
    rules: &ModelRules,
) -> Option<Diagnostic> {
    let value = value?;
    let note = source_note(rules, key);
    let d = match allowed {
        Fact::Unknown => return Some(unstated(key, path, model)),
        Fact::Unsupported => Diagnostic::error(
            Code::UnsupportedParameter,
            format!("{model} does not accept `{field}`"),
        )
        .with_path(path)
        .with_label(format!("not accepted by {model}"))
        .with_help(format!("remove `{path}`")),
        Fact::Known(list) if !list.iter().any(|v| v == value) => {
            let suggestion = did_you_mean(value, list.iter().map(String::as_str));
            Diagnostic::error(
                Code::InvalidValue,
                format!(
                    "{field} `{value}` is not valid for {model}: use {}",
                    one_of(list)
                ),
            )
            .with_path(path)
            .with_label(format!(
                "not {} {model} accepts",
                crate::prompt::filters::with_article(field)
            ))
            .with_help_opt(suggestion.map(|s| format!("did you mean `{s}`?")))
        }
        Fact::Known(_) => return None,
    };
    Some(match note {
        Some(n) => d.with_note(n),
        None => d,
    })
}

/// Checks `input_fidelity` on an edit.
pub fn input_fidelity(value: &str, model: &str, rules: &ModelRules) -> Option<Diagnostic> {
    match &rules.input_fidelity {
        Fact::Unknown => None,
        Fact::Unsupported => Some(
            Diagnostic::error(
                Code::UnsupportedParameter,
                format!("{model} does not take `input_fidelity`: the SDK says to omit it"),
            )
            .with_path("output.input_fidelity")
            .with_help("remove `output.input_fidelity`")
            .with_note_opt(source_note(rules, "input_fidelity")),
        ),
        Fact::Known(_) => value_check(
            "input fidelity",
            "input_fidelity",
            "output.input_fidelity",
            Some(value),
            &rules.input_fidelity,
            model,
            rules,
        ),
    }
}

/// The `invalid-value` error of a number outside `min..=max` (`why` says whose range it is).
pub(crate) fn range_error(
    what: &str,
    path: &str,
    value: u64,
    min: u64,
    max: u64,
    why: &str,
) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidValue,
        format!("{what}={value} is out of range: {why} takes {min} to {max}"),
    )
    .with_path(path)
    .with_label("out of range")
    .with_help(format!("use a value from {min} to {max}"))
}
