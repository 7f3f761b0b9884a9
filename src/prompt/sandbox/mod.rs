//! The template sandbox: budgets on a render's work, time and memory.
//!
//! tera 2.4 gives a render no fuel, no per-instruction callback and no way to override `~`,
//! `set` or the loop: its VM (`vm/interpreter.rs`) calls user code only for functions, filters
//! and tests, and writes captured text (`{% set %}` blocks, `filter` sections, components
//! rendered to a value) into its own buffers, never to the output writer. Values are plain data
//! (`ValueInner` has no user type), so no lazy or counting iterable can be handed to a loop.
//!
//! So the templates are rewritten before tera compiles them (`scan.rs`): every loop, list
//! comprehension, `set`, write, component and block calls one of the hooks below, which charge
//! a per-render budget kept in a thread-local (a render runs on one thread, start to end):
//!
//! - **iterations**: a loop charges the length of what it loops over when it starts (nested
//!   loops charge at each entry, so the charge is the number of iterations), a component call
//!   charges one; [`Limits::max_iterations`].
//! - **time**: the deadline is read at every loop entry and every 32nd hook (each loop iteration
//!   is one), whether or not anything is written.
//! - **values**: what `set`/`set_global` keep, a list comprehension builds, a component receives,
//!   and what `replace`, `join` and `indent` build, is at most
//!   [`Limits::max_value`] bytes (as written) and [`MAX_DEPTH`] lists deep.
//! - **produced bytes**: everything written, to the output or into a capture, in all:
//!   [`Limits::max_produced`].
//!
//! The first hook over a limit records it and fails; tera stops the render at that error, which
//! carries the template and the span of the hook (mapped back to the author's text).
mod scan;

use std::borrow::Cow;
use std::cell::RefCell;
use std::time::{Duration, Instant};

use tera::{Kwargs, State, StringInput, TeraResult, Value};

/// Limits applied to every template render (enforced here).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most bytes a template may write.
    pub max_output: usize,
    /// Longest a render may take; checked as the template loops, not only as it writes.
    pub timeout: Duration,
    /// Most loop iterations (every `for` and list comprehension, charged the length of what it
    /// loops over when it starts) and component calls of one render.
    pub max_iterations: u64,
    /// Largest value, in bytes as written, a template may keep (`set`, `set_global`), build
    /// with a list comprehension, pass to a component, or build with `replace`, `join`, `indent`.
    pub max_value: usize,
    /// Most bytes one render may produce in all, written or captured (`set` blocks, `filter`
    /// sections, components rendered to a value).
    pub max_produced: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_output: 256 * 1024,
            timeout: Duration::from_secs(2),
            // twice the `range` budget: a loop over `range` calls meets that one first
            max_iterations: 200_000,
            max_value: 1 << 20,
            max_produced: 16 << 20,
        }
    }
}

pub(crate) use scan::skip_tag;
pub use scan::{ScanError, SourceMap, instrument};

/// Deepest nesting of lists and maps a kept value may have (deeper values would also overflow
/// the stack when tera formats or drops them).
pub const MAX_DEPTH: usize = 64;

/// How many hook calls pass between two reads of the clock.
const CLOCK_EVERY: u32 = 32;

#[derive(Debug)]
struct Budget {
    deadline: Option<Instant>,
    timeout: Duration,
    steps: u32,
    iterations_left: u64,
    max_iterations: u64,
    produced_left: u64,
    max_produced: u64,
    max_value: usize,
    /// The limit that stopped the render; every later hook fails with it too.
    tripped: Option<String>,
}

impl Budget {
    /// Outside a render (the hooks are only registered on the sandbox's tera instances).
    const fn unlimited() -> Self {
        Budget {
            deadline: None,
            timeout: Duration::from_secs(0),
            steps: 0,
            iterations_left: u64::MAX,
            max_iterations: u64::MAX,
            produced_left: u64::MAX,
            max_produced: u64::MAX,
            max_value: usize::MAX,
            tripped: None,
        }
    }

    fn step(&mut self, always: bool) -> Result<(), String> {
        self.steps = self.steps.wrapping_add(1);
        if (always || self.steps.is_multiple_of(CLOCK_EVERY))
            && let Some(deadline) = self.deadline
            && Instant::now() > deadline
        {
            return Err(format!(
                "template rendering exceeded its time limit of {:?}",
                self.timeout
            ));
        }
        Ok(())
    }

