#!/usr/bin/env python3
"""Helper of bench/native.sh: the agents on real native Linux games
(bench/native's builds), driven through playtest's public API like any
client. BUILDS is a file of `name build_id` lines (the builds uploaded).

  native.py coverage BASE KEY BUILDS GAMES SEEDS SECONDS OUT
      for each game of GAMES (space-separated build names), each strategy
      (explorer, random) and each seed 1..SEEDS, one discovery run of
      SECONDS (the recording on), in alternating order; one JSON line per
      run: the coverage.json and the bugs reported (the games are clean).
  native.py video BASE KEY BUILDS GAME SECONDS OUT
      the explorer, seed 1, on GAME with and without the recording.
  native.py faults BASE KEY BUILDS FAULTS SECONDS OUT
      one explorer run per faulty build of FAULTS: the bugs found and how
      long after the run's start each was reported.
  native.py minimize BASE KEY FAULTS_JSONL OUT
      the first crash with a trace among the fault runs: minimised, then
      replayed 3 times.
  native.py report COVERAGE VIDEO FAULTS MINIMIZE
      the Markdown report.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from engine import Api  # noqa: E402
from explore import (bugs, discovery_test, fetch, minimize_report, run_and_wait,  # noqa: E402
                     spread, to_epoch, write_minimized)

# The display each game is played on (its window is at most this size).
SIZES = {"pygame-aliens": (800, 600), "sgt-net": (640, 480), "ltris": (640, 480)}

AIMED = {"aliens-raise": "exception (traceback, game goes on)", "aliens-segv": "crash (SIGSEGV)",
         "aliens-freeze": "freeze", "aliens-spin": "hang (busy loop)", "aliens-black": "black screen",
         "aliens-slow": "performance", "ltris-abort": "crash (SIGABRT, SDL 1.2)"}


def build_ids(path):
    return dict(line.split() for line in open(path) if line.strip())


def game_of(build_name):
    """The clean game a build is (or is a faulty copy of)."""
    if build_name.startswith("aliens"):
        return "pygame-aliens"
    if build_name.startswith("ltris"):
        return "ltris"
    return build_name


def config(api, build, name):
    width, height = SIZES.get(game_of(name), (640, 480))
    return api.call("POST", "/deployment-configs", {
        "name": name, "kind": "linux", "build_id": build,
        "launch": {"entry": "play.sh", "width": width, "height": height},
    })["id"]


def coverage(base, key, builds, games, seeds, seconds, out):
    api = Api(base, key)
    ids = build_ids(builds)
    with open(out, "w") as lines:
        for game in games.split():
            cfg = config(api, ids[game], game)
            for seed in range(1, int(seeds) + 1):
                order = ["explorer", "random"] if seed % 2 else ["random", "explorer"]
                for strategy in order:
                    test = discovery_test(api, f"{game}-{strategy}-{seed}", seed, strategy, int(seconds))
                    run = run_and_wait(api, test, cfg)
                    cov = json.loads(fetch(api, run, "coverage.json") or b"{}")
                    found = bugs(api, run["multiplayer_run_id"])
                    row = {"game": game, "strategy": strategy, "seed": seed, "run": run["multiplayer_run_id"],
                           "outcome": run.get("outcome"), "coverage": cov, "bugs": [b["title"] for b in found]}
                    print(f"  {game} {strategy} seed {seed}: {cov.get('distinct_cells')} cells, "
                          f"{cov.get('actions')} actions, {len(found)} bugs", file=sys.stderr)
                    lines.write(json.dumps(row) + "\n")
                    lines.flush()


def video(base, key, builds, game, seconds, out):
    api = Api(base, key)
    cfg = config(api, build_ids(builds)[game], game)
    with open(out, "w") as lines:
        for record in (True, False):
            test = discovery_test(api, f"video-{record}", 1, "explorer", int(seconds))
            run = run_and_wait(api, test, cfg, {"record_video": record})
            cov = json.loads(fetch(api, run, "coverage.json") or b"{}")
            lines.write(json.dumps({"game": game, "record_video": record, "run": run["multiplayer_run_id"],
                                    "coverage": cov}) + "\n")


def faults(base, key, builds, names, seconds, out):
    api = Api(base, key)
    ids = build_ids(builds)
    with open(out, "w") as lines:
        for fault in names.split():
            cfg = config(api, ids[fault], fault)
            test = discovery_test(api, f"fault-{fault}", 1, "explorer", int(seconds))
            run = run_and_wait(api, test, cfg)
            found = bugs(api, run["multiplayer_run_id"])
            started = run.get("started_at") or run.get("created_at")
            row = {"fault": fault, "run": run["multiplayer_run_id"], "bugs": [
                {"id": b["id"], "title": b["title"], "category": b["category"],
                 "severity": b["severity"], "trace_length": b["details"].get("trace_length"),
                 "after_s": round(to_epoch(b["detected_at"]) - to_epoch(started), 1) if started else None}
                for b in sorted(found, key=lambda b: b["detected_at"])]}
            print(f"  {fault}: {[b['title'] for b in row['bugs']]}", file=sys.stderr)
            lines.write(json.dumps(row) + "\n")
            lines.flush()


def minimize(base, key, faults_jsonl, out):
    api = Api(base, key)
    rows = [json.loads(line) for line in open(faults_jsonl)]
    target = next(((r["fault"], b) for r in rows for b in r["bugs"]
                   if b["category"] == "crash" and b["trace_length"] and "respond" not in b["title"]), None)
    if target is None:
        sys.exit("no fault run found a crash with a trace")
    write_minimized(api, *target, out)


def report(coverage_path, video_path, faults_path, minimize_path):
    if os.path.exists(coverage_path):
        rows = [json.loads(line) for line in open(coverage_path)]
        print("### Coverage (discovery runs on the clean games, same action space and time)\n")
        print("| game | strategy | runs | distinct cells: median (min, max) | actions | bugs reported |")
        print("|---|---|---|---|---|---|")
        ratios = []
        for game in dict.fromkeys(r["game"] for r in rows):
            medians = {}
            for strategy in ("explorer", "random"):
                mine = [r for r in rows if r["game"] == game and r["strategy"] == strategy]
                cells = [r["coverage"].get("distinct_cells", 0) for r in mine]
                medians[strategy] = sorted(cells)[len(cells) // 2] if cells else 0
                print(f"| {game} | {strategy} | {len(mine)} | {spread(cells)} | "
                      f"{spread([r['coverage'].get('actions', 0) for r in mine])} | "
                      f"{sum(len(r['bugs']) for r in mine)} {sorted({t for r in mine for t in r['bugs']})} |")
            if medians.get("random"):
                ratios.append(f"{game} {medians['explorer'] / medians['random']:.2f}")
        print("\nexplorer / random, median distinct cells: " + ", ".join(ratios))
    if os.path.exists(video_path):
        print("\n### Throughput (explorer, a screenshot per action)\n")
        print("| game | recording | actions | seconds | actions/s |")
        print("|---|---|---|---|---|")
        rates = {}
        for line in open(video_path):
            r = json.loads(line)
            c = r["coverage"]
            rate = c.get("actions", 0) / max(c.get("seconds", 1), 1e-9)
            rates[r["record_video"]] = rate
            print(f"| {r['game']} | {'on' if r['record_video'] else 'off'} | {c.get('actions')} | "
                  f"{c.get('seconds')} | {rate:.2f} |")
        if rates.get(False):
            print(f"\nwith the recording, {rates.get(True, 0) / rates[False]:.2f} of the actions/s without it")
    if os.path.exists(faults_path):
        print("\n### One fault per detector class in real games (explorer, seed 1)\n")
        print("| build | aimed at | findings (category, severity, seconds from the run's start) |")
        print("|---|---|---|")
        for line in open(faults_path):
            r = json.loads(line)
            found = "; ".join(f"{b['title']} ({b['category']}, {b['severity']}, {b['after_s']} s)"
                              for b in r["bugs"]) or "**nothing**"
            print(f"| {r['fault']} | {AIMED.get(r['fault'], '?')} | {found} |")
    if os.path.exists(minimize_path):
        minimize_report(minimize_path)


def main():
    command, args = sys.argv[1], sys.argv[2:]
    {"coverage": coverage, "video": video, "faults": faults, "minimize": minimize,
     "report": report}[command](*args)


if __name__ == "__main__":
    main()
