//! `imgprompt verify` on the corpus (`corpus.rs`): every image gets the verdict it must get,
//! check by check, with the real Tesseract. Without Tesseract these tests fail (CI installs it).
use std::path::Path;

use serde_json::Value;

use crate::common::cli;
use crate::corpus::{CLEAR, CREAM, Face, INK, NIGHT, PAPER, Scene};

/// A poster with a headline and a call to action, 1024×1536 PNG (strict text rule).
const POSTER: &str = "preset: poster\nsubject: a jazz night in a small club\ntext:\n  headline: Blue Notes\n  cta: Book Tickets\noutput:\n  size: 1024x1536\n  format: png\n";
/// A sticker on a transparent background, 1024×1024 PNG.
const STICKER: &str = "preset: product\nsubject: a round sticker\ntext:\n  label: MUG & CO\noutput:\n  size: 1024x1024\n  format: png\n  background: transparent\n";
/// A Stability landscape: a ratio, not pixels.
const LANDSCAPE: &str =
    "preset: basic\nsubject: a misty valley\noutput:\n  aspect_ratio: \"16:9\"\n  format: png\n";

fn poster_lines(headline: &str, cta: &str) -> Vec<(String, f32)> {
    vec![(headline.to_string(), 120.0), (cta.to_string(), 64.0)]
}

fn scene(face: Face, bg: [u8; 4], ink: [u8; 4], lines: Vec<(String, f32)>) -> Scene {
    let mut s = Scene::page(face, bg, ink, &[]);
    s.lines = lines;
    s
}

/// Writes `brief` and `images` (name → bytes) under a fresh folder, runs verify with `args`:
/// (exit code, one report per image by file name).
fn verify(
    brief: &str,
    images: &[(&str, Vec<u8>)],
    args: &[&str],
) -> (i32, std::collections::BTreeMap<String, Value>) {
    let dir = tempfile::tempdir().expect("tmp");
    let brief_path = dir.path().join("brief.yaml");
    std::fs::write(&brief_path, brief).expect("write");
    let mut cmd = cli();
    cmd.arg("verify").arg(&brief_path);
    for (name, bytes) in images {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write");
        cmd.arg(path);
    }
    cmd.args(["--format", "json"]).args(args);
    let out = cmd.output().expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("not installed"),
        "verify needs Tesseract (apt-get install tesseract-ocr tesseract-ocr-eng): {stderr}"
    );
    let reports = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json line");
            let name = Path::new(v["image"].as_str().expect("as written"))
                .file_name()
                .expect("as written")
                .to_string_lossy()
                .into_owned();
            (name, v)
        })
        .collect();
    (out.status.code().unwrap_or(-1), reports)
}

/// The verdicts of a report as `check[:role]=status`, in order.
fn verdicts(report: &Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .expect("as written")
        .iter()
        .map(|c| match c["role"].as_str() {
            Some(r) => format!(
                "{}:{r}={}",
                c["check"].as_str().expect("as written"),
                c["status"].as_str().expect("as written")
            ),
            None => format!(
                "{}={}",
                c["check"].as_str().expect("as written"),
                c["status"].as_str().expect("as written")
            ),
        })
        .collect()
}

const ALL_PASS: [&str; 5] = [
    "format=pass",
    "size=pass",
    "text:headline=pass",
    "text:cta=pass",
    "extra-text=pass",
];

