//! Replaying a finding's trace shows the same fingerprint again.

use playtest_agent::fake::{FakeGame, Fault, Trigger};
use playtest_agent::{NullSink, RecordingSink, ReplaySettings, Session, replay};
use playtest_types::{Action, BugTrace};
use tokio_util::sync::CancellationToken;

use crate::common::{explore, game_with, settings};

#[tokio::test(start_paused = true)]
async fn a_found_exception_reproduces_when_its_trace_is_replayed() {
    let fault = Fault::Throw {
        message: "cannot read 'hp' of undefined".into(),
        unhandled_rejection: false,
    };
    let mut game = game_with(fault, Trigger::Tile(1, 2));
    let explored = explore(&mut game, 1, 600).await;
    let finding = explored.only("exception").clone();
    let outcome = replay(
        &mut game,
        &NullSink,
        &finding.trace,
        &finding.fingerprint,
        &ReplaySettings::default(),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(outcome.reproduced);
    assert_eq!(outcome.at_action, Some(finding.trace.actions.len()));
    assert_eq!(
        outcome.finding.map(|f| f.fingerprint),
        Some(finding.fingerprint)
    );
}

#[tokio::test(start_paused = true)]
async fn a_freeze_reproduces_during_the_grace_period_after_the_last_action() {
    let mut game = game_with(Fault::Freeze, Trigger::Tile(1, 2));
    let explored = explore(&mut game, 1, 600).await;
    let finding = explored.only("freeze").clone();
    let mut trace = finding.trace.clone();
    while trace.actions.len() > 1
        && game_reaches_tile_without(&trace.actions[..trace.actions.len() - 1]).await
    {
        trace.actions.pop();
    }
    let outcome = replay(
        &mut game,
        &NullSink,
        &trace,
        &finding.fingerprint,
        &ReplaySettings::default(),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(outcome.reproduced);
}

/// Whether these actions still step on the fault's tile in a fresh game.
async fn game_reaches_tile_without(actions: &[Action]) -> bool {
    use playtest_agent::Driver;
    let mut game = FakeGame::clean();
    for action in actions {
        game.act(action).await.unwrap();
        if game.world().player == (1, 2)
            && game.world().screen == playtest_agent::fake::world::Screen::Play
        {
            return true;
        }
    }
    false
}

#[tokio::test(start_paused = true)]
async fn a_trace_that_does_not_show_the_bug_does_not_reproduce() {
    let mut game = FakeGame::clean();
    let trace = BugTrace {
        seed: 1,
        actions: vec![
            Action::Key("Enter".into()),
            Action::Key("ArrowRight".into()),
        ],
    };
    let outcome = replay(
        &mut game,
        &NullSink,
        &trace,
        "exception:0000000000000000",
        &ReplaySettings::default(),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(!outcome.reproduced);
    assert_eq!(outcome.at_action, None);
    assert!(outcome.other_findings.is_empty());
}

/// The crash fingerprint the fake game's renderer death gets.
async fn crash_fingerprint() -> String {
    let mut game = game_with(Fault::Crash, Trigger::Action(key("x")));
    let sink = RecordingSink::default();
    let mut session = Session::new(&mut game, &sink, settings(1), CancellationToken::new());
    session.start().await.unwrap();
    session.perform(&key("x")).await.unwrap();
    let findings = sink.findings();
    assert_eq!(findings.len(), 1, "one crash expected");
    findings[0].fingerprint.clone()
}

fn key(name: &str) -> Action {
    Action::Key(name.into())
}

#[tokio::test(start_paused = true)]
async fn a_crash_that_a_long_hang_precedes_reproduces_when_replayed() {
    let fingerprint = crash_fingerprint().await;
    let mut game = game_with(
        Fault::HangThenCrash(std::time::Duration::from_secs(20)),
        Trigger::Action(key("x")),
    );
    let trace = BugTrace {
        seed: 1,
        actions: vec![key("Enter"), key("x")],
    };
    let outcome = replay(
        &mut game,
        &NullSink,
        &trace,
        &fingerprint,
        &ReplaySettings::default(),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(outcome.reproduced, "{outcome:?}");
    assert_eq!(outcome.at_action, Some(2));
    let others: Vec<_> = outcome.other_findings.iter().map(|f| f.detector).collect();
    assert_eq!(others, ["hang"]);
}

#[tokio::test(start_paused = true)]
async fn a_game_hung_for_good_is_watched_for_a_limited_time_only() {
    let fingerprint = crash_fingerprint().await;
    let mut game = game_with(Fault::Hang, Trigger::Action(key("x")));
    let mut actions = vec![key("x")];
    actions.extend(std::iter::repeat_n(key("Enter"), 20));
    let trace = BugTrace { seed: 1, actions };
    let replay_settings = ReplaySettings::default();
    let started = tokio::time::Instant::now();
    let outcome = replay(
        &mut game,
        &NullSink,
        &trace,
        &fingerprint,
        &replay_settings,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(!outcome.reproduced);
    let watched = started.elapsed();
    assert!(
        watched >= replay_settings.hang_watch,
        "gave up after {watched:?}"
    );
    assert!(
        watched < replay_settings.hang_watch * 2,
        "watched for {watched:?}"
    );
}
