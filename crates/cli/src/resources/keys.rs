//! `playtest keys list|disable|enable|delete`: the project's API keys,
//! managed through the API with a `project:admin` key (`keys create`, on
//! the store, is the server launcher's: [`crate::server`]).

use chrono::Utc;
use playtest_types::{ApiKey, UpdateKeyRequest};

use crate::config::{ClientArgs, KeyIdArgs};
use crate::output::{Table, comma_list, opt_time, print_json, time};

pub async fn list(args: ClientArgs) -> anyhow::Result<()> {
    let keys = args.connect()?.list_keys().await?;
    if args.json {
        return print_json(&keys);
    }
    print_keys(&keys.data);
    Ok(())
}

pub async fn delete(args: KeyIdArgs) -> anyhow::Result<()> {
    args.client.connect()?.delete_key(&args.id).await?;
    if !args.client.json {
        println!("deleted key {}", args.id);
    }
    Ok(())
}

/// `disable` (`disabled`) or `enable`.
pub async fn set_disabled(args: KeyIdArgs, disabled: bool) -> anyhow::Result<()> {
    let request = UpdateKeyRequest {
        disabled: Some(disabled),
        name: None,
    };
    let key = args
        .client
        .connect()?
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
            comma_list(&key.permissions),
            state.to_string(),
            opt_time(key.expires_at),
            opt_time(key.last_used_at),
            time(key.created_at),
        ]);
    }
    table.print();
}
