//! A [`RequestMetrics`] for the `prometheus` crate (cargo feature `prometheus`).

use std::time::Duration;

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, Opts, Registry};

use super::{ExecPluginCallStatus, RequestMetrics};

/// Registers client-go's request metrics in a [`prometheus::Registry`], with the names, labels
/// and buckets of Kubernetes' component-base (`k8s.io/component-base/metrics/prometheus/restclient`):
///
/// `rest_client_request_duration_seconds{verb,host}`, `rest_client_requests_total{code,method,host}`,
/// `rest_client_rate_limiter_duration_seconds{verb,host}`,
/// `rest_client_request_retries_total{code,verb,host}`, `rest_client_request_size_bytes{verb,host}`,
/// `rest_client_response_size_bytes{verb,host}`, `rest_client_exec_plugin_call_total{code,call_status}`,
/// `rest_client_transport_create_calls_total{result}` and `rest_client_transport_cache_entries`.
///
/// ```
/// use std::sync::Arc;
/// use k8s_client::metrics::{PrometheusRequestMetrics, RequestMetrics};
///
/// let registry = prometheus::Registry::new();
/// let metrics = PrometheusRequestMetrics::register(&registry).unwrap();
/// metrics.request_result("200", "GET", "127.0.0.1:6443");
/// let families = registry.gather();
/// let total = families.iter().find(|f| f.name() == "rest_client_requests_total").unwrap();
/// assert_eq!(total.get_metric()[0].get_counter().get_value(), 1.0);
///
/// let mut config = k8s_client::Config::new("https://127.0.0.1:6443");
/// config.metrics = Some(Arc::new(metrics));
/// ```
#[derive(Clone, Debug)]
pub struct PrometheusRequestMetrics {
    latency: HistogramVec,
    results: IntCounterVec,
    rate_limiter: HistogramVec,
    retries: IntCounterVec,
    request_size: HistogramVec,
    response_size: HistogramVec,
    exec_calls: IntCounterVec,
    transport_create: IntCounterVec,
    transport_cache: IntGauge,
}

/// Seconds: component-base's buckets for request and rate-limiter latency.
const LATENCY_BUCKETS: [f64; 12] = [
    0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0,
];
/// Bytes: component-base's buckets for request and response sizes (64 B to 16 MiB).
const SIZE_BUCKETS: [f64; 11] = [
    64.0, 256.0, 512.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0,
];

impl PrometheusRequestMetrics {
    /// Creates the metric families and registers them in `registry`; fails if they are
    /// registered there already.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let histogram = |name: &str, help: &str, buckets: &[f64]| {
            HistogramVec::new(
                HistogramOpts::new(name, help).buckets(buckets.to_vec()),
                &["verb", "host"],
            )
        };
        let metrics = PrometheusRequestMetrics {
            latency: histogram(
                "rest_client_request_duration_seconds",
                "Request latency in seconds. Broken down by verb, and host.",
                &LATENCY_BUCKETS,
            )?,
            results: IntCounterVec::new(
                Opts::new(
                    "rest_client_requests_total",
                    "Number of HTTP requests, partitioned by status code, method, and host.",
                ),
                &["code", "method", "host"],
            )?,
            rate_limiter: histogram(
                "rest_client_rate_limiter_duration_seconds",
                "Client side rate limiter latency in seconds. Broken down by verb, and host.",
                &LATENCY_BUCKETS,
            )?,
            retries: IntCounterVec::new(
                Opts::new(
                    "rest_client_request_retries_total",
                    "Number of request retries, partitioned by status code, verb, and host.",
                ),
                &["code", "verb", "host"],
            )?,
            request_size: histogram(
                "rest_client_request_size_bytes",
                "Request size in bytes. Broken down by verb and host.",
                &SIZE_BUCKETS,
            )?,
            response_size: histogram(
                "rest_client_response_size_bytes",
                "Response size in bytes. Broken down by verb and host.",
                &SIZE_BUCKETS,
            )?,
            exec_calls: IntCounterVec::new(
                Opts::new(
                    "rest_client_exec_plugin_call_total",
                    "Number of calls to an exec plugin, partitioned by the type of event \
                     encountered (no_error, plugin_execution_error, plugin_not_found_error, \
                     client_internal_error) and an optional exit code.",
                ),
                &["code", "call_status"],
            )?,
            transport_create: IntCounterVec::new(
                Opts::new(
                    "rest_client_transport_create_calls_total",
                    "Number of calls to get a new transport, partitioned by the result of the \
                     operation hit: obtained from the cache, miss: created and added to the \
                     cache, uncacheable: created and not cached",
                ),
                &["result"],
            )?,
            transport_cache: IntGauge::new(
                "rest_client_transport_cache_entries",
                "Number of transports in the internal cache.",
            )?,
        };
        registry.register(Box::new(metrics.latency.clone()))?;
        registry.register(Box::new(metrics.results.clone()))?;
        registry.register(Box::new(metrics.rate_limiter.clone()))?;
        registry.register(Box::new(metrics.retries.clone()))?;
        registry.register(Box::new(metrics.request_size.clone()))?;
        registry.register(Box::new(metrics.response_size.clone()))?;
        registry.register(Box::new(metrics.exec_calls.clone()))?;
        registry.register(Box::new(metrics.transport_create.clone()))?;
        registry.register(Box::new(metrics.transport_cache.clone()))?;
        Ok(metrics)
    }
}

impl RequestMetrics for PrometheusRequestMetrics {
    fn request_latency(&self, verb: &str, host: &str, latency: Duration) {
        self.latency
            .with_label_values(&[verb, host])
            .observe(latency.as_secs_f64());
    }

    fn request_result(&self, code: &str, method: &str, host: &str) {
        self.results.with_label_values(&[code, method, host]).inc();
    }

    fn rate_limiter_latency(&self, verb: &str, host: &str, latency: Duration) {
        self.rate_limiter
            .with_label_values(&[verb, host])
            .observe(latency.as_secs_f64());
    }

    fn request_retry(&self, code: &str, verb: &str, host: &str) {
        self.retries.with_label_values(&[code, verb, host]).inc();
    }

    fn request_size(&self, verb: &str, host: &str, bytes: u64) {
        self.request_size
            .with_label_values(&[verb, host])
            .observe(bytes as f64);
    }

    fn response_size(&self, verb: &str, host: &str, bytes: u64) {
        self.response_size
            .with_label_values(&[verb, host])
            .observe(bytes as f64);
    }

    fn exec_plugin_call(&self, exit_code: i32, status: ExecPluginCallStatus) {
        let code = exit_code.to_string();
        self.exec_calls
            .with_label_values(&[code.as_str(), status.as_str()])
            .inc();
    }

    fn transport_create(&self, result: &str) {
        self.transport_create.with_label_values(&[result]).inc();
    }

    fn transport_cache_entries(&self, entries: usize) {
        self.transport_cache
            .set(i64::try_from(entries).unwrap_or(i64::MAX));
    }
}
