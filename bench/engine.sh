#!/usr/bin/env bash
# The run engine end to end, on PostgreSQL with remote workers and/or on
# SQLite with the server's embedded workers: BENCH_JOBS (10,000) runs of a
# trivial game_loop build (`game.sh`: exit 0) are queued with no worker
# connected, then BENCH_WORKERS (32) worker slots drain them on loopback,
# each job sandboxed with bubblewrap as in production. Reported: leases
# and completions per second, the time from POST /runs to the lease, jobs
# leased twice (must be 0), the worker protocol's requests per job, CPU
# and peak memory. Then, with the workers idle, runs are posted at a steady
# BENCH_RATE per second: POST -> lease there is the long poll's wake-up.
# Last, the engine alone: as many runs again, drained by clients that make
# the worker's requests but run no game (engine.py protocol).
# The baseline, measured just before each drain: the same per-job work
# without playtest (a run folder with a copy of the build, the same
# prlimit + bwrap command line), with the same concurrency. See
# bench/README.md.
set -euo pipefail
shopt -s inherit_errexit
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
which=${1:-both}
jobs=${BENCH_JOBS:-10000}
workers=${BENCH_WORKERS:-32}
procs=${BENCH_WORKER_PROCESSES:-4}
rate=${BENCH_RATE:-20}
rate_seconds=${BENCH_RATE_SECONDS:-30}
baseline_jobs=${BENCH_BASELINE_JOBS:-2000}
drain_timeout=${BENCH_DRAIN_TIMEOUT:-3600}
enqueue_threads=4
helper="$ROOT/bench/engine.py"

case $which in
  sqlite | postgres | both) ;;
  *) echo "usage: bench/engine.sh [sqlite|postgres|both]" >&2; exit 2 ;;
esac
if ((jobs < 1 || workers < 1 || procs < 1 || procs > workers)); then
  echo "need BENCH_JOBS >= 1 and 1 <= BENCH_WORKER_PROCESSES <= BENCH_WORKERS" >&2
  exit 2
fi
if ((workers % procs)); then
  echo "BENCH_WORKERS must be a multiple of BENCH_WORKER_PROCESSES" >&2
  exit 2
fi
if ((workers / procs > 64)); then
  echo "a worker process has at most 64 slots: raise BENCH_WORKER_PROCESSES" >&2
  exit 2
fi
((baseline_jobs <= jobs)) || baseline_jobs=$jobs

