//! The OpenAI Images checks of a request: first the rules of the output format, the same for
//! every model ([`FORMAT_RULES`]), then the model's own rules ([`MODEL_RULES`]). Each group is
//! one function; the tables fix the order the diagnostics come out in. Paths name the brief
//! fields.
use crate::diagnostic::suggest::{did_you_mean, one_of};
use crate::diagnostic::{Code, Diagnostic};
use crate::targets::OpenAiImageRequest;
use crate::validate::models::{Fact, FormatRules, ModelRules, ModelTable};
use crate::validate::size;
use crate::validate::{range_error, source_note, unstated, value_check};

/// The request being checked, with what every rule group reads.
struct Checked<'a> {
    /// The request body.
    p: &'a OpenAiImageRequest,
    /// The output format (`png` when the request leaves it out).
    format: &'a str,
    /// The model as the brief names it.
    model: &'a str,
}

/// A group of output-format rules (the SDK states them for every model).
type FormatRule = fn(&Checked<'_>, &FormatRules, &mut Vec<Diagnostic>);

/// A group of the model's own rules.
type ModelRule = fn(&Checked<'_>, &ModelRules, &mut Vec<Diagnostic>);

/// The output-format rule groups, in the order their diagnostics are reported.
const FORMAT_RULES: &[FormatRule] = &[gif_parameters, svg_parameters, gif_output, svg_output];

/// The model rule groups, in the order their diagnostics are reported.
const MODEL_RULES: &[ModelRule] = &[
    listed_values,
    preview_values,
    image_count,
    image_size,
    compression,
    transparent_background,
    prompt_length,
];

/// Checks an OpenAI request against the model's rules (and the format rules every model
/// shares). `rules` is `None` for a model not in the table: then only the format rules apply.
/// Paths name the brief fields.
pub(super) fn check_request(
    p: &OpenAiImageRequest,
    model: &str,
    rules: Option<&ModelRules>,
    table: &ModelTable,
) -> Vec<Diagnostic> {
    let checked = Checked {
        p,
        format: p.output_format.as_deref().unwrap_or("png"),
        model,
    };
    let mut out = Vec::new();
    for rule in FORMAT_RULES {
        rule(&checked, &table.formats, &mut out);
    }
    if let Some(rules) = rules {
        for rule in MODEL_RULES {
            rule(&checked, rules, &mut out);
        }
    }
    out
}

/// The `source: …` note of a format rule.
fn format_source(source: &str) -> String {
    format!("source: {source}")
}

/// `frame_count` and `frame_duration_ms`: GIF output only, within the GIF range and cap.
fn gif_parameters(c: &Checked<'_>, formats: &FormatRules, out: &mut Vec<Diagnostic>) {
    let (p, format, gif) = (c.p, c.format, &formats.gif);
    let src = format_source(&gif.source);
    for (field, set) in [
        ("frame_count", p.frame_count.is_some()),
        ("frame_duration_ms", p.frame_duration_ms.is_some()),
    ] {
        if set && format != "gif" {
            out.push(
                Diagnostic::error(
                    Code::InvalidCombination,
                    format!("`{field}` applies only to GIF output, but the format is {format}"),
                )
                .with_path(format!("output.{field}"))
                .with_help(format!(
                    "set `output.format: gif`, or remove `output.{field}`"
                ))
                .with_note(src.clone()),
            );
        }
    }
    if let Some(count) = p.frame_count
        && (count < gif.frame_count.min || count > gif.frame_count.max)
    {
        out.push(
            range_error(
                "frame_count",
                "output.frame_count",
                count.into(),
                gif.frame_count.min.into(),
                gif.frame_count.max.into(),
                "GIF output",
            )
            .with_note(src.clone()),
        );
    }
    if let Some(ms) = p.frame_duration_ms
        && u64::from(ms) > gif.frame_duration_ms_cap
    {
        out.push(
            Diagnostic::warning(
                Code::CappedValue,
                format!(
                    "a frame delay of {ms} ms is capped at {} ms in the encoded GIF",
                    gif.frame_duration_ms_cap
                ),
            )
            .with_path("output.frame_duration_ms")
            .with_note(src),
        );
    }
}

/// `svg`: SVG output only, with a reasoning effort the SDK lists.
fn svg_parameters(c: &Checked<'_>, formats: &FormatRules, out: &mut Vec<Diagnostic>) {
    let (p, format, svg) = (c.p, c.format, &formats.svg);
    let src = format_source(&svg.source);
    if p.svg.is_some() && format != "svg" {
        out.push(
            Diagnostic::error(
                Code::InvalidCombination,
                format!("`svg` applies only to SVG output, but the format is {format}"),
            )
            .with_path("output.svg")
            .with_help("set `output.format: svg`, or remove `output.svg`")
            .with_note(src.clone()),
        );
    }
    if let Some(effort) = p.svg.as_ref().and_then(|s| s.reasoning.as_ref()) {
        let allowed = &svg.reasoning_efforts;
        if !allowed.contains(&effort.effort) {
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
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
                .with_note(src),
            );
        }
    }
}

/// `compression` on a format whose rules exclude it (`fmt` is `gif` or `svg`).
fn excluded_compression(
    p: &OpenAiImageRequest,
    fmt: &str,
    excludes: &[String],
    src: &str,
    out: &mut Vec<Diagnostic>,
) {
    if p.output_compression.is_some() && excludes.iter().any(|e| e == "output_compression") {
        out.push(
            Diagnostic::error(
                Code::InvalidCombination,
                format!("{} output does not take `compression`", fmt.to_uppercase()),
            )
            .with_path("output.compression")
            .with_help("remove `output.compression`")
            .with_note(src.to_string()),
        );
    }
}

/// GIF output: the parameters it excludes, and its preview note.
fn gif_output(c: &Checked<'_>, formats: &FormatRules, out: &mut Vec<Diagnostic>) {
    if c.format != "gif" {
        return;
    }
    let gif = &formats.gif;
    let src = format_source(&gif.source);
    excluded_compression(c.p, "gif", &gif.excludes, &src, out);
    if let Some(a) = &gif.access {
        out.push(
            Diagnostic::warning(
                Code::PreviewFeature,
                format!("GIF output is in preview: {a}"),
            )
            .with_path("output.format")
            .with_note(src),
        );
    }
}

/// SVG output: the parameters it excludes, the one `n` it takes, and its access note.
fn svg_output(c: &Checked<'_>, formats: &FormatRules, out: &mut Vec<Diagnostic>) {
    if c.format != "svg" {
        return;
    }
    let svg = &formats.svg;
    let src = format_source(&svg.source);
    excluded_compression(c.p, "svg", &svg.excludes, &src, out);
    if let Some(n) = c.p.n
        && n != svg.n
    {
        out.push(
            Diagnostic::error(
                Code::InvalidCombination,
                format!("SVG output requires n={}, but n={n}", svg.n),
            )
            .with_path("output.n")
            .with_help(format!("set `output.n: {}` or leave it out", svg.n))
            .with_note(src.clone()),
        );
    }
    if let Some(a) = &svg.access {
        out.push(
            Diagnostic::warning(
                Code::PreviewFeature,
                format!("SVG output needs access: {a}"),
            )
            .with_path("output.format")
            .with_note(src),
        );
    }
}

/// A parameter checked against the model's list of accepted values.
struct Listed {
    /// The parameter as the messages name it.
    field: &'static str,
    /// Its key in the model rules (and their sources).
    key: &'static str,
    /// Its brief path.
    path: &'static str,
    /// Its value in the request.
    value: fn(&OpenAiImageRequest) -> Option<&str>,
    /// The model's accepted values.
    allowed: fn(&ModelRules) -> &Fact<Vec<String>>,
}

/// The parameters with a list of accepted values, in the order they are checked.
const LISTED: &[Listed] = &[
    Listed {
        field: "quality",
        key: "quality",
        path: "output.quality",
        value: |p| p.quality.as_deref(),
        allowed: |r| &r.quality,
    },
    Listed {
        field: "background",
        key: "background",
        path: "output.background",
        value: |p| p.background.as_deref(),
        allowed: |r| &r.background,
    },
    Listed {
        field: "output format",
        key: "output_format",
        path: "output.format",
        value: |p| p.output_format.as_deref(),
        allowed: |r| &r.output_format,
    },
    Listed {
        field: "moderation",
        key: "moderation",
        path: "output.moderation",
        value: |p| p.moderation.as_deref(),
        allowed: |r| &r.moderation,
    },
    Listed {
        field: "complexity",
        key: "complexity",
        path: "output.complexity",
        value: |p| p.complexity.as_deref(),
        allowed: |r| &r.complexity,
    },
    Listed {
        field: "style",
        key: "style",
        path: "output.style",
        value: |p| p.style.as_deref(),
        allowed: |r| &r.style,
    },
];

/// Every listed parameter the request sets, against the model's accepted values.
fn listed_values(c: &Checked<'_>, rules: &ModelRules, out: &mut Vec<Diagnostic>) {
    for l in LISTED {
        out.extend(value_check(
            l.field,
            l.key,
            l.path,
            (l.value)(c.p),
            (l.allowed)(rules),
            c.model,
            rules,
        ));
    }
}

/// Values the SDK marks as in preview on this model: a warning each.
fn preview_values(c: &Checked<'_>, rules: &ModelRules, out: &mut Vec<Diagnostic>) {
    let p = c.p;
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
                    Code::PreviewFeature,
                    format!(
                        "`{param}: {v}` is in preview on {}: it may be refused",
                        c.model
                    ),
                )
                .with_path(path)
                .with_note(format!("the SDK: \"{words}\""))
                .with_note_opt(source_note(rules, "preview")),
            );
        }
    }
}

