//! `playtest keys`: `create` issues a key on the store directly (so the
//! first key can exist before anyone can call the API); the others manage
//! keys through the API and need a `project:admin` key.

use anyhow::{Context, bail};
use chrono::Utc;
use playtest_api::keys::{ensure_project, issue_key};
use playtest_types::{ApiKey, CreatedKey, UpdateKeyRequest};

use super::connect;
use super::server::open_store;
use crate::config::{CreateKeyArgs, KeyIdArgs, KeysCommand};
use crate::output::{Table, list, opt_time, print_json, time};

pub async fn run(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create(args) => create(args).await,
        KeysCommand::List(args) => {
            let keys = connect(&args)?.list_keys().await?;
            if args.json {
                return print_json(&keys);
            }
            print_keys(&keys.data);
            Ok(())
        }
        KeysCommand::Disable(args) => set_disabled(args, true).await,
        KeysCommand::Enable(args) => set_disabled(args, false).await,
        KeysCommand::Delete(args) => {
            connect(&args.client)?.delete_key(&args.id).await?;
            if !args.client.json {
                println!("deleted key {}", args.id);
            }
            Ok(())
        }
    }
}

/// Prints only the secret (or, with `--json`, the whole new key), so that
/// `KEY=$(playtest keys create ...)` captures exactly the secret.
async fn create(args: CreateKeyArgs) -> anyhow::Result<()> {
    let name = args.name.trim();
    if name.is_empty() {
        bail!("--name must not be empty");
    }
    if args.expires_at.is_some_and(|at| at <= Utc::now()) {
        bail!("--expires-at must be in the future");
    }
    let store = open_store(&args.store).await?;
    let project = ensure_project(store.as_ref(), &args.project)
        .await
        .with_context(|| format!("could not create the project '{}'", args.project))?;
    let (record, secret) = issue_key(
        store.as_ref(),
        &project.id,
        name,
        args.permissions,
        args.expires_at,
    )
    .await
    .context("could not store the new key")?;
    if args.json {
        return print_json(&CreatedKey {
            key: record.key,
            secret,
        });
    }
    println!("{secret}");
    Ok(())
}

async fn set_disabled(args: KeyIdArgs, disabled: bool) -> anyhow::Result<()> {
    let request = UpdateKeyRequest {
        disabled: Some(disabled),
        name: None,
    };
    let key = connect(&args.client)?
        .update_key(&args.id, &request)
        .await?;
    if args.client.json {
        return print_json(&key);
    }
    println!(
        "{} key {} ({})",
        if disabled { "disabled" } else { "enabled" },
        key.id,
        key.name
    );
    Ok(())
}

fn print_keys(keys: &[ApiKey]) {
    if keys.is_empty() {
        println!("no keys");
        return;
    }
    let mut table = Table::new(&[
        "ID",
        "NAME",
        "PREFIX",
        "PERMISSIONS",
        "STATE",
        "EXPIRES",
        "LAST USED",
        "CREATED",
    ]);
    let now = Utc::now();
    for key in keys {
        let state = if key.disabled {
            "disabled"
        } else if key.expires_at.is_some_and(|at| at <= now) {
            "expired"
        } else {
            "active"
        };
        table.row(vec![
            key.id.clone(),
            key.name.clone(),
            key.prefix.clone(),
            list(&key.permissions),
            state.to_string(),
            opt_time(key.expires_at),
            opt_time(key.last_used_at),
            time(key.created_at),
        ]);
    }
    table.print();
}
