//! Playing the fixture games: inputs, observations, errors, hangs,
//! crashes, randomness, the network.

use std::time::{Duration, Instant};

use playtest_agent::{ConsoleLevel, Driver, DriverError, GameEvent};
use playtest_types::Action;
use serde_json::json;

use crate::helpers::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canvas_game_moves_its_square_with_the_arrow_keys() {
    let mut driver = launch("arrows").await;
    assert_eq!(driver.viewport(), (800, 600));
    assert_eq!(
        driver.timing(),
        playtest_driver_web::page_timing(),
        "the session waits and looks as on a web page"
    );
    let before = driver.observe().await.unwrap();
    assert_eq!((before.frame.width, before.frame.height), (800, 600));
    assert_eq!(before.frame.rgb.len(), 800 * 600 * 3);
    assert!(before.frame.encoded.is_some());
    for _ in 0..3 {
        driver.act(&Action::Key("ArrowRight".into())).await.unwrap();
    }
    driver.act(&Action::Key("ArrowDown".into())).await.unwrap();
    assert_eq!(
        driver.evaluate("[game.x, game.y]").await.unwrap(),
        json!([130, 110])
    );
    // The square (40x40, red) is drawn at its new place on a later frame.
    let after = observe_where(
        &mut driver,
        "the square is drawn at (130, 110)",
        Duration::from_secs(5),
        |o| {
            let [r, g, b] = pixel(o, 165, 145);
            r > 200 && g < 60 && b < 60
        },
    )
    .await;
    let [r, _, _] = pixel(&after, 105, 105);
    assert!(r < 100, "the square's old place is background again");
    assert!(after.at > before.at);
    assert!(
        after.frames_drawn > before.frames_drawn,
        "the game draws every frame"
    );
    assert_eq!(after.video_offset, None);
    let affordances = driver.affordances().await.unwrap();
    assert!(affordances.keys.contains(&"ArrowUp".to_owned()));
    assert!(
        affordances
            .clickable
            .iter()
            .any(|r| r.width == 800 && r.height == 600),
        "the canvas is clickable: {affordances:?}"
    );
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observations_count_the_games_frames_and_time_the_screens() {
    let mut driver = launch("arrows").await;
    let first = driver.observe().await.unwrap();
    let later = observe_where(&mut driver, "frames go by", Duration::from_secs(5), |o| {
        o.frame_intervals_ms.len() >= 5
    })
    .await;
    assert!(later.frames_drawn > first.frames_drawn);
    let mut intervals = later.frame_intervals_ms.clone();
    intervals.sort_by(f32::total_cmp);
    let median = intervals[intervals.len() / 2];
    assert!(
        (5.0..=100.0).contains(&median),
        "median frame time {median} ms"
    );
    // A page with no animation loop of its own draws no frames.
    let mut still = launch("black").await;
    let observation = still.observe().await.unwrap();
    assert_eq!(observation.frames_drawn, 0);
    still.finish().await.unwrap();
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_throws_reports_an_exception_with_its_stack() {
    let mut driver = launch("throws").await;
    let (_, seen) = observe_until(
        &mut driver,
        |e| matches!(e, GameEvent::Console { text, .. } if text == "ready"),
    )
    .await;
    let ready = seen
        .iter()
        .find(|e| matches!(e, GameEvent::Console { text, .. } if text == "ready"))
        .unwrap();
    assert_eq!(
        ready,
        &GameEvent::Console {
            level: ConsoleLevel::Info,
            text: "ready".into(),
            source: Some("game.js:11:9".into()),
        }
    );

    driver.act(&Action::Key("t".into())).await.unwrap();
    let (_, seen) = observe_until(&mut driver, |e| matches!(e, GameEvent::Exception { .. })).await;
    let Some(GameEvent::Exception {
        message,
        stack,
        unhandled_rejection,
    }) = seen
        .iter()
        .find(|e| matches!(e, GameEvent::Exception { .. }))
    else {
        unreachable!()
    };
    assert_eq!(message, "Uncaught Error: kaboom");
    assert!(!unhandled_rejection);
    let stack = stack.as_deref().unwrap();
    assert!(stack.contains("at explode (game.js:3:9)"), "{stack}");
    assert!(stack.contains("at onKey (game.js:6:"), "{stack}");

    driver.act(&Action::Key("r".into())).await.unwrap();
    let (_, seen) = observe_until(&mut driver, |e| {
        matches!(
            e,
            GameEvent::Exception {
                unhandled_rejection: true,
                ..
            }
        )
    })
    .await;
    assert!(seen.iter().any(|e| matches!(e,
        GameEvent::Exception { message, unhandled_rejection: true, .. }
            if message.contains("nobody catches this"))));

    driver.act(&Action::Key("e".into())).await.unwrap();
    let (_, seen) = observe_until(&mut driver, |e| {
        matches!(
            e,
            GameEvent::Console {
                level: ConsoleLevel::Error,
                ..
            }
        )
    })
    .await;
    assert!(
        seen.contains(&GameEvent::Console {
            level: ConsoleLevel::Error,
            text: "something went wrong 42".into(),
            source: Some("game.js:8:34".into()),
        }),
        "{seen:#?}"
    );
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_stuck_in_a_busy_loop_does_not_answer_pings_and_can_be_restarted() {
    let mut options = launch_options("busy");
    options.timeouts.command = Duration::from_secs(2);
    options.timeouts.observe = Duration::from_secs(2);
    let mut driver = playtest_driver_web::WebDriver::launch(options)
        .await
        .unwrap();
    assert!(driver.ping(Duration::from_secs(5)).await.unwrap().is_some());

    driver.act(&Action::KeyDown("h".into())).await.unwrap();
    // The loop starts on the page's next task: ping until it is stuck.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let started = Instant::now();
        let answer = driver.ping(Duration::from_secs(1)).await.unwrap();
        if answer.is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(2),
                "ping took {:?}",
                started.elapsed()
            );
            break;
        }
        assert!(Instant::now() < deadline, "the page never hung");
    }
    let key = driver.act(&Action::Key("x".into())).await;
    assert!(matches!(key, Err(DriverError::Timeout(_))), "{key:?}");
    assert!(matches!(
        driver.observe().await,
        Err(DriverError::Timeout(_))
    ));

    let started = Instant::now();
    driver.restart().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(driver.ping(Duration::from_secs(5)).await.unwrap().is_some());
    assert_eq!(driver.evaluate("1 + 1").await.unwrap(), json!(2));
    driver.observe().await.unwrap();
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_renderer_is_reported_once_and_the_game_restarts() {
    let mut driver = launch("arrows").await;
    driver.act(&Action::Key("ArrowRight".into())).await.unwrap();
    driver.observe().await.unwrap();
    driver.crash_renderer().await.unwrap();

    let observation = driver.observe().await.unwrap();
    assert!(
        observation
            .events
            .iter()
            .any(|e| matches!(e, GameEvent::Crashed { .. })),
        "{:?}",
        observation.events
    );
    assert_eq!(
        (observation.frame.width, observation.frame.height),
        (800, 600)
    );
    assert!(matches!(
        driver.observe().await,
        Err(DriverError::GameGone(_))
    ));
    assert!(matches!(
        driver.act(&Action::Key("ArrowRight".into())).await,
        Err(DriverError::GameGone(_))
    ));
    assert!(matches!(
        driver.ping(Duration::from_secs(1)).await,
        Err(DriverError::GameGone(_))
    ));
    assert!(matches!(
        driver.evaluate("1").await,
        Err(DriverError::GameGone(_))
    ));

    driver.restart().await.unwrap();
    assert_eq!(
        driver.evaluate("game.x").await.unwrap(),
        json!(100),
        "a fresh game"
    );
    let observation = driver.observe().await.unwrap();
    assert!(
        !observation
            .events
            .iter()
            .any(|e| matches!(e, GameEvent::Crashed { .. }))
    );
    driver.act(&Action::Key("ArrowRight".into())).await.unwrap();
    assert_eq!(driver.evaluate("game.x").await.unwrap(), json!(110));
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_paints_black_is_seen_black() {
    let mut driver = launch("black").await;
    let observation = driver.observe().await.unwrap();
    let brightest = observation.frame.rgb.iter().copied().max().unwrap();
    assert!(brightest < 16, "brightest channel {brightest}");
    assert!(observation.dom_digest.is_some());
    // A quiet page says nothing: no noise of the browser's own (favicon...).
    let later = driver.observe().await.unwrap();
    let events: Vec<_> = observation.events.iter().chain(&later.events).collect();
    assert!(events.is_empty(), "{events:?}");
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_randomness_after_a_restart() {
    let mut options = launch_options("random");
    options.seed = 7;
    options.init_scripts = vec!["window.fault = 'injected';".into()];
    let mut driver = playtest_driver_web::WebDriver::launch(options)
        .await
        .unwrap();
    let read = "[document.getElementById('numbers').innerText, document.getElementById('bytes').innerText, window.uuid]";
    let first = driver.evaluate(read).await.unwrap();
    assert_eq!(
        driver.evaluate("window.seenFault").await.unwrap(),
        json!("injected")
    );
    let digest = driver.observe().await.unwrap().dom_digest;
    driver.restart().await.unwrap();
    assert_eq!(driver.evaluate(read).await.unwrap(), first);
    assert_eq!(driver.observe().await.unwrap().dom_digest, digest);
    driver.finish().await.unwrap();

    let mut other_options = launch_options("random");
    other_options.seed = 8;
    let mut other = playtest_driver_web::WebDriver::launch(other_options)
        .await
        .unwrap();
    let second = other.evaluate(read).await.unwrap();
    assert_ne!(second[0], first[0]);
    assert_ne!(second[1], first[1]);
    assert_ne!(other.observe().await.unwrap().dom_digest, digest);
    other.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_games_clock_reads_the_same_date_in_utc_at_every_start() {
    // 2024-01-01 12:00:00 UTC, where every document's wall clock starts.
    const CLOCK_START: i64 = 1_704_110_400_000;
    let mut driver = launch("random").await;
    let mut starts = Vec::new();
    for life in 0..2 {
        if life > 0 {
            driver.restart().await.unwrap();
        }
        let clock = driver.evaluate("window.clock").await.unwrap();
        let started_at = clock["startedAt"].as_i64().unwrap();
        // The page's scripts run within seconds of the document's start.
        assert!(
            (CLOCK_START..CLOCK_START + 30_000).contains(&started_at),
            "{clock}"
        );
        assert!(
            clock["constructed"].as_i64().unwrap() >= started_at,
            "{clock}"
        );
        assert_eq!(clock["called"], "string", "{clock}");
        assert_eq!(clock["epoch"], 0, "{clock}");
        assert_eq!(clock["zone"], "UTC", "{clock}");
        assert_eq!(clock["hours"], 12, "{clock}");
        assert_eq!(clock["isDate"], true, "{clock}");
        starts.push(started_at);
    }
    // The clock runs at the real pace.
    let before = driver
        .evaluate("Date.now()")
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let after = driver
        .evaluate("Date.now()")
        .await
        .unwrap()
        .as_i64()
        .unwrap();
    assert!(after - before >= 300, "{before} -> {after}");
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_off_the_games_origin_leaves_the_game_where_it_is() {
    let mut driver = launch("button").await;
    driver
        .act(&Action::ClickSelector("#go".into()))
        .await
        .unwrap();
    driver
        .act(&Action::ClickSelector("#away".into()))
        .await
        .unwrap();
    driver
        .act(&Action::ClickSelector("#go".into()))
        .await
        .unwrap();
    until_true(&mut driver, "window.log.clicks === 2").await;
    assert_eq!(
        driver.evaluate("location.href").await.unwrap(),
        json!(format!("{}/index.html", playtest_driver_web::ORIGIN))
    );
    driver.observe().await.unwrap();
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_forgets_what_the_game_saved_in_the_browser() {
    let mut driver = launch("random").await;
    driver
        .evaluate("localStorage.setItem('save', 'level 9'); sessionStorage.setItem('tab', 'x'); document.cookie = 'c=1'; true")
        .await
        .unwrap();
    assert_eq!(
        driver
            .evaluate("localStorage.getItem('save')")
            .await
            .unwrap(),
        json!("level 9")
    );
    driver.restart().await.unwrap();
    assert_eq!(
        driver
            .evaluate(
                "[localStorage.getItem('save'), sessionStorage.getItem('tab'), document.cookie]"
            )
            .await
            .unwrap(),
        json!([null, null, ""])
    );
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_game_reaches_its_own_files_and_nothing_else() {
    let mut driver = launch("offline").await;
    until_true(&mut driver, "window.done").await;
    let results = driver.evaluate("window.results").await.unwrap();
    for probe in [
        "httpFetch",
        "httpsFetch",
        "loopbackFetch",
        "webSocket",
        "loopbackSocket",
    ] {
        let outcome = results[probe].as_str().unwrap();
        assert!(outcome.starts_with("failed"), "{probe}: {outcome}");
    }
    assert_eq!(results["json"], json!("ok 200 application/json world"));
    assert_eq!(results["wasm"], json!("ok 200 application/wasm"));
    assert_eq!(results["missing"], json!("ok 404"));
    assert_eq!(results["nested"], json!("ok 200 nested file"));
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_is_listed_as_clickable_and_clicked_by_its_selector() {
    let mut driver = launch("button").await;
    let affordances = driver.affordances().await.unwrap();
    let regions = &affordances.clickable;
    assert!(
        regions
            .iter()
            .any(|r| (r.x, r.y, r.width, r.height) == (50, 40, 120, 40)),
        "{regions:?}"
    );
    assert!(
        regions
            .iter()
            .any(|r| (r.x, r.y, r.width, r.height) == (300, 40, 100, 100)),
        "the panel with a pointerdown listener: {regions:?}"
    );
    assert!(
        !regions.iter().any(|r| r.y >= 600),
        "nothing below the viewport: {regions:?}"
    );
    assert!(affordances.keys.contains(&"Enter".to_owned()));

    driver
        .act(&Action::ClickSelector("#go".into()))
        .await
        .unwrap();
    let go = regions.iter().find(|r| r.x == 50 && r.y == 40).unwrap();
    driver.act(&Action::Click(go.center())).await.unwrap();
    assert_eq!(
        driver.text_of("#count").await.unwrap().as_deref(),
        Some("2")
    );
    assert_eq!(driver.text_of("#nothing").await.unwrap(), None);
    driver.act(&Action::Click([350, 90])).await.unwrap();
    assert_eq!(driver.evaluate("log.panel").await.unwrap(), json!(1));

    // A link to a new tab: that tab is closed, the game's stays.
    driver
        .act(&Action::ClickSelector("#popup".into()))
        .await
        .unwrap();
    assert_eq!(
        driver.evaluate("document.title").await.unwrap(),
        json!("Button")
    );

    driver
        .act(&Action::ClickSelector("#below".into()))
        .await
        .unwrap();
    assert_eq!(
        driver.evaluate("log.below").await.unwrap(),
        json!(1),
        "scrolled into view and clicked"
    );

    let missing = driver.act(&Action::ClickSelector("#nothing".into())).await;
    assert!(
        matches!(missing, Err(DriverError::BadAction(_))),
        "{missing:?}"
    );
    let hidden = driver.act(&Action::ClickSelector("#hidden".into())).await;
    assert!(
        matches!(hidden, Err(DriverError::BadAction(_))),
        "{hidden:?}"
    );
    let invalid = driver.act(&Action::ClickSelector("##".into())).await;
    assert!(
        matches!(invalid, Err(DriverError::BadAction(_))),
        "{invalid:?}"
    );
    let outside = driver.act(&Action::Click([800, 10])).await;
    assert!(
        matches!(outside, Err(DriverError::BadAction(_))),
        "{outside:?}"
    );
    let unknown = driver.act(&Action::Key("Hyper".into())).await;
    assert!(
        matches!(unknown, Err(DriverError::BadAction(_))),
        "{unknown:?}"
    );

    assert_eq!(
        driver
            .evaluate("Promise.resolve({a: [1, 'b']})")
            .await
            .unwrap(),
        json!({"a": [1, "b"]})
    );
    assert_eq!(driver.evaluate("undefined").await.unwrap(), json!(null));
    assert_eq!(driver.evaluate("NaN").await.unwrap(), json!("NaN"));
    let thrown = driver.evaluate("null.x").await;
    assert!(
        matches!(&thrown, Err(DriverError::BadAction(m)) if m.contains("TypeError")),
        "{thrown:?}"
    );
    driver.finish().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_held_keys_drags_and_taps_reach_the_page() {
    let mut driver = launch("button").await;
    driver
        .act(&Action::ClickSelector("#name".into()))
        .await
        .unwrap();
    driver.act(&Action::Type("Hi there!".into())).await.unwrap();
    assert_eq!(
        driver
            .evaluate("document.getElementById('name').value")
            .await
            .unwrap(),
        json!("Hi there!")
    );
    driver.act(&Action::KeyDown("Shift".into())).await.unwrap();
    driver.act(&Action::Key("ArrowLeft".into())).await.unwrap();
    driver.act(&Action::KeyUp("Shift".into())).await.unwrap();
    driver.act(&Action::Key("Enter".into())).await.unwrap();
    let keys = driver.evaluate("log.keys.slice(-4)").await.unwrap();
    assert_eq!(
        keys,
        json!([
            "!/Digit1/49/false",
            "Shift/ShiftLeft/16/true",
            "ArrowLeft/ArrowLeft/37/true",
            "Enter/Enter/13/false"
        ])
    );

    driver
        .act(&Action::Drag([[320, 220], [560, 380]]))
        .await
        .unwrap();
    let moves = driver.evaluate("log.moves").await.unwrap();
    let moves = moves.as_array().unwrap();
    assert!(moves.len() >= 5, "{moves:?}");
    assert_eq!(moves.last().unwrap(), &json!([560, 380]));

    driver.act(&Action::Tap([400, 300])).await.unwrap();
    assert_eq!(
        driver.evaluate("[log.touches, log.touch]").await.unwrap(),
        json!([1, [400, 300]])
    );

    let started = Instant::now();
    driver.act(&Action::WaitMs(200)).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    driver.finish().await.unwrap();
}

/// Runs a shell script instead of the browser.
#[derive(Debug)]
struct Script(&'static str);

impl playtest_driver_web::BrowserLauncher for Script {
    fn command(
        &self,
        _: &std::path::Path,
        _: &[String],
    ) -> std::io::Result<tokio::process::Command> {
        let mut command = tokio::process::Command::new("/bin/sh");
        command.args(["-c", self.0]);
        Ok(command)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_that_dies_at_start_fails_the_launch_with_its_last_words() {
    let options = options_with(
        "arrows",
        std::sync::Arc::new(Script("echo 'cannot open display' >&2; exit 3")),
    );
    let error = playtest_driver_web::WebDriver::launch(options)
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("exited"), "{message}");
    assert!(message.contains("cannot open display"), "{message}");
    assert!(message.contains("3"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_chromium_or_entry_page_fails_clearly() {
    let mut options = launch_options("arrows");
    options.chromium = "/nonexistent/chromium".into();
    let error = playtest_driver_web::WebDriver::launch(options)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("/nonexistent/chromium"),
        "{error}"
    );

    let mut no_entry = launch_options("arrows");
    no_entry.entry = "missing.html".into();
    let error = playtest_driver_web::WebDriver::launch(no_entry)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("missing.html"), "{error}");
}
