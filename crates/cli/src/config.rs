//! Everything the `playtest` binary reads from its command line and its
//! environment, parsed once by clap: each flag of `serve` also comes from
//! `PLAYTEST_<FLAG>`, and client commands read `PLAYTEST_API_URL` and
//! `PLAYTEST_API_KEY`. No other module reads flags or the environment;
//! commands receive these typed values, with defaults already resolved by
//! the methods here. The flags of uploads and builds are in `builds`,
//! those of `run` and `runs watch` in `running`, those of `workers` in
//! `workers`, those of `bugs` in `bugs`, those of test assets in `assets`.

mod assets;
mod bugs;
mod builds;
mod engine;
mod running;
mod storage;
mod worker;
mod workers;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use playtest_api::keys::DEFAULT_PROJECT;
use playtest_client::Secret;
use playtest_types::{Permission, RunStateFilter};

pub use assets::*;
pub use bugs::*;
pub use builds::*;
pub use engine::*;
pub use running::*;
pub use storage::*;
pub use worker::*;
pub use workers::*;

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
    Serve(ServeArgs),
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

/// Where the metadata lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Folder of the default SQLite database and of the default blob store
    #[arg(
        long,
        env = "PLAYTEST_DATA_DIR",
        value_name = "DIR",
        default_value = "./playtest-data"
    )]
    pub data_dir: PathBuf,
    /// Database URL, sqlite://PATH or postgres://... [default: sqlite://<DIR>/playtest.db]
    #[arg(
        long,
        env = "PLAYTEST_DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

impl StoreArgs {
    /// The database URL, the default SQLite file in the data dir when none is given.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => default_database_url(&self.data_dir),
        }
    }

    /// Whether the database is the default one inside the data dir (which
    /// must then exist before the database can be created).
    pub fn uses_data_dir(&self) -> bool {
        self.database_url.is_none()
    }
}

fn default_database_url(data_dir: &Path) -> String {
    let dir = data_dir.to_string_lossy();
    format!("sqlite://{}/playtest.db", dir.trim_end_matches('/'))
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(
        long,
        env = "PLAYTEST_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub storage: StorageArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Base of the absolute URLs the API hands out [default: http://<bound address>]
    #[arg(long, env = "PLAYTEST_PUBLIC_URL", value_name = "URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Requests per second each API key may make on average (0: no limit) [default: 100]
    #[arg(long, env = "PLAYTEST_RATE_LIMIT_PER_SECOND", value_name = "F", value_parser = parse_rate)]
    pub rate_limit_per_second: Option<f64>,
    /// Requests an API key may make at once before the rate applies [default: 200]
    #[arg(long, env = "PLAYTEST_RATE_LIMIT_BURST", value_name = "N")]
    pub rate_limit_burst: Option<u32>,
    /// Largest request body accepted, in bytes [default: 1048576]
    #[arg(long, env = "PLAYTEST_MAX_BODY_BYTES", value_name = "N")]
    pub max_body_bytes: Option<usize>,
}

fn parse_public_url(given: &str) -> Result<String, String> {
    let url = given.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() => Ok(url.to_string()),
        _ => {
            Err("must be an http:// or https:// URL, e.g. https://playtest.example.com".to_string())
        }
    }
}

fn parse_rate(given: &str) -> Result<f64, String> {
    match given.parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate >= 0.0 => Ok(rate),
        _ => Err("must be a number of requests per second, 0 or more".to_string()),
    }
}

