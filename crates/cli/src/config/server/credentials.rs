//! The flags of the credentials made on the store directly, with no
//! server needed (the operator's tools): `keys create` and `workers token
//! create|list|revoke`. The tokens made there serve every project, and the
//! API's list, scoped to one project, does not show them.

use chrono::{DateTime, Utc};
use clap::Args;
use playtest_api::keys::DEFAULT_PROJECT;
use playtest_types::Permission;

use super::StoreArgs;

#[derive(Debug, Clone, Args)]
pub struct CreateKeyArgs {
    /// A name to tell the key apart
    #[arg(long)]
    pub name: String,
    /// Comma-separated permissions, e.g. project:read-runs,project:operate-runs
    #[arg(long, required = true, value_delimiter = ',', value_parser = parse_permission)]
    pub permissions: Vec<Permission>,
    /// The project the key belongs to (created if missing)
    #[arg(long, default_value = DEFAULT_PROJECT)]
    pub project: String,
    /// When the key stops working, e.g. 2030-01-01T00:00:00Z
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub expires_at: Option<DateTime<Utc>>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the whole new key as JSON instead of only its secret
    #[arg(long)]
    pub json: bool,
}

fn parse_permission(given: &str) -> Result<Permission, String> {
    given.trim().parse()
}

fn parse_time(given: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(given.trim())
        .map(|at| at.with_timezone(&Utc))
        .map_err(|err| format!("{err} (write it as RFC 3339, e.g. 2030-01-01T00:00:00Z)"))
}

#[derive(Debug, Clone, Args)]
pub struct ListWorkerTokensArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the tokens as JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CreateWorkerTokenArgs {
    /// A name to tell the token apart (the machine it is for, say)
    #[arg(long)]
    pub name: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the whole new token as JSON instead of only its secret
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RevokeWorkerTokenArgs {
    /// The token's id (wtk_...)
    #[arg(value_name = "TOKEN_ID")]
    pub id: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::testing::command;
    use crate::config::{Cli, Command, KeysCommand, WorkerTokenCommand, WorkersCommand};

    #[test]
    fn permissions_are_a_comma_list_of_known_names() {
        let command = command(&[
            "keys",
            "create",
            "--name",
            "ci",
            "--permissions",
            "project:read-runs,project:operate-runs",
        ]);
        let Command::Keys(KeysCommand::Create(args)) = command else {
            panic!()
        };
        assert_eq!(
            args.permissions,
            vec![Permission::ReadRuns, Permission::OperateRuns]
        );
        assert_eq!(args.project, DEFAULT_PROJECT);
    }

    #[test]
    fn an_unknown_permission_is_a_usage_error_listing_the_known_ones() {
        let err = Cli::try_parse_from([
            "playtest",
            "keys",
            "create",
            "--name",
            "x",
            "--permissions",
            "admin",
        ])
        .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ValueValidation);
        assert!(err.to_string().contains("project:admin"), "{err}");
    }

    #[test]
    fn token_create_works_on_the_store_named_by_the_data_dir() {
        let Command::Workers(WorkersCommand::Token(WorkerTokenCommand::Create(args))) = command(&[
            "workers",
            "token",
            "create",
            "--name",
            "gpu-1",
            "--data-dir",
            "/d",
        ]) else {
            panic!()
        };
        assert_eq!(args.name, "gpu-1");
        assert_eq!(args.store.database_url(), "sqlite:///d/playtest.db");
        assert!(!args.json);
    }

    #[test]
    fn token_revoke_takes_the_token_id() {
        let Command::Workers(WorkersCommand::Token(WorkerTokenCommand::Revoke(args))) =
            command(&["workers", "token", "revoke", "wtk_1"])
        else {
            panic!()
        };
        assert_eq!(args.id, "wtk_1");
    }
}
