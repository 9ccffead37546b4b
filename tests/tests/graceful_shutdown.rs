#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! Shutdowns that stop within a bound (issue #25), against the real apiserver: informers whose
//! handlers are slow or stuck, and the sample controller stopped with a backlog that its
//! client-side rate limit would take a minute to work through.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{CreateOptions, ObjectMeta};
use k8s_client::{Api, HttpClient};
use k8s_informers::{
    EventHandlerFuncs, InformerOptions, SharedIndexInformer, SharedInformerFactory,
};
use k8s_testenv::TestEnv;
use sample_controller::v1alpha1::{Foo, FooSpec};
use sample_controller::{Controller, ControllerOptions, HANDLER_STOP_TIMEOUT};

async fn config_maps(client: &HttpClient, ns: &str, n: usize) {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    for i in 0..n {
        let cm = ConfigMap {
            metadata: ObjectMeta::named(format!("c{i:03}")),
            ..ConfigMap::default()
        };
        api.create(&cm, &CreateOptions::default()).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handlers_backlog_is_dropped_and_shutdown_waits_only_for_the_call_in_hand() {
    let env = TestEnv::new("stop-slow").await.unwrap();
    let client = env.client().unwrap();
    config_maps(&client, env.namespace(), 30).await;
    let informer = SharedIndexInformer::new(
        Api::<ConfigMap>::namespaced(client, env.namespace()),
        InformerOptions::default(),
    );
    let handled = Arc::new(AtomicUsize::new(0));
    let h = handled.clone();
    // 30 adds at 300 ms each: 9 s to work through.
    informer.add_event_handler(EventHandlerFuncs::new().on_add(move |_, _| {
        std::thread::sleep(Duration::from_millis(300));
        h.fetch_add(1, Ordering::SeqCst);
    }));
    informer.start();
    informer
        .wait_for_sync(Duration::from_secs(30))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(450)).await; // the second add is in hand
    let start = Instant::now();
    assert!(informer.shutdown_within(Duration::from_secs(5)).await);
    let took = start.elapsed();
    assert!(
        took < Duration::from_millis(400),
        "waited {took:?}: only the call in hand"
    );
    let at_stop = handled.load(Ordering::SeqCst);
    assert!((1..5).contains(&at_stop), "{at_stop} handled");
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        handled.load(Ordering::SeqCst),
        at_stop,
        "the buffered adds were dropped, not delivered after shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_handler_does_not_hold_up_the_factorys_shutdown_past_its_bound() {
    let env = TestEnv::new("stop-stuck").await.unwrap();
    let client = env.client().unwrap();
    config_maps(&client, env.namespace(), 2).await;
    let factory = SharedInformerFactory::new(client, None).namespace(env.namespace());
    let release = Arc::new(AtomicBool::new(false));
    let entered = Arc::new(AtomicBool::new(false));
    let (r, e) = (release.clone(), entered.clone());
    factory
        .informer::<ConfigMap>()
        .add_event_handler(EventHandlerFuncs::new().on_add(move |_, _| {
            e.store(true, Ordering::SeqCst);
            while !r.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(5));
            }
        }));
    factory.start();
    factory
        .wait_for_cache_sync(Duration::from_secs(30))
        .await
        .unwrap();
    while !entered.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let start = Instant::now();
    assert!(!factory.shutdown_within(Duration::from_millis(300)).await);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(2),
        "{took:?}"
    );
    release.store(true, Ordering::SeqCst);
    // The factory is stopped: its sync wait says so at once.
    assert!(matches!(
        factory.wait_for_cache_sync(None).await,
        Ok(()) | Err(k8s_informers::Error::Stopped)
    ));
}

fn foo(name: &str) -> Foo {
    Foo {
        metadata: ObjectMeta::named(name),
        spec: Some(Box::new(FooSpec {
            deployment_name: format!("{name}-deploy").into(),
            replicas: Some(1),
        })),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sample_controller_stops_within_its_drain_timeout_with_a_backlog() {
    let env = TestEnv::new("stop-controller").await.unwrap();
    let admin = env.client().unwrap();
    let crds = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/sample-controller/crd"
    );
    env.install_crds(crds).await.unwrap();
    let foos: Api<Foo> = Api::namespaced(admin, env.namespace());
    for i in 0..40 {
        foos.create(&foo(&format!("f{i:02}")), &CreateOptions::default())
            .await
            .unwrap();
    }
    // client-go's default limit, as a controller ported from Go gets it: 40 Foos need 120+
    // writes (finalizer, Deployment, status), at 5 per second after a burst of 10 — 20 s or
    // more — the backlog of the issue.
    let mut config = env.config().unwrap();
    config.qps = 5.0;
    config.burst = 10;
    let drain_timeout = Duration::from_secs(2);
    let controller = Arc::new(Controller::new(
        HttpClient::new(config).unwrap(),
        ControllerOptions {
            namespace: Some(env.namespace().to_owned()),
            drain_timeout,
            ..ControllerOptions::default()
        },
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let stopped_at = Arc::new(Mutex::new(None::<Instant>));
    let task = tokio::spawn({
        let controller = controller.clone();
        let stopped_at = stopped_at.clone();
        async move {
            controller
                .run(2, async move {
                    let _ = stopped.await;
                    *stopped_at.lock().unwrap() = Some(Instant::now());
                })
                .await
        }
    });
    // Let it start working, then "Ctrl-C" with most of the backlog left.
    let start = Instant::now();
    while controller.stats().syncs < 3 {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        controller.queue_len() > 10,
        "a backlog: {}",
        controller.queue_len()
    );
    eprintln!("FIGURES backlog at stop: {}", controller.queue_len());
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("run returns")
        .unwrap()
        .unwrap();
    let took = stopped_at.lock().unwrap().unwrap().elapsed();
    assert!(
        took < drain_timeout + HANDLER_STOP_TIMEOUT + Duration::from_millis(500),
        "shutdown took {took:?}"
    );
    let created = controller.stats().created;
    eprintln!("FIGURES shutdown took {took:?}, created {created} of 40");
    assert!(
        created < 40,
        "the backlog was abandoned, not worked through: {created}"
    );
}
