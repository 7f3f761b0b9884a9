//! The pipeline, end to end: load brief → resolve preset → render prompt → build payload for a
//! target → validate. Each step lives in its own module; this file only chains them.
use std::sync::OnceLock;

mod prepared;
mod setup;
pub use prepared::{Patch, Prepared};
pub use setup::Setup;

use serde::Serialize;
use serde_json::Value;

use crate::brief::Brief;
use crate::brief::schema::Schema;
use crate::brief::source::{JsonPath, SourceFile};
use crate::cost::{CostOptions, PriceTable};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::preset::catalog::{Catalog, DEFAULT_PRESET};
use crate::prompt::family::{Book, Family};
use crate::prompt::plan::Plan;
use crate::prompt::render::{Limits, render_details, render_prompt, render_template};
use crate::targets::{Payload, Request, Target};
use crate::validate::date::Date;
use crate::validate::models::ModelTable;

/// A rendered brief: the final prompt, the payload and any warnings.
#[derive(Debug, Clone, Serialize)]
pub struct Rendering {
    /// The brief's name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The preset used.
    pub preset: String,
    /// The final prompt.
    pub prompt: String,
    /// The request.
    pub payload: Payload,
    /// Warnings (never errors).
    pub warnings: Vec<Diagnostic>,
    /// What the request costs, when the target is priced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<crate::cost::Estimate>,
    /// The brief with the preset's defaults merged in.
    #[serde(skip)]
    pub brief: Brief,
}

/// The engine: presets, model rules and limits, built once and reused for every brief.
///
/// ```
/// use imgprompt::{Engine, SourceFile};
///
/// let engine = Engine::new().unwrap();
/// let brief = SourceFile::new("brief.yaml", "preset: poster\nsubject: a jazz night\ntext:\n  headline: Blue Notes\n", None);
/// let out = engine.render(&brief, &imgprompt::targets::OpenAi).unwrap();
/// assert!(out.prompt.contains("\"Blue Notes\""));
/// assert_eq!(out.payload.body["model"], "gpt-image-2");
/// ```
#[derive(Debug)]
pub struct Engine {
    catalog: Catalog,
    compiled: crate::prompt::render::CompiledCache,
    models: ModelTable,
    prices: PriceTable,
    cost_options: CostOptions,
    /// The target limits as merged JSON (what the next override merges over) and typed (what
    /// targets read).
    target_limits: (Value, crate::targets::limits::TargetLimits),
    limits: Limits,
    today: Date,
    strict: bool,
    styles: crate::preset::styles::Library,
    families: std::borrow::Cow<'static, Book>,
}

/// Fills what `value` lacks from `defaults`, recursively; what the user wrote wins (`null`
/// included, to drop a default). Clones only the defaults that are used. With `skip_size`, the
/// defaults' `output.size` and `output.aspect_ratio` are left out.
fn merge_defaults(
    value: &mut Value,
    defaults: &serde_json::Map<String, Value>,
    skip_size: bool,
    top: bool,
) {
    let Value::Object(target) = value else { return };
    for (k, d) in defaults {
        if skip_size && !top && (k == "size" || k == "aspect_ratio") {
            continue;
        }
        match (target.get_mut(k), d) {
            (None, _) => {
                let mut d = d.clone();
                if skip_size
                    && top
                    && k == "output"
                    && let Value::Object(o) = &mut d
                {
                    o.remove("size");
                    o.remove("aspect_ratio");
                }
                target.insert(k.clone(), d);
            }
            (Some(v @ Value::Object(_)), Value::Object(dm)) => {
                merge_defaults(v, dm, skip_size && top && k == "output", false)
            }
            (Some(_), _) => {}
        }
    }
}

