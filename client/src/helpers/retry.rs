//! Retrying an update that lost a race (client-go `util/retry`); the pauses are a
//! [`Backoff`] (client-go `wait.Backoff`, defined in [`k8s_apimachinery::wait`]).
//!
//! The pattern: read the object, change it, write it back; when the write conflicts (someone
//! else wrote in between, so the resourceVersion is stale), do it all again after a short
//! pause.
//!
//! ```no_run
//! use k8s_apimachinery::{DynamicObject, GetOptions, UpdateOptions};
//! use k8s_client::Api;
//! use k8s_client::helpers::retry::{DEFAULT_RETRY, retry_on_conflict};
//!
//! # async fn demo(api: Api<DynamicObject>) -> Result<(), k8s_client::Error> {
//! let updated = retry_on_conflict(DEFAULT_RETRY, || async {
//!     let mut cm = api.get("settings", &GetOptions::default()).await?;
//!     cm.data.insert("data".into(), serde_json::json!({"mode": "fast"}));
//!     api.update("settings", &cm, &UpdateOptions::default()).await
//! })
//! .await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::time::Duration;

pub use k8s_apimachinery::wait::Backoff;

use crate::Error;

/// client-go `retry.DefaultRetry`: 5 attempts 10 ms apart (+10 % jitter), for conflicts that
/// are expected to clear quickly (a controller racing an update).
pub const DEFAULT_RETRY: Backoff = Backoff {
    duration: Duration::from_millis(10),
    factor: 1.0,
    jitter: 0.1,
    steps: 5,
    cap: None,
};

/// client-go `retry.DefaultBackoff`: 4 attempts, pauses 10 ms, 50 ms, 250 ms (+10 % jitter),
/// for callers that may be contending with many writers.
pub const DEFAULT_BACKOFF: Backoff = Backoff {
    duration: Duration::from_millis(10),
    factor: 5.0,
    jitter: 0.1,
    steps: 4,
    cap: None,
};

/// Runs `f` until it succeeds, fails with an error `retriable` refuses, or `backoff` runs out;
/// returns the last result (client-go `retry.OnError`).
pub async fn on_error<T, F, Fut>(
    backoff: Backoff,
    retriable: impl Fn(&Error) -> bool,
    mut f: F,
) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut backoff = backoff;
    loop {
        let err = match f().await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if !retriable(&err) || backoff.steps <= 1 {
            return Err(err);
        }
        let pause = backoff.step();
        tracing::debug!(error = %err, ?pause, "retrying");
        tokio::time::sleep(pause).await;
    }
}

/// Runs `f` again while it fails with a conflict (`is_conflict()`), at most `backoff.steps`
/// times in all; any other error, or the last conflict, is returned as is (client-go
/// `retry.RetryOnConflict`).
pub async fn retry_on_conflict<T, F, Fut>(backoff: Backoff, f: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    on_error(backoff, Error::is_conflict, f).await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use k8s_apimachinery::{ApiError, Status};

    use super::*;

    fn conflict() -> Error {
        Error::Api {
            method: "PUT".into(),
            url: "https://x/api/v1/namespaces/a/configmaps/b".into(),
            error: Box::new(ApiError::from_status(Status::failure(
                409, "Conflict", "stale",
            ))),
        }
    }

    #[test]
    fn pauses_match_client_go() {
        assert_eq!(DEFAULT_RETRY.pauses(), vec![Duration::from_millis(10); 4]);
        assert_eq!(
            DEFAULT_BACKOFF.pauses(),
            [10, 50, 250].map(Duration::from_millis).to_vec()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn conflicts_are_retried_up_to_steps() {
        let calls = AtomicU32::new(0);
        let err = retry_on_conflict(DEFAULT_RETRY, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(conflict())
        })
        .await
        .unwrap_err();
        assert!(err.is_conflict());
        assert_eq!(calls.load(Ordering::SeqCst), 5);

        let calls = AtomicU32::new(0);
        let v = retry_on_conflict(DEFAULT_BACKOFF, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(conflict())
            } else {
                Ok(7)
            }
        })
        .await
        .unwrap();
        assert_eq!((v, calls.load(Ordering::SeqCst)), (7, 3));
    }

    #[tokio::test(start_paused = true)]
    async fn other_errors_are_not_retried() {
        let calls = AtomicU32::new(0);
        let err = retry_on_conflict(DEFAULT_RETRY, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(Error::Discovery("boom".into()))
        })
        .await
        .unwrap_err();
        assert!(!err.is_conflict());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