#[test]
fn the_poster_corpus_gets_its_verdicts() {
    let right = poster_lines("Blue Notes", "Book Tickets");
    let mut extra = right.clone();
    extra.push((String::from("Free Entry Tonight"), 64.0));
    let mut square = scene(Face::Sans, PAPER, INK, right.clone());
    square.height = 1024;
    let corpus: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "sans-right.png",
            scene(Face::Sans, PAPER, INK, right.clone()).png(),
            ALL_PASS.to_vec(),
        ),
        (
            "serif-light-on-dark.png",
            scene(Face::Serif, NIGHT, CREAM, right.clone()).png(),
            ALL_PASS.to_vec(),
        ),
        (
            "one-letter-wrong.png",
            scene(
                Face::Sans,
                PAPER,
                INK,
                poster_lines("Blue Nates", "Book Tickets"),
            )
            .png(),
            vec![
                "format=pass",
                "size=pass",
                "text:headline=fail",
                "text:cta=pass",
                "extra-text=pass",
            ],
        ),
        (
            "word-missing.png",
            scene(Face::Serif, PAPER, INK, poster_lines("Blue Notes", "Book")).png(),
            vec![
                "format=pass",
                "size=pass",
                "text:headline=pass",
                "text:cta=fail",
                "extra-text=pass",
            ],
        ),
        (
            "extra-words.png",
            scene(Face::Sans, NIGHT, CREAM, extra).png(),
            vec![
                "format=pass",
                "size=pass",
                "text:headline=pass",
                "text:cta=pass",
                "extra-text=fail",
            ],
        ),
        (
            "wrong-size.png",
            square.png(),
            vec![
                "format=pass",
                "size=fail",
                "text:headline=pass",
                "text:cta=pass",
                "extra-text=pass",
            ],
        ),
        (
            "jpeg-bytes.png",
            scene(Face::Sans, PAPER, INK, right.clone()).jpeg(),
            vec![
                "format=fail",
                "size=pass",
                "text:headline=pass",
                "text:cta=pass",
                "extra-text=pass",
            ],
        ),
        (
            "a-misspelt-copy.png",
            scene(
                Face::Sans,
                PAPER,
                INK,
                vec![
                    (String::from("Blue Notes"), 120.0),
                    (String::from("Book Tickets"), 64.0),
                    (String::from("Blve Nates"), 120.0),
                ],
            )
            .png(),
            vec![
                "format=pass",
                "size=pass",
                "text:headline=pass",
                "text:cta=pass",
                "extra-text=fail",
            ],
        ),
        (
            "blank.png",
            scene(Face::Sans, PAPER, INK, Vec::new()).png(),
            vec![
                "format=pass",
                "size=pass",
                "text:headline=unverified",
                "text:cta=unverified",
                "extra-text=unverified",
            ],
        ),
        (
            "broken.png",
            b"<html>502 Bad Gateway</html>".to_vec(),
            vec![
                "format=fail",
                "size=unverified",
                "text:headline=unverified",
                "text:cta=unverified",
                "extra-text=unverified",
            ],
        ),
    ];
    let images: Vec<(&str, Vec<u8>)> = corpus.iter().map(|(n, b, _)| (*n, b.clone())).collect();
    let (code, reports) = verify(POSTER, &images, &[]);
    assert_eq!(code, 1, "some images fail");
    for (name, _, want) in &corpus {
        let report = &reports[*name];
        assert_eq!(verdicts(report), *want, "{name}: {report:#}");
        assert_eq!(
            report["passed"],
            want.iter().all(|w| w.ends_with("=pass")),
            "{name}"
        );
    }
    // the scores of a misspelt text: one edit in ten characters
    let wrong = &reports["one-letter-wrong.png"]["checks"][2];
    assert_eq!(wrong["found"], "Blue Nates", "{wrong:#}");
    assert_eq!(wrong["scores"]["distance"], 1);
    assert_eq!(wrong["scores"]["cer"], 0.1);
    assert_eq!(wrong["passed"], false);
    let extra = &reports["extra-words.png"]["checks"][4];
    assert_eq!(
        extra["found"],
        serde_json::json!(["Free", "Entry", "Tonight"]),
        "{extra:#}"
    );
    assert_eq!(reports["blank.png"]["checks"][2]["passed"], Value::Null);
}

#[test]
fn transparency_is_checked_where_it_was_asked_for() {
    let label = vec![(String::from("MUG & CO"), 140.0)];
    let mut clear = scene(Face::Sans, CLEAR, INK, label.clone());
    clear.height = 1024;
    let mut opaque = scene(Face::Sans, PAPER, INK, label);
    opaque.height = 1024;
    // one pixel of 1024x1024 not quite opaque is not a transparent background
    let mut almost = image::load_from_memory(&opaque.png_opaque())
        .expect("png")
        .to_rgba8();
    almost.put_pixel(0, 0, image::Rgba([0, 0, 0, 254]));
    let mut almost_png = Vec::new();
    almost
        .write_to(
            &mut std::io::Cursor::new(&mut almost_png),
            image::ImageFormat::Png,
        )
        .expect("png");
    let (code, reports) = verify(
        STICKER,
        &[
            ("clear.png", clear.png()),
            ("opaque.png", opaque.png_opaque()),
            ("almost.png", almost_png),
        ],
        &[],
    );
    assert_eq!(code, 1);
    assert_eq!(
        verdicts(&reports["clear.png"]),
        [
            "format=pass",
            "size=pass",
            "alpha=pass",
            "text:label=pass",
            "extra-text=pass"
        ],
        "{:#}",
        reports["clear.png"]
    );
    assert_eq!(
        verdicts(&reports["opaque.png"]),
        [
            "format=pass",
            "size=pass",
            "alpha=fail",
            "text:label=pass",
            "extra-text=pass"
        ]
    );
    assert_eq!(
        reports["opaque.png"]["checks"][2]["found"],
        "no alpha channel"
    );
    let almost = &reports["almost.png"]["checks"][2];
    assert_eq!(almost["status"], "fail", "{almost:#}");
    assert_eq!(
        almost["found"],
        "alpha channel, 0.0 % of pixels fully transparent"
    );
}

