//! `imgprompt render`: Render a brief: the request payload (default), the prompt, or a report.
use std::io::Write;
use std::path::PathBuf;

use super::output::{write_atomic, write_stdout};
use super::{Cli, Failure, InputFormat, batch_api_target, engine};
use crate::brief::source::SourceFile;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::emit::{Emit, emit};

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Brief file (JSON or YAML), or `-` for standard input.
    pub brief: PathBuf,
    /// More briefs: refused with a pointer to `batch`, which renders many.
    #[arg(hide = true)]
    pub more: Vec<PathBuf>,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Emit::Payload)]
    pub emit: Emit,
    /// The API to build the request for.
    #[arg(long, default_value = "openai", value_parser = super::target_names())]
    pub target: String,
    /// Force the input format instead of detecting it from the extension.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Write to a file (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `imgprompt render`.
pub(super) fn run(cli: &Cli, args: &Args, color: bool) -> Result<u8, Failure> {
    let Args {
        brief,
        emit: form,
        target,
        input_format,
        output,
        more,
    } = args;
    if !more.is_empty() {
        return Err(Failure::of(several(1 + more.len())));
    }

    let engine = engine(cli)?;
    let target = crate::targets::by_name(target).map_err(Failure::usage)?;
    if *form == Emit::OpenaiBatch {
        batch_api_target(target.as_ref())?;
    }
    let source = SourceFile::read(brief, input_format.map(Into::into)).map_err(Failure::of)?;
    let value = source
        .parse_brief()
        .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
    // the brief is kept for the other families only when the report shows them
    let kept = (*form == Emit::Report).then(|| value.clone());
    let rendering = engine
        .render_value(value, Some(&source), target.as_ref())
        .map_err(Failure::invalid)?;
    let mut text = emit(&rendering, *form).map_err(Failure::of)?;
    if let Some(value) = kept {
        // what every model family would receive for the same brief
        let prompts = engine.every_family_sent(&rendering, value, Some(&source));
        text.push_str(&crate::emit::family_section(
            &rendering,
            &prompts,
            engine.family_book(),
        ));
    }
    if *form != Emit::Report && !rendering.warnings.is_empty() {
        let _ = std::io::stderr().write_all(
            Diagnostics(rendering.warnings.clone())
                .render(color)
                .as_bytes(),
        );
    }
    match output {
        Some(path) => write_atomic(path, text.as_bytes()).map_err(|e| {
            Failure::of(Diagnostic::error(
                Code::Io,
                format!("cannot write `{}`: {e}", path.display()),
            ))
        })?,
        None => write_stdout(&text)?,
    }
    Ok(0)
}

/// `render a.yaml b.yaml`: one brief per run; `batch` renders many, one record per brief.
fn several(n: usize) -> Diagnostic {
    Diagnostic::error(
        Code::Usage,
        format!("`render` takes one brief, and {n} were given"),
    )
    .with_help(
        "render many with `imgprompt batch DIR` (a folder of briefs, one JSON record per brief; \
         `--emit prompt` or `--emit payload` for those alone), or check them with \
         `imgprompt validate FILE...`",
    )
}
