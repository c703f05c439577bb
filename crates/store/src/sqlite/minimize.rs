//! A minimisation run's finding applied in SQLite, inside the report's
//! write transaction: the occurrence it names gets the shorter trace and
//! its reproduction steps (see [`crate::progress::shortening`]).

use sqlx::SqliteConnection;

use crate::codec::to_json;
use crate::progress::{MinimizeTarget, SHORTEN, Shortening, shortening};
use crate::rows::HeldJob;
use crate::{NewBugOccurrence, Result};

/// Shortens occurrence `target` (of the job's project) with `finding`, if
/// it is shorter; skips it with a warning when it cannot apply.
pub(super) async fn shorten(
    conn: &mut SqliteConnection,
    job: &HeldJob,
    target: &str,
    finding: &NewBugOccurrence,
) -> Result<()> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT details, trace FROM bug_occurrences WHERE id = $1 AND project_id = $2",
    )
    .bind(target)
    .bind(&job.project_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((details, trace)) = row else {
        tracing::warn!(
            occurrence_id = %finding.id, minimizes = %target, run_id = %job.run_id,
            "a minimisation report names no occurrence of its project; stored as a plain occurrence"
        );
        return Ok(());
    };
    let stored = MinimizeTarget {
        details: serde_json::from_str(&details)?,
        trace: trace.as_deref().map(serde_json::from_str).transpose()?,
    };
    match shortening(&stored, finding, &job.run_id) {
        Shortening::Replace(details) => {
            sqlx::query(SHORTEN)
                .bind(target)
                .bind(&finding.reproduction_steps)
                .bind(finding.trace.as_ref().map(to_json).transpose()?)
                .bind(to_json(&details)?)
                .execute(&mut *conn)
                .await?;
        }
        Shortening::NotShorter => {
            tracing::debug!(minimizes = %target, "the minimised trace is not shorter");
        }
        Shortening::Unusable(reason) => {
            tracing::warn!(occurrence_id = %finding.id, minimizes = %target, reason, "a minimisation report was not applied");
        }
    }
    Ok(())
}
