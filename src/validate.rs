//! Validation of payloads: the model's real limits (`data/models.json`) and the target's official
//! request schema (`schemas/targets/`).
use std::sync::OnceLock;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::models::ModelRules;
use crate::schema::Schema;
use crate::size;
use crate::source::JsonPath;
use crate::suggest::{did_you_mean, one_of};
use crate::target::OpenAiImageRequest;

/// Request schemas shipped with the binary (`schemas/targets/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetSchema {
    /// OpenAI `CreateImageRequest`.
    OpenAiGenerations,
    /// OpenAI `EditImageBodyJsonParam`.
    OpenAiEdits,
    /// Stability v2beta core.
    StabilityCore,
    /// Stability v2beta ultra.
    StabilityUltra,
    /// Stability v2beta sd3.
    StabilitySd3,
    /// Black Forest Labs.
    Flux,
    /// Google Imagen.
    Imagen,
    /// Google Gemini.
    Gemini,
    /// Midjourney.
    Midjourney,
}

const FILES: &[&str] = &[
    "openai-images-generations",
    "openai-images-edits",
    "stability-core",
    "stability-ultra",
    "stability-sd3",
    "flux",
    "imagen",
    "gemini",
    "midjourney",
];

const SCHEMAS: &[(TargetSchema, &str)] = &[
    (
        TargetSchema::OpenAiGenerations,
        include_str!("../schemas/targets/openai-images-generations.schema.json"),
    ),
    (
        TargetSchema::OpenAiEdits,
        include_str!("../schemas/targets/openai-images-edits.schema.json"),
    ),
    (
        TargetSchema::StabilityCore,
        include_str!("../schemas/targets/stability-core.schema.json"),
    ),
    (
        TargetSchema::StabilityUltra,
        include_str!("../schemas/targets/stability-ultra.schema.json"),
    ),
    (
        TargetSchema::StabilitySd3,
        include_str!("../schemas/targets/stability-sd3.schema.json"),
    ),
    (
        TargetSchema::Flux,
        include_str!("../schemas/targets/flux.schema.json"),
    ),
    (
        TargetSchema::Imagen,
        include_str!("../schemas/targets/imagen.schema.json"),
    ),
    (
        TargetSchema::Gemini,
        include_str!("../schemas/targets/gemini.schema.json"),
    ),
    (
        TargetSchema::Midjourney,
        include_str!("../schemas/targets/midjourney.schema.json"),
    ),
];

impl TargetSchema {
    /// The schema's file under `schemas/targets/`.
    pub fn file(self) -> String {
        let i = SCHEMAS
            .iter()
            .position(|(t, _)| *t == self)
            .expect("every schema is listed");
        format!("schemas/targets/{}.schema.json", FILES[i])
    }

    /// The compiled schema (compiled once per process, on first use).
    pub fn schema(self) -> &'static Schema {
        static CELLS: [OnceLock<Schema>; 9] = [const { OnceLock::new() }; 9];
        let i = SCHEMAS
            .iter()
            .position(|(t, _)| *t == self)
            .expect("every schema is listed");
        CELLS[i].get_or_init(|| {
            let raw: Value = serde_json::from_str(SCHEMAS[i].1).expect("shipped schema is JSON");
            Schema::compile(raw).expect("shipped schema compiles")
        })
    }
}

/// Checks a payload body against a target schema. Any violation is an engine bug or a bad
/// override; it is reported as an error naming the payload path.
pub fn against_schema(schema: TargetSchema, body: &Value) -> Vec<Diagnostic> {
    schema
        .schema()
        .check(body, &JsonPath::root(), None)
        .into_iter()
        .map(|mut d| {
            d.code = "payload-schema";
            d.message = format!(
                "payload rejected by the official request schema: {}",
                d.message
            );
            let p = d.path.take().unwrap_or_default();
            d.with_note(format!("payload path `{p}`"))
        })
        .collect()
}

fn value_check(
    field: &str,
    path: &str,
    value: Option<&str>,
    allowed: Option<&Vec<String>>,
    model: &str,
) -> Option<Diagnostic> {
    let value = value?;
    match allowed {
        None => Some(
            Diagnostic::error(
                "unsupported-parameter",
                format!("{model} does not accept `{field}`"),
            )
            .with_path(path)
            .with_label(format!("not accepted by {model}"))
            .with_help(format!("remove `{path}`")),
        ),
        Some(list) if !list.iter().any(|v| v == value) => {
            let suggestion = did_you_mean(value, list.iter().map(String::as_str));
            Some(
                Diagnostic::error(
                    "invalid-value",
                    format!(
                        "{field} `{value}` is not valid for {model}: use {}",
                        one_of(list)
                    ),
                )
                .with_path(path)
                .with_label(format!(
                    "not {} {model} accepts",
                    crate::filters::with_article(field)
                ))
                .with_help_opt(suggestion.map(|s| format!("did you mean `{s}`?"))),
            )
        }
        Some(_) => None,
    }
}

