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
    Ok(match form {
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
        HandOff::Python if target == "openai" => format!(
            "# {target}: {} {url}\n# pip install openai; reads OPENAI_API_KEY (and OPENAI_BASE_URL) from the environment.\nimport base64\nimport json\n\nfrom openai import OpenAI\n\nrequest = json.loads({})\nclient = OpenAI()\nresult = client.images.generate(**request)\nfor i, image in enumerate(result.data):\n    with open(f\"image-{{i}}.png\", \"wb\") as f:\n        f.write(base64.b64decode(image.b64_json))\n",
            r.payload.method,
            json_literal(body)
        ),
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
        HandOff::Js if target == "openai" => format!(
            "// {target}: {} {url}\n// npm install openai; reads OPENAI_API_KEY (and OPENAI_BASE_URL) from the environment.\nimport fs from \"node:fs\";\nimport OpenAI from \"openai\";\n\nconst request = JSON.parse({});\nconst client = new OpenAI();\nconst result = await client.images.generate(request);\nresult.data.forEach((image, i) => fs.writeFileSync(`image-${{i}}.png`, Buffer.from(image.b64_json, \"base64\")));\n",
            r.payload.method,
            json_literal(body)
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
