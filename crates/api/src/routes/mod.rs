//! The router: one module per resource, each exporting `router()`; this
//! module only merges them and adds the layers every request goes through.

mod bugs;
mod builds;
mod configs;
mod evidence;
mod health;
mod keys;
mod new_run;
mod plan_executions;
mod project;
mod runs;
mod test_assets;
mod test_plans;
mod tests;
mod uploads;
mod worker;
pub(crate) mod workers;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

use crate::openapi::ApiDoc;
use crate::{ApiError, AppState, auth, request_id, shape};

pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

fn api_routes(state: &AppState) -> OpenApiRouter<AppState> {
    let authenticated = OpenApiRouter::new()
        .merge(project::router())
        .merge(keys::router())
        .merge(tests::router())
        .merge(test_assets::router())
        .merge(bugs::router())
        .merge(test_plans::router())
        .merge(configs::router())
        .merge(runs::router())
        .merge(builds::router())
        .merge(uploads::router())
        .merge(workers::router())
        .merge(plan_executions::router())
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::middleware,
        ));
    let workers_side = worker::router().route_layer(middleware::from_fn_with_state(
        state.clone(),
        crate::worker_auth::middleware,
    ));
    let v1 = OpenApiRouter::new()
        .merge(health::router())
        .merge(uploads::public_router())
        .merge(workers_side)
        .merge(authenticated);
    let nexus = OpenApiRouter::new()
        .merge(uploads::nexus_public_router())
        .merge(
            uploads::nexus_router().route_layer(middleware::from_fn_with_state(
                state.clone(),
                auth::middleware,
            )),
        );
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .nest("/api", nexus)
}

pub fn router(state: AppState) -> Router {
    let (api, mut doc) = api_routes(&state).split_for_parts();
    crate::openapi::document_common_errors(&mut doc);
    crate::openapi::link_created_objects(&mut doc);
    crate::openapi::document_signed_storage_urls(&mut doc);
    let max_body = state.settings().max_body_bytes;
    Router::new()
        .merge(api)
        .merge(SwaggerUi::new("/docs").url(OPENAPI_PATH, doc))
        .fallback(|| async {
            ApiError::not_found("No such endpoint; see /api/v1/openapi.json for the list")
        })
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(crate::nul::middleware))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(shape::middleware))
        .layer(middleware::from_fn(request_id::middleware))
}
