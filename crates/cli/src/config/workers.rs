//! The flags of `playtest workers`: listing the workers and the project's
//! tokens through the API, and making, listing or revoking tokens on the
//! store directly, as `keys create` does (the operator's tools, no server
//! needed; the tokens made there serve every project, and the API's list,
//! scoped to one project, does not show them). The flags of the worker
//! process itself are elsewhere.

use clap::{Args, Subcommand};

use super::{ClientArgs, StoreArgs};

#[derive(Debug, Subcommand)]
pub enum WorkersCommand {
    /// List the workers that can take this project's jobs
    List(ClientArgs),
    /// List this project's worker tokens (never their secrets)
    Tokens(ClientArgs),
    /// Create, list or revoke worker tokens on the database directly
    #[command(subcommand)]
    Token(WorkerTokenCommand),
}

#[derive(Debug, Subcommand)]
pub enum WorkerTokenCommand {
    /// Create a token serving every project (no server needed); prints only its secret
    Create(CreateWorkerTokenArgs),
    /// List every token of every project, and those serving every project
    List(ListWorkerTokensArgs),
    /// Revoke a token: its workers can no longer take or report jobs
    Revoke(RevokeWorkerTokenArgs),
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
    use crate::config::{Cli, Command};

    fn parse(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("playtest").chain(args.iter().copied()))
            .unwrap()
            .command
    }

    #[test]
    fn token_create_works_on_the_store_named_by_the_data_dir() {
        let Command::Workers(WorkersCommand::Token(WorkerTokenCommand::Create(args))) = parse(&[
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
            parse(&["workers", "token", "revoke", "wtk_1"])
        else {
            panic!()
        };
        assert_eq!(args.id, "wtk_1");
    }
}
