//! The text a page shows, and `text_visible` checks on it played by the
//! scripted agent through the real driver.

use std::time::Duration;

use playtest_agent::{
    Driver, NullSink, References, ScriptedSettings, SessionSettings, StepOutcome, verify,
};
use playtest_types::{
    Action, ExpectedResult, StepResult, TestPlayer, TestSpec, TestStep, TestType,
};
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

fn enter() -> Action {
    Action::Key("Enter".into())
}

fn shows(text: &str) -> ExpectedResult {
    ExpectedResult::TextVisible(text.into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_visible_text_is_the_page_as_shown_without_its_hidden_elements() {
    let mut driver = launch("message").await;
    let before = driver.visible_text().await.unwrap().expect("a document");
    assert!(before.contains("Score: 0"), "{before}");
    assert!(before.contains("New Game"), "{before}");
    assert!(
        !before.contains("OVER"),
        "hidden text is not shown: {before}"
    );
    driver.act(&enter()).await.unwrap();
    until_true(&mut driver, "document.body.innerText.includes('OVER')").await;
    let after = driver.visible_text().await.unwrap().expect("a document");
    assert!(after.contains("Game\nOVER!"), "{after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_visible_passes_for_text_shown_and_fails_saying_what_was_shown() {
    let mut driver = launch("message").await;
    let step = |goal: &str, actions, expected_results| TestStep {
        goal: goal.into(),
        finish_condition: String::new(),
        actions,
        expected_results,
    };
    let spec = TestSpec {
        name: "lose".into(),
        test_type: TestType::Verification,
        description: String::new(),
        min_seconds: None,
        max_seconds: None,
        tags: Vec::new(),
        players: vec![TestPlayer {
            name: "player".into(),
            steps: vec![
                step("Look", vec![], vec![shows("score: 0"), shows("Game over")]),
                step("Lose", vec![enter()], vec![shows("game   over!")]),
            ],
        }],
        discovery: None,
        game_loop: None,
    };
    let scripted = ScriptedSettings {
        check_timeout: Duration::from_millis(300),
        ..ScriptedSettings::default()
    };
    let run = verify(
        &mut driver,
        &NullSink,
        &spec,
        &References::new(),
        SessionSettings::default(),
        scripted,
        CancellationToken::new(),
    )
    .await
    .expect("the verification runs");
    let [look, lose]: &[StepOutcome; 2] = run.outcome.steps[..].try_into().unwrap();
    assert_eq!(look.result, StepResult::Failure, "{}", look.report);
    assert!(
        look.report
            .contains("ok: the screen shows 'score: 0' (the document's text)"),
        "{}",
        look.report
    );
    assert!(
        look.report.contains(
            "FAILED: expected the screen to show 'Game over', it shows 'Score: 0 New Game' (the document's text)"
        ),
        "{}",
        look.report
    );
    assert_eq!(lose.result, StepResult::Success, "{}", lose.report);
}
