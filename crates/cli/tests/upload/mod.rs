//! `playtest upload` and `playtest builds` against a fake server, which can
//! misbehave on cue in ways a real one rarely does (`real_server` has the
//! same commands against the real thing): single-part and multipart
//! uploads, parallel parts answered out of order, retries on 500 and 429,
//! an expired part URL renewed, an interrupted upload resumed without
//! sending its parts again, and CI metadata from the environment.
//!
//! The binary runs with a cleared environment, so the CI this runs on
//! (which sets GITHUB_ACTIONS and such) does not leak into what is checked.

mod fake;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake::{API_KEY, FakeServer, Fault, Script};
use serde_json::Value;
use tempfile::TempDir;

use super::{BIN, Output};

/// Part size of the fake; files of a few parts keep the tests quick.
const PART: usize = 64 * 1024;
/// How long a test waits for the CLI to reach a point.
const PATIENCE: Duration = Duration::from_secs(30);

/// A folder with the files to upload and the CLI's cache folder.
struct Workspace {
    dir: TempDir,
}

impl Workspace {
    fn new() -> Self {
        Workspace {
            dir: TempDir::new().unwrap(),
        }
    }

    /// A file of `len` bytes that no two offsets confuse.
    fn file(&self, name: &str, len: usize) -> (PathBuf, Vec<u8>) {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
        let path = self.dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        (path, bytes)
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// The resume state files the CLI left.
    fn state_files(&self) -> Vec<PathBuf> {
        let dir = self.cache().join("playtest").join("uploads");
        match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Part numbers the saved state lists as done.
    fn parts_done(&self) -> Vec<u64> {
        let Some(path) = self.state_files().pop() else {
            return Vec::new();
        };
        let Ok(text) = std::fs::read(path) else {
            return Vec::new();
        };
        let Ok(state) = serde_json::from_slice::<Value>(&text) else {
            return Vec::new();
        };
        state["kind"]["multipart"]["done"]
            .as_object()
            .map(|done| done.keys().map(|k| k.parse().unwrap()).collect())
            .unwrap_or_default()
    }

    fn command(&self, server: &FakeServer, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CACHE_HOME", self.cache())
            .env("PLAYTEST_API_URL", &server.url)
            .env("PLAYTEST_API_KEY", API_KEY)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    fn run(&self, server: &FakeServer, args: &[&str]) -> Output {
        self.run_with(server, args, &[])
    }

    fn run_with(&self, server: &FakeServer, args: &[&str], env: &[(&str, &str)]) -> Output {
        let output = self.command(server, args, env).output().unwrap();
        Output {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn spawn(&self, server: &FakeServer, args: &[&str]) -> Child {
        self.command(server, args, &[]).spawn().unwrap()
    }
}

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Polls `condition` until it holds, for a bounded time.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The build id the CLI printed: its whole standard output.
#[track_caller]
fn printed_build_id(out: &Output) -> String {
    out.assert_success();
    let id = out.stdout.trim_end_matches('\n');
    assert!(
        id.starts_with("bld_") && !id.contains('\n'),
        "stdout: {:?}",
        out.stdout
    );
    id.to_string()
}

#[test]
fn a_small_file_goes_in_one_put_and_only_its_build_id_is_printed() {
    let server = FakeServer::start(Script::default());
    let ws = Workspace::new();
    let (path, bytes) = ws.file("game.apk", 5000);
    let out = ws.run(&server, &["upload", path_arg(&path), "--name", "Nightly"]);
    let id = printed_build_id(&out);
    assert_eq!(server.build_bytes(&id).unwrap(), bytes);
    server.log(|log| {
        assert_eq!(log.puts.len(), 1);
        assert_eq!(log.puts[0].content_length, Some(5000));
        assert!(!log.puts[0].chunked);
        let complete = &log.completes[0];
        assert_eq!(complete.upload_id, None);
        assert_eq!(complete.parts, None);
        assert!(complete.object_key.is_some());
        let initiate = &log.initiates[0];
        assert_eq!(initiate.name, "Nightly");
        assert_eq!(initiate.file_name, "game.apk");
        assert_eq!(initiate.platform.as_str(), "android");
    });
    assert!(
        ws.state_files().is_empty(),
        "the state file is removed on success"
    );
}

#[test]
fn parts_go_in_parallel_and_complete_lists_them_in_order_whatever_order_they_finish_in() {
    let mut script = Script::default();
    // Later parts answer first.
    for part in 1..=8u64 {
        script
            .delays
            .insert(part, Duration::from_millis((9 - part) * 40));
    }
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, bytes) = ws.file("game.x86_64", 8 * PART - 1000);
    let out = ws.run(
        &server,
        &[
            "upload",
            path_arg(&path),
            "--name",
            "n",
            "--multipart",
            "--parallel",
            "4",
            "--json",
        ],
    );
    out.assert_success();
    let build = out.json();
    let id = build["id"].as_str().unwrap();
    assert_eq!(build["platform"], "linux");
    assert_eq!(server.build_bytes(id).unwrap(), bytes);
    server.log(|log| {
        assert!(
            (2..=4).contains(&log.max_in_flight),
            "{} parts were in flight at once",
            log.max_in_flight
        );
        assert!(log.puts.iter().all(|put| !put.chunked
            && put.content_length
                == Some(if put.part == 8 {
                    PART as u64 - 1000
                } else {
                    PART as u64
                })));
        let parts: Vec<i64> = log.completes[0]
            .parts
            .as_ref()
            .unwrap()
            .iter()
            .map(|p| p.part_number)
            .collect();
        assert_eq!(parts, (1..=8).collect::<Vec<_>>());
        assert!(
            log.url_requests.iter().all(|(_, had_key)| !had_key),
            "part URLs are asked for without the API key"
        );
    });
    assert!(server.puts_per_part().values().all(|&n| n == 1));
}

#[test]
fn a_part_failing_twice_with_500_is_retried_until_it_succeeds() {
    let mut script = Script::default();
    script
        .faults
        .insert(3, [Fault::Status(500), Fault::Status(500)].into());
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, bytes) = ws.file("game.apk", 4 * PART);
    let out = ws.run(
        &server,
        &["upload", path_arg(&path), "--name", "n", "--multipart"],
    );
    let id = printed_build_id(&out);
    assert_eq!(server.build_bytes(&id).unwrap(), bytes);
    assert_eq!(server.puts_per_part()[&3], 3);
    assert!(out.stderr.contains("part 3 failed"), "{}", out.stderr);
}

#[test]
fn a_429_with_retry_after_is_retried_no_sooner_than_asked() {
    let mut script = Script::default();
    script.faults.insert(2, [Fault::Throttle(1)].into());
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, _) = ws.file("game.apk", 3 * PART);
    let out = ws.run(
        &server,
        &["upload", path_arg(&path), "--name", "n", "--multipart"],
    );
    printed_build_id(&out);
    let times: Vec<Instant> = server.log(|log| {
        log.puts
            .iter()
            .filter(|put| put.part == 2)
            .map(|put| put.at)
            .collect()
    });
    assert_eq!(times.len(), 2);
    let waited = times[1] - times[0];
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
}

#[test]
fn an_expired_part_url_is_renewed_and_the_part_sent_again() {
    let mut script = Script::default();
    script.expired_first_url.insert(2);
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, bytes) = ws.file("game.apk", 3 * PART);
    let out = ws.run(
        &server,
        &["upload", path_arg(&path), "--name", "n", "--multipart"],
    );
    let id = printed_build_id(&out);
    assert_eq!(server.build_bytes(&id).unwrap(), bytes);
    assert_eq!(server.puts_per_part()[&2], 2);
    let asked_for_part_2 = server.log(|log| {
        log.url_requests
            .iter()
            .filter(|(parts, _)| parts.contains(&2))
            .count()
    });
    assert_eq!(asked_for_part_2, 2, "a fresh URL was asked for");
}

#[test]
fn a_killed_upload_resumes_without_sending_its_finished_parts_again() {
    let script = Script {
        hang_after: Some(3),
        ..Script::default()
    };
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, bytes) = ws.file("game.apk", 8 * PART + 10);
    let args = [
        "upload",
        path_arg(&path),
        "--name",
        "n",
        "--multipart",
        "--parallel",
        "2",
    ];
    let mut child = ws.spawn(&server, &args);
    wait_until("three parts are saved as done", || {
        ws.parts_done().len() == 3
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let done_before = ws.parts_done();
    server.script(|script| script.hang_after = None);

    let out = ws.run(&server, &args);
    let id = printed_build_id(&out);
    assert_eq!(done_before.len(), 3);
    assert!(
        out.stderr.contains("3 of 9 parts already sent"),
        "{}",
        out.stderr
    );
    assert_eq!(server.build_bytes(&id).unwrap(), bytes);
    assert_eq!(
        server.log(|log| log.initiates.len()),
        1,
        "the same upload went on"
    );
    let puts = server.puts_per_part();
    for part in &done_before {
        assert_eq!(puts[part], 1, "part {part} was sent again");
    }
    // A part in flight when the CLI died may have reached the server and
    // is sent again: at most once per run.
    assert!(puts.values().all(|&n| n <= 2), "{puts:?}");
    assert!(ws.state_files().is_empty());
}

#[test]
fn an_upload_that_gave_up_says_how_to_resume_and_resumes() {
    let script = Script {
        fail_after: Some((2, 503)),
        ..Script::default()
    };
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, bytes) = ws.file("game.apk", 5 * PART);
    let args = [
        "upload",
        path_arg(&path),
        "--name",
        "n",
        "--multipart",
        "--parallel",
        "1",
        "--retries",
        "1",
    ];
    let out = ws.run(&server, &args);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let line = out.stderr.lines().last().unwrap();
    assert!(
        line.starts_with("error: ") && line.contains("HTTP 503"),
        "{line}"
    );
    assert!(
        line.ends_with("run the same command again to resume the upload where it stopped"),
        "{line}"
    );
    assert!(out.stderr.contains("retry 1 of 1"), "{}", out.stderr);
    assert_eq!(ws.parts_done(), [1, 2]);

    server.script(|script| script.fail_after = None);
    let id = printed_build_id(&ws.run(&server, &args));
    assert_eq!(server.build_bytes(&id).unwrap(), bytes);
    assert_eq!(server.puts_per_part()[&1], 1);
    assert_eq!(server.puts_per_part()[&2], 1);
}

#[test]
fn an_upload_the_server_forgot_is_started_over() {
    let script = Script {
        fail_after: Some((1, 503)),
        ..Script::default()
    };
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, bytes) = ws.file("game.apk", 3 * PART);
    let args = [
        "upload",
        path_arg(&path),
        "--name",
        "n",
        "--multipart",
        "--retries",
        "0",
        "--parallel",
        "1",
    ];
    assert_eq!(ws.run(&server, &args).code, 1);
    assert_eq!(ws.parts_done(), [1]);

