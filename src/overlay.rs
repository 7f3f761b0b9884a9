//! The one override rule of every data file a user can replace without recompiling: model rules
//! (`--models FILE`), prices (`--prices FILE`), lint tables (`lint --table FILE`) and target
//! limits (`--target-limits FILE`).
//!
//! An override file (JSON or YAML, read with [`SourceFile`]) is laid over the shipped data:
//!
//! - objects merge key by key, recursively;
//! - any other value (a list, a string, a number, `true`/`false`) replaces the shipped one whole;
//! - `null` removes the key (what a typed field then reads as its default: an empty list, no
//!   value, `unknown` for a model fact);
//! - a key the data file does not have — at the top or nested — is an error naming the key, its
//!   JSON path and the file's line and column, with a "did you mean" when it looks like a typo.
//!   Keys of open maps (model names, qualities, sizes, preset names, …) are never unknown, and a
//!   top-level `$comment` is always allowed (and describes the override: it is not merged);
//! - the merged result must read as the data file's type, or it is an error pointing into the
//!   override file (at the value the problem is in, when the file sets it).
//!
//! The keys a file may hold come from its type's JSON Schema ([`schemars::JsonSchema`]): the
//! `properties` of each object, and any key where the schema takes a map (`additionalProperties`).
//!
//! ```
//! use imgprompt::diagnostic::Code;
//! use imgprompt::overlay::{DataFile, overlay};
//! use serde_json::json;
//!
//! #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
//! struct Limits { max: u32, names: Vec<String> }
//!
//! let shipped = json!({"max": 4, "names": ["a", "b"]});
//! let file = DataFile::new(Code::TargetLimits, "limits");
//! let laid = overlay::<Limits>(&shipped, "mine.json", r#"{"names": ["c"]}"#, &file).unwrap();
//! assert_eq!((laid.data.max, laid.data.names), (4, vec![String::from("c")]));
//!
//! let err = overlay::<Limits>(&shipped, "mine.json", "{\n  \"mxa\": 5\n}", &file).unwrap_err();
//! assert_eq!(err.message, "invalid limits: unknown field `mxa`");
//! assert_eq!(err.location.map(|l| (l.line, l.column)), Some((2, 3)));
//! ```
use std::path::Path;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::brief::source::{Format, JsonPath, SourceFile};
use crate::diagnostic::{Code, Diagnostic};

/// The data file an override replaces: what its errors are called.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// The code of every error in an override of it (`prices-file`, `target-limits`, …).
    pub code: Code,
    /// What it is, in messages: `price table` gives "invalid price table: …".
    pub what: String,
    /// How such a file is shaped: the help of a parse or type error, when there is one.
    pub help: Option<String>,
}

impl DataFile {
    /// A data file whose errors have `code` and read "invalid `what`: …".
    pub fn new(code: Code, what: impl Into<String>) -> Self {
        DataFile {
            code,
            what: what.into(),
            help: None,
        }
    }

    /// The same, with a help on parse and type errors.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// An error of this file, "invalid `what`: `message`".
    fn error(&self, message: impl std::fmt::Display) -> Diagnostic {
        Diagnostic::error(self.code, format!("invalid {}: {message}", self.what))
    }
}

/// An override laid over the shipped data.
#[derive(Debug, Clone)]
pub struct Overlaid<T> {
    /// The merged data, typed.
    pub data: T,
    /// The merged data, as JSON (what a further override is laid over).
    pub merged: Value,
    /// The override, as read.
    pub overlay: Value,
    /// Each value the override set, by path (an object laid where there was none is one value).
    pub set: Vec<JsonPath>,
    /// Each key the override removed (with `null`), by path.
    pub removed: Vec<JsonPath>,
}

/// Lays the override file `name` (its `text`, JSON or YAML) over `shipped` by the rule of this
/// module, and reads the result as `T`. Every error has `file`'s code and points into the file.
pub fn overlay<T: DeserializeOwned + JsonSchema>(
    shipped: &Value,
    name: &str,
    text: &str,
    file: &DataFile,
) -> Result<Overlaid<T>, Diagnostic> {
    let format = Format::from_path(Path::new(name));
    let source = SourceFile::new(name, text, format);
    let value = source.parse().map_err(|mut d| {
        d.code = file.code;
        d.message = format!("invalid {}: {}", file.what, d.message);
        d.with_help_opt(file.help.clone())
    })?;
    lay(shipped, name, value, Some(&source), file)
}

