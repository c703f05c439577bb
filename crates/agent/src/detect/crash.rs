//! Crash: the renderer or the process died.

use playtest_types::{BugCategory, Confidence, Severity};

use super::{Detection, Detector, Incident, Moment};
use crate::driver::GameEvent;
use crate::fingerprint::{fingerprint, normalize_message};

/// Reports the first sign of death in each life of the game (a `Crashed`
/// event and the vanished game that follows are one crash).
#[derive(Debug, Default)]
pub struct CrashDetector {
    reported_this_life: bool,
}

impl CrashDetector {
    fn crash(&mut self, reason: &str) -> Vec<Detection> {
        if self.reported_this_life {
            return Vec::new();
        }
        self.reported_this_life = true;
        vec![Detection {
            category: BugCategory::Crash,
            severity: Severity::Critical,
            confidence: Confidence::High,
            title: "The game crashed".into(),
            description: format!("The game stopped running: {reason}."),
            fingerprint: fingerprint("crash", &[&normalize_message(reason)]),
            stuck: true,
        }]
    }
}

impl Detector for CrashDetector {
    fn name(&self) -> &'static str {
        "crash"
    }

    fn observe(&mut self, moment: &Moment<'_>) -> Vec<Detection> {
        let reason = moment
            .observation
            .events
            .iter()
            .find_map(|event| match event {
                GameEvent::Crashed { reason } => Some(reason.clone()),
                _ => None,
            });
        reason.map(|reason| self.crash(&reason)).unwrap_or_default()
    }

    fn incident(&mut self, incident: &Incident<'_>) -> Vec<Detection> {
        match incident {
            Incident::GameGone { reason } => self.crash(reason),
            Incident::NoAnswer { .. } => Vec::new(),
        }
    }

    fn restarted(&mut self) {
        self.reported_this_life = false;
    }
}
