//! What a reconcile asks for next: [`Action`].
//!
//! A reconcile returns `Ok(Action)`; the error policy turns an `Err` into an `Action` too. The
//! three answers, and what the controller does with the key:
//!
//! | action | after a success | after an error (from the error policy) |
//! |---|---|---|
//! | [`Action::await_change`] | forget the key's failures; wait for the next event | the same |
//! | [`Action::requeue`]`(d)` | forget the key's failures; reconcile again in `d` | reconcile again in `d` (failures still counted) |
//! | [`Action::backoff`] | count a failure; reconcile again after the rate limiter's delay | the same (the default error policy) |
//!
//! The back-off is the controller's rate limiter's, per key: with the default
//! ([`default_controller_rate_limiter`](k8s_workqueue::default_controller_rate_limiter)) the
//! n-th failure in a row waits `5 ms × 2ⁿ⁻¹` (at most 1000 s), and all keys together at most 10
//! retries a second (burst 100) — controller-runtime's and client-go's behaviour.

use std::time::Duration;

/// What to do with a key after its reconcile (controller-runtime's `reconcile.Result`,
/// kube-rs's `Action`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action(pub(crate) Next);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Next {
    AwaitChange,
    RequeueAfter(Duration),
    Backoff,
}

impl Action {
    /// Nothing more to do until the object (or something mapped to it) changes
    /// (controller-runtime's empty `Result{}`).
    pub fn await_change() -> Self {
        Action(Next::AwaitChange)
    }

    /// Reconcile the key again after `after`, whatever happens meanwhile
    /// (`Result{RequeueAfter: after}`). Events in between still reconcile it earlier.
    pub fn requeue(after: Duration) -> Self {
        Action(Next::RequeueAfter(after))
    }

    /// Reconcile the key again after the controller's per-key exponential back-off
    /// (`Result{Requeue: true}`, and what controller-runtime does with every error).
    pub fn backoff() -> Self {
        Action(Next::Backoff)
    }

    /// The requeue delay, when this is [`Action::requeue`].
    pub fn requeue_after(&self) -> Option<Duration> {
        match self.0 {
            Next::RequeueAfter(d) => Some(d),
            _ => None,
        }
    }
}

/// The default error policy: retry the key with the controller's per-key exponential back-off
/// (controller-runtime's behaviour for every error). Pass it to
/// [`Controller::run`](crate::Controller::run) when you need nothing else.
pub fn default_error_policy<K, E, Ctx>(
    _obj: std::sync::Arc<K>,
    _error: &E,
    _ctx: std::sync::Arc<Ctx>,
) -> Action {
    Action::backoff()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requeue_after_is_only_set_for_requeue() {
        assert_eq!(
            Action::requeue(Duration::from_secs(3)).requeue_after(),
            Some(Duration::from_secs(3))
        );
        assert_eq!(Action::await_change().requeue_after(), None);
        assert_eq!(Action::backoff().requeue_after(), None);
        assert_eq!(
            default_error_policy(std::sync::Arc::new(1u8), &"boom", std::sync::Arc::new(())),
            Action::backoff()
        );
    }
}
