#!/usr/bin/env bash
# imgprompt side by side with the tools a user would pick instead (README, "Performance"):
#   bash benches/peers/run.sh
# 1. builds the release binary and the xtask floor;
# 2. installs the pinned peers (requirements.txt) into target/bench-peers/venv (once);
# 3. runs compare.py: batch vs a Jinja2 + fastjsonschema pipeline and the serde_json floor,
#    expand vs Dynamic Prompts, a million variants, the cold start;
# 4. runs the serve load test (`cargo bench --bench serve`) at 1 and 16 connections.
# IMGPROMPT_PEERS_N (briefs, default 100000), IMGPROMPT_PEERS_RUNS (default 5),
# IMGPROMPT_PEERS_JSON (write the figures there), IMGPROMPT_PEERS_SKIP_SERVE=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release --quiet --bin imgprompt
cargo build --release --quiet --package xtask
venv=target/bench-peers/venv
if [ ! -x "$venv/bin/python" ] || ! cmp -s benches/peers/requirements.txt "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r benches/peers/requirements.txt
  cp benches/peers/requirements.txt "$venv/requirements.txt"
fi
"$venv/bin/python" benches/peers/compare.py target/release/imgprompt target/release/xtask
if [ "${IMGPROMPT_PEERS_SKIP_SERVE:-}" != 1 ]; then
  echo
  cargo bench --quiet --bench serve
fi
