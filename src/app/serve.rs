//! `imgprompt serve`: a local JSON API over the engine and a playground page, in one process.
//!
//! Every endpoint is a thin layer over the library: the same engine, diagnostics and codes as the
//! command line. Requests and responses are typed here; their JSON Schemas are committed under
//! `schemas/api/` (a test keeps them fresh). Every error is JSON (`{"error": {status, code,
//! message, diagnostics}}`), whatever produced it: 400 for a malformed request, 404 for an unknown
//! endpoint or preset, 405 for a wrong method, 408 for a body that does not arrive in time, 413
//! for one over [`MAX_BODY`], 415 for a POST that is not `application/json`, 422 for an invalid
//! brief (with the diagnostics, line and column in the submitted text) or an answer over
//! [`MAX_RESPONSE`], 500 for a bug (a panic), 503 when the server is busy or a request runs out
//! of time.
//!
//! The work of a request is bounded: parsing, rendering and expanding run on the blocking threads,
//! at most [`Options::jobs`] at once with [`Options::queue`] more waiting (past that, 503 with
//! `Retry-After`), each under [`Options::timeout`] — when it runs out the work is told to stop
//! (it checks between variants) and keeps its slot until it has. An answer is serialised into a
//! buffer that refuses to grow past [`MAX_RESPONSE`]. The connection layer (`serve/conn.rs`) adds
//! a time limit on reading a request's head, a cap on open connections and a bounded graceful
//! shutdown.
use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, watch};

use crate::brief::source::{Format, SourceFile};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::emit::handoff::HandOff;
use crate::engine::{Engine, Rendering};
use crate::targets::Target;

mod conn;

/// The longest a request's work may take by default before it is answered with 503 and told to
/// stop (`serve --timeout`; the template sandbox stops a render itself after 2 s).
pub const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(10);

/// The longest reading a request's head, or its body, may take by default (`serve
/// --read-timeout`): a connection that sends nothing is closed after it, a body that does not
/// arrive is answered 408.
pub const READ_TIME_LIMIT: Duration = Duration::from_secs(10);

/// The largest request body accepted by default (1 MiB; `serve --max-body`).
pub const MAX_BODY: usize = 1 << 20;

/// The largest answer (8 MiB of JSON): past it a request is answered 422 `response-too-large`
/// rather than built further. `/api/expand` of a large brief reaches it first.
pub const MAX_RESPONSE: usize = 8 << 20;

/// Connections open at once by default (`serve --max-connections`); further ones wait in the
/// kernel's queue until one closes.
pub const MAX_CONNECTIONS: usize = 64;

/// Requests that may wait by default for a blocking slot (`serve --queue`).
pub const QUEUE: usize = 64;

/// `/api/expand`: the most variants one answer returns.
pub const MAX_EXPAND: u64 = 100;

/// Requests run on the blocking threads at once by default (`serve --jobs`): twice the cores, at
/// least 4.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map_or(2, std::num::NonZeroUsize::get)
        .saturating_mul(2)
        .max(4)
}

/// What `serve` lets through beyond its safe defaults, and its limits.
#[derive(Debug, Clone)]
pub struct Options {
    /// Host names answered besides the loopback ones (`--allow-host`).
    pub allow_hosts: Vec<String>,
    /// The largest request body, in bytes (`--max-body`).
    pub max_body: usize,
    /// Origins whose pages may call the API from a browser (`--cors`); none by default.
    pub cors: Vec<String>,
    /// Requests run on the blocking threads at once (`--jobs`).
    pub jobs: usize,
    /// Requests that may wait for one of those slots (`--queue`); past them, 503.
    pub queue: usize,
    /// The longest a request's work may take (`--timeout`).
    pub timeout: Duration,
    /// The longest reading a request's head, or its body, may take (`--read-timeout`).
    pub read_timeout: Duration,
    /// Connections open at once (`--max-connections`).
    pub max_connections: usize,
    /// The largest answer, in bytes of JSON.
    pub max_response: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            allow_hosts: Vec::new(),
            max_body: MAX_BODY,
            cors: Vec::new(),
            jobs: default_jobs(),
            queue: QUEUE,
            timeout: REQUEST_TIME_LIMIT,
            read_timeout: READ_TIME_LIMIT,
            max_connections: MAX_CONNECTIONS,
            max_response: MAX_RESPONSE,
        }
    }
}

/// The playground page, embedded: no CDN, no build step, works offline.
pub const PAGE: &str = include_str!("serve_page.html");

/// The format of a submitted brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BriefFormat {
    /// YAML (JSON is valid YAML too).
    Yaml,
    /// JSON.
    Json,
}

/// A brief: the text of a YAML or JSON file, or a JSON object.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BriefInput {
    /// The brief as written (YAML or JSON; `format` says which).
    Text(String),
    /// The brief as a JSON object (`format` is ignored; diagnostics point into its pretty-printed JSON).
    Object(serde_json::Map<String, Value>),
}

