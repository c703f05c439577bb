//! A discovery test: the explorer (or random actions, when the test asks)
//! roams the game until its time or action budget is spent; the run leaves
//! its coverage, state graph and trace.

use std::path::Path;

use playtest_agent::{
    DiscoveryRun, Driver, ExplorerSettings, SessionSettings, Sink, discover, play_randomly,
};
use playtest_types::{DiscoveryStrategy, RunOutcome};
use serde::Serialize;

use super::sink::ReportSink;
use super::{ended_early, write_json};
use crate::play::{Play, Played};

/// A discovery test: the explorer, or random actions when the test asks.
pub(super) async fn discover_bugs(
    play: &Play<'_>,
    driver: &mut dyn Driver,
    sink: &ReportSink<'_>,
    evidence: &Path,
    settings: SessionSettings,
) -> Played {
    let discovery = play.job.test.discovery.clone().unwrap_or_default();
    let strategy = discovery.strategy.unwrap_or_default();
    let max_actions = discovery.max_actions.map_or(u64::MAX, u64::from);
    let explorer = ExplorerSettings {
        max_actions,
        ..ExplorerSettings::default()
    };
    let seed = settings.seed;
    let started = std::time::Instant::now();
    let run = match strategy {
        DiscoveryStrategy::Explorer => {
            discover(driver, sink, settings, explorer.clone(), play.stop.clone()).await
        }
        DiscoveryStrategy::Random => {
            play_randomly(
                driver,
                sink,
                settings,
                max_actions,
                explorer.space.clone(),
                play.stop.clone(),
            )
            .await
        }
    };
    let run: DiscoveryRun = match run {
        Ok(run) => run,
        Err(err) => return ended_early(err, "the exploration"),
    };
    let seconds = started.elapsed().as_secs_f64();
    let coverage = Coverage {
        strategy,
        seed,
        distinct_cells: run.report.coverage.distinct_cells,
        transitions: run.report.coverage.transitions,
        actions: run.report.coverage.actions,
        restarts: run.report.coverage.restarts,
        moves: run.report.moves,
        seconds: (seconds * 10.0).round() / 10.0,
        findings: sink.finding_count(),
    };
    sink_summary(sink, &coverage);
    let artifacts = [
        write_json(evidence, "coverage.json", &coverage),
        write_json(evidence, "state-graph.json", &run.report.state_graph),
        write_json(evidence, "trace.json", &run.trace),
    ];
    let critical = sink.critical_titles();
    let stopped = matches!(run.report.ended, playtest_agent::RunEnd::Stopped);
    Played {
        outcome: if stopped {
            RunOutcome::Stopped
        } else if critical.is_empty() {
            RunOutcome::Success
        } else {
            RunOutcome::Failed
        },
        reason: if stopped {
            Some("the run was stopped".into())
        } else {
            (!critical.is_empty()).then(|| format!("critical: {}", critical.join("; ")))
        },
        artifacts: artifacts.into_iter().flatten().collect(),
    }
}

/// What a discovery run covered: `coverage.json`.
#[derive(Debug, Serialize)]
struct Coverage {
    strategy: DiscoveryStrategy,
    seed: u64,
    distinct_cells: usize,
    transitions: usize,
    actions: u64,
    restarts: u32,
    moves: u64,
    seconds: f64,
    findings: usize,
}

fn sink_summary(sink: &ReportSink<'_>, coverage: &Coverage) {
    sink.log(format!(
        "Explored {} distinct screens through {} transitions in {} actions ({} restarts, {:.0} s); {} bugs.",
        coverage.distinct_cells,
        coverage.transitions,
        coverage.actions,
        coverage.restarts,
        coverage.seconds,
        coverage.findings
    ));
}
