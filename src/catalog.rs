//! Finding presets: the built-in ones embedded in the binary, then user folders. Later sources
//! win on a name clash: built-in < `./presets` < `IMGPROMPT_PRESETS` < `--presets` (in order).
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;
use serde_json::Value;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::preset::{Manifest, Origin, Preset};
use crate::render::{Compiled, TemplateFile};
use crate::schema::Schema;
use crate::source::{Format, JsonPath, SourceFile};
use crate::suggest::{did_you_mean, one_of};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The file name of a preset manifest.
pub const MANIFEST: &str = "preset.yaml";

/// The preset used when a brief names none.
pub const DEFAULT_PRESET: &str = "basic";

/// Every preset available to the engine.
#[derive(Debug)]
pub struct Catalog {
    presets: IndexMap<String, Arc<Preset>>,
    shared: Vec<(String, Arc<str>)>,
    /// User presets that failed to load, by name (the folder name when the manifest itself is
    /// broken), with their diagnostics. They affect only the briefs that use them.
    broken: IndexMap<String, Vec<Diagnostic>>,
}

/// One preset folder's files before parsing: (relative path, text).
struct RawPreset {
    dir: String,
    files: Vec<(String, Arc<str>)>,
    origin: Origin,
}

fn manifest_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let raw = serde_json::to_value(schemars::schema_for!(Manifest)).expect("schema");
        Schema::compile(raw).expect("manifest schema compiles")
    })
}

impl Catalog {
    /// The built-in presets only.
    pub fn builtin() -> Result<Catalog, Diagnostics> {
        Self::load(&[])
    }

    /// Like [`Catalog::load`], but any broken preset is an error (for `imgprompt test` and the
    /// authoring tools, where the preset under work must load).
    pub fn load_strict(dirs: &[PathBuf]) -> Result<Catalog, Diagnostics> {
        let catalog = Self::load(dirs)?;
        if catalog.broken.is_empty() {
            return Ok(catalog);
        }
        Err(Diagnostics(
            catalog.broken.into_values().flatten().collect(),
        ))
    }

    /// Built-in presets plus every preset under `dirs` (each either a preset folder or a folder
    /// of preset folders), later ones winning on a name clash. A user preset that fails to load is
    /// kept aside as broken ([`Catalog::broken`]): briefs that use it get its diagnostics, every
    /// other brief runs. An unreadable folder is an error.
    pub fn load(dirs: &[PathBuf]) -> Result<Catalog, Diagnostics> {
        let mut shared = Vec::new();
        let mut raws: IndexMap<String, RawPreset> = IndexMap::new();
        for (path, text) in EMBEDDED_TEMPLATES {
            let text: Arc<str> = Arc::from(*text);
            match path.split_once('/') {
                Some(("_shared", _)) => shared.push(((*path).to_string(), text)),
                Some((dir, rel)) => raws
                    .entry(dir.to_string())
                    .or_insert_with(|| RawPreset {
                        dir: format!("templates/{dir}"),
                        files: Vec::new(),
                        origin: Origin::BuiltIn,
                    })
                    .files
                    .push((rel.to_string(), text)),
                None => {}
            }
        }
        let mut diagnostics = Diagnostics::default();
        let mut presets: IndexMap<String, Preset> = IndexMap::new();
        for raw in raws.into_values() {
            match parse_preset(raw) {
                Ok(p) => {
                    presets.insert(p.manifest.name.clone(), p);
                }
                Err(d) => diagnostics.0.extend(d),
            }
        }
        let mut broken: IndexMap<String, Vec<Diagnostic>> = IndexMap::new();
        for dir in dirs {
            match read_dir_presets(dir) {
                Ok(found) => {
                    for raw in found {
                        let folder = raw
                            .dir
                            .rsplit(['/', '\\'])
                            .next()
                            .unwrap_or_default()
                            .to_string();
                        match parse_preset(raw) {
                            Ok(mut p) => {
                                let name = p.manifest.name.clone();
                                if let Some(old) = presets.shift_remove(&name) {
                                    p.shadows = Some(old.origin.clone());
                                    if p.manifest.extends.as_deref() == Some(name.as_str()) {
                                        // extending the preset it hides: keep that one as `name@origin`
                                        let kept = rename(old, &name);
                                        p.manifest.extends = Some(kept.manifest.name.clone());
                                        presets.insert(kept.manifest.name.clone(), kept);
                                    }
                                }
                                broken.shift_remove(&name);
                                presets.insert(name, p);
                            }
                            Err(d) => {
                                broken.insert(folder, d);
                            }
                        }
                    }
                }
                Err(d) => diagnostics.push(d),
            }
        }
        for (name, ds) in resolve_extends(&mut presets) {
            let preset = presets.shift_remove(&name);
            match preset.map(|p| p.origin) {
                Some(Origin::BuiltIn) | None => diagnostics.0.extend(ds),
                Some(_) => {
                    broken.insert(name, ds);
                }
            }
        }
        if diagnostics.has_errors() {
            return Err(diagnostics);
        }
        Ok(Catalog {
            presets: presets.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
            shared,
            broken,
        })
    }

