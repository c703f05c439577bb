//! What plays a game and judges it, on any platform.
//!
//! - [`driver`]: the [`Driver`] trait a platform implements (observe, act,
//!   restart, ping), and what it observes.

pub mod driver;

pub use driver::{
    Affordances, ConsoleLevel, Driver, DriverError, EncodedImage, Frame, GameEvent, ImageFormat,
    Observation, Region,
};
