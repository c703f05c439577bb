//! Whether the game still answers. A window that takes part in
//! `_NET_WM_PING` (SDL 2, GTK, Qt do) is asked as a window manager asks
//! it, and answers from its event loop; for one that does not, the
//! process tree tells: a game that neither draws nor wakes up for the
//! whole wait is blocked, one that burns a whole core without drawing is
//! spinning, and either is a hang.

use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConnectionExt as _, EventMask, Window,
};

use crate::NativeDriverError;
use crate::procfs::sample_tree;
use crate::screen::Screen;
use crate::watch::Watch;

/// How often an answer is looked for.
const POLL: Duration = Duration::from_millis(10);

/// The longest the process tree is watched when the window cannot be
/// asked: long enough for a game that waits for input to have woken up
/// for its timers many times.
const TREE_WATCH: Duration = Duration::from_secs(1);

/// A share of one core at or above which a game that does not draw is
/// taken as spinning.
const SPINNING: f64 = 0.9;

/// What is asked: the game's window, if it has one, and its process tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PingTarget {
    pub(crate) window: Option<Window>,
    pub(crate) game_pid: u32,
}

#[derive(Debug)]
pub(crate) struct Pinger {
    wm_protocols: u32,
    net_wm_ping: u32,
    next: u32,
}

impl Pinger {
    pub(crate) fn new(screen: &Screen) -> Result<Pinger, NativeDriverError> {
        let conn = screen.connection();
        let wm_protocols = conn.intern_atom(false, b"WM_PROTOCOLS")?.reply()?.atom;
        let net_wm_ping = conn.intern_atom(false, b"_NET_WM_PING")?.reply()?.atom;
        Ok(Pinger {
            wm_protocols,
            net_wm_ping,
            next: 1,
        })
    }

    pub(crate) fn ping_atom(&self) -> u32 {
        self.net_wm_ping
    }

    /// How long the game took to answer, `None` when it did not within
    /// `timeout`.
    pub(crate) async fn ping(
        &mut self,
        screen: &Screen,
        watch: &Watch,
        target: PingTarget,
        timeout: Duration,
    ) -> Result<Option<Duration>, NativeDriverError> {
        match target.window {
            Some(window) if self.takes_pings(screen, window)? => {
                self.ask_window(screen, watch, window, timeout).await
            }
            _ => Ok(watch_tree(watch, target.game_pid, timeout.min(TREE_WATCH)).await),
        }
    }

    fn takes_pings(&self, screen: &Screen, window: Window) -> Result<bool, NativeDriverError> {
        let conn = screen.connection();
        let Ok(reply) = conn
            .get_property(false, window, self.wm_protocols, AtomEnum::ATOM, 0, 32)?
            .reply()
        else {
            return Ok(false);
        };
        Ok(reply
            .value32()
            .is_some_and(|mut atoms| atoms.any(|atom| atom == self.net_wm_ping)))
    }

    async fn ask_window(
        &mut self,
        screen: &Screen,
        watch: &Watch,
        window: Window,
        timeout: Duration,
    ) -> Result<Option<Duration>, NativeDriverError> {
        let stamp = self.next;
        self.next = self.next.wrapping_add(1).max(1);
        let conn = screen.connection();
        let message = ClientMessageEvent::new(
            32,
            window,
            self.wm_protocols,
            [self.net_wm_ping, stamp, window, 0, 0],
        );
        conn.send_event(false, window, EventMask::NO_EVENT, message)?;
        conn.flush()?;
        let asked = Instant::now();
        while asked.elapsed() < timeout {
            if watch.answered(stamp) {
                return Ok(Some(asked.elapsed()));
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(None)
    }
}

/// Watches the process tree for `span`: alive when it drew, or woke up
/// without using a whole core.
async fn watch_tree(watch: &Watch, game_pid: u32, span: Duration) -> Option<Duration> {
    let started = Instant::now();
    let before = sample_tree(game_pid);
    let draws = watch.draws_total();
    tokio::time::sleep(span).await;
    let after = sample_tree(game_pid);
    if watch.draws_total() != draws {
        return Some(started.elapsed());
    }
    let cpu_share = after.cpu_ms.saturating_sub(before.cpu_ms) as f64
        / started.elapsed().as_millis().max(1) as f64;
    let woke = after.wakeups > before.wakeups;
    (woke && cpu_share < SPINNING).then(|| started.elapsed())
}
