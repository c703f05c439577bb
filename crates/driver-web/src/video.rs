//! Records the session as an H.264 MP4 while it runs.
//!
//! The page's screencast (`Page.startScreencast`) sends a JPEG whenever the
//! screen changes, and nothing while it is still. A ticker of our own feeds
//! ffmpeg the latest JPEG at a constant rate, repeating it when the screen
//! is still, so the video's timeline is wall time from the start it is
//! given (the session's launch): a moment `t` after it is at `t` in the
//! video. Until the game's tab shows something the video is black. ffmpeg
//! encodes in real time (`libx264 -preset ultrafast`); its output is logged.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::page::{
    EventScreencastFrame, ScreencastFrameAckParams, StartScreencastFormat, StartScreencastParams,
    StopScreencastParams,
};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::WebDriverError;
use crate::launch::StderrTail;

/// How a recording is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoOptions {
    /// Where the MP4 goes (on the host).
    pub path: PathBuf,
    /// Frames a second of the output (10 by default).
    pub fps: u32,
    /// The ffmpeg binary.
    pub ffmpeg: PathBuf,
}

impl VideoOptions {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        VideoOptions {
            path: path.into(),
            fps: 10,
            ffmpeg: PathBuf::from("/usr/bin/ffmpeg"),
        }
    }
}

/// The newest frame of the screen, shared between the screencast and the
/// ticker.
#[derive(Debug, Clone, Default)]
pub(crate) struct LatestFrame(Arc<Mutex<Arc<Vec<u8>>>>);

impl LatestFrame {
    pub(crate) fn set(&self, jpeg: Vec<u8>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Arc::new(jpeg);
    }

    fn get(&self) -> Arc<Vec<u8>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A recording in progress.
#[derive(Debug)]
pub(crate) struct Recorder {
    path: PathBuf,
    started: Instant,
    latest: LatestFrame,
    stop: watch::Sender<bool>,
    ticker: JoinHandle<Result<u64, String>>,
    ffmpeg: Child,
    log: StderrTail,
}

impl Recorder {
    /// Starts ffmpeg on a video whose time 0 is `started`, black until the
    /// screencast sends a frame.
    pub(crate) fn start(
        options: &VideoOptions,
        width: u32,
        height: u32,
        started: Instant,
    ) -> Result<Recorder, WebDriverError> {
        let fps = options.fps.clamp(1, 60);
        // x264 with 4:2:0 chroma wants even sizes.
        let (width, height) = (width & !1, height & !1);
        let filter = format!(
            "scale={width}:{height}:force_original_aspect_ratio=decrease,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,format=yuv420p"
        );
        let mut ffmpeg = Command::new(&options.ffmpeg)
            .args(["-hide_banner", "-nostdin", "-loglevel", "warning", "-y"])
            .args([
                "-f",
                "image2pipe",
                "-framerate",
                &fps.to_string(),
                "-c:v",
                "mjpeg",
            ])
            .args(["-i", "pipe:0"])
            .args(["-vf", &filter])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
            ])
            .args(["-r", &fps.to_string(), "-movflags", "+faststart"])
            .arg(&options.path)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|error| {
                WebDriverError::Video(format!(
                    "cannot start {}: {error}",
                    options.ffmpeg.display()
                ))
            })?;
        let log = StderrTail::default();
        if let Some(stderr) = ffmpeg.stderr.take() {
            tokio::spawn(crate::launch::log_lines(stderr, log.clone(), "ffmpeg"));
        }
        let stdin = ffmpeg.stdin.take().expect("stdin is piped");
        let latest = LatestFrame::default();
        latest.set(black_jpeg(width, height)?);
        let (stop, stopped) = watch::channel(false);
        let ticker = tokio::spawn(tick(stdin, latest.clone(), started, fps, stopped));
        tracing::debug!(path = %options.path.display(), fps, "recording");
        Ok(Recorder {
            path: options.path.clone(),
            started,
            latest,
            stop,
            ticker,
            ffmpeg,
            log,
        })
    }

    /// Where the screencast puts its frames.
    pub(crate) fn latest(&self) -> LatestFrame {
        self.latest.clone()
    }

    /// Where now is in the video.
    pub(crate) fn offset(&self) -> Duration {
        self.started.elapsed()
    }

    /// Writes the frames up to now, closes ffmpeg's input and waits for the
    /// MP4.
    pub(crate) async fn finish(mut self) -> Result<PathBuf, WebDriverError> {
        let _ = self.stop.send(true);
        let written = (&mut self.ticker)
            .await
            .map_err(|error| WebDriverError::Video(error.to_string()))?;
        let status = tokio::time::timeout(Duration::from_secs(60), self.ffmpeg.wait()).await;
        let status = match status {
            Ok(status) => status?,
            Err(_) => {
                let _ = self.ffmpeg.kill().await;
                return Err(WebDriverError::Video(
                    "ffmpeg did not finish within 60 s".into(),
                ));
            }
        };
        let written = written.map_err(|error| {
            WebDriverError::Video(format!("{error}; ffmpeg said: {}", self.log.text()))
        })?;
        if !status.success() {
            return Err(WebDriverError::Video(format!(
                "ffmpeg failed ({status}): {}",
                self.log.text()
            )));
        }
        tracing::debug!(path = %self.path.display(), frames = written, "recording finished");
        Ok(self.path.clone())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Finished or abandoned: either way nothing more goes to ffmpeg
        // (which `kill_on_drop` ends if it still runs).
        self.ticker.abort();
    }
}

