//! What hangs off a run (players, steps, artifacts) as both backends
//! aggregate it into a JSON array per run, one object per row, so that a run
//! and all its parts come back from one statement.
//!
//! Each `*_FIELDS` constant is the argument list of SQLite's `json_object`
//! and PostgreSQL's `json_build_object` (alternating keys and columns, the
//! table aliased as its first letter), and sits next to the struct its
//! objects deserialize into, so the two cannot drift apart. The arrays come
//! in no particular order (an ordered aggregate costs SQLite a temporary
//! B-tree per array); they are sorted here. Stored enum
//! names deserialize straight into the wire enums; timestamps come as
//! SQLite's stored text or PostgreSQL's ISO 8601, both RFC 3339.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use playtest_types::{
    Player, PlayerPlatform, RunResult, RunState, RunStep, StepGoal, StepResult, StepState,
};
use serde::Deserialize;

use crate::{ArtifactRecord, Result};

/// The fields of a player, from `run_players p`.
pub(crate) const PLAYER_FIELDS: &str = "'id', p.id, 'player_number', p.player_number, \
    'test_name', p.test_name, 'state', p.state, 'result', p.result, 'step_count', p.step_count, \
    'completed_step_count', p.completed_step_count, 'platform_kind', p.platform_kind, 'device', p.device";

#[derive(Deserialize)]
struct PlayerJson {
    id: String,
    player_number: i32,
    test_name: String,
    state: RunState,
    result: Option<RunResult>,
    step_count: i32,
    completed_step_count: i32,
    platform_kind: String,
    device: String,
}

/// The fields of a step, from `run_steps s`.
pub(crate) const STEP_FIELDS: &str = "'player_number', s.player_number, 'step_number', s.step_number, \
    'goal', s.goal, 'finish_condition', s.finish_condition, 'state', s.state, 'result', s.result, \
    'report', s.report, 'start_time', s.start_time, 'end_time', s.end_time, 'duration_ms', s.duration_ms";

#[derive(Deserialize)]
struct StepJson {
    player_number: i32,
    step_number: i32,
    goal: String,
    finish_condition: String,
    state: StepState,
    result: Option<StepResult>,
    report: Option<String>,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    duration_ms: Option<i64>,
}

/// The fields of an artifact, from `run_artifacts a`.
pub(crate) const ARTIFACT_FIELDS: &str = "'filename', a.filename, 'blob_key', a.blob_key, \
    'size', a.size, 'uploaded_at', a.uploaded_at";

#[derive(Deserialize)]
struct ArtifactJson {
    filename: String,
    blob_key: String,
    size: i64,
    uploaded_at: DateTime<Utc>,
}

impl PlayerJson {
    fn into_player(self, composite_test_id: &str, steps: Option<Vec<RunStep>>) -> Player {
        Player {
            id: self.id,
            state: self.state,
            result: self.result,
            player_number: self.player_number,
            test_name: self.test_name,
            composite_test_id: composite_test_id.to_string(),
            step_count: self.step_count,
            completed_step_count: self.completed_step_count,
            platform: PlayerPlatform {
                kind: self.platform_kind,
                device: self.device,
            },
            steps,
        }
    }
}

impl From<StepJson> for RunStep {
    fn from(step: StepJson) -> Self {
        RunStep {
            step_number: step.step_number,
            start_time: step.start_time,
            end_time: step.end_time,
            duration_ms: step.duration_ms,
            run_state: step.state,
            run_result: step.result,
            report: step.report,
            test: StepGoal {
                goal: step.goal,
                finish_condition: step.finish_condition,
            },
        }
    }
}

impl From<ArtifactJson> for ArtifactRecord {
    fn from(artifact: ArtifactJson) -> Self {
        ArtifactRecord {
            filename: artifact.filename,
            blob_key: artifact.blob_key,
            size: artifact.size,
            uploaded_at: artifact.uploaded_at,
        }
    }
}

/// The players of a run of `composite_test_id` (a JSON array of
/// [`PLAYER_FIELDS`] objects), by number, without their steps.
pub(crate) fn players(json: &str, composite_test_id: &str) -> Result<Vec<Player>> {
    let mut players: Vec<PlayerJson> = serde_json::from_str(json)?;
    players.sort_unstable_by_key(|p| p.player_number);
    Ok(players
        .into_iter()
        .map(|p| p.into_player(composite_test_id, None))
        .collect())
}

/// The players of a run of `composite_test_id`, by number, each with its
/// steps (JSON arrays of [`PLAYER_FIELDS`] and [`STEP_FIELDS`] objects).
pub(crate) fn players_with_steps(
    players: &str,
    steps: &str,
    composite_test_id: &str,
) -> Result<Vec<Player>> {
    let mut players: Vec<PlayerJson> = serde_json::from_str(players)?;
    players.sort_unstable_by_key(|p| p.player_number);
    let mut steps: Vec<StepJson> = serde_json::from_str(steps)?;
    steps.sort_unstable_by_key(|s| (s.player_number, s.step_number));
    let mut steps_of: HashMap<i32, Vec<RunStep>> = HashMap::with_capacity(players.len());
    for step in steps {
        steps_of
            .entry(step.player_number)
            .or_default()
            .push(step.into());
    }
    Ok(players
        .into_iter()
        .map(|p| {
            let steps = steps_of.remove(&p.player_number).unwrap_or_default();
            p.into_player(composite_test_id, Some(steps))
        })
        .collect())
}

/// A run's artifacts (a JSON array of [`ARTIFACT_FIELDS`] objects) by
/// filename, byte by byte.
pub(crate) fn artifacts(json: &str) -> Result<Vec<ArtifactRecord>> {
    let mut artifacts: Vec<ArtifactJson> = serde_json::from_str(json)?;
    artifacts.sort_unstable_by(|a, b| a.filename.cmp(&b.filename));
    Ok(artifacts.into_iter().map(ArtifactRecord::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_back_as_either_backend_writes_them() {
        let sqlite: ArtifactJson = serde_json::from_str(
            r#"{"filename": "a", "blob_key": "k", "size": 1, "uploaded_at": "2025-03-01T12:00:05.250000Z"}"#,
        )
        .unwrap();
        let postgres: ArtifactJson = serde_json::from_str(
            r#"{"filename": "a", "blob_key": "k", "size": 1, "uploaded_at": "2025-03-01T12:00:05.25+00:00"}"#,
        )
        .unwrap();
        assert_eq!(sqlite.uploaded_at, postgres.uploaded_at);
    }

    #[test]
    fn an_unknown_state_is_refused() {
        let player = r#"{"id": "p", "player_number": 0, "test_name": "t", "state": "done", "result": null,
            "step_count": 0, "completed_step_count": 0, "platform_kind": "web", "device": "chromium"}"#;
        assert!(serde_json::from_str::<PlayerJson>(player).is_err());
    }
}
