//! `imgprompt serve`: the playground page and the JSON API ([`crate::serve`]).
use super::*;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 7878)]
    pub port: u16,
    /// The address to listen on (127.0.0.1: this machine only).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Open the playground in the browser.
    #[arg(long)]
    pub open: bool,
    /// Also answer requests naming this host (repeatable); loopback names always work.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
}

/// Runs `imgprompt serve`.
pub fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let engine = engine(cli)?;
    let open = args.open;
    let loopback = matches!(args.host.as_str(), "127.0.0.1" | "localhost" | "::1");
    if !loopback {
        eprintln!(
            "warning: listening on {} makes the API reachable from other machines; it has no authentication",
            args.host
        );
    }
    crate::serve::serve(
        engine,
        &args.host,
        args.port,
        args.allow_host.clone(),
        |addr| {
            let url = format!("http://{addr}/");
            eprintln!("imgprompt serve: {url} (API under {url}api/, Ctrl-C to stop)");
            if open {
                let opener = if cfg!(target_os = "macos") {
                    "open"
                } else {
                    "xdg-open"
                };
                if std::process::Command::new(opener)
                    .arg(&url)
                    .spawn()
                    .is_err()
                {
                    eprintln!("could not open a browser: visit {url}");
                }
            }
        },
    )
    .map_err(|e| io_failure(&format!("cannot serve on {}:{}", args.host, args.port), &e))?;
    Ok(0)
}
