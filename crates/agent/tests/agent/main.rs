//! The agents, detectors, replay and minimisation against the fake game.

mod common;
mod detecting;
mod exploring;
mod minimizing;
mod reading_text;
mod replaying;
mod session;
mod verifying;
