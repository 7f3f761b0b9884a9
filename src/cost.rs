//! Cost estimates from a price table shipped as data (`data/prices.json`, every figure with
//! `as_of` and `source`), overridable with `--prices FILE`. Official figures are used as they are;
//! anything else is labelled with its method, or reported as unknown — never a silent guess.
//!
//! ```
//! use imgprompt::cost::{Basis, CostOptions, PriceTable, estimate};
//! use serde_json::json;
//!
//! let prices = PriceTable::builtin();
//! let body = json!({"model": "gpt-image-2", "quality": "high", "size": "1024x1536", "prompt": ""});
//! let e = estimate(&body, &prices, CostOptions::default());
//! assert_eq!(e.per_image, Some(0.165));
//! assert_eq!(e.image_output_basis, Basis::Official);
//!
//! let batch = estimate(&body, &prices, CostOptions { batch_api: true, partial_images: 0 });
//! assert_eq!(batch.per_image, Some(0.0825));
//! ```
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic};
use crate::overlay::{DataFile, overlay};
use crate::targets::{Payload, Summary};
use crate::validate::size::{Dimensions, Size};

/// The built-in price table.
pub const BUILTIN_PRICES: &str = include_str!("../data/prices.json");

/// Characters per token assumed when estimating prompt tokens.
pub const CHARS_PER_TOKEN: f64 = 4.0;

/// A dated figure's provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Dated<T> {
    /// The figure.
    #[serde(flatten)]
    pub value: T,
    /// When it was read.
    pub as_of: String,
    /// Where from.
    pub source: String,
}

/// Official per-image prices: quality → size → USD.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PerImage {
    /// quality → size → USD per image.
    pub prices: BTreeMap<String, BTreeMap<String, f64>>,
}

/// Token prices, USD per million tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TokenPrices {
    /// Text input.
    pub text_in: f64,
    /// Image input.
    pub image_in: f64,
    /// Image output.
    pub image_out: f64,
}

/// Prices of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelPrices {
    /// Official per-image prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_image: Option<Dated<PerImage>>,
    /// Token prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens_per_million: Option<Dated<TokenPrices>>,
    /// Output tokens of a 1024x1024 image by quality, for estimating other sizes.
    #[serde(
        default,
        rename = "output_tokens_1024x1024",
        skip_serializing_if = "Option::is_none"
    )]
    pub output_tokens_1024: Option<Dated<BTreeMap<String, f64>>>,
}

/// A discount factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Factor {
    /// Multiply by this.
    pub factor: f64,
}

/// A token count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Tokens {
    /// How many.
    pub tokens: f64,
}

/// Prices of the providers other than OpenAI (`others` in the price table), each figure with its
/// `as_of` and `source`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherPrices {
    /// Stability AI credits.
    #[serde(default)]
    pub stability: StabilityPrices,
    /// Black Forest Labs FLUX prices.
    #[serde(default)]
    pub flux: FluxPrices,
    /// Google (Imagen, Gemini): no figure, only a note why.
    #[serde(default)]
    pub google: PriceNote,
}

/// Stability AI: credits per model (or endpoint), and what a credit costs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StabilityPrices {
    /// USD per credit.
    pub usd_per_credit: f64,
    /// Credits per image, by model or endpoint (`core`, `ultra`, `sd3.5-large`).
    pub credits: BTreeMap<String, f64>,
    /// When it was read.
    pub as_of: String,
    /// Where from.
    pub source: String,
}

/// Black Forest Labs: per image for FLUX 1.x, per megapixel for FLUX.2.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FluxPrices {
    /// USD per image, by model.
    pub per_image: BTreeMap<String, f64>,
    /// USD per megapixel, by model.
    pub per_megapixel: BTreeMap<String, MegapixelPrice>,
    /// How megapixels are counted (quoted in the estimate's method).
    pub megapixel_rule: String,
    /// When it was read.
    pub as_of: String,
    /// Where from.
    pub source: String,
}

/// A per-megapixel price: the first megapixel, and each further (started) one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MegapixelPrice {
    /// USD for the first megapixel.
    pub first: f64,
    /// USD for each further megapixel.
    pub additional: f64,
}

