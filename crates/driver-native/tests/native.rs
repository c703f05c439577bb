//! The native driver against a real game: Simon Tatham's Fifteen (GTK 3,
//! Debian's `sgt-puzzles`) on its own Xvfb, in the real sandbox. A launcher
//! script beside the game stands for the game's own misbehaviour where a
//! test needs it (a crash, a hang, a traceback), triggered by a file the
//! test writes into the game's folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use playtest_agent::{Driver, DriverError, GameEvent, Observation};
use playtest_driver_native::{NativeDriver, NativeDriverError, NativeLaunch};
use playtest_types::Action;

const FIFTEEN: &str = "/usr/games/sgt-fifteen";

/// A build folder holding Fifteen and `play.sh`, whose body is `script`
/// (run by /bin/sh in the game's folder).
fn build(script: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    lay(dir.path(), script);
    dir
}

fn lay(dir: &Path, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(FIFTEEN, dir.join("fifteen")).unwrap();
    let launcher = dir.join("play.sh");
    std::fs::write(&launcher, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&launcher, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn launch(dir: &Path) -> NativeLaunch {
    let mut launch = NativeLaunch::new(dir, "play.sh");
    launch.width = 640;
    launch.height = 480;
    launch.seed = 7;
    launch
}

/// Observes until `found` says yes, for at most `within`.
async fn observe_until(
    driver: &mut NativeDriver,
    within: Duration,
    mut found: impl FnMut(&Observation) -> bool,
) -> Vec<Observation> {
    let deadline = std::time::Instant::now() + within;
    let mut seen = Vec::new();
    while std::time::Instant::now() < deadline {
        let observation = driver.observe().await.unwrap();
        let done = found(&observation);
        seen.push(observation);
        if done {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "not seen within {within:?}: {:?}",
        seen.last().map(|o| &o.events)
    );
}

fn distinct_colours(observation: &Observation) -> usize {
    let mut colours: Vec<&[u8]> = observation.frame.rgb.chunks(3).step_by(97).collect();
    colours.sort();
    colours.dedup();
    colours.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_real_game_is_seen_and_moves_with_keys_and_clicks() {
    let dir = build("exec /game/fifteen");
    let video = tempfile::tempdir().unwrap();
    let mut options = launch(dir.path());
    options.record_video = Some(video.path().join("recording.mp4"));
    let mut driver = NativeDriver::launch(options).await.unwrap();
    assert_eq!(driver.viewport(), (640, 480));

    let first = observe_until(&mut driver, Duration::from_secs(10), |o| {
        distinct_colours(o) > 3
    })
    .await
    .pop()
    .unwrap();
    assert_eq!((first.frame.width, first.frame.height), (640, 480));
    assert!(first.frames_drawn > 0, "the game's drawing is seen");
    assert!(first.video_offset.is_some());

    let mut moved = false;
    for key in ["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"] {
        driver.act(&Action::Key(key.into())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = driver.observe().await.unwrap();
        if after.frame.rgb != first.frame.rgb {
            moved = true;
            break;
        }
    }
    assert!(moved, "an arrow key moves a tile");

    let affordances = driver.affordances().await.unwrap();
    let window = affordances.surface.expect("the game's window");
    assert!(window.width > 100 && window.height > 100, "{window:?}");
    let before = driver.observe().await.unwrap();
    let mut clicked = false;
    // Clicking each tile of a row and column near the gap slides one.
    'grid: for row in 1..8 {
        for column in 1..8 {
            let point = [
                window.x + window.width * column / 8,
                window.y + window.height * row / 8,
            ];
            driver.act(&Action::Click(point)).await.unwrap();
            tokio::time::sleep(Duration::from_millis(200)).await;
            if driver.observe().await.unwrap().frame.rgb != before.frame.rgb {
                clicked = true;
                break 'grid;
            }
        }
    }
    assert!(clicked, "a click on a tile moves it");

    let ping = driver.ping(Duration::from_secs(5)).await.unwrap();
    assert!(ping.is_some(), "a live GTK window answers _NET_WM_PING");

    let output = driver.finish().await.unwrap();
    let video = output.video.expect("a recording");
    assert!(std::fs::metadata(&video).unwrap().len() > 1000);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crash_is_reported_with_its_signal_and_then_the_game_is_gone() {
    let dir = build(
        "/game/fifteen & pid=$!\n\
         while [ ! -e /game/crash ]; do sleep 0.05; done\n\
         echo 'fifteen: about to fail' >&2\n\
         kill -SEGV $pid; wait $pid",
    );
    let mut driver = NativeDriver::launch(launch(dir.path())).await.unwrap();
    driver.observe().await.unwrap();
    std::fs::write(dir.path().join("crash"), "").unwrap();
    let seen = observe_until(&mut driver, Duration::from_secs(10), |o| {
        o.events
            .iter()
            .any(|e| matches!(e, GameEvent::Crashed { .. }))
    })
    .await;
    let reason = seen
        .iter()
        .flat_map(|o| &o.events)
        .find_map(|e| match e {
            GameEvent::Crashed { reason } => Some(reason.clone()),
            _ => None,
        })
        .unwrap();
    assert!(reason.contains("SIGSEGV"), "{reason}");
    assert!(matches!(
        driver.observe().await,
        Err(DriverError::GameGone(_))
    ));
    assert!(matches!(
        driver.ping(Duration::from_secs(1)).await,
        Err(DriverError::GameGone(_))
    ));

    std::fs::remove_file(dir.path().join("crash")).unwrap();
    driver.restart().await.unwrap();
    assert!(driver.observe().await.is_ok());
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_traceback_while_the_game_runs_on_is_an_exception() {
    let dir = build(
        "/game/fifteen & pid=$!\n\
         while [ ! -e /game/raise ]; do sleep 0.05; done\n\
         printf 'Traceback (most recent call last):\\n  File \"game.py\", line 9, in on_key\\n    boom()\\nZeroDivisionError: division by zero\\n' >&2\n\
         wait $pid",
    );
    let mut driver = NativeDriver::launch(launch(dir.path())).await.unwrap();
    std::fs::write(dir.path().join("raise"), "").unwrap();
    let seen = observe_until(&mut driver, Duration::from_secs(10), |o| {
        o.events
            .iter()
            .any(|e| matches!(e, GameEvent::Exception { .. }))
    })
    .await;
    let exception = seen.iter().flat_map(|o| &o.events).find_map(|e| match e {
        GameEvent::Exception { message, stack, .. } => Some((message.clone(), stack.clone())),
        _ => None,
    });
    let (message, stack) = exception.unwrap();
    assert_eq!(message, "ZeroDivisionError: division by zero");
    assert!(stack.unwrap().contains("game.py"));
    assert!(driver.ping(Duration::from_secs(5)).await.unwrap().is_some());
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_game_does_not_answer_a_ping() {
    let dir = build(
        "/game/fifteen & pid=$!\n\
         while [ ! -e /game/stop ]; do sleep 0.05; done\n\
         kill -STOP $pid; wait $pid",
    );
    let mut driver = NativeDriver::launch(launch(dir.path())).await.unwrap();
    assert!(driver.ping(Duration::from_secs(5)).await.unwrap().is_some());
    std::fs::write(dir.path().join("stop"), "").unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(driver.ping(Duration::from_secs(1)).await.unwrap(), None);
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_game_that_quits_is_reported_as_quitting_and_restarts_in_a_folder_laid_anew() {
    const QUITS: &str = "/game/fifteen & pid=$!\n\
                         while [ ! -e /game/quit ]; do sleep 0.05; done\n\
                         kill $pid; exit 0";
    let dir = build(QUITS);
    let path: PathBuf = dir.path().to_owned();
    let mut options = launch(dir.path());
    options.lay_folder = Some(Arc::new(move |folder: &Path| {
        std::fs::remove_dir_all(folder).map_err(|e| e.to_string())?;
        std::fs::create_dir(folder).map_err(|e| e.to_string())?;
        lay(folder, QUITS);
        Ok(())
    }));
    let mut driver = NativeDriver::launch(options).await.unwrap();
    std::fs::write(path.join("quit"), "").unwrap();
    let seen = observe_until(&mut driver, Duration::from_secs(15), |o| {
        o.events.iter().any(|e| matches!(e, GameEvent::Quit { .. }))
    })
    .await;
    assert!(
        !seen
            .iter()
            .flat_map(|o| &o.events)
            .any(|e| matches!(e, GameEvent::Crashed { .. })),
        "quitting is not a crash"
    );
    assert!(matches!(
        driver.observe().await,
        Err(DriverError::GameGone(_))
    ));
    driver.restart().await.unwrap();
    assert!(!path.join("quit").exists(), "the folder was laid anew");
    assert!(driver.observe().await.is_ok());
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_that_is_missing_or_not_executable_is_refused_with_what_to_do() {
    let dir = build("exec /game/fifteen");
    let missing = NativeDriver::launch(NativeLaunch::new(dir.path(), "nothere")).await;
    let Err(NativeDriverError::Entry(reason)) = missing else {
        panic!("{missing:?}")
    };
    assert!(reason.contains("no `nothere`"), "{reason}");
    std::fs::write(dir.path().join("data.txt"), "x").unwrap();
    let plain = NativeDriver::launch(NativeLaunch::new(dir.path(), "data.txt")).await;
    let Err(NativeDriverError::Entry(reason)) = plain else {
        panic!("{plain:?}")
    };
    assert!(reason.contains("chmod +x"), "{reason}");
    let escaping = NativeDriver::launch(NativeLaunch::new(dir.path(), "../etc/passwd")).await;
    assert!(matches!(escaping, Err(NativeDriverError::Entry(_))));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_game_that_opens_no_window_ends_the_launch_with_a_reason() {
    let dir = build("echo 'no display for me' >&2; sleep 60");
    let mut options = launch(dir.path());
    options.window_timeout = Duration::from_secs(2);
    let result = NativeDriver::launch(options).await;
    let Err(NativeDriverError::NoWindow(reason)) = result else {
        panic!("{result:?}")
    };
    assert!(reason.contains("no window within"), "{reason}");
    assert!(reason.contains("no display for me"), "{reason}");

    let dir = build("echo 'bad config' >&2; exit 3");
    let result = NativeDriver::launch(launch(dir.path())).await;
    let Err(NativeDriverError::NoWindow(reason)) = result else {
        panic!("{result:?}")
    };
    assert!(reason.contains("exited with code 3"), "{reason}");
}
