//! The playtest HTTP server.
//!
//! [`app`] builds the whole router from a [`Settings`], a store and a blob
//! service; [`serve`] runs it on an already-bound listener, with the janitor
//! that expires abandoned uploads, until the shutdown future resolves, so
//! tests start the server on port 0 without sleeping.
//!
//! Layout: one module per resource under `routes/`, each exporting
//! `router()`; `error` holds the one HTTP error type; `auth` turns the
//! `X-Api-Key` header into a [`auth::Caller`]; `limits` holds rate limiting;
//! `openapi` assembles the served document.

pub mod auth;
mod error;
mod extract;
mod janitor;
pub mod keys;
mod limits;
mod openapi;
mod request_id;
mod routes;
mod settings;
mod shape;
mod state;
mod validate;

use std::future::Future;
use std::sync::Arc;

use playtest_blob::BlobService;
use playtest_store::Store;
use tokio::net::TcpListener;

pub use error::ApiError;
pub use settings::{RateLimitSettings, Settings, UploadSettings};
pub use state::AppState;

/// The whole application: every route, with its layers, and the blob
/// store's own routes (signed URLs, without the API's body limit).
pub fn app(settings: Settings, store: Arc<dyn Store>, blobs: BlobService) -> axum::Router {
    let state = AppState::new(settings, store, blobs.store);
    routes::router(state).merge(blobs.routes)
}

/// Serves the application on `listener` until `shutdown` resolves, then
/// lets requests in flight finish. The upload janitor runs alongside.
pub async fn serve(
    settings: Settings,
    store: Arc<dyn Store>,
    blobs: BlobService,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let janitor = tokio::spawn(janitor::run(
        store.clone(),
        blobs.store.clone(),
        settings.uploads.janitor_interval,
    ));
    let app = app(settings, store, blobs);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    janitor.abort();
    served
}
