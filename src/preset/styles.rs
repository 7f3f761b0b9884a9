//! Style libraries: named styles as data (a positive fragment with an optional `{prompt}` slot, a
//! negative fragment, tags, source, licence), in packs on a search path, importable from the
//! community's formats (Fooocus `sdxl_styles/*.json`, AUTOMATIC1111 `styles.csv`, SDXL Prompt
//! Styler JSON).
//!
//! A brief applies styles by name: `style: {apply: [cinematic, "Fooocus Sharp"]}`. Each style's
//! positive fragment — its text around the `{prompt}` slot, the slot being the preset's own prompt —
//! joins `style.details`, so it lands where the preset's template puts style; its negative fragment
//! joins `avoid`, so each target puts it where it takes negatives (a `negative_prompt` field,
//! `--no`, or the "Avoid …" clause), and `lint` checks it against the exact text. Several styles
//! combine in order, as Fooocus applies them.
//!
//! [`apply_fooocus`] and [`apply_a1111`] reproduce each tool's own semantics on a plain prompt, for
//! users who want exactly that string and for the equivalence tests.
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::diagnostic::{Code, Diagnostic};

/// One style.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Style {
    /// Its name, as briefs use it.
    pub name: String,
    /// The positive fragment; `{prompt}` marks where the prompt goes.
    #[serde(default)]
    pub prompt: String,
    /// The negative fragment.
    #[serde(default)]
    pub negative_prompt: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// A pack of styles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pack {
    /// The pack's name.
    pub pack: String,
    /// Where its styles come from.
    pub source: String,
    /// Their licence.
    pub license: String,
    /// The styles.
    pub styles: Vec<Style>,
}

/// The built-in pack (written for imgprompt, MIT).
pub const BUILTIN: &str = include_str!("../../data/styles/imgprompt.json");

/// Every style available, later packs winning on a name clash.
#[derive(Debug, Clone, Default)]
pub struct Library {
    styles: IndexMap<String, (Style, String)>,
}

impl Library {
    /// The built-in pack plus the packs (`*.json`) in `dirs`, in order. Each folder is read
    /// through [`crate::preset::files`]: its own `*.json` regular files (or links to one inside the
    /// folder), at most [`crate::preset::files::MAX_PACK_BYTES`] each and
    /// [`crate::preset::files::MAX_ENTRIES`] entries per folder; a FIFO, socket or device named
    /// `*.json` is refused unopened.
    pub fn load(dirs: &[PathBuf]) -> Result<Library, Diagnostic> {
        use crate::preset::files::{self, Kind, Limits};
        let mut lib = Library::default();
        lib.add_pack("data/styles/imgprompt.json", BUILTIN)?;
        let limits = Limits {
            max_file_bytes: files::MAX_PACK_BYTES,
            ..Limits::default()
        };
        let keep = |rel: &str, kind: Kind| kind == Kind::File && rel.ends_with(".json");
        for dir in dirs {
            let files = files::walk(dir, &limits, &keep).map_err(|e| match e {
                files::Error::Io { error, .. } => Diagnostic::error(
                    Code::Io,
                    format!("cannot read style folder `{}`: {error}", dir.display()),
                ),
                other => other.diagnostic(),
            })?;
            for f in &files {
                let text =
                    files::read_entry(f, limits.max_file_bytes).map_err(|e| e.diagnostic())?;
                lib.add_pack(&f.path.display().to_string(), &text)?;
            }
        }
        Ok(lib)
    }

    fn add_pack(&mut self, name: &str, text: &str) -> Result<(), Diagnostic> {
        let pack: Pack = serde_json::from_str(text).map_err(|e| {
            Diagnostic::error(Code::StylePack, format!("invalid style pack: {e}"))
                .in_file(name)
                .with_help("a pack is {\"pack\", \"source\", \"license\", \"styles\": [{\"name\", \"prompt\", \"negative_prompt\"}]}; `imgprompt styles import` writes one")
        })?;
        for s in pack.styles {
            self.styles
                .insert(s.name.to_lowercase(), (s, pack.pack.clone()));
        }
        Ok(())
    }

