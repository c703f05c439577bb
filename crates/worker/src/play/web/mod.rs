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
//! bug.
//!
//! Verdicts: a verification run succeeds when every step passes; a
//! discovery run fails when it found a critical bug (a crash or a hang) and
//! succeeds otherwise, its other bugs being for `playtest run --fail-on` to
//! judge; a replay succeeds when the bug showed again.

mod assets;
mod console;
mod log_file;
mod sink;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use playtest_agent::{
    AgentError, DiscoveryRun, Driver, ExplorerSettings, MinimizeSettings, ReplaySettings,
    SessionSettings, discover, minimize, play_randomly, replay, verify,
};
use playtest_driver_web::{WebDriver, WebLaunch};
use playtest_types::{DiscoveryStrategy, ReplaySpec, RunOutcome, Severity, TestType};
use serde::Serialize;

use super::{Play, Played};
use crate::browser_sandbox::{PROFILE_DIR, SandboxedBrowser};
use crate::sandbox::Sandbox;
use console::ConsoleTap;
use log_file::LogFile;
use sink::ReportSink;

pub async fn play(play: &Play<'_>) -> Played {
    let Some(tools) = &play.settings.web else {
        return Played::error(
            "this worker has no Chromium: install Debian's chromium on it, or pass --chromium",
            vec![],
        );
    };
    let evidence = play.run_dir.join("evidence");
    let browser_dir = play.run_dir.join("browser");
    for dir in [&evidence, &browser_dir] {
        if let Err(err) = tokio::fs::create_dir_all(dir).await {
            return Played::error(format!("could not create {}: {err}", dir.display()), vec![]);
        }
    }
    let log = match LogFile::create(&evidence.join("logs.txt"), play.reporter.clone()) {
        Ok(log) => log,
        Err(err) => return Played::error(format!("could not create the run's log: {err}"), vec![]),
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
        Err(reason) => return Played::error(reason, vec![]),
    };
    let sandbox = Sandbox::new();
    if let Err(err) = sandbox.ensure_works().await {
        return Played::error(
            format!("the game sandbox does not work here: {err}"),
            vec![],
        );
    }
    let launcher = Arc::new(SandboxedBrowser::new(
        sandbox,
        browser_dir.to_path_buf(),
        play.settings.limits.clone(),
    ));
    let seed = job.replay.as_ref().map_or(job.seed, |r| r.trace.seed);
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
            return Played::error(
                format!("could not start the game in Chromium: {err}"),
                vec![],
            );
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
            Some(spec) => replay_bug(play, &mut tap, &sink, spec, settings).await,
            None if job.test.test_type == TestType::Verification => {
                let run = verify(
                    &mut tap,
                    &sink,
                    &job.test,
                    &references,
                    settings,
                    Default::default(),
                    play.stop.clone(),
                )
                .await;
                match run {
                    Ok(run) => {
                        let trace = write_json(evidence, "trace.json", &run.trace);
                        let failed = run
                            .outcome
                            .steps
                            .iter()
                            .filter(|s| s.result != playtest_types::StepResult::Success)
                            .count();
                        Played {
                            outcome: if run.outcome.success {
                                RunOutcome::Success
                            } else {
                                RunOutcome::Failed
                            },
                            reason: (!run.outcome.success).then(|| {
                                format!("{failed} of {} steps failed", run.outcome.steps.len())
                            }),
                            artifacts: trace.into_iter().collect(),
                        }
                    }
                    Err(err) => ended_early(err, "the steps"),
                }
            }
            None => discover_bugs(play, &mut tap, &sink, evidence, settings).await,
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

/// A discovery test: the explorer, or random actions when the test asks.
async fn discover_bugs(
    play: &Play<'_>,
    driver: &mut dyn Driver,
    sink: &ReportSink<'_>,
    evidence: &Path,
    settings: SessionSettings,
) -> Played {
    let discovery = play.job.test.discovery.clone().unwrap_or_default();
    let strategy = discovery.strategy.unwrap_or_default();
    let max_actions = discovery.max_actions.map_or(u64::MAX, u64::from);
    let explorer = ExplorerSettings {
        max_actions,
        ..ExplorerSettings::default()
    };
    let seed = settings.seed;
    let started = std::time::Instant::now();
    let run = match strategy {
        DiscoveryStrategy::Explorer => {
            discover(driver, sink, settings, explorer.clone(), play.stop.clone()).await
        }
        DiscoveryStrategy::Random => {
            play_randomly(
                driver,
                sink,
                settings,
                max_actions,
                explorer.space.clone(),
                play.stop.clone(),
            )
            .await
        }
    };
    let run: DiscoveryRun = match run {
        Ok(run) => run,
        Err(err) => return ended_early(err, "the exploration"),
    };
    let seconds = started.elapsed().as_secs_f64();
    let coverage = Coverage {
        strategy,
        seed,
        distinct_cells: run.report.coverage.distinct_cells,
        transitions: run.report.coverage.transitions,
        actions: run.report.coverage.actions,
        restarts: run.report.coverage.restarts,
        moves: run.report.moves,
        seconds: (seconds * 10.0).round() / 10.0,
        findings: sink.findings().len(),
    };
    sink_summary(sink, &coverage);
    let artifacts = [
        write_json(evidence, "coverage.json", &coverage),
        write_json(evidence, "state-graph.json", &run.report.state_graph),
        write_json(evidence, "trace.json", &run.trace),
    ];
    let critical = sink
        .findings()
        .into_iter()
        .filter(|f| f.severity == Severity::Critical)
        .map(|f| f.title)
        .collect::<Vec<_>>();
    let stopped = matches!(run.report.ended, playtest_agent::RunEnd::Stopped);
    Played {
        outcome: if stopped {
            RunOutcome::Stopped
        } else if critical.is_empty() {
            RunOutcome::Success
        } else {
            RunOutcome::Failed
        },
        reason: if stopped {
            Some("the run was stopped".into())
        } else {
            (!critical.is_empty()).then(|| format!("critical: {}", critical.join("; ")))
        },
        artifacts: artifacts.into_iter().flatten().collect(),
    }
}

/// What a discovery run covered: `coverage.json`.
#[derive(Debug, Serialize)]
struct Coverage {
    strategy: DiscoveryStrategy,
    seed: u64,
    distinct_cells: usize,
    transitions: usize,
    actions: u64,
    restarts: u32,
    moves: u64,
    seconds: f64,
    findings: usize,
}

fn sink_summary(sink: &ReportSink<'_>, coverage: &Coverage) {
    use playtest_agent::Sink;
    sink.log(format!(
        "Explored {} distinct screens through {} transitions in {} actions ({} restarts, {:.0} s); {} bugs.",
        coverage.distinct_cells,
        coverage.transitions,
        coverage.actions,
        coverage.restarts,
        coverage.seconds,
        coverage.findings
    ));
}

/// A bug's replay or minimisation.
async fn replay_bug(
    play: &Play<'_>,
    driver: &mut dyn Driver,
    sink: &ReportSink<'_>,
    spec: &ReplaySpec,
    session: SessionSettings,
) -> Played {
    use playtest_agent::Sink;
    let replay_settings = ReplaySettings {
        session,
        ..ReplaySettings::default()
    };
    if spec.minimize {
        let settings = MinimizeSettings {
            replay: replay_settings,
            max_duration: play.max_duration,
            ..MinimizeSettings::default()
        };
        let outcome = match minimize(
            driver,
            sink,
            &spec.trace,
            &spec.fingerprint,
            &settings,
            &play.stop,
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(err) => return ended_early(err, "the minimisation"),
        };
        let summary = format!(
            "trace {} -> {} actions after {} replays",
            spec.trace.actions.len(),
            outcome.trace.actions.len(),
            outcome.replays
        );
        sink.log(format!("Minimisation done: {summary}."));
        if !outcome.reproduced {
            return Played {
                outcome: RunOutcome::Failed,
                reason: Some("the bug did not appear again: nothing to minimise".into()),
                artifacts: vec![],
            };
        }
        if let Some(mut finding) = outcome.finding {
            finding.reproduction_steps = playtest_agent::describe::reproduction_steps(
                outcome.trace.seed,
                &outcome.trace.actions,
            );
            finding.trace = outcome.trace;
            sink.report_minimized(&spec.occurrence_id, finding);
        }
        return Played {
            outcome: RunOutcome::Success,
            reason: None,
            artifacts: vec![],
        };
    }
    match replay(
        driver,
        sink,
        &spec.trace,
        &spec.fingerprint,
        &replay_settings,
        &play.stop,
    )
    .await
    {
        Ok(outcome) if outcome.reproduced => {
            sink.log(format!(
                "The bug appeared again after {} of {} actions.",
                outcome.at_action.unwrap_or_default(),
                spec.trace.actions.len()
            ));
            if let Some(finding) = outcome.finding {
                sink.finding(finding);
            }
            Played {
                outcome: RunOutcome::Success,
                reason: None,
                artifacts: vec![],
            }
        }
        Ok(outcome) => {
            for finding in outcome.other_findings {
                sink.finding(finding);
            }
            Played {
                outcome: RunOutcome::Failed,
                reason: Some(format!(
                    "the bug ({}) did not appear in a replay of its {} actions",
                    spec.fingerprint,
                    spec.trace.actions.len()
                )),
                artifacts: vec![],
            }
        }
        Err(err) => ended_early(err, "the replay"),
    }
}

/// A run cut short: stopped, out of time, or the driver failed.
fn ended_early(err: AgentError, what: &str) -> Played {
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
        other => Played::error(format!("{what} could not go on: {other}"), vec![]),
    }
}

/// Writes `value` as pretty JSON into `dir/name`; the path, or `None`
/// (logged) when it could not be written.
fn write_json(dir: &Path, name: &str, value: &impl Serialize) -> Option<PathBuf> {
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
