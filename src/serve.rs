//! `imgprompt serve`: a local JSON API over the engine and a playground page, in one process.
//!
//! Every endpoint is a thin layer over the library: the same engine, diagnostics and codes as the
//! command line. Requests and responses are typed here; their JSON Schemas are committed under
//! `schemas/api/` (a test keeps them fresh). Errors are JSON: 400 for a malformed request, 413 for
//! one over [`MAX_BODY`], 422 for an invalid brief (with the diagnostics, line and column in the
//! submitted text), 404 for an unknown preset.
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::engine::{Engine, Rendering};
use crate::handoff::HandOff;
use crate::source::{Format, SourceFile};

/// The longest a render request may take before it is answered with 503 (the template sandbox
/// stops a render itself after 2 s).
pub const REQUEST_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The largest request body accepted by default (1 MiB; `serve --max-body`).
pub const MAX_BODY: usize = 1 << 20;

/// What `serve` lets through beyond its safe defaults.
#[derive(Debug, Clone)]
pub struct Options {
    /// Host names answered besides the loopback ones (`--allow-host`).
    pub allow_hosts: Vec<String>,
    /// The largest request body, in bytes (`--max-body`).
    pub max_body: usize,
    /// Origins whose pages may call the API from a browser (`--cors`); none by default.
    pub cors: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            allow_hosts: Vec::new(),
            max_body: MAX_BODY,
            cors: Vec::new(),
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

/// `POST /api/render`, `/api/validate`, `/api/lint`, `/api/cost`, `/api/expand`: a brief as text.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BriefRequest {
    /// The brief, as written (YAML or JSON).
    pub brief: String,
    /// Its format (default: YAML, which also reads JSON).
    #[serde(default)]
    pub format: Option<BriefFormat>,
    /// The API to build the request for (default `openai`).
    #[serde(default)]
    pub target: Option<String>,
    /// `/api/expand`: how many variants to return (default 10, at most 100).
    #[serde(default)]
    pub first: Option<u64>,
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
    /// Lint findings on the prompt.
    #[schemars(with = "Vec<Value>")]
    pub lint: Vec<Diagnostic>,
    /// The cost estimate.
    #[schemars(with = "Value")]
    pub cost: Option<crate::cost::Estimate>,
    /// Variants of the brief's `vary` (the first one is rendered); 1 without `vary`.
    pub variants: u64,
    /// Hand-off snippets.
    pub snippets: Snippets,
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
    /// What generating them all costs, when known.
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
    /// A code: the first diagnostic's (`invalid-size`), or `bad-request`, `too-large`, `not-found`.
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

type Shared = Arc<Engine>;

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

fn invalid(ds: Diagnostics) -> Response {
    let first = ds.0.iter().find(|d| d.is_error()).or(ds.0.first());
    let (code, message) = first.map_or(("invalid-brief", String::from("invalid brief")), |d| {
        (d.code, d.message.clone())
    });
    error(StatusCode::UNPROCESSABLE_ENTITY, code, message, ds.0)
}

/// Parses the request body; a malformed one is a 400 naming what is wrong.
fn request(body: &Bytes) -> Result<BriefRequest, Response> {
    serde_json::from_slice::<BriefRequest>(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "bad-request",
            format!("the request must be JSON like {{\"brief\": \"subject: a cat\"}}: {e}"),
            Vec::new(),
        )
    })
}

fn source(req: &BriefRequest) -> SourceFile {
    let format = match req.format {
        Some(BriefFormat::Json) => Format::Json,
        _ => Format::Yaml,
    };
    let name = if format == Format::Json {
        "brief.json"
    } else {
        "brief.yaml"
    };
    SourceFile::new(name, req.brief.clone(), Some(format))
}

fn target(req: &BriefRequest) -> Result<Box<dyn crate::target::Target>, Response> {
    crate::target::by_name(req.target.as_deref().unwrap_or("openai"))
        .map_err(|d| error(StatusCode::BAD_REQUEST, d.code, d.message.clone(), vec![d]))
}

/// Renders the brief, or its first variant when it has `vary`; the variant count beside.
fn render(engine: &Engine, req: &BriefRequest) -> Result<(Rendering, SourceFile, u64), Response> {
    let src = source(req);
    let target = target(req)?;
    let value = src.parse().map_err(|d| invalid(Diagnostics(vec![d])))?;
    let has_vary = value
        .get("vary")
        .and_then(Value::as_object)
        .is_some_and(|v| !v.is_empty());
    if has_vary {
        let v =
            crate::vary::Variations::from_brief(&value, "brief", Some(&src)).map_err(invalid)?;
        let count = v.count().unwrap_or(u64::MAX);
        let first = v.variant(0);
        let r = engine
            .render_value(first.brief, Some(&src), target.as_ref())
            .map_err(invalid)?;
        return Ok((r, src, count));
    }
    let r = engine.render(&src, target.as_ref()).map_err(invalid)?;
    Ok((r, src, 1))
}

async fn api_render(State(engine): State<Shared>, body: Bytes) -> Response {
    blocking(move || render_response(&engine, &body)).await
}

/// Runs CPU work (parsing, rendering, validating) off the async threads, so one request never
/// stalls the others, and answers 503 when it takes over [`REQUEST_TIME_LIMIT`].
/// Runs a handler's work on the blocking threads under the time limit; its error (`Err`) is an
/// error response like any other.
async fn blocking(work: impl FnOnce() -> Result<Response, Response> + Send + 'static) -> Response {
    match tokio::time::timeout(REQUEST_TIME_LIMIT, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(response)) => response.unwrap_or_else(|e| e),
        Ok(Err(_)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            String::from("the request failed"),
            Vec::new(),
        ),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took over {} s", REQUEST_TIME_LIMIT.as_secs()),
            Vec::new(),
        ),
    }
}

