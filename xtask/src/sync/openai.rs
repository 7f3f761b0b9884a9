//! The OpenAI facts: one reader per vendored file of openai-python (`types/image_model.py`,
//! `types/image_generate_params.py`, `types/image_edit_params.py`, `types/batch_create_params.py`)
//! and the cross-check with openai-node (`images.d.ts`).
use std::path::Path;

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use super::models::{self, Sources};
use super::text::{
    Deprecation, PyField, PyFields, deprecations, literals, models_in, number, pattern, py_class,
    quoted, range, sentence, squash, ticked, ts_unions,
};
use super::{Sdk, SyncError, missing};

/// What `types/image_model.py` states: the model ids and their deprecations.
#[derive(Debug)]
pub struct ImageModels {
    /// Every `ImageModel` literal, in the SDK's order.
    pub ids: Vec<String>,
    /// The "Deprecated values:" list.
    pub deprecations: Vec<Deprecation>,
}

/// The `quality` parameter: its values, and which models take the extra ones.
#[derive(Debug)]
pub struct Quality {
    /// Every literal, in the SDK's order.
    pub all: Vec<String>,
    /// The deprecated literals.
    pub deprecated: Vec<String>,
    /// The models that "also support" the extra values.
    pub extra_models: Vec<String>,
    /// The extra values (`xhigh`, `max`).
    pub extra_values: Vec<String>,
    /// What every other model takes: neither deprecated nor extra.
    pub base: Vec<String>,
}

/// The `background` parameter.
#[derive(Debug)]
pub struct Background {
    /// Its literals.
    pub values: Vec<String>,
    /// The models whose transparency "is in preview".
    pub preview_models: Vec<String>,
    /// The SDK's sentence saying so.
    pub preview: String,
    /// The output formats `transparent` needs.
    pub transparent_requires: Vec<String>,
}

/// GIF output: `frame_count` and `frame_duration_ms`.
#[derive(Debug)]
pub struct Gif {
    frames: (u64, u64),
    frames_default: Option<u64>,
    duration_cap: u64,
    excludes: Vec<&'static str>,
    access: Option<String>,
}

/// SVG output: the `svg` parameter and `SvgReasoning`.
#[derive(Debug)]
pub struct Svg {
    n: u64,
    excludes: Vec<&'static str>,
    /// The `SvgReasoning.effort` literals.
    pub efforts: Vec<String>,
}

/// The `size` parameter: the standard sizes, and the rule of the models that take any size.
#[derive(Debug)]
pub struct Sizes {
    /// The standard `WIDTHxHEIGHT` sizes.
    pub standard: Vec<String>,
    /// The models that take arbitrary resolutions.
    pub custom_models: Vec<String>,
    /// Their size rule (multiple, edge, ratios, pixels).
    pub rule: Value,
}

/// What `types/image_generate_params.py` states.
#[derive(Debug)]
pub struct GenerateParams {
    /// The fields of `ImageGenerateParamsBase`.
    pub fields: PyFields,
    /// `quality`.
    pub quality: Quality,
    /// `background`.
    pub background: Background,
    /// The `output_format` literals.
    pub output_format: Vec<String>,
    /// The `moderation` literals.
    pub moderation: Vec<String>,
    /// The `complexity` literals.
    pub complexity: Vec<String>,
    /// `n`: minimum and maximum.
    pub n: (u64, u64),
    /// The prompt's maximum length in characters.
    pub prompt_max_chars: u64,
    /// `output_compression`: minimum, maximum, and the formats it works with.
    pub compression: ((u64, u64), Vec<String>),
    /// `partial_images`: minimum and maximum.
    pub partial_images: (u64, u64),
    /// GIF output.
    pub gif: Gif,
    /// SVG output.
    pub svg: Svg,
    /// `size`.
    pub sizes: Sizes,
}

/// What `types/image_edit_params.py` states.
#[derive(Debug)]
pub struct EditParams {
    /// The fields of `ImageEditParamsBase`.
    pub fields: PyFields,
    /// The `input_fidelity` literals.
    pub fidelity_values: Vec<String>,
    /// The `input_fidelity` values each model takes (`null`: omit the parameter).
    pub fidelity_by_model: IndexMap<String, Value>,
    /// How many input images an edit takes.
    pub max_input_images: u64,
    /// The `size` literals.
    pub sizes: Vec<String>,
    /// The `quality` literals.
    pub quality: Vec<String>,
    /// The sentence of `output_format` on access to SVG output.
    pub svg_access: Option<String>,
}

