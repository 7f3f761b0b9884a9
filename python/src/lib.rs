//! The imgprompt engine for Python: `imgprompt.render`, `validate`, `lint`, `cost`, `expand`,
//! `presets` and `models`, and an `Engine` class for other presets, styles or data files. Each
//! function gives what the command line's JSON output gives for the same brief.
//!
//! The GIL is released while the engine works, so threads render in parallel.
use std::path::PathBuf;
use std::sync::OnceLock;

use engine::{Diagnostics, Format, SourceFile};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

mod convert;
mod error;
mod expansion;

use error::{BriefError, brief_error};
use expansion::Expansion;

/// The imgprompt engine: presets, styles, model rules, prices, target limits and family rules,
/// built once and reused for every brief.
#[pyclass(module = "imgprompt", frozen)]
#[derive(Debug)]
pub struct Engine {
    inner: engine::Engine,
}

/// A brief as the engine reads it: the file, the text, or the dict (written as JSON).
fn source(brief: &Bound<'_, PyAny>, format: Option<&str>) -> PyResult<(SourceFile, String)> {
    let forced = match format {
        None => None,
        Some("json") => Some(Format::Json),
        Some("yaml") => Some(Format::Yaml),
        Some(other) => {
            return Err(PyValueError::new_err(format!(
                "format must be \"json\", \"yaml\" or None (detected), not {other:?}"
            )));
        }
    };
    let py = brief.py();
    if let Ok(text) = brief.cast::<PyString>() {
        let text: String = text.extract().map_err(|_| {
            PyValueError::new_err("the brief is not valid Unicode text (a lone surrogate?)")
        })?;
        if looks_like_a_file_name(&text) {
            return Err(PyValueError::new_err(format!(
                "{text:?} is a file name, but a str is read as the brief's text: pass \
                 pathlib.Path({text:?}) to read the file"
            )));
        }
        return Ok((
            SourceFile::new("<string>", text, forced),
            String::from("brief"),
        ));
    }
    if brief.is_instance(&py.import("os")?.getattr("PathLike")?)? {
        let path: PathBuf = brief.extract()?;
        let stem = path.file_stem().map_or_else(
            || String::from("brief"),
            |s| s.to_string_lossy().into_owned(),
        );
        let read = py.detach(|| SourceFile::read(&path, forced));
        return read
            .map(|s| (s, stem))
            .map_err(|d| brief_error(py, &Diagnostics(vec![d])));
    }
    let value = convert::from_py(brief, "", 0)?;
    let text = serde_json::to_string_pretty(&value).expect("a JSON value serialises");
    Ok((
        SourceFile::new("<dict>", text, Some(Format::Json)),
        String::from("brief"),
    ))
}

/// One line ending in `.yaml`, `.yml` or `.json` that names an existing file: a path given as a
/// str, which would otherwise be read as a YAML string and fail far from the cause.
fn looks_like_a_file_name(text: &str) -> bool {
    let t = text.trim();
    !t.contains('\n')
        && [".yaml", ".yml", ".json"]
            .iter()
            .any(|e| t.to_ascii_lowercase().ends_with(e))
        && std::path::Path::new(t).is_file()
}

fn target(py: Python<'_>, name: &str) -> PyResult<Box<dyn engine::targets::Target>> {
    engine::targets::by_name(name).map_err(|d| brief_error(py, &Diagnostics(vec![d])))
}

impl Engine {
    fn rendering(
        &self,
        brief: &Bound<'_, PyAny>,
        target_name: &str,
        format: Option<&str>,
    ) -> PyResult<engine::Rendering> {
        let py = brief.py();
        let (source, _) = source(brief, format)?;
        let target = target(py, target_name)?;
        py.detach(|| self.inner.render(&source, target.as_ref()))
            .map_err(|d| brief_error(py, &d))
    }
}

