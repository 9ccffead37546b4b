//! Polling until a condition holds (client-go `wait.PollUntilContextTimeout`).
//!
//! The condition is an async closure returning `Ok(true)` (done), `Ok(false)` (not yet) or an
//! error (stop now, with that error). When the time is up the poll ends with
//! [`Error::Timeout`] (`err.is_timeout()`); a condition still running then is dropped, which
//! cancels its request.
//!
//! ```no_run
//! use std::time::Duration;
//! use k8s_apimachinery::{DynamicObject, GetOptions};
//! use k8s_client::Api;
//! use k8s_client::helpers::wait::poll_immediate_until;
//!
//! # async fn demo(api: Api<DynamicObject>) -> Result<(), k8s_client::Error> {
//! // Wait up to 30 s for the ConfigMap to exist, checking every 500 ms.
//! poll_immediate_until(Duration::from_millis(500), Duration::from_secs(30), || async {
//!     match api.get("settings", &GetOptions::default()).await {
//!         Ok(_) => Ok(true),
//!         Err(e) if e.is_not_found() => Ok(false),
//!         Err(e) => Err(e),
//!     }
//! })
//! .await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

use tokio::time::MissedTickBehavior;

use crate::Error;

/// Checks `condition` every `interval`, the first time after one `interval`, until it returns
/// `Ok(true)` or an error, or `timeout` passes (client-go
/// `PollUntilContextTimeout(ctx, interval, timeout, false, condition)`).
pub async fn poll_until<F, Fut>(
    interval: Duration,
    timeout: Duration,
    condition: F,
) -> Result<(), Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, Error>>,
{
    poll(interval, timeout, false, condition).await
}

/// Like [`poll_until`], but checks at once, then every `interval` (client-go
/// `PollUntilContextTimeout(ctx, interval, timeout, true, condition)`).
pub async fn poll_immediate_until<F, Fut>(
    interval: Duration,
    timeout: Duration,
    condition: F,
) -> Result<(), Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, Error>>,
{
    poll(interval, timeout, true, condition).await
}

async fn poll<F, Fut>(
    interval: Duration,
    timeout: Duration,
    immediate: bool,
    mut condition: F,
) -> Result<(), Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<bool, Error>>,
{
    let run = async {
        // Like Go's ticker: ticks missed while the condition ran are dropped, not bunched up.
        let start = tokio::time::Instant::now() + if immediate { Duration::ZERO } else { interval };
        let mut ticks = tokio::time::interval_at(start, interval.max(Duration::from_millis(1)));
        ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            if condition().await? {
                return Ok(());
            }
        }
    };
    match tokio::time::timeout(timeout, run).await {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout {
            what: "the condition".to_string(),
            after: timeout,
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn immediate_checks_at_once_and_then_every_interval() {
        let calls = AtomicU32::new(0);
        let t0 = tokio::time::Instant::now();
        poll_immediate_until(Duration::from_secs(1), Duration::from_secs(10), || async {
            Ok(calls.fetch_add(1, Ordering::SeqCst) == 2)
        })
        .await
        .unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(t0.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn non_immediate_waits_one_interval_first() {
        let t0 = tokio::time::Instant::now();
        poll_until(Duration::from_secs(1), Duration::from_secs(10), || async {
            Ok(true)
        })
        .await
        .unwrap();
        assert_eq!(t0.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_is_typed_and_errors_stop_the_poll() {
        let err = poll_until(
            Duration::from_millis(100),
            Duration::from_secs(1),
            || async { Ok(false) },
        )
        .await
        .unwrap_err();
        assert!(err.is_timeout(), "{err}");
        assert_eq!(
            err.to_string(),
            "timed out after 1s waiting for the condition"
        );

        let calls = AtomicU32::new(0);
        let err = poll_immediate_until(
            Duration::from_millis(100),
            Duration::from_secs(1),
            || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Error::Discovery("boom".into()))
            },
        )
        .await
        .unwrap_err();
        assert!(!err.is_timeout());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