/// `n` within the model's range.
fn image_count(c: &Checked<'_>, rules: &ModelRules, out: &mut Vec<Diagnostic>) {
    let Some(n) = c.p.n else {
        return;
    };
    let model = c.model;
    match &rules.n {
        Fact::Known(b) if n < b.min || n > b.max => {
            let range = if b.min == b.max {
                format!("only n={} is supported", b.min)
            } else {
                format!("n must be between {} and {}", b.min, b.max)
            };
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
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

/// `size` against the model's size rules ([`size::check`]).
fn image_size(c: &Checked<'_>, rules: &ModelRules, out: &mut Vec<Diagnostic>) {
    let Some(s) = &c.p.size else {
        return;
    };
    let model = c.model;
    match size::check(s, rules) {
        Ok(None) => {}
        Ok(Some(warning)) => out.push(
            Diagnostic::warning(
                Code::ExperimentalSize,
                format!("size {s} on {model}: {warning}"),
            )
            .with_path("output.size"),
        ),
        Err(problem) => {
            let mut d = Diagnostic::error(
                Code::InvalidSize,
                format!("size {s} is not valid for {model}: {}", problem.reason),
            )
            .with_path("output.size")
            .with_label("invalid size");
            if let Some(first) = problem.suggestions.first() {
                let list: Vec<&str> = problem.suggestions.iter().map(String::as_str).collect();
                d.message
                    .push_str(&format!(" — nearest: {}", list.join(" or ")));
                d = d.with_help(format!("use `{first}`"));
            }
            out.push(d);
        }
    }
}

/// `compression` on a format other than GIF or SVG (those are [`excluded_compression`]):
/// accepted by the model, with a format it applies to, within its range.
fn compression(c: &Checked<'_>, rules: &ModelRules, out: &mut Vec<Diagnostic>) {
    let (format, model) = (c.format, c.model);
    let Some(value) = c.p.output_compression else {
        return;
    };
    if matches!(format, "gif" | "svg") {
        return;
    }
    match &rules.output_compression {
        Fact::Unknown => out.push(unstated("output_compression", "output.compression", model)),
        Fact::Unsupported => out.push(
            Diagnostic::error(
                Code::UnsupportedParameter,
                format!("{model} does not accept `compression`"),
            )
            .with_path("output.compression")
            .with_help("remove `output.compression`"),
        ),
        Fact::Known(rule) => {
            if !rule.only_with.iter().any(|f| f == format) {
                out.push(
                    Diagnostic::error(
                        Code::InvalidCombination,
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
            if value < rule.min || value > rule.max {
                out.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "compression {value} is out of range {}–{}",
                            rule.min, rule.max
                        ),
                    )
                    .with_path("output.compression"),
                );
            }
        }
    }
}

/// A transparent background with a format the model keeps transparency in.
fn transparent_background(c: &Checked<'_>, rules: &ModelRules, out: &mut Vec<Diagnostic>) {
    let format = c.format;
    if c.p.background.as_deref() == Some("transparent")
        && let Fact::Known(needs) = &rules.transparent_requires
        && !needs.iter().any(|f| f == format)
    {
        out.push(
            Diagnostic::error(
                Code::InvalidCombination,
                format!(
                    "a transparent background needs {} output, but the format is {format}",
                    one_of(needs)
                ),
            )
            .with_path("output.background")
            .with_label(format!("needs {}", needs.join(" or ")))
            // an empty list (a user's table can say so) has no format to suggest
            .with_help_opt(needs.first().map(|f| format!("set `output.format: {f}`")))
            .with_note_opt(source_note(rules, "transparent_requires")),
        );
    }
}

/// The prompt within the model's longest prompt, in characters.
fn prompt_length(c: &Checked<'_>, rules: &ModelRules, out: &mut Vec<Diagnostic>) {
    if let Fact::Known(max) = rules.prompt_max_chars {
        let chars = c.p.prompt.chars().count();
        if chars > max {
            out.push(
                Diagnostic::error(
                    Code::PromptTooLong,
                    format!(
                        "the prompt has {chars} characters; {} accepts at most {max}",
                        c.model
                    ),
                )
                .with_help("shorten the brief, or choose a model with a longer prompt limit"),
            );
        }
    }
}
