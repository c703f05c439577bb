//! The observing half of a session: starting a life (learning the idle
//! mask), looking at the game, turning an observation into a cell and
//! detections, and asking a silent game whether it still answers.

use playtest_types::Action;
use tokio::time::{Instant, sleep, timeout};

use super::{Ending, ErrorSeen, LastSeen, Session};
use crate::cells::CellId;
use crate::describe::is_input;
use crate::detect::{Incident, Moment};
use crate::driver::{ConsoleLevel, DriverError, Frame, GameEvent, Observation};
use crate::error::AgentError;
use crate::graph::PathRef;
use crate::trace::{RunTraceEntry, TraceEvent};

impl Session<'_> {
    /// The driver's observation, abandoned after `call_timeout`.
    pub(super) async fn observe(&mut self) -> Result<Observation, DriverError> {
        let allowed = self.settings.call_timeout;
        timeout(allowed, self.driver.observe())
            .await
            .unwrap_or(Err(DriverError::Timeout(allowed)))
    }

    /// Starts a life: learns the idle mask from a few observations without
    /// input, then identifies the first cell.
    pub(super) async fn begin_life(
        &mut self,
        event: TraceEvent,
    ) -> Result<Option<Ending>, AgentError> {
        self.lives.push(Vec::new());
        self.gone = None;
        self.unanswered_since = None;
        self.last = None;
        self.detectors.restarted();
        self.entries.push(RunTraceEntry {
            at_ms: self.started.elapsed().as_millis() as u64,
            what: event,
            cell: None,
        });
        let mut idle = Vec::new();
        let mut frames = Vec::new();
        let mut dom_digest = None;
        for i in 0..self.settings.idle_observations.max(1) {
            if i > 0 {
                self.pause(self.settings.idle_interval).await?;
            }
            let observation = match self.observe().await {
                Ok(observation) => observation,
                Err(DriverError::GameGone(reason)) => return Ok(Some(self.gone_incident(&reason))),
                Err(DriverError::Timeout(_)) => match self.check_answer(None).await? {
                    Some(ending) => return Ok(Some(ending)),
                    None => continue,
                },
                Err(other) => return Err(other.into()),
            };
            self.counters.observations += 1;
            frames.push(observation.frames_drawn);
            dom_digest = observation.dom_digest;
            if let Some(ending) = self.digest(observation, None, None) {
                return Ok(Some(ending));
            }
            if let Some(last) = &self.last {
                idle.push(last.thumbnail.clone());
            }
        }
        if frames.len() >= 2 {
            // A loop draws in (nearly) every interval; a game that draws on
            // change (2048 animates a move or two at start) only in some.
            let drawing = frames.windows(2).filter(|w| w[1] > w[0]).count();
            self.render_loop = Some(drawing * 4 >= (frames.len() - 1) * 3);
        }
        if let Some(remap) = self.cells.learn_idle(&idle) {
            self.graph.rekey(&remap);
            self.seen_cells = self
                .seen_cells
                .iter()
                .map(|c| remap.get(c).copied().unwrap_or(*c))
                .collect();
            self.sink.log(format!(
                "Idle animation found in more places; {} blocks of the screen are ignored now.",
                self.cells.masked_blocks()
            ));
        }
        let Some(thumbnail) = idle.last() else {
            return Ok(Some(Ending::Gone(
                "no observation of the game succeeded".into(),
            )));
        };
        let (cell, _) = self.cells.identify(thumbnail, dom_digest);
        self.cell = cell;
        if self.seen_cells.insert(cell) {
            self.actions_since_new_cell = 0;
        }
        self.graph.visit(
            cell,
            PathRef {
                life: self.lives.len() - 1,
                len: 0,
            },
        );
        if let Some(entry) = self.entries.last_mut() {
            entry.cell = Some(cell);
        }
        self.cycle_end = Instant::now();
        Ok(None)
    }

    /// Observes and digests; a timed-out or slow observation leads to a ping.
    pub(super) async fn look(
        &mut self,
        action: Option<&Action>,
        previous_cell: CellId,
    ) -> Result<Option<Ending>, AgentError> {
        let (observation, slow) = match self.observe_settled(action).await {
            Ok(settled) => settled,
            Err(DriverError::GameGone(reason)) => return Ok(Some(self.gone_incident(&reason))),
            Err(DriverError::Timeout(_)) => return self.check_answer(action).await,
            Err(other) => return Err(other.into()),
        };
        self.counters.observations += 1;
        self.unanswered_since = None;
        if let Some(ending) = self.digest(observation, action, Some(previous_cell)) {
            return Ok(Some(ending));
        }
        if slow {
            return self.check_answer(action).await;
        }
        Ok(None)
    }

    /// An observation of what an input did, taken once the game finished
    /// animating it: for a game that draws on change, which then animates
    /// the change for a moment, the session looks again (looks starting at
    /// least `settle` apart, at most `settle_looks` more) until two looks in
    /// a row show the same cell. Mid-animation frames would otherwise count
    /// as screens of their own. Agreement at the cells' resolution is the
    /// point: a fade too faint to change a cell is not waited for. The
    /// events of every look are kept, in order. Also says whether any look
    /// was slower than `slow_observe`.
    async fn observe_settled(
        &mut self,
        action: Option<&Action>,
    ) -> Result<(Observation, bool), DriverError> {
        let mut looked = Instant::now();
        let mut observation = self.observe().await?;
        let mut slow = looked.elapsed() >= self.settings.slow_observe;
        let animates_on_change = self.render_loop == Some(false) && action.is_some_and(is_input);
        let Some(mut before) = self
            .last
            .as_ref()
            .filter(|_| animates_on_change)
            .map(|last| last.thumbnail.clone())
        else {
            return Ok((observation, slow));
        };
        for _ in 0..self.settings.settle_looks {
            let now = self.cells.thumbnail(&observation.frame);
            if self.cells.same_screen(&before, &now) {
                break;
            }
            before = now;
            sleep(self.settings.settle.saturating_sub(looked.elapsed())).await;
            looked = Instant::now();
            let later = self.observe().await?;
            slow |= looked.elapsed() >= self.settings.slow_observe;
            self.counters.observations += 1;
            observation = later_absorbing(observation, later);
        }
        Ok((observation, slow))
    }

    /// Turns an observation into a cell and detections. `previous_cell` is
    /// `None` while learning the idle mask (no cell is identified then).
    pub(super) fn digest(
        &mut self,
        mut observation: Observation,
        action: Option<&Action>,
        previous_cell: Option<CellId>,
    ) -> Option<Ending> {
        let thumbnail = self.cells.thumbnail(&observation.frame);
        let cell = previous_cell.map(|_| self.cells.identify(&thumbnail, observation.dom_digest).0);
        let new_cell = cell.is_some_and(|c| self.seen_cells.insert(c));
        if new_cell {
            self.actions_since_new_cell = 0;
        }
        let screen_change = self
            .last
            .as_ref()
            .map_or(255.0, |l| l.thumbnail.max_difference(&thumbnail));
        let frames_advanced = self
            .last
            .as_ref()
            .map(|l| observation.frames_drawn.saturating_sub(l.frames_drawn));
        let at = observation.at;
        for event in &observation.events {
            match event {
                GameEvent::Exception { message, .. } => self.errors.push(ErrorSeen {
                    text: message.clone(),
                    at,
                }),
                GameEvent::Console {
                    level: ConsoleLevel::Error,
                    text,
                    ..
                } => {
                    self.errors.push(ErrorSeen {
                        text: text.clone(),
                        at,
                    });
                }
                _ => {}
            }
        }
        let crashed = observation.events.iter().find_map(|e| match e {
            GameEvent::Crashed { reason } => Some(reason.clone()),
            _ => None,
        });
        let detections = {
            let moment = Moment {
                observation: &observation,
                action,
                cell,
                previous_cell,
                new_cell,
                screen_change,
                frames_advanced,
                render_loop: self.render_loop,
                first_of_life: self.last.is_none(),
                graph: &self.graph,
            };
            self.detectors.observe(&moment)
        };
        if let Some(cell) = cell {
            self.cell = cell;
            if action.is_some()
                && let Some(entry) = self.entries.last_mut()
                && entry.cell.is_none()
            {
                entry.cell = Some(cell);
            }
        }
        self.last_new_cell = new_cell;
        self.last_change = screen_change;
        let frame = std::mem::replace(
            &mut observation.frame,
            Frame {
                width: 0,
                height: 0,
                rgb: Vec::new(),
                encoded: None,
            },
        );
        self.last = Some(LastSeen {
            frame,
            thumbnail,
            frames_drawn: observation.frames_drawn,
            video_offset: observation.video_offset,
        });
        let stuck = detections
            .iter()
            .find(|(_, d)| d.stuck)
            .map(|(_, d)| d.title.clone());
        self.report_all(detections);
        match (crashed, stuck) {
            (Some(reason), _) => Some(Ending::Gone(reason)),
            (None, Some(title)) => Some(Ending::Stuck(title.to_lowercase())),
            (None, None) => None,
        }
    }

    /// Pings the game; no answer is a hang.
    pub(super) async fn check_answer(
        &mut self,
        action: Option<&Action>,
    ) -> Result<Option<Ending>, AgentError> {
        self.counters.pings += 1;
        self.actions_since_ping = 0;
        let waited = self.settings.ping_timeout;
        let answer = timeout(
            waited + self.settings.call_timeout,
            self.driver.ping(waited),
        )
        .await;
        match answer.unwrap_or(Ok(None)) {
            Ok(Some(_)) | Err(DriverError::Unsupported(_)) => {
                self.unanswered_since = None;
                Ok(None)
            }
            Ok(None) | Err(DriverError::Timeout(_)) => {
                let detections = self.detectors.incident(&Incident::NoAnswer {
                    waited,
                    last_action: action,
                });
                self.report_all(detections);
                self.unanswered_since.get_or_insert_with(Instant::now);
                Ok(Some(Ending::NoAnswer))
            }
            Err(DriverError::GameGone(reason)) => Ok(Some(self.gone_incident(&reason))),
            Err(other) => Err(other.into()),
        }
    }

    pub(super) fn gone_incident(&mut self, reason: &str) -> Ending {
        let detections = self.detectors.incident(&Incident::GameGone { reason });
        self.report_all(detections);
        Ending::Gone(reason.to_string())
    }
}

/// The later of two observations, with the earlier one's events and frame
/// intervals before its own.
fn later_absorbing(mut earlier: Observation, mut later: Observation) -> Observation {
    earlier.events.append(&mut later.events);
    later.events = earlier.events;
    earlier
        .frame_intervals_ms
        .append(&mut later.frame_intervals_ms);
    later.frame_intervals_ms = earlier.frame_intervals_ms;
    later
}
