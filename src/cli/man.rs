//! `imgprompt man [--dir DIR]`: the man page (roff), on standard output or as one file per
//! command in a folder (`imgprompt.1`, `imgprompt-render.1`, …).
use std::path::PathBuf;

use super::output::{io_failure, write_stdout};
use super::{Cli, Failure};

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Write `imgprompt.1` and one page per command into this folder instead of printing the
    /// main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Runs `imgprompt man`.
pub(super) fn run(_cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    use clap::CommandFactory;
    let cmd = Cli::command();
    match &args.dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map_err(|e| io_failure("cannot render the man page", &e))?;
            write_stdout(&String::from_utf8_lossy(&out))?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| io_failure(&format!("cannot create `{}`", dir.display()), &e))?;
            clap_mangen::generate_to(cmd, dir)
                .map_err(|e| io_failure(&format!("cannot write into `{}`", dir.display()), &e))?;
            eprintln!("wrote the man pages into {}", dir.display());
        }
    }
    Ok(0)
}
