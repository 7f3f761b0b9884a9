"""Sends each payload of a JSONL file through the official openai Python SDK.

Generations go through `client.images.generate(**payload)`: its keyword parameters are the SDK's
own, so a parameter the SDK does not know raises TypeError. Edits with images by URL or file id
(the JSON form of /v1/images/edits) go through the SDK's client with `client.post`, as the
hand-off snippet does. Prints one JSON line per payload: {"ok": true} or {"error": "..."}.
"""
import json
import sys

from openai import OpenAI
from openai.types import ImagesResponse

client = OpenAI(max_retries=0)
for line in open(sys.argv[1], encoding="utf-8"):
    item = json.loads(line)
    try:
        if item["endpoint"] == "generations":
            result = client.images.generate(**item["payload"])
        else:
            result = client.post("/images/edits", cast_to=ImagesResponse, body=item["payload"])
        assert result.data, "no images in the response"
        print(json.dumps({"ok": True, "output_format": result.output_format}))
    except Exception as e:  # noqa: BLE001 - every failure is reported to the test
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
