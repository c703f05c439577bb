//! The calls a worker makes about a job it leased. Each proves the lease
//! with `fencing_token`; a stale one is 409 `LEASE_LOST`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use playtest_store::{ArtifactRecord, JobFinish, JobProgress, LeaseRef, NewBugOccurrence, ids};
use playtest_types::{
    ArtifactUploadRequest, ArtifactUploadUrl, CompleteJobRequest, CompleteJobResponse, ErrorBody,
    JobControl, JobReport, LeaseProof, LogLine,
};

use crate::extract::ApiJson;
use crate::worker_auth::WorkerCaller;
use crate::{ApiError, AppState, validate};

/// Most log lines one report may carry.
const MAX_LOG_LINES: usize = 5_000;
/// Longest log line kept, in bytes; longer ones are cut.
const MAX_LOG_LINE_BYTES: usize = 8 * 1024;
/// Most steps or bugs one report may carry.
const MAX_ITEMS: usize = 1_000;
/// Most actions a bug's trace may hold.
const MAX_TRACE_ACTIONS: usize = 100_000;

async fn lease_of(
    state: &AppState,
    caller: &WorkerCaller,
    worker_id: &str,
    job_id: &str,
    fencing_token: i64,
) -> Result<LeaseRef, ApiError> {
    let worker = caller.own_worker(state, worker_id).await?;
    Ok(LeaseRef {
        job_id: job_id.to_string(),
        worker_id: worker.id,
        fencing_token,
    })
}

/// Keeps the lease alive; the answer says whether a user asked the run to
/// stop.
#[utoipa::path(post, path = "/worker/workers/{worker_id}/jobs/{job_id}/heartbeat",
    tag = "Worker protocol", request_body = LeaseProof,
    params(("worker_id" = String, Path, description = "The worker"), ("job_id" = String, Path, description = "The leased job")),
    security(("worker_token" = [])),
    responses(
        (status = 200, description = "The renewed lease", body = JobControl),
        (status = 409, description = "The lease is lost", body = ErrorBody),
    ))]
pub async fn heartbeat(
    State(state): State<AppState>,
    caller: WorkerCaller,
    Path((worker_id, job_id)): Path<(String, String)>,
    ApiJson(proof): ApiJson<LeaseProof>,
) -> Result<Json<JobControl>, ApiError> {
    let lease = lease_of(&state, &caller, &worker_id, &job_id, proof.fencing_token).await?;
    let now = state.clock().now();
    let renewal = state
        .store()
        .renew_lease(&lease, now, state.scheduler().renewed_until(now))
        .await?;
    Ok(Json(JobControl {
        lease_expires_at: renewal.lease_expires_at,
        stop_requested: renewal.stop_requested,
    }))
}

/// Reports what happened since the last report: the run started, steps,
/// bugs, log lines. All of it is written at once, or none.
#[utoipa::path(post, path = "/worker/workers/{worker_id}/jobs/{job_id}/report",
    tag = "Worker protocol", request_body = JobReport,
    params(("worker_id" = String, Path, description = "The worker"), ("job_id" = String, Path, description = "The leased job")),
    security(("worker_token" = [])),
    responses(
        (status = 204, description = "Recorded"),
        (status = 400, description = "A field is invalid", body = ErrorBody),
        (status = 409, description = "The lease is lost", body = ErrorBody),
    ))]
