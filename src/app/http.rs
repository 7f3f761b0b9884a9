//! HTTP for the commands that call a provider (`generate`, `batch submit|status|fetch`): one agent
//! configuration, bodies read with explicit limits (large ones streamed to disk), a cut or
//! timed-out body told apart from a bad one, `Retry-After` read safely, and the API key redacted
//! from every text that is shown.
//!
//! Limits ([`MAX_RESPONSE_BYTES`], [`MAX_ERROR_BYTES`]) are documented in the README: a real
//! gpt-image answer with `n: 10` at 4K in PNG passes 100 MB, so the cap on a successful answer is
//! 1 GiB; an error answer is read up to 1 MiB.
use std::io::{self, Read, Write};
use std::path::Path;
use std::time::Duration;

/// The largest successful response body read (1 GiB): streamed to a file, never held whole in
/// memory by the reader.
pub const MAX_RESPONSE_BYTES: u64 = 1 << 30;

/// The largest error (non-2xx) response body read into memory (1 MiB); the rest is ignored.
pub const MAX_ERROR_BYTES: u64 = 1 << 20;

/// An agent for API calls: statuses are answers (not errors), `timeout` bounds the whole call
/// (headers and body), and redirects are never followed (a POST redirected elsewhere must not be
/// taken for the generation, nor carry the key to another host).
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .build()
        .into()
}

/// Why a body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// The body was longer than the limit (bytes).
    TooLarge(u64),
    /// The call's timeout passed while the body was arriving (bytes read so far).
    TimedOut(u64),
    /// The connection closed before the body was complete (bytes read so far).
    Cut(u64),
    /// Writing the body to its file failed.
    Write(io::Error),
    /// Any other transport error.
    Other(String),
}

impl BodyError {
    /// True for the failures a retry can cure: a cut or a timed-out body.
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            BodyError::TimedOut(_) | BodyError::Cut(_) | BodyError::Other(_)
        )
    }
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge(limit) => write!(
                f,
                "the response is larger than the limit of {} MiB",
                limit >> 20
            ),
            BodyError::TimedOut(n) => write!(f, "the response timed out after {n} bytes"),
            BodyError::Cut(n) => write!(f, "the response was cut after {n} bytes"),
            BodyError::Write(e) => write!(f, "cannot save the response: {e}"),
            BodyError::Other(e) => write!(f, "the response could not be read: {e}"),
        }
    }
}

fn classify(e: &io::Error, read: u64, limit: u64) -> BodyError {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
        return match inner {
            ureq::Error::BodyExceedsLimit(_) => BodyError::TooLarge(limit),
            ureq::Error::Timeout(_) => BodyError::TimedOut(read),
            other => BodyError::Other(other.to_string()),
        };
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe => BodyError::Cut(read),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => BodyError::TimedOut(read),
        _ => BodyError::Other(e.to_string()),
    }
}

/// Copies `reader` into `out` up to `limit` bytes, counting what arrived.
fn copy_limited(reader: &mut dyn Read, out: &mut dyn Write, limit: u64) -> Result<u64, BodyError> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(classify(&e, total, limit)),
        };
        total += n as u64;
        if total > limit {
            return Err(BodyError::TooLarge(limit));
        }
        out.write_all(&buf[..n]).map_err(BodyError::Write)?;
    }
}

