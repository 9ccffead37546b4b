//! Back-off between retries (client-go `k8s.io/apimachinery/pkg/util/wait`).
//!
//! - [`Backoff`] (`wait.Backoff`): a fixed number of steps, each pause `factor` times the last,
//!   optionally capped, each stretched by a random [`jitter`]. Used for retrying a request a few
//!   times (client-go `retry.DefaultRetry` is one).
//! - [`ExponentialBackoffManager`] (`wait.NewExponentialBackoffManager`): an endless
//!   [`Backoff`] that starts over after a healthy period; the reflector waits with one between
//!   failed lists and watches.
//! - [`jitter`] (`wait.Jitter`): the one random stretch both use.
//!
//! ```
//! use std::time::Duration;
//! use k8s_apimachinery::wait::Backoff;
//!
//! // client-go retry.DefaultBackoff, without its jitter: 4 attempts, so 3 pauses.
//! let backoff = Backoff {
//!     duration: Duration::from_millis(10),
//!     factor: 5.0,
//!     jitter: 0.0,
//!     steps: 4,
//!     cap: None,
//! };
//! assert_eq!(backoff.pauses(), [10, 50, 250].map(Duration::from_millis));
//! ```

use std::time::Duration;

use tokio::time::Instant;

/// `d` plus up to `max_factor × d` at random (client-go `wait.Jitter`: a factor ≤ 0 means 1).
pub fn jitter(d: Duration, max_factor: f64) -> Duration {
    let max_factor = if max_factor <= 0.0 { 1.0 } else { max_factor };
    d.saturating_add(mul(d, rand::random::<f64>() * max_factor))
}

/// `d × f`, saturating at [`Duration::MAX`] (and 0 for a negative or NaN `f`) where
/// `Duration::mul_f64` would panic.
fn mul(d: Duration, f: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * f).unwrap_or(if f > 0.0 {
        Duration::MAX
    } else {
        Duration::ZERO
    })
}

/// How long to wait between attempts and how many to make (client-go `wait.Backoff`).
///
/// Attempt `n` (from 0) is followed by a pause of `duration × factor^n`, each plus up to
/// `jitter × pause` at random, and capped at `cap` when set; `steps` attempts are made in all.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// The first pause.
    pub duration: Duration,
    /// Each pause is the previous one times this (`0` or `1`: constant).
    pub factor: f64,
    /// Up to this fraction of each pause is added at random (`0`: none).
    pub jitter: f64,
    /// How many attempts in all.
    pub steps: u32,
    /// The longest pause (`None`: no limit). When reached, no more attempts are made after the
    /// next one (client-go sets `steps` to 0 there).
    pub cap: Option<Duration>,
}

impl Backoff {
    /// The next pause, advancing the backoff (client-go `Backoff.Step`). Once the steps are
    /// used up, every call returns the last `duration` (with jitter).
    pub fn step(&mut self) -> Duration {
        if self.steps < 1 {
            return self.jittered(self.duration);
        }
        self.steps -= 1;
        let duration = self.duration;
        if self.factor != 0.0 {
            self.duration = mul(self.duration, self.factor);
            if let Some(cap) = self.cap
                && self.duration > cap
            {
                self.duration = cap;
                self.steps = 0;
            }
        }
        self.jittered(duration)
    }

    /// The pauses this backoff would make between its attempts, without jitter.
    pub fn pauses(&self) -> Vec<Duration> {
        let mut b = Backoff {
            jitter: 0.0,
            ..*self
        };
        let mut out = Vec::new();
        while b.steps > 1 {
            out.push(b.step());
        }
        out
    }

    fn jittered(&self, d: Duration) -> Duration {
        if self.jitter > 0.0 {
            jitter(d, self.jitter)
        } else {
            d
        }
    }
}

/// An exponential back-off that never runs out and starts over once nothing has asked for a
/// pause for a while (client-go `wait.NewExponentialBackoffManager`).
///
/// Its [`Default`] is the reflector's (client-go
/// `NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)`): 800 ms doubling up to 30 s, each
/// pause stretched by up to 100 % at random, back to 800 ms after 2 minutes without a failure.
/// The healthy period is measured on tokio's clock, so a test with paused time can skip it.
#[derive(Debug, Clone)]
pub struct ExponentialBackoffManager {
    backoff: Backoff,
    initial: Duration,
    reset_after: Duration,
    last: Option<Instant>,
}

impl Default for ExponentialBackoffManager {
    fn default() -> Self {
        ExponentialBackoffManager::new(
            Duration::from_millis(800),
            Duration::from_secs(30),
            Duration::from_secs(120),
            2.0,
            1.0,
        )
    }
}

