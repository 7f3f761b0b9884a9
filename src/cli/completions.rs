//! `imgprompt completions SHELL`: the shell completion script, on standard output.
use super::output::write_stdout;
use super::{Cli, Failure};

/// The shells completions are written for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Runs `imgprompt completions`.
pub(super) fn run(_cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    use clap::CommandFactory;
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
        Shell::Elvish => clap_complete::Shell::Elvish,
    };
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "imgprompt", &mut out);
    write_stdout(&String::from_utf8_lossy(&out))?;
    Ok(0)
}
