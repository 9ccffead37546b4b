//! [`ControllerMetrics`] for the `prometheus` crate (cargo feature `prometheus`).

use std::time::Duration;

use prometheus::core::Collector;
use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry};

use super::{ControllerMetrics, ReconcileResult};

/// Registers controller-runtime's reconcile metrics in a [`prometheus::Registry`], one series
/// per controller (label `controller`): `controller_runtime_reconcile_total` (and `result`),
/// `controller_runtime_reconcile_errors_total`, `controller_runtime_reconcile_panics_total`,
/// `controller_runtime_reconcile_time_seconds`, `controller_runtime_active_workers`,
/// `controller_runtime_max_concurrent_reconciles`.
///
/// ```
/// use std::sync::Arc;
/// use k8s_controller::metrics::{ControllerMetrics, PrometheusControllerMetrics, ReconcileResult};
///
/// let registry = prometheus::Registry::new();
/// let metrics = Arc::new(PrometheusControllerMetrics::register(&registry).unwrap());
/// // controller.metrics(metrics.clone()); here, by hand:
/// metrics.reconcile_total("foo", ReconcileResult::Error);
/// let families = registry.gather();
/// let total = families.iter().find(|f| f.name() == "controller_runtime_reconcile_total").unwrap();
/// assert_eq!(total.get_metric()[0].get_counter().get_value(), 1.0);
/// ```
#[derive(Debug, Clone)]
pub struct PrometheusControllerMetrics {
    total: IntCounterVec,
    errors: IntCounterVec,
    panics: IntCounterVec,
    time: HistogramVec,
    active: IntGaugeVec,
    max: IntGaugeVec,
}

impl PrometheusControllerMetrics {
    /// Creates the metric families and registers them in `registry`; fails if they are
    /// registered there already.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let by_controller = &["controller"];
        // controller-runtime's buckets: 5 ms to 60 s.
        let buckets = vec![
            0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7,
            0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0,
            10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0,
        ];
        let metrics = Self {
            total: IntCounterVec::new(
                Opts::new(
                    "controller_runtime_reconcile_total",
                    "Total number of reconciliations per controller",
                ),
                &["controller", "result"],
            )?,
            errors: IntCounterVec::new(
                Opts::new(
                    "controller_runtime_reconcile_errors_total",
                    "Total number of reconciliation errors per controller",
                ),
                by_controller,
            )?,
            panics: IntCounterVec::new(
                Opts::new(
                    "controller_runtime_reconcile_panics_total",
                    "Total number of reconciliation panics per controller",
                ),
                by_controller,
            )?,
            time: HistogramVec::new(
                HistogramOpts::new(
                    "controller_runtime_reconcile_time_seconds",
                    "Length of time per reconciliation per controller",
                )
                .buckets(buckets),
                by_controller,
            )?,
            active: IntGaugeVec::new(
                Opts::new(
                    "controller_runtime_active_workers",
                    "Number of currently used workers per controller",
                ),
                by_controller,
            )?,
            max: IntGaugeVec::new(
                Opts::new(
                    "controller_runtime_max_concurrent_reconciles",
                    "Maximum number of concurrent reconciles per controller",
                ),
                by_controller,
            )?,
        };
        let collectors: [Box<dyn Collector>; 6] = [
            Box::new(metrics.total.clone()),
            Box::new(metrics.errors.clone()),
            Box::new(metrics.panics.clone()),
            Box::new(metrics.time.clone()),
            Box::new(metrics.active.clone()),
            Box::new(metrics.max.clone()),
        ];
        for collector in collectors {
            registry.register(collector)?;
        }
        Ok(metrics)
    }
}

fn as_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl ControllerMetrics for PrometheusControllerMetrics {
    fn reconcile_total(&self, controller: &str, result: ReconcileResult) {
        self.total
            .with_label_values(&[controller, result.as_str()])
            .inc();
    }
    fn reconcile_error(&self, controller: &str) {
        self.errors.with_label_values(&[controller]).inc();
    }
    fn reconcile_panic(&self, controller: &str) {
        self.panics.with_label_values(&[controller]).inc();
    }
    fn reconcile_time(&self, controller: &str, elapsed: Duration) {
        self.time
            .with_label_values(&[controller])
            .observe(elapsed.as_secs_f64());
    }
    fn active_workers(&self, controller: &str, workers: usize) {
        self.active
            .with_label_values(&[controller])
            .set(as_i64(workers));
    }
    fn max_concurrent_reconciles(&self, controller: &str, workers: usize) {
        self.max
            .with_label_values(&[controller])
            .set(as_i64(workers));
    }
}
