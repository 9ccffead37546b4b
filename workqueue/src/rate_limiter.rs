//! Rate limiters: how long to wait before an item is retried (client-go `TypedRateLimiter`).
//!
//! A [`RateLimiter`] answers one question, [`when`](RateLimiter::when): "this item failed (again);
//! how long until it may be processed again?". Asking counts as a failure for per-item limiters;
//! [`forget`](RateLimiter::forget) clears the count once the item succeeds.
//!
//! | limiter | delay |
//! |---|---|
//! | [`ItemExponentialFailureRateLimiter`] | `base * 2^failures`, capped at `max` — per item |
//! | [`BucketRateLimiter`] | a token bucket shared by all items (golang.org/x/time/rate) |
//! | [`ItemFastSlowRateLimiter`] | `fast` for the first attempts, then `slow` — per item |
//! | [`MaxOfRateLimiter`] | the longest of several limiters |
//! | [`WithMaxWaitRateLimiter`] | another limiter's delay, capped |
//!
//! [`default_controller_rate_limiter`] is what client-go controllers use: the longer of a per-item
//! exponential backoff from 5 ms to 1000 s and an overall 10 qps bucket with a burst of 100.
//!
//! The bucket limiter reads tokio's clock, so with paused time its delays are exact.
//!
//! ```
//! use std::time::Duration;
//! use k8s_workqueue::{ItemExponentialFailureRateLimiter, RateLimiter};
//!
//! let limiter = ItemExponentialFailureRateLimiter::new(
//!     Duration::from_millis(5),
//!     Duration::from_secs(1000),
//! );
//! assert_eq!(limiter.when(&"a"), Duration::from_millis(5));
//! assert_eq!(limiter.when(&"a"), Duration::from_millis(10));
//! assert_eq!(limiter.when(&"a"), Duration::from_millis(20));
//! assert_eq!(limiter.num_requeues(&"a"), 3);
//! limiter.forget(&"a");
//! assert_eq!(limiter.when(&"a"), Duration::from_millis(5));
//! ```

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

use crate::Map;

/// Decides how long an item waits before it is retried (client-go `TypedRateLimiter`).
pub trait RateLimiter<T>: Send + Sync {
    /// How long `item` should wait now; per-item limiters count this as one more failure.
    fn when(&self, item: &T) -> Duration;
    /// Stops tracking `item` (it succeeded): its failures are reset.
    fn forget(&self, item: &T);
    /// How many failures are counted for `item`.
    fn num_requeues(&self, item: &T) -> usize;
}

impl<T, R: RateLimiter<T> + ?Sized> RateLimiter<T> for Arc<R> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }
    fn forget(&self, item: &T) {
        (**self).forget(item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        (**self).num_requeues(item)
    }
}

impl<T, R: RateLimiter<T> + ?Sized> RateLimiter<T> for Box<R> {
    fn when(&self, item: &T) -> Duration {
        (**self).when(item)
    }
    fn forget(&self, item: &T) {
        (**self).forget(item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        (**self).num_requeues(item)
    }
}

/// The rate limiter client-go controllers use (client-go `DefaultTypedControllerRateLimiter`):
/// the longer of a per-item exponential backoff from 5 ms to 1000 s and a 10 qps token bucket
/// with a burst of 100.
pub fn default_controller_rate_limiter<T>() -> MaxOfRateLimiter<T>
where
    T: Eq + Hash + Clone + Send + Sync + 'static,
{
    MaxOfRateLimiter::new(vec![
        Box::new(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(5),
            Duration::from_secs(1000),
        )),
        Box::new(BucketRateLimiter::new(10.0, 100)),
    ])
}

/// Per-item exponential backoff: `base * 2^failures`, capped at `max` (client-go
/// `ItemExponentialFailureRateLimiter`). Never overflows: a delay too large to represent is `max`.
pub struct ItemExponentialFailureRateLimiter<T> {
    failures: Mutex<Map<T, u32>>,
    base: Duration,
    max: Duration,
}