/// A provider with no figure: why not.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceNote {
    /// Why there is no figure.
    pub note: String,
    /// When it was read.
    pub as_of: String,
    /// Where from.
    pub source: String,
}

/// The price table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PriceTable {
    /// Always USD.
    pub currency: String,
    /// Batch API discount.
    pub batch_api_discount: Dated<Factor>,
    /// Extra output tokens per partial image.
    pub partial_image_output_tokens: Dated<Tokens>,
    /// Prices by model name.
    pub models: BTreeMap<String, ModelPrices>,
    /// Other providers (Stability, FLUX, Google).
    #[serde(default)]
    pub others: OtherPrices,
}

impl PriceTable {
    /// The table shipped in the binary.
    pub fn builtin() -> PriceTable {
        serde_json::from_str(BUILTIN_PRICES).expect("data/prices.json is valid")
    }

    /// Applies an override file by the rule of every data file ([`crate::overlay`]): objects
    /// merge key by key, other values replace, `null` removes. A key the price table does not
    /// have is an error naming it, pointing at it in the file.
    pub fn apply_overrides(&mut self, name: &str, text: &str) -> Result<(), Diagnostic> {
        let file = DataFile::new(Code::PricesFile, "price table");
        let shipped = serde_json::to_value(&*self).map_err(|e| file_error(name, &e.to_string()))?;
        *self = overlay::<PriceTable>(&shipped, name, text, &file)?.data;
        Ok(())
    }
}

/// An error of the price table that is no fault of the override file.
fn file_error(name: &str, e: &str) -> Diagnostic {
    Diagnostic::error(Code::PricesFile, format!("invalid price table: {e}")).in_file(name)
}

/// How a figure was obtained.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "basis", content = "method", rename_all = "lowercase")]
pub enum Basis {
    /// From the official price table.
    Official,
    /// Computed; the method is stated.
    Estimated(String),
    /// Not available; the reason is stated.
    Unknown(String),
}

/// Options of an estimate.
#[derive(Debug, Clone, Copy, Default)]
pub struct CostOptions {
    /// Send through the Batch API (50%).
    pub batch_api: bool,
    /// Partial images streamed per image.
    pub partial_images: u32,
}

/// The cost of one request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Model priced.
    pub model: String,
    /// Quality priced.
    pub quality: String,
    /// Size priced.
    pub size: String,
    /// Images per request.
    pub n: u32,
    /// Image output, per image, USD.
    #[serde(serialize_with = "serialize_money")]
    pub image_output: Option<f64>,
    /// How `image_output` was obtained.
    pub image_output_basis: Basis,
    /// Prompt tokens (estimated).
    pub input_tokens: u64,
    /// Prompt input cost per request, USD.
    #[serde(serialize_with = "serialize_money")]
    pub input: Option<f64>,
    /// Partial images cost per request, USD.
    #[serde(serialize_with = "serialize_money")]
    pub partial_images: Option<f64>,
    /// Whether the Batch API discount is applied.
    pub batch_api: bool,
    /// Total per request, USD (None when unknown).
    #[serde(serialize_with = "serialize_money")]
    pub per_request: Option<f64>,
    /// Per image, USD.
    #[serde(serialize_with = "serialize_money")]
    pub per_image: Option<f64>,
    /// Everything a reader must know about the figures.
    pub notes: Vec<String>,
    /// Provenance of the figures used.
    pub sources: Vec<String>,
}

/// What an OpenAI request asks for, as it is priced: read from a request body ([`estimate`]) or
/// from a payload's summary ([`estimate_payload`]).
struct Asked {
    model: String,
    quality: String,
    size: String,
    n: u32,
    prompt_chars: usize,
}

impl Asked {
    /// The fields of an OpenAI request body, with the API's defaults for those left out.
    fn from_body(body: &Value) -> Self {
        Asked {
            model: body["model"].as_str().unwrap_or("gpt-image-2").to_string(),
            quality: body["quality"].as_str().unwrap_or("auto").to_string(),
            size: body["size"].as_str().unwrap_or("auto").to_string(),
            n: body["n"].as_u64().unwrap_or(1) as u32,
            prompt_chars: body["prompt"].as_str().unwrap_or("").chars().count(),
        }
    }

