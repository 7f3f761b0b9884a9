//! Properties of every entry point, on generated input (proptest): briefs of the real structure
//! mutated with adversarial keys (any Unicode, brackets, quotes, dots, empty) and values of every
//! JSON type at any path; random YAML and JSON text; batch input bytes; user preset folders; HTTP
//! API requests; provider answers. Each property: no panic; every exact text verbatim in every
//! success; one batch record per input line, in order; `JsonPath` display then parse is the
//! identity.
//!
//! The default run is short (CI: 2 cores, a debug build). The long run is
//! `PROPTEST_CASES=20000 cargo test --release --test it props`; the slow properties (preset
//! folders, the HTTP API) run a fraction of `PROPTEST_CASES`. A failure prints its minimal input
//! (briefs as JSON); `PROPTEST_RNG_SEED=N` replays a run. No failure files are written.
use std::fmt;
use std::io::{Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use imgprompt::app::batch::BatchOptions;
use imgprompt::app::vary::{Picked, Variations};
use imgprompt::brief::source::{JsonPath, Segment};
use imgprompt::emit::Emit;
use imgprompt::emit::handoff::HandOff;
use imgprompt::lint::LintTable;
use imgprompt::targets::{OpenAi, Target};
use imgprompt::{Diagnostic, Diagnostics, Engine, Format, Rendering, SourceFile};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value, json};

use crate::common;
use crate::tables::*;

// ------------------------------------------------------------------------------------------------
// Running

/// The cases of a property: `PROPTEST_CASES` when set (divided by `divisor` for the slow ones),
/// else `ci`. No failure files (a failure prints its minimal input); shrinking is bounded.
fn config(ci: u32, divisor: u32) -> ProptestConfig {
    // `default()` reads PROPTEST_CASES, PROPTEST_RNG_SEED and the other PROPTEST_* variables
    let base = ProptestConfig::default();
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() {
        (base.cases / divisor).max(1)
    } else {
        ci
    };
    let max_shrink_time = if base.max_shrink_time == 0 {
        60_000
    } else {
        base.max_shrink_time
    };
    ProptestConfig {
        cases,
        max_shrink_time,
        failure_persistence: None,
        ..base
    }
}

/// Runs `test` on the inputs of `strategy`; a failure panics with the minimal failing input.
fn check<S: Strategy>(
    (ci, divisor): (u32, u32),
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let mut runner = TestRunner::new(config(ci, divisor));
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

/// Runs `f`; a panic fails the property, naming what panicked (the input is printed by proptest).
fn no_panic<T>(what: &str, f: impl FnOnce() -> T) -> Result<T, TestCaseError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| String::from("a panic without a message"));
        TestCaseError::fail(format!("{what} panicked: {message}"))
    })
}

/// The stack of every property's thread (and of the batch's and the server's threads):
/// serde-saphyr's recursion needs more than a test thread's 2 MiB on a brief nested about 50
/// levels deep in a debug build (a release build stops at its depth limit of 64 first), and a
/// stack overflow would abort the whole test binary instead of failing one property.
const BIG_STACK: usize = 64 << 20;

/// Runs `f` (a property) on a thread with [`BIG_STACK`]; its panic is the test's.
fn big_stack(f: impl FnOnce() + Send + 'static) {
    let worker = std::thread::Builder::new()
        .stack_size(BIG_STACK)
        .spawn(f)
        .expect("a thread");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
}

/// The thread pool batches run in (rayon's global pool has 2 MiB stacks).
fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .stack_size(BIG_STACK)
            .build()
            .expect("a thread pool")
    })
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(common::engine)
}

fn lint_table() -> &'static LintTable {
    static TABLE: OnceLock<LintTable> = OnceLock::new();
    TABLE.get_or_init(LintTable::builtin)
}

/// A JSON value shown as JSON text, so a failing input can be pasted into a file as is.
#[derive(Clone)]
struct Json(Value);

impl fmt::Debug for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_string())
    }
}

/// Bytes shown as a byte string literal.
struct Bytes<'a>(&'a [u8]);

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

// ------------------------------------------------------------------------------------------------
// Tables

/// The text roles of each built-in preset (`basic` takes any role).
fn roles(preset: &str) -> &'static [&'static str] {
    match preset {
        "ad" => &["headline", "subheadline", "offer", "cta", "brand", "legal"],
        "poster" => &[
            "headline",
            "subheadline",
            "tagline",
            "date",
            "venue",
            "body",
            "cta",
            "labels",
        ],
        "product" => &["label", "brand", "tagline", "badge", "price"],
        "social" => &["headline", "caption", "cta", "handle", "hashtag"],
        "typography" => &[
            "title", "subtitle", "quote", "body", "points", "stats", "caption", "footer",
        ],
        "ui" => &["title", "heading", "labels", "button", "cta", "body", "nav"],
        _ => &[
            "headline", "label", "title", "caption", "labels", "anything",
        ],
    }
}

const ALL_ROLES: &[&str] = &[
    "headline",
    "subheadline",
    "offer",
    "cta",
    "brand",
    "legal",
    "tagline",
    "date",
    "venue",
    "body",
    "labels",
    "label",
    "badge",
    "price",
    "caption",
    "handle",
    "hashtag",
    "title",
    "subtitle",
    "quote",
    "points",
    "stats",
    "footer",
    "heading",
    "button",
    "nav",
];

const BACKGROUNDS: &[&str] = &["transparent", "opaque", "auto"];

const AXIS_NAMES: &[&str] = &["colourway", "set", "x", "sizes"];

// ------------------------------------------------------------------------------------------------
// Strategies: keys, text, JSON values

fn odd_char() -> BoxedStrategy<char> {
    prop_oneof![
        any::<char>(),
        (0xE000u32..=0xF8FF).prop_map(|c| char::from_u32(c).unwrap_or('\u{e000}')),
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('\u{0}')),
        (0x1F300u32..0x1FAFF).prop_map(|c| char::from_u32(c).unwrap_or('\u{1f642}')),
    ]
    .boxed()
}

/// An adversarial key: from the table, from path-breaking characters, or any Unicode string
/// (empty included).
fn key() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(KEYS).prop_map(String::from),
        3 => vec(select(KEY_CHARS), 0..6).prop_map(String::from_iter),
        2 => any::<String>(),
        1 => vec(odd_char(), 0..5).prop_map(String::from_iter),
    ]
    .boxed()
}

/// A phrase or an exact text: everyday ones, nasty ones, token soup, any Unicode.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(PHRASES).prop_map(String::from),
        3 => select(NASTY).prop_map(String::from),
        3 => vec(select(TOKENS), 0..10).prop_map(|t| t.concat()),
        2 => any::<String>(),
        1 => vec(odd_char(), 0..12).prop_map(String::from_iter),
    ]
    .boxed()
}

fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// Numbers of every kind: odd floats (1e308, -0.0, 2^64, subnormals), any i64, u64, f64.
fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => select(ODD_NUMBERS).prop_map(float),
        1 => Just(float(f64::from_bits(1))),
        1 => any::<f64>().prop_map(float),
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        3 => (0u64..=20).prop_map(Value::from),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => number(),
        3 => text().prop_map(Value::String),
    ]
    .boxed()
}

/// `depth` arrays and objects around `leaf`.
fn nest(depth: usize, leaf: Value) -> Value {
    (0..depth).fold(leaf, |inner, i| {
        if i.is_multiple_of(2) {
            Value::Array(vec![inner])
        } else {
            json!({ "k": inner })
        }
    })
}

/// Any JSON value: every type, odd numbers, adversarial keys, a few levels of nesting, and now
/// and then a chain deep enough to reach the parsers' limits once inside a brief.
fn json_value() -> BoxedStrategy<Value> {
    let tree = leaf().prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..5).prop_map(Value::Array),
            vec((key(), inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    });
    prop_oneof![
        12 => tree,
        1 => (1usize..=100, leaf()).prop_map(|(depth, v)| nest(depth, v)),
    ]
    .boxed()
}

// ------------------------------------------------------------------------------------------------
// Strategies: briefs

fn put(m: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        m.insert(key.to_string(), v);
    }
}

fn put_str(m: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    put(m, key, value.map(Value::from));
}

fn parsed(table_entry: &str) -> Value {
    serde_json::from_str(table_entry).expect("the tables hold JSON")
}

fn one_or_many() -> BoxedStrategy<Value> {
    prop_oneof![
        2 => text().prop_map(Value::String),
        1 => vec(text().prop_map(Value::String), 0..4).prop_map(Value::Array),
    ]
    .boxed()
}

/// An exact text: a string, `{content, typography, placement}`, or a list of either.
fn text_value() -> BoxedStrategy<Value> {
    let entry = prop_oneof![
        3 => text().prop_map(Value::String),
        1 => (text(), option::of(text()), option::of(text())).prop_map(
            |(content, typography, placement)| {
                let mut m = Map::new();
                m.insert(String::from("content"), Value::String(content));
                put(&mut m, "typography", typography.map(Value::String));
                put(&mut m, "placement", placement.map(Value::String));
                Value::Object(m)
            }
        ),
    ]
    .boxed();
    prop_oneof![
        4 => entry.clone(),
        1 => vec(entry, 0..4).prop_map(Value::Array),
    ]
    .boxed()
}

