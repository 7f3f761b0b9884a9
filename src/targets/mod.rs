//! Targets: turn the prompt and the output settings into a request payload for one image API.
//! Each target is one file implementing [`Target`]; adding a target means adding a file and a line
//! in [`all`].
use serde::Serialize;
use serde_json::Value;

use crate::brief::Brief;
use crate::diagnostic::{Code, Diagnostic};
use crate::prompt::family::Family;
use crate::validate::date::Date;
use crate::validate::models::ModelTable;

mod common;
mod contract;
pub mod limits;

mod flux;
mod gemini;
mod imagen;
mod midjourney;
mod openai;
mod openai_edit;
#[cfg(feature = "run")]
pub(crate) use openai_edit::local_path;
mod stability;

pub use contract::{HandOff, HandOffShape, NoHandOff, Pricing, Provider};
pub use flux::Flux;
pub use gemini::Gemini;
pub use imagen::Imagen;
pub use midjourney::Midjourney;
pub use openai::{OpenAi, OpenAiImageRequest};
pub use openai_edit::OpenAiEdit;
pub use stability::Stability;

/// What a target needs to build a payload.
#[derive(Debug)]
pub struct Request<'a> {
    /// The rendered prompt.
    pub prompt: &'a str,
    /// The brief, preset defaults merged in.
    pub brief: &'a Brief,
    /// Model rules.
    pub models: &'a ModelTable,
    /// The day lifecycle rules are checked against.
    pub today: Date,
    /// Limits of the non-OpenAI targets (`data/targets.json`, possibly overridden), typed and
    /// checked when they were loaded.
    pub limits: &'a limits::TargetLimits,
    /// The `output` fields only the preset's defaults set (the brief itself does not write
    /// them): a target that cannot use one leaves it out quietly (`common::unused` warns about
    /// the user's own fields only).
    pub defaulted: &'a [String],
}

/// Which built-in target a payload was built by: the name used with `--target`, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetId {
    /// `openai`: OpenAI image generations.
    Openai,
    /// `openai-edit`: OpenAI image edits.
    OpenaiEdit,
    /// `stability`: Stability AI v2beta.
    Stability,
    /// `flux`: Black Forest Labs.
    Flux,
    /// `imagen`: Google Imagen.
    Imagen,
    /// `gemini`: Google Gemini.
    Gemini,
    /// `midjourney`: a Midjourney prompt line.
    Midjourney,
}

impl TargetId {
    /// The name used with `--target`.
    pub fn name(self) -> &'static str {
        match self {
            TargetId::Openai => "openai",
            TargetId::OpenaiEdit => "openai-edit",
            TargetId::Stability => "stability",
            TargetId::Flux => "flux",
            TargetId::Imagen => "imagen",
            TargetId::Gemini => "gemini",
            TargetId::Midjourney => "midjourney",
        }
    }

    /// The model family whose guide its prompt is written by.
    pub fn family(self) -> Family {
        match self {
            TargetId::Openai | TargetId::OpenaiEdit => Family::Gpt,
            TargetId::Gemini | TargetId::Imagen => Family::Gemini,
            TargetId::Flux => Family::Flux,
            TargetId::Stability => Family::Stability,
            TargetId::Midjourney => Family::Midjourney,
        }
    }

    /// The target that stands for a family (what reports and `lint --all-targets` build with).
    pub fn of_family(family: Family) -> TargetId {
        match family {
            Family::Gpt => TargetId::Openai,
            Family::Gemini => TargetId::Gemini,
            Family::Flux => TargetId::Flux,
            Family::Stability => TargetId::Stability,
            Family::Midjourney => TargetId::Midjourney,
        }
    }

    /// The target itself (no lookup by name, no allocation).
    pub fn target(self) -> &'static dyn Target {
        match self {
            TargetId::Openai => &OpenAi,
            TargetId::OpenaiEdit => &OpenAiEdit,
            TargetId::Stability => &Stability,
            TargetId::Flux => &Flux,
            TargetId::Imagen => &Imagen,
            TargetId::Gemini => &Gemini,
            TargetId::Midjourney => &Midjourney,
        }
    }
}

impl std::fmt::Display for TargetId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How a payload is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// An HTTP `POST` of the body to the URL.
    Post,
    /// No HTTP API: the prompt line is pasted into the provider's prompt box (Midjourney).
    Prompt,
}

