//! Game-loop runs of shell-script builds, in the real sandbox.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use playtest_worker::{
    GameLoopEnd, GameLoopError, GameLoopReport, GameLoopRun, LogLine, SandboxLimits, Stream, bugs,
    run_game_loop,
};
use tokio_util::sync::CancellationToken;

use crate::support::{eventually, process_with, write_file};

/// A build holding `game.sh` (and `files`), and a place for its logs.
struct Game {
    build: tempfile::TempDir,
    logs: tempfile::TempDir,
}

impl Game {
    fn script(body: &str) -> Game {
        Game::with_file("game.sh", &format!("#!/bin/sh\n{body}\n"))
    }

    fn with_file(name: &str, content: &str) -> Game {
        let build = tempfile::tempdir().unwrap();
        write_file(&build.path().join(name), content.as_bytes(), 0o755);
        Game {
            build,
            logs: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, max_duration: Duration) -> GameLoopRun {
        self.run_entry("game.sh", max_duration)
    }

    fn run_entry(&self, entry: &str, max_duration: Duration) -> GameLoopRun {
        GameLoopRun {
            build_dir: self.build.path().to_owned(),
            entry: entry.into(),
            args: vec!["--level".into(), "3".into()],
            env: BTreeMap::from([("GAME_SEED".into(), "42".into())]),
            max_duration,
            limits: SandboxLimits::default(),
            logs_path: self.logs_path(),
        }
    }

    fn logs_path(&self) -> PathBuf {
        self.logs.path().join("logs.txt")
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(self.logs_path()).unwrap()
    }

    /// Runs to the end with 30 s at most, collecting the lines.
    async fn play(&self) -> (GameLoopReport, Vec<LogLine>) {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let seen = lines.clone();
        let report = run_game_loop(
            self.run(Duration::from_secs(30)),
            CancellationToken::new(),
            move |line| seen.lock().unwrap().push(line),
        )
        .await
        .unwrap();
        let lines = lines.lock().unwrap().clone();
        (report, lines)
    }
}

#[tokio::test]
async fn a_game_that_exits_0_succeeds() {
    let game = Game::script("echo \"args: $*, seed: $GAME_SEED\"; exit 0");
    let (report, lines) = game.play().await;
    assert_eq!(report.end, GameLoopEnd::Success);
    assert_eq!(lines[0].text, "args: --level 3, seed: 42");
}

#[tokio::test]
async fn a_game_that_exits_3_fails_with_code_3() {
    let game = Game::script("exit 3");
    let (report, _) = game.play().await;
    assert_eq!(report.end, GameLoopEnd::Failed { exit_code: 3 });
    assert!(bugs(&report, "game.sh").is_empty());
}

#[tokio::test]
async fn a_game_killed_by_sigsegv_is_a_crash_with_the_stderr_tail() {
    let game = Game::script(
        "i=0; while [ $i -lt 30 ]; do echo \"stderr line $i\" >&2; i=$((i+1)); done; echo 'about to fault' >&2; kill -SEGV $$",
    );
    let (report, _) = game.play().await;
    let GameLoopEnd::Crashed {
        signal,
        signal_name,
        stderr_tail,
    } = &report.end
    else {
        panic!("expected a crash, got {:?}", report.end);
    };
    assert_eq!((*signal, signal_name.as_str()), (11, "SIGSEGV"));
    let tail: Vec<&str> = stderr_tail.lines().collect();
    assert_eq!(tail.len(), 20);
    assert_eq!(tail[0], "stderr line 11");
    assert_eq!(tail[19], "about to fault");
    assert!(
        game.logs()
            .contains("[playtest] the game was killed by SIGSEGV (signal 11)")
    );
}

#[tokio::test]
async fn a_game_that_aborts_is_a_crash_with_sigabrt() {
    let game = Game::script("echo 'assertion failed: hp >= 0' >&2; kill -ABRT $$");
    let (report, _) = game.play().await;
    assert!(
        matches!(&report.end, GameLoopEnd::Crashed { signal: 6, signal_name, stderr_tail }
            if signal_name == "SIGABRT" && stderr_tail == "assertion failed: hp >= 0"),
        "{:?}",
        report.end
    );
}

#[tokio::test]
async fn a_real_segmentation_fault_of_a_program_is_a_crash_with_sigsegv() {
    // Python reading address 0: a genuine fault, not a signal sent by hand.
    let game = Game::with_file(
        "game.py",
        "#!/usr/bin/python3\nimport ctypes, sys\nprint('reading address 0', file=sys.stderr, flush=True)\nctypes.string_at(0)\n",
    );
    let report = run_game_loop(
        game.run_entry("game.py", Duration::from_secs(30)),
        CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap();
    assert!(
        matches!(&report.end, GameLoopEnd::Crashed { signal: 11, stderr_tail, .. } if stderr_tail == "reading address 0"),
        "{:?}",
        report.end
    );
}

#[tokio::test]
async fn the_same_crash_gives_the_same_fingerprint_on_every_run() {
    let game = Game::script("echo \"pid $$ at $(date +%s%N)\" >&2; kill -SEGV $$");
    let (first, _) = game.play().await;
    let (second, _) = game.play().await;
    let first = bugs(&first, "./game.sh");
    let second = bugs(&second, "game.sh");
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].fingerprint, "game_loop/crash/game.sh/SIGSEGV");
    assert_eq!(first[0].fingerprint, second[0].fingerprint);
    assert_ne!(
        first[0].description, second[0].description,
        "the tails differ, the fingerprint does not"
    );
}

