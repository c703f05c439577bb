#!/usr/bin/env bash
# Builds the real native Linux games that the native driver's tests and the
# benchmarks play, and faulty copies of them, as playtest builds (a zip or a
# tar.gz of the game's folder; entry `play.sh` in each):
#   bench/native/games.sh OUT_DIR
# writes OUT_DIR/<name>.zip|.tar.gz and OUT_DIR/builds.json (each build's
# archive, entry, args, toolkit, SHA-256 and, for a fault, the detector it is
# aimed at and its trigger). What each game is and how to play it:
# bench/native/README.md.
#
# - pygame 2.6.1 (PyPI, the manylinux wheel for CPython 3.11, which bundles
#   SDL2) vendored into vendor/ and run by Debian's /usr/bin/python3:
#   pygame-aliens (keyboard), pygame-chimp (mouse), and six faulty aliens,
#   each one patch of bench/native/faults/aliens-*.patch.
# - Simon Tatham's puzzles (Debian sgt-puzzles, GTK 3): sgt-net, sgt-mines.
# - LTris (Debian ltris, SDL 1.2): ltris, and ltris-abort, the same game with
#   the shim of bench/native/faults/ltris-abort.c preloaded.
#
# The games' own files come from Debian (installed when missing) and PyPI
# (the wheel is cached in OUT_DIR/cache, or PLAYTEST_GAMES_CACHE, and checked
# against its SHA-256). Idempotent: a second run downloads nothing and, the
# inputs being the same, writes the same bytes (bench/native/pack.py packs
# with fixed times, owners and order).
set -euo pipefail
shopt -s inherit_errexit
source "$(dirname "$0")/../../scripts/lib.sh"
native="$ROOT/bench/native"

