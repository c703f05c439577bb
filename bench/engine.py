#!/usr/bin/env python3
"""Helpers of bench/engine.sh (the run engine benchmark).

  engine.py enqueue BASE KEY TEST CONFIG JOBS THREADS
      starts JOBS runs of TEST with CONFIG, 10 per POST /api/v1/runs, from
      THREADS keep-alive connections; prints "seconds posts".
  engine.py wait BASE KEY TOTAL TIMEOUT
      polls GET /api/v1/runs?state=completed until TOTAL runs are completed;
      prints the Unix time it saw them (fails after TIMEOUT seconds).
  engine.py steady BASE KEY TEST CONFIG RATE SECONDS
      starts one run every 1/RATE s for SECONDS s (open loop: a slow answer
      does not delay the next POST); prints "posts late_posts p50_ms p99_ms"
      (late: sent more than 50 ms after its time; the times: POST answers).
  engine.py baseline GAME_SH DIR JOBS CONCURRENCY MODE
      what the workers do per job without playtest, JOBS times, CONCURRENCY
      at once: a run folder with a copy of the build, the game under the
      same prlimit + bwrap command line as the worker's sandbox, the folder
      removed. MODE game: that alone; MODE worker: preceded, as the worker
      does before every game, by `prlimit --version`, `bwrap --version` and
      `true` in a sandbox (its Sandbox::check). Prints "seconds retries cpu"
      (retries: launches refused with ETXTBSY, see run_sandboxed; cpu: the
      CPU seconds of the sandboxes, this script's own left out).
  engine.py protocol BASE TOKEN PROCESSES THREADS
      the engine without the sandbox: PROCESSES workers of THREADS slots
      that speak the worker protocol as `playtest worker` does for a
      trivial job, but play no game, drain the queue; prints "jobs
      last_completion_unix_time client_cpu_seconds".
  engine.py stats sqlite|postgres DB TEST_ID
      reads the runs of TEST_ID and their events from the database; prints
      key=value lines (times as Unix seconds, latencies in ms).
  engine.py requests LOG START END JOBS
      counts the worker protocol requests the server logged (debug lines of
      playtest_api::request_id) between byte offsets START and END of LOG;
      prints "endpoint count per_job" lines.
  engine.py report FIGURES...
      the Markdown table of engine.sh from its key=value figure files.
"""
import concurrent.futures
import datetime
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse


# --- HTTP ------------------------------------------------------------------

class Api:
    """One keep-alive connection per thread."""

    def __init__(self, base, key=None, token=None):
        url = urllib.parse.urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["X-Api-Key"] = key
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.local = threading.local()

    def call(self, method, path, body=None, raw=None):
        """PATH under /api/v1 (or a whole URL on the same server); BODY as
        JSON, or RAW bytes. The answer's JSON, None for an empty one."""
        if path.startswith("http"):
            path = urllib.parse.urlsplit(path)._replace(scheme="", netloc="").geturl()
        else:
            path = "/api/v1" + path
        headers = self.headers if raw is None else {"Content-Type": "application/octet-stream"}
        payload = raw if raw is not None else None if body is None else json.dumps(body)
        for attempt in range(3):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            try:
                conn.request(method, path, payload, headers)
                response = conn.getresponse()
                text = response.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self.local.conn = None
                if attempt == 2:
                    raise
                continue
            if response.status >= 300:
                sys.exit(f"{method} {path} answered {response.status}: {text[:500]!r}")
            try:
                return json.loads(text) if text else None
            except ValueError:
                return None

    def start_runs(self, test, config, instances):
        return self.call("POST", "/runs", {
            "multiplayer_test_id": test, "deployment_config_id": config, "instances": instances,
        })

    def completed(self):
        return self.call("GET", "/runs?state=completed&page_size=1")["pagination"]["total_count"]


