//! [`WebDriver`]: one game session in one browser, seen through the
//! `Driver` trait. Launch starts the browser through the caller's launcher,
//! connects over the pipe relay, serves the build, opens the game's tab and
//! starts recording; `finish` closes it all and hands back the video.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chromiumoxide::Browser;
use chromiumoxide::cdp::browser_protocol::browser::CloseParams;
use chromiumoxide::cdp::browser_protocol::page::CrashParams;
use chromiumoxide::handler::HandlerConfig;
use futures::StreamExt;
use playtest_agent::{Affordances, Driver, DriverError, Frame, Observation, Region, TimingProfile};
use playtest_types::Action;
use tracing::instrument;

mod act;
mod observation;
mod restart;

use crate::WebDriverError;
use crate::events::EventLog;
use crate::guard::Guard;
use crate::hooks::{self, Found};
use crate::input::InputState;
use crate::launch::{self, BrowserProcess};
use crate::observe::ScreenshotFormat;
use crate::options::{WebLaunch, WebSessionOutput, WebTimeouts};
use crate::pipe_relay::PipeRelay;
use crate::serve;
use crate::session::{self, PageSession, PageSetup};
use crate::tasks::Tasks;
use crate::video::{Recorder, VideoOptions};

/// A game running in headless Chromium.
#[derive(Debug)]
pub struct WebDriver {
    width: u32,
    height: u32,
    setup: PageSetup,
    screenshot: ScreenshotFormat,
    timeouts: WebTimeouts,
    timing: TimingProfile,
    launched: Instant,
    log: Arc<EventLog>,
    guard: Guard,
    input: InputState,
    /// The last picture taken, shown again when the game is gone.
    last_frame: Option<Frame>,
    last_frames_drawn: u64,
    recorder: Option<Recorder>,
    // Dropped in this order: the tab, the background tasks, the browser.
    session: Option<PageSession>,
    _tasks: Tasks,
    browser: Arc<Browser>,
    _relay: PipeRelay,
    process: BrowserProcess,
    _profile: Option<tempfile::TempDir>,
}

/// How long a launch whose DevTools connection broke waits to see the
/// browser exit (and then reports that, with its last words).
const EXIT_AFTER_BROKEN_CONNECTION: Duration = Duration::from_secs(2);

impl WebDriver {
    /// Starts the browser, loads the game and, if asked, starts recording.
    #[instrument(skip_all, fields(build = %options.build_dir.display(), entry = %options.entry))]
    pub async fn launch(options: WebLaunch) -> Result<WebDriver, WebDriverError> {
        let launched = Instant::now();
        options.check_entry()?;
        // The video's time 0 is the launch, so observations' `at` and
        // `video_offset` agree; it is black until the game's tab paints.
        let recorder = options
            .record_video
            .as_ref()
            .map(|path| {
                let mut video = VideoOptions::new(path);
                video.fps = options.video_fps;
                video.ffmpeg = options.ffmpeg.clone();
                Recorder::start(&video, options.width, options.height, launched)
            })
            .transpose()?;
        let (profile_dir, profile) = match &options.profile_dir {
            Some(dir) => (dir.clone(), None),
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("playtest-chromium-")
                    .tempdir()?;
                (temp.path().to_owned(), Some(temp))
            }
        };
        let args = launch::chromium_args(&profile_dir, options.width, options.height);
        let chromium = launch::spawn(options.launcher.as_ref(), &options.chromium, &args).map_err(
            |source| WebDriverError::Spawn {
                program: options.chromium.clone(),
                source,
            },
        )?;
        let (mut process, to_browser, from_browser) = chromium.into_parts();
        let relay = PipeRelay::start(to_browser, from_browser).await?;
        let log = EventLog::new();
        let mut tasks = Tasks::default();
        let mut relay_closed = relay.closed();
        let exit_log = log.clone();
        tasks.push(tokio::spawn(async move {
            if relay_closed.wait_for(|closed| *closed).await.is_ok() {
                exit_log.set_gone("the browser exited");
            }
        }));

        let browser = connect(&relay, &mut process, &options.timeouts, &mut tasks).await?;
        let browser = Arc::new(browser);
        tasks.push(serve::start(browser.clone(), options.build_dir.clone()).await?);
        tasks.push(session::close_popups(browser.clone()).await?);