    /// The request as its target summed it up.
    fn from_summary(summary: &Summary) -> Self {
        Asked {
            model: summary.model.clone(),
            quality: summary
                .quality
                .clone()
                .unwrap_or_else(|| String::from("auto")),
            size: summary
                .size
                .as_ref()
                .map_or_else(|| String::from("auto"), ToString::to_string),
            n: summary.n,
            prompt_chars: summary.prompt_chars,
        }
    }
}

/// Estimates the cost of an OpenAI generations request body.
pub fn estimate(body: &Value, prices: &PriceTable, options: CostOptions) -> Estimate {
    estimate_asked(Asked::from_body(body), prices, options)
}

/// Prices an OpenAI request: the image output (official, scaled from a listed size, or
/// unknown), the prompt and partial-image tokens, and the Batch API discount.
fn estimate_asked(asked: Asked, prices: &PriceTable, options: CostOptions) -> Estimate {
    let input_tokens = (asked.prompt_chars as f64 / CHARS_PER_TOKEN).ceil() as u64;
    let Some(mp) = prices.models.get(&asked.model) else {
        return unpriced_model(asked, input_tokens, options);
    };
    let mut notes = Vec::new();
    let mut sources = Vec::new();
    let (quality, size) = settle_auto(&asked, mp, &mut notes);
    let (image_output, basis) = image_output_price(&asked.model, &quality, &size, mp, &mut sources);
    let partial_tokens = prices.partial_image_output_tokens.value.tokens
        * f64::from(options.partial_images)
        * f64::from(asked.n);
    let (input, partial) = token_costs(mp, input_tokens, partial_tokens, &mut notes, &mut sources);
    let factor = batch_factor(prices, options, &mut notes);
    let n = asked.n;
    let per_request = image_output
        .map(|p| (p * f64::from(n) + input.unwrap_or(0.0) + partial.unwrap_or(0.0)) * factor);
    Estimate {
        model: asked.model,
        quality,
        size,
        n,
        image_output,
        image_output_basis: basis,
        input_tokens,
        input,
        partial_images: partial.filter(|p| *p > 0.0),
        batch_api: options.batch_api,
        per_request,
        per_image: per_request.map(|r| r / f64::from(n.max(1))),
        notes,
        sources,
    }
}

/// The estimate of a model the table has no price for: everything unknown, and how to add one.
fn unpriced_model(asked: Asked, input_tokens: u64, options: CostOptions) -> Estimate {
    let model = asked.model;
    Estimate {
        model: model.clone(),
        quality: asked.quality,
        size: asked.size,
        n: asked.n,
        image_output: None,
        image_output_basis: Basis::Unknown(format!("no price for `{model}` in the price table")),
        input_tokens,
        input: None,
        partial_images: None,
        batch_api: options.batch_api,
        per_request: None,
        per_image: None,
        notes: vec![format!("no price for `{model}`: add it with --prices FILE")],
        sources: Vec::new(),
    }
}

/// The per-image prices listed for `quality`, size → USD.
fn listed_sizes<'p>(mp: &'p ModelPrices, quality: &str) -> Option<&'p BTreeMap<String, f64>> {
    mp.per_image
        .as_ref()
        .and_then(|p| p.value.prices.get(quality))
}

/// The quality and size priced: `auto` (the model's choice) is priced as its upper bound, and
/// noted.
fn settle_auto(asked: &Asked, mp: &ModelPrices, notes: &mut Vec<String>) -> (String, String) {
    let mut quality = asked.quality.clone();
    let mut size = asked.size.clone();
    if quality == "auto" {
        notes.push(String::from(
            "quality `auto` is chosen by the model: priced as `high`, an upper bound",
        ));
        quality = String::from("high");
    }
    if size == "auto" {
        let widest = listed_sizes(mp, &quality).and_then(|s| {
            s.iter()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(k, _)| k.clone())
        });
        if let Some(w) = widest {
            notes.push(format!(
                "size `auto` is chosen by the model: priced as {w}, the dearest listed size"
            ));
            size = w;
        }
    }
    (quality, size)
}

