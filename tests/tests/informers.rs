#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! k8s-informers against the real apiserver: sync, events in order, the store equal to a fresh
//! LIST, late handlers, streaming list vs LIST, and faults (apiserver restart, 410 relist with
//! `DeletedFinalStateUnknown`).

use std::collections::BTreeMap;

use k8s_apimachinery::LiteMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{
    CreateOptions, DeleteOptions, ListOptions, ObjectMeta, PatchOptions, PatchType,
};
use k8s_client::{Api, HttpClient};
use k8s_informers::{
    DeletedObject, EventHandlerFuncs, InformerOptions, ListWatchError, SharedIndexInformer,
    SyncMode,
};
use k8s_testenv::{PlaneInfo, TestEnv};
use tokio::net::{TcpListener, TcpStream};

fn admin_at(plane: &PlaneInfo, server: &str) -> HttpClient {
    HttpClient::new(plane.config_at(server).unwrap()).unwrap()
}

fn admin(plane: &PlaneInfo) -> HttpClient {
    plane.client().unwrap()
}

fn cm(name: &str, v: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta::named(name),
        data: Some(LiteMap::from_iter([("v".into(), v.into())])),
        ..ConfigMap::default()
    }
}

/// What the handler saw, applied to a map: after quiescence it must equal the server's state.
#[derive(Default)]
struct Mirror {
    state: Mutex<BTreeMap<String, String>>,
    log: Mutex<Vec<String>>,
    final_state_unknown: Mutex<Vec<String>>,
}

fn value(o: &ConfigMap) -> String {
    o.data
        .as_ref()
        .and_then(|d| d.get("v").cloned())
        .unwrap_or_default()
        .into()
}

fn mirror_handler(m: Arc<Mirror>) -> EventHandlerFuncs<ConfigMap> {
    let (a, u, d) = (m.clone(), m.clone(), m);
    EventHandlerFuncs::new()
        .on_add(move |o: &Arc<ConfigMap>, _| {
            let name = o.metadata.name.clone().unwrap();
            a.log
                .lock()
                .unwrap()
                .push(format!("add {name}={}", value(o)));
            a.state.lock().unwrap().insert(name.into(), value(o));
        })
        .on_update(move |_, o| {
            let name = o.metadata.name.clone().unwrap();
            u.log
                .lock()
                .unwrap()
                .push(format!("update {name}={}", value(o)));
            u.state.lock().unwrap().insert(name.into(), value(o));
        })
        .on_delete(move |d_obj| {
            let name = d_obj.object().metadata.name.clone().unwrap();
            if let DeletedObject::FinalStateUnknown { key, .. } = d_obj {
                d.final_state_unknown.lock().unwrap().push(key.clone());
            }
            d.log.lock().unwrap().push(format!("delete {name}"));
            d.state.lock().unwrap().remove(name.as_str());
        })
}

async fn server_state(api: &Api<ConfigMap>) -> BTreeMap<String, String> {
    api.list(&ListOptions::default())
        .await
        .unwrap()
        .items
        .iter()
        .map(|o| (o.metadata.name.as_deref().unwrap().to_owned(), value(o)))
        .collect()
}

fn store_state(informer: &SharedIndexInformer<ConfigMap>) -> BTreeMap<String, String> {
    informer
        .indexer()
        .list()
        .iter()
        .map(|o| (o.metadata.name.as_deref().unwrap().to_owned(), value(o)))
        .collect()
}

/// Waits until the store and the handler's mirror both equal the server's state.
async fn converge(api: &Api<ConfigMap>, informer: &SharedIndexInformer<ConfigMap>, m: &Mirror) {
    let mut last = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for _ in 0..300 {
        let want = server_state(api).await;
        let store = store_state(informer);
        let seen = m.state.lock().unwrap().clone();
        if want == store && want == seen {
            return;
        }
        last = (want, store, seen);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "no convergence: server {:?}\nstore {:?}\nhandler {:?}",
        last.0, last.1, last.2
    );
}

