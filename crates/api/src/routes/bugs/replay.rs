//! `POST /bugs/occurrences/{id}/replay` and `.../minimize`: an ordinary run
//! of the occurrence's run's test, deployment config and build (as that
//! run had them), which plays the occurrence's trace instead of the test.
//! It is created in one transaction with the record of what it replays; a
//! worker that leases it gets that record (`JobAssignment.replay`) and the
//! trace's seed. A replay completes as success when the bug's fingerprint
//! appears again; a minimisation reports the shortest trace that still
//! shows it as a bug that `minimizes` the occurrence.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use playtest_store::{NewRun, NewRunBatch, ids};
use playtest_types::{
    ErrorBody, Permission, ReplayRequest, ReplaySpec, StartRunData, StartRunResponse,
};
use serde_json::Map;

use super::occurrence_not_found;
use crate::auth::Caller;
use crate::extract::OptionalJson;
use crate::routes::new_run::{initiator_of, players_of};
use crate::{ApiError, AppState, validate};

/// How long a minimisation may take unless asked otherwise: it plays the
/// game many times.
const MINIMIZE_SECONDS: i64 = 600;

/// Starts a run that plays the occurrence's trace again and says whether
/// the bug still happens.
#[utoipa::path(post, path = "/bugs/occurrences/{occurrence_id}/replay", tag = "Bugs",
    operation_id = "replayBugOccurrence", request_body = Option<ReplayRequest>,
    params(("occurrence_id" = String, Path, description = "The occurrence's id (occ_...)")),
    responses(
        (status = 201, description = "The replay run is queued", body = StartRunResponse),
        (status = 403, description = "The key lacks project:operate-runs", body = ErrorBody),
        (status = 404, description = "No such occurrence in the project", body = ErrorBody),
        (status = 409, description = "NO_TRACE: the occurrence has no action trace to replay", body = ErrorBody),
    ))]
pub async fn replay_occurrence(
    State(state): State<AppState>,
    caller: Caller,
    Path(occurrence_id): Path<String>,
    OptionalJson(request): OptionalJson<ReplayRequest>,
) -> Result<(StatusCode, Json<StartRunResponse>), ApiError> {
    start(&state, &caller, &occurrence_id, &request, false).await
}

/// Starts a run that shortens the occurrence's trace to the fewest actions
/// that still show the bug; the occurrence's reproduction steps and trace
/// are replaced by the shorter ones when it finds them.
#[utoipa::path(post, path = "/bugs/occurrences/{occurrence_id}/minimize", tag = "Bugs",
    operation_id = "minimizeBugOccurrence", request_body = Option<ReplayRequest>,
    params(("occurrence_id" = String, Path, description = "The occurrence's id (occ_...)")),
    responses(
        (status = 201, description = "The minimisation run is queued", body = StartRunResponse),
        (status = 403, description = "The key lacks project:operate-runs", body = ErrorBody),
        (status = 404, description = "No such occurrence in the project", body = ErrorBody),
        (status = 409, description = "NO_TRACE: the occurrence has no action trace to minimise", body = ErrorBody),
    ))]
pub async fn minimize_occurrence(
    State(state): State<AppState>,
    caller: Caller,
    Path(occurrence_id): Path<String>,
    OptionalJson(request): OptionalJson<ReplayRequest>,
) -> Result<(StatusCode, Json<StartRunResponse>), ApiError> {
    start(&state, &caller, &occurrence_id, &request, true).await
}

fn no_trace() -> ApiError {
    ApiError::Conflict {
        code: "NO_TRACE",
        message: "The occurrence has no action trace to replay: the run that found it recorded \
                  no inputs (a game_loop test plays none, for one)"
            .to_string(),
        details: Map::new(),
    }
}

async fn start(
    state: &AppState,
    caller: &Caller,
    occurrence_id: &str,
    request: &ReplayRequest,
    minimize: bool,
) -> Result<(StatusCode, Json<StartRunResponse>), ApiError> {
    caller.require(Permission::OperateRuns)?;
    validate::replay_request(request)?;
    let store = state.store();
    let project_id = &caller.project_id;
    let record = store
        .bug_occurrence(project_id, occurrence_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, occurrence_not_found()))?;
    let Some(trace) = record.trace else {
        return Err(no_trace());
    };
    let original = store.run_details(project_id, &record.run_id).await?;
    let work = store.run_work(&original.run.job_id).await?;

    let mut options = work.options;
    options.min_time_seconds = None;
    options.max_time_seconds = match (request.max_time_seconds, minimize) {
        (Some(seconds), _) => Some(seconds),
        (None, true) => Some(MINIMIZE_SECONDS),
        (None, false) => options.max_time_seconds,
    };
    let tag = if minimize { "minimize" } else { "replay" };
    let mut tags = original.run.tags;
    if !tags.iter().any(|t| t == tag) {
        tags.push(tag.to_string());
    }
    let run = NewRun {
        job_id: ids::short_id(),
        run_id: ids::short_id(),
        test_id: work.test_id,
        test_name: original.run.test.name,
        players: players_of(&work.test_spec),
        test_spec: work.test_spec,
        deployment_config_id: work.deployment_config_id,
        platform: work.platform,
        build_id: work.build_id,
        tags,
        initiator: initiator_of(caller),
        options,
        templating_enabled: original.templating_enabled,
        template_data: original.template_data,
        retries: 0,
        replay: Some(ReplaySpec {
            occurrence_id: record.occurrence.id,
            fingerprint: record.occurrence.details.fingerprint,
            trace,
            minimize,
        }),
    };
    let data = StartRunData {
        job_id: run.job_id.clone(),
        multiplayer_run_id: run.run_id.clone(),
        job_ids: None,
        multiplayer_run_ids: None,
        test_plan_execution_id: None,
    };
    let batch = NewRunBatch {
        project_id: project_id.clone(),
        created_at: state.clock().now(),
        plan_execution: None,
        runs: vec![run],
    };
    store.create_runs(&batch).await?;
    tracing::info!(%occurrence_id, run_id = %data.multiplayer_run_id, minimize, "replay run queued");
    Ok((
        StatusCode::CREATED,
        Json(StartRunResponse {
            ok: true,
            status: 201,
            message: "queued".to_string(),
            data,
        }),
    ))
}