    server.script(|script| script.fail_after = None);
    server.forget_uploads();
    let out = ws.run(&server, &args);
    let id = printed_build_id(&out);
    assert!(out.stderr.contains("starting over"), "{}", out.stderr);
    assert_eq!(server.log(|log| log.initiates.len()), 2);
    assert_eq!(server.build_bytes(&id).unwrap(), bytes);
}

#[test]
fn no_resume_gives_the_unfinished_upload_back_and_starts_a_new_one() {
    let script = Script {
        fail_after: Some((1, 503)),
        ..Script::default()
    };
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, bytes) = ws.file("game.apk", 3 * PART);
    let args = [
        "upload",
        path_arg(&path),
        "--name",
        "n",
        "--multipart",
        "--retries",
        "0",
        "--parallel",
        "1",
    ];
    assert_eq!(ws.run(&server, &args).code, 1);
    server.script(|script| script.fail_after = None);

    let id = printed_build_id(&ws.run(&server, &[&args[..], &["--no-resume"]].concat()));
    assert_eq!(server.build_bytes(&id).unwrap(), bytes);
    assert_eq!(server.log(|log| log.initiates.len()), 2);
    let cancelled = server.log(|log| log.cancels.clone());
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0]["upload_id"], "up_1");
    assert_eq!(cancelled[0]["build_id"], "bld_1");
}

