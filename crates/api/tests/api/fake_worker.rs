//! A worker played by the test, over the worker protocol's HTTP: it
//! registers, leases the next job, reports what the test tells it to and
//! completes. The real worker is tested elsewhere; here the server is.

use playtest_api::keys;
use playtest_client::WorkerClient;
use playtest_types::{
    Action, BugCategory, BugReport, BugTrace, Capability, CompleteJobRequest, Confidence,
    JobAssignment, JobReport, PlatformKind, RegisterWorkerRequest, RunOutcome, Severity,
};

use crate::support::TestApp;

pub struct FakeWorker {
    pub client: WorkerClient,
    pub id: String,
}

impl FakeWorker {
    /// Registers a web worker serving every project, in the older shape
    /// (platforms only: every test type of web builds).
    pub async fn register(app: &TestApp) -> FakeWorker {
        FakeWorker::register_with(app, vec![], vec![PlatformKind::Web]).await
    }

    /// Registers a worker playing `capabilities`, serving every project.
    pub async fn register_playing(app: &TestApp, capabilities: Vec<Capability>) -> FakeWorker {
        FakeWorker::register_with(app, capabilities, vec![]).await
    }

    async fn register_with(
        app: &TestApp,
        capabilities: Vec<Capability>,
        platforms: Vec<PlatformKind>,
    ) -> FakeWorker {
        let (_, token) =
            keys::issue_worker_token(app.store.as_ref(), "fake", None, chrono::Utc::now())
                .await
                .unwrap();
        let client = WorkerClient::new(&app.base, token).unwrap();
        let worker = client
            .register(&RegisterWorkerRequest {
                name: "fake".into(),
                capabilities,
                platforms,
                slots: 4,
                version: None,
            })
            .await
            .unwrap();
        FakeWorker {
            client,
            id: worker.id,
        }
    }

    /// Leases the next job it plays, if one is queued now.
    pub async fn try_lease(&self) -> Option<JobAssignment> {
        self.client.lease(&self.id, 0).await.unwrap()
    }

    /// Leases the next job, waiting up to 5 s for one.
    pub async fn lease(&self) -> JobAssignment {
        self.client
            .lease(&self.id, 5)
            .await
            .unwrap()
            .expect("a job is queued")
    }

    /// Reports the run started and these bugs.
    pub async fn report_bugs(&self, job: &JobAssignment, bugs: Vec<BugReport>) {
        let report = JobReport {
            fencing_token: job.fencing_token,
            started: true,
            bugs,
            ..Default::default()
        };
        self.client
            .report(&self.id, &job.job_id, &report)
            .await
            .unwrap();
    }

    /// Completes the job with `outcome` and these (already uploaded) artifacts.
    pub async fn complete(&self, job: &JobAssignment, outcome: RunOutcome, artifacts: &[&str]) {
        let request = CompleteJobRequest {
            fencing_token: job.fencing_token,
            outcome,
            artifacts: artifacts.iter().map(|a| a.to_string()).collect(),
            reason: None,
        };
        self.client
            .complete(&self.id, &job.job_id, &request)
            .await
            .unwrap();
    }
}

/// A trace of `actions` inputs drawn from `seed`.
pub fn trace(seed: u64, actions: usize) -> BugTrace {
    BugTrace {
        seed,
        actions: (0..actions)
            .map(|i| match i % 3 {
                0 => Action::Key("ArrowLeft".into()),
                1 => Action::Click([10, 20]),
                _ => Action::WaitMs(100),
            })
            .collect(),
    }
}

/// A bug of `fingerprint` with these steps and trace.
pub fn bug(fingerprint: &str, steps: &str, trace: Option<BugTrace>) -> BugReport {
    BugReport {
        fingerprint: fingerprint.into(),
        title: "The tiles stop merging".into(),
        description: "two 8 tiles side by side stay apart".into(),
        category: BugCategory::Gameplay,
        severity: Severity::High,
        confidence: Confidence::High,
        reproduction_steps: steps.into(),
        player_number: 0,
        test_step: None,
        turn: Some(3),
        video_offset_ms: None,
        screenshot: None,
        trace,
        minimizes: None,
    }
}
