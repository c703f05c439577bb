//! Live run events, as `GET /runs/{id}/events` streams them (Server-Sent
//! Events: the `id` is `seq`, the event name is `kind`, the data is JSON).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunEventKind {
    /// The job's status or the run's state changed (`data`: status, state,
    /// result, outcome).
    State,
    /// A step started or ended (`data`: a step report).
    Step,
    /// A bug was found (`data`: the occurrence).
    Bug,
    /// A log line (`data`: stream, line, at).
    Log,
}

/// One event of one run. `seq` grows with every event of the run, so a
/// client that reconnects with `Last-Event-ID: <seq>` misses nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RunEvent {
    pub seq: i64,
    pub kind: RunEventKind,
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub at: DateTime<Utc>,
}
