//! Replaying a bug's trace: does the same fingerprint show again?
//!
//! A replay restarts the game, performs the trace's actions through a
//! fresh session (same settle time, same detectors), and watches for the
//! fingerprint during the actions and for a grace period after the last
//! one (bugs that need time to show: a freeze, a blank screen). The game is
//! never restarted mid-replay: a crash ends it. A game that stops answering
//! does not: the hang is reported and the replay plays on, through the
//! actions and past the grace period, since what hangs may die of it next
//! (a page that allocates until it is killed is unresponsive for seconds
//! before it crashes). Only a game that has not answered for `hang_watch`
//! is given up on.

use std::time::Duration;

use playtest_types::BugTrace;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::driver::Driver;
use crate::error::AgentError;
use crate::session::{Session, SessionSettings, WhenStuck};
use crate::sink::{Finding, Sink, StepUpdate};

#[derive(Debug, Clone, PartialEq)]
pub struct ReplaySettings {
    /// The session's settings (its seed is taken from the trace, it never
    /// restarts, watches hangs on and does not log every action).
    pub session: SessionSettings,
    /// How long to keep watching after the last action.
    pub grace: Duration,
    /// Between two observations of the grace period.
    pub grace_interval: Duration,
    /// How long a game that stopped answering is watched (for it to crash
    /// or recover) before the replay gives up on it.
    pub hang_watch: Duration,
}

impl Default for ReplaySettings {
    fn default() -> Self {
        Self {
            session: SessionSettings::default(),
            grace: Duration::from_secs(3),
            grace_interval: Duration::from_millis(250),
            hang_watch: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplayOutcome {
    pub reproduced: bool,
    /// How many of the trace's actions had been performed when the
    /// fingerprint showed (0: while the game started; the trace's length:
    /// after the last action, during the grace period).
    pub at_action: Option<usize>,
    /// The finding of the replay with that fingerprint.
    pub finding: Option<Finding>,
    /// Findings with other fingerprints seen on the way.
    pub other_findings: Vec<Finding>,
}

/// Forwards a replay's log lines; its findings are returned, not reported.
struct ReplaySink<'a>(&'a dyn Sink);

impl Sink for ReplaySink<'_> {
    fn step(&self, _update: StepUpdate) {}
    fn finding(&self, _finding: Finding) {}
    fn log(&self, line: String) {
        self.0.log(format!("[replay] {line}"));
    }
}

/// Replays `trace` once and tells whether `fingerprint` showed.
pub async fn replay(
    driver: &mut dyn Driver,
    sink: &dyn Sink,
    trace: &BugTrace,
    fingerprint: &str,
    settings: &ReplaySettings,
    stop: &CancellationToken,
) -> Result<ReplayOutcome, AgentError> {
    let quiet = ReplaySink(sink);
    let session_settings = SessionSettings {
        seed: trace.seed,
        when_stuck: WhenStuck::WatchHangs,
        log_actions: false,
        ..settings.session.clone()
    };
    let mut session = Session::new(driver, &quiet, session_settings, stop.clone());
    let at_action = play(&mut session, trace, fingerprint, settings).await?;
    let finding = session.finding(fingerprint).cloned();
    let other_findings = session
        .findings()
        .into_iter()
        .filter(|f| f.fingerprint != fingerprint)
        .cloned()
        .collect();
    Ok(ReplayOutcome {
        reproduced: at_action.is_some(),
        at_action,
        finding,
        other_findings,
    })
}

/// The number of actions performed when the fingerprint showed, if it did.
async fn play(
    session: &mut Session<'_>,
    trace: &BugTrace,
    fingerprint: &str,
    settings: &ReplaySettings,
) -> Result<Option<usize>, AgentError> {
    let shown = |session: &Session<'_>| session.occurrences(fingerprint) > 0;
    match session.restart("replaying a bug").await {
        Ok(()) => {}
        Err(AgentError::GameGone(_)) => return Ok(shown(session).then_some(0)),
        Err(other) => return Err(other),
    }
    if shown(session) {
        return Ok(Some(0));
    }
    for (index, action) in trace.actions.iter().enumerate() {
        match session.perform(action).await {
            Ok(_) => {}
            Err(AgentError::BadAction(reason)) => session.log(format!(
                "Action {} could not be performed: {reason}",
                index + 1
            )),
            Err(AgentError::GameGone(_)) => return Ok(shown(session).then_some(index + 1)),
            Err(other) => return Err(other),
        }
        if shown(session) {
            return Ok(Some(index + 1));
        }
        if hung_for_good(session, settings) {
            session.log("The game has not answered for too long; giving up.");
            return Ok(None);
        }
    }
    let grace_ends = Instant::now() + settings.grace;
    while Instant::now() < grace_ends
        || (session.unanswered_for().is_some() && !hung_for_good(session, settings))
    {
        match session.wait_and_observe(settings.grace_interval).await {
            Ok(()) => {}
            Err(AgentError::GameGone(_)) => break,
            Err(other) => return Err(other),
        }
        if shown(session) {
            return Ok(Some(trace.actions.len()));
        }
    }
    Ok(shown(session).then_some(trace.actions.len()))
}

/// The game has not answered for `hang_watch`: nothing more will show.
fn hung_for_good(session: &Session<'_>, settings: &ReplaySettings) -> bool {
    session
        .unanswered_for()
        .is_some_and(|unanswered| unanswered >= settings.hang_watch)
}
