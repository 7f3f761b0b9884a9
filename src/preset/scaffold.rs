//! Files of a new preset (`imgprompt new preset`).
use crate::preset::Preset;

/// (preset.yaml, prompt.tera, fixtures/example.yaml) for a new preset, optionally extending
/// `parent` (whose template is copied to be edited).
pub fn preset_files(name: &str, parent: Option<&Preset>) -> (String, String, String) {
    match parent {
        Some(p) => {
            let writes = if p.manifest.writes == crate::preset::Writes::Details {
                "writes: details\n"
            } else {
                ""
            };
            let manifest = format!(
                "name: {name}\ndescription: A preset built on `{parent}`. Say here what it is for.\nversion: 0.1.0\nextends: {parent}\n{writes}# Inherited from `{parent}`: defaults, text roles and params. Override any of them here, e.g.\n# defaults:\n#   output: {{size: 1024x1024}}\n",
                parent = p.name()
            );
            let template = p
                .templates
                .iter()
                .find(|(n, _)| *n == p.main_template())
                .map(|(_, t)| t.to_string())
                .unwrap_or_else(|| format!("{{% extends \"{}\" %}}\n", p.main_template()));
            let fixture = match &p.example {
                Some((_, text)) => {
                    let body: String = text
                        .lines()
                        .filter(|l| !l.starts_with("preset:"))
                        .map(|l| format!("{l}\n"))
                        .collect();
                    format!("preset: {name}\n{body}")
                }
                None => format!("preset: {name}\nsubject: a first test subject\n"),
            };
            (manifest, template, fixture)
        }
        None => (
            format!(
                "name: {name}\ndescription: Say here what this preset is for.\nversion: 0.1.0\nlicense: MIT\ntemplate: prompt.tera\nwrites: details\nsubject_link: of\ndefaults:\n  output:\n    size: 1024x1024\n    quality: medium\ntext_roles:\n  headline: {{description: the main text, size: largest}}\nparams:\n  type: object\n  additionalProperties: false\n  properties:\n    angle:\n      description: An example param, used by the template.\n      type: string\n"
            ),
            String::from(
                "{#- The preset's own phrases, one per line, each with its kind first: `subject:` (said with the\n    subject), `detail:` (a key detail; the default), `text:` (about the text), `constraint:`.\n    Each model family's writer says the rest of the brief around them, the way its guide asks;\n    a `prompt.<family>.tera` beside this file (gpt, gemini, flux, stability, midjourney) writes\n    that family's whole prompt instead. Empty lines vanish. -#}\n{% if params.angle %}subject: seen from {{ params.angle }}{% endif %}\n",
            ),
            format!(
                "preset: {name}\nsubject: a first test subject\ntext:\n  headline: Hello\nparams:\n  angle: a low angle\n"
            ),
        ),
    }
}

/// A starter brief for `preset`, commented, as YAML: the editor's JSON Schema modeline pointing at
/// `schema` (completion and checks as you type), what the preset is for, the preset's example
/// brief (or a minimal one), and each text role it takes, the unused ones commented out. It
/// renders as written.
pub fn starter_brief(preset: &Preset, schema: &str) -> String {
    let m = &preset.manifest;
    let mut out = format!(
        "# yaml-language-server: $schema={schema}\n\
         # A brief for the `{name}` preset: {description}\n\
         # Exact text (under `text:`) is rendered letter for letter; everything else is free prose.\n\
         # Next: `imgprompt render FILE --emit prompt`, `imgprompt lint FILE`, `imgprompt cost FILE`.\n",
        name = preset.name(),
        description = comment_lines(m.description.trim()),
    );
    let body = match &preset.example {
        Some((_, text)) => text.to_string(),
        None => format!(
            "preset: {}\nsubject: what the image shows, in a few words\n",
            preset.name()
        ),
    };
    out.push_str(&body);
    if !body.ends_with('\n') {
        out.push('\n');
    }
    let used = crate::brief::source::SourceFile::new("starter", body.clone(), None)
        .parse()
        .ok()
        .and_then(|v| v.get("text").and_then(|t| t.as_object()).cloned())
        .unwrap_or_default();
    let unused: Vec<_> = m
        .text_roles
        .iter()
        .filter(|(r, _)| !used.contains_key(*r))
        .collect();
    if !unused.is_empty() {
        out.push_str("# The preset's other text roles (add them under `text:`):\n");
        for (role, r) in unused {
            let list = if r.plural { " (a list)" } else { "" };
            let size = r
                .size
                .as_deref()
                .map(|s| format!(", {s} type"))
                .unwrap_or_default();
            out.push_str(&format!(
                "#   {role}: {}{list}{size}\n",
                comment_lines(r.description.trim())
            ));
        }
    }
    out
}

/// Text for a `# ` comment: each further line of it starts with `#` too, so a description of
/// several lines can never become YAML.
fn comment_lines(text: &str) -> String {
    text.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .map(|l| {
            l.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n#   ")
}
