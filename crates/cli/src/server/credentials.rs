//! The operator's credentials, made on the store directly with no server
//! needed: `keys create` issues an API key (so the first key can exist
//! before anyone can call the API), and `workers token create|list|revoke`
//! manage worker tokens serving every project (so the project's list in
//! the API does not show them, and the first one exists before any worker
//! does). `create` prints only the secret, so that `KEY=$(playtest keys
//! create ...)` and `TOKEN=$(playtest workers token create ...)` capture
//! exactly that.

use anyhow::{Context, bail};
use chrono::Utc;
use playtest_api::keys::{ensure_project, issue_key, issue_worker_token};
use playtest_store::StoreError;
use playtest_types::{CreatedKey, CreatedWorkerToken, WorkerTokenList};

use super::store::open_store;
use crate::config::{
    CreateKeyArgs, CreateWorkerTokenArgs, ListWorkerTokensArgs, RevokeWorkerTokenArgs,
    WorkerTokenCommand,
};
use crate::output::print_json;
use crate::resources::workers::print_tokens;

/// Prints only the secret (or, with `--json`, the whole new key), so that
/// `KEY=$(playtest keys create ...)` captures exactly the secret.
pub async fn create_key(args: CreateKeyArgs) -> anyhow::Result<()> {
    let name = args.name.trim();
    if name.is_empty() {
        bail!("--name must not be empty");
    }
    if args.expires_at.is_some_and(|at| at <= Utc::now()) {
        bail!("--expires-at must be in the future");
    }
    let store = open_store(&args.store).await?;
    let project = ensure_project(store.as_ref(), &args.project, Utc::now())
        .await
        .with_context(|| format!("could not create the project '{}'", args.project))?;
    let (record, secret) = issue_key(
        store.as_ref(),
        &project.id,
        name,
        args.permissions,
        args.expires_at,
        Utc::now(),
    )
    .await
    .context("could not store the new key")?;
    if args.json {
        return print_json(&CreatedKey {
            key: record.key,
            secret,
        });
    }
    println!("{}", secret.expose());
    Ok(())
}

/// `playtest workers token create|list|revoke`.
pub async fn worker_tokens(command: WorkerTokenCommand) -> anyhow::Result<()> {
    match command {
        WorkerTokenCommand::Create(args) => create_token(args).await,
        WorkerTokenCommand::List(args) => list_tokens(args).await,
        WorkerTokenCommand::Revoke(args) => revoke_token(args).await,
    }
}

async fn create_token(args: CreateWorkerTokenArgs) -> anyhow::Result<()> {
    let name = args.name.trim();
    if name.is_empty() {
        bail!("--name must not be empty");
    }
    let store = open_store(&args.store).await?;
    let (record, secret) = issue_worker_token(store.as_ref(), name, None, Utc::now())
        .await
        .context("could not store the new worker token")?;
    if args.json {
        return print_json(&CreatedWorkerToken {
            token: record.token,
            secret,
        });
    }
    println!("{}", secret.expose());
    Ok(())
}

async fn revoke_token(args: RevokeWorkerTokenArgs) -> anyhow::Result<()> {
    let store = open_store(&args.store).await?;
    match store.revoke_worker_token(None, &args.id).await {
        Ok(()) => {
            println!("revoked worker token {}", args.id);
            Ok(())
        }
        Err(StoreError::NotFound(_)) => bail!(
            "there is no worker token {} (`playtest workers token list` lists them)",
            args.id
        ),
        Err(err) => Err(err).context("could not revoke the worker token"),
    }
}

async fn list_tokens(args: ListWorkerTokensArgs) -> anyhow::Result<()> {
    let store = open_store(&args.store).await?;
    let records = store
        .list_worker_tokens(None)
        .await
        .context("could not read the worker tokens")?;
    let tokens = WorkerTokenList {
        data: records.into_iter().map(|record| record.token).collect(),
    };
    if args.json {
        return print_json(&tokens);
    }
    print_tokens(&tokens.data);
    Ok(())
}
