//! Throughput benchmark (not a test): `cargo bench --bench throughput`.
//!
//! Generates N briefs (default 100,000; `IMGPROMPT_BENCH_N`), mixed presets, with exact text, some
//! with `vary` and 1% malformed, then measures in one run:
//! - the floor: parse and re-serialise every line with serde_json alone;
//! - render only: brief checks, preset, template (`Engine::prompt_value`);
//! - render + validate: the whole pipeline with payload, model rules, official schema and cost;
//! - the `batch` command: the release binary end to end, file to file, with its peak memory;
//! - `expand`: 100,000 variants streamed as prompts (time, peak memory, every variant once), and
//!   `--count` of a 10^12-variant brief.
//!
//! It also times the cold start of one `imgprompt render`.
use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::Value;

const QUALITIES: [&str; 3] = ["low", "medium", "high"];

fn generate(n: usize) -> String {
    let presets = [
        ("poster", "headline"),
        ("product", "label"),
        ("ui", "title"),
        ("basic", "headline"),
    ];
    let mut out = String::with_capacity(n * 300);
    for i in 0..n {
        if i % 100 == 99 {
            out.push_str("{\"subject\": \"broken\", \n");
            continue;
        }
        let (preset, role) = presets[i % presets.len()];
        let mut brief = serde_json::json!({
            "name": format!("b{i}"),
            "preset": preset,
            "subject": format!("item number {i}, a ceramic mug with a hand-painted glaze"),
            "style": {"mood": ["warm", "inviting"], "lighting": "soft window light", "palette": ["terracotta", "cream"]},
            "composition": {"framing": "three-quarter view, centred", "background": "a linen tablecloth"},
            "text": {role: format!("Exact Text {i} — \"quoted\" {{braces}}")},
            "context": {"purpose": "catalogue page", "channel": "web shop"},
            "avoid": ["clutter", "watermarks"],
            "output": {"quality": QUALITIES[i % 3]},
        });
        if i % 50 == 7 {
            brief["vary"] = serde_json::json!({"output.quality": ["low", "high"]});
        }
        out.push_str(&brief.to_string());
        out.push('\n');
    }
    out
}

