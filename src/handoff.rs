//! Hand-off: a ready-to-run request for the rendered brief — curl, Python, JavaScript, or a raw
//! HTTP request. API keys are read from the environment variable the provider's SDK uses; they are
//! never embedded. Request bodies are embedded as data (a quoted heredoc or a JSON string
//! literal), so no character of an exact text is ever interpreted by the shell or the language.
use crate::diagnostic::Diagnostic;
use crate::engine::Rendering;

/// A hand-off form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOff {
    /// A POSIX shell script running curl.
    Curl,
    /// A Python script (the official `openai` SDK for OpenAI, the standard library otherwise).
    Python,
    /// A JavaScript module (the official `openai` SDK for OpenAI, `fetch` otherwise).
    Js,
    /// A raw HTTP request (`.http` file, VS Code REST Client / JetBrains syntax).
    Http,
}

struct Provider {
    key_env: &'static str,
    auth_header: &'static str,
    auth_prefix: &'static str,
    base_env: &'static str,
    base: &'static str,
}

fn provider(target: &str) -> Option<Provider> {
    Some(match target {
        "openai" | "openai-edit" => Provider {
            key_env: "OPENAI_API_KEY",
            auth_header: "Authorization",
            auth_prefix: "Bearer ",
            base_env: "OPENAI_BASE_URL",
            base: "https://api.openai.com/v1",
        },
        "stability" => Provider {
            key_env: "STABILITY_API_KEY",
            auth_header: "authorization",
            auth_prefix: "Bearer ",
            base_env: "STABILITY_BASE_URL",
            base: "https://api.stability.ai/v2beta",
        },
        "flux" => Provider {
            key_env: "BFL_API_KEY",
            auth_header: "x-key",
            auth_prefix: "",
            base_env: "BFL_BASE_URL",
            base: "https://api.bfl.ai/v1",
        },
        "imagen" | "gemini" => Provider {
            key_env: "GEMINI_API_KEY",
            auth_header: "x-goog-api-key",
            auth_prefix: "",
            base_env: "GEMINI_BASE_URL",
            base: "https://generativelanguage.googleapis.com/v1beta",
        },
        _ => return None,
    })
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

fn openai_python(r: &Rendering, edit: bool) -> String {
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
        "# {}: {} {}\n# pip install openai; reads OPENAI_API_KEY (and OPENAI_BASE_URL) from the environment.\nimport base64\n\nfrom openai import OpenAI\n",
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
    format!("{head}{call}for i, image in enumerate(result.data):\n{save}")
}

fn openai_js(r: &Rendering, edit: bool) -> String {
    let body = &r.payload.body;
    let ext = extension(body["output_format"].as_str());
    let save = if ext == "svg" {
        format!(
            "// SVG output is text\nresult.data.forEach((image, i) =>\n  fs.writeFileSync(`image-${{i}}.{ext}`, Buffer.from(image.b64_json, \"base64\").toString(\"utf8\"), \"utf8\"),\n);\n"
        )
    } else {
        format!(
            "result.data.forEach((image, i) =>\n  fs.writeFileSync(`image-${{i}}.{ext}`, Buffer.from(image.b64_json, \"base64\")),\n);\n"
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
    format!(
        "// {}: {} {}\n// npm install openai; reads OPENAI_API_KEY (and OPENAI_BASE_URL) from the environment.\nimport fs from \"node:fs\";\nimport OpenAI from \"openai\";\n\nconst client = new OpenAI();\n{call}{save}",
        r.payload.target, r.payload.method, r.payload.url
    )
}

fn openai_curl(r: &Rendering, p: &Provider, path: &str) -> String {
    let body = &r.payload.body;
    let ext = extension(body["output_format"].as_str());
    let endpoint = format!("\"${{{}:-{}}}\"{}", p.base_env, p.base, shell_quote(path));
    format!(
        "#!/bin/sh\n# {target}: {method} {url}\n# Needs OPENAI_API_KEY in the environment; OPENAI_BASE_URL overrides the base URL.\n# Saves image-0.{ext}, image-1.{ext}, … with jq (else the response goes to response.json).\nset -eu\n: \"${{OPENAI_API_KEY:?set OPENAI_API_KEY}}\"\ncurl -fsS {endpoint} \\\n  -H \"Authorization: Bearer $OPENAI_API_KEY\" \\\n  -H 'Content-Type: application/json' \\\n  -o response.json \\\n  --data-binary @- <<'IMGPROMPT_JSON'\n{body}\nIMGPROMPT_JSON\nif command -v jq >/dev/null 2>&1; then\n  jq -r '.data | to_entries[] | \"\\(.key) \\(.value.b64_json)\"' response.json |\n    while read -r i b64; do printf '%s' \"$b64\" | base64 -d > \"image-$i.{ext}\"; done\n  rm response.json\nelse\n  echo 'jq not found: the images are base64 in response.json (.data[].b64_json)' >&2\nfi\n",
        target = r.payload.target,
        method = r.payload.method,
        url = r.payload.url,
        body = serde_json::to_string_pretty(body).expect("json"),
    )
}

fn json_literal(v: &impl serde::Serialize) -> String {
    // a JSON string literal is also a valid Python and JavaScript string literal
    let text = serde_json::to_string(v).expect("json");
    serde_json::to_string(&text).expect("json string")
}

/// The request for `r` in the chosen form.
pub fn snippet(r: &Rendering, form: HandOff) -> Result<String, Diagnostic> {
    let target = r.payload.target;
    let p = provider(target).ok_or_else(|| {
        Diagnostic::error("no-handoff", format!("{target} has no HTTP API to call"))
            .with_help("use `--emit prompt` and paste the prompt line into Midjourney")
    })?;
    let url = &r.payload.url;
    let path = url.strip_prefix(p.base).unwrap_or(url);
    let body = &r.payload.body;
    let multipart = target == "stability";
    let openai = matches!(target, "openai" | "openai-edit");
    let edit = target == "openai-edit";
    Ok(match form {
        HandOff::Curl if openai => openai_curl(r, &p, path),
        HandOff::Python if openai => openai_python(r, edit),
        HandOff::Js if openai => openai_js(r, edit),
        HandOff::Curl => {
            let mut s = format!(
                "#!/bin/sh\n# {target}: {} {url}\n# Needs {key} in the environment; {base_env} overrides the base URL.\nset -eu\n: \"${{{key}:?set {key}}}\"\n",
                r.payload.method,
                key = p.key_env,
                base_env = p.base_env
            );
            let endpoint = format!("\"${{{}:-{}}}\"{}", p.base_env, p.base, shell_quote(path));
            let auth = format!("-H \"{}: {}${}\"", p.auth_header, p.auth_prefix, p.key_env);
            if multipart {
                s.push_str(&format!(
                    "curl -fsS {endpoint} \\\n  {auth} \\\n  -H 'accept: image/*' \\\n"
                ));
                if let Some(obj) = body.as_object() {
                    for (k, v) in obj {
                        let value = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        s.push_str(&format!(
                            "  --form-string {} \\\n",
                            shell_quote(&format!("{k}={value}"))
                        ));
                    }
                }
                s.push_str("  -o image.png\n");
            } else {
                s.push_str(&format!(
                    "curl -fsS {endpoint} \\\n  {auth} \\\n  -H 'Content-Type: application/json' \\\n  --data-binary @- <<'IMGPROMPT_JSON'\n{}\nIMGPROMPT_JSON\n",
                    serde_json::to_string(body).expect("json")
                ));
            }
            s
        }
        HandOff::Python => format!(
            "# {target}: {} {url}\n# Standard library only; reads {key} from the environment, {base_env} overrides the base URL.\nimport json\nimport os\nimport urllib.request\n\nbody = json.loads({})\nbase = os.environ.get(\"{base_env}\", \"{base}\")\nrequest = urllib.request.Request(\n    base + {path_lit},\n    data=json.dumps(body).encode(),\n    headers={{\"{auth}\": \"{prefix}\" + os.environ[\"{key}\"], \"Content-Type\": \"application/json\"}},\n    method=\"POST\",\n)\nwith urllib.request.urlopen(request) as response:\n    print(response.read().decode())\n",
            r.payload.method,
            json_literal(body),
            key = p.key_env,
            base_env = p.base_env,
            base = p.base,
            path_lit = serde_json::to_string(path).expect("json"),
            auth = p.auth_header,
            prefix = p.auth_prefix,
        ),
        HandOff::Js => format!(
            "// {target}: {} {url}\n// Node 18+ (fetch); reads {key} from the environment, {base_env} overrides the base URL.\nconst body = JSON.parse({});\nconst base = process.env.{base_env} ?? \"{base}\";\nconst response = await fetch(base + {path_lit}, {{\n  method: \"POST\",\n  headers: {{ \"{auth}\": \"{prefix}\" + process.env.{key}, \"Content-Type\": \"application/json\" }},\n  body: JSON.stringify(body),\n}});\nconsole.log(await response.text());\n",
            r.payload.method,
            json_literal(body),
            key = p.key_env,
            base_env = p.base_env,
            base = p.base,
            path_lit = serde_json::to_string(path).expect("json"),
            auth = p.auth_header,
            prefix = p.auth_prefix,
        ),
        HandOff::Http => {
            let host = url
                .trim_start_matches("https://")
                .split('/')
                .next()
                .unwrap_or("");
            let full_path = url.trim_start_matches("https://").trim_start_matches(host);
            if multipart {
                let boundary = "imgprompt-boundary";
                let mut s = format!(
                    "{} {full_path} HTTP/1.1\nHost: {host}\n{}: {}{{{{$processEnv {}}}}}\nAccept: image/*\nContent-Type: multipart/form-data; boundary={boundary}\n\n",
                    r.payload.method, p.auth_header, p.auth_prefix, p.key_env
                );
                if let Some(obj) = body.as_object() {
                    for (k, v) in obj {
                        let value = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        s.push_str(&format!("--{boundary}\nContent-Disposition: form-data; name=\"{k}\"\n\n{value}\n"));
                    }
                }
                s.push_str(&format!("--{boundary}--\n"));
                s
            } else {
                format!(
                    "{} {full_path} HTTP/1.1\nHost: {host}\n{}: {}{{{{$processEnv {}}}}}\nContent-Type: application/json\n\n{}\n",
                    r.payload.method,
                    p.auth_header,
                    p.auth_prefix,
                    p.key_env,
                    serde_json::to_string_pretty(body).expect("json")
                )
            }
        }
    })
}