/// Fields of one section (`composition`, `context`), each a phrase.
fn fields(names: &'static [&'static str]) -> BoxedStrategy<Value> {
    vec((select(names), text()), 0..4)
        .prop_map(|pairs| {
            Value::Object(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), Value::String(v)))
                    .collect(),
            )
        })
        .boxed()
}

fn style() -> BoxedStrategy<Value> {
    let apply = prop_oneof![
        select(STYLES).prop_map(Value::from),
        vec(select(STYLES).prop_map(Value::from), 0..3).prop_map(Value::Array),
    ];
    (
        option::of(text()),
        option::of(one_or_many()),
        option::of(text()),
        option::of(one_or_many()),
        option::of(text()),
        option::of(one_or_many()),
        option::weighted(0.15, apply),
    )
        .prop_map(
            |(medium, mood, lighting, palette, typography, details, apply)| {
                let mut m = Map::new();
                put(&mut m, "medium", medium.map(Value::String));
                put(&mut m, "mood", mood);
                put(&mut m, "lighting", lighting.map(Value::String));
                put(&mut m, "palette", palette);
                put(&mut m, "typography", typography.map(Value::String));
                put(&mut m, "details", details);
                put(&mut m, "apply", apply);
                Value::Object(m)
            },
        )
        .boxed()
}

fn composition() -> BoxedStrategy<Value> {
    (fields(COMPOSITION), option::weighted(0.3, one_or_many()))
        .prop_map(|(mut c, details)| {
            if let (Value::Object(m), Some(d)) = (&mut c, details) {
                m.insert(String::from("details"), d);
            }
            c
        })
        .boxed()
}

fn output() -> BoxedStrategy<Value> {
    (
        option::weighted(0.5, select(MODELS)),
        option::weighted(0.5, select(SIZES)),
        option::weighted(0.15, select(RATIOS)),
        option::weighted(0.5, select(QUALITIES)),
        option::weighted(
            0.3,
            prop_oneof![4 => (1u64..=10).prop_map(Value::from), 1 => number()],
        ),
        option::weighted(0.3, select(FORMATS)),
        option::weighted(0.15, select(BACKGROUNDS)),
        option::weighted(
            0.15,
            prop_oneof![(0u64..=100).prop_map(Value::from), number()],
        ),
        option::weighted(
            0.15,
            prop_oneof![any::<u64>().prop_map(Value::from), number()],
        ),
    )
        .prop_map(
            |(model, size, ratio, quality, n, format, background, compression, seed)| {
                let mut m = Map::new();
                put_str(&mut m, "model", model);
                put_str(&mut m, "size", size);
                put_str(&mut m, "aspect_ratio", ratio);
                put_str(&mut m, "quality", quality);
                put(&mut m, "n", n);
                put_str(&mut m, "format", format);
                put_str(&mut m, "background", background);
                put(&mut m, "compression", compression);
                put(&mut m, "seed", seed);
                Value::Object(m)
            },
        )
        .boxed()
}

/// A brief of the real structure: a built-in preset (or none), a subject, the sections, exact
/// texts at the preset's roles, output settings, sometimes params, target options and inputs.
fn brief_base() -> BoxedStrategy<Value> {
    let subject = prop_oneof![6 => select(PHRASES).prop_map(String::from), 1 => text()];
    let extras = (
        option::weighted(0.2, select(PARAMS)),
        option::weighted(0.15, select(TARGET_OPTIONS)),
        any::<u8>(),
    );
    (
        option::weighted(0.9, select(PRESETS)),
        subject,
        option::weighted(0.2, text()),
        option::weighted(0.6, style()),
        option::weighted(0.4, composition()),
        option::weighted(0.3, fields(CONTEXT)),
        option::weighted(0.3, vec(text(), 0..4)),
        option::weighted(0.6, output()),
        vec((any::<Index>(), text_value()), 0..4),
        extras,
    )
        .prop_map(
            |(
                preset,
                subject,
                name,
                style,
                composition,
                context,
                avoid,
                output,
                texts,
                (params, targets, inputs),
            )| {
                let mut b = Map::new();
                put_str(&mut b, "preset", preset);
                put(&mut b, "name", name.map(Value::String));
                b.insert(String::from("subject"), Value::String(subject));
                put(&mut b, "style", style);
                put(&mut b, "composition", composition);
                put(&mut b, "context", context);
                put(
                    &mut b,
                    "avoid",
                    avoid.map(|a| a.into_iter().map(Value::String).collect()),
                );
                put(&mut b, "output", output);
                let roles = roles(preset.unwrap_or("basic"));
                if !texts.is_empty() {
                    let text: Map<String, Value> = texts
                        .into_iter()
                        .map(|(at, v)| (at.get(roles).to_string(), v))
                        .collect();
                    b.insert(String::from("text"), Value::Object(text));
                }
                put(&mut b, "params", params.map(parsed));
                put(&mut b, "targets", targets.map(parsed));
                if inputs < 20 {
                    b.insert(
                        String::from("inputs"),
                        json!({"images": ["https://example.com/in.png", "file-abc123"], "mask": "https://example.com/mask.png"}),
                    );
                }
                Value::Object(b)
            },
        )
        .boxed()
}

/// A change to a brief.
#[derive(Debug, Clone)]
enum Mutation {
    /// A key (adversarial, or a field name) with any value, in any object of the brief.
    Insert(Index, String, Value),
    /// Any node but the root replaced by any value.
    Replace(Index, Value),
    /// Any node but the root removed.
    Remove(Index),
    /// An exact text under `text`, at a known role or an adversarial one.
    Text(String, Value),
}

fn mutation() -> BoxedStrategy<Mutation> {
    let insert_key = prop_oneof![2 => key(), 1 => select(FIELD_NAMES).prop_map(String::from)];
    let role = prop_oneof![3 => select(ALL_ROLES).prop_map(String::from), 1 => key()];
    prop_oneof![
        3 => (any::<Index>(), insert_key, json_value())
            .prop_map(|(at, k, v)| Mutation::Insert(at, k, v)),
        3 => (any::<Index>(), json_value()).prop_map(|(at, v)| Mutation::Replace(at, v)),
        1 => any::<Index>().prop_map(Mutation::Remove),
        3 => (role, text_value()).prop_map(|(role, v)| Mutation::Text(role, v)),
    ]
    .boxed()
}

/// Every node of `v`, the root first, as paths.
fn node_paths(v: &Value) -> Vec<Vec<Segment>> {
    fn walk(v: &Value, at: &mut Vec<Segment>, out: &mut Vec<Vec<Segment>>) {
        out.push(at.clone());
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    at.push(Segment::Key(k.clone()));
                    walk(child, at, out);
                    at.pop();
                }
            }
            Value::Array(a) => {
                for (i, child) in a.iter().enumerate() {
                    at.push(Segment::Index(i));
                    walk(child, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

fn node<'a>(v: &'a Value, path: &[Segment]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, seg| match (seg, cur) {
        (Segment::Key(k), Value::Object(m)) => m.get(k),
        (Segment::Index(i), Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

fn node_mut<'a>(v: &'a mut Value, path: &[Segment]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |cur, seg| match (seg, cur) {
        (Segment::Key(k), Value::Object(m)) => m.get_mut(k),
        (Segment::Index(i), Value::Array(a)) => a.get_mut(*i),
        _ => None,
    })
}

fn apply(brief: &mut Value, mutation: &Mutation) {
    match mutation {
        Mutation::Insert(at, k, v) => {
            let objects: Vec<Vec<Segment>> = node_paths(brief)
                .into_iter()
                .filter(|p| node(brief, p).is_some_and(Value::is_object))
                .collect();
            if !objects.is_empty()
                && let Some(Value::Object(o)) = node_mut(brief, at.get::<Vec<Segment>>(&objects))
            {
                o.insert(k.clone(), v.clone());
            }
        }
        Mutation::Replace(at, v) => {
            let paths = node_paths(brief);
            if paths.len() > 1
                && let Some(n) = node_mut(brief, at.get::<Vec<Segment>>(&paths[1..]))
            {
                *n = v.clone();
            }
        }
        Mutation::Remove(at) => {
            let paths = node_paths(brief);
            if paths.len() > 1
                && let Some((last, parent)) = at.get(&paths[1..]).split_last()
            {
                match (node_mut(brief, parent), last) {
                    (Some(Value::Object(o)), Segment::Key(k)) => {
                        o.shift_remove(k);
                    }
                    (Some(Value::Array(a)), Segment::Index(i)) if *i < a.len() => {
                        a.remove(*i);
                    }
                    _ => {}
                }
            }
        }
        Mutation::Text(role, v) => {
            if let Value::Object(b) = brief {
                let text = b.entry("text").or_insert_with(|| Value::Object(Map::new()));
                if !text.is_object() {
                    *text = Value::Object(Map::new());
                }
                if let Value::Object(t) = text {
                    t.insert(role.clone(), v.clone());
                }
            }
        }
    }
}

/// A brief of the real structure, as is (a quarter of the time) or mutated.
fn brief() -> BoxedStrategy<Json> {
    (
        brief_base(),
        prop_oneof![1 => Just(Vec::new()), 3 => vec(mutation(), 1..4)],
    )
        .prop_map(|(mut b, mutations)| {
            for m in &mutations {
                apply(&mut b, m);
            }
            Json(b)
        })
        .boxed()
}

fn vary_value() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => text().prop_map(Value::String),
        1 => select(SIZES).prop_map(Value::from),
        1 => select(PRESETS).prop_map(Value::from),
        1 => json_value(),
    ]
    .boxed()
}

fn vary_key() -> BoxedStrategy<String> {
    prop_oneof![
        5 => select(VARY_PATHS).prop_map(String::from),
        1 => select(AXIS_NAMES).prop_map(String::from),
        1 => key(),
    ]
    .boxed()
}

/// A `vary` map: path axes, linked axes (objects of path → value), empty or mistyped ones; at
/// most 3 × 3 variants, so that every variant can be rendered.
fn vary() -> BoxedStrategy<Value> {
    let linked = vec((vary_key(), vary_value()), 0..3)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()));
    let values = prop_oneof![
        6 => vec(vary_value(), 1..4).prop_map(Value::Array),
        1 => Just(json!([])),
        1 => json_value(),
        2 => vec(linked, 1..3).prop_map(Value::Array),
    ];
    vec((vary_key(), values), 1..4)
        .prop_map(|axes| Value::Object(axes.into_iter().collect()))
        .boxed()
}

