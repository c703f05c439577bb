//! `text_visible` checks: the document's text where the driver has one,
//! OCR of the screen where it has none (a real game's screenshot, read by
//! the real tesseract), and a clear failure when tesseract is missing.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use playtest_agent::fake::{FakeConfig, FakeGame};
use playtest_agent::{
    Affordances, Driver, DriverError, Frame, Observation, RecordingSink, References,
    ScriptedSettings, SessionSettings, StepOutcome, Tesseract, TimingProfile, VerificationRun,
    verify,
};
use playtest_types::{
    Action, ExpectedResult, StepResult, TestPlayer, TestSpec, TestStep, TestType,
};
use tokio_util::sync::CancellationToken;

fn shows(text: &str) -> ExpectedResult {
    ExpectedResult::TextVisible(text.into())
}

fn spec(steps: Vec<(Vec<Action>, Vec<ExpectedResult>)>) -> TestSpec {
    TestSpec {
        name: "text".into(),
        test_type: TestType::Verification,
        description: String::new(),
        min_seconds: None,
        max_seconds: None,
        tags: Vec::new(),
        players: vec![TestPlayer {
            name: "player".into(),
            steps: steps
                .into_iter()
                .enumerate()
                .map(|(i, (actions, expected_results))| TestStep {
                    goal: format!("step {i}"),
                    finish_condition: String::new(),
                    actions,
                    expected_results,
                })
                .collect(),
        }],
        discovery: None,
        game_loop: None,
    }
}

async fn run(driver: &mut dyn Driver, spec: &TestSpec, ocr: Tesseract) -> VerificationRun {
    verify(
        driver,
        &RecordingSink::default(),
        spec,
        &References::new(),
        SessionSettings {
            ocr,
            ..SessionSettings::default()
        },
        ScriptedSettings {
            check_timeout: Duration::from_millis(200),
            ..ScriptedSettings::default()
        },
        CancellationToken::new(),
    )
    .await
    .expect("the verification runs")
}

fn steps(run: &VerificationRun) -> &[StepOutcome] {
    &run.outcome.steps
}

#[tokio::test(start_paused = true)]
async fn text_visible_reads_the_document_where_the_driver_has_one() {
    let spec = spec(vec![
        (vec![], vec![shows("SCORE:   0")]),
        (vec![], vec![shows("Game over")]),
    ]);
    let mut game = FakeGame::clean();
    let run = run(&mut game, &spec, Tesseract::new("/nonexistent/tesseract")).await;
    let [found, missing] = steps(&run) else {
        panic!("two steps")
    };
    assert_eq!(found.result, StepResult::Success, "{}", found.report);
    assert!(
        found
            .report
            .contains("ok: the screen shows 'SCORE:   0' (the document's text)"),
        "{}",
        found.report
    );
    assert_eq!(missing.result, StepResult::Failure);
    assert!(
        missing.report.contains(
            "FAILED: expected the screen to show 'Game over', it shows 'Score: 0 title' (the document's text)"
        ),
        "{}",
        missing.report
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_document_a_missing_tesseract_fails_the_check_saying_what_to_install() {
    let spec = spec(vec![(vec![], vec![shows("Game over")])]);
    let mut game = FakeGame::new(FakeConfig {
        dom: false,
        ..FakeConfig::default()
    });
    let run = run(&mut game, &spec, Tesseract::new("/nonexistent/tesseract")).await;
    let [step] = steps(&run) else {
        panic!("one step")
    };
    assert_eq!(step.result, StepResult::Failure);
    assert!(
        step.report.contains(
            "could not read the screen's text: no tesseract at /nonexistent/tesseract: install Debian's tesseract-ocr"
        ),
        "{}",
        step.report
    );
}

/// A game that shows one picture and has no document, as a native game.
struct StillScreen {
    frame: Frame,
}

#[async_trait]
impl Driver for StillScreen {
    fn viewport(&self) -> (u32, u32) {
        (self.frame.width, self.frame.height)
    }

    fn timing(&self) -> TimingProfile {
        TimingProfile {
            settle: Duration::from_millis(1),
            idle_observations: 1,
            idle_interval: Duration::from_millis(1),
            ..TimingProfile::default()
        }
    }

    async fn act(&mut self, _action: &Action) -> Result<(), DriverError> {
        Ok(())
    }

    async fn observe(&mut self) -> Result<Observation, DriverError> {
        Ok(Observation {
            at: Duration::ZERO,
            video_offset: None,
            frame: self.frame.clone(),
            dom_digest: None,
            events: Vec::new(),
            frames_drawn: 0,
            frame_intervals_ms: Vec::new(),
        })
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        Ok(())
    }

    async fn ping(&mut self, _timeout: Duration) -> Result<Option<Duration>, DriverError> {
        Ok(Some(Duration::ZERO))
    }

    async fn affordances(&mut self) -> Result<Affordances, DriverError> {
        Ok(Affordances::default())
    }

    async fn evaluate(&mut self, _expression: &str) -> Result<serde_json::Value, DriverError> {
        Err(DriverError::Unsupported("scripts"))
    }

    async fn text_of(&mut self, _selector: &str) -> Result<Option<String>, DriverError> {
        Err(DriverError::Unsupported("DOM queries"))
    }
}

/// The real 2048's game-over screen, shot by the web driver (see
/// `crates/ocr/tests/fixtures/README.md`).
fn game_over_screen() -> StillScreen {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ocr/tests/fixtures/2048-game-over.jpg");
    let picture = image::open(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .to_rgb8();
    StillScreen {
        frame: Frame {
            width: picture.width(),
            height: picture.height(),
            rgb: picture.into_raw(),
            encoded: None,
        },
    }
}

// Real time: tesseract is a real process, which paused time would time out.
#[tokio::test]
async fn without_a_document_text_visible_reads_a_real_game_screen_by_ocr() {
    let spec = spec(vec![
        (vec![], vec![shows("game over"), shows("New Game")]),
        (vec![], vec![shows("You win!")]),
    ]);
    let mut screen = game_over_screen();
    let run = run(&mut screen, &spec, Tesseract::default()).await;
    let [over, win] = steps(&run) else {
        panic!("two steps")
    };
    assert_eq!(over.result, StepResult::Success, "{}", over.report);
    assert!(
        over.report
            .contains("ok: the screen shows 'game over' (read by OCR)"),
        "{}",
        over.report
    );
    assert_eq!(win.result, StepResult::Failure);
    assert!(
        win.report
            .contains("FAILED: expected the screen to show 'You win!', it shows '"),
        "{}",
        win.report
    );
    assert!(win.report.contains("(read by OCR)"), "{}", win.report);
}
