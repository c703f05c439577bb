//! How a session behaves: the agent's own choices (how often it asks the
//! game whether it answers, how long it gives it, what it records, what it
//! does with a game that cannot go on). How long to wait for a game's
//! screen is not here: that is the platform's, said by the driver
//! ([`Driver::timing`](crate::driver::Driver::timing)).

use std::time::Duration;

use playtest_ocr::Tesseract;

use crate::cells::CellSettings;
use crate::detect::DetectorSettings;

#[derive(Debug, Clone, PartialEq)]
pub struct SessionSettings {
    /// Seed of the run: written into traces, and the explorer's choices.
    pub seed: u64,
    /// The run ends (`DeadlineReached`) after this long.
    pub max_duration: Option<Duration>,
    /// Ping the game every this many actions.
    pub ping_every: u32,
    /// How long a ping may take before the game counts as hung.
    pub ping_timeout: Duration,
    /// A driver call (an observation, an input beyond its own wait) that
    /// takes longer is abandoned as timed out, then the game is pinged.
    pub call_timeout: Duration,
    /// Pauses between actions shorter than this are not recorded.
    pub min_recorded_pause: Duration,
    /// Write every action to the sink's log.
    pub log_actions: bool,
    /// What to do with a game that vanished, stopped answering or got stuck.
    pub when_stuck: WhenStuck,
    pub cells: CellSettings,
    pub detectors: DetectorSettings,
    /// What reads the screen's text when the driver has no document
    /// ([`Driver::visible_text`](crate::driver::Driver::visible_text) is
    /// `None`): `text_visible` checks on native games.
    pub ocr: Tesseract,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            seed: 0,
            max_duration: None,
            ping_every: 10,
            ping_timeout: Duration::from_secs(5),
            call_timeout: Duration::from_secs(10),
            min_recorded_pause: Duration::from_millis(50),
            log_actions: true,
            when_stuck: WhenStuck::Restart,
            cells: CellSettings::default(),
            detectors: DetectorSettings::default(),
            ocr: Tesseract::default(),
        }
    }
}

/// What a session does with a game that cannot go on as it is: vanished
/// (crashed), stopped answering (hung), or stuck (frozen, soft-locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenStuck {
    /// Restart it, whatever happened (the explorer: the run goes on).
    Restart,
    /// Never restart; a game that vanished or stopped answering ends the
    /// session (`GameGone`), a stuck one plays on (a verification run
    /// checks its steps against whatever it sees).
    End,
    /// Never restart; only a game that vanished ends the session. One that
    /// stopped answering is reported and watched on, since it may die of
    /// it (a replay looking for the crash of a page that allocates until
    /// it is killed sees it hang first).
    WatchHangs,
}
