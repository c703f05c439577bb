//! `observe()`: a picture, the frame counters and DOM digest the hooks
//! gathered, and the events since the last observation; the last picture
//! again when the game is gone.

use playtest_agent::Observation;

use super::WebDriver;
use crate::WebDriverError;
use crate::hooks::{self, Drained};
use crate::observe::{self, black};

impl WebDriver {
    /// What to show when the game is gone: the last picture, and the
    /// events up to its end.
    pub(super) fn gone_observation(&mut self) -> Observation {
        let (at, video_offset) = self.clock();
        Observation {
            at,
            video_offset,
            frame: self
                .last_frame
                .clone()
                .unwrap_or_else(|| black(self.width, self.height)),
            dom_digest: None,
            events: self.log.take(),
            frames_drawn: self.last_frames_drawn,
            frame_intervals_ms: Vec::new(),
        }
    }

    pub(super) async fn observe_inner(&mut self) -> Result<Observation, WebDriverError> {
        if let Some(reason) = self.log.gone() {
            return if self.log.has_pending() {
                Ok(self.gone_observation())
            } else {
                Err(WebDriverError::Gone(reason))
            };
        }
        let session = self.session()?;
        let capture = observe::capture(&session.page, &self.guard, self.screenshot);
        let drain = session.evaluate(&self.guard, hooks::DRAIN, false, self.timeouts.observe);
        let (captured, drained) =
            tokio::join!(tokio::time::timeout(self.timeouts.observe, capture), drain);
        if self.log.gone().is_some() {
            // It went while we looked: whatever failed, that is why.
            return Ok(self.gone_observation());
        }
        let (at, video_offset) = self.clock();
        let encoded = match captured {
            Ok(Ok(encoded)) => encoded,
            Ok(Err(WebDriverError::Gone(_))) => return Ok(self.gone_observation()),
            Ok(Err(error)) => return Err(error),
            Err(_) => return Err(WebDriverError::Timeout(self.timeouts.observe)),
        };
        let drained: Option<Drained> = match drained {
            Ok(value) => serde_json::from_value(value).ok().flatten(),
            Err(WebDriverError::Gone(_)) => return Ok(self.gone_observation()),
            Err(error) => {
                tracing::debug!(%error, "no frame counters in this observation");
                None
            }
        };
        let frame = tokio::task::spawn_blocking(move || observe::decode(encoded))
            .await
            .map_err(|error| WebDriverError::Command(error.to_string()))??;
        self.last_frame = Some(frame.clone());
        let (dom_digest, frames_drawn, frame_intervals_ms) = match drained {
            Some(drained) => (drained.digest(), drained.frames, drained.intervals),
            None => (None, self.last_frames_drawn, Vec::new()),
        };
        self.last_frames_drawn = frames_drawn;
        Ok(Observation {
            at,
            video_offset,
            frame,
            dom_digest,
            events: self.log.take(),
            frames_drawn,
            frame_intervals_ms,
        })
    }
}
