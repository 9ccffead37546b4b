//! Queue metrics through a small provider trait.
//!
//! A queue reports what it is doing through seven metrics, the same seven client-go's
//! `workqueue.MetricsProvider` creates:
//!
//! | metric | kind | meaning |
//! |---|---|---|
//! | depth | [`GaugeMetric`] | items waiting to be handed out |
//! | adds | [`CounterMetric`] | items added (duplicates of waiting items are not counted) |
//! | latency | [`HistogramMetric`] | seconds an item waited between `add` and `get` |
//! | work duration | [`HistogramMetric`] | seconds between `get` and `done` |
//! | unfinished work seconds | [`SettableGaugeMetric`] | seconds of work in progress, summed over all items being processed |
//! | longest running processor | [`SettableGaugeMetric`] | seconds the oldest item in progress has been processed |
//! | retries | [`CounterMetric`] | delayed and rate-limited adds |
//!
//! There is no global registry: a queue gets its metrics from the [`MetricsProvider`] given in
//! its [`QueueConfig`](crate::QueueConfig), and only when the config also names the queue (the
//! name is the label that tells queues apart). Without both, the queue keeps no metric state at
//! all and pays nothing for metrics.
//!
//! The two "unfinished work" gauges are refreshed every 500 ms by a small background task that the
//! queue starts on the tokio runtime it is used on; the task ends when the queue is shut down or
//! dropped.
//!
//! With the `prometheus` cargo feature, `k8s_workqueue::PrometheusMetricsProvider` registers the
//! metrics in a `prometheus::Registry` under client-go's names (`workqueue_depth`,
//! `workqueue_adds_total`, …).
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicI64, Ordering};
//! use k8s_workqueue::metrics::{
//!     CounterMetric, GaugeMetric, HistogramMetric, MetricsProvider, NoopMetric,
//!     SettableGaugeMetric,
//! };
//!
//! /// Counts the depth of every queue in one number; ignores the rest.
//! #[derive(Default)]
//! struct DepthOnly(Arc<AtomicI64>);
//!
//! struct Depth(Arc<AtomicI64>);
//! impl GaugeMetric for Depth {
//!     fn inc(&self) { self.0.fetch_add(1, Ordering::Relaxed); }
//!     fn dec(&self) { self.0.fetch_sub(1, Ordering::Relaxed); }
//! }
//!
//! impl MetricsProvider for DepthOnly {
//!     fn new_depth_metric(&self, _name: &str) -> Box<dyn GaugeMetric> {
//!         Box::new(Depth(self.0.clone()))
//!     }
//!     fn new_adds_metric(&self, _: &str) -> Box<dyn CounterMetric> { Box::new(NoopMetric) }
//!     fn new_latency_metric(&self, _: &str) -> Box<dyn HistogramMetric> { Box::new(NoopMetric) }
//!     fn new_work_duration_metric(&self, _: &str) -> Box<dyn HistogramMetric> { Box::new(NoopMetric) }
//!     fn new_unfinished_work_seconds_metric(&self, _: &str) -> Box<dyn SettableGaugeMetric> {
//!         Box::new(NoopMetric)
//!     }
//!     fn new_longest_running_processor_seconds_metric(&self, _: &str) -> Box<dyn SettableGaugeMetric> {
//!         Box::new(NoopMetric)
//!     }
//!     fn new_retries_metric(&self, _: &str) -> Box<dyn CounterMetric> { Box::new(NoopMetric) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let depth = Arc::new(AtomicI64::new(0));
//! let config = k8s_workqueue::QueueConfig::new()
//!     .name("pods")
//!     .metrics_provider(Arc::new(DepthOnly(depth.clone())));
//! let queue = k8s_workqueue::Queue::with_config(config);
//! queue.add("default/nginx");
//! assert_eq!(depth.load(Ordering::Relaxed), 1);
//! # }
//! ```

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::Map;

/// A gauge that goes up and down by one (client-go `GaugeMetric`).
pub trait GaugeMetric: Send + Sync {
    /// Adds one.
    fn inc(&self);
    /// Subtracts one.
    fn dec(&self);
}