/// How client commands reach the server, and how they print.
#[derive(Debug, Clone, Args)]
pub struct ClientArgs {
    /// URL of the playtest server
    #[arg(
        long,
        env = "PLAYTEST_API_URL",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub api_url: String,
    /// API key (prefer the environment variable: flags show up in process lists)
    #[arg(long, env = "PLAYTEST_API_KEY", value_name = "KEY", hide_env_values = true, value_parser = parse_secret)]
    pub api_key: Option<Secret>,
    /// Print the API's JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

fn parse_secret(given: &str) -> Result<Secret, String> {
    Ok(Secret::new(given.trim()))
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
pub struct KeyIdArgs {
    /// The key's id (key_...)
    pub id: String,
    #[command(flatten)]
    pub client: ClientArgs,
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

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub paging: PageArgs,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Which page of a list to show; every list command takes these.
#[derive(Debug, Clone, Args)]
pub struct PageArgs {
    /// Page to show, from 0
    #[arg(long)]
    pub page: Option<i64>,
    /// Items per page, 1 to 100
    #[arg(long)]
    pub page_size: Option<i64>,
}

impl PageArgs {
    pub fn query(&self) -> playtest_types::PageQuery {
        playtest_types::PageQuery {
            page: self.page,
            page_size: self.page_size,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct IdArgs {
    pub id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// A JSON document to read: a file, or standard input for `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

fn parse_input(given: &str) -> Result<Input, String> {
    Ok(if given == "-" {
        Input::Stdin
    } else {
        Input::File(PathBuf::from(given))
    })
}

#[derive(Debug, Clone, Args)]
pub struct FileArgs {
    /// The JSON definition ('-' reads standard input)
    #[arg(long, short = 'f', value_name = "FILE", value_parser = parse_input)]
    pub file: Input,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    pub id: String,
    /// The new JSON definition ('-' reads standard input)
    #[arg(long, short = 'f', value_name = "FILE", value_parser = parse_input)]
    pub file: Input,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct UpdateTestArgs {
    pub id: String,
    /// The new JSON definition ('-' reads standard input)
    #[arg(long, short = 'f', value_name = "FILE", value_parser = parse_input)]
    pub file: Input,
    /// Refuse the update if the test is no longer at this version
    #[arg(long, value_name = "N")]
    pub expected_version: Option<i64>,
    #[command(flatten)]
    pub client: ClientArgs,
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

/// Which runs to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    Running,
    Completed,
    All,
}

impl From<StateArg> for RunStateFilter {
    fn from(state: StateArg) -> Self {
        match state {
            StateArg::Running => RunStateFilter::Running,
            StateArg::Completed => RunStateFilter::Completed,
            StateArg::All => RunStateFilter::All,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ListRunsArgs {
    #[arg(long, value_enum)]
    pub state: Option<StateArg>,
    #[command(flatten)]
    pub paging: PageArgs,
    /// Comma-separated tags; a run must carry all of them
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Only the run of this job
    #[arg(long)]
    pub job_id: Option<String>,
    /// Only the runs of this test plan execution
    #[arg(long)]
    pub test_plan_execution_id: Option<String>,
    /// Only runs that found bugs
    #[arg(long)]
    pub bugs: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RunIdArgs {
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct StopRunsArgs {
    #[arg(value_name = "JOB_ID", required = true)]
    pub job_ids: Vec<String>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["test", "test_plan"])))]
pub struct StartRunArgs {
    /// The test to run
    #[arg(long, value_name = "TEST_ID")]
    pub test: Option<String>,
    /// The test plan to run
    #[arg(long, value_name = "PLAN_ID")]
    pub test_plan: Option<String>,
    /// The deployment config to run against
    #[arg(long, value_name = "CONFIG_ID")]
    pub config: String,
    /// Play this build instead of the config's
    #[arg(long)]
    pub build_id: Option<String>,
    /// A tag for the runs (repeat for more)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Run each test this many times in parallel (1 to 10)
    #[arg(long, value_name = "N")]
    pub instances: Option<i64>,
    /// Re-queue a job this many times after an error, timeout or stop (0 to 10)
    #[arg(long, value_name = "N")]
    pub retries: Option<i64>,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Command {
        Cli::try_parse_from(std::iter::once("playtest").chain(args.iter().copied()))
            .unwrap()
            .command
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_default_database_is_sqlite_in_the_data_dir() {
        let store = StoreArgs {
            data_dir: "/tmp/pt/".into(),
            database_url: None,
        };
        assert_eq!(store.database_url(), "sqlite:///tmp/pt/playtest.db");
        assert!(store.uses_data_dir());
        let relative = StoreArgs {
            data_dir: "./playtest-data".into(),
            database_url: None,
        };
        assert_eq!(
            relative.database_url(),
            "sqlite://./playtest-data/playtest.db"
        );
    }

    #[test]
    fn a_database_url_overrides_the_data_dir() {
        let store = StoreArgs {
            data_dir: "/x".into(),
            database_url: Some("postgres://db/pt".into()),
        };
        assert_eq!(store.database_url(), "postgres://db/pt");
        assert!(!store.uses_data_dir());
    }

    #[test]
    fn the_blob_store_is_a_folder_unless_given_a_url() {
        let target = |args: &[&str]| {
            let Command::Serve(serve) = parse(args) else {
                panic!()
            };
            serve.storage.blob_target(&serve.store.data_dir).unwrap()
        };
        assert_eq!(
            target(&["serve", "--data-dir", "/d"]),
            BlobTarget::Folder("/d/blobs".into())
        );
        assert_eq!(
            target(&["serve", "--blob-store", "file:///b"]),
            BlobTarget::Folder("/b".into())
        );
        let BlobTarget::S3(settings) = target(&[
            "serve",
            "--blob-store",
            "s3://bucket?endpoint=http://127.0.0.1:9000",
            "--s3-access-key-id",
            "id",
            "--s3-secret-access-key",
            "secret",
        ]) else {
            panic!("expected S3")
        };
        assert_eq!(settings.bucket, "bucket");
        assert_eq!(settings.access_key_id.as_deref(), Some("id"));
        assert_eq!(
            settings.secret_access_key.as_ref().map(|s| s.expose()),
            Some("secret")
        );
    }

    #[test]
    fn upload_rules_come_from_flags_with_sizes_in_units() {
        let Command::Serve(serve) = parse(&[
            "serve",
            "--part-size",
            "5MiB",
            "--multipart-threshold",
            "10MiB",
            "--storage-capacity",
            "1GiB",
        ]) else {
            panic!()
        };
        let rules = serve.storage.upload_settings();
        assert_eq!(rules.part_size, 5 << 20);
        assert_eq!(rules.multipart_threshold, 10 << 20);
        assert_eq!(rules.default_capacity, Some(1 << 30));
        assert_eq!(rules.multipart_timeout_minutes, 60);
    }

    #[test]
    fn permissions_are_a_comma_list_of_known_names() {
        let command = parse(&[
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
    fn runs_start_needs_exactly_one_of_a_test_and_a_plan() {
        let base = ["playtest", "runs", "start", "--config", "dcf_1"];
        assert!(Cli::try_parse_from(base).is_err());
        assert!(
            Cli::try_parse_from([&base[..], &["--test", "t", "--test-plan", "p"]].concat())
                .is_err()
        );
        assert!(Cli::try_parse_from([&base[..], &["--test", "t"]].concat()).is_ok());
    }

    #[test]
    fn a_dash_reads_standard_input() {
        let Command::Configs(SpecCommand::Create(args)) =
            parse(&["configs", "create", "--file", "-"])
        else {
            panic!()
        };
        assert_eq!(args.file, Input::Stdin);
    }

    #[test]
    fn the_public_url_must_be_http_and_loses_its_trailing_slash() {
        assert_eq!(
            parse_public_url("https://pt.example/").unwrap(),
            "https://pt.example"
        );
        assert!(parse_public_url("pt.example").is_err());
        assert!(parse_public_url("http://").is_err());
    }

    #[test]
    fn the_rate_must_be_a_finite_non_negative_number() {
        assert_eq!(parse_rate("2.5").unwrap(), 2.5);
        assert!(parse_rate("-1").is_err());
        assert!(parse_rate("inf").is_err());
        assert!(parse_rate("NaN").is_err());
    }
}