impl Engine {
    /// Resolves `style.apply` into `style.details` and `avoid`, in order; an unknown name is an
    /// error at its place with "did you mean".
    fn apply_styles(&self, brief: &mut Value) -> Vec<Diagnostic> {
        let names: Vec<(String, String)> = match brief.pointer("/style/apply") {
            Some(Value::String(s)) => vec![(s.clone(), String::from("style.apply"))],
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    v.as_str()
                        .map(|s| (s.to_string(), format!("style.apply[{i}]")))
                })
                .collect(),
            _ => return Vec::new(),
        };
        let mut errors = Vec::new();
        let (mut details, mut avoid) = (Vec::new(), Vec::new());
        for (name, path) in names {
            match self.styles.get(&name) {
                Ok(style) => {
                    details.extend(crate::preset::styles::positive_phrases(style));
                    avoid.extend(crate::preset::styles::negative_items(style));
                }
                Err(d) => errors.push(d.with_path(path)),
            }
        }
        let list = |v: Option<&Value>| -> Vec<Value> {
            match v {
                Some(Value::Array(a)) => a.clone(),
                Some(Value::String(s)) => vec![Value::String(s.clone())],
                _ => Vec::new(),
            }
        };
        if let Some(style) = brief.get_mut("style").and_then(Value::as_object_mut) {
            let mut d = list(style.get("details"));
            d.extend(details.into_iter().map(Value::String));
            style.insert("details".into(), Value::Array(d));
        }
        if !avoid.is_empty()
            && let Some(obj) = brief.as_object_mut()
        {
            let mut a = list(obj.get("avoid"));
            a.extend(avoid.into_iter().map(Value::String));
            obj.insert("avoid".into(), Value::Array(a));
        }
        errors
    }
}

/// Removes the value at `path` (an object key or an array element), if present.
/// Keys under `targets` that name no target (a misspelling would be ignored silently).
fn unknown_targets(brief: &Value) -> Vec<Diagnostic> {
    let Some(targets) = brief.get("targets").and_then(Value::as_object) else {
        return Vec::new();
    };
    let names: Vec<String> = crate::targets::all()
        .iter()
        .map(|t| t.name().to_string())
        .collect();
    targets
        .keys()
        .filter(|k| !names.contains(k))
        .map(|k| {
            let suggestion =
                crate::diagnostic::suggest::did_you_mean(k, names.iter().map(String::as_str));
            Diagnostic::error(
                Code::UnknownTarget,
                format!("`targets.{k}`: there is no target `{k}`"),
            )
            .with_path(JsonPath::root().key("targets").key(k.clone()).to_string())
            .with_label(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => String::from("unknown target"),
            })
            .with_help(format!(
                "targets: {}",
                crate::diagnostic::suggest::one_of(
                    &names.iter().map(String::as_str).collect::<Vec<_>>()
                )
            ))
        })
        .collect()
}

fn remove_path(value: &mut Value, path: &JsonPath) {
    use crate::brief::source::Segment;
    let Some((last, parents)) = path.0.split_last() else {
        return;
    };
    let mut v = value;
    for seg in parents {
        let next = match (seg, v) {
            (Segment::Key(k), Value::Object(m)) => m.get_mut(k),
            (Segment::Index(i), Value::Array(a)) => a.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => v = n,
            None => return,
        }
    }
    match (last, v) {
        (Segment::Key(k), Value::Object(m)) => {
            m.shift_remove(k);
        }
        (Segment::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
        }
        _ => {}
    }
}

/// The brief's JSON Schema, compiled once.
pub fn brief_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::compile(crate::brief::schema()).expect("brief schema compiles"))
}

impl Engine {
    /// Built-in presets and model rules; today's date from the clock (or `IMGPROMPT_TODAY`).
    pub fn new() -> Result<Engine, Diagnostics> {
        Ok(Engine::with(Catalog::builtin()?, ModelTable::builtin()))
    }

    /// An engine over a given catalog and model table.
    pub fn with(catalog: Catalog, models: ModelTable) -> Engine {
        Engine {
            compiled: crate::prompt::render::CompiledCache::new(&catalog),
            catalog,
            models,
            prices: PriceTable::builtin(),
            cost_options: CostOptions::default(),
            target_limits: (
                crate::targets::limits::builtin_value().clone(),
                crate::targets::limits::builtin().clone(),
            ),
            limits: Limits::default(),
            today: Date::today(),
            strict: false,
            styles: crate::preset::styles::Library::load(&[])
                .expect("the built-in style pack loads"),
            families: std::borrow::Cow::Borrowed(Book::builtin()),
        }
    }

    /// Sets the families' writing rules (`--families FILE` laid over `data/families.json`).
    #[must_use]
    pub fn families(mut self, book: Book) -> Self {
        self.families = std::borrow::Cow::Owned(book);
        self
    }

    /// The families' writing rules in use.
    pub fn family_book(&self) -> &Book {
        &self.families
    }

    /// Sets the date lifecycle rules are checked against.
    #[must_use]
    pub fn today(mut self, today: Date) -> Self {
        self.today = today;
        self
    }

    /// The style libraries briefs apply from (`style.apply`).
    #[must_use]
    pub fn styles(mut self, styles: crate::preset::styles::Library) -> Self {
        self.styles = styles;
        self
    }

