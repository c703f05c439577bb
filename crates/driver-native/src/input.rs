//! Actions as a person's keyboard and mouse would deliver them: a key
//! press lasts a few frames (games that read the keyboard's state once a
//! frame, rather than its events, would miss a shorter one), the pointer
//! moves before it presses, and a drag moves in steps a frame apart.

use std::time::Duration;

use playtest_agent::DriverError;
use playtest_types::Action;

use crate::keys::{char_keysym, keysym};
use crate::screen::Screen;

/// How long a key or button stays down in a press: two frames at 30 Hz.
const PRESS: Duration = Duration::from_millis(70);

/// Between two characters typed.
const TYPING_GAP: Duration = Duration::from_millis(20);

/// Steps of a drag, a frame (at 60 Hz) apart.
const DRAG_STEPS: i32 = 12;
const DRAG_STEP: Duration = Duration::from_millis(16);

/// The left pointer button.
const LEFT: u8 = 1;

/// Delivers an action to the display. Keys held by `key_down` stay down in
/// the X server until `key_up`, or until a restart releases them all.
pub(crate) async fn act(screen: &mut Screen, action: &Action) -> Result<(), DriverError> {
    let failed = |err: crate::NativeDriverError| DriverError::Failed(err.to_string());
    match action {
        Action::Key(name) => {
            let sym = named(name)?;
            screen.key(sym, true).map_err(failed)?;
            tokio::time::sleep(PRESS).await;
            screen.key(sym, false).map_err(failed)?;
        }
        Action::KeyDown(name) => {
            let sym = named(name)?;
            screen.key(sym, true).map_err(failed)?;
        }
        Action::KeyUp(name) => {
            let sym = named(name)?;
            screen.key(sym, false).map_err(failed)?;
        }
        Action::Click(point) | Action::Tap(point) => {
            screen.move_to(*point).map_err(failed)?;
            screen.button(LEFT, true).map_err(failed)?;
            tokio::time::sleep(PRESS).await;
            screen.button(LEFT, false).map_err(failed)?;
        }
        Action::Drag([from, to]) => {
            screen.move_to(*from).map_err(failed)?;
            screen.button(LEFT, true).map_err(failed)?;
            for step in 1..=DRAG_STEPS {
                tokio::time::sleep(DRAG_STEP).await;
                let at = [
                    from[0] + (to[0] - from[0]) * step / DRAG_STEPS,
                    from[1] + (to[1] - from[1]) * step / DRAG_STEPS,
                ];
                screen.move_to(at).map_err(failed)?;
            }
            screen.button(LEFT, false).map_err(failed)?;
        }
        Action::Type(text) => {
            for c in text.chars() {
                let sym = char_keysym(c);
                screen.key(sym, true).map_err(failed)?;
                screen.key(sym, false).map_err(failed)?;
                tokio::time::sleep(TYPING_GAP).await;
            }
        }
        Action::WaitMs(ms) => tokio::time::sleep(Duration::from_millis(*ms)).await,
        Action::ClickSelector(_) => {
            return Err(DriverError::Unsupported(
                "click_selector (a native game has no document: click at coordinates)",
            ));
        }
    }
    Ok(())
}

fn named(name: &str) -> Result<u32, DriverError> {
    keysym(name).ok_or_else(|| {
        DriverError::BadAction(format!(
            "no key is named `{name}`: use a DOM key name such as ArrowUp, Enter, Escape, a or F1"
        ))
    })
}
