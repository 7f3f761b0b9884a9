#!/usr/bin/env bash
# The Python package's tests: builds the wheel with maturin, installs it into a fresh virtualenv
# (the wheel, pytest and hypothesis, nothing else) and runs python/tests there, against the
# command line built from the same checkout (parity on every shipped example and fixture).
#
#   python/test.sh                            # the tests, with a short property run
#   HYPOTHESIS_PROFILE=long python/test.sh    # the long property run
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"
build="$here/.venv-build"
if [ ! -x "$build/bin/maturin" ]; then
  python3 -m venv "$build"
  "$build/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements-build.txt"
fi
# the command line the tests compare with
cargo build --locked --quiet --bin imgprompt
# the wheel, in the dev profile to keep CI short (`pip install ./python` builds the release one)
rm -rf "$root/target/wheels"
"$build/bin/maturin" build --quiet --locked --profile dev -m "$here/Cargo.toml" --out "$root/target/wheels"
wheel="$(ls "$root"/target/wheels/imgprompt-*.whl)"
# a fresh virtualenv: the wheel and the test tools only
fresh="$here/.venv-test"
rm -rf "$fresh"
python3 -m venv "$fresh"
"$fresh/bin/pip" install --quiet --disable-pip-version-check "$wheel" -r "$here/requirements-test.txt"
export IMGPROMPT_BIN="$root/target/debug/imgprompt" IMGPROMPT_WHEEL="$wheel"
# run from the tests folder, so `import imgprompt` finds the installed wheel, not a source tree
cd "$here/tests"
exec "$fresh/bin/python" -m pytest -q -p no:cacheprovider "$@"
