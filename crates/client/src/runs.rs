//! `/runs`: start runs, list them, read one with its steps and artifacts,
//! read its bugs, stop jobs.

use playtest_types::{
    ListBugsResponse, ListRunsQuery, ListRunsResponse, RunDetails, StartRunRequest,
    StartRunResponse, StopRunsRequest, StopRunsResponse,
};
use reqwest::Method;

use crate::http::{decode, error_from};
use crate::{Client, Result};

/// Answer of `POST /runs/stop`: the status tells how it went (200 every job
/// stopped, 207 some, 404 none found) and the body says job by job.
#[derive(Debug, Clone, PartialEq)]
pub struct StopRunsOutcome {
    pub status: u16,
    pub body: StopRunsResponse,
}

impl StopRunsOutcome {
    /// True when every job was stopped or asked to stop.
    pub fn all_stopped(&self) -> bool {
        self.status == 200
    }
}

/// The statuses whose body is a [`StopRunsResponse`].
const STOP_STATUSES: [u16; 3] = [200, 207, 404];

impl Client {
    /// A page of runs, newest first.
    pub async fn list_runs(&self, query: &ListRunsQuery) -> Result<ListRunsResponse> {
        self.send(self.request(Method::GET, &["runs"]).query(query))
            .await
    }

    /// Queues a test or a test plan against a deployment config.
    pub async fn start_run(&self, request: &StartRunRequest) -> Result<StartRunResponse> {
        self.send(self.request(Method::POST, &["runs"]).json(request))
            .await
    }

    /// One run with its players' steps, options and artifacts.
    pub async fn get_run(&self, run_id: &str) -> Result<RunDetails> {
        self.send(self.request(Method::GET, &["runs", run_id]))
            .await
    }

    /// The bug occurrences one run found.
    pub async fn list_run_bugs(&self, run_id: &str) -> Result<ListBugsResponse> {
        self.send(self.request(Method::GET, &["runs", run_id, "bugs"]))
            .await
    }

    /// Stops jobs. A 207 or 404 is not an error here: its body says what
    /// happened to each job, and it is returned with the status.
    pub async fn stop_runs(&self, request: &StopRunsRequest) -> Result<StopRunsOutcome> {
        let answer = self
            .exchange(self.request(Method::POST, &["runs", "stop"]).json(request))
            .await?;
        stop_outcome(answer.status, &answer.body)
    }
}

fn stop_outcome(status: u16, body: &[u8]) -> Result<StopRunsOutcome> {
    if !STOP_STATUSES.contains(&status) {
        return Err(error_from(status, body));
    }
    match decode(status, body) {
        Ok(body) => Ok(StopRunsOutcome { status, body }),
        // A 404 from elsewhere (no such route, say) carries an error body.
        Err(_) if status == 404 => Err(error_from(status, body)),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    const NONE_FOUND: &str = r#"{"ok":false,"message":"No matching jobs found","received_count":1,
        "stopped_count":0,"results":[{"job_id":"abc","ok":false,"status":404,"error":"Job not found"}]}"#;

    #[test]
    fn a_404_with_a_stop_body_is_an_outcome_not_an_error() {
        let outcome = stop_outcome(404, NONE_FOUND.as_bytes()).unwrap();
        assert_eq!(outcome.status, 404);
        assert!(!outcome.all_stopped());
        assert_eq!(
            outcome.body.results[0].error.as_deref(),
            Some("Job not found")
        );
    }

    #[test]
    fn a_207_is_returned_with_its_status() {
        let outcome = stop_outcome(207, NONE_FOUND.as_bytes()).unwrap();
        assert_eq!(outcome.status, 207);
    }

    #[test]
    fn a_404_with_an_error_body_is_an_api_error() {
        let err =
            stop_outcome(404, br#"{"error":"No such endpoint","code":"NOT_FOUND"}"#).unwrap_err();
        assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
    }

    #[test]
    fn a_400_is_an_api_error() {
        let body = br#"{"error":"job_ids must hold 1 to 100 ids","code":"VALIDATION_ERROR","details":{"field":"job_ids"}}"#;
        let err = stop_outcome(400, body).unwrap_err();
        assert_eq!(err.code(), Some("VALIDATION_ERROR"));
    }
}