    /// The style libraries.
    pub fn style_library(&self) -> &crate::preset::styles::Library {
        &self.styles
    }

    /// Strict mode (`--strict`, for CI): every warning of a rendering is an error.
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Whether strict mode is on (lint makes its rules' warnings errors too).
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// Sets the price table and the options every rendering is priced with.
    #[must_use]
    pub fn prices(mut self, prices: PriceTable, options: CostOptions) -> Self {
        self.prices = prices;
        self.cost_options = options;
        self
    }

    /// Lays target limits over the current ones by the rule of every data file
    /// ([`crate::overlay`]: objects merge, other values replace, `null` removes, an unknown key
    /// is an error) and checks the result against the typed limits
    /// ([`crate::targets::limits`]); `name` is the override file, named in errors.
    pub fn try_target_limits(
        mut self,
        name: &str,
        overrides: Value,
    ) -> Result<Self, Vec<Diagnostic>> {
        self.target_limits =
            crate::targets::limits::lay_over(&self.target_limits.0, name, overrides)?;
        Ok(self)
    }

    /// The target limits in use, typed.
    pub fn target_limits(&self) -> &crate::targets::limits::TargetLimits {
        &self.target_limits.1
    }

    /// The price table.
    pub fn price_table(&self) -> &PriceTable {
        &self.prices
    }

    /// Sets the template limits.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The presets.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The model rules.
    pub fn models(&self) -> &ModelTable {
        &self.models
    }

    /// The date in use.
    pub fn date(&self) -> Date {
        self.today
    }

    /// Parses and renders a brief file. Errors point into the file.
    pub fn render(
        &self,
        source: &SourceFile,
        target: &dyn Target,
    ) -> Result<Rendering, Diagnostics> {
        let value = source.parse_brief().map_err(|d| Diagnostics(vec![d]))?;
        self.render_value(value, Some(source), target)
    }

    /// Only the prompt: the brief checked, the preset resolved and its template rendered, with
    /// no payload built or validated (used to measure the template step on its own).
    pub fn prompt_value(&self, value: Value) -> Result<String, Diagnostics> {
        self.run(value, None, None, Family::Gpt)
            .map(|(prompt, _)| prompt)
    }

    /// The prompt `family` would receive for a brief file: the brief checked, its preset's
    /// defaults merged, the family's writer run; no payload built (what reports, fixture
    /// snapshots and `lint --all-targets` show per family).
    pub fn family_prompt(
        &self,
        source: &SourceFile,
        family: Family,
    ) -> Result<String, Diagnostics> {
        let value = source.parse_brief().map_err(|d| Diagnostics(vec![d]))?;
        self.family_prompt_value(value, Some(source), family)
    }

    /// What `family` is sent for a brief: its target's prompt (for Midjourney the whole line, its
    /// parameters included), or the prompt alone when the brief builds no request for that
    /// target (a size it refuses). What reports and the playground show per family.
    pub fn family_sent(
        &self,
        value: Value,
        source: Option<&SourceFile>,
        family: Family,
    ) -> Result<String, Diagnostics> {
        let mut sent = self.families_sent(value, source, &[family]);
        sent.pop().expect("one family, one answer")
    }

    /// [`Engine::family_sent`] for each of `families`, in order: the brief is checked, its preset
    /// resolved and its defaults merged once for them all.
    pub fn families_sent(
        &self,
        value: Value,
        source: Option<&SourceFile>,
        families: &[Family],
    ) -> Vec<Result<String, Diagnostics>> {
        let mut run = Run {
            source,
            carried: Vec::new(),
        };
        match self.front(&mut run, value) {
            Ok(merged) => families
                .iter()
                .map(|&family| self.sent(&run, &merged, family))
                .collect(),
            Err(d) => families.iter().map(|_| Err(d.clone())).collect(),
        }
    }

    /// What every family is sent for a brief (`value`) rendered as `r`: the rendering's own
    /// family first, with its prompt (for Midjourney its line), then the others in the order of
    /// [`Family::ALL`] ([`Engine::families_sent`]). What reports and the playground show.
    pub fn every_family_sent(
        &self,
        r: &Rendering,
        value: Value,
        source: Option<&SourceFile>,
    ) -> Vec<(Family, Result<String, Diagnostics>)> {
        let own = r.payload.target.family();
        let others: Vec<Family> = Family::ALL.into_iter().filter(|f| *f != own).collect();
        let mine = Ok(r
            .payload
            .paste_line()
            .map_or_else(|| r.prompt.clone(), str::to_string));
        // the brief is checked and merged once for the other families
        let theirs = self.families_sent(value, source, &others);
        std::iter::once((own, mine))
            .chain(others.into_iter().zip(theirs))
            .collect()
    }

    /// What `family` is sent, from steps 1 to 3 done ([`Engine::family_sent`]).
    fn sent(
        &self,
        run: &Run<'_>,
        merged: &Merged<'_>,
        family: Family,
    ) -> Result<String, Diagnostics> {
        let target = crate::targets::TargetId::of_family(family).target();
        let written =
            |to: Option<&dyn Target>| self.back(&mut run.clone(), merged.clone(), to, family);
        if !target.pastes() {
            // the family is sent the prompt alone, which the request's build never changes:
            // written without building (and validating, pricing, pointing the warnings of) a
            // request, it is the same prompt, or the same error
            return written(None).map(|(prompt, _)| prompt);
        }
        match written(Some(target)) {
            Ok((_, Some(r))) => Ok(r
                .payload
                .paste_line()
                .map_or_else(|| r.prompt.clone(), str::to_string)),
            _ => written(None).map(|(prompt, _)| prompt),
        }
    }

    /// [`Engine::family_prompt`] for a brief already parsed into JSON.
    pub fn family_prompt_value(
        &self,
        value: Value,
        source: Option<&SourceFile>,
        family: Family,
    ) -> Result<String, Diagnostics> {
        self.run(value, source, None, family)
            .map(|(prompt, _)| prompt)
    }

    /// Renders a brief already parsed into JSON. With `source`, diagnostics point into it.
    pub fn render_value(
        &self,
        value: Value,
        source: Option<&SourceFile>,
        target: &dyn Target,
    ) -> Result<Rendering, Diagnostics> {
        let (_, rendering) = self.run(value, source, Some(target), target.id().family())?;
        Ok(rendering.expect("a target gives a rendering"))
    }

    /// The pipeline; without a target it stops after the prompt. Problems found on the way don't
    /// stop it: it goes on as far as it can, so one run reports everything wrong with the brief.
    fn run(
        &self,
        value: Value,
        source: Option<&SourceFile>,
        target: Option<&dyn Target>,
        family: Family,
    ) -> Result<(String, Option<Rendering>), Diagnostics> {
        let mut run = Run {
            source,
            carried: Vec::new(),
        };
        let merged = self.front(&mut run, value)?;
        self.back(&mut run, merged, target, family)
    }

    /// Steps 1 to 3: the brief against its schema, its preset, and the preset's defaults, styles
    /// and params merged into the typed brief. Problems found on the way are returned with it.
    fn front<'a>(&'a self, run: &mut Run<'_>, value: Value) -> Result<Merged<'a>, Diagnostics> {
        // 1. the brief against its schema
        let value = run.check_schema(value)?;
        // 2. the preset
        let preset = self.resolve_preset(run, &value)?;
        let mut errors = unknown_targets(&value);
        errors.extend(text_role_errors(preset, &value));
        // 3. defaults under the brief, styles, params
        let (brief, defaulted) = self.merge(run, preset, value, &mut errors)?;
        Ok(Merged {
            preset,
            brief,
            defaulted,
            errors,
            details: None,
            written: None,
        })
    }

    /// Steps 4 and 5: the prompt written for the family and, with a target, the payload,
    /// validated and priced. Without a target it stops after the prompt.
    fn back(
        &self,
        run: &mut Run<'_>,
        merged: Merged<'_>,
        target: Option<&dyn Target>,
        family: Family,
    ) -> Result<(String, Option<Rendering>), Diagnostics> {
        let Merged {
            preset,
            brief,
            defaulted,
            mut errors,
            details,
            written,
        } = merged;
        // 4. the prompt, written for the target's model family
        let avoid_in_prompt = target
            .unwrap_or(crate::targets::TargetId::of_family(family).target())
            .avoid_in_prompt();
        let write = Write {
            family,
            avoid_in_prompt,
            details,
        };
        let prompt = match written {
            Some(prompt) => {
                errors.extend(dropped_texts(preset, &brief, &prompt));
                prompt
            }
            None => self.prompt(run, preset, &brief, write, &mut errors)?,
        };
        // 5. the payload, validated and priced
        let Some(target) = target else {
            return if errors.is_empty() && run.carried.is_empty() {
                Ok((prompt, None))
            } else {
                Err(run.fail(errors))
            };
        };
        let rendering = self.payload(run, target, preset, brief, &defaulted, prompt, errors)?;
        Ok((String::new(), Some(rendering)))
    }

    /// Step 2: the preset the brief names (or the default), with a broken user preset's own
    /// diagnostics when it failed to load.
    fn resolve_preset<'a>(
        &'a self,
        run: &mut Run<'_>,
        value: &Value,
    ) -> Result<&'a crate::preset::Preset, Diagnostics> {
        let preset_name = value
            .get("preset")
            .and_then(Value::as_str)
            .unwrap_or(DEFAULT_PRESET);
        if let Some(ds) = self.catalog.broken().get(preset_name) {
            // a broken user preset: its own diagnostics (pointing into its files) first, in their
            // order, then where the brief names it
            let mut all = ds.clone();
            all.push(run.point(
                Diagnostic::error(
                    Code::BrokenPreset,
                    format!("preset `{preset_name}` failed to load (the errors above are in its files)"),
                )
                .with_path("preset")
                .with_help("fix the preset, or choose another (`imgprompt presets list` shows which are broken)"),
            ));
            return Err(Diagnostics(all));
        }
        match self.catalog.get(preset_name) {
            Ok(preset) => Ok(preset),
            Err(d) => Err(run.fail(vec![d.with_path("preset")])),
        }
    }

    /// Step 3: the preset's defaults under the brief (the user wins; a size or ratio from the
    /// user replaces the preset's default one of either kind), named styles, a ratio chosen by a
    /// param, and the params against the preset's schema. Returns the typed brief and the
    /// `output` fields only the defaults set.
    fn merge(
        &self,
        run: &mut Run<'_>,
        preset: &crate::preset::Preset,
        value: Value,
        errors: &mut Vec<Diagnostic>,
    ) -> Result<(Brief, Vec<String>), Diagnostics> {
        let user_sized = value
            .get("output")
            .is_some_and(|o| o.get("size").is_some() || o.get("aspect_ratio").is_some());
        // the `output` fields the brief writes itself (`null` included): the others come from
        // the preset, and a target that cannot use them drops them without a warning
        let written: Vec<String> = output_keys(&value).cloned().collect();
        let mut merged = value;
        merge_defaults(&mut merged, &preset.manifest.defaults, user_sized, true);
        // named styles: their words join the style details, their negatives the avoid list
        errors.extend(self.apply_styles(&mut merged));
        if !user_sized {
            ratio_from_param(preset, &mut merged);
        }
        let defaulted: Vec<String> = output_keys(&merged)
            .filter(|k| !written.contains(k))
            .cloned()
            .collect();
        let mut brief: Brief = serde_json::from_value(merged).map_err(|e| {
            run.fail(vec![Diagnostic::error(
                Code::InvalidBrief,
                format!("invalid brief after merging preset defaults: {e}"),
            )])
        })?;
        match preset.params_schema() {
            Ok(schema) => {
                // checked in place: lent to the validator and given back, never copied
                let params = Value::Object(std::mem::take(&mut brief.params));
                errors.extend(schema.check(&params, &JsonPath::root().key("params"), None));
                if let Value::Object(params) = params {
                    brief.params = params;
                }
            }
            Err(e) => errors.push(Diagnostic::error(
                Code::Preset,
                format!("the params schema of `{}` is invalid: {e}", preset.name()),
            )),
        }
        Ok((brief, defaulted))
    }

    /// Step 4: the prompt, and proof that every exact text reached it.
    fn prompt(
        &self,
        run: &mut Run<'_>,
        preset: &crate::preset::Preset,
        brief: &Brief,
        write: Write<'_>,
        errors: &mut Vec<Diagnostic>,
    ) -> Result<String, Diagnostics> {
        let compiled = self
            .compiled
            .get(&self.catalog, preset)
            .map_err(Diagnostics)?;
        let prompt = match self.write_prompt(preset, compiled, brief, write) {
            Ok(p) => p,
            // a template failing on values the brief already has errors for (a param outside
            // its enum) is a consequence: report the brief's errors
            Err(_) if !errors.is_empty() || !run.carried.is_empty() => {
                return Err(run.fail(std::mem::take(errors)));
            }
            Err(e) => return Err(Diagnostics(e)),
        };
        errors.extend(dropped_texts(preset, brief, &prompt));
        Ok(prompt)
    }

    /// The prompt of one family: the preset's own template for it (`prompt.<family>.tera`), or
    /// the family's writer around the preset's details, or (a preset that writes the whole
    /// prompt) its main template.
    fn write_prompt(
        &self,
        preset: &crate::preset::Preset,
        compiled: &crate::prompt::render::Compiled,
        brief: &Brief,
        write: Write<'_>,
    ) -> Result<String, Vec<Diagnostic>> {
        if let Some(own) = family_template(preset, compiled, write.family) {
            return render_template(
                brief,
                preset,
                compiled,
                &own,
                self.limits,
                write.avoid_in_prompt,
            );
        }
        match preset.manifest.writes {
            crate::preset::Writes::Prompt => {
                render_prompt(brief, preset, compiled, self.limits, write.avoid_in_prompt)
            }
            crate::preset::Writes::Details => {
                let rendered;
                let details = match write.details {
                    Some(known) => known,
                    None => {
                        rendered = render_details(brief, preset, compiled, self.limits)?;
                        &rendered[..]
                    }
                };
                let plan = Plan::new(brief, preset, details);
                Ok(write.family.write(&plan, &self.families))
            }
        }
    }

    /// Step 5: the payload for the target, validated (strict mode makes warnings errors), and
    /// its cost.
    #[allow(clippy::too_many_arguments)]
    fn payload(
        &self,
        run: &mut Run<'_>,
        target: &dyn Target,
        preset: &crate::preset::Preset,
        brief: Brief,
        defaulted: &[String],
        prompt: String,
        mut errors: Vec<Diagnostic>,
    ) -> Result<Rendering, Diagnostics> {
        let mut brief = brief;
        let own_model = match target_model(&mut brief, target.name()) {
            Ok(own) => own,
            Err(d) => {
                errors.push(d);
                false
            }
        };
        let defaulted: Vec<String> = defaulted
            .iter()
            .filter(|k| !(own_model && *k == "model"))
            .cloned()
            .collect();
        let defaulted = &defaulted[..];
        let request = Request {
            prompt: &prompt,
            brief: &brief,
            models: &self.models,
            today: self.today,
            limits: &self.target_limits.1,
            defaulted,
        };
        let own_path = format!("targets.{}.model", target.name());
        let at_own = |mut d: Diagnostic| {
            if own_model && d.path.as_deref() == Some("output.model") {
                d.path = Some(own_path.clone());
                d.help = d
                    .help
                    .map(|h| h.replace("`output.model`", &format!("`{own_path}`")));
            }
            d
        };
        let built = target
            .build(&request)
            .map(|(p, w)| (p, w.into_iter().map(at_own).collect::<Vec<_>>()));
        let built = built.map_err(|e| e.into_iter().map(at_own).collect::<Vec<_>>());
        let (payload, warnings) = match built {
            Ok(built) if errors.is_empty() && run.carried.is_empty() => built,
            Ok(_) => return Err(run.fail(errors)),
            Err(mut e) => {
                errors.append(&mut e);
                return Err(run.fail(errors));
            }
        };
        if self.strict && !warnings.is_empty() {
            return Err(run.fail(
                warnings
                    .into_iter()
                    .map(Diagnostic::into_strict_error)
                    .collect(),
            ));
        }
        let cost = Some(crate::cost::estimate_payload(
            &payload,
            target.pricing(),
            &self.prices,
            self.cost_options,
            &self.models,
        ));
        Ok(Rendering {
            cost,
            name: brief.name.clone(),
            preset: preset.name().to_string(),
            prompt,
            payload,
            warnings: warnings.into_iter().map(|w| run.point(w)).collect(),
            brief,
        })
    }
}