fn render_response(engine: &Engine, body: &Bytes) -> Result<Response, Response> {
    let req = request(body)?;
    let (r, src, variants) = render(engine, &req)?;
    let lint = crate::lint::lint(engine, &src, &r, &crate::lint::LintTable::builtin());
    let snippet = |form| crate::handoff::snippet(&r, form).ok();
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
        lint,
        cost: r.cost.clone(),
        variants,
        snippets: Snippets {
            curl: snippet(HandOff::Curl),
            python: snippet(HandOff::Python),
            js: snippet(HandOff::Js),
        },
    };
    Ok(axum::Json(response).into_response())
}

async fn api_validate(State(engine): State<Shared>, body: Bytes) -> Response {
    blocking(move || validate_response(&engine, &body)).await
}

fn validate_response(engine: &Shared, body: &Bytes) -> Result<Response, Response> {
    let req = request(body)?;
    let target = target(&req)?;
    let out = match engine.render(&source(&req), target.as_ref()) {
        Ok(r) => ValidateResponse {
            valid: true,
            diagnostics: r.warnings,
        },
        Err(ds) => ValidateResponse {
            valid: false,
            diagnostics: ds.0,
        },
    };
    Ok(axum::Json(out).into_response())
}

async fn api_lint(State(engine): State<Shared>, body: Bytes) -> Response {
    blocking(move || lint_response(&engine, &body)).await
}

fn lint_response(engine: &Shared, body: &Bytes) -> Result<Response, Response> {
    let req = request(body)?;
    let (r, src, _) = render(engine, &req)?;
    Ok(axum::Json(LintResponse {
        findings: crate::lint::lint(engine, &src, &r, &crate::lint::LintTable::builtin()),
    })
    .into_response())
}

async fn api_cost(State(engine): State<Shared>, body: Bytes) -> Response {
    blocking(move || cost_response(&engine, &body)).await
}

fn cost_response(engine: &Shared, body: &Bytes) -> Result<Response, Response> {
    let req = request(body)?;
    let (r, _, _) = render(engine, &req)?;
    Ok(axum::Json(json!({"estimate": r.cost})).into_response())
}

async fn api_expand(State(engine): State<Shared>, body: Bytes) -> Response {
    blocking(move || expand_response(&engine, &body)).await
}

fn expand_response(engine: &Shared, body: &Bytes) -> Result<Response, Response> {
    let req = request(body)?;
    let src = source(&req);
    let target = target(&req)?;
    let value = src.parse().map_err(|d| invalid(Diagnostics(vec![d])))?;
    let v = crate::vary::Variations::from_brief(&value, "brief", Some(&src))
        .and_then(|v| v.check_values(Some(&src)).map(|()| v))
        .map_err(invalid)?;
    let report = crate::expand::count(engine, &v, Some(&src), target.as_ref()).map_err(invalid)?;
    let first = req.first.unwrap_or(10).min(100).min(report.variants);
    let variants = (0..first)
        .map(|i| serde_json::to_value(v.variant(i)).expect("variant serialises"))
        .collect();
    Ok(axum::Json(ExpandResponse {
        count: report.variants,
        cost: report.cost,
        variants,
    })
    .into_response())
}

async fn api_presets(State(engine): State<Shared>) -> Response {
    let list: Vec<Value> = engine
        .catalog()
        .iter()
        .map(|p| {
            let prompt = p.example.as_ref().and_then(|(name, text)| {
                let src = SourceFile::new(
                    name.clone(),
                    text.to_string(),
                    Format::from_path(std::path::Path::new(name)),
                );
                engine
                    .render(&src, &crate::target::OpenAi)
                    .ok()
                    .map(|r| r.prompt)
            });
            json!({
                "name": p.name(),
                "description": p.manifest.description,
                "origin": p.origin.to_string(),
                "text_roles": p.manifest.text_roles.keys().collect::<Vec<_>>(),
                "example_prompt": prompt,
            })
        })
        .collect();
    axum::Json(json!({"presets": list, "broken": engine.catalog().broken()})).into_response()
}

async fn api_preset(State(engine): State<Shared>, Path(name): Path<String>) -> Response {
    match engine.catalog().get(&name) {
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

async fn api_models(State(engine): State<Shared>) -> Response {
    axum::Json(engine.models().clone()).into_response()
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

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not-found",
        String::from("no such endpoint: see README, `imgprompt serve`"),
        Vec::new(),
    )
}

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

/// [`router`] with `options`: more host names, another body limit, CORS origins.
pub fn router_with(engine: Arc<Engine>, options: Options) -> Router {
    let hosts = AllowedHosts(Arc::new(options.allow_hosts));
    let cors = Cors(Arc::new(options.cors));
    Router::new()
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
        .route("/api/health", get(api_health))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(options.max_body))
        .layer(axum::middleware::map_response_with_state(
            options.max_body,
            too_large_as_json,
        ))
        .layer(axum::middleware::from_fn_with_state(cors, cors_headers))
        .layer(axum::middleware::from_fn_with_state(hosts, check_host))
        .with_state(engine)
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

/// axum answers an oversized body with a plain-text 413: make it the API's JSON error.
async fn too_large_as_json(State(max): State<usize>, response: Response) -> Response {
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_none_or(|c| !c.as_bytes().starts_with(b"application/json"))
    {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!("the request is over {max} bytes (serve --max-body raises the limit)"),
            Vec::new(),
        );
    }
    response
}

/// Serves until interrupted; `ready` gets the address actually bound (port 0 picks one).
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
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind((host, port)).await?;
        ready(listener.local_addr()?);
        axum::serve(listener, router_with(Arc::new(engine), options))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })
}
