//! The client-side rate limiter: a token bucket (client-go `flowcontrol.NewTokenBucketRateLimiter`,
//! built the way `rest.RESTClientFor` builds it).
//!
//! Every request takes one token; tokens refill at `qps` per second up to `burst`. A request that
//! finds the bucket empty waits (asynchronously) for its token. All clients built from one
//! [`HttpClient`](super::HttpClient) share one bucket, like client-go's clients built from one
//! `rest.Config` with a shared `RateLimiter`.
//!
//! As in client-go: `qps` 0 means the default 5 ([`DEFAULT_QPS`]), `burst` 0 the default 10
//! ([`DEFAULT_BURST`]), and a negative `qps` disables limiting.
//!
//! The wait honours the request's deadline and cancellation like golang.org/x/time/rate's
//! `Limiter.Wait(ctx)`, which client-go calls: a token that would come after the deadline is not
//! taken and the caller fails at once instead of sleeping; a caller dropped while waiting gives
//! its token back.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::config::{DEFAULT_BURST, DEFAULT_QPS};

/// Waits longer than this are cut to it (a bucket with a tiny `qps` would otherwise overflow
/// the clock); nobody waits this long in practice.
const LONGEST_WAIT: Duration = Duration::from_secs(30 * 365 * 24 * 3600);

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
    /// Tokens at `last`; negative when callers have reserved tokens still to come.
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    /// The limiter client-go's `rest.RESTClientFor` builds from `rest.Config.QPS` and `Burst`:
    /// `qps` 0 means [`DEFAULT_QPS`], `burst` 0 means [`DEFAULT_BURST`]; the bucket refills at
    /// `qps` tokens per second up to `burst` and starts full.
    ///
    /// Returns `None` (no limiting) when `qps` is negative, as in client-go, and also when it is
    /// infinite (`rate.Inf`: every request may go) or NaN (client-go builds a limiter only for
    /// `qps > 0`).
    pub fn new(qps: f32, burst: u32) -> Option<Self> {
        let qps = if qps == 0.0 { DEFAULT_QPS } else { qps };
        let burst = if burst == 0 { DEFAULT_BURST } else { burst };
        if !(qps > 0.0 && qps.is_finite()) {
            return None;
        }
        let burst = f64::from(burst);
        Some(TokenBucket {
            qps: f64::from(qps),
            burst,
            state: Mutex::new(BucketState {
                tokens: burst,
                last: Instant::now(),
            }),
        })
    }

    /// The refill rate in tokens per second, defaults applied.
    pub fn qps(&self) -> f32 {
        // Built from an f32, so the conversion back is exact.
        self.qps as f32
    }

    /// The size of the bucket, defaults applied.
    pub fn burst(&self) -> u32 {
        // Built from a u32, so the conversion back is exact.
        self.burst as u32
    }

    /// Waits for a token, however long that takes. Dropping the future while it waits gives the
    /// token back.
    pub async fn acquire(&self) {
        // Without a deadline the reservation cannot be refused.
        let _ = self.acquire_before(None).await;
    }

    /// Waits for a token that comes no later than `deadline` (client-go's `Wait(ctx)` with a
    /// context deadline). When the token would come later, nothing is taken and
    /// `Err(wait)` says at once how long the caller would have had to wait (x/time/rate:
    /// "rate: Wait(n=1) would exceed context deadline"). Dropping the future while it waits
    /// gives the token back, so the callers behind it, or the next one, go sooner.
    ///
    /// `Ok` says how long the caller waited for its token.
    pub async fn acquire_before(&self, deadline: Option<Instant>) -> Result<Duration, Duration> {
        let now = Instant::now();
        let at = self.reserve(deadline)?;
        let wait = at.saturating_duration_since(now);
        if !wait.is_zero() {
            tracing::debug!(?wait, "client-side rate limiter: waiting");
            let mut pending = Pending {
                bucket: self,
                armed: true,
            };
            tokio::time::sleep_until(at).await;
            pending.armed = false;
        }
        Ok(wait)
    }

    /// The tokens in the bucket at `now` (before taking any).
    fn refill(&self, state: &BucketState, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(state.last).as_secs_f64();
        (state.tokens + elapsed * self.qps).min(self.burst)
    }

    /// Takes a token and returns when the caller may use it; refuses (and takes nothing) when
    /// that is after `deadline`, returning how long the wait would have been.
    fn reserve(&self, deadline: Option<Instant>) -> Result<Instant, Duration> {
        // A poisoned lock only means another thread panicked mid-update; the numbers are still
        // usable, so keep going with them.
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let tokens = self.refill(&state, now) - 1.0;
        let wait = if tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::try_from_secs_f64(-tokens / self.qps)
                .unwrap_or(LONGEST_WAIT)
                .min(LONGEST_WAIT)
        };
        if deadline.is_some_and(|d| now + wait > d) {
            return Err(wait);
        }
        state.tokens = tokens;
        state.last = now;
        Ok(now + wait)
    }

    /// Gives back the token of a reservation that will not be used. Unlike x/time/rate's
    /// `Reservation.Cancel`, which keeps the tokens reserved after the cancelled one, the whole
    /// token comes back: the callers already waiting keep their times (which were computed with
    /// this token owed, so they stay within the rate) and the next caller is served as if the
    /// cancelled one had never asked.
    fn cancel(&self) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        state.tokens = (self.refill(&state, now) + 1.0).min(self.burst);
        state.last = now;
    }
}

