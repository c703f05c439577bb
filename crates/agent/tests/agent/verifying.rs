//! The scripted agent: steps, checks with clear reports, and the verdict.

use std::time::Duration;

use playtest_agent::fake::{FakeGame, Fault, Trigger};
use playtest_agent::{
    Driver, Frame, RecordingSink, References, ScriptedSettings, StepPhase, VerificationRun,
    reference_image, verify,
};
use playtest_types::{
    Action, DomText, ExpectedResult, ScreenSimilar, StepResult, TestPlayer, TestSpec, TestStep,
    TestType,
};
use tokio_util::sync::CancellationToken;

use crate::common::{game_with, settings};

fn key(name: &str) -> Action {
    Action::Key(name.into())
}

fn step(goal: &str, actions: Vec<Action>, expected_results: Vec<ExpectedResult>) -> TestStep {
    TestStep {
        goal: goal.into(),
        finish_condition: String::new(),
        actions,
        expected_results,
    }
}

fn dom_text(selector: &str, contains: &str) -> ExpectedResult {
    ExpectedResult::DomText(DomText {
        selector: selector.into(),
        contains: contains.into(),
    })
}

fn spec(players: Vec<Vec<TestStep>>) -> TestSpec {
    TestSpec {
        name: "coins".into(),
        test_type: TestType::Verification,
        description: String::new(),
        min_seconds: None,
        max_seconds: None,
        tags: Vec::new(),
        players: players
            .into_iter()
            .enumerate()
            .map(|(i, steps)| TestPlayer {
                name: format!("player {i}"),
                steps,
            })
            .collect(),
        discovery: None,
        game_loop: None,
    }
}

async fn run(
    game: &mut FakeGame,
    spec: &TestSpec,
    references: &References,
) -> (VerificationRun, RecordingSink) {
    let sink = RecordingSink::default();
    let run = verify(
        game,
        &sink,
        spec,
        references,
        settings(1),
        ScriptedSettings::default(),
        CancellationToken::new(),
    )
    .await
    .expect("the verification runs");
    (run, sink)
}

/// The board area of the screen after some actions on a fresh fake game.
async fn board_picture(actions: &[Action]) -> Frame {
    let mut game = FakeGame::clean();
    for action in actions {
        game.act(action).await.unwrap();
    }
    let frame = game.observe().await.unwrap().frame;
    let [x, y, w, h] = [20usize, 32, 120, 80];
    let mut rgb = Vec::new();
    for row in y..y + h {
        let start = (row * frame.width as usize + x) * 3;
        rgb.extend_from_slice(&frame.rgb[start..start + w * 3]);
    }
    reference_image(w as u32, h as u32, rgb).unwrap()
}

#[tokio::test(start_paused = true)]
async fn steps_whose_checks_hold_make_a_successful_verification() {
    let first_coin = vec![
        key("ArrowDown"),
        key("ArrowDown"),
        key("ArrowDown"),
        key("ArrowRight"),
    ];
    let references = References::from([(
        "one-coin".to_string(),
        board_picture(&[vec![key("Enter")], first_coin.clone()].concat()).await,
    )]);
    let spec = spec(vec![vec![
        step(
            "Start the game",
            vec![Action::ClickSelector("#play".into())],
            vec![
                ExpectedResult::Js("game.screen === 'play'".into()),
                dom_text("#score", "Score: 0"),
            ],
        ),
        step(
            "Collect the first coin",
            first_coin,
            vec![
                dom_text("#score", "Score: 1"),
                ExpectedResult::Js("game.score >= 1".into()),
                ExpectedResult::NoErrors(true),
                ExpectedResult::ScreenSimilar(ScreenSimilar {
                    asset: "one-coin".into(),
                    region: Some([20, 32, 120, 80]),
                    min_similarity: 0.95,
                }),
            ],
        ),
    ]]);
    let (run, sink) = run(&mut FakeGame::clean(), &spec, &references).await;
    assert!(run.outcome.success, "{:#?}", run.outcome.steps);
    assert_eq!(run.outcome.steps.len(), 2);
    assert!(
        run.outcome.steps[1]
            .report
            .contains("ok: #score contains 'Score: 1'")
    );
    assert!(
        run.outcome.steps[1]
            .report
            .contains("looks like 'one-coin'")
    );
    let phases: Vec<StepPhase> = sink.steps().into_iter().map(|s| s.phase).collect();
    assert!(matches!(phases[0], StepPhase::Started { .. }));
    assert!(matches!(
        phases[3],
        StepPhase::Ended {
            result: StepResult::Success,
            ..
        }
    ));
}

#[tokio::test(start_paused = true)]
async fn a_failing_check_fails_its_step_with_what_was_found_and_the_next_step_still_runs() {
    let spec = spec(vec![vec![
        step(
            "Start",
            vec![key("Enter")],
            vec![dom_text("#score", "Score: 2048")],
        ),
        step(
            "Pause",
            vec![key("Escape")],
            vec![ExpectedResult::Js("game.screen === 'paused'".into())],
        ),
    ]]);
    let started = tokio::time::Instant::now();
    let (run, _) = run(&mut FakeGame::clean(), &spec, &References::new()).await;
    assert!(!run.outcome.success);
    assert_eq!(run.outcome.steps[0].result, StepResult::Failure);
    assert!(
        run.outcome.steps[0]
            .report
            .contains("FAILED: expected #score to contain 'Score: 2048', found 'Score: 0'"),
        "{}",
        run.outcome.steps[0].report
    );
    assert_eq!(run.outcome.steps[1].result, StepResult::Success);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "the failing check was retried for a while"
    );
}

