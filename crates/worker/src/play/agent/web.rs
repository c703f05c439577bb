//! Starting a web build in headless Chromium, in the game sandbox.

use std::path::PathBuf;
use std::sync::Arc;

use playtest_driver_web::{PROFILE_DIR, SandboxedBrowser, WebDriver, WebLaunch};
use playtest_sandbox::Sandbox;
use playtest_types::LogStream;

use super::log_file::LogFile;
use crate::play::Play;

/// The game's tab, loaded; recording into `video` when given (and ffmpeg
/// is there). The error is the run's reason.
pub(super) async fn launch(
    play: &Play<'_>,
    video: Option<PathBuf>,
    log: &LogFile,
) -> Result<WebDriver, String> {
    let Some(tools) = &play.settings.web else {
        return Err(
            "this worker has no Chromium: install Debian's chromium on it, or pass --chromium"
                .into(),
        );
    };
    let job = play.job;
    let browser_dir = play.run_dir.join("browser");
    tokio::fs::create_dir_all(&browser_dir)
        .await
        .map_err(|err| format!("could not create {}: {err}", browser_dir.display()))?;
    let sandbox = Sandbox::new();
    sandbox
        .ensure_works()
        .await
        .map_err(|err| format!("the game sandbox does not work here: {err}"))?;
    let launcher = Arc::new(SandboxedBrowser::new(
        sandbox,
        browser_dir,
        play.settings.limits.clone(),
    ));
    let mut launch = WebLaunch::new(&play.game_dir, launcher);
    launch.entry = job.launch.entry.clone();
    launch.width = job.launch.width.max(1) as u32;
    launch.height = job.launch.height.max(1) as u32;
    launch.seed = job.seed;
    launch.init_scripts = job.launch.init_scripts.clone();
    launch.chromium = tools.chromium.clone();
    launch.profile_dir = Some(PathBuf::from(PROFILE_DIR));
    if let (Some(ffmpeg), Some(video)) = (&tools.ffmpeg, video) {
        launch.ffmpeg = ffmpeg.clone();
        launch.record_video = Some(video);
    }
    log.line(
        LogStream::Agent,
        format!(
            "Starting Chromium at {}x{} on {} (seed {}).",
            launch.width, launch.height, launch.entry, launch.seed
        ),
    );
    WebDriver::launch(launch)
        .await
        .map_err(|err| format!("could not start the game in Chromium: {err}"))
}