fn brief_with_vary() -> BoxedStrategy<Json> {
    (brief(), vary())
        .prop_map(|(Json(mut b), vary)| {
            if let Value::Object(m) = &mut b {
                m.insert(String::from("vary"), vary);
            }
            Json(b)
        })
        .boxed()
}

/// A `vary` of subject and exact-text axes only (the ones whose variants share their first
/// steps), with values of every shape, linked axes among them; at most 3 × 3 variants.
fn text_vary() -> BoxedStrategy<Value> {
    let path = prop_oneof![
        1 => Just(String::from("subject")),
        4 => select(ALL_ROLES).prop_map(|r| format!("text.{r}")),
        1 => key().prop_map(|k| format!("text.{k}")),
    ];
    let value =
        prop_oneof![4 => text_value(), 1 => text().prop_map(Value::String), 1 => json_value()];
    let linked = vec((path.clone(), value.clone()), 1..3)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect()));
    let values = prop_oneof![
        4 => vec(value, 1..4).prop_map(Value::Array),
        1 => vec(linked, 1..3).prop_map(Value::Array),
    ];
    vec((path, values), 1..3)
        .prop_map(|axes| Value::Object(axes.into_iter().collect()))
        .boxed()
}

// ------------------------------------------------------------------------------------------------
// Strategies: text

const YAML_TOKENS: &[&str] = &[
    "\n",
    "  ",
    "- ",
    ": ",
    "? ",
    ",",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: *a",
    "!!str ",
    "!!int ",
    "!!map ",
    "!!binary ",
    "!custom ",
    "|",
    "|-",
    ">",
    ">+",
    "'",
    "\"",
    "#",
    "---",
    "...",
    "%YAML 1.2\n",
    "%TAG ! tag:x,2000:\n",
    "subject",
    "text",
    "headline",
    "vary",
    "style",
    "preset",
    "poster",
    "null",
    "~",
    "true",
    "no",
    "y",
    "1e400",
    "0x1F",
    "0o17",
    ".inf",
    ".nan",
    "-.inf",
    "2001-12-14",
    "\t",
    "\r\n",
    "\u{feff}",
    "\\",
    "\\u0000",
    "\"\\ud800\"",
    "@",
    "`",
    "%",
    "=",
    "a",
    "0",
];

const JSON_TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "\\u0000",
    "\"a\":1",
    "\"subject\":\"x\"",
    "\"vary\":{}",
    "null",
    "1e400",
    "-",
    "0",
    "01",
    "\u{feff}",
    " ",
    "\n",
    "/*",
    "//",
    "NaN",
    "Infinity",
    "\u{0}",
];

const OPENERS: &[&str] = &["[", "{\"a\":", "- ", "[{\"a\":", "a:\n "];

/// YAML token soup: anchors, aliases, tags, block scalars, directives, adversarial keys.
fn yaml_soup() -> BoxedStrategy<String> {
    vec(
        prop_oneof![
            6 => select(YAML_TOKENS).prop_map(String::from),
            1 => key(),
            1 => text(),
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
    .boxed()
}

/// The largest char boundary of `s` at or before the position `at` picks.
fn boundary(s: &str, at: Index) -> usize {
    let mut i = at.index(s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// JSON text: briefs (compact or pretty), values with tokens inserted or cut short, deep nesting.
fn json_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => (brief(), any::<bool>()).prop_map(|(b, pretty)| if pretty {
            serde_json::to_string_pretty(&b.0).unwrap_or_default()
        } else {
            b.0.to_string()
        }),
        3 => (
            json_value(),
            vec((any::<Index>(), select(JSON_TOKENS)), 0..4),
            option::of(any::<Index>()),
        )
            .prop_map(|(v, inserts, cut)| {
                let mut s = v.to_string();
                for (at, token) in inserts {
                    let i = boundary(&s, at);
                    s.insert_str(i, token);
                }
                if let Some(at) = cut {
                    let i = boundary(&s, at);
                    s.truncate(i);
                }
                s
            }),
        1 => (1usize..300, select(OPENERS)).prop_map(|(depth, open)| open.repeat(depth)),
    ]
    .boxed()
}

const PATH_PIECES: &[&str] = &[
    "[\"",
    "\"]",
    "[0]",
    "[",
    "]",
    ".",
    "..",
    "\\u0041",
    "\\",
    "\"",
    "a",
    "b-c",
    "_",
    "[01]",
    "[99999999999999999999999]",
    "[\"a\"]",
    "[\" \"]",
    "[\"]\"]",
    "\u{e000}",
    "é",
    " ",
    "[-1]",
];

/// Text that may or may not be a displayed path.
fn path_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => vec(select(PATH_PIECES), 0..8).prop_map(|p| p.concat()),
        1 => vec(select(KEY_CHARS), 0..10).prop_map(String::from_iter),
        1 => any::<String>(),
    ]
    .boxed()
}

// ------------------------------------------------------------------------------------------------
// Checks shared by the properties

/// The exact texts of a rendering (what the serve API returns as `exact_texts`).
fn exact_texts(r: &Rendering) -> Vec<String> {
    r.brief
        .text
        .values()
        .flat_map(|t| t.entries().into_iter().map(|e| e.content().to_string()))
        .collect()
}

fn text_entry(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("content").and_then(Value::as_str).map(String::from),
        _ => None,
    }
}

/// The exact texts a brief declares, read from its JSON: `text.*` strings, `content` of entries.
fn declared_texts(brief: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(text) = brief.get("text").and_then(Value::as_object) {
        for v in text.values() {
            match v {
                Value::Array(items) => out.extend(items.iter().filter_map(text_entry)),
                v => out.extend(text_entry(v)),
            }
        }
    }
    out
}

/// The prompt a payload sends.
fn payload_prompt(body: &Value) -> Option<&str> {
    ["/prompt", "/instances/0/prompt", "/contents/0/parts/0/text"]
        .into_iter()
        .find_map(|p| body.pointer(p).and_then(Value::as_str))
}

