//! Native games end to end: `playtest serve --workers 1` plays real Linux
//! games (bench/native/games.sh builds them into target/games/native;
//! scripts/test makes sure they are there) on their own Xvfb, in the real
//! sandbox, recorded by real ffmpeg. The abort planted in LTris (SDL 1.2,
//! on the third press of Space) must be reported with its signal and
//! evidence, and must replay; pygame's aliens that raise on every shot
//! must have the traceback reported as an exception while the game plays
//! on (the explorer finding it is measured by bench/native.sh); a
//! verification run of Simon Tatham's Net (GTK 3) must play its steps and
//! read its screen's text by OCR.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use tempfile::TempDir;

use super::Server;
use super::web::{artifact_url, create, download, only_run, run_build, run_id, show_run};

/// A build of bench/native/games.sh, by its file name.
fn native_build(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/games/native")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/test, or bench/native/games.sh target/games/native",
        path.display()
    );
    path
}

fn linux_config(server: &Server, key: &str, width: u32, height: u32) -> String {
    create(
        server,
        key,
        "configs",
        &json!({"name": "native", "kind": "linux",
                "launch": {"entry": "play.sh", "width": width, "height": height}}),
    )
}

/// `playtest run --build BUILD --platform linux --wait --json`: the
/// summary line.
fn run_native(server: &Server, key: &str, test: &str, config: &str, build: &Path) -> Value {
    run_build(server, key, test, config, build, "linux").1
}

fn bugs_of(server: &Server, key: &str, run: &str) -> Vec<Value> {
    server
        .run(key, &["bugs", "list", run, "--json"])
        .assert_success()
        .json()["bug_occurrences"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_native_crash_is_reported_with_its_signal_and_evidence_and_replays() {
    let server = Server::start_with(&["--workers", "1"]);
    let key = server.admin_key();
    let dir = TempDir::new().unwrap();
    let config = linux_config(&server, &key, 640, 480);
    let test = create(
        &server,
        &key,
        "tests",
        &json!({"name": "press space three times", "test_type": "verification", "max_seconds": 120,
        "players": [{"name": "p1", "steps": [
            {"goal": "press space three times",
             "actions": [{"key": "Space"}, {"key": "Space"}, {"key": "Space"}, {"wait_ms": 1000}],
             "expected_results": [{"no_errors": true}]}
        ]}]}),
    );
    let answer = run_native(
        &server,
        &key,
        &test,
        &config,
        &native_build("ltris-abort.tar.gz"),
    );
    let run_id = run_id(only_run(&answer));
    let bugs = bugs_of(&server, &key, &run_id);
    let crash = bugs
        .iter()
        .find(|b| b["category"] == "crash")
        .unwrap_or_else(|| panic!("no crash among {bugs:#?}\n{}", server.log()));
    let description = crash["description"].as_str().unwrap();
    assert!(description.contains("SIGABRT"), "{crash}");
    assert!(crash["details"]["screenshot_url"].is_string(), "{crash}");
    assert!(
        crash["details"]["video_offset_ms"].as_i64().unwrap() > 0,
        "{crash}"
    );
    assert!(
        crash["turn"].as_i64().unwrap() >= 3,
        "three presses of Space: {crash}"
    );
    let run = show_run(&server, &key, &run_id);
    assert_eq!(run["outcome"], "failed", "{run}");

    let video = dir.path().join("recording.mp4");
    download(&artifact_url(&run, "recording.mp4"), &key, &video);
    let probe = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name,width:format=duration",
            "-of",
            "json",
        ])
        .arg(&video)
        .output()
        .unwrap();
    let probe: Value = serde_json::from_slice(&probe.stdout).unwrap();
    assert_eq!(probe["streams"][0]["codec_name"], "h264", "{probe}");
    assert_eq!(probe["streams"][0]["width"], 640, "{probe}");
    let logs = dir.path().join("logs.txt");
    download(&artifact_url(&run, "logs.txt"), &key, &logs);
    let logs = std::fs::read_to_string(logs).unwrap();
    assert!(
        logs.contains("crashed: the game was killed by SIGABRT"),
        "{logs}"
    );

    let occurrence = crash["id"].as_str().unwrap();
    let replayed = server.run(
        &key,
        &["bugs", "replay", occurrence, "--wait", "--timeout", "300"],
    );
    assert_eq!(
        replayed.code,
        0,
        "{}\n{}\n{}",
        replayed.stdout,
        replayed.stderr,
        server.log()
    );
}

