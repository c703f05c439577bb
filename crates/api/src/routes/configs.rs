//! `/deployment-configs`: which build to play, on which platform, launched how.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use playtest_store::ids;
use playtest_types::{
    DeploymentConfig, DeploymentConfigList, DeploymentConfigSpec, ErrorBody, PageQuery, Pagination,
    Permission,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::{ApiJson, ApiQuery};
use crate::{ApiError, AppState, validate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_configs, create_config))
        .routes(routes!(get_config, update_config, delete_config))
}

/// The project's deployment configs, newest first.
#[utoipa::path(get, path = "/deployment-configs", tag = "Tests", params(PageQuery),
    responses(
        (status = 200, description = "A page of deployment configs", body = DeploymentConfigList),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
    ))]
async fn list_configs(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Json<DeploymentConfigList>, ApiError> {
    caller.require(Permission::ManageTests)?;
    let page = validate::page(query.page, query.page_size)?;
    let found = state
        .store()
        .list_deployment_configs(&caller.project_id, page)
        .await?;
    Ok(Json(DeploymentConfigList {
        data: found.items,
        pagination: Pagination::new(page.page, page.page_size, found.total),
    }))
}

/// Creates a deployment config.
#[utoipa::path(post, path = "/deployment-configs", tag = "Tests", request_body = DeploymentConfigSpec,
    responses(
        (status = 201, description = "The new deployment config", body = DeploymentConfig),
        (status = 400, description = "A field is invalid", body = ErrorBody),
    ))]
async fn create_config(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(spec): ApiJson<DeploymentConfigSpec>,
) -> Result<(StatusCode, Json<DeploymentConfig>), ApiError> {
    caller.require(Permission::ManageTests)?;
    validate::config_spec(&spec)?;
    let config = state
        .store()
        .create_deployment_config(
            &caller.project_id,
            &ids::prefixed("dcf"),
            &spec,
            state.clock().now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(config)))
}

/// One deployment config.
#[utoipa::path(get, path = "/deployment-configs/{config_id}", tag = "Tests",
    params(("config_id" = String, Path, description = "The deployment config's id")),
    responses(
        (status = 200, description = "The deployment config", body = DeploymentConfig),
        (status = 404, description = "No such deployment config in the project", body = ErrorBody),
    ))]
async fn get_config(
    State(state): State<AppState>,
    caller: Caller,
    Path(config_id): Path<String>,
) -> Result<Json<DeploymentConfig>, ApiError> {
    caller.require(Permission::ManageTests)?;
    Ok(Json(
        state
            .store()
            .deployment_config(&caller.project_id, &config_id)
            .await?,
    ))
}

/// Replaces a deployment config. Runs already started keep what they had.
#[utoipa::path(put, path = "/deployment-configs/{config_id}", tag = "Tests", request_body = DeploymentConfigSpec,
    params(("config_id" = String, Path, description = "The deployment config's id")),
    responses(
        (status = 200, description = "The changed deployment config", body = DeploymentConfig),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such deployment config in the project", body = ErrorBody),
    ))]
async fn update_config(
    State(state): State<AppState>,
    caller: Caller,
    Path(config_id): Path<String>,
    ApiJson(spec): ApiJson<DeploymentConfigSpec>,
) -> Result<Json<DeploymentConfig>, ApiError> {
    caller.require(Permission::ManageTests)?;
    validate::config_spec(&spec)?;
    Ok(Json(
        state
            .store()
            .update_deployment_config(&caller.project_id, &config_id, &spec, state.clock().now())
            .await?,
    ))
}

/// Deletes a deployment config.
#[utoipa::path(delete, path = "/deployment-configs/{config_id}", tag = "Tests",
    params(("config_id" = String, Path, description = "The deployment config's id")),
    responses(
        (status = 204, description = "The deployment config is gone"),
        (status = 404, description = "No such deployment config in the project", body = ErrorBody),
    ))]
async fn delete_config(
    State(state): State<AppState>,
    caller: Caller,
    Path(config_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageTests)?;
    state
        .store()
        .delete_deployment_config(&caller.project_id, &config_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
