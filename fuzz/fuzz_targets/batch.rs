//! A batch over any bytes gives one record per input line, in input order (one per variant for a
//! line with `vary`), a blank line its `skipped` record, and no line an internal error.
//!
//! An input starting with byte 1 or 3 is generated lines (briefs of the real shape, briefs with
//! `vary`, byte-order marks, blank and odd lines, briefs cut short) chosen by the rest of its
//! bytes; any other input is batch input as is (`fuzz/seed.sh` copies the JSONL fixtures). Bit 2
//! of the first byte renders in parallel.
#![no_main]
use arbitrary::Unstructured;
use imgprompt::app::batch::BatchOptions;
use imgprompt::emit::Emit;
use libfuzzer_sys::fuzz_target;

#[path = "../common/adversarial.rs"]
mod adversarial;

fuzz_target!(|data: &[u8]| {
    let input = match data.split_first() {
        Some((&(1 | 3), rest)) => adversarial::batch_lines(&mut Unstructured::new(rest)),
        _ => data.to_vec(),
    };
    let opts = BatchOptions {
        emit: Emit::Json,
        fail_fast: false,
        parallel: data.first().is_some_and(|b| b & 2 != 0),
        input_name: String::from("fuzz.jsonl"),
        max_variants: adversarial::MAX_VARIANTS,
    };
    let mut out = Vec::new();
    let summary = imgprompt::app::batch::run(
        adversarial::engine(),
        &imgprompt::targets::OpenAi,
        &input[..],
        &mut out,
        None,
        &opts,
        |_| {},
    )
    .expect("a batch into memory");
    adversarial::check_batch(&input, &out, &summary);
});
