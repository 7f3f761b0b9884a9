"""The peer of `imgprompt batch`: the pipeline a user would write instead, with Jinja2 and
fastjsonschema.

    python jinja_pipeline.py BRIEF_SCHEMA REQUEST_SCHEMA PRICES IN.jsonl OUT.jsonl

For each JSONL line, in order, one record (one per variant of a `vary`):
1. the line parsed (`json.loads`); a malformed line is an error record;
2. the brief checked against imgprompt's own brief schema (`schemas/spec.schema.json`),
   compiled once with fastjsonschema;
3. the preset's defaults merged under the brief (the same defaults as imgprompt's presets);
4. the prompt rendered from a Jinja2 template per preset (compiled once), the exact text quoted;
5. the request body built and checked against the official OpenAI request schema
   (`schemas/targets/openai-images-generations.schema.json`), compiled once;
6. the price looked up in imgprompt's `data/prices.json` (gpt-image-2's per-image price by
   quality and size, prompt tokens at 4 characters);
7. the record written with `json.dumps`.

What it does not do, that imgprompt does: per-model rules (sizes, qualities, lifecycle), the
preset's params schema, styles, diagnostics with line and column, the proof that every exact text
reached the prompt, other targets, atomic output.
"""

import itertools
import json
import sys

import fastjsonschema
import jinja2

DEFAULTS = {
    "poster": {
        "style": {"medium": "poster", "typography": "bold, readable typography"},
        "output": {"size": "1024x1536", "quality": "high"},
    },
    "product": {
        "style": {"medium": "product photograph"},
        "output": {"size": "1024x1024", "quality": "high"},
    },
    "ui": {
        "style": {"medium": "user interface screenshot"},
        "output": {"size": "1536x1024", "quality": "high"},
    },
    "basic": {"style": {}, "output": {"size": "1024x1024", "quality": "medium"}},
}

TEMPLATE = """\
{%- if composition.scene %}Scene: {{ composition.scene }}. {% endif -%}
Create {{ ('a ' ~ style.medium) if style.medium else 'an image' }} for {{ subject }}.
{%- if composition.framing or composition.background %} Details: \
{{ [composition.framing, composition.background] | select | join('; ') }}.{% endif %}
{%- set look = [style.lighting] + (style.mood or []) + (style.palette or []) %}
{%- if look | select | list %} Style: {{ look | select | join(', ') }}.{% endif %}
{%- for role, words in text.items() %} Text: the {{ role }} "{{ words }}"\
{% if loop.first %} (largest type){% endif %};{% endfor %}
{%- if style.typography %} set in {{ style.typography }}.{% endif %}
{%- if context.purpose %} For a {{ context.purpose }}{% if context.channel %}, \
on {{ context.channel }}{% endif %}.{% endif %}
{%- if text %} Render each text once, exactly as written, letter for letter, and add no other \
text.{% endif %}
{%- if avoid %} Avoid: {{ avoid | join(', ') }}.{% endif %}"""

def merged(defaults, brief):
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in defaults.items()}
    for key, value in brief.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def variants(brief):
    vary = brief.pop("vary", None) or {}
    if not vary:
        yield brief
        return
    paths = list(vary)
    for picks in itertools.product(*(vary[p] for p in paths)):
        variant = json.loads(json.dumps(brief))
        for path, value in zip(paths, picks):
            node = variant
            *parents, last = path.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[last] = value
        yield variant


def record(n, brief, template, check_request, prices):
    preset = brief.get("preset", "basic")
    b = merged(DEFAULTS[preset], brief)
    ctx = {k: b.get(k) or {} for k in ("style", "composition", "text", "context")}
    prompt = template.render(subject=b["subject"], avoid=b.get("avoid", []), **ctx)
    output = b["output"]
    body = {
        "model": "gpt-image-2",
        "prompt": prompt,
        "size": output["size"],
        "quality": output["quality"],
    }
    check_request(body)
    tokens = -(-len(prompt) // 4)
    per_image = prices["per_image"]["prices"][output["quality"]][output["size"]]
    text_in = prices["tokens_per_million"]["text_in"] / 1e6
    return {
        "line": n,
        "name": b.get("name"),
        "preset": preset,
        "prompt": prompt,
        "payload": {
            "target": "openai",
            "method": "POST",
            "url": "https://api.openai.com/v1/images/generations",
            "body": body,
        },
        "cost": {"per_request": per_image + tokens * text_in, "input_tokens": tokens},
    }


def main(brief_schema, request_schema, price_table, source, target):
    with open(brief_schema) as f:
        check_brief = fastjsonschema.compile(json.load(f))
    with open(request_schema) as f:
        check_request = fastjsonschema.compile(json.load(f))
    with open(price_table) as f:
        prices = json.load(f)["models"]["gpt-image-2"]
    env = jinja2.Environment(autoescape=False, undefined=jinja2.ChainableUndefined)
    template = env.from_string(TEMPLATE)
    with open(source, encoding="utf-8", errors="replace") as inp, open(target, "w") as out:
        for n, line in enumerate(inp, 1):
            try:
                brief = json.loads(line)
                check_brief(brief)
                for v in variants(brief):
                    out.write(json.dumps(record(n, v, template, check_request, prices)) + "\n")
            except (ValueError, KeyError, TypeError, fastjsonschema.JsonSchemaException) as e:
                out.write(json.dumps({"line": n, "error": str(e)}) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:6])