/// `POST /api/render`, `/api/validate`, `/api/lint`, `/api/cost`, `/api/expand`: a brief as text.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BriefRequest {
    /// The brief: its text as written (YAML or JSON), or a JSON object.
    pub brief: BriefInput,
    /// Its format (default: YAML, which also reads JSON).
    #[serde(default)]
    pub format: Option<BriefFormat>,
    /// The API to build the request for (default `openai`).
    #[serde(default)]
    pub target: Option<String>,
    /// `/api/expand`: how many variants to return (default 10, at most 100).
    #[serde(default)]
    pub first: Option<u64>,
    /// `/api/render`: the costly parts of the answer to compute, by name (default: all three).
    /// The rendering itself (preset, prompt, exact texts, payload, warnings, cost, variants) is
    /// always there; a part not listed is neither computed nor sent. `[]` asks for the rendering
    /// alone, the fastest answer.
    #[serde(default)]
    pub parts: Option<Vec<Part>>,
}

/// A costly part of `/api/render`'s answer ([`BriefRequest::parts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// The lint findings on the prompt.
    Lint,
    /// The hand-off snippets (curl, Python, JavaScript).
    Snippets,
    /// What every model family is sent for the brief.
    Families,
}

/// A request as it would be sent.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PayloadOut {
    /// The target.
    pub target: String,
    /// HTTP method (`PROMPT` for Midjourney).
    pub method: String,
    /// Endpoint.
    pub url: String,
    /// The body.
    pub body: Value,
}

/// Ready-to-run requests (absent where the target has none).
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct Snippets {
    /// A shell script running curl.
    pub curl: Option<String>,
    /// A Python script.
    pub python: Option<String>,
    /// A JavaScript program (runs as CommonJS or as an ES module).
    pub js: Option<String>,
}

/// `POST /api/render`: everything about one brief.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RenderResponse {
    /// The preset used.
    pub preset: String,
    /// The prompt.
    pub prompt: String,
    /// The exact texts of the brief (to highlight them in the prompt).
    pub exact_texts: Vec<String>,
    /// The request.
    pub payload: PayloadOut,
    /// Warnings (a deprecated model, a mapped size, …).
    #[schemars(with = "Vec<Value>")]
    pub warnings: Vec<Diagnostic>,
    /// Lint findings on the prompt (absent when `parts` leaves out `lint`).
    #[schemars(with = "Vec<Value>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lint: Option<Vec<Diagnostic>>,
    /// The cost estimate.
    #[schemars(with = "Value")]
    pub cost: Option<crate::cost::Estimate>,
    /// Variants of the brief's `vary` (the first one is rendered); 1 without `vary`; null when they are too many to count (then `variants_overflow` is true).
    pub variants: Option<u64>,
    /// True when the brief's `vary` has more variants than a 64-bit count holds (over 18 quintillion).
    pub variants_overflow: bool,
    /// Hand-off snippets (absent when `parts` leaves out `snippets`).
    #[schemars(with = "Snippets")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snippets: Option<Snippets>,
    /// What every model family is sent for the same brief (its first variant): the prompt, for
    /// Midjourney its whole line; the target's own family first (absent when `parts` leaves out
    /// `families`).
    #[schemars(with = "Vec<FamilyPrompt>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub families: Option<Vec<FamilyPrompt>>,
}

/// One model family's prompt for the brief.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FamilyPrompt {
    /// `gpt`, `gemini`, `flux`, `stability`, `midjourney`.
    pub family: String,
    /// Its display name (`GPT image`).
    pub name: String,
    /// Its targets.
    pub targets: Vec<String>,
    /// The prompt, or null when the brief cannot be written for it.
    pub prompt: Option<String>,
    /// Why not, when it cannot.
    pub error: Option<String>,
}

/// `POST /api/validate`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ValidateResponse {
    /// True when the brief renders for the target.
    pub valid: bool,
    /// Errors and warnings, with line and column in the submitted text.
    #[schemars(with = "Vec<Value>")]
    pub diagnostics: Vec<Diagnostic>,
}

/// `POST /api/lint`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LintResponse {
    /// Findings.
    #[schemars(with = "Vec<Value>")]
    pub findings: Vec<Diagnostic>,
}

/// `POST /api/expand`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ExpandResponse {
    /// How many variants.
    pub count: u64,
    /// What generating them all costs, when known (USD, 8 decimals).
    #[serde(serialize_with = "crate::cost::serialize_money")]
    pub cost: Option<f64>,
    /// The first variants: `{index, id, values, brief}`.
    pub variants: Vec<Value>,
}

/// An error.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ErrorResponse {
    /// What went wrong.
    pub error: ErrorBody,
}

/// The error body.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ErrorBody {
    /// HTTP status.
    pub status: u16,
    /// A code: the first diagnostic's (`invalid-size`), or `bad-request`, `not-found`, `method-not-allowed`, `request-timeout`, `too-large`, `unsupported-media-type`, `response-too-large`, `internal`, `busy`, `timeout`.
    pub code: String,
    /// One line.
    pub message: String,
    /// Every diagnostic, with line and column in the submitted text.
    #[schemars(with = "Vec<Value>")]
    pub diagnostics: Vec<Diagnostic>,
}

/// The JSON Schemas of the API, by file name under `schemas/api/`.
pub fn schemas() -> Vec<(&'static str, Value)> {
    let s = |v: schemars::Schema| serde_json::to_value(v).expect("schema serialises");
    vec![
        ("brief-request", s(schemars::schema_for!(BriefRequest))),
        ("render-response", s(schemars::schema_for!(RenderResponse))),
        (
            "validate-response",
            s(schemars::schema_for!(ValidateResponse)),
        ),
        ("lint-response", s(schemars::schema_for!(LintResponse))),
        ("expand-response", s(schemars::schema_for!(ExpandResponse))),
        ("error-response", s(schemars::schema_for!(ErrorResponse))),
    ]
}

