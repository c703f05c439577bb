//! The web player: a web build in headless Chromium (in the game sandbox),
//! played by the agent the job asks for:
//!
//! - `verification` tests: the scripted agent plays each step's actions and
//!   checks its expected results;
//! - `discovery` tests: the explorer (or, when the test says so, random
//!   actions) roams the game until its time or action budget is spent;
//! - a bug's replay: its trace is played again from a fresh start with its
//!   seed, and the run succeeds when the same fingerprint shows; a
//!   minimisation also shortens the trace and reports the shorter one.
//!
//! Detectors watch throughout; findings are reported as they happen. The
//! run leaves `recording.mp4` (when ffmpeg is there and the run wants it),
//! `logs.txt` (the game's console and the agent's lines), `trace.json`,
//! `state-graph.json` and `coverage.json` (discovery), and a screenshot per
//! bug and per verification step. One module per kind of play:
//! `verification`, `discovery`, `replay`; `sink` reports what the agent
//! finds, `console` and `log_file` keep the game's console.
//!
//! Verdicts: a verification run succeeds when every step passes; a
//! discovery run fails when it found a critical bug (a crash or a hang) and
//! succeeds otherwise, its other bugs being for `playtest run --fail-on` to
//! judge; a replay succeeds when the bug showed again.

mod assets;
mod console;
mod discovery;
mod log_file;
mod replay;
mod sink;
mod verification;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use playtest_agent::{AgentError, SessionSettings};
use playtest_driver_web::{PROFILE_DIR, SandboxedBrowser, WebDriver, WebLaunch};
use playtest_types::{RunOutcome, TestType};
use serde::Serialize;

use super::{Play, Played};
use console::ConsoleTap;
use log_file::LogFile;
use playtest_sandbox::Sandbox;
use sink::ReportSink;

pub async fn play(play: &Play<'_>) -> Played {
    let Some(tools) = &play.settings.web else {
        return Played::error(
            "this worker has no Chromium: install Debian's chromium on it, or pass --chromium",
        );
    };
    let evidence = play.run_dir.join("evidence");
    let browser_dir = play.run_dir.join("browser");
    for dir in [&evidence, &browser_dir] {
        if let Err(err) = tokio::fs::create_dir_all(dir).await {
            return Played::error(format!("could not create {}: {err}", dir.display()));
        }
    }
    let log = match LogFile::create(&evidence.join("logs.txt"), play.reporter.clone()) {
        Ok(log) => log,
        Err(err) => return Played::error(format!("could not create the run's log: {err}")),
    };
    let mut played = play_in_browser(play, tools, &evidence, &browser_dir, &log).await;
    log.flush();
    played.artifacts.insert(0, log.path().to_path_buf());
    played
}

async fn play_in_browser(
    play: &Play<'_>,
    tools: &crate::WebTools,
    evidence: &Path,
    browser_dir: &Path,
    log: &LogFile,
) -> Played {
    let job = play.job;
    let references = match assets::fetch_references(play.client, &job.assets).await {
        Ok(references) => references,
        Err(reason) => return Played::error(reason),
    };
    let sandbox = Sandbox::new();
    if let Err(err) = sandbox.ensure_works().await {
        return Played::error(format!("the game sandbox does not work here: {err}"));
    }
    let launcher = Arc::new(SandboxedBrowser::new(
        sandbox,
        browser_dir.to_path_buf(),
        play.settings.limits.clone(),
    ));
    // For a replay the server sets the job's seed to the trace's.
    let seed = job.seed;
    let video = evidence.join("recording.mp4");
    let mut launch = WebLaunch::new(&play.game_dir, launcher);
    launch.entry = job.launch.entry.clone();
    launch.width = job.launch.width.max(1) as u32;
    launch.height = job.launch.height.max(1) as u32;
    launch.seed = seed;
    launch.init_scripts = job.launch.init_scripts.clone();
    launch.chromium = tools.chromium.clone();
    launch.profile_dir = Some(PathBuf::from(PROFILE_DIR));
    if let Some(ffmpeg) = &tools.ffmpeg
        && job.options.record_video != Some(false)
    {
        launch.ffmpeg = ffmpeg.clone();
        launch.record_video = Some(video.clone());
    }
    log.line(
        playtest_types::LogStream::Agent,
        format!(
            "Starting Chromium at {}x{} on {} (seed {seed}).",
            launch.width, launch.height, launch.entry
        ),
    );
    let mut driver = match WebDriver::launch(launch).await {
        Ok(driver) => driver,
        Err(err) => {
            return Played::error(format!("could not start the game in Chromium: {err}"));
        }
    };
    let sink = ReportSink::new(play.reporter, log, evidence);
    let mut played = {
        let mut tap = ConsoleTap::new(&mut driver, log);
        let settings = SessionSettings {
            seed,
            max_duration: Some(play.max_duration),
            ..SessionSettings::default()
        };
        match &job.replay {
            Some(spec) => replay::replay_bug(play, &mut tap, &sink, spec, settings).await,
            None if job.test.test_type == TestType::Verification => {
                verification::check_steps(play, &mut tap, &sink, &references, evidence, settings)
                    .await
            }
            None => discovery::discover_bugs(play, &mut tap, &sink, evidence, settings).await,
        }
    };
    match driver.finish().await {
        Ok(output) => {
            if let Some(video) = output.video {
                played.artifacts.push(video);
            }
        }
        Err(err) => log.line(
            playtest_types::LogStream::Agent,
            format!("Chromium did not close cleanly: {err}"),
        ),
    }
    played.artifacts.extend(sink.screenshots());
    played
}

/// A run cut short: stopped, out of time, or the driver failed.
pub(super) fn ended_early(err: AgentError, what: &str) -> Played {
    match err {
        AgentError::Stopped => Played {
            outcome: RunOutcome::Stopped,
            reason: Some("the run was stopped".into()),
            artifacts: vec![],
        },
        AgentError::DeadlineReached => Played {
            outcome: RunOutcome::Timeout,
            reason: Some(format!("the time limit ended {what} before they were done")),
            artifacts: vec![],
        },
        other => Played::error(format!("{what} could not go on: {other}")),
    }
}

/// Writes `value` as pretty JSON into `dir/name`; the path, or `None`
/// (logged) when it could not be written.
pub(super) fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> Option<PathBuf> {
    let path = dir.join(name);
    let written = serde_json::to_vec_pretty(value)
        .map_err(|err| err.to_string())
        .and_then(|bytes| std::fs::write(&path, bytes).map_err(|err| err.to_string()));
    match written {
        Ok(()) => Some(path),
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "could not write an artifact");
            None
        }
    }
}