/// [`overlay`] for an override already parsed (no text: errors name the file and the path, with
/// no line or column).
pub fn overlay_value<T: DeserializeOwned + JsonSchema>(
    shipped: &Value,
    name: &str,
    value: Value,
    file: &DataFile,
) -> Result<Overlaid<T>, Diagnostic> {
    lay(shipped, name, value, None, file)
}

/// Checks the keys of `over`, merges it over `shipped` and reads the result as `T`.
fn lay<T: DeserializeOwned + JsonSchema>(
    shipped: &Value,
    name: &str,
    over: Value,
    source: Option<&SourceFile>,
    file: &DataFile,
) -> Result<Overlaid<T>, Diagnostic> {
    let schema = schemars::schema_for!(T).to_value();
    if !over.is_object() {
        return Err(pointed(
            not_an_object(&over, file),
            name,
            source,
            &JsonPath::root(),
            false,
        ));
    }
    if let Some((path, known)) = unknown_key(&schema, vec![&schema], &over, &JsonPath::root()) {
        let key = path.last_key().unwrap_or_default().to_string();
        return Err(pointed(
            unknown_field(&key, &known, file),
            name,
            source,
            &path,
            true,
        ));
    }
    // the override's own `$comment` describes the override, not the data: it is not merged
    let mut body = over.clone();
    if let Value::Object(m) = &mut body {
        m.shift_remove("$comment");
    }
    let mut merged = shipped.clone();
    let mut changes = Changes::default();
    merge_at(&mut merged, &body, &JsonPath::root(), &mut changes);
    match serde_json::from_value::<T>(merged.clone()) {
        Ok(data) => Ok(Overlaid {
            data,
            merged,
            overlay: over,
            set: changes.set,
            removed: changes.removed,
        }),
        Err(e) => Err(type_error_at(file, &e, &schema, &merged, name, source)),
    }
}

/// What a merge changed.
#[derive(Default)]
struct Changes {
    set: Vec<JsonPath>,
    removed: Vec<JsonPath>,
}

/// Lays `over` onto `base` (at `path`) by the rule of this module: objects key by key, `null`
/// removes, any other value replaces. Records what it set and removed.
fn merge_at(base: &mut Value, over: &Value, path: &JsonPath, changes: &mut Changes) {
    let (Value::Object(b), Value::Object(o)) = (&mut *base, over) else {
        *base = without_nulls(over);
        changes.set.push(path.clone());
        return;
    };
    for (k, v) in o {
        let at = path.key(k.as_str());
        match (b.get_mut(k), v) {
            (_, Value::Null) => {
                b.shift_remove(k);
                changes.removed.push(at);
            }
            (Some(existing @ Value::Object(_)), Value::Object(_)) => {
                merge_at(existing, v, &at, changes);
            }
            _ => {
                b.insert(k.clone(), without_nulls(v));
                changes.set.push(at);
            }
        }
    }
}

/// A value laid where there was nothing to merge with: its objects' `null` keys are left out
/// (`null` removes, and there is nothing to remove).
fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect::<Map<String, Value>>(),
        ),
        other => other.clone(),
    }
}

/// `d` pointing at `path` in the override file (at the key with `key`), or naming the file and
/// the path when there is no text to point into.
fn pointed(
    d: Diagnostic,
    name: &str,
    source: Option<&SourceFile>,
    path: &JsonPath,
    key: bool,
) -> Diagnostic {
    match source {
        Some(source) => source.point(d, path, key),
        None => d.with_path(path.to_string()).in_file(name),
    }
}

/// A type error of the merged data, pointed at the first place the schema of `T` finds wrong
/// (or, when the override does not set that place, the nearest enclosing value it does set).
fn type_error_at(
    file: &DataFile,
    serde_error: &serde_json::Error,
    schema: &Value,
    merged: &Value,
    name: &str,
    source: Option<&SourceFile>,
) -> Diagnostic {
    // the schema's own words (`… must be an integer, found the string "big"`) where it finds
    // the problem; serde's message otherwise
    let problem = crate::brief::schema::Schema::compile(schema.clone())
        .ok()
        .and_then(|s| {
            s.diagnose(merged, &JsonPath::root(), None)
                .into_iter()
                .next()
        });
    let mut d = match &problem {
        Some(p) => {
            let d = file.error(&p.message);
            match &p.label {
                Some(label) => d.with_label(label.clone()),
                None => d,
            }
        }
        None => file.error(serde_error),
    }
    .with_help_opt(file.help.clone());
    let Some(path) = problem.and_then(|p| p.path).map(|p| JsonPath::parse(&p)) else {
        return d.in_file(name);
    };
    d = d.with_path(path.to_string());
    let Some(source) = source else {
        return d.in_file(name);
    };
    let at = (0..=path.0.len())
        .rev()
        .find_map(|n| source.locate(&JsonPath(path.0[..n].to_vec()), false));
    match at {
        Some(at) => d.at(name, source.text.clone(), at),
        None => d.in_file(name),
    }
}