/// The fields of one class of a params file, with the file they come from (for errors).
struct Params<'a> {
    file: &'a str,
    fields: &'a PyFields,
}

impl Params<'_> {
    /// The error for a statement of this file that is not there.
    fn missing(&self, statement: impl Into<String>) -> SyncError {
        missing(self.file, statement)
    }

    /// A field of the class.
    fn field(&self, name: &str) -> Result<&PyField, SyncError> {
        self.fields
            .get(name)
            .ok_or_else(|| self.missing(format!("the `{name}` parameter")))
    }

    /// A field's docstring.
    fn doc(&self, name: &str) -> Result<&str, SyncError> {
        Ok(&self.field(name)?.doc)
    }

    /// The literals of a parameter's type.
    fn values(&self, name: &str) -> Result<Vec<String>, SyncError> {
        Ok(literals(&self.field(name)?.ty))
    }
}

/// The `"openai"` section of the generated file.
pub fn facts(root: &Path, python: &Sdk, node: &Sdk) -> Result<Value, SyncError> {
    let image_models = read_image_models(root, python)?;
    let generate = read_generate_params(root, python, &image_models.ids)?;
    let edit = read_edit_params(root, python)?;
    let sources = Sources::new(&python.version);
    let entries = models::entries(&image_models, &generate, &edit, &sources);
    cross_check_node(root, node, &image_models.ids, &generate.fields)?;
    let batch_endpoints = read_batch_endpoints(root, python)?;
    let Gif {
        frames,
        frames_default,
        duration_cap,
        excludes: gif_excludes,
        access: gif_access,
    } = &generate.gif;
    Ok(json!({
        "source": format!("{} (cross-checked with openai-node {})", sources.python, node.version),
        "models": entries,
        "params": {
            "generations": request_params(&generate.fields, &generate.svg.efforts),
            "edits": request_params(&edit.fields, &generate.svg.efforts),
        },
        "formats": {
            "gif": {
                "frame_count": {"min": frames.0, "max": frames.1, "default": frames_default},
                "frame_duration_ms_cap": duration_cap,
                "excludes": gif_excludes,
                "access": gif_access,
                "source": sources.generate,
            },
            "svg": {
                "n": generate.svg.n,
                "excludes": generate.svg.excludes,
                "reasoning_efforts": generate.svg.efforts,
                "access": edit.svg_access,
                "source": sources.generate,
            },
        },
        "quality_deprecated": generate.quality.deprecated,
        "edits": {
            "max_input_images": edit.max_input_images,
            "quality": edit.quality,
            "input_fidelity": edit.fidelity_values,
            "source": sources.edit,
        },
        "batch_endpoints": batch_endpoints,
    }))
}

/// `types/image_model.py`: the `ImageModel` literals and their deprecations.
fn read_image_models(root: &Path, python: &Sdk) -> Result<ImageModels, SyncError> {
    let file = python.read(root, "image_model.py")?;
    let ids = literals(
        file.text
            .split("ImageModel: TypeAlias =")
            .nth(1)
            .ok_or_else(|| missing(&file.path, "`ImageModel: TypeAlias = Literal[...]`"))?,
    );
    if ids.is_empty() {
        return Err(missing(&file.path, "the ImageModel literals"));
    }
    let deprecations = deprecations(&squash(&file.text));
    if deprecations.is_empty() {
        return Err(missing(&file.path, "the \"Deprecated values:\" list"));
    }
    Ok(ImageModels { ids, deprecations })
}

