//! One HTTP call to a provider, retried: its 200 answer streamed into a file (never held whole
//! in memory), 429, 5xx, transport errors and cut or timed-out bodies retried with exponential
//! backoff (or `Retry-After`), redirects refused, the key redacted from every message.
use std::path::{Path, PathBuf};

use super::Settings;
use crate::diagnostic::{Code, Diagnostic};

/// A request to make.
#[derive(Debug, Clone)]
pub struct Call {
    /// `POST` (with a body) or `GET`.
    pub post: bool,
    /// The full URL.
    pub url: String,
    /// Headers besides the key's.
    pub headers: Vec<(String, String)>,
    /// The body of a POST.
    pub body: Vec<u8>,
    /// Send the key (never to a host other than the provider's: a download URL is not).
    pub with_key: bool,
}

impl Call {
    /// A JSON POST.
    pub fn json(url: &str, body: &serde_json::Value) -> Call {
        Call {
            post: true,
            url: url.to_string(),
            headers: vec![(
                String::from("Content-Type"),
                String::from("application/json"),
            )],
            body: serde_json::to_vec(body).unwrap_or_default(),
            with_key: true,
        }
    }
    /// A GET.
    pub fn get(url: &str, with_key: bool) -> Call {
        Call {
            post: false,
            url: url.to_string(),
            headers: vec![(String::from("accept"), String::from("*/*"))],
            body: Vec::new(),
            with_key,
        }
    }
    fn method(&self) -> &'static str {
        if self.post { "POST" } else { "GET" }
    }
}

/// The headers of the answer that the sidecar keeps (Stability's `finish-reason` and `seed`, the
/// content type).
pub type Kept = Vec<(String, String)>;

const KEPT: [&str; 3] = ["content-type", "finish-reason", "seed"];

/// One failed attempt: what to say, whether to try again, and the server's `Retry-After`.
struct Failed {
    code: Code,
    message: String,
    retry: bool,
    wait: Option<std::time::Duration>,
}

/// Makes the call and streams its 200 answer into `dest`: (retries it took, kept headers).
pub fn send(call: &Call, settings: &Settings, dest: &Path) -> Result<(u32, Kept), Diagnostic> {
    let agent = crate::app::http::agent(settings.timeout);
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let mut attempt = 0;
    loop {
        let failed = match attempt_once(&agent, call, settings, &part) {
            Ok(kept) => {
                std::fs::rename(&part, dest).map_err(|e| super::io(dest, &e))?;
                return Ok((attempt, kept));
            }
            Err(f) => f,
        };
        if failed.retry && attempt < settings.max_retries {
            attempt += 1;
            std::thread::sleep(crate::app::http::backoff(
                attempt,
                failed.wait,
                settings.max_wait,
            ));
            continue;
        }
        let message = crate::app::http::redact(&failed.message, &settings.api_key);
        let d = Diagnostic::error(failed.code, message)
            .with_note(format!("after {} attempt(s)", attempt + 1));
        return Err(if failed.code == Code::RequestFailed {
            d.with_help(format!("check {} and the network", settings.base_env))
        } else {
            d
        });
    }
}

fn attempt_once(
    agent: &ureq::Agent,
    call: &Call,
    settings: &Settings,
    part: &Path,
) -> Result<Kept, Failed> {
    let key = format!("{}{}", settings.auth_prefix, settings.api_key);
    let method = call.method();
    let url = &call.url;
    let result = if call.post {
        let mut req = agent.post(url);
        for (k, v) in &call.headers {
            req = req.header(k, v);
        }
        if call.with_key {
            req = req.header(&settings.auth_header, &key);
        }
        req.send(&call.body[..])
    } else {
        let mut req = agent.get(url);
        for (k, v) in &call.headers {
            req = req.header(k, v);
        }
        if call.with_key {
            req = req.header(&settings.auth_header, &key);
        }
        req.call()
    };
    let mut resp = result.map_err(|e| Failed {
        code: Code::RequestFailed,
        message: format!("{method} {url}: {e}"),
        retry: true,
        wait: None,
    })?;
    let status = resp.status().as_u16();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let wait = crate::app::http::retry_after(header("retry-after").as_deref(), settings.max_wait);
    if status == 200 {
        let kept: Kept = KEPT
            .iter()
            .filter_map(|k| header(k).map(|v| (k.to_string(), v)))
            .collect();
        return crate::app::http::body_to_file(
            resp.body_mut(),
            part,
            crate::app::http::MAX_RESPONSE_BYTES,
        )
        .map(|_| kept)
        .map_err(|e| Failed {
            code: Code::BadResponse,
            message: format!("{method} {url}: {e}"),
            retry: e.retryable(),
            wait: None,
        });
    }
    if (300..400).contains(&status) {
        let to = header("location").unwrap_or_else(|| String::from("?"));
        return Err(Failed {
            code: Code::ApiError,
            message: format!(
                "the API answered {status}, a redirect to {to}: API calls never follow redirects (check {})",
                settings.base_env
            ),
            retry: false,
            wait: None,
        });
    }
    let message = crate::app::http::error_text(resp.body_mut());
    Err(Failed {
        code: Code::ApiError,
        message: format!("the API answered {status}: {message}"),
        retry: status == 429 || status >= 500,
        wait,
    })
}
