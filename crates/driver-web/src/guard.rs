//! Bounds every DevTools call the driver makes on the page: a page stuck in
//! a busy loop never answers, and a crashed one never will, so each call
//! races its deadline and the game's disappearance.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chromiumoxide::error::CdpError;

use crate::WebDriverError;
use crate::events::EventLog;

#[derive(Debug, Clone)]
pub(crate) struct Guard {
    log: Arc<EventLog>,
    timeout: Duration,
}

impl Guard {
    pub(crate) fn new(log: Arc<EventLog>, timeout: Duration) -> Self {
        Guard { log, timeout }
    }

    /// Runs `call` within the default deadline.
    pub(crate) async fn run<T>(
        &self,
        call: impl Future<Output = Result<T, CdpError>>,
    ) -> Result<T, WebDriverError> {
        self.run_within(self.timeout, call).await
    }

    /// Runs `call`; fails with `Timeout` after `timeout`, with `Gone` as soon
    /// as the game is (or already was) gone.
    pub(crate) async fn run_within<T>(
        &self,
        timeout: Duration,
        call: impl Future<Output = Result<T, CdpError>>,
    ) -> Result<T, WebDriverError> {
        let mut gone = self.log.watch_gone();
        if let Some(reason) = gone.borrow_and_update().clone() {
            return Err(WebDriverError::Gone(reason));
        }
        tokio::select! {
            result = tokio::time::timeout(timeout, call) => match result {
                Ok(result) => result.map_err(WebDriverError::from),
                Err(_) => Err(WebDriverError::Timeout(timeout)),
            },
            reason = gone.wait_for(Option::is_some) => {
                let reason = reason.ok().and_then(|r| r.clone()).unwrap_or_else(|| "the browser is gone".into());
                Err(WebDriverError::Gone(reason))
            }
        }
    }
}
