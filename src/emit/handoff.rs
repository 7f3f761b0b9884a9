//! Hand-off: a ready-to-run request for the rendered brief — curl, Python, JavaScript, or a raw
//! HTTP request — that sends exactly the payload and saves the image. Each target says which
//! forms it has ([`crate::targets::Target::handoff_shape`]); this module holds the generators for the
//! shapes the providers use: a JSON request answered with base64 images (OpenAI, Gemini), a
//! multipart form answered with the image bytes (Stability), and submit-then-poll answered with a
//! download URL (FLUX). API keys are read from the environment variable the provider's SDK uses;
//! they are never embedded. Every user value is embedded as a literal of the snippet's language
//! (a quoted heredoc for the shell), so no character of an exact text is ever interpreted.
//!
//! Every program checks every HTTP status it gets (curl `-f`, `urllib` raising `HTTPError`, the
//! SDKs raising, `response.ok` in JavaScript) and exits non-zero before it writes a file, so an
//! error answer never ends up saved as an image. The JavaScript programs run as CommonJS or as ES
//! modules alike, whatever the file is called: no `import` statement and no top-level `await`
//! (modules come through `await import(...)`, which both systems have, inside `async function
//! main()`). The `.http` form names its base URL and key in `@NAME = value` file variables, which
//! VS Code REST Client and the JetBrains HTTP Client both read.
//!
//! The programs are tera templates (`src/handoff/*.tera`, autoescape off), each rendered from a
//! typed context whose values are already literals of the program's language: [`shell_quote`],
//! [`python_literal`], [`js_literal`], JSON strings, pretty JSON for a quoted heredoc.
use std::sync::OnceLock;

use serde::Serialize;

use crate::diagnostic::{Code, Diagnostic};
use crate::engine::Rendering;

pub use crate::targets::{HandOff, HandOffShape, NoHandOff, Provider};

/// The request for `r` in the chosen form, in the shape its target states
/// ([`crate::targets::Target::handoff_shape`]).
pub fn snippet(r: &Rendering, form: HandOff) -> Result<String, Diagnostic> {
    let target = r.payload.target.target();
    let shape = target.handoff_shape().map_err(|no| {
        let d = no_handoff(target.name(), no.why);
        match no.help {
            Some(help) => d.with_help(help),
            None => d,
        }
    })?;
    let Some(p) = target.provider() else {
        return Err(no_handoff(target.name(), "it has no HTTP API"));
    };
    let format = r.payload.summary.format.as_deref();
    Ok(match shape {
        HandOffShape::OpenAi { edit } => match form {
            HandOff::Curl => openai_curl(r, p),
            HandOff::Python => openai_python(r, edit),
            HandOff::Js => openai_js(r, edit),
            HandOff::Http => http_request(r, p, false),
        },
        HandOffShape::MultipartImage { default_format } => {
            multipart_image(r, p, form, extension(format.or(Some(default_format))))
        }
        HandOffShape::SubmitPoll { default_format } => {
            submit_poll(r, p, form, extension(format.or(Some(default_format))))
        }
        HandOffShape::GeminiJson => gemini_json(r, p, form),
    })
}

/// The error for a form a target does not have.
pub fn no_handoff(target: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::NoHandoff,
        format!("{target} has no HTTP request to hand off: {why}"),
    )
}

