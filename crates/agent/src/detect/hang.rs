//! Hang: the game no longer answers a trivial question.

use playtest_types::{BugCategory, Confidence, Severity};

use super::{Detection, Detector, Incident, Moment};
use crate::describe::describe_action;
use crate::fingerprint::fingerprint;

/// The session pings the game every few actions and whenever an
/// observation is slow; a ping without answer is a hang.
#[derive(Debug, Default)]
pub struct HangDetector;

impl Detector for HangDetector {
    fn name(&self) -> &'static str {
        "hang"
    }

    fn observe(&mut self, _moment: &Moment<'_>) -> Vec<Detection> {
        Vec::new()
    }

    fn incident(&mut self, incident: &Incident<'_>) -> Vec<Detection> {
        let Incident::NoAnswer {
            waited,
            last_action,
        } = incident
        else {
            return Vec::new();
        };
        let after = last_action
            .map(|a| format!(" after: {}", describe_action(a)))
            .unwrap_or_default();
        vec![Detection {
            category: BugCategory::Crash,
            severity: Severity::Critical,
            confidence: Confidence::High,
            title: "The game stopped responding".into(),
            description: format!(
                "The game did not answer a trivial query within {:.1} s{after}.",
                waited.as_secs_f32()
            ),
            fingerprint: fingerprint("hang", &[]),
            stuck: true,
        }]
    }
}
