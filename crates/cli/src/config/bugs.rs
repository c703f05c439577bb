//! The flags of `playtest bugs`: list a run's bugs, show one occurrence,
//! and replay or minimise an occurrence's trace. `replay` and `minimize`
//! exit as `playtest run` does (see [`REPLAY_EXIT_CODES`]), so their usage
//! errors exit 3 too ([`super::names_a_verdict_command`]).

use clap::{Args, Subcommand, value_parser};

use super::{ClientArgs, RunIdArgs};

const REPLAY_EXIT_CODES: &str = "\
Exit codes (with --wait):
    0  replay: the bug appeared again; minimize: the run finished
    1  replay: the bug did not appear; minimize: the bug did not appear at all
    2  infrastructure trouble: the run ended with error, timeout or stopped,
       --timeout passed, or the server could not be reached
    3  usage error: a bad flag, or an occurrence the server does not know
       (or one without a trace: 409 NO_TRACE)
  130  interrupted with Ctrl-C while waiting (the run goes on)
Without --wait: 0 once the run is started, 2 or 3 as above.";

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

#[derive(Debug, Clone, Args)]
pub struct OccurrenceIdArgs {
    /// The occurrence's id (occ_...), as `playtest bugs list` shows it
    #[arg(value_name = "OCCURRENCE_ID")]
    pub occurrence_id: String,
    #[command(flatten)]
    pub client: ClientArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// The occurrence's id (occ_...)
    #[arg(value_name = "OCCURRENCE_ID")]
    pub occurrence_id: String,
    /// Follow the run until it completes and exit with what it found
    #[arg(long)]
    pub wait: bool,
    /// Longest the run may play, in seconds [default: the original run's; 600 for minimize]
    #[arg(long, value_name = "SECONDS", value_parser = value_parser!(i64).range(1..=86_400))]
    pub max_time: Option<i64>,
    /// Stop waiting after this many seconds and exit 2 (implies --wait)
    #[arg(long, value_name = "SECONDS", value_parser = value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// Also print the run's log lines while waiting
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub client: ClientArgs,
}

impl ReplayArgs {
    pub fn waits(&self) -> bool {
        self.wait || self.timeout.is_some()
    }
}
