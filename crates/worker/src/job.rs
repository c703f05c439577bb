//! One leased job from start to verdict: keep the lease alive (and hear
//! stop requests) with heartbeats, prepare the build, play the test, report
//! what happened, upload the artifacts, complete.
//!
//! What this worker can play today: `game_loop` tests of `linux` builds.
//! Anything else is completed as `error` with a reason that says so.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use playtest_client::{FileRange, WorkerClient};
use playtest_types::{
    ArtifactUploadRequest, BugReport, CompleteJobRequest, Confidence, JobAssignment, LogLine,
    LogStream, PlatformKind, RunOutcome, StepReport, StepResult, StepState, TestType,
};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::reporter::Reporter;
use crate::{
    BuildCache, BuildToFetch, GameLoopRun, Stream, Verdict, WorkerSettings, findings, run_game_loop,
};

/// How many times a complete is retried when the server cannot be reached.
const COMPLETE_ATTEMPTS: u32 = 10;

pub struct JobRunner {
    client: WorkerClient,
    worker_id: String,
    cache: BuildCache,
    settings: WorkerSettings,
}

/// How a job ended, for the complete call.
struct Ending {
    outcome: RunOutcome,
    reason: Option<String>,
    artifacts: Vec<String>,
}

impl Ending {
    fn error(reason: impl Into<String>) -> Self {
        Ending {
            outcome: RunOutcome::Error,
            reason: Some(reason.into()),
            artifacts: vec![],
        }
    }
}

impl JobRunner {
    pub fn new(
        client: WorkerClient,
        worker_id: String,
        cache: BuildCache,
        settings: WorkerSettings,
    ) -> Self {
        JobRunner {
            client,
            worker_id,
            cache,
            settings,
        }
    }

