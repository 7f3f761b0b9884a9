//! JSON Schema checks (jsonschema crate, no network) with errors translated into diagnostics that
//! name the field, say what was expected and suggest the fix.
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use crate::brief::source::{JsonPath, Segment, SourceFile};
use crate::diagnostic::suggest::{did_you_mean, one_of};
use crate::diagnostic::{Code, Diagnostic};

/// The most schema findings one document reports.
pub const MAX_FINDINGS: usize = 100;

/// A compiled JSON Schema with the raw schema kept for suggestions.
#[derive(Debug)]
pub struct Schema {
    raw: Value,
    validator: Validator,
}

impl Schema {
    /// Compiles a schema (draft detected from `$schema`, 2020-12 by default). Remote `$ref`s are
    /// never fetched.
    pub fn compile(raw: Value) -> Result<Self, String> {
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&raw)
            .map_err(|e| e.to_string())?;
        Ok(Schema { raw, validator })
    }

    /// The schema as JSON.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// True when `instance` is valid.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// Every violation, as diagnostics whose path starts with `prefix`. When `source` is given,
    /// each diagnostic points at the offending line and column.
    pub fn check(
        &self,
        instance: &Value,
        prefix: &JsonPath,
        source: Option<&SourceFile>,
    ) -> Vec<Diagnostic> {
        // the common case first: `is_valid` stops at nothing and builds no error (a valid
        // instance is never walked twice); the full walk is the error path only
        if self.validator.is_valid(instance) {
            return Vec::new();
        }
        self.diagnose(instance, prefix, source)
    }

    /// The error path of [`Schema::check`] on its own: walks every error of `instance` and
    /// translates it, with no fast accept first (empty exactly when `instance` is valid).
    pub fn diagnose(
        &self,
        instance: &Value,
        prefix: &JsonPath,
        source: Option<&SourceFile>,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for error in self.validator.iter_errors(instance) {
            self.translate(&error, prefix, &mut out);
        }
        // one finding per place and message, however many keywords reported it
        let mut seen = std::collections::HashSet::new();
        out.retain(|(d, path, _)| seen.insert((d.message.clone(), path.to_string())));
        // a brief of thousands of wrong keys: the first ones are listed (locating each in the
        // file has a cost), and the last of them says how many more there are
        if out.len() > MAX_FINDINGS {
            let more = out.len() - MAX_FINDINGS;
            out.truncate(MAX_FINDINGS);
            if let Some((last, _, _)) = out.last_mut() {
                last.notes.push(format!(
                    "and {more} more like these: only the first {MAX_FINDINGS} are listed"
                ));
            }
        }
        match source {
            Some(source) => out
                .into_iter()
                .map(|(d, path, key)| source.point(d, &path, key))
                .collect(),
            None => out
                .into_iter()
                .map(|(d, path, _)| d.with_path(path.to_string()))
                .collect(),
        }
    }

    /// Translates one schema error (and, for `anyOf`/`oneOf`, the errors of the branch that
    /// matched the value's type) into diagnostics, each with its full path and whether it
    /// points at the key (`true`) or the value.
    fn translate(
        &self,
        error: &ValidationError<'_>,
        prefix: &JsonPath,
        out: &mut Vec<(Diagnostic, JsonPath, bool)>,
    ) {
        let local = JsonPath::from_pointer(error.instance_path().as_str());
        let mut path = prefix.clone();
        path.0.extend(local.0.iter().cloned());
        let field = if path.0.is_empty() {
            String::from("the document")
        } else {
            format!("`{path}`")
        };
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                let known = properties_at(&self.raw, &local);
                for name in unexpected {
                    // past the findings that are listed, only counted: no "did you mean"
                    let d = if out.len() < MAX_FINDINGS {
                        unknown_field(name, &known)
                    } else {
                        Diagnostic::error(Code::UnknownField, format!("unknown field `{name}`"))
                    };
                    out.push((d, path.key(name.clone()), true));
                }
            }
            ValidationErrorKind::Required { property } => {
                out.push((missing_field(property), path, true));
            }
            ValidationErrorKind::AnyOf { context }
            | ValidationErrorKind::OneOfNotValid { context } => {
                match matching_branch(error, context) {
                    Some(errors) => {
                        for e in errors {
                            self.translate(e, prefix, out);
                        }
                    }
                    None => {
                        let expected = describe_schema(&self.raw, &local);
                        out.push((wrong_type(&field, &expected, error.instance()), path, false));
                    }
                }
            }
            _ => {
                let d = value_error(error, &field, &path);
                out.push((d, path, false));
            }
        }
    }
}