// ---------------------------------------------------------------------------------------------
// Errors

fn error(
    status: StatusCode,
    code: &str,
    message: String,
    diagnostics: Vec<Diagnostic>,
) -> Response {
    let body = ErrorResponse {
        error: ErrorBody {
            status: status.as_u16(),
            code: code.to_string(),
            message,
            diagnostics,
        },
    };
    (status, axum::Json(body)).into_response()
}

/// [`error`] with `Retry-After: 1`: the same request may pass shortly.
fn retry_soon(code: &str, message: String) -> Response {
    let mut r = error(StatusCode::SERVICE_UNAVAILABLE, code, message, Vec::new());
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    r
}

fn internal() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        String::from(
            "the server failed on this request (a bug: its message is on the server's standard error); the server is still up",
        ),
        Vec::new(),
    )
}

fn timed_out(limit: Duration) -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        format!(
            "the request took over {} s (serve --timeout) and was stopped",
            limit.as_secs_f64()
        ),
        Vec::new(),
    )
}

fn invalid(ds: Diagnostics) -> Response {
    let first = ds.0.iter().find(|d| d.is_error()).or(ds.0.first());
    let (code, message) = first.map_or(("invalid-brief", String::from("invalid brief")), |d| {
        (d.code.as_str(), d.message.clone())
    });
    error(StatusCode::UNPROCESSABLE_ENTITY, code, message, ds.0)
}

/// The code of an error status that has no code of its own (a rejection by axum, a fallback).
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::REQUEST_TIMEOUT => "request-timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too-large",
        StatusCode::URI_TOO_LONG => "uri-too-long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid-request",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_client_error() => "bad-request",
        _ => "internal",
    }
}

/// True when the headers say the body is JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// Every error leaves as the API's JSON error: axum's own answers (a rejected path parameter, an
/// oversized body, …) are plain text or empty, so any error response that is not JSON is rebuilt
/// here with its status, a code for it and its text as the message (`Allow`, `Retry-After` and
/// `Connection` kept).
async fn errors_as_json(State(max_body): State<usize>, response: Response) -> Response {
    let status = response.status();
    let failed = status.is_client_error() || status.is_server_error();
    if !failed || is_json(response.headers()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!("the request is over {max_body} bytes (serve --max-body raises the limit)")
    } else {
        axum::body::to_bytes(body, 4096)
            .await
            .ok()
            .and_then(|b| String::from_utf8(b.to_vec()).ok())
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| {
                status
                    .canonical_reason()
                    .unwrap_or("error")
                    .to_ascii_lowercase()
            })
    };
    let mut out = error(status, code_for(status), message, Vec::new());
    for name in [header::ALLOW, header::RETRY_AFTER, header::CONNECTION] {
        if let Some(value) = parts.headers.get(&name) {
            out.headers_mut().insert(name, value.clone());
        }
    }
    out
}

/// A handler that panics answers 500 (JSON) and the server goes on: the panic is caught here, as
/// the response future is polled. (Panics on the blocking threads come back as a `JoinError`.)
async fn catch_panic(request: Request, next: axum::middleware::Next) -> Response {
    let mut future = std::pin::pin!(next.run(request));
    let caught = std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(response)) => Poll::Ready(Some(response)),
            Err(_) => Poll::Ready(None),
        }
    })
    .await;
    caught.unwrap_or_else(internal)
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not-found",
        String::from("no such endpoint: see README, `imgprompt serve`"),
        Vec::new(),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        format!(
            "{method} is not allowed on {}: see the `Allow` header",
            uri.path()
        ),
        Vec::new(),
    )
}

// ---------------------------------------------------------------------------------------------
// Work on the blocking threads

/// Set when a request's answer is no longer wanted (its time ran out, or the client went away):
/// the blocking work asks between steps and stops.
#[derive(Debug, Clone, Default)]
struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Whether the work should stop.
    fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Sets the [`Cancel`] when dropped: when the request's future ends, however it ends.
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// A request body over this (64 KiB) is large: a real brief is a few KiB, and large ones (long
/// lists of inputs, big `vary` tables) share the `large` slots of the job queue.
pub const LARGE_BODY: usize = 64 << 10;

/// The slots of the blocking threads.
#[derive(Debug)]
struct Jobs {
    /// Requests admitted: running plus waiting (`--jobs` + `--queue`).
    admitted: Arc<Semaphore>,
    /// Requests running (`--jobs`).
    running: Arc<Semaphore>,
    /// Large requests running (over [`LARGE_BODY`]): a quarter of `--jobs`, at least one.
    large: Arc<Semaphore>,
    jobs: usize,
    queue: usize,
    timeout: Duration,
}

/// The presets' listing with their example prompts, rendered once (on first use) and kept.
#[derive(Debug)]
struct PresetCache {
    started: AtomicBool,
    ready: watch::Sender<Option<Bytes>>,
}