/// `types/image_generate_params.py`: the parameters of a generation and the rules their
/// docstrings state.
fn read_generate_params(
    root: &Path,
    python: &Sdk,
    ids: &[String],
) -> Result<GenerateParams, SyncError> {
    let file = python.read(root, "image_generate_params.py")?;
    let fields = py_class(&file.text, "ImageGenerateParamsBase")
        .ok_or_else(|| missing(&file.path, "class ImageGenerateParamsBase"))?;
    let svg_class = py_class(&file.text, "SvgReasoning")
        .ok_or_else(|| missing(&file.path, "class SvgReasoning"))?;
    let p = Params {
        file: &file.path,
        fields: &fields,
    };
    let quality = quality(&p, ids)?;
    let background = background(&p, ids)?;
    let output_format = p.values("output_format")?;
    let moderation = p.values("moderation")?;
    let complexity = p.values("complexity")?;
    let n = range(p.doc("n")?, r"between (\d+) and (\d+)")
        .ok_or_else(|| p.missing("n: \"Must be between A and B\""))?;
    let prompt_max_chars = number(p.doc("prompt")?, r"maximum length is (\d+) characters")
        .ok_or_else(|| p.missing("prompt: \"The maximum length is N characters\""))?;
    let compression = compression(&p)?;
    let partial_images = range(p.doc("partial_images")?, r"between (\d+) and (\d+)")
        .ok_or_else(|| p.missing("partial_images: \"between A and B\""))?;
    let gif = gif(&p)?;
    let svg = svg(&p, &svg_class)?;
    let sizes = sizes(&p, ids)?;
    Ok(GenerateParams {
        fields,
        quality,
        background,
        output_format,
        moderation,
        complexity,
        n,
        prompt_max_chars,
        compression,
        partial_images,
        gif,
        svg,
        sizes,
    })
}

/// `quality`: its literals, the deprecated ones, and the extra values some models "also support".
fn quality(p: &Params<'_>, ids: &[String]) -> Result<Quality, SyncError> {
    let field = p.field("quality")?;
    let all = literals(&field.ty);
    let deprecated: Vec<String> = deprecations(&field.doc)
        .into_iter()
        .flat_map(|d| d.values)
        .collect();
    let extra = sentence(&field.doc, r"also support")
        .ok_or_else(|| p.missing("quality: \"… also support `xhigh` and `max`\""))?;
    let extra_models = models_in(extra, ids);
    let extra_values: Vec<String> = ticked(extra)
        .into_iter()
        .filter(|v| all.contains(v) && !ids.contains(v))
        .collect();
    let base = all
        .iter()
        .filter(|v| !deprecated.contains(v) && !extra_values.contains(v))
        .cloned()
        .collect();
    Ok(Quality {
        all,
        deprecated,
        extra_models,
        extra_values,
        base,
    })
}

/// `background`: its literals, where transparency is in preview, what `transparent` needs.
fn background(p: &Params<'_>, ids: &[String]) -> Result<Background, SyncError> {
    let field = p.field("background")?;
    let preview = sentence(&field.doc, r"in preview")
        .ok_or_else(|| p.missing("background: \"… this support is in preview\""))?;
    let transparent = sentence(&field.doc, r"When using `transparent`")
        .ok_or_else(|| p.missing("background: \"When using `transparent`, set …\""))?;
    Ok(Background {
        values: literals(&field.ty),
        preview_models: models_in(preview, ids),
        preview: squash(preview),
        transparent_requires: ticked(transparent)
            .into_iter()
            .filter(|v| v != "transparent")
            .collect(),
    })
}

/// `output_compression`: its range and the output formats it is "only supported" with.
fn compression(p: &Params<'_>) -> Result<((u64, u64), Vec<String>), SyncError> {
    let doc = p.doc("output_compression")?;
    let bounds = range(doc, r"\((\d+)-(\d+)%\)")
        .ok_or_else(|| p.missing("output_compression: \"(A-B%)\""))?;
    let only_with: Vec<String> = sentence(doc, r"only supported")
        .map(ticked)
        .unwrap_or_default();
    if only_with.is_empty() {
        return Err(p.missing("output_compression: \"… with the `webp` or `jpeg` output formats\""));
    }
    Ok((bounds, only_with))
}

/// GIF output: `frame_count` (range, default, what GIF excludes, access) and
/// `frame_duration_ms` (the delay cap).
fn gif(p: &Params<'_>) -> Result<Gif, SyncError> {
    let doc = p.doc("frame_count")?;
    let frames = range(doc, r"from (\d+) through (\d+)")
        .ok_or_else(|| p.missing("frame_count: \"from A through B\""))?;
    let frames_default = number(doc, r"Defaults to (\d+)");
    let excludes = sentence(doc, r"GIF output does not support")
        .ok_or_else(|| p.missing("frame_count: \"GIF output does not support …\""))?;
    let duration_cap = number(
        p.doc("frame_duration_ms")?,
        r"caps the encoded delay at ([\d,]+) ms",
    )
    .ok_or_else(|| p.missing("frame_duration_ms: \"caps … at N ms\""))?;
    Ok(Gif {
        frames,
        frames_default,
        duration_cap,
        excludes: excluded_params(excludes),
        access: sentence(doc, r"Requires access").map(squash),
    })
}