/// Streams a response body into the file `path` (created or truncated), up to `limit` bytes: the
/// number of bytes written. On an error the partial file is removed.
pub fn body_to_file(body: &mut ureq::Body, path: &Path, limit: u64) -> Result<u64, BodyError> {
    let mut reader = body.with_config().limit(limit).reader();
    let file = std::fs::File::create(path).map_err(BodyError::Write)?;
    let mut out = io::BufWriter::new(file);
    let result = copy_limited(&mut reader, &mut out, limit).and_then(|n| {
        out.flush().map_err(BodyError::Write)?;
        out.get_ref().sync_all().map_err(BodyError::Write)?;
        Ok(n)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// Reads a response body into memory up to `limit` bytes.
pub fn body_to_vec(body: &mut ureq::Body, limit: u64) -> Result<Vec<u8>, BodyError> {
    let mut reader = body.with_config().limit(limit).reader();
    let mut out = Vec::new();
    copy_limited(&mut reader, &mut out, limit)?;
    Ok(out)
}

/// The text of an error answer: at most [`MAX_ERROR_BYTES`], the provider's `error.message` when
/// it sends JSON, lossy UTF-8 otherwise; never fails.
pub fn error_text(body: &mut ureq::Body) -> String {
    let mut reader = body.with_config().limit(MAX_ERROR_BYTES).reader();
    let mut bytes = Vec::new();
    let _ = reader
        .by_ref()
        .take(MAX_ERROR_BYTES)
        .read_to_end(&mut bytes);
    error_message(&bytes)
}

/// The provider's `error.message` (or `message`, or `detail`) in a JSON error body, else the
/// body as (lossy) text, shortened to 2,000 characters.
pub fn error_message(bytes: &[u8]) -> String {
    let parsed = serde_json::from_slice::<serde_json::Value>(bytes).ok();
    let message = parsed.as_ref().and_then(|v| {
        v["error"]["message"]
            .as_str()
            .or(v["message"].as_str())
            .or(v["detail"].as_str())
            .or(v["error"].as_str())
            .map(str::to_string)
    });
    let text = message.unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned());
    let text = text.trim();
    match text.char_indices().nth(2000) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// `text` with every occurrence of `secret` (and of any 8-character stretch of it long enough to
/// identify it, such as a provider's "sk-abc…xyz" echo) replaced by `[REDACTED]`.
pub fn redact(text: &str, secret: &str) -> String {
    let secret = secret.trim();
    if secret.is_empty() {
        return text.to_string();
    }
    let mut out = text.replace(secret, "[REDACTED]");
    if secret.len() < 8 {
        return out;
    }
    // providers echo a key shortened ("sk-proj-ab****wxyz"): hide its first and last eight
    // bytes too
    for part in [secret.get(..8), secret.get(secret.len() - 8..)]
        .into_iter()
        .flatten()
    {
        out = out.replace(part, "[REDACTED]");
    }
    out
}

/// The shortest key redacted from a written record: a key under 8 characters is a local
/// server's placeholder (`x`, `local`), and replacing it everywhere would corrupt the record
/// (`1024x1536`) instead of hiding a secret.
pub const MIN_REDACTED_KEY: usize = 8;

/// A record (a sidecar) with the key redacted from every string value ([`redact`]); object
/// keys and the record's shape are untouched, and a key shorter than [`MIN_REDACTED_KEY`] is
/// left alone.
pub fn redact_value(v: &serde_json::Value, secret: &str) -> serde_json::Value {
    use serde_json::Value;
    if secret.trim().len() < MIN_REDACTED_KEY {
        return v.clone();
    }
    match v {
        Value::String(s) => Value::String(redact(s, secret)),
        Value::Array(a) => Value::Array(a.iter().map(|x| redact_value(x, secret)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), redact_value(x, secret)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A `Retry-After` header as a wait: delta-seconds only (a number that is finite and not
/// negative), capped at `max`; anything else (`-1`, `NaN`, `1e400`, an HTTP date) is `None`, and
/// the caller's own backoff applies.
pub fn retry_after(value: Option<&str>, max: Duration) -> Option<Duration> {
    let secs: f64 = value?.trim().parse().ok()?;
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Some(Duration::try_from_secs_f64(secs).map_or(max, |d| d.min(max)))
}

/// The wait before retry `attempt` (1, 2, …): `Retry-After` when the server gave a usable one,
/// else exponential from 500 ms with up to 25 % jitter; never more than `max`.
pub fn backoff(attempt: u32, retry_after: Option<Duration>, max: Duration) -> Duration {
    if let Some(wait) = retry_after {
        return wait.min(max);
    }
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        % 1000;
    let base = 500u64.saturating_mul(1 << attempt.min(10));
    Duration::from_millis(base + base * u64::from(jitter) / 4000).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_refuses_what_is_not_a_wait() {
        let max = Duration::from_secs(60);
        for bad in [
            "-1",
            "NaN",
            "nan",
            "inf",
            "-inf",
            "",
            "soon",
            "Wed, 21 Oct 2015",
        ] {
            assert_eq!(retry_after(Some(bad), max), None, "{bad}");
        }
        assert_eq!(retry_after(Some("1e400"), max), None);
        assert_eq!(retry_after(Some("1e300"), max), Some(max));
        assert_eq!(retry_after(Some("2"), max), Some(Duration::from_secs(2)));
        assert_eq!(
            retry_after(Some(" 0.5 "), max),
            Some(Duration::from_millis(500))
        );
        assert_eq!(retry_after(None, max), None);
        assert_eq!(
            backoff(3, None, Duration::from_millis(10)),
            Duration::from_millis(10)
        );
    }

    #[test]
    fn redact_hides_the_key_and_its_ends() {
        let key = "sk-proj-abcdefghijklmnopqrstuvwxyz";
        let said = format!("Incorrect API key provided: {key}. Or sk-proj-a****stuvwxyz");
        let shown = redact(&said, key);
        assert!(!shown.contains("abcdefghijklmnop"), "{shown}");
        assert!(!shown.contains("stuvwxyz"), "{shown}");
        assert!(shown.contains("[REDACTED]"));
        assert_eq!(redact("key sk-test here", "sk-test"), "key [REDACTED] here");
        assert_eq!(redact("nothing", ""), "nothing");
    }

    #[test]
    fn error_message_prefers_the_provider_message() {
        assert_eq!(error_message(br#"{"error":{"message":"no"}}"#), "no");
        assert_eq!(error_message(b"plain\xff text"), "plain\u{fffd} text");
    }
}
