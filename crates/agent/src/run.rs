//! Entry points for the worker: one call per kind of run, each with the
//! settings that kind needs and what it should keep as artifacts.

use playtest_types::TestSpec;
use tokio_util::sync::CancellationToken;

use crate::action_space::ActionSpaceSettings;
use crate::checks::References;
use crate::driver::Driver;
use crate::error::AgentError;
use crate::explorer::{ExplorationReport, Explorer, ExplorerSettings};
use crate::random::RandomAgent;
use crate::scripted::{ScriptedSettings, VerificationOutcome, run_verification};
use crate::session::{Session, SessionSettings, WhenStuck};
use crate::sink::Sink;
use crate::trace::RunTrace;

/// What a discovery (or random) run leaves: its report (with
/// `state-graph.json` as `report.state_graph`) and `trace.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveryRun {
    pub report: ExplorationReport,
    pub trace: RunTrace,
}

/// What a verification run leaves.
#[derive(Debug, Clone, PartialEq)]
pub struct VerificationRun {
    pub outcome: VerificationOutcome,
    pub trace: RunTrace,
}

/// Explores the game (already launched by the driver) until
/// `explorer.max_actions`, `session.max_duration`, or `stop`. Findings
/// and log lines go to `sink` as they happen.
pub async fn discover(
    driver: &mut dyn Driver,
    sink: &dyn Sink,
    session: SessionSettings,
    explorer: ExplorerSettings,
    stop: CancellationToken,
) -> Result<DiscoveryRun, AgentError> {
    let mut session = Session::new(driver, sink, session, stop);
    let mut agent = Explorer::new(explorer, &mut session);
    let report = agent.run(&mut session).await?;
    Ok(DiscoveryRun {
        report,
        trace: session.run_trace(),
    })
}

/// The random baseline, with the same loop and accounting as [`discover`].
pub async fn play_randomly(
    driver: &mut dyn Driver,
    sink: &dyn Sink,
    session: SessionSettings,
    max_actions: u64,
    space: ActionSpaceSettings,
    stop: CancellationToken,
) -> Result<DiscoveryRun, AgentError> {
    let mut session = Session::new(driver, sink, session, stop);
    let mut agent = RandomAgent::new(max_actions, space, &mut session);
    let report = agent.run(&mut session).await?;
    Ok(DiscoveryRun {
        report,
        trace: session.run_trace(),
    })
}

/// Plays a verification test's steps; step updates, findings and log lines
/// go to `sink`. The game is never restarted: a game that vanishes fails
/// the step it vanished in and the ones after it. `Err(Stopped)` or
/// `Err(DeadlineReached)` when the run was cut short.
pub async fn verify(
    driver: &mut dyn Driver,
    sink: &dyn Sink,
    spec: &TestSpec,
    references: &References,
    session: SessionSettings,
    scripted: ScriptedSettings,
    stop: CancellationToken,
) -> Result<VerificationRun, AgentError> {
    let settings = SessionSettings {
        when_stuck: WhenStuck::End,
        ..session
    };
    let mut session = Session::new(driver, sink, settings, stop);
    let outcome = run_verification(&mut session, spec, references, &scripted).await?;
    Ok(VerificationRun {
        outcome,
        trace: session.run_trace(),
    })
}