/// `s` without whitespace, with `—` read as `--`: a Midjourney line collapses the prompt's
/// whitespace and turns `--` into `—` (so it is not read as a parameter). Char by char, so an
/// exact text in the prompt stays a substring of the line after this on both.
fn squash(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{2014}' => out.push_str("--"),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// Renders `source` for `target` (what `render` and `validate` run), lints it (what `lint` runs)
/// and checks a success: every exact text in the prompt and in the payload's prompt, the payload
/// passing its request schema, warnings only warnings, the lint rules the engine rules out
/// silent, every hand-off and emit form written. With `declared`, the exact texts must be the
/// ones the brief declares.
fn render_checked(
    source: &SourceFile,
    target: &dyn Target,
    declared: Option<&Value>,
) -> Result<(), TestCaseError> {
    let name = target.name();
    let outcome = no_panic(&format!("render for {name}"), || {
        engine().render(source, target)
    })?;
    let r = match outcome {
        Ok(r) => r,
        Err(ds) => {
            prop_assert!(ds.has_errors(), "{name}: refused without an error: {ds:?}");
            no_panic("rendering the diagnostics", || {
                (ds.render(false), ds.json_lines())
            })?;
            return Ok(());
        }
    };
    let texts = exact_texts(&r);
    if let Some(brief) = declared {
        prop_assert_eq!(&texts, &declared_texts(brief), "the brief's exact texts");
    }
    for t in &texts {
        prop_assert!(
            r.prompt.contains(t.as_str()),
            "{name} dropped {t:?} from the prompt:\n{}",
            r.prompt
        );
    }
    let sent = payload_prompt(&r.payload.body);
    prop_assert!(sent.is_some(), "{name}: no prompt in {}", r.payload.body);
    let sent = sent.unwrap_or_default();
    if name == "midjourney" {
        let line = squash(sent);
        for t in &texts {
            prop_assert!(
                line.contains(&squash(t)),
                "{name} dropped {t:?} from the line {sent:?}"
            );
        }
    } else {
        prop_assert_eq!(sent, r.prompt.as_str(), "{}: the payload's prompt", name);
    }
    let problems = imgprompt::validate::against_schema(r.payload.schema, &r.payload.body);
    prop_assert!(
        problems.is_empty(),
        "{name}: the payload fails its schema: {problems:?}"
    );
    prop_assert!(
        r.warnings.iter().all(|w| !w.is_error()),
        "{name}: an error among the warnings: {:?}",
        r.warnings
    );
    let findings = no_panic("lint", || {
        imgprompt::lint::lint(engine(), source, &r, lint_table())
    })?;
    for d in &findings {
        prop_assert!(
            d.code != "exact-text-missing" && d.code != "prompt-over-cap",
            "{name}: lint says `{}` of a brief the engine rendered: {}",
            d.code,
            d.message
        );
        no_panic("rendering a lint finding", || d.render(false))?;
    }
    for form in [HandOff::Curl, HandOff::Python, HandOff::Js, HandOff::Http] {
        let _ = no_panic("a hand-off snippet", || {
            imgprompt::emit::handoff::snippet(&r, form)
        })?;
    }
    for form in [
        Emit::Payload,
        Emit::Prompt,
        Emit::Report,
        Emit::Json,
        Emit::OpenaiBatch,
    ] {
        let _ = no_panic("an emit form", || imgprompt::emit::emit(&r, form))?;
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------------
// (a, b, d) render, validate and lint

/// Any brief, on every target: rendered or refused with an error, never a panic; on success the
/// exact texts are the brief's, verbatim in the prompt and in the payload's prompt. The same brief
/// as YAML (written by a YAML serializer, and as its JSON text read as YAML, which is what
/// `serve` does by default) on the default target.
#[test]
fn render_validate_and_lint_hold_on_any_brief() {
    big_stack(|| {
        check((64, 1), brief(), |b| {
            let text = b.0.to_string();
            let json = SourceFile::new("props.json", text.as_str(), Some(Format::Json));
            for target in imgprompt::targets::all() {
                render_checked(&json, target.as_ref(), Some(&b.0))?;
            }
            let as_yaml = SourceFile::new("props.yaml", text.as_str(), Some(Format::Yaml));
            render_checked(&as_yaml, &OpenAi, None)?;
            if let Ok(yaml) = serde_saphyr::to_string(&b.0) {
                let yaml = SourceFile::new("props.yaml", yaml, Some(Format::Yaml));
                render_checked(&yaml, &OpenAi, None)?;
            }
            Ok(())
        });
    });
}

/// Lint tables given with `--table` (any JSON, regexes included) are applied or refused, and
/// linting with them never panics.
#[test]
fn lint_tables_of_any_shape_never_panic() {
    big_stack(|| {
        const REGEX_TOKENS: &[&str] = &[
            "(",
            ")",
            "[",
            "]",
            "a",
            "story",
            "*",
            "+",
            "?",
            "{2}",
            "{1000}{1000}",
            "\\",
            "\\b",
            "(?i)",
            ".",
            "|",
            "^",
            "$",
            "\\p{L}",
            "\\d",
            "(?P<x>",
            "[^",
            "\u{e000}",
        ];
        let regex = vec(select(REGEX_TOKENS), 0..6).prop_map(|t| Value::String(t.concat()));
        let ratio = (regex, select(RATIOS), text()).prop_map(
            |(pattern, ratio, name)| json!({"pattern": pattern, "ratio": ratio, "name": name}),
        );
        let structured = (
            option::of(vec(text(), 0..4)),
            option::of(vec((text(), text()), 0..3)),
            option::of(vec(ratio, 0..3)),
            option::of(prop_oneof![number(), Just(json!(0)), Just(json!(10))]),
            option::weighted(0.2, (key(), json_value())),
        )
            .prop_map(|(words, contradictions, ratios, long, extra)| {
                let mut m = Map::new();
                put(&mut m, "no_text_words", words.map(|w| json!(w)));
                put(&mut m, "contradictions", contradictions.map(|c| json!(c)));
                put(&mut m, "context_ratios", ratios.map(Value::Array));
                put(&mut m, "long_prompt_chars", long);
                if let Some((k, v)) = extra {
                    m.insert(k, v);
                }
                Value::Object(m).to_string()
            });
        let table = prop_oneof![
            4 => structured,
            1 => json_value().prop_map(|v| v.to_string()),
            1 => any::<String>(),
        ];
        let brief = SourceFile::new(
            "lint.json",
            r#"{"preset": "poster", "subject": "a jazz night", "style": {"mood": ["calm", "energetic"]},
                "context": {"channel": "instagram story", "purpose": "event poster"},
                "avoid": ["text"], "text": {"headline": "Blue Notes"}}"#,
            Some(Format::Json),
        );
        let rendering = engine()
            .render(&brief, &OpenAi)
            .expect("the lint brief renders");
        check((64, 1), table, |text| {
            let mut table = LintTable::builtin();
            match no_panic("LintTable::apply_overrides", || {
                table.apply_overrides("props-lint.json", &text)
            })? {
                Ok(()) => {
                    let findings = no_panic("lint with an override table", || {
                        imgprompt::lint::lint(engine(), &brief, &rendering, &table)
                    })?;
                    for d in &findings {
                        no_panic("rendering a lint finding", || d.render(false))?;
                    }
                }
                Err(d) => {
                    no_panic("rendering the table's error", || d.render(false))?;
                }
            }
            Ok(())
        });
    });
}

// ------------------------------------------------------------------------------------------------
// (c) JsonPath

fn segment() -> BoxedStrategy<Segment> {
    prop_oneof![
        4 => key().prop_map(Segment::Key),
        1 => (0usize..12).prop_map(Segment::Index),
        1 => any::<usize>().prop_map(Segment::Index),
    ]
    .boxed()
}

/// Whatever its keys hold, a path displayed then parsed is the path.
#[test]
fn json_path_display_then_parse_is_the_identity() {
    big_stack(|| {
        check((512, 1), vec(segment(), 0..6), |segments| {
            let path = JsonPath(segments);
            let shown = path.to_string();
            let back = no_panic("JsonPath::parse", || JsonPath::parse(&shown))?;
            prop_assert_eq!(&back, &path, "displayed as {:?}", shown);
            Ok(())
        });
    });
}

/// Any text parses to a path (leniently, never a panic), and that path survives display and
/// parse; a JSON pointer of any text is read without a panic.
#[test]
fn json_path_parse_reads_any_text() {
    big_stack(|| {
        check((512, 1), path_text(), |text| {
            let path = no_panic("JsonPath::parse", || JsonPath::parse(&text))?;
            let again = JsonPath::parse(&path.to_string());
            prop_assert_eq!(again, path, "read from {:?}", text);
            let _ = no_panic("JsonPath::from_pointer", || JsonPath::from_pointer(&text))?;
            Ok(())
        });
    });
}

// ------------------------------------------------------------------------------------------------
// (e) batch

fn batch_line() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        4 => brief().prop_map(|b| b.0.to_string().into_bytes()),
        2 => brief_with_vary().prop_map(|b| b.0.to_string().into_bytes()),
        1 => brief().prop_map(|b| [&b"\xEF\xBB\xBF"[..], b.0.to_string().as_bytes()].concat()),
        2 => select(BLANKS).prop_map(|s| s.as_bytes().to_vec()),
        2 => select(ODD_LINES).prop_map(<[u8]>::to_vec),
        1 => vec(any::<u8>(), 0..48),
        1 => (brief(), any::<Index>()).prop_map(|(b, cut)| {
            let text = b.0.to_string();
            text.as_bytes()[..boundary(&text, cut)].to_vec()
        }),
    ]
    .prop_map(|mut line| {
        line.retain(|b| *b != b'\n');
        line
    })
    .boxed()
}

/// Batch input: lines joined by newlines, with or without a final one.
#[derive(Clone)]
struct BatchInput {
    lines: Vec<Vec<u8>>,
    final_newline: bool,
}

impl BatchInput {
    fn bytes(&self) -> Vec<u8> {
        let mut out = self.lines.join(&b'\n');
        if self.final_newline {
            out.push(b'\n');
        }
        out
    }
}

impl fmt::Debug for BatchInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.lines.iter().map(|l| Bytes(l.as_slice())))
            .finish()?;
        write!(f, " (final newline: {})", self.final_newline)
    }
}

/// What a batch line should give.
#[derive(Debug, PartialEq)]
enum Kind {
    /// Blank (whitespace, a byte-order mark): a `{"line": N, "skipped": "blank line"}` record.
    Blank,
    /// A brief with a non-empty `vary`: one record per variant (or one error record).
    Vary,
    /// Anything else: one record.
    One,
}

fn kind(line: &[u8]) -> Kind {
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let Ok(text) = std::str::from_utf8(line) else {
        return Kind::One;
    };
    let text = text.trim();
    if text.is_empty() {
        return Kind::Blank;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let vary = serde_json::from_str::<Value>(text).is_ok_and(|v| {
        v.get("vary")
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty())
    });
    if vary { Kind::Vary } else { Kind::One }
}

