//! Finding presets: the built-in ones embedded in the binary, then user folders. Later sources
//! win on a name clash: built-in < `./presets` < `IMGPROMPT_PRESETS` < `--presets` (in order).
//! A preset from an implicit folder (`./presets`, `IMGPROMPT_PRESETS`) that replaces a built-in
//! one is a warning ([`Catalog::warnings`]). User folders are read through [`crate::preset::files`]:
//! regular files only, links only to a regular file inside the same preset folder, no FIFO,
//! socket or device ever opened, and caps on size, count and depth.
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use indexmap::IndexMap;
use serde_json::Value;

use crate::brief::schema::Schema;
use crate::brief::source::{Format, JsonPath, SourceFile};
use crate::diagnostic::suggest::{did_you_mean, one_of};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::preset::TemplateFile;
use crate::preset::files;
use crate::preset::{Manifest, Origin, Preset};

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
    /// Warnings about the catalog itself ([`Catalog::warnings`]).
    warnings: Vec<Diagnostic>,
}

/// How a folder got on the preset search path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// `./presets` in the working directory, present on its own.
    Local,
    /// An entry of `IMGPROMPT_PRESETS`.
    Env,
    /// Named on purpose: `--presets DIR`, `imgprompt test DIR`, or a library caller.
    Explicit,
}

/// One folder of the preset search path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDir {
    /// The folder: a preset folder or a folder of preset folders.
    pub path: PathBuf,
    /// How it got on the path.
    pub found: Found,
}

impl SearchDir {
    /// A folder named on purpose.
    pub fn explicit(path: PathBuf) -> SearchDir {
        SearchDir {
            path,
            found: Found::Explicit,
        }
    }
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
    /// of preset folders), later ones winning on a name clash. A user preset that fails to load —
    /// a manifest or template error, or a file refused by [`crate::preset::files`] (a link out of its
    /// folder, a FIFO, a file over 1 MiB, more than 1,000 entries, folders more than 8 deep) —
    /// is kept aside as broken ([`Catalog::broken`]): briefs that use it get its diagnostics,
    /// every other brief runs. An unreadable search folder is an error. Every folder counts as
    /// named on purpose ([`Found::Explicit`]): no shadowing warning.
    pub fn load(dirs: &[PathBuf]) -> Result<Catalog, Diagnostics> {
        let dirs: Vec<SearchDir> = dirs.iter().cloned().map(SearchDir::explicit).collect();
        Self::load_search(&dirs)
    }

