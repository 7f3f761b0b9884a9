#!/bin/sh
# Installs the official OpenAI SDKs the round-trip tests drive (tests/it/sdk.rs), pinned:
# Python into tests/sdk/.venv, Node into tests/sdk/node_modules. Idempotent.
set -eu
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import openai' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
fi
if [ ! -d node_modules/openai ]; then
  npm ci --no-audit --no-fund --silent
fi
