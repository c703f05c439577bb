//! `playtest workers list` and `workers tokens`: the workers that can
//! take the project's jobs and the project's worker tokens, read through
//! the API. The tokens serving every project are made, listed and revoked
//! on the store (`workers token ...`, the server launcher's:
//! [`crate::server`]), which prints them as [`print_tokens`] does here.

use playtest_types::{Capability, Worker, WorkerToken};

use crate::config::ClientArgs;
use crate::output::{Table, comma_list, print_json, time};

pub async fn list(args: ClientArgs) -> anyhow::Result<()> {
    let workers = args.connect()?.list_workers().await?;
    if args.json {
        return print_json(&workers);
    }
    print_workers(&workers.data);
    Ok(())
}

/// `playtest workers tokens`: the project's worker tokens.
pub async fn tokens(args: ClientArgs) -> anyhow::Result<()> {
    let tokens = args.connect()?.list_worker_tokens().await?;
    if args.json {
        return print_json(&tokens);
    }
    print_tokens(&tokens.data);
    Ok(())
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
        "PLAYS",
        "SLOTS",
        "CONNECTED",
        "ACTIVE JOBS",
        "LAST HEARTBEAT",
    ]);
    for worker in workers {
        table.row(vec![
            worker.id.clone(),
            worker.name.clone(),
            plays(&worker.capabilities),
            worker.slots.to_string(),
            if worker.connected { "yes" } else { "no" }.to_string(),
            worker.active_jobs.to_string(),
            time(worker.last_heartbeat_at),
        ]);
    }
    table.print();
}

/// What a worker plays, platform by platform:
/// `linux:game_loop web:verification,discovery`.
fn plays(capabilities: &[Capability]) -> String {
    if capabilities.is_empty() {
        return "-".to_string();
    }
    capabilities
        .iter()
        .map(|c| {
            let test_types: Vec<&str> = c.test_types.iter().map(|t| t.as_str()).collect();
            format!("{}:{}", c.platform.as_str(), comma_list(&test_types))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The worker tokens as a table.
pub fn print_tokens(tokens: &[WorkerToken]) {
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

#[cfg(test)]
mod tests {
    use playtest_types::{PlatformKind, TestType};

    use super::*;

    #[test]
    fn a_workers_capabilities_read_platform_by_platform() {
        let capabilities = [
            Capability {
                platform: PlatformKind::Linux,
                test_types: vec![TestType::GameLoop],
            },
            Capability {
                platform: PlatformKind::Web,
                test_types: vec![TestType::Verification, TestType::Discovery],
            },
        ];
        assert_eq!(
            plays(&capabilities),
            "linux:game_loop web:verification,discovery"
        );
        assert_eq!(plays(&[]), "-");
    }
}
