//! `/keys`: a project's API keys, managed by a key with `project:admin`.
//! The secret of a new key is in the creation answer and nowhere else.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use playtest_types::{
    ApiKey, CreateKeyRequest, CreatedKey, ErrorBody, KeyList, Permission, UpdateKeyRequest,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::ApiJson;
use crate::{ApiError, AppState, keys, validate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_keys, create_key))
        .routes(routes!(update_key, delete_key))
}

/// Every API key of the project (without secrets).
#[utoipa::path(get, path = "/keys", tag = "Project",
    responses(
        (status = 200, description = "The project's keys", body = KeyList),
        (status = 403, description = "The key lacks project:admin", body = ErrorBody),
    ))]
async fn list_keys(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<KeyList>, ApiError> {
    caller.require(Permission::Admin)?;
    let records = state.store().list_keys(&caller.project_id).await?;
    Ok(Json(KeyList {
        data: records.into_iter().map(|r| r.key).collect(),
    }))
}

/// Creates a key. The answer holds its secret, which is never shown again.
#[utoipa::path(post, path = "/keys", tag = "Project", request_body = CreateKeyRequest,
    responses(
        (status = 201, description = "The new key and its secret", body = CreatedKey),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 403, description = "The key lacks project:admin", body = ErrorBody),
    ))]
async fn create_key(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<CreateKeyRequest>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    caller.require(Permission::Admin)?;
    validate::name("name", &request.name)?;
    if request.permissions.is_empty() {
        return Err(ApiError::validation(
            "permissions",
            "permissions must name at least one permission",
        ));
    }
    if request
        .expires_at
        .is_some_and(|at| at <= state.clock().now())
    {
        return Err(ApiError::validation(
            "expires_at",
            "expires_at must be in the future",
        ));
    }
    let (record, secret) = keys::issue_key(
        state.store(),
        &caller.project_id,
        request.name.trim(),
        request.permissions,
        request.expires_at,
        state.clock().now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            key: record.key,
            secret,
        }),
    ))
}

/// Renames, disables or re-enables a key.
#[utoipa::path(patch, path = "/keys/{key_id}", tag = "Project", request_body = UpdateKeyRequest,
    params(("key_id" = String, Path, description = "The key's id")),
    responses(
        (status = 200, description = "The changed key", body = ApiKey),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 404, description = "No such key in the project", body = ErrorBody),
    ))]
async fn update_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(key_id): Path<String>,
    ApiJson(request): ApiJson<UpdateKeyRequest>,
) -> Result<Json<ApiKey>, ApiError> {
    caller.require(Permission::Admin)?;
    if let Some(name) = &request.name {
        validate::name("name", name)?;
    }
    let name = request.name.as_deref().map(str::trim);
    let record = state
        .store()
        .update_key(&caller.project_id, &key_id, name, request.disabled)
        .await?;
    state.keys().forget(&key_id);
    Ok(Json(record.key))
}

/// Deletes a key; requests made with it fail from now on.
#[utoipa::path(delete, path = "/keys/{key_id}", tag = "Project",
    params(("key_id" = String, Path, description = "The key's id")),
    responses(
        (status = 204, description = "The key is gone"),
        (status = 404, description = "No such key in the project", body = ErrorBody),
    ))]
async fn delete_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(key_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::Admin)?;
    state
        .store()
        .delete_key(&caller.project_id, &key_id)
        .await?;
    state.keys().forget(&key_id);
    Ok(StatusCode::NO_CONTENT)
}