/// A model chosen for this target (`targets.gemini.model`) becomes the request's model, in place
/// of `output.model`: a brief written for several targets names a model for each. Returns
/// whether the target has its own; a model that is not a string is an error at its path.
fn target_model(brief: &mut Brief, target: &str) -> Result<bool, Diagnostic> {
    let Some(Value::Object(options)) = brief.targets.get_mut(target) else {
        return Ok(false);
    };
    let model = options.shift_remove("model");
    if options.is_empty() && model.is_some() {
        // a target with no options of its own keeps none: no "takes no options" warning
        brief.targets.shift_remove(target);
    }
    match model {
        None => Ok(false),
        Some(Value::String(model)) => {
            brief.output.model = Some(model);
            Ok(true)
        }
        Some(other) => Err(Diagnostic::error(
            Code::WrongType,
            format!("`targets.{target}.model` must be a model name (a string), not {other}"),
        )
        .with_path(format!("targets.{target}.model"))),
    }
}

/// Which family a prompt is written for, and whether a whole-prompt template says the avoid list.
#[derive(Debug, Clone, Copy)]
struct Write<'a> {
    family: Family,
    avoid_in_prompt: bool,
    /// The preset's details, when known already ([`Merged::details`]).
    details: Option<&'a [crate::prompt::plan::Detail]>,
}

