//! Rows of bug occurrences, as a run's list and as one occurrence with its
//! trace. Evidence that lives in the run's artifacts is named by artifact
//! file name (the API makes URLs of them): the screenshot as the worker
//! named it, and the run's trace artifact when the run has one.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use playtest_types::BugOccurrence;
use serde_json::Value;
use sqlx::types::Json;

use crate::codec::{from_json, from_text};
use crate::{OccurrenceRecord, Result};

/// The artifact of a run that holds its action trace.
pub(crate) const TRACE_ARTIFACT: &str = "trace.json";

/// The columns [`OccurrenceRow`] reads, from `bug_occurrences` (not aliased).
pub(crate) const OCCURRENCE_COLUMNS: &str = "id, bug_id, title, description, category, severity, \
    confidence, reproduction_steps, player_number, test_step, turn, detected_at, details, \
    EXISTS (SELECT 1 FROM run_artifacts a WHERE a.run_id = bug_occurrences.run_id \
    AND a.filename = 'trace.json') AS has_trace_artifact";

/// [`OCCURRENCE_COLUMNS`] and what one occurrence shows beyond them.
pub(crate) const OCCURRENCE_DETAIL_COLUMNS: &str = "run_id, CAST(trace AS TEXT) AS trace";

/// One occurrence of project `$1` (`$2`: its id) with its run and trace.
pub(crate) static OCCURRENCE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {OCCURRENCE_COLUMNS}, {OCCURRENCE_DETAIL_COLUMNS} FROM bug_occurrences \
         WHERE project_id = $1 AND id = $2"
    )
});

#[derive(sqlx::FromRow)]
pub(crate) struct OccurrenceRow {
    id: String,
    bug_id: String,
    title: String,
    description: String,
    category: String,
    severity: String,
    confidence: String,
    reproduction_steps: String,
    player_number: i32,
    test_step: Option<i32>,
    turn: Option<i32>,
    detected_at: DateTime<Utc>,
    details: Json<Value>,
    has_trace_artifact: bool,
}

impl OccurrenceRow {
    pub(crate) fn into_occurrence(self) -> Result<BugOccurrence> {
        let mut details: playtest_types::BugDetails = from_json(self.details)?;
        details.trace_url = self.has_trace_artifact.then(|| TRACE_ARTIFACT.to_string());
        Ok(BugOccurrence {
            id: self.id,
            bug_id: self.bug_id,
            title: self.title,
            description: self.description,
            category: from_text(&self.category)?,
            severity: from_text(&self.severity)?,
            confidence: from_text(&self.confidence)?,
            reproduction_steps: self.reproduction_steps,
            player_number: self.player_number,
            test_step: self.test_step,
            turn: self.turn,
            detected_at: self.detected_at,
            details,
        })
    }
}

/// One occurrence: [`OCCURRENCE_COLUMNS`], [`OCCURRENCE_DETAIL_COLUMNS`].
#[derive(sqlx::FromRow)]
pub(crate) struct OccurrenceDetailRow {
    #[sqlx(flatten)]
    occurrence: OccurrenceRow,
    run_id: String,
    trace: Option<String>,
}

impl OccurrenceDetailRow {
    pub(crate) fn into_record(self) -> Result<OccurrenceRecord> {
        Ok(OccurrenceRecord {
            occurrence: self.occurrence.into_occurrence()?,
            run_id: self.run_id,
            trace: self
                .trace
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
        })
    }
}