/// The hand-off templates, by name: shared heads and the JavaScript frame, then one per shape
/// and language.
const TEMPLATES: &[(&str, &str)] = &[
    ("handoff/head.sh", include_str!("handoff/head.sh.tera")),
    ("handoff/head.py", include_str!("handoff/head.py.tera")),
    ("handoff/head.js", include_str!("handoff/head.js.tera")),
    (
        "handoff/program.js",
        include_str!("handoff/program.js.tera"),
    ),
    (
        "handoff/multipart.sh",
        include_str!("handoff/multipart.sh.tera"),
    ),
    (
        "handoff/multipart.py",
        include_str!("handoff/multipart.py.tera"),
    ),
    (
        "handoff/multipart.js",
        include_str!("handoff/multipart.js.tera"),
    ),
    (
        "handoff/submit_poll.sh",
        include_str!("handoff/submit_poll.sh.tera"),
    ),
    (
        "handoff/submit_poll.py",
        include_str!("handoff/submit_poll.py.tera"),
    ),
    (
        "handoff/submit_poll.js",
        include_str!("handoff/submit_poll.js.tera"),
    ),
    ("handoff/gemini.sh", include_str!("handoff/gemini.sh.tera")),
    ("handoff/gemini.py", include_str!("handoff/gemini.py.tera")),
    ("handoff/gemini.js", include_str!("handoff/gemini.js.tera")),
    ("handoff/openai.sh", include_str!("handoff/openai.sh.tera")),
    ("handoff/openai.py", include_str!("handoff/openai.py.tera")),
    ("handoff/openai.js", include_str!("handoff/openai.js.tera")),
    (
        "handoff/request.http",
        include_str!("handoff/request.http.tera"),
    ),
];

/// The hand-off templates compiled once, autoescape off: every value is inserted as it is, having
/// been made a literal of its language already.
fn templates() -> &'static tera::Tera {
    static TERA: OnceLock<tera::Tera> = OnceLock::new();
    TERA.get_or_init(|| {
        let mut tera = tera::Tera::new();
        tera.autoescape_on(Vec::<&str>::new());
        tera.add_raw_templates(TEMPLATES.iter().copied())
            .expect("the built-in hand-off templates compile");
        tera
    })
}

/// Renders the built-in template `name` with `context`. Neither step depends on the values (all
/// strings, lists and flags, inserted as they are), so a failure is a bug in the templates.
fn render(name: &str, context: &impl Serialize) -> String {
    let context = tera::Context::from_serialize(context).expect("a hand-off context is a struct");
    templates()
        .render(name, &context)
        .expect("the built-in hand-off templates render")
}

/// What every program says in its first comment: `{target}: {method} {url}`.
#[derive(Debug, Serialize)]
struct Request<'a> {
    target: String,
    method: String,
    url: &'a str,
}

impl<'a> Request<'a> {
    fn of(r: &'a Rendering) -> Self {
        Request {
            target: r.payload.target.to_string(),
            method: r.payload.method.to_string(),
            url: &r.payload.url,
        }
    }
}

/// The context of a curl script (`*.sh`).
#[derive(Debug, Serialize)]
struct ShellScript<'a> {
    request: Request<'a>,
    provider: &'a Provider,
    /// What the script saves, a sentence for its comment.
    saves: &'a str,
    /// The URL as shell words: the base from its variable (or the default), the path quoted.
    endpoint: String,
    /// The JSON body, pretty, for a quoted heredoc (nothing in it is expanded).
    body: String,
    /// A multipart form's fields, each `name=value` single-quoted.
    fields: Vec<String>,
    /// The saved image's extension.
    ext: &'a str,
}

impl<'a> ShellScript<'a> {
    fn new(r: &'a Rendering, p: &'a Provider, saves: &'a str, ext: &'a str) -> Self {
        ShellScript {
            request: Request::of(r),
            provider: p,
            saves,
            endpoint: format!(
                "\"${{{}:-{}}}\"{}",
                p.base_env,
                p.base,
                shell_quote(p.path(&r.payload.url))
            ),
            body: serde_json::to_string_pretty(&r.payload.body).expect("json"),
            fields: Vec::new(),
            ext,
        }
    }
}

/// The context of a Python script or a JavaScript program (`*.py`, `*.js`): the values are
/// literals of the program's language.
#[derive(Debug, Serialize)]
struct Program<'a> {
    request: Request<'a>,
    provider: &'a Provider,
    /// What the program saves, a sentence for its comment.
    saves: &'a str,
    /// The URL's path under the base, as a string literal.
    path: String,
    /// The body (a multipart form's fields, as strings) as a literal: Python's at the left
    /// margin, JavaScript's one level in (inside `main`).
    body: String,
    /// The saved image's extension.
    ext: &'a str,
}

