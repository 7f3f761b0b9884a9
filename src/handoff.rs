//! Hand-off: a ready-to-run request for the rendered brief — curl, Python, JavaScript, or a raw
//! HTTP request — that sends exactly the payload and saves the image. Each target says which
//! forms it has ([`crate::target::Target::handoff`]); this module holds the generators for the
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
use crate::diagnostic::Diagnostic;
use crate::engine::Rendering;

/// A hand-off form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOff {
    /// A POSIX shell script running curl (and jq to decode images).
    Curl,
    /// A Python script (the official `openai` SDK for OpenAI, the standard library otherwise).
    Python,
    /// A Node.js program (the official `openai` SDK for OpenAI, `fetch` otherwise) that runs as
    /// CommonJS or as an ES module, under any file name.
    Js,
    /// A raw HTTP request (`.http` file: VS Code REST Client and JetBrains HTTP Client), its base
    /// URL and key in file variables.
    Http,
}

/// How to reach a provider: its key variable, auth header, base URL and the variable that
/// overrides it.
#[derive(Debug, Clone, Copy)]
pub struct Provider {
    /// The environment variable holding the key (`OPENAI_API_KEY`).
    pub key_env: &'static str,
    /// The header the key goes in.
    pub auth_header: &'static str,
    /// What precedes the key in it (`Bearer `).
    pub auth_prefix: &'static str,
    /// The environment variable that overrides the base URL.
    pub base_env: &'static str,
    /// The base URL.
    pub base: &'static str,
}

impl Provider {
    /// The payload URL's path under the base.
    pub fn path<'a>(&self, url: &'a str) -> &'a str {
        url.strip_prefix(self.base).unwrap_or(url)
    }
}

/// The request for `r` in the chosen form, written by its target.
pub fn snippet(r: &Rendering, form: HandOff) -> Result<String, Diagnostic> {
    let target = r.payload.target.target();
    // a provider whose key has no prefix (`x-key: KEY`) reads `os.environ[...]`, not
    // `"" + os.environ[...]` (user values are string literals with escaped quotes, so the
    // two-quote sequence only ever comes from the template)
    Ok(target.handoff(r, form)?.replace("\"\" + ", ""))
}

/// The error for a form a target does not have.
pub fn no_handoff(target: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        "no-handoff",
        format!("{target} has no HTTP request to hand off: {why}"),
    )
}

fn header(r: &Rendering, p: &Provider, saves: &str) -> (String, String) {
    let shell = format!(
        "#!/bin/sh\n# {target}: {method} {url}\n# Needs {key} in the environment; {base_env} overrides the base URL.\n# {saves}\n# curl -f: an error status stops the script (exit 22) before anything is written.\nset -eu\n: \"${{{key}:?set {key}}}\"\n",
        target = r.payload.target,
        method = r.payload.method,
        url = r.payload.url,
        key = p.key_env,
        base_env = p.base_env,
    );
    let endpoint = format!(
        "\"${{{}:-{}}}\"{}",
        p.base_env,
        p.base,
        shell_quote(p.path(&r.payload.url))
    );
    (shell, endpoint)
}

fn script_comment(r: &Rendering, p: &Provider, lang: &str, saves: &str) -> String {
    let c = if lang == "py" { "#" } else { "//" };
    format!(
        "{c} {target}: {method} {url}\n{c} {runtime}; reads {key} from the environment, {base_env} overrides the base URL.\n{module}{c} {saves} An error status stops it (exit 1) before anything is written.\n",
        target = r.payload.target,
        method = r.payload.method,
        url = r.payload.url,
        runtime = if lang == "py" {
            "Standard library only"
        } else {
            "Node 18+ (fetch)"
        },
        module = if lang == "py" { "" } else { JS_MODULE_NOTE },
        key = p.key_env,
        base_env = p.base_env,
    )
}

/// What every JavaScript snippet says about how to run it.
const JS_MODULE_NOTE: &str = "// Runs as CommonJS or as an ES module, under any file name: `node image.js` (or image.mjs, image.cjs).\n";

