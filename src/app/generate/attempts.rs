//! `generate --verify --attempts N`: request again until an image is accepted, within the
//! attempts and the budget. Every attempt's images and sidecar are kept: attempt 1 is `ID`, the
//! next ones `ID-try2`, `ID-try3`, … Each sidecar records its verification and whether it was
//! accepted. A re-run counts the attempts already made and never pays for an accepted image
//! twice.
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::Value;

use super::{Outcome, Settings, generate};
use crate::cost::PriceTable;
use crate::diagnostic::Diagnostic;
use crate::engine::Rendering;

/// A judge's verdict on the images of one attempt.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// Every image passed.
    pub accepted: bool,
    /// What the sidecar records as `verification`.
    pub record: Value,
}

/// Judges the images of an attempt against what its sidecar (given whole) says they must be.
pub type Judge<'a> = dyn Fn(&[PathBuf], &Value) -> Verdict + Sync + 'a;

/// The money retries may still spend: `--max-cost` less what the first attempts were estimated
/// at, shared by every request in flight.
#[derive(Debug)]
pub struct Budget {
    max: Option<f64>,
    committed: Mutex<f64>,
}

impl Budget {
    /// Counts a request an earlier run already paid for (a retry found on disk): the limit is
    /// for the whole job, re-runs included.
    pub fn spent(&self, cost: Option<f64>) {
        if let (Ok(mut committed), Some(cost)) = (self.committed.lock(), cost) {
            *committed += cost;
        }
    }
    /// `max` (none: no limit), of which `committed` is already spoken for.
    pub fn new(max: Option<f64>, committed: f64) -> Budget {
        Budget {
            max,
            committed: Mutex::new(committed),
        }
    }
    /// Reserves one more request at `cost`: false when it would pass the limit (or, under a
    /// limit, when the request has no price).
    pub fn reserve(&self, cost: Option<f64>) -> bool {
        let Some(max) = self.max else {
            return true;
        };
        let Some(cost) = cost else {
            return false;
        };
        let Ok(mut committed) = self.committed.lock() else {
            return false;
        };
        if *committed + cost > max + 1e-9 {
            return false;
        }
        *committed += cost;
        true
    }
}

/// How one request is tried.
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    /// At most this many attempts (1: no retry).
    pub attempts: u32,
    /// The accepted checks, comma-joined: a verdict recorded under other checks is judged again.
    pub accept: &'a str,
    /// The judge, with `--verify`.
    pub judge: Option<&'a Judge<'a>>,
    /// The budget of the retries.
    pub budget: &'a Budget,
}

impl std::fmt::Debug for Plan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("attempts", &self.attempts)
            .field("judge", &self.judge.is_some())
            .finish()
    }
}

/// What the attempts of one request came to.
#[derive(Debug, Default)]
pub struct Tried {
    /// Each attempt looked at in this run: (its id, what it did, its verdict when judged).
    pub attempts: Vec<(String, Result<Outcome, Diagnostic>, Option<Verdict>)>,
    /// The accepted attempt's id.
    pub accepted: Option<String>,
    /// Attempts made in all, earlier runs included.
    pub made: u32,
    /// Why it stopped without an accepted image, when it did.
    pub stopped: Option<String>,
}

/// The file id of attempt `k` (1-based) of `id`: the id's file id, then `-tryK` (the id cut
/// first, so the suffix always survives the 100-character limit).
pub fn attempt_id(id: &str, k: u32) -> String {
    let base = super::file_id(id);
    if k <= 1 {
        return base;
    }
    let suffix = format!("-try{k}");
    let keep = 100usize.saturating_sub(suffix.len());
    // a file id is ASCII: cutting at a byte is cutting at a character
    format!("{}{suffix}", &base[..base.len().min(keep)])
}

