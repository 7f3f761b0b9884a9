//! The connection layer of `imgprompt serve`: an accept loop that drives hyper's HTTP/1
//! connections itself, because `axum::serve` sets no timer, so no time limit on reading a request's
//! head, and has no cap on open connections. Here:
//!
//! * reading a request's head (and waiting for the next one on a kept-alive connection) has a
//!   time limit (`header_read_timeout`, `--read-timeout`): a connection that sends nothing, or
//!   half a head, is closed after it;
//! * at most `--max-connections` connections are open at once: the loop accepts the next one only
//!   when a slot is free (the others wait in the kernel's queue), so the server never runs out of
//!   file descriptors and `/api/health` answers once a slot frees;
//! * shutting down (Ctrl-C, SIGTERM) stops accepting, closes idle connections, lets the requests
//!   in flight finish for up to [`SHUTDOWN_GRACE`], then returns anyway.
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// How long shutting down waits for the requests in flight.
pub(super) const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How long shutting down then waits for work still running on the blocking threads (it is left
/// behind when the process exits).
pub(super) const BLOCKING_GRACE: Duration = Duration::from_secs(1);

/// How long the loop pauses after an accept error that is not about one connection (`EMFILE`).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(250);

/// The connection limits.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// The longest reading a request's head may take.
    pub read_timeout: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then shuts down gracefully (bounded).
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    // dropped to tell every connection to finish its request in flight and close
    let (stop_tx, stop_rx) = watch::channel(());
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.read_timeout);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    say(&format!("cannot accept a connection ({e}); retrying"));
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app.clone()));
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => return,
                _ = stop.changed() => {}
            }
            // idle: closed now; mid-request: closed once the answer is written
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }
    drop(listener);
    drop(stop_tx);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(SHUTDOWN_GRACE, slots.acquire_many(all))
        .await
        .is_err()
    {
        say(&format!(
            "requests still running after {} s; stopping anyway",
            SHUTDOWN_GRACE.as_secs()
        ));
    }
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. A signal that cannot be listened to is never waited
/// for (rather than taken as a request to stop).
pub(super) async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// A line on standard error that never panics (`eprintln!` does when stderr is a closed pipe,
/// as when whoever started the server has stopped reading it).
fn say(message: &str) {
    use std::io::Write as _;
    let _ = writeln!(io::stderr(), "imgprompt serve: {message}");
}

/// Errors about one connection (it went away before it was accepted): accept the next.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
