//! The architecture, checked: the engine library builds without the applications' crates, and
//! the top-level modules of `src/` form no circle (each step of the pipeline uses only the steps
//! below it).
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;

/// Crates only the applications (`serve`, `generate`, the CLI) may pull in.
const APP_CRATES: &[&str] = &[
    "axum",
    "tokio",
    "hyper",
    "hyper-util",
    "ureq",
    "rustls",
    "ring",
    "clap",
    "clap_complete",
    "clap_mangen",
    "indicatif",
    "mimalloc",
];

/// The crates in `cargo tree` of the library with the given feature arguments.
fn library_tree(features: &[&str]) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| String::from("cargo"));
    let out = Command::new(cargo)
        .current_dir(common::root())
        .args([
            "tree",
            "--locked",
            "-p",
            "imgprompt",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(features)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn the_engine_builds_without_the_applications_crates() {
    let engine = library_tree(&["--no-default-features"]);
    let leaked: Vec<&&str> = APP_CRATES.iter().filter(|c| engine.contains(**c)).collect();
    assert!(
        leaked.is_empty(),
        "with default features off the library depends on {leaked:?}: keep them behind the `run`, `serve` or `cli` feature"
    );
    assert!(engine.contains("tera") && engine.contains("jsonschema"));
    // and the check can fail: the default features do pull them in
    let app = library_tree(&[]);
    for c in ["axum", "tokio", "ureq", "clap", "indicatif", "mimalloc"] {
        assert!(app.contains(c), "the cli feature should bring {c}");
    }
}

/// The `.rs` files of a top-level module: `src/NAME.rs` and everything under `src/NAME/`.
fn module_files(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("src") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                for e in std::fs::read_dir(&dir).expect("dir") {
                    let p = e.expect("entry").path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "rs") {
                        modules.entry(name.clone()).or_default().push(p);
                    }
                }
            }
        } else if path.extension().is_some_and(|x| x == "rs") && name != "lib" && name != "main" {
            modules.entry(name).or_default().push(path);
        }
    }
    modules.retain(|name, _| name != "test_support");
    modules
}

/// The modules a file names as `crate::NAME`, leaving out comments and its unit tests.
fn references(text: &str, modules: &BTreeMap<String, Vec<PathBuf>>) -> BTreeSet<String> {
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text);
    let word = regex::Regex::new(r"crate::(\w+)|crate::\{([^}]*)\}").expect("regex");
    let mut found = BTreeSet::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for c in word.captures_iter(line) {
            let names = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
            for n in names
                .split([',', ' ', ':'])
                .filter(|n| modules.contains_key(*n))
            {
                found.insert(n.to_string());
            }
        }
    }
    found
}

/// A circle through `from`, if one exists (depth-first search).
fn circle(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        goal: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(at).into_iter().flatten() {
            if next == goal {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, next, goal, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![from.to_string()];
    walk(graph, from, from, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn the_modules_form_no_circle() {
    let modules = module_files(&common::root().join("src"));
    assert!(modules.contains_key("engine") && modules.contains_key("targets"));
    let graph: BTreeMap<String, BTreeSet<String>> = modules
        .iter()
        .map(|(name, files)| {
            let mut uses = BTreeSet::new();
            for f in files {
                uses.extend(references(
                    &std::fs::read_to_string(f).expect("read"),
                    &modules,
                ));
            }
            uses.remove(name);
            (name.clone(), uses)
        })
        .collect();
    for name in graph.keys() {
        if let Some(path) = circle(&graph, name) {
            panic!("module circle: {} → {name}", path.join(" → "));
        }
    }
    // the checker sees a circle when there is one
    let mut broken = graph.clone();
    broken
        .entry("targets".into())
        .or_default()
        .insert("engine".into());
    assert!(circle(&broken, "targets").is_some());
}

/// `cargo package --list` lists only the project's own files: the anchored `include` patterns
/// keep out `tests/sdk/.venv`, `node_modules` and everything else under `tests/` (an unanchored
/// `LICENSE` once matched 41 files there), and the LICENSE and CHANGELOG are in.
#[test]
fn the_package_lists_only_the_projects_files() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| String::from("cargo"));
    let out = Command::new(cargo)
        .current_dir(common::root())
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--locked",
            "-p",
            "imgprompt",
        ])
        .output()
        .expect("cargo package runs");
    assert!(
        out.status.success(),
        "cargo package --list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let root_files = [
        ".cargo_vcs_info.json",
        "CHANGELOG.md",
        "Cargo.lock",
        "Cargo.toml",
        "Cargo.toml.orig",
        "LICENSE",
        "README.md",
    ];
    let stray: Vec<&String> = files
        .iter()
        .filter(|f| {
            !root_files.contains(&f.as_str())
                && !["src/", "templates/", "schemas/", "data/", "examples/"]
                    .iter()
                    .any(|d| f.starts_with(d))
        })
        .collect();
    assert!(
        stray.is_empty(),
        "files that are not the project's: {stray:?}"
    );
    for must in [
        "LICENSE",
        "CHANGELOG.md",
        "README.md",
        "src/lib.rs",
        "data/models.json",
    ] {
        assert!(files.iter().any(|f| f == must), "{must} is not packaged");
    }
}
