#!/usr/bin/env bash
# The agents on real native Linux games (bench/native/games.sh: pygame's
# aliens, Simon Tatham's Net, LTris, and faulty copies of them), through
# playtest's own API (serve --workers 1 on SQLite, each build uploaded):
#   1. coverage: the explorer against uniformly random actions from the same
#      action space, BENCH_SECONDS (120) each, BENCH_SEEDS (3) seeds each,
#      on each of BENCH_GAMES; distinct cells (median and spread) and the
#      bugs reported on the clean games (must be none);
#   2. throughput: actions per second with a screenshot per action, with and
#      without the recording (aliens);
#   3. faults: one explorer run per faulty build, BENCH_FAULT_SECONDS (120):
#      what was found, how soon;
#   4. the first crash found, minimised, then replayed 3 times.
# Writes bench/results/native-<time>.md. About 75 minutes with the
# defaults; BENCH_STEPS picks steps (e.g. "faults minimize").
set -euo pipefail
shopt -s inherit_errexit
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
seconds=${BENCH_SECONDS:-120}
seeds=${BENCH_SEEDS:-3}
fault_seconds=${BENCH_FAULT_SECONDS:-120}
games=${BENCH_GAMES:-pygame-aliens sgt-net ltris}
faults=${BENCH_FAULTS:-aliens-raise aliens-segv aliens-freeze aliens-spin aliens-black aliens-slow ltris-abort}
steps=" ${BENCH_STEPS:-coverage throughput faults minimize} "
helper="$ROOT/bench/native.py"

apt_install curl
ensure_bubblewrap
ensure_web_tools
ensure_native_tools
ensure_ocr_tools
games_dir=$(ensure_native_games)
start_agent_bench_server native
cli() { PLAYTEST_API_URL="$server_url" PLAYTEST_API_KEY="$api_key" "$bin" "$@"; }
for name in $games $faults; do
  file=$(ls "$games_dir/$name".* | head -1)
  id=$(cli upload "$file" --name "$name" --platform linux --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  echo "$name $id" >>"$work/builds.txt"
done

if [[ $steps == *" coverage "* ]]; then
  say "coverage: explorer and random on $games, $seeds seeds x $seconds s each"
  python3 "$helper" coverage "$server_url" "$api_key" "$work/builds.txt" "$games" "$seeds" "$seconds" "$work/coverage.jsonl"
fi
if [[ $steps == *" throughput "* ]]; then
  say "throughput: explorer on aliens with and without the recording, $seconds s each"
  python3 "$helper" video "$server_url" "$api_key" "$work/builds.txt" pygame-aliens "$seconds" "$work/video.jsonl"
fi
if [[ $steps == *" faults "* ]]; then
  say "faults: one run per faulty build ($faults), $fault_seconds s each"
  python3 "$helper" faults "$server_url" "$api_key" "$work/builds.txt" "$faults" "$fault_seconds" "$work/faults.jsonl"
fi
if [[ $steps == *" minimize "* ]]; then
  say "minimise the first crash found, replay it 3 times"
  python3 "$helper" minimize "$server_url" "$api_key" "$work/faults.jsonl" "$work/minimize.jsonl" || true
fi

out="$ROOT/bench/results/native-$(date -u +%Y%m%dT%H%M%SZ).md"
{
  echo "# bench/native.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, ${seconds} s runs"
  echo
  python3 "$helper" report "$work/coverage.jsonl" "$work/video.jsonl" "$work/faults.jsonl" "$work/minimize.jsonl"
} | tee "$out"
say "written to $out"
