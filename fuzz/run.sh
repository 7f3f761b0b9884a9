#!/usr/bin/env bash
# Runs one fuzz target for SECONDS (default 600, the long run) from its seeded corpus, on the
# nightly toolchain (`rustup toolchain install nightly`, `cargo install cargo-fuzz`), built with
# `-O` (release; FUZZ_BUILD=--dev or -a for debug assertions), then prints
# the last status line (coverage, exec/s) and libFuzzer's final stats. Crashes land in
# fuzz/artifacts/TARGET/; replay one with `cargo +nightly fuzz run TARGET ARTIFACT`.
#
#   fuzz/run.sh brief 600      # targets: brief batch parse render preset (cargo fuzz list)
set -euo pipefail
cd "$(dirname "$0")"
target=${1:?usage: fuzz/run.sh TARGET [SECONDS]}
seconds=${2:-600}
[ -n "$(ls -A "corpus/$target" 2>/dev/null)" ] || ./seed.sh
mkdir -p "corpus/$target"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo +nightly fuzz run ${FUZZ_BUILD:--O} "$target" "corpus/$target" -- \
  -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>&1 |
  tee "$log" || status=$?
echo "---- $target: ${seconds} s, exit $status"
grep -E '^#[0-9]+' "$log" | grep -E 'cov:|exec/s:' | tail -n 1 || true
grep -E '^stat::' "$log" || true
exit "$status"