/// Tries one request as `plan` says; `extra` goes into every sidecar.
pub fn try_request(
    r: &Rendering,
    id: &str,
    settings: &Settings,
    prices: &PriceTable,
    brief_file: &str,
    extra: &serde_json::Map<String, Value>,
    plan: Plan<'_>,
) -> Tried {
    let mut tried = Tried::default();
    let estimate = r.cost.as_ref().and_then(|c| c.per_request);
    for k in 1..=plan.attempts.max(1) {
        let aid = attempt_id(id, k);
        let sidecar = settings.out_dir.join(format!("{aid}.json"));
        if let Some(v) = crate::app::sidecar::read(&sidecar) {
            // made by an earlier run: accepted, or judged now if it never was — if it is this
            // request's (a brief edited since, or another brief's file, is not)
            if let Some(d) = plan.judge.and_then(|_| foreign(&aid, &v, r)) {
                tried.stopped = Some(format!("{aid}.json holds another request"));
                tried.attempts.push((aid, Err(d), None));
                return tried;
            }
            tried.made += 1;
            if k > 1 {
                plan.budget.spent(estimate);
            }
            let verdict = earlier_verdict(plan, &sidecar, v, k, settings);
            let accepted = verdict.as_ref().is_none_or(|v| v.accepted);
            tried
                .attempts
                .push((aid.clone(), Ok(Outcome::Skipped(sidecar)), verdict));
            if accepted {
                tried.accepted = Some(aid);
                return tried;
            }
            continue;
        }
        if k > 1 && !plan.budget.reserve(estimate) {
            tried.stopped = Some(String::from(
                "--max-cost leaves no room for another attempt",
            ));
            return tried;
        }
        let mut extra = extra.clone();
        if plan.judge.is_some() {
            extra.insert(String::from("attempt"), Value::from(k));
        }
        let outcome = generate(r, &aid, settings, prices, brief_file, &extra);
        tried.made += 1;
        let (verdict, failed) = match &outcome {
            Ok(Outcome::Written { sidecar, .. }) => match plan.judge {
                Some(judge) => {
                    let v = crate::app::sidecar::read(sidecar).unwrap_or(Value::Null);
                    (
                        Some(judge_and_record(judge, sidecar, v, k, settings)),
                        false,
                    )
                }
                None => (None, false),
            },
            Ok(Outcome::Skipped(_)) => (None, false),
            Err(_) => (None, true),
        };
        let accepted = !failed && verdict.as_ref().is_none_or(|v| v.accepted);
        tried.attempts.push((aid.clone(), outcome, verdict));
        if failed {
            return tried;
        }
        if accepted {
            tried.accepted = Some(aid);
            return tried;
        }
    }
    tried.stopped = Some(format!(
        "no image accepted in {} attempt{}",
        tried.made,
        if tried.made == 1 { "" } else { "s" }
    ));
    tried
}

/// The error when the sidecar on disk is another request's (the brief was edited since, or
/// another brief wrote it): its image is never judged or accepted for this one.
fn foreign(aid: &str, v: &Value, r: &Rendering) -> Option<Diagnostic> {
    (v["request"]["body"] != r.payload.body).then(|| {
        Diagnostic::error(
            crate::diagnostic::Code::DuplicateId,
            format!("{aid}.json holds another request (its request body differs): not judged, nothing sent"),
        )
        .with_help("move the folder's old images away, or give the brief another `name`")
    })
}

/// The verdict on an attempt an earlier run made: the recorded one when it was judged under the
/// same checks, else judged now (and recorded); none without a judge.
fn earlier_verdict(
    plan: Plan<'_>,
    sidecar: &std::path::Path,
    v: Value,
    k: u32,
    settings: &Settings,
) -> Option<Verdict> {
    let judge = plan.judge?;
    let recorded_under = v["verification"]["accept"].as_array().map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(",")
    });
    match v.get("accepted") {
        Some(Value::Bool(accepted)) if recorded_under.as_deref() == Some(plan.accept) => {
            Some(Verdict {
                accepted: *accepted,
                record: v["verification"].clone(),
            })
        }
        _ => Some(judge_and_record(judge, sidecar, v, k, settings)),
    }
}

/// Judges the images of a sidecar and records the verdict in it (`verification`, `accepted`,
/// `attempt`).
fn judge_and_record(
    judge: &Judge<'_>,
    sidecar: &std::path::Path,
    mut v: Value,
    k: u32,
    settings: &Settings,
) -> Verdict {
    let files = crate::app::sidecar::images(&v, &settings.out_dir);
    let verdict = judge(&files, &v);
    v["verification"] = verdict.record.clone();
    v["accepted"] = Value::Bool(verdict.accepted);
    v["attempt"] = Value::from(k);
    // the images are kept whatever happens to the record
    let _ = super::write_sidecar(&v, sidecar, sidecar, settings);
    verdict
}