mkdir -p "$ROOT/target" "$ROOT/bench/results"
work=$(mktemp -d "${BENCH_WORK_DIR:-$ROOT/target}/bench-engine.XXXXXX")
pids=()
db_names=()
cleanup() {
  local pid db
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for db in "${db_names[@]}"; do
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Each job leaves its runs, events and logs.txt artifact (a few KiB) in the
# store; run folders are removed as jobs end.
free_mib=$(df --output=avail -BM "$work" | tail -n 1 | tr -dc 0-9)
need_mib=$((1024 + jobs / 10))
if ((free_mib < need_mib)); then
  echo "bench/engine.sh: $free_mib MiB free on $(df --output=target "$work" | tail -n 1)," \
    "need $need_mib for $jobs jobs: free some space or lower BENCH_JOBS" >&2
  exit 1
fi

apt_install curl
ensure_bubblewrap
command -v prlimit >/dev/null || apt_install util-linux
[[ $which != sqlite ]] && ensure_postgres
say "building playtest (release)"
cargo build -q --release --bin playtest
bin="$ROOT/target/release/playtest"
out="$ROOT/bench/results/engine-$(date +%Y%m%d-%H%M%S).md"

game="$work/game.sh"
printf '#!/bin/sh\nexit 0\n' >"$game"
chmod +x "$game"

# "SELF CHILDREN": CPU seconds PID used so far, and those of the children it
# waited for (the sandboxes).
cpu_of() {
  awk -v tick="$(getconf CLK_TCK)" '{ printf "%.2f %.2f\n", ($14 + $15) / tick, ($16 + $17) / tick }' "/proc/$1/stat"
}
# cpu_sum "A B" "C D"...: "A+C B+D".
cpu_sum() {
  printf '%s\n' "$@" | awk '{ a += $1; b += $2 } END { printf "%.2f %.2f\n", a, b }'
}
# cpu_delta "A B" "C D": "C-A D-B".
cpu_delta() {
  awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.2f %.2f\n", y[1] - x[1], y[2] - x[2] }'
}
# "NOW BUSY": the time, and the busy CPU seconds of the whole machine so far.
machine_busy() {
  awk -v now="$(date +%s.%N)" -v tick="$(getconf CLK_TCK)" \
    '$1 == "cpu" { printf "%s %.2f\n", now, ($2 + $3 + $4 + $7 + $8 + $9) / tick }' /proc/stat
}
# CPU seconds of the PostgreSQL backends serving database $1, as "pid:seconds" words.
pg_backends_cpu() {
  local pid
  for pid in $(psql "$PG_ADMIN_URL" -qAtc "SELECT pid FROM pg_stat_activity WHERE datname = '$1'"); do
    [[ -r /proc/$pid/stat ]] && echo "$pid:$(cpu_of "$pid" | cut -d' ' -f1)"
  done
}
# pg_cpu_delta "BEFORE" "AFTER": CPU seconds the backends used in between.
pg_cpu_delta() {
  python3 -c '
import sys
before = dict(w.split(":") for w in sys.argv[1].split())
after = dict(w.split(":") for w in sys.argv[2].split())
print(f"{sum(float(v) - float(before.get(p, 0)) for p, v in after.items()):.2f}")' "$1" "$2"
}
peak_mib() {
  awk '/^VmHWM/ { printf "%.0f\n", $2 / 1024 }' "/proc/$1/status"
}
now() { date +%s.%N; }

# Stops a process this script started, and forgets it.
stop_pid() {
  local pid rest=()
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
  for pid in "${pids[@]}"; do
    [[ $pid == "$1" ]] || rest+=("$pid")
  done
  pids=("${rest[@]}")
}

# start_server LOG [SERVE FLAGS...]: sets server_pid and server_url. The
# server logs every answered request (one debug line each), to count the
# worker protocol's requests.
start_server() {
  local log=$1 port
  shift
  port=$(free_port)
  server_url="http://127.0.0.1:$port"
  RUST_LOG=warn,playtest_api::request_id=debug "$bin" serve --listen "127.0.0.1:$port" \
    --rate-limit-per-second 0 "$@" >>"$log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  wait_for "$server_url/api/v1/health"
}

# cli ARGS...: the playtest CLI against the running server.
cli() {
  PLAYTEST_API_URL="$server_url" PLAYTEST_API_KEY="$api_key" "$bin" "$@"
}
json_id() { python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'; }

# bench_backend sqlite|postgres FIGURES: runs every phase on a fresh store,
# writes key=value figures to FIGURES.
bench_backend() {
  local backend=$1 figures=$2 dir="$work/$1" db_name="" db flags
  mkdir -p "$dir"
  flags=(--data-dir "$dir/data")
  if [[ $backend == postgres ]]; then
    db_name="playtest_bench_engine_$$"
    db_names+=("$db_name")
    PGOPTIONS=--client-min-messages=warning psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db_name"
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $db_name" >/dev/null
    db="${PG_ADMIN_URL%/*}/$db_name"
    flags+=(--database-url "$db")
  else
    db="$dir/data/playtest.db"
  fi
  local log="$dir/server.log" token build_id drain_test steady_test protocol_test config
  api_key=$("$bin" keys create --name bench --permissions project:admin "${flags[@]}")
  token=$("$bin" workers token create --name bench "${flags[@]}")
  start_server "$log" "${flags[@]}"

  if ! build_id=$(cli upload "$game" --name trivial --platform linux --json 2>"$dir/upload.log" | json_id); then
    cat "$dir/upload.log" >&2
    exit 1
  fi
  echo '{"name": "drain", "test_type": "game_loop", "max_seconds": 30}' >"$dir/drain.json"
  echo '{"name": "steady", "test_type": "game_loop", "max_seconds": 30}' >"$dir/steady.json"
  echo '{"name": "protocol", "test_type": "game_loop", "max_seconds": 30}' >"$dir/protocol.json"
  echo "{\"name\": \"linux\", \"kind\": \"linux\", \"build_id\": \"$build_id\", \"launch\": {\"entry\": \"game.sh\"}}" \
    >"$dir/config.json"
  drain_test=$(cli tests create --file "$dir/drain.json" --json | json_id)
  steady_test=$(cli tests create --file "$dir/steady.json" --json | json_id)
  protocol_test=$(cli tests create --file "$dir/protocol.json" --json | json_id)
  config=$(cli configs create --file "$dir/config.json" --json | json_id)

  say "$backend: queueing $jobs runs (no worker connected)"
  local enqueue
  enqueue=$(python3 "$helper" enqueue "$server_url" "$api_key" "$drain_test" "$config" "$jobs" "$enqueue_threads")

  if [[ $backend == sqlite ]]; then
    # The embedded workers start with the server: restart it with them.
    stop_pid "$server_pid"
  fi

  say "$backend: baseline, $baseline_jobs sandboxed runs of game.sh, $workers at a time, without playtest"
  local base_game base_worker
  base_game=$(python3 "$helper" baseline "$game" "$dir/baseline" "$baseline_jobs" "$workers" game)
  base_worker=$(python3 "$helper" baseline "$game" "$dir/baseline" "$baseline_jobs" "$workers" worker)

  local topology t0 t_done cpu_server0 busy0 pg0="" log0 log1 i slots worker_pids=()
  say "$backend: draining $jobs jobs with $workers worker slots"
  log0=$(stat -c %s "$log" 2>/dev/null || echo 0)
  busy0=$(machine_busy)
  t0=$(now)
  if [[ $backend == sqlite ]]; then
    start_server "$log" "${flags[@]}" --workers "$workers"
    topology="embedded: serve --workers $workers (one worker, $workers slots)"
  else
    pg0=$(pg_backends_cpu "$db_name")
    for ((i = 0; i < procs; i++)); do
      slots=$((workers / procs))
      RUST_LOG=warn "$bin" worker --server "$server_url" --token "$token" --slots "$slots" \
        --work-dir "$dir/worker-$i" --name "bench-$i" >>"$dir/worker-$i.log" 2>&1 &
      pids+=($!)
      worker_pids+=($!)
    done
    topology="remote: $procs \`playtest worker\` processes, $workers slots in all"
  fi
  cpu_server0=$(cpu_of "$server_pid")
  t_done=$(python3 "$helper" wait "$server_url" "$api_key" "$jobs" "$drain_timeout")
  local cpu_server cpu_workers="0 0" cpu_pg="" busy
  busy=$(cpu_delta "$busy0" "$(machine_busy)")
  cpu_server=$(cpu_delta "$cpu_server0" "$(cpu_of "$server_pid")")
  for i in "${worker_pids[@]}"; do
    cpu_workers=$(cpu_sum "$cpu_workers" "$(cpu_of "$i")")
  done
  [[ $backend == postgres ]] && cpu_pg=$(pg_cpu_delta "$pg0" "$(pg_backends_cpu "$db_name")")
  log1=$(stat -c %s "$log")

  say "$backend: steady load, $rate runs/s for ${rate_seconds}s, workers idle in between"
  sleep 2
  local steady steady_count
  steady=$(python3 "$helper" steady "$server_url" "$api_key" "$steady_test" "$config" "$rate" "$rate_seconds")
  steady_count=${steady%% *}
  python3 "$helper" wait "$server_url" "$api_key" $((jobs + steady_count)) 300 >/dev/null

  local server_peak worker_peak=0
  server_peak=$(peak_mib "$server_pid")
  for i in "${worker_pids[@]}"; do
    worker_peak=$(($(peak_mib "$i") > worker_peak ? $(peak_mib "$i") : worker_peak))
  done
  for i in "${worker_pids[@]}"; do stop_pid "$i"; done
  if [[ $backend == sqlite ]]; then
    stop_pid "$server_pid"
    start_server "$log" "${flags[@]}"
  fi

  say "$backend: the engine alone: $jobs jobs drained by $workers slots that speak the worker protocol, no sandbox"
  local protocol p_cpu_server0 p_pg0="" p_busy0 p_cpu_server p_cpu_pg="" p_busy
  python3 "$helper" enqueue "$server_url" "$api_key" "$protocol_test" "$config" "$jobs" "$enqueue_threads" >/dev/null
  p_cpu_server0=$(cpu_of "$server_pid")
  [[ $backend == postgres ]] && p_pg0=$(pg_backends_cpu "$db_name")
  p_busy0=$(machine_busy)
  protocol=$(python3 "$helper" protocol "$server_url" "$token" "$procs" $((workers / procs)))
  p_busy=$(cpu_delta "$p_busy0" "$(machine_busy)")
  p_cpu_server=$(cpu_delta "$p_cpu_server0" "$(cpu_of "$server_pid")")
  [[ $backend == postgres ]] && p_cpu_pg=$(pg_cpu_delta "$p_pg0" "$(pg_backends_cpu "$db_name")")
  stop_pid "$server_pid"

  {
    echo "backend=$backend"
    echo "topology=$topology"
    echo "jobs=$jobs"
    echo "workers=$workers"
    echo "enqueue=$enqueue"
    echo "baseline_jobs=$baseline_jobs"
    echo "baseline_game=$base_game"
    echo "baseline_worker=$base_worker"
    echo "t0=$t0"
    echo "t_done=$t_done"
    echo "cpu_server=$cpu_server"
    echo "cpu_workers=$cpu_workers"
    echo "cpu_pg=$cpu_pg"
    echo "busy=$busy"
    echo "steady=$steady"
    echo "rate=$rate"
    echo "rate_seconds=$rate_seconds"
    echo "server_peak=$server_peak"
    echo "worker_peak=$worker_peak"
    echo "protocol=$protocol"
    echo "p_t0=${p_busy0%% *}"
    echo "p_cpu_server=$p_cpu_server"
    echo "p_cpu_pg=$p_cpu_pg"
    echo "p_busy=$p_busy"
    python3 "$helper" stats "$backend" "$db" "$drain_test" | sed 's/^/drain_/'
    python3 "$helper" stats "$backend" "$db" "$steady_test" | sed 's/^/steady_/'
    python3 "$helper" stats "$backend" "$db" "$protocol_test" | sed 's/^/protocol_/'
    python3 "$helper" requests "$log" "$log0" "$log1" "$jobs" | awk '{ printf "requests_%s_%s=%s %s\n", $1, $2, $3, $4 }'
  } >"$figures"
  if [[ -n $db_name ]]; then
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db_name" >/dev/null
  fi
  rm -rf "$dir/data" "$dir"/worker-* "$dir/baseline"
}

figure_files=()
load=$(cut -d' ' -f1-3 /proc/loadavg)
for backend in postgres sqlite; do
  [[ $which == "$backend" || $which == both ]] || continue
  bench_backend "$backend" "$work/$backend.figures"
  figure_files+=("$work/$backend.figures")
done

{
  echo "# Run engine benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  versions=$(bwrap --version)
  [[ $which != sqlite ]] && versions+=", $(psql --version | awk '{ print "PostgreSQL " $3 }') (server on loopback)"
  echo "$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory, load average $load at the start" \
    "and $(cut -d' ' -f1-3 /proc/loadavg) at the end (other work on the machine slows every figure); $versions."
  echo "$jobs runs of a trivial game_loop build (\`game.sh\`: \`exit 0\`), queued with no worker connected," \
    "then drained by $workers worker slots; then $rate runs/s for ${rate_seconds}s with the workers idle;" \
    "then $jobs more runs drained by $workers slots of clients that make the worker's requests and run nothing."
  echo "Baseline, measured just before each drain: $baseline_jobs runs of \`game.sh\` under the worker's" \
    "prlimit + bwrap command line, $workers at a time, each in a fresh folder with a copy of the build, without playtest."
  echo
  python3 "$helper" report "${figure_files[@]}"
} | tee "$out"
say "written to $out"
