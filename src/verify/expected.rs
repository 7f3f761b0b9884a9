//! What an image must be, derived from its brief and request: the ground truth `verify` checks
//! the pixels against. `generate` writes it into each sidecar (`expect`), so a folder of images
//! is verified without the brief.
use serde::{Deserialize, Serialize};

use crate::engine::{Engine, Rendering};
use crate::targets::HandOffShape;
use crate::validate::size::Dimensions;

/// What the image must be.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Expected {
    /// The file format (`png`, `jpeg`, `webp`, `gif`, `svg`), when the request fixes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Exact pixels (`1024x1536`) or an aspect ratio (`16:9`), when the request states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// A transparent background was asked for.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub transparent: bool,
    /// Every exact text, by role, in the brief's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<ExpectedText>,
    /// The preset's text rule is strict: no text other than these.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_other_text: bool,
}

/// One exact text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedText {
    /// `headline`; `labels[1]` for the second of several.
    pub role: String,
    /// The text, letter for letter.
    pub text: String,
}

impl Expected {
    /// What the request of `r` asks for. The text rule comes from its preset in `engine`.
    pub fn of(r: &Rendering, engine: &Engine) -> Expected {
        let target = r.payload.target.target();
        let summary = &r.payload.summary;
        let default_format = match target.handoff_shape() {
            Ok(HandOffShape::OpenAi { .. }) => Some("png"),
            Ok(HandOffShape::MultipartImage { default_format })
            | Ok(HandOffShape::SubmitPoll { default_format }) => Some(default_format),
            _ => None,
        };
        let format = summary
            .format
            .as_deref()
            .or(default_format)
            .map(|f| if f == "jpg" { "jpeg" } else { f }.to_string());
        let size = match &summary.size {
            Some(d @ (Dimensions::Pixels(_) | Dimensions::Ratio(_))) => Some(d.to_string()),
            _ => None,
        };
        let texts = texts_of(&r.brief);
        let strict = engine
            .catalog()
            .get(&r.preset)
            .map(|p| p.manifest.text_rule != Some(crate::preset::TextRule::Loose))
            .unwrap_or(true);
        Expected {
            format,
            size,
            transparent: r.payload.body.get("background").and_then(|b| b.as_str())
                == Some("transparent"),
            no_other_text: strict && !texts.is_empty(),
            texts,
        }
    }

    /// The checks of `selected` that apply to this image (format always; size when one is
    /// stated; alpha when transparency is asked for; text when there is text; extra text under
    /// a strict rule), in report order.
    pub fn applicable(&self, selected: &[super::CheckKind]) -> Vec<super::CheckKind> {
        use super::CheckKind;
        CheckKind::ALL
            .into_iter()
            .filter(|k| selected.contains(k))
            .filter(|k| match k {
                CheckKind::Format => true,
                CheckKind::Size => self.size.is_some(),
                CheckKind::Alpha => self.transparent,
                CheckKind::Text => !self.texts.is_empty(),
                CheckKind::ExtraText => self.no_other_text,
            })
            .collect()
    }

    /// Why `selected` cannot judge this image, when it cannot: no check applies, or the image is
    /// an SVG (not rasterised) and a check beyond the format needs its pixels.
    pub fn cannot_judge(&self, selected: &[super::CheckKind]) -> Option<String> {
        let applicable = self.applicable(selected);
        if applicable.is_empty() {
            let names: Vec<&str> = selected.iter().map(|c| c.as_str()).collect();
            return Some(format!(
                "none of the checks applies: the request gives {} nothing to check",
                names.join(", ")
            ));
        }
        if self.format.as_deref() == Some("svg")
            && applicable.iter().any(|k| *k != super::CheckKind::Format)
        {
            return Some(String::from(
                "the request asks for SVG, which verify does not rasterise: only `format` can be checked",
            ));
        }
        None
    }

    /// The stated size, parsed.
    pub fn dimensions(&self) -> Option<Dimensions> {
        self.size.as_deref().and_then(Dimensions::parse)
    }
}

/// The exact texts of a brief, by role, in its order (`labels[1]` for the second of several);
/// blank ones left out.
pub fn texts_of(brief: &crate::brief::Brief) -> Vec<ExpectedText> {
    let mut texts = Vec::new();
    for (role, value) in &brief.text {
        let many = matches!(value, crate::brief::TextValue::Many(_));
        for (i, e) in value.entries().iter().enumerate() {
            texts.push(ExpectedText {
                role: if many {
                    format!("{role}[{i}]")
                } else {
                    role.clone()
                },
                text: e.content().to_string(),
            });
        }
    }
    texts.retain(|t| !t.text.trim().is_empty());
    texts
}
