#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! The reconcile loop under seeded faults on the fake API server (dropped watches, 410 Gone on
//! resume, 429 storms, conflicts): no key lost, no key reconciled by two workers at once; and
//! what it reports in Prometheus metrics. (The reconcile spans: `spans.rs`, a test binary of its own:
//! tracing caches per call site whether any subscriber wants it, so a global subscriber set by
//! another test in the same binary could hide the spans from this test's own.)

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{PatchOptions, PatchType};
use k8s_client::Api;
use k8s_controller::{Action, Controller, WatchConfig, default_error_policy};
use k8s_fake::{FakeApiServer, Fault};
use k8s_informers::SharedInformerFactory;
use k8s_workqueue::ItemExponentialFailureRateLimiter;

/// Under seeded faults — watches dropped after a random number of events, every resume
/// answered `410 Gone`, 429 storms on lists and watches, conflicts on the controller's
/// updates — with 4 workers and 20 keys changing many times: no key is ever reconciled by two
/// workers at once, and once the writes stop every key's last reconcile saw its final value
/// (no key lost).
#[tokio::test(start_paused = true)]
async fn under_faults_no_key_is_lost_or_reconciled_concurrently() {
    init_logs();
    for seed in 0..10u64 {
        let keys: Vec<String> = (0..20).map(|i| format!("k{i}")).collect();
        let fake = FakeApiServer::new()
            .with_objects(keys.iter().map(|k| cm(k, "0")))
            .unwrap();
        fake.set_seed(seed);
        fake.inject(Fault::close_watch_randomly(0, 8).on("watch", "configmaps"));
        fake.inject(Fault::expire().on("watch", "configmaps").probability(0.5));
        fake.inject(
            Fault::status(429)
                .retry_after(1)
                .on("list", "configmaps")
                .probability(0.3)
                .times(10),
        );
        fake.inject(
            Fault::conflict()
                .on("update", "configmaps")
                .probability(0.3),
        );

        let factory = SharedInformerFactory::new(fake.client(), None);
        let in_flight: Arc<Mutex<HashSet<String>>> = Arc::default();
        let overlaps = Arc::new(AtomicUsize::new(0));
        let last: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
        let counts = Arc::new(Counts::default());
        let (stop, shutdown) = signal();
        let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
            .metrics(counts.clone())
            .concurrency(4)
            .rate_limiter(ItemExponentialFailureRateLimiter::new(
                Duration::from_millis(10),
                Duration::from_secs(2),
            ))
            .graceful_shutdown_on(shutdown);
        let (flight, over, seen) = (in_flight.clone(), overlaps.clone(), last.clone());
        let client = fake.client();
        let run = tokio::spawn(controller.run(
            move |cm: Arc<ConfigMap>, _ctx: Arc<()>| {
                let (flight, over, seen) = (flight.clone(), over.clone(), seen.clone());
                let cms: Api<ConfigMap> = Api::namespaced(client.clone(), NS);
                async move {
                    let name = cm.metadata.name.clone().unwrap().to_string();
                    if !flight.lock().unwrap().insert(name.clone()) {
                        over.fetch_add(1, Ordering::SeqCst);
                    }
                    tokio::time::sleep(Duration::from_millis(7)).await;
                    // A write from the cached copy: a conflict (injected, or a stale cache)
                    // retries the key with back-off.
                    let mut marked = (*cm).clone();
                    marked
                        .metadata
                        .annotations
                        .get_or_insert_with(Default::default)
                        .insert("seen".into(), "yes".into());
                    let marked = cms.update(&name, &marked, &Default::default()).await;
                    flight.lock().unwrap().remove(&name);
                    marked?;
                    seen.lock().unwrap().insert(name, value_of(&cm));
                    Ok::<_, k8s_client::Error>(Action::await_change())
                }
            },
            default_error_policy,
            Arc::new(()),
        ));
        let cms: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
        for round in 1..=8 {
            for k in &keys {
                cms.patch(
                    k,
                    PatchType::Merge,
                    &serde_json::json!({"data": {"v": round.to_string()}}),
                    &PatchOptions::default(),
                )
                .await
                .unwrap();
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        let want: BTreeMap<String, String> = keys.iter().map(|k| (k.clone(), "8".into())).collect();
        eventually(
            &format!("seed {seed}: every key's final value reconciled"),
            Duration::from_secs(120),
            || async { (*last.lock().unwrap() == want).then_some(()) },
        )
        .await;
        assert_eq!(overlaps.load(Ordering::SeqCst), 0, "seed {seed}");
        // The faults did fire: watches were re-opened, lists refused, updates conflicted.
        let actions = fake.actions();
        let count = |verb: &str| {
            actions
                .iter()
                .filter(|a| a.verb == verb && a.resource == "configmaps")
                .count()
        };
        assert!(
            count("watch") > 3,
            "seed {seed}: {} watches",
            count("watch")
        );
        assert!(count("list") > 1, "seed {seed}: {} lists", count("list"));
        assert!(
            counts.errors.load(Ordering::Relaxed) > 0,
            "seed {seed}: no conflict"
        );
        assert_eq!(counts.max_active.load(Ordering::Relaxed), 4, "seed {seed}");
        stop.send(()).unwrap();
        run.await.unwrap().unwrap();
        factory.shutdown();
    }
}

/// controller-runtime's families and the queue's, labelled with the controller's name, in a
/// Prometheus registry.
#[cfg(feature = "prometheus")]
#[tokio::test(start_paused = true)]
async fn prometheus_metrics_under_controller_runtime_names() {
    use k8s_controller::metrics::PrometheusControllerMetrics;
    let registry = prometheus::Registry::new();
    let metrics = Arc::new(PrometheusControllerMetrics::register(&registry).unwrap());
    let queue = Arc::new(k8s_workqueue::PrometheusMetricsProvider::register(&registry).unwrap());
    let fake = FakeApiServer::new()
        .with_objects([cm("a", "1"), cm("b", "1")])
        .unwrap();
    let factory = SharedInformerFactory::new(fake.client(), None);
    let (stop, shutdown) = signal();
    let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
        .metrics(metrics)
        .queue_metrics(queue)
        .graceful_shutdown_on(shutdown);
    let run = tokio::spawn(controller.run(
        |cm: Arc<ConfigMap>, _ctx: Arc<()>| async move {
            match cm.metadata.name.as_deref() {
                Some("a") => Ok(Action::await_change()),
                _ => Err("b fails"),
            }
        },
        |_, _, _| Action::await_change(),
        Arc::new(()),
    ));
    let value = |family: &str, labels: &[(&str, &str)]| {
        registry
            .gather()
            .iter()
            .filter(|f| f.name() == family)
            .flat_map(|f| f.get_metric().to_vec())
            .find(|m| {
                labels.iter().all(|(k, v)| {
                    m.get_label()
                        .iter()
                        .any(|l| l.name() == *k && l.value() == *v)
                })
            })
            .map(|m| m.get_counter().get_value())
    };
    eventually("both reconciled", Duration::from_secs(5), || async {
        let ok = value(
            "controller_runtime_reconcile_total",
            &[("controller", "configmap"), ("result", "success")],
        );
        let failed = value(
            "controller_runtime_reconcile_total",
            &[("controller", "configmap"), ("result", "error")],
        );
        (ok == Some(1.0) && failed == Some(1.0)).then_some(())
    })
    .await;
    assert_eq!(
        value(
            "controller_runtime_reconcile_errors_total",
            &[("controller", "configmap")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value("workqueue_adds_total", &[("name", "configmap")]),
        Some(2.0)
    );
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    factory.shutdown();
}
