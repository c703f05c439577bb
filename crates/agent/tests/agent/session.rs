//! The session's bookkeeping: traces with explicit pauses, findings with
//! evidence, one report per fingerprint, stops.

use std::time::Duration;

use playtest_agent::fake::{FakeGame, Fault, Trigger};
use playtest_agent::{AgentError, RecordingSink, Session};
use playtest_types::Action;
use tokio_util::sync::CancellationToken;

use crate::common::{game_with, settings};

fn key(name: &str) -> Action {
    Action::Key(name.into())
}

#[tokio::test(start_paused = true)]
async fn time_between_actions_is_recorded_as_waits_so_a_replay_repeats_it() {
    let mut game = FakeGame::clean();
    let sink = RecordingSink::default();
    let mut session = Session::new(&mut game, &sink, settings(3), CancellationToken::new());
    session.start().await.unwrap();
    session.perform(&key("Enter")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(303)).await;
    session.perform(&key("ArrowDown")).await.unwrap();
    session.perform(&Action::WaitMs(200)).await.unwrap();
    session.perform(&key("ArrowRight")).await.unwrap();
    assert_eq!(
        session.since_restart(),
        &[
            key("Enter"),
            Action::WaitMs(300),
            key("ArrowDown"),
            Action::WaitMs(200),
            key("ArrowRight")
        ]
    );
    assert_eq!(session.counters().actions, 4);
}

#[tokio::test(start_paused = true)]
async fn a_finding_carries_the_trace_up_to_its_action_its_turn_and_readable_steps() {
    let fault = Fault::Throw {
        message: "boom".into(),
        unhandled_rejection: false,
    };
    let mut game = game_with(fault, Trigger::Action(key("x")));
    let sink = RecordingSink::default();
    let mut session = Session::new(&mut game, &sink, settings(42), CancellationToken::new());
    session.start().await.unwrap();
    session.set_test_step(Some(2));
    for action in [
        key("Enter"),
        key("ArrowLeft"),
        key("ArrowLeft"),
        key("ArrowLeft"),
        key("x"),
        key("ArrowDown"),
    ] {
        session.perform(&action).await.unwrap();
    }
    let findings = sink.findings();
    assert_eq!(findings.len(), 1);
    let finding = &findings[0];
    assert_eq!(finding.trace.seed, 42);
    assert_eq!(finding.trace.actions.last(), Some(&key("x")));
    assert_eq!(finding.trace.actions.len(), 5);
    assert_eq!(
        finding.reproduction_steps,
        "1. Start the game fresh (seed 42).\n2. Press Enter.\n3. Press ArrowLeft 3 times.\n4. Press x."
    );
    assert_eq!(finding.test_step, Some(2));
    assert_eq!(finding.turn, 5, "seen after the run's fifth action");
    assert!(finding.video_offset.is_some());
    assert!(finding.at > Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn the_same_fingerprint_is_reported_once_and_counted() {
    let fault = Fault::Throw {
        message: "boom".into(),
        unhandled_rejection: false,
    };
    let mut game = game_with(fault, Trigger::Action(key("x")));
    let sink = RecordingSink::default();
    let mut session = Session::new(&mut game, &sink, settings(1), CancellationToken::new());
    session.start().await.unwrap();
    for _ in 0..3 {
        session.perform(&key("x")).await.unwrap();
        session.perform(&Action::WaitMs(100)).await.unwrap();
    }
    assert_eq!(sink.findings().len(), 1);
    let fingerprint = sink.findings()[0].fingerprint.clone();
    assert_eq!(session.occurrences(&fingerprint), 3);
    assert_eq!(session.run_trace().findings[0].count, 3);
}

#[tokio::test(start_paused = true)]
async fn a_crash_ends_a_session_that_may_not_restart() {
    let mut game = game_with(Fault::Crash, Trigger::Action(key("x")));
    let sink = RecordingSink::default();
    let no_restart = playtest_agent::SessionSettings {
        when_stuck: playtest_agent::WhenStuck::End,
        ..settings(1)
    };
    let mut session = Session::new(&mut game, &sink, no_restart, CancellationToken::new());
    session.start().await.unwrap();
    assert!(matches!(
        session.perform(&key("x")).await,
        Err(AgentError::GameGone(_))
    ));
    assert!(matches!(
        session.perform(&key("Enter")).await,
        Err(AgentError::GameGone(_))
    ));
    assert_eq!(sink.findings().len(), 1);
    assert_eq!(session.counters().restarts, 0);
}

#[tokio::test(start_paused = true)]
async fn a_stopped_session_refuses_further_actions() {
    let mut game = FakeGame::clean();
    let sink = RecordingSink::default();
    let stop = CancellationToken::new();
    let mut session = Session::new(&mut game, &sink, settings(1), stop.clone());
    session.start().await.unwrap();
    stop.cancel();
    assert!(matches!(
        session.perform(&key("Enter")).await,
        Err(AgentError::Stopped)
    ));
}
