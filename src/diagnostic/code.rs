//! Every diagnostic code: its stable kebab-case name, its one-line meaning, the severities it is
//! raised with, and what the CLI's exit code does with a failure holding it.
use std::fmt;

use serde::{Serialize, Serializer};

use super::Severity;

/// What a failure holding a diagnostic of this code exits with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExitClass {
    /// An I/O error: a failure holding one exits 2, even among invalid input.
    Io,
    /// Standard output was closed by its reader: the run stops quietly with exit 0.
    BrokenPipe,
    /// A usage error on the command line (a missing key, clashing flags, a form the target
    /// lacks): a failure holding one exits 2, wherever the command produces it.
    Usage,
    /// Anything else: a failure holding one exits 1 (invalid input), unless the command decides
    /// it is a usage error (exit 2): `unknown-target` for `--target`.
    Other,
}

/// Declares [`Code`] and its tables from one list: per code its name, severities and exit class.
macro_rules! codes {
    ($(
        #[doc = $doc:literal]
        $variant:ident = $name:literal, [$($severity:ident),+], $class:ident;
    )+) => {
        /// A diagnostic's stable identifier, printed as its kebab-case name (`unknown-field`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $(
                #[doc = $doc]
                $variant,
            )+
        }

        impl Code {
            /// Every code, in the order of the README's table.
            pub const ALL: &[Code] = &[$(Code::$variant),+];

            /// The stable kebab-case name printed in text and JSON output.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)+
                }
            }

            /// What the code means, in one line (its doc comment).
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $doc.trim_ascii(),)+
                }
            }

            /// The severities a diagnostic of this code is raised with.
            pub const fn severities(self) -> &'static [Severity] {
                match self {
                    $(Code::$variant => &[$(Severity::$severity),+],)+
                }
            }

            /// What the CLI's exit code does with a failure holding a diagnostic of this code.
            pub const fn exit_class(self) -> ExitClass {
                match self {
                    $(Code::$variant => ExitClass::$class,)+
                }
            }
        }
    };
}

