//! Runs and bugs to judge and report on, for the tests of the modules
//! that do (`verdict`, `summary`, `junit`, `wait`).

use playtest_types::{BugOccurrence, RunDetails, RunOutcome, Severity};
use serde_json::json;

use super::Followed;

/// A completed run (or, without an outcome, a queued one) of the test
/// "menu" with one player and two steps: the first passed, the second
/// failed with a report.
pub fn followed(outcome: Option<RunOutcome>, bugs: Vec<BugOccurrence>) -> Followed {
    let completed = outcome.is_some();
    let details: RunDetails = serde_json::from_value(json!({
        "multiplayer_run_id": "abcdefghijkl",
        "project_id": "prj_1",
        "state": if completed { "completed" } else { "initializing" },
        "result": outcome.map(|o| o.result()),
        "bug_info": null,
        "test": {"id": "tst_1", "name": "menu", "type": "verification"},
        "build": {"id": "bld_1", "name": "nightly"},
        "created_at": "2024-05-01T12:00:00Z",
        "started_at": "2024-05-01T12:00:01Z",
        "completed_at": if completed { json!("2024-05-01T12:00:13Z") } else { json!(null) },
        "duration_ms": if completed { json!(12_345) } else { json!(null) },
        "initiator": {"type": "api_key", "value": {}},
        "tags": ["ci"],
        "players": [{
            "id": "ply_1", "state": "completed", "result": null, "player_number": 0,
            "test_name": "menu", "composite_test_id": "tst_1", "step_count": 2,
            "completed_step_count": 2, "platform": {"type": "web", "device": "chromium"},
            "steps": [
                {"step_number": 1, "start_time": null, "end_time": null, "duration_ms": 1500,
                 "run_state": "completed", "run_result": "success", "report": "ok",
                 "test": {"goal": "open the menu", "finish_condition": "it shows"}},
                {"step_number": 2, "start_time": null, "end_time": null, "duration_ms": 250,
                 "run_state": "completed", "run_result": "failure",
                 "report": "expected <Menu> & \"Start\"",
                 "test": {"goal": "press start", "finish_condition": "the game starts"}}
            ]
        }],
        "job_id": "jobjobjobjob",
        "job_status": if completed { "COMPLETED" } else { "QUEUED" },
        "outcome": outcome,
        "queue_rejection_reason": null,
        "test_plan_execution_id": null,
        "deployment_config_id": "dcf_1",
        "templating_enabled": false,
        "template_data": {},
        "options": {},
        "retries": 0,
        "artifacts": []
    }))
    .expect("the fixture is a run");
    Followed {
        run_id: "abcdefghijkl".into(),
        details: Some(details),
        bugs,
        reason: None,
        cut_short: None,
    }
}

pub fn bug(severity: Severity) -> BugOccurrence {
    serde_json::from_value(json!({
        "id": "occ_1", "bug_id": "bug_1", "title": "Menu <flickers>",
        "description": "it flickers", "category": "visual", "severity": severity,
        "confidence": "high", "reproduction_steps": "open it", "player_number": 0,
        "test_step": 1, "turn": null, "detected_at": "2024-05-01T12:00:05Z",
        "details": {"screenshot_url": null, "video_offset_ms": null,
                    "fingerprint": "f", "trace_url": null}
    }))
    .expect("the fixture is a bug")
}
