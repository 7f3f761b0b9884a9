//! `cargo bench --bench serve`: a load test of `imgprompt serve` (release build), with a small
//! Rust client (keep-alive HTTP/1.1 over std `TcpStream`, one thread per connection), so the
//! client is not the bottleneck.
//!
//! Phases, each printing requests/s, p50/p99/max latency, errors, the server's CPU time per
//! request (from `/proc`) and its peak RSS (`VmHWM`):
//! 1. `POST /api/render` of the three shipped examples in turn, at 1 connection;
//! 2. the same at 16 connections;
//! 3. the rendering alone (`"parts": []`: no lint, snippets or other families), at 1 and 16
//!    connections;
//! 4. the whole answer at 16 connections **while hostile clients run**: 4 threads posting 1 MB
//!    amplification requests to `/api/expand` (36,000 short image URLs, a 100-value `vary`,
//!    `first: 100`), 32 idle connections held open, and 8 slow connections sending a header a
//!    byte at a time — latency and RSS must stay flat.
//!
//! `IMGPROMPT_BENCH_REQUESTS` sets the requests per connection (default 2,000 at 1 connection,
//! 500 per connection at 16).
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn start_server() -> (Child, u16) {
    let bin = env!("CARGO_BIN_EXE_imgprompt");
    let mut child = Command::new(bin)
        .args(["serve", "--port", "0"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut line = String::new();
    BufReader::new(child.stderr.take().expect("stderr"))
        .read_line(&mut line)
        .expect("address line");
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    (child, port)
}

fn peak_rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// One keep-alive request on `s`: the status, or `None` when the connection failed.
fn request(s: &mut BufReader<TcpStream>, path: &str, body: &[u8]) -> Option<u16> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let w = s.get_mut();
    w.write_all(head.as_bytes()).ok()?;
    w.write_all(body).ok()?;
    let mut line = String::new();
    s.read_line(&mut line).ok()?;
    let status: u16 = line.split_whitespace().nth(1)?.parse().ok()?;
    let mut len = 0usize;
    let mut chunked = false;
    loop {
        line.clear();
        s.read_line(&mut line).ok()?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let lower = l.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            len = v.trim().parse().ok()?;
        }
        chunked |= lower.starts_with("transfer-encoding:") && lower.contains("chunked");
    }
    if chunked {
        loop {
            line.clear();
            s.read_line(&mut line).ok()?;
            let n = usize::from_str_radix(line.trim(), 16).ok()?;
            let mut chunk = vec![0; n + 2];
            s.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
        }
    } else {
        let mut buf = vec![0; len];
        s.read_exact(&mut buf).ok()?;
    }
    Some(status)
}

fn connect(port: u16) -> BufReader<TcpStream> {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).ok();
    s.set_nodelay(true).ok();
    BufReader::new(s)
}

