//! [`NativeDriver`]: one native game on its own display, seen through the
//! agent's `Driver` trait. Launch starts the display, the watcher and the
//! recording, then the game, and waits for its window; `finish` ends them
//! all and hands back the video.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use playtest_agent::{
    Affordances, Driver, DriverError, Frame, GameEvent, Observation, Region, TimingProfile,
};
use playtest_sandbox::Exit;
use playtest_types::Action;
use tracing::instrument;
use x11rb::protocol::xproto::Window;

use crate::NativeDriverError;
use crate::display::VirtualDisplay;
use crate::game::{GameCommand, GameProcess};
use crate::input;
use crate::options::NativeLaunch;
use crate::ping::{PingTarget, Pinger};
use crate::screen::Screen;
use crate::timing::native_timing;
use crate::video::Recorder;
use crate::watch::Watch;

/// What a finished session leaves.
#[derive(Debug, Default)]
pub struct NativeSessionOutput {
    /// The recording, when one was asked for and ffmpeg finished it.
    pub video: Option<std::path::PathBuf>,
}

/// A native game running on its own virtual display.
#[derive(Debug)]
pub struct NativeDriver {
    launch: NativeLaunch,
    command: GameCommand,
    launched: Instant,
    screen: Screen,
    watch: Watch,
    pinger: Pinger,
    game: GameProcess,
    /// The game's window and where it is, as last found.
    window: Option<(Window, Region)>,
    windows_seen: u64,
    /// Why the game is gone, once its end has been seen.
    gone: Option<String>,
    /// Events seen but not yet observed: the game's last words and its end.
    pending: Vec<GameEvent>,
    last_frame: Option<Frame>,
    last_draw: Option<Instant>,
    recorder: Option<Recorder>,
    // Last: the display outlives every connection to it.
    _display: VirtualDisplay,
}

/// How long a game that did not answer a ping is given to end, when it
/// may have been ending.
const EXIT_GRACE: Duration = Duration::from_millis(500);

/// How often a launch looks for the game's window.
const WINDOW_POLL: Duration = Duration::from_millis(50);

impl NativeDriver {
    /// Starts the display, the recording if asked, and the game, and
    /// waits for the game's first window.
    #[instrument(skip_all, fields(dir = %launch.game_dir.display(), entry = %launch.entry))]
    pub async fn launch(launch: NativeLaunch) -> Result<NativeDriver, NativeDriverError> {
        let launched = Instant::now();
        let program = launch.program()?;
        launch.sandbox.ensure_works().await?;
        let display = VirtualDisplay::start(&launch.xvfb, launch.width, launch.height).await?;
        let screen = Screen::connect(&display.name())?;
        let pinger = Pinger::new(&screen)?;
        let watch = Watch::start(&display.name(), pinger.ping_atom())?;
        let recorder = match &launch.record_video {
            Some(path) => Some(Recorder::start(
                &launch.ffmpeg,
                &display.name(),
                display.size(),
                path,
            )?),
            None => None,
        };
        let command = GameCommand::new(
            launch.sandbox.clone(),
            launch.game_dir.clone(),
            program,
            launch.args.clone(),
            launch.environment(&display.name()),
            launch.limits.clone(),
            display.socket(),
        );
        let game = GameProcess::start(&command)?;
        let mut driver = NativeDriver {
            launch,
            command,
            launched,
            screen,
            watch,
            pinger,
            game,
            window: None,
            windows_seen: 0,
            gone: None,
            pending: Vec::new(),
            last_frame: None,
            last_draw: None,
            recorder,
            _display: display,
        };
        driver.wait_for_window().await?;
        Ok(driver)
    }

    /// Waits until the game shows a window and focuses it; an error says
    /// how the game ended if it did first.
    async fn wait_for_window(&mut self) -> Result<(), NativeDriverError> {
        let deadline = Instant::now() + self.launch.window_timeout;
        loop {
            if let Some(exit) = self.game.exit() {
                return Err(NativeDriverError::NoWindow(format!(
                    "the game {exit} before it opened a window{}",
                    self.said_on_stderr()
                )));
            }
            if self.refresh_window()? {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(NativeDriverError::NoWindow(format!(
                    "the game opened no window within {:?}: check the config's entry and args, and that the game runs on X11{}",
                    self.launch.window_timeout,
                    self.said_on_stderr()
                )));
            }
            tokio::time::sleep(WINDOW_POLL).await;
        }
    }

    /// Finds the game's window again when the top-level windows changed,
    /// and focuses it. Whether the game has one.
    fn refresh_window(&mut self) -> Result<bool, NativeDriverError> {
        let changed = self.watch.windows_changed();
        if changed != self.windows_seen || self.window.is_none() {
            self.windows_seen = changed;
            self.window = self.screen.game_window()?;
            if let Some((window, _)) = self.window {
                self.screen.focus(window)?;
            }
        }
        Ok(self.window.is_some())
    }

    fn said_on_stderr(&self) -> String {
        let tail = self.game.stderr_tail();
        match tail.len() {
            0 => String::new(),
            _ => format!("; its last words on stderr: {}", tail.join(" | ")),
        }
    }

    /// Stops the game and the recording, and hands back the video.
    pub async fn finish(mut self) -> Result<NativeSessionOutput, NativeDriverError> {
        self.game.kill();
        self.game.ended().await;
        let video = match self.recorder.take() {
            Some(recorder) => Some(recorder.finish().await?),
            None => None,
        };
        Ok(NativeSessionOutput { video })
    }