/// The state of the handlers.
#[derive(Debug, Clone)]
struct App {
    engine: Arc<Engine>,
    jobs: Arc<Jobs>,
    presets: Arc<PresetCache>,
    read_timeout: Duration,
    max_response: usize,
    faults: Arc<Faults>,
}

/// What a handler's blocking work is given.
struct Work<'a> {
    engine: &'a Engine,
    cancel: &'a Cancel,
    max_response: usize,
}

impl App {
    /// Runs `work` on the blocking threads, so one request never stalls the others, in one of
    /// the `--jobs` slots (waiting for one in the `--queue`; with the queue full, 503 `busy` and
    /// `Retry-After`). Past `--timeout` (waiting included) the answer is 503 `timeout` and the work
    /// is told to stop; it keeps its slot until it has, so abandoned work still counts. A panic is
    /// a 500.
    async fn blocking<F>(&self, work: F) -> Response
    where
        F: FnOnce(&Cancel) -> Result<Response, Response> + Send + 'static,
    {
        let jobs = &self.jobs;
        let Ok(ticket) = jobs.admitted.clone().try_acquire_owned() else {
            return retry_soon(
                "busy",
                format!(
                    "the server is busy: {} requests running and {} waiting (serve --jobs, --queue); try again shortly",
                    jobs.jobs, jobs.queue
                ),
            );
        };
        let deadline = tokio::time::Instant::now() + jobs.timeout;
        let permit =
            match tokio::time::timeout_at(deadline, jobs.running.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                _ => return timed_out(jobs.timeout),
            };
        let cancel = Cancel::default();
        let _stop_when_dropped = CancelOnDrop(cancel.clone());
        let handle = tokio::task::spawn_blocking(move || {
            // both slots are released when the work really ends, not when its answer is given up
            let _slots = (ticket, permit);
            if cancel.is_set() {
                return Err(timed_out(Duration::ZERO));
            }
            work(&cancel)
        });
        match tokio::time::timeout_at(deadline, handle).await {
            Ok(Ok(response)) => response.unwrap_or_else(|e| e),
            Ok(Err(_)) => internal(),
            Err(_) => timed_out(jobs.timeout),
        }
    }

    /// The JSON body of a POST: `Content-Type: application/json` (415 otherwise — a page on
    /// another origin cannot send that without a CORS preflight), at most `--max-body` bytes
    /// (413), arriving within `--read-timeout` (408).
    async fn body(&self, request: Request) -> Result<Bytes, Response> {
        if !is_json(request.headers()) {
            let got = request
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map_or_else(|| String::from("none"), |v| format!("`{v}`"));
            return Err(error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                format!(
                    "the request must be sent with `Content-Type: application/json` (it was {got})"
                ),
                Vec::new(),
            ));
        }
        match tokio::time::timeout(self.read_timeout, Bytes::from_request(request, &())).await {
            Ok(Ok(bytes)) => Ok(bytes),
            // plain text: `errors_as_json` makes it the JSON error (413 names --max-body)
            Ok(Err(rejection)) => Err(rejection.into_response()),
            Err(_) => {
                let mut r = error(
                    StatusCode::REQUEST_TIMEOUT,
                    "request-timeout",
                    format!(
                        "the request body did not arrive within {} s (serve --read-timeout)",
                        self.read_timeout.as_secs_f64()
                    ),
                    Vec::new(),
                );
                r.headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
                Err(r)
            }
        }
    }

    /// A POST endpoint: the body read, then `f` on the blocking threads.
    async fn post(
        &self,
        request: Request,
        f: fn(&Work<'_>, &[u8]) -> Result<Response, Response>,
    ) -> Response {
        let body = match self.body(request).await {
            Ok(body) => body,
            Err(e) => return e,
        };
        // a large request (over LARGE_BODY) takes one of few large slots, or is told to come
        // back: a handful of them cannot take every slot from the ordinary ones
        let large = if body.len() > LARGE_BODY {
            match self.jobs.large.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) => {
                    return retry_soon(
                        "busy",
                        format!(
                            "the server is busy with other large requests (over {} KiB); try again shortly",
                            LARGE_BODY >> 10
                        ),
                    );
                }
            }
        } else {
            None
        };
        let engine = Arc::clone(&self.engine);
        let max_response = self.max_response;
        self.blocking(move |cancel| {
            let _large = large;
            let work = Work {
                engine: &engine,
                cancel,
                max_response,
            };
            f(&work, &body)
        })
        .await
    }
}

/// A buffer that refuses to grow past `max` bytes: an answer is serialised into it and given up
/// at the cap, never built in full first.
struct Capped {
    buf: Vec<u8>,
    max: usize,
    over: bool,
}

impl Capped {
    fn new(max: usize) -> Self {
        Capped {
            buf: Vec::with_capacity(4096),
            max,
            over: false,
        }
    }
}

