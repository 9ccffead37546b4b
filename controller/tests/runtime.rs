#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! The reconcile loop on the in-process fake API server (`k8s-fake`), on paused tokio time:
//! owned and watched kinds, external triggers, requeues, back-off per key as configured, the
//! deletion hook, panics, graceful shutdown, leader election, one watch per kind across
//! controllers. (Faults, spans and Prometheus metrics: `faults.rs`.)

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use k8s_api::core::v1::{ConfigMap, Secret};
use k8s_apimachinery::{
    CreateOptions, DeleteOptions, GetOptions, LiteMap, ObjectMeta, OwnerReference, PatchOptions,
    PatchType,
};
use k8s_client::leaderelection::LeaderElectionConfig;
use k8s_client::{Api, HttpClient};
use k8s_controller::{Action, Controller, WatchConfig, default_error_policy};
use k8s_fake::FakeApiServer;
use k8s_informers::SharedInformerFactory;
use k8s_workqueue::ItemExponentialFailureRateLimiter;
use tokio::time::Instant;

/// The controller of the first tests: each ConfigMap `x` gets a Secret `x-copy` it controls,
/// holding the ConfigMap's value.
async fn mirror(cm: Arc<ConfigMap>, client: Arc<HttpClient>) -> Result<Action, k8s_client::Error> {
    let secrets: Api<Secret> = Api::namespaced((*client).clone(), NS);
    let name = format!("{}-copy", cm.metadata.name.as_deref().unwrap_or_default());
    let mut want = Secret {
        metadata: ObjectMeta::namespaced(NS, name.as_str()),
        string_data: Some(LiteMap::from_iter([("v".into(), value_of(&cm).into())])),
        ..Default::default()
    };
    want.metadata.owner_references = Some(vec![OwnerReference::controller_of(cm.as_ref())]);
    match secrets.get(&name, &GetOptions::default()).await {
        Ok(mut have) => {
            have.string_data = want.string_data;
            secrets.update(&name, &have, &Default::default()).await?;
        }
        Err(e) if e.is_not_found() => {
            secrets.create(&want, &CreateOptions::default()).await?;
        }
        Err(e) => return Err(e),
    }
    Ok(Action::await_change())
}

#[tokio::test(start_paused = true)]
async fn owned_objects_lead_back_to_their_owner() {
    init_logs();
    let fake = FakeApiServer::new().with_objects([cm("a", "1")]).unwrap();
    let client = fake.client();
    let factory = SharedInformerFactory::new(client.clone(), None);
    let (stop, shutdown) = signal();
    let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
        .owns::<Secret>(WatchConfig::default())
        .graceful_shutdown_on(shutdown);
    let run = tokio::spawn(controller.run(mirror, default_error_policy, Arc::new(client.clone())));

    let secrets: Api<Secret> = Api::namespaced(client.clone(), NS);
    eventually("the secret", Duration::from_secs(5), || async {
        secrets.get("a-copy", &GetOptions::default()).await.ok()
    })
    .await;
    // Deleting the owned Secret reconciles its owner, which re-creates it.
    secrets
        .delete("a-copy", &DeleteOptions::default())
        .await
        .unwrap();
    eventually("the secret re-created", Duration::from_secs(5), || async {
        secrets.get("a-copy", &GetOptions::default()).await.ok()
    })
    .await;
    // A Secret controlled by another kind leads nowhere: no reconcile, no write.
    let mut stranger = Secret {
        metadata: ObjectMeta::namespaced(NS, "stranger"),
        ..Default::default()
    };
    stranger.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        name: "a".into(),
        uid: "123".into(),
        controller: Some(true),
        block_owner_deletion: None,
    }]);
    fake.clear_actions();
    secrets
        .create(&stranger, &CreateOptions::default())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let writes: Vec<_> = fake
        .actions()
        .into_iter()
        .filter(|a| a.verb != "watch" && a.verb != "list")
        .collect();
    assert_eq!(writes.len(), 1, "only the test's own create: {writes:?}");

    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    factory.shutdown();
}

