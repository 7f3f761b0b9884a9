//! Variations: a brief's `vary` section expanded into variants, deterministically.
//!
//! ```yaml
//! vary:
//!   text.headline: [Spring Sale, Summer Sale]      # a path → values
//!   output.size: [1024x1024, 1024x1536]
//!   colourway:                                     # a name → linked values, set together
//!     - {style.palette: [navy, coral], avoid: [neon colours]}
//!     - {style.palette: [black, gold], avoid: [pastels]}
//! ```
//!
//! The variants are the cartesian product of the axes in the order written, the last axis varying
//! fastest (like nested loops): variant 0 takes the first value of every axis. Each variant has a
//! stable id: the brief's name (or the file stem) and a short hash of the values it chose, so ids
//! do not change when axes are reordered or values added elsewhere.
//!
//! ```
//! use imgprompt::app::vary::Variations;
//! use serde_json::json;
//!
//! let brief = json!({
//!     "name": "sale",
//!     "subject": "a shoe shop sale",
//!     "vary": {"text.headline": ["Spring Sale", "Summer Sale"], "output.quality": ["low", "high"]},
//! });
//! let v = Variations::from_brief(&brief, "brief", None).unwrap();
//! assert_eq!(v.count(), Some(4));
//! let last = v.variant(3);
//! assert_eq!(last.brief["text"]["headline"], "Summer Sale");
//! assert_eq!(last.brief["output"]["quality"], "high");
//! assert!(last.id.starts_with("sale-"));
//! ```
use serde_json::{Map, Value};

use crate::brief::schema::properties_at;
use crate::brief::source::{JsonPath, Segment, SourceFile};
use crate::diagnostic::suggest::{did_you_mean, one_of};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

/// Top-level fields a path may start with.
const SECTIONS: &[&str] = &[
    "name",
    "preset",
    "subject",
    "style",
    "composition",
    "text",
    "context",
    "avoid",
    "output",
    "params",
];

/// One axis of variation.
#[derive(Debug, Clone)]
pub struct Axis {
    /// The key as written under `vary`.
    pub name: String,
    /// Each choice: the (path, value) pairs it sets.
    pub choices: Vec<Vec<(JsonPath, Value)>>,
}

/// A brief with its variations.
#[derive(Debug, Clone)]
pub struct Variations {
    base: Value,
    stem: String,
    axes: Vec<Axis>,
    /// Each (path, value) of each choice of each axis, displayed once ([`Shown`]).
    shown: Vec<Vec<Vec<Shown>>>,
}

/// One (path, value) of a choice as records show it: the path displayed (a key of a variant's
/// values) and the pair as JSON, `["text.a","A"]` (a piece of the text its id hashes).
#[derive(Debug, Clone)]
struct Shown {
    name: String,
    pair: String,
}

/// One variant.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Variant {
    /// Position in the expansion order, from 0.
    pub index: u64,
    /// Stable id: `<name>-<hash of the chosen values>`.
    pub id: String,
    /// The values chosen, by path.
    pub values: Map<String, Value>,
    /// The brief to render (no `vary` left).
    pub brief: Value,
}

/// What names one variant in records: its position, its id and the values it chose (a
/// [`Variant`] without its brief).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Picked {
    /// Position in the expansion order, from 0.
    pub index: u64,
    /// Stable id: `<name>-<hash of the chosen values>`.
    pub id: String,
    /// The values chosen, by path.
    pub values: Map<String, Value>,
}

/// Sets `value` at `path` in `target`, creating objects on the way.
pub fn set_path(target: &mut Value, path: &JsonPath, value: Value) {
    let mut cur = target;
    for seg in &path.0 {
        cur = match seg {
            Segment::Key(k) => {
                if !cur.is_object() {
                    *cur = Value::Object(Map::new());
                }
                cur.as_object_mut()
                    .expect("object")
                    .entry(k.clone())
                    .or_insert(Value::Null)
            }
            Segment::Index(i) => {
                if !cur.is_array() {
                    *cur = Value::Array(Vec::new());
                }
                let a = cur.as_array_mut().expect("array");
                while a.len() <= *i {
                    a.push(Value::Null);
                }
                &mut a[*i]
            }
        };
    }
    *cur = value;
}