/// The tera name of the preset's own template for `family` (`<preset>/prompt.<family>.tera`,
/// beside its main template or its parent's), when it has one.
fn family_template(
    preset: &crate::preset::Preset,
    compiled: &crate::prompt::render::Compiled,
    family: Family,
) -> Option<String> {
    let file = format!("prompt.{}.tera", family.name());
    let main_dir = preset.main_template().rsplit_once('/').map(|(d, _)| d);
    [Some(preset.name()), main_dir]
        .into_iter()
        .flatten()
        .map(|dir| format!("{dir}/{file}"))
        .find(|name| compiled.has(name))
}

/// A brief after steps 1 to 3: its preset, the typed brief with the defaults merged, the
/// `output` fields only the defaults set, and the problems found so far.
#[derive(Clone)]
struct Merged<'a> {
    preset: &'a crate::preset::Preset,
    brief: Brief,
    defaulted: Vec<String>,
    errors: Vec<Diagnostic>,
    /// The preset's details, when they are known already (the same for every variant of a
    /// prepared brief): not rendered again.
    details: Option<&'a [crate::prompt::plan::Detail]>,
    /// The prompt, when it is written already (a prepared brief's, from its skeleton): only
    /// checked for its exact texts.
    written: Option<String>,
}

/// One run of the pipeline: the file diagnostics point into, and the schema problems carried to
/// the end (the rest of the brief is still checked without the offending values).
#[derive(Clone)]
struct Run<'s> {
    source: Option<&'s SourceFile>,
    carried: Vec<Diagnostic>,
}