/// A batch over any bytes gives one record per input line, in input order (one per variant for
/// a line with `vary`), a blank line its `skipped` record, and no line an internal error.
#[test]
fn batch_gives_one_record_per_line_in_order() {
    big_stack(|| {
        let input = (vec(batch_line(), 0..8), any::<bool>()).prop_map(|(lines, final_newline)| {
            BatchInput {
                lines,
                final_newline,
            }
        });
        check((48, 1), (input, any::<bool>()), |(input, parallel)| {
            let bytes = input.bytes();
            let opts = BatchOptions {
                emit: Emit::Json,
                fail_fast: false,
                parallel,
                input_name: String::from("props.jsonl"),
                max_variants: MAX_VARIANTS,
            };
            let mut out: Vec<u8> = Vec::new();
            let summary = no_panic("batch::run", || {
                pool().install(|| {
                    imgprompt::app::batch::run(
                        engine(),
                        &OpenAi,
                        &bytes[..],
                        &mut out,
                        None,
                        &opts,
                        |_| {},
                    )
                })
            })?
            .map_err(|e| TestCaseError::fail(format!("batch::run failed: {e}")))?;
            // reading ahead (a regular file's pipeline) writes the same records
            let mut ahead: Vec<u8> = Vec::new();
            no_panic("batch::run_file", || {
                pool().install(|| {
                    imgprompt::app::batch::run_file(
                        engine(),
                        &OpenAi,
                        &bytes[..],
                        &mut ahead,
                        None,
                        &opts,
                        |_| {},
                    )
                })
            })?
            .map_err(|e| TestCaseError::fail(format!("batch::run_file failed: {e}")))?;
            prop_assert!(ahead == out, "run_file and run differ");
            let text = String::from_utf8(out)
                .map_err(|e| TestCaseError::fail(format!("records are not UTF-8: {e}")))?;
            let records: Vec<Value> = text
                .lines()
                .map(serde_json::from_str)
                .collect::<Result<_, _>>()
                .map_err(|e| TestCaseError::fail(format!("a record is not JSON: {e}")))?;
            // the lines as the batch reads them: split at `\n`, a final newline ending the last one
            let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
            if bytes.is_empty() || bytes.ends_with(b"\n") {
                lines.pop();
            }
            let n = lines.len() as u64;
            let mut seen = Vec::with_capacity(records.len());
            for r in &records {
                let line = r["line"].as_u64().unwrap_or_default();
                prop_assert!((1..=n).contains(&line), "a record of no input line: {r}");
                prop_assert!(r["error"]["code"] != "internal", "a line panicked: {r}");
                seen.push(line);
            }
            prop_assert!(seen.is_sorted(), "records out of input order: {seen:?}");
            let mut blanks = 0;
            for (i, line) in lines.iter().enumerate() {
                let no = i as u64 + 1;
                let got: Vec<&Value> = records.iter().filter(|r| r["line"] == no).collect();
                match kind(line) {
                    Kind::Blank => {
                        blanks += 1;
                        prop_assert_eq!(got.len(), 1, "line {} is blank", no);
                        prop_assert_eq!(got[0], &json!({"line": no, "skipped": "blank line"}));
                    }
                    Kind::Vary => prop_assert!(
                        (1..=MAX_VARIANTS).contains(&(got.len() as u64)),
                        "line {no} (with `vary`) gave {} records",
                        got.len()
                    ),
                    Kind::One => prop_assert_eq!(got.len(), 1, "line {} gave {:?}", no, got),
                }
            }
            prop_assert_eq!(summary.lines, n);
            prop_assert_eq!(summary.skipped, blanks);
            Ok(())
        });
    });
}

// ------------------------------------------------------------------------------------------------
// (f) expand

/// Any `vary` is read or refused with an error; a valid one has at least one variant, each
/// without `vary`, numbered in order, the sample sorted and distinct; its variants stream one
/// line each, in order, every exact text kept.
/// What a variant's line shows of its rendering, or of its failure: everything, the typed brief
/// included.
fn rendered(r: &Result<Rendering, Diagnostics>) -> String {
    match r {
        Ok(r) => format!(
            "{}\n{:?}",
            serde_json::to_string(r).expect("a rendering serialises"),
            r.brief
        ),
        Err(d) => d.render(false),
    }
}

#[test]
fn variants_sharing_their_first_steps_render_as_whole_briefs() {
    static PREPARED: AtomicU64 = AtomicU64::new(0);
    static SKELETONS: AtomicU64 = AtomicU64::new(0);
    static CASES: AtomicU64 = AtomicU64::new(0);
    big_stack(|| {
        check(
            (256, 4),
            (
                prop_oneof![3 => brief_base(), 1 => brief().prop_map(|j| j.0)],
                text_vary(),
            ),
            |(mut b, vary)| {
                if let Value::Object(m) = &mut b {
                    m.insert(String::from("vary"), vary);
                }
                let text = b.to_string();
                let source = SourceFile::new("props.json", text.as_str(), Some(Format::Json));
                let Ok(v) = Variations::from_brief(&b, "props", Some(&source)) else {
                    return Ok(());
                };
                let count = v.count().unwrap_or(0);
                if count == 0 || count > 16 || v.check_values(Some(&source)).is_err() {
                    return Ok(());
                }
                CASES.fetch_add(1, Ordering::Relaxed);
                let paths: Vec<&JsonPath> = v
                    .axes()
                    .iter()
                    .flat_map(|a| a.choices[0].iter().map(|(p, _)| p))
                    .collect();
                if let Some(p) =
                    engine().prepare(v.variant(0).brief, Some(&source), &OpenAi, &paths)
                {
                    PREPARED.fetch_add(1, Ordering::Relaxed);
                    if p.has_skeleton() {
                        SKELETONS.fetch_add(1, Ordering::Relaxed);
                    }
                }
                for target in imgprompt::targets::all() {
                    let mut out = Vec::new();
                    no_panic("expand::stream", || {
                        imgprompt::app::expand::stream(
                            engine(),
                            &v,
                            0..count,
                            Some(&source),
                            target.as_ref(),
                            false,
                            |_: &Picked, r: &Rendering| format!("{}\n", rendered(&Ok(r.clone()))),
                            |_: &Picked, d: &Diagnostics| format!("{}\n", d.render(false)),
                            &mut out,
                            None,
                        )
                    })?
                    .map_err(|e| TestCaseError::fail(format!("expand::stream failed: {e}")))?;
                    let mut whole = String::new();
                    for i in 0..count {
                        let variant = v.variant(i);
                        let r = engine()
                            .render_value(variant.brief, Some(&source), target.as_ref())
                            .map_err(|d| imgprompt::app::expand::variant_errors(d, i, &variant.id));
                        whole.push_str(&rendered(&r));
                        whole.push('\n');
                    }
                    prop_assert_eq!(
                        String::from_utf8_lossy(&out).into_owned(),
                        whole,
                        "target {}",
                        target.name()
                    );
                }
                Ok(())
            },
        );
    });
    let (prepared, cases) = (
        PREPARED.load(Ordering::Relaxed),
        CASES.load(Ordering::Relaxed),
    );
    let skeletons = SKELETONS.load(Ordering::Relaxed);
    eprintln!(
        "{prepared} of {cases} briefs with variants took the shared path, {skeletons} with a skeleton"
    );
    assert!(
        prepared > 0 && skeletons > 0,
        "of {cases} briefs, {prepared} took the shared path and {skeletons} had a skeleton: the property tested too little"
    );
}

#[test]
fn variations_expand_without_panic() {
    big_stack(|| {
        check(
            (48, 1),
            (brief_with_vary(), key(), any::<u64>()),
            |(b, stem, seed)| {
                let text = b.0.to_string();
                let source = SourceFile::new("props.json", text.as_str(), Some(Format::Json));
                let _ = no_panic("Variations::from_brief without a source", || {
                    Variations::from_brief(&b.0, &stem, None)
                })?;
                let v = match no_panic("Variations::from_brief", || {
                    Variations::from_brief(&b.0, &stem, Some(&source))
                })? {
                    Ok(v) => v,
                    Err(ds) => {
                        prop_assert!(ds.has_errors(), "refused without an error: {ds:?}");
                        no_panic("rendering the diagnostics", || ds.render(false))?;
                        return Ok(());
                    }
                };
                let Some(count) = v.count() else {
                    return Ok(());
                };
                prop_assert!(count >= 1, "a valid `vary` gives a variant");
                for i in [0, count / 2, count - 1] {
                    let variant = no_panic("Variations::variant", || v.variant(i))?;
                    prop_assert_eq!(variant.index, i);
                    prop_assert!(
                        variant.brief.get("vary").is_none(),
                        "variant {i} keeps `vary`: {}",
                        variant.brief
                    );
                    prop_assert_eq!(v.index_of(&v.picks(i)), i);
                }
                let sample = no_panic("Variations::sample", || v.sample(count.min(5), seed))?;
                prop_assert_eq!(sample.len() as u64, count.min(5));
                prop_assert!(
                    sample.windows(2).all(|w| w[0] < w[1]) && sample.iter().all(|i| *i < count),
                    "sample {sample:?} of {count}"
                );
                let checked =
                    no_panic("Variations::check_values", || v.check_values(Some(&source)))?;
                if checked.is_err() || count > 32 {
                    return Ok(());
                }
                let _ = no_panic("expand::count", || {
                    imgprompt::app::expand::count(engine(), &v, Some(&source), &OpenAi)
                })?;
                let mut out = Vec::new();
                let summary = no_panic("expand::stream", || {
                    imgprompt::app::expand::stream(
                        engine(),
                        &v,
                        0..count,
                        Some(&source),
                        &OpenAi,
                        false,
                        |variant: &Picked, r: &Rendering| {
                            let kept = exact_texts(r).iter().all(|t| r.prompt.contains(t.as_str()));
                            format!(
                                "{} {}\n",
                                variant.index,
                                if kept { "ok" } else { "dropped" }
                            )
                        },
                        |variant: &Picked, _: &Diagnostics| format!("{} failed\n", variant.index),
                        &mut out,
                        None,
                    )
                })?
                .map_err(|e| TestCaseError::fail(format!("expand::stream failed: {e}")))?;
                let text = String::from_utf8_lossy(&out).into_owned();
                let lines: Vec<&str> = text.lines().collect();
                prop_assert_eq!(
                    lines.len() as u64,
                    count,
                    "one line per variant: {:?}",
                    lines
                );
                for (i, line) in lines.iter().enumerate() {
                    prop_assert!(
                        line.starts_with(&format!("{i} ")),
                        "variant {i} out of order: {lines:?}"
                    );
                    prop_assert!(
                        !line.ends_with("dropped"),
                        "variant {i} dropped an exact text"
                    );
                }
                prop_assert_eq!(summary.written + summary.failed, count);
                Ok(())
            },
        );
    });
}

