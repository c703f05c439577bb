//! The flags of the resource commands: tests and their assets, runs
//! (list, show, stop, start), builds (list, show, delete, download), bug
//! occurrences and API keys. Their subcommands are in the command tree
//! ([`super`]); those of test plans and configs are all shared
//! ([`super::client`]).

use std::path::PathBuf;

use clap::{ArgGroup, Args, ValueEnum};
use playtest_types::{BuildPlatform, RunStateFilter};

use super::client::{ClientArgs, Input, PageArgs, parse_input, platform_parser};

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

#[derive(Debug, Clone, Args)]
pub struct PutAssetArgs {
    #[arg(value_name = "TEST_ID")]
    pub test_id: String,
    /// The name checks refer to it by (screen_similar.asset), like menu.png
    #[arg(value_name = "NAME")]
    pub name: String,
    /// The image file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct TestIdArgs {
    #[arg(value_name = "TEST_ID")]
    pub test_id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct AssetNameArgs {
    #[arg(value_name = "TEST_ID")]
    pub test_id: String,
    #[arg(value_name = "NAME")]
    pub name: String,
    #[command(flatten)]
    pub client: ClientArgs,
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

#[derive(Debug, Clone, Args)]
pub struct ListBuildsArgs {
    /// Only builds for this platform
    #[arg(long, value_parser = platform_parser())]
    pub platform: Option<BuildPlatform>,
    /// Comma-separated tags; a build must carry all of them
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Only builds whose name contains this text
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub paging: PageArgs,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct BuildIdArgs {
    #[arg(value_name = "BUILD_ID")]
    pub id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DownloadArgs {
    #[arg(value_name = "BUILD_ID")]
    pub id: String,
    /// Where to write the file [default: the build's file name, in the current folder]
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite the file if it exists
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct OccurrenceIdArgs {
    /// The occurrence's id (occ_...), as `playtest bugs list` shows it
    #[arg(value_name = "OCCURRENCE_ID")]
    pub occurrence_id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct KeyIdArgs {
    /// The key's id (key_...)
    pub id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::config::testing::parse;
    use crate::config::{BuildsCommand, Cli, Command};

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
    fn builds_download_takes_an_output_file() {
        let Command::Builds(BuildsCommand::Download(args)) =
            parse(&["builds", "download", "bld_1", "-o", "/tmp/g.apk"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(args.output, Some(PathBuf::from("/tmp/g.apk")));
        assert!(!args.force);
    }
}