impl ExponentialBackoffManager {
    /// A back-off from `initial` to `max`, multiplied by `factor` per step, with `jitter`
    /// (fraction of the pause added at random, `0`: none), started over when more than
    /// `reset_after` passed since the last pause began.
    pub fn new(
        initial: Duration,
        max: Duration,
        reset_after: Duration,
        factor: f64,
        jitter: f64,
    ) -> Self {
        ExponentialBackoffManager {
            backoff: Backoff {
                duration: initial,
                factor,
                jitter,
                // Like client-go: steps that are never used up (a used-up Backoff would stay
                // at its last duration without the cap check).
                steps: i32::MAX as u32,
                cap: Some(max),
            },
            initial,
            reset_after,
            last: None,
        }
    }

    /// The next pause (before jitter: `initial`, `initial × factor`, … up to `max`).
    pub fn next_delay(&mut self) -> Duration {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.saturating_duration_since(last) > self.reset_after)
        {
            self.backoff.steps = i32::MAX as u32;
            self.backoff.duration = self.initial;
        }
        self.last = Some(now);
        self.backoff.step()
    }

    /// Sleeps for the next pause.
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next_delay()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().copied().map(Duration::from_millis).collect()
    }

    #[test]
    fn backoff_steps_like_client_go() {
        // retry.DefaultRetry and retry.DefaultBackoff, without jitter.
        let retry = Backoff {
            duration: Duration::from_millis(10),
            factor: 1.0,
            jitter: 0.0,
            steps: 5,
            cap: None,
        };
        assert_eq!(retry.pauses(), ms(&[10, 10, 10, 10]));
        let capped = Backoff {
            duration: Duration::from_millis(10),
            factor: 10.0,
            jitter: 0.0,
            steps: 10,
            cap: Some(Duration::from_millis(500)),
        };
        // 10, 100, then the next (1000) is capped at 500 and the steps end.
        assert_eq!(capped.pauses(), ms(&[10, 100]));
        // Used up: the last duration, again and again.
        let mut used = capped;
        let seq: Vec<Duration> = (0..5).map(|_| used.step()).collect();
        assert_eq!(seq, ms(&[10, 100, 500, 500, 500]));
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..100 {
            let d = jitter(Duration::from_millis(100), 0.1);
            assert!(
                d >= Duration::from_millis(100) && d <= Duration::from_millis(110),
                "{d:?}"
            );
            // client-go: a factor ≤ 0 means 1.
            let d = jitter(Duration::from_millis(100), 0.0);
            assert!(
                d >= Duration::from_millis(100) && d <= Duration::from_millis(200),
                "{d:?}"
            );
        }
    }

    #[test]
    fn huge_factors_saturate_instead_of_panicking() {
        let mut b = Backoff {
            duration: Duration::from_secs(1),
            factor: f64::INFINITY,
            jitter: 0.0,
            steps: 3,
            cap: None,
        };
        assert_eq!(b.step(), Duration::from_secs(1));
        assert_eq!(b.step(), Duration::MAX);
        assert_eq!(jitter(Duration::MAX, 1.0e300), Duration::MAX);
    }

    #[test]
    fn no_jitter_means_none() {
        let mut b = Backoff {
            duration: Duration::from_millis(7),
            factor: 1.0,
            jitter: 0.0,
            steps: 0,
            cap: None,
        };
        for _ in 0..20 {
            assert_eq!(b.step(), Duration::from_millis(7));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn manager_doubles_to_the_cap_and_resets_after_health() {
        let mut b = ExponentialBackoffManager::new(
            Duration::from_millis(800),
            Duration::from_secs(30),
            Duration::from_secs(120),
            2.0,
            0.0,
        );
        let seq: Vec<Duration> = (0..8).map(|_| b.next_delay()).collect();
        assert_eq!(
            seq,
            ms(&[800, 1600, 3200, 6400, 12800, 25600, 30000, 30000])
        );
        tokio::time::advance(Duration::from_secs(121)).await;
        assert_eq!(b.next_delay(), Duration::from_millis(800));
        assert_eq!(b.next_delay(), Duration::from_millis(1600));
    }

    #[test]
    fn manager_jitter_stays_within_one_step() {
        for _ in 0..100 {
            let d = ExponentialBackoffManager::default().next_delay();
            assert!(
                d >= Duration::from_millis(800) && d <= Duration::from_millis(1600),
                "{d:?}"
            );
        }
    }
}
