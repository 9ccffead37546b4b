//! Request metrics: the counterparts of client-go's `tools/metrics`.
//!
//! An [`HttpClient`](crate::HttpClient) reports what it does to the [`RequestMetrics`] of its
//! [`Config`](crate::Config) (`config.metrics`). There is no global registry: a client built
//! without one records nothing and pays nothing. Every method has an empty default, so a
//! provider implements only what it wants.
//!
//! | method | client-go metric (component-base names) | labels |
//! |---|---|---|
//! | [`request_latency`](RequestMetrics::request_latency) | `rest_client_request_duration_seconds` | verb, host |
//! | [`request_result`](RequestMetrics::request_result) | `rest_client_requests_total` | code, method, host |
//! | [`rate_limiter_latency`](RequestMetrics::rate_limiter_latency) | `rest_client_rate_limiter_duration_seconds` | verb, host |
//! | [`request_retry`](RequestMetrics::request_retry) | `rest_client_request_retries_total` | code, verb, host |
//! | [`request_size`](RequestMetrics::request_size) | `rest_client_request_size_bytes` | verb, host |
//! | [`response_size`](RequestMetrics::response_size) | `rest_client_response_size_bytes` | verb, host |
//! | [`exec_plugin_call`](RequestMetrics::exec_plugin_call) | `rest_client_exec_plugin_call_total` | code, call_status |
//! | [`transport_create`](RequestMetrics::transport_create) | `rest_client_transport_create_calls_total` | result |
//! | [`transport_cache_entries`](RequestMetrics::transport_cache_entries) | `rest_client_transport_cache_entries` | |
//!
//! As in client-go, `verb` and `method` are the HTTP method (`GET`, `POST`…), `host` is the
//! server's `host:port`, and `code` is the HTTP status code as text, or `<error>` when no
//! response came (the connection failed). Each attempt is counted, retries included; the latency
//! of an attempt runs from sending the request to receiving the response head.
//!
//! With the cargo feature `prometheus`, `PrometheusRequestMetrics` registers these metrics in a
//! `prometheus::Registry` under client-go's names, so dashboards built for Go controllers work.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use k8s_client::metrics::RequestMetrics;
//!
//! /// Counts the answers by status class; ignores everything else.
//! #[derive(Default)]
//! struct Codes { ok: AtomicU64, failed: AtomicU64 }
//!
//! impl RequestMetrics for Codes {
//!     fn request_result(&self, code: &str, _method: &str, _host: &str) {
//!         let counter = if code.starts_with('2') { &self.ok } else { &self.failed };
//!         counter.fetch_add(1, Ordering::Relaxed);
//!     }
//! }
//!
//! let mut config = k8s_client::Config::new("https://127.0.0.1:6443");
//! config.metrics = Some(Arc::new(Codes::default()));
//! ```

use std::time::Duration;

#[cfg(feature = "prometheus")]
mod prometheus;
#[cfg(feature = "prometheus")]
pub use self::prometheus::PrometheusRequestMetrics;

/// The `code` label of an attempt that got no HTTP response.
pub const ERROR_CODE: &str = "<error>";

/// How an exec credential plugin call ended (client-go's `call_status` label).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ExecPluginCallStatus {
    /// Started and exited 0 (`no_error`).
    NoError,
    /// Started and exited with a failure code (`plugin_execution_error`).
    PluginExecutionError,
    /// Could not be started: not found (`plugin_not_found_error`).
    PluginNotFoundError,
    /// Anything else went wrong on our side (`client_internal_error`).
    ClientInternalError,
}

impl ExecPluginCallStatus {
    /// client-go's label value.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecPluginCallStatus::NoError => "no_error",
            ExecPluginCallStatus::PluginExecutionError => "plugin_execution_error",
            ExecPluginCallStatus::PluginNotFoundError => "plugin_not_found_error",
            ExecPluginCallStatus::ClientInternalError => "client_internal_error",
        }
    }
}

/// Receives the request metrics of an [`HttpClient`](crate::HttpClient); see the
/// [module docs](self) for what each method means and the names client-go gives them.
///
/// Methods are called on the request path: keep them cheap and never block.
pub trait RequestMetrics: Send + Sync {
    /// An attempt got its response head (or failed) `latency` after it was sent.
    fn request_latency(&self, verb: &str, host: &str, latency: Duration) {
        let _ = (verb, host, latency);
    }

    /// An attempt ended with HTTP status `code` (or [`ERROR_CODE`]).
    fn request_result(&self, code: &str, method: &str, host: &str) {
        let _ = (code, method, host);
    }

    /// A request waited `latency` for the client-side rate limiter.
    fn rate_limiter_latency(&self, verb: &str, host: &str, latency: Duration) {
        let _ = (verb, host, latency);
    }

    /// A request is sent again after an answer `code` (429/5xx with `Retry-After`, or
    /// [`ERROR_CODE`] for a reset connection).
    fn request_retry(&self, code: &str, verb: &str, host: &str) {
        let _ = (code, verb, host);
    }

    /// A request is sent with a body of `bytes` bytes (0 without a body: client-go observes
    /// every request whose length it knows).
    fn request_size(&self, verb: &str, host: &str, bytes: u64) {
        let _ = (verb, host, bytes);
    }

    /// A response body read whole had `bytes` bytes, an error's `Status` included (streamed
    /// bodies — watches, logs — are not counted, as in client-go).
    fn response_size(&self, verb: &str, host: &str, bytes: u64) {
        let _ = (verb, host, bytes);
    }

    /// An exec credential plugin ran: its exit code (0 on success, 1 when it could not be
    /// run) and how the call ended.
    fn exec_plugin_call(&self, exit_code: i32, status: ExecPluginCallStatus) {
        let _ = (exit_code, status);
    }

    /// A transport was asked for: `hit` (a cached one served), `miss` (a new one was made) or
    /// `uncacheable`.
    fn transport_create(&self, result: &str) {
        let _ = result;
    }

    /// The transport cache now holds `entries` transports.
    fn transport_cache_entries(&self, entries: usize) {
        let _ = entries;
    }
}
