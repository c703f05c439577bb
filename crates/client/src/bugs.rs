//! `/bugs/occurrences/{id}`: one bug occurrence with its action trace, and
//! the runs that replay or minimise that trace.

use playtest_types::{BugOccurrenceDetails, ReplayRequest, StartRunResponse};
use reqwest::Method;

use crate::{Client, Result};

impl Client {
    /// One occurrence, with its run and its trace.
    pub async fn get_bug_occurrence(&self, occurrence_id: &str) -> Result<BugOccurrenceDetails> {
        self.send(self.request(Method::GET, &["bugs", "occurrences", occurrence_id]))
            .await
    }

    /// Queues a run that plays the occurrence's trace again; it completes
    /// as success when the bug appears again. 409 `NO_TRACE` when the
    /// occurrence has no trace.
    pub async fn replay_bug(
        &self,
        occurrence_id: &str,
        request: &ReplayRequest,
    ) -> Result<StartRunResponse> {
        self.send(
            self.request(
                Method::POST,
                &["bugs", "occurrences", occurrence_id, "replay"],
            )
            .json(request),
        )
        .await
    }

    /// Queues a run that shortens the occurrence's trace (delta debugging);
    /// a shorter trace found replaces the occurrence's steps and trace.
    pub async fn minimize_bug(
        &self,
        occurrence_id: &str,
        request: &ReplayRequest,
    ) -> Result<StartRunResponse> {
        self.send(
            self.request(
                Method::POST,
                &["bugs", "occurrences", occurrence_id, "minimize"],
            )
            .json(request),
        )
        .await
    }
}
