//! Console errors: often a missing asset or a caught-and-logged failure.

use playtest_types::{BugCategory, Confidence, Severity};

use super::{Detection, Detector, Moment, exception::truncate};
use crate::driver::{ConsoleLevel, GameEvent};
use crate::fingerprint::{fingerprint, normalize_message};

/// Each console message at error level is a low-severity finding; its
/// fingerprint is the normalised text (the source position is left out, as
/// it moves between builds).
#[derive(Debug, Default)]
pub struct ConsoleErrorDetector;

impl Detector for ConsoleErrorDetector {
    fn name(&self) -> &'static str {
        "console-error"
    }

    fn observe(&mut self, moment: &Moment<'_>) -> Vec<Detection> {
        moment
            .observation
            .events
            .iter()
            .filter_map(|event| match event {
                GameEvent::Console {
                    level: ConsoleLevel::Error,
                    text,
                    source,
                } => Some(Detection {
                    category: BugCategory::Gameplay,
                    severity: Severity::Low,
                    confidence: Confidence::Medium,
                    title: truncate(
                        &format!("Console error: {}", text.lines().next().unwrap_or(text)),
                        120,
                    ),
                    description: match source {
                        Some(source) => format!("The game logged an error: {text}\n(at {source})"),
                        None => format!("The game logged an error: {text}"),
                    },
                    fingerprint: fingerprint("console-error", &[&normalize_message(text)]),
                    stuck: false,
                }),
                _ => None,
            })
            .collect()
    }
}
