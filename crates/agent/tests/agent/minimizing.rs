//! Delta debugging shortens a bug's trace to what it needs.

use playtest_agent::fake::{Fault, Trigger};
use playtest_agent::{MinimizeSettings, NullSink, ReplaySettings, minimize, replay};
use playtest_types::{Action, BugTrace};
use tokio_util::sync::CancellationToken;

use crate::common::game_with;

fn key(name: &str) -> Action {
    Action::Key(name.into())
}

/// 60 actions of noise with `x`, a click at (5, 5) and `z` buried in it.
fn noisy_trace() -> Vec<Action> {
    let noise = [
        key("Enter"),
        key("ArrowDown"),
        Action::WaitMs(120),
        key("ArrowRight"),
        Action::Click([80, 60]),
        Action::KeyDown("ArrowUp".into()),
        Action::WaitMs(350),
        Action::KeyUp("ArrowUp".into()),
        key("Escape"),
        key("ArrowLeft"),
    ];
    let mut actions: Vec<Action> = noise.iter().cycle().take(60).cloned().collect();
    actions.insert(47, key("z"));
    actions.insert(23, Action::Click([5, 5]));
    actions.insert(9, key("x"));
    actions
}

#[tokio::test(start_paused = true)]
async fn a_fault_after_three_actions_buried_in_sixty_minimises_to_those_three() {
    let fault = Fault::Throw {
        message: "combo broke the state".into(),
        unhandled_rejection: false,
    };
    let wanted = vec![key("x"), Action::Click([5, 5]), key("z")];
    let mut game = game_with(fault, Trigger::Subsequence(wanted.clone()));
    let trace = BugTrace {
        seed: 5,
        actions: noisy_trace(),
    };
    let stop = CancellationToken::new();
    let found = replay(
        &mut game,
        &NullSink,
        &trace,
        "unknown",
        &ReplaySettings::default(),
        &stop,
    )
    .await
    .unwrap();
    let fingerprint = found.other_findings[0].fingerprint.clone();

    let outcome = minimize(
        &mut game,
        &NullSink,
        &trace,
        &fingerprint,
        &MinimizeSettings::default(),
        &stop,
    )
    .await
    .unwrap();
    assert!(outcome.reproduced && outcome.shortened);
    assert_eq!(outcome.trace.actions, wanted);
    assert_eq!(outcome.trace.seed, 5);
    assert!(
        outcome.replays <= MinimizeSettings::default().max_replays,
        "{} replays",
        outcome.replays
    );
    assert_eq!(outcome.finding.map(|f| f.fingerprint), Some(fingerprint));
}

#[tokio::test(start_paused = true)]
async fn a_trace_that_does_not_reproduce_comes_back_unchanged() {
    let fault = Fault::Throw {
        message: "never".into(),
        unhandled_rejection: false,
    };
    let mut game = game_with(fault, Trigger::Action(key("q")));
    let trace = BugTrace {
        seed: 1,
        actions: vec![key("Enter"), key("ArrowDown")],
    };
    let outcome = minimize(
        &mut game,
        &NullSink,
        &trace,
        "exception:0123456789abcdef",
        &MinimizeSettings::default(),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert!(!outcome.reproduced && !outcome.shortened);
    assert_eq!(outcome.trace, trace);
    assert_eq!(outcome.replays, 1);
}

#[tokio::test(start_paused = true)]
async fn the_replay_budget_bounds_the_search_and_the_result_is_still_verified() {
    let fault = Fault::Throw {
        message: "combo broke the state".into(),
        unhandled_rejection: false,
    };
    let mut game = game_with(
        fault,
        Trigger::Subsequence(vec![key("x"), Action::Click([5, 5]), key("z")]),
    );
    let trace = BugTrace {
        seed: 5,
        actions: noisy_trace(),
    };
    let stop = CancellationToken::new();
    let found = replay(
        &mut game,
        &NullSink,
        &trace,
        "unknown",
        &ReplaySettings::default(),
        &stop,
    )
    .await
    .unwrap();
    let fingerprint = found.other_findings[0].fingerprint.clone();
    let settings = MinimizeSettings {
        max_replays: 6,
        ..MinimizeSettings::default()
    };
    let outcome = minimize(&mut game, &NullSink, &trace, &fingerprint, &settings, &stop)
        .await
        .unwrap();
    assert!(outcome.replays <= 6);
    assert!(outcome.trace.actions.len() < trace.actions.len());
    let check = replay(
        &mut game,
        &NullSink,
        &outcome.trace,
        &fingerprint,
        &ReplaySettings::default(),
        &stop,
    )
    .await
    .unwrap();
    assert!(check.reproduced);
}
