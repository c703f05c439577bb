//! Progress of a transfer on standard error: an animated bar with bytes,
//! throughput and ETA when it is a terminal, otherwise a plain line every
//! few seconds (`uploaded 40% (400.0 MiB of 1.0 GiB, 120.0 MiB/s)`), which
//! reads well in a CI log. Notes (retries, resumes) are printed above the
//! bar without breaking it.
//!
//! Cheap to clone and safe to update from parallel parts: bytes are counted
//! with an atomic, and a failed attempt takes its bytes back.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::text::size;

/// The least time between two plain lines.
const LINE_INTERVAL: Duration = Duration::from_secs(5);

const BAR_TEMPLATE: &str =
    "{prefix} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}";

/// How progress is shown on standard error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// An animated bar: standard error is a terminal.
    Bar,
    /// A plain line now and then: standard error is a file or a pipe (CI).
    Lines,
}

#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    /// `uploaded`, `downloaded`.
    verb: &'static str,
    total: u64,
    done: AtomicU64,
    /// Bytes already there when this run started (a resumed upload's
    /// parts), not counted in the throughput.
    initial: u64,
    started: Instant,
    display: Display,
}

enum Display {
    Bar(ProgressBar),
    Lines {
        last: Mutex<Instant>,
    },
    #[cfg_attr(not(test), allow(dead_code))]
    Silent,
}

impl Progress {
    /// Progress of a transfer of `total` bytes, `initial` of them already
    /// done, shown as `mode` says with `label` (the file) before the bar.
    pub fn new(
        mode: ProgressMode,
        verb: &'static str,
        label: &str,
        total: u64,
        initial: u64,
    ) -> Self {
        let display = match mode {
            ProgressMode::Bar => {
                let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
                let style = ProgressStyle::with_template(BAR_TEMPLATE)
                    .expect("the template is valid")
                    .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(label.to_string());
                bar.set_position(initial);
                bar.reset_eta();
                bar.enable_steady_tick(Duration::from_millis(200));
                Display::Bar(bar)
            }
            ProgressMode::Lines => Display::Lines {
                last: Mutex::new(Instant::now()),
            },
        };
        Progress {
            inner: Arc::new(Inner {
                verb,
                total,
                done: AtomicU64::new(initial),
                initial,
                started: Instant::now(),
                display,
            }),
        }
    }

    /// No progress to show yet, only notes (retries before the transfer).
    pub fn notes_only() -> Self {
        Progress::new(ProgressMode::Lines, "uploaded", "", 0, 0)
    }

    /// Progress that shows nothing, for tests.
    #[cfg(test)]
    pub fn silent() -> Self {
        Progress {
            inner: Arc::new(Inner {
                verb: "uploaded",
                total: 0,
                done: AtomicU64::new(0),
                initial: 0,
                started: Instant::now(),
                display: Display::Silent,
            }),
        }
    }

    pub fn add(&self, bytes: u64) {
        let done = self.inner.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        match &self.inner.display {
            Display::Bar(bar) => bar.set_position(done),
            Display::Lines { last } => {
                let Ok(mut last) = last.try_lock() else {
                    return;
                };
                if last.elapsed() >= LINE_INTERVAL {
                    *last = Instant::now();
                    eprintln!("{}", self.line(done));
                }
            }
            Display::Silent => {}
        }
    }

    /// Takes back bytes of an attempt that failed and will be sent again.
    pub fn sub(&self, bytes: u64) {
        let done = self.inner.done.fetch_sub(bytes, Ordering::Relaxed) - bytes;
        if let Display::Bar(bar) = &self.inner.display {
            bar.set_position(done);
        }
    }

    /// A line above the progress (a retry, a resume).
    pub fn note(&self, text: &str) {
        match &self.inner.display {
            Display::Bar(bar) => bar.suspend(|| eprintln!("{text}")),
            Display::Lines { .. } => eprintln!("{text}"),
            Display::Silent => {}
        }
    }

    /// Clears the bar; returns `<size> in <time> (<rate>)` for a last line.
    pub fn finish(&self) -> String {
        if let Display::Bar(bar) = &self.inner.display {
            bar.finish_and_clear();
        }
        let elapsed = self.inner.started.elapsed();
        let sent = self
            .inner
            .done
            .load(Ordering::Relaxed)
            .saturating_sub(self.inner.initial);
        format!(
            "{} in {:.1} s ({})",
            size(self.inner.total as i64),
            elapsed.as_secs_f64(),
            rate(sent, elapsed)
        )
    }

    /// Stops the bar where it is, leaving it on screen (after a failure).
    pub fn abandon(&self) {
        if let Display::Bar(bar) = &self.inner.display {
            bar.abandon();
        }
    }

    fn line(&self, done: u64) -> String {
        let inner = &self.inner;
        let percent = (done as f64 * 100.0 / inner.total.max(1) as f64).min(100.0);
        format!(
            "{} {percent:.0}% ({} of {}, {})",
            inner.verb,
            size(done as i64),
            size(inner.total as i64),
            rate(done.saturating_sub(inner.initial), inner.started.elapsed())
        )
    }
}

/// `120.0 MiB/s`.
fn rate(bytes: u64, elapsed: Duration) -> String {
    let per_second = bytes as f64 / elapsed.as_secs_f64().max(0.001);
    format!("{}/s", size(per_second as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_line_gives_the_percentage_sizes_and_rate() {
        let progress = Progress::new(
            ProgressMode::Lines,
            "uploaded",
            "g.apk",
            1024 * 1024 * 1024,
            0,
        );
        let line = progress.line(400 * 1024 * 1024);
        assert!(
            line.starts_with("uploaded 39% (400.0 MiB of 1.0 GiB, "),
            "{line}"
        );
        assert!(line.ends_with("/s)"), "{line}");
    }

    #[test]
    fn bytes_of_a_failed_attempt_are_taken_back() {
        let progress = Progress::new(ProgressMode::Lines, "uploaded", "g", 100, 10);
        progress.add(50);
        progress.sub(20);
        assert_eq!(progress.inner.done.load(Ordering::Relaxed), 40);
    }

    #[test]
    fn the_rate_counts_bytes_per_second() {
        assert_eq!(rate(10 * 1024 * 1024, Duration::from_secs(2)), "5.0 MiB/s");
    }
}
