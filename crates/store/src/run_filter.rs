//! The parts of a run list's SQL that both backends spell alike: the
//! condition a state filter puts, and the list's total when it can be read
//! from `run_counts` (per project and state, kept by triggers; see the
//! `0002_run_counts` migrations) instead of counted, which with many runs
//! costs milliseconds.

use playtest_types::RunStateFilter;
use sqlx::{Database, Encode, QueryBuilder, Type};

use crate::RunFilter;

/// The condition on a `state` column that `filter` puts, if any. Spelled as
/// the states it keeps, so that the `(project_id, state, seq)` index serves
/// `running` too.
pub(crate) fn state_condition(filter: RunStateFilter) -> Option<&'static str> {
    match filter {
        RunStateFilter::Running => Some("IN ('initializing', 'running')"),
        RunStateFilter::Completed => Some("= 'completed'"),
        RunStateFilter::All => None,
    }
}

/// Whether `run_counts` holds the total of the runs `filter` keeps: it
/// filters by state at most.
pub(crate) fn is_counted(filter: &RunFilter) -> bool {
    let RunFilter {
        state: _,
        job_id,
        test_plan_execution_id,
        tags,
        with_bugs,
    } = filter;
    job_id.is_none() && test_plan_execution_id.is_none() && tags.is_empty() && !with_bugs
}

/// Pushes a scalar subquery: the number of runs of `project_id` in the
/// states `filter` keeps, from `run_counts`.
pub(crate) fn push_counted_total<DB: Database>(
    query: &mut QueryBuilder<DB>,
    project_id: &str,
    filter: RunStateFilter,
) where
    for<'t> String: Encode<'t, DB> + Type<DB>,
{
    query
        .push("(SELECT CAST(COALESCE(SUM(c.runs), 0) AS BIGINT) FROM run_counts c WHERE c.project_id = ")
        .push_bind(project_id.to_owned());
    if let Some(condition) = state_condition(filter) {
        query.push(" AND c.state ").push(condition);
    }
    query.push(")");
}
