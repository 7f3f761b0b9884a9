//! `imgprompt serve`: the playground page and the JSON API ([`crate::app::serve`]).
use super::output::io_failure;
use super::{Cli, Failure, engine};

#[derive(Debug, clap::Args)]
pub(super) struct Args {
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
    /// The largest request body, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = crate::app::serve::MAX_BODY,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1024..=(64 << 20)))]
    pub max_body: usize,
    /// Let pages from this origin call the API from a browser (repeatable; `*` for any). Off by
    /// default.
    #[arg(long, value_name = "ORIGIN")]
    pub cors: Vec<String>,
    /// Requests worked on at once (parsing, rendering, expanding; default: twice the cores, at
    /// least 4).
    #[arg(long, value_name = "N",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1024))]
    pub jobs: Option<usize>,
    /// Requests that may wait for one of those; past them the answer is 503 with `Retry-After`.
    #[arg(long, value_name = "N", default_value_t = crate::app::serve::QUEUE,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=10_000))]
    pub queue: usize,
    /// The longest a request's work may take, in seconds (then 503, and the work is stopped).
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// The longest reading a request's headers, or its body, may take, in seconds (then the
    /// connection is closed, or the answer is 408).
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub read_timeout: u64,
    /// Connections open at once; further ones wait until one closes.
    #[arg(long, value_name = "N", default_value_t = crate::app::serve::MAX_CONNECTIONS,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub max_connections: usize,
}

/// Runs `imgprompt serve`.
pub(super) fn run(cli: &Cli, args: &Args, _color: bool) -> Result<u8, Failure> {
    let engine = engine(cli)?;
    let open = args.open;
    let loopback = matches!(args.host.as_str(), "127.0.0.1" | "localhost" | "::1");
    if !loopback {
        eprintln!(
            "warning: listening on {} makes the API reachable from other machines; it has no authentication",
            args.host
        );
    }
    crate::app::serve::serve(
        engine,
        &args.host,
        args.port,
        crate::app::serve::Options {
            allow_hosts: args.allow_host.clone(),
            max_body: args.max_body,
            cors: args.cors.clone(),
            jobs: args.jobs.unwrap_or_else(crate::app::serve::default_jobs),
            queue: args.queue,
            timeout: std::time::Duration::from_secs(args.timeout),
            read_timeout: std::time::Duration::from_secs(args.read_timeout),
            max_connections: args.max_connections,
            max_response: crate::app::serve::MAX_RESPONSE,
        },
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