impl std::io::Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > self.max {
            self.over = true;
            return Err(std::io::Error::other("over the answer cap"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn json_response(body: impl Into<Body>) -> Response {
    let mut r = Response::new(body.into());
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn too_large_answer(max: usize, detail: &str) -> Response {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "response-too-large",
        format!("the answer would be over {max} bytes, the most one answer holds{detail}"),
        Vec::new(),
    )
}

/// `value` as JSON, or 422 `response-too-large` past `max` bytes.
fn answer<T: Serialize>(value: &T, max: usize) -> Result<Response, Response> {
    let mut out = Capped::new(max);
    match serde_json::to_writer(&mut out, value) {
        Ok(()) => Ok(json_response(out.buf)),
        Err(_) if out.over => Err(too_large_answer(
            max,
            "; the command line (`imgprompt render`) has no such cap",
        )),
        Err(_) => Err(internal()),
    }
}

// ---------------------------------------------------------------------------------------------
// The endpoints

/// Parses the request body; a malformed one is a 400 naming what is wrong.
fn request(body: &[u8]) -> Result<BriefRequest, Response> {
    serde_json::from_slice::<BriefRequest>(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "bad-request",
            format!(
                "the request must be JSON like {{\"brief\": \"subject: a cat\"}} or {{\"brief\": {{\"subject\": \"a cat\"}}}}: {e}"
            ),
            Vec::new(),
        )
    })
}

/// The brief's source and the target of a request (consumed: a large brief is not copied twice).
fn parts(req: BriefRequest) -> Result<(SourceFile, Box<dyn Target>), Response> {
    let target =
        crate::targets::by_name(req.target.as_deref().unwrap_or("openai")).map_err(|d| {
            error(
                StatusCode::BAD_REQUEST,
                d.code.as_str(),
                d.message.clone(),
                vec![d],
            )
        })?;
    let src = match req.brief {
        BriefInput::Text(text) => {
            if req.format == Some(BriefFormat::Json) {
                SourceFile::new("brief.json", text, Some(Format::Json))
            } else {
                SourceFile::new("brief.yaml", text, Some(Format::Yaml))
            }
        }
        // pretty-printed, so that a diagnostic's line and column still mean something
        BriefInput::Object(map) => SourceFile::new(
            "brief.json",
            serde_json::to_string_pretty(&map).unwrap_or_default(),
            Some(Format::Json),
        ),
    };
    Ok((src, target))
}

/// The prompt of every family for `value` (the brief, or its first variant): the target's own
/// family first, with the rendering's prompt.
fn family_prompts(
    engine: &Engine,
    src: &SourceFile,
    value: Value,
    r: &Rendering,
) -> Vec<FamilyPrompt> {
    let book = engine.family_book();
    engine
        .every_family_sent(r, value, Some(src))
        .into_iter()
        .map(|(f, written)| {
            let rules = book.rules(f);
            let (prompt, error) = match written {
                Ok(p) => (Some(p), None),
                Err(d) => (None, d.0.first().map(|d| d.message.clone())),
            };
            FamilyPrompt {
                family: f.name().to_string(),
                name: rules.name.clone(),
                targets: rules.targets.clone(),
                prompt,
                error,
            }
        })
        .collect()
}

/// The brief as rendered: the brief itself, or its first variant when it has `vary`; the variant
/// count beside (`None` past `u64::MAX`).
fn brief_value(src: &SourceFile) -> Result<(Value, Option<u64>), Response> {
    let value = src
        .parse_brief()
        .map_err(|d| invalid(Diagnostics(vec![d])))?;
    let has_vary = value
        .get("vary")
        .and_then(Value::as_object)
        .is_some_and(|v| !v.is_empty());
    if !has_vary {
        return Ok((value, Some(1)));
    }
    let v =
        crate::app::vary::Variations::from_brief(&value, "brief", Some(src)).map_err(invalid)?;
    Ok((v.variant(0).brief, v.count()))
}

/// Renders the brief, or its first variant when it has `vary`; the variant count beside.
fn render(
    engine: &Engine,
    src: &SourceFile,
    target: &dyn Target,
) -> Result<(Rendering, Option<u64>), Response> {
    let (value, count) = brief_value(src)?;
    let r = engine
        .render_value(value, Some(src), target)
        .map_err(invalid)?;
    Ok((r, count))
}

async fn api_render(State(app): State<App>, request: Request) -> Response {
    app.post(request, render_response).await
}

fn render_response(w: &Work<'_>, body: &[u8]) -> Result<Response, Response> {
    let req = request(body)?;
    let wants = |part| req.parts.as_ref().is_none_or(|p| p.contains(&part));
    let (lint, snippets, families) = (
        wants(Part::Lint),
        wants(Part::Snippets),
        wants(Part::Families),
    );
    let (src, target) = parts(req)?;
    let (value, variants) = brief_value(&src)?;
    // the brief is kept for the other families only when they are asked for
    let kept = families.then(|| value.clone());
    let r = w
        .engine
        .render_value(value, Some(&src), target.as_ref())
        .map_err(invalid)?;
    let snippet = |form| crate::emit::handoff::snippet(&r, form).ok();
    let response = RenderResponse {
        preset: r.preset.clone(),
        prompt: r.prompt.clone(),
        exact_texts: r
            .brief
            .text
            .values()
            .flat_map(|t| t.entries().into_iter().map(|e| e.content().to_string()))
            .collect(),
        payload: PayloadOut {
            target: r.payload.target.to_string(),
            method: r.payload.method.to_string(),
            url: r.payload.url.clone(),
            body: r.payload.body.clone(),
        },
        warnings: r.warnings.clone(),
        lint: lint
            .then(|| crate::lint::lint(w.engine, &src, &r, crate::lint::LintTable::shipped())),
        cost: r.cost.clone(),
        variants,
        variants_overflow: variants.is_none(),
        snippets: snippets.then(|| Snippets {
            curl: snippet(HandOff::Curl),
            python: snippet(HandOff::Python),
            js: snippet(HandOff::Js),
        }),
        families: kept.map(|v| family_prompts(w.engine, &src, v, &r)),
    };
    answer(&response, w.max_response)
}

async fn api_validate(State(app): State<App>, request: Request) -> Response {
    app.post(request, validate_response).await
}

fn validate_response(w: &Work<'_>, body: &[u8]) -> Result<Response, Response> {
    let (src, target) = parts(request(body)?)?;
    let out = match w.engine.render(&src, target.as_ref()) {
        Ok(r) => ValidateResponse {
            valid: true,
            diagnostics: r.warnings,
        },
        Err(ds) => ValidateResponse {
            valid: false,
            diagnostics: ds.0,
        },
    };
    answer(&out, w.max_response)
}

async fn api_lint(State(app): State<App>, request: Request) -> Response {
    app.post(request, lint_response).await
}

fn lint_response(w: &Work<'_>, body: &[u8]) -> Result<Response, Response> {
    let (src, target) = parts(request(body)?)?;
    let (r, _) = render(w.engine, &src, target.as_ref())?;
    let findings = crate::lint::lint(w.engine, &src, &r, crate::lint::LintTable::shipped());
    answer(&LintResponse { findings }, w.max_response)
}

async fn api_cost(State(app): State<App>, request: Request) -> Response {
    app.post(request, cost_response).await
}

fn cost_response(w: &Work<'_>, body: &[u8]) -> Result<Response, Response> {
    let (src, target) = parts(request(body)?)?;
    let (r, _) = render(w.engine, &src, target.as_ref())?;
    answer(&json!({"estimate": r.cost}), w.max_response)
}

async fn api_expand(State(app): State<App>, request: Request) -> Response {
    app.post(request, expand_response).await
}

/// `{count, cost, variants}` ([`ExpandResponse`]), written variant by variant into a
/// [`Capped`] buffer: the answer stops at the cap with a 422 rather than growing to the size of
/// `first` copies of the brief. Counting and checking stop when the request's time runs out.
fn expand_response(w: &Work<'_>, body: &[u8]) -> Result<Response, Response> {
    let req = request(body)?;
    let first = req.first.unwrap_or(10).min(MAX_EXPAND);
    let (src, target) = parts(req)?;
    let value = src
        .parse_brief()
        .map_err(|d| invalid(Diagnostics(vec![d])))?;
    let stop = || w.cancel.is_set();
    let v = crate::app::vary::Variations::from_brief(&value, "brief", Some(&src))
        .and_then(|v| v.check_values_until(Some(&src), &stop).map(|()| v))
        .map_err(invalid)?;
    drop(value);
    let report = crate::app::expand::count_until(w.engine, &v, Some(&src), target.as_ref(), &stop)
        .map_err(invalid)?;
    let first = first.min(report.variants);
    let cost = serde_json::to_string(&report.cost).map_err(|_| internal())?;
    let mut out = Capped::new(w.max_response);
    let too_large = |i: u64| {
        too_large_answer(
            w.max_response,
            &format!(
                ": {i} of the first {first} variants fit; ask for fewer with `first`, or run `imgprompt expand` on the command line"
            ),
        )
    };
    write!(
        out,
        "{{\"count\":{},\"cost\":{cost},\"variants\":[",
        report.variants
    )
    .map_err(|_| too_large(0))?;
    for i in 0..first {
        if w.cancel.is_set() {
            return Err(timed_out(Duration::ZERO));
        }
        if i > 0 {
            out.write_all(b",").map_err(|_| too_large(i))?;
        }
        if serde_json::to_writer(&mut out, &v.variant(i)).is_err() {
            return Err(if out.over { too_large(i) } else { internal() });
        }
    }
    out.write_all(b"]}").map_err(|_| too_large(first))?;
    Ok(json_response(out.buf))
}

/// `GET /api/presets`: the presets with their example prompts. The examples are rendered once
/// (the first call starts it), each on the blocking threads and under half of `--timeout` (an
/// example that does not finish is listed with `example_prompt: null` and `example_error`); the
/// listing is kept. A call that waits longer than `--timeout` for it is answered 503 with
/// `Retry-After`.
async fn api_presets(State(app): State<App>) -> Response {
    let mut ready = app.presets.ready.subscribe();
    if !app.presets.started.swap(true, Ordering::AcqRel) {
        tokio::spawn(fill_presets(app.clone()));
    }
    let waited = tokio::time::timeout(app.jobs.timeout, async move {
        loop {
            if let Some(body) = ready.borrow_and_update().clone() {
                return Some(body);
            }
            if ready.changed().await.is_err() {
                return None;
            }
        }
    })
    .await;
    match waited {
        Ok(Some(body)) => json_response(body),
        _ => retry_soon(
            "timeout",
            format!(
                "the presets' example prompts are still being rendered after {} s; try again shortly",
                app.jobs.timeout.as_secs_f64()
            ),
        ),
    }
}

/// Renders every preset's example (at once, each on a blocking thread, all under one deadline)
/// and publishes the listing.
async fn fill_presets(app: App) {
    let deadline = tokio::time::Instant::now() + app.jobs.timeout / 2;
    let presets: Vec<Arc<crate::preset::Preset>> = app.engine.catalog().iter().cloned().collect();
    let renders: Vec<_> = presets
        .iter()
        .map(|p| {
            let (name, text) = p.example.clone()?;
            let engine = Arc::clone(&app.engine);
            let hang = app.faults.hang_example.as_deref() == Some(p.name());
            Some(tokio::task::spawn_blocking(move || {
                if hang {
                    std::thread::sleep(Duration::from_secs(3600));
                }
                let format = Format::from_path(std::path::Path::new(&name));
                let src = SourceFile::new(name, text, format);
                engine
                    .render(&src, &crate::targets::OpenAi)
                    .ok()
                    .map(|r| r.prompt)
            }))
        })
        .collect();
    let mut list = Vec::with_capacity(presets.len());
    for (p, render) in presets.iter().zip(renders) {
        let (prompt, problem) = match render {
            None => (None, None),
            Some(handle) => match tokio::time::timeout_at(deadline, handle).await {
                Ok(Ok(prompt)) => (prompt, None),
                Ok(Err(_)) => (None, Some(String::from("rendering the example failed"))),
                Err(_) => (
                    None,
                    Some(format!(
                        "rendering the example took over {} s",
                        (app.jobs.timeout / 2).as_secs_f64()
                    )),
                ),
            },
        };
        list.push(json!({
            "name": p.name(),
            "description": p.manifest.description,
            "origin": p.origin.to_string(),
            "text_roles": p.manifest.text_roles.keys().collect::<Vec<_>>(),
            "example_prompt": prompt,
            "example_error": problem,
        }));
    }
    let body = json!({"presets": list, "broken": app.engine.catalog().broken()});
    let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{\"presets\":[]}".to_vec());
    app.presets.ready.send_replace(Some(Bytes::from(bytes)));
}

async fn api_preset(State(app): State<App>, Path(name): Path<String>) -> Response {
    match app.engine.catalog().get(&name) {
        Ok(p) => axum::Json(json!({
            "name": p.name(),
            "manifest": p.manifest,
            "example": p.example.as_ref().map(|(_, t)| t.to_string()),
            "example_format": if p.example.as_ref().is_some_and(|(n, _)| n.ends_with(".json")) { "json" } else { "yaml" },
            "params_schema": p.params_schema_document(),
        }))
        .into_response(),
        Err(d) => error(StatusCode::NOT_FOUND, "not-found", d.message.clone(), vec![d]),
    }
}

async fn api_models(State(app): State<App>) -> Response {
    axum::Json(app.engine.models().clone()).into_response()
}

async fn api_spec() -> Response {
    axum::Json(crate::brief::schema()).into_response()
}

async fn api_health() -> Response {
    axum::Json(json!({"ok": true, "version": env!("CARGO_PKG_VERSION")})).into_response()
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

// ---------------------------------------------------------------------------------------------
// Faults, for the tests

/// Faults the tests inject, in debug builds only and only when `IMGPROMPT_SERVE_FAULTS` is set (a
/// comma-separated list): `routes` adds `GET /api/_fault/panic` (a handler that panics),
/// `/api/_fault/panic-blocking` (work that panics), `/api/_fault/sleep/{ms}` (work that sleeps and
/// stops when told to) and `/api/_fault/hang/{ms}` (work that does not stop);
/// `hang-example=PRESET` makes that preset's example hang for an hour. A release build ignores
/// the variable.
#[derive(Debug, Clone, Default)]
struct Faults {
    routes: bool,
    hang_example: Option<String>,
}

impl Faults {
    fn from_env() -> Self {
        let mut faults = Faults::default();
        if !cfg!(debug_assertions) {
            return faults;
        }
        let spec = std::env::var("IMGPROMPT_SERVE_FAULTS").unwrap_or_default();
        for item in spec.split(',').map(str::trim) {
            if item == "routes" {
                faults.routes = true;
            } else if let Some(name) = item.strip_prefix("hang-example=") {
                faults.hang_example = Some(name.to_string());
            }
        }
        faults
    }
}

async fn fault_panic() -> Response {
    panic!("a fault injected by IMGPROMPT_SERVE_FAULTS: a handler panics")
}

async fn fault_panic_blocking(State(app): State<App>) -> Response {
    app.blocking(|_: &Cancel| -> Result<Response, Response> {
        panic!("a fault injected by IMGPROMPT_SERVE_FAULTS: blocking work panics")
    })
    .await
}

async fn fault_sleep(State(app): State<App>, Path(ms): Path<u64>) -> Response {
    app.blocking(move |cancel: &Cancel| {
        let end = std::time::Instant::now() + Duration::from_millis(ms);
        while std::time::Instant::now() < end {
            if cancel.is_set() {
                return Err(timed_out(Duration::ZERO));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(axum::Json(json!({"slept_ms": ms})).into_response())
    })
    .await
}

async fn fault_hang(State(app): State<App>, Path(ms): Path<u64>) -> Response {
    app.blocking(move |_: &Cancel| {
        std::thread::sleep(Duration::from_millis(ms));
        Ok(axum::Json(json!({"slept_ms": ms})).into_response())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// The router

/// Host names a request may name: loopback, plus `--allow-host`. Anything else is refused (403),
/// so a web page on another origin cannot reach the server through DNS rebinding.
#[derive(Debug, Clone)]
pub struct AllowedHosts(pub Arc<Vec<String>>);

fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        })
    };
    let name = name.to_ascii_lowercase();
    matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1")
        || allowed.iter().any(|a| a.eq_ignore_ascii_case(&name))
}

async fn check_host(
    State(allowed): State<AllowedHosts>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if host_allowed(host, &allowed.0) {
        next.run(request).await
    } else {
        error(
            StatusCode::FORBIDDEN,
            "forbidden-host",
            format!(
                "Host `{host}` is not allowed: only loopback names, and those given with --allow-host"
            ),
            Vec::new(),
        )
    }
}

/// The application: API and page over `engine`, answering only loopback host names.
pub fn router(engine: Arc<Engine>) -> Router {
    router_with(engine, Options::default())
}

/// [`router`] with `options`: more host names, another body limit, CORS origins, other limits.
pub fn router_with(engine: Arc<Engine>, options: Options) -> Router {
    let hosts = AllowedHosts(Arc::new(options.allow_hosts));
    let cors = Cors(Arc::new(options.cors));
    let jobs = options.jobs.max(1);
    let faults = Faults::from_env();
    let app = App {
        engine,
        jobs: Arc::new(Jobs {
            admitted: Arc::new(Semaphore::new(jobs.saturating_add(options.queue))),
            running: Arc::new(Semaphore::new(jobs)),
            large: Arc::new(Semaphore::new((jobs / 4).max(1))),
            jobs,
            queue: options.queue,
            timeout: options.timeout,
        }),
        presets: Arc::new(PresetCache {
            started: AtomicBool::new(false),
            ready: watch::Sender::new(None),
        }),
        read_timeout: options.read_timeout,
        max_response: options.max_response,
        faults: Arc::new(faults.clone()),
    };
    let mut routes = Router::new()
        .route("/", get(page))
        .route("/api/render", post(api_render))
        .route("/api/validate", post(api_validate))
        .route("/api/lint", post(api_lint))
        .route("/api/cost", post(api_cost))
        .route("/api/expand", post(api_expand))
        .route("/api/presets", get(api_presets))
        .route("/api/presets/{name}", get(api_preset))
        .route("/api/models", get(api_models))
        .route("/api/schema/spec", get(api_spec))
        .route("/api/health", get(api_health));
    if faults.routes {
        routes = routes
            .route("/api/_fault/panic", get(fault_panic))
            .route("/api/_fault/panic-blocking", get(fault_panic_blocking))
            .route("/api/_fault/sleep/{ms}", get(fault_sleep))
            .route("/api/_fault/hang/{ms}", get(fault_hang));
    }
    routes
        .fallback(not_found)
        // after every route: it applies to those registered before it
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(catch_panic))
        .layer(DefaultBodyLimit::max(options.max_body))
        .layer(axum::middleware::map_response_with_state(
            options.max_body,
            errors_as_json,
        ))
        .layer(axum::middleware::from_fn_with_state(cors, cors_headers))
        .layer(axum::middleware::from_fn_with_state(hosts, check_host))
        .with_state(app)
}

/// Origins allowed to call the API from a browser page (`--cors`); `*` allows any.
#[derive(Debug, Clone)]
pub struct Cors(pub Arc<Vec<String>>);

/// CORS, off unless origins were given: a request from an allowed origin gets
/// `Access-Control-Allow-Origin`, and its preflight (`OPTIONS`) is answered here with 204. Other
/// origins get no CORS header, so the browser keeps their pages out.
async fn cors_headers(
    State(cors): State<Cors>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string);
    let allowed = origin.as_deref().filter(|o| {
        cors.0
            .iter()
            .any(|a| a == "*" || a.trim_end_matches('/').eq_ignore_ascii_case(o))
    });
    let Some(origin) = allowed.map(str::to_string) else {
        return next.run(request).await;
    };
    let preflight = request.method() == axum::http::Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            header::HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            header::HeaderValue::from_static("content-type"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            header::HeaderValue::from_static("600"),
        );
        r
    } else {
        next.run(request).await
    };
    if let Ok(value) = header::HeaderValue::from_str(&origin) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        h.append(header::VARY, header::HeaderValue::from_static("origin"));
    }
    response
}

/// Serves until interrupted (Ctrl-C or SIGTERM); `ready` gets the address actually bound (port 0
/// picks one). Shutting down, the server stops accepting, lets the requests in flight finish for
/// up to 5 s, then leaves work still running on the blocking threads behind (waiting at most 1 s
/// for it).
pub fn serve(
    engine: Engine,
    host: &str,
    port: u16,
    options: Options,
    ready: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()?;
    let limits = conn::Limits {
        max_connections: options.max_connections.max(1),
        read_timeout: options.read_timeout,
    };
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((host, port)).await?;
        ready(listener.local_addr()?);
        let app = router_with(Arc::new(engine), options);
        conn::serve(listener, app, limits, conn::shutdown_signal()).await
    });
    // dropping the runtime would wait for every blocking task, a hung one included
    runtime.shutdown_timeout(conn::BLOCKING_GRACE);
    result
}