    /// The default search path: `./presets` if present, then `IMGPROMPT_PRESETS` (a
    /// `PATH`-style list), then `extra` (from `--presets`).
    pub fn search_path(extra: &[PathBuf]) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        let local = PathBuf::from("presets");
        if local.join(MANIFEST).is_file() || local.is_dir() && has_preset_subdir(&local) {
            dirs.push(local);
        }
        if let Some(var) = std::env::var_os("IMGPROMPT_PRESETS") {
            dirs.extend(std::env::split_paths(&var).filter(|p| !p.as_os_str().is_empty()));
        }
        dirs.extend(extra.iter().cloned());
        dirs
    }

    /// User presets that failed to load, with their diagnostics.
    pub fn broken(&self) -> &IndexMap<String, Vec<Diagnostic>> {
        &self.broken
    }

    /// Looks a preset up, suggesting the closest name when there is none. A broken preset's
    /// first diagnostic is returned (all of them with [`Catalog::broken`]).
    pub fn get(&self, name: &str) -> Result<&Arc<Preset>, Diagnostic> {
        if let Some(ds) = self.broken.get(name)
            && let Some(first) = ds.first()
        {
            return Err(first.clone());
        }
        self.presets.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.presets.keys().map(String::as_str).collect();
            let d = Diagnostic::error("unknown-preset", format!("unknown preset `{name}`"))
                .with_label("unknown preset");
            match did_you_mean(name, names.iter().copied()) {
                Some(s) => d.with_help(format!("did you mean `{s}`? Presets: {}", one_of(&names))),
                None => d.with_help(format!("presets: {}", one_of(&names))),
            }
        })
    }

    /// All presets, in load order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Preset>> {
        self.presets.values()
    }

    /// The compiled templates of `preset`, built on first use and reused.
    pub fn compiled<'a>(&self, preset: &'a Preset) -> Result<&'a Compiled, Vec<Diagnostic>> {
        preset
            .compiled
            .get_or_init(|| Compiled::new(&self.template_set(preset)))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Shared parts, then the templates of the preset's ancestors, then its own.
    pub fn template_set(&self, preset: &Preset) -> Vec<TemplateFile> {
        let file = |p: &Preset, name: &str, text: &Arc<str>| TemplateFile {
            name: name.to_string(),
            text: text.clone(),
            path: format!(
                "{}/{}",
                p.dir,
                name.split_once('/').map_or(name, |(_, f)| f)
            ),
        };
        let mut set: Vec<TemplateFile> = self
            .shared
            .iter()
            .map(|(n, t)| TemplateFile {
                name: n.clone(),
                text: t.clone(),
                path: format!("templates/{n}"),
            })
            .collect();
        let mut chain = Vec::new();
        let mut current = preset.manifest.extends.as_deref();
        while let Some(parent) = current.and_then(|n| self.presets.get(n)) {
            if chain
                .iter()
                .any(|p: &&Arc<Preset>| p.name() == parent.name())
                || parent.name() == preset.name()
            {
                break;
            }
            chain.push(parent);
            current = parent.manifest.extends.as_deref();
        }
        for parent in chain.iter().rev() {
            set.extend(parent.templates.iter().map(|(n, t)| file(parent, n, t)));
        }
        set.extend(preset.templates.iter().map(|(n, t)| file(preset, n, t)));
        set
    }
}

