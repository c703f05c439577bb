//! The playtest HTTP server.
//!
//! [`app`] builds the whole router from a [`Settings`] and a store; [`serve`]
//! runs it on an already-bound listener until the shutdown future resolves,
//! so tests start the server on port 0 without sleeping.
//!
//! Layout: one module per resource under `routes/`, each exporting
//! `router()`; `error` holds the one HTTP error type; `auth` turns the
//! `X-Api-Key` header into a [`auth::Caller`]; `limits` holds rate limiting;
//! `openapi` assembles the served document.

pub mod auth;
mod error;
mod extract;
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

use playtest_store::Store;
use tokio::net::TcpListener;

pub use error::ApiError;
pub use settings::{RateLimitSettings, Settings};
pub use state::AppState;

/// The whole application: every route, with its layers.
pub fn app(settings: Settings, store: Arc<dyn Store>) -> axum::Router {
    routes::router(AppState::new(settings, store))
}

/// Serves the application on `listener` until `shutdown` resolves, then
/// lets requests in flight finish.
pub async fn serve(
    settings: Settings,
    store: Arc<dyn Store>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = app(settings, store);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