    /// Like [`Catalog::load`], over a search path that records how each folder was found
    /// ([`Catalog::search_path`]): a preset from an implicit folder (`./presets`,
    /// `IMGPROMPT_PRESETS`) that replaces a built-in one gets a warning ([`Catalog::warnings`]).
    pub fn load_search(dirs: &[SearchDir]) -> Result<Catalog, Diagnostics> {
        let Builtins {
            shared,
            presets,
            mut diagnostics,
        } = builtins();
        let builtin_names: Vec<String> = presets.keys().cloned().collect();
        let mut loading = Loading {
            presets,
            broken: IndexMap::new(),
            winners: IndexMap::new(),
        };
        for dir in dirs {
            match read_dir_presets(&dir.path) {
                Ok(found) => {
                    for one in found {
                        match one {
                            Ok(raw) => loading.add(raw, dir),
                            Err(refused) => {
                                loading
                                    .broken
                                    .insert(refused.folder, vec![refused.diagnostic]);
                            }
                        }
                    }
                }
                Err(d) => diagnostics.push(d),
            }
        }
        let Loading {
            mut presets,
            mut broken,
            winners,
        } = loading;
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
            warnings: shadow_warnings(&builtin_names, &winners),
        })
    }

    /// The default search path: `./presets` if it holds presets, then `IMGPROMPT_PRESETS` (a
    /// `PATH`-style list), then `extra` (from `--presets`), each marked with how it was found. A
    /// folder also named in `extra` is left out of the implicit part: naming `./presets`
    /// explicitly (`--presets ./presets`) silences the shadowing warning.
    pub fn search_path(extra: &[PathBuf]) -> Vec<SearchDir> {
        let named = |p: &Path| extra.iter().any(|e| same_path(e, p));
        let mut dirs = Vec::new();
        let local = PathBuf::from("presets");
        if has_presets(&local) && !named(&local) {
            dirs.push(SearchDir {
                path: local,
                found: Found::Local,
            });
        }
        if let Some(var) = std::env::var_os("IMGPROMPT_PRESETS") {
            dirs.extend(
                std::env::split_paths(&var)
                    .filter(|p| !p.as_os_str().is_empty() && !named(p))
                    .map(|path| SearchDir {
                        path,
                        found: Found::Env,
                    }),
            );
        }
        dirs.extend(extra.iter().cloned().map(SearchDir::explicit));
        dirs
    }

    /// Every preset as a JSON object (`presets --format json`, the Python package's
    /// `presets()`): name, description, version, origin, extends, shadows, text roles and tags;
    /// a preset that failed to load as `{name, broken: true, diagnostics}`.
    pub fn listing(&self) -> Vec<serde_json::Value> {
        self.iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name(),
                    "description": p.manifest.description,
                    "version": p.manifest.version,
                    "origin": p.origin.to_string(),
                    "extends": p.manifest.extends,
                    "shadows": p.shadows.as_ref().map(ToString::to_string),
                    "text_roles": p.manifest.text_roles.keys().collect::<Vec<_>>(),
                    "tags": p.manifest.tags,
                })
            })
            .chain(self.broken().iter().map(|(name, ds)| {
                serde_json::json!({
                    "name": name,
                    "broken": true,
                    "diagnostics": ds,
                })
            }))
            .collect()
    }

    /// Warnings about the catalog itself: each preset from an implicit folder (`./presets`,
    /// `IMGPROMPT_PRESETS`) that replaces a built-in preset, naming both and how to silence it.
    /// The command line prints them once per run.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
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
            let d = Diagnostic::error(Code::UnknownPreset, format!("unknown preset `{name}`"))
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

/// True when `dir` has a manifest entry: a `preset.yaml` of any kind (judged without following
/// or opening it; the walk then refuses one that is not a regular file, with a clear error).
pub fn has_manifest(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(MANIFEST)).is_ok()
}

/// True when `dir` is a preset folder or a folder of preset folders (looking at no more than
/// [`files::MAX_ENTRIES`] entries).
pub fn has_presets(dir: &Path) -> bool {
    has_manifest(dir)
        || std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .take(files::MAX_ENTRIES)
                .any(|e| has_manifest(&e.path()))
        })
}

/// The same folder, by name or once resolved.
fn same_path(a: &Path, b: &Path) -> bool {
    a == b
        || matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        )
}

