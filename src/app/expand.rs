//! Expanding a brief's variations at scale, in constant memory.
//!
//! * **Counting** is arithmetic over the axes: the number of variants is the product of their
//!   lengths, and past 10,000 variants the cost is priced once per distinct *price setting* — the
//!   combinations of the axes that can change a price (output settings, preset, params, target
//!   options) — times the number of variants sharing it (up to 10,000 variants every one is
//!   priced). A 10^12-variant brief counts in microseconds.
//! * **Rendering** streams: variants are produced from their index (mixed radix), rendered in
//!   parallel in order-preserving chunks, written, and dropped. Memory stays flat whatever the
//!   count.
//! * **All or nothing**, defined: before anything is rendered, every value of every axis is
//!   checked against its field ([`Variations::check_values`]); a bad value fails the whole brief up
//!   front. A variant that still fails when rendered (a combination of valid values the model
//!   refuses) gets its own error record, and the others are written.
//! * A **ceiling** ([`DEFAULT_MAX_VARIANTS`], `--max-variants`) turns a runaway matrix into a clear
//!   error before rendering; counting is never limited.
use std::io::{self, Write};

use rayon::prelude::*;

use crate::app::vary::{Picked, Variant, Variations};
use crate::brief::source::{JsonPath, SourceFile};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::engine::{Engine, Patch, Prepared, Rendering};
use crate::targets::Target;

/// Variants rendered per brief unless `--max-variants` says otherwise.
pub const DEFAULT_MAX_VARIANTS: u64 = 100_000;

/// Distinct price settings priced one by one; past this, `--count` says the cost is unknown.
pub const MAX_PRICE_SETTINGS: u64 = 10_000;

/// What a brief's variations amount to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CountReport {
    /// Variants.
    pub variants: u64,
    /// Images (variants × n of each).
    pub images: f64,
    /// What generating them all costs, when every setting is priced.
    pub cost: Option<f64>,
    /// Distinct price settings rendered to price them.
    pub priced_settings: u64,
    /// How the figures were reached.
    pub notes: Vec<String>,
}

/// Counts and prices every variant without rendering each: one rendering per distinct price
/// setting (the other axes at their first value), times the variants sharing it. Prompt tokens
/// are those of that representative variant, an approximation the notes state.
pub fn count(
    engine: &Engine,
    variations: &Variations,
    source: Option<&SourceFile>,
    target: &dyn Target,
) -> Result<CountReport, Diagnostics> {
    count_until(engine, variations, source, target, &|| false)
}

/// [`count`] that gives up with a `stopped` error ([`crate::app::vary::stopped`]) as soon as `stop`
/// says so (asked before each rendering): `serve` stops the work of a request whose answer is no
/// longer wanted, so a 503 after its time limit also frees the thread.
pub fn count_until(
    engine: &Engine,
    variations: &Variations,
    source: Option<&SourceFile>,
    target: &dyn Target,
    stop: &dyn Fn() -> bool,
) -> Result<CountReport, Diagnostics> {
    let total = variations.count().ok_or_else(too_many_variants)?;
    let counting = Counting {
        engine,
        variations,
        source,
        target,
        stop,
    };
    if total <= MAX_PRICE_SETTINGS {
        // few enough to price exactly, variant by variant (nothing is held)
        return counting.each_variant(total);
    }
    counting.by_price_setting(total)
}

/// The error of a brief whose variants outnumber `u64`.
fn too_many_variants() -> Diagnostics {
    Diagnostics(vec![
        Diagnostic::error(
            Code::TooManyVariants,
            "this brief has more variants than can be counted (over 18 quintillion)",
        )
        .with_help("use fewer values under `vary`"),
    ])
}

/// What [`count_until`] renders with, and when it stops.
struct Counting<'a> {
    engine: &'a Engine,
    variations: &'a Variations,
    source: Option<&'a SourceFile>,
    target: &'a dyn Target,
    stop: &'a dyn Fn() -> bool,
}

