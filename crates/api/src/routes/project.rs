//! `GET /project`: the caller's project and its storage use (the server's
//! default capacity when the project has none of its own).

use axum::Json;
use axum::extract::State;
use playtest_types::{ErrorBody, Project, StorageUsage};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::Caller;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_project))
}

/// The project the API key belongs to.
#[utoipa::path(get, path = "/project", tag = "Project",
    responses(
        (status = 200, description = "The key's project", body = Project),
        (status = 401, description = "No or unknown API key", body = ErrorBody),
    ))]
async fn get_project(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Project>, ApiError> {
    let project = state.store().project(&caller.project_id).await?;
    Ok(Json(Project {
        id: project.id,
        name: project.name,
        storage: StorageUsage {
            used: project.storage_used,
            capacity: project.storage_capacity.or(state
                .settings()
                .uploads
                .default_capacity
                .map(|bytes| bytes as i64)),
        },
    }))
}