/// A gauge that is set to a value (client-go `SettableGaugeMetric`).
pub trait SettableGaugeMetric: Send + Sync {
    /// Sets the gauge.
    fn set(&self, value: f64);
}

/// A counter that only goes up (client-go `CounterMetric`).
pub trait CounterMetric: Send + Sync {
    /// Adds one.
    fn inc(&self);
}

/// A distribution of observed values, in seconds (client-go `HistogramMetric`).
pub trait HistogramMetric: Send + Sync {
    /// Records one value.
    fn observe(&self, value: f64);
}

/// Creates the metrics of one named queue (client-go `workqueue.MetricsProvider`).
///
/// Each method is called once per queue, with the queue's name.
pub trait MetricsProvider: Send + Sync {
    /// The number of items waiting.
    fn new_depth_metric(&self, name: &str) -> Box<dyn GaugeMetric>;
    /// The number of adds.
    fn new_adds_metric(&self, name: &str) -> Box<dyn CounterMetric>;
    /// Seconds between an add and the get that hands the item out.
    fn new_latency_metric(&self, name: &str) -> Box<dyn HistogramMetric>;
    /// Seconds between a get and its done.
    fn new_work_duration_metric(&self, name: &str) -> Box<dyn HistogramMetric>;
    /// Seconds of work in progress, summed over the items being processed.
    fn new_unfinished_work_seconds_metric(&self, name: &str) -> Box<dyn SettableGaugeMetric>;
    /// Seconds the oldest item in progress has been processed.
    fn new_longest_running_processor_seconds_metric(
        &self,
        name: &str,
    ) -> Box<dyn SettableGaugeMetric>;
    /// The number of delayed and rate-limited adds.
    fn new_retries_metric(&self, name: &str) -> Box<dyn CounterMetric>;
}

/// A metric that records nothing; it implements every metric trait.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopMetric;

impl GaugeMetric for NoopMetric {
    fn inc(&self) {}
    fn dec(&self) {}
}
impl SettableGaugeMetric for NoopMetric {
    fn set(&self, _value: f64) {}
}
impl CounterMetric for NoopMetric {
    fn inc(&self) {}
}
impl HistogramMetric for NoopMetric {
    fn observe(&self, _value: f64) {}
}

/// A provider whose metrics record nothing; the same as giving no provider at all.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopMetricsProvider;

impl MetricsProvider for NoopMetricsProvider {
    fn new_depth_metric(&self, _name: &str) -> Box<dyn GaugeMetric> {
        Box::new(NoopMetric)
    }
    fn new_adds_metric(&self, _name: &str) -> Box<dyn CounterMetric> {
        Box::new(NoopMetric)
    }
    fn new_latency_metric(&self, _name: &str) -> Box<dyn HistogramMetric> {
        Box::new(NoopMetric)
    }
    fn new_work_duration_metric(&self, _name: &str) -> Box<dyn HistogramMetric> {
        Box::new(NoopMetric)
    }
    fn new_unfinished_work_seconds_metric(&self, _name: &str) -> Box<dyn SettableGaugeMetric> {
        Box::new(NoopMetric)
    }
    fn new_longest_running_processor_seconds_metric(
        &self,
        _name: &str,
    ) -> Box<dyn SettableGaugeMetric> {
        Box::new(NoopMetric)
    }
    fn new_retries_metric(&self, _name: &str) -> Box<dyn CounterMetric> {
        Box::new(NoopMetric)
    }
}

/// How often the unfinished-work gauges are refreshed (client-go's period).
pub(crate) const UNFINISHED_WORK_UPDATE_PERIOD: Duration = Duration::from_millis(500);