impl Counting<'_> {
    /// Renders `v`: the images of one request (`n`, 1 when unset) and its price, when known.
    fn price(&self, v: &Variant) -> Result<(f64, Option<f64>), Diagnostics> {
        let r = self
            .engine
            .render_value(v.brief.clone(), self.source, self.target)
            .map_err(|d| variant_errors(d, v.index, &v.id))?;
        let images = f64::from(r.payload.summary.n);
        Ok((images, r.cost.as_ref().and_then(|c| c.per_request)))
    }

    /// Prices every one of the `total` variants.
    fn each_variant(&self, total: u64) -> Result<CountReport, Diagnostics> {
        let mut images = 0.0;
        let mut cost = Some(0.0);
        for i in 0..total {
            if (self.stop)() {
                return Err(crate::app::vary::stopped());
            }
            let v = self.variations.variant(i);
            let (n, per_request) = self.price(&v)?;
            images += n;
            cost = match (cost, per_request) {
                (Some(sum), Some(c)) => Some(sum + c),
                _ => None,
            };
        }
        Ok(CountReport {
            variants: total,
            images,
            cost,
            priced_settings: total,
            notes: Vec::new(),
        })
    }

    /// Prices one variant per distinct price setting, times the variants sharing it; not at all
    /// past [`MAX_PRICE_SETTINGS`] settings.
    fn by_price_setting(&self, total: u64) -> Result<CountReport, Diagnostics> {
        let axes = self.variations.axes();
        let priced: Vec<usize> = (0..axes.len())
            .filter(|&i| self.variations.prices(&axes[i]))
            .collect();
        let settings = priced.iter().try_fold(1u64, |acc, &i| {
            acc.checked_mul(axes[i].choices.len() as u64)
        });
        let Some(settings) = settings.filter(|s| *s <= MAX_PRICE_SETTINGS) else {
            return Ok(unpriced(total));
        };
        let shared = (total / settings.max(1)) as f64;
        let mut cost = Some(0.0);
        let mut images = 0.0;
        for s in 0..settings {
            if (self.stop)() {
                return Err(crate::app::vary::stopped());
            }
            let picks = setting_picks(axes, &priced, s);
            let index = self.variations.index_of(&picks);
            let v = self.variations.variant_at(&picks, index);
            let (n, per_request) = self.price(&v)?;
            images += n * shared;
            cost = match (cost, per_request) {
                (Some(sum), Some(c)) => Some(sum + c * shared),
                _ => None,
            };
        }
        let mut notes = Vec::new();
        if axes.len() > priced.len() {
            notes.push(String::from(
                "prompt tokens are those of the first value of each text and style axis",
            ));
        }
        Ok(CountReport {
            variants: total,
            images,
            cost,
            priced_settings: settings,
            notes,
        })
    }
}

/// The count of a brief with too many distinct price settings to price.
fn unpriced(total: u64) -> CountReport {
    CountReport {
        variants: total,
        images: f64::NAN,
        cost: None,
        priced_settings: 0,
        notes: vec![format!(
            "more than {MAX_PRICE_SETTINGS} distinct price settings: not priced (use --sample N to price a subset)"
        )],
    }
}

/// The choices of the price axes (`priced`) for setting `s`; the other axes at their first value.
fn setting_picks(axes: &[crate::app::vary::Axis], priced: &[usize], s: u64) -> Vec<usize> {
    let mut picks = vec![0usize; axes.len()];
    let mut rest = s;
    for &i in priced.iter().rev() {
        let n = axes[i].choices.len() as u64;
        picks[i] = (rest % n) as usize;
        rest /= n;
    }
    picks
}

/// The diagnostics of a failing variant (its `index` and `id`), each naming it.
pub fn variant_errors(d: Diagnostics, index: u64, id: &str) -> Diagnostics {
    Diagnostics(
        d.0.into_iter()
            .map(|mut x| {
                x.notes.push(format!("in variant {index} ({id})"));
                x
            })
            .collect(),
    )
}

/// The steps every variant shares, done once ([`Engine::prepare`]), and each value under `vary`
/// read into its patch; there when every axis sets only the subject or exact texts, the same
/// paths for each of its values.
struct Shared<'e> {
    prepared: Prepared<'e>,
    /// Per axis, per value, the patches it sets, in the order written.
    patches: Vec<Vec<Vec<Patch>>>,
}

impl<'e> Shared<'e> {
    /// The shared steps of `variations`, when they have any.
    fn new(
        engine: &'e Engine,
        variations: &Variations,
        source: Option<&SourceFile>,
        target: &dyn Target,
    ) -> Option<Shared<'e>> {
        let mut patches = Vec::with_capacity(variations.axes().len());
        let mut paths: Vec<&JsonPath> = Vec::new();
        for axis in variations.axes() {
            let first: Vec<&JsonPath> = axis.choices.first()?.iter().map(|(p, _)| p).collect();
            let mut values = Vec::with_capacity(axis.choices.len());
            for choice in &axis.choices {
                let same_paths = choice.len() == first.len()
                    && choice.iter().zip(&first).all(|((p, _), f)| p == *f);
                if !same_paths {
                    return None;
                }
                let read: Option<Vec<Patch>> =
                    choice.iter().map(|(p, v)| Patch::new(p, v)).collect();
                values.push(read?);
            }
            paths.extend(first);
            patches.push(values);
        }
        if paths.is_empty() {
            return None;
        }
        let first = variations.brief_at(&vec![0; variations.axes().len()]);
        let prepared = engine.prepare(first, source, target, &paths)?;
        Some(Shared { prepared, patches })
    }

    /// The rendering of the variant of `picks` (one choice per axis).
    fn render(
        &self,
        engine: &Engine,
        picks: &[usize],
        source: Option<&SourceFile>,
        target: &dyn Target,
    ) -> Result<Rendering, Diagnostics> {
        let patches: Vec<&Patch> = self
            .patches
            .iter()
            .zip(picks)
            .flat_map(|(axis, &pick)| &axis[pick])
            .collect();
        engine.render_prepared(&self.prepared, &patches, source, target)
    }
}

