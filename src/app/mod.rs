//! The applications built on the engine: many briefs at once ([`batch`]), variations
//! ([`vary`], [`expand`]), running requests and keeping the images (`generate`, `batch_api`,
//! `http`, `image`; feature `run`) and the HTTP API with its playground (`serve`; feature
//! `serve`). The command line (the `cli` module, feature `cli`) is glue over these and the engine.

pub mod batch;
pub mod expand;
pub mod vary;

#[cfg(feature = "run")]
pub mod batch_api;
#[cfg(feature = "run")]
pub mod generate;
#[cfg(feature = "run")]
pub mod http;
pub mod image;
#[cfg(feature = "serve")]
pub mod serve;
pub mod sidecar;
