//! What the runtime's test files share: fixtures, a virtual-time `eventually`, a shutdown
//! signal, a metrics recorder.
#![allow(dead_code)] // each test file uses its part

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{LiteMap, ObjectMeta};
use k8s_controller::metrics::{ControllerMetrics, ReconcileResult};
use tokio::sync::oneshot;
use tokio::time::Instant;

pub const NS: &str = "default";

pub fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

pub fn cm(name: &str, value: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta::namespaced(NS, name),
        data: Some(LiteMap::from_iter([("v".into(), value.into())])),
        ..Default::default()
    }
}

pub fn value_of(cm: &ConfigMap) -> String {
    cm.data
        .as_ref()
        .and_then(|d| d.get("v"))
        .map(|v| v.to_string())
        .unwrap_or_default()
}

pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A shutdown signal the test fires.
pub fn signal() -> (
    oneshot::Sender<()>,
    impl Future<Output = ()> + Send + 'static,
) {
    let (tx, rx) = oneshot::channel::<()>();
    (tx, async move {
        let _ = rx.await;
    })
}

/// Counts results by label, like a Prometheus counter would.
#[derive(Default)]
pub struct Counts {
    pub results: Mutex<HashMap<&'static str, usize>>,
    pub errors: AtomicUsize,
    pub panics: AtomicUsize,
    pub max_active: AtomicUsize,
}

impl ControllerMetrics for Counts {
    fn reconcile_total(&self, controller: &str, result: ReconcileResult) {
        assert_eq!(controller, "configmap");
        *self
            .results
            .lock()
            .unwrap()
            .entry(result.as_str())
            .or_default() += 1;
    }
    fn reconcile_error(&self, _: &str) {
        self.errors.fetch_add(1, Ordering::Relaxed);
    }
    fn reconcile_panic(&self, _: &str) {
        self.panics.fetch_add(1, Ordering::Relaxed);
    }
    fn active_workers(&self, _: &str, workers: usize) {
        self.max_active.fetch_max(workers, Ordering::Relaxed);
    }
}

/// An mpsc receiver as a `Stream` (without pulling in tokio-stream).
pub fn tokio_stream(
    mut rx: tokio::sync::mpsc::UnboundedReceiver<String>,
) -> impl futures::Stream<Item = String> + Send + 'static {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}
