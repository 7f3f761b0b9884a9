//! `imgprompt test`: Snapshot-test prompts and payloads: each preset's fixtures (or any folder of briefs) against the `.snap` files beside them. Exit 1 on any mismatch.
use std::path::PathBuf;

use super::output::{io_failure, write_stdout};
use super::{Cli, Failure, color_stdout, engine};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Preset folders, folders of presets, or folders of briefs (default: ./presets).
    pub dirs: Vec<PathBuf>,
    /// Write new and changed snapshots instead of failing.
    #[arg(long)]
    pub accept: bool,
    /// The API the payloads are built for.
    #[arg(long, default_value = "openai", value_parser = super::target_names())]
    pub target: String,
    /// A report per fixture as text, or as JUnit XML for CI test dashboards (a pending snapshot
    /// is a skipped case, a failure under CI).
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
}

/// The forms of the `test` report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum TestFormat {
    /// One line per fixture, diffs and diagnostics under it, a summary line.
    Human,
    /// JUnit XML: one test case per fixture.
    Junit,
}

/// Runs `imgprompt test`.
pub(super) fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let Args {
        dirs,
        accept,
        target,
        format,
    } = args;

    let dirs = if dirs.is_empty() {
        if !std::path::Path::new("presets").is_dir() {
            return Err(Failure::of(
                Diagnostic::error(Code::Usage, "no folder given and no ./presets folder")
                    .with_help("run `imgprompt test DIR`, e.g. `imgprompt test templates`"),
            ));
        }
        vec![PathBuf::from("presets")]
    } else {
        dirs.clone()
    };
    let engine = engine(cli)?;
    let target = crate::targets::by_name(target).map_err(Failure::usage)?;
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    let (mut passed, mut failed, mut pending) = (0, 0, 0);
    let mut text = String::new();
    let mut fixtures = 0;
    let mut cases = Vec::new();
    for dir in &dirs {
        if !dir.exists() {
            return Err(Failure::of(crate::brief::source::io_error(
                &dir.display().to_string(),
                &std::io::Error::from(std::io::ErrorKind::NotFound),
            )));
        }
        let found = crate::lint::fixtures::discover(dir)
            .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
        for (fixture, snap) in found {
            fixtures += 1;
            let outcome =
                crate::lint::fixtures::run_one(&engine, target.as_ref(), &fixture, &snap, *accept)
                    .map_err(|e| {
                        io_failure(
                            &format!("cannot write the snapshot of `{}`", fixture.display()),
                            &e,
                        )
                    })?;
            let color = color_stdout(cli.color);
            cases.push(case(&outcome, &fixture, ci));
            match report(&outcome, &fixture, &snap, ci, color, &mut text) {
                Tally::Passed => passed += 1,
                Tally::Failed => failed += 1,
                Tally::Pending => pending += 1,
            }
        }
    }
    if fixtures == 0 {
        text.push_str("no fixtures found\n");
    }
    if pending > 0 {
        text.push_str(&format!(
            "{} pending\n",
            crate::emit::plural(pending, "new snapshot")
        ));
    }
    text.push_str(&format!("{passed} passed, {failed} failed\n"));
    if *format == TestFormat::Junit {
        text = crate::emit::junit::junit("imgprompt test", &cases);
    }
    write_stdout(&text)?;
    Ok(if failed > 0 || (pending > 0 && ci) {
        1
    } else {
        0
    })
}

/// One fixture as a JUnit case: its folder the class, its file the name.
fn case(
    outcome: &crate::lint::fixtures::Outcome,
    fixture: &std::path::Path,
    ci: bool,
) -> crate::emit::junit::Case {
    use crate::emit::junit::{Case, Verdict};
    use crate::lint::fixtures::Outcome;
    let verdict = match outcome {
        Outcome::Passed | Outcome::Accepted => Verdict::Passed,
        Outcome::New if ci => Verdict::failed(
            "snapshot",
            "no snapshot (CI: new snapshots are not accepted)",
            "run `imgprompt test --accept` and commit the snapshot",
        ),
        Outcome::New => Verdict::Skipped(String::from(
            "no snapshot yet: a pending one was written (accept with --accept)",
        )),
        Outcome::Changed(diff) => Verdict::failed("snapshot", "differs from its snapshot", diff),
        Outcome::Assertion(msgs) => {
            Verdict::failed("assertion", "assertions failed", &msgs.join("\n"))
        }
        Outcome::Invalid(d) => Verdict::failed("invalid", "does not render", &d.render(false)),
    };
    let folder = fixture.parent().map(|p| p.display().to_string());
    let name = fixture.file_name().map_or_else(
        || fixture.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Case::new(folder.unwrap_or_default(), name, verdict)
}

/// How one fixture counts.
enum Tally {
    Passed,
    Failed,
    Pending,
}

/// One fixture's line (and diff or diagnostics) in the report.
fn report(
    outcome: &crate::lint::fixtures::Outcome,
    fixture: &std::path::Path,
    snap: &std::path::Path,
    ci: bool,
    color: bool,
    text: &mut String,
) -> Tally {
    use crate::lint::fixtures::Outcome;
    let name = fixture.display();
    let pending_file = snap.with_extension("snap.new");
    match outcome {
        Outcome::Passed => {
            text.push_str(&format!("ok       {name}\n"));
            Tally::Passed
        }
        Outcome::Accepted => {
            text.push_str(&format!("accepted {name} -> {}\n", snap.display()));
            Tally::Passed
        }
        Outcome::New if ci => {
            text.push_str(&format!("FAILED   {name}: no snapshot (CI: new snapshots are not accepted; pending file {})\n", pending_file.display()));
            Tally::Failed
        }
        Outcome::New => {
            text.push_str(&format!(
                "new      {name}: pending snapshot written to {} (accept with --accept)\n",
                pending_file.display()
            ));
            Tally::Pending
        }
        Outcome::Changed(diff) => {
            text.push_str(&format!(
                "FAILED   {name}: differs from {}\n{diff}",
                snap.display()
            ));
            text.push_str(&format!(
                "         (new version in {}; accept with --accept)\n",
                pending_file.display()
            ));
            Tally::Failed
        }
        Outcome::Assertion(msgs) => {
            text.push_str(&format!("FAILED   {name}: assertions\n"));
            for m in msgs {
                text.push_str(&format!("         - {m}\n"));
            }
            Tally::Failed
        }
        Outcome::Invalid(d) => {
            text.push_str(&format!(
                "FAILED   {name}: does not render\n{}",
                d.render(color)
            ));
            Tally::Failed
        }
    }
}