/// The error for an override that is not an object (a list, a number, an empty file).
fn not_an_object(over: &Value, file: &DataFile) -> Diagnostic {
    let found = match over {
        Value::Null => "nothing (an empty file, or `null`)",
        Value::Array(_) => "a list",
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Object(_) => "an object",
    };
    file.error(format_args!(
        "the file must be an object (a mapping of fields shaped like the shipped file), found {found}"
    ))
    .with_help_opt(file.help.clone())
}

/// "unknown field `key`", with the closest known field when it looks like a typo.
fn unknown_field(key: &str, known: &[String], file: &DataFile) -> Diagnostic {
    crate::diagnostic::suggest::unknown_field_hint(
        file.error(format_args!("unknown field `{key}`")),
        key,
        known,
    )
}

/// The first key of `value` (in file order, depth first) that none of `schemas` has, with its
/// path below `path` and the fields known there.
fn unknown_key<'a>(
    root: &'a Value,
    schemas: Vec<&'a Value>,
    value: &Value,
    path: &JsonPath,
) -> Option<(JsonPath, Vec<String>)> {
    let schemas = expand(root, schemas);
    if schemas.is_empty() || schemas.iter().any(|s| takes_anything(s)) {
        return None;
    }
    match value {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            if path.0.is_empty() && k == "$comment" {
                return None;
            }
            let at = path.key(k.as_str());
            match member(&schemas, k) {
                Ok(inner) => unknown_key(root, inner, v, &at),
                Err(known) => Some((at, known)),
            }
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let inner = schemas.iter().filter_map(|s| item(s, i)).collect();
            unknown_key(root, inner, v, &path.index(i))
        }),
        _ => None,
    }
}

/// The schema that takes any value.
static ANYTHING: Value = Value::Bool(true);

/// The schemas of member `key` of an object described by `schemas`; the fields known there when
/// none has it. No schema that speaks of objects: nothing to check (the type check will say).
fn member<'a>(schemas: &[&'a Value], key: &str) -> Result<Vec<&'a Value>, Vec<String>> {
    let mut inner = Vec::new();
    let mut closed = false;
    let mut known = Vec::new();
    for s in schemas {
        let properties = s.get("properties").and_then(Value::as_object);
        if let Some(p) = properties.and_then(|p| p.get(key)) {
            inner.push(p);
            continue;
        }
        match s.get("additionalProperties") {
            Some(extra @ (Value::Object(_) | Value::Bool(true))) => inner.push(extra),
            Some(_) => closed = true,
            None if properties.is_some() => closed = true,
            None if s.get("type").is_some_and(|t| names_type(t, "object")) => {
                inner.push(&ANYTHING);
            }
            None => {}
        }
        for name in properties.into_iter().flat_map(|p| p.keys()) {
            if !name.starts_with('$') && !known.contains(name) {
                known.push(name.clone());
            }
        }
    }
    if inner.is_empty() && closed {
        Err(known)
    } else {
        Ok(inner)
    }
}

/// The schema of item `i` of a list described by `s`.
fn item(s: &Value, i: usize) -> Option<&Value> {
    s.get("prefixItems").and_then(|p| p.get(i)).or_else(|| {
        s.get("items")
            .filter(|s| s.is_object() || s == &&Value::Bool(true))
    })
}

/// True when `t` (a schema's `type`, one name or a list) names `kind`.
fn names_type(t: &Value, kind: &str) -> bool {
    match t {
        Value::String(s) => s == kind,
        Value::Array(list) => list.iter().any(|t| t == kind),
        _ => false,
    }
}

