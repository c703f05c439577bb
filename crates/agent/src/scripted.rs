//! The scripted agent of `verification` tests: each step's actions, then
//! its expected results, reported step by step.
//!
//! Only the first player is played; the steps of the others are reported
//! as not run (and do not change the verdict). A step fails when an action
//! cannot be performed or a check fails; checks are retried for up to
//! `check_timeout`, since games animate. The following steps still run,
//! unless the game is gone: they are then reported as not run and failed.
//! The verdict is success when every step played succeeded.

use std::time::Duration;

use playtest_types::{StepResult, TestSpec, TestStep};
use serde::Serialize;
use tokio::time::Instant;

use crate::checks::{CheckOutcome, References, check};
use crate::describe::describe_action;
use crate::driver::Frame;
use crate::error::AgentError;
use crate::screen_text::ScreenReader;
use crate::session::Session;
use crate::sink::{StepPhase, StepUpdate};

#[derive(Debug, Clone, PartialEq)]
pub struct ScriptedSettings {
    /// How long checks are retried before the step fails.
    pub check_timeout: Duration,
    /// Between two tries of the checks.
    pub check_interval: Duration,
}

impl Default for ScriptedSettings {
    fn default() -> Self {
        Self {
            check_timeout: Duration::from_secs(2),
            check_interval: Duration::from_millis(200),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepOutcome {
    /// From 1.
    pub step_number: i32,
    pub result: StepResult,
    pub report: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerificationOutcome {
    /// The first player's steps, in order.
    pub steps: Vec<StepOutcome>,
    /// Every step played succeeded.
    pub success: bool,
    /// Players beyond the first, reported as not run.
    pub players_not_run: usize,
}

/// Plays the first player's steps of `spec`. `Err` only when the run was
/// stopped or ran out of time (the steps reported so far stand) or the
/// driver itself failed.
pub async fn run_verification(
    session: &mut Session<'_>,
    spec: &TestSpec,
    references: &References,
    settings: &ScriptedSettings,
) -> Result<VerificationOutcome, AgentError> {
    for (player_number, player) in spec.players.iter().enumerate().skip(1) {
        for step_number in 1..=player.steps.len() {
            session.sink().step(StepUpdate {
                player_number: player_number as i32,
                step_number: step_number as i32,
                phase: StepPhase::NotRun {
                    reason: "only the first player is played".into(),
                },
            });
        }
    }
    let steps: &[TestStep] = spec.players.first().map_or(&[], |p| p.steps.as_slice());
    let mut gone = match session.start().await {
        Ok(()) => None,
        Err(AgentError::GameGone(reason)) => Some(reason),
        Err(other) => return Err(other),
    };
    let mut outcomes = Vec::new();
    // One for the run: a screen that did not change is not read again.
    let mut reader = ScreenReader::new(session.settings().ocr.clone());
    for (index, step) in steps.iter().enumerate() {
        let step_number = index as i32 + 1;
        if let Some(reason) = &gone {
            let reason = format!("not run: the game is gone ({reason})");
            session.sink().step(StepUpdate {
                player_number: 0,
                step_number,
                phase: StepPhase::NotRun {
                    reason: reason.clone(),
                },
            });
            outcomes.push(StepOutcome {
                step_number,
                result: StepResult::Failure,
                report: reason,
            });
            continue;
        }
        session.sink().step(StepUpdate {
            player_number: 0,
            step_number,
            phase: StepPhase::Started {
                goal: step.goal.clone(),
            },
        });
        session.set_test_step(Some(step_number));
        session.log(format!("Step {step_number}: {}", step.goal));
        let (result, report) =
            match play_step(session, step, references, settings, &mut reader).await {
                Ok(done) => done,
                Err(AgentError::GameGone(reason)) => {
                    let report = format!("the game is gone: {reason}");
                    gone = Some(reason);
                    (StepResult::Failure, report)
                }
                Err(other) => return Err(other),
            };
        session.log(format!(
            "Step {step_number} {}.",
            if result == StepResult::Success {
                "succeeded"
            } else {
                "failed"
            }
        ));
        session.sink().step(StepUpdate {
            player_number: 0,
            step_number,
            phase: StepPhase::Ended {
                result,
                report: report.clone(),
                screenshot: session.last_frame().and_then(Frame::to_image),
            },
        });
        outcomes.push(StepOutcome {
            step_number,
            result,
            report,
        });
    }
    session.set_test_step(None);
    Ok(VerificationOutcome {
        success: outcomes.iter().all(|o| o.result == StepResult::Success),
        steps: outcomes,
        players_not_run: spec.players.len().saturating_sub(1),
    })
}

async fn play_step(
    session: &mut Session<'_>,
    step: &TestStep,
    references: &References,
    settings: &ScriptedSettings,
    reader: &mut ScreenReader,
) -> Result<(StepResult, String), AgentError> {
    let errors_mark = session.error_mark();
    for (index, action) in step.actions.iter().enumerate() {
        match session.perform(action).await {
            Ok(_) => {}
            Err(AgentError::BadAction(reason)) => {
                return Ok((
                    StepResult::Failure,
                    format!(
                        "action {} ({}) could not be performed: {reason}",
                        index + 1,
                        describe_action(action)
                    ),
                ));
            }
            Err(other) => return Err(other),
        }
    }
    let mut lines = vec![format!("Performed {} action(s).", step.actions.len())];
    if step.expected_results.is_empty() {
        return Ok((StepResult::Success, lines.remove(0)));
    }
    let deadline = Instant::now() + settings.check_timeout;
    let outcomes = loop {
        let mut outcomes = Vec::new();
        for expected in &step.expected_results {
            outcomes.push(check(session, expected, references, errors_mark, reader).await?);
        }
        if outcomes.iter().all(CheckOutcome::passed) || Instant::now() >= deadline {
            break outcomes;
        }
        session.wait_and_observe(settings.check_interval).await?;
    };
    let success = outcomes.iter().all(CheckOutcome::passed);
    lines.extend(outcomes.iter().map(|o| {
        format!(
            "{} {}",
            if o.passed() { "ok:" } else { "FAILED:" },
            o.text()
        )
    }));
    let result = if success {
        StepResult::Success
    } else {
        StepResult::Failure
    };
    Ok((result, lines.join("\n")))
}
