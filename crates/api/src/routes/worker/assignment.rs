//! `POST /worker/workers/{worker_id}/lease`: the long poll for work, and
//! what a leased job carries (the test as it was started, the launch
//! settings, signed URLs of the build and of the test's assets, and for a
//! replay run the trace it replays).

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use playtest_store::{JobFinish, LeaseRef, LeasedJob};
use playtest_types::{
    AssignedAsset, AssignedBuild, BuildStatus, ErrorBody, JobAssignment, LeaseJobRequest,
    RunOutcome,
};

use crate::extract::ApiJson;
use crate::worker_auth::WorkerCaller;
use crate::{ApiError, AppState, validate};

/// How long a lease request waits when it does not say.
const DEFAULT_WAIT_SECONDS: u32 = 30;

/// Waits up to `wait_seconds` for a job this worker can play and leases
/// it: 200 with the job, or 204 when the wait ended without one.
#[utoipa::path(post, path = "/worker/workers/{worker_id}/lease", tag = "Worker protocol",
    request_body = LeaseJobRequest,
    params(("worker_id" = String, Path, description = "The id registration gave")),
    security(("worker_token" = [])),
    responses(
        (status = 200, description = "A leased job", body = JobAssignment),
        (status = 204, description = "No job within the wait"),
        (status = 404, description = "No such worker for this token", body = ErrorBody),
    ))]
pub async fn lease_job(
    State(state): State<AppState>,
    caller: WorkerCaller,
    Path(worker_id): Path<String>,
    ApiJson(request): ApiJson<LeaseJobRequest>,
) -> Result<Response, ApiError> {
    let worker = caller.own_worker(&state, &worker_id).await?;
    let wait_seconds = request.wait_seconds.unwrap_or(DEFAULT_WAIT_SECONDS);
    validate::range("wait_seconds", i64::from(wait_seconds), 0, 60)?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait_seconds));
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let leased = tokio::select! {
            leased = state.scheduler().lease(&worker, left) => leased?,
            () = state.closing().cancelled() => None,
        };
        let Some(leased) = leased else {
            return Ok(StatusCode::NO_CONTENT.into_response());
        };
        match assignment(&state, &leased).await? {
            Ok(assignment) => return Ok(Json(assignment).into_response()),
            Err(reason) => {
                // The job cannot be played at all: it ends now, and the
                // worker waits for another.
                tracing::warn!(job_id = %leased.job_id, %reason, "a leased job cannot run");
                let lease = LeaseRef {
                    job_id: leased.job_id.clone(),
                    worker_id: worker.id.clone(),
                    fencing_token: leased.fencing_token,
                };
                let finish = JobFinish {
                    outcome: RunOutcome::Error,
                    artifacts: vec![],
                    reason: Some(reason),
                    at: state.clock().now(),
                };
                state.store().finish_job(&lease, &finish).await?;
                if left.is_zero() {
                    return Ok(StatusCode::NO_CONTENT.into_response());
                }
            }
        }
    }
}

/// Everything the worker needs, or why the job cannot run (its config or
/// build is gone, or the build is not complete).
async fn assignment(
    state: &AppState,
    leased: &LeasedJob,
) -> Result<Result<JobAssignment, String>, ApiError> {
    let store = state.store();
    let work = store.run_work(&leased.job_id).await?;
    let config = match store
        .deployment_config(&work.project_id, &work.deployment_config_id)
        .await
    {
        Ok(config) => config,
        Err(playtest_store::StoreError::NotFound(_)) => {
            return Ok(Err(format!(
                "deployment config {} was deleted before the run started",
                work.deployment_config_id
            )));
        }
        Err(err) => return Err(err.into()),
    };
    let build = match &work.build_id {
        None => None,
        Some(build_id) => match store.build(&work.project_id, build_id).await {
            Ok(record) if record.build.status == BuildStatus::Ready => {
                let url = state
                    .blobs()
                    .presign_get(
                        &record.blob_key,
                        state.settings().uploads.url_lifetime,
                        None,
                    )
                    .await?;
                store
                    .touch_build(&work.project_id, build_id, state.clock().now())
                    .await?;
                Some(AssignedBuild {
                    id: record.build.id,
                    file_name: record.build.file_name,
                    size: record.build.file_size,
                    sha256: record.build.sha256.unwrap_or_default(),
                    download_url: url.to_string(),
                })
            }
            Ok(_) => return Ok(Err(format!("build {build_id} has not finished uploading"))),
            Err(playtest_store::StoreError::NotFound(_)) => {
                return Ok(Err(format!(
                    "build {build_id} was deleted before the run started"
                )));
            }
            Err(err) => return Err(err.into()),
        },
    };
    let assets = assets(state, &work.project_id, &work.test_id).await?;
    let heartbeat = state.scheduler().settings().heartbeat_interval();
    // A replay plays its trace from the seed the trace was recorded with.
    let seed = match &work.replay {
        Some(replay) => replay.trace.seed,
        None => run_seed(&leased.job_id, work.test_spec.discovery.as_ref()),
    };
    Ok(Ok(JobAssignment {
        job_id: leased.job_id.clone(),
        run_id: leased.run_id.clone(),
        project_id: leased.project_id.clone(),
        fencing_token: leased.fencing_token,
        attempt: leased.attempt,
        lease_expires_at: leased.lease_expires_at,
        heartbeat_interval_ms: heartbeat.as_millis().min(u128::from(u32::MAX)) as u32,
        test_id: work.test_id,
        test: work.test_spec,
        platform: work.platform,
        launch: config.spec.launch,
        build,
        options: work.options,
        seed,
        assets,
        replay: work.replay,
    }))
}

/// Every asset of the test, with a signed URL; none when the test has
/// been deleted since the run started (the run plays its own copy).
async fn assets(
    state: &AppState,
    project_id: &str,
    test_id: &str,
) -> Result<Vec<AssignedAsset>, ApiError> {
    let records = match state.store().test_assets(project_id, test_id).await {
        Ok(records) => records,
        Err(playtest_store::StoreError::NotFound(_)) => return Ok(vec![]),
        Err(err) => return Err(err.into()),
    };
    let lifetime = state.settings().uploads.url_lifetime;
    let mut assets = Vec::with_capacity(records.len());
    for record in records {
        let url = state
            .blobs()
            .presign_get(&record.blob_key, lifetime, None)
            .await?;
        assets.push(AssignedAsset {
            name: record.asset.name,
            size: record.asset.size,
            sha256: record.asset.sha256,
            download_url: url.to_string(),
        });
    }
    Ok(assets)
}

/// The run's seed: the test's own when it sets one (so a run can be
/// repeated), else one derived from the job id (different per run, and the
/// same on every attempt of a job, so a retry plays the same game).
fn run_seed(job_id: &str, discovery: Option<&playtest_types::DiscoverySettings>) -> u64 {
    if let Some(seed) = discovery.and_then(|d| d.seed) {
        return seed;
    }
    job_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}