/// The last component of a folder as written (`presets/mine` → `mine`).
fn folder_name(dir: &str) -> String {
    dir.rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The built-in presets, parsed.
struct Builtins {
    /// The shared templates (`_shared/…`).
    shared: Vec<(String, Arc<str>)>,
    presets: IndexMap<String, Preset>,
    /// Those of any that does not parse (a bug in the binary, reported as an error).
    diagnostics: Diagnostics,
}

/// The built-in presets embedded in the binary.
fn builtins() -> Builtins {
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
    Builtins {
        shared,
        presets,
        diagnostics,
    }
}

/// The catalog while user folders are added.
struct Loading {
    presets: IndexMap<String, Preset>,
    broken: IndexMap<String, Vec<Diagnostic>>,
    /// For each name a user preset took: how its search folder was found, its own folder, and
    /// that search folder (the last one wins, as the preset does).
    winners: IndexMap<String, (Found, String, PathBuf)>,
}

impl Loading {
    /// Adds one user preset found in `dir`: it replaces any earlier preset of its name.
    fn add(&mut self, raw: RawPreset, dir: &SearchDir) {
        let folder = folder_name(&raw.dir);
        let shown = raw.dir.clone();
        match parse_preset(raw) {
            Ok(mut p) => {
                let name = p.manifest.name.clone();
                if let Some(old) = self.presets.shift_remove(&name) {
                    p.shadows = Some(old.origin.clone());
                    if p.manifest.extends.as_deref() == Some(name.as_str()) {
                        // extending the preset it hides: keep that one as `name@origin`
                        let kept = rename(old, &name);
                        p.manifest.extends = Some(kept.manifest.name.clone());
                        self.presets.insert(kept.manifest.name.clone(), kept);
                    }
                }
                self.broken.shift_remove(&name);
                self.winners
                    .insert(name.clone(), (dir.found, shown, dir.path.clone()));
                self.presets.insert(name, p);
            }
            Err(d) => {
                self.broken.insert(folder, d);
            }
        }
    }
}

/// One warning per built-in preset replaced by a preset from an implicit folder.
fn shadow_warnings(
    builtins: &[String],
    winners: &IndexMap<String, (Found, String, PathBuf)>,
) -> Vec<Diagnostic> {
    winners
        .iter()
        .filter(|(name, _)| builtins.contains(name))
        .filter_map(|(name, (found, folder, search))| {
            let (how, help) = match found {
                Found::Explicit => return None,
                Found::Local => (
                    String::from("`./presets` in the working directory"),
                    String::from(
                        "if that is meant, name the folder explicitly (`--presets ./presets`) and this warning goes; if not, rename the preset (`name:` in its preset.yaml) or move it out of ./presets",
                    ),
                ),
                Found::Env => (
                    format!("`IMGPROMPT_PRESETS` (`{}`)", search.display()),
                    format!(
                        "if that is meant, pass it as `--presets {}` instead and this warning goes; if not, rename the preset (`name:` in its preset.yaml) or drop the folder from IMGPROMPT_PRESETS",
                        search.display()
                    ),
                ),
            };
            Some(
                Diagnostic::warning(
                    Code::ShadowsBuiltIn,
                    format!(
                        "the preset folder `{folder}`, found through {how}, replaces the built-in preset `{name}`"
                    ),
                )
                .in_file(format!("{folder}/{MANIFEST}"))
                .with_help(help),
            )
        })
        .collect()
}

/// A preset folder refused before parsing (a file [`safe_fs`] would not read), by folder name.
struct Refused {
    folder: String,
    diagnostic: Diagnostic,
}

/// The preset folders of one search folder: `dir` itself when it holds a manifest, else each
/// entry of it that does (at most [`files::MAX_ENTRIES`] entries). A folder whose files are
/// refused comes back as [`Refused`]; an unreadable `dir` is an error.
fn read_dir_presets(dir: &Path) -> Result<Vec<Result<RawPreset, Refused>>, Diagnostic> {
    if has_manifest(dir) {
        return Ok(vec![read_preset_folder(dir)]);
    }
    let entries = files::list_dir(dir, &files::Limits::default()).map_err(|e| match e {
        files::Error::Io { error, .. } => Diagnostic::error(
            Code::Io,
            format!("cannot read preset folder `{}`: {error}", dir.display()),
        )
        .in_file(dir.display().to_string()),
        other => other.diagnostic(),
    })?;
    Ok(entries
        .iter()
        .filter(|p| has_manifest(p))
        .map(|p| read_preset_folder(p.as_path()))
        .collect())
}

/// Reads one preset folder through [`files::walk`]: the manifest, every `*.tera`, and
/// `example*` files, anywhere below it but in `fixtures/` (and names starting with `.`).
fn read_preset_folder(dir: &Path) -> Result<RawPreset, Refused> {
    let shown = dir.display().to_string();
    let refused = |e: files::Error| Refused {
        folder: folder_name(&shown),
        diagnostic: e.diagnostic(),
    };
    let limits = files::Limits::default();
    let keep = |rel: &str, kind: files::Kind| match kind {
        files::Kind::Dir => rel != "fixtures",
        files::Kind::File => {
            rel == MANIFEST || rel.ends_with(".tera") || rel.starts_with("example")
        }
    };
    let entries = files::walk(dir, &limits, &keep).map_err(refused)?;
    let mut files = Vec::with_capacity(entries.len());
    for entry in &entries {
        let text = files::read_entry(entry, limits.max_file_bytes).map_err(refused)?;
        files.push((entry.rel.clone(), Arc::from(text)));
    }
    Ok(RawPreset {
        dir: shown.clone(),
        files,
        origin: Origin::Dir(shown),
    })
}

fn parse_preset(raw: RawPreset) -> Result<Preset, Vec<Diagnostic>> {
    let (source, manifest) = read_manifest(&raw)?;
    if let Some(params) = &manifest.params
        && let Err(e) = Schema::compile(params.clone())
    {
        return Err(vec![source.point(
            Diagnostic::error(
                Code::Preset,
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
                Code::Preset,
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
                Code::Preset,
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
    })
}

/// The preset's manifest, checked against its schema (errors point into the file).
fn read_manifest(raw: &RawPreset) -> Result<(SourceFile, Manifest), Vec<Diagnostic>> {
    let manifest_name = format!("{}/{MANIFEST}", raw.dir);
    let Some((_, text)) = raw.files.iter().find(|(n, _)| n == MANIFEST) else {
        return Err(vec![Diagnostic::error(
            Code::Preset,
            format!("`{}` has no {MANIFEST}", raw.dir),
        )]);
    };
    let source = SourceFile::new(manifest_name.clone(), text.clone(), Some(Format::Yaml));
    let value = source.parse_brief().map_err(|d| vec![d])?;
    let problems = manifest_schema().check(&value, &JsonPath::root(), Some(&source));
    if !problems.is_empty() {
        return Err(problems);
    }
    let manifest: Manifest = serde_json::from_value(value).map_err(|e| {
        vec![
            Diagnostic::error(Code::Preset, format!("invalid manifest: {e}"))
                .in_file(&manifest_name),
        ]
    })?;
    Ok((source, manifest))
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
                    Code::Preset,
                    format!("preset `{name}` extends itself through `{parent}`"),
                ));
                break;
            }
            let Some(p) = presets.get(&parent) else {
                let d = Diagnostic::error(
                    Code::UnknownPreset,
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
        inherit(presets, name, &chain);
    }
    failed
}

/// Merges the manifests of `chain` (the parents of `name`, nearest first) under its own:
/// defaults (the child wins), text roles, params, the nearest ancestor's main template with what
/// it writes, the subject link and the text rule.
fn inherit(presets: &mut IndexMap<String, Preset>, name: &str, chain: &[String]) {
    let mut defaults = Value::Object(Default::default());
    let mut roles = IndexMap::new();
    let mut params = None;
    let mut main = None;
    let (mut link, mut rule) = (None, None);
    for parent in chain.iter().rev() {
        let p = &presets[parent];
        deep_merge(&mut defaults, Value::Object(p.manifest.defaults.clone()));
        roles.extend(p.manifest.text_roles.clone());
        if p.manifest.params.is_some() {
            params = p.manifest.params.clone();
        }
        // the nearest ancestor with its own main template (one that only extends has none,
        // whichever order the presets were loaded in)
        if p.templates.iter().any(|(n, _)| *n == p.main) {
            main = Some((p.main.clone(), p.manifest.writes));
        }
        link = p.manifest.subject_link.clone().or(link);
        rule = p.manifest.text_rule.or(rule);
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
        && let Some((m, writes)) = main
    {
        // what the inherited template writes comes with it
        preset.main = m;
        preset.manifest.writes = writes;
    }
    if preset.manifest.subject_link.is_none() {
        preset.manifest.subject_link = link;
    }
    if preset.manifest.text_rule.is_none() {
        preset.manifest.text_rule = rule;
    }
}
