//! The worker protocol's client side (`/api/v1/worker/...`), authorised by a
//! worker token instead of an API key. The worker loop (crate `worker`)
//! is its only user; it speaks nothing but this to the server, whether it
//! runs inside `playtest serve` or on another machine.

use playtest_types::{
    ArtifactUploadRequest, ArtifactUploadUrl, CompleteJobRequest, CompleteJobResponse,
    JobAssignment, JobControl, JobReport, LeaseJobRequest, LeaseProof, RegisterWorkerRequest,
    Worker,
};
use reqwest::Method;
use reqwest::header::AUTHORIZATION;

use crate::http::{decode, is_success, join};
use playtest_types::Secret;

use crate::{Client, Error, Result, secret};

/// A client of the worker protocol: the server's URL and a worker token.
#[derive(Debug, Clone)]
pub struct WorkerClient {
    client: Client,
    token: Secret,
}

impl WorkerClient {
    pub fn new(base_url: &str, token: Secret) -> Result<Self> {
        secret::bearer_value(&token)?;
        Ok(WorkerClient {
            client: Client::new(base_url, None)?,
            token,
        })
    }

    /// The underlying client, for storage transfers (build downloads,
    /// artifact uploads), which need no credentials.
    pub fn storage(&self) -> &Client {
        &self.client
    }

    fn request(&self, method: Method, segments: &[&str]) -> reqwest::RequestBuilder {
        let builder = self
            .client
            .http
            .request(method, join(&self.client.root, segments));
        match secret::bearer_value(&self.token) {
            // Checked in `WorkerClient::new`, so this cannot fail here.
            Ok(value) => builder.header(AUTHORIZATION, value),
            Err(_) => builder,
        }
    }

    pub async fn register(&self, request: &RegisterWorkerRequest) -> Result<Worker> {
        self.client
            .send(
                self.request(Method::POST, &["worker", "register"])
                    .json(request),
            )
            .await
    }

    /// Waits up to `wait_seconds` for a job; `None` when none came.
    pub async fn lease(&self, worker_id: &str, wait_seconds: u32) -> Result<Option<JobAssignment>> {
        let request = self
            .request(Method::POST, &["worker", "workers", worker_id, "lease"])
            .json(&LeaseJobRequest {
                wait_seconds: Some(wait_seconds),
            });
        let answer = self.client.exchange(request).await?;
        match answer.status {
            204 => Ok(None),
            status if is_success(status) => decode(status, &answer.body).map(Some),
            _ => Err(answer.error()),
        }
    }

    fn job(&self, worker_id: &str, job_id: &str, call: &str) -> reqwest::RequestBuilder {
        self.request(
            Method::POST,
            &["worker", "workers", worker_id, "jobs", job_id, call],
        )
    }

    pub async fn heartbeat(
        &self,
        worker_id: &str,
        job_id: &str,
        fencing_token: i64,
    ) -> Result<JobControl> {
        let body = LeaseProof { fencing_token };
        self.client
            .send(self.job(worker_id, job_id, "heartbeat").json(&body))
            .await
    }

    pub async fn report(&self, worker_id: &str, job_id: &str, report: &JobReport) -> Result<()> {
        self.client
            .send_empty(self.job(worker_id, job_id, "report").json(report))
            .await
    }

    pub async fn artifact_upload_url(
        &self,
        worker_id: &str,
        job_id: &str,
        request: &ArtifactUploadRequest,
    ) -> Result<ArtifactUploadUrl> {
        self.client
            .send(self.job(worker_id, job_id, "artifacts").json(request))
            .await
    }

    pub async fn complete(
        &self,
        worker_id: &str,
        job_id: &str,
        request: &CompleteJobRequest,
    ) -> Result<CompleteJobResponse> {
        self.client
            .send(self.job(worker_id, job_id, "complete").json(request))
            .await
    }
}

impl Error {
    /// Whether this is the server saying the lease is gone: the worker must
    /// drop the job.
    pub fn is_lease_lost(&self) -> bool {
        matches!(self, Error::Api { status: 409, body } if body.code == "LEASE_LOST")
    }
}