fn rate(n: usize, d: Duration) -> String {
    format!(
        "{:>10.0} briefs/s  {:>8.2} µs/brief",
        n as f64 / d.as_secs_f64(),
        d.as_secs_f64() * 1e6 / n as f64
    )
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Runs `cmd` to its end: how long it took and its peak resident memory in KiB (sampled every
/// 5 ms).
fn run_measured(cmd: &mut std::process::Command) -> (Duration, u64) {
    let t = Instant::now();
    let mut child = cmd.spawn().expect("spawn");
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (t.elapsed(), peak)
}

fn main() {
    let n: usize = std::env::var("IMGPROMPT_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let data = generate(n);
    let dir = std::env::temp_dir().join(format!("imgprompt-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let input = dir.join("briefs.jsonl");
    std::fs::write(&input, &data).expect("write input");
    let lines: Vec<&str> = data.lines().collect();
    println!(
        "imgprompt throughput: {n} briefs ({:.1} MB JSONL), {} cores",
        data.len() as f64 / 1e6,
        std::thread::available_parallelism().map_or(1, |p| p.get())
    );

    // the floor: serde_json alone
    let t = Instant::now();
    let mut bytes = 0usize;
    for l in &lines {
        if let Ok(v) = serde_json::from_str::<Value>(l) {
            bytes += serde_json::to_string(&v).expect("json").len();
        }
    }
    let floor = t.elapsed();
    std::hint::black_box(bytes);
    println!("floor (serde_json parse + serialise)   {}", rate(n, floor));

    let engine = imgprompt::Engine::new().expect("engine");
    // warm the preset caches so one-off compilation is not counted per brief
    for l in lines.iter().take(8) {
        if let Ok(v) = serde_json::from_str::<Value>(l) {
            let _ = engine.prompt_value(v);
        }
    }
    let t = Instant::now();
    let mut ok = 0;
    for l in &lines {
        if let Ok(v) = serde_json::from_str::<Value>(l) {
            ok += usize::from(engine.prompt_value(v).is_ok());
        }
    }
    let render = t.elapsed();
    println!(
        "render only (1 thread)                 {}   ({ok} prompts)",
        rate(n, render)
    );

    let t = Instant::now();
    let mut ok = 0;
    for l in &lines {
        if let Ok(v) = serde_json::from_str::<Value>(l) {
            ok += usize::from(
                engine
                    .render_value(v, None, &imgprompt::targets::OpenAi)
                    .is_ok(),
            );
        }
    }
    let full = t.elapsed();
    println!(
        "render + validate (1 thread)           {}   ({ok} payloads)",
        rate(n, full)
    );

    // the same, per model family: each family's writer and its target's payload
    for family in imgprompt::prompt::family::Family::ALL {
        let target = imgprompt::targets::TargetId::of_family(family).target();
        let t = Instant::now();
        let mut ok = 0;
        for l in &lines {
            if let Ok(v) = serde_json::from_str::<Value>(l) {
                ok += usize::from(engine.render_value(v, None, target).is_ok());
            }
        }
        println!(
            "render + validate, {:<10} (1 thread) {}   ({ok} payloads)",
            family.name(),
            rate(n, t.elapsed())
        );
    }

    let bin = env!("CARGO_BIN_EXE_imgprompt");
    for (label, extra) in [
        ("batch command, parallel", &[][..]),
        ("batch command, --sequential", &["--sequential"][..]),
    ] {
        let out = dir.join("out.jsonl");
        let (d, peak) = run_measured(
            std::process::Command::new(bin)
                .args(["batch", "-q"])
                .arg(&input)
                .arg("-o")
                .arg(&out)
                .args(extra),
        );
        // nothing lost, in order: one record per line, one more per extra variant
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        let lines_seen: Vec<u64> = text
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).expect("record is JSON")["line"]
                    .as_u64()
                    .expect("line")
            })
            .collect();
        let records = lines_seen.len();
        let vary_lines = (0..n).filter(|i| i % 50 == 7 && i % 100 != 99).count();
        assert_eq!(
            records,
            n + vary_lines,
            "one record per line (+1 per two-variant line)"
        );
        assert!(
            lines_seen.windows(2).all(|w| w[0] <= w[1]),
            "records in input order"
        );
        println!(
            "{label:<38} {}   peak RSS {:.1} MB, {records} records",
            rate(n, d),
            peak as f64 / 1024.0
        );
    }
    println!(
        "ratios: render+validate / floor = {:.1}x",
        full.as_secs_f64() / floor.as_secs_f64()
    );

    // expand: a 100,000-variant brief rendered as prompts (streamed), and a 10^12-variant count
    let mut vary = serde_json::Map::new();
    for a in 0..5 {
        let values: Vec<String> = (0..10).map(|v| format!("word {a}-{v}")).collect();
        vary.insert(format!("text.t{a}"), serde_json::json!(values));
    }
    let expand_brief = dir.join("expand.json");
    std::fs::write(
        &expand_brief,
        serde_json::json!({"name": "grid", "subject": "a grid of words", "vary": vary}).to_string(),
    )
    .expect("write");
    let out = dir.join("variants.jsonl");
    let (d, peak) = run_measured(
        std::process::Command::new(bin)
            .arg("expand")
            .arg(&expand_brief)
            .args(["--emit", "prompt"])
            .stdout(std::fs::File::create(&out).expect("out")),
    );
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let ids: std::collections::HashSet<&str> = text
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("record is JSON");
            assert!(v["prompt"].is_string(), "a prompt per variant");
            l.split('"').nth(3).unwrap_or("")
        })
        .collect();
    assert_eq!(ids.len(), 100_000, "every variant once, none lost");
    println!(
        "{:<38} {}   peak RSS {:.1} MB",
        "expand 100,000 variants --emit prompt",
        rate(100_000, d),
        peak as f64 / 1024.0
    );
    let mut vary = serde_json::Map::new();
    for a in 0..12 {
        let values: Vec<String> = (0..10).map(|v| format!("word {a}-{v}")).collect();
        vary.insert(format!("text.t{a}"), serde_json::json!(values));
    }
    std::fs::write(
        &expand_brief,
        serde_json::json!({"name": "huge", "subject": "a grid of words", "vary": vary}).to_string(),
    )
    .expect("write");
    let t = Instant::now();
    let counted = std::process::Command::new(bin)
        .arg("expand")
        .arg(&expand_brief)
        .arg("--count")
        .output()
        .expect("count");
    let d = t.elapsed();
    assert!(String::from_utf8_lossy(&counted.stdout).starts_with("1000000000000 variants"));
    println!(
        "expand --count of 10^12 variants       {:.1} ms (the whole process)",
        d.as_secs_f64() * 1e3
    );

    // cold start of one render
    let runs = 20;
    let t = Instant::now();
    for _ in 0..runs {
        let status = std::process::Command::new(bin)
            .args(["render", "examples/poster-future-forms.yaml"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(std::process::Stdio::null())
            .status()
            .expect("render");
        assert!(status.success());
    }
    println!(
        "cold start: `imgprompt render examples/poster-future-forms.yaml` {:.1} ms (mean of {runs})",
        t.elapsed().as_secs_f64() * 1e3 / runs as f64
    );
    let _ = std::io::stdout().flush();
    std::fs::remove_dir_all(&dir).ok();
}