/// The `unknown-field` error for `name`, with a "did you mean" among the `known` fields.
fn unknown_field(name: &str, known: &[String]) -> Diagnostic {
    crate::diagnostic::suggest::unknown_field_hint(
        Diagnostic::error(Code::UnknownField, format!("unknown field `{name}`")),
        name,
        known,
    )
}

/// The `missing-field` error for a required `property`.
fn missing_field(property: &Value) -> Diagnostic {
    let name = property.as_str().unwrap_or_default();
    Diagnostic::error(
        Code::MissingField,
        format!("missing required field `{name}`"),
    )
    .with_label(format!("`{name}` is required here"))
    .with_help(hint_for_missing(name))
}

/// The `wrong-type` error: `field` must be `expected`, found `instance`.
fn wrong_type(field: &str, expected: &str, instance: &Value) -> Diagnostic {
    Diagnostic::error(
        Code::WrongType,
        format!("{field} must be {expected}, found {}", describe(instance)),
    )
    .with_label(format!("expected {expected}"))
}

/// The `anyOf`/`oneOf` branch to report: the first whose errors are not about the value's type
/// at this very place (the branch that matched the value's type), if one is.
fn matching_branch<'e>(
    error: &ValidationError<'_>,
    context: &'e [Vec<ValidationError<'static>>],
) -> Option<&'e Vec<ValidationError<'static>>> {
    context.iter().find(|errors| {
        !errors.is_empty()
            && errors.iter().all(|e| {
                !(matches!(e.kind(), ValidationErrorKind::Type { .. })
                    && e.instance_path() == error.instance_path())
            })
    })
}

/// The diagnostic of an error about the value itself (type, enum, length, range, pattern, or
/// any other keyword), placed at the value.
fn value_error(error: &ValidationError<'_>, field: &str, path: &JsonPath) -> Diagnostic {
    let instance = error.instance();
    match error.kind() {
        ValidationErrorKind::Type { kind } => wrong_type(field, &expected_type(kind), instance),
        ValidationErrorKind::Enum { options } => invalid_enum(field, options, instance),
        ValidationErrorKind::MinLength { limit: 1 } => {
            Diagnostic::error(Code::EmptyValue, format!("{field} must not be empty"))
                .with_label("empty")
        }
        ValidationErrorKind::Minimum { limit } => Diagnostic::error(
            Code::OutOfRange,
            format!("{field} must be at least {limit}, found {instance}"),
        )
        .with_label("too small"),
        ValidationErrorKind::Maximum { limit } => Diagnostic::error(
            Code::OutOfRange,
            format!("{field} must be at most {limit}, found {instance}"),
        )
        .with_label("too large"),
        ValidationErrorKind::Pattern { pattern } => {
            let expected = match path.last_key() {
                Some("size") => String::from("`WIDTHxHEIGHT` (e.g. `1024x1536`) or `auto`"),
                Some("aspect_ratio") => String::from("a ratio like `9:16` or `4:5`"),
                _ => format!("text matching `{pattern}`"),
            };
            Diagnostic::error(
                Code::InvalidValue,
                format!("{field} must be {expected}, found {instance}"),
            )
            .with_label("invalid format")
        }
        _ => Diagnostic::error(Code::Schema, format!("{field}: {}", error.masked()))
            .with_label("invalid"),
    }
}

