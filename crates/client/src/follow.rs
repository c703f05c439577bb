//! Following a run: its live events (Server-Sent Events, resumed after the
//! last event seen when the connection drops), its artifacts, the counts
//! of a test plan execution, and the project's workers and their tokens.

use std::collections::VecDeque;

use playtest_types::{
    Artifact, CreateWorkerTokenRequest, CreatedWorkerToken, RunEvent, TestPlanExecution,
    WorkerList, WorkerTokenList,
};
use reqwest::Method;
use serde::Deserialize;

use crate::{Client, Error, Result};

#[derive(Deserialize)]
struct ArtifactList {
    data: Vec<Artifact>,
}

impl Client {
    /// The run's artifacts, with signed URLs.
    pub async fn run_artifacts(&self, run_id: &str) -> Result<Vec<Artifact>> {
        let list: ArtifactList = self
            .send(self.request(Method::GET, &["runs", run_id, "artifacts"]))
            .await?;
        Ok(list.data)
    }

    pub async fn plan_execution(&self, execution_id: &str) -> Result<TestPlanExecution> {
        self.send(self.request(Method::GET, &["test-plan-executions", execution_id]))
            .await
    }

    pub async fn list_workers(&self) -> Result<WorkerList> {
        self.send(self.request(Method::GET, &["workers"])).await
    }

    pub async fn list_worker_tokens(&self) -> Result<WorkerTokenList> {
        self.send(self.request(Method::GET, &["workers", "tokens"]))
            .await
    }

    pub async fn create_worker_token(&self, name: &str) -> Result<CreatedWorkerToken> {
        let body = CreateWorkerTokenRequest {
            name: name.to_string(),
        };
        self.send(
            self.request(Method::POST, &["workers", "tokens"])
                .json(&body),
        )
        .await
    }

    pub async fn revoke_worker_token(&self, token_id: &str) -> Result<()> {
        self.send_empty(self.request(Method::DELETE, &["workers", "tokens", token_id]))
            .await
    }

    /// Opens the run's event stream after event `after` (0: from the start).
    pub async fn run_events(&self, run_id: &str, after: i64) -> Result<EventStream> {
        let request = self
            .with_key(
                self.transfer
                    .get(crate::http::join(&self.root, &["runs", run_id, "events"])),
            )
            .header("Last-Event-ID", after.to_string())
            .header("Accept", "text/event-stream");
        let response = request.send().await.map_err(Error::Transport)?;
        let status = response.status().as_u16();
        if !crate::http::is_success(status) {
            let body = response.bytes().await.map_err(Error::Transport)?;
            return Err(crate::http::error_from(status, &body));
        }
        Ok(EventStream {
            response,
            buffer: Vec::new(),
            ready: VecDeque::new(),
            data: String::new(),
        })
    }
}

/// A run's events as they arrive. `next` gives `None` when the server ends
/// the stream (after the run completed).
#[derive(Debug)]
pub struct EventStream {
    response: reqwest::Response,
    buffer: Vec<u8>,
    ready: VecDeque<RunEvent>,
    /// The `data:` lines of the event being read.
    data: String,
}

impl EventStream {
    pub async fn next(&mut self) -> Result<Option<RunEvent>> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(Some(event));
            }
            match self.response.chunk().await.map_err(Error::Transport)? {
                None => return Ok(None),
                Some(chunk) => {
                    self.buffer.extend_from_slice(&chunk);
                    self.parse_lines()?;
                }
            }
        }
    }

    /// Consumes the complete lines of the buffer; a blank line ends an event.
    fn parse_lines(&mut self) -> Result<()> {
        while let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                if !self.data.is_empty() {
                    let data = std::mem::take(&mut self.data);
                    let event: RunEvent =
                        serde_json::from_str(&data).map_err(|err| Error::Decode {
                            status: 200,
                            message: format!("an event that is not a run event ({err}): {data}"),
                        })?;
                    self.ready.push_back(event);
                }
            } else if let Some(data) = line.strip_prefix("data:") {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(data.strip_prefix(' ').unwrap_or(data));
            }
            // `id:`, `event:` and `:` comments (keep-alives) carry nothing
            // the data does not.
        }
        Ok(())
    }
}