/// The image output price per image: the official figure, else one scaled from a listed size
/// (labelled estimated), else unknown. A price found adds the per-image source.
fn image_output_price(
    model: &str,
    quality: &str,
    size: &str,
    mp: &ModelPrices,
    sources: &mut Vec<String>,
) -> (Option<f64>, Basis) {
    let listed = listed_sizes(mp, quality);
    let priced = match listed.and_then(|l| l.get(size)) {
        Some(p) => Some((*p, Basis::Official)),
        None => match (Size::parse(size), listed) {
            (Some(s), Some(listed)) if !listed.is_empty() => {
                scaled_price(size, s, listed).map(|(usd, method)| (usd, Basis::Estimated(method)))
            }
            _ => None,
        },
    };
    match priced {
        Some((usd, basis)) => {
            if let Some(pi) = &mp.per_image {
                sources.push(format!(
                    "per-image prices: {} (as of {})",
                    pi.source, pi.as_of
                ));
            }
            (Some(usd), basis)
        }
        None => (
            None,
            Basis::Unknown(format!(
                "no official price for {model} at {quality} quality and size {size}"
            )),
        ),
    }
}

/// A size with no official price, priced from the listed size of the closest aspect ratio (then
/// closest area) scaled by pixels, and never above a larger listed size: the USD and the method.
/// `None` when no listed size parses.
fn scaled_price(size: &str, s: Size, listed: &BTreeMap<String, f64>) -> Option<(f64, String)> {
    // OpenAI's own table prices the portrait and landscape sizes below the square one, so one
    // per-pixel rate for all shapes would overprice them
    let parsed: Vec<(&String, Size, f64)> = listed
        .iter()
        .filter_map(|(k, v)| Size::parse(k).map(|z| (k, z, *v)))
        .collect();
    let key = |z: &Size| {
        (
            (z.ratio().ln() - s.ratio().ln()).abs(),
            (z.pixels() as f64 - s.pixels() as f64).abs(),
        )
    };
    let (name, z, price) = parsed.iter().min_by(|a, b| {
        key(&a.1)
            .partial_cmp(&key(&b.1))
            .unwrap_or(std::cmp::Ordering::Equal)
    })?;
    let mut usd = price * s.pixels() as f64 / z.pixels() as f64;
    let mut method = format!(
        "no official price for {size}: estimated from {name} (${price}) scaled by pixel count"
    );
    // never above a larger listed size without saying so
    if let Some((big, _, big_price)) = parsed
        .iter()
        .filter(|(_, z, p)| z.pixels() >= s.pixels() && *p < usd)
        .min_by(|a, b| a.2.total_cmp(&b.2))
    {
        usd = *big_price;
        method.push_str(&format!(
            ", capped at the price of {big} (${big_price}), a larger listed size"
        ));
    }
    Some((usd, method))
}

/// The prompt input and partial-image output costs per request at the model's token prices
/// (`None` without token prices, noted either way).
fn token_costs(
    mp: &ModelPrices,
    input_tokens: u64,
    partial_tokens: f64,
    notes: &mut Vec<String>,
    sources: &mut Vec<String>,
) -> (Option<f64>, Option<f64>) {
    match mp.tokens_per_million.as_ref() {
        Some(t) => {
            if !sources.iter().any(|s| s.starts_with("token prices")) {
                sources.push(format!("token prices: {} (as of {})", t.source, t.as_of));
            }
            notes.push(format!(
                "prompt tokens estimated at {CHARS_PER_TOKEN} characters per token"
            ));
            (
                Some(input_tokens as f64 * t.value.text_in / 1e6),
                Some(partial_tokens * t.value.image_out / 1e6),
            )
        }
        None => {
            notes.push(String::from(
                "no token prices for this model: prompt input not priced",
            ));
            (None, None)
        }
    }
}

