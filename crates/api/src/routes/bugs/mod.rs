//! `/bugs/occurrences/{occurrence_id}`: one bug occurrence with its run and
//! its action trace, and the runs that re-play that trace (`replay`:
//! does the bug still happen?) or shorten it (`minimize`).
//!
//! An occurrence's evidence is stored as names of its run's artifacts (the
//! screenshot, the run's `trace.json`); [`with_artifact_urls`] turns them
//! into the absolute URLs of those artifacts wherever occurrences are shown.

mod replay;

use axum::Json;
use axum::extract::{Path, State};
use playtest_types::{BugOccurrence, BugOccurrenceDetails, ErrorBody, Permission};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_occurrence))
        .routes(routes!(replay::replay_occurrence))
        .routes(routes!(replay::minimize_occurrence))
}

pub(crate) fn occurrence_not_found() -> ApiError {
    ApiError::not_found("Bug occurrence not found")
}

/// The occurrence with its evidence as URLs: an artifact name becomes the
/// URL of that artifact of `run_id` (a value that is already a URL stays).
pub(crate) fn with_artifact_urls(
    mut occurrence: BugOccurrence,
    public_url: &str,
    run_id: &str,
) -> BugOccurrence {
    let url_of = |value: Option<String>| {
        value.map(|name| {
            if name.contains('/') {
                name
            } else {
                format!("{public_url}/api/v1/runs/{run_id}/artifacts/{name}")
            }
        })
    };
    let details = &mut occurrence.details;
    details.screenshot_url = url_of(details.screenshot_url.take());
    details.trace_url = url_of(details.trace_url.take());
    occurrence
}

/// One bug occurrence, with the run that found it and its action trace.
#[utoipa::path(get, path = "/bugs/occurrences/{occurrence_id}", tag = "Bugs",
    operation_id = "getBugOccurrence",
    params(("occurrence_id" = String, Path, description = "The occurrence's id (occ_...)")),
    responses(
        (status = 200, description = "The occurrence", body = BugOccurrenceDetails),
        (status = 403, description = "The key lacks project:read-runs", body = ErrorBody),
        (status = 404, description = "No such occurrence in the project", body = ErrorBody),
    ))]
async fn get_occurrence(
    State(state): State<AppState>,
    caller: Caller,
    Path(occurrence_id): Path<String>,
) -> Result<Json<BugOccurrenceDetails>, ApiError> {
    caller.require(Permission::ReadRuns)?;
    let record = state
        .store()
        .bug_occurrence(&caller.project_id, &occurrence_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, occurrence_not_found()))?;
    let public_url = &state.settings().public_url;
    Ok(Json(BugOccurrenceDetails {
        occurrence: with_artifact_urls(record.occurrence, public_url, &record.run_id),
        multiplayer_run_id: record.run_id,
        trace: record.trace,
    }))
}

#[cfg(test)]
mod tests {
    use playtest_types::{BugCategory, BugDetails, Confidence, Severity};

    use super::*;

    #[test]
    fn artifact_names_become_urls_of_the_runs_artifacts_and_urls_stay() {
        let occurrence = BugOccurrence {
            id: "occ_1".into(),
            bug_id: "bug_1".into(),
            title: "t".into(),
            description: String::new(),
            category: BugCategory::Crash,
            severity: Severity::High,
            confidence: Confidence::High,
            reproduction_steps: String::new(),
            player_number: 0,
            test_step: None,
            turn: None,
            detected_at: chrono::Utc::now(),
            details: BugDetails {
                screenshot_url: Some("https://cdn.example/shot.png".into()),
                trace_url: Some("trace.json".into()),
                ..Default::default()
            },
        };
        let shown = with_artifact_urls(occurrence, "http://pt:8080", "abcdefghijkl");
        assert_eq!(
            shown.details.trace_url.as_deref(),
            Some("http://pt:8080/api/v1/runs/abcdefghijkl/artifacts/trace.json")
        );
        assert_eq!(
            shown.details.screenshot_url.as_deref(),
            Some("https://cdn.example/shot.png")
        );
    }
}
