//! Web games end to end: `playtest serve --workers 1` plays a small maze
//! game (tests/web/fixtures/maze: walking off its bottom edge throws a
//! TypeError) in real Chromium,
//! sandboxed, recorded by real ffmpeg. A discovery run must find the bug
//! with its evidence, a replay must show it again and a minimisation must
//! shorten its trace; a verification run must pass the checks that hold
//! and fail the one that does not.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use tempfile::TempDir;

use super::{Output, Server};

/// The maze fixture zipped as a build.
fn maze_build(dir: &Path) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/fixtures/maze");
    let path = dir.join("maze.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for name in ["index.html", "game.js"] {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(&std::fs::read(fixture.join(name)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();
    path
}

pub(crate) fn create(server: &Server, key: &str, what: &str, body: &Value) -> String {
    let out = server.run_with_input(
        key,
        &[what, "create", "--file", "-", "--json"],
        Some(&body.to_string()),
    );
    out.assert_success().json()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn maze_config(server: &Server, key: &str) -> String {
    create(
        server,
        key,
        "configs",
        &json!({"name": "maze", "kind": "web",
                "launch": {"entry": "index.html", "width": 480, "height": 400}}),
    )
}

/// `playtest run --build maze.zip --wait --json`: the run's JSON.
fn run_on_maze(
    server: &Server,
    key: &str,
    test: &str,
    config: &str,
    dir: &Path,
) -> (Output, Value) {
    run_build(server, key, test, config, &maze_build(dir), "web")
}

/// `playtest run --build BUILD --platform PLATFORM --wait --json`: the
/// command's output and its summary line.
pub(crate) fn run_build(
    server: &Server,
    key: &str,
    test: &str,
    config: &str,
    build: &Path,
    platform: &str,
) -> (Output, Value) {
    let out = server.run(
        key,
        &[
            "run",
            "--test",
            test,
            "--config",
            config,
            "--build",
            build.to_str().unwrap(),
            "--platform",
            platform,
            "--wait",
            "--json",
            "--fail-on",
            "none",
            "--timeout",
            "300",
        ],
    );
    let summary = out
        .stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["kind"] == "summary")
        .unwrap_or_else(|| {
            panic!(
                "no summary line:\n{}\n{}\n{}",
                out.stdout,
                out.stderr,
                server.log()
            )
        });
    (out, summary)
}

/// The one run of a `playtest run --json` answer.
pub(crate) fn only_run(answer: &Value) -> &Value {
    let runs = answer["runs"]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(runs.len(), 1, "{answer}");
    &runs[0]
}

pub(crate) fn run_id(run: &Value) -> String {
    run["run_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no run id in {run}"))
        .to_string()
}

pub(crate) fn show_run(server: &Server, key: &str, id: &str) -> Value {
    server
        .run(key, &["runs", "show", id, "--json"])
        .assert_success()
        .json()
}

