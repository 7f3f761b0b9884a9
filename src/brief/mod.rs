//! The brief: what the user wants, as structured data. Its JSON Schema is generated from these
//! types (`imgprompt schema spec`) and committed as `schemas/spec.schema.json`.

pub mod hints;
pub mod schema;
pub mod size;
pub mod source;
use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A structured image brief.
///
/// Every section but `subject` is optional; presets fill in defaults underneath.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "imgprompt brief")]
pub struct Brief {
    /// An optional name, used for ids and file names in batches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The preset that writes the prompt: `poster`, `product`, `ui`, … (default `basic`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// What the image shows.
    #[schemars(length(min = 1))]
    pub subject: String,
    /// How it looks.
    #[serde(default, skip_serializing_if = "Style::is_empty")]
    pub style: Style,
    /// How it is arranged.
    #[serde(default, skip_serializing_if = "Composition::is_empty")]
    pub composition: Composition,
    /// Exact text that must appear in the image letter for letter, by role
    /// (`headline`, `subheadline`, `cta`, `label`, `labels`, `title`, …).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub text: IndexMap<String, TextValue>,
    /// Where and for whom the image will be used.
    #[serde(default, skip_serializing_if = "Context::is_empty")]
    pub context: Context,
    /// What the image must not contain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub avoid: Vec<String>,
    /// Request settings: model, size, quality, n, format, …
    #[serde(default, skip_serializing_if = "Output::is_empty")]
    pub output: Output,
    /// Preset-specific values, validated by the preset's own params schema.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub params: Map<String, Value>,
    /// Input images, for editing targets (`openai-edit`).
    #[serde(default, skip_serializing_if = "Inputs::is_empty")]
    pub inputs: Inputs,
    /// Options of one target, by target name: `stability: {style_preset: cinematic}`,
    /// `flux: {safety_tolerance: 2}`, `midjourney: {stylize: 250, v: "7"}`, `imagen:
    /// {person_generation: dont_allow}`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub targets: Map<String, Value>,
    /// Variations: a field path (`style.palette`, `text.headline`, `output.size`) → a list of
    /// values; or a name (`colourway`) → a list of objects setting several paths together.
    /// Expanded by `imgprompt expand` and `imgprompt batch` as a cartesian product, the last axis
    /// varying fastest.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    #[schemars(with = "IndexMap<String, Vec<Value>>")]
    pub vary: IndexMap<String, Vec<Value>>,
}

/// One value or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single phrase.
    One(String),
    /// Several phrases.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The phrases, in order.
    pub fn items(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// How the image looks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Style {
    /// The kind of image: "cinematic event poster", "product photograph", "UI mockup".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// Mood words: "calm", "professional".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mood: Option<OneOrMany>,
    /// Lighting: "soft studio lighting".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lighting: Option<String>,
    /// Colours: "navy and coral" or a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub palette: Option<OneOrMany>,
    /// How text is set: "bold, readable typography".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typography: Option<String>,
    /// Any further style details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<OneOrMany>,
    /// Named styles from the style libraries (`imgprompt styles list`), applied in order: their
    /// words join the style details, their negatives the avoid list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply: Option<OneOrMany>,
}

impl Style {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self == &Style::default()
    }
}

/// How the image is arranged.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Composition {
    /// Layout of the elements: "spending cards at the top, …".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// Framing: "centered, three-quarter view".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framing: Option<String>,
    /// Camera and lens: "85mm, shallow depth of field".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
    /// The scene: "a clean stage scene".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scene: Option<String>,
    /// The background: "a minimal background".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// What the subject stands on: "a stone surface".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surface: Option<String>,
    /// Empty space to keep: "strong empty space for sponsor logos".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_space: Option<String>,
    /// Any further composition details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<OneOrMany>,
}

impl Composition {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self == &Composition::default()
    }
}

/// Exact text for one role: a string, an entry with typography and placement, or a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TextValue {
    // Listed first: serde would otherwise read a list as the fields of a `TextSpec`.
    /// Several texts for the same role (e.g. `labels`).
    Many(Vec<TextEntry>),
    /// One text.
    One(TextEntry),
}

impl TextValue {
    /// The entries, in order.
    pub fn entries(&self) -> Vec<&TextEntry> {
        match self {
            TextValue::One(e) => vec![e],
            TextValue::Many(v) => v.iter().collect(),
        }
    }
}

/// One exact text: a plain string, or an object with typography and placement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TextEntry {
    /// Just the text.
    Plain(String),
    /// The text with how and where to set it.
    Detailed(TextSpec),
}

impl TextEntry {
    /// The exact text.
    pub fn content(&self) -> &str {
        match self {
            TextEntry::Plain(s) => s,
            TextEntry::Detailed(spec) => &spec.content,
        }
    }
}

