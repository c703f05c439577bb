//! `playtest workers`: `list` and `tokens` read the project's workers and
//! worker tokens through the API; `token create`, `token list` and `token
//! revoke` work on the store directly, like `keys create`, because they
//! are the operator's: the tokens they make serve every project (so the
//! project's list does not show them), and the first one must exist
//! before any worker (or key) does. `token create` prints only the
//! secret, so that `TOKEN=$(playtest workers token create ...)` works.

use anyhow::{Context, bail};
use playtest_api::keys::issue_worker_token;
use playtest_store::StoreError;
use playtest_types::{CreatedWorkerToken, Worker, WorkerToken, WorkerTokenList};

use super::connect;
use super::server::open_store;
use crate::config::{
    CreateWorkerTokenArgs, RevokeWorkerTokenArgs, WorkerTokenCommand, WorkersCommand,
};
use crate::output::{Table, list, print_json, time};

pub async fn run(command: WorkersCommand) -> anyhow::Result<()> {
    match command {
        WorkersCommand::List(args) => {
            let workers = connect(&args)?.list_workers().await?;
            if args.json {
                return print_json(&workers);
            }
            print_workers(&workers.data);
            Ok(())
        }
        WorkersCommand::Tokens(args) => {
            let tokens = connect(&args)?.list_worker_tokens().await?;
            if args.json {
                return print_json(&tokens);
            }
            print_tokens(&tokens.data);
            Ok(())
        }
        WorkersCommand::Token(WorkerTokenCommand::Create(args)) => create(args).await,
        WorkersCommand::Token(WorkerTokenCommand::List(args)) => {
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
        WorkersCommand::Token(WorkerTokenCommand::Revoke(args)) => revoke(args).await,
    }
}

async fn create(args: CreateWorkerTokenArgs) -> anyhow::Result<()> {
    let name = args.name.trim();
    if name.is_empty() {
        bail!("--name must not be empty");
    }
    let store = open_store(&args.store).await?;
    let (record, secret) = issue_worker_token(store.as_ref(), name, None)
        .await
        .context("could not store the new worker token")?;
    if args.json {
        return print_json(&CreatedWorkerToken {
            token: record.token,
            secret,
        });
    }
    println!("{secret}");
    Ok(())
}

async fn revoke(args: RevokeWorkerTokenArgs) -> anyhow::Result<()> {
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

fn print_workers(workers: &[Worker]) {
    if workers.is_empty() {
        println!(
            "no workers: runs stay queued until one registers (`playtest serve --workers 1`, \
             or a worker with a token from `playtest workers token create`)"
        );
        return;
    }
    let mut table = Table::new(&[
        "ID",
        "NAME",
        "PLATFORMS",
        "SLOTS",
        "CONNECTED",
        "ACTIVE JOBS",
        "LAST HEARTBEAT",
    ]);
    for worker in workers {
        let platforms: Vec<&str> = worker.platforms.iter().map(|p| p.as_str()).collect();
        table.row(vec![
            worker.id.clone(),
            worker.name.clone(),
            list(&platforms),
            worker.slots.to_string(),
            if worker.connected { "yes" } else { "no" }.to_string(),
            worker.active_jobs.to_string(),
            time(worker.last_heartbeat_at),
        ]);
    }
    table.print();
}

fn print_tokens(tokens: &[WorkerToken]) {
    if tokens.is_empty() {
        println!(
            "no worker tokens yet (tokens made with `playtest workers token create` serve every \
             project and are listed by `playtest workers token list`)"
        );
        return;
    }
    let mut table = Table::new(&["ID", "NAME", "PREFIX", "SERVES", "STATE", "CREATED"]);
    for token in tokens {
        table.row(vec![
            token.id.clone(),
            token.name.clone(),
            token.prefix.clone(),
            token
                .project_id
                .clone()
                .unwrap_or_else(|| "every project".to_string()),
            if token.revoked { "revoked" } else { "active" }.to_string(),
            time(token.created_at),
        ]);
    }
    table.print();
}