/// A reservation being waited for; dropped before it is used, it gives the token back.
struct Pending<'a> {
    bucket: &'a TokenBucket,
    armed: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if self.armed {
            tracing::debug!(
                "client-side rate limiter: a waiting request was dropped; its token is given back"
            );
            self.bucket.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wait of the next token, taking it.
    fn next_wait(b: &TokenBucket) -> Duration {
        let now = Instant::now();
        b.reserve(None).map(|at| at - now).unwrap_or(Duration::MAX)
    }

    #[tokio::test(start_paused = true)]
    async fn burst_then_qps() {
        let b = TokenBucket::new(5.0, 10).unwrap();
        for _ in 0..10 {
            assert_eq!(next_wait(&b), Duration::ZERO);
        }
        // The 11th waits one token's time (200 ms at 5 qps), the 12th two.
        assert_eq!(next_wait(&b), Duration::from_millis(200));
        assert_eq!(next_wait(&b), Duration::from_millis(400));
        // After a second, 5 tokens came back but 2 were already owed.
        tokio::time::advance(Duration::from_secs(1)).await;
        for _ in 0..3 {
            assert_eq!(next_wait(&b), Duration::ZERO);
        }
        assert_eq!(next_wait(&b), Duration::from_millis(200));
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

    /// client-go `rest.RESTClientFor`: QPS 0 is `DefaultQPS` (5), not "never refill".
    #[tokio::test(start_paused = true)]
    async fn qps_zero_uses_the_default() {
        let b = TokenBucket::new(0.0, 10).unwrap();
        assert_eq!((b.qps(), b.burst()), (DEFAULT_QPS, 10));
        let start = Instant::now();
        for _ in 0..15 {
            b.acquire().await;
        }
        // 10 at once, then 5 more at 5 per second.
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    /// client-go `rest.RESTClientFor`: Burst 0 is `DefaultBurst` (10), with any QPS.
    #[tokio::test(start_paused = true)]
    async fn burst_zero_uses_the_default() {
        let b = TokenBucket::new(2.0, 0).unwrap();
        assert_eq!((b.qps(), b.burst()), (2.0, DEFAULT_BURST));
        for _ in 0..DEFAULT_BURST {
            assert_eq!(next_wait(&b), Duration::ZERO);
        }
        assert_eq!(next_wait(&b), Duration::from_millis(500));
        let both = TokenBucket::new(0.0, 0).unwrap();
        assert_eq!((both.qps(), both.burst()), (DEFAULT_QPS, DEFAULT_BURST));
    }

    #[test]
    fn negative_infinite_or_nan_qps_disables() {
        assert!(TokenBucket::new(-1.0, 10).is_none());
        assert!(TokenBucket::new(-1.0, 0).is_none());
        assert!(TokenBucket::new(f32::INFINITY, 10).is_none());
        assert!(TokenBucket::new(f32::NAN, 10).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_after_the_deadline_is_refused_at_once_and_not_taken() {
        let b = TokenBucket::new(1.0, 1).unwrap();
        b.acquire().await;
        let start = Instant::now();
        // The next token is 1 s away: a 500 ms deadline refuses it without sleeping…
        assert_eq!(
            b.acquire_before(Some(start + Duration::from_millis(500)))
                .await,
            Err(Duration::from_secs(1))
        );
        assert_eq!(start.elapsed(), Duration::ZERO);
        // …and takes nothing: the next caller still waits 1 s, not 2.
        assert_eq!(
            b.acquire_before(Some(start + Duration::from_secs(1))).await,
            Ok(Duration::from_secs(1))
        );
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_a_waiting_caller_gives_its_token_back() {
        let b = TokenBucket::new(5.0, 1).unwrap();
        b.acquire().await;
        let start = Instant::now();
        {
            // Reserves the token 200 ms away, then is dropped after 100 ms of waiting.
            let waiting = b.acquire();
            assert!(
                tokio::time::timeout(Duration::from_millis(100), waiting)
                    .await
                    .is_err()
            );
        }
        // The next caller gets that token at 200 ms, not at 400 ms.
        b.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn a_dropped_caller_in_the_middle_of_the_queue_frees_a_place() {
        let b = std::sync::Arc::new(TokenBucket::new(5.0, 1).unwrap());
        b.acquire().await;
        let start = Instant::now();
        // Two callers queue up for 200 and 400 ms; the first one gives up.
        let first = tokio::spawn({
            let b = b.clone();
            async move { b.acquire().await }
        });
        let second = tokio::spawn({
            let b = b.clone();
            async move {
                b.acquire().await;
                Instant::now()
            }
        });
        tokio::task::yield_now().await;
        first.abort();
        assert!(first.await.unwrap_err().is_cancelled());
        // The second keeps its time; a newcomer takes the freed place (400 ms, not 600 ms).
        b.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(400));
        assert_eq!(second.await.unwrap() - start, Duration::from_millis(400));
    }
}
