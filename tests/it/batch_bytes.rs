//! A batch never dies on bytes: invalid UTF-8, byte-order marks, blank lines, over-long lines,
//! adversarial keys and wrong types each get their own record, in input order, and the run goes
//! on to the last line.
use crate::common;

/// A small deterministic generator (the test must reproduce).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

const KEYS: &[&str] = &[
    "]]", "[0]", "a.b", "", "\"", "\\", "[\"x\"]", ".", "..", "ключ", "🙂", "\u{e000}", "text",
    "output", "style", "vary", "name", "subject", "[", "]", "a[1", "x]y",
];
const VALUES: &[&str] = &[
    "1",
    "-1",
    "1e400",
    "null",
    "true",
    "\"\"",
    "\"x\"",
    "[]",
    "{}",
    "[1,[2,[3]]]",
    "{\"a\":{}}",
    "\"\\u0000\"",
    "\"\\ud800\"",
    "18446744073709551616",
    "2.5",
];

/// A line with two variants (two records).
const VARY_LINE: &[u8] =
    br#"{"preset":"poster","subject":"a","vary":{"style.mood":["calm","bold"]}}"#;

/// One line of the mutated corpus, as bytes.
fn mutated_line(g: &mut Lcg) -> Vec<u8> {
    let subject = g.pick(&[
        "a lighthouse",
        "\"quoted\" mug",
        "{{ x }}",
        "{% raw %}",
        "Ünïcödé",
    ]);
    let base = format!(
        r#"{{"preset":"poster","subject":{}}}"#,
        serde_json::json!(subject)
    );
    match g.next() % 12 {
        0 => base.into_bytes(),
        // an adversarial key with any value, at the top or inside a section
        1 | 2 => {
            let (k, v) = (g.pick(KEYS), g.pick(VALUES));
            let key = serde_json::json!(k);
            if g.next().is_multiple_of(2) {
                format!(r#"{{"preset":"poster","subject":"a","text":{{{key}:{v}}}}}"#).into_bytes()
            } else {
                format!(r#"{{"preset":"poster","subject":"a",{key}:{v}}}"#).into_bytes()
            }
        }
        // a wrong type at a known path
        3 => {
            let (k, v) = (
                g.pick(&["subject", "style", "output", "text", "preset", "vary"]),
                g.pick(VALUES),
            );
            format!(r#"{{"preset":"poster","subject":"a","{k}":{v}}}"#).into_bytes()
        }
        // latin-1 bytes
        4 => b"{\"preset\":\"poster\",\"subject\":\"caf\xe9 cr\xe8me\"}".to_vec(),
        // a byte-order mark before a good brief
        5 => [&b"\xEF\xBB\xBF"[..], base.as_bytes()].concat(),
        // blank or whitespace-only
        6 => g.pick(&["", " ", "\t", "\r"]).as_bytes().to_vec(),
        // truncated JSON, or not JSON at all
        7 => base.as_bytes()[..base.len() / 2].to_vec(),
        8 => g
            .pick(&["[]", "null", "42", "\"str\"", "}{", "\u{0}"])
            .as_bytes()
            .to_vec(),
        // random bytes
        9 => (0..(g.next() % 40))
            .map(|_| (g.next() % 256) as u8)
            .filter(|b| *b != b'\n')
            .collect(),
        // exact text full of private-use characters and brackets
        10 => {
            br#"{"preset":"poster","subject":"a","text":{"headline":"\ue000]]\ue001[0]"}}"#.to_vec()
        }
        // a variant line
        _ => VARY_LINE.to_vec(),
    }
}

/// Every record's `line`, in output order.
fn record_lines(stdout: &[u8]) -> Vec<u64> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            v["line"].as_u64().unwrap_or_else(|| panic!("no line: {l}"))
        })
        .collect()
}

#[test]
fn twenty_thousand_mutated_lines_one_record_each_in_order() {
    let mut g = Lcg(20_251_201);
    let mut input = Vec::new();
    let mut variants = Vec::new();
    for _ in 0..20_000 {
        let line = mutated_line(&mut g);
        variants.push(if line == VARY_LINE { 2 } else { 1 });
        input.extend_from_slice(&line);
        input.push(b'\n');
    }
    if let Some(path) = std::env::var_os("IMGPROMPT_DUMP_CORPUS") {
        std::fs::write(path, &input).expect("dump");
    }
    let out = common::with_stdin(common::cli().args(["batch", "-", "--quiet"]), &input);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "some lines fail: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines = record_lines(&out.stdout);
    let expected: Vec<u64> = variants
        .iter()
        .enumerate()
        .flat_map(|(i, n)| std::iter::repeat_n(i as u64 + 1, *n))
        .collect();
    assert_eq!(
        lines.len(),
        expected.len(),
        "one record per line (per variant)"
    );
    assert!(lines == expected, "records in input order");
}

#[test]
fn bytes_that_are_not_a_brief_each_get_a_record() {
    let long = format!("{{\"subject\":\"{}\"}}", "x".repeat(17 << 20));
    let input = [
        &b"{\"subject\":\"one\"}\n"[..],
        b"{\"subject\":\"caf\xe9\"}\n",
        b"\xEF\xBB\xBF{\"subject\":\"three\"}\r\n",
        long.as_bytes(),
        b"\n{\"subject\":\"five\"}\n",
        b"\n",
    ]
    .concat();
    let dir = std::env::temp_dir().join(format!("imgprompt-batch-bytes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("mixed.jsonl");
    std::fs::write(&file, &input).expect("write");
    for from_stdin in [false, true] {
        let mut cmd = common::cli();
        cmd.args(["batch", "--emit", "prompt"]);
        let out = if from_stdin {
            common::with_stdin(cmd.arg("-"), &input)
        } else {
            cmd.arg(&file).output().expect("run")
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let records: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        let lines: Vec<u64> = records
            .iter()
            .map(|r| r["line"].as_u64().expect("line"))
            .collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 6], "{text}");
        assert!(
            records[0]["prompt"]
                .as_str()
                .is_some_and(|p| p.contains("one"))
        );
        assert_eq!(records[1]["error"]["code"], "not-utf8");
        assert!(
            records[2]["prompt"]
                .as_str()
                .is_some_and(|p| p.contains("three")),
            "a BOM is not part of the brief"
        );
        assert_eq!(records[3]["error"]["code"], "line-too-long");
        assert!(
            records[4]["prompt"]
                .as_str()
                .is_some_and(|p| p.contains("five"))
        );
        assert_eq!(records[5]["skipped"], "blank line");
        assert_eq!(out.status.code(), Some(1), "two lines failed");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("2 failed, 1 blank skipped"), "{stderr}");
    }
    // a trailing blank line alone does not fail the batch
    let out = common::with_stdin(
        common::cli().args(["batch", "-"]),
        b"{\"subject\":\"a\"}\n\n",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // a BOM before a JSON brief file is not part of it
    let bom = dir.join("bom.json");
    std::fs::write(&bom, b"\xEF\xBB\xBF{\"subject\":\"a bom\"}").expect("write");
    common::succeeds(common::cli().args(["render", "--emit", "prompt"]).arg(&bom));
    std::fs::remove_dir_all(&dir).ok();
}
