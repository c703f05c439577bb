#!/usr/bin/env bash
# wrk against a real `playtest serve`: the bare health handler, an
# authenticated run lookup and an authenticated list of 100 runs, with
# 100,000 runs in the store, on SQLite and/or PostgreSQL.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
which=${1:-both}
seconds=${BENCH_SECONDS:-15}
connections=${BENCH_CONNECTIONS:-32}
runs=${BENCH_RUNS:-100000}

apt_install wrk curl
ensure_postgres
say "building playtest (release)"
cargo build -q --release --bin playtest
bin="$ROOT/target/release/playtest"
mkdir -p "$ROOT/bench/results"
out="$ROOT/bench/results/api-$(date +%Y%m%d-%H%M%S).md"

# wrk_run NAME URL [KEY] -> prints "NAME req/s p99"
wrk_run() {
  local name=$1 url=$2 key=${3:-}
  local args=(-t2 "-c$connections" "-d${seconds}s" --latency)
  [[ -n $key ]] && args+=(-H "X-Api-Key: $key")
  local report
  report=$(wrk "${args[@]}" "$url")
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
  errors=$(grep -E 'Non-2xx|Socket errors' <<<"$report" || true)
  [[ -n $errors ]] && echo "  $name: $errors" >&2
  echo "$name $rps $p99"
}

bench_backend() {
  local backend=$1 work db_name="" flags
  work=$(mktemp -d)
  flags=(--data-dir "$work/data")
  if [[ $backend == postgres ]]; then
    db_name="playtest_bench_$$"
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db_name" >/dev/null
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $db_name" >/dev/null
    flags+=(--database-url "${PG_ADMIN_URL%/*}/$db_name")
  fi
  local key port base pid run_id
  key=$("$bin" keys create --name bench --permissions project:admin "${flags[@]}")
  port=$(free_port)
  base="http://127.0.0.1:$port"
  RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --rate-limit-per-second 0 "${flags[@]}" 2>"$work/server.log" &
  pid=$!
  wait_for "$base/api/v1/health"
  say "$backend: seeding $runs runs"
  run_id=$(python3 "$ROOT/bench/seed_runs.py" "$base" "$key" "$runs")
  say "$backend: wrk, $connections connections, ${seconds}s each"
  local health lookup list
  health=$(wrk_run health "$base/api/v1/health")
  lookup=$(wrk_run lookup "$base/api/v1/runs/$run_id" "$key")
  list=$(wrk_run list "$base/api/v1/runs?page_size=100" "$key")
  local rss
  rss=$(awk '/VmHWM/ {print $2/1024 " MiB"}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  [[ -n $db_name ]] && psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db_name" >/dev/null
  rm -rf "$work"
  python3 - "$backend" "$rss" "$health" "$lookup" "$list" <<'PY'
import sys
backend, rss = sys.argv[1], sys.argv[2]
rows = [line.split() for line in sys.argv[3:]]
base = float(rows[0][1])
labels = {"health": "GET /api/v1/health (bare, no key)",
          "lookup": "GET /api/v1/runs/{id} (authenticated)",
          "list": "GET /api/v1/runs?page_size=100 (authenticated)"}
for name, rps, p99 in rows:
    print(f"| {backend} | {labels[name]} | {float(rps):,.0f} | {p99} | {float(rps) / base:.2f} |")
print(f"| {backend} | server peak RSS | {rss} | | |")
PY
}

{
  echo "# API benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $runs runs, $connections connections, ${seconds}s per target"
  echo
  echo "| backend | target | requests/s | p99 | ratio to health |"
  echo "|---|---|---|---|---|"
  [[ $which == sqlite || $which == both ]] && bench_backend sqlite
  [[ $which == postgres || $which == both ]] && bench_backend postgres
} | tee "$out"
say "written to $out"