impl Run<'_> {
    /// Points a diagnostic at its place in the source file (line and column from its path).
    fn point(&self, d: Diagnostic) -> Diagnostic {
        match (self.source, d.path.clone()) {
            // already pointing somewhere (a broken preset's own file): keep it
            (Some(s), _) if d.file.as_deref().is_some_and(|f| f != s.name.as_str()) => d,
            (Some(s), Some(p)) => {
                let key = matches!(
                    d.code,
                    Code::UnknownTextRole | Code::UnknownField | Code::MissingField
                );
                s.point(d, &JsonPath::parse(&p), key)
            }
            (Some(s), None) if d.code == Code::MissingField => s.point(d, &JsonPath::root(), false),
            (Some(s), None) if d.file.is_none() => d.in_file(&s.name),
            _ => d,
        }
    }

    /// The run's failure: the carried problems and `ds`, pointed, in reading order.
    fn fail(&mut self, ds: Vec<Diagnostic>) -> Diagnostics {
        let carried = std::mem::take(&mut self.carried);
        let mut ds: Vec<Diagnostic> = carried
            .into_iter()
            .chain(ds)
            .map(|d| self.point(d))
            .collect();
        ds.sort_by_key(|d| {
            d.location
                .as_ref()
                .map_or((usize::MAX, 0), |l| (l.line, l.column))
        });
        Diagnostics(ds)
    }

    /// Step 1: a brief with `vary` is refused (it is several requests); the brief is checked
    /// against its schema, and the offending values are removed so the rest can still be checked.
    fn check_schema(&mut self, value: Value) -> Result<Value, Diagnostics> {
        if value
            .get("vary")
            .and_then(Value::as_object)
            .is_some_and(|v| !v.is_empty())
        {
            return Err(self.fail(vec![Diagnostic::error(
                Code::HasVariants,
                "this brief declares variations (`vary`): it renders to several requests",
            )
            .with_path("vary")
            .with_help("use `imgprompt expand BRIEF` to list them or `imgprompt batch` to render them all")]));
        }
        let problems = brief_schema().check(&value, &JsonPath::root(), None);
        if problems.is_empty() {
            return Ok(value);
        }
        let mut value = value;
        let mut paths: Vec<JsonPath> = problems
            .iter()
            .filter(|d| d.code != Code::MissingField)
            .filter_map(|d| d.path.as_deref().map(JsonPath::parse))
            .collect();
        // deepest and last first, so removing one never shifts another
        paths.sort_by_key(|p| {
            std::cmp::Reverse(
                p.0.iter()
                    .map(|s| match s {
                        crate::brief::source::Segment::Key(k) => (k.clone(), 0),
                        crate::brief::source::Segment::Index(i) => (String::new(), *i),
                    })
                    .collect::<Vec<_>>(),
            )
        });
        for p in &paths {
            remove_path(&mut value, p);
        }
        let still = brief_schema().check(&value, &JsonPath::root(), None);
        self.carried = problems;
        if !still.is_empty() {
            // what is left cannot be checked further
            return Err(self.fail(Vec::new()));
        }
        Ok(value)
    }
}

