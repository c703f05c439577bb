//! How native games behave in time, as far as the agent's session waits
//! and looks by it (the driver's answer to `Driver::timing`). The values
//! come from how inputs reach an X client and how native games draw: a
//! game loop (SDL, pygame, engines) redraws every frame at 30 to 60 Hz and
//! reads its input queue once a frame; a toolkit application (GTK, Qt)
//! redraws on change only, after its main loop has handled the event.

use std::time::Duration;

use playtest_agent::TimingProfile;

/// The timing of a native game on its virtual display.
pub fn native_timing() -> TimingProfile {
    TimingProfile {
        // XTEST input reaches the client at once; a game loop handles it at
        // its next frame and shows the answer at the one after (two frames
        // at 30 Hz, 67 ms); a toolkit redraws within its next main-loop
        // turn. Python games (pygame) take a few more milliseconds a frame.
        settle: Duration::from_millis(100),
        // Native menus and boards animate changes in a few hundred
        // milliseconds at most, like web pages.
        settle_looks: 4,
        // A second and a half of watching at each start: a title screen's
        // animation, a blinking prompt and a splash giving way to the game
        // show within it.
        idle_observations: 10,
        idle_interval: Duration::from_millis(150),
        // A screenshot from Xvfb is a copy of memory (a few milliseconds at
        // 800x600); one taking a second means the machine is swamped.
        slow_observe: Duration::from_secs(1),
        // The settle time, a screenshot and its comparison.
        cycle: Duration::from_millis(140),
    }
}
