//! Faults with real processes: a `playtest worker` killed with SIGKILL in
//! the middle of a run (its lease expires; the job is retried by another
//! worker, or finished as `error` when no retry is left), and a `playtest
//! serve` killed and restarted while one job runs and another waits (both
//! finish, the running one without a retry).

use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

use super::{BIN, OUR_VARIABLES, Server};

/// A `playtest worker` process, killed when dropped.
struct WorkerProcess {
    child: Child,
    _dir: TempDir,
}

impl WorkerProcess {
    fn start(server: &Server, token: &str) -> WorkerProcess {
        let dir = TempDir::new().unwrap();
        let mut command = Command::new(BIN);
        for name in OUR_VARIABLES {
            command.env_remove(name);
        }
        let child = command
            .args(["worker", "--server", &server.url, "--token", token])
            .args(["--slots", "1", "--work-dir"])
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("playtest worker starts");
        WorkerProcess { child, _dir: dir }
    }

    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server with a game-loop test and a Linux config whose build runs
/// `script`; returns (server, admin key, test id, config id).
struct Scene {
    server: Server,
    key: String,
    test_id: String,
    config_id: String,
}

impl Scene {
    fn new(server_flags: &[&str], script: &str) -> Scene {
        let server = Server::start_with(server_flags);
        let key = server.admin_key();
        let dir = TempDir::new().unwrap();
        let build = dir.path().join("game.sh");
        std::fs::write(&build, format!("#!/bin/sh\n{script}\n")).unwrap();
        let uploaded = server.run(
            &key,
            &[
                "upload",
                build.to_str().unwrap(),
                "--name",
                "game",
                "--platform",
                "linux",
                "--json",
            ],
        );
        let build_id = id_of(&uploaded.assert_success().json());
        let test = server.run_with_input(
            &key,
            &["tests", "create", "--file", "-", "--json"],
            Some(r#"{"name": "loop", "test_type": "game_loop", "max_seconds": 60}"#),
        );
        let config = format!(
            r#"{{"name": "linux", "kind": "linux", "build_id": "{build_id}", "launch": {{"entry": "game.sh"}}}}"#
        );
        let config = server.run_with_input(
            &key,
            &["configs", "create", "--file", "-", "--json"],
            Some(&config),
        );
        Scene {
            test_id: id_of(&test.assert_success().json()),
            config_id: id_of(&config.assert_success().json()),
            server,
            key,
        }
    }

    fn worker_token(&self) -> String {
        let out = super::playtest(
            &[
                "workers",
                "token",
                "create",
                "--name",
                "fault test",
                "--data-dir",
                self.server.data_dir.to_str().unwrap(),
            ],
            &[],
            None,
        );
        out.assert_success();
        out.stdout.trim().to_string()
    }

    /// Starts `instances` runs with `retries`; returns their run ids.
    fn start(&self, instances: u32, retries: u32) -> Vec<String> {
        let out = self.server.run(
            &self.key,
            &[
                "runs",
                "start",
                "--test",
                &self.test_id,
                "--config",
                &self.config_id,
                "--instances",
                &instances.to_string(),
                "--retries",
                &retries.to_string(),
                "--json",
            ],
        );
        let data = out.assert_success().json()["data"].clone();
        match data["multiplayer_run_ids"].as_array() {
            Some(ids) if !ids.is_empty() => ids
                .iter()
                .map(|id| id.as_str().unwrap().to_string())
                .collect(),
            _ => vec![data["multiplayer_run_id"].as_str().unwrap().to_string()],
        }
    }

    fn run(&self, run_id: &str) -> Value {
        self.server
            .run(&self.key, &["runs", "show", run_id, "--json"])
            .assert_success()
            .json()
    }

    /// Polls the run until `done` holds, for at most `patience`.
    fn wait_for(
        &self,
        run_id: &str,
        what: &str,
        patience: Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + patience;
        loop {
            let run = self.run(run_id);
            if done(&run) {
                return run;
            }
            assert!(
                Instant::now() < deadline,
                "run {run_id} never got {what}: {run:#}\nserver log:\n{}",
                self.server.log()
            );
            sleep(Duration::from_millis(100));
        }
    }

    /// The run's events as `runs watch --json` prints them.
    fn events(&self, run_id: &str) -> Vec<Value> {
        let out = self
            .server
            .run(&self.key, &["runs", "watch", run_id, "--json"]);
        out.stdout
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .collect()
    }
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_string()
}

fn state_is(state: &'static str) -> impl Fn(&Value) -> bool {
    move |run| run["state"] == state
}

/// Whether any event says the job was put back in the queue.
fn was_retried(events: &[Value]) -> bool {
    events
        .iter()
        .any(|event| event.to_string().contains("\"retried\":true"))
}

const LEASE_FLAGS: [&str; 4] = ["--lease-seconds", "2", "--sweep-seconds", "1"];

#[test]
fn a_worker_killed_mid_run_loses_its_lease_and_another_worker_retries_the_job() {
    let scene = Scene::new(&LEASE_FLAGS, "echo started; sleep 4; exit 0");
    let token = scene.worker_token();
    let mut first = WorkerProcess::start(&scene.server, &token);
    let run_id = scene.start(1, 1).remove(0);
    scene.wait_for(
        &run_id,
        "running",
        Duration::from_secs(60),
        state_is("running"),
    );
    first.kill();

    let _second = WorkerProcess::start(&scene.server, &token);
    let run = scene.wait_for(
        &run_id,
        "completed",
        Duration::from_secs(60),
        state_is("completed"),
    );
    assert_eq!(run["outcome"], "success", "{run:#}");
    assert!(
        was_retried(&scene.events(&run_id)),
        "the job went back to the queue once"
    );
}

#[test]
fn a_worker_killed_mid_run_without_retries_left_ends_the_run_as_an_error() {
    let scene = Scene::new(&LEASE_FLAGS, "sleep 30");
    let token = scene.worker_token();
    let mut worker = WorkerProcess::start(&scene.server, &token);
    let run_id = scene.start(1, 0).remove(0);
    scene.wait_for(
        &run_id,
        "running",
        Duration::from_secs(60),
        state_is("running"),
    );
    let killed = Instant::now();
    worker.kill();
    let run = scene.wait_for(
        &run_id,
        "completed",
        Duration::from_secs(20),
        state_is("completed"),
    );
    assert_eq!(run["outcome"], "error", "{run:#}");
    assert_eq!(run["job_status"], "COMPLETED");
    assert!(
        killed.elapsed() < Duration::from_secs(10),
        "nothing stays RUNNING: ended {:?} after the kill",
        killed.elapsed()
    );
}

#[test]
fn a_server_killed_and_restarted_lets_running_and_queued_jobs_finish() {
    let mut scene = Scene::new(&["--lease-seconds", "15"], "echo working; sleep 3; exit 0");
    let token = scene.worker_token();
    let _worker = WorkerProcess::start(&scene.server, &token);
    let runs = scene.start(2, 0);
    // One slot: one run plays while the other waits in the queue.
    let deadline = Instant::now() + Duration::from_secs(60);
    let playing = loop {
        if let Some(id) = runs.iter().find(|id| scene.run(id)["state"] == "running") {
            break id.clone();
        }
        assert!(Instant::now() < deadline, "no run started");
        sleep(Duration::from_millis(50));
    };
    scene.server.kill_and_restart();

    for run_id in &runs {
        let run = scene.wait_for(
            run_id,
            "completed",
            Duration::from_secs(60),
            state_is("completed"),
        );
        assert_eq!(run["outcome"], "success", "{run:#}\n{}", scene.server.log());
    }
    assert!(
        !was_retried(&scene.events(&playing)),
        "the run that was playing while the server restarted kept its lease"
    );
}
