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
mod key_cache;
pub mod keys;
mod limits;
mod nul;
mod openapi;
mod request_id;
mod routes;
mod settings;
mod shape;
mod state;
mod validate;
pub mod worker_auth;

use std::future::Future;
use std::sync::Arc;

use playtest_blob::BlobService;
use playtest_store::{Clock, Store};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use error::ApiError;
pub use settings::{RateLimitSettings, Settings, UploadSettings};
pub use state::AppState;

/// The whole application: every route, with its layers, and the blob
/// store's own routes (signed URLs, without the API's body limit).
pub fn app(
    settings: Settings,
    store: Arc<dyn Store>,
    blobs: BlobService,
    clock: Arc<dyn Clock>,
) -> axum::Router {
    app_closing_on(settings, store, blobs, clock, CancellationToken::new())
}

/// Like [`app`]; when `closing` is cancelled, long polls and event streams
/// end at once, so a graceful shutdown does not wait for them.
fn app_closing_on(
    settings: Settings,
    store: Arc<dyn Store>,
    blobs: BlobService,
    clock: Arc<dyn Clock>,
    closing: CancellationToken,
) -> axum::Router {
    let state = AppState::new(settings, store, blobs.store, clock, closing);
    routes::router(state).merge(blobs.routes)
}

/// Serves the application on `listener` until `shutdown` resolves, then
/// lets requests in flight finish (ending long polls and event streams at
/// once). The upload janitor and the scheduling sweeper run alongside.
/// Everything reads the time from `clock`.
pub async fn serve(
    settings: Settings,
    store: Arc<dyn Store>,
    blobs: BlobService,
    clock: Arc<dyn Clock>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let janitor = tokio::spawn(janitor::run(
        store.clone(),
        blobs.store.clone(),
        clock.clone(),
        settings.uploads.janitor_interval,
    ));
    let sweeper = tokio::spawn(playtest_engine::sweeper::run(
        store.clone(),
        settings.engine,
        clock.clone(),
    ));
    let closing = CancellationToken::new();
    let app = app_closing_on(settings, store, blobs, clock, closing.clone());
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            closing.cancel();
        })
        .await;
    janitor.abort();
    sweeper.abort();
    served
}
