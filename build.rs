//! Embeds every file under `templates/` into the binary, so built-in presets work from any directory.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            // fixtures and their snapshots are for `imgprompt test`, not for the binary
            if name != "fixtures" && !name.starts_with('.') {
                collect(&path, out);
            }
        } else if !name.ends_with(".snap") && !name.ends_with(".snap.new") {
            out.push(path);
        }
    }
}

/// Tests that need a real client (the official SDKs, Chromium) are marked ignored, with the reason,
/// when it is missing — so `cargo test` reports them as ignored, never as `ok` — except in CI
/// (`CI=true`), where they run and fail loudly if it is missing.
fn real_clients(root: &Path) {
    println!("cargo::rustc-check-cfg=cfg(imgprompt_no_sdks)");
    println!("cargo::rustc-check-cfg=cfg(imgprompt_no_browser)");
    println!("cargo:rerun-if-env-changed=CI");
    let python = root.join("tests/sdk/.venv/bin/python");
    let node = root.join("tests/sdk/node_modules/openai/package.json");
    let driver = root.join("tests/sdk/node_modules/playwright-core/package.json");
    let chromium = Path::new("/usr/bin/chromium");
    // the folder (it changes when the SDKs are installed); Chromium only when it is there (a
    // missing path would re-run this script on every build)
    println!("cargo:rerun-if-changed=tests/sdk");
    if chromium.is_file() {
        println!("cargo:rerun-if-changed={}", chromium.display());
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        return;
    }
    if !(python.is_file() && node.is_file()) {
        println!("cargo:rustc-cfg=imgprompt_no_sdks");
    }
    if !(chromium.is_file() && driver.is_file()) {
        println!("cargo:rustc-cfg=imgprompt_no_browser");
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    real_clients(&root);
    let templates = root.join("templates");
    println!("cargo:rerun-if-changed=templates");
    let mut files = Vec::new();
    collect(&templates, &mut files);
    let mut code = String::from(
        "/// Every file under `templates/`, as (relative path, contents).\npub static EMBEDDED_TEMPLATES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file.strip_prefix(&templates).expect("under templates");
        let rel = rel.to_string_lossy().replace('\\', "/");
        writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .expect("write");
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("embedded.rs");
    std::fs::write(out, code).expect("write embedded.rs");
}
