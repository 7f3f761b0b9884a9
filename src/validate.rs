//! Validation of payloads: the model's real limits (`data/models.json`) and the target's official
//! request schema (`schemas/targets/`).
use std::sync::OnceLock;

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::models::{Fact, ModelRules, ModelTable, ParamSpec};
use crate::schema::Schema;
use crate::size;
use crate::source::JsonPath;
use crate::suggest::{did_you_mean, one_of};
use crate::target::OpenAiImageRequest;

/// Request schemas shipped with the binary (`schemas/targets/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetSchema {
    /// OpenAI `CreateImageRequest`.
    #[default]
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
        CELLS[i].get_or_init(|| Schema::compile(self.document()).expect("shipped schema compiles"))
    }

    /// The schema document checked: the shipped file, and for the OpenAI endpoints the newer
    /// parameters and values of the vendored SDK laid over it ([`sdk_overlay`]).
    pub fn document(self) -> Value {
        let i = SCHEMAS
            .iter()
            .position(|(t, _)| *t == self)
            .expect("every schema is listed");
        let mut raw: Value = serde_json::from_str(SCHEMAS[i].1).expect("shipped schema is JSON");
        let params = &crate::models::ModelTable::generated().params;
        match self {
            TargetSchema::OpenAiGenerations => sdk_overlay(&mut raw, &params.generations),
            TargetSchema::OpenAiEdits => sdk_overlay(&mut raw, &params.edits),
            _ => {}
        }
        raw
    }
}