/// The keys of the brief's `output`.
fn output_keys(value: &Value) -> impl Iterator<Item = &String> {
    value
        .get("output")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|o| o.keys())
}

/// A param may choose the ratio (social formats) when the brief gives no size.
fn ratio_from_param(preset: &crate::preset::Preset, merged: &mut Value) {
    let Some(ratios) = &preset.manifest.aspect_ratios else {
        return;
    };
    let chosen = merged["params"]
        .get(&ratios.param)
        .and_then(Value::as_str)
        .and_then(|v| ratios.map.get(v))
        .cloned();
    if let (Some(ratio), Some(out)) = (chosen, merged.as_object_mut()) {
        let output = out
            .entry("output")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(o) = output.as_object_mut() {
            o.remove("size");
            o.insert("aspect_ratio".into(), Value::from(ratio.as_str()));
        }
    }
}

/// Text roles the brief uses that the preset does not declare (when it declares any).
fn text_role_errors(preset: &crate::preset::Preset, value: &Value) -> Vec<Diagnostic> {
    let declared = &preset.manifest.text_roles;
    let Some(text) = value.get("text").and_then(Value::as_object) else {
        return Vec::new();
    };
    if declared.is_empty() {
        return Vec::new();
    }
    let roles: Vec<&str> = declared.keys().map(String::as_str).collect();
    text.keys()
        .filter(|role| !declared.contains_key(*role))
        .map(|role| {
            let suggestion = crate::diagnostic::suggest::did_you_mean(role, roles.iter().copied());
            Diagnostic::error(
                Code::UnknownTextRole,
                format!("the `{}` preset has no text role `{role}`", preset.name()),
            )
            .with_path(format!("text.{role}"))
            .with_label(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => String::from("unknown role"),
            })
            .with_help(format!(
                "text roles of `{}`: {}",
                preset.name(),
                crate::diagnostic::suggest::one_of(&roles)
            ))
        })
        .collect()
}