/// A game that starts a background process (`sleep <token>`), says
/// `started` once it runs, then sleeps a minute.
fn game_with_a_child(token: &str) -> Game {
    Game::script(&format!(
        "sleep {token} & child=$!\n\
         while ! grep -q {token} /proc/$child/cmdline 2>/dev/null; do :; done\n\
         echo started; sleep 60"
    ))
}

#[tokio::test]
async fn a_game_still_running_at_max_duration_times_out_and_is_killed_with_its_children() {
    let game = game_with_a_child("987651");
    let mut child_was_running = false;
    let started = Instant::now();
    let report = run_game_loop(
        game.run(Duration::from_secs(1)),
        CancellationToken::new(),
        |line| {
            if line.text == "started" {
                child_was_running = process_with("987651");
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(report.end, GameLoopEnd::TimedOut);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(child_was_running, "the check below would prove nothing");
    assert!(
        eventually(5, || !process_with("987651")).await,
        "the game's background process outlived the sandbox"
    );
    assert!(game.logs().contains("[stdout] started"));
    let found = bugs(&report, "game.sh");
    assert_eq!(found[0].fingerprint, "game_loop/hang/game.sh");
}

#[tokio::test]
async fn a_stop_request_kills_the_game_quickly() {
    let game = game_with_a_child("987652");
    let stop = CancellationToken::new();
    let stopper = stop.clone();
    let started = Instant::now();
    let report = run_game_loop(game.run(Duration::from_secs(60)), stop, move |line| {
        if line.text == "started" {
            assert!(process_with("987652"));
            stopper.cancel();
        }
    })
    .await
    .unwrap();
    assert_eq!(report.end, GameLoopEnd::Stopped);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(eventually(5, || !process_with("987652")).await);
    assert!(bugs(&report, "game.sh").is_empty());
}

#[tokio::test]
async fn a_stop_requested_before_the_launch_launches_nothing() {
    let game = Game::script("echo launched > /game/marker");
    let stop = CancellationToken::new();
    stop.cancel();
    let report = run_game_loop(game.run(Duration::from_secs(60)), stop, |_| {})
        .await
        .unwrap();
    assert_eq!(report.end, GameLoopEnd::Stopped);
    assert!(!game.build.path().join("marker").exists());
}

#[tokio::test]
async fn logs_txt_holds_both_streams_marked_and_every_line_reaches_the_caller() {
    let game =
        Game::script("echo out 1; echo err 1 >&2; echo out 2; printf 'no newline at the end' >&2");
    let (report, lines) = game.play().await;
    assert_eq!(report.end, GameLoopEnd::Success);
    let logs = game.logs();
    for expected in [
        "[stdout] out 1\n",
        "[stderr] err 1\n",
        "[stdout] out 2\n",
        "[stderr] no newline at the end\n",
    ] {
        assert!(
            logs.contains(expected),
            "{expected:?} missing from:\n{logs}"
        );
    }
    let last = logs.lines().last().unwrap();
    assert!(
        last.starts_with("[playtest] the game exited with code 0 after"),
        "{last}"
    );
    let of = |stream| -> Vec<&str> {
        lines
            .iter()
            .filter(|l| l.stream == stream)
            .map(|l| l.text.as_str())
            .collect()
    };
    assert_eq!(of(Stream::Stdout), ["out 1", "out 2"]);
    assert_eq!(of(Stream::Stderr), ["err 1", "no newline at the end"]);
    let offsets: Vec<_> = lines
        .iter()
        .filter(|l| l.stream == Stream::Stdout)
        .map(|l| l.offset)
        .collect();
    assert!(offsets.is_sorted(), "{offsets:?}");
}

#[tokio::test]
async fn a_very_long_line_is_cut_into_pieces() {
    let game = Game::script("head -c 40000 /dev/zero | tr '\\0' a; echo");
    let (_, lines) = game.play().await;
    let lengths: Vec<usize> = lines.iter().map(|line| line.text.len()).collect();
    assert_eq!(lengths, [16384, 16384, 7232]);
}

#[tokio::test]
async fn an_entry_outside_the_build_is_refused() {
    let game = Game::script("exit 0");
    for entry in ["../game.sh", "/bin/sh", "bin/../../x", ""] {
        let error = run_game_loop(
            game.run_entry(entry, Duration::from_secs(5)),
            CancellationToken::new(),
            |_| {},
        )
        .await
        .unwrap_err();
        assert!(
            matches!(error, GameLoopError::Entry { .. }),
            "{entry}: {error:?}"
        );
    }
}

#[tokio::test]
async fn a_missing_or_non_executable_entry_is_refused_with_a_reason() {
    let game = Game::script("exit 0");
    write_file(&game.build.path().join("data.txt"), b"x", 0o644);
    let missing = run_game_loop(
        game.run_entry("nope.sh", Duration::from_secs(5)),
        CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(missing.to_string().contains("not found"), "{missing}");
    let plain = run_game_loop(
        game.run_entry("data.txt", Duration::from_secs(5)),
        CancellationToken::new(),
        |_| {},
    )
    .await
    .unwrap_err();
    assert!(plain.to_string().contains("not executable"), "{plain}");
}