impl Method {
    /// `POST` or `PROMPT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Post => "POST",
            Method::Prompt => "PROMPT",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request ready to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payload {
    /// The target that built it.
    pub target: TargetId,
    /// How it is sent.
    pub method: Method,
    /// Endpoint URL.
    pub url: String,
    /// The request body, as JSON.
    pub body: Value,
    /// The request schema the body was checked against.
    #[serde(skip)]
    pub schema: crate::validate::TargetSchema,
    /// What the request asks for, typed: what lint and cost read instead of the body's keys.
    #[serde(skip)]
    pub summary: Summary,
}

/// What a request asks for, as its target understood the brief: what cost, lint, generate,
/// hand-off, expand and verify read instead of the body's keys.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// The model (or endpoint) the request goes to.
    pub model: String,
    /// Exact pixels, an aspect ratio, `auto`, or none (the provider's default).
    pub size: Option<crate::validate::size::Dimensions>,
    /// The output format, when the request names one.
    pub format: Option<String>,
    /// The rendering quality, when the request names one (OpenAI).
    pub quality: Option<String>,
    /// Images requested.
    pub n: u32,
    /// What the request sends as negatives (a negative prompt, `--no`), empty when the avoid list
    /// stays in the prompt.
    pub negatives: Vec<String>,
    /// Characters of the prompt the request sends (what text-token prices are counted from).
    pub prompt_chars: usize,
    /// The provider endpoint, for a provider with one per model family (Stability's `core`,
    /// `ultra`, `sd3`).
    pub endpoint: Option<&'static str>,
}

impl Summary {
    /// A summary of the common fields (the targets' own builder); `size` is parsed here, once.
    pub fn of(
        model: &str,
        size: Option<&str>,
        format: Option<&str>,
        n: u32,
        negatives: Vec<String>,
    ) -> Summary {
        Summary {
            model: model.to_string(),
            size: size.and_then(crate::validate::size::Dimensions::parse),
            format: format.map(str::to_string),
            n,
            negatives,
            ..Summary::default()
        }
    }

    /// With the prompt the request sends.
    #[must_use]
    pub fn prompt(mut self, prompt: &str) -> Summary {
        self.prompt_chars = prompt.chars().count();
        self
    }

    /// With the quality the request names.
    #[must_use]
    pub fn quality(mut self, quality: Option<&str>) -> Summary {
        self.quality = quality.map(str::to_string);
        self
    }
}

impl Payload {
    /// The text to paste, for a target whose "API" is a prompt box (`method: PROMPT`, Midjourney):
    /// the whole prompt line with its parameters.
    pub fn paste_line(&self) -> Option<&str> {
        (self.method == Method::Prompt)
            .then(|| self.body["prompt"].as_str())
            .flatten()
    }
}

/// Outcome of building: the payload with its warnings, or the errors.
pub type BuildResult = Result<(Payload, Vec<Diagnostic>), Vec<Diagnostic>>;

/// One image API.
pub trait Target: Send + Sync + std::fmt::Debug {
    /// The name used with `--target`.
    fn name(&self) -> &'static str {
        self.id().name()
    }
    /// Its typed id (what its payloads carry).
    fn id(&self) -> TargetId;
    /// One line on what it targets.
    fn description(&self) -> &'static str;
    /// Whether the prompt should carry the avoid list ("Avoid …"). Targets with a negative
    /// prompt field (or `--no`) say no and put the list there instead.
    fn avoid_in_prompt(&self) -> bool {
        true
    }
    /// Whether its request is a line to paste into a prompt box (`method: PROMPT`, Midjourney's
    /// prompt with its parameters): what its family is sent is then more than the prompt.
    fn pastes(&self) -> bool {
        false
    }
    /// The OpenAI Batch API endpoint its requests can be sent through (`/v1/images/generations`),
    /// or `None` when the provider has no such API: `--emit openai-batch` is then a usage error.
    fn batch_endpoint(&self) -> Option<&'static str> {
        None
    }
    /// The shape of its hand-off programs (`--emit curl|python|js|http`); a target with no HTTP
    /// API says so.
    fn handoff_shape(&self) -> Result<HandOffShape, NoHandOff> {
        Err(NoHandOff {
            why: "it has no HTTP API",
            help: None,
        })
    }
    /// How its requests are reached: the key and base-URL variables (`None`: no HTTP API).
    fn provider(&self) -> Option<&'static Provider> {
        None
    }
    /// How its requests are priced (no default: each target says, so none is priced by accident).
    fn pricing(&self) -> Pricing;
    /// Builds and validates the payload. Diagnostics carry the brief path they are about
    /// (`output.size`), so the caller can point into the source file.
    fn build(&self, request: &Request<'_>) -> BuildResult;
}

/// Every built-in target.
pub fn all() -> Vec<Box<dyn Target>> {
    vec![
        Box::new(OpenAi),
        Box::new(OpenAiEdit),
        Box::new(Stability),
        Box::new(Flux),
        Box::new(Imagen),
        Box::new(Gemini),
        Box::new(Midjourney),
    ]
}

/// Finds a target by name, with a suggestion when the name is misspelled.
pub fn by_name(name: &str) -> Result<Box<dyn Target>, Diagnostic> {
    let targets = all();
    let names: Vec<&'static str> = targets.iter().map(|t| t.name()).collect();
    targets
        .into_iter()
        .find(|t| t.name() == name)
        .ok_or_else(|| {
            Diagnostic::error(Code::UnknownTarget, format!("unknown target `{name}`")).with_help(
                match crate::diagnostic::suggest::did_you_mean(name, names.iter().copied()) {
                    Some(s) => format!(
                        "did you mean `{s}`? Targets: {}",
                        crate::diagnostic::suggest::one_of(&names)
                    ),
                    None => format!("targets: {}", crate::diagnostic::suggest::one_of(&names)),
                },
            )
        })
}