/// A program's body as a literal of its language.
#[derive(Debug, Clone, Copy)]
enum Language {
    Python,
    Js,
}

impl<'a> Program<'a> {
    fn new(
        r: &'a Rendering,
        p: &'a Provider,
        (saves, ext): (&'a str, &'a str),
        body: &serde_json::Value,
        language: Language,
    ) -> Self {
        Program {
            request: Request::of(r),
            provider: p,
            saves,
            path: serde_json::to_string(p.path(&r.payload.url)).expect("json"),
            body: match language {
                Language::Python => python_literal(body, 0),
                Language::Js => js_literal(body, 2),
            },
            ext,
        }
    }
}

/// The context of a `.http` file.
#[derive(Debug, Serialize)]
struct HttpFile<'a> {
    request: Request<'a>,
    provider: &'a Provider,
    /// The URL's path under the base, as it is.
    path: &'a str,
    /// A multipart form (its `fields`), else a JSON `body`.
    multipart: bool,
    fields: Vec<FormField>,
    /// The JSON body, pretty, `{{` written `{\u007b`.
    body: String,
}

/// A name and its value: a form field of a `.http` file, a keyword argument in Python.
#[derive(Debug, Serialize)]
struct FormField {
    name: String,
    value: String,
}

/// The context of the OpenAI Python script (the official SDK).
#[derive(Debug, Serialize)]
struct OpenAiPython<'a> {
    request: Request<'a>,
    /// `/v1/images/edits` in its JSON form (`body`), else `images.generate(arguments)`.
    edit: bool,
    /// The body as a Python literal, one level in.
    body: String,
    /// Each body field as a keyword argument, its value a Python literal one level in.
    arguments: Vec<FormField>,
    ext: &'a str,
    /// SVG output, which is text.
    svg: bool,
}

/// The context of the OpenAI JavaScript program (the official SDK).
#[derive(Debug, Serialize)]
struct OpenAiJs<'a> {
    request: Request<'a>,
    /// `client.post("/images/edits", { body })`, else `client.images.generate(body)`.
    edit: bool,
    /// The body as a JavaScript literal, indented for where it stands.
    body: String,
    ext: &'a str,
    /// SVG output, which is text.
    svg: bool,
}

/// A form field's text: strings as they are, other values as JSON (`7`, `true`).
fn field_text(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// A multipart form answered with the image bytes (Stability v2beta): saved as `image-0.EXT`.
pub fn multipart_image(r: &Rendering, p: &Provider, form: HandOff, ext: &str) -> String {
    let fields: Vec<(String, String)> = r
        .payload
        .body
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), field_text(v))).collect())
        .unwrap_or_default();
    let saves = format!("Sends a multipart form; saves the image as image-0.{ext}.");
    // the fields as one object of strings, for the Python dict and the JavaScript literal
    let as_object = serde_json::Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
            .collect(),
    );
    match form {
        HandOff::Curl => {
            let mut script = ShellScript::new(r, p, &saves, ext);
            script.fields = fields
                .iter()
                .map(|(k, v)| shell_quote(&format!("{k}={v}")))
                .collect();
            render("handoff/multipart.sh", &script)
        }
        HandOff::Python => render(
            "handoff/multipart.py",
            &Program::new(r, p, (&saves, ext), &as_object, Language::Python),
        ),
        HandOff::Js => render(
            "handoff/multipart.js",
            &Program::new(r, p, (&saves, ext), &as_object, Language::Js),
        ),
        HandOff::Http => http_request(r, p, true),
    }
}

/// A JSON request in each form, from the templates `handoff/{shape}.sh|py|js`.
fn json_request(
    r: &Rendering,
    p: &Provider,
    form: HandOff,
    shape: &str,
    (saves, ext): (&str, &str),
) -> String {
    let body = &r.payload.body;
    match form {
        HandOff::Curl => render(
            &format!("handoff/{shape}.sh"),
            &ShellScript::new(r, p, saves, ext),
        ),
        HandOff::Python => render(
            &format!("handoff/{shape}.py"),
            &Program::new(r, p, (saves, ext), body, Language::Python),
        ),
        HandOff::Js => render(
            &format!("handoff/{shape}.js"),
            &Program::new(r, p, (saves, ext), body, Language::Js),
        ),
        HandOff::Http => http_request(r, p, false),
    }
}

