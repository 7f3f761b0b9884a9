//! Model rules as data (`data/models.json`): sizes, quality values, n, prompt caps, output options
//! and lifecycle. Users override or extend them with `--models FILE` without recompiling.
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::diagnostic::Diagnostic;
use crate::suggest::{did_you_mean, one_of};

/// The built-in table.
pub const BUILTIN_MODELS: &str = include_str!("../data/models.json");

/// An inclusive integer range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bounds {
    /// Smallest allowed value.
    pub min: u32,
    /// Largest allowed value.
    pub max: u32,
}

/// Free-form sizes (`WIDTHxHEIGHT`) a model accepts beyond its listed sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeRule {
    /// Both edges must be multiples of this.
    pub multiple_of: u32,
    /// Longest edge.
    pub max_edge: u32,
    /// Narrowest ratio, `1:3`.
    pub min_ratio: String,
    /// Widest ratio, `3:1`.
    pub max_ratio: String,
    /// Fewest pixels.
    pub min_pixels: u64,
    /// Most pixels.
    pub max_pixels: u64,
    /// Above this many pixels, results are experimental (warning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experimental_above_pixels: Option<u64>,
}

/// Output compression rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompressionRule {
    /// Lowest value.
    pub min: u32,
    /// Highest value.
    pub max: u32,
    /// Formats that take compression.
    pub only_with: Vec<String>,
}

/// Where a model is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Supported.
    Current,
    /// Works until `shutdown`.
    Deprecated,
    /// Gone.
    Retired,
}

/// Lifecycle of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lifecycle {
    /// Current, deprecated or retired.
    pub status: Status,
    /// Shutdown date, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown: Option<String>,
    /// What to use instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
    /// When the deprecation was announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<String>,
}

/// The rules of one model for `POST /v1/images/generations`. `None` means "not accepted".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRules {
    /// Lifecycle.
    pub lifecycle: Lifecycle,
    /// Other names for the same model (dated snapshots).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Listed sizes (including `auto` where accepted).
    pub sizes: Vec<String>,
    /// Free-form sizes, when the model takes them.
    #[serde(default)]
    pub size_rule: Option<SizeRule>,
    /// Quality values.
    pub quality: Vec<String>,
    /// Range of `n`.
    pub n: Bounds,
    /// Longest prompt, in characters.
    pub prompt_max_chars: usize,
    /// Background values.
    #[serde(default)]
    pub background: Option<Vec<String>>,
    /// Output formats.
    #[serde(default)]
    pub output_format: Option<Vec<String>>,
    /// Compression.
    #[serde(default)]
    pub output_compression: Option<CompressionRule>,
    /// Moderation values.
    #[serde(default)]
    pub moderation: Option<Vec<String>>,
    /// `style` values (DALL·E 3).
    #[serde(default)]
    pub style: Option<Vec<String>>,
    /// `response_format` values (DALL·E).
    #[serde(default)]
    pub response_format: Option<Vec<String>>,
    /// Formats a transparent background needs.
    #[serde(default)]
    pub transparent_requires: Option<Vec<String>>,
    /// Partial images (streaming).
    #[serde(default)]
    pub partial_images: Option<Bounds>,
}

/// The model table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelTable {
    /// When the rules were read from their source.
    pub as_of: String,
    /// Where they come from.
    pub source: String,
    /// The model used when a brief names none.
    pub default_model: String,
    /// Rules by model name.
    pub models: IndexMap<String, ModelRules>,
}

/// A table file overriding or adding models.
#[derive(Debug, Deserialize)]
struct ModelOverrides {
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    default_model: Option<String>,
    #[serde(default)]
    models: IndexMap<String, ModelRules>,
}

impl ModelTable {
    /// The table shipped in the binary.
    pub fn builtin() -> ModelTable {
        serde_json::from_str(BUILTIN_MODELS).expect("data/models.json is valid")
    }

    /// Applies an override file (same format; every field optional at the top level). Models
    /// named in it replace or add to the built-in ones.
    pub fn apply_overrides(&mut self, name: &str, text: &str) -> Result<(), Diagnostic> {
        let o: ModelOverrides = serde_json::from_str(text).map_err(|e| {
            Diagnostic::error("models-file", format!("invalid model table: {e}")).in_file(name)
        })?;
        if let Some(v) = o.as_of {
            self.as_of = v;
        }
        if let Some(v) = o.source {
            self.source = v;
        }
        if let Some(v) = o.default_model {
            self.default_model = v;
        }
        for (k, v) in o.models {
            self.models.insert(k, v);
        }
        Ok(())
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

    /// Every model name and alias.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.models.keys().map(String::as_str).collect();
        for r in self.models.values() {
            names.extend(r.aliases.iter().map(String::as_str));
        }
        names
    }

    /// Resolves a model for use on `today`: unknown and retired models are errors (naming the
    /// replacement); a deprecated one is returned with a warning.
    pub fn resolve(
        &self,
        name: &str,
        today: Date,
    ) -> Result<(&str, &ModelRules, Option<Diagnostic>), Diagnostic> {
        let Some((canonical, rules)) = self.get(name) else {
            let names = self.names();
            let suggestion = did_you_mean(name, names.iter().copied());
            return Err(
                Diagnostic::error("unknown-model", format!("unknown model `{name}`"))
                    .with_label("unknown model")
                    .with_help(match suggestion {
                        Some(s) => format!("did you mean `{s}`? Known models: {}", one_of(&names)),
                        None => format!("known models: {}", one_of(&names)),
                    }),
            );
        };
        let life = &rules.lifecycle;
        let replacement = life
            .replacement
            .as_deref()
            .map(|r| format!("use `{r}` instead"))
            .unwrap_or_else(|| String::from("choose a current model"));
        let shutdown = life.shutdown.as_deref().and_then(Date::parse);
        let gone = life.status == Status::Retired || shutdown.is_some_and(|d| today >= d);
        if gone {
            let when = life
                .shutdown
                .as_deref()
                .map(|d| format!(" on {d}"))
                .unwrap_or_default();
            return Err(Diagnostic::error(
                "retired-model",
                format!("model `{name}` was retired{when} and no longer accepts requests"),
            )
            .with_label("retired model")
            .with_help(replacement));
        }
        let warning = (life.status == Status::Deprecated).then(|| {
            let when = life
                .shutdown
                .as_deref()
                .map(|d| format!(" on {d}"))
                .unwrap_or_default();
            Diagnostic::warning(
                "deprecated-model",
                format!("model `{name}` is deprecated and shuts down{when}"),
            )
            .with_label("deprecated model")
            .with_help(replacement)
        });
        Ok((canonical, rules, warning))
    }
}
