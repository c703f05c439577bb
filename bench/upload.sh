#!/usr/bin/env bash
# Build uploads end to end with `playtest upload` (multipart, --parallel 4),
# against what the same machine does without playtest:
#   folder: to the embedded store of `playtest serve`, against `cp` of the
#           same file on the same filesystem; plus the server's peak RSS for
#           two file sizes (it should stay flat);
#   s3:     to an S3 store (s3s-fs on loopback), against `aws s3 cp` of the
#           same file to the same s3s-fs with the same part size and
#           parallelism.
# Every timed command reads the same source file from the same cache state:
# writes synced, page cache dropped (where allowed), the file read once.
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

# At most: the source (and the smaller one), and an upload's parts beside
# the object assembled from them; each run's data is removed after it.
free_mib=$(df --output=avail -BM "$work" | tail -n 1 | tr -dc 0-9)
need_mib=$((4 * mib))
if ((free_mib < need_mib)); then
  echo "bench/upload.sh: $free_mib MiB free on $(df --output=target "$work" | tail -n 1)," \
    "need $need_mib (4 x BENCH_UPLOAD_MIB=$mib): free some space or lower BENCH_UPLOAD_MIB" >&2
  exit 1
fi

apt_install curl time
# The baseline S3 client: the AWS CLI from PyPI, in the project's venv.
ensure_awscli() {
  [[ -x "$VENV/bin/aws" ]] && return 0
  say "installing awscli $AWSCLI_VERSION into $VENV"
  [[ -x "$VENV/bin/pip" ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "awscli==$AWSCLI_VERSION"
}
if [[ $which != folder ]]; then
  ensure_s3s_fs
  ensure_awscli
fi

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

# Writes of earlier steps go to disk, the page cache is dropped if this is
# allowed (root, outside a container), then FILE is read once: every timed
# command starts from the same state, FILE in the cache and nothing dirty.
dropped=no
prepare() {
  sync
  if { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then dropped=yes; fi
  cat "$1" >/dev/null
}

# timed LOG CMD...: runs CMD (stdout to LOG.out, stderr to LOG.err, "CPU
# seconds, peak RSS in KiB" to LOG.time) and prints its wall time in
# seconds; exits on failure.
timed() {
  local log=$1 start end
  shift
  start=$(date +%s.%N)
  if ! /usr/bin/time -f '%U %S %M' -o "$log.time" "$@" >"$log.out" 2>"$log.err"; then
    echo "failed: $*" >&2
    tail -n 20 "$log.err" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  echo "$start" >"$log.start"
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

# The server's peak resident memory so far (VmHWM), in MiB.
server_peak_mib() {
  awk '/^VmHWM/ { printf "%.0f\n", $2 / 1024 }' "/proc/$server_pid/status"
}

# CPU seconds (user + system) of process PID so far.
cpu_of() {
  awk -v tick="$(getconf CLK_TCK)" '{ printf "%.2f\n", ($14 + $15) / tick }' "/proc/$1/stat"
}
# cpu_since PID START: CPU seconds of PID since cpu_of said START.
cpu_since() {
  awk -v a="$2" -v b="$(cpu_of "$1")" 'BEGIN { printf "%.2f\n", b - a }'
}

# upload_run LOG FILE SHA256 PARTS_DIR PARTS_REGEX OBJECT_DIR: `playtest
# upload` in parts to the running server, while upload_watch.py notes when
# the parts are all in PARTS_DIR, then when the object is whole in
# OBJECT_DIR. Sets up_row to "up=S parts=S object=S server_cpu=S cli_cpu=S
# server_peak=MiB cli_peak=MiB" (times since the command started); fails
# unless the build's SHA-256, as the server computed it, is the file's.
upload_run() {
  local log=$1 file=$2 sha=$3 parts_dir=$4 parts_regex=$5 object_dir=$6
  local size seconds got watch cpu0 name
  size=$(stat -c %s "$file")
  name=$(basename "$file")
  python3 "$ROOT/bench/upload_watch.py" "$size" "$parts_dir" "$parts_regex" \
    "$object_dir" "${name//./\\.}" >"$log.watch" &
  watch=$!
  pids+=("$watch")
  cpu0=$(cpu_of "$server_pid")
  seconds=$(timed "$log" env PLAYTEST_API_URL="$server_url" PLAYTEST_API_KEY="$api_key" \
    XDG_CACHE_HOME="$work/cache" "$bin" upload "$file" --name "bench $(basename "$log")" \
    --platform linux --parallel "$parallel" --multipart --no-resume --json)
  stop_pid "$watch"
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
  up_row="up=$seconds $(awk -v a="$(cat "$log.start")" '
    NR == 1 { printf "parts=%.3f ", $1 - a }
    NR == 2 { printf "object=%.3f ", $1 - a }' "$log.watch")"
  up_row+="server_cpu=$(cpu_since "$server_pid" "$cpu0") server_peak=$(server_peak_mib)"
  up_row+=" $(awk '{ printf "cli_cpu=%.2f cli_peak=%.0f\n", $1 + $2, $3 / 1024 }' "$log.time")"
}

# folder_run FILE SHA256 DIR ORDER: one run on the folder store, the upload
# first (ORDER 1) or cp first (ORDER 2); sets run_row to "<up_row> cp=S
# sync=S". Not to be run in $(...): the servers it starts must be in this
# shell's pids.
folder_run() {
  local file=$1 sha=$2 dir=$3 order=$4 cp_s sync_s step
  mkdir -p "$dir"
  for step in $( ((order == 1)) && echo "upload cp" || echo "cp upload"); do
    if [[ $step == upload ]]; then
      start_server "$dir"
      prepare "$file"
      upload_run "$dir/upload" "$file" "$sha" "$dir/data/blobs/uploads" 'record:[0-9]+' \
        "$dir/data/blobs/objects"
      stop_pid "$server_pid"
      rm -rf "$dir/data"
    else
      prepare "$file"
      cp_s=$(timed "$dir/cp" cp "$file" "$dir/copy")
      sync_s=$(timed "$dir/sync" sync "$dir/copy")
      rm -f "$dir/copy"
    fi
  done
  run_row="$up_row cp=$cp_s sync=$sync_s"
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

# s3_run DIR ORDER: one run on S3, playtest first (ORDER 1) or the AWS CLI
# first (ORDER 2), each with a fresh s3s-fs; sets run_row to "<up_row>
# s3s_cpu=S aws=S aws_cpu=S aws_s3s_cpu=S".
s3_run() {
  local dir=$1 order=$2 aws_s size step cpu0 s3s_up s3s_aws
  mkdir -p "$dir"
  for step in $( ((order == 1)) && echo "upload aws" || echo "aws upload"); do
    start_s3s "$dir"
    if [[ $step == upload ]]; then
      start_server "$dir" --blob-store \
        "s3://$S3_BUCKET?endpoint=$s3_endpoint&region=us-east-1&access_key_id=$S3_ACCESS_KEY&secret_access_key=$S3_SECRET_KEY"
      prepare "$src"
      cpu0=$(cpu_of "$s3_pid")
      # s3s-fs keeps part N of upload U as ROOT/.upload_id-U.part-N.
      upload_run "$dir/upload" "$src" "$src_sha" "$dir/root" '\.upload_id-.*\.part-[0-9]+' \
        "$dir/root/$S3_BUCKET"
      s3s_up=$(cpu_since "$s3_pid" "$cpu0")
      stop_pid "$server_pid"
      rm -rf "$dir/data"
    else
      prepare "$src"
      cpu0=$(cpu_of "$s3_pid")
      aws_s=$(timed "$dir/aws" "${aws_env[@]}" "$VENV/bin/aws" --endpoint-url "$s3_endpoint" \
        s3 cp --no-progress "$src" "s3://$S3_BUCKET/baseline.bin")
      s3s_aws=$(cpu_since "$s3_pid" "$cpu0")
      size=$(stat -c %s "$dir/root/$S3_BUCKET/baseline.bin")
      if ((size != mib << 20)); then
        echo "bench/upload.sh: aws s3 cp stored $size bytes, not $((mib << 20))" >&2
        exit 1
      fi
    fi
    stop_pid "$s3_pid"
    rm -rf "$dir/root"
  done
  run_row="$up_row s3s_cpu=$s3s_up aws=$aws_s"
  run_row+=" $(awk '{ print "aws_cpu=" $1 + $2 }' "$dir/aws.time") aws_s3s_cpu=$s3s_aws"
}

folder_rows=() s3_rows=() small_row=""
if [[ $which != s3 ]]; then
  for i in $(seq 1 "$repeat"); do
    say "folder store, run $i of $repeat: playtest upload and cp of $mib MiB"
    folder_run "$src" "$src_sha" "$work/folder-$i" $((2 - i % 2))
    folder_rows+=("$run_row")
  done
  if ((small_mib)); then
    say "folder store: playtest upload of $small_mib MiB (peak memory)"
    folder_run "$small" "$small_sha" "$work/folder-small" 1
    small_row=$run_row
  fi
fi
if [[ $which != folder ]]; then
  for i in $(seq 1 "$repeat"); do
    say "s3 store, run $i of $repeat: playtest upload and aws s3 cp of $mib MiB"
    s3_run "$work/s3-$i" $((2 - i % 2))
    s3_rows+=("$run_row")
  done
fi

{
  echo "# Upload benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "$(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB memory;" \
    "$(df -h --output=avail "$work" | tail -n 1 | tr -d ' ') free on the work filesystem" \
    "($(df --output=fstype "$work" | tail -n 1), $(df --output=source "$work" | tail -n 1))."
  runs="best of $repeat runs, the order of the two commands alternating"
  ((repeat > 1)) || runs="1 run"
  echo "File: $mib MiB of random bytes; parts of $part_mib MiB, $parallel at a time; $runs;" \
    "before each command, page cache dropped: $dropped, then the file read once."
  echo
  python3 - "$mib" "$small_mib" "$parallel" "$part_mib" "$AWSCLI_VERSION" "$small_row" \
    "folder:${folder_rows[*]/%/,}" "s3:${s3_rows[*]/%/,}" <<'PY'
import math
import sys

mib, small_mib, parallel, part_mib, aws_version, small_row = sys.argv[1:7]
mib = int(mib)

def parse(row):
    return {key: float(value) for key, value in (item.split("=") for item in row.split())}

runs = {}
for arg in sys.argv[7:]:
    name, _, rest = arg.partition(":")
    runs[name] = [parse(row) for row in rest.split(",") if row.strip()]

def speed(seconds):
    return f"{mib / seconds:,.0f}"

def phase(best, start, end):
    seconds = best.get(end, math.nan) - best.get(start, 0.0)
    return "?" if math.isnan(seconds) else f"{seconds:.2f}"

def upload_rows(store, rows, assemble, rest, s3s=False):
    """The phases and CPU of the fastest upload, peak memory of all."""
    best = min(rows, key=lambda row: row["up"])
    parts = best.get("parts", math.nan)
    print(f"| {store} | of which, sending the parts (until all are stored) | {phase(best, 'start', 'parts')} "
          f"| {'' if math.isnan(parts) else speed(parts)} | |")
    print(f"| {store} | of which, {assemble} | {phase(best, 'parts', 'object')} | | |")
    print(f"| {store} | of which, {rest} | {phase(best, 'object', 'up')} | | |")
    cpu = f"{best['server_cpu']:.2f}, {best['cli_cpu']:.2f}"
    if s3s:
        cpu += f", {best['s3s_cpu']:.2f}"
    print(f"| {store} | CPU seconds during the upload: server, CLI{', s3s-fs' if s3s else ''} | {cpu} | | |")
    print(f"| {store} | server peak RSS (VmHWM), {mib} MiB upload "
          f"| {max(row['server_peak'] for row in rows):.0f} MiB | | |")

print("| store | case | seconds | MiB/s | playtest ÷ baseline |")
print("|---|---|---|---|---|")
command = f"`playtest upload --multipart --parallel {parallel}`"
folder = runs.get("folder")
if folder:
    up = min(row["up"] for row in folder)
    cp = min(row["cp"] for row in folder)
    cp_sync = min(row["cp"] + row["sync"] for row in folder)
    print(f"| folder | {command} to `playtest serve` | {up:.2f} | {speed(up)} "
          f"| {cp / up:.2f} of cp, {cp_sync / up:.2f} of cp + sync |")
    upload_rows("folder", folder,
                "completing (the rest of the SHA-256, fsync, the data file renamed into the object)",
                "the rest (the build committed, the answer)")
    if small_row:
        print(f"| folder | server peak RSS (VmHWM), {small_mib} MiB upload "
              f"| {parse(small_row)['server_peak']:.0f} MiB | | |")
    print(f"| folder | CLI peak RSS, {mib} MiB upload | {max(row['cli_peak'] for row in folder):.0f} MiB | | |")
    print(f"| folder | `cp` on the same filesystem (baseline) | {cp:.2f} | {speed(cp)} | |")
    print(f"| folder | `cp`, then `sync` of the copy (the server fsyncs too) "
          f"| {cp_sync:.2f} | {speed(cp_sync)} | |")
s3 = runs.get("s3")
if s3:
    up = min(row["up"] for row in s3)
    aws = min(row["aws"] for row in s3)
    print(f"| s3 (s3s-fs) | {command} via `playtest serve` | {up:.2f} | {speed(up)} | {aws / up:.2f} |")
    upload_rows("s3 (s3s-fs)", s3,
                "completing (s3s-fs concatenates the parts, MD5 on the way)",
                "the rest (the server reads the object back for its SHA-256, commits the build)",
                s3s=True)
    best = min(s3, key=lambda row: row["aws"])
    print(f"| s3 (s3s-fs) | `aws s3 cp`, awscli {aws_version}, {part_mib} MiB parts, {parallel} at a time "
          f"(baseline) | {aws:.2f} | {speed(aws)} | |")
    print(f"| s3 (s3s-fs) | CPU seconds during `aws s3 cp`: AWS CLI, s3s-fs "
          f"| {best['aws_cpu']:.2f}, {best['aws_s3s_cpu']:.2f} | | |")
PY
} | tee "$out"
say "written to $out"