/// An error for every exact text the preset's template left out of the prompt.
fn dropped_texts(preset: &crate::preset::Preset, brief: &Brief, prompt: &str) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for (role, text) in &brief.text {
        for (i, entry) in text.entries().into_iter().enumerate() {
            if prompt.contains(entry.content()) {
                continue;
            }
            let path = if matches!(text, crate::brief::TextValue::Many(_)) {
                format!("text.{role}[{i}]")
            } else {
                format!("text.{role}")
            };
            errors.push(
                Diagnostic::error(
                    Code::TextDropped,
                    format!("the template of `{}` left out the exact {role} text", preset.name()),
                )
                .with_path(path)
                .with_help("every exact text must reach the prompt: use the `exact_text` component or loop over `text`"),
            );
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::merge_defaults;
    use serde_json::json;

    #[test]
    fn defaults_fill_gaps_and_the_user_wins() {
        let defaults = json!({"style": {"medium": "poster", "typography": "bold"}, "output": {"size": "1024x1536", "quality": "high"}});
        let defaults = defaults.as_object().expect("object");
        let mut brief = json!({"subject": "s", "style": {"medium": "flyer", "typography": null}});
        merge_defaults(&mut brief, defaults, false, true);
        assert_eq!(
            brief["style"],
            json!({"medium": "flyer", "typography": null}),
            "user values and nulls win"
        );
        assert_eq!(
            brief["output"],
            json!({"size": "1024x1536", "quality": "high"})
        );

        let mut sized = json!({"subject": "s", "output": {"aspect_ratio": "9:16"}});
        merge_defaults(&mut sized, defaults, true, true);
        assert_eq!(
            sized["output"],
            json!({"aspect_ratio": "9:16", "quality": "high"}),
            "no default size next to the user's ratio"
        );
    }
}