#[test]
fn a_file_changed_since_the_interruption_is_uploaded_anew() {
    let script = Script {
        fail_after: Some((1, 503)),
        ..Script::default()
    };
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, _) = ws.file("game.apk", 3 * PART);
    let args = [
        "upload",
        path_arg(&path),
        "--name",
        "n",
        "--multipart",
        "--retries",
        "0",
        "--parallel",
        "1",
    ];
    assert_eq!(ws.run(&server, &args).code, 1);
    server.script(|script| script.fail_after = None);

    let (_, bytes) = ws.file("game.apk", 3 * PART + 1);
    let out = ws.run(&server, &args);
    let id = printed_build_id(&out);
    assert!(!out.stderr.contains("resuming"), "{}", out.stderr);
    assert_eq!(server.build_bytes(&id).unwrap(), bytes);
    assert_eq!(server.log(|log| log.initiates.len()), 2);
}

#[test]
fn ci_metadata_and_the_cli_version_go_into_the_details() {
    let server = FakeServer::start(Script::default());
    let ws = Workspace::new();
    let (path, _) = ws.file("game.ipa", 100);
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
        ("GITHUB_REF", "refs/pull/42/merge"),
        ("GITHUB_HEAD_REF", "feature/jump"),
        ("GITHUB_REPOSITORY", "studio/game"),
        ("GITHUB_SERVER_URL", "https://github.com"),
        ("GITHUB_RUN_ID", "987"),
    ];
    let out = ws.run_with(
        &server,
        &[
            "upload",
            path_arg(&path),
            "--name",
            "n",
            "--tags",
            "nightly,smoke",
        ],
        &env,
    );
    printed_build_id(&out);
    let initiate = server.log(|log| log.initiates[0].clone());
    assert_eq!(initiate.platform.as_str(), "ios-native");
    assert_eq!(initiate.tags, ["nightly", "smoke"]);
    let details = serde_json::to_value(initiate.details.unwrap()).unwrap();
    assert_eq!(details["ci"]["system"], "github-actions");
    assert_eq!(
        details["ci"]["run_url"],
        "https://github.com/studio/game/actions/runs/987"
    );
    assert_eq!(details["vcs"]["pr"]["number"], 42);
    assert_eq!(details["vcs"]["branch"], "feature/jump");
    assert_eq!(details["upload"]["method"], "cli");
    assert_eq!(details["upload"]["cli_version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn several_files_are_uploaded_each_under_a_suffixed_name() {
    let server = FakeServer::start(Script::default());
    let ws = Workspace::new();
    ws.file("a.apk", 10);
    ws.file("b.apk", 20);
    let pattern = format!("{}/*.apk", ws.dir.path().display());
    let out = ws.run(&server, &["upload", &pattern, "--name", "Nightly"]);
    out.assert_success();
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
    let names: Vec<String> =
        server.log(|log| log.initiates.iter().map(|i| i.name.clone()).collect());
    assert_eq!(names, ["Nightly (a.apk)", "Nightly (b.apk)"]);
}

#[test]
fn a_zip_without_a_platform_is_refused_before_anything_is_sent() {
    let server = FakeServer::start(Script::default());
    let ws = Workspace::new();
    let (path, _) = ws.file("web.zip", 10);
    let line = ws
        .run(&server, &["upload", path_arg(&path), "--name", "n"])
        .assert_one_line_failure()
        .to_string();
    assert!(line.contains("a .zip may hold a web"), "{line}");
    assert_eq!(server.log(|log| log.initiates.len()), 0);
    let (empty, _) = ws.file("empty.apk", 0);
    let line = ws
        .run(&server, &["upload", path_arg(&empty), "--name", "n"])
        .assert_one_line_failure()
        .to_string();
    assert!(
        line.ends_with("is empty: there is nothing to upload"),
        "{line}"
    );
    let out = ws.run(
        &server,
        &[
            "upload",
            path_arg(&path),
            "--name",
            "n",
            "--platform",
            "web",
        ],
    );
    printed_build_id(&out);
}

#[test]
fn a_full_storage_says_how_much_is_used_and_how_to_make_room() {
    let script = Script {
        refuse_initiate: Some((
            402,
            serde_json::json!({
                "error": "Storage capacity exceeded",
                "code": "QUOTA_EXCEEDED",
                "details": {"used": 900 * 1024 * 1024, "capacity": 1024 * 1024 * 1024, "needed": 200 * 1024 * 1024}
            }),
        )),
        ..Script::default()
    };
    let server = FakeServer::start(script);
    let ws = Workspace::new();
    let (path, _) = ws.file("game.apk", 10);
    let line = ws
        .run(
            &server,
            &[
                "upload",
                path_arg(&path),
                "--name",
                "n",
                "--deletion-policy",
                "oldest",
            ],
        )
        .assert_one_line_failure()
        .to_string();
    assert!(
        line.contains(
            "900.0 MiB of 1.0 GiB is used and this build needs 200.0 MiB; pass --auto-delete"
        ),
        "{line}"
    );
    let initiate = server.log(|log| log.initiates[0].clone());
    assert_eq!(
        serde_json::to_value(initiate.deletion_policy).unwrap(),
        "oldest"
    );
    assert!(!initiate.auto_delete);
}

#[test]
fn builds_can_be_listed_shown_downloaded_and_deleted() {
    let server = FakeServer::start(Script::default());
    let ws = Workspace::new();
    let (path, bytes) = ws.file("game.apk", 3 * PART + 5);
    let id = printed_build_id(&ws.run(
        &server,
        &[
            "upload",
            path_arg(&path),
            "--name",
            "Nightly",
            "--multipart",
        ],
    ));

    let out = ws.run(&server, &["builds", "list", "--platform", "android"]);
    out.assert_success();
    assert!(
        out.stdout.contains(&id) && out.stdout.contains("Nightly"),
        "{}",
        out.stdout
    );

    let out = ws.run(&server, &["builds", "show", &id]);
    out.assert_success();
    assert!(out.stdout.contains("sha256:"), "{}", out.stdout);

    let target = ws.dir.path().join("copy.apk");
    let out = ws.run(
        &server,
        &["builds", "download", &id, "-o", path_arg(&target)],
    );
    out.assert_success();
    assert_eq!(out.stdout.trim(), path_arg(&target));
    assert_eq!(std::fs::read(&target).unwrap(), bytes);

    ws.run(&server, &["builds", "delete", &id]).assert_success();
    let line = ws
        .run(&server, &["builds", "show", &id])
        .assert_one_line_failure()
        .to_string();
    assert_eq!(line, "error: Build not found (NOT_FOUND)");
}