/// True when the schema `s` takes any value (`true`, or an object saying nothing of the value).
fn takes_anything(s: &Value) -> bool {
    const CONSTRAINTS: &[&str] = &[
        "type",
        "properties",
        "additionalProperties",
        "$ref",
        "anyOf",
        "oneOf",
        "allOf",
        "enum",
        "const",
        "items",
        "prefixItems",
        "not",
    ];
    match s {
        Value::Bool(b) => *b,
        Value::Object(m) => !CONSTRAINTS.iter().any(|k| m.contains_key(*k)),
        _ => false,
    }
}

/// `schemas` with every `$ref` followed and every `anyOf`/`oneOf`/`allOf` branch added.
fn expand<'a>(root: &'a Value, schemas: Vec<&'a Value>) -> Vec<&'a Value> {
    let mut out = Vec::new();
    let mut stack = schemas;
    while let Some(s) = stack.pop() {
        if out.len() > 256 {
            break;
        }
        if let Some(target) = s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| root.pointer(p))
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

#[cfg(test)]
mod tests {
    use super::*;
    use indexmap::IndexMap;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Table {
        #[serde(default)]
        currency: Option<String>,
        limits: Limits,
        #[serde(default)]
        models: IndexMap<String, Model>,
    }

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Limits {
        min: u32,
        max: u32,
        #[serde(default)]
        names: Vec<String>,
    }

    #[derive(Debug, Deserialize, JsonSchema, PartialEq)]
    struct Model {
        price: f64,
        #[serde(default)]
        note: Option<String>,
    }

    fn shipped() -> Value {
        json!({
            "currency": "USD",
            "limits": {"min": 1, "max": 4, "names": ["a", "b"]},
            "models": {"m1": {"price": 1.0, "note": "shipped"}, "m2": {"price": 2.0}}
        })
    }

    fn file() -> DataFile {
        DataFile::new(Code::PricesFile, "test table")
    }

    fn lay_text(text: &str) -> Result<Overlaid<Table>, Diagnostic> {
        overlay::<Table>(&shipped(), "over.json", text, &file())
    }

    #[test]
    fn objects_merge_key_by_key() {
        let t =
            lay_text(r#"{"limits": {"max": 9}, "models": {"m1": {"price": 1.5}}}"#).expect("valid");
        assert_eq!((t.data.limits.min, t.data.limits.max), (1, 9));
        assert_eq!(t.data.models["m1"].price, 1.5);
        assert_eq!(t.data.models["m1"].note.as_deref(), Some("shipped"));
        assert_eq!(t.data.models["m2"].price, 2.0);
        assert_eq!(t.data.currency.as_deref(), Some("USD"));
        let set: Vec<String> = t.set.iter().map(ToString::to_string).collect();
        assert_eq!(set, ["limits.max", "models.m1.price"]);
        assert_eq!(t.merged["limits"]["names"], json!(["a", "b"]));
    }

    #[test]
    fn other_values_replace() {
        let t = lay_text(r#"{"limits": {"names": ["z"]}, "currency": "EUR"}"#).expect("valid");
        assert_eq!(t.data.limits.names, ["z"]);
        assert_eq!(t.data.currency.as_deref(), Some("EUR"));
    }

    #[test]
    fn null_removes_a_key() {
        let t = lay_text(r#"{"currency": null, "models": {"m2": null, "m1": {"note": null}}}"#)
            .expect("valid");
        assert_eq!(t.data.currency, None);
        assert!(!t.data.models.contains_key("m2"));
        assert_eq!(t.data.models["m1"].note, None);
        assert!(t.merged["models"]["m1"].get("note").is_none());
        let removed: Vec<String> = t.removed.iter().map(ToString::to_string).collect();
        assert_eq!(removed, ["currency", "models.m2", "models.m1.note"]);
        // a new object is laid without its nulls
        let t = lay_text(r#"{"models": {"m3": {"price": 3.0, "note": null}}}"#).expect("valid");
        assert_eq!(t.merged["models"]["m3"], json!({"price": 3.0}));
    }

    #[test]
    fn an_unknown_top_level_key_is_an_error_with_line_and_column() {
        let d =
            lay_text("{\n  \"currency\": \"USD\",\n  \"limts\": {}\n}").expect_err("unknown key");
        assert_eq!(d.code, Code::PricesFile);
        assert_eq!(d.message, "invalid test table: unknown field `limts`");
        assert_eq!(d.path.as_deref(), Some("limts"));
        assert_eq!(d.file.as_deref(), Some("over.json"));
        assert_eq!(
            d.location.as_ref().map(|l| (l.line, l.column)),
            Some((3, 3))
        );
        let help = d.help.unwrap_or_default();
        assert!(help.starts_with("did you mean `limits`?"), "{help}");
        assert!(help.contains("`currency`, `limits` or `models`"), "{help}");
    }

    #[test]
    fn an_unknown_nested_key_is_an_error_with_line_and_column() {
        let d = lay_text("{\"models\": {\"m1\": {\n    \"prcie\": 2}}}").expect_err("unknown key");
        assert_eq!(d.message, "invalid test table: unknown field `prcie`");
        assert_eq!(d.path.as_deref(), Some("models.m1.prcie"));
        assert_eq!(
            d.location.as_ref().map(|l| (l.line, l.column)),
            Some((2, 5))
        );
        assert!(d.help.unwrap_or_default().contains("did you mean `price`?"));
        // in YAML too
        let d = overlay::<Table>(&shipped(), "over.yaml", "limits:\n  mx: 3\n", &file())
            .expect_err("unknown key");
        assert_eq!(d.path.as_deref(), Some("limits.mx"));
        assert_eq!(
            d.location.as_ref().map(|l| (l.line, l.column)),
            Some((2, 3))
        );
    }

    #[test]
    fn keys_of_open_maps_are_allowed() {
        let t = lay_text(r#"{"$comment": "ours", "models": {"brand-new": {"price": 7.0}}}"#)
            .expect("a new model name is no unknown key");
        assert_eq!(t.data.models["brand-new"].price, 7.0);
        let set: Vec<String> = t.set.iter().map(ToString::to_string).collect();
        assert_eq!(set, ["models.brand-new"]);
    }

    #[test]
    fn a_type_error_after_the_merge_points_into_the_file() {
        let d = lay_text("{\"limits\": {\n  \"max\": \"lots\"}}").expect_err("wrong type");
        assert_eq!(d.code, Code::PricesFile);
        // in the schema's words, at the value
        assert!(
            d.message
                .starts_with("invalid test table: `limits.max` must be an integer"),
            "{}",
            d.message
        );
        assert_eq!(d.path.as_deref(), Some("limits.max"));
        assert_eq!(d.location.as_ref().map(|l| l.line), Some(2));
        // a new entry missing a field: at the entry the file sets
        let d = lay_text("{\"models\": {\n  \"m3\": {\"note\": \"x\"}}}").expect_err("missing");
        assert!(
            d.message.contains("missing required field `price`"),
            "{}",
            d.message
        );
        assert_eq!(d.location.as_ref().map(|l| l.line), Some(2));
        // removing a required key is a type error too
        let d = lay_text(r#"{"limits": null}"#).expect_err("required");
        assert!(
            d.message.contains("missing required field `limits`"),
            "{}",
            d.message
        );
        assert_eq!(d.file.as_deref(), Some("over.json"));
    }

    #[test]
    fn a_syntax_error_has_the_files_code() {
        let d = lay_text("{ not json").expect_err("syntax");
        assert_eq!(d.code, Code::PricesFile);
        assert!(
            d.message.starts_with("invalid test table: invalid JSON"),
            "{}",
            d.message
        );
        assert_eq!(d.location.as_ref().map(|l| l.line), Some(1));
    }

    #[test]
    fn an_override_given_as_a_value_names_the_file() {
        let d = overlay_value::<Table>(
            &shipped(),
            "over.json",
            json!({"limits": {"mn": 1}}),
            &file(),
        )
        .expect_err("unknown key");
        assert_eq!(d.path.as_deref(), Some("limits.mn"));
        assert_eq!(d.file.as_deref(), Some("over.json"));
        assert!(d.location.is_none());
    }

    #[test]
    fn a_file_that_is_not_an_object_says_so_at_its_start() {
        for (text, found) in [("[]", "a list"), ("5", "a number"), ("", "nothing")] {
            let name = if text.is_empty() {
                "over.yaml"
            } else {
                "over.json"
            };
            let d = overlay::<Table>(&shipped(), name, text, &file()).expect_err("not an object");
            assert!(
                d.message.contains("the file must be an object") && d.message.contains(found),
                "{}",
                d.message
            );
            assert_eq!(
                d.location.as_ref().map(|l| (l.line, l.column)),
                Some((1, 1))
            );
        }
    }
}