def percentile(values, p):
    """Nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def enqueue(base, key, test, config, jobs, threads):
    api = Api(base, key)
    batches = [min(10, jobs - start) for start in range(0, jobs, 10)]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for answer in pool.map(lambda n: api.start_runs(test, config, n), batches):
            assert answer["data"]["job_ids"], answer
    print(f"{time.monotonic() - started:.3f} {len(batches)}")


def wait(base, key, total, timeout):
    api = Api(base, key)
    deadline = time.monotonic() + timeout
    last_note = time.monotonic()
    while True:
        done = api.completed()
        if done >= total:
            print(f"{time.time():.3f}")
            return
        now = time.monotonic()
        if now > deadline:
            sys.exit(f"only {done} of {total} runs completed after {timeout} s")
        if now - last_note >= 30:
            print(f"  {done} of {total} runs completed", file=sys.stderr)
            last_note = now
        time.sleep(0.2)


def steady(base, key, test, config, rate, seconds):
    api = Api(base, key)
    count = int(rate * seconds)
    answers, late = [], []
    lock = threading.Lock()

    def post(due):
        sent = time.monotonic()
        api.start_runs(test, config, 1)
        with lock:
            answers.append((time.monotonic() - sent) * 1000)
            late.append(sent - due > 0.05)

    start = time.monotonic() + 0.1
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        futures = []
        for i in range(count):
            due = start + i / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(post, due))
        for future in futures:
            future.result()
    print(f"{count} {sum(late)} {percentile(answers, 50):.1f} {percentile(answers, 99):.1f}")


# --- The engine without the sandbox --------------------------------------------

def iso_now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def protocol_worker(base, token, threads, name):
    """One worker with THREADS slots that plays no game: per job, the
    requests `playtest worker` makes for a trivial game_loop job (lease;
    report started, with two log lines; report the verdict's line; an
    upload URL for logs.txt and its PUT; complete). A slot stops when a
    lease waits 1 s in vain. Prints "jobs last_completion_unix_time"."""
    api = Api(base, token=token)
    worker = api.call("POST", "/worker/register",
                      {"name": name, "platforms": ["linux"], "slots": threads})["id"]
    done, last = [], [0.0]
    lock = threading.Lock()

    def slot():
        count = 0
        while True:
            job = api.call("POST", f"/worker/workers/{worker}/lease", {"wait_seconds": 1})
            if job is None:
                break
            fencing = job["fencing_token"]
            at = f"/worker/workers/{worker}/jobs/{job['job_id']}"
            api.call("POST", at + "/report", {"fencing_token": fencing, "started": True, "logs": [
                {"stream": "agent", "line": "preparing build", "at": iso_now()},
                {"stream": "agent", "line": "build taken from the cache", "at": iso_now()}]})
            api.call("POST", at + "/report", {"fencing_token": fencing, "logs": [
                {"stream": "agent", "line": "the game exited with code 0", "at": iso_now()}]})
            url = api.call("POST", at + "/artifacts", {"fencing_token": fencing, "filename": "logs.txt"})
            api.call("PUT", url["upload_url"], raw=b"game loop ended: exit code 0\n")
            api.call("POST", at + "/complete", {"fencing_token": fencing, "outcome": "success",
                                                "artifacts": ["logs.txt"]})
            count += 1
            with lock:
                last[0] = max(last[0], time.time())
        with lock:
            done.append(count)

    pool = [threading.Thread(target=slot) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    print(f"{sum(done)} {last[0]:.3f}")


def protocol(base, token, processes, threads):
    """PROCESSES protocol workers; prints "jobs last_completion cpu_seconds"."""
    children = [subprocess.Popen([sys.executable, __file__, "protocol-worker", base, token, str(threads),
                                  f"bench-protocol-{i}"], stdout=subprocess.PIPE, text=True)
                for i in range(processes)]
    jobs, last = 0, 0.0
    for child in children:
        out, _ = child.communicate()
        if child.returncode != 0:
            sys.exit("a protocol worker failed")
        count, at = out.split()
        jobs, last = jobs + int(count), max(last, float(at))
    times = os.times()
    print(f"{jobs} {last:.3f} {times.children_user + times.children_system:.2f}")


# --- The sandbox without playtest ---------------------------------------------

# As crates/worker/src/sandbox.rs builds it (SandboxLimits::default()).
PRLIMIT = ["--cpu=3600:3601", f"--data={8 << 30}:{8 << 30}", f"--fsize={4 << 30}:{4 << 30}",
           "--nofile=4096:4096", "--core=0:0"]
SYSTEM_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
ETC_FILES = ["/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
             "/etc/localtime", "/etc/fonts"]


def sandbox_command(game_dir, program):
    args = ["prlimit", *PRLIMIT, "--", "bwrap", "--unshare-all", "--unshare-user", "--uid", "1000",
            "--gid", "1000", "--disable-userns", "--cap-drop", "ALL", "--die-with-parent",
            "--new-session", "--hostname", "playtest", "--ro-bind", "/usr", "/usr"]
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    for f in ETC_FILES:
        args += ["--ro-bind-try", f, f]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
             "--tmpfs", "/tmp", "--bind", os.path.realpath(game_dir), "/game",
             "--remount-ro", "/", "--chdir", "/game", "--", program]
    return args


ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp"}


# Launches that failed with ETXTBSY and were tried again (see run_sandboxed).
text_busy = []


def run_sandboxed(game_dir, program):
    """Runs PROGRAM in the sandbox. The build's copy may still be open for
    writing in a child another thread forked (and has not exec'd yet) when
    bwrap execs it: the kernel refuses with ETXTBSY ("Text file busy"). That
    is counted and tried again."""
    for _ in range(10):
        done = subprocess.run(sandbox_command(game_dir, program), env=ENV, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if done.returncode == 0:
            return done
        if b"Text file busy" not in done.stderr:
            break
        text_busy.append(program)
    sys.exit(f"the sandbox failed ({done.returncode}): {done.stderr.decode(errors='replace')}")


def baseline(game_sh, work, jobs, concurrency, mode):
    def one(i):
        if mode == "worker":
            for program in ("prlimit", "bwrap"):
                subprocess.run([program, "--version"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, check=True)
            probe = os.path.join(work, f"probe-{i}")
            os.mkdir(probe)
            run_sandboxed(probe, "true")
            os.rmdir(probe)
        run = os.path.join(work, f"run-{i}")
        game = os.path.join(run, "game")
        os.makedirs(game)
        shutil.copy2(game_sh, game)
        done = run_sandboxed(game, "/game/" + os.path.basename(game_sh))
        with open(os.path.join(run, "logs.txt"), "wb") as logs:
            logs.write(done.stdout + done.stderr)
        shutil.rmtree(run)

    os.makedirs(work, exist_ok=True)
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(one, range(jobs)))
    times = os.times()
    cpu = times.children_user + times.children_system
    print(f"{time.monotonic() - started:.3f} {len(text_busy)} {cpu:.2f}")


# --- What the database says ---------------------------------------------------

QUERY = """
SELECT r.id, {t_created}, {t_completed}, r.outcome, j.attempts,
  (SELECT count(*) FROM run_events e WHERE e.run_id = r.id AND e.kind = 'state' AND {status} = 'STARTING'),
  (SELECT {t_lease} FROM run_events e WHERE e.run_id = r.id AND e.kind = 'state' AND {status} = 'STARTING')
FROM runs r JOIN jobs j ON j.id = r.job_id WHERE r.test_id = '{test}'
"""


def to_epoch(value):
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def stats(backend, db, test):
    if not re.fullmatch(r"[A-Za-z0-9_]+", test):
        sys.exit(f"odd test id {test!r}")
    if backend == "sqlite":
        sql = QUERY.format(t_created="r.created_at", t_completed="r.completed_at",
                           status="json_extract(e.data, '$.status')", t_lease="min(e.at)", test=test)
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)
        rows = conn.execute(sql).fetchall()
        conn.close()
    else:
        sql = QUERY.format(t_created="extract(epoch FROM r.created_at)",
                           t_completed="extract(epoch FROM r.completed_at)",
                           status="e.data->>'status'", t_lease="extract(epoch FROM min(e.at))", test=test)
        out = subprocess.run(["psql", db, "-qAt", "-F", "|", "-c", sql], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        rows = [line.split("|") for line in out.splitlines() if line]
    created, leased, completed, waits, services = [], [], [], [], []
    outcomes = {}
    twice = attempts_over_one = never_leased = 0
    for _, t_created, t_completed, outcome, attempts, leases, t_lease in rows:
        t_created, t_completed, t_lease = to_epoch(t_created), to_epoch(t_completed), to_epoch(t_lease)
        outcomes[outcome or "none"] = outcomes.get(outcome or "none", 0) + 1
        twice += int(leases) > 1
        attempts_over_one += int(attempts) > 1
        created.append(t_created)
        if t_lease is None:
            never_leased += 1
            continue
        leased.append(t_lease)
        waits.append((t_lease - t_created) * 1000)
        if t_completed is not None:
            completed.append(t_completed)
            services.append((t_completed - t_lease) * 1000)
    out = {
        "runs": len(rows),
        "outcomes": ",".join(f"{k}:{v}" for k, v in sorted(outcomes.items())),
        "leased_twice": twice,
        "attempts_over_one": attempts_over_one,
        "never_leased": never_leased,
        "first_created": min(created, default=0),
        "last_created": max(created, default=0),
        "first_lease": min(leased, default=0),
        "last_lease": max(leased, default=0),
        "last_completed": max(completed, default=0),
    }
    for name, values in (("wait", waits), ("service", services)):
        for p in (50, 99, 100):
            value = percentile(values, p)
            out[f"{name}_p{p}"] = "nan" if value is None else f"{value:.1f}"
    for key, value in out.items():
        print(f"{key}={value:.3f}" if isinstance(value, float) else f"{key}={value}")


def requests(log, start, end, jobs):
    pattern = re.compile(r"method=(\w+) path=(/api/v1/worker/[^}\s]*)")
    counts = {}
    with open(log, "rb") as f:
        f.seek(start)
        text = f.read(end - start).decode(errors="replace")
    for line in text.splitlines():
        if "request answered" not in line:
            continue
        match = pattern.search(line)
        if not match:
            continue
        method, path = match.groups()
        # /api/v1/worker/workers/{worker}/jobs/{job}/report -> .../jobs/{job}/report
        parts = path.split("/")
        name = parts[-1] if "jobs" in parts else parts[-1]
        counts[f"{method} {name}"] = counts.get(f"{method} {name}", 0) + 1
    for name, count in sorted(counts.items(), key=lambda item: -item[1]):
        print(f"{name} {count} {count / jobs:.2f}")


def read_figures(path):
    figures = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("=")
            figures[key] = value
    return figures


def busy_note(retries):
    return f" ({retries:.0f} launches refused with ETXTBSY, tried again)" if retries else ""


def report(paths):
    print("| backend | measure | value | ratio to baseline |")
    print("|---|---|---|---|")
    for path in paths:
        f = read_figures(path)
        num = lambda key: float(f[key])
        b = f["backend"]
        jobs, workers = int(f["jobs"]), int(f["workers"])

        def row(measure, value, ratio=""):
            print(f"| {b} | {measure} | {value} | {ratio} |")

        enqueue_s, posts = f["enqueue"].split()
        row(f"queue {jobs:,} runs: {posts} `POST /api/v1/runs` of 10, 4 at a time",
            f"{float(enqueue_s):.2f} s ({jobs / float(enqueue_s):,.0f} runs/s)")
        row("workers", f["topology"])
        wall = num("t_done") - num("t0")
        leases = num("drain_last_lease") - num("drain_first_lease")
        drained = num("drain_last_completed") - num("drain_first_lease")
        game_s, game_busy, game_cpu = (float(x) for x in f["baseline_game"].split())
        worker_s, worker_busy, worker_cpu = (float(x) for x in f["baseline_worker"].split())
        base_game = int(f["baseline_jobs"]) / game_s
        base_worker = int(f["baseline_jobs"]) / worker_s
        row(f"**drain**: workers started → {jobs:,} runs completed",
            f"{wall:.1f} s, **{jobs / wall:,.1f} jobs/s**",
            f"{jobs / wall / base_game:.2f} of the sandbox alone, {jobs / wall / base_worker:.2f} of sandbox + check")
        row("of which, first lease → last lease (jobs leased per second)",
            f"{leases:.1f} s, **{jobs / leases:,.1f} leases/s**" if leases > 0 else "?")
        row("of which, first lease → last completion",
            f"{drained:.1f} s, {jobs / drained:,.1f} jobs/s" if drained > 0 else "?")
        row(f"baseline: the game under prlimit + bwrap, {workers} at a time, no playtest",
            f"{game_s:.1f} s for {f['baseline_jobs']}, {base_game:,.1f} jobs/s{busy_note(game_busy)}")
        row("baseline: the same, preceded by a sandbox check (the worker's per-game check before 444ea20) "
            "(`prlimit --version`, `bwrap --version`, `true` sandboxed)",
            f"{worker_s:.1f} s for {f['baseline_jobs']}, {base_worker:,.1f} jobs/s{busy_note(worker_busy)}")
        row("POST → lease, all queued first (p50 / p99; queue wait)",
            f"{float(f['drain_wait_p50']) / 1000:.1f} s / {float(f['drain_wait_p99']) / 1000:.1f} s")
        row("lease → completed, per job under the drain (p50 / p99)",
            f"{f['drain_service_p50']} ms / {f['drain_service_p99']} ms")
        count, late, answer50, answer99 = f["steady"].split()
        row(f"**POST → lease**, {f['rate']} runs/s for {f['rate_seconds']} s, workers idle "
            f"(p50 / p99 / max, {count} runs)",
            f"**{f['steady_wait_p50']} ms / {f['steady_wait_p99']} ms** / {f['steady_wait_p100']} ms")
        row("lease → completed, one job alone (p50 / p99)",
            f"{f['steady_service_p50']} ms / {f['steady_service_p99']} ms")
        row("`POST /api/v1/runs` (1 run) answered, client side (p50 / p99)",
            f"{answer50} ms / {answer99} ms" + (f", {late} posts late > 50 ms" if int(late) else ""))
        twice = int(f["drain_leased_twice"]) + int(f["steady_leased_twice"])
        attempts = int(f["drain_attempts_over_one"]) + int(f["steady_attempts_over_one"])
        never = int(f["drain_never_leased"]) + int(f["steady_never_leased"])
        row("**jobs leased twice** (runs with two lease events; jobs with attempts > 1)",
            f"**{twice}**; {attempts}" + (f"; {never} never leased" if never else ""))
        row("outcomes", f"drain {f['drain_outcomes']}; steady {f['steady_outcomes']}")
        calls = {k[len("requests_"):].replace("_", " ", 1): v.split()
                 for k, v in f.items() if k.startswith("requests_")}
        per_job = sum(float(v[1]) for v in calls.values())
        detail = ", ".join(f"{name.split()[-1]} {v[1]}" for name, v in calls.items())
        row("worker protocol requests per job, drain (server log)",
            f"{per_job:.2f}: {detail}; + 1 artifact PUT to the blob store (not logged)")
        pair = lambda key: tuple(float(x) for x in f[key].split())
        ms = lambda seconds, n: f"{seconds * 1000 / n:.1f}"
        server_self, server_children = pair("cpu_server")
        workers_self, workers_children = pair("cpu_workers")
        pg = num("cpu_pg") if f["cpu_pg"] else 0.0
        window, busy = pair("busy")
        sandboxes = server_children + workers_children
        ours = server_self + workers_self + pg + sandboxes
        if b == "sqlite":
            cpu = (f"server, with its embedded workers and SQLite, {server_self:.1f}; "
                   f"their sandboxes {server_children:.1f}")
        else:
            cpu = (f"server {server_self:.1f}; worker processes {workers_self:.1f}; their sandboxes "
                   f"{workers_children:.1f}; PostgreSQL backends {pg:.1f}")
        cpu += (f"; whole machine {busy:.1f} of {window * os.cpu_count():.0f} available, of which "
                f"{busy - ours:.1f} elsewhere (anything else running, kernel threads)")
        row("CPU seconds during the drain", cpu)
        base_n = int(f["baseline_jobs"])
        row("CPU ms per job, drain: sandboxes + the rest of playtest (server, workers"
            + (", PostgreSQL" if b != "sqlite" else "") + ")",
            f"{ms(sandboxes, jobs)} + {ms(ours - sandboxes, jobs)} = **{ms(ours, jobs)}**",
            f"the sandbox alone {ms(game_cpu, base_n)} ({game_cpu / base_n / (ours / jobs):.2f}), "
            f"sandbox + check {ms(worker_cpu, base_n)} ({worker_cpu / base_n / (ours / jobs):.2f})")
        count, last, client_cpu = f["protocol"].split()
        count = int(count)
        p_wall = float(last) - num("p_t0")
        p_leases = num("protocol_last_lease") - num("protocol_first_lease")
        row(f"**the engine alone**: {count:,} jobs drained by {workers} slots of Python clients "
            f"that make the worker's requests (6 per job) but run no sandbox",
            f"{p_wall:.1f} s, **{count / p_wall:,.1f} jobs/s**"
            + (f"; {count / p_leases:,.1f} leases/s first → last lease" if p_leases > 0 else ""),
            f"{count / p_wall / (jobs / wall):.1f} × the drain with sandboxes")
        row("the engine alone: lease → completed, 5 requests (p50 / p99); jobs leased twice",
            f"{f['protocol_service_p50']} ms / {f['protocol_service_p99']} ms; "
            f"**{f['protocol_leased_twice']}**; {f['protocol_attempts_over_one']} with attempts > 1; "
            f"outcomes {f['protocol_outcomes']}")
        p_window, p_busy = pair("p_busy")
        cpu = f"server {ms(pair('p_cpu_server')[0], count)}"
        if f["p_cpu_pg"]:
            cpu += f", PostgreSQL backends {ms(num('p_cpu_pg'), count)}"
        cpu += (f"; the Python clients {ms(float(client_cpu), count)}; whole machine "
                f"{p_busy:.1f} s of {p_window * os.cpu_count():.0f} available")
        row("the engine alone: CPU ms per job", cpu)
        peak = f"server {f['server_peak']} MiB"
        if b != "sqlite":
            peak += f", largest worker process {f['worker_peak']} MiB"
        row("peak RSS (VmHWM)", peak)


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "enqueue":
        enqueue(args[0], args[1], args[2], args[3], int(args[4]), int(args[5]))
    elif command == "wait":
        wait(args[0], args[1], int(args[2]), float(args[3]))
    elif command == "steady":
        steady(args[0], args[1], args[2], args[3], float(args[4]), float(args[5]))
    elif command == "protocol":
        protocol(args[0], args[1], int(args[2]), int(args[3]))
    elif command == "protocol-worker":
        protocol_worker(args[0], args[1], int(args[2]), args[3])
    elif command == "baseline":
        baseline(args[0], args[1], int(args[2]), int(args[3]), args[4])
    elif command == "stats":
        stats(args[0], args[1], args[2])
    elif command == "requests":
        requests(args[0], int(args[1]), int(args[2]), int(args[3]))
    elif command == "report":
        report(args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