codes! {
    /// The API answered with an error status or a redirect.
    ApiError = "api-error", [Error], Other;
    /// An image in an API answer is not of the format asked for.
    BadImage = "bad-image", [Error], Other;
    /// An API answer could not be read: not JSON, cut short or too large.
    BadResponse = "bad-response", [Error], Other;
    /// A Batch API input or output file is not of the expected shape.
    BatchFile = "batch-file", [Error], Other;
    /// A request inside a finished Batch API batch failed.
    BatchRequestFailed = "batch-request-failed", [Error], Other;
    /// Standard output was closed by its reader (a pipe into `head`).
    BrokenPipe = "broken-pipe", [Error], BrokenPipe;
    /// The brief names a preset whose own files failed to load.
    BrokenPreset = "broken-preset", [Error], Other;
    /// A value is accepted but capped by the API (a GIF frame delay).
    CappedValue = "capped-value", [Warning], Other;
    /// `output.size` and `output.aspect_ratio` are both set.
    ConflictingSize = "conflicting-size", [Error], Other;
    /// The output context implies an orientation or ratio the size does not have.
    ContextSize = "context-size", [Warning], Other;
    /// Two descriptors contradict each other (from the contradiction table).
    Contradiction = "contradiction", [Warning], Other;
    /// A separator with nothing before or after it, or doubled.
    DanglingSeparator = "dangling-separator", [Warning], Other;
    /// The model is deprecated and shuts down.
    DeprecatedModel = "deprecated-model", [Warning], Other;
    /// A head noun is said twice in one phrase or sentence.
    DoubledNoun = "doubled-noun", [Warning], Other;
    /// Two requests would write the same file.
    DuplicateId = "duplicate-id", [Error], Other;
    /// A key is set twice in the same object of a brief.
    DuplicateKey = "duplicate-key", [Error], Other;
    /// The same phrase appears twice in the prompt.
    DuplicatePhrase = "duplicate-phrase", [Warning], Other;
    /// An empty string in the brief (an empty avoid item, mood, palette entry, text…).
    EmptyPhrase = "empty-phrase", [Warning], Other;
    /// A field or a `vary` entry that must not be empty is empty.
    EmptyValue = "empty-value", [Error], Other;
    /// An exact text is not in the final prompt verbatim (missing or altered).
    ExactTextMissing = "exact-text-missing", [Error], Other;
    /// The size is experimental for the model.
    ExperimentalSize = "experimental-size", [Warning], Other;
    /// The families file given to override the shipped one is invalid.
    FamiliesFile = "families-file", [Error], Other;
    /// The prompt is not in the shape its model family's guide asks for (keyword lists for Gemini or FLUX, instruction sentences for Midjourney, one long paragraph for GPT image).
    FamilyForm = "family-form", [Warning], Other;
    /// The prompt's length is outside the range its model family's guide gives for a brief of its kind.
    FamilyLength = "family-length", [Warning], Other;
    /// The brief names no lighting, which the FLUX guide says to always specify.
    FamilyLighting = "family-lighting", [Warning], Other;
    /// A negation in the prompt of a model family that takes none (FLUX, Gemini) or keeps them in a field (Stability, Midjourney).
    FamilyNegation = "family-negation", [Warning], Other;
    /// The prompt's parts are not in the order its model family's guide gives (GPT image: scene, subject, details, then the text and its constraints).
    FamilyOrder = "family-order", [Warning], Other;
    /// An avoid item has no positive rewrite for a model family that takes no negatives: the prompt says \"a look free of …\".
    FamilyRewrite = "family-rewrite", [Warning], Other;
    /// A brief file is larger than one brief may be.
    FileTooLarge = "file-too-large", [Error], Other;
    /// The brief declares variations (`vary`) where one request is expected.
    HasVariants = "has-variants", [Error], Other;
    /// A field of the brief the target has no use for: left out of the request.
    IgnoredField = "ignored-field", [Warning], Other;
    /// An output setting the target does not have: ignored.
    IgnoredSetting = "ignored-setting", [Warning], Other;
    /// A style library could not be imported.
    Import = "import", [Error], Other;
    /// A `vary` path indexes past the end of a list.
    IndexOutOfRange = "index-out-of-range", [Error], Other;
    /// A bug in imgprompt: it failed on this input.
    Internal = "internal", [Error], Other;
    /// The brief is invalid once the preset's defaults are merged in.
    InvalidBrief = "invalid-brief", [Error], Other;
    /// Settings that cannot go together (a mask with GIF output, a GIF-only field on PNG).
    InvalidCombination = "invalid-combination", [Error], Other;
    /// The size or aspect ratio is not valid for the model.
    InvalidSize = "invalid-size", [Error], Other;
    /// A value is not one the field accepts (format, pattern, allowed values).
    InvalidValue = "invalid-value", [Error], Other;
    /// A file or folder could not be read or written.
    Io = "io", [Error], Io;
    /// A line of a batch is longer than the limit.
    LineTooLong = "line-too-long", [Error], Other;
    /// An edit's input image is a local file: `generate` uploads it, other senders need a URL.
    LocalFile = "local-file", [Warning], Other;
    /// The lint table given to replace the shipped one is invalid.
    LintTable = "lint-table", [Error], Other;
    /// A required field is missing.
    MissingField = "missing-field", [Error], Other;
    /// The model table given to override the shipped one is invalid.
    ModelsFile = "models-file", [Error], Other;
    /// An avoid item is written as a negation (`no text`): it is read without it (`text`), as every avoid item is something to leave out.
    NegatedAvoid = "negated-avoid", [Warning], Other;
    /// `--emit openai-batch` for a target that is not an OpenAI endpoint.
    NoBatchApi = "no-batch-api", [Error], Usage;
    /// The target has no HTTP request to hand off.
    NoHandoff = "no-handoff", [Error], Usage;
    /// An API answer holds no image.
    NoImage = "no-image", [Error], Other;
    /// A batch input path is not a regular file.
    NotAFile = "not-a-file", [Error], Other;
    /// The Batch API batch has not completed yet.
    NotReady = "not-ready", [Error], Other;
    /// The command does not support this target yet.
    NotSupported = "not-supported", [Error], Usage;
    /// A file (a brief, a preset's file) or a line of a batch is not UTF-8 text.
    NotUtf8 = "not-utf8", [Error], Other;
    /// A number is below its minimum or above its maximum.
    OutOfRange = "out-of-range", [Error], Other;
    /// The variants or their cost exceed the ceiling (`--max-variants`, `--max-cost`).
    OverBudget = "over-budget", [Error], Other;
    /// A file or folder is over a fixed limit (size, number of files, depth).
    OverLimit = "over-limit", [Error], Other;
    /// The payload breaks the official request schema (an engine bug or a bad override).
    PayloadSchema = "payload-schema", [Error], Other;
    /// A preset folder is invalid: its manifest, params schema or templates.
    Preset = "preset", [Error], Other;
    /// The feature is in preview or needs access granted by the provider.
    PreviewFeature = "preview-feature", [Warning], Other;
    /// The price table given to override the shipped one is invalid.
    PricesFile = "prices-file", [Error], Other;
    /// The brief uses so many private-use characters that none are left to mark its exact text.
    PrivateUseExhausted = "private-use-exhausted", [Error], Other;
    /// The prompt is so long that parts of it risk being ignored.
    PromptLong = "prompt-long", [Warning], Other;
    /// The prompt is longer than the model accepts.
    PromptOverCap = "prompt-over-cap", [Error], Other;
    /// The prompt is longer than the model's request rules allow.
    PromptTooLong = "prompt-too-long", [Error], Other;
    /// A link or a special file where a regular file is expected: not read.
    RefusedFile = "refused-file", [Error], Other;
    /// A descriptive word is repeated back to back, or four times or more.
    RepeatedWord = "repeated-word", [Warning], Other;
    /// A request could not be sent or its answer not received.
    RequestFailed = "request-failed", [Error], Other;
    /// The model was retired and no longer accepts requests.
    RetiredModel = "retired-model", [Error], Other;
    /// A value breaks a rule of the schema not named by a more precise code.
    Schema = "schema", [Error], Other;
    /// A preset folder replaces a built-in preset of the same name.
    ShadowsBuiltIn = "shadows-built-in", [Warning], Other;
    /// The target lacks the size or ratio asked for: the closest one it accepts is used.
    SizeMapped = "size-mapped", [Warning], Other;
    /// The work stopped before the end: its answer was no longer wanted.
    Stopped = "stopped", [Error], Other;
    /// A style pack file is invalid.
    StylePack = "style-pack", [Error], Other;
    /// A brief is not valid JSON or YAML.
    Syntax = "syntax", [Error], Other;
    /// The target limits are invalid, or do not list the model.
    TargetLimits = "target-limits", [Error], Other;
    /// A template failed in another way (a reference check, output that is not UTF-8).
    Template = "template", [Error], Other;
    /// A template went over a limit of the sandbox (time, output size, loop count).
    TemplateLimit = "template-limit", [Error], Other;
    /// A template failed while rendering.
    TemplateRender = "template-render", [Error], Other;
    /// The template sandbox refused to read a template.
    TemplateSandbox = "template-sandbox", [Error], Other;
    /// A template has a syntax error.
    TemplateSyntax = "template-syntax", [Error], Other;
    /// A one-line prompt (Midjourney) cannot hold an exact text's or a phrase's line break or `--` (sent with a space or a dash), or reads its `::` as syntax.
    TextAltered = "text-altered", [Warning], Other;
    /// The preset's template left out an exact text of the brief.
    TextDropped = "text-dropped", [Error], Other;
    /// An exact text has neither a size in the hierarchy nor a placement.
    TextUnplaced = "text-unplaced", [Warning], Other;
    /// The brief has exact text but its avoid list or style asks for no text.
    TextVsNoText = "text-vs-no-text", [Error], Other;
    /// The brief has more variants than can be counted.
    TooManyVariants = "too-many-variants", [Error], Other;
    /// A field the brief, the preset or the target does not know.
    UnknownField = "unknown-field", [Error], Other;
    /// No source states whether the model still takes requests.
    UnknownLifecycle = "unknown-lifecycle", [Warning], Other;
    /// A model the target or the model table does not know (a warning for the model table).
    UnknownModel = "unknown-model", [Error, Warning], Other;
    /// A preset that does not exist.
    UnknownPreset = "unknown-preset", [Error], Other;
    /// A named style that does not exist.
    UnknownStyle = "unknown-style", [Error], Other;
    /// A target that does not exist: exit 2 when `--target` names it, exit 1 when a brief's `targets` does.
    UnknownTarget = "unknown-target", [Error], Other;
    /// A text role the preset does not have.
    UnknownTextRole = "unknown-text-role", [Error], Other;
    /// Template syntax or a placeholder left in the prompt.
    UnresolvedPlaceholder = "unresolved-placeholder", [Error], Other;
    /// No source states whether the model accepts a field: sent as written or left out.
    UnstatedRule = "unstated-rule", [Warning], Other;
    /// The model does not accept a parameter.
    UnsupportedParameter = "unsupported-parameter", [Error], Other;
    /// The command line asks for something it cannot do (a missing key, clashing flags).
    Usage = "usage", [Error], Usage;
    /// A value of a `vary` entry repeats an earlier one.
    VaryDuplicate = "vary-duplicate", [Error], Other;
    /// Two `vary` entries set the same field.
    VaryOverlap = "vary-overlap", [Error], Other;
    /// A value has the wrong JSON type.
    WrongType = "wrong-type", [Error], Other;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so widths and alignment (`{:<24}`) apply as they do to a string
        f.pad(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Code {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant, listed by a `match` with no wildcard: a new variant fails to compile here
    /// until it is added, and the test then fails until it is in [`Code::ALL`].
    fn listed(code: Code) -> bool {
        match code {
            Code::ApiError
            | Code::BadImage
            | Code::BadResponse
            | Code::BatchFile
            | Code::BatchRequestFailed
            | Code::BrokenPipe
            | Code::BrokenPreset
            | Code::CappedValue
            | Code::ConflictingSize
            | Code::ContextSize
            | Code::Contradiction
            | Code::DanglingSeparator
            | Code::DeprecatedModel
            | Code::DoubledNoun
            | Code::DuplicateId
            | Code::DuplicateKey
            | Code::DuplicatePhrase
            | Code::EmptyPhrase
            | Code::EmptyValue
            | Code::ExactTextMissing
            | Code::ExperimentalSize
            | Code::FamiliesFile
            | Code::FamilyForm
            | Code::FamilyLength
            | Code::FamilyLighting
            | Code::FamilyNegation
            | Code::FamilyOrder
            | Code::FamilyRewrite
            | Code::FileTooLarge
            | Code::HasVariants
            | Code::IgnoredField
            | Code::IgnoredSetting
            | Code::Import
            | Code::IndexOutOfRange
            | Code::Internal
            | Code::InvalidBrief
            | Code::InvalidCombination
            | Code::InvalidSize
            | Code::InvalidValue
            | Code::Io
            | Code::LineTooLong
            | Code::LocalFile
            | Code::LintTable
            | Code::MissingField
            | Code::ModelsFile
            | Code::NegatedAvoid
            | Code::NoBatchApi
            | Code::NoHandoff
            | Code::NoImage
            | Code::NotAFile
            | Code::NotReady
            | Code::NotSupported
            | Code::NotUtf8
            | Code::OutOfRange
            | Code::OverBudget
            | Code::OverLimit
            | Code::PayloadSchema
            | Code::Preset
            | Code::PreviewFeature
            | Code::PricesFile
            | Code::PrivateUseExhausted
            | Code::PromptLong
            | Code::PromptOverCap
            | Code::PromptTooLong
            | Code::RefusedFile
            | Code::RepeatedWord
            | Code::RequestFailed
            | Code::RetiredModel
            | Code::Schema
            | Code::ShadowsBuiltIn
            | Code::SizeMapped
            | Code::Stopped
            | Code::StylePack
            | Code::Syntax
            | Code::TargetLimits
            | Code::Template
            | Code::TemplateLimit
            | Code::TemplateRender
            | Code::TemplateSandbox
            | Code::TemplateSyntax
            | Code::TextAltered
            | Code::TextDropped
            | Code::TextUnplaced
            | Code::TextVsNoText
            | Code::TooManyVariants
            | Code::UnknownField
            | Code::UnknownLifecycle
            | Code::UnknownModel
            | Code::UnknownPreset
            | Code::UnknownStyle
            | Code::UnknownTarget
            | Code::UnknownTextRole
            | Code::UnresolvedPlaceholder
            | Code::UnstatedRule
            | Code::UnsupportedParameter
            | Code::Usage
            | Code::VaryDuplicate
            | Code::VaryOverlap
            | Code::WrongType => Code::ALL.contains(&code),
        }
    }

    /// The number of arms of [`listed`]: keep it equal to the variants listed there.
    const LISTED: usize = 99;

    #[test]
    fn all_lists_every_variant_once() {
        assert_eq!(
            Code::ALL.len(),
            LISTED,
            "a variant missing from Code::ALL or from `listed`"
        );
        for &code in Code::ALL {
            assert!(listed(code));
        }
        let mut sorted = Code::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), Code::ALL.len(), "a code twice in Code::ALL");
    }

    #[test]
    fn names_are_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for &code in Code::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "`{name}` is the name of two codes");
            let kebab = !name.is_empty()
                && !name.starts_with('-')
                && !name.ends_with('-')
                && !name.contains("--")
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            assert!(kebab, "`{name}` is not kebab-case");
            assert_eq!(code.to_string(), name);
            assert_eq!(
                serde_json::to_string(&code).ok(),
                Some(format!("\"{name}\""))
            );
            assert!(!code.summary().is_empty() && !code.summary().contains('|'));
        }
    }

    #[test]
    fn lint_rules_share_their_code_severity() {
        for r in crate::lint::RULES {
            assert_eq!(r.id.severities(), [r.severity], "{}", r.id);
        }
    }
}