#[test]
fn a_ratio_is_checked_within_its_tolerance() {
    let mut wide = scene(Face::Sans, PAPER, INK, Vec::new());
    (wide.width, wide.height) = (1344, 768);
    let mut square = wide.clone();
    square.height = 1344;
    let (code, reports) = verify(
        LANDSCAPE,
        &[("wide.png", wide.png()), ("square.png", square.png())],
        &["--target", "stability"],
    );
    assert_eq!(code, 1);
    assert_eq!(verdicts(&reports["wide.png"]), ["format=pass", "size=pass"]);
    assert_eq!(
        verdicts(&reports["square.png"]),
        ["format=pass", "size=fail"]
    );
    // 1344x768 is 1.6 % from 16:9: a 1 % tolerance fails it
    let (_, strict) = verify(
        LANDSCAPE,
        &[("wide.png", wide.png())],
        &["--target", "stability", "--ratio-tolerance", "1"],
    );
    assert_eq!(verdicts(&strict["wide.png"]), ["format=pass", "size=fail"]);
}

#[test]
fn every_check_passing_exits_0_and_the_table_says_so() {
    let png = scene(
        Face::Sans,
        PAPER,
        INK,
        poster_lines("Blue Notes", "Book Tickets"),
    )
    .png();
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("brief.yaml"), POSTER).expect("as written");
    std::fs::write(dir.path().join("right.png"), &png).expect("as written");
    let out = cli()
        .current_dir(dir.path())
        .args(["verify", "brief.yaml", "right.png"])
        .output()
        .expect("as written");
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{table}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(table.starts_with("right.png  PASS\n"), "{table}");
    assert!(table.contains("text headline"), "{table}");
    // --case ignore: a lower-case brief passes on capitals
    let lower = POSTER.replace("Blue Notes", "blue notes");
    std::fs::write(dir.path().join("lower.yaml"), lower).expect("as written");
    let code = |case: &str| {
        cli()
            .current_dir(dir.path())
            .args([
                "verify",
                "lower.yaml",
                "right.png",
                "--checks",
                "text",
                "--case",
                case,
            ])
            .output()
            .expect("as written")
            .status
            .code()
    };
    assert_eq!(code("exact"), Some(1));
    assert_eq!(code("ignore"), Some(0));
}

#[test]
fn usage_errors_exit_2_and_a_missing_engine_names_the_package() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("brief.yaml"), POSTER).expect("as written");
    let png = scene(Face::Sans, PAPER, INK, Vec::new()).png();
    std::fs::write(dir.path().join("a.png"), &png).expect("as written");
    let run = |args: &[&str], env: Option<&str>| {
        let mut c = cli();
        c.current_dir(dir.path()).arg("verify").args(args);
        if let Some(p) = env {
            c.env("IMGPROMPT_TESSERACT", p);
        }
        let out = c.output().expect("as written");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["brief.yaml"], None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("a brief without images"), "{err}");
    let (code, err) = run(&["a.png", "brief.yaml"], None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("the brief comes first"), "{err}");
    let (code, err) = run(&["brief.yaml", "a.png", "--checks", "txt"], None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown check `txt`"), "{err}");
    let (code, err) = run(&["brief.yaml", "a.png"], Some("/nonexistent/tesseract"));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("apt-get install tesseract-ocr tesseract-ocr-eng"),
        "{err}"
    );
    // without the text checks, no engine is needed
    let (code, err) = run(
        &["brief.yaml", "a.png", "--checks", "format,size"],
        Some("/nonexistent/tesseract"),
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = run(&["brief.yaml", "a.png", "--lang", "xyz"], None);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("tesseract-ocr-xyz"), "{err}");
}