#[tokio::test]
async fn syncs_and_delivers_events_in_order() {
    let env = TestEnv::new("inf-order").await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(admin(env.plane()), env.namespace());
    for i in 0..5 {
        api.create(&cm(&format!("pre-{i}"), "0"), &CreateOptions::default())
            .await
            .unwrap();
    }
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let e2 = errors.clone();
    let mut options = InformerOptions::default();
    options.reflector.watch_error_handler = Some(Arc::new(move |e: &ListWatchError| {
        e2.lock().unwrap().push(e.to_string());
    }));
    let informer = SharedIndexInformer::new(api.clone(), options);
    let m = Arc::new(Mirror::default());
    let reg = informer.add_event_handler(mirror_handler(m.clone()));
    informer.start();
    informer
        .wait_for_sync(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(informer.indexer().len(), 5);
    converge(&api, &informer, &m).await;
    assert!(reg.has_synced());
    assert_eq!(
        informer.stats().unwrap().last_sync_mode,
        Some(SyncMode::StreamingList),
        "v1.37.2 serves streaming lists"
    );

    m.log.lock().unwrap().clear();
    api.create(&cm("x", "1"), &CreateOptions::default())
        .await
        .unwrap();
    api.patch(
        "x",
        PatchType::Merge,
        &serde_json::json!({"data": {"v": "2"}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    api.patch(
        "x",
        PatchType::Merge,
        &serde_json::json!({"data": {"v": "3"}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    api.delete("x", &DeleteOptions::default()).await.unwrap();
    api.delete("pre-0", &DeleteOptions::default())
        .await
        .unwrap();
    converge(&api, &informer, &m).await;
    let log = m.log.lock().unwrap().clone();
    assert!(
        errors.lock().unwrap().is_empty(),
        "{:?}",
        errors.lock().unwrap()
    );
    assert_eq!(
        log,
        vec![
            "add x=1",
            "update x=2",
            "update x=3",
            "delete x",
            "delete pre-0"
        ],
        "events in server order, deletes with the final state"
    );
    // Without a transform, objects keep their managedFields (the factory strips them by
    // default; checked in the factory test).
    let x = informer.indexer().list().into_iter().next().unwrap();
    assert!(x.metadata.managed_fields.is_some());
    informer.shutdown();
}

#[tokio::test]
async fn late_handler_gets_the_current_state_and_slow_handlers_do_not_block() {
    let env = TestEnv::new("inf-late").await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(admin(env.plane()), env.namespace());
    for i in 0..3 {
        api.create(&cm(&format!("c{i}"), "0"), &CreateOptions::default())
            .await
            .unwrap();
    }
    let informer = SharedIndexInformer::new(api.clone(), InformerOptions::default());
    // A handler that blocks until released.
    let release = Arc::new(AtomicBool::new(false));
    let r = release.clone();
    let slow_seen = Arc::new(Mutex::new(0usize));
    let s = slow_seen.clone();
    informer.add_event_handler(EventHandlerFuncs::<ConfigMap>::new().on_add(move |_, _| {
        while !r.load(Ordering::Acquire) {
            std::thread::sleep(Duration::from_millis(5));
        }
        *s.lock().unwrap() += 1;
    }));
    informer.start();
    informer
        .wait_for_sync(Duration::from_secs(30))
        .await
        .unwrap();

    // Added after sync: synthetic adds of the current state, marked initial, then live events.
    let initial = Arc::new(Mutex::new(Vec::new()));
    let i2 = initial.clone();
    let m = Arc::new(Mirror::default());
    let late = informer.add_event_handler(mirror_handler(m.clone()).on_add({
        let m = m.clone();
        move |o, is_initial| {
            i2.lock().unwrap().push(is_initial);
            m.state
                .lock()
                .unwrap()
                .insert(o.metadata.name.clone().unwrap().into(), value(o));
        }
    }));
    api.create(&cm("live", "1"), &CreateOptions::default())
        .await
        .unwrap();
    // The fast handler converges while the slow one is still stuck in its first add.
    converge(&api, &informer, &m).await;
    assert!(late.has_synced());
    assert_eq!(*initial.lock().unwrap(), vec![true, true, true, false]);
    assert_eq!(
        *slow_seen.lock().unwrap(),
        0,
        "the slow handler is still blocked"
    );
    release.store(true, Ordering::Release);
    for _ in 0..100 {
        if *slow_seen.lock().unwrap() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        *slow_seen.lock().unwrap(),
        4,
        "nothing lost behind the slow handler"
    );
    informer.shutdown();
}

#[tokio::test]
async fn list_and_watch_without_streaming_and_through_the_factory() {
    let env = TestEnv::new("inf-list").await.unwrap();
    let client = admin(env.plane());
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), env.namespace());
    for i in 0..1203 {
        if i % 100 == 0 {
            tokio::task::yield_now().await;
        }
        api.create(&cm(&format!("c{i:04}"), "0"), &CreateOptions::default())
            .await
            .unwrap();
    }
    let factory = k8s_informers::SharedInformerFactory::new(client, None)
        .namespace(env.namespace())
        .without_streaming_list();
    let informer = factory.informer::<ConfigMap>();
    let again = factory.informer::<ConfigMap>();
    let m = Arc::new(Mirror::default());
    again.add_event_handler(mirror_handler(m.clone()));
    factory.start();
    factory
        .wait_for_cache_sync(Duration::from_secs(60))
        .await
        .unwrap();
    assert!(
        again.has_synced(),
        "the factory hands out one shared informer"
    );
    assert_eq!(
        informer.stats().unwrap().last_sync_mode,
        Some(SyncMode::List)
    );
    // The first list asks for resourceVersion "0", which the watch cache serves as it is: it
    // may not hold the last creates yet (as with client-go), and the watch brings them. So the
    // count is checked once the store has caught up with the server.
    converge(&api, &informer, &m).await;
    assert_eq!(informer.indexer().len(), 1203);
    // The factory's default transform dropped managedFields.
    let any = informer
        .lister()
        .namespaced(env.namespace())
        .get("c0001")
        .unwrap();
    assert!(any.metadata.managed_fields.is_none());
    let selected = informer
        .lister()
        .namespaced(env.namespace())
        .list(&"v=0".parse().unwrap());
    assert!(
        selected.is_empty(),
        "ConfigMaps have no labels, so no label selector matches"
    );
    factory.shutdown();
}

/// A TCP forwarder to the apiserver that a test can cut and restore.
struct Cuttable {
    addr: SocketAddr,
    open: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Cuttable {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let open = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (o, c) = (open.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                if !o.load(Ordering::Acquire) {
                    drop(inbound);
                    continue;
                }
                let target = target.clone();
                c.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Cuttable { addr, open, conns }
    }

    fn cut(&self) {
        self.open.store(false, Ordering::Release);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    fn restore(&self) {
        self.open.store(true, Ordering::Release);
    }
}

#[tokio::test]
async fn objects_deleted_while_disconnected_are_final_state_unknown() {
    let mut plane = k8s_testenv::ControlPlane::start_private().await.unwrap();
    let info = plane.info();
    let ns = info.create_namespace("inf-410").await.unwrap();
    let direct: Api<ConfigMap> = Api::namespaced(admin(&info), &ns);
    for i in 0..6 {
        direct
            .create(&cm(&format!("c{i}"), "0"), &CreateOptions::default())
            .await
            .unwrap();
    }
    let target = info.server.trim_start_matches("https://").to_string();
    let proxy = Cuttable::start(target).await;
    let via_proxy: Api<ConfigMap> =
        Api::namespaced(admin_at(&info, &format!("https://{}", proxy.addr)), &ns);
    let informer = SharedIndexInformer::new(via_proxy, InformerOptions::default());
    let m = Arc::new(Mirror::default());
    informer.add_event_handler(mirror_handler(m.clone()));
    informer.start();
    informer
        .wait_for_sync(Duration::from_secs(30))
        .await
        .unwrap();
    converge(&direct, &informer, &m).await;

    // Disconnected: objects change and the apiserver restarts (its watch cache starts after
    // the changes) before the informer can reconnect.
    proxy.cut();
    direct
        .delete("c0", &DeleteOptions::default())
        .await
        .unwrap();
    direct
        .delete("c1", &DeleteOptions::default())
        .await
        .unwrap();
    direct
        .patch(
            "c2",
            PatchType::Merge,
            &serde_json::json!({"data": {"v": "changed"}}),
            &PatchOptions::default(),
        )
        .await
        .unwrap();
    direct
        .create(&cm("new", "1"), &CreateOptions::default())
        .await
        .unwrap();
    plane.stop_apiserver();
    plane.start_apiserver().await.unwrap();
    let direct: Api<ConfigMap> = Api::namespaced(admin(&info), &ns);
    proxy.restore();

    converge(&direct, &informer, &m).await;
    let mut unknown = m.final_state_unknown.lock().unwrap().clone();
    unknown.sort();
    assert_eq!(unknown, vec![format!("{ns}/c0"), format!("{ns}/c1")]);
    // The broken watch made the reflector sync again (a streaming list from its last
    // resourceVersion); the objects missing from it were delivered as final-state-unknown.
    let stats = informer.stats().unwrap();
    assert!(stats.streaming_lists >= 2, "a second sync happened");
    informer.shutdown();
}

#[tokio::test]
async fn apiserver_restarts_with_random_timing_always_converge() {
    let runs: u64 = std::env::var("K8S_RS_SOAK_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("K8S_RS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut plane = k8s_testenv::ControlPlane::start_private().await.unwrap();
    let info = plane.info();
    let ns = info.create_namespace("inf-soak").await.unwrap();
    // Back-to-back restarts would grow client-go's back-off to 30–60 s; a faster one keeps the
    // soak short without changing what is checked.
    let mut options = InformerOptions::default();
    options.reflector.backoff = k8s_apimachinery::wait::ExponentialBackoffManager::new(
        Duration::from_millis(100),
        Duration::from_secs(2),
        Duration::from_secs(10),
        2.0,
        1.0,
    );
    let informer =
        SharedIndexInformer::new(Api::<ConfigMap>::namespaced(admin(&info), &ns), options);
    let m = Arc::new(Mirror::default());
    informer.add_event_handler(mirror_handler(m.clone()));
    informer.start();
    informer
        .wait_for_sync(Duration::from_secs(30))
        .await
        .unwrap();
    // A small deterministic generator (xorshift) drives the timing and the changes.
    let mut x = seed.max(1);
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for run in 0..runs {
        let api: Api<ConfigMap> = Api::namespaced(admin(&info), &ns);
        for _ in 0..(next() % 5 + 1) {
            let name = format!("o{}", next() % 8);
            let v = format!("r{run}");
            match next() % 3 {
                0 => {
                    let _ = api.create(&cm(&name, &v), &CreateOptions::default()).await;
                }
                1 => {
                    let _ = api
                        .patch(
                            &name,
                            PatchType::Merge,
                            &serde_json::json!({"data": {"v": v}}),
                            &PatchOptions::default(),
                        )
                        .await;
                }
                _ => {
                    let _ = api.delete(&name, &DeleteOptions::default()).await;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(next() % 300)).await;
        plane.stop_apiserver();
        tokio::time::sleep(Duration::from_millis(next() % 300)).await;
        plane.start_apiserver().await.unwrap();
        let api: Api<ConfigMap> = Api::namespaced(admin(&info), &ns);
        let name = format!("o{}", next() % 8);
        let _ = api
            .create(
                &cm(&name, &format!("after-{run}")),
                &CreateOptions::default(),
            )
            .await;
        converge(&api, &informer, &m).await;
    }
    let stats = informer.stats().unwrap();
    eprintln!(
        "soak: {runs} restarts (seed {seed}): lists {}, streaming lists {}, watches {}, expired {}, failures {}, final-state-unknown deletes {}",
        stats.lists,
        stats.streaming_lists,
        stats.watches,
        stats.expired,
        stats.failures,
        m.final_state_unknown.lock().unwrap().len(),
    );
    informer.shutdown();
}

#[tokio::test]
async fn falls_back_to_list_when_the_server_has_no_streaming_list() {
    let plane = k8s_testenv::ControlPlane::start_private_with(&["--feature-gates=WatchList=false"])
        .await
        .unwrap();
    let info = plane.info();
    let ns = info.create_namespace("inf-fallback").await.unwrap();
    let api: Api<ConfigMap> = Api::namespaced(admin(&info), &ns);
    for i in 0..3 {
        api.create(&cm(&format!("c{i}"), "0"), &CreateOptions::default())
            .await
            .unwrap();
    }
    let informer = SharedIndexInformer::new(api.clone(), InformerOptions::default());
    let m = Arc::new(Mirror::default());
    informer.add_event_handler(mirror_handler(m.clone()));
    informer.start();
    informer
        .wait_for_sync(Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(
        informer.stats().unwrap().last_sync_mode,
        Some(SyncMode::List)
    );
    api.create(&cm("later", "1"), &CreateOptions::default())
        .await
        .unwrap();
    converge(&api, &informer, &m).await;
    informer.shutdown();
}