    /// Notices the game's end, once: a game that quit (exit code 0) or
    /// crashed is reported as an event by the next observation, and is
    /// gone until restarted. `Err` once that end has been reported.
    fn check_alive(&mut self) -> Result<(), DriverError> {
        if let Some(reason) = &self.gone {
            if self.pending.is_empty() {
                return Err(DriverError::GameGone(reason.clone()));
            }
            return Ok(());
        }
        if let Some(lost) = self.watch.lost() {
            return Err(DriverError::Failed(format!(
                "the game's display went away: {lost}"
            )));
        }
        let Some(exit) = self.game.exit() else {
            return Ok(());
        };
        self.pending.extend(self.game.take_events());
        let reason = format!("the game {exit}");
        self.pending.push(if exit == Exit::Code(0) {
            // A game that quits (its menu's Quit, its own game over) has
            // not crashed: the session starts it again, as a player would.
            GameEvent::Quit {
                reason: reason.clone(),
            }
        } else {
            GameEvent::Crashed {
                reason: reason.clone(),
            }
        });
        self.gone = Some(reason);
        Ok(())
    }

    /// Whether a game that did not answer was on its way out (its window
    /// closed as it ended): its end is then what the next observation
    /// reports, not a hang.
    async fn ended_meanwhile(&mut self) -> bool {
        let exited = tokio::time::timeout(EXIT_GRACE, self.game.ended()).await;
        exited.is_ok() && self.check_alive().is_ok()
    }

    async fn start_again(&mut self) -> Result<(), NativeDriverError> {
        self.game.kill();
        self.game.ended().await;
        if let Some(lay) = &self.launch.lay_folder {
            lay(&self.launch.game_dir).map_err(NativeDriverError::Folder)?;
        }
        self.screen.release_all()?;
        self.watch.reset();
        self.screen.forget_focus();
        self.window = None;
        self.gone = None;
        self.pending.clear();
        self.last_draw = None;
        self.game = GameProcess::start(&self.command)?;
        self.wait_for_window().await
    }
}

#[async_trait]
impl Driver for NativeDriver {
    fn viewport(&self) -> (u32, u32) {
        (self.launch.width, self.launch.height)
    }

    fn timing(&self) -> TimingProfile {
        native_timing()
    }

    async fn act(&mut self, action: &Action) -> Result<(), DriverError> {
        self.check_alive()?;
        if self.gone.is_some() {
            // The end is reported by the next observation.
            return Ok(());
        }
        self.refresh_window().map_err(DriverError::from)?;
        input::act(&mut self.screen, action).await
    }

    async fn observe(&mut self) -> Result<Observation, DriverError> {
        self.check_alive()?;
        let mut events = std::mem::take(&mut self.pending);
        events.extend(self.game.take_events());
        let frame = if self.gone.is_some() {
            self.last_frame.clone()
        } else {
            self.refresh_window().map_err(DriverError::from)?;
            Some(self.screen.capture().map_err(DriverError::from)?)
        };
        let frame = frame.unwrap_or_else(|| black_frame(self.launch.width, self.launch.height));
        self.last_frame = Some(frame.clone());
        let draws = self.watch.take_draws();
        let mut intervals = Vec::with_capacity(draws.len());
        for draw in draws {
            if let Some(previous) = self.last_draw {
                intervals.push(draw.duration_since(previous).as_secs_f32() * 1000.0);
            }
            self.last_draw = Some(draw);
        }
        Ok(Observation {
            at: self.launched.elapsed(),
            video_offset: self.recorder.as_ref().map(Recorder::offset),
            frame,
            dom_digest: None,
            events,
            frames_drawn: self.watch.draws_total(),
            frame_intervals_ms: intervals,
        })
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        self.start_again().await.map_err(DriverError::from)
    }

    async fn ping(&mut self, timeout: Duration) -> Result<Option<Duration>, DriverError> {
        self.check_alive()?;
        if self.gone.is_some() {
            // Ended, not hung: the next observation says how.
            return Ok(Some(Duration::ZERO));
        }
        self.refresh_window().map_err(DriverError::from)?;
        let target = PingTarget {
            window: self.window.map(|(window, _)| window),
            game_pid: self.game.pid(),
        };
        let answer = self
            .pinger
            .ping(&self.screen, &self.watch, target, timeout)
            .await
            .map_err(DriverError::from)?;
        if answer.is_none() && self.ended_meanwhile().await {
            return Ok(Some(Duration::ZERO));
        }
        Ok(answer)
    }

    async fn affordances(&mut self) -> Result<Affordances, DriverError> {
        self.refresh_window().map_err(DriverError::from)?;
        let window = self.window.map(|(_, region)| region);
        Ok(Affordances {
            // Unknown: a native game's key handling cannot be seen.
            keys: Vec::new(),
            clickable: Vec::new(),
            surface: window,
        })
    }

    async fn evaluate(&mut self, _expression: &str) -> Result<serde_json::Value, DriverError> {
        Err(DriverError::Unsupported(
            "evaluating an expression in a native game",
        ))
    }

    async fn text_of(&mut self, _selector: &str) -> Result<Option<String>, DriverError> {
        Err(DriverError::Unsupported("a selector in a native game"))
    }
}

fn black_frame(width: u32, height: u32) -> Frame {
    Frame {
        width,
        height,
        rgb: vec![0; (width * height * 3) as usize],
        encoded: None,
    }
}