    /// The search path: `./styles` if present, `IMGPROMPT_STYLES` (a PATH-style list), then
    /// `extra` (`--styles DIR`).
    pub fn search_path(extra: &[PathBuf]) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if Path::new("styles").is_dir() {
            dirs.push(PathBuf::from("styles"));
        }
        if let Some(var) = std::env::var_os("IMGPROMPT_STYLES") {
            dirs.extend(std::env::split_paths(&var).filter(|p| !p.as_os_str().is_empty()));
        }
        dirs.extend(extra.iter().cloned());
        dirs
    }

    /// Every style with its pack, in load order.
    pub fn iter(&self) -> impl Iterator<Item = (&Style, &str)> {
        self.styles.values().map(|(s, p)| (s, p.as_str()))
    }

    /// A style by name (case-insensitive), with "did you mean" when there is none.
    pub fn get(&self, name: &str) -> Result<&Style, Diagnostic> {
        self.styles
            .get(&name.to_lowercase())
            .map(|(s, _)| s)
            .ok_or_else(|| {
                let names: Vec<&str> = self.styles.values().map(|(s, _)| s.name.as_str()).collect();
                let d = Diagnostic::error(Code::UnknownStyle, format!("unknown style `{name}`"))
                    .with_label("unknown style");
                match crate::diagnostic::suggest::did_you_mean(name, names.iter().copied()) {
                    Some(s) => d.with_help(format!("did you mean `{s}`? (`imgprompt styles list` shows them all)")),
                    None => d.with_help("`imgprompt styles list` shows the styles; `imgprompt styles import` adds a library"),
                }
            })
    }
}

/// The positive fragment's words: the text around the `{prompt}` slot, as phrases; a preposition
/// that only led into the slot (`cinematic still of {prompt}`) is dropped with it.
pub fn positive_phrases(style: &Style) -> Vec<String> {
    const LEADS: &[&str] = &[
        "of",
        "for",
        "with",
        "in",
        "on",
        "featuring",
        "showing",
        "depicting",
        "about",
    ];
    let parts: Vec<&str> = style.prompt.split("{prompt}").collect();
    let last = parts.len().saturating_sub(1);
    parts
        .iter()
        .enumerate()
        .flat_map(|(i, part)| {
            let mut p = part.trim().to_string();
            if i < last {
                let lower = p.to_lowercase();
                if let Some(lead) = LEADS
                    .iter()
                    .find(|l| lower.ends_with(&format!(" {l}")) || lower == **l)
                {
                    p.truncate(p.len() - lead.len());
                }
            }
            p.split('\n').map(str::to_string).collect::<Vec<_>>()
        })
        .map(|p| {
            p.trim()
                .trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ':') || c.is_whitespace())
                .to_string()
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// The negative fragment's items (comma-separated, as the tools write them).
pub fn negative_items(style: &Style) -> Vec<String> {
    style
        .negative_prompt
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Fooocus's semantics: each style's prompt with `{prompt}` replaced by the prompt, one line per
/// style, in order; negatives each style's negative prompt (`modules/sdxl_styles.py`,
/// `apply_style`: `p.replace('{prompt}', positive).splitlines()`).
pub fn apply_fooocus(styles: &[&Style], prompt: &str) -> (Vec<String>, Vec<String>) {
    let mut positive = Vec::new();
    let mut negative = Vec::new();
    for s in styles {
        positive.extend(
            s.prompt
                .replace("{prompt}", prompt)
                .lines()
                .map(str::to_string),
        );
        negative.extend(s.negative_prompt.lines().map(str::to_string));
    }
    (positive, negative)
}

/// AUTOMATIC1111's semantics (`modules/styles.py`, `merge_prompts`): with a `{prompt}` slot the
/// prompt fills it; without, the style is appended after `, `; styles apply one after another.
pub fn apply_a1111(styles: &[&Style], prompt: &str, negative: &str) -> (String, String) {
    let merge = |style: &str, p: &str| -> String {
        if style.contains("{prompt}") {
            style.replace("{prompt}", p)
        } else if style.trim().is_empty() {
            p.to_string()
        } else if p.trim().is_empty() {
            style.to_string()
        } else {
            format!("{p}, {style}")
        }
    };
    let mut pos = prompt.to_string();
    let mut neg = negative.to_string();
    for s in styles {
        pos = merge(&s.prompt, &pos);
        neg = merge(&s.negative_prompt, &neg);
    }
    (pos, neg)
}

/// A source format for `styles import`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum ImportFormat {
    /// Fooocus `sdxl_styles/*.json`: a list of `{name, prompt, negative_prompt}`.
    Fooocus,
    /// AUTOMATIC1111 `styles.csv`: `name,prompt,negative_prompt`.
    A1111,
    /// SDXL Prompt Styler JSON: a list of `{name, prompt, negative_prompt}`.
    Styler,
}

/// What an import produced, and what it could not map.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The styles read.
    pub styles: Vec<Style>,
    /// One line per thing left out.
    pub unmapped: Vec<String>,
}