/// A `vary` path may index a list of the brief at most one past its end (`style.mood[2]` on a
/// two-item list appends): a larger index is refused before anything is allocated.
fn check_indexes(base: &Value, path: &JsonPath) -> Result<(), Diagnostic> {
    let mut cur = Some(base);
    let mut at = JsonPath::root();
    for seg in &path.0 {
        match seg {
            Segment::Key(k) => {
                cur = cur.and_then(|v| v.get(k));
                at = at.key(k.clone());
            }
            Segment::Index(i) => {
                let len = cur.and_then(Value::as_array).map_or(0, Vec::len);
                if *i > len {
                    return Err(Diagnostic::error(
                        Code::IndexOutOfRange,
                        format!("`{path}` indexes item {i} of `{at}`, which has {len} item(s)"),
                    )
                    .with_help(format!(
                        "use an index from 0 to {len} (= {len} appends one item)"
                    )));
                }
                cur = cur.and_then(|v| v.get(*i));
                at = at.index(*i);
            }
        }
    }
    Ok(())
}

fn sanitize(s: &str) -> String {
    let out = crate::emit::file_safe(s, usize::MAX);
    let out = out.trim_matches('-').to_string();
    if out.is_empty() {
        String::from("brief")
    } else {
        out
    }
}

/// FNV-1a, 64 bits: a stable short hash (not for security).
fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_more(0xcbf2_9ce4_8422_2325, bytes)
}

/// [`fnv1a`] continued from the hash `h` of the bytes before.
fn fnv1a_more(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// What the axes under `vary` are checked against: the brief schema's JSON and the brief without
/// `vary` (for list indexes); errors point into `source` when there is one.
struct AxisReader<'a> {
    schema: &'a Value,
    base: &'a Value,
    source: Option<&'a SourceFile>,
}

impl AxisReader<'_> {
    /// `d` located at `path` (at its key when `key`).
    fn point(&self, d: Diagnostic, path: JsonPath, key: bool) -> Diagnostic {
        match self.source {
            Some(s) => s.point(d, &path, key),
            None => d.with_path(path.to_string()),
        }
    }

    /// A path of the schema, indexing the brief's lists at most one past their end.
    fn check(&self, path: &JsonPath) -> Result<(), Diagnostic> {
        check_path(self.schema, path).and_then(|()| check_indexes(self.base, path))
    }

    /// The axis `vary.<key>`: a field path and its values, or a name and its linked values. Its
    /// errors go to `errors`; `None` when it is no axis at all.
    fn axis(&self, key: String, values: Value, errors: &mut Vec<Diagnostic>) -> Option<Axis> {
        let at = JsonPath::root().key("vary").key(key.clone());
        let Value::Array(values) = values else {
            errors.push(self.point(
                Diagnostic::error(
                    Code::WrongType,
                    format!("`vary.{key}` must be a list of values"),
                ),
                at,
                false,
            ));
            return None;
        };
        if values.is_empty() {
            errors.push(self.point(
                Diagnostic::error(Code::EmptyValue, format!("`vary.{key}` has no values")),
                at,
                false,
            ));
            return None;
        }
        let first = key.split(['.', '[']).next().unwrap_or("");
        if SECTIONS.contains(&first) {
            let path = JsonPath::parse(&key);
            if let Err(d) = self.check(&path) {
                errors.push(self.point(d, at, true));
                return None;
            }
            Some(Axis {
                name: key,
                choices: values
                    .into_iter()
                    .map(|v| vec![(path.clone(), v)])
                    .collect(),
            })
        } else {
            let choices = self.linked_choices(&key, &at, values, errors);
            Some(Axis { name: key, choices })
        }
    }

    /// The choices of a linked axis: each value is an object of path → value (a value that is
    /// not is an error and no choice; a bad path is an error, and left out of its choice).
    fn linked_choices(
        &self,
        key: &str,
        at: &JsonPath,
        values: Vec<Value>,
        errors: &mut Vec<Diagnostic>,
    ) -> Vec<Vec<(JsonPath, Value)>> {
        let mut choices = Vec::new();
        for (i, v) in values.into_iter().enumerate() {
            let Value::Object(set) = v else {
                let d = Diagnostic::error(
                    Code::WrongType,
                    format!("`vary.{key}` is not a field path, so each of its values must be an object of `path: value` pairs"),
                )
                .with_help_opt(did_you_mean(key, SECTIONS.iter().copied()).map(|s| format!("did you mean a path under `{s}`?")));
                errors.push(self.point(d, at.index(i), false));
                continue;
            };
            let mut choice = Vec::new();
            for (p, v) in set {
                let path = JsonPath::parse(&p);
                match self.check(&path) {
                    Ok(()) => choice.push((path, v)),
                    Err(d) => errors.push(self.point(d, at.index(i).key(p), true)),
                }
            }
            choices.push(choice);
        }
        choices
    }
}

