//! Provider facts from the providers' own definitions: reads the vendored official SDK files under
//! `data/sdk/` (openai-python, openai-node, google-genai) and derives the facts they state — model
//! ids, lifecycle with dates and replacements, per-parameter literal values and ranges, and the
//! per-model rules their text states — into `data/models.sdk.json`.
//!
//! The maintenance command is `cargo run -q -- sync-models` (see the README): drop newer SDK files
//! into `data/sdk/`, run it, review the diff. A test regenerates the file in memory and fails when
//! it differs from the committed one, printing that command.
//!
//! Every fact is read from a *statement* of the SDK text (a literal type, or a sentence of a
//! docstring). When a statement is no longer found, the sync fails naming the statement and the
//! file, instead of guessing: the extractor is then updated by reading the new text.
use std::fmt;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use regex::Regex;
use serde_json::{Map, Value, json};

/// Where the generated facts go, relative to the project root.
pub const GENERATED_FILE: &str = "data/models.sdk.json";
/// Where the vendored SDK files live, relative to the project root.
pub const SDK_DIR: &str = "data/sdk";
/// The command that regenerates [`GENERATED_FILE`].
pub const COMMAND: &str = "cargo run -q -- sync-models";

/// A statement the extractor could not find or read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncError {
    /// The file read.
    pub file: String,
    /// What was looked for.
    pub statement: String,
}

impl fmt::Display for SyncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: cannot read {} (the SDK text changed: read the new wording and update src/sync.rs)",
            self.file, self.statement
        )
    }
}

impl std::error::Error for SyncError {}

fn missing(file: &str, statement: impl Into<String>) -> SyncError {
    SyncError {
        file: file.to_string(),
        statement: statement.into(),
    }
}

/// One field of a Python `TypedDict`: its type text and its docstring.
#[derive(Debug, Clone, Default)]
struct PyField {
    ty: String,
    doc: String,
}

/// The fields of `class NAME(...)` in a Python file, in order.
fn py_class(text: &str, class: &str) -> Option<IndexMap<String, PyField>> {
    let start = text.find(&format!("class {class}("))?;
    let body = &text[start..];
    let body_start = body.find('\n')? + 1;
    let body = &body[body_start..];
    let end = body.find("\nclass ").unwrap_or(body.len());
    let body = &body[..end];
    let field = Regex::new(r"^    ([a-z_][a-z0-9_]*): (.*)$").expect("regex");
    let mut out = IndexMap::new();
    let lines: Vec<&str> = body.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let Some(c) = field.captures(lines[i]) else {
            i += 1;
            continue;
        };
        let name = c[1].to_string();
        let mut ty = c[2].to_string();
        // a type may span lines until its brackets balance
        while depth(&ty) > 0 && i + 1 < lines.len() {
            i += 1;
            ty.push_str(lines[i].trim());
        }
        i += 1;
        let mut doc = String::new();
        if i < lines.len() && lines[i].trim_start().starts_with("\"\"\"") {
            let first = lines[i].trim_start().trim_start_matches("\"\"\"");
            if let Some(one) = first.strip_suffix("\"\"\"") {
                doc.push_str(one);
                i += 1;
            } else {
                doc.push_str(first);
                i += 1;
                while i < lines.len() {
                    let l = lines[i].trim();
                    i += 1;
                    if let Some(last) = l.strip_suffix("\"\"\"") {
                        doc.push(' ');
                        doc.push_str(last);
                        break;
                    }
                    doc.push(' ');
                    doc.push_str(l);
                }
            }
        }
        out.insert(
            name,
            PyField {
                ty,
                doc: squash(&doc),
            },
        );
    }
    Some(out)
}

