//! Everything the `playtest` binary reads from its command line and its
//! environment, parsed once by clap: each flag of `serve` also comes from
//! `PLAYTEST_<FLAG>`, and client commands read `PLAYTEST_API_URL` and
//! `PLAYTEST_API_KEY`. No other module reads flags or the environment;
//! commands receive these typed values, with defaults already resolved by
//! the methods here.
//!
//! This module is the command tree: [`Cli`], [`Command`] and the
//! subcommands of each group. The flags of each command are with the part
//! of the binary that runs it: `server` (serve, worker, migrate, the
//! credentials made on the store), `ci` (upload, run, runs watch, bugs
//! replay), `resources` (the resource commands); `client` holds what every
//! client command shares (the server's URL and key, pages, ids, input).

mod ci;
mod client;
mod resources;
mod server;

use clap::{Parser, Subcommand};

pub use ci::*;
pub use client::*;
pub use resources::*;
pub use server::*;

#[derive(Debug, Parser)]
#[command(
    name = "playtest",
    version,
    about = "Self-hostable game play-testing: the server and its command-line client"
)]
pub struct Cli {
    /// Log filter in tracing's syntax (default: info for serve and migrate,
    /// warn otherwise).
    #[arg(long = "log", env = "RUST_LOG", global = true, hide = true)]
    pub log: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server
    // Boxed: its flags outweigh every other command's by far.
    Serve(Box<ServeArgs>),
    /// Run a worker: lease jobs from a server and play them in a sandbox
    Worker(WorkerArgs),
    /// Apply pending database migrations and exit
    Migrate(StoreArgs),
    /// Manage API keys
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Manage tests
    #[command(subcommand)]
    Tests(TestsCommand),
    /// Manage test plans
    #[command(subcommand)]
    TestPlans(SpecCommand),
    /// Manage deployment configs
    #[command(subcommand)]
    Configs(SpecCommand),
    /// Start, list, inspect and stop runs
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Read the bugs a run found; replay and minimise their traces
    #[command(subcommand)]
    Bugs(BugsCommand),
    /// Upload a build (resumable, in parallel parts)
    Upload(UploadArgs),
    /// List, show, download and delete builds
    #[command(subcommand)]
    Builds(BuildsCommand),
    /// Run a test or a test plan for CI: upload, start, wait, exit with the verdict
    Run(RunArgs),
    /// List workers; create, list and revoke worker tokens
    #[command(subcommand)]
    Workers(WorkersCommand),
}

impl Command {
    /// Whether this command runs the server or works on the database, and
    /// so logs at `info` by default.
    pub fn is_server_side(&self) -> bool {
        matches!(
            self,
            Command::Serve(_) | Command::Migrate(_) | Command::Worker(_)
        )
    }

    /// Whether this command exits with a verdict (0 passed, 1 failed,
    /// 2 infrastructure trouble, 3 usage error) rather than 0 or 1.
    pub fn exits_with_verdict(&self) -> bool {
        match self {
            Command::Run(_) | Command::Runs(RunsCommand::Watch(_)) => true,
            Command::Bugs(bugs) => bugs.exits_with_verdict(),
            _ => false,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key in the database directly (no server needed); prints only its secret
    Create(CreateKeyArgs),
    /// List the project's keys
    List(ClientArgs),
    /// Disable a key: requests made with it fail until it is enabled again
    Disable(KeyIdArgs),
    /// Enable a disabled key
    Enable(KeyIdArgs),
    /// Delete a key for good
    Delete(KeyIdArgs),
}

#[derive(Debug, Subcommand)]
pub enum TestsCommand {
    /// List tests
    List(ListArgs),
    /// Show one test with its players and steps
    Show(IdArgs),
    /// Create a test from a JSON file
    Create(FileArgs),
    /// Replace a test's definition with a JSON file
    Update(UpdateTestArgs),
    /// Delete a test (and its assets)
    Delete(IdArgs),
    /// Upload, list and delete the images a test's screen_similar checks use
    #[command(subcommand)]
    Asset(AssetCommand),
}

#[derive(Debug, Subcommand)]
pub enum AssetCommand {
    /// Upload an image (PNG or JPEG, at most 10 MiB) as a test's asset, replacing one of that name
    Put(PutAssetArgs),
    /// List a test's assets
    List(TestIdArgs),
    /// Delete a test's asset
    Delete(AssetNameArgs),
}

/// The commands of test plans and deployment configs.
#[derive(Debug, Subcommand)]
pub enum SpecCommand {
    /// List them
    List(ListArgs),
    /// Show one
    Show(IdArgs),
    /// Create one from a JSON file
    Create(FileArgs),
    /// Replace one's definition with a JSON file
    Update(UpdateArgs),
    /// Delete one
    Delete(IdArgs),
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List runs, newest first
    List(ListRunsArgs),
    /// Show one run with its players, steps and artifacts
    Show(RunIdArgs),
    /// Stop jobs
    Stop(StopRunsArgs),
    /// Start a test or a test plan
    Start(StartRunArgs),
    /// Follow a run live until it completes; exit with its verdict
    Watch(WatchArgs),
}

#[derive(Debug, Subcommand)]
pub enum BugsCommand {
    /// List the bugs one run found
    List(RunIdArgs),
    /// Show one bug occurrence: its evidence, reproduction steps and trace length
    Show(OccurrenceIdArgs),
    /// Play an occurrence's trace again in a new run: does the bug still happen?
    #[command(after_help = REPLAY_EXIT_CODES)]
    Replay(ReplayArgs),
    /// Shorten an occurrence's trace to the fewest actions that still show the bug
    #[command(after_help = REPLAY_EXIT_CODES)]
    Minimize(ReplayArgs),
}

impl BugsCommand {
    /// Whether this command exits as `playtest run` does.
    pub fn exits_with_verdict(&self) -> bool {
        matches!(self, BugsCommand::Replay(_) | BugsCommand::Minimize(_))
    }
}

#[derive(Debug, Subcommand)]
pub enum BuildsCommand {
    /// List builds, newest first
    List(ListBuildsArgs),
    /// Show one build with its details
    Show(BuildIdArgs),
    /// Delete a build
    Delete(BuildIdArgs),
    /// Download a build's file
    Download(DownloadArgs),
}

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

/// What the tests of the flags parse command lines with.
#[cfg(test)]
pub(crate) mod testing {
    use clap::Parser;

    use super::{Cli, Command};

    /// The command `playtest ARGS...` stands for.
    pub fn parse(args: &[&str]) -> Result<Command, clap::Error> {
        Cli::try_parse_from(std::iter::once("playtest").chain(args.iter().copied()))
            .map(|cli| cli.command)
    }

    /// As [`parse`], for arguments that must parse.
    pub fn command(args: &[&str]) -> Command {
        parse(args).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
