//! The flags of the commands CI runs: `playtest run` (upload, start, wait,
//! judge) and `playtest runs watch` (follow one run and judge it). Both
//! exit with a verdict, documented under their `--help` and decided in
//! [`playtest_ci::verdict`]; usage errors of these two exit 3, which
//! is why [`names_a_verdict_command`] can tell them from the raw arguments
//! when clap refuses them.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, ValueEnum, value_parser};
use playtest_ci::wait::Waiting;
use playtest_types::{BuildPlatform, Severity};

use crate::config::client::{ClientArgs, platform_parser};

/// The exit codes in brief, under `-h`.
const EXIT_CODES_BRIEF: &str =
    "Exit codes: 0 passed, 1 failed, 2 infrastructure trouble, 3 usage error (--help says more)";

/// The exit codes, shown under the `--help` of both commands.
const EXIT_CODES: &str = "\
Exit codes:
    0  every run passed (and found no bug at or above --fail-on)
    1  a test failed, or a run found a bug at or above --fail-on
       (this wins over 2: a failure found is a verdict on the build)
    2  infrastructure trouble: a run ended with error, timeout or stopped,
       --timeout passed with runs still going, or the server could not be
       reached for two minutes while waiting
    3  usage error: a bad flag, a missing build file, or an id the server
       does not know (its 400 and 404 answers, and 401/403 for the key)
  130  interrupted with Ctrl-C while waiting (the runs go on)";

const RUN_HELP: &str = "\
Uploads the build when given a file (--build), starts the test or every test
of the plan, and prints the run ids, one per line. With --wait (implied by
--junit, --timeout and --fail-on) it then follows every run's events until
all runs completed, prints a summary, and exits with the verdict below.
Without waiting it exits 0 once the runs are started.

With --json, standard output is JSON lines: one {\"kind\": \"started\", ...}
line, then (when waiting) one line per event with its run_id, and a last
{\"kind\": \"summary\", ...} line.

";

const WATCH_HELP: &str = "\
Prints the run's events (state changes, step results, bugs; log lines with
--verbose) from the start until the run completes, then a summary, and exits
with the verdict below. With --json, one JSON line per event, then a
{\"kind\": \"summary\", ...} line.

";

/// The lowest bug severity that fails the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Low,
    Medium,
    High,
    Critical,
    /// Bugs never fail the verdict
    None,
}

impl FailOn {
    /// Default `high`: a CI gate that stays green while the agent reports
    /// a major bug (a crash, a blocked level) gates nothing; `critical`
    /// alone would let those through, `medium` would fail on cosmetics.
    pub const DEFAULT: FailOn = FailOn::High;

    /// The severity from which bugs fail the verdict, if any.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::None => None,
        }
    }
}

/// How to wait for runs and judge them; `run` and `runs watch` share these.
#[derive(Debug, Clone, Args)]
pub struct WaitArgs {
    /// Write a JUnit XML report of the runs to FILE
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Fail on bugs of this severity or worse; 'none' ignores bugs [default: high]
    #[arg(long, value_enum, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Stop waiting after this many seconds and exit 2, naming the runs still going
    #[arg(long, value_name = "SECONDS", value_parser = value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// Also print the runs' log lines
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

impl WaitArgs {
    /// The severity from which bugs fail the verdict.
    pub fn threshold(&self) -> Option<Severity> {
        self.fail_on.unwrap_or(FailOn::DEFAULT).threshold()
    }

    /// How to wait, with JSON lines on standard output when `json`.
    pub fn resolve(&self, json: bool) -> Waiting {
        Waiting {
            junit: self.junit.clone(),
            threshold: self.threshold(),
            timeout: self.timeout.map(Duration::from_secs),
            verbose: self.verbose,
            json,
        }
    }

