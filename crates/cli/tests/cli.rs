//! The `playtest` binary as a user runs it: `keys create` on a fresh data
//! dir, `serve` on a free port, and the client commands against it. Each
//! test that needs a server starts its own, with its own data dir.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

mod bugs;
mod ci;
mod faults;
mod native;
mod real_server;
mod reference;
mod upload;
mod web;

const BIN: &str = env!("CARGO_BIN_EXE_playtest");

/// Variables that would change what the binary does if the environment
/// running the tests happened to set them.
const OUR_VARIABLES: [&str; 23] = [
    "PLAYTEST_API_URL",
    "PLAYTEST_API_KEY",
    "PLAYTEST_DATA_DIR",
    "PLAYTEST_DATABASE_URL",
    "PLAYTEST_LISTEN",
    "PLAYTEST_BLOB_STORE",
    "PLAYTEST_WORKERS",
    "PLAYTEST_PUBLIC_URL",
    "PLAYTEST_RATE_LIMIT_PER_SECOND",
    "PLAYTEST_RATE_LIMIT_BURST",
    "PLAYTEST_MAX_BODY_BYTES",
    "PLAYTEST_MULTIPART_THRESHOLD",
    "PLAYTEST_PART_SIZE",
    "PLAYTEST_URL_LIFETIME_SECONDS",
    "PLAYTEST_SINGLE_UPLOAD_TIMEOUT_MINUTES",
    "PLAYTEST_MULTIPART_UPLOAD_TIMEOUT_MINUTES",
    "PLAYTEST_MAX_BUILD_SIZE",
    "PLAYTEST_STORAGE_CAPACITY",
    "PLAYTEST_UPLOAD_JANITOR_SECONDS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "RUST_LOG",
    "NO_COLOR",
];

/// How long a server may take to answer its first health check.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a server may take to exit after SIGTERM.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

struct Output {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Output {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {}", self.stdout))
    }

