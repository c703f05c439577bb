//! A verification test: the scripted agent plays each step's actions and
//! checks its expected results; the run succeeds when every step passes.

use std::path::Path;

use playtest_agent::{Driver, References, SessionSettings, verify};
use playtest_types::{RunOutcome, StepResult};

use super::sink::ReportSink;
use super::{ended_early, write_json};
use crate::play::{Play, Played};

pub(super) async fn check_steps(
    play: &Play<'_>,
    driver: &mut dyn Driver,
    sink: &ReportSink<'_>,
    references: &References,
    evidence: &Path,
    settings: SessionSettings,
) -> Played {
    let run = verify(
        driver,
        sink,
        &play.job.test,
        references,
        settings,
        Default::default(),
        play.stop.clone(),
    )
    .await;
    let run = match run {
        Ok(run) => run,
        Err(err) => return ended_early(err, "the steps"),
    };
    let trace = write_json(evidence, "trace.json", &run.trace);
    let steps = &run.outcome.steps;
    let failed = steps
        .iter()
        .filter(|s| s.result != StepResult::Success)
        .count();
    Played {
        outcome: if run.outcome.success {
            RunOutcome::Success
        } else {
            RunOutcome::Failed
        },
        reason: (!run.outcome.success).then(|| format!("{failed} of {} steps failed", steps.len())),
        artifacts: trace.into_iter().collect(),
    }
}