impl<T> fmt::Debug for ItemExponentialFailureRateLimiter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemExponentialFailureRateLimiter")
            .field("base", &self.base)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl<T: Eq + Hash + Clone> ItemExponentialFailureRateLimiter<T> {
    /// Backoff from `base`, doubling per failure, never above `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            failures: Mutex::new(Map::default()),
            base,
            max,
        }
    }

    /// The delay after `failures` earlier failures.
    fn backoff(&self, failures: u32) -> Duration {
        let base = self.base.as_nanos();
        let delay = 1u128
            .checked_shl(failures)
            .filter(|_| failures < 127)
            .and_then(|factor| base.checked_mul(factor));
        match delay {
            Some(nanos) if nanos <= self.max.as_nanos() => duration_from_nanos(nanos),
            _ => self.max,
        }
    }
}

/// `nanos` as a `Duration`; the caller has made sure it fits (it is at most some `Duration`).
fn duration_from_nanos(nanos: u128) -> Duration {
    const NANOS_PER_SEC: u128 = 1_000_000_000;
    let secs = u64::try_from(nanos / NANOS_PER_SEC).unwrap_or(u64::MAX);
    // The remainder is below one billion, so it fits.
    let subsec = u32::try_from(nanos % NANOS_PER_SEC).unwrap_or(0);
    Duration::new(secs, subsec)
}

impl<T: Eq + Hash + Clone + Send> RateLimiter<T> for ItemExponentialFailureRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let failures = {
            let mut map = self.failures.lock();
            let count = match map.get_mut(item) {
                Some(count) => count,
                None => map.entry(item.clone()).or_insert(0),
            };
            let before = *count;
            *count = count.saturating_add(1);
            before
        };
        self.backoff(failures)
    }

    fn forget(&self, item: &T) {
        self.failures.lock().remove(item);
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.failures
            .lock()
            .get(item)
            .map_or(0, |&count| count as usize)
    }
}

/// A token bucket shared by all items (client-go `BucketRateLimiter` over golang.org/x/time/rate).
///
/// The bucket starts full with `burst` tokens and refills at `qps` tokens per second. Each
/// [`when`](RateLimiter::when) takes a token; when none is left it reserves a future one and
/// returns the wait for it, like `rate.Limiter.Reserve().Delay()`. With 10 qps and a burst of 100,
/// the first 100 calls wait nothing, the 101st waits 100 ms, the 102nd 200 ms. It keeps no
/// per-item state: `num_requeues` is always 0.
#[derive(Debug)]
pub struct BucketRateLimiter {
    state: Mutex<Bucket>,
    qps: f64,
    burst: u32,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    /// When `tokens` was last brought up to date; `None` before the first call (full bucket).
    last: Option<Instant>,
}

impl BucketRateLimiter {
    /// A bucket of `burst` tokens refilled at `qps` per second. A `qps` of infinity never waits;
    /// zero (or a `burst` of 0) means a token never comes, and the delay is `Duration::MAX`.
    pub fn new(qps: f64, burst: u32) -> Self {
        Self {
            state: Mutex::new(Bucket {
                tokens: f64::from(burst),
                last: None,
            }),
            qps,
            burst,
        }
    }

    /// Takes one token and returns how long until it is there.
    pub fn reserve(&self) -> Duration {
        if self.qps == f64::INFINITY {
            return Duration::ZERO;
        }
        if self.burst == 0 {
            return Duration::MAX;
        }
        let now = Instant::now();
        let mut bucket = self.state.lock();
        let mut tokens = bucket.tokens;
        if let Some(last) = bucket.last {
            let elapsed = now.saturating_duration_since(last);
            tokens += self.tokens_from(elapsed);
        }
        tokens = tokens.min(f64::from(self.burst));
        tokens -= 1.0;
        let wait = if tokens < 0.0 {
            self.duration_from(-tokens)
        } else {
            Duration::ZERO
        };
        bucket.tokens = tokens;
        bucket.last = Some(match bucket.last {
            Some(last) if last > now => last,
            _ => now,
        });
        wait
    }

    fn tokens_from(&self, elapsed: Duration) -> f64 {
        if self.qps <= 0.0 {
            return 0.0;
        }
        elapsed.as_secs_f64() * self.qps
    }

    fn duration_from(&self, tokens: f64) -> Duration {
        if self.qps <= 0.0 || self.qps.is_nan() {
            return Duration::MAX;
        }
        // Whole nanoseconds, truncated, like Go's `time.Duration(float)`.
        let nanos = (tokens / self.qps * 1e9).trunc();
        if nanos >= u64::MAX as f64 {
            return Duration::MAX;
        }
        Duration::from_nanos(nanos as u64)
    }
}

