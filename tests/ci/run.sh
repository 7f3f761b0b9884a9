#!/usr/bin/env bash
# The CI conventions, tested with the tools that consume them: the JUnit reports read by
# junitparser, the SARIF logs by sarif-tools, and the hooks of .pre-commit-hooks.yaml run by
# `pre-commit try-repo` in a temporary repository (pre-commit builds imgprompt from this checkout
# with cargo, as it would for a user: a release build, reused through target/pre-commit); and the
# side-by-side benchmark's script in its quick mode (benches/peers).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/pre-commit" ] || ! "$venv/bin/python" -c 'import junitparser, sarif, pytest, jinja2, fastjsonschema, dynamicprompts' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
cd "$root"
cargo build --locked --quiet --bin imgprompt
cargo build --locked --quiet --package xtask
export IMGPROMPT_BIN="$root/target/debug/imgprompt" IMGPROMPT_XTASK="$root/target/debug/xtask"
export PATH="$venv/bin:$PATH"
cd "$here"
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