/// Submit, poll, download (Black Forest Labs): `POST` the JSON body, `GET` the returned
/// `polling_url` until the status is `Ready`, download `result.sample` to `image-0.EXT`. Each of
/// the three answers is checked: an error status on any of them stops the program before the
/// file is written.
pub fn submit_poll(r: &Rendering, p: &Provider, form: HandOff, ext: &str) -> String {
    let saves = format!(
        "Submits, polls until Ready, saves the image as image-0.{ext} (the result URL expires in 10 minutes)."
    );
    json_request(r, p, form, "submit_poll", (&saves, ext))
}

/// A JSON request answered with base64 images in `candidates[].content.parts[].inlineData`
/// (Gemini `:generateContent`): saved as `image-0.png`, … by their MIME type.
pub fn gemini_json(r: &Rendering, p: &Provider, form: HandOff) -> String {
    let saves = "Saves each image of the answer as image-0.png, image-1.png, … (extension from its MIME type).";
    // the extension comes from each image's MIME type, in the program
    json_request(r, p, form, "gemini", (saves, ""))
}

/// The request as a `.http` file. The base URL and the key are file variables (`@NAME =
/// value`, then `{{NAME}}`), the one convention VS Code REST Client and the JetBrains HTTP
/// Client both read: `@OPENAI_BASE_URL` holds the provider's base URL (edit the line, or in
/// JetBrains define the name in `http-client.env.json`, which wins over the file's value), and
/// `@OPENAI_API_KEY` reads the environment variable with REST Client's `{{$processEnv NAME}}`
/// (JetBrains spells it `{{$env.NAME}}`; the comment says so). A JSON body's `{{` is written
/// `{\u007b`, the same string to the API, so neither client takes exact text for a variable.
pub fn http_request(r: &Rendering, p: &Provider, multipart: bool) -> String {
    let body = &r.payload.body;
    let fields = if multipart {
        body.as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| FormField {
                        name: k.clone(),
                        value: field_text(v),
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let body = if multipart {
        String::new()
    } else {
        // `{{` occurs only inside strings of pretty JSON (an object opens a line of its own)
        serde_json::to_string_pretty(body)
            .expect("json")
            .replace("{{", "{\\u007b")
    };
    let file = HttpFile {
        request: Request::of(r),
        provider: p,
        path: p.path(&r.payload.url),
        multipart,
        fields,
        body,
    };
    render("handoff/request.http", &file)
}

/// Single-quotes `s` for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// A JSON value as a Python literal: JSON strings are Python string literals; `true`, `false`
/// and `null` become `True`, `False` and `None`.
pub fn python_literal(v: &serde_json::Value, indent: usize) -> String {
    use serde_json::Value;
    let pad = " ".repeat(indent + 4);
    let end = " ".repeat(indent);
    match v {
        Value::Null => String::from("None"),
        Value::Bool(true) => String::from("True"),
        Value::Bool(false) => String::from("False"),
        Value::Number(n) => n.to_string(),
        Value::String(s) => serde_json::to_string(s).expect("json"),
        Value::Array(a) if a.is_empty() => String::from("[]"),
        Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .map(|x| format!("{pad}{},\n", python_literal(x, indent + 4)))
                .collect();
            format!("[\n{}{end}]", items.concat())
        }
        Value::Object(m) if m.is_empty() => String::from("{}"),
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, x)| {
                    format!(
                        "{pad}{}: {},\n",
                        serde_json::to_string(k).expect("json"),
                        python_literal(x, indent + 4)
                    )
                })
                .collect();
            format!("{{\n{}{end}}}", items.concat())
        }
    }
}