/// SVG output: `svg` (`n`, what SVG excludes) and the `SvgReasoning.effort` literals.
fn svg(p: &Params<'_>, svg_class: &PyFields) -> Result<Svg, SyncError> {
    let doc = p.doc("svg")?;
    let n = number(doc, r"requires n=(\d+)")
        .ok_or_else(|| p.missing("svg: \"SVG generation requires n=1\""))?;
    let excludes = sentence(doc, r"does not support")
        .ok_or_else(|| p.missing("svg: \"… does not support …\""))?;
    let effort = svg_class
        .get("effort")
        .ok_or_else(|| p.missing("SvgReasoning.effort"))?;
    Ok(Svg {
        n,
        excludes: excluded_params(excludes),
        efforts: literals(&effort.ty),
    })
}

/// The request parameters a "does not support …" sentence names.
fn excluded_params(sentence: &str) -> Vec<&'static str> {
    [
        ("streaming", "stream"),
        ("partial images", "partial_images"),
        ("masks", "mask"),
        ("compression", "output_compression"),
    ]
    .into_iter()
    .filter(|(word, _)| sentence.contains(word))
    .map(|(_, param)| param)
    .collect()
}

/// `size`: the standard sizes, which models take arbitrary `WIDTHxHEIGHT`, and their rule.
fn sizes(p: &Params<'_>, ids: &[String]) -> Result<Sizes, SyncError> {
    let doc = p.doc("size")?;
    let arbitrary = sentence(doc, r"arbitrary resolutions")
        .ok_or_else(|| p.missing("size: \"… arbitrary resolutions are supported\""))?;
    let multiple_of =
        number(doc, r"divisible by (\d+)").ok_or_else(|| p.missing("size: \"divisible by N\""))?;
    let ratio = pattern(r"aspect ratio must be between (\d+:\d+) and (\d+:\d+)")
        .captures(doc)
        .ok_or_else(|| p.missing("size: \"aspect ratio must be between A and B\""))?;
    let experimental = "size: \"Resolutions above `WxH` are experimental\"";
    let (ew, eh) = range(doc, r"above `(\d+)x(\d+)` are experimental")
        .ok_or_else(|| p.missing(experimental))?;
    let maximum = "size: \"the maximum supported resolution is `WxH`\"";
    let (mw, mh) = range(doc, r"maximum supported resolution is `(\d+)x(\d+)`")
        .ok_or_else(|| p.missing(maximum))?;
    let standard = sentence(doc, r"standard sizes")
        .ok_or_else(|| p.missing("size: \"The standard sizes … are supported\""))?;
    let max_pixels = mw.checked_mul(mh).ok_or_else(|| p.missing(maximum))?;
    let experimental_pixels = ew.checked_mul(eh).ok_or_else(|| p.missing(experimental))?;
    let rule = json!({
        "multiple_of": multiple_of,
        "max_edge": mw.max(mh),
        "min_ratio": &ratio[1],
        "max_ratio": &ratio[2],
        "max_pixels": max_pixels,
        "experimental_above_pixels": experimental_pixels,
    });
    Ok(Sizes {
        standard: ticked(standard)
            .into_iter()
            .filter(|s| s.contains('x'))
            .collect(),
        custom_models: models_in(arbitrary, ids),
        rule,
    })
}

/// `types/image_edit_params.py`: the parameters of an edit and the rules their docstrings state.
fn read_edit_params(root: &Path, python: &Sdk) -> Result<EditParams, SyncError> {
    let file = python.read(root, "image_edit_params.py")?;
    let fields = py_class(&file.text, "ImageEditParamsBase")
        .ok_or_else(|| missing(&file.path, "class ImageEditParamsBase"))?;
    let p = Params {
        file: &file.path,
        fields: &fields,
    };
    let fidelity = p.field("input_fidelity")?;
    let fidelity_values = literals(&fidelity.ty);
    let fidelity_by_model = fidelity_by_model(&p, &fidelity.doc)?;
    let max_input_images = number(p.doc("image")?, r"up to (\d+) images")
        .ok_or_else(|| p.missing("image: \"You can provide up to N images\""))?;
    let sizes = p.values("size")?;
    let quality = p.values("quality")?;
    let svg_access = sentence(p.doc("output_format")?, r"SVG output").map(squash);
    Ok(EditParams {
        fields,
        fidelity_values,
        fidelity_by_model,
        max_input_images,
        sizes,
        quality,
        svg_access,
    })
}