/// A JavaScript program: `head` (its comment lines), then `body` as the inside of `async
/// function main()`, so the file runs as CommonJS or as an ES module whatever its name (no
/// `import` statement, no top-level `await`; modules come through `await import(...)`). Any
/// error — an HTTP status, a failed poll, an answer without an image — is printed and the exit
/// code is 1. `body`'s lines are indented one level; user values are JSON literals, which never
/// hold a line break, so indenting cannot change them.
fn js_program(head: &str, body: &str) -> String {
    let mut s = String::from(head);
    s.push_str("async function main() {\n");
    for line in body.lines() {
        if !line.is_empty() {
            s.push_str("  ");
            s.push_str(line);
        }
        s.push('\n');
    }
    s.push_str(
        "}\n\nmain().catch((error) => {\n  console.error(error instanceof Error ? error.message : error);\n  process.exitCode = 1;\n});\n",
    );
    s
}

/// A form field's text: strings as they are, other values as JSON (`7`, `true`).
fn field_text(v: &serde_json::Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
}

/// A multipart form answered with the image bytes (Stability v2beta): saved as `image-0.EXT`.
pub fn multipart_image(r: &Rendering, p: &Provider, form: HandOff, ext: &str) -> String {
    let body = &r.payload.body;
    let fields: Vec<(String, String)> = body
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), field_text(v))).collect())
        .unwrap_or_default();
    let saves = format!("Sends a multipart form; saves the image as image-0.{ext}.");
    // the fields as one object of strings, for the Python dict and the JavaScript literal
    let as_object = || {
        serde_json::Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
                .collect(),
        )
    };
    let path_lit = serde_json::to_string(p.path(&r.payload.url)).expect("json");
    match form {
        HandOff::Curl => {
            let (mut s, endpoint) = header(r, p, &saves);
            s.push_str(&format!(
                "curl -fsS {endpoint} \\\n  -H \"{}: {}${}\" \\\n  -H 'accept: image/*' \\\n",
                p.auth_header, p.auth_prefix, p.key_env
            ));
            for (k, v) in &fields {
                s.push_str(&format!(
                    "  --form-string {} \\\n",
                    shell_quote(&format!("{k}={v}"))
                ));
            }
            s.push_str(&format!("  -o image-0.{ext}\n"));
            s
        }
        HandOff::Python => {
            format!(
                "{}import os\nimport urllib.request\nimport uuid\n\nfields = {}\nboundary = uuid.uuid4().hex\nbody = b\"\".join(\n    f'--{{boundary}}\\r\\nContent-Disposition: form-data; name=\"{{name}}\"\\r\\n\\r\\n'.encode()\n    + value.encode()\n    + b\"\\r\\n\"\n    for name, value in fields.items()\n) + f\"--{{boundary}}--\\r\\n\".encode()\nbase = os.environ.get(\"{base_env}\", \"{base}\")\nrequest = urllib.request.Request(\n    base + {path_lit},\n    data=body,\n    headers={{\n        \"{auth}\": \"{prefix}\" + os.environ[\"{key}\"],\n        \"accept\": \"image/*\",\n        \"Content-Type\": f\"multipart/form-data; boundary={{boundary}}\",\n    }},\n    method=\"POST\",\n)\n# urlopen raises HTTPError on an error status; the file is opened only once the image is read\nwith urllib.request.urlopen(request) as response:\n    image = response.read()\nwith open(\"image-0.{ext}\", \"wb\") as f:\n    f.write(image)\n",
                script_comment(r, p, "py", &saves),
                python_literal(&as_object(), 0),
                base_env = p.base_env,
                base = p.base,
                auth = p.auth_header,
                prefix = p.auth_prefix,
                key = p.key_env,
            )
        }
        HandOff::Js => js_program(
            &script_comment(r, p, "js", &saves),
            &format!(
                "const {{ writeFileSync }} = await import(\"node:fs\");\n\nconst fields = {};\nconst form = new FormData();\nfor (const [name, value] of Object.entries(fields)) form.append(name, value);\nconst base = process.env.{base_env} ?? \"{base}\";\nconst response = await fetch(base + {path_lit}, {{\n  method: \"POST\",\n  headers: {{ \"{auth}\": \"{prefix}\" + process.env.{key}, accept: \"image/*\" }},\n  body: form,\n}});\nif (!response.ok) throw new Error(`${{response.status}}: ${{await response.text()}}`);\nwriteFileSync(\"image-0.{ext}\", Buffer.from(await response.arrayBuffer()));\n",
                js_literal(&as_object(), 0),
                base_env = p.base_env,
                base = p.base,
                auth = p.auth_header,
                prefix = p.auth_prefix,
                key = p.key_env,
            ),
        ),
        HandOff::Http => http_request(r, p, true),
    }
}

