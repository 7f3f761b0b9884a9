//! One entry per OpenAI model id: its lifecycle, the snapshot it dates, and (for the GPT image
//! models) every parameter rule the SDK text states for it — each fact with its source file.
use serde_json::{Map, Value, json};

use super::openai::{EditParams, GenerateParams, ImageModels};
use super::text::{is_date, iso_date, pattern};

/// The sources named beside each fact (`openai-python 3.57.0 types/image_model.py`).
#[derive(Debug)]
pub struct Sources {
    /// The SDK and its version.
    pub python: String,
    /// `types/image_model.py`.
    pub model: String,
    /// `types/image_generate_params.py`.
    pub generate: String,
    /// `types/image_edit_params.py`.
    pub edit: String,
}

impl Sources {
    /// The sources of openai-python `version`.
    pub fn new(version: &str) -> Sources {
        let python = format!("openai-python {version}");
        Sources {
            model: format!("{python} types/image_model.py"),
            generate: format!("{python} types/image_generate_params.py"),
            edit: format!("{python} types/image_edit_params.py"),
            python,
        }
    }
}

/// A model's facts being gathered, and the source of each.
#[derive(Debug, Default)]
struct Entry {
    facts: Map<String, Value>,
    sources: Map<String, Value>,
}

impl Entry {
    fn set(&mut self, key: &str, value: Value, source: &str) {
        self.facts.insert(key.to_string(), value);
        self.sources
            .insert(key.to_string(), Value::String(source.to_string()));
    }

    /// The entry: its facts, then their `sources`.
    fn finish(mut self) -> Value {
        self.facts
            .insert("sources".into(), Value::Object(self.sources));
        Value::Object(self.facts)
    }
}

/// The `"models"` object: one entry per `ImageModel` id, in the SDK's order.
pub fn entries(
    models: &ImageModels,
    generate: &GenerateParams,
    edit: &EditParams,
    sources: &Sources,
) -> Map<String, Value> {
    let mut out = Map::new();
    for id in &models.ids {
        let mut entry = Entry::default();
        if let Some(life) = lifecycle(id, models) {
            entry.set("lifecycle", life, &sources.model);
        }
        if let Some(base) = snapshot_of(id, &models.ids) {
            entry.set("snapshot_of", json!(base), &sources.model);
        }
        // which ids are DALL·E: the SDK calls them "DALL·E models" and names them `dall-e-*`;
        // retired, the SDK states nothing else about them
        if !id.starts_with("dall-e") {
            gpt_image_facts(&mut entry, id, generate, edit, sources);
        }
        out.insert(id.clone(), entry.finish());
    }
    out
}

/// Whether `id` is one of `list`.
fn lists(list: &[String], id: &str) -> bool {
    list.iter().any(|m| m == id)
}

/// A deprecated model's lifecycle: retired, the SDK's words, the shutdown date and the
/// replacements it names (those that are model ids).
fn lifecycle(id: &str, models: &ImageModels) -> Option<Value> {
    let d = models.deprecations.iter().find(|d| lists(&d.values, id))?;
    let replacements: Vec<String> = pattern(r"Use (.+?) instead")
        .captures(&d.reason)
        .map(|c| {
            c[1].split(" or ")
                .map(str::trim)
                .filter(|r| models.ids.iter().any(|i| i == r))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut life = json!({"status": "retired", "reason": d.reason});
    if let Some(s) = iso_date(&d.reason) {
        life["shutdown"] = s.into();
    }
    if !replacements.is_empty() {
        life["replacements"] = json!(replacements);
    }
    Some(life)
}

/// The listed model a dated snapshot (`gpt-image-2-2026-04-21`) belongs to.
fn snapshot_of<'a>(id: &str, ids: &'a [String]) -> Option<&'a String> {
    ids.iter().find(|b| {
        id.strip_prefix(b.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(is_date)
    })
}

/// The parameter rules of a GPT image model.
fn gpt_image_facts(
    entry: &mut Entry,
    id: &str,
    generate: &GenerateParams,
    edit: &EditParams,
    sources: &Sources,
) {
    let src = sources.generate.as_str();
    let quality = &generate.quality;
    let q: Vec<&String> = if lists(&quality.extra_models, id) {
        // keep the SDK's literal order
        quality
            .all
            .iter()
            .filter(|v| quality.base.contains(v) || quality.extra_values.contains(v))
            .collect()
    } else {
        quality.base.iter().collect()
    };
    entry.set("quality", json!(q), src);
    let mut sizes = generate.sizes.standard.clone();
    if edit.sizes.iter().any(|s| s == "auto") {
        sizes.push("auto".into());
    }
    entry.set("sizes", json!(sizes), src);
    // the statement names every model that takes arbitrary sizes: the others take the standard
    // sizes only
    let size_rule = if lists(&generate.sizes.custom_models, id) {
        generate.sizes.rule.clone()
    } else {
        Value::Null
    };
    entry.set("size_rule", size_rule, src);
    let (n_min, n_max) = generate.n;
    entry.set("n", json!({"min": n_min, "max": n_max}), src);
    entry.set("prompt_max_chars", json!(generate.prompt_max_chars), src);
    let background = &generate.background;
    entry.set("background", json!(background.values), src);
    if lists(&background.preview_models, id) {
        let preview = json!({"background": {"transparent": background.preview}});
        entry.set("preview", preview, src);
    }
    let transparent_requires = json!(background.transparent_requires);
    entry.set("transparent_requires", transparent_requires, src);
    entry.set("output_format", json!(generate.output_format), src);
    let ((c_min, c_max), only_with) = &generate.compression;
    let compression = json!({"min": c_min, "max": c_max, "only_with": only_with});
    entry.set("output_compression", compression, src);
    entry.set("moderation", json!(generate.moderation), src);
    entry.set("complexity", json!(generate.complexity), src);
    let (p_min, p_max) = generate.partial_images;
    entry.set("partial_images", json!({"min": p_min, "max": p_max}), src);
    // legacy DALL·E parameters: "Unsupported for GPT image models"
    entry.set("style", Value::Null, src);
    entry.set("response_format", Value::Null, src);
    if let Some(f) = edit.fidelity_by_model.get(id) {
        entry.set("input_fidelity", f.clone(), &sources.edit);
    }
}
