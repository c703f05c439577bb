//! The session's looking: starting a life (learning the idle mask), looking
//! at the game until its screen settles, turning an observation into a
//! cell, detections and evidence, and asking a silent game whether it
//! still answers. Like `acting`, it ties the parts together with the
//! driver and holds no state of its own.

use playtest_types::Action;
use tokio::time::{Instant, sleep, timeout};

use super::Session;
use super::evidence::Scene;
use super::watch::Breakdown;
use crate::cells::CellId;
use crate::detect::{Detection, Incident, Moment};
use crate::driver::{DriverError, GameEvent, Observation};
use crate::error::AgentError;
use crate::trace::TraceEvent;

impl Session<'_> {
    /// The driver's observation, abandoned after `call_timeout`.
    async fn observe(&mut self) -> Result<Observation, DriverError> {
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
    ) -> Result<Option<Breakdown>, AgentError> {
        self.map.new_life();
        self.watch.new_life();
        self.sight.new_life();
        self.evidence.record_start(self.clock.elapsed(), event);
        let mut idle = Vec::new();
        let mut frames = Vec::new();
        let mut dom_digest = None;
        let timing = self.sight.timing().clone();
        for i in 0..timing.idle_observations.max(1) {
            if i > 0 {
                self.clock.pause(timing.idle_interval).await?;
            }
            let observation = match self.observe().await {
                Ok(observation) => observation,
                Err(DriverError::GameGone(reason)) => return Ok(Some(self.gone_incident(&reason))),
                Err(DriverError::Timeout(_)) => match self.check_answer(None).await? {
                    Some(breakdown) => return Ok(Some(breakdown)),
                    None => continue,
                },
                Err(other) => return Err(other.into()),
            };
            self.evidence.observed();
            frames.push(observation.frames_drawn);
            dom_digest = observation.dom_digest;
            if let Some(breakdown) = self.digest(observation, None, None) {
                return Ok(Some(breakdown));
            }
            if let Some(thumbnail) = self.sight.last_thumbnail() {
                idle.push(thumbnail.clone());
            }
        }
        self.sight.learn_render_loop(&frames);
        if let Some(remap) = self.sight.learn_idle(&idle) {
            self.map.rekey(&remap);
            self.log(format!(
                "Idle animation found in more places; {} blocks of the screen are ignored now.",
                self.sight.masked_blocks()
            ));
        }
        let Some(thumbnail) = idle.last() else {
            return Ok(Some(Breakdown::Gone(
                "no observation of the game succeeded".into(),
            )));
        };
        let cell = self.sight.identify(thumbnail, dom_digest);
        self.map.start_at(cell);
        self.evidence.started_at(cell);
        self.clock.end_cycle();
        Ok(None)
    }

    /// Observes and digests; a timed-out or slow observation leads to a ping.
    pub(super) async fn look(
        &mut self,
        action: Option<&Action>,
        previous_cell: CellId,
    ) -> Result<Option<Breakdown>, AgentError> {
        let (observation, slow) = match self.observe_settled(action).await {
            Ok(settled) => settled,
            Err(DriverError::GameGone(reason)) => return Ok(Some(self.gone_incident(&reason))),
            Err(DriverError::Timeout(_)) => return self.check_answer(action).await,
            Err(other) => return Err(other.into()),
        };
        self.evidence.observed();
        self.watch.answered();
        if let Some(breakdown) = self.digest(observation, action, Some(previous_cell)) {
            return Ok(Some(breakdown));
        }
        if slow {
            return self.check_answer(action).await;
        }
        Ok(None)
    }

    /// An observation of what an input did, taken once the game finished
    /// animating it: for a game that draws on change, which then animates
    /// the change for a moment, the session looks again (looks starting at
    /// least the driver's `settle` apart, at most its `settle_looks` more)
    /// until two looks in a row show the same cell. Mid-animation frames
    /// would otherwise count as screens of their own. Agreement at the
    /// cells' resolution is the point: a fade too faint to change a cell is
    /// not waited for. The events of every look are kept, in order. Also
    /// says whether any look was slower than the driver's `slow_observe`.
    async fn observe_settled(
        &mut self,
        action: Option<&Action>,
    ) -> Result<(Observation, bool), DriverError> {
        let timing = self.sight.timing().clone();
        let mut looked = Instant::now();
        let mut observation = self.observe().await?;
        let mut slow = looked.elapsed() >= timing.slow_observe;
        let Some(mut before) = self.sight.settling_from(action) else {
            return Ok((observation, slow));
        };
        for _ in 0..timing.settle_looks {
            let now = self.sight.thumbnail(&observation.frame);
            if self.sight.same_screen(&before, &now) {
                break;
            }
            before = now;
            sleep(timing.settle.saturating_sub(looked.elapsed())).await;
            looked = Instant::now();
            let later = self.observe().await?;
            slow |= looked.elapsed() >= timing.slow_observe;
            self.evidence.observed();
            observation = later_absorbing(observation, later);
        }
        Ok((observation, slow))
    }

    /// Turns an observation into a cell, detections and evidence.
    /// `previous_cell` is `None` while learning the idle mask (no cell is
    /// identified then).
    fn digest(
        &mut self,
        mut observation: Observation,
        action: Option<&Action>,
        previous_cell: Option<CellId>,
    ) -> Option<Breakdown> {
        let glance = self.sight.glance(&observation);
        let cell = previous_cell.map(|_| {
            self.sight
                .identify(&glance.thumbnail, observation.dom_digest)
        });
        let new_cell = self.map.arrive(cell);
        if let Some(cell) = cell
            && action.is_some()
        {
            self.evidence.led_to(cell);
        }
        self.evidence
            .note_errors(&observation.events, observation.at);
        let crashed = observation.events.iter().find_map(|e| match e {
            GameEvent::Crashed { reason } => Some(reason.clone()),
            _ => None,
        });
        let quit = observation.events.iter().find_map(|e| match e {
            GameEvent::Quit { reason } => Some(reason.clone()),
            _ => None,
        });
        let detections = self.watch.observe(&Moment {
            observation: &observation,
            action,
            cell,
            previous_cell,
            new_cell,
            screen_change: glance.screen_change,
            frames_advanced: glance.frames_advanced,
            render_loop: self.sight.render_loop(),
            first_of_life: glance.first_of_life,
            graph: self.map.graph(),
        });
        self.sight.remember(&mut observation, glance);
        let stuck = detections
            .iter()
            .find(|(_, d)| d.stuck)
            .map(|(_, d)| d.title.clone());
        self.report_all(detections);
        match (crashed, stuck, quit) {
            (Some(reason), _, _) => Some(Breakdown::Gone(reason)),
            (None, Some(title), _) => Some(Breakdown::Stuck(title.to_lowercase())),
            (None, None, Some(reason)) => Some(Breakdown::Quit(reason)),
            (None, None, None) => None,
        }
    }

    /// Pings the game; no answer is a hang.
    pub(super) async fn check_answer(
        &mut self,
        action: Option<&Action>,
    ) -> Result<Option<Breakdown>, AgentError> {
        self.evidence.pinged();
        self.watch.pinged();
        let waited = self.settings.ping_timeout;
        let answer = timeout(
            waited + self.settings.call_timeout,
            self.driver.ping(waited),
        )
        .await;
        match answer.unwrap_or(Ok(None)) {
            Ok(Some(_)) | Err(DriverError::Unsupported(_)) => {
                self.watch.answered();
                Ok(None)
            }
            Ok(None) | Err(DriverError::Timeout(_)) => {
                let detections = self.watch.incident(&Incident::NoAnswer {
                    waited,
                    last_action: action,
                });
                self.report_all(detections);
                self.watch.unanswered();
                Ok(Some(Breakdown::NoAnswer))
            }
            Err(DriverError::GameGone(reason)) => Ok(Some(self.gone_incident(&reason))),
            Err(other) => Err(other.into()),
        }
    }

    pub(super) fn gone_incident(&mut self, reason: &str) -> Breakdown {
        let detections = self.watch.incident(&Incident::GameGone { reason });
        self.report_all(detections);
        Breakdown::Gone(reason.to_string())
    }

    /// Reports detections with the scene they were made in: the trace
    /// since the last start, the time, the last picture.
    fn report_all(&mut self, detections: Vec<(&'static str, Detection)>) {
        let scene = Scene {
            seed: self.settings.seed,
            trace: self.map.since_restart(),
            at: self.clock.elapsed(),
            video_offset: self.sight.last_video_offset(),
            screen: self.sight.last_frame(),
        };
        for (detector, detection) in detections {
            self.evidence.report(detector, detection, &scene);
        }
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
