//! Structure-aware inputs for the fuzz targets, and the properties they check.
//!
//! Briefs of the real shape (a built-in preset, its text roles, the sections, output settings)
//! with adversarial keys (any Unicode, brackets, quotes, dots, empty) and values of every JSON type
//! inserted or swapped in at any path, exact texts from a table of nasty strings or the fuzzer's
//! bytes. Every choice reads the fuzzer's bytes through `arbitrary::Unstructured`; once they run
//! out every choice takes its first option, so a short input is a plain brief.
//!
//! The same properties as `tests/it/props.rs`, which runs them on proptest's inputs.
#![allow(dead_code)]

use std::sync::OnceLock;

use arbitrary::Unstructured;
use imgprompt::brief::source::{JsonPath, Segment};
use serde_json::{Map, Value, json};

/// The engine, on the date the tests use.
pub fn engine() -> &'static imgprompt::Engine {
    static ENGINE: OnceLock<imgprompt::Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        imgprompt::Engine::new()
            .expect("built-in presets")
            .today(imgprompt::validate::date::Date::parse("2026-11-24").expect("date"))
    })
}

// ------------------------------------------------------------------------------------------------
// Tables (shared with the property tests)

include!("../../tests/it/tables.rs");

/// The text roles of each built-in preset (`basic` takes any role).
pub fn roles(preset: &str) -> &'static [&'static str] {
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

// ------------------------------------------------------------------------------------------------
// Choices

/// An index below `n`; 0 once the bytes run out.
pub fn pick(u: &mut Unstructured<'_>, n: usize) -> usize {
    if n <= 1 || u.is_empty() {
        return 0;
    }
    u.int_in_range(0..=n - 1).unwrap_or(0)
}

pub fn choose<'a, T>(u: &mut Unstructured<'_>, items: &'a [T]) -> &'a T {
    &items[pick(u, items.len())]
}

/// True `per_256` times in 256; false once the bytes run out.
pub fn chance(u: &mut Unstructured<'_>, per_256: u8) -> bool {
    !u.is_empty() && u.arbitrary::<u8>().is_ok_and(|b| b < per_256)
}

pub fn odd_char(u: &mut Unstructured<'_>) -> char {
    match pick(u, 4) {
        0 => *choose(u, KEY_CHARS),
        1 => char::from_u32(0xE000 + pick(u, 0x1900) as u32).unwrap_or('\u{e000}'),
        2 => char::from_u32(pick(u, 0x20) as u32).unwrap_or('\u{0}'),
        _ => u.arbitrary::<char>().unwrap_or('a'),
    }
}

/// An adversarial key: from the table, from path-breaking characters, or the fuzzer's string.
pub fn key(u: &mut Unstructured<'_>) -> String {
    match pick(u, 5) {
        0 | 1 => choose(u, KEYS).to_string(),
        2 => {
            let n = pick(u, 6);
            (0..n).map(|_| odd_char(u)).collect()
        }
        3 => choose(u, FIELD_NAMES).to_string(),
        _ => u.arbitrary::<String>().unwrap_or_default(),
    }
}

/// A phrase or an exact text: everyday, nasty, token soup, odd characters, the fuzzer's string.
pub fn text(u: &mut Unstructured<'_>) -> String {
    match pick(u, 5) {
        0 => choose(u, PHRASES).to_string(),
        1 => choose(u, NASTY).to_string(),
        2 => {
            let n = pick(u, 10);
            (0..n).map(|_| *choose(u, TOKENS)).collect()
        }
        3 => {
            let n = pick(u, 12);
            (0..n).map(|_| odd_char(u)).collect()
        }
        _ => u.arbitrary::<String>().unwrap_or_default(),
    }
}

pub fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

pub fn number(u: &mut Unstructured<'_>) -> Value {
    match pick(u, 5) {
        0 => Value::from(pick(u, 21) as u64),
        1 => float(*choose(u, ODD_NUMBERS)),
        2 => Value::from(u.arbitrary::<i64>().unwrap_or(0)),
        3 => Value::from(u.arbitrary::<u64>().unwrap_or(0)),
        _ => float(u.arbitrary::<f64>().unwrap_or(0.0)),
    }
}

/// `depth` arrays and objects around `leaf`.
pub fn nest(depth: usize, leaf: Value) -> Value {
    (0..depth).fold(leaf, |inner, i| {
        if i % 2 == 0 {
            Value::Array(vec![inner])
        } else {
            json!({ "k": inner })
        }
    })
}

/// Any JSON value, `depth` levels deep at most (and now and then a deep chain).
pub fn value(u: &mut Unstructured<'_>, depth: u32) -> Value {
    let kinds = if depth == 0 { 4 } else { 7 };
    match pick(u, kinds) {
        0 => Value::String(text(u)),
        1 => number(u),
        2 => Value::Bool(chance(u, 128)),
        3 => Value::Null,
        4 => {
            let n = pick(u, 5);
            Value::Array((0..n).map(|_| value(u, depth - 1)).collect())
        }
        5 => {
            let n = pick(u, 5);
            Value::Object((0..n).map(|_| (key(u), value(u, depth - 1))).collect())
        }
        _ => {
            let depth = pick(u, 120) + 1;
            let leaf = value(u, 0);
            nest(depth, leaf)
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Briefs

fn one_or_many(u: &mut Unstructured<'_>) -> Value {
    if chance(u, 80) {
        let n = pick(u, 4);
        Value::Array((0..n).map(|_| Value::String(text(u))).collect())
    } else {
        Value::String(text(u))
    }
}

/// An exact text: a string, `{content, typography, placement}`, or a list of either.
pub fn text_value(u: &mut Unstructured<'_>) -> Value {
    fn entry(u: &mut Unstructured<'_>) -> Value {
        if chance(u, 64) {
            let mut m = Map::new();
            m.insert("content".into(), Value::String(text(u)));
            if chance(u, 128) {
                m.insert("typography".into(), Value::String(text(u)));
            }
            if chance(u, 128) {
                m.insert("placement".into(), Value::String(text(u)));
            }
            Value::Object(m)
        } else {
            Value::String(text(u))
        }
    }
    if chance(u, 50) {
        let n = pick(u, 4);
        Value::Array((0..n).map(|_| entry(u)).collect())
    } else {
        entry(u)
    }
}

fn section(u: &mut Unstructured<'_>, fields: &[&str]) -> Value {
    let n = pick(u, 4);
    Value::Object(
        (0..n)
            .map(|_| (choose(u, fields).to_string(), Value::String(text(u))))
            .collect(),
    )
}

fn parsed(table_entry: &str) -> Value {
    serde_json::from_str(table_entry).expect("the tables hold JSON")
}

/// A brief of the real structure.
pub fn brief(u: &mut Unstructured<'_>) -> Value {
    let mut b = Map::new();
    let preset = if chance(u, 230) {
        Some(*choose(u, PRESETS))
    } else {
        None
    };
    if let Some(p) = preset {
        b.insert("preset".into(), p.into());
    }
    let subject = if chance(u, 40) {
        text(u)
    } else {
        choose(u, PHRASES).to_string()
    };
    b.insert("subject".into(), Value::String(subject));
    if chance(u, 50) {
        b.insert("name".into(), Value::String(text(u)));
    }
    if chance(u, 150) {
        let mut s = Map::new();
        for field in ["medium", "lighting", "typography"] {
            if chance(u, 128) {
                s.insert(field.into(), Value::String(text(u)));
            }
        }
        for field in ["mood", "palette", "details"] {
            if chance(u, 100) {
                s.insert(field.into(), one_or_many(u));
            }
        }
        if chance(u, 40) {
            s.insert("apply".into(), Value::from(*choose(u, STYLES)));
        }
        b.insert("style".into(), Value::Object(s));
    }
    if chance(u, 100) {
        b.insert("composition".into(), section(u, COMPOSITION));
    }
    if chance(u, 80) {
        b.insert("context".into(), section(u, CONTEXT));
    }
    if chance(u, 80) {
        let n = pick(u, 4);
        b.insert(
            "avoid".into(),
            Value::Array((0..n).map(|_| Value::String(text(u))).collect()),
        );
    }
    if chance(u, 150) {
        let mut o = Map::new();
        if chance(u, 128) {
            o.insert("model".into(), Value::from(*choose(u, MODELS)));
        }
        if chance(u, 128) {
            o.insert("size".into(), Value::from(*choose(u, SIZES)));
        } else if chance(u, 40) {
            o.insert("aspect_ratio".into(), Value::from(*choose(u, RATIOS)));
        }
        if chance(u, 128) {
            o.insert("quality".into(), Value::from(*choose(u, QUALITIES)));
        }
        if chance(u, 80) {
            o.insert(
                "n".into(),
                if chance(u, 200) {
                    Value::from(pick(u, 11) as u64)
                } else {
                    number(u)
                },
            );
        }
        if chance(u, 80) {
            o.insert("format".into(), Value::from(*choose(u, FORMATS)));
        }
        if chance(u, 40) {
            o.insert("seed".into(), number(u));
        }
        b.insert("output".into(), Value::Object(o));
    }
    let roles = roles(preset.unwrap_or("basic"));
    let n = pick(u, 4);
    if n > 0 {
        let text: Map<String, Value> = (0..n)
            .map(|_| (choose(u, roles).to_string(), text_value(u)))
            .collect();
        b.insert("text".into(), Value::Object(text));
    }
    if chance(u, 50) {
        b.insert("params".into(), parsed(*choose(u, PARAMS)));
    }
    if chance(u, 40) {
        b.insert("targets".into(), parsed(*choose(u, TARGET_OPTIONS)));
    }
    if chance(u, 20) {
        b.insert(
            "inputs".into(),
            json!({"images": ["https://example.com/in.png", "file-abc123"], "mask": "https://example.com/mask.png"}),
        );
    }
    Value::Object(b)
}

/// Every node of `v`, the root first, as paths.
pub fn node_paths(v: &Value) -> Vec<Vec<Segment>> {
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

/// One change: a key (adversarial or a field name) with any value inserted in any object, any
/// node replaced by any value or removed, or an exact text set at any role.
pub fn mutate(u: &mut Unstructured<'_>, brief: &mut Value) {
    let paths = node_paths(brief);
    match pick(u, 4) {
        0 => {
            let objects: Vec<&Vec<Segment>> = paths
                .iter()
                .filter(|p| node(brief, p).is_some_and(Value::is_object))
                .collect();
            if objects.is_empty() {
                return;
            }
            let at = objects[pick(u, objects.len())].clone();
            let (k, v) = (key(u), value(u, 3));
            if let Some(Value::Object(o)) = node_mut(brief, &at) {
                o.insert(k, v);
            }
        }
        1 if paths.len() > 1 => {
            let at = &paths[1 + pick(u, paths.len() - 1)];
            let v = value(u, 3);
            if let Some(n) = node_mut(brief, at) {
                *n = v;
            }
        }
        2 if paths.len() > 1 => {
            let at = &paths[1 + pick(u, paths.len() - 1)];
            if let Some((last, parent)) = at.split_last() {
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
        _ => {
            let role = if chance(u, 64) {
                key(u)
            } else {
                choose(u, roles("poster")).to_string()
            };
            let v = text_value(u);
            if let Value::Object(b) = brief {
                let text = b.entry("text").or_insert_with(|| Value::Object(Map::new()));
                if !text.is_object() {
                    *text = Value::Object(Map::new());
                }
                if let Value::Object(t) = text {
                    t.insert(role, v);
                }
            }
        }
    }
}

fn vary_value(u: &mut Unstructured<'_>) -> Value {
    match pick(u, 4) {
        0 | 1 => Value::String(text(u)),
        2 => Value::from(*choose(u, SIZES)),
        _ => value(u, 2),
    }
}

fn vary_key(u: &mut Unstructured<'_>) -> String {
    if chance(u, 200) {
        choose(u, VARY_PATHS).to_string()
    } else {
        key(u)
    }
}

/// A `vary` map: path axes, linked axes, empty or mistyped ones; at most 3 × 3 variants.
pub fn vary(u: &mut Unstructured<'_>) -> Value {
    let mut axes = Map::new();
    for _ in 0..=pick(u, 3) {
        let k = vary_key(u);
        let values = match pick(u, 5) {
            0 | 1 => Value::Array((0..=pick(u, 3)).map(|_| vary_value(u)).collect()),
            2 => json!([]),
            3 => value(u, 2),
            _ => Value::Array(
                (0..=pick(u, 2))
                    .map(|_| {
                        let n = pick(u, 3);
                        Value::Object((0..n).map(|_| (vary_key(u), vary_value(u))).collect())
                    })
                    .collect(),
            ),
        };
        axes.insert(k, values);
    }
    Value::Object(axes)
}

/// Batch input: generated lines (briefs, briefs with `vary`, a byte-order mark before one, blank
/// lines, odd lines, briefs cut short, the fuzzer's bytes), joined by newlines.
pub fn batch_lines(u: &mut Unstructured<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    let lines = pick(u, 9);
    for i in 0..lines {
        let mut line = match pick(u, 7) {
            0 => brief(u).to_string().into_bytes(),
            1 => {
                let mut b = brief(u);
                let v = vary(u);
                if let Value::Object(m) = &mut b {
                    m.insert("vary".into(), v);
                }
                b.to_string().into_bytes()
            }
            2 => [&b"\xEF\xBB\xBF"[..], brief(u).to_string().as_bytes()].concat(),
            3 => choose(u, BLANKS).as_bytes().to_vec(),
            4 => choose(u, ODD_LINES).to_vec(),
            5 => {
                let t = brief(u).to_string();
                let cut = pick(u, t.len() + 1);
                t.as_bytes()[..cut].to_vec()
            }
            _ => u.arbitrary::<Vec<u8>>().unwrap_or_default(),
        };
        line.retain(|b| *b != b'\n');
        out.extend_from_slice(&line);
        if i + 1 < lines || chance(u, 128) {
            out.push(b'\n');
        }
    }
    out
}

// ------------------------------------------------------------------------------------------------
// Properties

/// The exact texts of a rendering.
pub fn exact_texts(r: &imgprompt::Rendering) -> Vec<String> {
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

/// The exact texts a brief declares in its JSON: `text.*` strings, `content` of entries.
pub fn declared_texts(brief: &Value) -> Vec<String> {
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
pub fn payload_prompt(body: &Value) -> Option<&str> {
    ["/prompt", "/instances/0/prompt", "/contents/0/parts/0/text"]
        .into_iter()
        .find_map(|p| body.pointer(p).and_then(Value::as_str))
}

/// `s` without whitespace and with `—` read as `--` (how a Midjourney line rewrites a prompt),
/// char by char.
pub fn squash(s: &str) -> String {
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

/// A successful rendering keeps every exact text in the prompt and in the payload's prompt (the
/// prompt itself, or the Midjourney line), its payload passes its schema, warnings are warnings,
/// lint does not contradict the engine, and every hand-off and emit form is written.
/// With `declared`, the exact texts are the ones the brief declares.
pub fn check_rendering(
    r: &imgprompt::Rendering,
    source: &imgprompt::SourceFile,
    target: &str,
    declared: Option<&Value>,
) {
    let texts = exact_texts(r);
    if let Some(brief) = declared {
        assert_eq!(
            texts,
            declared_texts(brief),
            "{target}: the brief's exact texts"
        );
    }
    for t in &texts {
        assert!(
            r.prompt.contains(t.as_str()),
            "{target} dropped {t:?} from the prompt:\n{}",
            r.prompt
        );
    }
    let sent = payload_prompt(&r.payload.body).expect("a prompt in the payload");
    if target == "midjourney" {
        let line = squash(sent);
        for t in &texts {
            assert!(
                line.contains(&squash(t)),
                "{target} dropped {t:?} from {sent:?}"
            );
        }
    } else {
        assert_eq!(sent, r.prompt, "{target}: the payload's prompt");
    }
    let problems = imgprompt::validate::against_schema(r.payload.schema, &r.payload.body);
    assert!(
        problems.is_empty(),
        "{target}: the payload fails its schema: {problems:?}"
    );
    assert!(
        r.warnings.iter().all(|w| !w.is_error()),
        "{target}: an error among the warnings"
    );
    let table = lint_table();
    for d in imgprompt::lint::lint(engine(), source, r, table) {
        assert!(
            d.code != "exact-text-missing" && d.code != "prompt-over-cap",
            "{target}: lint says `{}` of a brief the engine rendered: {}",
            d.code,
            d.message
        );
        let _ = d.render(false);
    }
    for form in [
        imgprompt::emit::handoff::HandOff::Curl,
        imgprompt::emit::handoff::HandOff::Python,
        imgprompt::emit::handoff::HandOff::Js,
        imgprompt::emit::handoff::HandOff::Http,
    ] {
        let _ = imgprompt::emit::handoff::snippet(r, form);
    }
    for form in [
        imgprompt::emit::Emit::Payload,
        imgprompt::emit::Emit::Prompt,
        imgprompt::emit::Emit::Report,
        imgprompt::emit::Emit::Json,
        imgprompt::emit::Emit::OpenaiBatch,
    ] {
        let _ = imgprompt::emit::emit(r, form);
    }
}

fn lint_table() -> &'static imgprompt::lint::LintTable {
    static TABLE: OnceLock<imgprompt::lint::LintTable> = OnceLock::new();
    TABLE.get_or_init(imgprompt::lint::LintTable::builtin)
}

/// Renders `source` on `target`: a success is checked, a failure names an error and renders.
pub fn render_checked(
    source: &imgprompt::SourceFile,
    target: &dyn imgprompt::targets::Target,
    declared: Option<&Value>,
) {
    match engine().render(source, target) {
        Ok(r) => check_rendering(&r, source, target.name(), declared),
        Err(ds) => {
            assert!(
                ds.has_errors(),
                "{}: refused without an error: {ds:?}",
                target.name()
            );
            let _ = (ds.render(false), ds.json_lines());
        }
    }
}

/// What a batch line should give.
#[derive(Debug, PartialEq)]
pub enum Kind {
    /// Blank: a `{"line": N, "skipped": "blank line"}` record.
    Blank,
    /// A brief with a non-empty `vary`: one record per variant (or one error record).
    Vary,
    /// Anything else: one record.
    One,
}

pub fn kind(line: &[u8]) -> Kind {
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

/// One record per input line, in order (one per variant for a line with `vary`), a blank line
/// its `skipped` record, no internal error, the summary counting every line.
pub fn check_batch(input: &[u8], output: &[u8], summary: &imgprompt::app::batch::Summary) {
    let text = std::str::from_utf8(output).expect("records are UTF-8");
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a record is JSON"))
        .collect();
    let mut lines: Vec<&[u8]> = input.split(|b| *b == b'\n').collect();
    if input.is_empty() || input.ends_with(b"\n") {
        lines.pop();
    }
    let n = lines.len() as u64;
    let seen: Vec<u64> = records
        .iter()
        .map(|r| r["line"].as_u64().unwrap_or(0))
        .collect();
    assert!(
        seen.iter().all(|l| (1..=n).contains(l)),
        "a record of no input line: {seen:?}"
    );
    assert!(seen.is_sorted(), "records out of input order: {seen:?}");
    for r in &records {
        assert!(r["error"]["code"] != "internal", "a line panicked: {r}");
    }
    let mut blanks = 0;
    for (i, line) in lines.iter().enumerate() {
        let no = i as u64 + 1;
        let got: Vec<&Value> = records.iter().filter(|r| r["line"] == no).collect();
        match kind(line) {
            Kind::Blank => {
                blanks += 1;
                assert_eq!(
                    got,
                    [&json!({"line": no, "skipped": "blank line"})],
                    "line {no}"
                );
            }
            Kind::Vary => assert!(
                (1..=MAX_VARIANTS).contains(&(got.len() as u64)),
                "line {no} (with `vary`) gave {} records",
                got.len()
            ),
            Kind::One => assert_eq!(got.len(), 1, "line {no} gave {got:?}"),
        }
    }
    assert_eq!(summary.lines, n, "lines counted");
    assert_eq!(summary.skipped, blanks, "blank lines counted");
}

/// Every node of a parsed document: its path displayed then parsed is itself, and it is located
/// and pointed at without a panic.
pub fn check_paths(source: &imgprompt::SourceFile, value: &Value) {
    for segments in node_paths(value).into_iter().take(32) {
        let path = JsonPath(segments);
        let shown = path.to_string();
        assert_eq!(JsonPath::parse(&shown), path, "displayed as {shown:?}");
        let _ = source.locate(&path, true);
        let d = source.point(
            imgprompt::Diagnostic::error(imgprompt::Code::Internal, "here"),
            &path,
            false,
        );
        let _ = d.render(false);
    }
}
