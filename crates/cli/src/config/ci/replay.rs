//! The flags of `playtest bugs replay` and `bugs minimize`: play an
//! occurrence's trace again, or shorten it. They exit as `playtest run`
//! does (see [`REPLAY_EXIT_CODES`]), so their usage errors exit 3 too
//! ([`super::names_a_verdict_command`]).

use clap::{Args, value_parser};

use crate::config::ClientArgs;

pub const REPLAY_EXIT_CODES: &str = "\
Exit codes (with --wait):
    0  replay: the bug appeared again; minimize: the run finished
    1  replay: the bug did not appear; minimize: the bug did not appear at all
    2  infrastructure trouble: the run ended with error, timeout or stopped,
       --timeout passed, or the server could not be reached
    3  usage error: a bad flag, or an occurrence the server does not know
       (or one without a trace: 409 NO_TRACE)
  130  interrupted with Ctrl-C while waiting (the run goes on)
Without --wait: 0 once the run is started, 2 or 3 as above.";

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