impl<T> RateLimiter<T> for BucketRateLimiter {
    fn when(&self, _item: &T) -> Duration {
        self.reserve()
    }
    fn forget(&self, _item: &T) {}
    fn num_requeues(&self, _item: &T) -> usize {
        0
    }
}

/// Per-item: `fast` for the first `max_fast_attempts` failures, `slow` after that (client-go
/// `ItemFastSlowRateLimiter`).
pub struct ItemFastSlowRateLimiter<T> {
    failures: Mutex<Map<T, usize>>,
    fast: Duration,
    slow: Duration,
    max_fast_attempts: usize,
}

impl<T> fmt::Debug for ItemFastSlowRateLimiter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemFastSlowRateLimiter")
            .field("fast", &self.fast)
            .field("slow", &self.slow)
            .field("max_fast_attempts", &self.max_fast_attempts)
            .finish_non_exhaustive()
    }
}

impl<T: Eq + Hash + Clone> ItemFastSlowRateLimiter<T> {
    /// `fast` for the first `max_fast_attempts` failures of an item, then `slow`.
    pub fn new(fast: Duration, slow: Duration, max_fast_attempts: usize) -> Self {
        Self {
            failures: Mutex::new(Map::default()),
            fast,
            slow,
            max_fast_attempts,
        }
    }
}

impl<T: Eq + Hash + Clone + Send> RateLimiter<T> for ItemFastSlowRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        let mut map = self.failures.lock();
        let count = match map.get_mut(item) {
            Some(count) => count,
            None => map.entry(item.clone()).or_insert(0),
        };
        *count = count.saturating_add(1);
        if *count <= self.max_fast_attempts {
            self.fast
        } else {
            self.slow
        }
    }

    fn forget(&self, item: &T) {
        self.failures.lock().remove(item);
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.failures.lock().get(item).copied().unwrap_or(0)
    }
}

/// The longest delay of several limiters (client-go `MaxOfRateLimiter`). Every limiter is asked,
/// so each counts the failure; `num_requeues` is the largest count, `forget` forgets in all.
pub struct MaxOfRateLimiter<T> {
    limiters: Vec<Box<dyn RateLimiter<T>>>,
}

impl<T> fmt::Debug for MaxOfRateLimiter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaxOfRateLimiter")
            .field("limiters", &self.limiters.len())
            .finish()
    }
}

impl<T> MaxOfRateLimiter<T> {
    /// The maximum of `limiters`; with none, every delay is zero.
    pub fn new(limiters: Vec<Box<dyn RateLimiter<T>>>) -> Self {
        Self { limiters }
    }
}

