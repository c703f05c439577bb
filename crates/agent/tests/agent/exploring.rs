//! The explorer and the random baseline on the fake game.

use std::time::Duration;

use playtest_agent::fake::{FakeConfig, FakeGame};
use playtest_agent::{
    Explorer, ExplorerSettings, RecordingSink, RunEnd, Session, SessionSettings, discover,
};
use tokio_util::sync::CancellationToken;

use crate::common::{explore, play_randomly, settings, titles};

#[tokio::test(start_paused = true)]
async fn a_clean_game_gives_no_findings_in_three_thousand_actions_of_the_explorer() {
    let mut game = FakeGame::clean();
    let explored = explore(&mut game, 7, 3000).await;
    assert!(
        explored.findings.is_empty(),
        "{:?}",
        titles(&explored.findings)
    );
    assert_eq!(explored.report.ended, RunEnd::MaxActions);
    assert!(explored.report.coverage.actions >= 3000);
}

#[tokio::test(start_paused = true)]
async fn a_clean_game_gives_no_findings_in_three_thousand_random_actions() {
    let mut game = FakeGame::clean();
    let explored = play_randomly(&mut game, 11, 3000).await;
    assert!(
        explored.findings.is_empty(),
        "{:?}",
        titles(&explored.findings)
    );
}

#[tokio::test(start_paused = true)]
async fn a_clean_game_that_draws_only_on_change_gives_no_findings_to_either_agent() {
    let config = FakeConfig {
        render_loop: false,
        ..FakeConfig::default()
    };
    let explored = explore(&mut FakeGame::new(config.clone()), 3, 2000).await;
    assert!(
        explored.findings.is_empty(),
        "explorer: {:?}",
        titles(&explored.findings)
    );
    let random = play_randomly(&mut FakeGame::new(config), 3, 2000).await;
    assert!(
        random.findings.is_empty(),
        "random: {:?}",
        titles(&random.findings)
    );
}

#[tokio::test(start_paused = true)]
async fn the_explorer_with_the_same_seed_takes_the_same_actions() {
    let first = explore(&mut FakeGame::clean(), 42, 400).await;
    let second = explore(&mut FakeGame::clean(), 42, 400).await;
    assert_eq!(first.trace, second.trace);
    assert_eq!(first.report, second.report);
    let other = explore(&mut FakeGame::clean(), 43, 400).await;
    assert_ne!(first.trace.entries, other.trace.entries);
}

#[tokio::test(start_paused = true)]
async fn the_explorer_sees_more_screens_than_random_play_in_as_many_actions() {
    let explorer = explore(&mut FakeGame::clean(), 5, 1500).await;
    let random = play_randomly(&mut FakeGame::clean(), 5, 1500).await;
    let (e, r) = (explorer.report.coverage, random.report.coverage);
    assert!(
        e.distinct_cells > r.distinct_cells,
        "explorer {e:?}, random {r:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_state_graph_lists_cells_with_visits_and_moves_with_counts() {
    let explored = explore(&mut FakeGame::clean(), 1, 300).await;
    let graph = serde_json::to_value(&explored.report.state_graph).unwrap();
    let nodes = graph["nodes"].as_array().unwrap();
    let edges = graph["edges"].as_array().unwrap();
    assert_eq!(nodes.len(), explored.report.coverage.distinct_cells);
    assert_eq!(edges.len(), explored.report.coverage.transitions);
    assert!(
        nodes
            .iter()
            .any(|n| n["first_path_len"] == 0 && n["visits"].as_u64() >= Some(1))
    );
    let edge = &edges[0];
    assert!(edge["from"].as_str().unwrap().len() == 16 && edge["count"].as_u64() >= Some(1));
    assert!(edge["action"].is_string() && edge["actions"].is_array());
}

#[tokio::test(start_paused = true)]
async fn a_stop_request_ends_the_exploration_as_stopped() {
    let mut game = FakeGame::clean();
    let sink = RecordingSink::default();
    let stop = CancellationToken::new();
    let mut session = Session::new(&mut game, &sink, settings(1), stop.clone());
    let mut explorer = Explorer::new(
        ExplorerSettings {
            max_actions: 100_000,
            ..ExplorerSettings::default()
        },
        &mut session,
    );
    let stopper = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(20)).await;
        stopper.cancel();
    });
    let report = explorer.run(&mut session).await.unwrap();
    assert_eq!(report.ended, RunEnd::Stopped);
    assert!(report.coverage.actions > 10 && report.coverage.actions < 1000);
}

#[tokio::test(start_paused = true)]
async fn the_deadline_ends_a_discovery_run_with_its_trace() {
    let mut game = FakeGame::clean();
    let sink = RecordingSink::default();
    let session = SessionSettings {
        max_duration: Some(Duration::from_secs(30)),
        ..settings(9)
    };
    let explorer = ExplorerSettings {
        max_actions: 100_000,
        ..ExplorerSettings::default()
    };
    let run = discover(
        &mut game,
        &sink,
        session,
        explorer,
        CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(run.report.ended, RunEnd::Deadline);
    let trace = serde_json::to_value(&run.trace).unwrap();
    assert_eq!(trace["seed"], 9);
    assert_eq!(trace["entries"][0]["restart"], "start");
    assert!(trace["entries"][1]["action"].is_object());
    assert!(trace["entries"][1]["at_ms"].as_u64().unwrap() > 0);
}

/// Distinct screens the explorer (seed 4, 150 actions) sees in `config`
/// when the game lets a session look at most `settle_looks` more times
/// after an input.
async fn screens_seen(mut config: FakeConfig, settle_looks: u32) -> usize {
    config.timing.settle_looks = settle_looks;
    let mut game = FakeGame::new(config);
    let sink = RecordingSink::default();
    let mut session = Session::new(&mut game, &sink, settings(4), CancellationToken::new());
    let mut explorer = Explorer::new(
        ExplorerSettings {
            max_actions: 150,
            ..ExplorerSettings::default()
        },
        &mut session,
    );
    let report = explorer.run(&mut session).await.unwrap();
    report.coverage.distinct_cells
}

#[tokio::test(start_paused = true)]
async fn screens_are_taken_once_the_game_has_finished_animating_a_change() {
    let still = FakeConfig {
        render_loop: false,
        ..FakeConfig::default()
    };
    let animated = FakeConfig {
        animation: Some(Duration::from_millis(250)),
        ..still.clone()
    };
    let plain = screens_seen(still, 4).await;
    assert_eq!(
        screens_seen(animated.clone(), 4).await,
        plain,
        "looking again until two looks agree"
    );
    let hasty = screens_seen(animated, 0).await;
    assert!(
        hasty > plain,
        "without waiting, half-done frames are screens of their own ({hasty} vs {plain})"
    );
}