    /// Whether a flag that only makes sense while waiting was given.
    fn asks_to_wait(&self) -> bool {
        self.junit.is_some() || self.timeout.is_some() || self.fail_on.is_some()
    }
}

#[derive(Debug, Clone, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["test", "test_plan"])))]
#[command(after_help = EXIT_CODES_BRIEF, after_long_help = format!("{RUN_HELP}{EXIT_CODES}"))]
pub struct RunArgs {
    /// The test to run
    #[arg(long, value_name = "TEST_ID")]
    pub test: Option<String>,
    /// The test plan to run (every test in it)
    #[arg(long, value_name = "PLAN_ID")]
    pub test_plan: Option<String>,
    /// The deployment config to run against
    #[arg(long, value_name = "CONFIG_ID")]
    pub config: String,
    /// Upload this build file first and play it instead of the config's build
    #[arg(long, value_name = "FILE", conflicts_with = "build_id")]
    pub build: Option<PathBuf>,
    /// Play this uploaded build instead of the config's
    #[arg(long, value_name = "BUILD_ID")]
    pub build_id: Option<String>,
    /// The uploaded build's name [default: the file's name]
    #[arg(long, value_name = "NAME", requires = "build")]
    pub build_name: Option<String>,
    /// The uploaded build's platform [default: the deployment config's kind]
    #[arg(long, value_parser = platform_parser(), requires = "build")]
    pub platform: Option<BuildPlatform>,
    /// Wait for the runs to complete and exit with their verdict
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub waiting: WaitArgs,
    /// A tag for the runs (repeat for more)
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Re-queue a job this many times after an error, timeout or stop (0 to 10)
    #[arg(long, value_name = "N")]
    pub retries: Option<i64>,
    /// Run each test this many times in parallel (1 to 10)
    #[arg(long, value_name = "N")]
    pub instances: Option<i64>,
    #[command(flatten)]
    pub client: ClientArgs,
}

impl RunArgs {
    /// Whether to follow the runs after starting them.
    pub fn waits(&self) -> bool {
        self.wait || self.waiting.asks_to_wait()
    }
}

#[derive(Debug, Clone, Args)]
#[command(after_help = EXIT_CODES_BRIEF, after_long_help = format!("{WATCH_HELP}{EXIT_CODES}"))]
pub struct WatchArgs {
    /// The run to follow
    #[arg(value_name = "RUN_ID")]
    pub run_id: String,
    #[command(flatten)]
    pub waiting: WaitArgs,
    #[command(flatten)]
    pub client: ClientArgs,
}

/// Whether the command line (without the program name) is `playtest run`,
/// `playtest runs watch`, `playtest bugs replay` or `playtest bugs
/// minimize`, whose usage errors exit 3 instead of clap's 2.
/// Looks at the first two words that are not flags, so that it works on
/// arguments clap refused.
pub fn names_a_verdict_command<I: IntoIterator<Item = OsString>>(args: I) -> bool {
    let mut words = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg.to_string_lossy().into_owned();
        if arg == "--log" {
            args.next();
        } else if !arg.starts_with('-') {
            words.push(arg);
            if words.len() == 2 {
                break;
            }
        }
    }
    match words.as_slice() {
        [first, ..] if first == "run" => true,
        [first, second] => {
            (first == "runs" && second == "watch")
                || (first == "bugs" && (second == "replay" || second == "minimize"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::parse;
    use crate::config::{Cli, Command, RunsCommand};

    fn run_args(extra: &[&str]) -> RunArgs {
        let args = [&["run", "--test", "t", "--config", "c"][..], extra].concat();
        match parse(&args).unwrap() {
            Command::Run(args) => args,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn run_waits_only_when_asked_or_given_a_flag_that_needs_waiting() {
        assert!(!run_args(&[]).waits());
        assert!(run_args(&["--wait"]).waits());
        assert!(run_args(&["--junit", "r.xml"]).waits());
        assert!(run_args(&["--timeout", "60"]).waits());
        assert!(run_args(&["--fail-on", "none"]).waits());
        assert!(!run_args(&["-v", "--tag", "ci"]).waits());
    }

    #[test]
    fn bugs_fail_from_high_by_default_and_none_turns_that_off() {
        assert_eq!(run_args(&[]).waiting.threshold(), Some(Severity::High));
        let critical = run_args(&["--fail-on", "critical"]);
        assert_eq!(critical.waiting.threshold(), Some(Severity::Critical));
        assert_eq!(run_args(&["--fail-on", "none"]).waiting.threshold(), None);
    }

    #[test]
    fn run_takes_a_build_file_or_a_build_id_but_not_both() {
        let args = run_args(&["--build", "g.zip", "--platform", "web"]);
        assert_eq!(args.build, Some(PathBuf::from("g.zip")));
        assert_eq!(args.platform, Some(BuildPlatform::Web));
        let both = [
            "run",
            "--test",
            "t",
            "--config",
            "c",
            "--build",
            "g",
            "--build-id",
            "b",
        ];
        assert!(parse(&both).is_err());
        let name_alone = ["run", "--test", "t", "--config", "c", "--build-name", "n"];
        assert!(parse(&name_alone).is_err());
        assert!(parse(&["run", "--config", "c"]).is_err());
        assert!(parse(&["run", "--test", "t", "--config", "c", "--timeout", "0"]).is_err());
    }

    #[test]
    fn runs_watch_takes_a_run_id_and_the_waiting_flags() {
        let Command::Runs(RunsCommand::Watch(args)) =
            parse(&["runs", "watch", "abc", "--json", "--fail-on", "low", "-v"]).unwrap()
        else {
            panic!()
        };
        assert_eq!(args.run_id, "abc");
        assert!(args.client.json && args.waiting.verbose);
        assert_eq!(args.waiting.threshold(), Some(Severity::Low));
    }

    #[test]
    fn the_verdict_commands_are_recognised_from_their_raw_arguments() {
        let words = |args: &[&str]| names_a_verdict_command(args.iter().map(OsString::from));
        assert!(words(&["run", "--bogus"]));
        assert!(words(&["--log", "debug", "run"]));
        assert!(words(&["runs", "watch"]));
        assert!(words(&["runs", "--json", "watch", "x"]));
        assert!(!words(&["runs", "list"]));
        assert!(words(&["bugs", "replay", "--bogus"]));
        assert!(words(&["bugs", "minimize"]));
        assert!(!words(&["bugs", "show"]));
        assert!(!words(&["runs"]));
        assert!(!words(&["keys", "create", "run"]));
        assert!(!words(&[]));
    }

    #[test]
    fn the_help_of_both_commands_lists_the_exit_codes() {
        use clap::CommandFactory;
        let mut cli = Cli::command();
        let run = cli.find_subcommand_mut("run").unwrap().render_long_help();
        assert!(run.to_string().contains("3  usage error"), "{run}");
        let watch = cli
            .find_subcommand_mut("runs")
            .unwrap()
            .find_subcommand_mut("watch")
            .unwrap()
            .render_long_help();
        assert!(
            watch.to_string().contains("2  infrastructure trouble"),
            "{watch}"
        );
    }
}