pub(crate) fn artifact_url(run: &Value, name: &str) -> String {
    run["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["filename"] == name)
        .unwrap_or_else(|| panic!("no {name} among {}", run["artifacts"]))["url"]
        .as_str()
        .unwrap()
        .to_string()
}

pub(crate) fn download(url: &str, key: &str, to: &Path) {
    let status = Command::new("curl")
        .args(["-fsSL", "-H", &format!("X-Api-Key: {key}"), "-o"])
        .arg(to)
        .arg(url)
        .status()
        .unwrap();
    assert!(status.success(), "could not download {url}");
}

#[test]
fn a_discovery_run_finds_the_planted_exception_with_evidence_and_the_bug_replays_and_minimises() {
    let server = Server::start_with(&["--workers", "1"]);
    let key = server.admin_key();
    let dir = TempDir::new().unwrap();
    let config = maze_config(&server, &key);
    let test = create(
        &server,
        &key,
        "tests",
        // Ends after 150 actions (under a minute here), or two minutes on a
        // machine so busy that it has not done them by then.
        &json!({"name": "explore the maze", "test_type": "discovery", "max_seconds": 120,
                "discovery": {"seed": 7, "max_actions": 150}}),
    );
    let (out, answer) = run_on_maze(&server, &key, &test, &config, dir.path());
    assert_eq!(
        out.code,
        0,
        "{}\n{}\n{}",
        out.stdout,
        out.stderr,
        server.log()
    );
    let run_id = run_id(only_run(&answer));

    let bugs = server
        .run(&key, &["bugs", "list", &run_id, "--json"])
        .assert_success()
        .json();
    let occurrences = bugs["bug_occurrences"].as_array().unwrap();
    let bug = occurrences
        .iter()
        .find(|b| b["title"].as_str().unwrap_or("").contains("collapse"))
        .unwrap_or_else(|| panic!("the TypeError was not found: {bugs}\n{}", server.log()));
    let before = bug["details"]["trace_length"].as_i64().unwrap();
    assert!(before >= 6, "{bug}");
    assert!(bug["details"]["screenshot_url"].is_string(), "{bug}");
    assert!(
        bug["details"]["video_offset_ms"].as_i64().unwrap() > 0,
        "{bug}"
    );
    assert!(
        bug["reproduction_steps"]
            .as_str()
            .unwrap()
            .contains("Press ArrowDown"),
        "{bug}"
    );

    let run = show_run(&server, &key, &run_id);
    for name in [
        "logs.txt",
        "trace.json",
        "coverage.json",
        "state-graph.json",
    ] {
        artifact_url(&run, name);
    }
    let video = dir.path().join("recording.mp4");
    download(&artifact_url(&run, "recording.mp4"), &key, &video);
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=codec_name:format=duration",
            "-of",
            "json",
        ])
        .arg(&video)
        .output()
        .unwrap();
    let probe: Value = serde_json::from_slice(&probe.stdout).unwrap();
    assert_eq!(probe["streams"][0]["codec_name"], "h264", "{probe}");
    let seconds: f64 = probe["format"]["duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(seconds > 10.0, "the recording lasts {seconds} s");
    let logs = dir.path().join("logs.txt");
    download(&artifact_url(&run, "logs.txt"), &key, &logs);
    let logs = std::fs::read_to_string(logs).unwrap();
    assert!(
        logs.contains("uncaught") && logs.contains("collapse"),
        "{logs}"
    );

    let occurrence = bug["id"].as_str().unwrap();
    let replayed = server.run(
        &key,
        &["bugs", "replay", occurrence, "--wait", "--timeout", "300"],
    );
    assert_eq!(replayed.code, 0, "{}\n{}", replayed.stdout, replayed.stderr);

    let minimised = server.run(
        &key,
        &["bugs", "minimize", occurrence, "--wait", "--timeout", "600"],
    );
    assert_eq!(
        minimised.code, 0,
        "{}\n{}",
        minimised.stdout, minimised.stderr
    );
    let shown = server
        .run(&key, &["bugs", "show", occurrence, "--json"])
        .assert_success()
        .json();
    let after = shown["trace"]["actions"].as_array().unwrap();
    let inputs = after.iter().filter(|a| a.get("wait_ms").is_none()).count();
    // Start, and five moves down: nothing less walks off the bottom edge.
    assert!(inputs >= 6 && after.len() as i64 <= before, "{shown}");
}

/// A 2×2 PNG of one colour.
fn solid_png(path: &Path, rgb: [u8; 3]) {
    let image = image::RgbImage::from_pixel(2, 2, image::Rgb(rgb));
    image.save(path).unwrap();
}

#[test]
fn a_verification_run_passes_the_checks_that_hold_and_fails_the_one_that_does_not() {
    let server = Server::start_with(&["--workers", "1"]);
    let key = server.admin_key();
    let dir = TempDir::new().unwrap();
    let config = maze_config(&server, &key);
    let test = create(
        &server,
        &key,
        "tests",
        &json!({"name": "walk the maze", "test_type": "verification", "max_seconds": 120,
        "players": [{"name": "p1", "steps": [
            {"goal": "start the game",
             "actions": [{"click_selector": "#start"}],
             "expected_results": [{"dom_text": {"selector": "#status", "contains": "playing at 0,0"}},
                                  {"no_errors": true}]},
            {"goal": "walk right twice",
             "actions": [{"key": "ArrowRight"}, {"key": "ArrowRight"}],
             "expected_results": [{"js": "window.game.x === 2"},
                                  {"screen_similar": {"asset": "board-edge", "region": [41, 61, 2, 2],
                                                      "min_similarity": 0.9}}]},
            {"goal": "reach a corner that is not there",
             "actions": [{"key": "ArrowDown"}],
             "expected_results": [{"dom_text": {"selector": "#status", "contains": "at 9,9"}}]}
        ]}]}),
    );
    let reference = dir.path().join("edge.png");
    solid_png(&reference, [0x30, 0x30, 0x48]);
    server
        .run(
            &key,
            &[
                "tests",
                "asset",
                "put",
                &test,
                "board-edge",
                reference.to_str().unwrap(),
            ],
        )
        .assert_success();

    let (out, answer) = run_on_maze(&server, &key, &test, &config, dir.path());
    assert_eq!(
        out.code,
        1,
        "{}\n{}\n{}",
        out.stdout,
        out.stderr,
        server.log()
    );
    let run = show_run(&server, &key, &run_id(only_run(&answer)));
    let steps = run["players"][0]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("{run}"));
    let results: Vec<&str> = steps
        .iter()
        .map(|s| s["run_result"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(results, ["success", "success", "failure"], "{run}");
    assert!(
        steps[2]["report"].as_str().unwrap().contains("#status"),
        "{run}"
    );
}
