//! How web pages behave in time, as far as the agent's session waits and
//! looks by it ([`TimingProfile`], what [`Driver::timing`] answers). The
//! values come from how Chromium delivers inputs and takes screenshots
//! (see the README's figures) and from how HTML5 games draw: a canvas game
//! in a `requestAnimationFrame` loop, a DOM game that redraws on change and
//! animates it with CSS transitions.
//!
//! [`Driver::timing`]: playtest_agent::Driver::timing

use std::time::Duration;

use playtest_agent::TimingProfile;

/// The timing of a web page in headless Chromium.
pub fn page_timing() -> TimingProfile {
    TimingProfile {
        // An input arrives through DevTools, which answers once the event
        // has been dispatched; the page draws its answer in the next
        // animation frame (16.7 ms at 60 Hz) and a screenshot shows it
        // after the compositor's next frame. About four frames covers a
        // canvas game's loop and a DOM update, not a CSS transition (that
        // is what `settle_looks` is for).
        settle: Duration::from_millis(75),
        // A DOM game animates a change with CSS transitions or animations
        // of typically 100–300 ms (tiles sliding across a board, a dialog
        // fading in). Each look comes a settle time and a screenshot
        // (about 50 ms) after the one before, so four more looks span about
        // half a second.
        settle_looks: 4,
        // About a second without input at each start: the caret of a text
        // field blinks every half second, CSS pulses and a title screen's
        // animation loop show within it, and a page that draws only on
        // change (a board game animating its opening tiles) draws in some
        // of the intervals only, which tells it from a render loop.
        idle_observations: 8,
        idle_interval: Duration::from_millis(150),
        // A screenshot takes 50–300 ms, the most for a full-screen
        // animation at 1280×720; one taking 2 s means the browser is
        // struggling (a page hogging its main thread, a renderer near its
        // end), which a ping tells from a hang.
        slow_observe: Duration::from_secs(2),
        // One act-settle-observe cycle on a simple page: the settle time,
        // a screenshot and its decoding, and the session's own work.
        cycle: Duration::from_millis(150),
    }
}