/// Submit, poll, download (Black Forest Labs): `POST` the JSON body, `GET` the returned
/// `polling_url` until the status is `Ready`, download `result.sample` to `image-0.EXT`. Each of
/// the three answers is checked: an error status on any of them stops the program before the
/// file is written.
pub fn submit_poll(r: &Rendering, p: &Provider, form: HandOff, ext: &str) -> String {
    let body = &r.payload.body;
    let saves = format!(
        "Submits, polls until Ready, saves the image as image-0.{ext} (the result URL expires in 10 minutes)."
    );
    let path_lit = serde_json::to_string(p.path(&r.payload.url)).expect("json");
    match form {
        HandOff::Curl => {
            let (mut s, endpoint) = header(r, p, &saves);
            s.push_str(&format!(
                "command -v jq >/dev/null 2>&1 || {{ echo 'jq is needed to read the polling URL' >&2; exit 1; }}\ntask=$(curl -fsS {endpoint} \\\n  -H \"{auth}: {prefix}${key}\" \\\n  -H 'Content-Type: application/json' \\\n  --data-binary @- <<'IMGPROMPT_JSON'\n{body}\nIMGPROMPT_JSON\n)\npolling_url=$(printf '%s' \"$task\" | jq -er .polling_url)\nwhile :; do\n  sleep 1\n  result=$(curl -fsS \"$polling_url\" -H \"{auth}: {prefix}${key}\")\n  status=$(printf '%s' \"$result\" | jq -r .status)\n  [ \"$status\" = Ready ] && break\n  [ \"$status\" = Pending ] || {{ echo \"FLUX: $status\" >&2; exit 1; }}\ndone\nsample=$(printf '%s' \"$result\" | jq -er .result.sample)\ncurl -fsS \"$sample\" -o image-0.{ext}\n",
                auth = p.auth_header,
                prefix = p.auth_prefix,
                key = p.key_env,
                body = serde_json::to_string_pretty(body).expect("json"),
            ));
            s
        }
        HandOff::Python => format!(
            "{}import json\nimport os\nimport time\nimport urllib.request\n\nbody = {}\nbase = os.environ.get(\"{base_env}\", \"{base}\")\nheaders = {{\"{auth}\": \"{prefix}\" + os.environ[\"{key}\"], \"accept\": \"application/json\"}}\nsubmit = urllib.request.Request(\n    base + {path_lit},\n    data=json.dumps(body).encode(),\n    headers={{**headers, \"Content-Type\": \"application/json\"}},\n    method=\"POST\",\n)\n# urlopen raises HTTPError on an error status: submit, poll and download are each checked\nwith urllib.request.urlopen(submit) as response:\n    task = json.load(response)\nwhile True:\n    time.sleep(1)\n    with urllib.request.urlopen(urllib.request.Request(task[\"polling_url\"], headers=headers)) as response:\n        result = json.load(response)\n    if result[\"status\"] == \"Ready\":\n        break\n    if result[\"status\"] != \"Pending\":\n        raise SystemExit(f\"FLUX: {{result['status']}}\")\nwith urllib.request.urlopen(result[\"result\"][\"sample\"]) as response:\n    image = response.read()\nwith open(\"image-0.{ext}\", \"wb\") as f:\n    f.write(image)\n",
            script_comment(r, p, "py", &saves),
            python_literal(body, 0),
            base_env = p.base_env,
            base = p.base,
            auth = p.auth_header,
            prefix = p.auth_prefix,
            key = p.key_env,
        ),
        HandOff::Js => js_program(
            &script_comment(r, p, "js", &saves),
            &format!(
                "const {{ writeFileSync }} = await import(\"node:fs\");\n\nconst body = {};\nconst base = process.env.{base_env} ?? \"{base}\";\nconst headers = {{ \"{auth}\": \"{prefix}\" + process.env.{key}, accept: \"application/json\" }};\nconst submitted = await fetch(base + {path_lit}, {{\n  method: \"POST\",\n  headers: {{ ...headers, \"Content-Type\": \"application/json\" }},\n  body: JSON.stringify(body),\n}});\nif (!submitted.ok) throw new Error(`submit: ${{submitted.status}}: ${{await submitted.text()}}`);\nconst task = await submitted.json();\nlet result;\nfor (;;) {{\n  await new Promise((resolve) => setTimeout(resolve, 1000));\n  const polled = await fetch(task.polling_url, {{ headers }});\n  if (!polled.ok) throw new Error(`poll: ${{polled.status}}: ${{await polled.text()}}`);\n  result = await polled.json();\n  if (result.status === \"Ready\") break;\n  if (result.status !== \"Pending\") throw new Error(`FLUX: ${{result.status}}`);\n}}\nconst image = await fetch(result.result.sample);\nif (!image.ok) throw new Error(`download: ${{image.status}}: ${{await image.text()}}`);\nwriteFileSync(\"image-0.{ext}\", Buffer.from(await image.arrayBuffer()));\n",
                js_literal(body, 0),
                base_env = p.base_env,
                base = p.base,
                auth = p.auth_header,
                prefix = p.auth_prefix,
                key = p.key_env,
            ),
        ),
        HandOff::Http => http_request(r, p, false),
    }
}

