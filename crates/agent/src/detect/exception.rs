//! Uncaught exceptions and unhandled promise rejections.

use playtest_types::{BugCategory, Confidence, Severity};

use super::{Detection, Detector, Moment};
use crate::driver::GameEvent;
use crate::fingerprint::{
    STACK_FRAMES_IN_FINGERPRINT, fingerprint, normalize_message, stack_signature,
};

/// Every error nobody caught is a high-severity gameplay bug: the game
/// survived it (a dead game is a crash), but some logic did not finish.
#[derive(Debug, Default)]
pub struct ExceptionDetector;

impl Detector for ExceptionDetector {
    fn name(&self) -> &'static str {
        "exception"
    }

    fn observe(&mut self, moment: &Moment<'_>) -> Vec<Detection> {
        moment
            .observation
            .events
            .iter()
            .filter_map(|event| match event {
                GameEvent::Exception {
                    message,
                    stack,
                    unhandled_rejection,
                } => Some(detection(message, stack.as_deref(), *unhandled_rejection)),
                _ => None,
            })
            .collect()
    }
}

fn detection(message: &str, stack: Option<&str>, unhandled_rejection: bool) -> Detection {
    let frames = stack
        .map(|s| stack_signature(s, STACK_FRAMES_IN_FINGERPRINT))
        .unwrap_or_default();
    let normalized = normalize_message(message);
    let mut parts = vec![normalized.as_str()];
    parts.extend(frames.iter().map(String::as_str));
    let kind = if unhandled_rejection {
        "An unhandled promise rejection"
    } else {
        "An uncaught exception"
    };
    let first_line = message.lines().next().unwrap_or(message);
    let mut description = format!("{kind}: {message}");
    if let Some(stack) = stack {
        description.push_str("\n\nStack:\n");
        description.push_str(stack);
    }
    Detection {
        category: BugCategory::Gameplay,
        severity: Severity::High,
        confidence: if unhandled_rejection {
            Confidence::Medium
        } else {
            Confidence::High
        },
        title: truncate(&format!("{kind}: {first_line}"), 120),
        description,
        fingerprint: fingerprint("exception", &parts),
        stuck: false,
    }
}

pub(super) fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_exception_from_another_line_and_entity_has_the_same_fingerprint() {
        let a = detection(
            "Uncaught TypeError: x is undefined (entity 12)",
            Some(
                "TypeError\n    at update (http://h/game.js?v=1:40:12)\n    at tick (http://h/game.js:88:3)",
            ),
            false,
        );
        let b = detection(
            "Uncaught TypeError: x is undefined (entity 99)",
            Some(
                "TypeError\n    at update (http://h/game.js?v=2:46:12)\n    at tick (http://h/game.js:88:3)",
            ),
            false,
        );
        assert_eq!(a.fingerprint, b.fingerprint);
        let elsewhere = detection(
            "Uncaught TypeError: x is undefined (entity 12)",
            Some("TypeError\n    at draw (http://h/render.js:40:12)"),
            false,
        );
        assert_ne!(a.fingerprint, elsewhere.fingerprint);
    }
}
