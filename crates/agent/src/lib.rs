//! What plays a game and judges it, on any platform.
//!
//! - [`driver`]: the [`Driver`] trait a platform implements (observe, act,
//!   restart, ping), what it observes, and how its games behave in time
//!   ([`TimingProfile`]).
//! - [`session`]: the loop every agent shares (act, settle, observe,
//!   detect, record), reporting to a [`Sink`].
//! - [`moves`]: what an agent chooses, as a value ([`Move`]).
//! - [`cells`] and [`graph`]: frames reduced to screen identities, and the
//!   state graph of where moves lead.
//! - [`explorer`] (discovery tests), [`random`] (the baseline),
//!   [`scripted`] (verification tests, with [`checks`], [`similarity`],
//!   and [`screen_text`] and [`text_match`] for the text a screen shows).
//! - [`detect`]: crash, exception, console error, hang, freeze, soft-lock,
//!   performance and blank-screen detectors.
//! - [`replay`](mod@replay) and [`minimize`](mod@minimize): repeat a bug's trace, and shorten it.
//! - [`run`]: the entry points a worker calls.
//! - `fake` (feature `fake`): a deterministic simulated game for tests.

pub mod action_space;
pub mod cells;
pub mod checks;
pub mod describe;
pub mod detect;
pub mod driver;
pub mod error;
pub mod explorer;
#[cfg(any(test, feature = "fake"))]
pub mod fake;
pub mod fingerprint;
pub mod graph;
pub mod minimize;
pub mod moves;
pub mod random;
pub mod replay;
pub mod run;
pub mod screen_text;
pub mod scripted;
pub mod session;
pub mod similarity;
pub mod sink;
pub mod text_match;
pub mod trace;

pub use action_space::ActionSpaceSettings;
pub use cells::{CellId, CellSettings};
pub use checks::References;
pub use detect::DetectorSettings;
pub use driver::{
    Affordances, ConsoleLevel, Driver, DriverError, EncodedImage, Frame, GameEvent, ImageFormat,
    Observation, Region, TimingProfile,
};
pub use error::AgentError;
pub use explorer::{ExplorationReport, Explorer, ExplorerSettings, RunEnd};
pub use graph::{Coverage, StateGraphDocument};
pub use minimize::{MinimizeOutcome, MinimizeSettings, minimize};
pub use moves::Move;
pub use playtest_ocr::Tesseract;
pub use random::RandomAgent;
pub use replay::{ReplayOutcome, ReplaySettings, replay};
pub use run::{DiscoveryRun, VerificationRun, discover, play_randomly, verify};
pub use scripted::{ScriptedSettings, StepOutcome, VerificationOutcome, run_verification};
pub use session::{Performed, Session, SessionSettings, WhenStuck};
pub use similarity::{reference_image, region_similarity};
pub use sink::{Finding, NullSink, RecordingSink, Sink, StepPhase, StepUpdate};
pub use trace::RunTrace;