    fn iterations(&mut self, n: u64, what: impl FnOnce() -> String) -> Result<(), String> {
        if n > self.iterations_left {
            return Err(format!(
                "{} would take this render past {} loop iterations and component calls; a template must not loop without bound",
                what(),
                self.max_iterations
            ));
        }
        self.iterations_left -= n;
        Ok(())
    }

    fn produced(&mut self, n: u64) -> Result<(), String> {
        if n > self.produced_left {
            return Err(format!(
                "the template produced more than {} bytes, written or captured (`set` blocks, `filter` sections, components); a template must not grow without bound",
                self.max_produced
            ));
        }
        self.produced_left -= n;
        Ok(())
    }

    fn value(&self, v: &Value, what: impl FnOnce() -> String) -> Result<(), String> {
        match measure(v, self.max_value) {
            Measure::Fits(_) => Ok(()),
            Measure::TooBig => Err(format!(
                "{} would hold more than {} bytes; the template sandbox caps every value a template builds",
                what(),
                self.max_value
            )),
            Measure::TooDeep => Err(format!(
                "{} would nest lists or maps more than {MAX_DEPTH} deep",
                what()
            )),
        }
    }

    fn length(&self, n: u128, what: &str) -> Result<(), String> {
        if n > self.max_value as u128 {
            return Err(format!(
                "{what} would build a string of {n} bytes; the template sandbox caps every value a template builds at {} bytes",
                self.max_value
            ));
        }
        Ok(())
    }
}

thread_local! {
    static BUDGET: RefCell<Budget> = const { RefCell::new(Budget::unlimited()) };
}

/// Arms the budget of the render about to start on this thread.
pub fn begin(limits: &Limits, deadline: Instant) {
    BUDGET.with(|b| {
        *b.borrow_mut() = Budget {
            deadline: Some(deadline),
            timeout: limits.timeout,
            steps: 0,
            iterations_left: limits.max_iterations,
            max_iterations: limits.max_iterations,
            produced_left: limits.max_produced as u64,
            max_produced: limits.max_produced as u64,
            max_value: limits.max_value,
            tripped: None,
        }
    });
}

/// Disarms it; the limit that stopped the render, if one did.
pub fn finish() -> Option<String> {
    BUDGET.with(|b| std::mem::replace(&mut *b.borrow_mut(), Budget::unlimited()).tripped)
}

/// Runs `f` on this thread's budget; a limit it reports stops the render.
fn charge(f: impl FnOnce(&mut Budget) -> Result<(), String>) -> TeraResult<()> {
    BUDGET.with(|cell| {
        let mut b = cell.borrow_mut();
        if let Some(t) = &b.tripped {
            return Err(tera::Error::message(t.clone()));
        }
        let result = f(&mut b);
        result.map_err(|msg| {
            b.tripped = Some(msg.clone());
            tera::Error::message(msg)
        })
    })
}

fn max_value() -> usize {
    BUDGET.with(|b| b.borrow().max_value)
}

/// The size of a value as tera writes it.
#[derive(Debug, PartialEq, Eq)]
enum Measure {
    Fits(usize),
    TooBig,
    TooDeep,
}

/// Measures `v` as written (strings inside lists and maps quoted), stopping as soon as it is
/// past `limit` or [`MAX_DEPTH`]: a list holding itself twice, forty times over, is measured in
/// a few steps, not in 2⁴⁰.
fn measure(v: &Value, limit: usize) -> Measure {
    fn add(total: &mut usize, n: usize, limit: usize) -> Result<(), Measure> {
        *total = total.saturating_add(n);
        if *total > limit {
            Err(Measure::TooBig)
        } else {
            Ok(())
        }
    }
    fn walk(
        v: &Value,
        total: &mut usize,
        limit: usize,
        depth: usize,
        nested: bool,
    ) -> Result<(), Measure> {
        if depth > MAX_DEPTH {
            return Err(Measure::TooDeep);
        }
        if let Some(s) = v.as_str() {
            return add(total, s.len() + if nested { 2 } else { 0 }, limit);
        }
        if let Some(items) = v.as_array() {
            add(total, 2, limit)?;
            for item in items {
                add(total, 2, limit)?;
                walk(item, total, limit, depth + 1, true)?;
            }
            return Ok(());
        }
        if let Some(map) = v.as_map() {
            add(total, 2, limit)?;
            for (key, item) in map {
                add(total, key.as_str().map_or(20, |k| k.len() + 2) + 4, limit)?;
                walk(item, total, limit, depth + 1, true)?;
            }
            return Ok(());
        }
        if let Some(bytes) = v.as_bytes() {
            return add(total, bytes.len(), limit);
        }
        // numbers, booleans, none
        add(
            total,
            if v.is_none() || v.is_undefined() {
                0
            } else {
                8
            },
            limit,
        )
    }
    let mut total = 0;
    match walk(v, &mut total, limit, 0, false) {
        Ok(()) => Measure::Fits(total),
        Err(m) => m,
    }
}

