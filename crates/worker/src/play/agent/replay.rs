//! A bug's replay (its trace played again from a fresh start with its
//! seed: the run succeeds when the same fingerprint shows) or minimisation
//! (the trace shortened by delta debugging, reported as a bug that
//! `minimizes` the original, whose steps the server then replaces).

use playtest_agent::{
    Driver, MinimizeSettings, ReplaySettings, SessionSettings, Sink, minimize, replay,
};
use playtest_types::{ReplaySpec, RunOutcome};

use super::ended_early;
use super::sink::ReportSink;
use crate::play::{Play, Played};

/// A bug's replay or minimisation.
pub(super) async fn replay_bug(
    play: &Play<'_>,
    driver: &mut dyn Driver,
    sink: &ReportSink<'_>,
    spec: &ReplaySpec,
    session: SessionSettings,
) -> Played {
    let replay_settings = ReplaySettings {
        session,
        ..ReplaySettings::default()
    };
    if spec.minimize {
        let settings = MinimizeSettings {
            replay: replay_settings,
            max_duration: play.max_duration,
            ..MinimizeSettings::default()
        };
        let outcome = match minimize(
            driver,
            sink,
            &spec.trace,
            &spec.fingerprint,
            &settings,
            &play.stop,
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(err) => return ended_early(err, "the minimisation"),
        };
        let summary = format!(
            "trace {} -> {} actions after {} replays",
            spec.trace.actions.len(),
            outcome.trace.actions.len(),
            outcome.replays
        );
        sink.log(format!("Minimisation done: {summary}."));
        if !outcome.reproduced {
            return Played {
                outcome: RunOutcome::Failed,
                reason: Some("the bug did not appear again: nothing to minimise".into()),
                artifacts: vec![],
            };
        }
        if let Some(mut finding) = outcome.finding {
            finding.reproduction_steps = playtest_agent::describe::reproduction_steps(
                outcome.trace.seed,
                &outcome.trace.actions,
            );
            finding.trace = outcome.trace;
            sink.report_minimized(&spec.occurrence_id, finding);
        }
        return Played {
            outcome: RunOutcome::Success,
            reason: None,
            artifacts: vec![],
        };
    }
    match replay(
        driver,
        sink,
        &spec.trace,
        &spec.fingerprint,
        &replay_settings,
        &play.stop,
    )
    .await
    {
        Ok(outcome) if outcome.reproduced => {
            sink.log(format!(
                "The bug appeared again after {} of {} actions.",
                outcome.at_action.unwrap_or_default(),
                spec.trace.actions.len()
            ));
            if let Some(finding) = outcome.finding {
                sink.finding(finding);
            }
            Played {
                outcome: RunOutcome::Success,
                reason: None,
                artifacts: vec![],
            }
        }
        Ok(outcome) => {
            for finding in outcome.other_findings {
                sink.finding(finding);
            }
            Played {
                outcome: RunOutcome::Failed,
                reason: Some(format!(
                    "the bug ({}) did not appear in a replay of its {} actions",
                    spec.fingerprint,
                    spec.trace.actions.len()
                )),
                artifacts: vec![],
            }
        }
        Err(err) => ended_early(err, "the replay"),
    }
}