/// A JSON request answered with base64 images in `candidates[].content.parts[].inlineData`
/// (Gemini `:generateContent`): saved as `image-0.png`, … by their MIME type.
pub fn gemini_json(r: &Rendering, p: &Provider, form: HandOff) -> String {
    let body = &r.payload.body;
    let saves = "Saves each image of the answer as image-0.png, image-1.png, … (extension from its MIME type).";
    let path_lit = serde_json::to_string(p.path(&r.payload.url)).expect("json");
    match form {
        HandOff::Curl => {
            let (mut s, endpoint) = header(r, p, saves);
            s.push_str(&format!(
                "command -v jq >/dev/null 2>&1 || {{ echo 'jq is needed to decode the images' >&2; exit 1; }}\ncurl -fsS {endpoint} \\\n  -H \"{auth}: {prefix}${key}\" \\\n  -H 'Content-Type: application/json' \\\n  -o response.json \\\n  --data-binary @- <<'IMGPROMPT_JSON'\n{body}\nIMGPROMPT_JSON\njq -e '[.candidates[]?.content.parts[]? | select(.inlineData)] | length > 0' response.json >/dev/null || {{\n  echo \"no image in the answer: $(head -c 500 response.json)\" >&2; rm -f response.json; exit 1;\n}}\njq -r '[.candidates[]?.content.parts[]? | select(.inlineData) | .inlineData] | to_entries[] | \"\\(.key) \\(.value.mimeType) \\(.value.data)\"' response.json |\n  while read -r i mime b64; do\n    case \"$mime\" in image/jpeg) ext=jpg ;; image/webp) ext=webp ;; *) ext=png ;; esac\n    printf '%s' \"$b64\" | base64 -d > \"image-$i.$ext\"\n  done\nrm response.json\n",
                auth = p.auth_header,
                prefix = p.auth_prefix,
                key = p.key_env,
                body = serde_json::to_string_pretty(body).expect("json"),
            ));
            s
        }
        HandOff::Python => format!(
            "{}import base64\nimport json\nimport os\nimport urllib.request\n\nbody = {}\nbase = os.environ.get(\"{base_env}\", \"{base}\")\nrequest = urllib.request.Request(\n    base + {path_lit},\n    data=json.dumps(body).encode(),\n    headers={{\"{auth}\": \"{prefix}\" + os.environ[\"{key}\"], \"Content-Type\": \"application/json\"}},\n    method=\"POST\",\n)\n# urlopen raises HTTPError on an error status\nwith urllib.request.urlopen(request) as response:\n    result = json.load(response)\nparts = [p for c in result.get(\"candidates\", []) for p in c.get(\"content\", {{}}).get(\"parts\", [])]\nimages = [p[\"inlineData\"] for p in parts if \"inlineData\" in p]\nif not images:\n    raise SystemExit(\"no image in the answer: \" + json.dumps(result)[:500])\nfor i, image in enumerate(images):\n    ext = {{\"image/jpeg\": \"jpg\", \"image/webp\": \"webp\"}}.get(image[\"mimeType\"], \"png\")\n    with open(f\"image-{{i}}.{{ext}}\", \"wb\") as f:\n        f.write(base64.b64decode(image[\"data\"]))\n",
            script_comment(r, p, "py", saves),
            python_literal(body, 0),
            base_env = p.base_env,
            base = p.base,
            auth = p.auth_header,
            prefix = p.auth_prefix,
            key = p.key_env,
        ),
        HandOff::Js => js_program(
            &script_comment(r, p, "js", saves),
            &format!(
                "const {{ writeFileSync }} = await import(\"node:fs\");\n\nconst body = {};\nconst base = process.env.{base_env} ?? \"{base}\";\nconst response = await fetch(base + {path_lit}, {{\n  method: \"POST\",\n  headers: {{ \"{auth}\": \"{prefix}\" + process.env.{key}, \"Content-Type\": \"application/json\" }},\n  body: JSON.stringify(body),\n}});\nif (!response.ok) throw new Error(`${{response.status}}: ${{await response.text()}}`);\nconst result = await response.json();\nconst images = (result.candidates ?? []).flatMap((c) => c.content?.parts ?? []).filter((p) => p.inlineData).map((p) => p.inlineData);\nif (images.length === 0) throw new Error(\"no image in the answer\");\nimages.forEach((image, i) => {{\n  const ext = {{ \"image/jpeg\": \"jpg\", \"image/webp\": \"webp\" }}[image.mimeType] ?? \"png\";\n  writeFileSync(`image-${{i}}.${{ext}}`, Buffer.from(image.data, \"base64\"));\n}});\n",
                js_literal(body, 0),
                base_env = p.base_env,
                base = p.base,
                auth = p.auth_header,
                prefix = p.auth_prefix,
                key = p.key_env,
            ),
        ),
        HandOff::Http => http_request(r, p, false),
    }
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
    let mut s = format!(
        "# {target}: {method} {url}\n\
         # For VS Code REST Client and the JetBrains HTTP Client, which both read the @NAME = value lines.\n\
         # {base_env} is the base URL: edit its line to send the request elsewhere (in JetBrains,\n\
         # {base_env} set in http-client.env.json takes precedence over it).\n\
         # {key} is read from the environment with REST Client's $processEnv; in JetBrains write\n\
         # $env.{key} inside the braces instead.\n\
         @{base_env} = {base}\n\
         @{key} = {{{{$processEnv {key}}}}}\n\
         \n\
         {method} {{{{{base_env}}}}}{path} HTTP/1.1\n\
         {auth}: {prefix}{{{{{key}}}}}\n",
        target = r.payload.target,
        method = r.payload.method,
        url = r.payload.url,
        base_env = p.base_env,
        base = p.base,
        key = p.key_env,
        path = p.path(&r.payload.url),
        auth = p.auth_header,
        prefix = p.auth_prefix,
    );
    if multipart {
        let boundary = "imgprompt-boundary";
        s.push_str(&format!(
            "Accept: image/*\nContent-Type: multipart/form-data; boundary={boundary}\n\n"
        ));
        if let Some(obj) = body.as_object() {
            for (k, v) in obj {
                s.push_str(&format!(
                    "--{boundary}\nContent-Disposition: form-data; name=\"{k}\"\n\n{}\n",
                    field_text(v)
                ));
            }
        }
        s.push_str(&format!("--{boundary}--\n"));
    } else {
        // `{{` occurs only inside strings of pretty JSON (an object opens a line of its own)
        s.push_str(&format!(
            "Content-Type: application/json\n\n{}\n",
            serde_json::to_string_pretty(body)
                .expect("json")
                .replace("{{", "{\\u007b")
        ));
    }
    s
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
    let save = if ext == "svg" {
        format!(
            "    # SVG output is text\n    with open(f\"image-{{i}}.{ext}\", \"w\", encoding=\"utf-8\") as f:\n        f.write(base64.b64decode(image.b64_json).decode(\"utf-8\"))\n"
        )
    } else {
        format!(
            "    with open(f\"image-{{i}}.{ext}\", \"wb\") as f:\n        f.write(base64.b64decode(image.b64_json))\n"
        )
    };
    let head = format!(
        "# {}: {} {}\n# pip install openai; reads OPENAI_API_KEY (and OPENAI_BASE_URL) from the environment.\n# The SDK raises on an error status: exit 1, nothing written.\nimport base64\n\nfrom openai import OpenAI\n",
        r.payload.target, r.payload.method, r.payload.url
    );
    let call = if edit {
        // images given by URL or file id: the JSON form of the edits endpoint, through the SDK's
        // own client (auth, base URL, retries), since `images.edit` uploads files
        format!(
            "from openai.types import ImagesResponse\n\nclient = OpenAI()\nresult = client.post(\n    \"/images/edits\",\n    cast_to=ImagesResponse,\n    body={},\n)\n",
            python_literal(body, 4)
        )
    } else {
        let mut args = String::new();
        if let Some(m) = body.as_object() {
            for (k, v) in m {
                args.push_str(&format!("    {k}={},\n", python_literal(v, 4)));
            }
        }
        format!("\nclient = OpenAI()\nresult = client.images.generate(\n{args})\n")
    };
    format!(
        "{head}{call}if not result.data:\n    raise SystemExit(\"no image in the answer\")\nfor i, image in enumerate(result.data):\n{save}"
    )
}

