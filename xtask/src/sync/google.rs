//! The Google facts, from google-genai: the model ids the wheel mentions
//! (`model-names-mentioned.txt`) and the image configs of `types.py` (`types_image_excerpt.py`).
use std::path::Path;

use serde_json::{Value, json};

use super::text::{pattern, sentence, squash, ticked};
use super::{Sdk, SdkFile, SyncError, missing};

/// `ImageConfig`: the image options of `generate_content`.
#[derive(Debug)]
struct ContentConfig {
    aspect_ratios: Vec<String>,
    image_sizes: Vec<String>,
    default_image_size: Option<String>,
}

/// `GenerateImagesConfig`: the options of `generate_images` (Imagen).
#[derive(Debug)]
struct ImagesConfig {
    aspect_ratios: Vec<String>,
    image_sizes: Vec<String>,
    not_for_imagen_3: bool,
    negative_prompt: bool,
}

/// The `"google"` section of the generated file.
pub fn facts(root: &Path, google: &Sdk) -> Result<Value, SyncError> {
    let ids = model_ids(&google.read(root, "model-names-mentioned.txt")?)?;
    let types = google.read(root, "types_image_excerpt.py")?;
    let content = content_config(&types)?;
    let images = images_config(&types)?;
    if content.aspect_ratios.is_empty()
        || content.image_sizes.is_empty()
        || images.aspect_ratios.is_empty()
    {
        return Err(missing(
            &types.path,
            "ImageConfig / GenerateImagesConfig values",
        ));
    }
    Ok(json!({
        "source": format!("google-genai {} types.py", google.version),
        "models": ids,
        "generate_content": {
            "aspect_ratios": content.aspect_ratios,
            "image_sizes": content.image_sizes,
            "default_image_size": content.default_image_size,
        },
        "generate_images": {
            "aspect_ratios": images.aspect_ratios,
            "image_sizes": images.image_sizes,
            "image_size_not_for_imagen_3": images.not_for_imagen_3,
            "negative_prompt_field": images.negative_prompt,
        },
    }))
}

/// `model-names-mentioned.txt`: one model id a line (`#` comments and blank lines skipped).
fn model_ids(file: &SdkFile) -> Result<Vec<String>, SyncError> {
    let ids: Vec<String> = file
        .text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return Err(missing(&file.path, "model ids"));
    }
    Ok(ids)
}

/// `ImageConfig`'s aspect ratios and image sizes (with the default).
fn content_config(types: &SdkFile) -> Result<ContentConfig, SyncError> {
    let aspect_ratios = ratios(&field(types, "ImageConfig", "aspect_ratio")?);
    let size_doc = field(types, "ImageConfig", "image_size")?;
    Ok(ContentConfig {
        aspect_ratios,
        image_sizes: sentence(&size_doc, r"Supported values are")
            .map(ticked)
            .unwrap_or_default(),
        default_image_size: pattern(r"default value `(\w+)`")
            .captures(&size_doc)
            .map(|c| c[1].to_string()),
    })
}

/// `GenerateImagesConfig`'s aspect ratios and image sizes, and whether it has a
/// `negative_prompt` field.
fn images_config(types: &SdkFile) -> Result<ImagesConfig, SyncError> {
    let aspect_ratios = ratios(&field(types, "GenerateImagesConfig", "aspect_ratio")?);
    let size_doc = field(types, "GenerateImagesConfig", "image_size")?;
    let image_sizes = pattern(r"Supported sizes are (\w+) and (\w+)")
        .captures(&size_doc)
        .map(|c| vec![c[1].to_string(), c[2].to_string()])
        .ok_or_else(|| {
            missing(
                &types.path,
                "GenerateImagesConfig.image_size: \"Supported sizes are A and B\"",
            )
        })?;
    Ok(ImagesConfig {
        aspect_ratios,
        image_sizes,
        not_for_imagen_3: size_doc.contains("not supported for Imagen 3"),
        negative_prompt: field(types, "GenerateImagesConfig", "negative_prompt").is_ok(),
    })
}

/// The text of field `name` of pydantic `class` (up to its closing `)`), whitespace squashed.
fn field(types: &SdkFile, class: &str, name: &str) -> Result<String, SyncError> {
    let text = &types.text;
    let start = text
        .find(&format!("class {class}("))
        .ok_or_else(|| missing(&types.path, format!("class {class}")))?;
    let body = &text[start..];
    let body = &body[..body[1..]
        .find("\nclass ")
        .map(|i| i + 1)
        .unwrap_or(body.len())];
    let at = body
        .find(&format!("  {name}: "))
        .ok_or_else(|| missing(&types.path, format!("{class}.{name}")))?;
    let rest = &body[at..];
    let end = rest.find("\n  )").unwrap_or(rest.len());
    Ok(squash(&rest[..end]))
}

/// The quoted aspect ratios (`"16:9"`) of a field's text.
fn ratios(s: &str) -> Vec<String> {
    pattern(r#""(\d+:\d+)""#)
        .captures_iter(s)
        .map(|c| c[1].to_string())
        .collect()
}