/// Exact text with typography and placement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    /// The exact text, reproduced letter for letter.
    pub content: String,
    /// How to set it: "crisp label text", "bold condensed sans-serif".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typography: Option<String>,
    /// Where: "top centre", "on the bottle label".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement: Option<String>,
}

/// Where and for whom the image will be used.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// What the image is for: "event poster for a design conference", "app store screenshot".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Where it is published: "instagram story", "print", "web hero".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Who sees it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Device or platform: "mobile", "desktop", "iOS".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// The brand it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
}

impl Context {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self == &Context::default()
    }
}

/// Request settings. Values are checked against the chosen model's rules (`data/models.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// The model: `gpt-image-2` (default), `gpt-image-2.5-sunburst`, `gpt-image-2.5-flare`, … (see
    /// `imgprompt models`). A model not in the table is sent with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// `WIDTHxHEIGHT` (e.g. `1024x1536`) or `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>", regex(pattern = r"^(auto|[0-9]+x[0-9]+)$"))]
    pub size: Option<size::OutputSize>,
    /// An aspect ratio (`9:16`) instead of a size: mapped to the nearest size the model accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        with = "Option<String>",
        regex(pattern = r"^[0-9]+(\.[0-9]+)?:[0-9]+(\.[0-9]+)?$")
    )]
    pub aspect_ratio: Option<size::OutputRatio>,
    /// `low`, `medium`, `high`, `auto` (GPT image models); `xhigh` and `max` on the 2.5 models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
    /// Number of images (1–10; DALL·E 3: 1).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schemars(range(max = 4_294_967_295u32))]
    pub n: Option<u32>,
    /// Output file format: `png`, `jpeg`, `webp`, `gif` or `svg` (GPT image models; GIF and SVG
    /// need the provider's preview access).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Compression 0–100, only with `jpeg` or `webp`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schemars(range(max = 4_294_967_295u32))]
    pub compression: Option<u32>,
    /// `transparent` (needs `png` or `webp`), `opaque` or `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// `low` or `auto` (GPT image models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation: Option<String>,
    /// `vivid` or `natural` (DALL·E 3 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// A seed, for targets that take one (Stability, FLUX, Midjourney).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schemars(range(max = 18_446_744_073_709_551_615u64))]
    pub seed: Option<u64>,
    /// Computation spent planning the image, apart from rendering quality: `low`, `medium`,
    /// `high` (OpenAI; the model's default when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity: Option<String>,
    /// GIF output (`format: gif`): number of frames, 2–16 (the API's default: 9).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schemars(range(max = 4_294_967_295u32))]
    pub frame_count: Option<u32>,
    /// GIF output (`format: gif`): delay per frame in milliseconds (the API's default: 200).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "whole_number"
    )]
    #[schemars(range(max = 4_294_967_295u32))]
    pub frame_duration_ms: Option<u32>,
    /// SVG output (`format: svg`): the model that authors the SVG and its reasoning effort.
    /// Leave out unless your project has SVG model selection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub svg: Option<SvgOutput>,
    /// A stable, hashed identifier of your end user, for the provider's abuse monitoring
    /// (OpenAI `safety_identifier`; replaces the deprecated `user`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_identifier: Option<String>,
    /// Edits: how closely to keep the input images' features, `high` or `low` (OpenAI; which
    /// models take it is in `imgprompt models`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_fidelity: Option<String>,
}

/// The SVG author for `format: svg`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SvgOutput {
    /// The model that writes the SVG (sent as `svg.model`).
    pub model: String,
    /// Its reasoning effort: `none`, `minimal`, `low`, `medium`, `high`, `xhigh` or `max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<String>,
}

impl Output {
    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        self == &Output::default()
    }
}

/// Input images for editing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Inputs {
    /// Images to edit: URLs (`https://…`, `data:…`) or uploaded file ids (`file-…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
    /// A mask: a URL or a file id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mask: Option<String>,
}

impl Inputs {
    /// True when no input is given.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty() && self.mask.is_none()
    }
}

/// The JSON Schema of a brief, as committed in `schemas/spec.schema.json`.
pub fn schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Brief)).expect("schema serialises")
}

/// An unsigned whole number, as JSON Schema counts them: an integer, or a number with no
/// fraction (`2.0`). Keeps serde from refusing what the brief's schema accepts, so every such
/// problem is reported by the schema check, with its line and column.
fn whole_number<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<u64>,
{
    use serde::de::Error;
    let Some(v) = Option::<Value>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(f))
            .map(|f| f as u64)
    });
    match whole.map(T::try_from) {
        Some(Ok(n)) => Ok(Some(n)),
        _ => Err(D::Error::custom(format!(
            "expected a whole number of at most {}, found {v}",
            std::any::type_name::<T>()
        ))),
    }
}
