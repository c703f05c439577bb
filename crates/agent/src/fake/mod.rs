//! A deterministic simulated game behind the [`Driver`] trait, for tests.
//!
//! The game (see [`world`]) is a title menu, a 6×4 board with walls, three
//! coins and a goal, a pause menu and a win screen, drawn into 160×120 RGB
//! frames with an animated HUD (a clock and a blinking light). Time is
//! tokio's clock, so under paused time (`#[tokio::test(start_paused = true)]`)
//! nothing really sleeps and a run is exactly repeatable.
//!
//! Faults are planted with a [`Trigger`]; each fires anew in every life of
//! the game (after every restart), so replays reproduce them.

mod draw;
mod game;
pub mod world;

use std::time::Duration;

use playtest_types::Action;

pub use game::FakeGame;

use crate::driver::TimingProfile;

/// Something wrong with the game, switched on by a trigger.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// An uncaught exception (or unhandled rejection); the game goes on.
    Throw {
        message: String,
        unhandled_rejection: bool,
    },
    /// A console error; the game goes on.
    ConsoleError(String),
    /// The renderer dies: the next observation reports it, then the game
    /// is gone until a restart.
    Crash,
    /// The game stops answering: observations time out, pings get no answer.
    Hang,
    /// The game stops answering for this long, then the renderer dies (a
    /// page that allocates until it is killed).
    HangThenCrash(Duration),
    /// Drawing stops and input is ignored; pings still answer.
    Freeze,
    /// Frames are black; the game goes on underneath.
    BlackScreen,
    /// Frames take 100 ms instead of about 16.7.
    SlowFrames,
    /// The player is stuck: every input is ignored, the game still draws.
    DeadEnd,
}

/// When a fault fires, counted within one life of the game.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Every time this exact action is performed.
    Action(Action),
    /// Once these actions have been performed in this order, with anything
    /// in between (then it can fire again).
    Subsequence(Vec<Action>),
    /// When the player steps on this tile `(column, row)` of the board.
    Tile(i32, i32),
    /// At the n-th input since the last restart.
    Inputs(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlantedFault {
    pub fault: Fault,
    pub trigger: Trigger,
}

impl PlantedFault {
    pub fn new(fault: Fault, trigger: Trigger) -> Self {
        Self { fault, trigger }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FakeConfig {
    /// Draws continuously at ~60 fps with an animated HUD; without it the
    /// game draws only when its state changes.
    pub render_loop: bool,
    /// Answers DOM queries (`text_of`, `evaluate`, `dom_digest`).
    pub dom: bool,
    /// How long taking a picture takes.
    pub observe_delay: Duration,
    /// How long an observation of a hung game waits before timing out.
    pub hang_timeout: Duration,
    /// A change of state is animated for this long: until it ends, frames
    /// show it half done (a band across the top, shrinking as time passes).
    pub animation: Option<Duration>,
    /// What the game says of its timing ([`crate::Driver::timing`]).
    pub timing: TimingProfile,
    pub faults: Vec<PlantedFault>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            render_loop: true,
            dom: true,
            observe_delay: Duration::from_millis(5),
            hang_timeout: Duration::from_secs(3),
            animation: None,
            timing: web_page_timing(),
            faults: Vec::new(),
        }
    }
}

/// The fake game stands for a web page (a canvas game with a HUD, a DOM to
/// query), so it says what the web driver says of pages
/// (`playtest_driver_web::page_timing`): its tests then wait and look as
/// the worker's web runs do.
pub fn web_page_timing() -> TimingProfile {
    TimingProfile {
        settle: Duration::from_millis(75),
        settle_looks: 4,
        idle_observations: 8,
        idle_interval: Duration::from_millis(150),
        slow_observe: Duration::from_secs(2),
        cycle: Duration::from_millis(150),
    }
}

impl FakeConfig {
    pub fn with_fault(mut self, fault: Fault, trigger: Trigger) -> Self {
        self.faults.push(PlantedFault::new(fault, trigger));
        self
    }
}
