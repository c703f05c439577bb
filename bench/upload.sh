#!/usr/bin/env bash
# Build uploads end to end with `playtest upload` (multipart, --parallel 4),
# against what the same machine does without playtest:
#   folder: to the embedded store of `playtest serve`, against `cp` of the
#           same file on the same filesystem; plus the server's peak RSS for
#           two file sizes (it should stay flat);
#   s3:     to an S3 store (s3s-fs on loopback), against `aws s3 cp` of the
#           same file to the same s3s-fs with the same part size and
#           parallelism.
# Every timed command reads the same source file, from the page cache
# (caches dropped where allowed, then the file read once before each run).
set -euo pipefail
shopt -s inherit_errexit
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
which=${1:-both}
mib=${BENCH_UPLOAD_MIB:-2048}
small_mib=${BENCH_UPLOAD_SMALL_MIB:-256}
part_mib=${BENCH_PART_MIB:-100}
parallel=${BENCH_PARALLEL:-4}
repeat=${BENCH_REPEAT:-2}
AWSCLI_VERSION=1.46.2
S3_BUCKET=playtest
S3_ACCESS_KEY=playtest-bench
S3_SECRET_KEY=playtest-bench-secret

case $which in
  folder | s3 | both) ;;
  *) echo "usage: bench/upload.sh [folder|s3|both]" >&2; exit 2 ;;
esac
if ((part_mib < 5)); then
  echo "BENCH_PART_MIB must be 5 or more (S3's smallest part)" >&2
  exit 2
fi
((small_mib < mib)) || small_mib=0