fn depth(s: &str) -> i32 {
    s.chars().fold(0, |d, c| match c {
        '[' | '(' => d + 1,
        ']' | ')' => d - 1,
        _ => d,
    })
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The quoted strings inside the first `Literal[...]` of a type.
fn literals(ty: &str) -> Vec<String> {
    let Some(start) = ty.find("Literal[") else {
        return Vec::new();
    };
    let rest = &ty[start + "Literal[".len()..];
    let mut d = 1;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '[' => d += 1,
            ']' => {
                d -= 1;
                if d == 0 {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    quoted(&rest[..end], '"')
}

fn quoted(s: &str, q: char) -> Vec<String> {
    let re = Regex::new(&format!("{q}([^{q}]*){q}")).expect("regex");
    re.captures_iter(s).map(|c| c[1].to_string()).collect()
}

/// The backticked words of a text, in order.
fn ticked(s: &str) -> Vec<String> {
    quoted(s, '`')
}

fn month(name: &str) -> Option<u32> {
    const M: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    M.iter().position(|m| *m == name).map(|i| i as u32 + 1)
}

/// `October 23, 2026` → `2026-10-23`.
fn iso_date(text: &str) -> Option<String> {
    let re = Regex::new(r"([A-Z][a-z]+) (\d{1,2}), (\d{4})").expect("regex");
    let c = re.captures(text)?;
    Some(format!(
        "{}-{:02}-{:02}",
        &c[3],
        month(&c[1])?,
        c[2].parse::<u32>().ok()?
    ))
}

/// Expands "`a` and `b`, including their `2026-09-08` snapshots" to the four ids.
fn models_in(sentence: &str, known: &[String]) -> Vec<String> {
    let words = ticked(sentence);
    let snapshots: Vec<&String> = words
        .iter()
        .filter(|w| {
            Regex::new(r"^\d{4}-\d{2}-\d{2}$")
                .expect("regex")
                .is_match(w)
        })
        .collect();
    let mut out = Vec::new();
    for w in &words {
        if known.contains(w) && !out.contains(w) {
            out.push(w.clone());
            if sentence.contains("including their") {
                for s in &snapshots {
                    let id = format!("{w}-{s}");
                    if known.contains(&id) && !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
        }
    }
    out
}

/// The sentence of `doc` that matches `re` (sentences end with ". ").
fn sentence<'a>(doc: &'a str, re: &str) -> Option<&'a str> {
    let re = Regex::new(re).expect("regex");
    doc.split_inclusive(". ").find(|s| re.is_match(s))
}

fn range(doc: &str, re: &str) -> Option<(u64, u64)> {
    let c = Regex::new(re).expect("regex").captures(doc)?;
    Some((
        c[1].replace(',', "").parse().ok()?,
        c[2].replace(',', "").parse().ok()?,
    ))
}

/// A deprecated literal value with the SDK's own words.
#[derive(Debug, Clone)]
struct Deprecation {
    values: Vec<String>,
    reason: String,
}

/// The "Deprecated values:" list of a docstring.
fn deprecations(doc: &str) -> Vec<Deprecation> {
    let Some(at) = doc.find("Deprecated values:") else {
        return Vec::new();
    };
    let list = &doc[at + "Deprecated values:".len()..];
    let item = Regex::new(r#"- ((?:"[^"]+"(?:, )?)+): (.*?)(?: - "|$)"#).expect("regex");
    let mut out = Vec::new();
    let mut rest = list.trim();
    while let Some(c) = item.captures(rest) {
        let values = quoted(&c[1], '"');
        let reason = c[2].trim().trim_end_matches('"').trim().to_string();
        let consumed = c.get(2).map(|m| m.end()).unwrap_or(rest.len());
        out.push(Deprecation { values, reason });
        rest = rest[consumed..].trim_start();
    }
    out
}

/// Reads a vendored SDK file.
fn read(root: &Path, dir: &str, file: &str) -> Result<(String, String), SyncError> {
    let rel = format!("{SDK_DIR}/{dir}/{file}");
    std::fs::read_to_string(root.join(&rel))
        .map(|t| (rel.clone(), t))
        .map_err(|e| missing(&rel, format!("the file ({e})")))
}

/// The vendored folder for a package (`openai-python-3.57.0`), newest version if several.
fn package_dir(root: &Path, package: &str) -> Result<(String, String), SyncError> {
    let dir = root.join(SDK_DIR);
    let mut found: Vec<(Vec<u64>, String)> = std::fs::read_dir(&dir)
        .map_err(|e| missing(SDK_DIR, format!("the folder ({e})")))?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let version = name.strip_prefix(&format!("{package}-"))?.to_string();
            let key = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
            Some((key, name))
        })
        .collect();
    found.sort();
    let (_, name) = found
        .pop()
        .ok_or_else(|| missing(SDK_DIR, format!("a `{package}-VERSION` folder")))?;
    let version = name[package.len() + 1..].to_string();
    Ok((name, version))
}

/// Node `interface NAME { … }` fields with a string-literal union type.
fn ts_unions(text: &str, interface: &str) -> IndexMap<String, Vec<String>> {
    let mut out = IndexMap::new();
    let Some(start) = text.find(&format!("export interface {interface} ")) else {
        return out;
    };
    let body = &text[start..];
    let end = body.find("\n}").unwrap_or(body.len());
    let field = Regex::new(r"(?m)^    ([a-z_]+)\??: ('.*);$").expect("regex");
    for c in field.captures_iter(&body[..end]) {
        out.insert(c[1].to_string(), quoted(&c[2], '\''));
    }
    out
}

/// Everything the vendored SDKs say, as the JSON written to [`GENERATED_FILE`].
pub fn generate(root: &Path) -> Result<Value, SyncError> {
    let (py_dir, py_version) = package_dir(root, "openai-python")?;
    let (node_dir, node_version) = package_dir(root, "openai-node")?;
    let (g_dir, g_version) = package_dir(root, "google-genai")?;

    // ---- OpenAI: model ids and lifecycle (types/image_model.py)
    let (model_file, model_text) = read(root, &py_dir, "image_model.py")?;
    let ids = literals(
        model_text
            .split("ImageModel: TypeAlias =")
            .nth(1)
            .ok_or_else(|| missing(&model_file, "`ImageModel: TypeAlias = Literal[...]`"))?,
    );
    if ids.is_empty() {
        return Err(missing(&model_file, "the ImageModel literals"));
    }
    let model_deprecations = deprecations(&squash(&model_text));
    if model_deprecations.is_empty() {
        return Err(missing(&model_file, "the \"Deprecated values:\" list"));
    }

    // ---- OpenAI: request parameters (types/image_generate_params.py, image_edit_params.py)
    let (gen_file, gen_text) = read(root, &py_dir, "image_generate_params.py")?;
    let (edit_file, edit_text) = read(root, &py_dir, "image_edit_params.py")?;
    let genp = py_class(&gen_text, "ImageGenerateParamsBase")
        .ok_or_else(|| missing(&gen_file, "class ImageGenerateParamsBase"))?;
    let edit = py_class(&edit_text, "ImageEditParamsBase")
        .ok_or_else(|| missing(&edit_file, "class ImageEditParamsBase"))?;
    let gen_svg = py_class(&gen_text, "SvgReasoning")
        .ok_or_else(|| missing(&gen_file, "class SvgReasoning"))?;

    let field = |fields: &IndexMap<String, PyField>, file: &str, name: &str| {
        fields
            .get(name)
            .cloned()
            .ok_or_else(|| missing(file, format!("the `{name}` parameter")))
    };

    // which ids are DALL·E: the SDK calls them "DALL·E models" and names them `dall-e-*`
    let dalle: Vec<String> = ids
        .iter()
        .filter(|m| m.starts_with("dall-e"))
        .cloned()
        .collect();

    let quality = field(&genp, &gen_file, "quality")?;
    let quality_all = literals(&quality.ty);
    let quality_deprecated: Vec<String> = deprecations(&quality.doc)
        .into_iter()
        .flat_map(|d| d.values)
        .collect();
    let extra_sentence = sentence(&quality.doc, r"also support")
        .ok_or_else(|| missing(&gen_file, "quality: \"… also support `xhigh` and `max`\""))?;
    let extra_models = models_in(extra_sentence, &ids);
    let extra_values: Vec<String> = ticked(extra_sentence)
        .into_iter()
        .filter(|v| quality_all.contains(v) && !ids.contains(v))
        .collect();
    let quality_base: Vec<String> = quality_all
        .iter()
        .filter(|v| !quality_deprecated.contains(v) && !extra_values.contains(v))
        .cloned()
        .collect();

    let background = field(&genp, &gen_file, "background")?;
    let background_values = literals(&background.ty);
    let preview_sentence = sentence(&background.doc, r"in preview")
        .ok_or_else(|| missing(&gen_file, "background: \"… this support is in preview\""))?;
    let preview_models = models_in(preview_sentence, &ids);
    let transparent_sentence = sentence(&background.doc, r"When using `transparent`")
        .ok_or_else(|| missing(&gen_file, "background: \"When using `transparent`, set …\""))?;
    let transparent_requires: Vec<String> = ticked(transparent_sentence)
        .into_iter()
        .filter(|v| v != "transparent")
        .collect();

    let format = field(&genp, &gen_file, "output_format")?;
    let formats = literals(&format.ty);
    let moderation = literals(&field(&genp, &gen_file, "moderation")?.ty);
    let complexity = literals(&field(&genp, &gen_file, "complexity")?.ty);

    let n_doc = field(&genp, &gen_file, "n")?.doc;
    let n = range(&n_doc, r"between (\d+) and (\d+)")
        .ok_or_else(|| missing(&gen_file, "n: \"Must be between A and B\""))?;
    let prompt_doc = field(&genp, &gen_file, "prompt")?.doc;
    let prompt_max: u64 = Regex::new(r"maximum length is (\d+) characters")
        .expect("regex")
        .captures(&prompt_doc)
        .and_then(|c| c[1].parse().ok())
        .ok_or_else(|| missing(&gen_file, "prompt: \"The maximum length is N characters\""))?;
    let compression_doc = field(&genp, &gen_file, "output_compression")?.doc;
    let compression = range(&compression_doc, r"\((\d+)-(\d+)%\)")
        .ok_or_else(|| missing(&gen_file, "output_compression: \"(A-B%)\""))?;
    let compression_with: Vec<String> = sentence(&compression_doc, r"only supported")
        .map(ticked)
        .unwrap_or_default();
    if compression_with.is_empty() {
        return Err(missing(
            &gen_file,
            "output_compression: \"… with the `webp` or `jpeg` output formats\"",
        ));
    }
    let partial_doc = field(&genp, &gen_file, "partial_images")?.doc;
    let partial = range(&partial_doc, r"between (\d+) and (\d+)")
        .ok_or_else(|| missing(&gen_file, "partial_images: \"between A and B\""))?;
    let frames_doc = field(&genp, &gen_file, "frame_count")?.doc;
    let frames = range(&frames_doc, r"from (\d+) through (\d+)")
        .ok_or_else(|| missing(&gen_file, "frame_count: \"from A through B\""))?;
    let frames_default = Regex::new(r"Defaults to (\d+)")
        .expect("regex")
        .captures(&frames_doc)
        .and_then(|c| c[1].parse::<u64>().ok());
    let gif_excludes_sentence = sentence(&frames_doc, r"GIF output does not support")
        .ok_or_else(|| missing(&gen_file, "frame_count: \"GIF output does not support …\""))?;
    let duration_doc = field(&genp, &gen_file, "frame_duration_ms")?.doc;
    let duration_cap: u64 = Regex::new(r"caps the encoded delay at ([\d,]+) ms")
        .expect("regex")
        .captures(&duration_doc)
        .and_then(|c| c[1].replace(',', "").parse().ok())
        .ok_or_else(|| missing(&gen_file, "frame_duration_ms: \"caps … at N ms\""))?;
    let svg_doc = field(&genp, &gen_file, "svg")?.doc;
    let svg_n: u64 = Regex::new(r"requires n=(\d+)")
        .expect("regex")
        .captures(&svg_doc)
        .and_then(|c| c[1].parse().ok())
        .ok_or_else(|| missing(&gen_file, "svg: \"SVG generation requires n=1\""))?;
    let svg_excludes_sentence = sentence(&svg_doc, r"does not support")
        .ok_or_else(|| missing(&gen_file, "svg: \"… does not support …\""))?;
    let efforts = literals(
        &gen_svg
            .get("effort")
            .ok_or_else(|| missing(&gen_file, "SvgReasoning.effort"))?
            .ty,
    );

    // sizes: the standard sizes, and which models take arbitrary WIDTHxHEIGHT
    let size_doc = field(&genp, &gen_file, "size")?.doc;
    let arbitrary_sentence = sentence(&size_doc, r"arbitrary resolutions")
        .ok_or_else(|| missing(&gen_file, "size: \"… arbitrary resolutions are supported\""))?;
    let custom_models = models_in(arbitrary_sentence, &ids);
    let multiple_of: u64 = Regex::new(r"divisible by (\d+)")
        .expect("regex")
        .captures(&size_doc)
        .and_then(|c| c[1].parse().ok())
        .ok_or_else(|| missing(&gen_file, "size: \"divisible by N\""))?;
    let ratio = Regex::new(r"aspect ratio must be between (\d+:\d+) and (\d+:\d+)")
        .expect("regex")
        .captures(&size_doc)
        .ok_or_else(|| missing(&gen_file, "size: \"aspect ratio must be between A and B\""))?;
    let experimental = Regex::new(r"above `(\d+)x(\d+)` are experimental")
        .expect("regex")
        .captures(&size_doc)
        .ok_or_else(|| {
            missing(
                &gen_file,
                "size: \"Resolutions above `WxH` are experimental\"",
            )
        })?;
    let maximum = Regex::new(r"maximum supported resolution is `(\d+)x(\d+)`")
        .expect("regex")
        .captures(&size_doc)
        .ok_or_else(|| {
            missing(
                &gen_file,
                "size: \"the maximum supported resolution is `WxH`\"",
            )
        })?;
    let px = |c: &regex::Captures<'_>| -> (u64, u64) {
        (
            c[1].parse().unwrap_or_default(),
            c[2].parse().unwrap_or_default(),
        )
    };
    let (ew, eh) = px(&experimental);
    let (mw, mh) = px(&maximum);
    let standard_sentence = sentence(&size_doc, r"standard sizes")
        .ok_or_else(|| missing(&gen_file, "size: \"The standard sizes … are supported\""))?;
    let standard: Vec<String> = ticked(standard_sentence)
        .into_iter()
        .filter(|s| s.contains('x'))
        .collect();

    // edits: input fidelity per model
    let fidelity = field(&edit, &edit_file, "input_fidelity")?;
    let fidelity_values = literals(&fidelity.ty);
    let mut fidelity_by_model: IndexMap<String, Value> = IndexMap::new();
    {
        let both = Regex::new(r"Supports `(\w+)` and `(\w+)` on `([^`]+)`").expect("regex");
        let only = Regex::new(r"`([^`]+)` supports only `(\w+)`").expect("regex");
        let omit = Regex::new(r"For `([^`]+)`, omit this parameter").expect("regex");
        let c = both.captures(&fidelity.doc).ok_or_else(|| {
            missing(
                &edit_file,
                "input_fidelity: \"Supports `a` and `b` on `m`\"",
            )
        })?;
        fidelity_by_model.insert(c[3].to_string(), json!([&c[1], &c[2]]));
        let c = only
            .captures(&fidelity.doc)
            .ok_or_else(|| missing(&edit_file, "input_fidelity: \"`m` supports only `v`\""))?;
        fidelity_by_model.insert(c[1].to_string(), json!([&c[2]]));
        let c = omit.captures(&fidelity.doc).ok_or_else(|| {
            missing(
                &edit_file,
                "input_fidelity: \"For `m`, omit this parameter\"",
            )
        })?;
        fidelity_by_model.insert(c[1].to_string(), Value::Null);
    }
    let edit_images_doc = field(&edit, &edit_file, "image")?.doc;
    let max_input_images: u64 = Regex::new(r"up to (\d+) images")
        .expect("regex")
        .captures(&edit_images_doc)
        .and_then(|c| c[1].parse().ok())
        .ok_or_else(|| missing(&edit_file, "image: \"You can provide up to N images\""))?;
    let edit_sizes: Vec<String> = literals(&field(&edit, &edit_file, "size")?.ty);
    let edit_quality = literals(&field(&edit, &edit_file, "quality")?.ty);

    let source_py = format!("openai-python {py_version}");
    let gen_src = format!("{source_py} types/image_generate_params.py");
    let edit_src = format!("{source_py} types/image_edit_params.py");
    let model_src = format!("{source_py} types/image_model.py");

    // ---- per model
    let use_instead = Regex::new(r"Use (.+?) instead").expect("regex");
    let dated = Regex::new(r"^\d{4}-\d{2}-\d{2}$").expect("regex");
    let mut models = Map::new();
    for id in &ids {
        let mut m = Map::new();
        let mut sources = Map::new();
        let mut set = |m: &mut Map<String, Value>, k: &str, v: Value, src: &str| {
            m.insert(k.to_string(), v);
            sources.insert(k.to_string(), Value::String(src.to_string()));
        };
        if let Some(d) = model_deprecations.iter().find(|d| d.values.contains(id)) {
            let shutdown = iso_date(&d.reason);
            let replacements: Vec<String> = use_instead
                .captures(&d.reason)
                .map(|c| {
                    c[1].split(" or ")
                        .map(str::trim)
                        .filter(|r| ids.iter().any(|i| i == r))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let mut life = json!({"status": "retired", "reason": d.reason});
            if let Some(s) = shutdown {
                life["shutdown"] = s.into();
            }
            if !replacements.is_empty() {
                life["replacements"] = json!(replacements);
            }
            set(&mut m, "lifecycle", life, &model_src);
        }
        // a dated snapshot (`gpt-image-2-2026-04-21`) of a listed model
        if let Some(base) = ids.iter().find(|b| {
            id.strip_prefix(b.as_str())
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(|d| dated.is_match(d))
        }) {
            set(&mut m, "snapshot_of", json!(base), &model_src);
        }
        if dalle.contains(id) {
            // retired: the SDK states nothing else about them
            m.insert("sources".into(), Value::Object(sources));
            models.insert(id.clone(), Value::Object(m));
            continue;
        }
        let mut q = quality_base.clone();
        if extra_models.contains(id) {
            // keep the SDK's literal order
            q = quality_all
                .iter()
                .filter(|v| q.contains(v) || extra_values.contains(v))
                .cloned()
                .collect();
        }
        set(&mut m, "quality", json!(q), &gen_src);
        let mut sizes = standard.clone();
        if edit_sizes.iter().any(|s| s == "auto") {
            sizes.push("auto".into());
        }
        set(&mut m, "sizes", json!(sizes), &gen_src);
        if custom_models.contains(id) {
            set(
                &mut m,
                "size_rule",
                json!({
                    "multiple_of": multiple_of,
                    "max_edge": mw.max(mh),
                    "min_ratio": &ratio[1],
                    "max_ratio": &ratio[2],
                    "max_pixels": mw * mh,
                    "experimental_above_pixels": ew * eh,
                }),
                &gen_src,
            );
        } else {
            // the statement names every model that takes arbitrary sizes: the others take the
            // standard sizes only
            set(&mut m, "size_rule", Value::Null, &gen_src);
        }
        set(&mut m, "n", json!({"min": n.0, "max": n.1}), &gen_src);
        set(&mut m, "prompt_max_chars", json!(prompt_max), &gen_src);
        set(&mut m, "background", json!(background_values), &gen_src);
        if preview_models.contains(id) {
            set(
                &mut m,
                "preview",
                json!({"background": {"transparent": squash(preview_sentence)}}),
                &gen_src,
            );
        }
        set(
            &mut m,
            "transparent_requires",
            json!(transparent_requires),
            &gen_src,
        );
        set(&mut m, "output_format", json!(formats), &gen_src);
        set(
            &mut m,
            "output_compression",
            json!({"min": compression.0, "max": compression.1, "only_with": compression_with}),
            &gen_src,
        );
        set(&mut m, "moderation", json!(moderation), &gen_src);
        set(&mut m, "complexity", json!(complexity), &gen_src);
        set(
            &mut m,
            "partial_images",
            json!({"min": partial.0, "max": partial.1}),
            &gen_src,
        );
        // legacy DALL·E parameters: "Unsupported for GPT image models"
        set(&mut m, "style", Value::Null, &gen_src);
        set(&mut m, "response_format", Value::Null, &gen_src);
        if let Some(f) = fidelity_by_model.get(id) {
            set(&mut m, "input_fidelity", f.clone(), &edit_src);
        }
        m.insert("sources".into(), Value::Object(sources));
        models.insert(id.clone(), Value::Object(m));
    }

    let excludes = |s: &str| -> Vec<&'static str> {
        let mut v = Vec::new();
        for (word, param) in [
            ("streaming", "stream"),
            ("partial images", "partial_images"),
            ("masks", "mask"),
            ("compression", "output_compression"),
        ] {
            if s.contains(word) {
                v.push(param);
            }
        }
        v
    };
    let gif_access = sentence(&frames_doc, r"Requires access").map(squash);
    let svg_access = sentence(
        &field(&edit, &edit_file, "output_format")?.doc,
        r"SVG output",
    )
    .map(squash);

    // ---- cross-check with openai-node: the literal sets must agree
    let (node_file, node_text) = read(root, &node_dir, "images.d.ts")?;
    let node_ids = Regex::new(r"export type ImageModel = ([^;]+);")
        .expect("regex")
        .captures(&node_text)
        .map(|c| quoted(&c[1], '\''))
        .ok_or_else(|| missing(&node_file, "`export type ImageModel = …`"))?;
    if node_ids != ids {
        return Err(missing(
            &node_file,
            format!(
                "the same ImageModel ids as openai-python (node: {node_ids:?}, python: {ids:?})"
            ),
        ));
    }
    let node_gen = ts_unions(&node_text, "ImageGenerateParamsBase");
    for (name, py) in &genp {
        let py_lits = literals(&py.ty);
        if py_lits.is_empty() || name == "model" || name == "size" {
            continue;
        }
        if node_gen.get(name) != Some(&py_lits) {
            return Err(missing(
                &node_file,
                format!(
                    "ImageGenerateParamsBase.{name} with the values openai-python lists ({py_lits:?}; node: {:?})",
                    node_gen.get(name)
                ),
            ));
        }
    }

    // ---- request parameters, for the request-schema overlay
    let params_of = |fields: &IndexMap<String, PyField>| -> Map<String, Value> {
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
        out
    };
    let mut gen_params = params_of(&genp);
    let mut edit_params = params_of(&edit);
    for p in [&mut gen_params, &mut edit_params] {
        p.insert(
            "stream".into(),
            json!({"kind": "boolean", "nullable": true}),
        );
    }

    // ---- Batch API endpoints (types/batch_create_params.py)
    let (batch_file, batch_text) = read(root, &py_dir, "batch_create_params.py")?;
    let endpoint = py_class(&batch_text, "BatchCreateParams")
        .and_then(|c| c.get("endpoint").cloned())
        .ok_or_else(|| missing(&batch_file, "BatchCreateParams.endpoint"))?;
    let batch_endpoints: Vec<String> = literals(&endpoint.ty)
        .into_iter()
        .filter(|e| e.starts_with("/v1/images/"))
        .collect();

    // ---- Google (google-genai types.py excerpt and the ids the wheel mentions)
    let (gids_file, gids_text) = read(root, &g_dir, "model-names-mentioned.txt")?;
    let google_ids: Vec<String> = gids_text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    if google_ids.is_empty() {
        return Err(missing(&gids_file, "model ids"));
    }
    let (gt_file, gt_text) = read(root, &g_dir, "types_image_excerpt.py")?;
    let google_field = |class: &str, name: &str| -> Result<String, SyncError> {
        let start = gt_text
            .find(&format!("class {class}("))
            .ok_or_else(|| missing(&gt_file, format!("class {class}")))?;
        let body = &gt_text[start..];
        let body = &body[..body[1..]
            .find("\nclass ")
            .map(|i| i + 1)
            .unwrap_or(body.len())];
        let at = body
            .find(&format!("  {name}: "))
            .ok_or_else(|| missing(&gt_file, format!("{class}.{name}")))?;
        let rest = &body[at..];
        let end = rest.find("\n  )").unwrap_or(rest.len());
        Ok(squash(&rest[..end]))
    };
    let quoted_values = |s: &str| -> Vec<String> {
        Regex::new(r#""(\d+:\d+)""#)
            .expect("regex")
            .captures_iter(s)
            .map(|c| c[1].to_string())
            .collect::<Vec<_>>()
    };
    let config_ratio = quoted_values(&google_field("ImageConfig", "aspect_ratio")?);
    let config_size_doc = google_field("ImageConfig", "image_size")?;
    let config_sizes = sentence(&config_size_doc, r"Supported values are")
        .map(ticked)
        .unwrap_or_default();
    let config_default = Regex::new(r"default value `(\w+)`")
        .expect("regex")
        .captures(&config_size_doc)
        .map(|c| c[1].to_string());
    let images_ratio = quoted_values(&google_field("GenerateImagesConfig", "aspect_ratio")?);
    let images_size_doc = google_field("GenerateImagesConfig", "image_size")?;
    let images_sizes: Vec<String> = Regex::new(r"Supported sizes are (\w+) and (\w+)")
        .expect("regex")
        .captures(&images_size_doc)
        .map(|c| vec![c[1].to_string(), c[2].to_string()])
        .ok_or_else(|| {
            missing(
                &gt_file,
                "GenerateImagesConfig.image_size: \"Supported sizes are A and B\"",
            )
        })?;
    let not_imagen3 = images_size_doc.contains("not supported for Imagen 3");
    let negative = google_field("GenerateImagesConfig", "negative_prompt").is_ok();
    if config_ratio.is_empty() || config_sizes.is_empty() || images_ratio.is_empty() {
        return Err(missing(
            &gt_file,
            "ImageConfig / GenerateImagesConfig values",
        ));
    }
    let g_src = format!("google-genai {g_version} types.py");

    Ok(json!({
        "$comment": format!(
            "GENERATED by `{COMMAND}` from the official SDK files under {SDK_DIR}/ — do not edit. \
             Facts no SDK states are hand-written in data/models.json (and data/targets.json), each with its source."
        ),
        "sdks": {
            "openai-python": py_version,
            "openai-node": node_version,
            "google-genai": g_version,
        },
        "openai": {
            "source": format!("{source_py} (cross-checked with openai-node {node_version})"),
            "models": models,
            "params": {
                "generations": gen_params,
                "edits": edit_params,
            },
            "formats": {
                "gif": {
                    "frame_count": {"min": frames.0, "max": frames.1, "default": frames_default},
                    "frame_duration_ms_cap": duration_cap,
                    "excludes": excludes(gif_excludes_sentence),
                    "access": gif_access,
                    "source": gen_src,
                },
                "svg": {
                    "n": svg_n,
                    "excludes": excludes(svg_excludes_sentence),
                    "reasoning_efforts": efforts,
                    "access": svg_access,
                    "source": gen_src,
                },
            },
            "quality_deprecated": quality_deprecated,
            "edits": {
                "max_input_images": max_input_images,
                "quality": edit_quality,
                "input_fidelity": fidelity_values,
                "source": edit_src,
            },
            "batch_endpoints": batch_endpoints,
        },
        "google": {
            "source": g_src,
            "models": google_ids,
            "generate_content": {
                "aspect_ratios": config_ratio,
                "image_sizes": config_sizes,
                "default_image_size": config_default,
            },
            "generate_images": {
                "aspect_ratios": images_ratio,
                "image_sizes": images_sizes,
                "image_size_not_for_imagen_3": not_imagen3,
                "negative_prompt_field": negative,
            },
        },
    }))
}

/// The generated file's text (pretty JSON and a final newline).
pub fn generate_text(root: &Path) -> Result<String, SyncError> {
    let v = generate(root)?;
    Ok(format!(
        "{}\n",
        serde_json::to_string_pretty(&v).expect("serialises")
    ))
}

/// The project root when run from a checkout (the folder holding `data/sdk`).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecation_lists_parse() {
        let d = deprecations(
            r#"Deprecated values: - "gpt-image-1": Shut down on October 23, 2026. Use a or b instead. - "dall-e-2", "dall-e-3": Retired on May 12, 2026. Use a GPT image model instead."#,
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].values, ["dall-e-2", "dall-e-3"]);
        assert_eq!(iso_date(&d[0].reason).as_deref(), Some("2026-10-23"));
    }

    #[test]
    fn snapshot_ids_expand() {
        let known: Vec<String> = ["a", "a-2026-09-08", "b", "b-2026-09-08", "c"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            models_in(
                "`a` and `b`, including their `2026-09-08` snapshots, do",
                &known
            ),
            ["a", "a-2026-09-08", "b", "b-2026-09-08"]
        );
    }
}