/// The OpenAI JavaScript snippet (official SDK, object literal), as a program that runs as
/// CommonJS or as an ES module (the SDK and `node:fs` come through `await import(...)`). The SDK
/// throws on an error status, so nothing is written then.
pub fn openai_js(r: &Rendering, edit: bool) -> String {
    let body = &r.payload.body;
    let ext = extension(body["output_format"].as_str());
    let save = if ext == "svg" {
        format!(
            "// SVG output is text\nresult.data.forEach((image, i) =>\n  writeFileSync(`image-${{i}}.{ext}`, Buffer.from(image.b64_json, \"base64\").toString(\"utf8\"), \"utf8\"),\n);\n"
        )
    } else {
        format!(
            "result.data.forEach((image, i) =>\n  writeFileSync(`image-${{i}}.{ext}`, Buffer.from(image.b64_json, \"base64\")),\n);\n"
        )
    };
    let call = if edit {
        format!(
            "const result = await client.post(\"/images/edits\", {{\n  body: {},\n}});\n",
            js_literal(body, 2)
        )
    } else {
        format!(
            "const result = await client.images.generate({});\n",
            js_literal(body, 0)
        )
    };
    js_program(
        &format!(
            "// {}: {} {}\n// npm install openai; reads OPENAI_API_KEY (and OPENAI_BASE_URL) from the environment.\n{JS_MODULE_NOTE}// The SDK throws on an error status: exit 1, nothing written.\n",
            r.payload.target, r.payload.method, r.payload.url
        ),
        &format!(
            "const {{ writeFileSync }} = await import(\"node:fs\");\nconst {{ default: OpenAI }} = await import(\"openai\");\n\nconst client = new OpenAI();\n{call}if (!result.data?.length) throw new Error(\"no image in the answer\");\n{save}"
        ),
    )
}