/// The type(s) a `type` keyword expects, in words (`null` left out of a union: optional fields
/// accept it, and saying so only confuses).
fn expected_type(kind: &TypeKind) -> String {
    match kind {
        TypeKind::Single(t) => article_type(&t.to_string()),
        TypeKind::Multiple(set) => set
            .iter()
            .map(|t| t.to_string())
            .filter(|t| t != "null")
            .map(|t| article_type(&t))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// The `invalid-value` error of an `enum`, with a "did you mean" among its options.
fn invalid_enum(field: &str, options: &Value, instance: &Value) -> Diagnostic {
    let options: Vec<String> = options
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().map_or(v.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let given = instance
        .as_str()
        .map_or(instance.to_string(), str::to_string);
    let suggestion = did_you_mean(&given, options.iter().map(String::as_str));
    Diagnostic::error(
        Code::InvalidValue,
        format!(
            "{field} must be one of {}, found `{given}`",
            one_of(&options)
        ),
    )
    .with_label("not an accepted value")
    .with_help_opt(suggestion.map(|s| format!("did you mean `{s}`?")))
}

fn hint_for_missing(name: &str) -> String {
    match name {
        "subject" => String::from(
            "add `subject:` with what the image shows, e.g. `subject: a matte black water bottle`",
        ),
        "content" => String::from("a text entry with options needs `content:` with the exact text"),
        other => format!("add `{other}`"),
    }
}

fn article_type(t: &str) -> String {
    match t {
        "object" => "an object (a mapping of fields)".into(),
        "array" => "a list".into(),
        "integer" => "an integer".into(),
        "string" => "a string".into(),
        "number" => "a number".into(),
        "boolean" => "true or false".into(),
        "null" => "null".into(),
        other => other.into(),
    }
}

/// "a string "abc"", "a number 3", "a list", …
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string {}", Value::from(s.as_str())),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// Resolves the sub-schema describing the value at `path` (following `$ref`, `properties`,
/// `items`, `additionalProperties` and `anyOf`/`oneOf`). Returns every candidate.
fn schemas_at<'a>(root: &'a Value, path: &JsonPath) -> Vec<&'a Value> {
    let mut current = vec![root];
    for seg in &path.0 {
        let mut next = Vec::new();
        for schema in expand(root, current) {
            match seg {
                Segment::Key(k) => {
                    if let Some(s) = schema.get("properties").and_then(|p| p.get(k)) {
                        next.push(s);
                    } else if let Some(s) =
                        schema.get("additionalProperties").filter(|s| s.is_object())
                    {
                        next.push(s);
                    }
                }
                Segment::Index(_) => {
                    if let Some(s) = schema.get("items") {
                        next.push(s);
                    }
                }
            }
        }
        current = next;
    }
    expand(root, current)
}

fn expand<'a>(root: &'a Value, schemas: Vec<&'a Value>) -> Vec<&'a Value> {
    let mut out = Vec::new();
    let mut stack = schemas;
    let mut guard = 0;
    while let Some(s) = stack.pop() {
        guard += 1;
        if guard > 256 {
            break;
        }
        if let Some(r) = s.get("$ref").and_then(Value::as_str)
            && let Some(target) = r.strip_prefix('#').and_then(|p| root.pointer(p))
        {
            stack.push(target);
        }
        for key in ["anyOf", "oneOf", "allOf"] {
            if let Some(list) = s.get(key).and_then(Value::as_array) {
                stack.extend(list.iter());
            }
        }
        out.push(s);
    }
    out
}

/// The property names the schema allows at `path`.
pub fn properties_at(root: &Value, path: &JsonPath) -> Vec<String> {
    let mut names = Vec::new();
    for s in schemas_at(root, path) {
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for k in props.keys() {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
    }
    names
}

fn describe_schema(root: &Value, path: &JsonPath) -> String {
    let mut kinds: Vec<String> = Vec::new();
    for s in schemas_at(root, path) {
        let kind = match s.get("type").and_then(Value::as_str) {
            Some("array") => {
                let item = s
                    .get("items")
                    .map(|i| expand(root, vec![i]))
                    .and_then(|v| v.iter().find_map(|i| i.get("type").and_then(Value::as_str)))
                    .unwrap_or("value");
                format!("a list of {item}s")
            }
            Some("object") => {
                let props: Vec<String> = s
                    .get("properties")
                    .and_then(Value::as_object)
                    .map(|p| p.keys().cloned().collect())
                    .unwrap_or_default();
                if props.is_empty() {
                    "an object".into()
                } else {
                    format!(
                        "an object with {}",
                        props
                            .iter()
                            .map(|p| format!("`{p}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }
            }
            Some(t) => article_type(t),
            None => continue,
        };
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        "a valid value".into()
    } else {
        kinds.join(" or ")
    }
}
