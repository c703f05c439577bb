//! The game's console as the run's log: a [`Driver`] that passes everything
//! through to the web driver and, on the way back, writes each console
//! message and uncaught error to `logs.txt` and to the live log (what a
//! native game's stdout and stderr are). Agents and detectors see the same
//! observations as without it.

use std::time::Duration;

use async_trait::async_trait;
use playtest_agent::{
    Affordances, ConsoleLevel, Driver, DriverError, GameEvent, Observation, TimingProfile,
};
use playtest_types::{Action, LogStream};

use super::log_file::LogFile;

pub struct ConsoleTap<'a> {
    inner: &'a mut dyn Driver,
    log: &'a LogFile,
}

impl<'a> ConsoleTap<'a> {
    pub fn new(inner: &'a mut dyn Driver, log: &'a LogFile) -> Self {
        ConsoleTap { inner, log }
    }

    fn note(&self, events: &[GameEvent]) {
        for event in events {
            let (stream, line) = match event {
                GameEvent::Console {
                    level,
                    text,
                    source,
                } => {
                    let level_name = match level {
                        ConsoleLevel::Debug => "debug",
                        ConsoleLevel::Info => "info",
                        ConsoleLevel::Warning => "warning",
                        ConsoleLevel::Error => "error",
                    };
                    let stream = if *level >= ConsoleLevel::Warning {
                        LogStream::Stderr
                    } else {
                        LogStream::Stdout
                    };
                    let at = source
                        .as_deref()
                        .map(|s| format!(" ({s})"))
                        .unwrap_or_default();
                    (stream, format!("console.{level_name}: {text}{at}"))
                }
                GameEvent::Exception {
                    message,
                    stack,
                    unhandled_rejection,
                } => {
                    let kind = if *unhandled_rejection {
                        "unhandled rejection"
                    } else {
                        "uncaught"
                    };
                    let stack = stack
                        .as_deref()
                        .map(|s| format!("\n{s}"))
                        .unwrap_or_default();
                    (LogStream::Stderr, format!("{kind}: {message}{stack}"))
                }
                GameEvent::Crashed { reason } => (LogStream::Stderr, format!("crashed: {reason}")),
                GameEvent::Quit { reason } => (LogStream::Stdout, format!("quit: {reason}")),
            };
            self.log.line(stream, line);
        }
    }
}

#[async_trait]
impl Driver for ConsoleTap<'_> {
    fn viewport(&self) -> (u32, u32) {
        self.inner.viewport()
    }

    fn timing(&self) -> TimingProfile {
        self.inner.timing()
    }

    async fn act(&mut self, action: &Action) -> Result<(), DriverError> {
        self.inner.act(action).await
    }

    async fn observe(&mut self) -> Result<Observation, DriverError> {
        let observation = self.inner.observe().await?;
        self.note(&observation.events);
        Ok(observation)
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        self.inner.restart().await
    }

    async fn ping(&mut self, timeout: Duration) -> Result<Option<Duration>, DriverError> {
        self.inner.ping(timeout).await
    }

    async fn affordances(&mut self) -> Result<Affordances, DriverError> {
        self.inner.affordances().await
    }

    async fn evaluate(&mut self, expression: &str) -> Result<serde_json::Value, DriverError> {
        self.inner.evaluate(expression).await
    }

    async fn text_of(&mut self, selector: &str) -> Result<Option<String>, DriverError> {
        self.inner.text_of(selector).await
    }

    async fn visible_text(&mut self) -> Result<Option<String>, DriverError> {
        self.inner.visible_text().await
    }
}