#[pymethods]
impl Engine {
    /// An engine with extra preset and style folders and override files laid over the shipped
    /// data, as the command line's `--presets`, `--styles`, `--models`, `--prices`,
    /// `--target-limits`, `--families` and `--strict` do (each file falling back to its
    /// `IMGPROMPT_*` environment variable, like the command line).
    #[new]
    #[pyo3(signature = (*, presets=Vec::new(), styles=Vec::new(), models=None, prices=None,
        target_limits=None, families=None, strict=false, batch_api=false, partial_images=0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        presets: Vec<PathBuf>,
        styles: Vec<PathBuf>,
        models: Option<PathBuf>,
        prices: Option<PathBuf>,
        target_limits: Option<PathBuf>,
        families: Option<PathBuf>,
        strict: bool,
        batch_api: bool,
        partial_images: u32,
    ) -> PyResult<Self> {
        let setup = engine::engine::Setup {
            presets,
            styles,
            models,
            prices,
            target_limits,
            families,
            strict,
            cost: engine::cost::CostOptions {
                batch_api,
                partial_images,
            },
        };
        let inner = py
            .detach(|| setup.build())
            .map_err(|d| brief_error(py, &d))?;
        Ok(Engine { inner })
    }

    /// The record of `imgprompt render --emit json`: name, preset, prompt, payload (with method
    /// and URL), warnings and cost.
    #[pyo3(signature = (brief, target="openai", format=None))]
    fn render<'py>(
        &self,
        brief: &Bound<'py, PyAny>,
        target: &str,
        format: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let r = self.rendering(brief, target, format)?;
        let value = serde_json::to_value(&r).expect("a rendering serialises");
        convert::to_py(brief.py(), &value)
    }

    /// The warnings of a valid brief (a list, often empty); raises `BriefError` on errors.
    #[pyo3(signature = (brief, target="openai", format=None))]
    fn validate<'py>(
        &self,
        brief: &Bound<'py, PyAny>,
        target: &str,
        format: Option<&str>,
    ) -> PyResult<Bound<'py, PyList>> {
        let r = self.rendering(brief, target, format)?;
        error::diagnostics_list(brief.py(), &Diagnostics(r.warnings))
    }

    /// Every finding of `imgprompt lint --format json` for the brief, errors included (it never
    /// raises for them): with `all_targets`, each model family's own rules too.
    #[pyo3(signature = (brief, target="openai", format=None, all_targets=false))]
    fn lint<'py>(
        &self,
        brief: &Bound<'py, PyAny>,
        target: &str,
        format: Option<&str>,
        all_targets: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let py = brief.py();
        let (source, _) = source(brief, format)?;
        let one = self::target(py, target)?;
        let targets = engine::lint::targets(one.as_ref(), all_targets);
        let table = engine::lint::LintTable::builtin();
        let found = py.detach(|| engine::lint::lint_brief(&self.inner, &source, &targets, &table));
        error::diagnostics_list(py, &Diagnostics(found))
    }

    /// What one request of the brief costs (the `estimate` of `imgprompt cost --format json`),
    /// or None when the target is not priced.
    #[pyo3(signature = (brief, target="openai", format=None))]
    fn cost<'py>(
        &self,
        brief: &Bound<'py, PyAny>,
        target: &str,
        format: Option<&str>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let r = self.rendering(brief, target, format)?;
        let value = serde_json::to_value(&r.cost).expect("an estimate serialises");
        convert::to_py(brief.py(), &value)
    }

    /// The brief's variants (`vary`), lazily: an iterator of dicts `{index, id, values, brief}`
    /// as `imgprompt expand` prints them, whose `len()` is the number not yet read; `sample` keeps a reproducible random
    /// subset of that many (seeded by `seed`).
    #[pyo3(signature = (brief, format=None, sample=None, seed=0))]
    fn expand(
        &self,
        brief: &Bound<'_, PyAny>,
        format: Option<&str>,
        sample: Option<u64>,
        seed: u64,
    ) -> PyResult<Expansion> {
        let (source, stem) = source(brief, format)?;
        Expansion::new(brief.py(), &source, &stem, sample, seed)
    }

    /// Every preset (`imgprompt presets list --format json`).
    fn presets<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &serde_json::Value::from(self.inner.catalog().listing()))
    }

    /// The model rules (`imgprompt models --format json`).
    fn models<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let value = serde_json::to_value(self.inner.models()).expect("the model table serialises");
        convert::to_py(py, &value)
    }
}

/// The engine of the module's functions, built on first use like the command line's (the
/// `./presets` and `./styles` folders and the `IMGPROMPT_*` variables as they are then).
fn default(py: Python<'_>) -> PyResult<&'static Engine> {
    static DEFAULT: OnceLock<Result<Engine, Diagnostics>> = OnceLock::new();
    let built = py.detach(|| {
        DEFAULT.get_or_init(|| {
            engine::engine::Setup::default()
                .build()
                .map(|inner| Engine { inner })
        })
    });
    built.as_ref().map_err(|d| brief_error(py, d))
}

/// `Engine().render(...)` with the default engine.
#[pyfunction]
#[pyo3(signature = (brief, target="openai", format=None))]
fn render<'py>(
    brief: &Bound<'py, PyAny>,
    target: &str,
    format: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    default(brief.py())?.render(brief, target, format)
}

/// `Engine().validate(...)` with the default engine.
#[pyfunction]
#[pyo3(signature = (brief, target="openai", format=None))]
fn validate<'py>(
    brief: &Bound<'py, PyAny>,
    target: &str,
    format: Option<&str>,
) -> PyResult<Bound<'py, PyList>> {
    default(brief.py())?.validate(brief, target, format)
}

/// `Engine().lint(...)` with the default engine.
#[pyfunction]
#[pyo3(signature = (brief, target="openai", format=None, all_targets=false))]
fn lint<'py>(
    brief: &Bound<'py, PyAny>,
    target: &str,
    format: Option<&str>,
    all_targets: bool,
) -> PyResult<Bound<'py, PyList>> {
    default(brief.py())?.lint(brief, target, format, all_targets)
}

/// `Engine().cost(...)` with the default engine.
#[pyfunction]
#[pyo3(signature = (brief, target="openai", format=None))]
fn cost<'py>(
    brief: &Bound<'py, PyAny>,
    target: &str,
    format: Option<&str>,
) -> PyResult<Bound<'py, PyAny>> {
    default(brief.py())?.cost(brief, target, format)
}

/// `Engine().expand(...)` with the default engine.
#[pyfunction]
#[pyo3(signature = (brief, format=None, sample=None, seed=0))]
fn expand(
    brief: &Bound<'_, PyAny>,
    format: Option<&str>,
    sample: Option<u64>,
    seed: u64,
) -> PyResult<Expansion> {
    default(brief.py())?.expand(brief, format, sample, seed)
}

/// `Engine().presets()` with the default engine.
#[pyfunction]
fn presets(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    default(py)?.presets(py)
}

/// `Engine().models()` with the default engine.
#[pyfunction]
fn models(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    default(py)?.models(py)
}

/// The module.
#[pymodule]
fn imgprompt(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("BriefError", m.py().get_type::<BriefError>())?;
    m.add_class::<Engine>()?;
    m.add_class::<Expansion>()?;
    m.add_function(wrap_pyfunction!(render, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(lint, m)?)?;
    m.add_function(wrap_pyfunction!(cost, m)?)?;
    m.add_function(wrap_pyfunction!(expand, m)?)?;
    m.add_function(wrap_pyfunction!(presets, m)?)?;
    m.add_function(wrap_pyfunction!(models, m)?)?;
    Ok(())
}