/// Registers the hooks the rewritten templates call, and bounded versions of tera's filters
/// that can build a string much longer than their input (`replace`, `join`, `indent`).
pub fn register(tera: &mut tera::Tera) {
    tera.register_filter("_sb_loop", loop_entry);
    tera.register_filter("_sb_cap", cap);
    tera.register_filter("_sb_out", out);
    tera.register_function("_sb_tick", tick);
    tera.register_function("_sb_enter", enter);
    tera.register_function("_sb_wrote", wrote);
    tera.register_filter("replace", replace);
    tera.register_filter("join", join);
    tera.register_filter("indent", indent);
    tera.register_filter("split", split);
}

/// `{% for x in (xs) | _sb_loop %}`, `[… for x in (xs) | _sb_loop]`: the loop starts, and will
/// run as many times as `xs` has items (characters, for a string).
fn loop_entry(value: &Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    let n = value.len().unwrap_or(0) as u64;
    charge(|b| {
        b.step(true)?;
        b.iterations(n, || format!("a loop over {n} items"))
    })?;
    Ok(value.clone())
}

/// `(value) | _sb_cap(what="…")`: a value about to be kept.
fn cap(value: &Value, kwargs: Kwargs, _: &State) -> TeraResult<Value> {
    let what = kwargs.get::<&str>("what")?.unwrap_or("a value");
    charge(|b| {
        b.step(false)?;
        b.value(value, || what.to_string())
    })?;
    Ok(value.clone())
}

fn charge_written(b: &mut Budget, value: &Value) -> Result<(), String> {
    b.step(false)?;
    let limit = usize::try_from(b.produced_left).unwrap_or(usize::MAX);
    match measure(value, limit) {
        Measure::Fits(n) => b.produced(n as u64),
        Measure::TooBig => b.produced(b.produced_left.saturating_add(1)),
        Measure::TooDeep => Err(format!(
            "the template wrote a value nesting lists or maps more than {MAX_DEPTH} deep"
        )),
    }
}

/// `{{ (expr) | _sb_out }}`: a value about to be written (to the output or into a capture).
fn out(value: &Value, _: Kwargs, _: &State) -> TeraResult<Value> {
    charge(|b| charge_written(b, value))?;
    Ok(value.clone())
}

/// `{{ a.b }}{% if _sb_wrote(v=a.b) %}{% endif %}`: the same, after a path write.
fn wrote(kwargs: Kwargs, _: &State) -> TeraResult<bool> {
    if let Some(v) = kwargs.get::<&Value>("v")? {
        charge(|b| charge_written(b, v))?;
    }
    Ok(false)
}

/// First in a loop body, a block and a template: one more pass over `n` bytes of static text.
fn tick(kwargs: Kwargs, _: &State) -> TeraResult<bool> {
    let n = kwargs.get::<u64>("n")?.unwrap_or(0);
    charge(|b| {
        b.step(false)?;
        b.produced(n)
    })?;
    Ok(false)
}

/// First in a component: one call (recursion can fan out), its static text, its arguments
/// (`vars` is the component's whole context, `__tera_context`).
fn enter(kwargs: Kwargs, _: &State) -> TeraResult<bool> {
    let n = kwargs.get::<u64>("n")?.unwrap_or(0);
    let vars = kwargs.get::<&Value>("vars")?;
    charge(|b| {
        b.step(false)?;
        b.iterations(1, || String::from("a component call"))?;
        b.produced(n)?;
        if let Some(map) = vars.and_then(Value::as_map) {
            for (key, v) in map {
                b.value(v, || format!("the component argument `{key}`"))?;
            }
        }
        Ok(())
    })?;
    Ok(false)
}