pub async fn report(
    State(state): State<AppState>,
    caller: WorkerCaller,
    Path((worker_id, job_id)): Path<(String, String)>,
    ApiJson(report): ApiJson<JobReport>,
) -> Result<StatusCode, ApiError> {
    let lease = lease_of(&state, &caller, &worker_id, &job_id, report.fencing_token).await?;
    if report.logs.len() > MAX_LOG_LINES {
        return Err(ApiError::validation(
            "logs",
            format!("send at most {MAX_LOG_LINES} log lines per report"),
        ));
    }
    if report.steps.len() > MAX_ITEMS || report.bugs.len() > MAX_ITEMS {
        return Err(ApiError::validation(
            "steps",
            format!("send at most {MAX_ITEMS} steps and {MAX_ITEMS} bugs per report"),
        ));
    }
    let now = state.clock().now();
    let mut bugs = Vec::with_capacity(report.bugs.len());
    for (index, bug) in report.bugs.into_iter().enumerate() {
        validate::text(
            &format!("bugs[{index}].fingerprint"),
            &bug.fingerprint,
            1,
            512,
        )?;
        validate::text(&format!("bugs[{index}].title"), &bug.title, 1, 500)?;
        if bug
            .trace
            .as_ref()
            .is_some_and(|t| t.actions.len() > MAX_TRACE_ACTIONS)
        {
            return Err(ApiError::validation(
                format!("bugs[{index}].trace.actions"),
                format!("a trace may hold at most {MAX_TRACE_ACTIONS} actions"),
            ));
        }
        bugs.push(NewBugOccurrence {
            id: ids::prefixed("occ"),
            new_bug_id: ids::prefixed("bug"),
            fingerprint: bug.fingerprint,
            title: bug.title,
            description: bug.description,
            category: bug.category,
            severity: bug.severity,
            confidence: bug.confidence,
            reproduction_steps: bug.reproduction_steps,
            player_number: bug.player_number,
            test_step: bug.test_step,
            turn: bug.turn,
            video_offset_ms: bug.video_offset_ms,
            screenshot: bug.screenshot,
            trace: bug.trace,
            minimizes: bug.minimizes,
            detected_at: now,
        });
    }
    let progress = JobProgress {
        started: report.started,
        cleaning_up: report.cleaning_up,
        steps: report.steps,
        bugs,
        logs: report.logs.into_iter().map(bounded_line).collect(),
    };
    state
        .store()
        .record_progress(&lease, &progress, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn bounded_line(mut line: LogLine) -> LogLine {
    if line.line.len() > MAX_LOG_LINE_BYTES {
        let mut cut = MAX_LOG_LINE_BYTES;
        while !line.line.is_char_boundary(cut) {
            cut -= 1;
        }
        line.line.truncate(cut);
        line.line.push('…');
    }
    line
}

fn artifact_key(project_id: &str, run_id: &str, filename: &str) -> String {
    format!("runs/{project_id}/{run_id}/{filename}")
}

/// A signed URL to PUT one artifact to. Name it in the complete to list it
/// on the run.
#[utoipa::path(post, path = "/worker/workers/{worker_id}/jobs/{job_id}/artifacts",
    tag = "Worker protocol", request_body = ArtifactUploadRequest,
    params(("worker_id" = String, Path, description = "The worker"), ("job_id" = String, Path, description = "The leased job")),
    security(("worker_token" = [])),
    responses(
        (status = 200, description = "Where to PUT the file", body = ArtifactUploadUrl),
        (status = 400, description = "The file name is not a plain name", body = ErrorBody),
        (status = 409, description = "The lease is lost", body = ErrorBody),
    ))]
pub async fn artifact_upload_url(
    State(state): State<AppState>,
    caller: WorkerCaller,
    Path((worker_id, job_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<ArtifactUploadRequest>,
) -> Result<Json<ArtifactUploadUrl>, ApiError> {
    let lease = lease_of(&state, &caller, &worker_id, &job_id, request.fencing_token).await?;
    validate::plain_file_name("filename", &request.filename)?;
    let now = state.clock().now();
    state
        .store()
        .renew_lease(&lease, now, state.scheduler().renewed_until(now))
        .await?;
    let work = state.store().run_work(&job_id).await?;
    let key = artifact_key(&work.project_id, &work.run_id, &request.filename);
    let url = state
        .blobs()
        .presign_put(&key, state.settings().uploads.url_lifetime)
        .await?;
    Ok(Json(ArtifactUploadUrl {
        upload_url: url.to_string(),
    }))
}

/// Ends the lease with the run's outcome. Error, timeout, or a stop no user
/// asked for, with retries left, send the job back to the queue.
#[utoipa::path(post, path = "/worker/workers/{worker_id}/jobs/{job_id}/complete",
    tag = "Worker protocol", request_body = CompleteJobRequest,
    params(("worker_id" = String, Path, description = "The worker"), ("job_id" = String, Path, description = "The leased job")),
    security(("worker_token" = [])),
    responses(
        (status = 200, description = "Finished, or queued again", body = CompleteJobResponse),
        (status = 400, description = "A listed artifact was never uploaded", body = ErrorBody),
        (status = 409, description = "The lease is lost", body = ErrorBody),
    ))]
pub async fn complete_job(
    State(state): State<AppState>,
    caller: WorkerCaller,
    Path((worker_id, job_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<CompleteJobRequest>,
) -> Result<Json<CompleteJobResponse>, ApiError> {
    let lease = lease_of(&state, &caller, &worker_id, &job_id, request.fencing_token).await?;
    let mut artifacts = Vec::with_capacity(request.artifacts.len());
    if !request.artifacts.is_empty() {
        let work = state.store().run_work(&job_id).await?;
        for (index, filename) in request.artifacts.iter().enumerate() {
            let field = format!("artifacts[{index}]");
            validate::plain_file_name(&field, filename)?;
            let blob_key = artifact_key(&work.project_id, &work.run_id, filename);
            let Some(object) = state.blobs().head(&blob_key).await? else {
                return Err(ApiError::validation(
                    field,
                    format!("artifact {filename} was never uploaded: PUT it to its URL first"),
                ));
            };
            artifacts.push(ArtifactRecord {
                filename: filename.clone(),
                blob_key,
                size: object.size as i64,
                uploaded_at: state.clock().now(),
            });
        }
    }
    let finish = JobFinish {
        outcome: request.outcome,
        artifacts,
        reason: request.reason,
        at: state.clock().now(),
    };
    let result = state.store().finish_job(&lease, &finish).await?;
    let retried = matches!(result, playtest_store::FinishResult::Retried);
    tracing::info!(%job_id, outcome = ?request.outcome, retried, "job finished by its worker");
    Ok(Json(CompleteJobResponse { retried }))
}
