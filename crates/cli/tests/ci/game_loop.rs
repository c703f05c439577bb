//! `playtest run --build FILE --wait --junit` end to end, on a server with
//! an embedded worker (`serve --workers 1`): a `game_loop` test of a Linux
//! build, a shell script in a tar.gz that exits with a chosen code, judged
//! by the worker in its sandbox. Exit 0 passes (exit code 0, a passing
//! testcase in the report); exit 3 fails (exit code 1, a failure).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::super::{Output, Server};

const GAME_LOOP_TEST: &str = r#"{"name": "boots", "test_type": "game_loop", "max_seconds": 60}"#;
const LINUX_CONFIG: &str = r#"{"name": "linux", "kind": "linux", "launch": {"entry": "game.sh"}}"#;

/// A tar.gz holding `game.sh`, which prints a line and exits with `code`.
fn build_exiting_with(dir: &Path, code: i32) -> PathBuf {
    let folder = dir.join(format!("build-{code}"));
    std::fs::create_dir_all(&folder).unwrap();
    let script = folder.join("game.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\necho 'level 1 loaded'\nexit {code}\n"),
    )
    .unwrap();
    let mut mode = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut mode, 0o755);
    std::fs::set_permissions(&script, mode).unwrap();
    let archive = dir.join(format!("game-{code}.tar.gz"));
    let status = Command::new("tar")
        .arg("czf")
        .arg(&archive)
        .arg("-C")
        .arg(&folder)
        .arg("game.sh")
        .status()
        .expect("tar runs");
    assert!(status.success());
    archive
}

/// Creates the game-loop test and the Linux config; returns their ids.
fn game_loop_test_and_config(server: &Server, key: &str) -> (String, String) {
    let id = |out: Output| {
        out.assert_success().json()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let test = id(server.run_with_input(
        key,
        &["tests", "create", "--file", "-", "--json"],
        Some(GAME_LOOP_TEST),
    ));
    let config = id(server.run_with_input(
        key,
        &["configs", "create", "--file", "-", "--json"],
        Some(LINUX_CONFIG),
    ));
    (test, config)
}

/// `playtest run` of the build that exits with `code`, waiting with a
/// JUnit report; returns the output and the report.
fn run_build(code: i32) -> (Output, String) {
    let server = Server::start_with(&["--workers", "1"]);
    let key = server.admin_key();
    let (test_id, config_id) = game_loop_test_and_config(&server, &key);
    let dir = tempfile::TempDir::new().unwrap();
    let build = build_exiting_with(dir.path(), code);
    let junit = dir.path().join("junit.xml");
    let out = server.run(
        &key,
        &[
            "run",
            "--test",
            &test_id,
            "--config",
            &config_id,
            "--build",
            build.to_str().unwrap(),
            "--junit",
            junit.to_str().unwrap(),
            "--timeout",
            "60",
            "-v",
        ],
    );
    let xml = std::fs::read_to_string(&junit).unwrap_or_default();
    (out, xml)
}

#[test]
fn a_build_whose_game_loop_exits_0_passes_with_exit_0_and_a_passing_testcase() {
    let (out, xml) = run_build(0);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stderr.contains("uploaded "), "{}", out.stderr);
    assert!(out.stdout.contains("completed: success"), "{}", out.stdout);
    assert!(
        out.stdout.contains("level 1 loaded"),
        "-v shows the log: {}",
        out.stdout
    );
    assert!(out.stdout.contains("passed (exit 0)"), "{}", out.stdout);
    assert!(
        xml.contains(r#"<testsuite name="boots" tests="1" failures="0" errors="0""#),
        "{xml}"
    );
    assert!(
        xml.contains(r#"<testcase name="run" classname="boots""#),
        "{xml}"
    );
}

#[test]
fn a_build_whose_game_loop_exits_3_fails_with_exit_1_and_a_failure() {
    let (out, xml) = run_build(3);
    assert_eq!(
        out.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.contains("completed: failed"), "{}", out.stdout);
    let last = out.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("error: 1 of 1 run did not pass"),
        "{}",
        out.stderr
    );
    assert!(xml.contains(r#"failures="1""#), "{xml}");
    assert!(xml.contains("<failure message=\"failed"), "{xml}");
}
