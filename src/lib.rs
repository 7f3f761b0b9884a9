//! # imgprompt
//!
//! Structured image briefs → tera-rendered prompts → validated image API payloads.
//!
//! The pipeline, one folder per step:
//!
//! 1. [`brief`] — load a brief (JSON or YAML, [`brief::source`]) and check it against its schema
//!    ([`brief::schema`](mod@brief::schema)); sizes and ratios are parsed once here ([`brief::size`]);
//! 2. [`preset`] — resolve the preset ([`preset::catalog`]), merge its defaults and the named
//!    styles ([`preset::styles`]);
//! 3. [`prompt`] — render the prompt with tera ([`prompt::render`], [`prompt::filters`]), exact text
//!    kept verbatim, inside the [`prompt::sandbox`]'s budgets;
//! 4. [`targets`] — build the request payload for an image API (the contract:
//!    [`targets::Target`], [`targets::Payload`] with its typed [`targets::Summary`]), checked
//!    against the model's real limits and the official request schema ([`validate`], a layer the
//!    targets use: [`validate::models`], [`validate::size`]);
//! 5. [`cost`] — price it from the summary;
//! 6. [`emit`] — print it as a payload, a prompt, a report or a program ([`emit::handoff`]);
//!    [`lint`] checks prompt quality and runs the presets' fixtures ([`lint::fixtures`]).
//!
//! [`engine::Engine`] chains steps 1–5. The applications ([`app`]: batch, variations, and with
//! features, `generate` and `serve`) and the command line build on it.
//!
//! The data files a user can override without recompiling (model rules, prices, lint tables,
//! target limits) are laid over the shipped ones by one rule, [`overlay`].
//!
//! The applications are cargo features (all on by default): `run` (`generate`, `batch_api`),
//! `verify` (step 8: [`verify`] an image against its brief), `serve`, and `cli` (all three, with
//! the command line). With `default-features = false` the library is
//! the engine alone.
//!
//! [`engine::Engine`] chains them:
//!
//! ```
//! use imgprompt::{Engine, SourceFile};
//!
//! let engine = Engine::new().unwrap();
//! let brief = SourceFile::new(
//!     "brief.json",
//!     r#"{"preset": "product", "subject": "a ceramic mug", "text": {"label": "MUG & CO"}}"#,
//!     None,
//! );
//! let rendering = engine.render(&brief, &imgprompt::targets::OpenAi).unwrap();
//! assert!(rendering.prompt.contains("\"MUG & CO\""));
//! assert_eq!(rendering.payload.body["prompt"], rendering.prompt);
//! ```

pub mod app;
pub mod brief;
#[cfg(feature = "cli")]
pub mod cli;
pub mod cost;
pub mod diagnostic;
pub mod emit;
pub mod engine;
pub mod lint;
pub mod overlay;
pub mod preset;
pub mod prompt;
pub mod targets;
#[cfg(test)]
mod test_support;
pub mod validate;
#[cfg(feature = "verify")]
pub mod verify;

pub use brief::Brief;
pub use brief::source::{Format, SourceFile};
pub use diagnostic::{Code, Diagnostic, Diagnostics, Severity};
pub use engine::{Engine, Rendering};
