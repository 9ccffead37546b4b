//! Reconcile metrics under controller-runtime's names.
//!
//! A [`Controller`](crate::Controller) reports what its workers do to the
//! [`ControllerMetrics`] given to [`Controller::metrics`](crate::Controller::metrics), in the
//! style of `k8s_client::metrics::RequestMetrics`: no global registry, every method has an
//! empty default, implement what you export. The work queue's own metrics (`workqueue_depth`,
//! `workqueue_adds_total`, …, labelled `name` = the controller's name, as in controller-runtime)
//! go to a `k8s_workqueue::metrics::MetricsProvider` given to
//! [`Controller::queue_metrics`](crate::Controller::queue_metrics).
//!
//! | method | controller-runtime metric | labels |
//! |---|---|---|
//! | [`reconcile_total`](ControllerMetrics::reconcile_total) | `controller_runtime_reconcile_total` | controller, result |
//! | [`reconcile_error`](ControllerMetrics::reconcile_error) | `controller_runtime_reconcile_errors_total` | controller |
//! | [`reconcile_panic`](ControllerMetrics::reconcile_panic) | `controller_runtime_reconcile_panics_total` | controller |
//! | [`reconcile_time`](ControllerMetrics::reconcile_time) | `controller_runtime_reconcile_time_seconds` | controller |
//! | [`active_workers`](ControllerMetrics::active_workers) | `controller_runtime_active_workers` | controller |
//! | [`max_concurrent_reconciles`](ControllerMetrics::max_concurrent_reconciles) | `controller_runtime_max_concurrent_reconciles` | controller |
//!
//! With the cargo feature `prometheus`, `PrometheusControllerMetrics` registers these families
//! in a `prometheus::Registry` under controller-runtime's names, so dashboards made for Go
//! controllers work (and `k8s_workqueue::PrometheusMetricsProvider` the queue's).
//!
//! `result` is one of [`ReconcileResult::as_str`]: `success`, `requeue`, `requeue_after`,
//! `error` — controller-runtime's values.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use k8s_controller::metrics::{ControllerMetrics, ReconcileResult};
//!
//! #[derive(Default)]
//! struct Errors(AtomicU64);
//!
//! impl ControllerMetrics for Errors {
//!     fn reconcile_total(&self, _controller: &str, result: ReconcileResult) {
//!         if result == ReconcileResult::Error {
//!             self.0.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! }
//! ```

use std::time::Duration;

#[cfg(feature = "prometheus")]
mod prometheus;
#[cfg(feature = "prometheus")]
pub use self::prometheus::PrometheusControllerMetrics;

/// How one reconcile ended (controller-runtime's `result` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReconcileResult {
    /// `Ok(Action::await_change())`.
    Success,
    /// `Ok(Action::backoff())`.
    Requeue,
    /// `Ok(Action::requeue(_))`.
    RequeueAfter,
    /// `Err(_)` (or a panic).
    Error,
}

impl ReconcileResult {
    /// The label value: `success`, `requeue`, `requeue_after`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReconcileResult::Success => "success",
            ReconcileResult::Requeue => "requeue",
            ReconcileResult::RequeueAfter => "requeue_after",
            ReconcileResult::Error => "error",
        }
    }
}

/// Receives a controller's reconcile metrics; see the [module docs](self). Called on the
/// workers' path: keep it cheap and never block.
pub trait ControllerMetrics: Send + Sync {
    /// A reconcile ended with `result`.
    fn reconcile_total(&self, controller: &str, result: ReconcileResult) {
        let _ = (controller, result);
    }

    /// A reconcile returned an error (or panicked).
    fn reconcile_error(&self, controller: &str) {
        let _ = controller;
    }

    /// A reconcile panicked (the key is retried with back-off; the worker lives on).
    fn reconcile_panic(&self, controller: &str) {
        let _ = controller;
    }

    /// A reconcile took `elapsed`.
    fn reconcile_time(&self, controller: &str, elapsed: Duration) {
        let _ = (controller, elapsed);
    }

    /// The number of workers reconciling right now.
    fn active_workers(&self, controller: &str, workers: usize) {
        let _ = (controller, workers);
    }

    /// The number of workers the controller runs (set once at start).
    fn max_concurrent_reconciles(&self, controller: &str, workers: usize) {
        let _ = (controller, workers);
    }
}

/// Records nothing.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoopControllerMetrics;

impl ControllerMetrics for NoopControllerMetrics {}
