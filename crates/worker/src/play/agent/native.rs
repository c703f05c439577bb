//! Starting a native Linux build on a virtual display of its own, in the
//! game sandbox. A restart lays the run's copy of the build anew from the
//! worker's cache, so what the game saved is forgotten as on a new
//! machine.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use playtest_driver_native::{NativeDriver, NativeLaunch};
use playtest_sandbox::Sandbox;
use playtest_types::LogStream;

use super::log_file::LogFile;
use crate::build_cache::copy_build;
use crate::play::Play;

/// The game, started and showing its window; recording into `video` when
/// given (and ffmpeg is there). The error is the run's reason.
pub(super) async fn launch(
    play: &Play<'_>,
    video: Option<PathBuf>,
    log: &LogFile,
) -> Result<NativeDriver, String> {
    let Some(tools) = &play.settings.native else {
        return Err(
            "this worker has no Xvfb, so it plays native builds only as game_loop tests: install Debian's xvfb on it, or pass --xvfb"
                .into(),
        );
    };
    let job = play.job;
    let mut launch = NativeLaunch::new(&play.game_dir, job.launch.entry.clone());
    launch.args = job.launch.args.clone();
    launch.env = job.launch.env.clone();
    launch.width = job.launch.width.max(1) as u32;
    launch.height = job.launch.height.max(1) as u32;
    launch.seed = job.seed;
    launch.xvfb = tools.xvfb.clone();
    launch.faketime = tools.faketime.clone();
    launch.sandbox = Sandbox::new();
    launch.limits = play.settings.limits.clone();
    if let (Some(ffmpeg), Some(video)) = (&tools.ffmpeg, video) {
        launch.ffmpeg = ffmpeg.clone();
        launch.record_video = Some(video);
    }
    let build = play.build_dir.clone();
    launch.lay_folder = Some(Arc::new(move |folder: &Path| {
        std::fs::remove_dir_all(folder).map_err(|err| err.to_string())?;
        copy_build(&build, folder).map_err(|err| err.to_string())
    }));
    log.line(
        LogStream::Agent,
        format!(
            "Starting {} on a {}x{} display (seed {}).",
            launch.entry, launch.width, launch.height, launch.seed
        ),
    );
    NativeDriver::launch(launch)
        .await
        .map_err(|err| format!("could not start the game: {err}"))
}
