//! The reflector's back-off between failed lists/watches (client-go
//! `wait.NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0)`): 800 ms doubling up to 30 s,
//! each wait stretched by a random jitter of up to 100 %, and back to 800 ms once nothing has
//! failed for 2 minutes.

use std::time::Duration;

use tokio::time::Instant;

/// Exponential back-off with jitter and a reset after a healthy period.
#[derive(Debug, Clone)]
pub struct Backoff {
    initial: Duration,
    cap: Duration,
    reset_after: Duration,
    factor: f64,
    jitter: f64,
    current: Duration,
    last: Option<Instant>,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::new(
            Duration::from_millis(800),
            Duration::from_secs(30),
            Duration::from_secs(120),
            2.0,
            1.0,
        )
    }
}

impl Backoff {
    /// A back-off from `initial` to `cap`, multiplied by `factor` per step, with `jitter`
    /// (0.0–1.0: fraction of the step added at random), reset after `reset_after` without use.
    pub fn new(
        initial: Duration,
        cap: Duration,
        reset_after: Duration,
        factor: f64,
        jitter: f64,
    ) -> Self {
        Backoff {
            initial,
            cap,
            reset_after,
            factor,
            jitter,
            current: initial,
            last: None,
        }
    }

    /// The next wait (before jitter it is `initial`, `initial × factor`, … up to `cap`).
    pub fn next_delay(&mut self) -> Duration {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.saturating_duration_since(last) > self.reset_after)
        {
            self.current = self.initial;
        }
        self.last = Some(now);
        let base = self.current;
        self.current = self.current.mul_f64(self.factor).min(self.cap);
        if self.jitter > 0.0 {
            base + base.mul_f64(self.jitter * rand::random::<f64>())
        } else {
            base
        }
    }

    /// Waits for the next delay.
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next_delay()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn doubles_to_the_cap_and_resets_after_health() {
        let mut b = Backoff::new(
            Duration::from_millis(800),
            Duration::from_secs(30),
            Duration::from_secs(120),
            2.0,
            0.0,
        );
        let seq: Vec<u64> = (0..8).map(|_| b.next_delay().as_millis() as u64).collect();
        assert_eq!(seq, vec![800, 1600, 3200, 6400, 12800, 25600, 30000, 30000]);
        tokio::time::advance(Duration::from_secs(121)).await;
        assert_eq!(b.next_delay(), Duration::from_millis(800));
    }

    #[test]
    fn jitter_stays_within_one_step() {
        let mut b = Backoff::default();
        for _ in 0..100 {
            let mut fresh = b.clone();
            let d = fresh.next_delay();
            assert!(
                d >= Duration::from_millis(800) && d <= Duration::from_millis(1600),
                "{d:?}"
            );
        }
        let _ = b.next_delay();
    }
}