/// What a stream of variants produced.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StreamSummary {
    /// Variants rendered and written.
    pub written: u64,
    /// Variants that failed (each with its error record).
    pub failed: u64,
    /// Sum of the known costs.
    pub cost: f64,
    /// Variants whose cost is unknown.
    pub unpriced: u64,
    /// Warnings across the renderings.
    pub warnings: u64,
}

/// Renders the variants at `indices` and writes one line per variant (`line(variant, rendering)`)
/// in index order, in parallel chunks that grow from 1 to 1,024 (the first lines appear at once);
/// a failing variant writes `failure(variant, diagnostics)` to `errors` (or among the lines)
/// instead. Nothing but the chunk under way is held in memory.
///
/// When every axis sets only the subject or exact texts, the steps the variants share (the
/// schema, the preset, the merge) run once and each variant does only what varies
/// ([`Engine::prepare`]); the lines are the same, byte for byte.
#[allow(clippy::too_many_arguments)]
pub fn stream<I, L, F>(
    engine: &Engine,
    variations: &Variations,
    indices: I,
    source: Option<&SourceFile>,
    target: &dyn Target,
    parallel: bool,
    line: L,
    failure: F,
    out: &mut dyn Write,
    mut errors: Option<&mut dyn Write>,
) -> io::Result<StreamSummary>
where
    I: Iterator<Item = u64>,
    L: Fn(&Picked, &Rendering) -> String + Sync,
    F: Fn(&Picked, &Diagnostics) -> String + Sync,
{
    let shared = Shared::new(engine, variations, source, target);
    let mut summary = StreamSummary::default();
    let mut indices = indices.peekable();
    let mut chunk_size = 1usize;
    while indices.peek().is_some() {
        let chunk: Vec<u64> = indices.by_ref().take(chunk_size).collect();
        let work = |i: &u64| {
            let picks = variations.picks(*i);
            let v = variations.picked_at(&picks, *i);
            let rendered = match &shared {
                Some(shared) => shared.render(engine, &picks, source, target),
                None => engine.render_value(variations.brief_at(&picks), source, target),
            };
            match rendered {
                Ok(r) => {
                    let cost = r.cost.as_ref().and_then(|c| c.per_request);
                    (line(&v, &r), true, cost, r.warnings.len() as u64)
                }
                Err(d) => (
                    failure(&v, &variant_errors(d, v.index, &v.id)),
                    false,
                    None,
                    0,
                ),
            }
        };
        let done: Vec<(String, bool, Option<f64>, u64)> = if parallel && chunk.len() > 1 {
            chunk.par_iter().map(work).collect()
        } else {
            chunk.iter().map(work).collect()
        };
        for (text, ok, cost, warnings) in done {
            if ok {
                summary.written += 1;
                summary.warnings += warnings;
                match cost {
                    Some(c) => summary.cost += c,
                    None => summary.unpriced += 1,
                }
                out.write_all(text.as_bytes())?;
            } else {
                summary.failed += 1;
                match errors.as_deref_mut() {
                    Some(e) => e.write_all(text.as_bytes())?,
                    None => out.write_all(text.as_bytes())?,
                }
            }
        }
        out.flush()?;
        chunk_size = (chunk_size * 2).min(1024);
    }
    Ok(summary)
}

/// The ceiling check: rendering more than `max` variants is refused before anything is done.
pub fn check_ceiling(selected: u64, max: u64, name: &str) -> Result<(), Diagnostic> {
    if selected <= max {
        return Ok(());
    }
    Err(Diagnostic::error(
        Code::OverBudget,
        format!("this brief expands to {selected} variants, more than the ceiling of {max}"),
    )
    .in_file(name)
    .with_help(format!(
        "take a subset with `--sample N --seed S`, lower the number of values under `vary`, or raise the ceiling with `--max-variants N` (counting with `--count` is never limited; the default ceiling is {DEFAULT_MAX_VARIANTS})"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn huge(axes: usize, values: usize) -> Variations {
        let mut vary = serde_json::Map::new();
        for a in 0..axes {
            let vals: Vec<String> = (0..values).map(|v| format!("word {a}-{v}")).collect();
            vary.insert(format!("text.label{a}"), json!(vals));
        }
        let brief = json!({"subject": "s", "vary": vary});
        Variations::from_brief(&brief, "b", None).expect("variations")
    }

    #[test]
    fn a_billion_variants_count_at_once_and_sample_without_materialising() {
        let v = huge(9, 10);
        assert_eq!(v.count(), Some(1_000_000_000));
        let sample = v.sample(10, 7);
        assert_eq!(sample.len(), 10);
        assert_eq!(sample, v.sample(10, 7), "same seed, same sample");
        for i in sample {
            assert_eq!(v.index_of(&v.picks(i)), i);
        }
    }
}