/// Checks an OpenAI payload against the model's rules. Paths name the brief fields.
pub fn openai_rules(p: &OpenAiImageRequest, model: &str, rules: &ModelRules) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let quality = Some(&rules.quality);
    out.extend(value_check(
        "quality",
        "output.quality",
        p.quality.as_deref(),
        quality,
        model,
    ));
    out.extend(value_check(
        "background",
        "output.background",
        p.background.as_deref(),
        rules.background.as_ref(),
        model,
    ));
    out.extend(value_check(
        "output format",
        "output.format",
        p.output_format.as_deref(),
        rules.output_format.as_ref(),
        model,
    ));
    out.extend(value_check(
        "moderation",
        "output.moderation",
        p.moderation.as_deref(),
        rules.moderation.as_ref(),
        model,
    ));
    out.extend(value_check(
        "style",
        "output.style",
        p.style.as_deref(),
        rules.style.as_ref(),
        model,
    ));

    if let Some(n) = p.n
        && (n < rules.n.min || n > rules.n.max)
    {
        let range = if rules.n.min == rules.n.max {
            format!("only n={} is supported", rules.n.min)
        } else {
            format!("n must be between {} and {}", rules.n.min, rules.n.max)
        };
        out.push(
            Diagnostic::error(
                "invalid-value",
                format!("n={n} is not valid for {model}: {range}"),
            )
            .with_path("output.n")
            .with_label("out of range")
            .with_help(format!(
                "use n between {} and {}, or send several requests",
                rules.n.min, rules.n.max
            )),
        );
    }

    if let Some(s) = &p.size {
        match size::check(s, rules) {
            Ok(None) => {}
            Ok(Some(warning)) => out.push(
                Diagnostic::warning(
                    "experimental-size",
                    format!("size {s} on {model}: {warning}"),
                )
                .with_path("output.size"),
            ),
            Err(problem) => {
                let mut d = Diagnostic::error(
                    "invalid-size",
                    format!("size {s} is not valid for {model}: {}", problem.reason),
                )
                .with_path("output.size")
                .with_label("invalid size");
                if !problem.suggestions.is_empty() {
                    let list: Vec<&str> = problem.suggestions.iter().map(String::as_str).collect();
                    d.message
                        .push_str(&format!(" — nearest: {}", list.join(" or ")));
                    d = d.with_help(format!("use `{}`", list[0]));
                }
                out.push(d);
            }
        }
    }

    if let Some(c) = p.output_compression {
        match &rules.output_compression {
            None => out.push(
                Diagnostic::error(
                    "unsupported-parameter",
                    format!("{model} does not accept `compression`"),
                )
                .with_path("output.compression")
                .with_help("remove `output.compression`"),
            ),
            Some(rule) => {
                let format = p.output_format.as_deref().unwrap_or("png");
                if !rule.only_with.iter().any(|f| f == format) {
                    out.push(
                        Diagnostic::error(
                            "invalid-combination",
                            format!(
                                "compression only applies to {} output, but the format is {format}",
                                one_of(&rule.only_with)
                            ),
                        )
                        .with_path("output.compression")
                        .with_label("ignored with this format")
                        .with_help(
                            "set `output.format: jpeg` or `webp`, or remove `output.compression`",
                        ),
                    );
                }
                if c < rule.min || c > rule.max {
                    out.push(
                        Diagnostic::error(
                            "invalid-value",
                            format!("compression {c} is out of range {}–{}", rule.min, rule.max),
                        )
                        .with_path("output.compression"),
                    );
                }
            }
        }
    }

    if p.background.as_deref() == Some("transparent")
        && let Some(needs) = &rules.transparent_requires
    {
        let format = p.output_format.as_deref().unwrap_or("png");
        if !needs.iter().any(|f| f == format) {
            out.push(
                Diagnostic::error(
                    "invalid-combination",
                    format!(
                        "a transparent background needs {} output, but the format is {format}",
                        one_of(needs)
                    ),
                )
                .with_path("output.background")
                .with_label("needs png or webp")
                .with_help("set `output.format: png` (or `webp`)"),
            );
        }
    }

    let chars = p.prompt.chars().count();
    if chars > rules.prompt_max_chars {
        out.push(
            Diagnostic::error(
                "prompt-too-long",
                format!(
                    "the prompt has {chars} characters; {model} accepts at most {}",
                    rules.prompt_max_chars
                ),
            )
            .with_help("shorten the brief, or choose a model with a longer prompt limit"),
        );
    }
    out
}
