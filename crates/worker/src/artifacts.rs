//! Uploading a run's files (video, logs, trace, screenshots) to the URLs
//! the server hands out. A file that cannot be uploaded is logged and left
//! out; it never fails the run.

use std::path::PathBuf;

use playtest_client::{FileRange, WorkerClient};
use playtest_types::{ArtifactUploadRequest, JobAssignment};

/// Uploads the files that exist; returns the names uploaded.
pub async fn upload_artifacts(
    client: &WorkerClient,
    worker_id: &str,
    job: &JobAssignment,
    paths: &[PathBuf],
) -> Vec<String> {
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
        let url = match client
            .artifact_upload_url(worker_id, &job.job_id, &request)
            .await
        {
            Ok(answer) => answer.upload_url,
            Err(err) => {
                tracing::warn!(filename, error = %err, "no upload URL for an artifact");
                continue;
            }
        };
        let range = FileRange {
            path: path.clone(),
            offset: 0,
            len: meta.len(),
        };
        match client.storage().put_file_range(&url, &range, |_| {}).await {
            Ok(_) => uploaded.push(filename.to_string()),
            Err(err) => {
                tracing::warn!(filename, error = %err, "could not upload an artifact")
            }
        }
    }
    uploaded
}
