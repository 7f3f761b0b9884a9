//! The drift tests (moved from imgprompt's tests/it/providers.rs): the committed
//! data/models.sdk.json is what the vendored SDKs say, a changed SDK file changes the facts (or
//! stops the sync, naming the statement), and `--check` reports staleness.
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::sync;

/// The repository root, found from this crate's folder the way `cargo xtask` finds it.
fn root() -> PathBuf {
    crate::find_root(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("the workspace root")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// A scratch project root holding a copy of `data/sdk`.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("imgprompt-sync-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root().join("data/sdk"), &dir.join("data/sdk"));
    dir
}

#[test]
fn generated_facts_match_the_vendored_sdks() {
    let generated = sync::generate_text(&root()).expect("sync reads the SDKs");
    let committed = std::fs::read_to_string(root().join(sync::GENERATED_FILE)).unwrap_or_default();
    assert!(
        generated == committed,
        "{} is stale: the vendored SDK files under data/sdk/ say something else.\n\
         Regenerate it with:\n\n    {}\n\nand review the diff.",
        sync::GENERATED_FILE,
        sync::COMMAND
    );
}

#[test]
fn a_changed_sdk_file_changes_the_facts() {
    let dir = scratch("drift");
    let file = dir.join("data/sdk/openai-python-3.57.0/image_model.py");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &file,
        text.replace(
            "    \"chatgpt-image-latest\",\n",
            "    \"chatgpt-image-latest\",\n    \"gpt-image-9\",\n",
        ),
    )
    .expect("write");
    // the node SDK must agree, or the sync refuses
    let err = sync::generate_text(&dir).expect_err("python and node disagree");
    assert!(err.to_string().contains("images.d.ts"), "{err}");
    let node = dir.join("data/sdk/openai-node-7.57.0/images.d.ts");
    let text = std::fs::read_to_string(&node).expect("read");
    std::fs::write(
        &node,
        text.replace(
            "'chatgpt-image-latest' |",
            "'chatgpt-image-latest' | 'gpt-image-9' |",
        ),
    )
    .expect("write");
    let generated = sync::generate_text(&dir).expect("sync");
    let committed = std::fs::read_to_string(root().join(sync::GENERATED_FILE)).expect("read");
    assert_ne!(
        generated, committed,
        "a new model id must change the generated facts"
    );
    let v: Value = serde_json::from_str(&generated).expect("json");
    assert!(v["openai"]["models"]["gpt-image-9"].is_object());

    // a statement the extractor relies on disappears: a clear error naming it, no guess
    let params = dir.join("data/sdk/openai-python-3.57.0/image_generate_params.py");
    let text = std::fs::read_to_string(&params).expect("read");
    std::fs::write(
        &params,
        text.replace("Accepts integers from 2 through 16.", "Accepts a few."),
    )
    .expect("write");
    let err = sync::generate_text(&dir).expect_err("statement gone");
    assert!(err.to_string().contains("frame_count"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sync_models_check_reports_staleness() {
    let dir = scratch("check");
    std::fs::create_dir_all(dir.join("data")).expect("mkdir");
    assert_eq!(
        crate::sync_models(&dir, true),
        1,
        "no generated file yet: stale"
    );
    assert_eq!(crate::sync_models(&dir, false), 0);
    assert_eq!(crate::sync_models(&dir, true), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_command_line_reads_the_task_and_its_options() {
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        crate::parse(&args(&["sync-models"])),
        Ok(crate::Task::SyncModels {
            check: false,
            root: None
        })
    );
    assert_eq!(
        crate::parse(&args(&["sync-models", "--check", "--root", "x"])),
        Ok(crate::Task::SyncModels {
            check: true,
            root: Some(PathBuf::from("x"))
        })
    );
    assert_eq!(crate::parse(&args(&[])), Ok(crate::Task::Help));
    assert!(crate::parse(&args(&["sync-models", "--root"])).is_err());
    assert_eq!(
        crate::parse(&args(&["json-floor", "in", "out"])),
        Ok(crate::Task::JsonFloor {
            input: PathBuf::from("in"),
            output: PathBuf::from("out")
        })
    );
    assert!(crate::parse(&args(&["json-floor", "in"])).is_err());
    assert!(crate::parse(&args(&["json-floor", "in", "out", "more"])).is_err());
    assert!(crate::parse(&args(&["sync-modles"])).is_err());
}

#[test]
fn the_root_is_found_from_a_subfolder() {
    let root = root();
    assert!(root.join("data/sdk").is_dir());
    assert_eq!(
        crate::find_root(&root.join("xtask/src")),
        Some(root.clone())
    );
    // fuzz/ is a workspace of its own: never taken for the repository root
    assert_eq!(crate::find_root(&root.join("fuzz")), Some(root));
}

#[test]
fn json_floor_rewrites_every_json_line_and_skips_the_rest() {
    let dir = scratch("json-floor");
    let input = dir.join("in.jsonl");
    let output = dir.join("out.jsonl");
    std::fs::write(
        &input,
        "{\"b\": 1,  \"a\": [1, 2]}\nnot json\n{\"c\": \"\\u00e9\"}\n",
    )
    .expect("write");
    assert_eq!(crate::json_floor(&input, &output), 0);
    assert_eq!(
        std::fs::read_to_string(&output).expect("read"),
        "{\"b\":1,\"a\":[1,2]}\n{\"c\":\"é\"}\n"
    );
    assert_eq!(crate::json_floor(&dir.join("missing"), &output), 2);
}
