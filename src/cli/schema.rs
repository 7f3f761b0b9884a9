//! `imgprompt schema`: Print a JSON Schema: of a brief, or of a preset's params.
use clap::Subcommand;

use super::output::write_stdout;
use super::{Cli, Failure, engine};
use crate::diagnostic::Diagnostics;

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    #[command(subcommand)]
    pub which: SchemaWhich,
}

/// Runs `imgprompt schema`.
pub(super) fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let Args { which } = args;

    let value = match which {
        SchemaWhich::Spec => crate::brief::schema(),
        SchemaWhich::Params { preset } => {
            let engine = engine(cli)?;
            let p = engine
                .catalog()
                .get(preset)
                .map_err(|d| Failure::invalid(Diagnostics(vec![d])))?;
            p.params_schema_document()
        }
    };
    let mut text = serde_json::to_string_pretty(&value).expect("schema serialises");
    text.push('\n');
    write_stdout(&text)?;
    Ok(0)
}

#[derive(Debug, Subcommand)]
pub(super) enum SchemaWhich {
    /// The brief (committed as schemas/spec.schema.json).
    Spec,
    /// The `params` of one preset.
    Params {
        /// The preset name.
        preset: String,
    },
}
