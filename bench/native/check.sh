#!/usr/bin/env bash
# Plays every build that games.sh wrote into OUT_DIR once, in the sandbox
# the platform uses (sandbox-run.sh), on an Xvfb of its own, and checks that
# each clean game runs without errors and each fault behaves as documented
# (bench/native/README.md):
#   bench/native/check.sh OUT_DIR        (CHECK_ONLY="name ..." for some)
# Screenshots land in OUT_DIR/check/. Takes about two minutes.
set -euo pipefail
shopt -s inherit_errexit
source "$(dirname "$0")/../../scripts/lib.sh"
(($# == 1)) || { echo "usage: $0 OUT_DIR" >&2; exit 2; }
apt_install xvfb x11-apps x11-utils xdotool imagemagick unzip
ensure_bubblewrap

# An Xvfb like the native driver's: no MIT-SHM, no TCP, no reset when the
# last client leaves (a reset drops the connections that arrive meanwhile).
fd_file=$(mktemp)
Xvfb -displayfd 3 -screen 0 800x600x24 -nolisten tcp -extension MIT-SHM -noreset \
  3>"$fd_file" 2>/dev/null &
xvfb=$!
trap 'kill "$xvfb" 2>/dev/null || true; rm -f "$fd_file"' EXIT
for _ in $(seq 1 100); do [[ -s $fd_file ]] && break; sleep 0.1; done
display=":$(head -n 1 "$fd_file")"
say "checking the builds of $1 on Xvfb $display"
python3 "$ROOT/bench/native/check.py" "$1" "$display"