// ------------------------------------------------------------------------------------------------
// (g) parsing

/// Any text, read as JSON, as YAML and sniffed: parsed or refused with a diagnostic that
/// renders; every node of a parsed document (and any displayed path) located and pointed at
/// without a panic; what parses renders, lints and expands without a panic.
#[test]
fn any_yaml_or_json_text_parses_or_fails_cleanly() {
    big_stack(|| {
        let text = prop_oneof![
            2 => json_text(),
            2 => yaml_soup(),
            1 => any::<String>(),
            1 => text(),
        ];
        check((96, 1), (text, path_text()), |(text, path)| {
            for format in [Some(Format::Json), Some(Format::Yaml), None] {
                let source = SourceFile::new("props.txt", text.as_str(), format);
                let value = match no_panic("SourceFile::parse", || source.parse())? {
                    Ok(value) => value,
                    Err(d) => {
                        no_panic("rendering a syntax error", || d.render(false))?;
                        continue;
                    }
                };
                let mut paths: Vec<JsonPath> = node_paths(&value)
                    .into_iter()
                    .take(10)
                    .map(JsonPath)
                    .collect();
                paths.push(JsonPath::parse(&path));
                for p in &paths {
                    for key in [false, true] {
                        let _ = no_panic("SourceFile::locate", || source.locate(p, key))?;
                        let d = no_panic("SourceFile::point", || {
                            source.point(
                                Diagnostic::error(imgprompt::Code::Internal, "here"),
                                p,
                                key,
                            )
                        })?;
                        no_panic("rendering a located diagnostic", || d.render(false))?;
                    }
                }
                render_checked(&source, &OpenAi, None)?;
                let _ = no_panic("Variations::from_brief", || {
                    Variations::from_brief(&value, "props", Some(&source))
                })?;
            }
            Ok(())
        });
    });
}

// ------------------------------------------------------------------------------------------------
// (h) user presets

const TERA_TOKENS: &[&str] = &[
    "Create an image of {{ subject }}.",
    "{{ subject }}",
    "{{ subject | phrase | article }}",
    "{{ text | exact_text_sentence }}",
    "{{ text | exact_text_sentence(lead=\"Show\") }}",
    "{{ text | text_rule_sentence(typography=style.typography) }}",
    "{{ <exact_text items={text}/> }}",
    "{{ text.headline }}",
    "{{ text.x }}",
    "{% for role, t in text %}{{ t }}{% endfor %}",
    "{% if style %}",
    "{% else %}",
    "{% endif %}",
    "{% for i in range(end=3) %}{{ i }}{% endfor %}",
    "{% raw %}",
    "{% endraw %}",
    "{% set a = subject | upper %}{{ a }}",
    "{{ style | style_sentence }}",
    "{{ avoid | avoid_sentence }}",
    "{{ composition | composition_sentence }}",
    "{{ context | usage_sentence }}",
    "{{ params }}",
    "{{ output.size }}",
    "{{ nope | no_such_filter }}",
    "{{ get_env(name=\"HOME\") }}",
    "{% include \"_shared/components.tera\" %}",
    "{% extends \"basic/prompt.tera\" %}",
    "{% block x %}",
    "{% endblock x %}",
    "{% component c(x) %}{{ x }}{% endcomponent c %}",
    "{{ <c x=subject/> }}",
    "{{ 1 / 0 }}",
    "{{ text | length }}",
    "{{ text | json_encode }}",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{-",
    "-}}",
    "\"",
    "'",
    "\n",
    " ",
    "x",
];

/// A template: tera token soup (never a template that calls or extends itself), or any text.
fn template() -> BoxedStrategy<String> {
    prop_oneof![
        6 => vec(select(TERA_TOKENS), 0..12).prop_map(|t| t.concat()),
        1 => text(),
        1 => any::<String>(),
    ]
    .boxed()
}

/// A manifest: a structured one (JSON, which is YAML) with adversarial names, roles, defaults,
/// params schemas, parents and mutations, or YAML soup, or any text.
fn manifest() -> BoxedStrategy<String> {
    let role_name = prop_oneof![3 => select(ALL_ROLES).prop_map(String::from), 1 => key()];
    let roles = vec((role_name, option::of(text()), any::<bool>()), 0..4).prop_map(|roles| {
        let roles: Map<String, Value> = roles
            .into_iter()
            .map(|(name, label, plural)| {
                let mut r = Map::new();
                r.insert(String::from("description"), Value::from("a role"));
                put(&mut r, "label", label.map(Value::String));
                if plural {
                    r.insert(String::from("plural"), Value::Bool(true));
                }
                (name, Value::Object(r))
            })
            .collect();
        Value::Object(roles)
    });
    let extends = prop_oneof![
        select(PRESETS).prop_map(String::from),
        Just(String::from("fz")),
        Just(String::from("nope")),
        key(),
    ];
    let params = prop_oneof![
        Just(json!({"type": "object", "properties": {"theme": {"enum": ["light", "dark"]}}})),
        Just(json!({"type": "nonsense"})),
        json_value(),
    ];
    let main = prop_oneof![
        Just(String::from("prompt.tera")),
        Just(String::from("parts.tera")),
        Just(String::from("missing.tera")),
        key(),
    ];
    let ratios = prop_oneof![
        Just(json!({"param": "format", "map": {"story": "9:16", "odd": "0:0"}})),
        json_value(),
    ];
    let structured = (
        prop_oneof![6 => Just(String::from("fz")), 1 => key()],
        option::weighted(0.2, extends),
        roles,
        option::weighted(0.3, brief_base()),
        option::weighted(0.3, params),
        option::weighted(0.15, main),
        option::weighted(0.1, ratios),
        option::weighted(0.2, Just(String::from("example.yaml"))),
        vec(mutation(), 0..2),
    )
        .prop_map(
            |(name, extends, roles, defaults, params, main, ratios, example, mutations)| {
                let mut m = Map::new();
                m.insert(String::from("name"), Value::String(name));
                m.insert(
                    String::from("description"),
                    Value::from("a generated preset"),
                );
                put(&mut m, "extends", extends.map(Value::String));
                m.insert(String::from("text_roles"), roles);
                put(&mut m, "defaults", defaults);
                put(&mut m, "params", params);
                put(&mut m, "template", main.map(Value::String));
                put(&mut m, "aspect_ratios", ratios);
                put(&mut m, "example", example.map(Value::String));
                let mut v = Value::Object(m);
                for mutation in &mutations {
                    apply(&mut v, mutation);
                }
                serde_json::to_string_pretty(&v).unwrap_or_default()
            },
        );
    prop_oneof![6 => structured, 1 => yaml_soup(), 1 => any::<String>()].boxed()
}

/// A user preset folder and a brief for it.
#[derive(Clone, Debug)]
struct PresetCase {
    manifest: String,
    template: String,
    parts: Option<String>,
    example: bool,
    brief: Json,
}

const GOOD_BRIEF: &str =
    r#"{"preset": "product", "subject": "a ceramic mug", "text": {"label": "MUG & CO"}}"#;

fn check_preset(dir: &std::path::Path, case: &PresetCase) -> Result<(), TestCaseError> {
    let catalog = no_panic("Catalog::load", || {
        imgprompt::preset::catalog::Catalog::load(&[dir.to_path_buf()])
    })?
    .map_err(|ds| {
        TestCaseError::fail(format!(
            "a user preset failed the whole catalog (it should be set aside as broken):\n{}",
            ds.render(false)
        ))
    })?;
    for ds in catalog.broken().values() {
        for d in ds {
            no_panic("rendering a preset's error", || d.render(false))?;
        }
    }
    let name = SourceFile::new("m.yaml", case.manifest.as_str(), Some(Format::Yaml))
        .parse()
        .ok()
        .and_then(|v| v.get("name").and_then(Value::as_str).map(String::from));
    let custom = Engine::with(catalog, imgprompt::validate::models::ModelTable::builtin())
        .today(engine().date());
    let mut brief = case.brief.0.clone();
    if let Value::Object(m) = &mut brief {
        let preset = name.clone().unwrap_or_else(|| String::from("fz"));
        m.insert(String::from("preset"), Value::String(preset));
    }
    let source = SourceFile::new("props.json", brief.to_string(), Some(Format::Json));
    match no_panic("render with a user preset", || {
        custom.render(&source, &OpenAi)
    })? {
        Ok(r) => {
            for t in exact_texts(&r) {
                prop_assert!(
                    r.prompt.contains(t.as_str()),
                    "a user preset dropped {t:?}:\n{}",
                    r.prompt
                );
            }
        }
        Err(ds) => {
            no_panic("rendering the diagnostics", || ds.render(false))?;
        }
    }
    // a user preset, broken or not, leaves the built-in presets it does not replace alone
    if name.as_deref().is_none_or(|n| !PRESETS.contains(&n)) {
        let good = SourceFile::new("good.json", GOOD_BRIEF, Some(Format::Json));
        let r = no_panic("render with a built-in preset", || {
            custom.render(&good, &OpenAi)
        })?;
        prop_assert!(
            r.is_ok(),
            "a user preset broke a built-in one:\n{}",
            r.err().map(|d| d.render(false)).unwrap_or_default()
        );
    }
    Ok(())
}

/// A user preset folder of any manifest and templates loads or is set aside as broken (the other
/// presets still work); a brief using it renders with its exact texts, or fails with diagnostics.
#[test]
fn user_presets_of_any_shape_load_or_are_set_aside() {
    big_stack(|| {
        static CASE: AtomicU64 = AtomicU64::new(0);
        let cases = (
            manifest(),
            template(),
            option::weighted(0.3, template()),
            any::<bool>(),
            brief(),
        )
            .prop_map(|(manifest, template, parts, example, brief)| PresetCase {
                manifest,
                template,
                parts,
                example,
                brief,
            });
        check((16, 20), cases, |case| {
            let dir = std::env::temp_dir().join(format!(
                "imgprompt-props-preset-{}-{}",
                std::process::id(),
                CASE.fetch_add(1, Ordering::Relaxed)
            ));
            let folder = dir.join("fz");
            let written = std::fs::create_dir_all(&folder)
                .and_then(|()| std::fs::write(folder.join("preset.yaml"), case.manifest.as_bytes()))
                .and_then(|()| std::fs::write(folder.join("prompt.tera"), case.template.as_bytes()))
                .and_then(|()| match &case.parts {
                    Some(p) => std::fs::write(folder.join("parts.tera"), p.as_bytes()),
                    None => Ok(()),
                })
                .and_then(|()| {
                    if case.example {
                        std::fs::write(folder.join("example.yaml"), case.brief.0.to_string())
                    } else {
                        Ok(())
                    }
                });
            let result = written
                .map_err(|e| TestCaseError::fail(format!("cannot write the preset: {e}")))
                .and_then(|()| check_preset(&dir, &case));
            let _ = std::fs::remove_dir_all(&dir);
            result
        });
    });
}

// ------------------------------------------------------------------------------------------------
// (i) the HTTP API

/// The API server (`imgprompt::app::serve::router`), in this process on a loopback port: axum's router
/// cannot be called without a socket here (tower's `Service` trait is not a dependency).
fn server() -> std::net::SocketAddr {
    static ADDR: OnceLock<std::net::SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(BIG_STACK)
                .enable_io()
                .enable_time()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
                    .await
                    .expect("bind 127.0.0.1");
                tx.send(listener.local_addr().expect("the address"))
                    .expect("send the address");
                let app = imgprompt::app::serve::router(std::sync::Arc::new(common::engine()));
                axum::serve(listener, app).await.expect("serve");
            });
        });
        rx.recv().expect("the server starts")
    })
}

