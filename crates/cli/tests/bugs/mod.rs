//! `playtest tests asset` and `playtest bugs show|replay|minimize` against
//! a real `playtest serve`. Bugs come from a worker the test plays itself
//! over the worker protocol (the real worker is tested in its own crate):
//! it leases the run, reports a bug with a trace, and for replays reports
//! what the test says the replay found.

use std::process::{Command, Stdio};

use playtest_client::WorkerClient;
use playtest_types::{
    Action, BugCategory, BugReport, BugTrace, CompleteJobRequest, Confidence, JobAssignment,
    JobReport, PlatformKind, RegisterWorkerRequest, RunOutcome, Secret, Severity,
};
use serde_json::{Value, json};

use super::{BIN, OUR_VARIABLES, Output, Server, test_and_config};

/// A PNG's signature and some bytes.
fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(0..200u8);
    bytes
}

fn trace(actions: usize) -> BugTrace {
    BugTrace {
        seed: 42,
        actions: (0..actions)
            .map(|_| Action::Key("ArrowLeft".into()))
            .collect(),
    }
}

fn bug(steps: &str, actions: usize, minimizes: Option<String>) -> BugReport {
    BugReport {
        fingerprint: "fp_merge".into(),
        title: "Tiles stop merging".into(),
        description: "two 8 tiles stay apart".into(),
        category: BugCategory::Gameplay,
        severity: Severity::High,
        confidence: Confidence::High,
        reproduction_steps: steps.into(),
        player_number: 0,
        test_step: Some(1),
        turn: Some(4),
        video_offset_ms: None,
        screenshot: None,
        trace: Some(trace(actions)),
        minimizes,
    }
}

/// A worker the test plays, with a runtime of its own.
struct FakeWorker {
    runtime: tokio::runtime::Runtime,
    client: WorkerClient,
    id: String,
}

impl FakeWorker {
    fn register(server: &Server) -> FakeWorker {
        let data_dir = server.data_dir.to_str().unwrap();
        let token = super::playtest(
            &[
                "workers",
                "token",
                "create",
                "--name",
                "fake",
                "--data-dir",
                data_dir,
            ],
            &[],
            None,
        );
        let token = token.assert_success().stdout.trim().to_string();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let client = WorkerClient::new(&server.url, Secret::new(token)).unwrap();
        let worker = runtime
            .block_on(client.register(&RegisterWorkerRequest {
                name: "fake".into(),
                capabilities: vec![],
                platforms: vec![PlatformKind::Web],
                slots: 2,
                version: None,
            }))
            .unwrap();
        FakeWorker {
            runtime,
            client,
            id: worker.id,
        }
    }

    /// Leases the next job, reports `bugs` and completes it with `outcome`.
    fn play(&self, bugs: Vec<BugReport>, outcome: RunOutcome) -> JobAssignment {
        self.runtime.block_on(async {
            let job = self
                .client
                .lease(&self.id, 10)
                .await
                .unwrap()
                .expect("a job is queued");
            let report = JobReport {
                fencing_token: job.fencing_token,
                started: true,
                bugs,
                ..Default::default()
            };
            self.client
                .report(&self.id, &job.job_id, &report)
                .await
                .unwrap();
            let done = CompleteJobRequest {
                fencing_token: job.fencing_token,
                outcome,
                artifacts: vec![],
                reason: None,
            };
            self.client
                .complete(&self.id, &job.job_id, &done)
                .await
                .unwrap();
            job
        })
    }
}

