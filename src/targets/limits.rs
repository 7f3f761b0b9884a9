//! The limits of the non-OpenAI targets (`data/targets.json`), typed. The shipped file and any
//! `--target-limits FILE` merged over it are checked against these types when loaded: an override
//! with a wrong field or type is a clear error pointing into its own file (line and column), never
//! a crash later in a target.
use std::sync::OnceLock;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::brief::source::{Format, JsonPath, SourceFile};
use crate::diagnostic::{Code, Diagnostic};

/// Every target's limits.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetLimits {
    /// What the file is.
    #[serde(rename = "$comment", default)]
    pub comment: Option<String>,
    /// When the limits were read.
    pub as_of: String,
    /// Stability AI.
    pub stability: StabilityLimits,
    /// Black Forest Labs.
    pub flux: FluxLimits,
    /// Google Imagen.
    pub imagen: GoogleLimits,
    /// Google Gemini.
    pub gemini: GoogleLimits,
    /// Midjourney.
    pub midjourney: MidjourneyLimits,
}

/// Stability AI v2beta.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StabilityLimits {
    /// Model → endpoint (`core`, `ultra`, `sd3`).
    pub endpoints: IndexMap<String, StabilityEndpoint>,
    /// The model used when the brief names none.
    pub default_model: String,
    /// Aspect ratios it takes.
    pub aspect_ratios: Vec<String>,
    /// Output formats.
    pub output_formats: Vec<String>,
    /// Longest prompt.
    pub max_prompt_chars: u64,
}

/// A Stability v2beta stable-image generate endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StabilityEndpoint {
    /// `core`.
    Core,
    /// `ultra`.
    Ultra,
    /// `sd3` (the sd3.5 models, named in the form's `model` field).
    Sd3,
}

impl StabilityEndpoint {
    /// The endpoint's path segment.
    pub fn as_str(self) -> &'static str {
        match self {
            StabilityEndpoint::Core => "core",
            StabilityEndpoint::Ultra => "ultra",
            StabilityEndpoint::Sd3 => "sd3",
        }
    }
}

/// An inclusive range.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lowest.
    pub min: u64,
    /// Highest.
    pub max: u64,
}

/// One FLUX model.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FluxModel {
    /// Width and height are multiples of this.
    pub multiple_of: u32,
    /// Smallest edge.
    pub min: u32,
    /// Largest edge.
    pub max: u32,
    /// `safety_tolerance` range.
    pub safety_tolerance: Range,
    /// Whether it takes `prompt_upsampling`.
    pub prompt_upsampling: bool,
    /// Output formats.
    pub output_formats: Vec<String>,
}

/// Black Forest Labs.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FluxLimits {
    /// The model used when the brief names none.
    pub default_model: String,
    /// Models by name.
    pub models: IndexMap<String, FluxModel>,
    /// Where the facts come from.
    #[serde(default)]
    pub source: Option<String>,
    /// How results are fetched.
    #[serde(default)]
    pub polling: Option<String>,
}

/// A Google target (Gemini or Imagen).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoogleLimits {
    /// A note on the endpoint.
    #[serde(default)]
    pub endpoint_note: Option<String>,
    /// The model used when the brief names none.
    pub default_model: String,
    /// Models by name, with lifecycle and image sizes.
    #[schemars(with = "IndexMap<String, Value>")]
    pub models: IndexMap<String, super::common::GoogleModel>,
    /// The source of each lifecycle fact.
    #[serde(default)]
    pub lifecycle_sources: IndexMap<String, String>,
    /// Aspect ratios it takes.
    pub aspect_ratios: Vec<String>,
    /// Most images per request (`None`: the limits state none, the request schema decides).
    #[serde(default)]
    pub max_samples: Option<u32>,
    /// The REST API version in the endpoint URL (default `v1`).
    #[serde(default = "default_api_version")]
    pub api_version: String,
}

fn default_api_version() -> String {
    String::from("v1")
}