#[test]
fn a_generate_folder_is_verified_against_its_sidecars() {
    let tmp = tempfile::tempdir().expect("tmp");
    let mock = crate::mock::Mock::start();
    let right = scene(
        Face::Sans,
        PAPER,
        INK,
        poster_lines("Blue Notes", "Book Tickets"),
    )
    .png();
    let wrong = scene(
        Face::Sans,
        PAPER,
        INK,
        poster_lines("Blue Notes", "Book Tickts"),
    )
    .png();
    mock.serve_images(vec![right, wrong]);
    let (a, b) = (tmp.path().join("a.yaml"), tmp.path().join("b.yaml"));
    std::fs::write(&a, format!("name: a\n{POSTER}")).expect("write");
    std::fs::write(&b, format!("name: b\n{POSTER}")).expect("write");
    let out = tmp.path().join("out");
    let generated = cli()
        .env("OPENAI_BASE_URL", mock.openai_base())
        .env("OPENAI_API_KEY", "sk-test-local")
        .args(["generate", "-y", "--concurrency", "1", "-o"])
        .arg(&out)
        .args([&a, &b])
        .output()
        .expect("generate");
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    // a sidecar without `expect` (batch fetch): what its request body says
    let mut old = scene(Face::Sans, PAPER, INK, Vec::new());
    old.height = 1024;
    std::fs::write(out.join("c-0.png"), old.png()).expect("write");
    std::fs::write(
        out.join("c.json"),
        r#"{"id": "c", "images": [{"file": "c-0.png"}], "request": {"body": {"model": "gpt-image-2", "prompt": "a cat", "size": "1024x1536"}}}"#,
    )
    .expect("write");
    let v = cli()
        .arg("verify")
        .arg(&out)
        .args(["--format", "json"])
        .output()
        .expect("verify");
    assert_eq!(
        v.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&v.stderr)
    );
    let reports: Vec<Value> = String::from_utf8_lossy(&v.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(reports.len(), 3);
    assert_eq!(verdicts(&reports[0]), ALL_PASS, "{:#}", reports[0]);
    assert!(
        reports[0]["image"]
            .as_str()
            .expect("image")
            .ends_with("a-0.png")
    );
    assert_eq!(
        verdicts(&reports[1]),
        [
            "format=pass",
            "size=pass",
            "text:headline=pass",
            "text:cta=fail",
            "extra-text=pass"
        ]
    );
    assert_eq!(verdicts(&reports[2]), ["format=pass", "size=fail"]);
    // an empty folder is a usage error
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("dir");
    let e = cli().arg("verify").arg(&empty).output().expect("verify");
    assert_eq!(e.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&e.stderr).contains("holds no sidecar naming an image"));
}

/// CRC-32 (PNG's), for a hand-made chunk.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_decompression_bomb_is_unverified_not_decoded() {
    // a valid PNG header declaring 100000x100000 RGBA pixels (40 GB decoded)
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&ihdr);
    png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    let (code, reports) = verify(POSTER, &[("bomb.png", png)], &[]);
    assert_eq!(code, 1);
    let report = &reports["bomb.png"];
    assert_eq!(verdicts(report)[0], "format=pass", "{report:#}");
    assert_eq!(verdicts(report)[1], "size=unverified", "{report:#}");
    let note = report["checks"][1]["note"].as_str().expect("note");
    assert!(note.contains("cannot be decoded"), "{note}");
}

#[test]
fn dashes_are_one_hyphen_and_an_invalid_brief_exits_2() {
    let brief = "preset: poster\nsubject: a jazz night\ntext:\n  headline: Blue Notes\n  date: \"9\u{2013}11 PM\"\noutput:\n  size: 1024x1536\n  format: png\n";
    let png = scene(
        Face::Sans,
        PAPER,
        INK,
        vec![
            (String::from("Blue Notes"), 120.0),
            (String::from("9\u{2013}11 PM"), 80.0),
        ],
    )
    .png();
    let (code, reports) = verify(brief, &[("dash.png", png.clone())], &["--checks", "text"]);
    assert_eq!(code, 0, "{:#}", reports["dash.png"]);
    // a brief that does not render: exit 2, not the 1 of a failed image
    let (code, _) = verify("preset: nope\nsubject: x\n", &[("dash.png", png)], &[]);
    assert_eq!(code, 2);
}