        let mut scripts = vec![hooks::init_script(options.seed)];
        scripts.extend(options.init_scripts.iter().cloned());
        let setup = PageSetup {
            width: options.width,
            height: options.height,
            scripts,
            entry_url: options.entry_url(),
            load_timeout: options.timeouts.load,
            touch: options.touch,
            video_fps: options.video_fps,
        };
        let guard = Guard::new(log.clone(), options.timeouts.command);
        let recording = recorder.as_ref().map(Recorder::latest);
        let session = PageSession::open(&browser, &setup, log.clone(), &guard, recording).await?;
        let driver = WebDriver {
            width: options.width,
            height: options.height,
            setup,
            screenshot: options.screenshot,
            timeouts: options.timeouts,
            timing: options.timing,
            launched,
            log,
            guard,
            input: InputState::default(),
            last_frame: None,
            last_frames_drawn: 0,
            recorder,
            session: Some(session),
            _tasks: tasks,
            browser,
            _relay: relay,
            process,
            _profile: profile,
        };
        tracing::info!(elapsed = ?launched.elapsed(), "game loaded");
        Ok(driver)
    }

    /// Ends the session: finishes the recording, closes the browser.
    #[instrument(skip_all)]
    pub async fn finish(mut self) -> Result<WebSessionOutput, WebDriverError> {
        let duration = self.launched.elapsed();
        let video = match self.recorder.take() {
            Some(recorder) => {
                if let Some(session) = self.session.as_mut() {
                    session.stop_recording();
                }
                Some(recorder.finish().await)
            }
            None => None,
        };
        self.session = None;
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.browser.execute(CloseParams::default()),
        )
        .await;
        self.process.stop(Duration::from_secs(5)).await;
        Ok(WebSessionOutput {
            video: video.transpose()?,
            duration,
        })
    }

    /// Fault injection: crashes the game's renderer, as a bug would
    /// (`Page.crash`). The crash shows in the next observation.
    pub async fn crash_renderer(&mut self) -> Result<(), WebDriverError> {
        let page = self.page()?.clone();
        // The renderer dies before it can answer.
        tokio::spawn(async move {
            let _ = page.execute(CrashParams::default()).await;
        });
        let mut gone = self.log.watch_gone();
        tokio::time::timeout(self.timeouts.command, gone.wait_for(Option::is_some))
            .await
            .map_err(|_| WebDriverError::Timeout(self.timeouts.command))?
            .map_err(|_| WebDriverError::Gone("the browser is gone".into()))?;
        Ok(())
    }

    /// Time since launch, and where that is in the video.
    fn clock(&self) -> (Duration, Option<Duration>) {
        (
            self.launched.elapsed(),
            self.recorder.as_ref().map(Recorder::offset),
        )
    }

    fn page(&self) -> Result<&chromiumoxide::Page, WebDriverError> {
        self.session
            .as_ref()
            .map(|s| &s.page)
            .ok_or_else(|| WebDriverError::Gone("the game's tab is closed".into()))
    }

    fn session(&self) -> Result<&PageSession, WebDriverError> {
        self.session
            .as_ref()
            .ok_or_else(|| WebDriverError::Gone("the game's tab is closed".into()))
    }

    fn check_alive(&self) -> Result<(), WebDriverError> {
        match self.log.gone() {
            Some(reason) => Err(WebDriverError::Gone(reason)),
            None => Ok(()),
        }
    }

    fn check_inside(&self, [x, y]: [i32; 2]) -> Result<[f64; 2], WebDriverError> {
        if x < 0 || y < 0 || x >= self.width as i32 || y >= self.height as i32 {
            return Err(WebDriverError::BadAction(format!(
                "[{x}, {y}] is outside the {}x{} viewport",
                self.width, self.height
            )));
        }
        Ok([f64::from(x), f64::from(y)])
    }

    async fn evaluate_value(
        &self,
        expression: &str,
        await_promise: bool,
    ) -> Result<serde_json::Value, WebDriverError> {
        self.check_alive()?;
        self.session()?
            .evaluate(
                &self.guard,
                expression,
                await_promise,
                self.timeouts.command,
            )
            .await
    }
}

