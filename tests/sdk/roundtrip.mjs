// Sends each payload of a JSONL file through the official openai Node SDK
// (`client.images.generate(payload)`, or `client.post("/images/edits", {body})` for the JSON
// form of edits). Prints one JSON line per payload: {"ok": true} or {"error": "..."}.
import fs from "node:fs";
import OpenAI from "openai";

const client = new OpenAI({ maxRetries: 0 });
for (const line of fs.readFileSync(process.argv[2], "utf8").split("\n")) {
  if (!line.trim()) continue;
  const item = JSON.parse(line);
  try {
    const result =
      item.endpoint === "generations"
        ? await client.images.generate(item.payload)
        : await client.post("/images/edits", { body: item.payload });
    if (!result.data?.length) throw new Error("no images in the response");
    console.log(JSON.stringify({ ok: true, output_format: result.output_format }));
  } catch (e) {
    console.log(JSON.stringify({ error: `${e.name}: ${e.message}` }));
  }
}