/// Fails when a filter would build more than `max_value` bytes.
fn check_length(n: u128, what: &str) -> TeraResult<()> {
    charge(|b| {
        b.step(false)?;
        b.length(n, what)
    })
}

/// How long `s.replace(from, to)` is (an empty `from` matches before every character and at
/// the end).
fn replaced_len(s: &str, from: &str, to: &str) -> u128 {
    let count = if from.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(from).count()
    };
    let (count, len) = (count as u128, s.len() as u128);
    len - count * from.len() as u128 + count * to.len() as u128
}

/// tera's `replace` (`tera-2.4.0/src/filters.rs:199`), its result measured before it is built.
fn replace(val: StringInput, kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let from = kwargs.must_get::<&str>("from")?;
    let to = kwargs.must_get::<StringInput>("to")?;
    let be_safe = state.autoescaping_enabled() && (val.is_safe() || to.is_safe());
    if be_safe {
        let (v, t) = (val.rendered(state)?, to.rendered(state)?);
        check_length(replaced_len(&v, from, &t), "`replace`")?;
        Ok(Value::safe_string(&v.replace(from, &t)))
    } else {
        check_length(replaced_len(val.as_str(), from, to.as_str()), "`replace`")?;
        Ok(Value::from(val.as_str().replace(from, to.as_str())))
    }
}

/// tera's `split` (`tera-2.4.0/src/filters.rs:442`), its result measured before it is built:
/// each piece costs its bytes and a value's size (a string split into its characters is a list
/// tens of times larger than the string).
fn split(val: &str, kwargs: Kwargs, _: &State) -> TeraResult<Value> {
    let pat = kwargs.must_get::<&str>("pat")?;
    let pieces = if pat.is_empty() {
        val.chars().count() as u128 + 2
    } else {
        val.matches(pat).count() as u128 + 1
    };
    let size = val.len() as u128 + pieces * std::mem::size_of::<Value>() as u128;
    check_length(size, "`split`")?;
    Ok(val
        .split(pat)
        .map(Into::into)
        .collect::<Vec<Value>>()
        .into())
}

/// tera's `join` (`tera-2.4.0/src/filters.rs:522`), its result measured before it is built.
fn join(val: &[Value], kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let sep = kwargs.get::<StringInput>("sep")?;
    let limit = max_value();
    let mut total =
        sep.as_ref().map_or(0, |s| s.as_str().len() as u128) * val.len().saturating_sub(1) as u128;
    for v in val {
        total += match measure(v, limit) {
            Measure::Fits(n) => n as u128,
            _ => limit as u128 + 1,
        };
        if total > limit as u128 {
            break;
        }
    }
    check_length(total, "`join`")?;

    let be_safe = state.autoescaping_enabled()
        && (val.iter().any(|x| x.is_string() && x.is_safe())
            || sep.as_ref().is_some_and(|x| x.is_safe()));
    if be_safe {
        let mut parts = Vec::with_capacity(val.len());
        for v in val {
            if v.is_undefined() {
                parts.push(String::new())
            } else {
                parts.push(state.escape_if_needed(v)?);
            }
        }
        let sep_rendered = match &sep {
            Some(s) => s.rendered(state)?,
            None => Cow::Borrowed(""),
        };
        Ok(Value::safe_string(&parts.join(&*sep_rendered)))
    } else {
        let sep_str = sep.as_ref().map(|s| s.as_str()).unwrap_or("");
        Ok(Value::from(
            val.iter()
                .map(|x| format!("{x}"))
                .collect::<Vec<_>>()
                .join(sep_str),
        ))
    }
}

