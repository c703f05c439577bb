//! The web driver against real Chromium, with the small pages in
//! `tests/fixtures/`. One test binary; each test launches its own browser.

mod game;
mod helpers;
mod perf;
mod sandbox;
mod text;
mod video;
