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

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::size::Size;

/// The built-in price table.
pub const BUILTIN_PRICES: &str = include_str!("../data/prices.json");

/// Characters per token assumed when estimating prompt tokens.
pub const CHARS_PER_TOKEN: f64 = 4.0;

/// A dated figure's provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerImage {
    /// quality → size → USD per image.
    pub prices: BTreeMap<String, BTreeMap<String, f64>>,
}

/// Token prices, USD per million tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenPrices {
    /// Text input.
    pub text_in: f64,
    /// Image input.
    pub image_in: f64,
    /// Image output.
    pub image_out: f64,
}

/// Prices of one model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// Multiply by this.
    pub factor: f64,
}

/// A token count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    /// How many.
    pub tokens: f64,
}

/// The price table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    /// Always USD.
    pub currency: String,
    /// Batch API discount.
    pub batch_api_discount: Dated<Factor>,
    /// Extra output tokens per partial image.
    pub partial_image_output_tokens: Dated<Tokens>,
    /// Prices by model name.
    pub models: BTreeMap<String, ModelPrices>,
    /// Other providers, kept for reference.
    #[serde(default)]
    pub others: Value,
}

impl PriceTable {
    /// The table shipped in the binary.
    pub fn builtin() -> PriceTable {
        serde_json::from_str(BUILTIN_PRICES).expect("data/prices.json is valid")
    }

    /// Applies an override file: models named there replace the built-in entries; top-level
    /// fields given there replace the built-in ones.
    pub fn apply_overrides(&mut self, name: &str, text: &str) -> Result<(), Diagnostic> {
        let bad = |e: String| {
            Diagnostic::error("prices-file", format!("invalid price table: {e}")).in_file(name)
        };
        let v: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut base = serde_json::to_value(&*self).map_err(|e| bad(e.to_string()))?;
        if let Some(models) = v.get("models").and_then(Value::as_object) {
            for (k, m) in models {
                base["models"][k] = m.clone();
            }
        }
        for key in [
            "currency",
            "batch_api_discount",
            "partial_image_output_tokens",
        ] {
            if let Some(x) = v.get(key) {
                base[key] = x.clone();
            }
        }
        *self = serde_json::from_value(base).map_err(|e| bad(e.to_string()))?;
        Ok(())
    }
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
    pub image_output: Option<f64>,
    /// How `image_output` was obtained.
    pub image_output_basis: Basis,
    /// Prompt tokens (estimated).
    pub input_tokens: u64,
    /// Prompt input cost per request, USD.
    pub input: Option<f64>,
    /// Partial images cost per request, USD.
    pub partial_images: Option<f64>,
    /// Whether the Batch API discount is applied.
    pub batch_api: bool,
    /// Total per request, USD (None when unknown).
    pub per_request: Option<f64>,
    /// Per image, USD.
    pub per_image: Option<f64>,
    /// Everything a reader must know about the figures.
    pub notes: Vec<String>,
    /// Provenance of the figures used.
    pub sources: Vec<String>,
}

