//! The one interface between an agent and a game, whatever the platform.
//!
//! A driver turns a platform (a web page in Chromium, a native window under
//! Xvfb) into observations and inputs. Agents and detectors only ever see
//! this trait, so they know nothing of Chromium or X11, and a new platform
//! plugs in by implementing it. [`crate::fake`] holds a test double.
//!
//! A platform's games also behave alike in time: how soon after an input
//! the screen shows its answer, how long a change animates, what a slow
//! observation is. Those are the driver's to say ([`Driver::timing`],
//! [`TimingProfile`]); the session waits and looks by them, so the agent
//! holds no platform's figures.

use std::time::Duration;

use async_trait::async_trait;
use playtest_types::Action;

/// A picture of the screen, decoded, with the encoded image it came from
/// (kept so a screenshot can be saved without encoding it again).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    /// Row-major RGB, 3 bytes a pixel, `width * height * 3` bytes.
    pub rgb: Vec<u8>,
    pub encoded: Option<EncodedImage>,
}

impl Frame {
    /// The picture as an image file: the one it came from, else a JPEG
    /// made now (a driver that reads raw pixels, as the native one does,
    /// encodes only what is kept as evidence). `None` if it cannot be
    /// encoded (a frame whose size does not match its pixels).
    pub fn to_image(&self) -> Option<EncodedImage> {
        if let Some(encoded) = &self.encoded {
            return Some(encoded.clone());
        }
        if self.rgb.len() as u64 != u64::from(self.width) * u64::from(self.height) * 3 {
            return None;
        }
        let mut bytes = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
            .encode(
                &self.rgb,
                self.width,
                self.height,
                image::ExtendedColorType::Rgb8,
            )
            .ok()?;
        Some(EncodedImage {
            format: ImageFormat::Jpeg,
            bytes,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EncodedImage {
    pub format: ImageFormat,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Png,
    Jpeg,
}

impl ImageFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
        }
    }
}

/// How severe a console message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConsoleLevel {
    Debug,
    Info,
    Warning,
    Error,
}

/// Something the game did between two observations.
#[derive(Debug, Clone, PartialEq)]
pub enum GameEvent {
    /// A console message (web) or a line the process wrote (native).
    Console {
        level: ConsoleLevel,
        text: String,
        /// Where it was written from, `url:line:column`, when known.
        source: Option<String>,
    },
    /// An error nobody caught: an uncaught exception or an unhandled
    /// promise rejection.
    Exception {
        message: String,
        stack: Option<String>,
        unhandled_rejection: bool,
    },
    /// The game is gone: the renderer crashed, the process died.
    Crashed { reason: String },
    /// The game ended by itself without an error (a native game's Quit,
    /// exit code 0). Not a bug: like a player, the session starts it
    /// again.
    Quit { reason: String },
}

/// What the driver saw at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Time since the driver started the session (not since the last
    /// restart).
    pub at: Duration,
    /// Where this moment is in the recording, when one runs.
    pub video_offset: Option<Duration>,
    pub frame: Frame,
    /// A digest of the document's structure and text (web), for state
    /// identity that ignores pixels.
    pub dom_digest: Option<u64>,
    /// In the order they happened, since the previous observation.
    pub events: Vec<GameEvent>,
    /// Frames the game has drawn since it (re)started.
    pub frames_drawn: u64,
    /// Time between consecutive frames drawn since the previous
    /// observation, in milliseconds.
    pub frame_intervals_ms: Vec<f32>,
}

/// A rectangle in viewport pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
}

impl Region {
    pub fn center(&self) -> [i32; 2] {
        [self.x + self.width / 2, self.y + self.height / 2]
    }
}

/// What the game offers to act on, as far as the driver can tell.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Affordances {
    /// Keys the game listens for, when it can be known (web: key handlers
    /// seen); empty means unknown.
    pub keys: Vec<String>,
    /// Regions that react to a click (web: buttons, links, elements with a
    /// click handler, canvases).
    pub clickable: Vec<Region>,
    /// Where on the screen the game is (native: its window, which may be
    /// smaller than the display); probing clicks, edges and corners are
    /// laid over it. `None`: the whole viewport.
    pub surface: Option<Region>,
}

