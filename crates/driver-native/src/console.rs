//! The game's output read as console events, the native counterpart of a
//! web page's console: every line the game writes is a message (stdout at
//! info, stderr at warning), lines that say something broke are errors
//! (an assertion, a segmentation fault, an SDL, GL or X error), and a
//! Python traceback becomes one exception with its stack, whether or not
//! the game then goes on running.

use playtest_agent::{ConsoleLevel, GameEvent};

/// Which of the game's streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// Words that mark a line as an error report, matched case-insensitively
/// (with what kind of program writes them).
const ERROR_MARKS: &[&str] = &[
    // glibc's assert(), Python's and others' assertion errors.
    "assertion",
    // A shell or launcher reporting its child's death.
    "segmentation fault",
    "core dumped",
    "aborted",
    // CPython dying.
    "fatal python error",
    // SDL_GetError() reports and OpenGL/GLX/EGL/Mesa failures.
    "sdl error",
    "sdl_error",
    "gl error",
    "glx error",
    "egl error",
    "mesa: error",
    // Xlib's default error handler.
    "x error of failed request",
    // Common prefixes of error lines (`ERROR: ...`, `error: ...`, `[error]`).
    "error:",
    "[error]",
    "fatal:",
    "panicked at",
    "exception:",
];

/// The first line of a Python traceback.
const TRACEBACK: &str = "Traceback (most recent call last):";

/// Turns one stream's lines into events; one per stream, since a
/// traceback's lines come in order on their own stream.
#[derive(Debug)]
pub(crate) struct ConsoleReader {
    stream: Stream,
    traceback: Option<Vec<String>>,
}

impl ConsoleReader {
    pub(crate) fn new(stream: Stream) -> Self {
        ConsoleReader {
            stream,
            traceback: None,
        }
    }

    /// The events one more line makes (none while a traceback goes on).
    pub(crate) fn line(&mut self, line: &str) -> Vec<GameEvent> {
        let line = line.trim_end_matches(['\r', '\n']);
        if let Some(lines) = &mut self.traceback {
            // A traceback's frames are indented; chained exceptions are
            // separated by a blank line and a sentence, then another
            // traceback, all of which stays in one stack.
            let chained = line.is_empty()
                || line.starts_with("During handling of the above exception")
                || line.starts_with("The above exception was the direct cause")
                || line == TRACEBACK;
            if line.starts_with(' ') || line.starts_with('\t') || chained {
                lines.push(line.to_owned());
                return Vec::new();
            }
            let mut stack = self.traceback.take().unwrap_or_default();
            stack.push(line.to_owned());
            return vec![GameEvent::Exception {
                message: line.to_owned(),
                stack: Some(stack.join("\n")),
                unhandled_rejection: false,
            }];
        }
        if line.trim_start() == TRACEBACK {
            self.traceback = Some(vec![line.to_owned()]);
            return Vec::new();
        }
        if line.trim().is_empty() {
            return Vec::new();
        }
        vec![GameEvent::Console {
            level: self.level(line),
            text: line.to_owned(),
            source: None,
        }]
    }

    /// What is left when the stream ends: a traceback cut short.
    pub(crate) fn end(&mut self) -> Vec<GameEvent> {
        match self.traceback.take() {
            Some(stack) => vec![GameEvent::Exception {
                message: stack.last().cloned().unwrap_or_default(),
                stack: Some(stack.join("\n")),
                unhandled_rejection: false,
            }],
            None => Vec::new(),
        }
    }

    fn level(&self, line: &str) -> ConsoleLevel {
        let lower = line.to_lowercase();
        if ERROR_MARKS.iter().any(|mark| lower.contains(mark)) {
            ConsoleLevel::Error
        } else if self.stream == Stream::Stderr {
            ConsoleLevel::Warning
        } else {
            ConsoleLevel::Info
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(stream: Stream, text: &str) -> Vec<GameEvent> {
        let mut reader = ConsoleReader::new(stream);
        let mut events: Vec<GameEvent> = text.lines().flat_map(|l| reader.line(l)).collect();
        events.extend(reader.end());
        events
    }

    #[test]
    fn a_python_traceback_is_one_exception_with_its_stack() {
        let events = read(
            Stream::Stderr,
            "Traceback (most recent call last):\n  File \"aliens.py\", line 3, in <module>\n    main()\nValueError: boom\nstill running\n",
        );
        assert_eq!(events.len(), 2);
        let GameEvent::Exception { message, stack, .. } = &events[0] else {
            panic!("{events:?}")
        };
        assert_eq!(message, "ValueError: boom");
        assert!(stack.as_deref().unwrap().contains("aliens.py"));
        assert!(matches!(
            &events[1],
            GameEvent::Console { level: ConsoleLevel::Warning, text, .. } if text == "still running"
        ));
    }

    #[test]
    fn chained_tracebacks_stay_one_exception() {
        let events = read(
            Stream::Stderr,
            "Traceback (most recent call last):\n  File \"a.py\", line 1\nKeyError: 1\n",
        );
        assert_eq!(events.len(), 1);
        let events = read(
            Stream::Stderr,
            "Traceback (most recent call last):\n  File \"a.py\", line 1\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"a.py\", line 2\nTypeError: x\n",
        );
        assert_eq!(events.len(), 1, "{events:?}");
    }

    #[test]
    fn error_reports_are_errors_and_other_lines_follow_their_stream() {
        let level = |stream, line| match &read(stream, line)[0] {
            GameEvent::Console { level, .. } => *level,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            level(
                Stream::Stderr,
                "game: main.c:12: tick: Assertion `x' failed."
            ),
            ConsoleLevel::Error
        );
        assert_eq!(
            level(Stream::Stdout, "Segmentation fault"),
            ConsoleLevel::Error
        );
        assert_eq!(
            level(Stream::Stderr, "X Error of failed request:  BadWindow"),
            ConsoleLevel::Error
        );
        assert_eq!(level(Stream::Stdout, "pygame 2.6.1"), ConsoleLevel::Info);
        assert_eq!(
            level(Stream::Stderr, "loading level 2"),
            ConsoleLevel::Warning
        );
    }

    #[test]
    fn a_traceback_cut_short_is_still_reported() {
        let events = read(
            Stream::Stderr,
            "Traceback (most recent call last):\n  File \"a.py\"",
        );
        assert!(matches!(events[0], GameEvent::Exception { .. }));
    }
}