    /// Plays the job and completes it; returns when the lease is done with.
    pub async fn run(&self, job: JobAssignment, shutdown: watch::Receiver<bool>) {
        let reporter = Reporter::new(
            self.client.clone(),
            self.worker_id.clone(),
            job.job_id.clone(),
            job.fencing_token,
        );
        let stop = CancellationToken::new();
        let heartbeat = tokio::spawn(heartbeat_loop(
            self.client.clone(),
            self.worker_id.clone(),
            job.clone(),
            stop.clone(),
            reporter.clone(),
        ));
        let forward_shutdown = tokio::spawn(forward(shutdown, stop.clone()));
        let shipping_done = CancellationToken::new();
        let shipping = tokio::spawn(reporter.clone().run(shipping_done.clone()));

        let run_dir = self
            .settings
            .work_dir
            .join("runs")
            .join(format!("{}-{}", job.job_id, job.attempt));
        let ending = self.play(&job, &reporter, stop, &run_dir).await;

        shipping_done.cancel();
        let _ = shipping.await;
        send_the_rest(&reporter, &job.job_id).await;
        heartbeat.abort();
        forward_shutdown.abort();
        if *reporter.lost().borrow() {
            tracing::warn!(job_id = %job.job_id, "the lease was lost; the job is dropped without completing");
        } else {
            self.complete(&job, ending).await;
        }
        if let Err(err) = tokio::fs::remove_dir_all(&run_dir).await
            && err.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %run_dir.display(), error = %err, "could not remove a run's folder");
        }
    }

    async fn play(
        &self,
        job: &JobAssignment,
        reporter: &Reporter,
        stop: CancellationToken,
        run_dir: &Path,
    ) -> Ending {
        reporter.started();
        if job.platform != PlatformKind::Linux || job.test.test_type != TestType::GameLoop {
            return Ending::error(format!(
                "this worker plays game_loop tests of linux builds; a {} test on {} needs the {} driver",
                wire(&job.test.test_type),
                job.platform.as_str(),
                job.platform.as_str()
            ));
        }
        let Some(build) = &job.build else {
            return Ending::error(
                "the run has no build: set build_id on the deployment config, or pass --build to playtest run",
            );
        };
        let download_url = match url::Url::parse(&build.download_url) {
            Ok(url) => url,
            Err(err) => {
                return Ending::error(format!("the build's download URL is unusable: {err}"));
            }
        };
        agent_log(
            reporter,
            format!("preparing build {} ({} bytes)", build.id, build.size),
        );
        let prepared = match self
            .cache
            .prepare(&BuildToFetch {
                sha256: build.sha256.clone(),
                size: build.size as u64,
                file_name: build.file_name.clone(),
                download_url,
            })
            .await
        {
            Ok(prepared) => prepared,
            Err(err) => {
                return Ending::error(format!("could not prepare build {}: {err}", build.id));
            }
        };
        agent_log(
            reporter,
            if prepared.downloaded {
                "build downloaded and unpacked".to_string()
            } else {
                "build taken from the cache".to_string()
            },
        );
        let game_dir = run_dir.join("game");
        if let Err(err) = tokio::fs::create_dir_all(run_dir).await {
            return Ending::error(format!("could not create {}: {err}", run_dir.display()));
        }
        if let Err(err) = self.cache.run_copy(&prepared, &game_dir) {
            return Ending::error(format!("could not copy the build for this run: {err}"));
        }

        let max_duration = self.max_duration(job);
        let first_step = first_step(job);
        let started_at = Utc::now();
        if let Some(step) = first_step {
            reporter.step(StepReport {
                player_number: 0,
                step_number: step,
                state: StepState::Running,
                result: None,
                report: None,
                start_time: Some(started_at),
                end_time: None,
            });
        }
        let logs_path = run_dir.join("logs.txt");
        let mut args = job.launch.args.clone();
        args.extend(job.test.game_loop.clone().unwrap_or_default().args);
        let spec = GameLoopRun {
            build_dir: game_dir,
            entry: job.launch.entry.clone(),
            args,
            env: job.launch.env.clone(),
            max_duration,
            limits: self.settings.limits.clone(),
            logs_path: logs_path.clone(),
        };
        let line_reporter = reporter.clone();
        let report = match run_game_loop(spec, stop, move |line| {
            line_reporter.log(LogLine {
                stream: match line.stream {
                    Stream::Stdout => LogStream::Stdout,
                    Stream::Stderr => LogStream::Stderr,
                },
                line: line.text,
                at: Utc::now(),
            })
        })
        .await
        {
            Ok(report) => report,
            Err(err) => return Ending::error(format!("could not run the game: {err}")),
        };
        for finding in findings(&report, &job.launch.entry) {
            reporter.bug(BugReport {
                fingerprint: finding.fingerprint,
                title: finding.title,
                description: finding.description,
                category: finding.category,
                severity: finding.severity,
                confidence: Confidence::High,
                reproduction_steps: reproduction(job),
                player_number: 0,
                test_step: first_step,
                video_offset_ms: None,
                screenshot: None,
                trace: None,
                minimizes: None,
            });
        }
        let (outcome, summary) = verdict(&report.verdict, max_duration);
        if let Some(step) = first_step {
            reporter.step(StepReport {
                player_number: 0,
                step_number: step,
                state: StepState::Completed,
                result: Some(if outcome == RunOutcome::Success {
                    StepResult::Success
                } else {
                    StepResult::Failure
                }),
                report: Some(summary.clone()),
                start_time: Some(started_at),
                end_time: Some(Utc::now()),
            });
        }
        agent_log(reporter, summary.clone());
        reporter.cleaning_up();
        let artifacts = self.upload_artifacts(job, &[logs_path]).await;
        Ending {
            outcome,
            reason: (outcome != RunOutcome::Success).then_some(summary),
            artifacts,
        }
    }

    /// The game's time limit: the test's `max_seconds`, capped by the run's
    /// `max_time_seconds`, else the worker's default.
    fn max_duration(&self, job: &JobAssignment) -> Duration {
        let limits = [job.test.max_seconds, job.options.max_time_seconds];
        limits
            .into_iter()
            .flatten()
            .filter(|seconds| *seconds > 0)
            .min()
            .map_or(self.settings.default_max_duration, |seconds| {
                Duration::from_secs(seconds as u64)
            })
    }

    /// Uploads the files that exist; returns the names uploaded.
    async fn upload_artifacts(&self, job: &JobAssignment, paths: &[PathBuf]) -> Vec<String> {
        let mut uploaded = Vec::new();
        for path in paths {
            let Some(filename) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let Ok(meta) = tokio::fs::metadata(path).await else {
                continue;
            };
            let request = ArtifactUploadRequest {
                fencing_token: job.fencing_token,
                filename: filename.to_string(),
            };
            let url = match self
                .client
                .artifact_upload_url(&self.worker_id, &job.job_id, &request)
                .await
            {
                Ok(answer) => answer.upload_url,
                Err(err) => {
                    tracing::warn!(job_id = %job.job_id, filename, error = %err, "no upload URL for an artifact");
                    continue;
                }
            };
            let range = FileRange {
                path: path.clone(),
                offset: 0,
                len: meta.len(),
            };
            match self
                .client
                .storage()
                .put_file_range(&url, &range, |_| {})
                .await
            {
                Ok(_) => uploaded.push(filename.to_string()),
                Err(err) => {
                    tracing::warn!(job_id = %job.job_id, filename, error = %err, "could not upload an artifact")
                }
            }
        }
        uploaded
    }

    /// Completes, retrying while the server cannot be reached.
    async fn complete(&self, job: &JobAssignment, ending: Ending) {
        let request = CompleteJobRequest {
            fencing_token: job.fencing_token,
            outcome: ending.outcome,
            artifacts: ending.artifacts,
            reason: ending.reason,
        };
        let mut backoff = Duration::from_millis(200);
        for attempt in 1..=COMPLETE_ATTEMPTS {
            match self
                .client
                .complete(&self.worker_id, &job.job_id, &request)
                .await
            {
                Ok(answer) => {
                    tracing::info!(job_id = %job.job_id, outcome = ?request.outcome, retried = answer.retried, "job completed");
                    return;
                }
                Err(err) if err.is_lease_lost() => {
                    tracing::warn!(job_id = %job.job_id, "the lease was lost before the job completed");
                    return;
                }
                Err(err) if attempt < COMPLETE_ATTEMPTS => {
                    tracing::warn!(job_id = %job.job_id, error = %err, "could not complete; retrying in {:?}", backoff);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Err(err) => {
                    tracing::error!(job_id = %job.job_id, error = %err, "could not complete; the lease will expire and the server decides");
                }
            }
        }
    }
}