    #[track_caller]
    fn assert_success(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Exit code 1 and exactly one line on standard error, starting `error: `.
    #[track_caller]
    fn assert_one_line_failure(&self) -> &str {
        assert_eq!(
            self.code, 1,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one line on stderr, got:\n{}",
            self.stderr
        );
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        lines[0]
    }
}

fn playtest(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in OUR_VARIABLES {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    let mut child = command.spawn().expect("the playtest binary starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    if let Some(text) = stdin {
        input
            .write_all(text.as_bytes())
            .expect("stdin takes the input");
    }
    drop(input);
    let output = child
        .wait_with_output()
        .expect("the playtest binary finishes");
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A port nothing listens on right now. Another process could take it
/// before the server binds it; acceptable here, where the server's URL must
/// be known before it starts.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn create_key(data_dir: &Path, name: &str, permissions: &str) -> String {
    let data_dir = data_dir.to_str().unwrap();
    let out = playtest(
        &[
            "keys",
            "create",
            "--name",
            name,
            "--permissions",
            permissions,
            "--data-dir",
            data_dir,
        ],
        &[],
        None,
    );
    out.assert_success();
    out.stdout.trim().to_string()
}

/// A `playtest serve` child process on a free port of the loopback.
struct Server {
    child: Child,
    url: String,
    listen: String,
    data_dir: PathBuf,
    log: PathBuf,
    extra_args: Vec<String>,
    _dir: TempDir,
}

impl Server {
    fn start() -> Server {
        Server::start_with(&[])
    }

    /// A server with these flags besides `--listen` and `--data-dir`.
    fn start_with(extra_args: &[&str]) -> Server {
        let dir = TempDir::new().unwrap();
        let data_dir = dir.path().join("data");
        let log = dir.path().join("serve.log");
        let listen = format!("127.0.0.1:{}", free_port());
        let extra_args: Vec<String> = extra_args.iter().map(|a| a.to_string()).collect();
        let child = spawn_server(&listen, &data_dir, &extra_args, &log);
        let mut server = Server {
            child,
            url: format!("http://{listen}"),
            listen: listen.clone(),
            data_dir,
            log,
            extra_args,
            _dir: dir,
        };
        server.wait_until_healthy(&listen);
        server
    }

    /// Kills the server with SIGKILL (no graceful anything) and starts it
    /// again on the same address, data dir and flags.
    fn kill_and_restart(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.child = spawn_server(&self.listen, &self.data_dir, &self.extra_args, &self.log);
        let listen = self.listen.clone();
        self.wait_until_healthy(&listen);
    }

    /// Polls `/api/v1/health` until it answers 200, for a bounded time.
    fn wait_until_healthy(&mut self, addr: &str) {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("playtest serve exited early ({status}):\n{}", self.log());
            }
            if health_is_ok(addr) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "playtest serve did not become healthy:\n{}",
                self.log()
            );
            sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn admin_key(&self) -> String {
        create_key(&self.data_dir, "admin", "project:admin")
    }

    /// Runs a client command against this server with `key`.
    fn run(&self, key: &str, args: &[&str]) -> Output {
        self.run_with_input(key, args, None)
    }

    fn run_with_input(&self, key: &str, args: &[&str], stdin: Option<&str>) -> Output {
        playtest(
            args,
            &[("PLAYTEST_API_URL", &self.url), ("PLAYTEST_API_KEY", key)],
            stdin,
        )
    }

    /// Sends SIGTERM and waits, for a bounded time, for the server to exit.
    fn terminate(&mut self) -> (ExitStatus, Duration) {
        let started = Instant::now();
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM failed");
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            assert!(
                started.elapsed() < SHUTDOWN_TIMEOUT,
                "serve ignored SIGTERM:\n{}",
                self.log()
            );
            sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn spawn_server(listen: &str, data_dir: &Path, extra_args: &[String], log: &Path) -> Child {
    let mut command = Command::new(BIN);
    for name in OUR_VARIABLES {
        command.env_remove(name);
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    command
        .args(["serve", "--listen", listen, "--data-dir"])
        .arg(data_dir)
        .args(extra_args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("playtest serve starts")
}

fn health_is_ok(addr: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request =
        format!("GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

const TEST_JSON: &str = r#"{
  "name": "open the menu",
  "test_type": "verification",
  "tags": ["smoke"],
  "players": [{"name": "p1", "steps": [
    {"goal": "open the menu", "finish_condition": "the menu shows",
     "actions": [{"key": "Escape"}], "expected_results": [{"no_errors": true}]}
  ]}]
}"#;

const CONFIG_JSON: &str = r#"{"name": "web", "kind": "web", "launch": {"entry": "index.html"}}"#;

/// Creates a test (from a file) and a deployment config (from standard
/// input) and returns their ids.
fn test_and_config(server: &Server, key: &str) -> (String, String) {
    let file = server.data_dir.join("test.json");
    std::fs::write(&file, TEST_JSON).unwrap();
    let test = server.run(
        key,
        &[
            "tests",
            "create",
            "--file",
            file.to_str().unwrap(),
            "--json",
        ],
    );
    let test_id = test.assert_success().json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let config = server.run_with_input(
        key,
        &["configs", "create", "--file", "-", "--json"],
        Some(CONFIG_JSON),
    );
    let config_id = config.assert_success().json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    (test_id, config_id)
}

#[test]
fn keys_create_prints_only_the_secret_on_one_line() {
    let dir = TempDir::new().unwrap();
    let data_dir = dir.path().join("fresh");
    let out = playtest(
        &[
            "keys",
            "create",
            "--name",
            "ci",
            "--permissions",
            "project:read-runs,project:operate-runs",
            "--data-dir",
            data_dir.to_str().unwrap(),
        ],
        &[],
        None,
    );
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout: {}", out.stdout);
    assert!(lines[0].starts_with("pt_"), "{}", lines[0]);
    assert!(
        lines[0].len() > 20 && !lines[0].contains(' '),
        "{}",
        lines[0]
    );
    assert!(
        data_dir.join("playtest.db").exists(),
        "the default database is created in the data dir"
    );
}

#[test]
fn keys_create_with_json_prints_the_whole_key_and_its_secret() {
    let dir = TempDir::new().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let args = [
        "keys",
        "create",
        "--name",
        "ci",
        "--permissions",
        "project:read-runs",
        "--json",
        "--data-dir",
        data_dir,
    ];
    let out = playtest(&args, &[], None);
    let key = out.assert_success().json();
    assert!(key["secret"].as_str().unwrap().starts_with("pt_"));
    assert_eq!(key["name"], "ci");
    assert_eq!(key["permissions"], serde_json::json!(["project:read-runs"]));
}

#[test]
fn keys_create_names_the_known_permissions_when_one_is_unknown() {
    let dir = TempDir::new().unwrap();
    let out = playtest(
        &[
            "keys",
            "create",
            "--name",
            "x",
            "--permissions",
            "admin",
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        &[],
        None,
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("project:admin") && out.stderr.contains("project:read-runs"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn migrate_creates_the_database_and_says_so() {
    let dir = TempDir::new().unwrap();
    let data_dir = dir.path().join("data");
    let out = playtest(
        &["migrate"],
        &[("PLAYTEST_DATA_DIR", data_dir.to_str().unwrap())],
        None,
    );
    out.assert_success();
    assert!(out.stdout.contains("migrated"), "{}", out.stdout);
    assert!(data_dir.join("playtest.db").exists());
}

#[test]
fn a_run_can_be_started_listed_shown_and_stopped_from_the_command_line() {
    let server = Server::start();
    let key = server.admin_key();
    let (test_id, config_id) = test_and_config(&server, &key);

    let started = server.run(
        &key,
        &[
            "runs", "start", "--test", &test_id, "--config", &config_id, "--tag", "cli", "--json",
        ],
    );
    let started = started.assert_success().json();
    assert_eq!(started["status"], 201);
    let run_id = started["data"]["multiplayer_run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let job_id = started["data"]["job_id"].as_str().unwrap().to_string();

    let listed = server.run(&key, &["runs", "list", "--json", "--tags", "cli"]);
    let listed = listed.assert_success().json();
    assert_eq!(listed["pagination"]["total_count"], 1);
    assert_eq!(listed["data"][0]["multiplayer_run_id"], run_id.as_str());
    assert_eq!(listed["data"][0]["job_id"], job_id.as_str());

    let table = server.run(&key, &["runs", "list"]);
    let header = table
        .assert_success()
        .stdout
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        header.starts_with("RUN") && header.contains("JOB STATUS"),
        "{header}"
    );
    assert!(table.stdout.contains(&run_id), "{}", table.stdout);

    let shown = server.run(&key, &["runs", "show", &run_id]);
    shown.assert_success();
    assert!(
        shown.stdout.contains("run:") && shown.stdout.contains(&run_id),
        "{}",
        shown.stdout
    );
    assert!(
        shown.stdout.contains("open the menu"),
        "the steps are shown:\n{}",
        shown.stdout
    );
    assert!(shown.stdout.contains("artifacts (0)"), "{}", shown.stdout);
    let shown = server.run(&key, &["runs", "show", &run_id, "--json"]);
    assert_eq!(
        shown.assert_success().json()["multiplayer_run_id"],
        run_id.as_str()
    );

    let bugs = server.run(&key, &["bugs", "list", &run_id]);
    assert!(
        bugs.assert_success().stdout.contains("found no bugs"),
        "{}",
        bugs.stdout
    );
    let bugs = server.run(&key, &["bugs", "list", &run_id, "--json"]);
    assert_eq!(
        bugs.assert_success().json()["bug_occurrences"],
        serde_json::json!([])
    );

    let stopped = server.run(&key, &["runs", "stop", &job_id, "--json"]);
    let body = stopped.assert_success().json();
    assert_eq!(body["stopped_count"], 1);

    let again = server.run(&key, &["runs", "stop", &job_id]);
    let line = again.assert_one_line_failure();
    assert!(
        again.stdout.contains("Job already completed"),
        "{}",
        again.stdout
    );
    assert!(line.contains("207") || line.contains("0 of 1"), "{line}");

    let keys = server.run(&key, &["keys", "list"]);
    assert!(
        keys.assert_success().stdout.contains("admin"),
        "{}",
        keys.stdout
    );
}

#[test]
fn a_bad_key_fails_with_exit_code_1_and_one_line_naming_the_fix() {
    let server = Server::start();
    let out = server.run("pt_not_a_real_key", &["runs", "list"]);
    let line = out.assert_one_line_failure();
    assert!(line.contains("Invalid API key"), "{line}");
    assert!(line.contains("PLAYTEST_API_KEY"), "{line}");
    assert!(
        !line.contains("pt_not_a_real_key"),
        "the key is never echoed: {line}"
    );
    assert!(out.stdout.is_empty());

    let out = playtest(&["runs", "list", "--api-url", &server.url], &[], None);
    assert!(
        out.assert_one_line_failure().contains("API key required"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_disabled_key_is_refused_until_it_is_enabled_again() {
    let server = Server::start();
    let admin = server.admin_key();
    let reader = create_key(&server.data_dir, "reader", "project:read-runs");
    let listed = server
        .run(&admin, &["keys", "list", "--json"])
        .assert_success()
        .json();
    let reader_id = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["name"] == "reader")
        .map(|key| key["id"].as_str().unwrap().to_string())
        .expect("the reader key is listed");

    server
        .run(&admin, &["keys", "disable", &reader_id])
        .assert_success();
    let refused = server.run(&reader, &["runs", "list"]);
    assert!(
        refused.assert_one_line_failure().contains("disabled"),
        "{}",
        refused.stderr
    );

    server
        .run(&admin, &["keys", "enable", &reader_id])
        .assert_success();
    server.run(&reader, &["runs", "list"]).assert_success();

    let forbidden = server.run(&reader, &["keys", "list"]);
    assert!(
        forbidden
            .assert_one_line_failure()
            .contains("project:admin"),
        "{}",
        forbidden.stderr
    );

    server
        .run(&admin, &["keys", "delete", &reader_id])
        .assert_success();
    server
        .run(&reader, &["runs", "list"])
        .assert_one_line_failure();
}

#[test]
fn a_stale_expected_version_is_refused_with_a_conflict() {
    let server = Server::start();
    let key = server.admin_key();
    let (test_id, _) = test_and_config(&server, &key);
    let file = server.data_dir.join("test.json");
    let file = file.to_str().unwrap();

    let updated = server.run(
        &key,
        &[
            "tests",
            "update",
            &test_id,
            "--file",
            file,
            "--expected-version",
            "1",
            "--json",
        ],
    );
    assert_eq!(updated.assert_success().json()["version"], 2);

    let stale = server.run(
        &key,
        &[
            "tests",
            "update",
            &test_id,
            "--file",
            file,
            "--expected-version",
            "1",
        ],
    );
    assert!(
        stale.assert_one_line_failure().contains("VERSION_CONFLICT"),
        "{}",
        stale.stderr
    );

    let shown = server.run(&key, &["tests", "show", &test_id]);
    assert!(
        shown.assert_success().stdout.contains("version:     2"),
        "{}",
        shown.stdout
    );
}

#[test]
fn a_command_without_a_server_says_to_start_one() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let out = playtest(
        &["tests", "list"],
        &[("PLAYTEST_API_URL", &url), ("PLAYTEST_API_KEY", "pt_x")],
        None,
    );
    let line = out.assert_one_line_failure();
    assert!(
        line.contains(&format!("is `playtest serve` running at {url}?")),
        "{line}"
    );
}

#[test]
fn a_malformed_definition_is_reported_before_anything_is_sent() {
    let url = format!("http://127.0.0.1:{}", free_port());
    let out = playtest(
        &["configs", "create", "--file", "-"],
        &[("PLAYTEST_API_URL", &url), ("PLAYTEST_API_KEY", "pt_x")],
        Some(r#"{"name": "web", "kind": "web"}"#),
    );
    let line = out.assert_one_line_failure();
    assert!(
        line.contains("standard input is not a valid deployment config"),
        "{line}"
    );
    assert!(line.contains("launch"), "{line}");
}

#[test]
fn serve_exits_0_promptly_on_sigterm() {
    let mut server = Server::start();
    let (status, took) = server.terminate();
    assert!(
        status.success(),
        "serve exited with {status}:\n{}",
        server.log()
    );
    assert!(took < Duration::from_secs(5), "serve took {took:?} to stop");
    let log = server.log();
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(
        log.contains("playtest keys create --name admin --permissions project:admin"),
        "the first-key hint: {log}"
    );
}
