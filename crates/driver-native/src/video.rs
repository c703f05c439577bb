//! Records the game's display as an H.264 MP4 while it runs. A thread with
//! a connection of its own takes a picture of the display at a constant
//! rate and feeds it to ffmpeg as raw video, so the video's timeline is
//! wall time from the moment recording started: a moment `t` after that
//! start is at `t` in the video. (ffmpeg's own `x11grab` would be simpler,
//! but it records nothing from a display without MIT-SHM, which the
//! game's display has none of.)

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use x11rb::connection::Connection;

use crate::NativeDriverError;
use crate::screen::grab;

/// Frames a second of the recording.
const FPS: u32 = 10;

#[derive(Debug)]
pub(crate) struct Recorder {
    /// Taken by `finish`.
    ffmpeg: Option<Child>,
    feeder: Option<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    path: PathBuf,
    started: Instant,
}

impl Recorder {
    /// Starts recording `display` (`width` x `height`) into `path`.
    pub(crate) fn start(
        ffmpeg: &Path,
        display: &str,
        (width, height): (u32, u32),
        path: &Path,
    ) -> Result<Recorder, NativeDriverError> {
        let (conn, screen_number) = x11rb::connect(Some(display)).map_err(|err| {
            NativeDriverError::Video(format!("could not connect to {display}: {err}"))
        })?;
        let root = conn.setup().roots[screen_number].root;
        let mut child = Command::new(ffmpeg)
            .args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"])
            .args(["-f", "rawvideo", "-pixel_format", "bgr0"])
            .args(["-video_size", &format!("{width}x{height}")])
            .args(["-framerate", &FPS.to_string(), "-i", "pipe:0"])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
            ])
            .args(["-movflags", "+faststart"])
            .arg(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| NativeDriverError::Spawn {
                program: ffmpeg.to_owned(),
                source,
            })?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let started = Instant::now();
        let stop = Arc::new(AtomicBool::new(false));
        let feeder = {
            let stop = stop.clone();
            let frame_bytes = (width * height * 4) as usize;
            let (width, height) = (width as u16, height as u16);
            std::thread::Builder::new()
                .name("x11-recorder".into())
                .spawn(move || {
                    let grab = || grab(&conn, root, width, height).ok();
                    feed(stdin, started, &stop, frame_bytes, grab);
                })?
        };
        Ok(Recorder {
            ffmpeg: Some(child),
            feeder: Some(feeder),
            stop,
            path: path.to_owned(),
            started,
        })
    }

    /// Where now is in the video.
    pub(crate) fn offset(&self) -> Duration {
        self.started.elapsed()
    }

    /// Stops feeding ffmpeg, which then finishes the file.
    pub(crate) async fn finish(mut self) -> Result<PathBuf, NativeDriverError> {
        self.stop.store(true, Ordering::Relaxed);
        let feeder = self.feeder.take();
        let ffmpeg = self.ffmpeg.take();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let Some(mut ffmpeg) = ffmpeg else {
                return Err(NativeDriverError::Video(
                    "the recording was already finished".into(),
                ));
            };
            if let Some(feeder) = feeder {
                let _ = feeder.join();
            }
            let mut said = String::new();
            if let Some(mut stderr) = ffmpeg.stderr.take() {
                let _ = stderr.read_to_string(&mut said);
            }
            match ffmpeg.wait() {
                Ok(status) if status.success() => Ok(path),
                Ok(status) => Err(NativeDriverError::Video(format!(
                    "ffmpeg ended with {status}: {}",
                    said.trim()
                ))),
                Err(err) => Err(NativeDriverError::Video(err.to_string())),
            }
        })
        .await
        .map_err(|err| NativeDriverError::Video(err.to_string()))?
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(mut ffmpeg) = self.ffmpeg.take() {
            let _ = ffmpeg.kill();
            let _ = ffmpeg.wait();
        }
    }
}

/// Writes a frame to ffmpeg at every tick from `started` until `stop`,
/// repeating the last picture when a capture fails or comes late, so the
/// video holds one frame per tick of wall time.
fn feed(
    mut stdin: ChildStdin,
    started: Instant,
    stop: &AtomicBool,
    frame_bytes: usize,
    mut grab: impl FnMut() -> Option<Vec<u8>>,
) {
    let tick = Duration::from_secs(1) / FPS;
    let mut last = vec![0u8; frame_bytes];
    let mut written: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        if let Some(frame) = grab() {
            last = frame;
        }
        let due = (started.elapsed().as_secs_f64() * f64::from(FPS)) as u64 + 1;
        while written < due {
            if stdin.write_all(&last).is_err() {
                return;
            }
            written += 1;
        }
        let next = started + tick * (written as u32);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
}