#[tokio::test(start_paused = true)]
async fn watched_kinds_map_to_keys_and_external_triggers_queue_keys() {
    init_logs();
    let fake = FakeApiServer::new()
        .with_objects([cm("a", "1"), cm("b", "1")])
        .unwrap();
    let client = fake.client();
    let factory = SharedInformerFactory::new(client.clone(), None);
    let seen = Arc::new(Mutex::new(Vec::<String>::new()));
    let (keys_tx, keys_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let (stop, shutdown) = signal();
    let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
        // A Secret labelled `for=<name>` concerns the ConfigMap of that name.
        .watches::<Secret, _>(WatchConfig::default().labels("for"), |s: &Secret| {
            let target = s.metadata.labels.as_ref().and_then(|l| l.get("for"));
            target.map(|t| format!("{NS}/{t}"))
        })
        .reconcile_on(tokio_stream(keys_rx))
        .graceful_shutdown_on(shutdown);
    let log = seen.clone();
    let run = tokio::spawn(controller.run(
        move |cm: Arc<ConfigMap>, _ctx: Arc<()>| {
            let log = log.clone();
            async move {
                log.lock()
                    .unwrap()
                    .push(cm.metadata.name.clone().unwrap().to_string());
                Ok::<_, std::convert::Infallible>(Action::await_change())
            }
        },
        default_error_policy,
        Arc::new(()),
    ));
    eventually("the initial reconciles", Duration::from_secs(5), || async {
        (seen.lock().unwrap().len() == 2).then_some(())
    })
    .await;
    seen.lock().unwrap().clear();

    let mut s = Secret {
        metadata: ObjectMeta::namespaced(NS, "s"),
        ..Default::default()
    };
    s.metadata.labels = Some(LiteMap::from_iter([("for".into(), "b".into())]));
    Api::<Secret>::namespaced(client.clone(), NS)
        .create(&s, &CreateOptions::default())
        .await
        .unwrap();
    eventually("the mapped reconcile", Duration::from_secs(5), || async {
        (seen.lock().unwrap().as_slice() == ["b"]).then_some(())
    })
    .await;
    keys_tx.send(format!("{NS}/a")).unwrap();
    eventually(
        "the triggered reconcile",
        Duration::from_secs(5),
        || async { (seen.lock().unwrap().as_slice() == ["b", "a"]).then_some(()) },
    )
    .await;
    // A key of an object that does not exist reconciles nothing.
    keys_tx.send(format!("{NS}/nope")).unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(seen.lock().unwrap().as_slice(), ["b", "a"]);

    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    factory.shutdown();
}

#[tokio::test(start_paused = true)]
async fn failures_back_off_per_key_as_configured_and_success_resets() {
    init_logs();
    let fake = FakeApiServer::new()
        .with_objects([cm("flaky", "1"), cm("fine", "1")])
        .unwrap();
    let factory = SharedInformerFactory::new(fake.client(), None);
    let calls: Arc<Mutex<HashMap<String, Vec<Instant>>>> = Arc::default();
    let counts = Arc::new(Counts::default());
    let (stop, shutdown) = signal();
    let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
        .rate_limiter(ItemExponentialFailureRateLimiter::new(
            Duration::from_millis(100),
            Duration::from_secs(1),
        ))
        .concurrency(2)
        .metrics(counts.clone())
        .graceful_shutdown_on(shutdown);
    let log = calls.clone();
    let run = tokio::spawn(controller.run(
        move |cm: Arc<ConfigMap>, _ctx: Arc<()>| {
            let log = log.clone();
            async move {
                let name = cm.metadata.name.clone().unwrap().to_string();
                let n = {
                    let mut log = log.lock().unwrap();
                    let v = log.entry(name.clone()).or_default();
                    v.push(Instant::now());
                    v.len()
                };
                // `flaky` fails its first 6 reconciles.
                if name == "flaky" && n <= 6 {
                    return Err(format!("attempt {n} failed"));
                }
                Ok(Action::await_change())
            }
        },
        default_error_policy,
        Arc::new(()),
    ));
    eventually("the 7th attempt", Duration::from_secs(30), || async {
        (calls.lock().unwrap().get("flaky").map_or(0, Vec::len) == 7).then_some(())
    })
    .await;
    let times = calls.lock().unwrap()["flaky"].clone();
    let gaps: Vec<u128> = times
        .windows(2)
        .map(|w| (w[1] - w[0]).as_millis())
        .collect();
    // 100 ms doubling, capped at 1 s (paused time: exact).
    assert_eq!(gaps, [100, 200, 400, 800, 1000, 1000]);
    // The other key was reconciled once, unaffected by its neighbour's failures.
    assert_eq!(calls.lock().unwrap()["fine"].len(), 1);
    assert_eq!(counts.errors.load(Ordering::Relaxed), 6);
    assert_eq!(counts.results.lock().unwrap()["success"], 2);

    // After a success the back-off starts over: an event now reconciles at once.
    let cms: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    let before = Instant::now();
    cms.patch(
        "flaky",
        PatchType::Merge,
        &serde_json::json!({"data": {"v": "2"}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    eventually(
        "the reconcile of the change",
        Duration::from_secs(5),
        || async { (calls.lock().unwrap()["flaky"].len() == 8).then_some(()) },
    )
    .await;
    assert!(calls.lock().unwrap()["flaky"][7] - before < Duration::from_millis(50));

    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    factory.shutdown();
}

#[tokio::test(start_paused = true)]
async fn requeue_after_reconciles_again_on_time() {
    init_logs();
    let fake = FakeApiServer::new().with_objects([cm("a", "1")]).unwrap();
    let factory = SharedInformerFactory::new(fake.client(), None);
    let calls: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let (stop, shutdown) = signal();
    let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
        .graceful_shutdown_on(shutdown);
    let log = calls.clone();
    let run = tokio::spawn(controller.run(
        move |_cm: Arc<ConfigMap>, _ctx: Arc<()>| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(Instant::now());
                Ok::<_, String>(Action::requeue(Duration::from_secs(30)))
            }
        },
        default_error_policy,
        Arc::new(()),
    ));
    eventually("3 reconciles", Duration::from_secs(120), || async {
        (calls.lock().unwrap().len() >= 3).then_some(())
    })
    .await;
    let times = calls.lock().unwrap().clone();
    assert_eq!(times[1] - times[0], Duration::from_secs(30));
    assert_eq!(times[2] - times[1], Duration::from_secs(30));
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    factory.shutdown();
}

#[tokio::test(start_paused = true)]
async fn deletions_reach_the_hook_with_the_final_state_and_panics_are_retried() {
    init_logs();
    let fake = FakeApiServer::new()
        .with_objects([cm("a", "1"), cm("boom", "1")])
        .unwrap();
    let factory = SharedInformerFactory::new(fake.client(), None);
    let deleted = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let attempts = Arc::new(AtomicUsize::new(0));
    let counts = Arc::new(Counts::default());
    let (stop, shutdown) = signal();
    let notes = deleted.clone();
    let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
        .metrics(counts.clone())
        .on_deleted(move |cm: Arc<ConfigMap>| {
            let notes = notes.clone();
            async move {
                let name = cm.metadata.name.clone().unwrap().to_string();
                notes.lock().unwrap().push((name, value_of(&cm)));
                Ok::<_, String>(())
            }
        })
        .graceful_shutdown_on(shutdown);
    let tries = attempts.clone();
    let run = tokio::spawn(controller.run(
        move |cm: Arc<ConfigMap>, _ctx: Arc<()>| {
            let tries = tries.clone();
            async move {
                if cm.metadata.name.as_deref() == Some("boom")
                    && tries.fetch_add(1, Ordering::SeqCst) < 2
                {
                    panic!("reconcile bug");
                }
                Ok::<_, String>(Action::await_change())
            }
        },
        default_error_policy,
        Arc::new(()),
    ));
    let cms: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    // The panicking key is retried with back-off, and the worker survives.
    eventually("boom reconciled", Duration::from_secs(5), || async {
        (attempts.load(Ordering::SeqCst) == 3).then_some(())
    })
    .await;
    assert_eq!(counts.panics.load(Ordering::Relaxed), 2);

    cms.patch(
        "a",
        PatchType::Merge,
        &serde_json::json!({"data": {"v": "last"}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    cms.delete("a", &DeleteOptions::default()).await.unwrap();
    eventually("the deletion hook", Duration::from_secs(5), || async {
        (!deleted.lock().unwrap().is_empty()).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        deleted.lock().unwrap().as_slice(),
        [("a".to_string(), "last".to_string())]
    );
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    factory.shutdown();
}

#[tokio::test(start_paused = true)]
async fn shutdown_drains_within_the_deadline_and_cancels_the_rest() {
    init_logs();
    let objects: Vec<_> = (0..5).map(|i| cm(&format!("c{i}"), "1")).collect();
    let fake = FakeApiServer::new().with_objects(objects).unwrap();
    let factory = SharedInformerFactory::new(fake.client(), None);
    let started = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let (stop, shutdown) = signal();
    let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
        .concurrency(2)
        .drain_timeout(Duration::from_secs(5))
        .graceful_shutdown_on(shutdown);
    let (s, f) = (started.clone(), finished.clone());
    let run = tokio::spawn(controller.run(
        move |_cm: Arc<ConfigMap>, _ctx: Arc<()>| {
            let (s, f) = (s.clone(), f.clone());
            async move {
                s.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(3)).await;
                f.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(Action::await_change())
            }
        },
        default_error_policy,
        Arc::new(()),
    ));
    eventually("two reconciles running", Duration::from_secs(5), || async {
        (started.load(Ordering::SeqCst) == 2).then_some(())
    })
    .await;
    let t0 = Instant::now();
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    // 3 s: the first two finish; 6 s would finish two more, past the 5 s deadline: those are
    // cancelled and the fifth is abandoned.
    assert_eq!(t0.elapsed(), Duration::from_secs(5));
    assert_eq!(finished.load(Ordering::SeqCst), 2);
    assert_eq!(started.load(Ordering::SeqCst), 4);
    factory.shutdown();
}

#[tokio::test(start_paused = true)]
async fn controllers_of_one_kind_share_one_watch() {
    init_logs();
    let fake = FakeApiServer::new().with_objects([cm("a", "1")]).unwrap();
    let factory = SharedInformerFactory::new(fake.client(), None);
    let seen = Arc::new(AtomicUsize::new(0));
    let mut runs = Vec::new();
    let mut stops = Vec::new();
    for name in ["one", "two"] {
        let (stop, shutdown) = signal();
        stops.push(stop);
        let seen = seen.clone();
        let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
            .name(name)
            .owns::<Secret>(WatchConfig::default())
            .graceful_shutdown_on(shutdown);
        runs.push(tokio::spawn(controller.run(
            move |_cm: Arc<ConfigMap>, _ctx: Arc<()>| {
                let seen = seen.clone();
                async move {
                    seen.fetch_add(1, Ordering::SeqCst);
                    Ok::<_, String>(Action::await_change())
                }
            },
            default_error_policy,
            Arc::new(()),
        )));
    }
    eventually("both reconciled", Duration::from_secs(5), || async {
        (seen.load(Ordering::SeqCst) == 2).then_some(())
    })
    .await;
    let opened = |resource: &str| {
        fake.actions()
            .iter()
            .filter(|a| a.resource == resource && (a.verb == "watch" || a.verb == "list"))
            .count()
    };
    assert_eq!(opened("configmaps"), 1);
    assert_eq!(opened("secrets"), 1);
    for s in stops {
        s.send(()).unwrap();
    }
    for r in runs {
        r.await.unwrap().unwrap();
    }
    factory.shutdown();
}

#[tokio::test(start_paused = true)]
async fn only_the_leader_reconciles_and_a_successor_takes_over() {
    init_logs();
    let fake = FakeApiServer::new().with_objects([cm("a", "1")]).unwrap();
    let seen: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let lease = || {
        LeaderElectionConfig::new(NS, "configmap-controller")
            .lease_duration(Duration::from_secs(15))
            .renew_deadline(Duration::from_secs(10))
            .retry_period(Duration::from_secs(2))
            .release_on_cancel(true)
    };
    let mut stops = Vec::new();
    let mut runs = Vec::new();
    let mut factories = Vec::new();
    for who in ["first", "second"] {
        let factory = SharedInformerFactory::new(fake.client(), None);
        let (stop, shutdown) = signal();
        stops.push(stop);
        let log = seen.clone();
        let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
            .leader_election(fake.client(), lease().identity(who))
            .graceful_shutdown_on(shutdown);
        runs.push(tokio::spawn(controller.run(
            move |_cm: Arc<ConfigMap>, _ctx: Arc<()>| {
                let log = log.clone();
                async move {
                    log.lock().unwrap().push(who);
                    Ok::<_, String>(Action::await_change())
                }
            },
            default_error_policy,
            Arc::new(()),
        )));
        factories.push(factory);
        if who == "first" {
            eventually("first leads", Duration::from_secs(10), || async {
                (!seen.lock().unwrap().is_empty()).then_some(())
            })
            .await;
        }
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(seen.lock().unwrap().as_slice(), ["first"]);
    // The leader shuts down and releases the lease: the second takes over within a retry.
    let t0 = Instant::now();
    stops.remove(0).send(()).unwrap();
    runs.remove(0).await.unwrap().unwrap();
    eventually("second leads", Duration::from_secs(10), || async {
        (seen.lock().unwrap().len() == 2).then_some(())
    })
    .await;
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert_eq!(seen.lock().unwrap().as_slice(), ["first", "second"]);
    stops.remove(0).send(()).unwrap();
    runs.remove(0).await.unwrap().unwrap();
    for f in factories {
        f.shutdown();
    }
}