#[async_trait]
impl Driver for WebDriver {
    fn viewport(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn timing(&self) -> TimingProfile {
        self.timing.clone()
    }

    async fn act(&mut self, action: &Action) -> Result<(), DriverError> {
        Ok(self.act_inner(action).await?)
    }

    async fn observe(&mut self) -> Result<Observation, DriverError> {
        Ok(self.observe_inner().await?)
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        Ok(self.restart_inner().await?)
    }

    async fn ping(&mut self, timeout: Duration) -> Result<Option<Duration>, DriverError> {
        self.check_alive()?;
        let started = Instant::now();
        let session = self.session()?;
        match session.evaluate(&self.guard, "1", false, timeout).await {
            Ok(_) => Ok(Some(started.elapsed())),
            Err(WebDriverError::Timeout(_)) => Ok(None),
            Err(error) => Err(error.into()),
        }
    }

    async fn affordances(&mut self) -> Result<Affordances, DriverError> {
        let value = self
            .evaluate_value(&hooks::affordances_script(), false)
            .await?;
        let found: Found = serde_json::from_value(value).unwrap_or_default();
        let keys = if found.keys {
            hooks::DEFAULT_KEYS
                .iter()
                .map(|k| (*k).to_owned())
                .collect()
        } else {
            Vec::new()
        };
        let clickable = found
            .regions
            .into_iter()
            .map(|[x, y, width, height]| Region {
                x,
                y,
                width,
                height,
            })
            .collect();
        Ok(Affordances {
            keys,
            clickable,
            surface: None,
        })
    }

    async fn evaluate(&mut self, expression: &str) -> Result<serde_json::Value, DriverError> {
        Ok(self.evaluate_value(expression, true).await?)
    }

    async fn text_of(&mut self, selector: &str) -> Result<Option<String>, DriverError> {
        let value = self
            .evaluate_value(&hooks::text_script(selector), false)
            .await?;
        Ok(value.as_str().map(str::to_owned))
    }

    /// The document's rendered text: a web game always has one.
    async fn visible_text(&mut self) -> Result<Option<String>, DriverError> {
        let value = self
            .evaluate_value(hooks::VISIBLE_TEXT_SCRIPT, false)
            .await?;
        Ok(Some(value.as_str().unwrap_or_default().to_owned()))
    }
}

/// Connects chromiumoxide to the browser through the relay and waits for
/// the browser's first answer; the connection's handler runs in `tasks`.
async fn connect(
    relay: &PipeRelay,
    process: &mut BrowserProcess,
    timeouts: &WebTimeouts,
    tasks: &mut Tasks,
) -> Result<Browser, WebDriverError> {
    let config = HandlerConfig {
        request_timeout: timeouts.load.max(timeouts.command),
        viewport: None,
        ..HandlerConfig::default()
    };
    let connect = async {
        let (browser, mut handler) = Browser::connect_with_config(relay.url(), config).await?;
        tasks.push(tokio::spawn(async move {
            while let Some(result) = handler.next().await {
                if let Err(error) = result {
                    tracing::debug!(%error, "DevTools connection ended");
                    break;
                }
            }
        }));
        let version = browser.version().await?;
        tracing::debug!(product = %version.product, "connected to the browser");
        Ok::<_, WebDriverError>(browser)
    };
    let mut closed = relay.closed();
    let connected = tokio::select! {
        connected = tokio::time::timeout(timeouts.launch, connect) => connected,
        // The guard `wait_for` answers with is dropped before the branch
        // awaits, so the launch stays `Send`.
        () = async { drop(closed.wait_for(|closed| *closed).await) } => {
            return Err(exited(process).await);
        }
    };
    match connected {
        Ok(Ok(browser)) => Ok(browser),
        // A browser that dies at start breaks the connection as it goes:
        // whichever is seen first, how it ended is what the caller needs.
        Ok(Err(error)) => {
            let ended = tokio::time::timeout(EXIT_AFTER_BROKEN_CONNECTION, async {
                drop(closed.wait_for(|closed| *closed).await)
            })
            .await;
            match ended {
                Ok(()) => Err(exited(process).await),
                Err(_) => Err(error),
            }
        }
        Err(_) => Err(WebDriverError::NoConnection {
            timeout: timeouts.launch,
            stderr: process.stderr_tail(),
        }),
    }
}

/// How the browser ended, with its last words, once it has.
async fn exited(process: &mut BrowserProcess) -> WebDriverError {
    let (status, stderr) = process.last_words().await;
    let status = status.map_or_else(|| "still running".to_owned(), |s| s.to_string());
    WebDriverError::Exited { status, stderr }
}