if (($# != 1)); then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
cache=${PLAYTEST_GAMES_CACHE:-$out/cache}
work="$out/work"
rm -rf "$work"
mkdir -p "$cache" "$work"

PYGAME_VERSION=2.6.1
PYGAME_WHEEL=pygame-2.6.1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
PYGAME_SHA256=ce8cc108b92de9b149b344ad2e25eedbe773af0dc41dfb24d1f07f679b558c60
# The games run on Debian's Python, which the sandbox shows at /usr/bin.
PYTHON=/usr/bin/python3

apt_install python3 sgt-puzzles ltris gcc libc6-dev libsdl1.2-dev patch

# --- pygame ----------------------------------------------------------------

# Prints a command line that runs pip (the PATH's Python's, else Debian's).
pip_cmd() {
  if python3 -m pip --version >/dev/null 2>&1; then
    echo python3 -m pip
  else
    apt_install python3-pip
    echo "$PYTHON" -m pip
  fi
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

fetch_pygame() {
  local wheel="$cache/$PYGAME_WHEEL"
  if [[ -s $wheel && $(sha256_of "$wheel") == "$PYGAME_SHA256" ]]; then
    return 0
  fi
  say "downloading pygame $PYGAME_VERSION (manylinux wheel for CPython 3.11)"
  rm -f "$wheel"
  # --python-version/--platform pick the wheel whatever Python runs pip.
  $(pip_cmd) download --quiet --no-deps --only-binary=:all: \
    --python-version 3.11 --implementation cp --platform manylinux2014_x86_64 \
    --dest "$cache" "pygame==$PYGAME_VERSION"
  if [[ $(sha256_of "$wheel") != "$PYGAME_SHA256" ]]; then
    echo "$wheel: not the pygame $PYGAME_VERSION wheel expected (SHA-256 differs)" >&2
    exit 1
  fi
}

# pygame_folder DIR MODULE: the wheel in DIR/vendor, the seeding
# sitecustomize.py and DIR/play.sh, which runs `python3 -m MODULE`.
pygame_folder() {
  local dir=$1 module=$2
  mkdir -p "$dir/vendor"
  "$PYTHON" -m zipfile -e "$cache/$PYGAME_WHEEL" "$dir/vendor"
  # The examples draw their aliens and bombs with `random`, unseeded. This
  # build's choice (not pygame's): seed it from PLAYTEST_SEED, so that the
  # same seed and the same inputs at the same frames replay the same game.
  cat >"$dir/sitecustomize.py" <<'EOF'
"""Seeds `random` from PLAYTEST_SEED, so that a run can be repeated.

Put here by playtest's bench/native/games.sh (not part of pygame): Python
imports it at start-up because play.sh puts this folder on PYTHONPATH.
"""

import os
import random

_seed = os.environ.get("PLAYTEST_SEED", "")
if _seed:
    random.seed(int(_seed) if _seed.isdigit() else _seed)
EOF
  cat >"$dir/play.sh" <<EOF
#!/bin/sh
# $module from pygame $PYGAME_VERSION (vendor/, SDL2 bundled), on Debian's
# Python 3.11. PYTHONHASHSEED fixes set and hash order; PYGAME_HIDE_SUPPORT_PROMPT
# drops pygame's greeting on stdout.
here=\$(cd "\$(dirname "\$0")" && pwd)
export PYTHONPATH="\$here:\$here/vendor" PYTHONHASHSEED=0 PYGAME_HIDE_SUPPORT_PROMPT=1
exec $PYTHON -m $module "\$@"
EOF
  chmod 0755 "$dir/play.sh"
}

# Byte-compiles the folder (its pycs checked by nothing but their presence,
# so that unpacking's file times do not matter; paths in them as under /game,
# so that OUT_DIR does not change their bytes), then packs it.
pygame_pack() {
  local dir=$1 archive=$2
  "$PYTHON" -m compileall -q --invalidation-mode unchecked-hash -s "$dir" -p /game "$dir" >/dev/null
  python3 "$native/pack.py" "$dir" "$out/$archive"
}

fetch_pygame
say "pygame builds"
pygame_folder "$work/pygame-aliens" pygame.examples.aliens
pygame_folder "$work/pygame-chimp" pygame.examples.chimp
for fault in raise segv freeze spin black slow; do
  cp -a "$work/pygame-aliens" "$work/aliens-$fault"
  patch --quiet -p1 -d "$work/aliens-$fault/vendor" <"$native/faults/aliens-$fault.patch"
  pygame_pack "$work/aliens-$fault" "aliens-$fault.zip"
done
pygame_pack "$work/pygame-aliens" pygame-aliens.zip
pygame_pack "$work/pygame-chimp" pygame-chimp.zip

# --- Simon Tatham's puzzles --------------------------------------------------

# sgt_folder NAME PARAMS: the puzzle's binary and a play.sh that asks it for
# a puzzle of PARAMS generated from PLAYTEST_SEED (a "random seed" game id,
# PARAMS#SEED), unless the build's args name another game id.
sgt_folder() {
  local name=$1 params=$2 dir="$work/sgt-$1"
  mkdir -p "$dir"
  install -m 0755 "/usr/games/sgt-$name" "$dir/sgt-$name"
  cat >"$dir/play.sh" <<EOF
#!/bin/sh
# sgt-$name from Debian's sgt-puzzles (GTK 3): a $params puzzle made from
# PLAYTEST_SEED, or the game id, parameters or seed given as the argument.
here=\$(cd "\$(dirname "\$0")" && pwd)
[ \$# -gt 0 ] || set -- "$params#\${PLAYTEST_SEED:-0}"
exec "\$here/sgt-$name" "\$@"
EOF
  chmod 0755 "$dir/play.sh"
  python3 "$native/pack.py" "$dir" "$out/sgt-$name.tar.gz"
}

say "Simon Tatham's puzzles"
sgt_folder net 5x5
sgt_folder mines 9x9n10

# --- LTris -------------------------------------------------------------------

# LTris's configuration (~/.lgames/ltris.conf), as it writes it on quitting,
# but for: a one-player "Classic" game (the first choice is the demo, where
# the computer plays), Space as the drop key (End by default) and no sound.
# Keys are SDL 1.2 key codes: 276 Left, 275 Right, 273 Up, 281 Page Down,
# 274 Down, 32 Space. LTris separates a key from its value with byte 0xBB.
ltris_conf() {
  python3 -c 'import sys; sys.stdout.buffer.write(sys.stdin.read().replace("=", "\xbb").encode("latin-1"))' <<'EOF'
@
gametype=1
starting_level=0
preview=1
help=1
expert=0
center_preview=0
holes=2
rand_holes=1
send_all=0
send_tetris=1
<player1
name=Michael
<controls
left=276
right=275
rot_left=273
rot_right=281
down=274
drop=32
>
>
<player2
name=Sabine
<controls
left=97
right=100
rot_left=119
rot_right=101
down=115
drop=121
>
>
<player3
name=Thomas
<controls
left=257
right=259
rot_left=261
rot_right=262
down=258
drop=264
>
>
clear_keystate=1
cpu_aggr=1
cpu_delay=700
cpu_rot_delay=100
sound=0
volume=6
transparency=1
animations=1
fullscreen=0
fading=1
fps=0
background=0
static_background=0
smooth_hori=0
hori_delay=3
vert_delay=3
pause_key=112
block_by_block=0
motion_mod=100
relative_motion=0
grab_input=0
invert_mouse=0
quick_help=1
async_collision_check=0
EOF
}

# ltris_folder NAME [SHIM]: Debian's binary (its data stays in
# /usr/share/games/ltris), the configuration, and a play.sh that puts them in
# $HOME/.lgames and runs the game, SHIM (a .so in the folder) preloaded.
ltris_folder() {
  local name=$1 shim=${2:-} dir="$work/$1"
  mkdir -p "$dir"
  install -m 0755 /usr/games/ltris "$dir/ltris"
  ltris_conf >"$dir/ltris.conf"
  {
    cat <<'EOF'
#!/bin/bash
# LTris from Debian (SDL 1.2; data in /usr/share/games/ltris). Its settings
# and high scores live in $HOME/.lgames, seeded from this folder.
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$HOME/.lgames"
[ -e "$HOME/.lgames/ltris.conf" ] || cp "$here/ltris.conf" "$HOME/.lgames/ltris.conf"
[ -e "$HOME/.lgames/ltris.hscr" ] || cp /usr/share/games/ltris/ltris.hscr.blank "$HOME/.lgames/ltris.hscr"
EOF
    if [[ -n $shim ]]; then
      cat <<EOF
# The fault: $shim, ahead of whatever else is preloaded (libfaketime).
export LD_PRELOAD="\$here/$shim\${LD_PRELOAD:+ \$LD_PRELOAD}"
EOF
    fi
    cat <<'EOF'
# LTris first tries the high-score file in /var/games, which the sandbox
# does not have, and says so on stderr before falling back to
# $HOME/.lgames: those four lines are dropped, every other line passes.
exec "$here/ltris" "$@" 2> >(exec grep --line-buffered -v \
  -e "^Highscore chart doesn't exist in '/var/games'" \
  -e "^Write permission for '/var/games/ltris.hscr' denied" \
  -e "^Unable to access highscore chart in '/var/games'" \
  -e "^Trying to use config directory " >&2)
EOF
  } >"$dir/play.sh"
  chmod 0755 "$dir/play.sh"
}

say "LTris"
ltris_folder ltris
python3 "$native/pack.py" "$work/ltris" "$out/ltris.tar.gz"
ltris_folder ltris-abort ltris-abort.so
read -ra sdl_cflags <<<"$(sdl-config --cflags)"
gcc -shared -fPIC -O2 -Wall -Wextra -Werror -o "$work/ltris-abort/ltris-abort.so" \
  "$native/faults/ltris-abort.c" "${sdl_cflags[@]}" -ldl
python3 "$native/pack.py" "$work/ltris-abort" "$out/ltris-abort.tar.gz"

# --- the list ----------------------------------------------------------------

python3 - "$out" <<'EOF'
import hashlib, json, os, sys

out = sys.argv[1]
BUILDS = [
    # name, archive, toolkit, fault (detector, trigger) or None
    ("pygame-aliens", "pygame-aliens.zip", "pygame 2.6.1 / SDL2", None),
    ("pygame-chimp", "pygame-chimp.zip", "pygame 2.6.1 / SDL2", None),
    ("sgt-net", "sgt-net.tar.gz", "GTK 3", None),
    ("sgt-mines", "sgt-mines.tar.gz", "GTK 3", None),
    ("ltris", "ltris.tar.gz", "SDL 1.2", None),
    ("aliens-raise", "aliens-raise.zip", "pygame 2.6.1 / SDL2",
     ("exception (traceback on stderr, game keeps running)", "every press of Space")),
    ("aliens-segv", "aliens-segv.zip", "pygame 2.6.1 / SDL2",
     ("crash (killed by SIGSEGV)", "the third press of Space")),
    ("aliens-freeze", "aliens-freeze.zip", "pygame 2.6.1 / SDL2",
     ("freeze (screen stops, process answers)", "1 s after the first key press")),
    ("aliens-spin", "aliens-spin.zip", "pygame 2.6.1 / SDL2",
     ("hang (busy loop, CPU 100%, no answer)", "a press of Up")),
    ("aliens-black", "aliens-black.zip", "pygame 2.6.1 / SDL2",
     ("black screen", "1 s after the first key press")),
    ("aliens-slow", "aliens-slow.zip", "pygame 2.6.1 / SDL2",
     ("performance (about 6 frames a second)", "1 s after the first key press")),
    ("ltris-abort", "ltris-abort.tar.gz", "SDL 1.2",
     ("crash (killed by SIGABRT)", "the third press of Space")),
]
listed = []
for name, archive, toolkit, fault in BUILDS:
    path = os.path.join(out, archive)
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    entry = {
        "name": name, "archive": archive, "entry": "play.sh", "args": [],
        "toolkit": toolkit, "bytes": os.path.getsize(path), "sha256": digest,
    }
    if fault:
        entry["fault"] = {"detector": fault[0], "trigger": fault[1]}
    listed.append(entry)
with open(os.path.join(out, "builds.json"), "w") as f:
    json.dump(listed, f, indent=2)
    f.write("\n")
for b in listed:
    print(f"{b['archive']:<22} {b['bytes'] / 1e6:6.1f} MB  {b['name']}")
EOF
rm -rf "$work"
