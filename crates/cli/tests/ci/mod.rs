//! The commands CI runs, against a real `playtest serve`: `run` (start,
//! wait, exit codes), `runs watch`, and `workers` (tokens made, listed and
//! revoked on the store; the project's workers and tokens through the API). Without a worker, runs stay queued,
//! which is what the waiting tests rely on; `game_loop` runs builds on an
//! embedded worker.

mod game_loop;

use serde_json::Value;

use super::{Output, Server, test_and_config};

/// The lines of standard output that are JSON, parsed.
fn json_lines(out: &Output) -> Vec<Value> {
    out.stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("not a JSON line ({err}): {line}\n{}", out.stdout))
        })
        .collect()
}

#[track_caller]
fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.code, code,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
}

/// `playtest workers token <args> --data-dir <the server's>`.
fn on_store(server: &Server, args: &[&str]) -> Output {
    let data_dir = server.data_dir.to_str().unwrap();
    let args = [&["workers", "token"][..], args, &["--data-dir", data_dir]].concat();
    super::playtest(&args, &[], None)
}

/// The token named `name` in a JSON token list.
fn token_named(list: &Value, name: &str) -> Option<Value> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|token| token["name"] == name)
        .cloned()
}

#[test]
fn a_worker_token_created_on_the_store_serves_every_project_until_revoked() {
    let server = Server::start();
    let key = server.admin_key();
    let created = on_store(&server, &["create", "--name", "gpu-1"]);
    created.assert_success();
    let secret = created.stdout.trim();
    assert_eq!(created.stdout.lines().count(), 1, "{}", created.stdout);
    assert!(!secret.is_empty() && !secret.contains(' '), "{secret}");

    let listed = on_store(&server, &["list", "--json"]);
    let token = token_named(&listed.assert_success().json(), "gpu-1")
        .unwrap_or_else(|| panic!("the new token is listed: {}", listed.stdout));
    assert_eq!(token["revoked"], false);
    assert_eq!(token["project_id"], Value::Null, "it serves every project");
    assert!(secret.starts_with(token["prefix"].as_str().unwrap()));
    let table = on_store(&server, &["list"]);
    assert!(
        table.assert_success().stdout.contains("every project"),
        "{}",
        table.stdout
    );
    // The API lists the project's own tokens (none yet), not the operator's.
    let project = server.run(&key, &["workers", "tokens", "--json"]);
    assert_eq!(
        project.assert_success().json()["data"],
        serde_json::json!([])
    );
    let project = server.run(&key, &["workers", "tokens"]);
    assert!(
        project.assert_success().stdout.contains("no worker tokens"),
        "{}",
        project.stdout
    );

    let id = token["id"].as_str().unwrap();
    let revoked = on_store(&server, &["revoke", id]);
    assert!(revoked.assert_success().stdout.contains(id));
    let listed = on_store(&server, &["list", "--json"]);
    let token = token_named(&listed.assert_success().json(), "gpu-1").unwrap();
    assert_eq!(token["revoked"], true);

    let again = on_store(&server, &["revoke", "wtk_nope"]);
    assert!(
        again
            .assert_one_line_failure()
            .contains("no worker token wtk_nope"),
        "{}",
        again.stderr
    );
}

#[test]
fn workers_list_says_so_when_no_worker_has_registered() {
    let server = Server::start();
    let key = server.admin_key();
    let out = server.run(&key, &["workers", "list"]);
    assert!(
        out.assert_success().stdout.starts_with("no workers"),
        "{}",
        out.stdout
    );
    let json = server.run(&key, &["workers", "list", "--json"]);
    assert_eq!(json.assert_success().json()["data"], serde_json::json!([]));
}

#[test]
fn run_without_wait_starts_the_test_and_prints_only_its_run_id() {
    let server = Server::start();
    let key = server.admin_key();
    let (test_id, config_id) = test_and_config(&server, &key);
    let out = server.run(
        &key,
        &[
            "run", "--test", &test_id, "--config", &config_id, "--tag", "ci",
        ],
    );
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    let run_id = lines[0];
    assert!(
        out.stderr.contains("started 1 run of test"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("playtest runs watch {run_id}")),
        "{}",
        out.stderr
    );
    let shown = server.run(&key, &["runs", "show", run_id, "--json"]);
    let run = shown.assert_success().json();
    let tags = run["tags"].as_array().unwrap();
    assert!(tags.contains(&Value::from("ci")), "{tags:?}");

    let json = server.run(
        &key,
        &["run", "--test", &test_id, "--config", &config_id, "--json"],
    );
    let lines = json_lines(json.assert_success());
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["kind"], "started");
    assert!(lines[0]["data"]["multiplayer_run_id"].is_string());
}