#[tokio::test(start_paused = true)]
async fn a_screen_unlike_its_reference_fails_with_the_measured_similarity() {
    let references = References::from([("title".to_string(), board_picture(&[]).await)]);
    let spec = spec(vec![vec![step(
        "Start",
        vec![key("Enter")],
        vec![ExpectedResult::ScreenSimilar(ScreenSimilar {
            asset: "title".into(),
            region: Some([20, 32, 120, 80]),
            min_similarity: 0.95,
        })],
    )]]);
    let (run, _) = run(&mut FakeGame::clean(), &spec, &references).await;
    let report = &run.outcome.steps[0].report;
    assert!(report.contains("expected the region [20, 32, 120, 80] to look like 'title' (similarity ≥ 0.95), measured 0."), "{report}");
}

#[tokio::test(start_paused = true)]
async fn an_error_during_a_step_fails_its_no_errors_check() {
    let fault = Fault::Throw {
        message: "boom".into(),
        unhandled_rejection: false,
    };
    let mut game = game_with(fault, Trigger::Action(key("x")));
    let spec = spec(vec![vec![
        step(
            "Quiet",
            vec![key("Enter")],
            vec![ExpectedResult::NoErrors(true)],
        ),
        step(
            "Noisy",
            vec![key("x")],
            vec![ExpectedResult::NoErrors(true)],
        ),
    ]]);
    let (run, sink) = run(&mut game, &spec, &References::new()).await;
    assert_eq!(run.outcome.steps[0].result, StepResult::Success);
    assert_eq!(run.outcome.steps[1].result, StepResult::Failure);
    assert!(
        run.outcome.steps[1]
            .report
            .contains("expected no errors, found 1")
    );
    assert_eq!(sink.findings()[0].test_step, Some(2));
}

#[tokio::test(start_paused = true)]
async fn an_action_that_cannot_be_performed_fails_the_step() {
    let spec = spec(vec![vec![step(
        "Resume",
        vec![Action::ClickSelector("#resume".into())],
        vec![],
    )]]);
    let (run, _) = run(&mut FakeGame::clean(), &spec, &References::new()).await;
    assert_eq!(run.outcome.steps[0].result, StepResult::Failure);
    assert_eq!(
        run.outcome.steps[0].report,
        "action 1 (Click the element matching `#resume`) could not be performed: no element matches `#resume`"
    );
}

#[tokio::test(start_paused = true)]
async fn after_a_crash_the_remaining_steps_are_not_run() {
    let mut game = game_with(Fault::Crash, Trigger::Action(key("x")));
    let spec = spec(vec![vec![
        step("Crash", vec![key("x")], vec![]),
        step("Play", vec![key("Enter")], vec![]),
    ]]);
    let (run, sink) = run(&mut game, &spec, &References::new()).await;
    assert!(!run.outcome.success);
    assert!(
        run.outcome.steps[0].report.starts_with("the game is gone"),
        "{}",
        run.outcome.steps[0].report
    );
    assert!(
        run.outcome.steps[1]
            .report
            .starts_with("not run: the game is gone")
    );
    assert_eq!(sink.findings()[0].detector, "crash");
}

#[tokio::test(start_paused = true)]
async fn players_beyond_the_first_are_reported_as_not_run() {
    let spec = spec(vec![
        vec![step("Start", vec![key("Enter")], vec![])],
        vec![
            step("Other", vec![key("Enter")], vec![]),
            step("Again", vec![], vec![]),
        ],
    ]);
    let (run, sink) = run(&mut FakeGame::clean(), &spec, &References::new()).await;
    assert!(run.outcome.success);
    assert_eq!(run.outcome.players_not_run, 1);
    let not_run: Vec<_> = sink
        .steps()
        .into_iter()
        .filter(|s| s.player_number == 1)
        .collect();
    assert_eq!(not_run.len(), 2);
    assert!(matches!(&not_run[0].phase, StepPhase::NotRun { .. }));
}

#[tokio::test(start_paused = true)]
async fn checks_wait_for_a_condition_that_comes_true_soon() {
    let spec = spec(vec![vec![step(
        "Let the game run",
        vec![key("Enter")],
        vec![ExpectedResult::Js("game.frames >= 150".into())],
    )]]);
    let (run, _) = run(&mut FakeGame::clean(), &spec, &References::new()).await;
    assert!(run.outcome.success, "{:?}", run.outcome.steps);
    let waited = run
        .trace
        .entries
        .iter()
        .filter(|e| serde_json::to_value(e).unwrap()["action"].is_object())
        .count();
    assert_eq!(waited, 1, "waiting for the check performs no action");
}
