"""Plays every build of bench/native/games.sh once, as the platform would
start it, and checks that each game runs and each fault does what it says.

    python3 check.py OUT_DIR DISPLAY   (run by check.sh, which starts Xvfb)

Each build is unpacked into a fresh folder and its play.sh run through
sandbox-run.sh (bubblewrap: the folder at /game, /usr read-only, no network,
uid 1000). Input goes in with xdotool, the screen comes out with xwd (the
window's pixels are compared here; a PNG of each is kept in
OUT_DIR/check/ for a person to look at). Prints one line a build and exits
non-zero if any check failed.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.abspath(sys.argv[1])
DISPLAY = sys.argv[2]
SHOTS = os.path.join(OUT, "check")
ENV = dict(os.environ, DISPLAY=DISPLAY)


def run(*args, check=True):
    return subprocess.run(args, env=ENV, check=check, capture_output=True, text=True).stdout


def unpack(archive, into):
    if archive.endswith(".zip"):
        # unzip restores the modes (play.sh must stay executable).
        subprocess.run(["unzip", "-q", archive, "-d", into], check=True)
    else:
        with tarfile.open(archive) as t:
            t.extractall(into, filter="fully_trusted")


class Gone(Exception):
    """The game's window went away during a check."""


class Game:
    """One build running in the sandbox."""

    def __init__(self, name, archive):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix=f"native-{name}-")
        unpack(os.path.join(OUT, archive), self.dir)
        self.stdout = open(os.path.join(self.dir, ".stdout"), "w+")
        self.stderr = open(os.path.join(self.dir, ".stderr"), "w+")
        env = dict(ENV, PLAYTEST_SEED="1")
        self.proc = subprocess.Popen(
            [os.path.join(HERE, "sandbox-run.sh"), self.dir, "play.sh"],
            env=env, stdout=self.stdout, stderr=self.stderr)
        self.window = self._wait_window()
        self.shots = 0

    def _wait_window(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return None
            # The root's children, viewable and bigger than an icon.
            tree = run("xwininfo", "-root", "-children", check=False)
            for wid in re.findall(r"^\s+(0x[0-9a-f]+) ", tree, re.M):
                info = run("xwininfo", "-id", wid, check=False)
                w = re.search(r"Width: (\d+)", info)
                h = re.search(r"Height: (\d+)", info)
                if "IsViewable" in info and w and h and int(w[1]) > 100 and int(h[1]) > 100:
                    return wid
            time.sleep(0.3)
        return None

    def alive(self):
        return self.proc.poll() is None

    def status(self, wait=0.0):
        try:
            return self.proc.wait(timeout=wait) if wait else self.proc.poll()
        except subprocess.TimeoutExpired:
            return None

    def focus(self):
        run("xdotool", "windowfocus", "--sync", self.window, check=False)

    def key(self, name, hold=0.08):
        run("xdotool", "keydown", name)
        time.sleep(hold)
        run("xdotool", "keyup", name)

    def click(self, x, y, button=1):
        """Clicks at (x, y) inside the window."""
        run("xdotool", "mousemove", "--window", self.window, str(x), str(y))
        time.sleep(0.3)
        run("xdotool", "click", str(button))

    def pixels(self, keep=None):
        """The window's pixels (as xwd gives them, header stripped); a PNG
        of them kept as OUT/check/<name>-<keep>.png when keep is given."""
        shot = subprocess.run(["xwd", "-silent", "-id", self.window], env=ENV,
                              check=False, capture_output=True)
        if shot.returncode != 0:
            raise Gone(f"window gone (game exited with {self.status(wait=2)})")
        raw = shot.stdout
        header_size, = struct.unpack(">I", raw[:4])
        ncolors, = struct.unpack(">I", raw[76:80])
        if keep is not None and shutil.which("convert"):
            subprocess.run(["convert", "xwd:-", os.path.join(SHOTS, f"{self.name}-{keep}.png")],
                           input=raw, check=False, env=ENV)
        return raw[header_size + 12 * ncolors:]

    def cpu_seconds(self):
        """CPU time of every process of the game (the sandbox's tree)."""
        total = 0
        for pid in descendants(self.proc.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except OSError:
                pass
        return total / os.sysconf("SC_CLK_TCK")

    def errors(self):
        self.stderr.flush()
        with open(self.stderr.name) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def descendants(root):
    children = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(pid))
            except OSError:
                pass
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def digest(pixels):
    return hashlib.sha256(pixels).hexdigest()


def black(pixels):
    # 32 bits a pixel: only the padding byte may be non-zero.
    return not any(pixels[i] or pixels[i + 1] or pixels[i + 2] for i in range(0, len(pixels), 4 * 97))


def changes(game, count=12, gap=0.02):
    """How many of count window captures, back to back, differ from the one before."""
    last, changed = None, 0
    for _ in range(count):
        d = digest(game.pixels())
        changed += last is not None and d != last
        last = d
        time.sleep(gap)
    return changed


def expect(cond, what, failures):
    if not cond:
        failures.append(what)


# --- the checks: each plays one build, returns the list of what went wrong ---

def clean_aliens(g, f):
    a = g.pixels("start")
    time.sleep(0.3)
    expect(digest(g.pixels()) != digest(a), "the aliens move", f)
    g.key("Left", 0.3)
    g.key("space")
    time.sleep(0.3)
    g.pixels("played")
    expect(g.alive(), "still running after some play", f)
    expect(not black(g.pixels()), "not black", f)


def chimp(g, f):
    g.pixels("start")
    for x in (100, 250, 400):
        g.click(x, 30)
        time.sleep(0.3)
    g.pixels("clicked")
    expect(g.alive(), "still running after clicks", f)


def sgt(g, f):
    a = g.pixels("start")
    g.click(40, 60)
    time.sleep(0.5)
    b = g.pixels("clicked")
    expect(digest(a) != digest(b), "a click changes the puzzle", f)
    expect(g.alive(), "still running", f)


def ltris_start(g):
    g.click(160, 268)   # New Game
    time.sleep(1.2)
    g.click(160, 222)   # Start Game
    time.sleep(1.5)
    # SDL 1.2 takes keys only with the input focus, which a click does not
    # give on an Xvfb without a window manager.
    g.focus()


def ltris(g, f):
    g.pixels("menu")
    ltris_start(g)
    a = g.pixels("game")
    g.key("space")
    time.sleep(0.5)
    b = g.pixels("dropped")
    expect(digest(a) != digest(b), "Space drops a block", f)
    expect(g.alive(), "still running", f)


def ltris_abort(g, f):
    ltris_start(g)
    for _ in range(3):
        g.key("space")
        time.sleep(0.5)
    st = g.status(wait=5)
    expect(st == 128 + signal.SIGABRT, f"killed by SIGABRT (exit {st})", f)


def raise_(g, f):
    g.key("space")
    time.sleep(1)
    err = g.errors()
    expect("Traceback" in err and "KeyError: 'shots'" in err, "a KeyError traceback on stderr", f)
    a = g.pixels("after")
    time.sleep(0.5)
    expect(g.alive() and digest(g.pixels()) != digest(a), "still running and drawing", f)


def segv(g, f):
    for _ in range(3):
        g.key("space")
        time.sleep(0.4)
    st = g.status(wait=5)
    expect(st == 128 + signal.SIGSEGV, f"killed by SIGSEGV (exit {st})", f)


def freeze(g, f):
    expect(changes(g, 10) >= 2, "moving before the trigger", f)
    g.key("Down")  # arms the fault; the buggy stays where it is
    time.sleep(2)
    a = g.pixels("frozen")
    g.key("Right", 0.5)
    g.key("space")
    time.sleep(1)
    expect(digest(g.pixels()) == digest(a), "the screen stays the same, input or not", f)
    cpu = g.cpu_seconds()
    time.sleep(2)
    used = (g.cpu_seconds() - cpu) / 2
    expect(used < 0.3, f"not busy ({used:.2f} CPU-s/s)", f)
    expect(g.alive(), "still running", f)


def spin(g, f):
    g.key("Up")
    time.sleep(1)
    cpu = g.cpu_seconds()
    a = g.pixels("spinning")
    time.sleep(3)
    used = (g.cpu_seconds() - cpu) / 3
    # a whole core when the machine is idle; less when it is busy
    expect(used > 0.4, f"a core busy ({used:.2f} CPU-s/s)", f)
    expect(digest(g.pixels()) == digest(a), "the screen stays the same", f)
    expect(g.alive(), "still running", f)


def black_(g, f):
    expect(not black(g.pixels("before")), "not black before the trigger", f)
    g.key("Down")  # arms the fault; the buggy stays where it is
    time.sleep(2)
    expect(black(g.pixels("black")), "black", f)
    expect(g.alive(), "still running", f)


def slow(g, f):
    before = changes(g)
    g.key("Down")  # arms the fault; the buggy stays where it is
    time.sleep(2)
    after = changes(g)
    g.pixels("slow")
    expect(after < before, f"fewer frames ({before} then {after} changes in 12 captures)", f)
    expect(g.alive(), "still running", f)


CHECKS = {
    "pygame-aliens": clean_aliens, "pygame-chimp": chimp,
    "sgt-net": sgt, "sgt-mines": sgt, "ltris": ltris, "ltris-abort": ltris_abort,
    "aliens-raise": raise_, "aliens-segv": segv, "aliens-freeze": freeze,
    "aliens-spin": spin, "aliens-black": black_, "aliens-slow": slow,
}


def main():
    os.makedirs(SHOTS, exist_ok=True)
    with open(os.path.join(OUT, "builds.json")) as f:
        builds = json.load(f)
    only = os.environ.get("CHECK_ONLY", "").split()
    failed = 0
    for build in builds:
        name = build["name"]
        if only and name not in only:
            continue
        game = Game(name, build["archive"])
        failures = []
        try:
            if game.window is None:
                failures.append("no window within 20 s")
            else:
                time.sleep(0.5)
                try:
                    CHECKS[name](game, failures)
                except Gone as gone:
                    failures.append(str(gone))
                if "fault" not in build or name == "aliens-segv" or name == "ltris-abort":
                    if game.errors().strip():
                        failures.append("stderr: " + game.errors().strip()[:300])
        finally:
            game.stop()
        failed += bool(failures)
        print(f"{'ok  ' if not failures else 'FAIL'} {name:<16} {'; '.join(failures)}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
