//! Step 3: write the prompt. A preset's tera templates are compiled once ([`render::Compiled`],
//! cached by the engine), rewritten by the [`sandbox`] so every loop and value has a budget, and
//! rendered over a context built from the brief ([`render`]); the project's filters and component
//! sentences ([`filters`]) keep exact text verbatim and the prose tidy.

pub mod family;
pub mod filters;
pub mod plan;
pub mod reads;
pub mod render;
pub mod sandbox;