/// A black picture of the video's size.
fn black_jpeg(width: u32, height: u32) -> Result<Vec<u8>, WebDriverError> {
    let pixels = vec![0u8; width as usize * height as usize * 3];
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80).encode(
        &pixels,
        width,
        height,
        image::ExtendedColorType::Rgb8,
    )?;
    Ok(jpeg)
}

/// Feeds ffmpeg so that frame `n` is written by `n / fps` seconds after the
/// start; returns how many frames it wrote.
async fn tick(
    mut stdin: ChildStdin,
    latest: LatestFrame,
    started: Instant,
    fps: u32,
    mut stop: watch::Receiver<bool>,
) -> Result<u64, String> {
    let period = Duration::from_secs(1) / fps;
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut written: u64 = 0;
    loop {
        let stopping = tokio::select! {
            _ = interval.tick() => false,
            _ = stop.changed() => true,
        };
        // Frames due by now: frame n covers [n / fps, (n + 1) / fps).
        let due = (started.elapsed().as_secs_f64() * f64::from(fps)).floor() as u64 + 1;
        while written < due {
            let frame = latest.get();
            stdin
                .write_all(&frame)
                .await
                .map_err(|error| format!("writing to ffmpeg: {error}"))?;
            written += 1;
        }
        if stopping {
            stdin
                .shutdown()
                .await
                .map_err(|error| format!("closing ffmpeg's input: {error}"))?;
            return Ok(written);
        }
    }
}

/// Starts `page`'s screencast into `latest`; the returned task acknowledges
/// each frame (the browser sends no more until it is) and runs until the
/// page goes or the task is aborted.
pub(crate) async fn screencast(
    page: &Page,
    latest: LatestFrame,
    width: u32,
    height: u32,
    fps: u32,
) -> Result<JoinHandle<()>, WebDriverError> {
    let mut frames = page.event_listener::<EventScreencastFrame>().await?;
    let params = StartScreencastParams {
        format: Some(StartScreencastFormat::Jpeg),
        quality: Some(80),
        max_width: Some(i64::from(width)),
        max_height: Some(i64::from(height)),
        // The compositor draws up to 60 frames a second; more than the
        // video keeps is wasted encoding.
        every_nth_frame: Some(i64::from((60 / fps.max(1)).max(1))),
    };
    // A screencast survives navigations: one started before a restart is
    // still running, and Chromium refuses a second.
    let _ = page.execute(StopScreencastParams::default()).await;
    page.execute(params).await?;
    let page = page.clone();
    Ok(tokio::spawn(async move {
        while let Some(frame) = frames.next().await {
            let data: &str = frame.data.as_ref();
            match base64::engine::general_purpose::STANDARD.decode(data) {
                Ok(jpeg) => latest.set(jpeg),
                Err(error) => tracing::debug!(%error, "a screencast frame that is not base64"),
            }
            if let Err(error) = page
                .execute(ScreencastFrameAckParams::new(frame.session_id))
                .await
            {
                tracing::debug!(%error, "could not acknowledge a screencast frame");
            }
        }
    }))
}