/// The `input_fidelity` values per model, from its three statements.
fn fidelity_by_model(p: &Params<'_>, doc: &str) -> Result<IndexMap<String, Value>, SyncError> {
    let mut by_model = IndexMap::new();
    let c = pattern(r"Supports `(\w+)` and `(\w+)` on `([^`]+)`")
        .captures(doc)
        .ok_or_else(|| p.missing("input_fidelity: \"Supports `a` and `b` on `m`\""))?;
    by_model.insert(c[3].to_string(), json!([&c[1], &c[2]]));
    let c = pattern(r"`([^`]+)` supports only `(\w+)`")
        .captures(doc)
        .ok_or_else(|| p.missing("input_fidelity: \"`m` supports only `v`\""))?;
    by_model.insert(c[1].to_string(), json!([&c[2]]));
    let c = pattern(r"For `([^`]+)`, omit this parameter")
        .captures(doc)
        .ok_or_else(|| p.missing("input_fidelity: \"For `m`, omit this parameter\""))?;
    by_model.insert(c[1].to_string(), Value::Null);
    Ok(by_model)
}

/// openai-node's `images.d.ts` must list the same model ids, and the same values for every
/// literal parameter of a generation, as openai-python.
fn cross_check_node(
    root: &Path,
    node: &Sdk,
    ids: &[String],
    generate: &PyFields,
) -> Result<(), SyncError> {
    let file = node.read(root, "images.d.ts")?;
    let node_ids = pattern(r"export type ImageModel = ([^;]+);")
        .captures(&file.text)
        .map(|c| quoted(&c[1], '\''))
        .ok_or_else(|| missing(&file.path, "`export type ImageModel = …`"))?;
    if node_ids != ids {
        return Err(missing(
            &file.path,
            format!(
                "the same ImageModel ids as openai-python (node: {node_ids:?}, python: {ids:?})"
            ),
        ));
    }
    let node_generate = ts_unions(&file.text, "ImageGenerateParamsBase");
    for (name, py) in generate {
        let py_lits = literals(&py.ty);
        if py_lits.is_empty() || name == "model" || name == "size" {
            continue;
        }
        if node_generate.get(name) != Some(&py_lits) {
            return Err(missing(
                &file.path,
                format!(
                    "ImageGenerateParamsBase.{name} with the values openai-python lists ({py_lits:?}; node: {:?})",
                    node_generate.get(name)
                ),
            ));
        }
    }
    Ok(())
}

/// Each request parameter's kind, for the request-schema overlay (and `stream`, which the
/// streaming variants of the params add).
fn request_params(fields: &PyFields, efforts: &[String]) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, f) in fields {
        let lits = literals(&f.ty);
        let nullable = f.ty.contains("Optional[") || f.ty.contains("None");
        let spec = if f.ty.contains("FileTypes") {
            json!({"kind": "file"})
        } else if name == "model" || name == "size" {
            json!({"kind": "string", "nullable": nullable, "suggested": lits})
        } else if !lits.is_empty() {
            json!({"kind": "enum", "nullable": nullable, "values": lits})
        } else if f.ty.contains("int") {
            json!({"kind": "integer", "nullable": nullable})
        } else if f.ty.contains("bool") {
            json!({"kind": "boolean", "nullable": nullable})
        } else if f.ty.contains("Svg") {
            json!({"kind": "svg", "nullable": nullable, "efforts": efforts})
        } else {
            json!({"kind": "string", "nullable": nullable})
        };
        out.insert(name.clone(), spec);
    }
    out.insert(
        "stream".into(),
        json!({"kind": "boolean", "nullable": true}),
    );
    out
}

/// `types/batch_create_params.py`: the image endpoints the Batch API takes.
fn read_batch_endpoints(root: &Path, python: &Sdk) -> Result<Vec<String>, SyncError> {
    let file = python.read(root, "batch_create_params.py")?;
    let endpoint = py_class(&file.text, "BatchCreateParams")
        .and_then(|c| c.get("endpoint").cloned())
        .ok_or_else(|| missing(&file.path, "BatchCreateParams.endpoint"))?;
    Ok(literals(&endpoint.ty)
        .into_iter()
        .filter(|e| e.starts_with("/v1/images/"))
        .collect())
}
