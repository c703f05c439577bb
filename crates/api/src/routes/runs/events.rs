//! `GET /runs/{run_id}/events`: a run's events as Server-Sent Events,
//! from the start or after `Last-Event-ID`, live until the run completes.
//!
//! Events are read from the store (where they were written in the same
//! transactions as the changes they describe), so every replica serves the
//! same stream and a reconnecting client resumes exactly where it was.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use playtest_store::ids;
use playtest_types::{ErrorBody, Permission, RunState};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::{ApiError, AppState};

/// How often the store is read for new events while the run is quiet.
const POLL_EVERY: Duration = Duration::from_millis(250);
/// Events read per store call.
const BATCH: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Start after this event (as `Last-Event-ID` does; the header wins).
    pub after: Option<i64>,
}

/// The run's events: `state`, `step`, `bug` and `log`, each with its `id`
/// (a sequence number). The stream ends after the run completes.
#[utoipa::path(get, path = "/runs/{run_id}/events", tag = "Runs",
    params(("run_id" = String, Path, description = "The run's id"), EventsQuery),
    responses(
        (status = 200, description = "text/event-stream of the run's events", content_type = "text/event-stream", body = String),
        (status = 404, description = "No such run in the project", body = ErrorBody),
    ))]
pub async fn run_events(
    State(state): State<AppState>,
    caller: Caller,
    Path(run_id): Path<String>,
    Query(query): Query<EventsQuery>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    caller.require(Permission::ReadRuns)?;
    let not_found = || ApiError::not_found("Run not found");
    if !ids::is_short_id(&run_id) {
        return Err(not_found());
    }
    // Checks the run exists in the caller's project before streaming.
    state
        .store()
        .run_events(&caller.project_id, &run_id, i64::MAX, 1)
        .await
        .map_err(|err| ApiError::or_not_found(err, not_found()))?;
    let after = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok())
        .or(query.after)
        .unwrap_or(0);
    let stream = futures::stream::unfold(
        Follow {
            state,
            project_id: caller.project_id,
            run_id,
            after,
            pending: Vec::new().into_iter(),
            done: false,
        },
        Follow::next,
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// Where a follower is in a run's events.
struct Follow {
    state: AppState,
    project_id: String,
    run_id: String,
    after: i64,
    pending: std::vec::IntoIter<playtest_types::RunEvent>,
    done: bool,
}

impl Follow {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Follow)> {
        loop {
            if let Some(event) = self.pending.next() {
                self.after = event.seq;
                let sse = Event::default()
                    .id(event.seq.to_string())
                    .event(serde_json::to_value(event.kind).ok()?.as_str()?)
                    .json_data(&event)
                    .ok()?;
                return Some((Ok(sse), self));
            }
            if self.done {
                return None;
            }
            let store = self.state.store();
            let batch = match store
                .run_events(&self.project_id, &self.run_id, self.after, BATCH)
                .await
            {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::warn!(run_id = %self.run_id, error = %err, "could not read run events; ending the stream");
                    return None;
                }
            };
            if batch.is_empty() {
                // Quiet: finished when the run has completed (and every
                // event written before that has been sent).
                match store.run_details(&self.project_id, &self.run_id).await {
                    Ok(details) if details.run.state == RunState::Completed => {
                        self.done = true;
                        let last = store
                            .run_events(&self.project_id, &self.run_id, self.after, BATCH)
                            .await
                            .unwrap_or_default();
                        self.pending = last.into_iter();
                        continue;
                    }
                    Ok(_) => {}
                    Err(_) => return None,
                }
                tokio::select! {
                    () = tokio::time::sleep(POLL_EVERY) => {}
                    // The server is shutting down: the client reconnects
                    // (to another replica) with Last-Event-ID.
                    () = self.state.closing().cancelled() => return None,
                }
            }
            self.pending = batch.into_iter();
        }
    }
}
