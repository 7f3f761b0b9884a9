//! Where an engine's data comes from: the built-in presets, styles, model rules, prices, target
//! limits and family rules, with the user's folders and override files laid over them. The
//! command line's global flags and the Python package's keyword arguments fill the same
//! [`Setup`], so both build the same engine from the same environment.
use std::path::{Path, PathBuf};

use super::Engine;
use crate::cost::{CostOptions, PriceTable};
use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::preset::catalog::Catalog;
use crate::preset::styles::Library;
use crate::validate::models::ModelTable;

/// The inputs of an engine. Each override file falls back to its environment variable
/// (`IMGPROMPT_MODELS`, `IMGPROMPT_PRICES`, `IMGPROMPT_TARGET_LIMITS`, `IMGPROMPT_FAMILIES`);
/// preset and style folders add to `./presets`, `./styles`, `IMGPROMPT_PRESETS` and
/// `IMGPROMPT_STYLES`.
///
/// ```
/// let engine = imgprompt::engine::Setup::default().build().unwrap();
/// assert!(engine.catalog().get("poster").is_ok());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// Extra preset folders (`--presets DIR`), searched after the implicit ones.
    pub presets: Vec<PathBuf>,
    /// Extra style folders (`--styles DIR`).
    pub styles: Vec<PathBuf>,
    /// Model rules laid over `data/models.json` (`--models FILE`).
    pub models: Option<PathBuf>,
    /// Prices laid over `data/prices.json` (`--prices FILE`).
    pub prices: Option<PathBuf>,
    /// Target limits laid over `data/target_limits.json` (`--target-limits FILE`).
    pub target_limits: Option<PathBuf>,
    /// Family rules laid over `data/families.json` (`--families FILE`).
    pub families: Option<PathBuf>,
    /// Every warning is an error (`--strict`), the catalog's own warnings too.
    pub strict: bool,
    /// How requests are priced (`cost --batch-api`, `--partial-images`).
    pub cost: CostOptions,
}

impl Setup {
    /// Builds the engine. Errors name the file that could not be read or laid over the
    /// shipped data; the catalog's warnings stay on [`Catalog::warnings`] for the caller to show
    /// (under `strict` they are the errors).
    pub fn build(&self) -> Result<Engine, Diagnostics> {
        let catalog = Catalog::load_search(&Catalog::search_path(&self.presets))?;
        if self.strict && !catalog.warnings().is_empty() {
            return Err(Diagnostics(
                catalog.warnings().iter().cloned().map(as_error).collect(),
            ));
        }
        let one = |d: Diagnostic| Diagnostics(vec![d]);
        let mut models = ModelTable::builtin();
        if let Some((name, text)) = read(self.models.as_deref(), "IMGPROMPT_MODELS")? {
            models.apply_overrides(&name, &text).map_err(one)?;
        }
        let mut prices = PriceTable::builtin();
        if let Some((name, text)) = read(self.prices.as_deref(), "IMGPROMPT_PRICES")? {
            prices.apply_overrides(&name, &text).map_err(one)?;
        }
        let styles = Library::load(&Library::search_path(&self.styles)).map_err(one)?;
        let mut engine = Engine::with(catalog, models)
            .styles(styles)
            .prices(prices, self.cost)
            .strict(self.strict);
        let limits = read(self.target_limits.as_deref(), "IMGPROMPT_TARGET_LIMITS")?;
        if let Some((name, text)) = limits {
            let value =
                crate::targets::limits::check_override(&name, &text).map_err(Diagnostics)?;
            engine = engine
                .try_target_limits(&name, value)
                .map_err(Diagnostics)?;
        }
        if let Some((name, text)) = read(self.families.as_deref(), "IMGPROMPT_FAMILIES")? {
            let book = crate::prompt::family::Book::builtin()
                .overlaid(&name, &text)
                .map_err(one)?;
            engine = engine.families(book);
        }
        Ok(engine)
    }
}

fn as_error(mut d: Diagnostic) -> Diagnostic {
    d.severity = Severity::Error;
    d
}

/// The override file named by the flag, or else by the environment variable, with its text.
fn read(flag: Option<&Path>, var: &str) -> Result<Option<(String, String)>, Diagnostics> {
    let path = flag.map(Path::to_path_buf).or_else(|| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    });
    let Some(path) = path else { return Ok(None) };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Diagnostics(vec![crate::brief::source::io_error(&name, &e)]))?;
    Ok(Some((name, text)))
}