/// The Batch API factor when the request goes through it (noted), else 1.
fn batch_factor(prices: &PriceTable, options: CostOptions, notes: &mut Vec<String>) -> f64 {
    if options.batch_api {
        notes.push(format!(
            "Batch API: × {}",
            prices.batch_api_discount.value.factor
        ));
        prices.batch_api_discount.value.factor
    } else {
        1.0
    }
}

pub use crate::targets::Pricing;

/// Estimates the cost of a payload priced the way its target says: OpenAI from the full table;
/// Stability from its credits and FLUX from its per-image or per-megapixel prices (labelled with
/// their sources); what has no source is unknown, with the reason.
pub fn estimate_payload(
    payload: &Payload,
    pricing: Pricing,
    prices: &PriceTable,
    options: CostOptions,
    models: &crate::validate::models::ModelTable,
) -> Estimate {
    match pricing {
        Pricing::OpenAi => estimate_openai(payload, prices, options, models),
        Pricing::StabilityCredits => estimate_stability(payload, &prices.others.stability),
        Pricing::Flux => estimate_flux(payload, &prices.others.flux),
        Pricing::Unknown(why) => unknown_estimate(payload.target.to_string(), why),
    }
}

/// An OpenAI payload, from the full table; a dated snapshot is priced as the model it pins.
fn estimate_openai(
    payload: &Payload,
    prices: &PriceTable,
    options: CostOptions,
    models: &crate::validate::models::ModelTable,
) -> Estimate {
    let mut asked = Asked::from_summary(&payload.summary);
    let model = asked.model.clone();
    let key = models.price_key(&model);
    if key != model && !prices.models.contains_key(&model) {
        let key = key.to_string();
        asked.model = key.clone();
        let mut e = estimate_asked(asked, prices, options);
        e.model = model.clone();
        e.notes
            .push(format!("{model} is a snapshot of {key}: priced as {key}"));
        e
    } else {
        estimate_asked(asked, prices, options)
    }
}

/// A Stability payload: the credits of its model (or, failing that, of its endpoint) at the
/// price of a credit.
fn estimate_stability(payload: &Payload, s: &StabilityPrices) -> Estimate {
    let summary = &payload.summary;
    let endpoint = summary.endpoint.unwrap_or("core");
    let model = summary.model.clone();
    let credits = s
        .credits
        .get(&model)
        .or_else(|| s.credits.get(endpoint))
        .copied();
    let usd = credits.map(|c| c * s.usd_per_credit);
    let source = format!("{} (as of {})", s.source, s.as_of);
    listed_estimate(
        model,
        usd,
        payload.summary.n,
        source,
        Some(String::from(
            "credits × $0.01 per credit, from a third-party summary",
        )),
    )
}

/// A FLUX payload: its model's price per image, or (FLUX.2) a price for the first megapixel and
/// one for each further (started) one.
fn estimate_flux(payload: &Payload, f: &FluxPrices) -> Estimate {
    let summary = &payload.summary;
    let model = summary.model.clone();
    let source = format!("{} (as of {})", f.source, f.as_of);
    if let Some(usd) = f.per_image.get(&model) {
        return listed_estimate(model, Some(*usd), summary.n, source, None);
    }
    let mp = f.per_megapixel.get(&model);
    match (mp, summary.size.as_ref().and_then(Dimensions::pixels)) {
        (Some(mp), Some(size)) => {
            let (w, h) = (u64::from(size.width), u64::from(size.height));
            let megapixels = ((w * h) as f64 / 1_048_576.0).ceil().max(1.0);
            let usd = mp.first + mp.additional * (megapixels - 1.0);
            let method = format!(
                "{w}x{h} is {megapixels} started megapixel(s): {} + {} for each after the first ({})",
                usd_value(mp.first),
                usd_value(mp.additional),
                f.megapixel_rule
            );
            listed_estimate(model, Some(usd), summary.n, source, Some(method))
        }
        _ => listed_estimate(model, None, summary.n, source, None),
    }
}

/// An estimate with nothing priced, and why.
fn unknown_estimate(model: String, why: &str) -> Estimate {
    Estimate {
        model,
        quality: String::from("-"),
        size: String::from("-"),
        n: 1,
        image_output: None,
        image_output_basis: Basis::Unknown(why.to_string()),
        input_tokens: 0,
        input: None,
        partial_images: None,
        batch_api: false,
        per_request: None,
        per_image: None,
        notes: vec![why.to_string()],
        sources: Vec::new(),
    }
}

