//! `/bugs/occurrences/{occurrence_id}`: one bug occurrence with its run and
//! its action trace, and the runs that re-play that trace (`replay`:
//! does the bug still happen?) or shorten it (`minimize`).
//! Its evidence is shown as URLs ([`super::evidence`]).

mod replay;

use axum::Json;
use axum::extract::{Path, State};
use playtest_types::{BugOccurrenceDetails, ErrorBody, Permission};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::evidence::with_artifact_urls;
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
