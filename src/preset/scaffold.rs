//! Files of a new preset (`imgprompt new preset`).
use crate::preset::Preset;

/// (preset.yaml, prompt.tera, fixtures/example.yaml) for a new preset, optionally extending
/// `parent` (whose template is copied to be edited).
pub fn preset_files(name: &str, parent: Option<&Preset>) -> (String, String, String) {
    match parent {
        Some(p) => {
            let manifest = format!(
                "name: {name}\ndescription: A preset built on `{parent}`. Say here what it is for.\nversion: 0.1.0\nextends: {parent}\n# Inherited from `{parent}`: defaults, text roles and params. Override any of them here, e.g.\n# defaults:\n#   output: {{size: 1024x1024}}\n",
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
                "name: {name}\ndescription: Say here what this preset is for.\nversion: 0.1.0\nlicense: MIT\ntemplate: prompt.tera\ndefaults:\n  output:\n    size: 1024x1024\n    quality: medium\ntext_roles:\n  headline: {{description: the main text}}\nparams:\n  type: object\n  additionalProperties: false\n  properties:\n    angle:\n      description: An example param, used by the template.\n      type: string\n"
            ),
            String::from(
                "{#- One sentence per line; empty lines and empty `if` blocks vanish when the prompt is tidied. -#}\nCreate {{ style.medium | default(value=\"image\", boolean=true) | phrase | article }} of {{ subject | phrase }}\n{%- if params.angle %}, seen from {{ params.angle }}{% endif %}.\n{{ <usage ctx={context}/> }}\n{{ <exact_text items={text}/> }}\n{{ <text_rule items={text} typography={style.typography}/> }}\n{{ <composition_clause c={composition}/> }}\n{{ <style_clause s={style}/> }}\n{{ <avoid_clause items={avoid}/> }}\n",
            ),
            format!(
                "preset: {name}\nsubject: a first test subject\ntext:\n  headline: Hello\nparams:\n  angle: a low angle\n"
            ),
        ),
    }
}
