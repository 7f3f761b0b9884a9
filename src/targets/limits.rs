//! The limits of the non-OpenAI targets (`data/targets.json`), typed. The shipped file and any
//! `--target-limits FILE` merged over it are checked against these types when loaded: an override
//! with a wrong field or type is a clear error pointing into its own file (line and column), never
//! a crash later in a target.
use std::sync::OnceLock;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic};
use crate::overlay::{DataFile, overlay, overlay_value};

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
    #[schemars(with = "IndexMap<String, GoogleModelShape>")]
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

/// The keys of a Google model entry, as [`super::common::GoogleModel`] has them: the shape an
/// override of `gemini.models` or `imagen.models` is checked against (that type, outside this
/// module, has no JSON Schema of its own). A unit test keeps the two equal.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read by its schema only
struct GoogleModelShape {
    lifecycle: crate::validate::models::Lifecycle,
    #[serde(default)]
    image_sizes: crate::validate::models::Fact<Vec<String>>,
    #[serde(default)]
    negative_prompt: crate::validate::models::Fact<bool>,
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

/// The data file `--target-limits` overrides, as its errors name it.
fn limits_file() -> DataFile {
    DataFile::new(Code::TargetLimits, "target limits")
}

/// Checks an override file (`--target-limits`, JSON or YAML) by the rule of every data file
/// ([`crate::overlay`]), laid over the shipped limits: every key it sets must exist, and the
/// merged limits must have the right types. Diagnostics point into the file. Returns the
/// override as read, for [`crate::Engine::try_target_limits`].
pub fn check_override(name: &str, text: &str) -> Result<Value, Vec<Diagnostic>> {
    let laid = overlay::<TargetLimits>(builtin_value(), name, text, &limits_file())
        .map_err(|d| vec![d])?;
    Ok(laid.overlay)
}

/// Lays `overrides` (the file `name`, already read) over the limits `current` by the rule of
/// every data file ([`crate::overlay`]) and checks the result ([`check_merged`]). Returns the
/// merged limits, as JSON and typed.
pub fn lay_over(
    current: &Value,
    name: &str,
    overrides: Value,
) -> Result<(Value, TargetLimits), Vec<Diagnostic>> {
    let laid = overlay_value::<TargetLimits>(current, name, overrides, &limits_file())
        .map_err(|d| vec![d])?;
    check_defaults(&laid.data, name)?;
    Ok((laid.merged, laid.data))
}

/// Checks merged limits as a whole: the types, and that each default names a known model.
pub fn check_merged(value: &Value, name: &str) -> Result<TargetLimits, Vec<Diagnostic>> {
    let limits: TargetLimits = serde_json::from_value(value.clone()).map_err(|e| {
        vec![
            Diagnostic::error(Code::TargetLimits, format!("invalid target limits: {e}"))
                .in_file(name),
        ]
    })?;
    check_defaults(&limits, name)?;
    Ok(limits)
}

/// Checks that each default of `limits` names a known model (and Midjourney's a known version),
/// and that no value is one a request could not use ([`check_ranges`]).
fn check_defaults(limits: &TargetLimits, name: &str) -> Result<(), Vec<Diagnostic>> {
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
    errors.extend(check_ranges(limits).into_iter().map(|(path, what)| {
        Diagnostic::error(Code::TargetLimits, format!("`{path}` {what}"))
            .with_path(path)
            .in_file(name)
    }));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Values the types admit but no request could use: an empty ratio list, a ratio that is not
/// one, a size multiple of 0, a range upside down. Each with its path and what is wrong.
fn check_ranges(limits: &TargetLimits) -> Vec<(String, String)> {
    let mut wrong = Vec::new();
    for (target, ratios) in [
        ("stability", &limits.stability.aspect_ratios),
        ("imagen", &limits.imagen.aspect_ratios),
        ("gemini", &limits.gemini.aspect_ratios),
    ] {
        if ratios.is_empty() {
            wrong.push((
                format!("{target}.aspect_ratios"),
                String::from("lists no aspect ratio"),
            ));
        }
        for (i, r) in ratios.iter().enumerate() {
            if crate::brief::size::parse_ratio(r).is_none() {
                wrong.push((
                    format!("{target}.aspect_ratios[{i}]"),
                    format!("is `{r}`, not an aspect ratio (`WIDTH:HEIGHT`, e.g. `9:16`)"),
                ));
            }
        }
    }
    for (model, m) in &limits.flux.models {
        let at = format!("flux.models[\"{model}\"]");
        if m.multiple_of == 0 {
            wrong.push((
                format!("{at}.multiple_of"),
                String::from("must be at least 1"),
            ));
        }
        if m.min == 0 || m.min > m.max {
            wrong.push((
                format!("{at}.min"),
                format!(
                    "is {}: it must be at least 1 and at most `max` ({})",
                    m.min, m.max
                ),
            ));
        }
        if m.safety_tolerance.min > m.safety_tolerance.max {
            wrong.push((
                format!("{at}.safety_tolerance"),
                String::from("has `min` above `max`"),
            ));
        }
    }
    let mj = &limits.midjourney;
    if mj.min_ratio.value() > mj.max_ratio.value() {
        wrong.push((
            String::from("midjourney.min_ratio"),
            format!(
                "({}) is wider than `max_ratio` ({})",
                mj.min_ratio, mj.max_ratio
            ),
        ));
    }
    wrong
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_limits_are_valid() {
        check_merged(builtin_value(), "data/targets.json").expect("valid");
        // and a valid override of themselves
        let same = check_override("targets.json", include_str!("../../data/targets.json"))
            .expect("the shipped file overrides cleanly");
        let (_, typed) = lay_over(builtin_value(), "targets.json", same).expect("valid");
        // `null` in an override removes a key: the shipped file's `image_sizes: null` (not
        // accepted) reads as removed, so compare the parts that carry no null
        assert_eq!(typed.as_of, builtin().as_of);
        assert_eq!(typed.midjourney.versions, builtin().midjourney.versions);
        assert_eq!(
            typed.flux.models.keys().collect::<Vec<_>>(),
            builtin().flux.models.keys().collect::<Vec<_>>()
        );
    }

    /// [`GoogleModelShape`] has the keys of `GoogleModel`: every key either takes is one the
    /// other takes, and a key neither has is refused by both.
    #[test]
    fn the_google_model_shape_has_the_keys_of_the_model() {
        let entry = serde_json::json!({
            "lifecycle": {"status": "current"},
            "image_sizes": ["1K"],
            "negative_prompt": true
        });
        serde_json::from_value::<super::super::common::GoogleModel>(entry.clone())
            .expect("GoogleModel takes every key of the shape");
        serde_json::from_value::<GoogleModelShape>(entry).expect("the shape takes them");
        for key in ["image_size", "negativePrompt", "sizes", "source"] {
            let mut entry = serde_json::json!({"lifecycle": {"status": "current"}});
            entry[key] = 1.into();
            assert!(
                serde_json::from_value::<super::super::common::GoogleModel>(entry).is_err(),
                "GoogleModel takes `{key}`: add it to GoogleModelShape"
            );
        }
        // every shipped Google model reads as the shape too
        for target in ["gemini", "imagen"] {
            for (name, m) in builtin_value()[target]["models"]
                .as_object()
                .into_iter()
                .flatten()
            {
                serde_json::from_value::<GoogleModelShape>(m.clone())
                    .unwrap_or_else(|e| panic!("{target}.models.{name}: {e}"));
            }
        }
    }

    #[test]
    fn an_unknown_key_of_a_google_model_is_refused_with_line_and_column() {
        let text =
            "{\"gemini\": {\"models\": {\"gemini-3-pro-image\": {\n  \"image_size\": [\"1K\"]}}}}";
        let d = check_override("limits.json", text).expect_err("unknown key");
        assert_eq!(
            d[0].message,
            "invalid target limits: unknown field `image_size`"
        );
        assert_eq!(
            d[0].location.as_ref().map(|l| (l.line, l.column)),
            Some((2, 3))
        );
        assert!(
            d[0].help
                .as_deref()
                .unwrap_or_default()
                .contains("did you mean `image_sizes`?")
        );
    }

    #[test]
    fn limits_no_request_could_use_are_refused() {
        let mut v = builtin_value().clone();
        v["stability"]["aspect_ratios"] = serde_json::json!([]);
        v["flux"]["models"]["flux-pro-1.1"]["multiple_of"] = 0.into();
        v["gemini"]["aspect_ratios"] = serde_json::json!(["wide"]);
        let errors = check_merged(&v, "over.json").expect_err("refused");
        let paths: Vec<&str> = errors.iter().filter_map(|d| d.path.as_deref()).collect();
        assert_eq!(
            paths,
            [
                "stability.aspect_ratios",
                "gemini.aspect_ratios[0]",
                "flux.models[\"flux-pro-1.1\"].multiple_of"
            ]
        );
    }
}
