//! Helpers shared by the test modules.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The date every test runs on, so lifecycle warnings are reproducible.
pub const TODAY: &str = "2026-11-24";

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real `imgprompt` binary, run from the project root with a fixed date.
pub fn cli() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_imgprompt"));
    // a cleared environment: a developer's IMGPROMPT_STRICT, OPENAI_BASE_URL or key never
    // changes a result; what programs need to run (PATH, HOME, locale, the toolchain's own) stays.
    // Removed one by one rather than cleared, so snapshots record only what a test sets.
    cmd.current_dir(root());
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        let keep = ["PATH", "HOME", "TMPDIR", "USER", "LANG", "TERM"].contains(&&*name)
            || name.starts_with("LC_")
            || name.starts_with("CARGO")
            || name.starts_with("RUST")
            || name.starts_with("LLVM_");
        if !keep {
            cmd.env_remove(&key);
        }
    }
    cmd.env("IMGPROMPT_TODAY", TODAY).env("NO_COLOR", "1");
    cmd
}

/// An engine over the built-in presets, on [`TODAY`].
pub fn engine() -> imgprompt::Engine {
    imgprompt::Engine::new()
        .expect("built-in presets load")
        .today(imgprompt::validate::date::Date::parse(TODAY).expect("date"))
}

/// Runs `cmd`, asserts it exits 0 (showing its stderr when not), and returns its output.
#[track_caller]
pub fn succeeds(cmd: &mut Command) -> std::process::Output {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `cmd` with `input` on its standard input (closed after it) and returns its output.
pub fn with_stdin(cmd: &mut Command, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    // fed from a thread: a child that writes while it reads would otherwise fill its stdout
    // pipe while this side still writes, and both would wait for ever
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().expect("wait");
    feeder.join().expect("feeder");
    out
}