fn has_preset_subdir(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().any(|e| e.path().join(MANIFEST).is_file()))
        .unwrap_or(false)
}

fn read_dir_presets(dir: &Path) -> Result<Vec<RawPreset>, Diagnostic> {
    let io = |e: std::io::Error| {
        Diagnostic::error(
            "io",
            format!("cannot read preset folder `{}`: {e}", dir.display()),
        )
        .in_file(dir.display().to_string())
    };
    if dir.join(MANIFEST).is_file() {
        return Ok(vec![read_preset_folder(dir).map_err(io)?]);
    }
    let mut found = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.join(MANIFEST).is_file() {
            found.push(read_preset_folder(&path).map_err(io)?);
        }
    }
    Ok(found)
}

fn read_preset_folder(dir: &Path) -> std::io::Result<RawPreset> {
    let mut files = Vec::new();
    collect_files(dir, dir, &mut files)?;
    Ok(RawPreset {
        dir: dir.display().to_string(),
        files,
        origin: Origin::Dir(dir.display().to_string()),
    })
}

fn collect_files(
    root: &Path,
    dir: &Path,
    out: &mut Vec<(String, Arc<str>)>,
) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        if path.is_dir() {
            if rel != "fixtures" && !rel.starts_with('.') {
                collect_files(root, &path, out)?;
            }
        } else if rel == MANIFEST || rel.ends_with(".tera") || rel.starts_with("example") {
            out.push((rel, Arc::from(std::fs::read_to_string(&path)?)));
        }
    }
    Ok(())
}

fn parse_preset(raw: RawPreset) -> Result<Preset, Vec<Diagnostic>> {
    let manifest_name = format!("{}/{MANIFEST}", raw.dir);
    let Some((_, text)) = raw.files.iter().find(|(n, _)| n == MANIFEST) else {
        return Err(vec![Diagnostic::error(
            "preset",
            format!("`{}` has no {MANIFEST}", raw.dir),
        )]);
    };
    let source = SourceFile::new(manifest_name.clone(), text.clone(), Some(Format::Yaml));
    let value = source.parse().map_err(|d| vec![d])?;
    let problems = manifest_schema().check(&value, &JsonPath::root(), Some(&source));
    if !problems.is_empty() {
        return Err(problems);
    }
    let manifest: Manifest = serde_json::from_value(value).map_err(|e| {
        vec![Diagnostic::error("preset", format!("invalid manifest: {e}")).in_file(&manifest_name)]
    })?;
    if let Some(params) = &manifest.params
        && let Err(e) = Schema::compile(params.clone())
    {
        return Err(vec![source.point(
            Diagnostic::error(
                "preset",
                format!("`params` is not a valid JSON Schema: {e}"),
            ),
            &JsonPath::root().key("params"),
            true,
        )]);
    }
    let name = manifest.name.clone();
    let templates: Vec<(String, Arc<str>)> = raw
        .files
        .iter()
        .filter(|(n, _)| n.ends_with(".tera"))
        .map(|(n, t)| (format!("{name}/{n}"), t.clone()))
        .collect();
    let example = manifest
        .example
        .as_ref()
        .and_then(|e| raw.files.iter().find(|(n, _)| n == e))
        .map(|(n, t)| (format!("{}/{n}", raw.dir), t.clone()));
    if let Some(e) = &manifest.example
        && example.is_none()
    {
        return Err(vec![source.point(
            Diagnostic::error(
                "preset",
                format!("the example `{e}` is not in the preset folder"),
            ),
            &JsonPath::root().key("example"),
            false,
        )]);
    }
    let main = format!("{name}/{}", manifest.template);
    if manifest.extends.is_none() && !templates.iter().any(|(n, _)| *n == main) {
        return Err(vec![source.point(
            Diagnostic::error(
                "preset",
                format!(
                    "the template `{}` is not in the preset folder",
                    manifest.template
                ),
            ),
            &JsonPath::root().key("template"),
            false,
        )]);
    }
    Ok(Preset {
        manifest,
        origin: raw.origin,
        dir: raw.dir.clone(),
        templates,
        example,
        shadows: None,
        main,
        params_schema: OnceLock::new(),
        compiled: OnceLock::new(),
    })
}