/// Midjourney.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MidjourneyLimits {
    /// Versions it takes.
    pub versions: Vec<String>,
    /// The version used when the brief names none.
    pub default_version: String,
    /// Where the versions come from.
    #[serde(default)]
    pub versions_source: Option<String>,
    /// Narrowest `--ar`.
    #[schemars(with = "String")]
    pub min_ratio: crate::validate::size::AspectRatio,
    /// Widest `--ar`.
    #[schemars(with = "String")]
    pub max_ratio: crate::validate::size::AspectRatio,
}

/// `data/targets.json` as shipped, as JSON (what overrides merge over).
pub fn builtin_value() -> &'static Value {
    static DATA: OnceLock<Value> = OnceLock::new();
    DATA.get_or_init(|| {
        // the shipped file is checked by a unit test below; `Null` never happens
        serde_json::from_str(include_str!("../../data/targets.json")).unwrap_or(Value::Null)
    })
}

/// `data/targets.json` as shipped, typed. Override it with `--target-limits FILE` (merged over it,
/// [`crate::Engine::try_target_limits`]).
pub fn builtin() -> &'static TargetLimits {
    static DATA: OnceLock<TargetLimits> = OnceLock::new();
    DATA.get_or_init(
        || match check_merged(builtin_value(), "data/targets.json") {
            Ok(limits) => limits,
            // a unit test proves the shipped file valid: this is a build defect, not user input
            Err(e) => panic!("the shipped data/targets.json is invalid: {e:?}"),
        },
    )
}

fn relax(schema: &mut Value) {
    match schema {
        Value::Object(m) => {
            m.remove("required");
            for v in m.values_mut() {
                relax(v);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(relax),
        _ => {}
    }
}

/// Checks an override file (`--target-limits`): every field it sets must exist and have the right
/// type; nothing is required. Diagnostics point into the file.
pub fn check_override(name: &str, text: &str) -> Result<Value, Vec<Diagnostic>> {
    let source = SourceFile::new(name, text, Some(Format::Json));
    let value = source.parse().map_err(|d| vec![d])?;
    let mut schema =
        serde_json::to_value(schemars::schema_for!(TargetLimits)).expect("schema serialises");
    relax(&mut schema);
    let compiled = crate::brief::schema::Schema::compile(schema).expect("limits schema compiles");
    let problems = compiled.check(&value, &JsonPath::root(), Some(&source));
    if problems.is_empty() {
        Ok(value)
    } else {
        Err(problems)
    }
}

/// Checks merged limits as a whole: the types, and that each default names a known model.
pub fn check_merged(value: &Value, name: &str) -> Result<TargetLimits, Vec<Diagnostic>> {
    let limits: TargetLimits = serde_json::from_value(value.clone()).map_err(|e| {
        vec![
            Diagnostic::error(Code::TargetLimits, format!("invalid target limits: {e}"))
                .in_file(name),
        ]
    })?;
    let mut errors = Vec::new();
    let mut default_known = |target: &str, default: &str, known: Vec<&String>| {
        if !known.iter().any(|k| k.as_str() == default) {
            errors.push(
                Diagnostic::error(
                    Code::TargetLimits,
                    format!("`{target}.default_model` is `{default}`, which is not among `{target}.models`"),
                )
                .in_file(name)
                .with_help(format!("add `{default}` to `{target}.models`, or choose one of them")),
            );
        }
    };
    default_known(
        "stability",
        &limits.stability.default_model,
        limits.stability.endpoints.keys().collect(),
    );
    default_known(
        "flux",
        &limits.flux.default_model,
        limits.flux.models.keys().collect(),
    );
    default_known(
        "imagen",
        &limits.imagen.default_model,
        limits.imagen.models.keys().collect(),
    );
    default_known(
        "gemini",
        &limits.gemini.default_model,
        limits.gemini.models.keys().collect(),
    );
    if !limits
        .midjourney
        .versions
        .contains(&limits.midjourney.default_version)
    {
        errors.push(
            Diagnostic::error(
                Code::TargetLimits,
                format!(
                    "`midjourney.default_version` is `{}`, which is not among `midjourney.versions`",
                    limits.midjourney.default_version
                ),
            )
            .in_file(name),
        );
    }
    if errors.is_empty() {
        Ok(limits)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_limits_are_valid() {
        check_merged(builtin_value(), "data/targets.json").expect("valid");
    }
}
