//! Reading runs: lists, one run's details, artifacts and bugs, one bug
//! occurrence, what a worker needs to play a run, and a test plan's
//! execution.

use async_trait::async_trait;

use crate::{
    ArtifactRecord, OccurrenceRecord, Page, PageRequest, Result, RunBugs, RunDetailsRecord,
    RunFilter, RunWork,
};

#[async_trait]
pub trait RunReadStore: Send + Sync {
    /// Newest first. Players are included, without their steps.
    async fn list_runs(
        &self,
        project_id: &str,
        filter: &RunFilter,
        page: PageRequest,
    ) -> Result<Page<playtest_types::Run>>;
    /// One run with its players' steps, options and artifacts.
    async fn run_details(&self, project_id: &str, run_id: &str) -> Result<RunDetailsRecord>;
    /// One run's artifacts, by file name, without the rest of the run (what
    /// listing and downloading them need). `NotFound("run")` for unknown or
    /// foreign runs.
    async fn run_artifacts(&self, project_id: &str, run_id: &str) -> Result<Vec<ArtifactRecord>>;
    /// The bug occurrences of one run, in the order they were found.
    async fn run_bugs(&self, project_id: &str, run_id: &str) -> Result<RunBugs>;
    /// One bug occurrence with its run and its trace.
    /// `NotFound("bug occurrence")` for unknown or foreign ones.
    async fn bug_occurrence(
        &self,
        project_id: &str,
        occurrence_id: &str,
    ) -> Result<OccurrenceRecord>;
    /// What a worker needs to play the run of `job_id`: the test as it was
    /// when the run started, its config and build ids, its options.
    /// `NotFound("job")` if there is none.
    async fn run_work(&self, job_id: &str) -> Result<RunWork>;
    /// The runs started together from one test plan, and how they stand.
    /// `NotFound("test plan execution")` for unknown or foreign ones.
    async fn plan_execution(
        &self,
        project_id: &str,
        execution_id: &str,
    ) -> Result<playtest_types::TestPlanExecution>;
}
