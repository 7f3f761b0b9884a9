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
    cmd.current_dir(root())
        .env("IMGPROMPT_TODAY", TODAY)
        .env("NO_COLOR", "1")
        .env_remove("IMGPROMPT_PRESETS")
        .env_remove("IMGPROMPT_MODELS");
    cmd
}

/// An engine over the built-in presets, on [`TODAY`].
pub fn engine() -> imgprompt::Engine {
    imgprompt::Engine::new()
        .expect("built-in presets load")
        .today(imgprompt::date::Date::parse(TODAY).expect("date"))
}
