//! Per-key rate limiting with token buckets.
//!
//! Each API key has its own bucket, refilled continuously at `per_second`
//! up to `burst`. Buckets live in shards, each behind its own short-held
//! lock, so one noisy key does not make the others wait. In a scale-out
//! deployment each replica limits on its own.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::RateLimitSettings;

const SHARDS: usize = 16;

/// What the limiter decided for one request, with what the
/// `X-RateLimit-*` headers report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset_secs: u64,
    /// Seconds until the next request would be allowed (0 when allowed).
    pub retry_after_secs: u64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct RateLimiter {
    settings: RateLimitSettings,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<String, Bucket>>>,
}

impl RateLimiter {
    pub fn new(settings: RateLimitSettings) -> Self {
        RateLimiter {
            settings,
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.settings.per_second > 0.0
    }

    /// Takes one token from `key`'s bucket if it has one.
    pub fn check(&self, key: &str) -> Decision {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Decision {
        let rate = self.settings.per_second;
        let burst = f64::from(self.settings.burst.max(1));
        let shard = &self.shards[self.hasher.hash_one(key) as usize % SHARDS];
        let mut buckets = shard.lock().expect("rate limiter lock poisoned");
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket {
            tokens: burst,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.updated = now;
        let allowed = bucket.tokens >= 1.0;
        if allowed {
            bucket.tokens -= 1.0;
        }
        let tokens = bucket.tokens;
        drop(buckets);
        let secs_until = |target: f64| {
            Duration::from_secs_f64(((target - tokens).max(0.0)) / rate)
                .as_secs_f64()
                .ceil() as u64
        };
        Decision {
            allowed,
            limit: burst as u32,
            remaining: tokens.floor() as u32,
            reset_secs: secs_until(burst),
            retry_after_secs: if allowed { 0 } else { secs_until(1.0).max(1) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_second: f64, burst: u32) -> RateLimiter {
        RateLimiter::new(RateLimitSettings { per_second, burst })
    }

    #[test]
    fn a_key_may_spend_its_burst_then_is_refused() {
        let limiter = limiter(1.0, 3);
        let now = Instant::now();
        for remaining in [2, 1, 0] {
            let decision = limiter.check_at("a", now);
            assert!(decision.allowed);
            assert_eq!(decision.remaining, remaining);
        }
        let refused = limiter.check_at("a", now);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_secs, 1);
        assert_eq!(refused.limit, 3);
    }

    #[test]
    fn tokens_come_back_with_time() {
        let limiter = limiter(10.0, 1);
        let now = Instant::now();
        assert!(limiter.check_at("a", now).allowed);
        assert!(!limiter.check_at("a", now).allowed);
        assert!(
            limiter
                .check_at("a", now + Duration::from_millis(150))
                .allowed
        );
    }

    #[test]
    fn one_noisy_key_does_not_spend_another_keys_tokens() {
        let limiter = limiter(1.0, 2);
        let now = Instant::now();
        for _ in 0..10 {
            limiter.check_at("noisy", now);
        }
        assert!(limiter.check_at("quiet", now).allowed);
    }
}