/// How a platform's games behave in time, as far as a session waits and
/// looks by it. A driver documents each value by the kind of game or page
/// it serves; [`TimingProfile::default`] assumes nothing of a platform.
#[derive(Debug, Clone, PartialEq)]
pub struct TimingProfile {
    /// Wait after each input before observing: time for the game to handle
    /// it and show the result. Also the least time between two looks while
    /// a change animates.
    pub settle: Duration,
    /// At most this many more looks after an input while a game that draws
    /// on change animates what it did, until two looks agree.
    pub settle_looks: u32,
    /// Observations without input after each start of the game, to learn
    /// what moves by itself (the idle mask) and whether it draws in a loop.
    pub idle_observations: u32,
    /// Between two of those observations.
    pub idle_interval: Duration,
    /// An observation slower than this is unusual for the platform: the
    /// session then asks the game whether it still answers.
    pub slow_observe: Duration,
    /// About how long one act-settle-observe cycle takes: the unit in which
    /// a move's waits are weighed against its inputs ([`crate::Move::cost`]).
    pub cycle: Duration,
}

impl Default for TimingProfile {
    /// Neutral values for a driver that says nothing of its games: a game
    /// loop at 30 to 60 frames a second has handled an input and drawn the
    /// answer within a few frames (100 ms); a second of idle watching shows
    /// what animates by itself at once a second or faster; an observation
    /// taking seconds is unusual on any platform; a cycle is about the
    /// settle time and one observation.
    fn default() -> Self {
        Self {
            settle: Duration::from_millis(100),
            settle_looks: 4,
            idle_observations: 8,
            idle_interval: Duration::from_millis(150),
            slow_observe: Duration::from_secs(2),
            cycle: Duration::from_millis(150),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The game is gone (crashed, exited); only a restart can help.
    #[error("the game is gone: {0}")]
    GameGone(String),
    /// The game did not answer in time.
    #[error("the game did not answer within {0:?}")]
    Timeout(Duration),
    /// This driver cannot do that (say, a DOM query on a native game).
    #[error("{0} is not supported by this driver")]
    Unsupported(&'static str),
    /// The action cannot be performed as given (no element matches a
    /// selector, a key name is unknown).
    #[error("{0}")]
    BadAction(String),
    /// The driver itself failed (the browser, the X server, a pipe).
    #[error("driver failure: {0}")]
    Failed(String),
}

/// One platform, seen by an agent.
#[async_trait]
pub trait Driver: Send + Sync {
    /// The screen's size in pixels: coordinates of actions are within it.
    fn viewport(&self) -> (u32, u32);

    /// How this platform's games behave in time: what a session waits for
    /// after an input and at a start. Asked once per session. A driver that
    /// wraps another must pass its answer on.
    fn timing(&self) -> TimingProfile {
        TimingProfile::default()
    }

    /// Performs one input and returns when it has been delivered (a
    /// `wait_ms` waits that long).
    async fn act(&mut self, action: &Action) -> Result<(), DriverError>;

    /// Takes a picture and collects what happened since the last call.
    async fn observe(&mut self) -> Result<Observation, DriverError>;

    /// Starts the game afresh, as at launch, with the same seed, so the
    /// same inputs give the same game where the platform allows it.
    async fn restart(&mut self) -> Result<(), DriverError>;

    /// Asks the game something trivial (web: evaluates `1`); `Ok(None)`
    /// when it gives no answer within `timeout` (a hang).
    async fn ping(&mut self, timeout: Duration) -> Result<Option<Duration>, DriverError>;

    /// What there is to act on now.
    async fn affordances(&mut self) -> Result<Affordances, DriverError>;

    /// Evaluates an expression in the game (web: JavaScript) and returns
    /// its value as JSON.
    async fn evaluate(&mut self, expression: &str) -> Result<serde_json::Value, DriverError>;

    /// The text of the first element a selector matches, `None` when none
    /// does (web).
    async fn text_of(&mut self, selector: &str) -> Result<Option<String>, DriverError>;

    /// The text the game shows, as far as the platform knows it without
    /// reading pixels (web: the document's rendered text). `None`, the
    /// default, when the game has no document: the text is then read from
    /// the screen's picture by OCR, the same way on every platform. A
    /// driver that wraps another must pass its answer on.
    async fn visible_text(&mut self) -> Result<Option<String>, DriverError> {
        Ok(None)
    }
}
