//! What the display tells without being asked, on a connection and a
//! thread of its own: drawing (XDamage on the root window: every time any
//! window's pixels change, one notification, re-armed after each), the
//! windows top-level windows coming and going, and the game's answers to
//! `_NET_WM_PING`.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use x11rb::connection::Connection;
use x11rb::protocol::Event;
use x11rb::protocol::damage::{self, ConnectionExt as _};
use x11rb::protocol::xproto::{ChangeWindowAttributesAux, ConnectionExt as _, EventMask};

use crate::NativeDriverError;

/// Drawing and window changes seen since they were last taken.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// When each draw was seen, since the last [`Watch::take_draws`].
    draws: Vec<Instant>,
    /// Draws since the last [`Watch::reset`].
    draws_total: u64,
    /// Bumped whenever a top-level window is mapped, unmapped or
    /// destroyed.
    windows_changed: u64,
    /// Timestamps of the `_NET_WM_PING`s answered.
    pongs: Vec<u32>,
    /// The display's connection is gone (the server died).
    lost: Option<String>,
}

/// The watching thread's findings, shared with the driver.
#[derive(Debug, Clone, Default)]
pub(crate) struct Watch(Arc<Mutex<Seen>>);

impl Watch {
    /// Connects to `display` and watches it until the display goes away.
    pub(crate) fn start(display: &str, net_wm_ping: u32) -> Result<Watch, NativeDriverError> {
        let (conn, screen_number) = x11rb::connect(Some(display)).map_err(|err| {
            NativeDriverError::X11(format!("could not connect to {display}: {err}"))
        })?;
        let root = conn.setup().roots[screen_number].root;
        conn.damage_query_version(1, 1)?
            .reply()
            .map_err(|err| NativeDriverError::X11(format!("the display has no DAMAGE: {err}")))?;
        let damage = conn.generate_id()?;
        conn.damage_create(damage, root, damage::ReportLevel::NON_EMPTY)?;
        conn.change_window_attributes(
            root,
            &ChangeWindowAttributesAux::new().event_mask(EventMask::SUBSTRUCTURE_NOTIFY),
        )?;
        conn.flush()?;
        let watch = Watch::default();
        let shared = watch.clone();
        std::thread::Builder::new()
            .name("x11-watch".into())
            .spawn(move || {
                loop {
                    let event = match conn.wait_for_event() {
                        Ok(event) => event,
                        Err(err) => {
                            shared.lock().lost = Some(err.to_string());
                            return;
                        }
                    };
                    match event {
                        Event::DamageNotify(_) => {
                            {
                                let mut seen = shared.lock();
                                seen.draws.push(Instant::now());
                                seen.draws_total += 1;
                            }
                            // Re-arms the notification for the next draw.
                            let _ = conn.damage_subtract(damage, x11rb::NONE, x11rb::NONE);
                            let _ = conn.flush();
                        }
                        Event::MapNotify(_) | Event::UnmapNotify(_) | Event::DestroyNotify(_) => {
                            shared.lock().windows_changed += 1;
                        }
                        Event::ClientMessage(message) if message.format == 32 => {
                            let data = message.data.as_data32();
                            if data[0] == net_wm_ping {
                                let mut seen = shared.lock();
                                seen.pongs.push(data[1]);
                                let excess = seen.pongs.len().saturating_sub(64);
                                seen.pongs.drain(..excess);
                            }
                        }
                        _ => {}
                    }
                }
            })?;
        Ok(watch)
    }

    fn lock(&self) -> MutexGuard<'_, Seen> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The times of the draws seen since the last call.
    pub(crate) fn take_draws(&self) -> Vec<Instant> {
        std::mem::take(&mut self.lock().draws)
    }

    /// Draws since the game's last start.
    pub(crate) fn draws_total(&self) -> u64 {
        self.lock().draws_total
    }

    /// A number that changes whenever the top-level windows change.
    pub(crate) fn windows_changed(&self) -> u64 {
        self.lock().windows_changed
    }

    pub(crate) fn answered(&self, ping: u32) -> bool {
        self.lock().pongs.contains(&ping)
    }

    /// Why the display's connection was lost, if it was.
    pub(crate) fn lost(&self) -> Option<String> {
        self.lock().lost.clone()
    }

    /// Forgets the draws of the game's previous life.
    pub(crate) fn reset(&self) {
        let mut seen = self.lock();
        seen.draws.clear();
        seen.draws_total = 0;
    }
}
