//! When to try a request again and how long to wait first: exponential
//! backoff with jitter, or exactly what the server asked for with
//! `Retry-After` (within reason). Which errors are worth retrying is the
//! client's call ([`playtest_client::Error::is_retryable`]).

use std::future::Future;
use std::time::Duration;

use playtest_client::Error as ClientError;
use rand::Rng;

use crate::progress::Progress;

/// The first wait; each retry doubles it.
const BASE_DELAY: Duration = Duration::from_millis(500);
/// No backoff wait is longer than this.
const MAX_DELAY: Duration = Duration::from_secs(30);
/// A `Retry-After` longer than this is cut to it: a stuck upload helps
/// no one, and the retries are bounded anyway.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// Added on top of a `Retry-After`, at most, so that parallel parts told
/// the same wait do not all come back at the same instant.
const RETRY_AFTER_JITTER: Duration = Duration::from_millis(250);

/// How many times to retry and how long to wait in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Retries after the first try.
    pub retries: u32,
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    pub fn new(retries: u32) -> Self {
        Backoff {
            retries,
            base: BASE_DELAY,
            max: MAX_DELAY,
        }
    }

    /// The wait before retry number `attempt` (0 for the first retry),
    /// given a `jitter` in `0.0..=1.0`: what the server asked for, or half
    /// the exponential delay plus a random part of the other half.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
        let jitter = jitter.clamp(0.0, 1.0);
        if let Some(wait) = retry_after {
            return wait.min(MAX_RETRY_AFTER) + RETRY_AFTER_JITTER.mul_f64(jitter);
        }
        let exponential = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt.min(16)))
            .min(self.max);
        exponential / 2 + (exponential / 2).mul_f64(jitter)
    }

    /// [`Backoff::delay`] with a random jitter.
    pub fn delay_now(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        self.delay(attempt, retry_after, rand::rng().random())
    }
}

/// Calls `call` until it succeeds, fails with an error not worth retrying,
/// or has been retried `backoff.retries` times; says on `progress` what it
/// retries and when.
pub async fn retrying<T, F, Fut>(
    backoff: &Backoff,
    progress: &Progress,
    what: &str,
    mut call: F,
) -> Result<T, ClientError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ClientError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(err) if err.is_retryable() && attempt < backoff.retries => {
                let wait = backoff.delay_now(attempt, err.retry_after());
                progress.note(&retry_note(what, &err, wait, attempt, backoff.retries));
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// `part 3 failed (the storage answered HTTP 500: ...); retry 1 of 5 in 0.7 s`
pub fn retry_note(what: &str, err: &ClientError, wait: Duration, attempt: u32, of: u32) -> String {
    format!(
        "{what} failed ({err}); retry {} of {of} in {:.1} s",
        attempt + 1,
        wait.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_with_each_retry_up_to_a_cap() {
        let backoff = Backoff::new(10);
        let full = |attempt| backoff.delay(attempt, None, 1.0);
        assert_eq!(full(0), Duration::from_millis(500));
        assert_eq!(full(1), Duration::from_secs(1));
        assert_eq!(full(2), Duration::from_secs(2));
        assert_eq!(full(10), MAX_DELAY);
        assert_eq!(full(u32::MAX), MAX_DELAY);
    }

    #[test]
    fn jitter_spreads_the_delay_over_its_upper_half() {
        let backoff = Backoff::new(3);
        assert_eq!(backoff.delay(2, None, 0.0), Duration::from_secs(1));
        assert_eq!(backoff.delay(2, None, 0.5), Duration::from_millis(1500));
        for _ in 0..100 {
            let wait = backoff.delay_now(2, None);
            assert!(wait >= Duration::from_secs(1) && wait <= Duration::from_secs(2));
        }
    }

    #[test]
    fn a_retry_after_is_honoured_over_the_backoff_within_a_limit() {
        let backoff = Backoff::new(3);
        let asked = Some(Duration::from_secs(1));
        assert_eq!(backoff.delay(5, asked, 0.0), Duration::from_secs(1));
        assert!(backoff.delay(0, asked, 1.0) <= Duration::from_millis(1250));
        let huge = Some(Duration::from_secs(86_400));
        assert_eq!(backoff.delay(0, huge, 0.0), MAX_RETRY_AFTER);
    }

    #[tokio::test]
    async fn retrying_stops_at_the_first_error_not_worth_retrying() {
        let backoff = Backoff {
            retries: 5,
            base: Duration::from_millis(1),
            max: Duration::from_millis(1),
        };
        let progress = Progress::silent();
        let mut calls = 0;
        let result: Result<(), _> = retrying(&backoff, &progress, "x", || {
            calls += 1;
            let status = if calls < 3 { 503 } else { 400 };
            std::future::ready(Err(ClientError::Storage {
                status,
                code: None,
                message: "no".into(),
                retry_after: None,
            }))
        })
        .await;
        assert_eq!(result.unwrap_err().status(), Some(400));
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn retrying_gives_up_after_the_allowed_retries() {
        let backoff = Backoff {
            retries: 2,
            base: Duration::from_millis(1),
            max: Duration::from_millis(1),
        };
        let progress = Progress::silent();
        let mut calls = 0;
        let result: Result<(), _> = retrying(&backoff, &progress, "x", || {
            calls += 1;
            std::future::ready(Err(ClientError::Decode {
                status: 502,
                message: "bad gateway".into(),
            }))
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls, 3);
    }
}
