//! Queue metrics through a recording provider, with paused time for exact durations.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_workqueue::metrics::{
    CounterMetric, GaugeMetric, HistogramMetric, MetricsProvider, SettableGaugeMetric,
};
use k8s_workqueue::priority::AddOpts;
use k8s_workqueue::{DelayingQueue, PriorityQueue, Queue, QueueConfig, RateLimitingQueue};

/// Everything the provider was told, per metric name `"<queue>/<metric>"`.
#[derive(Default, Clone)]
struct Recorder {
    values: Arc<Mutex<HashMap<String, f64>>>,
    observations: Arc<Mutex<HashMap<String, Vec<f64>>>>,
    created: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn value(&self, key: &str) -> f64 {
        self.values.lock().unwrap().get(key).copied().unwrap_or(0.0)
    }
    fn observed(&self, key: &str) -> Vec<f64> {
        self.observations
            .lock()
            .unwrap()
            .get(key)
            .cloned()
            .unwrap_or_default()
    }
    fn metric(&self, name: &str, metric: &str) -> Box<Metric> {
        let key = format!("{name}/{metric}");
        self.created.lock().unwrap().push(key.clone());
        Box::new(Metric {
            key,
            rec: self.clone(),
        })
    }
}

struct Metric {
    key: String,
    rec: Recorder,
}

impl Metric {
    fn add(&self, delta: f64) {
        *self
            .rec
            .values
            .lock()
            .unwrap()
            .entry(self.key.clone())
            .or_default() += delta;
    }
}

impl GaugeMetric for Metric {
    fn inc(&self) {
        self.add(1.0);
    }
    fn dec(&self) {
        self.add(-1.0);
    }
}
impl CounterMetric for Metric {
    fn inc(&self) {
        self.add(1.0);
    }
}
impl SettableGaugeMetric for Metric {
    fn set(&self, value: f64) {
        self.rec
            .values
            .lock()
            .unwrap()
            .insert(self.key.clone(), value);
    }
}
impl HistogramMetric for Metric {
    fn observe(&self, value: f64) {
        self.rec
            .observations
            .lock()
            .unwrap()
            .entry(self.key.clone())
            .or_default()
            .push(value);
    }
}

impl MetricsProvider for Recorder {
    fn new_depth_metric(&self, name: &str) -> Box<dyn GaugeMetric> {
        self.metric(name, "depth")
    }
    fn new_adds_metric(&self, name: &str) -> Box<dyn CounterMetric> {
        self.metric(name, "adds")
    }
    fn new_latency_metric(&self, name: &str) -> Box<dyn HistogramMetric> {
        self.metric(name, "latency")
    }
    fn new_work_duration_metric(&self, name: &str) -> Box<dyn HistogramMetric> {
        self.metric(name, "work")
    }
    fn new_unfinished_work_seconds_metric(&self, name: &str) -> Box<dyn SettableGaugeMetric> {
        self.metric(name, "unfinished")
    }
    fn new_longest_running_processor_seconds_metric(
        &self,
        name: &str,
    ) -> Box<dyn SettableGaugeMetric> {
        self.metric(name, "longest")
    }
    fn new_retries_metric(&self, name: &str) -> Box<dyn CounterMetric> {
        self.metric(name, "retries")
    }
}

fn config(rec: &Recorder, name: &str) -> QueueConfig {
    QueueConfig::new()
        .name(name)
        .metrics_provider(Arc::new(rec.clone()))
}

#[tokio::test(start_paused = true)]
async fn queue_reports_depth_adds_latency_and_work_duration() {
    let rec = Recorder::default();
    let queue = Queue::with_config(config(&rec, "q"));
    queue.add("foo");
    queue.add("foo"); // folded: not an add
    queue.add("bar");
    assert_eq!(rec.value("q/adds"), 2.0);
    assert_eq!(rec.value("q/depth"), 2.0);

    tokio::time::advance(Duration::from_secs(1)).await;
    let foo = queue.get().await.unwrap();
    assert_eq!(rec.value("q/depth"), 1.0);
    assert_eq!(rec.observed("q/latency"), [1.0]);

    queue.add("foo"); // while processing: counted as an add and in depth, like client-go
    assert_eq!(rec.value("q/adds"), 3.0);
    assert_eq!(rec.value("q/depth"), 2.0);

    tokio::time::advance(Duration::from_secs(2)).await;
    queue.done(&foo);
    assert_eq!(rec.observed("q/work"), [2.0]);
    let bar = queue.get().await.unwrap();
    assert_eq!(bar, "bar");
    assert_eq!(rec.observed("q/latency"), [1.0, 3.0]);
    let foo = queue.get().await.unwrap();
    assert_eq!(rec.observed("q/latency"), [1.0, 3.0, 2.0]);
    assert_eq!(rec.value("q/depth"), 0.0);
    queue.done(&bar);
    queue.done(&foo);
    assert_eq!(rec.observed("q/work"), [2.0, 0.0, 0.0]);
}

#[tokio::test(start_paused = true)]
async fn unfinished_work_gauges_refresh_every_half_second() {
    let rec = Recorder::default();
    let queue = Queue::with_config(config(&rec, "q"));
    queue.add(1);
    queue.add(2);
    let one = queue.get().await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let _two = queue.get().await.unwrap();
    tokio::time::sleep(Duration::from_millis(2010)).await;
    // At the last refresh (t = 3.0 s): 1 has run 3 s, 2 has run 2 s.
    assert_eq!(rec.value("q/unfinished"), 5.0);
    assert_eq!(rec.value("q/longest"), 3.0);
    queue.done(&one);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(rec.value("q/unfinished"), 2.5);
    assert_eq!(rec.value("q/longest"), 2.5);
}

