//! One leased job from start to verdict: keep the lease alive (and hear
//! stop requests) with heartbeats, prepare the build, play the test, report
//! what happened, upload the artifacts, complete.
//!
//! What is played depends on the job ([`crate::play`]); a job no player
//! fits is completed as `error` with a reason that says so.

use std::path::{Path, PathBuf};
use std::time::Duration;

use playtest_client::WorkerClient;
use playtest_types::{CompleteJobRequest, JobAssignment, RunOutcome};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, Span};

use crate::artifacts::upload_artifacts;
use crate::play::{Play, Player};
use crate::reporter::Reporter;
use crate::{BuildCache, BuildToFetch, WorkerSettings};

/// How many times a complete is retried when the server cannot be reached.
const COMPLETE_ATTEMPTS: u32 = 10;

pub struct JobRunner {
    client: WorkerClient,
    worker_id: String,
    cache: BuildCache,
    settings: WorkerSettings,
}

/// How a job ended, for the complete call.
struct Completion {
    outcome: RunOutcome,
    reason: Option<String>,
    artifacts: Vec<String>,
}

impl Completion {
    fn error(reason: impl Into<String>) -> Self {
        Completion {
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
        // Spawned tasks do not inherit the job's span; they are given it.
        let span = Span::current();
        let heartbeat = tokio::spawn(
            heartbeat_loop(
                self.client.clone(),
                self.worker_id.clone(),
                job.clone(),
                stop.clone(),
                reporter.clone(),
            )
            .instrument(span.clone()),
        );
        let forward_shutdown = tokio::spawn(forward(shutdown, stop.clone()));
        let shipping_done = CancellationToken::new();
        let shipping = tokio::spawn(reporter.clone().run(shipping_done.clone()).instrument(span));

        let run_dir = self
            .settings
            .work_dir
            .join("runs")
            .join(format!("{}-{}", job.job_id, job.attempt));
        let completion = self.play(&job, &reporter, stop, &run_dir).await;

        shipping_done.cancel();
        let _ = shipping.await;
        send_the_rest(&reporter).await;
        heartbeat.abort();
        forward_shutdown.abort();
        if *reporter.lost().borrow() {
            tracing::warn!("the lease was lost; the job is dropped without completing");
        } else {
            self.complete(&job, completion).await;
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
    ) -> Completion {
        reporter.started();
        let Some(player) = Player::for_job(job) else {
            // Only a game loop of a web build has no player: it is a
            // native program's test.
            return Completion::error(format!(
                "no worker plays a {} test of {} builds: a game loop runs a native program, so give the test a linux deployment config",
                job.test.test_type.as_str(),
                job.platform.as_str(),
            ));
        };
        if !player.is_installed(&self.settings) {
            return Completion::error(format!(
                "this worker cannot play {} tests of {} builds; run it where the {} driver's tools are installed",
                job.test.test_type.as_str(),
                job.platform.as_str(),
                job.platform.as_str()
            ));
        }
        let (build_dir, game_dir) = match self.prepare_build(job, reporter, run_dir).await {
            Ok(dirs) => dirs,
            Err(reason) => return Completion::error(reason),
        };
        let play = Play {
            job,
            reporter,
            stop,
            run_dir,
            game_dir,
            build_dir,
            max_duration: self.max_duration(job),
            settings: &self.settings,
            client: &self.client,
        };
        let played = match player {
            Player::GameLoop => crate::play::game_loop::play(&play).await,
            Player::Agent(platform) => crate::play::agent::play(&play, platform).await,
        };
        reporter.cleaning_up();
        let artifacts =
            upload_artifacts(&self.client, &self.worker_id, job, &played.artifacts).await;
        Completion {
            outcome: played.outcome,
            reason: played.reason,
            artifacts,
        }
    }

    /// Fetches the build (or takes it from the cache) and gives this run
    /// its own copy: the cache's folder and the copy's, or why they could
    /// not be made.
    async fn prepare_build(
        &self,
        job: &JobAssignment,
        reporter: &Reporter,
        run_dir: &Path,
    ) -> Result<(PathBuf, PathBuf), String> {
        let Some(build) = &job.build else {
            return Err(
                "the run has no build: set build_id on the deployment config, or pass --build to playtest run".into(),
            );
        };
        let download_url = url::Url::parse(&build.download_url)
            .map_err(|err| format!("the build's download URL is unusable: {err}"))?;
        reporter.agent_log(format!(
            "preparing build {} ({} bytes)",
            build.id, build.size
        ));
        let prepared = self
            .cache
            .prepare(&BuildToFetch {
                sha256: build.sha256.clone(),
                size: build.size as u64,
                file_name: build.file_name.clone(),
                download_url,
            })
            .await
            .map_err(|err| format!("could not prepare build {}: {err}", build.id))?;
        reporter.agent_log(if prepared.downloaded {
            "build downloaded and unpacked".to_string()
        } else {
            "build taken from the cache".to_string()
        });
        let game_dir = run_dir.join("game");
        tokio::fs::create_dir_all(run_dir)
            .await
            .map_err(|err| format!("could not create {}: {err}", run_dir.display()))?;
        self.cache
            .run_copy(&prepared, &game_dir)
            .map_err(|err| format!("could not copy the build for this run: {err}"))?;
        Ok((prepared.dir, game_dir))
    }

    /// The game's time limit (see [`time_limit`]), else the worker's default.
    fn max_duration(&self, job: &JobAssignment) -> Duration {
        time_limit(
            job.test.max_seconds,
            job.options.max_time_seconds,
            job.replay.is_some(),
        )
        .map_or(self.settings.default_max_duration, |seconds| {
            Duration::from_secs(seconds as u64)
        })
    }

    /// Completes, retrying while the server cannot be reached.
    async fn complete(&self, job: &JobAssignment, completion: Completion) {
        let request = CompleteJobRequest {
            fencing_token: job.fencing_token,
            outcome: completion.outcome,
            artifacts: completion.artifacts,
            reason: completion.reason,
        };
        let mut backoff = Duration::from_millis(200);
        for attempt in 1..=COMPLETE_ATTEMPTS {
            match self
                .client
                .complete(&self.worker_id, &job.job_id, &request)
                .await
            {
                Ok(answer) => {
                    tracing::info!(outcome = ?request.outcome, reason = request.reason.as_deref().unwrap_or(""), retried = answer.retried, "job completed");
                    return;
                }
                Err(err) if err.is_lease_lost() => {
                    tracing::warn!("the lease was lost before the job completed");
                    return;
                }
                Err(err) if attempt < COMPLETE_ATTEMPTS => {
                    tracing::warn!(error = %err, "could not complete; retrying in {:?}", backoff);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Err(err) => {
                    tracing::error!(error = %err, "could not complete; the lease will expire and the server decides");
                }
            }
        }
    }
}

/// Sends what the reporter still holds, retrying while the server cannot
/// be reached: the last bugs and steps matter most.
async fn send_the_rest(reporter: &Reporter) {
    let mut backoff = Duration::from_millis(200);
    for attempt in 1..=COMPLETE_ATTEMPTS {
        match reporter.flush().await {
            Ok(()) => return,
            Err(err) if err.is_lease_lost() => return,
            Err(err) if attempt < COMPLETE_ATTEMPTS => {
                tracing::warn!(error = %err, "could not send the last report; retrying in {:?}", backoff);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
            Err(err) => tracing::error!(error = %err, "could not send the last report"),
        }
    }
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
            Err(err) => tracing::warn!(error = %err, "a heartbeat failed"),
        }
    }
}

/// Turns the worker's shutdown into a stop of this job.
async fn forward(mut shutdown: watch::Receiver<bool>, stop: CancellationToken) {
    if shutdown.wait_for(|down| *down).await.is_ok() {
        stop.cancel();
    }
}

/// The game's time limit in seconds: the test's `max_seconds`, capped by
/// the run's `max_time_seconds`. A replay or a minimisation plays a bug's
/// trace, not the test, so only the run's limit applies to it (the server
/// gives a minimisation ten minutes; capping that by a 60 s discovery test
/// left delta debugging a handful of replays).
fn time_limit(test: Option<i64>, run: Option<i64>, plays_a_trace: bool) -> Option<i64> {
    let test = test.filter(|_| !plays_a_trace);
    [test, run]
        .into_iter()
        .flatten()
        .filter(|seconds| *seconds > 0)
        .min()
}

#[cfg(test)]
mod tests {
    use super::time_limit;

    #[test]
    fn the_run_caps_the_tests_time_limit() {
        assert_eq!(time_limit(Some(60), Some(30), false), Some(30));
        assert_eq!(time_limit(Some(60), None, false), Some(60));
        assert_eq!(time_limit(None, None, false), None);
    }

    #[test]
    fn a_replay_or_minimisation_is_bound_by_its_run_only() {
        assert_eq!(time_limit(Some(60), Some(600), true), Some(600));
        assert_eq!(time_limit(Some(60), None, true), None);
    }
}