fn dechunk(mut b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..eol]).trim(), 16).ok()?;
        if size == 0 {
            break;
        }
        out.extend_from_slice(b.get(eol + 2..eol + 2 + size)?);
        b = b.get(eol + 4 + size..)?;
    }
    Some(out)
}

/// One request; its status and JSON body. No answer at all (a handler that panicked outside the
/// blocking pool drops the connection) fails the property.
fn call_api(method: &str, path: &str, body: &[u8]) -> Result<(u16, Value), TestCaseError> {
    let io = |what: &str, e: std::io::Error| {
        TestCaseError::fail(format!("{method} {path}: {what}: {e}"))
    };
    let mut stream = std::net::TcpStream::connect(server()).map_err(|e| io("connect", e))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| io("timeout", e))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body))
        .map_err(|e| io("send", e))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| io("no answer", e))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| {
            TestCaseError::fail(format!(
                "{method} {path}: no answer (the connection closed: a handler panicked?)"
            ))
        })?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| TestCaseError::fail(format!("{method} {path}: no status in {head:?}")))?;
    let mut answer = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        answer = dechunk(&answer).unwrap_or_default();
    }
    let json = serde_json::from_slice(&answer).map_err(|e| {
        TestCaseError::fail(format!(
            "{method} {path}: answer {status} is not JSON ({e}): {}",
            String::from_utf8_lossy(&answer)
        ))
    })?;
    Ok((status, json))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const ENDPOINTS: &[&str] = &[
    "/api/render",
    "/api/validate",
    "/api/lint",
    "/api/cost",
    "/api/expand",
];
const TARGET_NAMES: &[&str] = &[
    "openai",
    "openai-edit",
    "stability",
    "flux",
    "imagen",
    "gemini",
    "midjourney",
    "nope",
    "",
];
const BRIEF_FORMATS: &[&str] = &["json", "yaml", "YAML", "toml"];