impl Variations {
    /// Reads `vary` from a parsed brief. `stem` names the variants when the brief has no `name`.
    /// Paths are checked against the brief schema; errors point at the key in `source`.
    pub fn from_brief(
        brief: &Value,
        stem: &str,
        source: Option<&SourceFile>,
    ) -> Result<Self, Diagnostics> {
        let mut base = brief.clone();
        let vary = base.as_object_mut().and_then(|o| o.remove("vary"));
        let stem = sanitize(brief.get("name").and_then(Value::as_str).unwrap_or(stem));
        let mut axes = Vec::new();
        let mut errors = Vec::new();
        let reader = AxisReader {
            // the compiled schema's JSON, generated once (generating it takes ~900k instructions)
            schema: crate::engine::brief_schema().raw(),
            base: &base,
            source,
        };
        if let Some(Value::Object(vary)) = vary {
            for (key, values) in vary {
                axes.extend(reader.axis(key, values, &mut errors));
            }
        }
        errors.extend(
            overlaps(&axes)
                .into_iter()
                .map(|(d, at)| reader.point(d, at, true)),
        );
        if !errors.is_empty() {
            return Err(Diagnostics(errors));
        }
        let shown = axes
            .iter()
            .map(|a| {
                a.choices
                    .iter()
                    .map(|c| {
                        c.iter()
                            .map(|(p, v)| {
                                let name = p.to_string();
                                let pair = serde_json::to_string(&(&name, v)).unwrap_or_default();
                                Shown { name, pair }
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        Ok(Variations {
            base,
            stem,
            axes,
            shown,
        })
    }

    /// The axes.
    pub fn axes(&self) -> &[Axis] {
        &self.axes
    }

    /// How many variants (1 when the brief has no `vary`); `None` past `u64::MAX`.
    pub fn count(&self) -> Option<u64> {
        self.axes
            .iter()
            .try_fold(1u64, |acc, a| acc.checked_mul(a.choices.len() as u64))
    }

    /// The choice of each axis at `index` (mixed radix, the last axis fastest).
    pub fn picks(&self, index: u64) -> Vec<usize> {
        let mut rest = index;
        let mut picks = vec![0usize; self.axes.len()];
        for (i, axis) in self.axes.iter().enumerate().rev() {
            let n = axis.choices.len() as u64;
            picks[i] = (rest % n) as usize;
            rest /= n;
        }
        picks
    }

    /// The index of a choice per axis (the inverse of [`Variations::picks`]).
    pub fn index_of(&self, picks: &[usize]) -> u64 {
        self.axes.iter().zip(picks).fold(0u64, |acc, (a, p)| {
            acc.wrapping_mul(a.choices.len() as u64)
                .wrapping_add(*p as u64)
        })
    }

    /// Whether an axis can change the price of a request: it sets the output settings, the
    /// preset (and so its defaults), its params (a param may pick the size) or target options.
    pub fn prices(&self, axis: &Axis) -> bool {
        axis.choices.iter().flatten().any(|(path, _)| {
            matches!(
                path.0.first(),
                Some(Segment::Key(k)) if matches!(k.as_str(), "output" | "preset" | "params" | "targets")
            )
        })
    }

    /// Checks every value of every axis against its field before anything is rendered: the
    /// brief with that one value set (the other axes at their first value) must pass the brief
    /// schema. A bad value fails the whole brief up front, pointing at the value under `vary`.
    pub fn check_values(&self, source: Option<&SourceFile>) -> Result<(), Diagnostics> {
        self.check_values_until(source, &|| false)
    }

    /// [`Variations::check_values`] that gives up with a `stopped` error ([`stopped`]) as soon as
    /// `stop` says so (asked before each value): `serve` stops the work of a request whose answer
    /// is no longer wanted.
    pub fn check_values_until(
        &self,
        source: Option<&SourceFile>,
        stop: &dyn Fn() -> bool,
    ) -> Result<(), Diagnostics> {
        let schema = crate::engine::brief_schema();
        let mut errors = Vec::new();
        for (a, axis) in self.axes.iter().enumerate() {
            for c in 0..axis.choices.len() {
                if stop() {
                    return Err(stopped());
                }
                let mut picks = vec![0usize; self.axes.len()];
                picks[a] = c;
                let v = self.variant_at(&picks, 0);
                for d in schema.check(&v.brief, &JsonPath::root(), None) {
                    let at = JsonPath::root().key("vary").key(axis.name.clone());
                    let at = if axis.choices.len() > 1 || !axis.choices[c].is_empty() {
                        at.index(c)
                    } else {
                        at
                    };
                    let d = d.with_note(format!("for the value {} of `vary.{}`", c + 1, axis.name));
                    errors.push(match source {
                        Some(s) => s.point(d, &at, false),
                        None => d.with_path(at.to_string()),
                    });
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics(errors))
        }
    }

    /// The variant at `index` (0-based, expansion order).
    pub fn variant(&self, index: u64) -> Variant {
        let picks = self.picks(index);
        self.variant_at(&picks, index)
    }

    /// The variant of the given choices (its `index` as given).
    pub fn variant_at(&self, picks: &[usize], index: u64) -> Variant {
        let brief = self.brief_at(picks);
        let Picked { index, id, values } = self.picked_at(picks, index);
        Variant {
            index,
            id,
            values,
            brief,
        }
    }

    /// The brief of the given choices (no `vary` left).
    pub fn brief_at(&self, picks: &[usize]) -> Value {
        let mut brief = self.base.clone();
        for (axis, &pick) in self.axes.iter().zip(picks) {
            for (path, v) in &axis.choices[pick] {
                set_path(&mut brief, path, v.clone());
            }
        }
        brief
    }

    /// The variant at `index` without its brief: what names it in records.
    pub fn picked(&self, index: u64) -> Picked {
        self.picked_at(&self.picks(index), index)
    }

    /// [`Variations::picked`] of the given choices (its `index` as given).
    pub fn picked_at(&self, picks: &[usize], index: u64) -> Picked {
        let mut values = Map::new();
        for ((axis, shown), &pick) in self.axes.iter().zip(&self.shown).zip(picks) {
            for ((_, v), s) in axis.choices[pick].iter().zip(&shown[pick]) {
                values.insert(s.name.clone(), v.clone());
            }
        }
        let id = if self.axes.is_empty() {
            self.stem.clone()
        } else {
            format!("{}-{:016x}", self.stem, self.id_hash(picks))
        };
        Picked { index, id, values }
    }

    /// The hash of a variant's id: FNV-1a of its values as JSON, sorted by path
    /// (`[["text.a","A"],["text.b","B"]]`, a path set twice with its last value), from the
    /// pieces serialised once ([`Shown`]).
    fn id_hash(&self, picks: &[usize]) -> u64 {
        let mut parts: Vec<&Shown> = self
            .shown
            .iter()
            .zip(picks)
            .flat_map(|(shown, &pick)| &shown[pick])
            .collect();
        // stable: of one path set twice, the last is last
        parts.sort_by(|a, b| a.name.cmp(&b.name));
        let mut h = fnv1a(b"[");
        let mut first = true;
        for (i, s) in parts.iter().enumerate() {
            if parts.get(i + 1).is_some_and(|next| next.name == s.name) {
                continue;
            }
            if !first {
                h = fnv1a_more(h, b",");
            }
            first = false;
            h = fnv1a_more(h, s.pair.as_bytes());
        }
        fnv1a_more(h, b"]")
    }

    /// `n` distinct indices chosen with a seeded generator (Floyd's algorithm), in ascending
    /// order. The same seed always gives the same sample.
    pub fn sample(&self, n: u64, seed: u64) -> Vec<u64> {
        let total = self.count().unwrap_or(u64::MAX);
        if n >= total {
            return (0..total).collect();
        }
        let mut rng = SplitMix64(seed);
        let mut chosen = std::collections::BTreeSet::new();
        for j in (total - n)..total {
            let t = rng.next_u64() % (j + 1);
            if !chosen.insert(t) {
                chosen.insert(j);
            }
        }
        chosen.into_iter().collect()
    }
}

/// The error of work given up before its end ([`Variations::check_values_until`],
/// `expand::count_until`).
pub fn stopped() -> Diagnostics {
    Diagnostics(vec![Diagnostic::error(
        Code::Stopped,
        "stopped before the end: the answer is no longer wanted",
    )])
}

fn check_path(schema: &Value, path: &JsonPath) -> Result<(), Diagnostic> {
    let mut prefix = JsonPath::root();
    for seg in &path.0 {
        if let Segment::Key(k) = seg {
            let known = properties_at(schema, &prefix);
            let free =
                matches!(prefix.0.first(), Some(Segment::Key(s)) if s == "text" || s == "params");
            if !free && !known.is_empty() && !known.contains(k) {
                let d = Diagnostic::error(
                    Code::UnknownField,
                    format!("`{path}` is not a field of the brief: no `{k}` here"),
                )
                .with_label("unknown path")
                .with_help(
                    match did_you_mean(k, known.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`? Fields here: {}", one_of(&known)),
                        None => format!("fields here: {}", one_of(&known)),
                    },
                );
                return Err(d);
            }
            if k == "vary" {
                return Err(Diagnostic::error(
                    Code::InvalidValue,
                    "`vary` cannot vary itself",
                ));
            }
        }
        prefix.0.push(seg.clone());
    }
    Ok(())
}

/// splitmix64: a tiny, well-known seeded generator.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Axes that would overwrite each other (two axes setting one path, or a path inside another's)
/// and values listed twice in one axis (two variants alike, with one id, billed twice): each an
/// error at the later axis or value.
fn overlaps(axes: &[Axis]) -> Vec<(Diagnostic, JsonPath)> {
    let mut out = Vec::new();
    let set_by = |a: &Axis| -> Vec<JsonPath> {
        let mut paths: Vec<JsonPath> = a.choices.iter().flatten().map(|(p, _)| p.clone()).collect();
        paths.dedup();
        paths
    };
    let inside = |a: &JsonPath, b: &JsonPath| a.0.starts_with(&b.0) || b.0.starts_with(&a.0);
    for (j, later) in axes.iter().enumerate() {
        let later_paths = set_by(later);
        for earlier in &axes[..j] {
            let clash = set_by(earlier)
                .into_iter()
                .find(|p| later_paths.iter().any(|q| inside(p, q)));
            if let Some(path) = clash {
                out.push((
                    Diagnostic::error(
                        Code::VaryOverlap,
                        format!(
                            "`vary.{}` and `vary.{}` both set `{path}`: one would overwrite the other, and variants would repeat",
                            earlier.name, later.name
                        ),
                    )
                    .with_help("set each field in one axis only (a linked axis can set several fields together)"),
                    JsonPath::root().key("vary").key(later.name.clone()),
                ));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for (i, choice) in later.choices.iter().enumerate() {
            let key: Vec<(String, String)> = choice
                .iter()
                .map(|(p, v)| (p.to_string(), v.to_string()))
                .collect();
            if !seen.insert(key) {
                out.push((
                    Diagnostic::error(
                        Code::VaryDuplicate,
                        format!("value {} of `vary.{}` repeats an earlier one: two variants would be alike (one id, billed twice)", i + 1, later.name),
                    )
                    .with_help("remove the repeated value"),
                    JsonPath::root().key("vary").key(later.name.clone()).index(i),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn variations(v: Value) -> Variations {
        Variations::from_brief(&v, "t", None).expect("valid")
    }

    #[test]
    fn ids_hash_the_sorted_values_as_json() {
        // the id as first written: the values map, sorted by path, serialised whole
        let by_serialising = |v: &Variations, i: u64| {
            let values = v.picked(i).values;
            let mut sorted: Vec<(&String, &Value)> = values.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            let canonical = serde_json::to_string(&sorted).expect("json");
            format!("t-{:016x}", fnv1a(canonical.as_bytes()))
        };
        let briefs = [
            json!({"subject": "s", "vary": {"text.b": ["x", "y\"\u{1F642}"], "text.a": [1, {"k": [null]}]}}),
            json!({"subject": "s", "vary": {"style.mood": ["calm", "bold"], "set": [{"style.palette": "wild", "text.z": "Z"}, {"avoid": ["x"]}]}}),
            json!({"subject": "s", "vary": {"set": [{"text.b": "B", "text.a": "A", "text.c": "C"}]}}),
        ];
        for brief in briefs {
            let v = variations(brief);
            for i in 0..v.count().expect("count") {
                assert_eq!(v.picked(i).id, by_serialising(&v, i), "variant {i}");
            }
        }
    }

    #[test]
    fn cartesian_product_last_axis_fastest() {
        let v = variations(
            json!({"subject": "s", "vary": {"text.headline": ["A", "B"], "output.size": ["1024x1024", "1024x1536", "1536x1024"]}}),
        );
        assert_eq!(v.count(), Some(6));
        let heads: Vec<String> = (0..6)
            .map(|i| {
                let b = v.variant(i).brief;
                format!(
                    "{}:{}",
                    b["text"]["headline"].as_str().unwrap(),
                    b["output"]["size"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            heads,
            [
                "A:1024x1024",
                "A:1024x1536",
                "A:1536x1024",
                "B:1024x1024",
                "B:1024x1536",
                "B:1536x1024"
            ]
        );
        assert!(v.variant(0).brief.get("vary").is_none());
    }

    #[test]
    fn linked_values_set_fields_together() {
        let v = variations(json!({"subject": "s", "vary": {"colourway": [
            {"style.palette": ["navy"], "avoid": ["neon"]},
            {"style.palette": ["gold"], "avoid": ["pastels"]}
        ]}}));
        let b = v.variant(1).brief;
        assert_eq!(b["style"]["palette"], json!(["gold"]));
        assert_eq!(b["avoid"], json!(["pastels"]));
    }

    #[test]
    fn ids_are_stable_across_axis_order() {
        let a = variations(
            json!({"name": "sale", "subject": "s", "vary": {"text.headline": ["A", "B"], "output.quality": ["low", "high"]}}),
        );
        let b = variations(
            json!({"name": "sale", "subject": "s", "vary": {"output.quality": ["low", "high"], "text.headline": ["A", "B"]}}),
        );
        let ids_a: std::collections::BTreeSet<String> = (0..4).map(|i| a.variant(i).id).collect();
        let ids_b: std::collections::BTreeSet<String> = (0..4).map(|i| b.variant(i).id).collect();
        assert_eq!(ids_a, ids_b);
        assert!(ids_a.iter().all(|id| id.starts_with("sale-")));
    }

    #[test]
    fn samples_are_reproducible_and_distinct() {
        let v = variations(
            json!({"subject": "s", "vary": {"text.headline": (0..100).map(|i| i.to_string()).collect::<Vec<_>>(), "output.n": [1, 2, 3]}}),
        );
        let s1 = v.sample(10, 42);
        assert_eq!(s1, v.sample(10, 42));
        assert_ne!(s1, v.sample(10, 43));
        assert_eq!(s1.len(), 10);
        assert!(s1.windows(2).all(|w| w[0] < w[1]) && s1.iter().all(|i| *i < 300));
    }

    #[test]
    fn bad_paths_are_named() {
        let e = Variations::from_brief(
            &json!({"subject": "s", "vary": {"style.pallete": ["a"]}}),
            "t",
            None,
        )
        .unwrap_err();
        assert!(
            e.0[0]
                .help
                .as_deref()
                .unwrap_or("")
                .contains("did you mean `palette`"),
            "{e:?}"
        );
    }
}
