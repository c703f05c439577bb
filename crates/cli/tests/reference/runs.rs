//! The runs the reference test plays, of every test type and outcome, and
//! the run requests it makes refused; the lists read while they play.

use std::thread::sleep;
use std::time::{Duration, Instant};

use playtest_contract::recorder::{Auth, Recorder};
use serde_json::{Value, json};

use super::catalog::Catalog;
use crate::{Server, create_key};

/// How long every run together may take on a busy 2-core machine.
const RUNS_DEADLINE: Duration = Duration::from_secs(420);

/// Run requests refused: without a key, without the permission, malformed,
/// naming what does not exist.
pub fn refuse_bad_run_requests(server: &Server, api: &Recorder) {
    let uploader = create_key(&server.data_dir, "uploader", "project:manage-build-storage");
    for (auth, expected) in [(Auth::None, 401), (Auth::Key(&uploader), 403)] {
        let (status, body) = api.send_as(auth, "GET", "/api/v1/runs", None);
        assert_eq!(status, expected, "{body}");
    }
    let unknown = "zzzzzzzzzzzz";
    for path in [
        format!("/api/v1/runs/{unknown}"),
        format!("/api/v1/runs/{unknown}/bugs"),
    ] {
        assert_eq!(api.get(&path).0, 404);
        assert_eq!(api.send_as(Auth::None, "GET", &path, None).0, 401);
    }
    let (status, _) = api.post("/api/v1/runs", &json!({"multiplayer_test_id": "tst_x"}));
    assert_eq!(status, 400, "deployment_config_id is required");
    let (status, _) = api.post(
        "/api/v1/runs",
        &json!({"multiplayer_test_id": "tst_unknown", "deployment_config_id": "dcf_unknown"}),
    );
    assert_eq!(status, 404);
    let (status, _) = api.send_as(
        Auth::None,
        "POST",
        "/api/v1/runs",
        Some(&json!({"deployment_config_id": "dcf_x"})),
    );
    assert_eq!(status, 401);
    let (status, body) = api.post("/api/v1/runs/stop", &json!({"job_ids": [unknown]}));
    assert_eq!(status, 404, "{body}");
}

/// A run started by the test, and what it should come to.
#[derive(Debug, Clone)]
pub struct Played {
    pub name: &'static str,
    pub run_id: String,
    pub job_id: String,
    pub outcome: &'static str,
    /// Fingerprint kinds (`crash`, `soft-lock`, `game_loop/hang`, ...) its
    /// bugs must include.
    pub bugs: &'static [&'static str],
}

/// Starts a run; returns its run and job ids.
fn start(api: &Recorder, body: Value) -> (String, String) {
    let (status, started) = api.post("/api/v1/runs", &body);
    assert_eq!(status, 201, "{body}: {started}");
    (
        started["data"]["multiplayer_run_id"]
            .as_str()
            .unwrap()
            .to_string(),
        started["data"]["job_id"].as_str().unwrap().to_string(),
    )
}

pub fn run_details(api: &Recorder, run_id: &str) -> Value {
    let (status, run) = api.get(&format!("/api/v1/runs/{run_id}"));
    assert_eq!(status, 200, "{run}");
    run
}

/// Polls a run's details until `done` holds, for a bounded time.
fn wait_for(api: &Recorder, run_id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let run = run_details(api, run_id);
        if done(&run) {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "run {run_id} never {what}: {run}"
        );
        sleep(Duration::from_millis(200));
    }
}

