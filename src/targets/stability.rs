//! Stability AI v2beta stable-image generate (core, ultra, sd3). The request is multipart form
//! data; the payload is the JSON object of its form fields.
use serde::Serialize;

use super::common;
use super::limits::StabilityEndpoint;
use super::{BuildResult, Payload, Request, Target};
use crate::diagnostic::Code;
use crate::validate::{TargetSchema, against_schema};

/// Stability AI: `STABILITY_API_KEY`, `STABILITY_BASE_URL`.
const PROVIDER: super::Provider = super::Provider {
    key_env: "STABILITY_API_KEY",
    auth_header: "authorization",
    auth_prefix: "Bearer ",
    base_env: "STABILITY_BASE_URL",
    base: "https://api.stability.ai/v2beta",
};

/// The Stability target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stability;

#[derive(Debug, Serialize)]
struct Form {
    prompt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    negative_prompt: Option<String>,
    aspect_ratio: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    output_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    style_preset: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cfg_scale: Option<f64>,
}

impl Target for Stability {
    fn id(&self) -> super::TargetId {
        super::TargetId::Stability
    }
    fn description(&self) -> &'static str {
        "Stability AI v2beta stable-image/generate (core, ultra, sd3.5-*): multipart form fields as JSON"
    }
    fn avoid_in_prompt(&self) -> bool {
        false
    }
    fn handoff_shape(&self) -> Result<super::HandOffShape, super::NoHandOff> {
        Ok(super::HandOffShape::MultipartImage {
            default_format: "png",
        })
    }

    fn pricing(&self) -> super::Pricing {
        super::Pricing::StabilityCredits
    }
    fn provider(&self) -> Option<&'static super::Provider> {
        Some(&PROVIDER)
    }
    fn build(&self, req: &Request<'_>) -> BuildResult {
        let d = &req.limits.stability;
        let models: Vec<String> = d.endpoints.keys().cloned().collect();
        let (model, model_warning) =
            common::model(req.brief, "stability", &models, &d.default_model)
                .map_err(|e| vec![e])?;
        let endpoint = *common::table_entry(&d.endpoints, &model, "stability.endpoints")?;
        let sd3 = endpoint == StabilityEndpoint::Sd3;
        let opts = common::options(req.brief, "stability", &["style_preset", "cfg_scale"])?;
        // what the form takes of `output`; every other field the brief sets is a warning
        let mut warnings = common::unused(
            req,
            "stability",
            &["model", "size", "aspect_ratio", "seed", "format"],
        );
        warnings.extend(common::size_beside_ratio(req.brief, "stability"));
        warnings.extend(model_warning);
        if opts.contains_key("cfg_scale") && !sd3 {
            warnings.push(cfg_scale_ignored(endpoint));
        }
        let (aspect, changed) = common::listed_ratio(req.brief, "stability", &d.aspect_ratios)?;
        warnings.extend(changed);
        let form = Form {
            prompt: req.prompt.to_string(),
            negative_prompt: common::negative_prompt(req.brief),
            aspect_ratio: aspect,
            seed: req.brief.output.seed,
            output_format: req.brief.output.format.clone(),
            style_preset: opts
                .get("style_preset")
                .and_then(|v| v.as_str())
                .map(str::to_string),
            model: sd3.then(|| model.clone()),
            cfg_scale: opts
                .get("cfg_scale")
                .and_then(serde_json::Value::as_f64)
                .filter(|_| sd3),
        };
        let body = common::body_value(&form)?;
        let schema = match endpoint {
            StabilityEndpoint::Ultra => TargetSchema::StabilityUltra,
            StabilityEndpoint::Sd3 => TargetSchema::StabilitySd3,
            StabilityEndpoint::Core => TargetSchema::StabilityCore,
        };
        let errors = against_schema(schema, &body);
        if !errors.is_empty() {
            return Err(errors);
        }
        let summary = super::Summary {
            endpoint: Some(endpoint.as_str()),
            ..super::Summary::of(
                &model,
                body["aspect_ratio"].as_str(),
                body["output_format"].as_str(),
                1,
                form.negative_prompt.into_iter().collect(),
            )
        };
        Ok((
            Payload {
                target: super::TargetId::Stability,
                method: super::Method::Post,
                url: format!(
                    "https://api.stability.ai/v2beta/stable-image/generate/{}",
                    endpoint.as_str()
                ),
                body,
                schema,
                summary,
            },
            warnings,
        ))
    }
}

/// `cfg_scale` on an endpoint other than sd3: left out, with this warning.
fn cfg_scale_ignored(endpoint: StabilityEndpoint) -> crate::diagnostic::Diagnostic {
    crate::diagnostic::Diagnostic::warning(
        Code::IgnoredField,
        format!(
            "`cfg_scale` is an sd3.5 option: the {} endpoint has none, so it is left out",
            endpoint.as_str()
        ),
    )
    .with_path("targets.stability.cfg_scale")
    .with_help("set `output.model` to an sd3.5 model, or remove `cfg_scale`")
}