/// One API request.
#[derive(Clone, Debug)]
enum Call {
    /// A JSON request to a POST endpoint.
    Post(&'static str, Json),
    /// Any bytes to a POST endpoint.
    Raw(&'static str, Vec<u8>),
    /// `GET /api/presets/{name}`.
    Preset(String),
}

fn api_call() -> BoxedStrategy<Call> {
    let request = (
        prop_oneof![3 => brief(), 1 => brief_with_vary()],
        any::<bool>(),
        option::weighted(0.3, select(BRIEF_FORMATS)),
        option::weighted(0.4, select(TARGET_NAMES)),
        option::weighted(0.2, any::<u64>()),
        option::weighted(0.1, (key(), json_value())),
    )
        .prop_map(|(brief, yaml, format, target, first, extra)| {
            // a YAML serializer's text, or the JSON text (read as YAML unless `format` says)
            let text = if yaml {
                serde_saphyr::to_string(&brief.0).unwrap_or_else(|_| brief.0.to_string())
            } else {
                brief.0.to_string()
            };
            let mut m = Map::new();
            m.insert(String::from("brief"), Value::String(text));
            put_str(&mut m, "format", format);
            put_str(&mut m, "target", target);
            put(&mut m, "first", first.map(Value::from));
            if let Some((k, v)) = extra {
                m.insert(k, v);
            }
            Json(Value::Object(m))
        });
    let endpoint = || select(ENDPOINTS);
    prop_oneof![
        6 => (endpoint(), request).prop_map(|(e, r)| Call::Post(e, r)),
        1 => (endpoint(), vec(any::<u8>(), 0..64)).prop_map(|(e, b)| Call::Raw(e, b)),
        1 => (endpoint(), json_value()).prop_map(|(e, v)| Call::Post(e, Json(v))),
        1 => (endpoint(), prop_oneof![yaml_soup(), json_text()])
            .prop_map(|(e, t)| Call::Post(e, Json(json!({ "brief": t })))),
        1 => key().prop_map(Call::Preset),
    ]
    .boxed()
}

/// Every API request gets a JSON answer: 200, or an error (400, 404, 413, 422; 503 past the time
/// limit) naming its code; never a 500 (a handler that panicked) or no answer. A rendered brief's
/// exact texts are in its prompt.
#[test]
fn the_http_api_answers_every_request_with_json() {
    big_stack(|| {
        check((24, 4), api_call(), |call| {
            let (method, path, body) = match &call {
                Call::Post(endpoint, request) => (
                    "POST",
                    String::from(*endpoint),
                    request.0.to_string().into_bytes(),
                ),
                Call::Raw(endpoint, bytes) => ("POST", String::from(*endpoint), bytes.clone()),
                Call::Preset(name) => (
                    "GET",
                    format!("/api/presets/{}", percent_encode(name)),
                    Vec::new(),
                ),
            };
            let (status, answer) = call_api(method, &path, &body)?;
            prop_assert!(
                [200, 400, 404, 413, 422, 503].contains(&status),
                "{method} {path} answered {status}: {answer}"
            );
            if status == 200 && path == "/api/render" {
                let prompt = answer["prompt"].as_str().unwrap_or_default();
                for t in answer["exact_texts"].as_array().into_iter().flatten() {
                    let t = t.as_str().unwrap_or_default();
                    prop_assert!(prompt.contains(t), "{t:?} is not in the prompt:\n{prompt}");
                }
            } else if status != 200 {
                prop_assert!(
                    answer["error"]["code"].is_string(),
                    "an error without a code: {answer}"
                );
            }
            Ok(())
        });
    });
}

// ------------------------------------------------------------------------------------------------
// (j) provider answers (`generate`)

const MAGIC: &[&[u8]] = &[
    b"\x89PNG\r\n\x1a\n",
    b"\xFF\xD8\xFF",
    b"RIFF\0\0\0\0WEBP",
    b"RIFF",
    b"GIF87a",
    b"GIF89a",
    b"<svg",
    b"<?xml",
    b"\xEF\xBB\xBF <svg",
    b"<!-- x --><svg",
    b"{\"error\":1}",
    b"",
];

const RETRY_AFTER: &[&str] = &[
    "-1",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e400",
    "1e300",
    " 2 ",
    "0.5",
    "+3",
    "0x10",
    "",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "\u{ff11}",
    "18446744073709551616",
    "0.000000001",
    "4e-324",
];

/// What an API key is made of here: no capital, no bracket, so `[REDACTED]` never spells it.
const SECRET_CHARS: &[char] = &['a', 'b', 'k', 's', 'z', '0', '7', '-', '_'];

/// The expected error message: trimmed, cut at 2,000 characters with an ellipsis.
fn shortened(message: &str) -> String {
    let t = message.trim();
    match t.char_indices().nth(2000) {
        Some((i, _)) => format!("{}\u{2026}", &t[..i]),
        None => t.to_string(),
    }
}

/// What a provider answers, read safely: an error body's message (the provider's, shortened),
/// a `Retry-After` never past the cap, the backoff never past it, an image's format told by its
/// bytes and checked against the one asked for, a key never shown, file names safe.
#[test]
fn provider_answers_are_read_safely() {
    big_stack(|| {
        let bytes = prop_oneof![
            vec(any::<u8>(), 0..64),
            (select(MAGIC), vec(any::<u8>(), 0..32)).prop_map(|(m, rest)| [m, &rest[..]].concat()),
            json_value().prop_map(|v| v.to_string().into_bytes()),
        ];
        let message = prop_oneof![
            text(),
            vec(odd_char(), 1990..2010).prop_map(String::from_iter),
        ];
        let retry = prop_oneof![
            select(RETRY_AFTER).prop_map(String::from),
            any::<f64>().prop_map(|f| f.to_string()),
            any::<u32>().prop_map(|n| n.to_string()),
            text(),
        ];
        let secret = vec(select(SECRET_CHARS), 8..40).prop_map(String::from_iter);
        let said = vec((0u8..4, text()), 0..6);
        let inputs = (
            (bytes, message, retry, any::<u32>()),
            (0u64..120_000, 0u32..40, option::of(0u64..200_000)),
            (secret, said),
            (select(FORMATS), key(), 0usize..300, json_value()),
        );
        check((256, 1), inputs, |inputs| {
            let (
                (bytes, message, retry, whole),
                (max_ms, attempt, wait_ms),
                (secret, said),
                (format, name, limit, usage),
            ) = inputs;
            // error bodies
            let m = no_panic("http::error_message", || {
                imgprompt::app::http::error_message(&bytes)
            })?;
            prop_assert!(
                m.chars().count() <= 2001,
                "an error message of {} characters",
                m.chars().count()
            );
            for body in [
                json!({"error": {"message": message}}),
                json!({"message": message}),
                json!({"detail": message}),
                json!({"error": message}),
            ] {
                let got = imgprompt::app::http::error_message(body.to_string().as_bytes());
                prop_assert_eq!(
                    got,
                    shortened(&message),
                    "the provider's message of {}",
                    body
                );
            }
            // Retry-After and backoff
            let max = Duration::from_millis(max_ms);
            let wait = no_panic("http::retry_after", || {
                imgprompt::app::http::retry_after(Some(retry.as_str()), max)
            })?;
            prop_assert!(
                wait.is_none_or(|w| w <= max),
                "Retry-After {retry:?} waits {wait:?}, over {max:?}"
            );
            prop_assert_eq!(
                imgprompt::app::http::retry_after(Some(whole.to_string().as_str()), max),
                Some(Duration::from_secs(u64::from(whole)).min(max))
            );
            let given = wait_ms.map(Duration::from_millis);
            let backoff = no_panic("http::backoff", || {
                imgprompt::app::http::backoff(attempt, given, max)
            })?;
            prop_assert!(backoff <= max, "backoff {backoff:?} over {max:?}");
            // images
            let sniffed = no_panic("image::sniff", || imgprompt::app::image::sniff(&bytes))?;
            let want = if format == "jpg" { "jpeg" } else { format };
            let checked = no_panic("image::check", || {
                imgprompt::app::image::check(&bytes, format)
            })?;
            prop_assert_eq!(
                checked.is_ok(),
                sniffed == Some(want),
                "{:?} as {}",
                Bytes(&bytes),
                format
            );
            // the key never shows
            let (first, last) = (&secret[..8], &secret[secret.len() - 8..]);
            let text: String = said
                .iter()
                .map(|(kind, t)| match kind {
                    0 => secret.as_str(),
                    1 => first,
                    2 => last,
                    _ => t.as_str(),
                })
                .collect();
            let shown = no_panic("http::redact", || {
                imgprompt::app::http::redact(&text, &secret)
            })?;
            prop_assert!(
                !shown.contains(secret.as_str()) && !shown.contains(first) && !shown.contains(last),
                "the key shows in {shown:?}"
            );
            // file names
            let safe = imgprompt::app::generate::file_safe(&name, limit);
            prop_assert!(safe.chars().count() <= limit);
            prop_assert!(
                safe.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')),
                "{safe:?}"
            );
            let id = imgprompt::app::generate::file_id(&name);
            prop_assert!(!id.is_empty() && id.len() <= 100, "{id:?}");
            let _ = no_panic("generate::usage_cost", || {
                imgprompt::app::generate::usage_cost(&usage, "gpt-image-2", engine().price_table())
            })?;
            Ok(())
        });
    });
}

/// Image bytes a verifier may be handed: random bytes, a real PNG's head with random bytes after
/// it, a tiny valid image of any size and colour type, or a PNG cut anywhere.
fn image_input() -> BoxedStrategy<Vec<u8>> {
    let tiny = (1u32..40, 1u32..40, any::<bool>(), any::<u8>()).prop_map(|(w, h, alpha, v)| {
        let mut out = Vec::new();
        let img = if alpha {
            image::DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
                w,
                h,
                image::Rgba([v, v, v, v]),
            ))
        } else {
            image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(w, h, image::Luma([v])))
        };
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .expect("encode");
        out
    });
    prop_oneof![
        vec(any::<u8>(), 0..300),
        vec(any::<u8>(), 0..300).prop_map(|tail| [b"\x89PNG\r\n\x1a\n".to_vec(), tail].concat()),
        tiny.clone(),
        (tiny, any::<Index>()).prop_map(|(png, cut)| png[..cut.index(png.len())].to_vec()),
    ]
    .boxed()
}

#[test]
fn verify_judges_any_bytes_against_any_expectation() {
    big_stack(move || {
        let expected = (
            option::of(select(vec!["png", "jpeg", "webp", "gif", "svg", "bmp", ""])),
            option::of(select(vec![
                "1x1",
                "39x39",
                "16:9",
                "0:0",
                "auto",
                "x",
                "1024x1536",
            ])),
            any::<bool>(),
            vec((key(), text()), 0..3),
            any::<bool>(),
        )
            .prop_map(|(format, size, transparent, texts, no_other_text)| {
                imgprompt::verify::Expected {
                    format: format.map(str::to_string),
                    size: size.map(str::to_string),
                    transparent,
                    texts: texts
                        .into_iter()
                        .map(|(role, text)| imgprompt::verify::ExpectedText { role, text })
                        .collect(),
                    no_other_text,
                }
            });
        let name = select(vec!["a.png", "a.jpg", "a", "a.PNG", ".png", "a.webp"]);
        check(
            (64, 1),
            (image_input(), expected, name),
            |(bytes, expected, name)| {
                let options = imgprompt::verify::Options::default();
                let report = no_panic("verify::verify_bytes", || {
                    imgprompt::verify::verify_bytes(
                        &bytes,
                        name.as_ref(),
                        &expected,
                        &options,
                        None,
                    )
                })?;
                use imgprompt::verify::Status;
                // passed means every check passed; without OCR no text check can pass
                prop_assert_eq!(
                    report.passed,
                    report.checks.iter().all(|c| c.status == Status::Pass)
                );
                for c in &report.checks {
                    if matches!(
                        c.check,
                        imgprompt::verify::CheckKind::Text
                            | imgprompt::verify::CheckKind::ExtraText
                    ) {
                        prop_assert_eq!(c.status, Status::Unverified);
                    }
                }
                let texts = report
                    .checks
                    .iter()
                    .filter(|c| c.check == imgprompt::verify::CheckKind::Text)
                    .count();
                prop_assert_eq!(texts, expected.texts.len());
                let json = serde_json::to_value(&report).expect("json");
                prop_assert!(
                    json["checks"]
                        .as_array()
                        .is_some_and(|a| a.iter().all(|c| c.get("passed").is_some()))
                );
                // the text matcher, on any reading
                let words: Vec<imgprompt::verify::text::Word> = expected
                    .texts
                    .iter()
                    .map(|t| imgprompt::verify::text::Word {
                        text: t.text.clone(),
                        conf: 90.0,
                    })
                    .collect();
                for t in &expected.texts {
                    let m = no_panic("verify::text::best_match", || {
                        imgprompt::verify::text::best_match(
                            &t.text,
                            &words,
                            imgprompt::verify::Case::Exact,
                        )
                    })?;
                    // a text read exactly as written is an exact match
                    if !imgprompt::verify::text::normalise(&t.text, imgprompt::verify::Case::Exact)
                        .is_empty()
                    {
                        prop_assert!(m.is_some_and(|m| m.exact()), "{:?}", t.text);
                    }
                }
                Ok(())
            },
        );
    });
}
