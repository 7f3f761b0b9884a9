//! # imgprompt
//!
//! Structured image briefs → tera-rendered prompts → validated image API payloads.
//!
//! The pipeline, one module per step:
//!
//! 1. [`source`] and [`brief`] — load a brief (JSON or YAML) and check it against its schema;
//!    [`vary`] and [`expand`] turn a brief with variations into its variants;
//! 2. [`catalog`], [`preset`] and [`styles`] — resolve the preset, merge its defaults and the
//!    named styles;
//! 3. [`render`] and [`filters`] — render the prompt with tera, exact text kept verbatim, inside
//!    the [`sandbox`]'s budgets;
//! 4. [`target`] — build the request payload for an image API (the contract: [`target::Target`],
//!    [`target::Payload`] with its typed [`target::Summary`]);
//! 5. [`validate`], [`models`] and [`size`] — check it against the model's real limits and the
//!    official request schema;
//! 6. [`cost`] — price it from the summary;
//! 7. [`emit`] and [`handoff`] — print it as a payload, a prompt, a report or a program;
//!    [`lint`] and [`fixtures`] check prompt quality.
//!
//! The data files a user can override without recompiling (model rules, prices, lint tables,
//! target limits) are laid over the shipped ones by one rule, [`overlay`].
//!
//! The applications are cargo features (all on by default): `run` (`generate`, `batch_api`),
//! `serve`, and `cli` (both, with the command line). With `default-features = false` the library is
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

pub use brief::Brief;
pub use brief::source::{Format, SourceFile};
pub use diagnostic::{Code, Diagnostic, Diagnostics, Severity};
pub use engine::{Engine, Rendering};
