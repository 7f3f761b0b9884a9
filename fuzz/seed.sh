#!/usr/bin/env bash
# Seeds the fuzz corpora with the shipped fixtures: fuzz/corpus/<target>/ (gitignored).
#
#   brief, render  every JSON and YAML brief (examples, preset examples and fixtures, tests/inputs),
#                  and each line of the JSONL batch fixtures
#   parse          the same briefs, each prefixed with its format byte (0 JSON, 1 YAML)
#   batch          the JSONL batch fixtures, whole
#   preset         every shipped and test template (.tera)
#
# Safe to run again: files are named after their source and overwritten. Then `fuzz/run.sh TARGET`.
set -euo pipefail
cd "$(dirname "$0")"
root=..
shopt -s nullglob globstar

for t in brief render parse batch preset; do
  mkdir -p "corpus/$t"
done

# a flat, stable file name for a source path
name() {
  local p=${1#"$root"/}
  echo "${p//\//_}"
}

briefs=(
  "$root"/examples/*.{yaml,json}
  "$root"/templates/*/example.{yaml,json}
  "$root"/templates/*/fixtures/*.{yaml,json}
  "$root"/tests/inputs/**/*.{yaml,json}
)
n=0
for f in "${briefs[@]}"; do
  case "$f" in
    */bad-presets/*/preset.yaml | */lint/presets/*/preset.yaml | */styles/*) continue ;;
  esac
  dest=$(name "$f")
  cp "$f" "corpus/brief/$dest"
  cp "$f" "corpus/render/$dest"
  case "$f" in
    *.json) { printf '\x00'; cat "$f"; } >"corpus/parse/$dest" ;;
    *) { printf '\x01'; cat "$f"; } >"corpus/parse/$dest" ;;
  esac
  n=$((n + 1))
done

lines=0
for f in "$root"/tests/inputs/**/*.jsonl; do
  dest=$(name "$f")
  cp "$f" "corpus/batch/$dest"
  i=0
  while IFS= read -r line || [ -n "$line" ]; do
    i=$((i + 1))
    [ -n "$line" ] || continue
    printf '%s' "$line" >"corpus/brief/$dest-$i"
    { printf '\x00'; printf '%s' "$line"; } >"corpus/parse/$dest-$i"
    lines=$((lines + 1))
  done <"$f"
done

# every JSON brief fixture as one line of a batch, with a blank line, a byte-order mark and a
# latin-1 line among them; and two inputs of generated lines (first byte 1, or 3 in parallel)
{
  for f in "${briefs[@]}"; do
    case "$f" in *.json) tr -d '\n\r' <"$f" && echo ;; esac
  done
  echo
  printf '\xef\xbb\xbf{"subject": "a bom"}\n'
  printf '{"subject": "caf\xe9"}\n'
} >corpus/batch/json-briefs.jsonl
printf '\x01\x05\x00\x01\x02\x03\x04\x05\x06\x07\x08' >corpus/batch/generated-1
printf '\x03\x07\x01\x01\x00\xff\x10\x20\x30\x40\x50' >corpus/batch/generated-2

templates=0
for f in "$root"/templates/**/*.tera "$root"/tests/inputs/**/*.tera; do
  cp "$f" "corpus/preset/$(name "$f")"
  templates=$((templates + 1))
done

echo "seeded: $n briefs (brief, render, parse), $lines batch lines, $(ls corpus/batch | wc -l) batch files, $templates templates"