impl<T> RateLimiter<T> for MaxOfRateLimiter<T> {
    fn when(&self, item: &T) -> Duration {
        self.limiters
            .iter()
            .map(|limiter| limiter.when(item))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    fn forget(&self, item: &T) {
        for limiter in &self.limiters {
            limiter.forget(item);
        }
    }

    fn num_requeues(&self, item: &T) -> usize {
        self.limiters
            .iter()
            .map(|limiter| limiter.num_requeues(item))
            .max()
            .unwrap_or(0)
    }
}

/// Another limiter's delay, never above `max` (client-go `WithMaxWaitRateLimiter`).
#[derive(Debug)]
pub struct WithMaxWaitRateLimiter<R> {
    limiter: R,
    max: Duration,
}

impl<R> WithMaxWaitRateLimiter<R> {
    /// Caps the delays of `limiter` at `max`.
    pub fn new(limiter: R, max: Duration) -> Self {
        Self { limiter, max }
    }
}

impl<T, R: RateLimiter<T>> RateLimiter<T> for WithMaxWaitRateLimiter<R> {
    fn when(&self, item: &T) -> Duration {
        self.limiter.when(item).min(self.max)
    }
    fn forget(&self, item: &T) {
        self.limiter.forget(item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        self.limiter.num_requeues(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn exponential_doubles_per_item_and_forget_resets() {
        let limiter = ItemExponentialFailureRateLimiter::new(5 * MS, Duration::from_secs(1000));
        let got: Vec<_> = (0..6).map(|_| limiter.when(&"one")).collect();
        assert_eq!(got, [5 * MS, 10 * MS, 20 * MS, 40 * MS, 80 * MS, 160 * MS]);
        assert_eq!(limiter.num_requeues(&"one"), 6);
        assert_eq!(limiter.when(&"two"), 5 * MS);
        assert_eq!(limiter.when(&"two"), 10 * MS);
        assert_eq!(limiter.num_requeues(&"two"), 2);
        limiter.forget(&"one");
        assert_eq!(limiter.num_requeues(&"one"), 0);
        assert_eq!(limiter.when(&"one"), 5 * MS);
        assert_eq!(limiter.num_requeues(&"two"), 2);
    }

    #[test]
    fn exponential_caps_and_never_overflows() {
        let limiter = ItemExponentialFailureRateLimiter::new(MS, Duration::from_secs(1000));
        for _ in 0..5 {
            limiter.when(&"one");
        }
        assert_eq!(limiter.when(&"one"), 32 * MS);
        // 2^20 ms is above 1000 s.
        for _ in 0..14 {
            limiter.when(&"one");
        }
        assert_eq!(limiter.when(&"one"), Duration::from_secs(1000));
        for _ in 0..1000 {
            limiter.when(&"overflow");
        }
        assert_eq!(limiter.when(&"overflow"), Duration::from_secs(1000));
        assert_eq!(limiter.num_requeues(&"overflow"), 1001);
        // A cap of Duration::MAX still never overflows.
        let huge = ItemExponentialFailureRateLimiter::new(Duration::from_secs(1), Duration::MAX);
        for _ in 0..200 {
            assert!(huge.when(&"x") <= Duration::MAX);
        }
        assert_eq!(huge.when(&"x"), Duration::MAX);
        // Saturating counter.
        let limiter = ItemExponentialFailureRateLimiter::new(MS, Duration::from_secs(1));
        limiter.failures.lock().insert("sat", u32::MAX);
        assert_eq!(limiter.when(&"sat"), Duration::from_secs(1));
        assert_eq!(limiter.num_requeues(&"sat"), u32::MAX as usize);
    }

    #[test]
    fn exponential_backoff_boundaries() {
        let limiter: ItemExponentialFailureRateLimiter<u8> =
            ItemExponentialFailureRateLimiter::new(Duration::from_nanos(3), Duration::from_secs(1));
        assert_eq!(limiter.backoff(0), Duration::from_nanos(3));
        assert_eq!(limiter.backoff(1), Duration::from_nanos(6));
        assert_eq!(limiter.backoff(28), Duration::from_nanos(3 << 28));
        assert_eq!(limiter.backoff(29), Duration::from_secs(1)); // 1.61 s, capped
        assert_eq!(limiter.backoff(30), Duration::from_secs(1));
        assert_eq!(limiter.backoff(127), Duration::from_secs(1));
        assert_eq!(limiter.backoff(u32::MAX), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn bucket_reserves_future_tokens() {
        let limiter = BucketRateLimiter::new(10.0, 100);
        for i in 0..100 {
            assert_eq!(
                RateLimiter::<&str>::when(&limiter, &"x"),
                Duration::ZERO,
                "call {i}"
            );
        }
        assert_eq!(limiter.reserve(), 100 * MS);
        assert_eq!(limiter.reserve(), 200 * MS);
        assert_eq!(limiter.reserve(), 300 * MS);
        // One second refills ten tokens: the debt of three is paid and seven are left.
        tokio::time::advance(Duration::from_secs(1)).await;
        for _ in 0..7 {
            assert_eq!(limiter.reserve(), Duration::ZERO);
        }
        assert_eq!(limiter.reserve(), 100 * MS);
        // Half a token's time later, the next token is 50 ms away... plus the one reserved.
        tokio::time::advance(50 * MS).await;
        assert_eq!(limiter.reserve(), 150 * MS);
        // A long idle time refills no more than the burst.
        tokio::time::advance(Duration::from_secs(3600)).await;
        for _ in 0..100 {
            assert_eq!(limiter.reserve(), Duration::ZERO);
        }
        assert_eq!(limiter.reserve(), 100 * MS);
        assert_eq!(RateLimiter::<&str>::num_requeues(&limiter, &"x"), 0);
    }

    #[test]
    fn bucket_edge_rates() {
        let unlimited = BucketRateLimiter::new(f64::INFINITY, 0);
        for _ in 0..1000 {
            assert_eq!(unlimited.reserve(), Duration::ZERO);
        }
        let never = BucketRateLimiter::new(0.0, 1);
        assert_eq!(never.reserve(), Duration::ZERO);
        assert_eq!(never.reserve(), Duration::MAX);
        let no_burst = BucketRateLimiter::new(10.0, 0);
        assert_eq!(no_burst.reserve(), Duration::MAX);
    }

    #[test]
    fn fast_slow_switches_after_max_fast_attempts() {
        let limiter = ItemFastSlowRateLimiter::new(5 * MS, Duration::from_secs(10), 3);
        let got: Vec<_> = (0..5).map(|_| limiter.when(&"one")).collect();
        let slow = Duration::from_secs(10);
        assert_eq!(got, [5 * MS, 5 * MS, 5 * MS, slow, slow]);
        assert_eq!(limiter.num_requeues(&"one"), 5);
        assert_eq!(limiter.when(&"two"), 5 * MS);
        limiter.forget(&"one");
        assert_eq!(limiter.num_requeues(&"one"), 0);
        assert_eq!(limiter.when(&"one"), 5 * MS);
    }

    #[test]
    fn max_of_takes_longest_delay_and_count() {
        let limiter: MaxOfRateLimiter<&str> = MaxOfRateLimiter::new(vec![
            Box::new(ItemFastSlowRateLimiter::new(
                5 * MS,
                Duration::from_secs(3),
                3,
            )),
            Box::new(ItemExponentialFailureRateLimiter::new(
                MS,
                Duration::from_secs(1),
            )),
        ]);
        let got: Vec<_> = (0..5).map(|_| limiter.when(&"one")).collect();
        let s3 = Duration::from_secs(3);
        assert_eq!(got, [5 * MS, 5 * MS, 5 * MS, s3, s3]);
        assert_eq!(limiter.num_requeues(&"one"), 5);
        assert_eq!(limiter.when(&"two"), 5 * MS);
        assert_eq!(limiter.when(&"two"), 5 * MS);
        assert_eq!(limiter.num_requeues(&"two"), 2);
        limiter.forget(&"one");
        assert_eq!(limiter.num_requeues(&"one"), 0);
        assert_eq!(limiter.when(&"one"), 5 * MS);
        let empty: MaxOfRateLimiter<&str> = MaxOfRateLimiter::new(Vec::new());
        assert_eq!(empty.when(&"x"), Duration::ZERO);
        assert_eq!(empty.num_requeues(&"x"), 0);
    }

    #[test]
    fn with_max_wait_caps_delay() {
        let inner = ItemExponentialFailureRateLimiter::new(Duration::from_secs(100), Duration::MAX);
        let limiter = WithMaxWaitRateLimiter::new(inner, Duration::from_secs(500));
        let got: Vec<_> = (0..5).map(|_| limiter.when(&7)).collect();
        let s = Duration::from_secs;
        assert_eq!(got, [s(100), s(200), s(400), s(500), s(500)]);
        assert_eq!(limiter.num_requeues(&7), 5);
        limiter.forget(&7);
        assert_eq!(limiter.num_requeues(&7), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn default_controller_limiter_is_max_of_backoff_and_bucket() {
        let limiter = default_controller_rate_limiter::<u32>();
        // 100 distinct items: each a first failure (5 ms), within the burst.
        for i in 0..100 {
            assert_eq!(limiter.when(&i), 5 * MS);
        }
        // The 101st token is 100 ms away, longer than the first failure's 5 ms.
        assert_eq!(limiter.when(&100), 100 * MS);
        assert_eq!(limiter.num_requeues(&100), 1);
        // Long after, the bucket is full again and backoff dominates.
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(limiter.when(&0), 10 * MS);
        assert_eq!(limiter.when(&0), 20 * MS);
        limiter.forget(&0);
        assert_eq!(limiter.num_requeues(&0), 0);
        // Shared through an Arc, it is still a limiter.
        let shared: Arc<dyn RateLimiter<u32>> = Arc::new(limiter);
        assert_eq!(shared.when(&0), 5 * MS);
    }
}