/// An estimate from a listed price per image (`None`: not listed): official unless a `method`
/// says how it was computed.
fn listed_estimate(
    model: String,
    usd: Option<f64>,
    n: u32,
    source: String,
    method: Option<String>,
) -> Estimate {
    let mut e = unknown_estimate(model, "no price listed");
    e.n = n;
    e.image_output = usd;
    e.per_image = usd;
    e.per_request = usd.map(|u| u * f64::from(n));
    e.image_output_basis = match (usd, method) {
        (None, _) => Basis::Unknown(String::from("no price listed for this model")),
        (Some(_), Some(m)) => Basis::Estimated(m),
        (Some(_), None) => Basis::Official,
    };
    e.notes.clear();
    e.sources.push(source);
    e
}

fn usd_value(v: f64) -> String {
    usd(Some(v))
}

/// The decimal places of money in JSON output: 8 (a millionth of a cent), enough for the price
/// of one prompt token and free of binary floating-point noise (`0.0416`, never
/// `0.041600000000000005`).
pub const MONEY_DECIMALS: i32 = 8;

/// An amount of USD rounded to [`MONEY_DECIMALS`] places, for JSON output.
pub fn money(v: f64) -> f64 {
    let scale = 10f64.powi(MONEY_DECIMALS);
    let r = (v * scale).round() / scale;
    // an empty or cancelled sum is -0.0: written 0
    if r == 0.0 { 0.0 } else { r }
}

/// Serialises an optional amount of USD as [`money`] (a serde `serialize_with`).
pub fn serialize_money<S: serde::Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(&money(*v)),
        None => s.serialize_none(),
    }
}