/// Reads a user's own style file into styles (the file is theirs: nothing is shipped).
pub fn import(text: &str, format: ImportFormat) -> Result<Imported, Diagnostic> {
    let mut unmapped = Vec::new();
    let mut styles = Vec::new();
    match format {
        ImportFormat::Fooocus | ImportFormat::Styler => {
            let items: Vec<serde_json::Value> = serde_json::from_str(text).map_err(|e| {
                Diagnostic::error(Code::Import, format!("expected a JSON list of styles: {e}"))
            })?;
            for (i, item) in items.iter().enumerate() {
                let Some(obj) = item.as_object() else {
                    unmapped.push(format!("item {i}: not an object"));
                    continue;
                };
                let Some(name) = obj.get("name").and_then(|v| v.as_str()) else {
                    unmapped.push(format!("item {i}: no name"));
                    continue;
                };
                for k in obj
                    .keys()
                    .filter(|k| !matches!(k.as_str(), "name" | "prompt" | "negative_prompt"))
                {
                    unmapped.push(format!("{name}: field `{k}` has no equivalent"));
                }
                styles.push(Style {
                    name: name.to_string(),
                    prompt: obj
                        .get("prompt")
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string(),
                    negative_prompt: obj
                        .get("negative_prompt")
                        .and_then(|v| v.as_str())
                        .unwrap_or("")
                        .to_string(),
                    tags: Vec::new(),
                });
            }
        }
        ImportFormat::A1111 => {
            let rows = parse_csv(text);
            let mut rows = rows.into_iter();
            let header = rows.next().unwrap_or_default();
            let col = |n: &str| header.iter().position(|h| h.trim() == n);
            let (Some(name_at), prompt_at, negative_at) =
                (col("name"), col("prompt"), col("negative_prompt"))
            else {
                return Err(
                    Diagnostic::error(Code::Import, "styles.csv has no `name` column")
                        .with_help("the first line must be `name,prompt,negative_prompt`"),
                );
            };
            for h in header
                .iter()
                .filter(|h| !matches!(h.trim(), "name" | "prompt" | "negative_prompt"))
            {
                unmapped.push(format!("column `{h}` has no equivalent"));
            }
            for (i, row) in rows.enumerate() {
                let field =
                    |at: Option<usize>| at.and_then(|a| row.get(a)).cloned().unwrap_or_default();
                let name = field(Some(name_at));
                if name.trim().is_empty() {
                    if row.iter().any(|c| !c.trim().is_empty()) {
                        unmapped.push(format!("row {}: no name", i + 2));
                    }
                    continue;
                }
                styles.push(Style {
                    name,
                    prompt: field(prompt_at),
                    negative_prompt: field(negative_at),
                    tags: Vec::new(),
                });
            }
        }
    }
    Ok(Imported { styles, unmapped })
}

/// RFC 4180 CSV: quoted fields, doubled quotes, newlines inside quotes.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}
