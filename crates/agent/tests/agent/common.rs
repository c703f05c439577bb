//! Helpers shared by the tests: sessions and agents over the fake game.

use playtest_agent::fake::{FakeConfig, FakeGame, Fault, Trigger};
use playtest_agent::{
    ExplorationReport, Explorer, ExplorerSettings, Finding, RandomAgent, RecordingSink, RunTrace,
    Session, SessionSettings,
};
use tokio_util::sync::CancellationToken;

pub fn settings(seed: u64) -> SessionSettings {
    SessionSettings {
        seed,
        ..SessionSettings::default()
    }
}

pub fn game_with(fault: Fault, trigger: Trigger) -> FakeGame {
    FakeGame::new(FakeConfig::default().with_fault(fault, trigger))
}

pub struct Explored {
    pub report: ExplorationReport,
    pub trace: RunTrace,
    pub findings: Vec<Finding>,
    pub logs: Vec<String>,
}

impl Explored {
    pub fn only(&self, detector: &str) -> &Finding {
        let found: Vec<&Finding> = self
            .findings
            .iter()
            .filter(|f| f.detector == detector)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "one {detector} finding expected, all: {:?}",
            titles(&self.findings)
        );
        found[0]
    }
}

pub async fn explore(game: &mut FakeGame, seed: u64, max_actions: u64) -> Explored {
    let sink = RecordingSink::default();
    let mut session = Session::new(game, &sink, settings(seed), CancellationToken::new());
    let mut explorer = Explorer::new(
        ExplorerSettings {
            max_actions,
            ..ExplorerSettings::default()
        },
        &mut session,
    );
    let report = explorer
        .run(&mut session)
        .await
        .expect("the exploration runs");
    let trace = session.run_trace();
    drop(session);
    Explored {
        report,
        trace,
        findings: sink.findings(),
        logs: sink.logs(),
    }
}

pub async fn play_randomly(game: &mut FakeGame, seed: u64, max_actions: u64) -> Explored {
    let sink = RecordingSink::default();
    let mut session = Session::new(game, &sink, settings(seed), CancellationToken::new());
    let mut agent = RandomAgent::new(max_actions, Default::default(), &mut session);
    let report = agent.run(&mut session).await.expect("the random run runs");
    let trace = session.run_trace();
    drop(session);
    Explored {
        report,
        trace,
        findings: sink.findings(),
        logs: sink.logs(),
    }
}

pub fn titles(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| format!("{}: {}", f.detector, f.title))
        .collect()
}
