//! What every new run is made of, whether a user starts it (`POST /runs`)
//! or a bug's replay or minimisation does: who started it, and its players.

use playtest_store::{NewPlayer, ids};
use playtest_types::{Initiator, StepGoal, TestSpec};
use serde_json::json;

use crate::auth::Caller;

/// Who starts a run: the caller's key.
pub(crate) fn initiator_of(caller: &Caller) -> Initiator {
    Initiator {
        kind: "api_key".to_string(),
        value: json!({"key_id": caller.key_id, "name": caller.key_name}),
    }
}

/// One player per player of the test; a test without players (a game loop,
/// say) still has one.
pub(crate) fn players_of(spec: &TestSpec) -> Vec<NewPlayer> {
    if spec.players.is_empty() {
        return vec![NewPlayer {
            id: ids::short_id(),
            player_number: 0,
            test_name: spec.name.clone(),
            steps: vec![],
        }];
    }
    spec.players
        .iter()
        .enumerate()
        .map(|(i, player)| NewPlayer {
            id: ids::short_id(),
            player_number: i as i32,
            test_name: player.name.clone(),
            steps: player
                .steps
                .iter()
                .map(|s| StepGoal {
                    goal: s.goal.clone(),
                    finish_condition: s.finish_condition.clone(),
                })
                .collect(),
        })
        .collect()
}