pub fn play_every_kind_of_run(api: &Recorder, catalog: &Catalog) -> Vec<Played> {
    let Catalog {
        maze,
        maze_crash,
        maze_stuck,
        maze_black,
        maze_hang,
        pass,
        fail,
        segv,
        sleeper,
        no_build,
        game_loop,
        short_loop,
        walk,
        fall,
        explore_briefly,
        explore_long,
        plan,
    } = catalog;
    let mut played = Vec::new();
    let mut run = |name, test: &str, config: &str, outcome, bugs| {
        let (run_id, job_id) = start(
            api,
            json!({"multiplayer_test_id": test, "deployment_config_id": config,
                   "additional_tags": ["reference"]}),
        );
        let run = Played {
            name,
            run_id,
            job_id,
            outcome,
            bugs,
        };
        played.push(run.clone());
        run
    };

    // A run stopped while it plays: it takes a slot at once.
    let stopped = run("stopped while running", game_loop, sleeper, "stopped", &[]);
    wait_for(api, &stopped.run_id, "ran", |r| r["state"] == "running");
    let (status, answer) = api.post("/api/v1/runs/stop", &json!({"job_ids": [stopped.job_id]}));
    assert_eq!(status, 200, "{answer}");

    // The slow ones first, so both slots stay busy.
    run(
        "explored until stuck",
        explore_long,
        maze_stuck,
        "success",
        &["soft-lock"],
    );
    run(
        "explored into a crash",
        explore_briefly,
        maze_crash,
        "failed",
        &["crash"],
    );
    run(
        "explored into a hang",
        explore_briefly,
        maze_hang,
        "failed",
        &["hang"],
    );
    run(
        "explored into errors and a black screen",
        explore_briefly,
        maze_black,
        "success",
        &["console-error", "blank-screen"],
    );
    run("walked off the edge", fall, maze, "failed", &["exception"]);
    run("walked the maze", walk, maze, "success", &[]);
    run("booted", game_loop, pass, "success", &[]);
    run("failed to boot", game_loop, fail, "failed", &[]);
    run("crashed", game_loop, segv, "failed", &["game_loop/crash"]);
    run("hung", short_loop, sleeper, "timeout", &["game_loop/hang"]);
    run("had no build", game_loop, no_build, "error", &[]);
    let queued = run("stopped while queued", game_loop, sleeper, "stopped", &[]);

    let (status, answer) = api.post(
        "/api/v1/runs",
        &json!({"test_plan_id": plan, "deployment_config_id": pass}),
    );
    assert_eq!(status, 201, "{answer}");
    for (run_id, job_id) in answer["data"]["multiplayer_run_ids"]
        .as_array()
        .unwrap()
        .iter()
        .zip(answer["data"]["job_ids"].as_array().unwrap())
    {
        played.push(Played {
            name: "in a plan",
            run_id: run_id.as_str().unwrap().to_string(),
            job_id: job_id.as_str().unwrap().to_string(),
            outcome: "success",
            bugs: &[],
        });
    }

    // One job stops, the other had already ended: 207.
    wait_for(api, &stopped.run_id, "ended", |r| r["state"] == "completed");
    let (status, answer) = api.post(
        "/api/v1/runs/stop",
        &json!({"job_ids": [queued.job_id, stopped.job_id]}),
    );
    assert_eq!(status, 207, "{answer}");

    watch_until_all_ended(api, &played);
    played
}

/// Lists the runs (as a dashboard would) until every run has ended; the
/// lists and details read on the way hold runs initializing and running.
fn watch_until_all_ended(api: &Recorder, played: &[Played]) {
    let deadline = Instant::now() + RUNS_DEADLINE;
    loop {
        let (status, list) = api.get("/api/v1/runs?state=all&page_size=100");
        assert_eq!(status, 200, "{list}");
        let (status, running) = api.get("/api/v1/runs?state=running");
        assert_eq!(status, 200, "{running}");
        if let Some(run) = running["data"].as_array().and_then(|runs| runs.first()) {
            run_details(api, run["multiplayer_run_id"].as_str().unwrap());
        }
        let open: Vec<&str> = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|run| run["state"] != "completed")
            .map(|run| run["multiplayer_run_id"].as_str().unwrap())
            .collect();
        if open.is_empty() {
            assert_eq!(list["pagination"]["total_count"], played.len(), "{list}");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "runs still open after {RUNS_DEADLINE:?}: {open:?}"
        );
        sleep(Duration::from_secs(2));
    }
}