/// tera's `indent` (`tera-2.4.0/src/filters.rs:273`; up to 1,000 indent characters per line, so
/// up to 4,000 times its input), its result measured before it is built.
fn indent(val: StringInput, kwargs: Kwargs, state: &State) -> TeraResult<Value> {
    let width = kwargs.get::<usize>("width")?.unwrap_or(4).min(1000);
    let indentation = kwargs.get::<StringInput>("indentation")?;
    let indent_first_line = kwargs.get::<bool>("first")?.unwrap_or(false);
    let indent_blank_line = kwargs.get::<bool>("blank")?.unwrap_or(false);

    if let Some(ref i) = indentation
        && i.as_str().chars().count() != 1
    {
        return Err(tera::Error::message(
            "The `indentation` argument must contain exactly one character",
        ));
    }

    let be_safe = state.autoescaping_enabled()
        && (val.is_safe() || indentation.as_ref().is_some_and(|x| x.is_safe()));

    let val = if be_safe {
        val.rendered(state)?
    } else {
        Cow::Borrowed(val.as_str())
    };
    let indent = match indentation {
        Some(ref i) if be_safe => i.rendered(state)?.repeat(width),
        Some(i) => i.as_str().repeat(width),
        None => " ".repeat(width),
    };
    let lines = val.lines().count() as u128 + 1;
    check_length(
        val.len() as u128 + lines * (indent.len() as u128 + 1),
        "`indent`",
    )?;

    let mut res = String::with_capacity(val.len() * 2);
    let mut first_line = true;
    for line in val.lines() {
        if first_line {
            if indent_first_line {
                res.push_str(&indent);
            }
            first_line = false
        } else {
            res.push('\n');
            if !line.is_empty() || indent_blank_line {
                res.push_str(&indent);
            }
        }
        res.push_str(line);
    }
    if val.ends_with('\n') {
        res.push('\n');
    }

    if be_safe {
        Ok(Value::safe_string(&res))
    } else {
        Ok(Value::from(res))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::diagnostic::Diagnostic;
    use crate::prompt::render::{Compiled, Limits, TemplateFile};

    const NAME: &str = "t/prompt.tera";

    fn render_with(text: &str, limits: Limits) -> Result<String, Vec<Diagnostic>> {
        let file = TemplateFile {
            name: NAME.to_string(),
            text: text.into(),
            path: NAME.to_string(),
        };
        let compiled = Compiled::new(std::slice::from_ref(&file))?;
        let mut context = tera::Context::new();
        context.insert("items", &["a", "b", "c"]);
        context.insert("name", "Ada");
        compiled.render(NAME, &context, limits)
    }

    fn render(text: &str) -> Result<String, Vec<Diagnostic>> {
        render_with(text, Limits::default())
    }

    /// The one error of a render that must fail, with its code and words.
    #[track_caller]
    fn fails(result: Result<String, Vec<Diagnostic>>, code: &str, words: &str) -> Diagnostic {
        let ds = match result {
            Ok(out) => panic!("expected `{words}`, rendered {} bytes", out.len()),
            Err(ds) => ds,
        };
        let d = ds.into_iter().next().expect("one diagnostic");
        assert_eq!(d.code, code, "{}", d.render(false));
        assert!(d.message.contains(words), "{}", d.render(false));
        d
    }

    const R: &str = "{% set r = range(end=10000) %}";

    #[test]
    fn silent_nested_loops_over_a_kept_range_run_out_of_iterations() {
        let started = Instant::now();
        let text = format!(
            "{R}{{% for a in r %}}{{% for b in r %}}{{% for c in r %}}{{% endfor %}}{{% endfor %}}{{% endfor %}}"
        );
        let d = fails(
            render_with(
                &text,
                Limits {
                    max_iterations: 50_000,
                    ..Limits::default()
                },
            ),
            "template-limit",
            "past 50000 loop iterations",
        );
        assert!(d.location.is_some(), "points at the loop");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn silent_loops_meet_the_deadline() {
        let started = Instant::now();
        let text = format!(
            "{R}{{% for a in r %}}{{% for b in r %}}{{% for c in r %}}{{% endfor %}}{{% endfor %}}{{% endfor %}}"
        );
        let limits = Limits {
            timeout: Duration::from_millis(50),
            max_iterations: u64::MAX,
            ..Limits::default()
        };
        fails(render_with(&text, limits), "template-limit", "time limit");
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn doubling_a_kept_string_stops_at_the_value_cap() {
        // "ab" is 2 bytes; the 20th doubling keeps 2 MiB
        let mut text = String::from("{% set s = \"ab\" %}");
        for _ in 0..36 {
            text.push_str("\n{% set s = s ~ s %}");
        }
        let d = fails(
            render(&text),
            "template-limit",
            "`set s` would hold more than 1048576 bytes",
        );
        assert_eq!(d.location.map(|l| l.line), Some(21));
    }

    #[test]
    fn shared_lists_cannot_double_past_the_cap() {
        let mut text = String::from("{% set a = [1, 2, 3, 4] %}");
        for _ in 0..40 {
            text.push_str("{% set a = [a, a] %}");
        }
        text.push_str("{{ \"\" ~ a }}");
        fails(
            render(&text),
            "template-limit",
            "`set a` would hold more than",
        );
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text =
            "{% set a = [] %}{% for i in range(end=1000) %}{% set_global a = [a] %}{% endfor %}";
        fails(render(text), "template-limit", "more than 64 deep");
    }

    #[test]
    fn captured_text_counts_as_produced() {
        let text = "{% set s %}{% for i in range(end=10000) %}0123456789{% endfor %}{% endset %}{{ s | length }}";
        let limits = Limits {
            max_produced: 1000,
            ..Limits::default()
        };
        fails(
            render_with(text, limits),
            "template-limit",
            "produced more than 1000 bytes",
        );
        // and captured writes of kept values
        let text = "{% set big = \"0123456789\" %}{% for i in range(end=16) %}{% set_global big = big ~ big %}{% endfor %}\
                    {% set s %}{% for i in range(end=10000) %}{{ big }}{% endfor %}{% endset %}{{ s | length }}";
        fails(render(text), "template-limit", "produced more than");
    }

    #[test]
    fn component_fan_out_counts_as_iterations() {
        let text = "{% component c(d) %}{% if d < 15 %}{{ <c d={d + 1}/> }}{{ <c d={d + 1}/> }}{% endif %}{% endcomponent c %}{{ <c d={0}/> }}";
        let limits = Limits {
            max_iterations: 10_000,
            ..Limits::default()
        };
        fails(
            render_with(text, limits),
            "template-limit",
            "component call",
        );
        // arguments are capped too: a string doubled at each call
        let text = "{% component c(s, d) %}{% if d < 19 %}{{ <c s={s ~ s} d={d + 1}/> }}{% endif %}{% endcomponent c %}{{ <c s={\"0123456789\"} d={0}/> }}";
        fails(render(text), "template-limit", "the component argument `s`");
    }

    #[test]
    fn comprehensions_are_loops_and_their_lists_capped() {
        fails(
            render("{% set r = range(end=2000) %}{{ \"\" ~ [r for x in r] }}"),
            "template-limit",
            "a list comprehension would hold more than",
        );
        let limits = Limits {
            max_iterations: 5_000,
            ..Limits::default()
        };
        fails(
            render_with(
                "{% set r = range(end=10000) %}{{ [x for x in r] | length }}",
                limits,
            ),
            "template-limit",
            "a loop over 10000 items",
        );
    }

    #[test]
    fn growing_filters_are_capped() {
        let mut text = String::from("{% set s = \"aaaaaaaaaa\" %}{{ s");
        for _ in 0..7 {
            text.push_str(" | replace(from=\"a\", to=s)");
        }
        text.push_str(" | length }}");
        fails(
            render(&text),
            "template-limit",
            "`replace` would build a string of",
        );
        let sep = "x".repeat(200);
        fails(
            render(&format!(
                "{{{{ range(end=10000) | join(sep=\"{sep}\") | length }}}}"
            )),
            "template-limit",
            "`join`",
        );
        fails(
            render(
                "{% set s = \"\\n\" %}{% for i in range(end=14) %}{% set_global s = s ~ s %}{% endfor %}{{ s | indent(width=1000) | length }}",
            ),
            "template-limit",
            "`indent`",
        );
    }

    #[test]
    fn split_is_capped_before_it_builds() {
        let t = "{% set_global s = \"a\" %}{% for i in range(end=19) %}{% set_global s = s ~ s %}{% endfor %}{{ [s|split(pat=\"\"), s|split(pat=\"\")] | length }}";
        let d = fails(render(t), "template-limit", "`split`");
        assert!(d.message.contains("split"), "{}", d.message);
        assert_eq!(
            render("{{ \"a,b,c\" | split(pat=\",\") | join(sep=\"-\") }}")
                .ok()
                .as_deref(),
            Some("a-b-c")
        );
    }

    #[test]
    fn the_bounded_filters_behave_like_teras() {
        let out = render(
            "{{ \"a-b-c\" | replace(from=\"-\", to=\"+\") }}|{{ \"ab\" | replace(from=\"\", to=\".\") }}|\
             {{ [1, \"x\", [2]] | join(sep=\", \") }}|{{ items | join }}|{{ \"a\nb\n\nc\n\" | indent }}|\
             {{ \"a\nb\" | indent(width=2, first=true, blank=true, indentation=\"-\") }}",
        )
        .expect("renders");
        assert_eq!(
            out,
            "a+b+c|.a.b.|1, x, [2]|abc|a\n    b\n\n    c\n|--a\n--b"
        );
    }

    #[test]
    fn range_at_the_i64_limits_is_an_error_not_an_overflow() {
        fails(
            render("{{ range(start=-9223372036854775807 - 1, end=9223372036854775807) }}"),
            "template-render",
            "`range` would produce 18446744073709551615 items",
        );
        assert_eq!(
            render(
                "{% for i in range(start=9223372036854775807, end=-9223372036854775807 - 1, step_by=-9223372036854775807 - 1) %}{{ i }};{% endfor %}"
            )
            .expect("renders"),
            "9223372036854775807;-1;"
        );
        assert_eq!(
            render("{{ range(end=5, step_by=2) }}{{ range(start=5, end=0, step_by=-2) }}{{ range(start=3, end=1) }}")
                .expect("renders"),
            "[0, 2, 4][5, 3, 1][]"
        );
    }

    /// The rewritten templates write exactly what the originals write.
    #[test]
    fn instrumented_templates_render_like_the_originals() {
        let cases = [
            "a {{ name }} b {{- name -}} c {{ name | upper }}\n",
            "{% for x in items %} [{{ loop.index }}:{{ x }}] {% endfor %}|",
            "{%- for x in items -%}\n  {{ x }}\n{%- endfor -%}\n|",
            "{% for x in [] %}x{% else %} none {% endfor %}|{% for x in items %}{% if loop.first %}{% continue %}{% endif %}{{ x }}{% endfor %}",
            "{% set s %} {{ name }} {% endset %}[{{ s }}]{% set t | upper -%} x {%- endset %}[{{ t }}]",
            "{% set l = [x ~ \"!\" for x in items if x != \"b\"] %}{{ l }} {{ [y for y in [z for z in items]] | length }}",
            "{% component c(v, w=2) -%}\n <{{ v }}{{ w }}> \n{%- endcomponent c %}{{ <c v={name}/> }} {{ <c v={1} w={3}/> }}",
            "{% raw %}{% for x in y %}{{ z }}{% endraw %} {# {% for %} #} {{- \"%}\" -}} .",
            "{% filter upper %}{% for x in items %}{{ x }}{% endfor %}{% endfilter %}",
        ];
        for text in cases {
            let mut plain = tera::Tera::new();
            plain.autoescape_on(Vec::<&str>::new());
            crate::prompt::filters::register(&mut plain);
            plain.add_raw_template("plain", text).expect("compiles");
            let mut context = tera::Context::new();
            context.insert("items", &["a", "b", "c"]);
            context.insert("name", "Ada");
            let expected = plain.render("plain", &context).expect("renders");
            assert_eq!(render(text).expect("renders"), expected, "{text}");
        }
    }

    #[test]
    fn errors_point_at_the_authors_text() {
        // tera's own messages survive the rewrite, at the same place
        let d = fails(
            render("ab\n{{ nme }}"),
            "template-render",
            "Variable `nme` is not defined",
        );
        let location = d.location.expect("located");
        assert_eq!(
            (location.line, location.column, location.range),
            (2, 4, 6..9)
        );
        let d = fails(
            render("ab\n{{ name | shout }}"),
            "template",
            "Unknown filter `shout`",
        );
        assert_eq!(d.location.map(|l| (l.line, l.column)), Some((2, 11)));
        // a limit points at the loop that tripped it
        let text = "x\n{% set r = range(end=100) %}{% for a in r %}{% endfor %}";
        let d = fails(
            render_with(
                text,
                Limits {
                    max_iterations: 10,
                    ..Limits::default()
                },
            ),
            "template-limit",
            "a loop over 100 items",
        );
        let location = d.location.expect("located");
        assert_eq!(&text[location.range.clone()], "r");
        assert_eq!(location.line, 2);
    }
}