/// Estimates the cost of an OpenAI generations request body.
pub fn estimate(body: &Value, prices: &PriceTable, options: CostOptions) -> Estimate {
    let model = body["model"].as_str().unwrap_or("gpt-image-2").to_string();
    let n = body["n"].as_u64().unwrap_or(1) as u32;
    let prompt = body["prompt"].as_str().unwrap_or("");
    let mut notes = Vec::new();
    let mut sources = Vec::new();
    let mut quality = body["quality"].as_str().unwrap_or("auto").to_string();
    let mut size = body["size"].as_str().unwrap_or("auto").to_string();
    let input_tokens = (prompt.chars().count() as f64 / CHARS_PER_TOKEN).ceil() as u64;

    let Some(mp) = prices.models.get(&model) else {
        return Estimate {
            model: model.clone(),
            quality,
            size,
            n,
            image_output: None,
            image_output_basis: Basis::Unknown(format!(
                "no price for `{model}` in the price table"
            )),
            input_tokens,
            input: None,
            partial_images: None,
            batch_api: options.batch_api,
            per_request: None,
            per_image: None,
            notes: vec![format!("no price for `{model}`: add it with --prices FILE")],
            sources,
        };
    };
    let by_quality = mp.per_image.as_ref().map(|p| &p.value.prices);
    if quality == "auto" {
        notes.push(String::from(
            "quality `auto` is chosen by the model: priced as `high`, an upper bound",
        ));
        quality = String::from("high");
    }
    if size == "auto" {
        let widest = by_quality.and_then(|q| q.get(&quality)).and_then(|s| {
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
    let official = by_quality
        .and_then(|q| q.get(&quality))
        .and_then(|s| s.get(&size))
        .copied();
    let tokens = mp.tokens_per_million.as_ref();
    let (image_output, basis) = match official {
        Some(p) => {
            if let Some(pi) = &mp.per_image {
                sources.push(format!(
                    "per-image prices: {} (as of {})",
                    pi.source, pi.as_of
                ));
            }
            (Some(p), Basis::Official)
        }
        None => match (Size::parse(&size), by_quality.and_then(|q| q.get(&quality))) {
            (Some(s), Some(listed)) if !listed.is_empty() => {
                // the listed size of the closest aspect ratio (then closest area), scaled by
                // pixels: OpenAI's own table prices the portrait and landscape sizes below the
                // square one, so one per-pixel rate for all shapes would overprice them
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
                let base = parsed.iter().min_by(|a, b| {
                    key(&a.1)
                        .partial_cmp(&key(&b.1))
                        .unwrap_or(std::cmp::Ordering::Equal)
                });
                match base {
                    Some((name, z, price)) => {
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
                        if let Some(pi) = &mp.per_image {
                            sources.push(format!(
                                "per-image prices: {} (as of {})",
                                pi.source, pi.as_of
                            ));
                        }
                        (Some(usd), Basis::Estimated(method))
                    }
                    None => (
                        None,
                        Basis::Unknown(format!(
                            "no official price for {model} at {quality} quality and size {size}"
                        )),
                    ),
                }
            }
            _ => (
                None,
                Basis::Unknown(format!(
                    "no official price for {model} at {quality} quality and size {size}"
                )),
            ),
        },
    };
    let (input, partial) = match tokens {
        Some(t) => {
            if !sources.iter().any(|s| s.starts_with("token prices")) {
                sources.push(format!("token prices: {} (as of {})", t.source, t.as_of));
            }
            notes.push(format!(
                "prompt tokens estimated at {CHARS_PER_TOKEN} characters per token"
            ));
            let partial_tokens = prices.partial_image_output_tokens.value.tokens
                * f64::from(options.partial_images)
                * f64::from(n);
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
    };
    let factor = if options.batch_api {
        notes.push(format!(
            "Batch API: × {}",
            prices.batch_api_discount.value.factor
        ));
        prices.batch_api_discount.value.factor
    } else {
        1.0
    };
    let per_request = image_output
        .map(|p| (p * f64::from(n) + input.unwrap_or(0.0) + partial.unwrap_or(0.0)) * factor);
    Estimate {
        model,
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

/// How a target's requests are priced; every target says which ([`crate::target::Target::pricing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pricing {
    /// The OpenAI table: per image by model, quality and size, plus tokens.
    OpenAi,
    /// Stability credits per model.
    StabilityCredits,
    /// FLUX per image, or per megapixel for FLUX.2.
    Flux,
    /// No per-request price can be given, and why.
    Unknown(&'static str),
}

/// Estimates the cost of a payload priced the way its target says: OpenAI from the full table;
/// Stability from its credits and FLUX from its per-image or per-megapixel prices (labelled with
/// their sources); what has no source is unknown, with the reason.
pub fn estimate_payload(
    payload: &crate::target::Payload,
    pricing: Pricing,
    prices: &PriceTable,
    options: CostOptions,
    models: &crate::models::ModelTable,
) -> Estimate {
    let body = &payload.body;
    let unknown = |model: String, why: &str| Estimate {
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
    };
    let others = &prices.others;
    let per_image =
        |model: String, usd: Option<f64>, n: u32, source: String, method: Option<String>| {
            let mut e = unknown(model, "no price listed");
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
        };
    match pricing {
        Pricing::OpenAi => {
            // a dated snapshot is priced as the model it pins
            let model = body["model"].as_str().unwrap_or_default();
            let key = models.price_key(model);
            if key != model && !prices.models.contains_key(model) {
                let mut priced = body.clone();
                priced["model"] = key.into();
                let mut e = estimate(&priced, prices, options);
                e.model = model.to_string();
                e.notes
                    .push(format!("{model} is a snapshot of {key}: priced as {key}"));
                e
            } else {
                estimate(body, prices, options)
            }
        }
        Pricing::StabilityCredits => {
            let s = &others["stability"];
            let endpoint = payload.url.rsplit('/').next().unwrap_or("core");
            let model = body["model"].as_str().unwrap_or(endpoint).to_string();
            let credits = s["credits"][&model]
                .as_f64()
                .or_else(|| s["credits"][endpoint].as_f64());
            let usd = credits.and_then(|c| s["usd_per_credit"].as_f64().map(|u| c * u));
            let source = format!(
                "{} (as of {})",
                s["source"].as_str().unwrap_or(""),
                s["as_of"].as_str().unwrap_or("")
            );
            per_image(
                model,
                usd,
                1,
                source,
                Some(String::from(
                    "credits × $0.01 per credit, from a third-party summary",
                )),
            )
        }
        Pricing::Flux => {
            let f = &others["flux"];
            let model = payload.summary.model.clone();
            let source = format!(
                "{} (as of {})",
                f["source"].as_str().unwrap_or(""),
                f["as_of"].as_str().unwrap_or("")
            );
            if let Some(usd) = f["per_image"][&model].as_f64() {
                return per_image(model, Some(usd), 1, source, None);
            }
            // FLUX.2: a price for the first megapixel and one for each further (started) one
            let mp = &f["per_megapixel"][&model];
            let (w, h) = (body["width"].as_u64(), body["height"].as_u64());
            match (mp["first"].as_f64(), mp["additional"].as_f64(), w, h) {
                (Some(first), Some(additional), Some(w), Some(h)) => {
                    let megapixels = ((w * h) as f64 / 1_048_576.0).ceil().max(1.0);
                    let usd = first + additional * (megapixels - 1.0);
                    per_image(
                        model,
                        Some(usd),
                        1,
                        source,
                        Some(format!(
                            "{w}x{h} is {megapixels} started megapixel(s): {} + {} for each after the first ({})",
                            usd_value(first),
                            usd_value(additional),
                            f["megapixel_rule"].as_str().unwrap_or("")
                        )),
                    )
                }
                _ => per_image(model, None, 1, source, None),
            }
        }
        Pricing::Unknown(why) => unknown(payload.target.to_string(), why),
    }
}

fn usd_value(v: f64) -> String {
    usd(Some(v))
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
