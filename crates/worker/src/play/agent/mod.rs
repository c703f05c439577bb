//! Playing with an agent: a build played on a driver by the agent the job
//! asks for. The driver is the web one (headless Chromium, `web`) or the
//! native one (the game on its own Xvfb display, `native`); everything
//! else is the same for both:
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
mod native;
mod replay;
mod sink;
mod verification;
mod web;

use std::path::{Path, PathBuf};

use playtest_agent::{AgentError, Driver, SessionSettings};
use playtest_driver_native::NativeDriver;
use playtest_driver_web::WebDriver;
use playtest_types::{LogStream, PlatformKind, RunOutcome, TestType};
use serde::Serialize;

use super::{Play, Played};
use console::ConsoleTap;
use log_file::LogFile;
use sink::ReportSink;

/// Which driver a build is played on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    Web,
    Native,
}

impl Platform {
    /// The driver of a platform's builds.
    pub fn of(platform: PlatformKind) -> Platform {
        match platform {
            PlatformKind::Web => Platform::Web,
            PlatformKind::Linux => Platform::Native,
        }
    }
}

pub async fn play(play: &Play<'_>, platform: Platform) -> Played {
    let evidence = play.run_dir.join("evidence");
    if let Err(err) = tokio::fs::create_dir_all(&evidence).await {
        return Played::error(format!("could not create {}: {err}", evidence.display()));
    }
    let log = match LogFile::create(&evidence.join("logs.txt"), play.reporter.clone()) {
        Ok(log) => log,
        Err(err) => return Played::error(format!("could not create the run's log: {err}")),
    };
    let mut played = play_on(play, platform, &evidence, &log).await;
    log.flush();
    played.artifacts.insert(0, log.path().to_path_buf());
    played
}

async fn play_on(play: &Play<'_>, platform: Platform, evidence: &Path, log: &LogFile) -> Played {
    let job = play.job;
    let references = match assets::fetch_references(play.client, &job.assets).await {
        Ok(references) => references,
        Err(reason) => return Played::error(reason),
    };
    let video = evidence.join("recording.mp4");
    let record = job.options.record_video != Some(false);
    let launched = match platform {
        Platform::Web => web::launch(play, record.then_some(video), log)
            .await
            .map(|driver| Launched::Web(Box::new(driver))),
        Platform::Native => native::launch(play, record.then_some(video), log)
            .await
            .map(|driver| Launched::Native(Box::new(driver))),
    };
    let mut driver = match launched {
        Ok(driver) => driver,
        Err(reason) => return Played::error(reason),
    };
    // For a replay the server sets the job's seed to the trace's.
    let seed = job.seed;
    let sink = ReportSink::new(play.reporter, log, evidence);
    let mut played = {
        let mut tap = ConsoleTap::new(driver.as_driver(), log);
        let settings = SessionSettings {
            seed,
            max_duration: Some(play.max_duration),
            ocr: playtest_ocr::Tesseract::new(&play.settings.tesseract),
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
        Ok(video) => played.artifacts.extend(video),
        Err(reason) => log.line(LogStream::Agent, reason),
    }
    played.artifacts.extend(sink.screenshots());
    played
}

/// The driver a build is played on, whichever it is (boxed: one lives
/// per run, and they differ in size).
enum Launched {
    Web(Box<WebDriver>),
    Native(Box<NativeDriver>),
}

impl Launched {
    fn as_driver(&mut self) -> &mut dyn Driver {
        match self {
            Launched::Web(driver) => driver.as_mut(),
            Launched::Native(driver) => driver.as_mut(),
        }
    }

    /// Closes the game and hands back its recording, if one was made; the
    /// error is a line for the run's log.
    async fn finish(self) -> Result<Option<PathBuf>, String> {
        match self {
            Launched::Web(driver) => driver
                .finish()
                .await
                .map(|output| output.video)
                .map_err(|err| format!("Chromium did not close cleanly: {err}")),
            Launched::Native(driver) => driver
                .finish()
                .await
                .map(|output| output.video)
                .map_err(|err| format!("the game's display did not close cleanly: {err}")),
        }
    }
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
