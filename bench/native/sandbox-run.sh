#!/usr/bin/env bash
# Runs one native build's entry the way the platform does, to check a build
# by hand: the folder at /game (read-write, working directory), the host's
# /usr read-only (/bin, /lib, /lib64, /sbin as its symlinks, as on Debian's
# merged /usr), an empty /tmp, HOME=/tmp, no network, uid 1000, DISPLAY's
# socket bound in, SDL_AUDIODRIVER=dummy, PLAYTEST_SEED set.
#   bench/native/sandbox-run.sh DIR ENTRY [ARGS...]
# Knobs: DISPLAY (default :77), PLAYTEST_SEED (default 1), SANDBOX_ENV
# (extra NAME=VALUE words), SANDBOX_FAKETIME (a libfaketime .so, preloaded
# with the clock the driver gives games: 2024-01-01 12:00:00, monotonic
# clock real). Runs in the foreground; its exit status is the
# game's (128+N for a signal N, as bwrap reports it).
set -euo pipefail
dir=$(cd "$1" && pwd)
entry=$2
shift 2
display=${DISPLAY:-:77}
n=${display#:}
n=${n%%.*}
env_args=(--setenv HOME /tmp --setenv PATH /usr/bin:/bin --setenv DISPLAY ":$n"
  --setenv SDL_AUDIODRIVER dummy --setenv PLAYTEST_SEED "${PLAYTEST_SEED:-1}")
if [[ -n ${SANDBOX_FAKETIME:-} ]]; then
  env_args+=(--setenv LD_PRELOAD "$SANDBOX_FAKETIME" --setenv FAKETIME "@2024-01-01 12:00:00"
    --setenv FAKETIME_DONT_FAKE_MONOTONIC 1)
fi
for kv in ${SANDBOX_ENV:-}; do env_args+=(--setenv "${kv%%=*}" "${kv#*=}"); done
exec bwrap --unshare-all --die-with-parent --new-session --clearenv \
  --uid 1000 --gid 1000 \
  --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib \
  --symlink usr/lib64 /lib64 --symlink usr/sbin /sbin \
  --ro-bind /etc/ld.so.cache /etc/ld.so.cache --ro-bind-try /etc/fonts /etc/fonts \
  --proc /proc --dev /dev --tmpfs /tmp \
  --bind "/tmp/.X11-unix/X$n" "/tmp/.X11-unix/X$n" \
  --bind "$dir" /game --chdir /game \
  "${env_args[@]}" \
  "/game/$entry" "$@"
