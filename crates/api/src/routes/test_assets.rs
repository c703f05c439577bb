//! `/tests/{test_id}/assets`: images uploaded with a test, the references
//! of its `screen_similar` checks. The bytes (up to 10 MiB, PNG or JPEG)
//! pass through the API into the blob store; reading one answers with a
//! redirect to a signed URL, as artifacts do, so the bytes come from the
//! storage. A worker that leases a run of the test gets every asset with
//! a signed URL (see `worker::assignment`).

use axum::Json;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use playtest_store::{NewTestAsset, StoreError};
use playtest_types::{ErrorBody, Permission, TestAsset, TestAssetList};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::extract::body_bytes;
use crate::{ApiError, AppState, validate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_assets))
        .routes(routes!(put_asset, get_asset, delete_asset))
        // One byte over the limit is enough to tell a body is too large.
        .layer(DefaultBodyLimit::max(validate::MAX_ASSET_BYTES + 1))
}

/// The bytes of a PNG or JPEG file, as they are.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
struct ImageBytes(Vec<u8>);

/// Where an asset's bytes live in the blob store.
pub fn asset_key(project_id: &str, test_id: &str, name: &str) -> String {
    format!("assets/{project_id}/{test_id}/{name}")
}

fn test_not_found(err: StoreError) -> ApiError {
    ApiError::or_not_found(err, ApiError::not_found("Test not found"))
}

fn asset_not_found(err: StoreError) -> ApiError {
    ApiError::or_not_found(
        err,
        ApiError::not_found("The test has no asset of that name"),
    )
}

/// Uploads an image under `name`, replacing the test's asset of that name.
#[utoipa::path(put, path = "/tests/{test_id}/assets/{name}", tag = "Tests",
    operation_id = "putTestAsset",
    params(
        ("test_id" = String, Path, description = "The test's id"),
        ("name" = String, Path, description = "The asset's name: 1 to 100 of A-Z a-z 0-9 . _ -, not starting with a dot",
            pattern = r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$"),
    ),
    request_body(description = "The image's bytes (at most 10 MiB)",
        content((inline(ImageBytes) = "image/png"), (inline(ImageBytes) = "image/jpeg"))),
    responses(
        (status = 201, description = "Stored", body = TestAsset),
        (status = 200, description = "Stored, replacing the asset of that name", body = TestAsset),
        (status = 400, description = "The name is not a plain name, or the body is not an image of its Content-Type", body = ErrorBody),
        (status = 403, description = "The key lacks project:manage-tests", body = ErrorBody),
        (status = 404, description = "No such test in the project", body = ErrorBody),
        (status = 413, description = "The image is over 10 MiB", body = ErrorBody),
        (status = 415, description = "The Content-Type is not image/png or image/jpeg", body = ErrorBody),
    ))]
async fn put_asset(
    State(state): State<AppState>,
    caller: Caller,
    Path((test_id, name)): Path<(String, String)>,
    request: Request,
) -> Result<(StatusCode, Json<TestAsset>), ApiError> {
    caller.require(Permission::ManageTests)?;
    validate::asset_name("name", &name)?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let content_type = validate::asset_type(content_type)?;
    let bytes = body_bytes(request, &state).await.map_err(|err| match err {
        ApiError::PayloadTooLarge(_) => ApiError::PayloadTooLarge(format!(
            "An asset may be at most {} bytes (10 MiB)",
            validate::MAX_ASSET_BYTES
        )),
        other => other,
    })?;
    validate::asset_bytes(content_type, &bytes)?;
    let store = state.store();
    let project_id = &caller.project_id;
    store
        .test(project_id, &test_id)
        .await
        .map_err(test_not_found)?;

    let blob_key = asset_key(project_id, &test_id, &name);
    let object = state.blobs().put_bytes(&blob_key, bytes).await?;
    let asset = NewTestAsset {
        project_id: project_id.clone(),
        test_id: test_id.clone(),
        name,
        content_type: content_type.to_string(),
        size: object.size as i64,
        sha256: object.sha256,
        blob_key: blob_key.clone(),
        uploaded_at: state.clock().now(),
    };
    let put = match store.put_test_asset(&asset).await {
        Ok(put) => put,
        Err(StoreError::NotFound(_)) => {
            // The test went meanwhile: its bytes must not stay behind.
            if let Err(cleanup) = state.blobs().delete(&blob_key).await {
                tracing::warn!(%blob_key, error = %cleanup, "an orphaned asset's bytes stay");
            }
            return Err(ApiError::not_found("Test not found"));
        }
        Err(err) => return Err(err.into()),
    };
    let status = if put.replaced {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(put.record.asset)))
}

/// The test's assets, by name.
#[utoipa::path(get, path = "/tests/{test_id}/assets", tag = "Tests", operation_id = "listTestAssets",
    params(("test_id" = String, Path, description = "The test's id")),
    responses(
        (status = 200, description = "The assets", body = TestAssetList),
        (status = 403, description = "The key lacks project:read-runs", body = ErrorBody),
        (status = 404, description = "No such test in the project", body = ErrorBody),
    ))]
async fn list_assets(
    State(state): State<AppState>,
    caller: Caller,
    Path(test_id): Path<String>,
) -> Result<Json<TestAssetList>, ApiError> {
    caller.require(Permission::ReadRuns)?;
    let data = state
        .store()
        .test_assets(&caller.project_id, &test_id)
        .await
        .map_err(test_not_found)?
        .into_iter()
        .map(|record| record.asset)
        .collect();
    Ok(Json(TestAssetList { data }))
}

/// Redirects to a signed URL of the asset's bytes.
#[utoipa::path(get, path = "/tests/{test_id}/assets/{name}", tag = "Tests", operation_id = "getTestAsset",
    params(
        ("test_id" = String, Path, description = "The test's id"),
        ("name" = String, Path, description = "The asset's name"),
    ),
    responses(
        (status = 302, description = "The signed URL of the bytes, in Location"),
        (status = 403, description = "The key lacks project:read-runs", body = ErrorBody),
        (status = 404, description = "No such test or asset in the project", body = ErrorBody),
    ))]
async fn get_asset(
    State(state): State<AppState>,
    caller: Caller,
    Path((test_id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ReadRuns)?;
    let record = state
        .store()
        .test_asset(&caller.project_id, &test_id, &name)
        .await
        .map_err(asset_not_found)?;
    let url = state
        .blobs()
        .presign_get(
            &record.blob_key,
            state.settings().uploads.url_lifetime,
            Some(&record.asset.name),
        )
        .await?;
    Ok((StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response())
}

/// Deletes an asset and its bytes.
#[utoipa::path(delete, path = "/tests/{test_id}/assets/{name}", tag = "Tests", operation_id = "deleteTestAsset",
    params(
        ("test_id" = String, Path, description = "The test's id"),
        ("name" = String, Path, description = "The asset's name"),
    ),
    responses(
        (status = 204, description = "The asset is gone"),
        (status = 403, description = "The key lacks project:manage-tests", body = ErrorBody),
        (status = 404, description = "No such test or asset in the project", body = ErrorBody),
    ))]
async fn delete_asset(
    State(state): State<AppState>,
    caller: Caller,
    Path((test_id, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ManageTests)?;
    let record = state
        .store()
        .delete_test_asset(&caller.project_id, &test_id, &name)
        .await
        .map_err(asset_not_found)?;
    state.blobs().delete(&record.blob_key).await?;
    Ok(StatusCode::NO_CONTENT)
}