/// Sends what the reporter still holds, retrying while the server cannot
/// be reached: the last bugs and steps matter most.
async fn send_the_rest(reporter: &Reporter, job_id: &str) {
    let mut backoff = Duration::from_millis(200);
    for attempt in 1..=COMPLETE_ATTEMPTS {
        match reporter.flush().await {
            Ok(()) => return,
            Err(err) if err.is_lease_lost() => return,
            Err(err) if attempt < COMPLETE_ATTEMPTS => {
                tracing::warn!(job_id, error = %err, "could not send the last report; retrying in {:?}", backoff);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(err) => tracing::error!(job_id, error = %err, "could not send the last report"),
        }
    }
}

/// The first step of the first player, if the test has one (1-based).
fn first_step(job: &JobAssignment) -> Option<i32> {
    job.test
        .players
        .first()
        .filter(|player| !player.steps.is_empty())
        .map(|_| 1)
}

/// The run's outcome and a one-line summary of the game's end.
fn verdict(verdict: &Verdict, max_duration: Duration) -> (RunOutcome, String) {
    match verdict {
        Verdict::Success => (RunOutcome::Success, "the game exited with code 0".into()),
        Verdict::Failed { exit_code } => (
            RunOutcome::Failed,
            format!("the game exited with code {exit_code}"),
        ),
        Verdict::Crashed { signal_name, .. } => (
            RunOutcome::Failed,
            format!("the game crashed ({signal_name})"),
        ),
        Verdict::TimedOut => (
            RunOutcome::Timeout,
            format!(
                "the game was still running after {} s and was ended",
                max_duration.as_secs()
            ),
        ),
        Verdict::Stopped => (RunOutcome::Stopped, "the run was stopped".into()),
    }
}

fn reproduction(job: &JobAssignment) -> String {
    let mut command = job.launch.entry.clone();
    for arg in job
        .launch
        .args
        .iter()
        .chain(job.test.game_loop.iter().flat_map(|g| g.args.iter()))
    {
        command.push(' ');
        command.push_str(arg);
    }
    format!(
        "1. Unpack build {}.\n2. Run `{command}` in its folder.",
        job.build.as_ref().map_or("-", |b| b.id.as_str())
    )
}

fn agent_log(reporter: &Reporter, line: String) {
    reporter.log(LogLine {
        stream: LogStream::Agent,
        line,
        at: Utc::now(),
    });
}

fn wire<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Heartbeats at the assignment's interval: a stop request cancels `stop`;
/// a lost lease marks the reporter lost and cancels the game too.
async fn heartbeat_loop(
    client: WorkerClient,
    worker_id: String,
    job: JobAssignment,
    stop: CancellationToken,
    reporter: Reporter,
) {
    let every = Duration::from_millis(u64::from(job.heartbeat_interval_ms.max(100)));
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        match client
            .heartbeat(&worker_id, &job.job_id, job.fencing_token)
            .await
        {
            Ok(control) if control.stop_requested => stop.cancel(),
            Ok(_) => {}
            Err(err) if err.is_lease_lost() => {
                reporter.mark_lost();
                stop.cancel();
                return;
            }
            Err(err) => tracing::warn!(job_id = %job.job_id, error = %err, "a heartbeat failed"),
        }
    }
}

/// Turns the worker's shutdown into a stop of this job.
async fn forward(mut shutdown: watch::Receiver<bool>, stop: CancellationToken) {
    if shutdown.wait_for(|down| *down).await.is_ok() {
        stop.cancel();
    }
}
