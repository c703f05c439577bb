//! Turns how a game loop ended into the bugs it shows.
//!
//! A fingerprint names the cause, never the run: the entry and the signal
//! (`game_loop/crash/<entry>/SIGSEGV`), no pid, address, time or log text,
//! so the same crash on every run of every build shares one bug.
//!
//! A hang (still running at `max_duration`) is filed as
//! [`BugCategory::Performance`], not `Gameplay`: from outside all we know is
//! that the scenario did not finish in its time budget, whether by deadlock,
//! busy loop or plain slowness. That is a responsiveness fault (what a
//! mobile platform calls an ANR), not a rule of the game misbehaving, and
//! it is the category the agent runs' hang detector (no answer within 5 s)
//! uses too, so hangs from both kinds of test sort together.

use playtest_types::{BugCategory, Severity};

use super::runner::{GameLoopEnd, GameLoopReport, clean_entry};

/// A bug the run found, before it is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GameLoopBug {
    /// Same cause, same fingerprint, across runs.
    pub fingerprint: String,
    pub title: String,
    pub description: String,
    pub category: BugCategory,
    pub severity: Severity,
}

/// The bugs a game loop's end shows: a crash or a hang; nothing for a
/// success, a failure exit code (the test's own verdict) or a stop.
pub fn bugs(report: &GameLoopReport, entry: &str) -> Vec<GameLoopBug> {
    let entry = clean_entry(entry).unwrap_or_else(|_| entry.to_owned());
    match &report.end {
        GameLoopEnd::Crashed {
            signal,
            signal_name,
            stderr_tail,
        } => {
            let mut description = format!(
                "The game loop `{entry}` was killed by {signal_name} (signal {signal}) after {:.1} s.",
                report.duration.as_secs_f64()
            );
            if stderr_tail.is_empty() {
                description.push_str("\n\nIt wrote nothing to stderr.");
            } else {
                description.push_str("\n\nLast lines of stderr:\n");
                description.push_str(stderr_tail);
            }
            vec![GameLoopBug {
                fingerprint: format!("game_loop/crash/{entry}/{signal_name}"),
                title: format!("`{entry}` crashes with {signal_name}"),
                description,
                category: BugCategory::Crash,
                severity: Severity::Critical,
            }]
        }
        GameLoopEnd::TimedOut => vec![GameLoopBug {
            fingerprint: format!("game_loop/hang/{entry}"),
            title: format!("`{entry}` does not finish (hang)"),
            description: format!(
                "The game loop `{entry}` was still running after {:.1} s, the time it was given, and was killed. It may be deadlocked, looping, or far slower than expected.",
                report.duration.as_secs_f64()
            ),
            category: BugCategory::Performance,
            severity: Severity::High,
        }],
        GameLoopEnd::Success | GameLoopEnd::Failed { .. } | GameLoopEnd::Stopped => vec![],
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn crash(duration: Duration, tail: &str) -> GameLoopReport {
        GameLoopReport {
            end: GameLoopEnd::Crashed {
                signal: 11,
                signal_name: "SIGSEGV".into(),
                stderr_tail: tail.into(),
            },
            duration,
        }
    }

    #[test]
    fn a_crash_is_a_critical_crash_bug_with_the_stderr_tail() {
        let found = bugs(
            &crash(Duration::from_secs(2), "boom at 0x7ffd1234"),
            "./bin/game.sh",
        );
        assert_eq!(found.len(), 1);
        let bug = &found[0];
        assert_eq!(bug.fingerprint, "game_loop/crash/bin/game.sh/SIGSEGV");
        assert_eq!(bug.category, BugCategory::Crash);
        assert_eq!(bug.severity, Severity::Critical);
        assert!(bug.description.contains("SIGSEGV"));
        assert!(bug.description.contains("boom at 0x7ffd1234"));
    }

    #[test]
    fn the_same_crash_on_another_run_has_the_same_fingerprint() {
        let first = bugs(
            &crash(Duration::from_millis(1200), "pid 41: fault at 0x1"),
            "game.sh",
        );
        let second = bugs(
            &crash(Duration::from_millis(9800), "pid 97: fault at 0x2"),
            "./game.sh",
        );
        assert_eq!(first[0].fingerprint, second[0].fingerprint);
    }

    #[test]
    fn a_timeout_is_a_high_severity_hang() {
        let report = GameLoopReport {
            end: GameLoopEnd::TimedOut,
            duration: Duration::from_secs(1),
        };
        let found = bugs(&report, "game.sh");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].fingerprint, "game_loop/hang/game.sh");
        assert_eq!(found[0].category, BugCategory::Performance);
        assert_eq!(found[0].severity, Severity::High);
    }

    #[test]
    fn success_failure_and_stop_find_nothing() {
        for end in [
            GameLoopEnd::Success,
            GameLoopEnd::Failed { exit_code: 3 },
            GameLoopEnd::Stopped,
        ] {
            let report = GameLoopReport {
                end,
                duration: Duration::from_secs(1),
            };
            assert!(bugs(&report, "game.sh").is_empty());
        }
    }
}