# Everything (source file, data dirs, the cp target, s3s-fs's folder) lives
# in one folder on the repository's filesystem, so that cp and the servers
# write to the same disk.
mkdir -p "$ROOT/target" "$ROOT/bench/results"
work=$(mktemp -d "${BENCH_WORK_DIR:-$ROOT/target}/bench-upload.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# At most: the source, the smaller source, and an upload's parts beside the
# object assembled from them; each case's data is removed after it.
free_mib=$(df --output=avail -BM "$work" | tail -n 1 | tr -dc 0-9)
need_mib=$((4 * mib))
if ((free_mib < need_mib)); then
  echo "bench/upload.sh: $free_mib MiB free on $(df --output=target "$work" | tail -n 1), need $need_mib (4 x BENCH_UPLOAD_MIB=$mib); free some space or lower BENCH_UPLOAD_MIB" >&2
  exit 1
fi

apt_install curl time
[[ $which == folder ]] || ensure_s3s_fs
# The baseline S3 client, the AWS CLI from PyPI, in the project's venv.
ensure_awscli() {
  [[ -x "$VENV/bin/aws" ]] && return 0
  say "installing awscli $AWSCLI_VERSION into $VENV"
  [[ -x "$VENV/bin/pip" ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "awscli==$AWSCLI_VERSION"
}
[[ $which == folder ]] || ensure_awscli

say "building playtest (release)"
cargo build -q --release --bin playtest
bin="$ROOT/target/release/playtest"
out="$ROOT/bench/results/upload-$(date +%Y%m%d-%H%M%S).md"

say "writing a $mib MiB file of random bytes"
src="$work/build-$mib.bin"
head -c "${mib}M" /dev/urandom >"$src"
src_sha=$(sha256sum "$src" | cut -d' ' -f1)
if ((small_mib)); then
  small="$work/build-$small_mib.bin"
  head -c "${small_mib}M" "$src" >"$small"
  small_sha=$(sha256sum "$small" | cut -d' ' -f1)
fi

# Writes of earlier cases go to disk first; the page cache is dropped if
# this is allowed (root outside a container), then FILE is read once, so
# every timed run starts from the same cache state.
dropped=no
prepare() {
  sync
  if { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then dropped=yes; fi
  cat "$1" >/dev/null
}

# timed LOG CMD...: runs CMD (stdout to LOG.out, stderr to LOG.err, peak RSS
# to LOG.rss) and prints its wall time in seconds; exits on failure.
timed() {
  local log=$1 start end
  shift
  start=$(date +%s.%N)
  if ! /usr/bin/time -f %M -o "$log.rss" "$@" >"$log.out" 2>"$log.err"; then
    echo "failed: $*" >&2
    tail -n 20 "$log.err" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f\n", b - a }'
}

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

# start_server DIR [SERVE FLAGS...]: sets server_pid, server_url, api_key.
start_server() {
  local dir=$1 port
  shift
  mkdir -p "$dir"
  api_key=$("$bin" keys create --name bench --permissions project:admin --data-dir "$dir/data")
  port=$(free_port)
  server_url="http://127.0.0.1:$port"
  RUST_LOG=warn "$bin" serve --data-dir "$dir/data" --listen "127.0.0.1:$port" \
    --rate-limit-per-second 0 --part-size "${part_mib}MiB" "$@" >"$dir/server.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
  wait_for "$server_url/api/v1/health"
}

# Peak resident memory of the server so far (VmHWM), in MiB.
server_peak_mib() {
  awk '/^VmHWM/ { printf "%.0f\n", $2 / 1024 }' "/proc/$server_pid/status"
}

# upload_timed LOG FILE SHA256: `playtest upload` in parts to the running
# server; prints its wall time, and fails unless the build's SHA-256 (as
# the server computed it) is the file's.
upload_timed() {
  local log=$1 file=$2 sha=$3 seconds got
  seconds=$(timed "$log" env PLAYTEST_API_URL="$server_url" PLAYTEST_API_KEY="$api_key" \
    XDG_CACHE_HOME="$work/cache" "$bin" upload "$file" --name "bench $(basename "$log")" --platform linux \
    --parallel "$parallel" --multipart --no-resume --json)
  got=$(python3 -c '
import json, sys
build = json.load(open(sys.argv[1]))
if isinstance(build, list):
    build = build[0]
print(build.get("sha256") or "")' "$log.out")
  if [[ $got != "$sha" ]]; then
    echo "bench/upload.sh: the uploaded build's sha256 is '$got', the file's is $sha" >&2
    exit 1
  fi
  echo "$seconds"
}

# folder_run FILE SHA256 DIR: one folder-store run; sets run_row to
# "upload_s cp_s sync_s server_peak_mib client_peak_mib". (Not to be run in
# $(...): the servers it starts must be in this shell's pids.)
folder_run() {
  local file=$1 sha=$2 dir=$3 up cp_s sync_s peak
  start_server "$dir"
  prepare "$file"
  up=$(upload_timed "$dir/upload" "$file" "$sha")
  peak=$(server_peak_mib)
  stop_pid "$server_pid"
  rm -rf "$dir/data"
  prepare "$file"
  cp_s=$(timed "$dir/cp" cp "$file" "$dir/copy")
  sync_s=$(timed "$dir/sync" sync "$dir/copy")
  rm -f "$dir/copy"
  run_row="$up $cp_s $sync_s $peak $(($(cat "$dir/upload.rss") / 1024))"
}

# start_s3s DIR: sets s3_pid, s3_endpoint; the bucket is DIR/root/playtest.
start_s3s() {
  local dir=$1 port
  mkdir -p "$dir/root/$S3_BUCKET"
  port=$(free_port)
  s3_endpoint="http://127.0.0.1:$port"
  s3s-fs --host 127.0.0.1 --port "$port" --access-key "$S3_ACCESS_KEY" \
    --secret-key "$S3_SECRET_KEY" "$dir/root" >"$dir/s3s-fs.log" 2>&1 &
  s3_pid=$!
  pids+=("$s3_pid")
  for _ in $(seq 1 300); do
    curl -sS -o /dev/null "$s3_endpoint/" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "s3s-fs did not answer at $s3_endpoint after 30 s" >&2
  return 1
}

# The AWS CLI's configuration for the baseline: the same part size and
# parallelism as playtest's, and no checksum beyond what S3 requires
# (playtest's presigned part PUTs send none either). In a file of its own,
# never the user's ~/.aws.
aws_dir="$work/aws"
mkdir -p "$aws_dir"
cat >"$aws_dir/config" <<EOF
[default]
region = us-east-1
request_checksum_calculation = when_required
response_checksum_validation = when_required
s3 =
  multipart_threshold = $((part_mib << 20))
  multipart_chunksize = $((part_mib << 20))
  max_concurrent_requests = $parallel
EOF
aws_env=(env AWS_CONFIG_FILE="$aws_dir/config" AWS_SHARED_CREDENTIALS_FILE=/dev/null
  AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY"
  AWS_EC2_METADATA_DISABLED=true)

# s3_run DIR: one S3 run; sets run_row to "upload_s aws_s server_peak_mib".
s3_run() {
  local dir=$1 up aws_s peak size
  mkdir -p "$dir"
  start_s3s "$dir"
  start_server "$dir" --blob-store \
    "s3://$S3_BUCKET?endpoint=$s3_endpoint&region=us-east-1&access_key_id=$S3_ACCESS_KEY&secret_access_key=$S3_SECRET_KEY"
  prepare "$src"
  up=$(upload_timed "$dir/upload" "$src" "$src_sha")
  peak=$(server_peak_mib)
  stop_pid "$server_pid"
  rm -rf "$dir/data" "${dir:?}/root/$S3_BUCKET"/*
  prepare "$src"
  aws_s=$(timed "$dir/aws" "${aws_env[@]}" "$VENV/bin/aws" --endpoint-url "$s3_endpoint" \
    s3 cp --no-progress "$src" "s3://$S3_BUCKET/baseline.bin")
  size=$(stat -c %s "$dir/root/$S3_BUCKET/baseline.bin")
  if ((size != mib << 20)); then
    echo "bench/upload.sh: aws s3 cp stored $size bytes, not $((mib << 20))" >&2
    exit 1
  fi
  stop_pid "$s3_pid"
  rm -rf "$dir/root"
  run_row="$up $aws_s $peak"
}

folder_rows=() s3_rows=() small_row=""
if [[ $which != s3 ]]; then
  for i in $(seq 1 "$repeat"); do
    say "folder store, run $i of $repeat: playtest upload and cp of $mib MiB"
    folder_run "$src" "$src_sha" "$work/folder-$i"
    folder_rows+=("$run_row")
  done
  if ((small_mib)); then
    say "folder store: playtest upload of $small_mib MiB (peak memory)"
    folder_run "$small" "$small_sha" "$work/folder-small"
    small_row=$run_row
  fi
fi
if [[ $which != folder ]]; then
  for i in $(seq 1 "$repeat"); do
    say "s3 store, run $i of $repeat: playtest upload and aws s3 cp of $mib MiB"
    s3_run "$work/s3-$i"
    s3_rows+=("$run_row")
  done
fi

{
  echo "# Upload benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory;" \
    "$(df -h --output=avail "$work" | tail -n 1 | tr -d ' ') free on the work" \
    "filesystem ($(df --output=fstype "$work" | tail -n 1), $(df --output=source "$work" | tail -n 1))."
  echo "File: $mib MiB of random bytes; parts of $part_mib MiB, $parallel at a time;" \
    "best of $repeat runs; page cache dropped before each run: $dropped, then the file read once."
  echo
  python3 - "$mib" "$small_mib" "$part_mib" "$parallel" "$AWSCLI_VERSION" "$small_row" \
    "folder:${folder_rows[*]/%/,}" "s3:${s3_rows[*]/%/,}" <<'PY'
import sys

mib, small_mib, part_mib, parallel, aws_version, small_row = sys.argv[1:7]
mib = int(mib)
runs = {}
for arg in sys.argv[7:]:
    name, _, rest = arg.partition(":")
    runs[name] = [list(map(float, row.split())) for row in rest.split(",") if row.strip()]

def rate(seconds):
    return mib / seconds

print("| store | case | seconds | MiB/s | playtest ÷ baseline |")
print("|---|---|---|---|---|")
folder = runs.get("folder")
if folder:
    up = min(row[0] for row in folder)
    cp = min(row[1] for row in folder)
    cp_sync = min(row[1] + row[2] for row in folder)
    peak = max(row[3] for row in folder)
    client = max(row[4] for row in folder)
    print(f"| folder | `playtest upload --multipart --parallel {parallel}` to `playtest serve` "
          f"| {up:.2f} | {rate(up):,.0f} | {cp / up:.2f} of cp, {cp_sync / up:.2f} of cp + fsync |")
    print(f"| folder | `cp` on the same filesystem (baseline) | {cp:.2f} | {rate(cp):,.0f} | |")
    print(f"| folder | `cp`, then `sync` of the copy (the server fsyncs too) "
          f"| {cp_sync:.2f} | {rate(cp_sync):,.0f} | |")
    print(f"| folder | server peak RSS (VmHWM), {mib} MiB upload | {peak:.0f} MiB | | |")
    if small_row:
        small = list(map(float, small_row.split()))
        print(f"| folder | server peak RSS (VmHWM), {small_mib} MiB upload | {small[3]:.0f} MiB | | |")
    print(f"| folder | CLI peak RSS, {mib} MiB upload | {client:.0f} MiB | | |")
s3 = runs.get("s3")
if s3:
    up = min(row[0] for row in s3)
    aws = min(row[1] for row in s3)
    peak = max(row[2] for row in s3)
    print(f"| s3 (s3s-fs) | `playtest upload --multipart --parallel {parallel}` via `playtest serve` "
          f"| {up:.2f} | {rate(up):,.0f} | {aws / up:.2f} |")
    print(f"| s3 (s3s-fs) | `aws s3 cp` (awscli {aws_version}, {part_mib} MiB parts, {parallel} at a time; baseline) "
          f"| {aws:.2f} | {rate(aws):,.0f} | |")
    print(f"| s3 (s3s-fs) | server peak RSS (VmHWM), {mib} MiB upload | {peak:.0f} MiB | | |")
PY
} | tee "$out"
say "written to $out"