#[tokio::test(start_paused = true)]
async fn delayed_and_rate_limited_adds_count_as_retries() {
    let rec = Recorder::default();
    let queue = DelayingQueue::with_config(config(&rec, "d"));
    queue.add_after("a", Duration::from_millis(10));
    queue.add_after("b", Duration::ZERO);
    queue.add("c");
    assert_eq!(rec.value("d/retries"), 2.0);
    assert_eq!(rec.value("d/adds"), 2.0, "b and c so far");
    assert_eq!(queue.get().await, Some("b"));
    assert_eq!(queue.get().await, Some("c"));
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(rec.value("d/adds"), 3.0);

    let queue = RateLimitingQueue::with_config(
        k8s_workqueue::default_controller_rate_limiter(),
        config(&rec, "r"),
    );
    queue.add_rate_limited("x");
    queue.add_rate_limited("x");
    assert_eq!(rec.value("r/retries"), 2.0);
}

#[tokio::test(start_paused = true)]
async fn priority_queue_reports_too() {
    let rec = Recorder::default();
    let queue = PriorityQueue::with_config(
        k8s_workqueue::ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(5),
            Duration::from_secs(1),
        ),
        config(&rec, "p"),
    );
    queue.add_with_opts(AddOpts::new().priority(1), ["foo"]);
    queue.add_with_opts(AddOpts::new().priority(2), ["foo"]); // merged: not an add
    queue.add_with_opts(AddOpts::new().after(Duration::from_secs(1)), ["later"]);
    assert_eq!(rec.value("p/adds"), 1.0);
    assert_eq!(rec.value("p/depth"), 1.0, "delayed items are not in depth");
    assert_eq!(rec.value("p/retries"), 1.0);
    let foo = queue.get().await.unwrap();
    queue.add("foo"); // re-added while locked: an add, as in controller-runtime
    assert_eq!(rec.value("p/adds"), 2.0);
    tokio::time::advance(Duration::from_millis(250)).await;
    queue.done(&foo);
    assert_eq!(rec.observed("p/work"), [0.25]);
    assert_eq!(queue.get().await, Some("foo"));
    assert_eq!(queue.get().await, Some("later"));
    assert_eq!(rec.value("p/adds"), 3.0);
    assert_eq!(rec.value("p/depth"), 0.0);
}

#[tokio::test]
async fn an_unnamed_queue_creates_no_metrics() {
    let rec = Recorder::default();
    let queue = RateLimitingQueue::with_config(
        k8s_workqueue::default_controller_rate_limiter(),
        QueueConfig::new().metrics_provider(Arc::new(rec.clone())),
    );
    queue.add(1);
    assert_eq!(queue.get().await, Some(1));
    assert!(rec.created.lock().unwrap().is_empty());
    // A named one creates all seven.
    let _named: Queue<u8> = Queue::with_config(config(&rec, "n"));
    assert_eq!(
        rec.created.lock().unwrap().len(),
        6,
        "six for a plain queue"
    );
    let _delaying: DelayingQueue<u8> = DelayingQueue::with_config(config(&rec, "m"));
    assert_eq!(rec.created.lock().unwrap().len(), 13, "plus retries");
}

#[cfg(feature = "prometheus")]
#[tokio::test]
async fn prometheus_provider_registers_client_go_names() {
    let registry = prometheus::Registry::new();
    let provider = k8s_workqueue::PrometheusMetricsProvider::register(&registry).unwrap();
    let queue = RateLimitingQueue::with_config(
        k8s_workqueue::default_controller_rate_limiter(),
        QueueConfig::new()
            .name("pods")
            .metrics_provider(Arc::new(provider)),
    );
    queue.add("a");
    queue.add_rate_limited("b");
    let a = queue.get().await.unwrap();
    queue.done(&a);
    let families = registry.gather();
    let mut names: Vec<_> = families.iter().map(|f| f.name().to_string()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "workqueue_adds_total",
            "workqueue_depth",
            "workqueue_longest_running_processor_seconds",
            "workqueue_queue_duration_seconds",
            "workqueue_retries_total",
            "workqueue_unfinished_work_seconds",
            "workqueue_work_duration_seconds",
        ]
    );
    let adds = families
        .iter()
        .find(|f| f.name() == "workqueue_adds_total")
        .unwrap();
    assert_eq!(adds.get_metric()[0].get_counter().get_value(), 1.0);
    assert_eq!(adds.get_metric()[0].get_label()[0].value(), "pods");
    // Registering twice in one registry fails.
    assert!(k8s_workqueue::PrometheusMetricsProvider::register(&registry).is_err());
}

#[tokio::test(start_paused = true)]
async fn items_abandoned_by_a_bounded_shutdown_leave_the_depth_gauge() {
    let rec = Recorder::default();
    let queue = Queue::with_config(config(&rec, "q"));
    queue.add("a");
    queue.add("b");
    queue.add("c");
    let held = queue.get().await.unwrap();
    queue.add(held); // dirty while processed: counted in depth, as client-go does
    assert_eq!(rec.value("q/depth"), 3.0);
    let report = queue
        .shut_down_with_drain_timeout(Duration::from_secs(1))
        .await;
    assert_eq!((report.abandoned, report.in_flight), (3, 1));
    assert_eq!(rec.value("q/depth"), 0.0);
}
