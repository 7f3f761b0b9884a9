#!/bin/sh
# Installs what the real-client tests drive, pinned: the official OpenAI SDKs (tests/it/sdk.rs) —
# Python into tests/sdk/.venv, Node into tests/sdk/node_modules — and playwright-core, which drives
# the system Chromium for the playground test (tests/it/serve.rs). Idempotent.
set -eu
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import openai' 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
fi
if [ ! -d node_modules/openai ] || [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund --silent
fi