/// The per-queue metric state, present only for a named queue with a provider. It lives under
/// the queue's own lock, so it needs no lock of its own.
pub(crate) struct QueueMetrics<T> {
    depth: Box<dyn GaugeMetric>,
    adds: Box<dyn CounterMetric>,
    latency: Box<dyn HistogramMetric>,
    work_duration: Box<dyn HistogramMetric>,
    unfinished_work_seconds: Box<dyn SettableGaugeMetric>,
    longest_running_processor: Box<dyn SettableGaugeMetric>,
    add_times: Map<T, Instant>,
    processing_start_times: Map<T, Instant>,
}

impl<T: Eq + Hash + Clone> QueueMetrics<T> {
    /// The metrics for a queue, or `None` when the queue is unnamed or has no provider.
    pub(crate) fn new(name: &str, provider: Option<&Arc<dyn MetricsProvider>>) -> Option<Self> {
        let provider = provider?;
        if name.is_empty() {
            return None;
        }
        Some(Self {
            depth: provider.new_depth_metric(name),
            adds: provider.new_adds_metric(name),
            latency: provider.new_latency_metric(name),
            work_duration: provider.new_work_duration_metric(name),
            unfinished_work_seconds: provider.new_unfinished_work_seconds_metric(name),
            longest_running_processor: provider.new_longest_running_processor_seconds_metric(name),
            add_times: Map::default(),
            processing_start_times: Map::default(),
        })
    }

    /// An item became waiting.
    pub(crate) fn add(&mut self, item: &T) {
        self.adds.inc();
        self.depth.inc();
        if !self.add_times.contains_key(item) {
            self.add_times.insert(item.clone(), Instant::now());
        }
    }

    /// An item was handed out.
    pub(crate) fn get(&mut self, item: &T) {
        let now = Instant::now();
        self.depth.dec();
        self.processing_start_times.insert(item.clone(), now);
        if let Some(added) = self.add_times.remove(item) {
            self.latency
                .observe(now.saturating_duration_since(added).as_secs_f64());
        }
    }

    /// A waiting item was dropped unprocessed (a shutdown whose drain ran out of time).
    pub(crate) fn abandon(&mut self, item: &T) {
        self.depth.dec();
        self.add_times.remove(item);
    }

    /// An item's processing finished.
    pub(crate) fn done(&mut self, item: &T) {
        if let Some(started) = self.processing_start_times.remove(item) {
            self.work_duration.observe(
                Instant::now()
                    .saturating_duration_since(started)
                    .as_secs_f64(),
            );
        }
    }

    /// Refreshes the unfinished-work gauges.
    pub(crate) fn update_unfinished_work(&self) {
        let now = Instant::now();
        let mut total = 0.0;
        let mut oldest = 0.0_f64;
        for started in self.processing_start_times.values() {
            let age = now.saturating_duration_since(*started).as_secs_f64();
            total += age;
            oldest = oldest.max(age);
        }
        self.unfinished_work_seconds.set(total);
        self.longest_running_processor.set(oldest);
    }
}

/// The retries counter of a delaying queue: present for a named queue.
pub(crate) fn retry_metric(
    name: &str,
    provider: Option<&Arc<dyn MetricsProvider>>,
) -> Option<Box<dyn CounterMetric>> {
    match provider {
        Some(provider) if !name.is_empty() => Some(provider.new_retries_metric(name)),
        _ => None,
    }
}

/// Something whose unfinished-work gauges need a periodic refresh.
pub(crate) trait UnfinishedWork: Send + Sync + 'static {
    /// Refreshes the gauges; returns `false` once the queue is shut down (the loop then ends).
    fn update_unfinished_work(&self) -> bool;
}

/// Starts the refresh loop on the current tokio runtime, if there is one. The loop holds only a
/// weak reference, so it ends when the queue is dropped, and ends when the queue shuts down.
/// Returns whether the loop was started.
pub(crate) fn spawn_unfinished_work_loop<Q: UnfinishedWork>(queue: std::sync::Weak<Q>) -> bool {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return false;
    };
    handle.spawn(async move {
        let mut interval = tokio::time::interval(UNFINISHED_WORK_UPDATE_PERIOD);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let Some(queue) = queue.upgrade() else {
                return;
            };
            if !queue.update_unfinished_work() {
                return;
            }
        }
    });
    true
}