/// `conns` connections each sending `per` render requests: (requests/s, latencies, errors).
fn render_load(port: u16, bodies: &[Vec<u8>], conns: usize, per: usize) -> (f64, Vec<f64>, usize) {
    let t0 = Instant::now();
    let results: Vec<(Vec<f64>, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..conns)
            .map(|k| {
                scope.spawn(move || {
                    let mut s = connect(port);
                    let mut lat = Vec::with_capacity(per);
                    let mut errors = 0;
                    for i in 0..per {
                        let t = Instant::now();
                        match request(&mut s, "/api/render", &bodies[(k + i) % bodies.len()]) {
                            Some(200) => {}
                            Some(_) => errors += 1,
                            None => {
                                errors += 1;
                                s = connect(port);
                            }
                        }
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    (lat, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client"))
            .collect()
    });
    let total = t0.elapsed().as_secs_f64();
    let mut lat: Vec<f64> = results
        .iter()
        .flat_map(|(l, _)| l.iter().copied())
        .collect();
    let errors = results.iter().map(|(_, e)| e).sum();
    lat.sort_by(f64::total_cmp);
    (lat.len() as f64 / total, lat, errors)
}

/// The CPU time the server has used so far (user + system), in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // the fields after the command name (which may hold spaces) in parentheses
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 ticks/s
    (ticks(11) + ticks(12)) / 100.0
}

/// Runs `load` and prints its figures, with the server's CPU time per request.
fn report(name: &str, pid: u32, load: impl FnOnce() -> (f64, Vec<f64>, usize)) {
    let cpu0 = cpu_seconds(pid);
    let (rps, lat, errors) = load();
    let cpu = (cpu_seconds(pid) - cpu0) * 1e6 / lat.len() as f64;
    let at = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
    println!(
        "{name:<44} {rps:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  errors {errors}  server CPU {cpu:.0} µs/request  server peak RSS {:.1} MB",
        at(0.5),
        at(0.99),
        lat[lat.len() - 1],
        peak_rss_mb(pid)
    );
}

/// The 1 MB amplification request of the reliability issue.
fn hostile_expand() -> Vec<u8> {
    let images: Vec<String> = (0..36_000)
        .map(|i| format!("https://e.x/{i}.png"))
        .collect();
    let vary: Vec<String> = (0..100).map(|i| format!("mood {i}")).collect();
    let brief = serde_json::json!({
        "preset": "poster", "subject": "a poster",
        "inputs": {"images": images},
        "vary": {"style.mood": vary},
    });
    serde_json::to_vec(&serde_json::json!({"brief": brief.to_string(), "first": 100}))
        .expect("json")
}

/// Hostile clients until `stop`: amplification posts, idle connections, slow headers. Returns the
/// statuses the amplification posts got.
fn hostile(port: u16, stop: &AtomicBool) -> Vec<u16> {
    let body = hostile_expand();
    std::thread::scope(|scope| {
        let idle: Vec<TcpStream> = (0..32)
            .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
            .collect();
        for _ in 0..8 {
            scope.spawn(|| {
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    for b in b"POST /api/render HTTP/1.1\r\nHost: localhost\r\n".iter() {
                        if stop.load(Ordering::Relaxed) || s.write_all(&[*b]).is_err() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(200));
                    }
                }
            });
        }
        let posts: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut statuses = Vec::new();
                    while !stop.load(Ordering::Relaxed) && statuses.len() < 200 {
                        let mut s = connect(port);
                        statuses.push(request(&mut s, "/api/expand", &body).unwrap_or(0));
                    }
                    statuses
                })
            })
            .collect();
        let statuses = posts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect();
        drop(idle);
        statuses
    })
}

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let bodies: Vec<Vec<u8>> = [
        "examples/poster-future-forms.yaml",
        "examples/product-water-bottle.yaml",
        "examples/ui-finance-dashboard.json",
    ]
    .iter()
    .filter_map(|f| std::fs::read_to_string(root.join(f)).ok())
    .map(|text| serde_json::to_vec(&serde_json::json!({"brief": text})).expect("json"))
    .collect();
    // the same briefs, asking for the rendering alone
    let alone: Vec<Vec<u8>> = bodies
        .iter()
        .map(|b| {
            let mut v: serde_json::Value = serde_json::from_slice(b).expect("json");
            v["parts"] = serde_json::json!([]);
            serde_json::to_vec(&v).expect("json")
        })
        .collect();
    assert!(!bodies.is_empty(), "the shipped examples");
    let per: usize = std::env::var("IMGPROMPT_BENCH_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let (mut child, port) = start_server();
    let pid = child.id();
    println!(
        "imgprompt serve load: {} cores, examples {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        bodies.len()
    );
    // warm up: the first answers compile the presets
    render_load(port, &bodies, 1, 50);
    report("render, 1 connection", pid, || {
        render_load(port, &bodies, 1, per * 4)
    });
    report("render, 16 connections", pid, || {
        render_load(port, &bodies, 16, per)
    });
    report("render, parts: [] (rendering alone), 1 conn", pid, || {
        render_load(port, &alone, 1, per * 4)
    });
    report("render, parts: [], 16 connections", pid, || {
        render_load(port, &alone, 16, per * 4)
    });
    let stop = Arc::new(AtomicBool::new(false));
    let (s2, port2) = (stop.clone(), port);
    let hostile = std::thread::spawn(move || hostile(port2, &s2));
    std::thread::sleep(Duration::from_millis(500));
    report("render, 16 connections, under hostile load", pid, || {
        render_load(port, &bodies, 16, per)
    });
    stop.store(true, Ordering::Relaxed);
    let statuses = hostile.join().unwrap_or_default();
    let mut counts = std::collections::BTreeMap::new();
    for s in &statuses {
        *counts.entry(*s).or_insert(0) += 1;
    }
    println!("hostile /api/expand answers by status: {counts:?} (0 = connection refused or cut)");
    println!(
        "server peak RSS after all phases: {:.1} MB",
        peak_rss_mb(pid)
    );
    let _ = child.kill();
    let _ = child.wait();
}