#[test]
fn a_traceback_while_the_game_plays_on_is_an_exception_and_not_a_crash() {
    let server = Server::start_with(&["--workers", "1"]);
    let key = server.admin_key();
    let config = linux_config(&server, &key, 800, 600);
    let test = create(
        &server,
        &key,
        "tests",
        // The seed (which the test's discovery settings give any run)
        // fixes where aliens' bombs fall; the first shot raises.
        &json!({"name": "shoot once, then play on", "test_type": "verification", "max_seconds": 120,
        "discovery": {"seed": 1},
        "players": [{"name": "p1", "steps": [
            {"goal": "fire", "actions": [{"key": "Space"}, {"wait_ms": 500}],
             "expected_results": [{"no_errors": true}]},
            {"goal": "play on", "actions": [{"key": "ArrowLeft"}, {"wait_ms": 300}],
             "expected_results": [{"no_errors": true}]}
        ]}]}),
    );
    let answer = run_native(
        &server,
        &key,
        &test,
        &config,
        &native_build("aliens-raise.zip"),
    );
    let run_id = run_id(only_run(&answer));
    let bugs = bugs_of(&server, &key, &run_id);
    let exception = bugs
        .iter()
        .find(|b| b["title"].as_str().unwrap().contains("KeyError"))
        .unwrap_or_else(|| panic!("no KeyError among {bugs:#?}\n{}", server.log()));
    assert!(
        exception["description"]
            .as_str()
            .unwrap()
            .contains("aliens.py"),
        "the stack: {exception}"
    );
    assert!(
        bugs.iter().all(|b| b["category"] != "crash"),
        "aliens quits at its game over, which is no crash: {bugs:#?}"
    );
    let run = show_run(&server, &key, &run_id);
    let results: Vec<&str> = run["players"][0]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{run}"))
        .iter()
        .map(|s| s["run_result"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(results, ["failure", "success"], "the game plays on: {run}");
}

#[test]
fn a_verification_run_plays_a_native_puzzle_and_reads_its_screen() {
    let server = Server::start_with(&["--workers", "1"]);
    let key = server.admin_key();
    let config = linux_config(&server, &key, 640, 480);
    let test = create(
        &server,
        &key,
        "tests",
        &json!({"name": "play net", "test_type": "verification", "max_seconds": 120,
        "players": [{"name": "p1", "steps": [
            {"goal": "turn some tiles",
             "actions": [{"click": [100, 150]}, {"click": [150, 150]}, {"key": "ArrowRight"}, {"key": "a"}],
             "expected_results": [{"no_errors": true}, {"text_visible": "Game"}]},
            {"goal": "win at once",
             "actions": [],
             "expected_results": [{"text_visible": "COMPLETED"}]},
            {"goal": "ask the page something",
             "actions": [],
             "expected_results": [{"js": "1 + 1 === 2"}]}
        ]}]}),
    );
    let answer = run_native(
        &server,
        &key,
        &test,
        &config,
        &native_build("sgt-net.tar.gz"),
    );
    let run = show_run(&server, &key, &run_id(only_run(&answer)));
    let steps = run["players"][0]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{run}"));
    let results: Vec<&str> = steps
        .iter()
        .map(|s| s["run_result"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        results,
        ["success", "failure", "failure"],
        "{run}\n{}",
        server.log()
    );
    let report = |n: usize| steps[n]["report"].as_str().unwrap();
    assert!(report(0).contains("read by OCR"), "{run}");
    assert!(report(1).contains("COMPLETED"), "{run}");
    assert!(report(2).contains("not supported"), "{run}");
}