/// A hidden preset renamed `name@built-in` (or `name@<folder>`), its templates with it, so that
/// a preset of the same name can extend it.
fn rename(mut p: Preset, name: &str) -> Preset {
    let tag = match &p.origin {
        Origin::BuiltIn => String::from("built-in"),
        Origin::Dir(d) => d.replace(['/', '\\'], "-"),
    };
    let new = format!("{name}@{tag}");
    let prefix = format!("{name}/");
    for (n, _) in &mut p.templates {
        if let Some(rest) = n.strip_prefix(&prefix) {
            *n = format!("{new}/{rest}");
        }
    }
    if let Some(rest) = p.main.strip_prefix(&prefix) {
        p.main = format!("{new}/{rest}");
    }
    p.manifest.name = new;
    p
}

/// Merges `overlay` onto `base`: objects recursively, anything else replaced by the overlay.
pub fn deep_merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => deep_merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Merges each preset's ancestors into it. Returns the presets whose chain is broken (a cycle,
/// or an unknown parent), with the reason.
fn resolve_extends(presets: &mut IndexMap<String, Preset>) -> IndexMap<String, Vec<Diagnostic>> {
    let mut failed: IndexMap<String, Vec<Diagnostic>> = IndexMap::new();
    let names: Vec<String> = presets.keys().cloned().collect();
    for name in &names {
        let mut diagnostics = Diagnostics::default();
        // walk up the chain, merging ancestors' manifests under this one
        let mut chain = Vec::new();
        let mut current = presets[name].manifest.extends.clone();
        while let Some(parent) = current {
            if parent == *name || chain.contains(&parent) {
                diagnostics.push(Diagnostic::error(
                    "preset",
                    format!("preset `{name}` extends itself through `{parent}`"),
                ));
                break;
            }
            let Some(p) = presets.get(&parent) else {
                let d = Diagnostic::error(
                    "unknown-preset",
                    format!("preset `{name}` extends unknown preset `{parent}`"),
                )
                .with_help_opt(
                    did_you_mean(&parent, names.iter().map(String::as_str))
                        .map(|s| format!("did you mean `{s}`?")),
                );
                diagnostics.push(d);
                break;
            };
            current = p.manifest.extends.clone();
            chain.push(parent);
        }
        if !diagnostics.0.is_empty() {
            failed.insert(name.clone(), diagnostics.0);
            continue;
        }
        if chain.is_empty() {
            continue;
        }
        let mut defaults = Value::Object(Default::default());
        let mut roles = IndexMap::new();
        let mut params = None;
        let mut main = None;
        for parent in chain.iter().rev() {
            let p = &presets[parent];
            deep_merge(&mut defaults, Value::Object(p.manifest.defaults.clone()));
            roles.extend(p.manifest.text_roles.clone());
            if p.manifest.params.is_some() {
                params = p.manifest.params.clone();
            }
            main = Some(p.main.clone());
        }
        let preset = presets.get_mut(name).expect("present");
        deep_merge(
            &mut defaults,
            Value::Object(preset.manifest.defaults.clone()),
        );
        if let Value::Object(d) = defaults {
            preset.manifest.defaults = d;
        }
        roles.extend(preset.manifest.text_roles.clone());
        preset.manifest.text_roles = roles;
        if preset.manifest.params.is_none() {
            preset.manifest.params = params;
        }
        if !preset.templates.iter().any(|(n, _)| *n == preset.main)
            && let Some(m) = main
        {
            preset.main = m;
        }
    }
    failed
}
