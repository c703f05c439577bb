//! Detectors and the game's health: the part that judges the game. It
//! holds the detectors the session feeds, whether the game vanished for
//! good (no restart allowed), since when it has not answered, and when a
//! ping is due; and it names what stops a game from going on as it is
//! ([`Breakdown`]).
//!
//! Which detectors run is chosen when the session is made
//! ([`Session::with_detectors`](super::Session::with_detectors)); a new
//! kind of judgement is a detector, not a field here.

use std::time::Duration;

use tokio::time::Instant;

use crate::detect::{Detection, DetectorSet, Incident, Moment};

/// Why the game cannot go on as it is.
pub(super) enum Breakdown {
    /// The game vanished (crashed, or never showed).
    Gone(String),
    /// The game stopped answering.
    NoAnswer,
    /// A detector calls the game stuck (frozen, soft-locked).
    Stuck(String),
    /// The game ended by itself, without an error.
    Quit(String),
}

impl Breakdown {
    pub(super) fn reason(&self) -> &str {
        match self {
            Breakdown::Gone(reason) | Breakdown::Stuck(reason) | Breakdown::Quit(reason) => reason,
            Breakdown::NoAnswer => "the game stopped answering",
        }
    }
}

pub(super) struct Watch {
    detectors: DetectorSet,
    /// Why the game is gone for the rest of the session.
    gone: Option<String>,
    unanswered_since: Option<Instant>,
    actions_since_ping: u32,
}

impl Watch {
    pub(super) fn new(detectors: DetectorSet) -> Self {
        Self {
            detectors,
            gone: None,
            unanswered_since: None,
            actions_since_ping: 0,
        }
    }

    /// The game starts afresh.
    pub(super) fn new_life(&mut self) {
        self.gone = None;
        self.unanswered_since = None;
        self.detectors.restarted();
    }

    pub(super) fn observe(&mut self, moment: &Moment<'_>) -> Vec<(&'static str, Detection)> {
        self.detectors.observe(moment)
    }

    pub(super) fn incident(&mut self, incident: &Incident<'_>) -> Vec<(&'static str, Detection)> {
        self.detectors.incident(incident)
    }

    /// One more action; whether a ping is due after `ping_every`.
    pub(super) fn acted(&mut self, ping_every: u32) -> bool {
        self.actions_since_ping += 1;
        self.actions_since_ping >= ping_every
    }

    /// The game is being pinged.
    pub(super) fn pinged(&mut self) {
        self.actions_since_ping = 0;
    }

    /// The game answered (a ping, an observation).
    pub(super) fn answered(&mut self) {
        self.unanswered_since = None;
    }

    /// A ping got no answer.
    pub(super) fn unanswered(&mut self) {
        self.unanswered_since.get_or_insert_with(Instant::now);
    }

    /// How long ago the game stopped answering, while it still does not.
    pub(super) fn unanswered_for(&self) -> Option<Duration> {
        self.unanswered_since.map(|since| since.elapsed())
    }

    /// The game is gone and will not be restarted.
    pub(super) fn give_up(&mut self, reason: String) {
        self.gone = Some(reason);
    }

    pub(super) fn gone(&self) -> Option<&str> {
        self.gone.as_deref()
    }
}
