//! The single integration-test binary. Each area of the tool has one module; fixtures live under
//! `tests/inputs/<area>/`, snapshots under `tests/it/snapshots/`.
//!
//! Snapshots are never updated in CI (`CI=true`): a mismatch fails. Review changes locally with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test` then `git diff`).

#![allow(unreachable_pub)] // the helper modules are shared by the test modules of one binary

mod authoring;
mod batch;
mod batch_bytes;
mod cli;
mod codes;
mod common;
mod components;
mod corpus;
mod errors;
mod exact_text;
mod families;
mod fidelity;
mod flags;
mod frictions;
mod generate;
mod generate_faults;
mod generate_providers;
mod handoff;
mod layout;
mod lint;
mod mock;
mod preset_files;
mod props;
mod prose;
mod providers;
mod render;
mod schemas;
mod sdk;
mod serve;
mod styles;
mod tables;
mod targets;
mod templates;
mod verify;
