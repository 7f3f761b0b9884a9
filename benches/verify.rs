//! `cargo bench --bench verify`: how long `imgprompt verify` (release build, Tesseract) takes on
//! one 1024×1536 poster, and its peak memory (the verifier's and its Tesseract children's,
//! sampled from `/proc` every 5 ms).
//!
//! Cases, each the median of `IMGPROMPT_BENCH_RUNS` runs (default 5), drawn with the test corpus
//! (`tests/it/corpus.rs`, DejaVu):
//! - right text, dark on light: the first OCR pass reads everything, the others are skipped;
//! - right text, light on dark;
//! - one letter wrong: every pass runs (both polarities, two page modes, 2× upscale), two at a
//!   time.
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "../tests/it/corpus.rs"]
#[allow(dead_code, unreachable_pub, missing_docs)]
mod corpus;

use corpus::{CREAM, Face, INK, NIGHT, PAPER, Scene};

const BRIEF: &str = "preset: poster\nsubject: a jazz night in a small club\ntext:\n  headline: Blue Notes\n  cta: Book Tickets\noutput:\n  size: 1024x1536\n  format: png\n";

/// VmHWM (KiB) of `pid`, and of each of its children.
fn tree_rss_kib(pid: u32) -> (u64, u64) {
    let hwm = |p: &str| -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{p}/status")).ok()?;
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let own = hwm(&pid.to_string()).unwrap_or(0);
    let mut children = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let parent = std::fs::read_to_string(format!("/proc/{name}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("PPid:"))
                    .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
            });
        if parent.as_deref() == Some(&pid.to_string()) {
            children += hwm(&name).unwrap_or(0);
        }
    }
    (own, children)
}

/// One run: wall time, the verifier's peak RSS and its children's (KiB), and the exit code.
fn run(image: &std::path::Path, brief: &std::path::Path) -> (Duration, u64, u64, i32) {
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_imgprompt"))
        .args(["verify", "--format", "json"])
        .arg(brief)
        .arg(image)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let (mut own, mut kids) = (0, 0);
    let code = loop {
        let (o, k) = tree_rss_kib(child.id());
        own = own.max(o);
        kids = kids.max(k);
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code().unwrap_or(-1);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    (t.elapsed(), own, kids, code)
}

fn main() {
    let runs: usize = std::env::var("IMGPROMPT_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = std::env::temp_dir().join(format!("imgprompt-bench-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let brief = dir.join("brief.yaml");
    std::fs::write(&brief, BRIEF).expect("write");
    fn lines(h: &str) -> Vec<(&str, f32)> {
        vec![(h, 120.0), ("Book Tickets", 64.0)]
    }
    let cases = [
        (
            "right text, dark on light",
            Scene::page(Face::Sans, PAPER, INK, &lines("Blue Notes")),
        ),
        (
            "right text, light on dark (serif)",
            Scene::page(Face::Serif, NIGHT, CREAM, &lines("Blue Notes")),
        ),
        (
            "one letter wrong (every pass)",
            Scene::page(Face::Sans, PAPER, INK, &lines("Blue Nates")),
        ),
    ];
    println!("imgprompt verify, one 1024x1536 PNG, median of {runs} runs:");
    for (label, scene) in cases {
        let image = dir.join("poster.png");
        std::fs::write(&image, scene.png()).expect("write");
        let mut times = Vec::new();
        let (mut own, mut kids, mut code) = (0, 0, 0);
        for _ in 0..runs {
            let (d, o, k, c) = run(&image, &brief);
            times.push(d);
            own = own.max(o);
            kids = kids.max(k);
            code = c;
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{label:<36} {:>7.0} ms   exit {code}   peak RSS: verify {:.1} MB, Tesseract {:.1} MB",
            median.as_secs_f64() * 1e3,
            own as f64 / 1024.0,
            kids as f64 / 1024.0
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