/// The OpenAI curl script: pretty body, images decoded with jq. `curl -f` stops it on an error
/// status before anything is written.
pub fn openai_curl(r: &Rendering, p: &Provider) -> String {
    let path = p.path(&r.payload.url);
    let body = &r.payload.body;
    let ext = extension(body["output_format"].as_str());
    let endpoint = format!("\"${{{}:-{}}}\"{}", p.base_env, p.base, shell_quote(path));
    format!(
        "#!/bin/sh\n# {target}: {method} {url}\n# Needs OPENAI_API_KEY in the environment; OPENAI_BASE_URL overrides the base URL.\n# Saves image-0.{ext}, image-1.{ext}, … with jq (else the response goes to response.json).\n# curl -f: an error status stops the script (exit 22) before anything is written.\nset -eu\n: \"${{OPENAI_API_KEY:?set OPENAI_API_KEY}}\"\ncurl -fsS {endpoint} \\\n  -H \"Authorization: Bearer $OPENAI_API_KEY\" \\\n  -H 'Content-Type: application/json' \\\n  -o response.json \\\n  --data-binary @- <<'IMGPROMPT_JSON'\n{body}\nIMGPROMPT_JSON\nif command -v jq >/dev/null 2>&1; then\n  jq -e '.data | length > 0' response.json >/dev/null || {{\n    echo \"no image in the answer: $(head -c 500 response.json)\" >&2; rm -f response.json; exit 1;\n  }}\n  jq -r '.data | to_entries[] | \"\\(.key) \\(.value.b64_json)\"' response.json |\n    while read -r i b64; do printf '%s' \"$b64\" | base64 -d > \"image-$i.{ext}\"; done\n  rm response.json\nelse\n  echo 'jq not found: the images are base64 in response.json (.data[].b64_json)' >&2\nfi\n",
        target = r.payload.target,
        method = r.payload.method,
        url = r.payload.url,
        body = serde_json::to_string_pretty(body).expect("json"),
    )
}
