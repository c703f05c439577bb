//! `/runs`: start runs, list them, read one with its steps and artifacts,
//! read its bugs, stop jobs, fetch its artifacts, follow its events live.

mod artifacts;
mod events;
mod start;
mod stop;
mod templates;

use axum::Json;
use axum::extract::{Path, State};
use playtest_store::{RunFilter, ids};
use playtest_types::{
    Artifact, ErrorBody, ListBugsResponse, ListRunsQuery, ListRunsResponse, Pagination, Permission,
    RunDetails,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::ApiQuery;
use crate::{ApiError, AppState, validate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_runs, start::start_run))
        .routes(routes!(get_run))
        .routes(routes!(list_run_bugs))
        .routes(routes!(stop::stop_runs))
        .routes(routes!(artifacts::list_artifacts))
        .routes(routes!(artifacts::get_artifact))
        .routes(routes!(events::run_events))
}

fn run_not_found() -> ApiError {
    ApiError::not_found("Run not found")
}

/// The project's runs, newest first.
#[utoipa::path(get, path = "/runs", tag = "Runs", operation_id = "listRuns", params(ListRunsQuery),
    responses(
        (status = 200, description = "A page of runs", body = ListRunsResponse),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 403, description = "The key lacks project:read-runs", body = ErrorBody),
    ))]
async fn list_runs(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<ListRunsQuery>,
) -> Result<Json<ListRunsResponse>, ApiError> {
    caller.require(Permission::ReadRuns)?;
    let page = validate::page(query.page, query.page_size)?;
    if let Some(job_id) = &query.job_id {
        validate::id("job_id", job_id)?;
    }
    if let Some(execution_id) = &query.test_plan_execution_id {
        validate::id("test_plan_execution_id", execution_id)?;
    }
    let tags = validate::tag_filter("tags", query.tags.as_deref())?;
    let filter = RunFilter {
        state: query.state.unwrap_or_default(),
        job_id: query.job_id,
        test_plan_execution_id: query.test_plan_execution_id,
        tags,
        with_bugs: query.bugs.unwrap_or(false),
    };
    let found = state
        .store()
        .list_runs(&caller.project_id, &filter, page)
        .await?;
    Ok(Json(ListRunsResponse {
        data: found.items,
        pagination: Pagination::new(page.page, page.page_size, found.total),
    }))
}

/// One run with its players' steps, options and artifacts.
#[utoipa::path(get, path = "/runs/{run_id}", tag = "Runs", operation_id = "getRunDetails",
    params(("run_id" = String, Path, description = "The run's id (12 characters of a-z and 0-9)")),
    responses(
        (status = 200, description = "The run", body = RunDetails),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 404, description = "No such run in the project", body = ErrorBody),
    ))]
async fn get_run(
    State(state): State<AppState>,
    caller: Caller,
    Path(run_id): Path<String>,
) -> Result<Json<RunDetails>, ApiError> {
    caller.require(Permission::ReadRuns)?;
    if !ids::is_short_id(&run_id) {
        return Err(run_not_found());
    }
    let record = state
        .store()
        .run_details(&caller.project_id, &run_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, run_not_found()))?;
    let public_url = &state.settings().public_url;
    let artifacts = record
        .artifacts
        .into_iter()
        .map(|a| Artifact {
            url: format!("{public_url}/api/v1/runs/{run_id}/artifacts/{}", a.filename),
            filename: a.filename,
            size: a.size,
            uploaded_at: a.uploaded_at,
        })
        .collect();
    Ok(Json(RunDetails {
        run: record.run,
        templating_enabled: record.templating_enabled,
        template_data: record.template_data,
        options: record.options,
        retries: record.retries,
        artifacts,
    }))
}

/// The bugs a run found, in the order it found them.
#[utoipa::path(get, path = "/runs/{run_id}/bugs", tag = "Runs", operation_id = "listRunBugs",
    params(("run_id" = String, Path, description = "The run's id")),
    responses(
        (status = 200, description = "The run's bug occurrences", body = ListBugsResponse),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
        (status = 404, description = "No such run in the project", body = ErrorBody),
    ))]
async fn list_run_bugs(
    State(state): State<AppState>,
    caller: Caller,
    Path(run_id): Path<String>,
) -> Result<Json<ListBugsResponse>, ApiError> {
    caller.require(Permission::ReadRuns)?;
    if !ids::is_short_id(&run_id) {
        return Err(run_not_found());
    }
    let public_url = &state.settings().public_url;
    let bug_occurrences = state
        .store()
        .run_bugs(&caller.project_id, &run_id)
        .await
        .map_err(|err| ApiError::or_not_found(err, run_not_found()))?
        .into_iter()
        .map(|occurrence| super::evidence::with_artifact_urls(occurrence, public_url, &run_id))
        .collect();
    Ok(Json(ListBugsResponse {
        multiplayer_run_id: run_id,
        bug_occurrences,
    }))
}
