//! A [`MetricsProvider`] for the `prometheus` crate (cargo feature `prometheus`).

use prometheus::core::Collector;
use prometheus::{
    GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry,
    exponential_buckets,
};

use crate::metrics::{
    CounterMetric, GaugeMetric, HistogramMetric, MetricsProvider, SettableGaugeMetric,
};

/// Registers client-go's workqueue metrics in a [`prometheus::Registry`], one series per queue
/// name (label `name`):
///
/// `workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
/// `workqueue_work_duration_seconds`, `workqueue_unfinished_work_seconds`,
/// `workqueue_longest_running_processor_seconds` and `workqueue_retries_total`.
///
/// ```
/// use std::sync::Arc;
/// use k8s_workqueue::{PrometheusMetricsProvider, Queue, QueueConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let registry = prometheus::Registry::new();
/// let provider = PrometheusMetricsProvider::register(&registry).unwrap();
/// let queue = Queue::with_config(QueueConfig::new().name("pods").metrics_provider(Arc::new(provider)));
/// queue.add("default/web");
/// let families = registry.gather();
/// let depth = families.iter().find(|f| f.name() == "workqueue_depth").unwrap();
/// assert_eq!(depth.get_metric()[0].get_gauge().get_value(), 1.0);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct PrometheusMetricsProvider {
    depth: IntGaugeVec,
    adds: IntCounterVec,
    latency: HistogramVec,
    work_duration: HistogramVec,
    unfinished_work_seconds: GaugeVec,
    longest_running_processor: GaugeVec,
    retries: IntCounterVec,
}

impl PrometheusMetricsProvider {
    /// Creates the metric families and registers them in `registry`; fails if they are
    /// registered there already.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        // 10 ns to 10 s, as client-go's component-base registers them.
        let buckets = exponential_buckets(10e-9, 10.0, 10)?;
        let labels = &["name"];
        let provider = Self {
            depth: IntGaugeVec::new(
                Opts::new("workqueue_depth", "Current depth of the workqueue."),
                labels,
            )?,
            adds: IntCounterVec::new(
                Opts::new("workqueue_adds_total", "Adds handled by the workqueue."),
                labels,
            )?,
            latency: HistogramVec::new(
                HistogramOpts::new(
                    "workqueue_queue_duration_seconds",
                    "Seconds an item waits in the workqueue before it is handed out.",
                )
                .buckets(buckets.clone()),
                labels,
            )?,
            work_duration: HistogramVec::new(
                HistogramOpts::new(
                    "workqueue_work_duration_seconds",
                    "Seconds the processing of an item from the workqueue takes.",
                )
                .buckets(buckets),
                labels,
            )?,
            unfinished_work_seconds: GaugeVec::new(
                Opts::new(
                    "workqueue_unfinished_work_seconds",
                    "Seconds of work in progress not yet observed by work_duration; large \
                     values point at stuck workers.",
                ),
                labels,
            )?,
            longest_running_processor: GaugeVec::new(
                Opts::new(
                    "workqueue_longest_running_processor_seconds",
                    "Seconds the longest running item of the workqueue has been processed.",
                ),
                labels,
            )?,
            retries: IntCounterVec::new(
                Opts::new(
                    "workqueue_retries_total",
                    "Retries handled by the workqueue.",
                ),
                labels,
            )?,
        };
        let collectors: [Box<dyn Collector>; 7] = [
            Box::new(provider.depth.clone()),
            Box::new(provider.adds.clone()),
            Box::new(provider.latency.clone()),
            Box::new(provider.work_duration.clone()),
            Box::new(provider.unfinished_work_seconds.clone()),
            Box::new(provider.longest_running_processor.clone()),
            Box::new(provider.retries.clone()),
        ];
        for collector in collectors {
            registry.register(collector)?;
        }
        Ok(provider)
    }
}

struct Gauge(prometheus::IntGauge);
impl GaugeMetric for Gauge {
    fn inc(&self) {
        self.0.inc();
    }
    fn dec(&self) {
        self.0.dec();
    }
}

struct Settable(prometheus::Gauge);
impl SettableGaugeMetric for Settable {
    fn set(&self, value: f64) {
        self.0.set(value);
    }
}

struct Counter(prometheus::IntCounter);
impl CounterMetric for Counter {
    fn inc(&self) {
        self.0.inc();
    }
}

struct Histogram(prometheus::Histogram);
impl HistogramMetric for Histogram {
    fn observe(&self, value: f64) {
        self.0.observe(value);
    }
}

impl MetricsProvider for PrometheusMetricsProvider {
    fn new_depth_metric(&self, name: &str) -> Box<dyn GaugeMetric> {
        Box::new(Gauge(self.depth.with_label_values(&[name])))
    }
    fn new_adds_metric(&self, name: &str) -> Box<dyn CounterMetric> {
        Box::new(Counter(self.adds.with_label_values(&[name])))
    }
    fn new_latency_metric(&self, name: &str) -> Box<dyn HistogramMetric> {
        Box::new(Histogram(self.latency.with_label_values(&[name])))
    }
    fn new_work_duration_metric(&self, name: &str) -> Box<dyn HistogramMetric> {
        Box::new(Histogram(self.work_duration.with_label_values(&[name])))
    }
    fn new_unfinished_work_seconds_metric(&self, name: &str) -> Box<dyn SettableGaugeMetric> {
        Box::new(Settable(
            self.unfinished_work_seconds.with_label_values(&[name]),
        ))
    }
    fn new_longest_running_processor_seconds_metric(
        &self,
        name: &str,
    ) -> Box<dyn SettableGaugeMetric> {
        Box::new(Settable(
            self.longest_running_processor.with_label_values(&[name]),
        ))
    }
    fn new_retries_metric(&self, name: &str) -> Box<dyn CounterMetric> {
        Box::new(Counter(self.retries.with_label_values(&[name])))
    }
}
