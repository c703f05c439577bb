#!/usr/bin/env python3
"""Seeds a playtest server with runs for the benchmarks.

Usage: seed_runs.py BASE_URL API_KEY COUNT
Creates one test and one deployment config, then starts the test with
instances=10 until COUNT runs exist, over one keep-alive connection.
Prints the id of one run.
"""
import http.client
import json
import sys
import urllib.parse


def main():
    base, key, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    headers = {"X-Api-Key": key, "Content-Type": "application/json"}

    def call(method, path, body):
        conn.request(method, "/api/v1" + path, json.dumps(body), headers)
        response = conn.getresponse()
        data = json.loads(response.read() or b"null")
        if response.status >= 300:
            sys.exit(f"{method} {path} answered {response.status}: {data}")
        return data

    test = call("POST", "/tests", {
        "name": "bench", "test_type": "verification", "tags": ["bench"],
        "players": [{"name": "p1", "steps": [{"goal": "open the menu"}, {"goal": "start a game"}]}],
    })
    config = call("POST", "/deployment-configs", {"name": "bench", "kind": "web", "launch": {"entry": "index.html"}})
    created, run_id = 0, None
    while created < count:
        instances = min(10, count - created)
        started = call("POST", "/runs", {
            "multiplayer_test_id": test["id"], "deployment_config_id": config["id"], "instances": instances,
        })
        run_id = run_id or started["data"]["multiplayer_run_id"]
        created += instances
        if created % 10000 == 0:
            print(f"seeded {created} runs", file=sys.stderr)
    print(run_id)


if __name__ == "__main__":
    main()
