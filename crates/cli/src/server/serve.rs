//! `playtest serve`: open the store (which applies pending migrations) and
//! the blob store, bind the listener, start the embedded workers if asked,
//! and run the API until SIGINT or SIGTERM, letting requests in flight
//! finish.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use playtest_api::keys::{DEFAULT_PROJECT, ensure_project};
use playtest_api::{RateLimitSettings, Settings};
use playtest_blob::BlobService;
use playtest_store::{Clock, SystemClock, redact_url};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::embedded;
use super::signals::shutdown_signal;
use super::store::{create_dir, open_store};
use crate::config::{BlobTarget, ServeArgs, StoreArgs};

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = open_store(&args.store).await?;
    let project = ensure_project(store.as_ref(), DEFAULT_PROJECT, SystemClock.now())
        .await
        .context("could not create the default project")?;
    let blob_target = args.storage.blob_target(&args.store.data_dir)?;

    let listener = TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("could not listen on {}", args.listen))?;
    let addr = listener
        .local_addr()
        .context("could not read the bound address")?;
    let mut settings = Settings::for_address(addr);
    if let Some(public_url) = &args.public_url {
        settings.public_url = public_url.clone();
    }
    settings.rate_limit = RateLimitSettings {
        per_second: args
            .rate_limit_per_second
            .unwrap_or(settings.rate_limit.per_second),
        burst: args.rate_limit_burst.unwrap_or(settings.rate_limit.burst),
    };
    if let Some(max_body_bytes) = args.max_body_bytes {
        settings.max_body_bytes = max_body_bytes;
    }
    settings.uploads = args.storage.upload_settings();
    settings.engine = args.engine.engine_settings();
    let (blobs, blob_store) = open_blob_service(&blob_target, &settings.public_url).await?;
    let signal = shutdown_signal().context("could not install the signal handlers")?;
    let (stop_workers, workers_stopped) = watch::channel(false);
    let shutdown = async move {
        signal.await;
        stop_workers.send_replace(true);
    };
    let embedded = embedded::start(&args, store.as_ref(), addr, workers_stopped).await?;

    tracing::info!(
        url = %format!("http://{addr}"),
        public_url = %settings.public_url,
        backend = store.backend(),
        database = %redact_url(&args.store.database_url()),
        blob_store = %blob_store,
        "playtest is serving on http://{addr}"
    );
    if store
        .list_keys(&project.id)
        .await
        .context("could not list API keys")?
        .is_empty()
    {
        eprintln!("{}", first_key_hint(&args.store));
    }

    playtest_api::serve(
        settings,
        store.clone(),
        blobs,
        Arc::new(SystemClock),
        listener,
        shutdown,
    )
    .await
    .context("the server failed")?;
    if let Some(embedded) = embedded {
        embedded.stop(store.as_ref()).await;
    }
    tracing::info!("playtest stopped");
    Ok(())
}

/// Opens the blob store (creating a local folder); returns it and how to
/// name it in logs.
async fn open_blob_service(
    target: &BlobTarget,
    public_url: &str,
) -> anyhow::Result<(BlobService, String)> {
    match target {
        BlobTarget::Folder(dir) => {
            create_dir(dir)?;
            let service = playtest_blob::local_service(dir.clone(), public_url)
                .await
                .with_context(|| format!("could not open the blob folder {}", dir.display()))?;
            Ok((service, dir.display().to_string()))
        }
        BlobTarget::S3(settings) => {
            let name = format!(
                "s3://{} at {}",
                settings.bucket,
                settings.endpoint.as_deref().unwrap_or("AWS")
            );
            let service = playtest_blob::s3_service((**settings).clone())
                .with_context(|| format!("could not open the blob store {name}"))?;
            Ok((service, name))
        }
    }
}

/// What to run to get a first key, with the flags this server was started with.
fn first_key_hint(store: &StoreArgs) -> String {
    let mut command = String::from("playtest keys create --name admin --permissions project:admin");
    match &store.database_url {
        Some(url) => command.push_str(&format!(" --database-url '{}'", redact_url(url))),
        None if store.data_dir != Path::new("./playtest-data") => {
            command.push_str(&format!(" --data-dir '{}'", store.data_dir.display()))
        }
        None => {}
    }
    format!("hint: this server has no API keys yet; create one with: {command}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_key_hint_repeats_a_non_default_data_dir() {
        let default = StoreArgs {
            data_dir: "./playtest-data".into(),
            database_url: None,
        };
        assert!(first_key_hint(&default).ends_with("--permissions project:admin"));
        let other = StoreArgs {
            data_dir: "/srv/pt".into(),
            database_url: None,
        };
        assert!(first_key_hint(&other).ends_with("--data-dir '/srv/pt'"));
    }

    #[test]
    fn the_first_key_hint_never_shows_a_database_password() {
        let store = StoreArgs {
            data_dir: "x".into(),
            database_url: Some("postgres://u:hunter2@db/pt".into()),
        };
        let hint = first_key_hint(&store);
        assert!(!hint.contains("hunter2"), "{hint}");
        assert!(hint.contains("--database-url"), "{hint}");
    }
}