#[test]
fn run_with_wait_and_no_worker_exits_2_after_the_timeout_naming_the_runs_still_queued() {
    let server = Server::start();
    let key = server.admin_key();
    let (test_id, config_id) = test_and_config(&server, &key);
    let junit = server.data_dir.join("reports").join("junit.xml");
    let out = server.run(
        &key,
        &[
            "run",
            "--test",
            &test_id,
            "--config",
            &config_id,
            "--instances",
            "2",
            "--wait",
            "--timeout",
            "2",
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    assert_code(&out, 2);
    let run_ids: Vec<&str> = out.stdout.lines().take(2).collect();
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: gave up waiting after 2 s with 2 runs still going"),
        "{}",
        out.stderr
    );
    for run_id in &run_ids {
        assert!(last.contains(&format!("{run_id} (still queued")), "{last}");
    }
    assert!(
        out.stdout.contains("infrastructure trouble (exit 2)"),
        "{}",
        out.stdout
    );
    let xml = std::fs::read_to_string(&junit).expect("the report is written");
    assert!(xml.contains("errors=\"2\""), "{xml}");
    assert!(xml.contains(run_ids[0]), "{xml}");
}

#[test]
fn runs_watch_with_json_prints_each_event_as_a_line_then_the_summary() {
    let server = Server::start();
    let key = server.admin_key();
    let (test_id, config_id) = test_and_config(&server, &key);
    let started = server.run(&key, &["run", "--test", &test_id, "--config", &config_id]);
    let run_id = started.assert_success().stdout.trim().to_string();
    let shown = server.run(&key, &["runs", "show", &run_id, "--json"]);
    let job_id = shown.assert_success().json()["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    server
        .run(&key, &["runs", "stop", &job_id])
        .assert_success();

    let out = server.run(&key, &["runs", "watch", &run_id, "--json"]);
    assert_code(&out, 2);
    let lines = json_lines(&out);
    let stopped = &lines[0];
    assert_eq!(stopped["run_id"], run_id.as_str());
    assert_eq!(stopped["kind"], "state");
    assert_eq!(stopped["data"]["outcome"], "stopped");
    let summary = lines.last().unwrap();
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["exit_code"], 2);
    assert_eq!(summary["runs"][0]["outcome"], "stopped");

    let out = server.run(&key, &["runs", "watch", &run_id]);
    assert_code(&out, 2);
    assert!(out.stdout.contains("completed: stopped"), "{}", out.stdout);
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "error: 1 of 1 run did not pass: {run_id} (was stopped"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn runs_watch_of_a_queued_run_gives_up_at_the_timeout_with_exit_2() {
    let server = Server::start();
    let key = server.admin_key();
    let (test_id, config_id) = test_and_config(&server, &key);
    let started = server.run(&key, &["run", "--test", &test_id, "--config", &config_id]);
    let run_id = started.assert_success().stdout.trim().to_string();
    let out = server.run(
        &key,
        &["runs", "watch", &run_id, "--json", "--timeout", "1"],
    );
    assert_code(&out, 2);
    let summary = json_lines(&out).pop().unwrap();
    assert_eq!(summary["runs"][0]["outcome"], "still queued");
    assert!(
        out.stderr.contains("gave up waiting after 1 s"),
        "{}",
        out.stderr
    );
}

#[test]
fn usage_errors_of_run_and_runs_watch_exit_3_with_one_line() {
    let server = Server::start();
    let key = server.admin_key();
    let (test_id, config_id) = test_and_config(&server, &key);

    let bad_flag = server.run(
        &key,
        &["run", "--test", &test_id, "--config", &config_id, "--bogus"],
    );
    assert_code(&bad_flag, 3);
    let no_target = server.run(&key, &["run", "--config", &config_id]);
    assert_code(&no_target, 3);

    let unknown_test = server.run(&key, &["run", "--test", "tst_nope", "--config", &config_id]);
    assert_code(&unknown_test, 3);
    assert_eq!(
        unknown_test.stderr.lines().count(),
        1,
        "{}",
        unknown_test.stderr
    );
    assert!(
        unknown_test.stderr.starts_with("error: "),
        "{}",
        unknown_test.stderr
    );

    let missing = server.data_dir.join("missing.tar.gz");
    let missing_build = server.run(
        &key,
        &[
            "run",
            "--test",
            &test_id,
            "--config",
            &config_id,
            "--build",
            missing.to_str().unwrap(),
        ],
    );
    assert_code(&missing_build, 3);
    assert!(
        missing_build.stderr.contains("does not exist"),
        "{}",
        missing_build.stderr
    );

    let unknown_run = server.run(&key, &["runs", "watch", "abcdefghijkl"]);
    assert_code(&unknown_run, 3);
    assert!(
        unknown_run.stderr.contains("not found"),
        "{}",
        unknown_run.stderr
    );

    let other = server.run(&key, &["runs", "list", "--bogus"]);
    assert_code(&other, 2);
}

#[test]
fn run_and_runs_watch_document_their_exit_codes() {
    let help = super::playtest(&["run", "--help"], &[], None);
    assert!(
        help.assert_success().stdout.contains("Exit codes:"),
        "{}",
        help.stdout
    );
    let help = super::playtest(&["runs", "watch", "--help"], &[], None);
    assert!(help.assert_success().stdout.contains("3  usage error"));
}