#[test]
fn what_a_folder_cannot_show_is_reported_not_skipped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let png = scene(Face::Sans, PAPER, INK, Vec::new()).png();
    std::fs::write(dir.join("ok-0.png"), &png).expect("write");
    let sidecar = |name: &str, body: &str| std::fs::write(dir.join(name), body).expect("write");
    sidecar(
        "ok.json",
        r#"{"images": [{"file": "ok-0.png"}], "expect": {"format": "png", "size": "0:5"}}"#,
    );
    sidecar("corrupt.json", "{ not json");
    sidecar("outside.json", r#"{"images": [{"file": "../ok-0.png"}]}"#);
    sidecar("none.json", r#"{"images": []}"#);
    let fifo = dir.join("pipe-0.png");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    sidecar("pipe.json", r#"{"images": [{"file": "pipe-0.png"}]}"#);
    sidecar(
        "UP.JSON",
        r#"{"images": [{"file": "ok-0.png"}], "expect": {"format": "png", "size": 1024, "texts": "oops"}}"#,
    );
    std::os::unix::fs::symlink(dir.join("ok.json"), dir.join("link.json")).expect("link");
    // a pipe among the images must not hang the run: killed after a minute, the test fails
    let child = cli()
        .arg("verify")
        .arg(dir)
        .args(["--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("verify");
    let id = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(60));
        let _ = std::process::Command::new("kill")
            .arg("-9")
            .arg(id.to_string())
            .status();
    });
    let out = child.wait_with_output().expect("verify");
    drop(watchdog);
    assert_eq!(out.status.code(), Some(1));
    let reports: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let status: Vec<(String, String)> = reports
        .iter()
        .map(|r| {
            let name = Path::new(r["image"].as_str().expect("image"))
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (name, r["status"].as_str().expect("status").to_string())
        })
        .collect();
    let want = |n: &str, s: &str| (n.to_string(), s.to_string());
    assert_eq!(
        status,
        [
            want("UP.JSON", "unverified"),
            want("corrupt.json", "unverified"),
            want("link.json", "unverified"),
            want("none.json", "unverified"),
            want("ok-0.png", "unverified"),
            want("ok-0.png", "unverified"),
            want("pipe-0.png", "unverified"),
        ],
        "{reports:#?}"
    );
    // the size it cannot read is unverified, not left out
    let note = |i: usize| {
        reports[i]["checks"][0]["note"]
            .as_str()
            .expect("note")
            .to_string()
    };
    assert!(note(0).contains("`expect` cannot be read"), "{}", note(0));
    assert!(note(2).contains("a link"), "{}", note(2));
    assert_eq!(verdicts(&reports[4]), ["format=pass", "size=unverified"]);
    assert!(note(5).contains("not a plain file name"));
    assert!(note(6).contains("not a regular file"));
}

#[test]
fn text_on_a_band_of_the_other_polarity_is_extra_and_no_word_serves_two_texts() {
    // the poster, with a dark band at the bottom holding light type it never asked for
    let mut page = scene(
        Face::Sans,
        PAPER,
        INK,
        poster_lines("Blue Notes", "Book Tickets"),
    )
    .draw();
    let mut band = scene(
        Face::Sans,
        NIGHT,
        CREAM,
        vec![(String::from("FREE BEER TONIGHT"), 72.0)],
    );
    band.height = 220;
    image::imageops::overlay(&mut page, &band.draw(), 0, 1200);
    let mut png = Vec::new();
    page.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let (code, reports) = verify(POSTER, &[("band.png", png)], &[]);
    assert_eq!(code, 1);
    let r = &reports["band.png"];
    assert_eq!(
        verdicts(r),
        [
            "format=pass",
            "size=pass",
            "text:headline=pass",
            "text:cta=pass",
            "extra-text=fail"
        ],
        "{r:#}"
    );
    // a subheadline `Blue` cannot take the headline's word: it is not in the image
    let two = POSTER.replace("  cta: Book Tickets\n", "  subheadline: Blue\n");
    let clean = scene(
        Face::Sans,
        PAPER,
        INK,
        vec![(String::from("Blue Notes"), 120.0)],
    )
    .png();
    let (code, reports) = verify(&two, &[("clean.png", clean)], &["--checks", "text"]);
    assert_eq!(code, 1);
    let r = &reports["clean.png"];
    assert_eq!(
        verdicts(r),
        ["text:headline=pass", "text:subheadline=fail"],
        "{r:#}"
    );
}

#[test]
fn min_confidence_turns_a_doubtful_fail_into_unverified() {
    let png = scene(
        Face::Sans,
        PAPER,
        INK,
        poster_lines("Blue Nates", "Book Tickets"),
    )
    .png();
    let (_, low) = verify(POSTER, &[("w.png", png.clone())], &["--checks", "text"]);
    assert_eq!(verdicts(&low["w.png"])[0], "text:headline=fail");
    // no reading reaches confidence 100: the misreading cannot be told from a misspelling
    let (code, high) = verify(
        POSTER,
        &[("w.png", png)],
        &["--checks", "text", "--min-confidence", "100"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        verdicts(&high["w.png"])[0],
        "text:headline=unverified",
        "{:#}",
        high["w.png"]
    );
}
