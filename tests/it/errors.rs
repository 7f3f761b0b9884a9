//! One fixture per kind of error under `tests/inputs/errors/`: each is rejected, and the message
//! (file:line:col, caret, expected, fix) is snapshotted.
use imgprompt::SourceFile;
use imgprompt::targets::OpenAi;

use crate::common;

#[test]
fn invalid_briefs_are_rejected_with_clear_messages() {
    let engine = common::engine();
    insta::glob!("../inputs/errors", "*.*", |path| {
        let text = std::fs::read_to_string(path).expect("fixture");
        let name = path
            .strip_prefix(common::root())
            .unwrap_or(path)
            .display()
            .to_string();
        let source = SourceFile::new(name.clone(), text, imgprompt::Format::from_path(path));
        let diagnostics = match engine.render(&source, &OpenAi) {
            Ok(r) => panic!("{name} should be rejected, got:\n{}", r.prompt),
            Err(d) => d,
        };
        assert!(diagnostics.has_errors());
        insta::assert_snapshot!(diagnostics.render(false));
    });
}
