//! The README's table of diagnostic codes is [`Code::ALL`], in order: a new code, or a changed
//! meaning, severity or exit class, fails here until the table is pasted in again.
use imgprompt::Severity;
use imgprompt::diagnostic::{Code, ExitClass};

use crate::common;

/// The severity / exit class cell of a code's row.
fn class(code: Code) -> String {
    let severities = code.severities();
    let names: Vec<String> = severities.iter().map(ToString::to_string).collect();
    let exit = match code.exit_class() {
        ExitClass::Io | ExitClass::Usage => "exit 2",
        ExitClass::BrokenPipe => "quiet exit 0",
        ExitClass::Other if severities.contains(&Severity::Error) => "exit 1",
        ExitClass::Other => "exit 0 (1 with `--strict`)",
    };
    format!("{} / {exit}", names.join(" or "))
}

/// The table as the README should hold it.
fn expected_table() -> String {
    let mut table = String::from("| code | severity / exit class | meaning |\n|---|---|---|\n");
    for &code in Code::ALL {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            code.as_str(),
            class(code),
            code.summary()
        ));
    }
    table
}

/// The table under the README's "Diagnostic codes" heading: its first run of `|` lines.
fn readme_table(readme: &str) -> String {
    let section = readme
        .split_once("\n## Diagnostic codes\n")
        .map_or("", |(_, after)| after);
    let mut table = String::new();
    for line in section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
    {
        table.push_str(line);
        table.push('\n');
    }
    table
}

#[test]
fn readme_lists_every_diagnostic_code() {
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("README.md");
    let expected = expected_table();
    assert!(
        readme_table(&readme) == expected,
        "the README's \"Diagnostic codes\" table differs from Code::ALL; paste this table:\n\n{expected}"
    );
}
