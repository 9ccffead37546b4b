//! The client-side rate limiter: a token bucket (client-go `flowcontrol.NewTokenBucketRateLimiter`).
//!
//! Every request takes one token; tokens refill at `qps` per second up to `burst`. A request that
//! finds the bucket empty waits (asynchronously) for its token. All clients built from one
//! [`HttpClient`](super::HttpClient) share one bucket, like client-go's clients built from one
//! `rest.Config` with a shared `RateLimiter`. A negative `qps` disables limiting.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket. Waiting callers reserve their token first, then sleep, so they are served in
/// order and a burst never over-spends (the reservation model of golang.org/x/time/rate).
#[derive(Debug)]
pub struct TokenBucket {
    qps: f64,
    burst: f64,
    state: Mutex<BucketState>,
}

#[derive(Debug)]
struct BucketState {
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// A bucket refilling at `qps` tokens per second up to `burst`, starting full.
    /// Returns `None` when `qps` is negative (limiting disabled).
    pub fn new(qps: f32, burst: u32) -> Option<Self> {
        if qps < 0.0 {
            return None;
        }
        let burst = f64::from(burst.max(1));
        Some(TokenBucket {
            qps: f64::from(qps),
            burst,
            state: Mutex::new(BucketState {
                tokens: burst,
                last: Instant::now(),
            }),
        })
    }

    /// Takes a token and returns how long the caller must wait before using it.
    pub fn reserve(&self) -> Duration {
        let now = Instant::now();
        // A poisoned lock only means another thread panicked mid-update; the numbers are still
        // usable, so keep going with them.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let elapsed = now.saturating_duration_since(state.last).as_secs_f64();
        state.tokens = (state.tokens + elapsed * self.qps).min(self.burst);
        state.last = now;
        state.tokens -= 1.0;
        if state.tokens >= 0.0 {
            return Duration::ZERO;
        }
        if self.qps == 0.0 {
            // qps 0 with a burst: only the burst is ever granted; wait "forever" (an hour per try).
            return Duration::from_secs(3600);
        }
        Duration::from_secs_f64(-state.tokens / self.qps)
    }

    /// Waits for a token.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tracing::debug!(?wait, "client-side rate limiter: waiting");
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_qps() {
        let b = TokenBucket::new(5.0, 10).unwrap();
        for _ in 0..10 {
            assert_eq!(b.reserve(), Duration::ZERO);
        }
        // The 11th waits one token's time (200 ms at 5 qps), the 12th two.
        assert_eq!(b.reserve(), Duration::from_millis(200));
        assert_eq!(b.reserve(), Duration::from_millis(400));
        // After a second, 5 tokens came back but 2 were already owed.
        tokio::time::advance(Duration::from_secs(1)).await;
        for _ in 0..3 {
            assert_eq!(b.reserve(), Duration::ZERO);
        }
        assert_eq!(b.reserve(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_waits_in_paused_time() {
        let b = TokenBucket::new(2.0, 1).unwrap();
        let start = Instant::now();
        b.acquire().await;
        b.acquire().await;
        b.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[test]
    fn negative_qps_disables() {
        assert!(TokenBucket::new(-1.0, 10).is_none());
    }
}