/// Lays the SDK's typing of each request parameter over an official OpenAPI-derived schema. The
/// SDKs are generated from the provider's current API definition, later than the OpenAPI snapshot
/// in `schemas/targets/`: a parameter the SDK adds is added, and a literal set it widens
/// (`output_format: gif`, `quality: xhigh`) replaces the older enum, and so does a free string
/// (`size` on edits). Integers and booleans the snapshot already types keep their definition;
/// uploads (multipart only) are left out.
pub fn sdk_overlay(schema: &mut Value, params: &indexmap::IndexMap<String, ParamSpec>) {
    let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    let typed = |t: &str, nullable: bool| {
        if nullable {
            serde_json::json!({"type": [t, "null"]})
        } else {
            serde_json::json!({"type": t})
        }
    };
    for (name, spec) in params {
        let existing = props.contains_key(name);
        let replacement = match spec {
            ParamSpec::File => None,
            ParamSpec::Enum { nullable, values } => {
                let mut list: Vec<Value> = values.iter().map(|v| Value::from(v.as_str())).collect();
                if *nullable {
                    list.push(Value::Null);
                }
                Some(serde_json::json!({"enum": list, "description": "typed by the vendored SDK"}))
            }
            // the SDK types it as any string (`size` takes `WIDTHxHEIGHT` on edits too)
            ParamSpec::String { nullable, .. } => Some(typed("string", *nullable)),
            ParamSpec::Integer { nullable } => (!existing).then(|| typed("integer", *nullable)),
            ParamSpec::Boolean { nullable } => (!existing).then(|| typed("boolean", *nullable)),
            ParamSpec::Svg { nullable, efforts } => {
                let mut efforts: Vec<Value> =
                    efforts.iter().map(|v| Value::from(v.as_str())).collect();
                efforts.push(Value::Null);
                Some(serde_json::json!({
                    "type": if *nullable { serde_json::json!(["object", "null"]) } else { serde_json::json!("object") },
                    "properties": {
                        "model": {"type": "string"},
                        "reasoning": {"type": ["object", "null"], "properties": {"effort": {"enum": efforts}}}
                    },
                    "required": ["model"]
                }))
            }
        };
        if let Some(r) = replacement {
            props.insert(name.clone(), r);
        }
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

/// A warning for a brief field whose rule no source states for `model`.
pub fn unstated(field: &str, path: &str, model: &str) -> Diagnostic {
    Diagnostic::warning(
        "unstated-rule",
        format!("no source states whether {model} accepts `{field}`: sent as written, the API decides"),
    )
    .with_path(path)
    .with_help(format!(
        "if you know the rule, add it with --models FILE (`{{\"models\": {{\"{model}\": {{\"{field}\": [...]}}}}}}`)"
    ))
}

fn source_note(rules: &ModelRules, field: &str) -> Option<String> {
    rules.sources.get(field).map(|s| format!("source: {s}"))
}

fn value_check(
    field: &str,
    key: &str,
    path: &str,
    value: Option<&str>,
    allowed: &Fact<Vec<String>>,
    model: &str,
    rules: &ModelRules,
) -> Option<Diagnostic> {
    let value = value?;
    let note = source_note(rules, key);
    let d = match allowed {
        Fact::Unknown => return Some(unstated(key, path, model)),
        Fact::Unsupported => Diagnostic::error(
            "unsupported-parameter",
            format!("{model} does not accept `{field}`"),
        )
        .with_path(path)
        .with_label(format!("not accepted by {model}"))
        .with_help(format!("remove `{path}`")),
        Fact::Known(list) if !list.iter().any(|v| v == value) => {
            let suggestion = did_you_mean(value, list.iter().map(String::as_str));
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
            .with_help_opt(suggestion.map(|s| format!("did you mean `{s}`?")))
        }
        Fact::Known(_) => return None,
    };
    Some(match note {
        Some(n) => d.with_note(n),
        None => d,
    })
}

/// Checks `input_fidelity` on an edit.
pub fn input_fidelity(value: &str, model: &str, rules: &ModelRules) -> Option<Diagnostic> {
    match &rules.input_fidelity {
        Fact::Unknown => None,
        Fact::Unsupported => Some(
            Diagnostic::error(
                "unsupported-parameter",
                format!("{model} does not take `input_fidelity`: the SDK says to omit it"),
            )
            .with_path("output.input_fidelity")
            .with_help("remove `output.input_fidelity`")
            .with_note_opt(source_note(rules, "input_fidelity")),
        ),
        Fact::Known(_) => value_check(
            "input fidelity",
            "input_fidelity",
            "output.input_fidelity",
            Some(value),
            &rules.input_fidelity,
            model,
            rules,
        ),
    }
}

fn range_error(what: &str, path: &str, value: u64, min: u64, max: u64, why: &str) -> Diagnostic {
    Diagnostic::error(
        "invalid-value",
        format!("{what}={value} is out of range: {why} takes {min} to {max}"),
    )
    .with_path(path)
    .with_label("out of range")
    .with_help(format!("use a value from {min} to {max}"))
}

/// Checks an OpenAI request against the model's rules (and the format rules every model
/// shares). `rules` is `None` for a model not in the table: then only the format rules apply.
/// Paths name the brief fields.
pub fn openai_rules(
    p: &OpenAiImageRequest,
    model: &str,
    rules: Option<&ModelRules>,
    table: &ModelTable,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let format = p.output_format.as_deref().unwrap_or("png");

    // rules of the output format, the same for every model (the SDK states them so)
    let gif = &table.formats.gif;
    let svg = &table.formats.svg;
    let gif_src = format!("source: {}", gif.source);
    let svg_src = format!("source: {}", svg.source);
    for (field, set) in [
        ("frame_count", p.frame_count.is_some()),
        ("frame_duration_ms", p.frame_duration_ms.is_some()),
    ] {
        if set && format != "gif" {
            out.push(
                Diagnostic::error(
                    "invalid-combination",
                    format!("`{field}` applies only to GIF output, but the format is {format}"),
                )
                .with_path(format!("output.{field}"))
                .with_help(format!(
                    "set `output.format: gif`, or remove `output.{field}`"
                ))
                .with_note(gif_src.clone()),
            );
        }
    }
    if let Some(c) = p.frame_count
        && (c < gif.frame_count.min || c > gif.frame_count.max)
    {
        out.push(
            range_error(
                "frame_count",
                "output.frame_count",
                c.into(),
                gif.frame_count.min.into(),
                gif.frame_count.max.into(),
                "GIF output",
            )
            .with_note(gif_src.clone()),
        );
    }
    if let Some(ms) = p.frame_duration_ms
        && u64::from(ms) > gif.frame_duration_ms_cap
    {
        out.push(
            Diagnostic::warning(
                "capped-value",
                format!(
                    "a frame delay of {ms} ms is capped at {} ms in the encoded GIF",
                    gif.frame_duration_ms_cap
                ),
            )
            .with_path("output.frame_duration_ms")
            .with_note(gif_src.clone()),
        );
    }
    if p.svg.is_some() && format != "svg" {
        out.push(
            Diagnostic::error(
                "invalid-combination",
                format!("`svg` applies only to SVG output, but the format is {format}"),
            )
            .with_path("output.svg")
            .with_help("set `output.format: svg`, or remove `output.svg`")
            .with_note(svg_src.clone()),
        );
    }
    if let Some(effort) = p.svg.as_ref().and_then(|s| s.reasoning.as_ref()) {
        let allowed = &svg.reasoning_efforts;
        if !allowed.contains(&effort.effort) {
            out.push(
                Diagnostic::error(
                    "invalid-value",
                    format!(
                        "reasoning effort `{}` is not valid: use {}",
                        effort.effort,
                        one_of(allowed)
                    ),
                )
                .with_path("output.svg.reasoning_effort")
                .with_help_opt(
                    did_you_mean(&effort.effort, allowed.iter().map(String::as_str))
                        .map(|s| format!("did you mean `{s}`?")),
                )
                .with_note(svg_src.clone()),
            );
        }
    }
    let excluded = |fmt: &str, list: &[String], src: &str, out: &mut Vec<Diagnostic>| {
        if p.output_compression.is_some() && list.iter().any(|e| e == "output_compression") {
            out.push(
                Diagnostic::error(
                    "invalid-combination",
                    format!("{} output does not take `compression`", fmt.to_uppercase()),
                )
                .with_path("output.compression")
                .with_help("remove `output.compression`")
                .with_note(src.to_string()),
            );
        }
    };
    match format {
        "gif" => {
            excluded("gif", &gif.excludes, &gif_src, &mut out);
            if let Some(a) = &gif.access {
                out.push(
                    Diagnostic::warning(
                        "preview-feature",
                        format!("GIF output is in preview: {a}"),
                    )
                    .with_path("output.format")
                    .with_note(gif_src.clone()),
                );
            }
        }
        "svg" => {
            excluded("svg", &svg.excludes, &svg_src, &mut out);
            if let Some(n) = p.n
                && n != svg.n
            {
                out.push(
                    Diagnostic::error(
                        "invalid-combination",
                        format!("SVG output requires n={}, but n={n}", svg.n),
                    )
                    .with_path("output.n")
                    .with_help(format!("set `output.n: {}` or leave it out", svg.n))
                    .with_note(svg_src.clone()),
                );
            }
            if let Some(a) = &svg.access {
                out.push(
                    Diagnostic::warning("preview-feature", format!("SVG output needs access: {a}"))
                        .with_path("output.format")
                        .with_note(svg_src.clone()),
                );
            }
        }
        _ => {}
    }

    let Some(rules) = rules else {
        return out;
    };

    out.extend(value_check(
        "quality",
        "quality",
        "output.quality",
        p.quality.as_deref(),
        &rules.quality,
        model,
        rules,
    ));
    out.extend(value_check(
        "background",
        "background",
        "output.background",
        p.background.as_deref(),
        &rules.background,
        model,
        rules,
    ));
    out.extend(value_check(
        "output format",
        "output_format",
        "output.format",
        p.output_format.as_deref(),
        &rules.output_format,
        model,
        rules,
    ));
    out.extend(value_check(
        "moderation",
        "moderation",
        "output.moderation",
        p.moderation.as_deref(),
        &rules.moderation,
        model,
        rules,
    ));
    out.extend(value_check(
        "complexity",
        "complexity",
        "output.complexity",
        p.complexity.as_deref(),
        &rules.complexity,
        model,
        rules,
    ));
    out.extend(value_check(
        "style",
        "style",
        "output.style",
        p.style.as_deref(),
        &rules.style,
        model,
        rules,
    ));
    for (param, value, path) in [
        ("background", p.background.as_deref(), "output.background"),
        ("output_format", p.output_format.as_deref(), "output.format"),
        ("quality", p.quality.as_deref(), "output.quality"),
    ] {
        if let Some(v) = value
            && let Some(words) = rules.preview.get(param).and_then(|m| m.get(v))
        {
            out.push(
                Diagnostic::warning(
                    "preview-feature",
                    format!("`{param}: {v}` is in preview on {model}: it may be refused"),
                )
                .with_path(path)
                .with_note(format!("the SDK: \"{words}\""))
                .with_note_opt(source_note(rules, "preview")),
            );
        }
    }

    if let Some(n) = p.n {
        match &rules.n {
            Fact::Known(b) if n < b.min || n > b.max => {
                let range = if b.min == b.max {
                    format!("only n={} is supported", b.min)
                } else {
                    format!("n must be between {} and {}", b.min, b.max)
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
                        b.min, b.max
                    ))
                    .with_note_opt(source_note(rules, "n")),
                );
            }
            Fact::Unknown => out.push(unstated("n", "output.n", model)),
            _ => {}
        }
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

    if let Some(c) = p.output_compression
        && !matches!(format, "gif" | "svg")
    {
        match &rules.output_compression {
            Fact::Unknown => out.push(unstated("output_compression", "output.compression", model)),
            Fact::Unsupported => out.push(
                Diagnostic::error(
                    "unsupported-parameter",
                    format!("{model} does not accept `compression`"),
                )
                .with_path("output.compression")
                .with_help("remove `output.compression`"),
            ),
            Fact::Known(rule) => {
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
        && let Fact::Known(needs) = &rules.transparent_requires
        && !needs.iter().any(|f| f == format)
    {
        out.push(
            Diagnostic::error(
                "invalid-combination",
                format!(
                    "a transparent background needs {} output, but the format is {format}",
                    one_of(needs)
                ),
            )
            .with_path("output.background")
            .with_label(format!("needs {}", needs.join(" or ")))
            .with_help(format!("set `output.format: {}`", needs[0]))
            .with_note_opt(source_note(rules, "transparent_requires")),
        );
    }

    if let Fact::Known(max) = rules.prompt_max_chars {
        let chars = p.prompt.chars().count();
        if chars > max {
            out.push(
                Diagnostic::error(
                    "prompt-too-long",
                    format!("the prompt has {chars} characters; {model} accepts at most {max}"),
                )
                .with_help("shorten the brief, or choose a model with a longer prompt limit"),
            );
        }
    }
    out
}