/// A JSON value as a JavaScript literal: object keys that are identifiers are left unquoted.
pub fn js_literal(v: &serde_json::Value, indent: usize) -> String {
    use serde_json::Value;
    let pad = " ".repeat(indent + 2);
    let end = " ".repeat(indent);
    match v {
        Value::Array(a) if !a.is_empty() => {
            let items: Vec<String> = a
                .iter()
                .map(|x| format!("{pad}{},\n", js_literal(x, indent + 2)))
                .collect();
            format!("[\n{}{end}]", items.concat())
        }
        Value::Object(m) if !m.is_empty() => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, x)| {
                    let ident = k
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    let key = if ident {
                        k.clone()
                    } else {
                        serde_json::to_string(k).expect("json")
                    };
                    format!("{pad}{key}: {},\n", js_literal(x, indent + 2))
                })
                .collect();
            format!("{{\n{}{end}}}", items.concat())
        }
        // JSON scalars are JavaScript literals (ES2019 allows U+2028/U+2029 in strings)
        other => serde_json::to_string(other).expect("json"),
    }
}

/// The file extension of an OpenAI output format (`jpeg` → `jpg`).
pub fn extension(format: Option<&str>) -> &'static str {
    match format {
        Some("jpeg") => "jpg",
        Some("webp") => "webp",
        Some("gif") => "gif",
        Some("svg") => "svg",
        _ => "png",
    }
}

/// The OpenAI Python snippet: `client.images.generate(...)` with keyword arguments, or the JSON
/// form of `/v1/images/edits` through the SDK's client.
pub fn openai_python(r: &Rendering, edit: bool) -> String {
    let body = &r.payload.body;
    let ext = extension(body["output_format"].as_str());
    let arguments = match body.as_object() {
        Some(m) if !edit => m
            .iter()
            .map(|(k, v)| FormField {
                name: k.clone(),
                value: python_literal(v, 4),
            })
            .collect(),
        _ => Vec::new(),
    };
    let script = OpenAiPython {
        request: Request::of(r),
        edit,
        body: if edit {
            python_literal(body, 4)
        } else {
            String::new()
        },
        arguments,
        ext,
        svg: ext == "svg",
    };
    render("handoff/openai.py", &script)
}

/// The OpenAI JavaScript snippet (official SDK, object literal), as a program that runs as
/// CommonJS or as an ES module (the SDK and `node:fs` come through `await import(...)`). The SDK
/// throws on an error status, so nothing is written then.
pub fn openai_js(r: &Rendering, edit: bool) -> String {
    let body = &r.payload.body;
    let ext = extension(body["output_format"].as_str());
    let program = OpenAiJs {
        request: Request::of(r),
        edit,
        // inside `main`, and for the edits call inside `{ body: ... }` too
        body: js_literal(body, if edit { 4 } else { 2 }),
        ext,
        svg: ext == "svg",
    };
    render("handoff/openai.js", &program)
}

/// The OpenAI curl script: pretty body, images decoded with jq. `curl -f` stops it on an error
/// status before anything is written.
pub fn openai_curl(r: &Rendering, p: &Provider) -> String {
    let ext = extension(r.payload.body["output_format"].as_str());
    let saves = format!(
        "Saves image-0.{ext}, image-1.{ext}, … with jq (else the response goes to response.json)."
    );
    render("handoff/openai.sh", &ShellScript::new(r, p, &saves, ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_compile() {
        assert_eq!(templates().get_template_names().count(), TEMPLATES.len());
    }

    #[test]
    fn values_are_escaped_for_their_language() {
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        let v = serde_json::json!({"a b": [true, null], "c": "\"\" + x"});
        assert_eq!(
            python_literal(&v, 0),
            "{\n    \"a b\": [\n        True,\n        None,\n    ],\n    \"c\": \"\\\"\\\" + x\",\n}"
        );
        assert_eq!(
            js_literal(&v, 2),
            "{\n    \"a b\": [\n      true,\n      null,\n    ],\n    c: \"\\\"\\\" + x\",\n  }"
        );
    }
}