/// A run of a new test whose (fake) worker found a bug with a trace of 7
/// actions; returns the occurrence's id and the worker.
fn occurrence(server: &Server, key: &str) -> (String, FakeWorker) {
    let (test_id, config_id) = test_and_config(server, key);
    let started = server.run(key, &["run", "--test", &test_id, "--config", &config_id]);
    let run_id = started.assert_success().stdout.trim().to_string();
    let worker = FakeWorker::register(server);
    worker.play(
        vec![bug("press left seven times", 7, None)],
        RunOutcome::Failed,
    );
    let bugs = server.run(key, &["bugs", "list", &run_id, "--json"]);
    let id = bugs.assert_success().json()["bug_occurrences"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    (id, worker)
}

/// Starts a client command without waiting for it to end.
fn spawn(server: &Server, key: &str, args: &[&str]) -> std::process::Child {
    let mut command = Command::new(BIN);
    for name in OUR_VARIABLES {
        command.env_remove(name);
    }
    command
        .args(args)
        .env("PLAYTEST_API_URL", &server.url)
        .env("PLAYTEST_API_KEY", key)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finished(child: std::process::Child) -> Output {
    let output = child.wait_with_output().unwrap();
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn tests_asset_put_uploads_an_image_that_tests_asset_list_shows() {
    let server = Server::start();
    let key = server.admin_key();
    let (test_id, _) = test_and_config(&server, &key);
    let file = server.data_dir.join("menu screen.png");
    std::fs::write(&file, png()).unwrap();

    let put = server.run(
        &key,
        &[
            "tests",
            "asset",
            "put",
            &test_id,
            "menu.png",
            file.to_str().unwrap(),
        ],
    );
    put.assert_success();
    assert!(put.stdout.contains("image/png"), "{}", put.stdout);
    assert!(
        put.stderr.contains("uploaded asset menu.png"),
        "{}",
        put.stderr
    );

    let listed = server.run(&key, &["tests", "asset", "list", &test_id, "--json"]);
    let listed = listed.assert_success().json();
    assert_eq!(listed["data"][0]["name"], "menu.png");
    assert_eq!(listed["data"][0]["size"], png().len());
    let table = server.run(&key, &["tests", "asset", "list", &test_id]);
    let lines: Vec<&str> = table.assert_success().stdout.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{}", table.stdout);
    assert!(
        lines[1].starts_with("menu.png") && lines[1].contains("image/png"),
        "{}",
        table.stdout
    );

    let again = server.run(
        &key,
        &[
            "tests",
            "asset",
            "put",
            &test_id,
            "menu.png",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        again.assert_success().stderr.contains("replaced"),
        "{}",
        again.stderr
    );

    let text = server.data_dir.join("notes.txt");
    std::fs::write(&text, "not an image").unwrap();
    let refused = server.run(
        &key,
        &[
            "tests",
            "asset",
            "put",
            &test_id,
            "notes.png",
            text.to_str().unwrap(),
        ],
    );
    let line = refused.assert_one_line_failure();
    assert!(line.contains("not a PNG or JPEG image"), "{line}");
    let foreign = server.run(&key, &["tests", "asset", "list", "tst_nothing"]);
    let line = foreign.assert_one_line_failure();
    assert!(line.contains("Test not found"), "{line}");
}

#[test]
fn bugs_show_prints_the_occurrence_its_reproduction_steps_and_trace_length() {
    let server = Server::start();
    let key = server.admin_key();
    let (occurrence_id, _worker) = occurrence(&server, &key);

    let shown = server.run(&key, &["bugs", "show", &occurrence_id]);
    let text = &shown.assert_success().stdout;
    for expected in [
        occurrence_id.as_str(),
        "Tiles stop merging",
        "fp_merge",
        "7 actions (seed 42)",
        "reproduction steps:",
        "  press left seven times",
        "playtest bugs replay",
    ] {
        assert!(text.contains(expected), "{expected:?} is missing:\n{text}");
    }
    let json: Value = server
        .run(&key, &["bugs", "show", &occurrence_id, "--json"])
        .json();
    assert_eq!(json["id"], occurrence_id.as_str());
    assert_eq!(json["details"]["trace_length"], 7);
    assert_eq!((&json["test_step"], &json["turn"]), (&json!(1), &json!(4)));
    assert_eq!(json["trace"]["actions"].as_array().unwrap().len(), 7);

    let unknown = server.run(&key, &["bugs", "show", "occ_nothing"]);
    let line = unknown.assert_one_line_failure();
    assert!(line.contains("Bug occurrence not found"), "{line}");
}

#[test]
fn bugs_replay_prints_the_run_id_and_with_wait_exits_0_once_the_bug_reproduced() {
    let server = Server::start();
    let key = server.admin_key();
    let (occurrence_id, worker) = occurrence(&server, &key);

    let started = server.run(&key, &["bugs", "replay", &occurrence_id]);
    let run_id = started.assert_success().stdout.trim().to_string();
    assert_eq!(run_id.len(), 12, "{}", started.stdout);
    let job = worker.play(vec![bug("again", 7, None)], RunOutcome::Success);
    assert_eq!(job.run_id, run_id);
    assert_eq!(job.replay.expect("a replay").occurrence_id, occurrence_id);

    let waiting = spawn(
        &server,
        &key,
        &[
            "bugs",
            "replay",
            &occurrence_id,
            "--wait",
            "--timeout",
            "60",
        ],
    );
    worker.play(vec![bug("again", 7, None)], RunOutcome::Success);
    let out = finished(waiting);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("reproduced: the bug appeared again"),
        "{}",
        out.stdout
    );

    let waiting = spawn(
        &server,
        &key,
        &[
            "bugs",
            "replay",
            &occurrence_id,
            "--wait",
            "--timeout",
            "60",
        ],
    );
    worker.play(vec![], RunOutcome::Failed);
    let out = finished(waiting);
    assert_eq!(
        out.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.contains("not reproduced"), "{}", out.stdout);
    assert_eq!(
        out.stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .count(),
        1,
        "{}",
        out.stderr
    );
}

#[test]
fn bugs_minimize_with_wait_prints_the_trace_length_before_and_after() {
    let server = Server::start();
    let key = server.admin_key();
    let (occurrence_id, worker) = occurrence(&server, &key);

    let waiting = spawn(
        &server,
        &key,
        &[
            "bugs",
            "minimize",
            &occurrence_id,
            "--wait",
            "--timeout",
            "60",
        ],
    );
    // The minimisation run can only be leased once the command started it.
    let job = worker.play(
        vec![bug("press left twice", 2, Some(occurrence_id.clone()))],
        RunOutcome::Success,
    );
    assert!(job.replay.expect("a replay").minimize);
    let out = finished(waiting);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stdout.contains("trace: 7 -> 2 actions"),
        "{}",
        out.stdout
    );

    let shown = server.run(&key, &["bugs", "show", &occurrence_id]);
    let text = &shown.assert_success().stdout;
    assert!(text.contains("  press left twice"), "{text}");
    assert!(text.contains("from 7 to 2 actions"), "{text}");
}

#[test]
fn bugs_replay_of_an_unknown_occurrence_is_a_usage_error_exiting_3() {
    let server = Server::start();
    let key = server.admin_key();
    let out = server.run(&key, &["bugs", "replay", "occ_nothing", "--wait"]);
    assert_eq!(
        out.code, 3,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(
        out.stderr.contains("Bug occurrence not found"),
        "{}",
        out.stderr
    );
}