/// Formats dollars with enough precision for fractions of a cent.
pub fn usd(v: Option<f64>) -> String {
    match v {
        Some(v) if v >= 100.0 => format!("${v:.2}"),
        Some(v) => format!("${v:.4}"),
        None => String::from("unknown"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The official per-image table, reproduced exactly for every listed combination.
    #[test]
    fn official_prices_exactly() {
        let table = PriceTable::builtin();
        let expected: &[(&str, &str, [f64; 3])] = &[
            ("gpt-image-2", "low", [0.006, 0.005, 0.005]),
            ("gpt-image-2", "medium", [0.053, 0.041, 0.041]),
            ("gpt-image-2", "high", [0.211, 0.165, 0.165]),
            ("gpt-image-1.5", "low", [0.009, 0.013, 0.013]),
            ("gpt-image-1.5", "medium", [0.034, 0.05, 0.05]),
            ("gpt-image-1.5", "high", [0.133, 0.2, 0.2]),
            ("gpt-image-1", "low", [0.011, 0.016, 0.016]),
            ("gpt-image-1", "medium", [0.042, 0.063, 0.063]),
            ("gpt-image-1", "high", [0.167, 0.25, 0.25]),
            ("gpt-image-1-mini", "low", [0.005, 0.006, 0.006]),
            ("gpt-image-1-mini", "medium", [0.011, 0.015, 0.015]),
            ("gpt-image-1-mini", "high", [0.036, 0.052, 0.052]),
        ];
        for (model, quality, prices) in expected {
            for (size, price) in ["1024x1024", "1024x1536", "1536x1024"].iter().zip(prices) {
                let e = estimate(
                    &json!({"model": model, "quality": quality, "size": size, "prompt": ""}),
                    &table,
                    CostOptions::default(),
                );
                assert_eq!(e.image_output, Some(*price), "{model} {quality} {size}");
                assert_eq!(e.image_output_basis, Basis::Official);
                assert_eq!(
                    e.per_request,
                    Some(*price),
                    "empty prompt: the image price alone"
                );
            }
        }
    }

    #[test]
    fn custom_sizes_are_labelled_estimates() {
        let table = PriceTable::builtin();
        let e = estimate(
            &json!({"model": "gpt-image-2", "quality": "high", "size": "2048x2048", "prompt": ""}),
            &table,
            CostOptions::default(),
        );
        assert!(
            matches!(e.image_output_basis, Basis::Estimated(ref m) if m.contains("scaled by pixel count"))
        );
        // 4 × the square price
        assert!((e.image_output.unwrap() - 4.0 * 0.211).abs() < 1e-9);
        // a portrait size just under 1024x1536 is priced from 1024x1536, not above it
        let e = estimate(
            &json!({"model": "gpt-image-2", "quality": "high", "size": "864x1536", "prompt": ""}),
            &table,
            CostOptions::default(),
        );
        let usd = e.image_output.unwrap();
        assert!(usd <= 0.165, "{usd}");
        assert!((usd - 0.165 * 864.0 / 1024.0).abs() < 1e-9);
        // a size between listed ones never costs more than a larger listed size, and says why
        let e = estimate(
            &json!({"model": "gpt-image-2", "quality": "high", "size": "1024x1088", "prompt": ""}),
            &table,
            CostOptions::default(),
        );
        assert!(e.image_output.unwrap() <= 0.165 + 1e-12);
        assert!(
            matches!(e.image_output_basis, Basis::Estimated(ref m) if m.contains("capped at the price of"))
        );
    }

    #[test]
    fn batch_partials_and_prompt_tokens() {
        let table = PriceTable::builtin();
        let prompt = "x".repeat(400); // 100 tokens
        let body = json!({"model": "gpt-image-2", "quality": "low", "size": "1024x1024", "n": 2, "prompt": prompt});
        let e = estimate(
            &body,
            &table,
            CostOptions {
                batch_api: true,
                partial_images: 3,
            },
        );
        let expected = (2.0 * 0.006 + 100.0 * 5.0 / 1e6 + 2.0 * 3.0 * 100.0 * 30.0 / 1e6) * 0.5;
        assert!(
            (e.per_request.unwrap() - expected).abs() < 1e-12,
            "{:?}",
            e.per_request
        );
        assert_eq!(e.input_tokens, 100);
    }

    /// The whole shipped file is a valid override of itself, and changes nothing.
    #[test]
    fn the_shipped_table_is_a_valid_override() {
        let mut table = PriceTable::builtin();
        table
            .apply_overrides("prices.json", BUILTIN_PRICES)
            .expect("the shipped file overrides cleanly");
        assert_eq!(table, PriceTable::builtin());
        assert_eq!(table.others.stability.credits.get("ultra"), Some(&8.0));
        assert_eq!(
            table.others.flux.per_megapixel.get("flux-2-pro"),
            Some(&MegapixelPrice {
                first: 0.03,
                additional: 0.015
            })
        );
    }

    #[test]
    fn an_unknown_top_level_key_is_an_error() {
        let mut table = PriceTable::builtin();
        let text = "{\n  \"currency\": \"USD\",\n  \"batch_api_discont\": {\"factor\": 0.4}\n}\n";
        let d = table
            .apply_overrides("prices.json", text)
            .expect_err("unknown key");
        assert_eq!(d.code, "prices-file");
        assert!(
            d.message.contains("unknown field `batch_api_discont`"),
            "{}",
            d.message
        );
        assert_eq!(d.path.as_deref(), Some("batch_api_discont"));
        assert_eq!(d.file.as_deref(), Some("prices.json"));
        assert_eq!(d.location.as_ref().map(|l| l.line), Some(3));
        let help = d.help.clone().unwrap_or_default();
        assert!(
            help.contains("did you mean `batch_api_discount`?"),
            "{help}"
        );
        // nothing was applied
        assert_eq!(table, PriceTable::builtin());
        // a key like nothing known: no suggestion, the known fields instead
        let d = table
            .apply_overrides("prices.json", r#"{"zzzzzz": 1}"#)
            .expect_err("unknown key");
        let help = d.help.clone().unwrap_or_default();
        assert!(
            help.starts_with("known fields here:") && help.contains("`models`"),
            "{help}"
        );
    }

    #[test]
    fn an_unknown_nested_key_is_an_error() {
        let mut table = PriceTable::builtin();
        let text = r#"{"models": {"gpt-image-1.5": {"per_imag": {}}}}"#;
        let d = table
            .apply_overrides("prices.json", text)
            .expect_err("unknown key");
        assert!(
            d.message.contains("unknown field `per_imag`"),
            "{}",
            d.message
        );
        assert_eq!(
            d.path.as_deref(),
            Some(r#"models["gpt-image-1.5"].per_imag"#)
        );
        assert_eq!(d.location.as_ref().map(|l| l.line), Some(1));
        let help = d.help.clone().unwrap_or_default();
        assert!(help.contains("did you mean `per_image`?"), "{help}");
        // deeper, and in `others`
        let text =
            "{\"others\": {\"flux\": {\n  \"per_megapixel\": {\"flux-2-pro\": {\"frist\": 0.1}}}}}";
        let d = table
            .apply_overrides("prices.json", text)
            .expect_err("unknown key");
        assert_eq!(
            d.path.as_deref(),
            Some("others.flux.per_megapixel.flux-2-pro.frist")
        );
        assert_eq!(d.location.as_ref().map(|l| l.line), Some(2));
        let help = d.help.clone().unwrap_or_default();
        assert!(help.contains("did you mean `first`?"), "{help}");
        assert_eq!(table, PriceTable::builtin());
    }

    #[test]
    fn a_valid_override_still_merges() {
        let mut table = PriceTable::builtin();
        table
            .apply_overrides(
                "prices.json",
                r#"{"$comment": "ours", "models": {"gpt-image-2": {"per_image": {"as_of": "2027-01-01", "source": "our contract", "prices": {"high": {"1024x1536": 0.1}}}, "tokens_per_million": null}}, "batch_api_discount": {"factor": 0.4, "as_of": "2027-01-01", "source": "ours"}}"#,
            )
            .expect("valid override");
        let builtin = PriceTable::builtin();
        // the price named is replaced, the model's other prices are kept; `null` removed its
        // token prices
        let e = estimate(
            &json!({"model": "gpt-image-2", "quality": "high", "size": "1024x1536", "prompt": ""}),
            &table,
            CostOptions::default(),
        );
        assert_eq!(e.per_image, Some(0.1));
        assert_eq!(
            e.sources,
            vec![String::from(
                "per-image prices: our contract (as of 2027-01-01)"
            )]
        );
        assert!(table.models["gpt-image-2"].tokens_per_million.is_none());
        let per_image = |t: &PriceTable, q: &str, size: &str| {
            t.models["gpt-image-2"]
                .per_image
                .as_ref()
                .map(|p| p.value.prices[q][size])
        };
        assert_eq!(
            per_image(&table, "high", "1024x1024"),
            per_image(&builtin, "high", "1024x1024")
        );
        assert_eq!(
            per_image(&table, "low", "1536x1024"),
            per_image(&builtin, "low", "1536x1024")
        );
        // the others are untouched
        assert_eq!(table.models["gpt-image-1"], builtin.models["gpt-image-1"]);
        assert_eq!(
            table.partial_image_output_tokens,
            builtin.partial_image_output_tokens
        );
        assert_eq!(table.others, builtin.others);
        assert_eq!(table.batch_api_discount.value.factor, 0.4);
        // a new model is added
        table
            .apply_overrides(
                "prices.json",
                r#"{"models": {"gpt-image-9": {"per_image": {"as_of": "2027", "source": "s", "prices": {"low": {"1024x1024": 0.5}}}}}}"#,
            )
            .expect("valid override");
        assert_eq!(
            table.models["gpt-image-9"]
                .per_image
                .as_ref()
                .map(|p| p.value.prices["low"]["1024x1024"]),
            Some(0.5)
        );
    }

    #[test]
    fn unknown_models_say_so() {
        let table = PriceTable::builtin();
        let e = estimate(
            &json!({"model": "dall-e-3", "prompt": "x"}),
            &table,
            CostOptions::default(),
        );
        assert_eq!(e.per_request, None);
        assert!(matches!(e.image_output_basis, Basis::Unknown(_)));
    }
}
