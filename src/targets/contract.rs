//! The contract between the engine and the targets, at the bottom of the target module: what a
//! target states about its provider (how it is reached, how its requests are handed off and
//! priced). It depends on nothing above the targets: the hand-off and cost modules read
//! these types, never the other way round.
use serde::Serialize;

/// A hand-off form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOff {
    /// A POSIX shell script running curl (and jq to decode images).
    Curl,
    /// A Python script (the official `openai` SDK for OpenAI, the standard library otherwise).
    Python,
    /// A Node.js program (the official `openai` SDK for OpenAI, `fetch` otherwise) that runs as
    /// CommonJS or as an ES module, under any file name.
    Js,
    /// A raw HTTP request (`.http` file: VS Code REST Client and JetBrains HTTP Client), its base
    /// URL and key in file variables.
    Http,
}

/// How to reach a provider: its key variable, auth header, base URL and the variable that
/// overrides it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Provider {
    /// The environment variable holding the key (`OPENAI_API_KEY`).
    pub key_env: &'static str,
    /// The header the key goes in.
    pub auth_header: &'static str,
    /// What precedes the key in it (`Bearer `).
    pub auth_prefix: &'static str,
    /// The environment variable that overrides the base URL.
    pub base_env: &'static str,
    /// The base URL.
    pub base: &'static str,
}

impl Provider {
    /// The payload URL's path under the base.
    pub fn path<'a>(&self, url: &'a str) -> &'a str {
        url.strip_prefix(self.base).unwrap_or(url)
    }
}

/// The shape of a target's hand-off programs (`--emit curl|python|js|http`): which program
/// the hand-off module writes for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOffShape {
    /// OpenAI Images: the official SDK for Python and JavaScript; `edit` for the edits endpoint.
    OpenAi {
        /// The edits endpoint (else generations).
        edit: bool,
    },
    /// A multipart form answered with the image itself (Stability), in `default_format` unless
    /// the request names one.
    MultipartImage {
        /// The format the provider answers in when the request names none.
        default_format: &'static str,
    },
    /// Submit, then poll for the result (FLUX), in `default_format` unless the request names one.
    SubmitPoll {
        /// The format the provider answers in when the request names none.
        default_format: &'static str,
    },
    /// Gemini's `generateContent` JSON, the image in `inlineData`.
    GeminiJson,
}

/// Why a target has no hand-off programs, and what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoHandOff {
    /// Why.
    pub why: &'static str,
    /// What to do instead.
    pub help: Option<&'static str>,
}

/// How a target's requests are priced; every target says which ([`super::Target::pricing`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pricing {
    /// The OpenAI table: per image by model, quality and size, plus tokens.
    OpenAi,
    /// Stability credits per model.
    StabilityCredits,
    /// FLUX per image, or per megapixel for FLUX.2.
    Flux,
    /// No per-request price can be given, and why.
    Unknown(&'static str),
}
