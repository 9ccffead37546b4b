#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! The exact request sequence of a reflector whose resourceVersion expires (410 Gone), against a
//! scripted transport under the client (the `Transport` seam, no socket). The real apiserver
//! answers our fault scenarios (restarts, etcd compaction) with a broken watch and a relist
//! rather than a 410 we can time, so this is where client-go's rule is pinned down: after a 410
//! the relist asks for `resourceVersion=""` (the newest state, from etcd), never the expired
//! version again, and objects that vanished are delivered as deletes with their last known
//! state. The convergence itself is proven against the real server in `tests/tests/informers.rs`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::wait::ExponentialBackoffManager;
use k8s_client::transport::{Body, HttpRequest, Transport, TransportError, TransportErrorKind};
use k8s_client::{Api, Config, HttpClient};
use k8s_informers::{
    DeletedObject, EventHandlerFuncs, InformerOptions, ReflectorOptions, SharedIndexInformer,
};

/// One scripted answer: a status code and body lines; `hold` keeps the body open after the
/// lines (a watch that stays quiet).
struct Answer {
    status: u16,
    lines: Vec<String>,
    hold: bool,
}

fn cm(name: &str, rv: u32) -> String {
    format!(
        r#"{{"metadata":{{"name":"{name}","namespace":"ns","resourceVersion":"{rv}","uid":"uid-{name}"}}}}"#
    )
}

fn event(kind: &str, object: &str) -> String {
    format!(r#"{{"type":"{kind}","object":{object}}}"#)
}

fn initial_events_end(rv: u32) -> String {
    event(
        "BOOKMARK",
        &format!(
            r#"{{"kind":"ConfigMap","apiVersion":"v1","metadata":{{"resourceVersion":"{rv}","annotations":{{"k8s.io/initial-events-end":"true"}}}}}}"#
        ),
    )
}

/// A one-page ConfigMapList at `rv`.
fn list(items: &[String], rv: u32) -> Answer {
    Answer {
        status: 200,
        lines: vec![format!(
            r#"{{"kind":"ConfigMapList","apiVersion":"v1","metadata":{{"resourceVersion":"{rv}"}},"items":[{}]}}"#,
            items.join(",")
        )],
        hold: false,
    }
}

fn expired() -> String {
    r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 11 (15)","reason":"Expired","code":410}"#.to_owned()
}

/// A transport that answers `script` in order, one answer per request, recording each
/// request's path+query; once the script is done, it refuses (as a closed listener would).
fn serve(script: Vec<Answer>) -> (Transport, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let script = Arc::new(Mutex::new(script.into_iter()));
    let svc = tower::service_fn(move |req: HttpRequest| {
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        log.lock().unwrap().push(target.clone());
        let answer = script.lock().unwrap().next();
        async move {
            let Some(answer) = answer else {
                return Err(TransportError::new(
                    TransportErrorKind::Connect,
                    format!("{target}: the script is done"),
                ));
            };
            let text: String = answer.lines.iter().map(|l| format!("{l}\n")).collect();
            let body = if answer.hold {
                Body::from_stream(Body::from(text).chain(futures::stream::pending()))
            } else {
                Body::from(text)
            };
            Ok(http::Response::builder()
                .status(answer.status)
                .header("content-type", "application/json")
                .body(body)
                .unwrap())
        }
    });
    (Transport::new(svc), seen)
}

fn query_param(target: &str, key: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == key).then(|| v.to_owned())
    })
}

/// Deletes delivered to the handler: (name, final state unknown?).
type Deletes = Arc<Mutex<Vec<(String, bool)>>>;

fn informer(transport: Transport, streaming: bool) -> (SharedIndexInformer<ConfigMap>, Deletes) {
    let client = HttpClient::with_transport(Config::new("http://fake.invalid"), transport).unwrap();
    let backoff = ExponentialBackoffManager::new(
        Duration::from_millis(10),
        Duration::from_millis(50),
        Duration::from_secs(120),
        2.0,
        0.0,
    );
    let informer = SharedIndexInformer::new(
        Api::<ConfigMap>::namespaced(client, "ns"),
        InformerOptions {
            reflector: ReflectorOptions {
                streaming_list: streaming,
                backoff,
                ..ReflectorOptions::default()
            },
            ..InformerOptions::default()
        },
    );
    let deletes: Deletes = Arc::default();
    let sink = deletes.clone();
    informer.add_event_handler(EventHandlerFuncs::new().on_delete(
        move |d: &DeletedObject<ConfigMap>| {
            let unknown = matches!(d, DeletedObject::FinalStateUnknown { .. });
            let name = d.object().metadata.name.clone().unwrap_or_default();
            sink.lock().unwrap().push((name.into(), unknown));
        },
    ));
    (informer, deletes)
}

async fn until(what: &str, mut f: impl FnMut() -> bool) {
    for _ in 0..200 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_watch_410_relists_at_empty_resource_version() {
    let (transport, seen) = serve(vec![
        list(&[cm("a", 10), cm("b", 11)], 11),
        // The watch from 11 is refused: that version is gone.
        Answer {
            status: 410,
            lines: vec![expired()],
            hold: false,
        },
        // The relist: b vanished meanwhile.
        list(&[cm("a", 20)], 20),
        Answer {
            status: 200,
            lines: vec![],
            hold: true,
        },
    ]);
    let (informer, deletes) = informer(transport, false);
    informer.start();
    until("the relist's delete of b", || {
        !deletes.lock().unwrap().is_empty()
    })
    .await;
    until("the watch after the relist", || {
        seen.lock().unwrap().len() == 4
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        query_param(&seen[0], "resourceVersion").as_deref(),
        Some("0"),
        "{seen:?}"
    );
    assert_eq!(
        query_param(&seen[1], "watch").as_deref(),
        Some("true"),
        "{seen:?}"
    );
    assert_eq!(
        query_param(&seen[1], "resourceVersion").as_deref(),
        Some("11"),
        "{seen:?}"
    );
    // client-go relistResourceVersion(): "" once the last one is unavailable — the query
    // carries no resourceVersion at all (a quorum read of the newest state).
    assert_eq!(query_param(&seen[2], "watch"), None, "{seen:?}");
    assert_eq!(query_param(&seen[2], "resourceVersion"), None, "{seen:?}");
    assert_eq!(
        query_param(&seen[3], "resourceVersion").as_deref(),
        Some("20"),
        "{seen:?}"
    );
    assert_eq!(*deletes.lock().unwrap(), vec![("b".to_owned(), true)]);
    assert_eq!(informer.indexer().list_keys(), vec!["ns/a".to_owned()]);
    let a = informer.indexer().get_by_key("ns/a").unwrap();
    assert_eq!(a.metadata.resource_version.as_deref(), Some("20"));
    informer.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_list_410_event_restarts_at_empty_resource_version() {
    let (transport, seen) = serve(vec![
        Answer {
            status: 200,
            lines: vec![
                event("ADDED", &cm("a", 10)),
                event("ADDED", &cm("b", 11)),
                initial_events_end(11),
                // Later, on the same watch, the server says our version expired.
                event("ERROR", &expired()),
            ],
            hold: false,
        },
        Answer {
            status: 200,
            lines: vec![event("ADDED", &cm("a", 20)), initial_events_end(20)],
            hold: true,
        },
    ]);
    let (informer, deletes) = informer(transport, true);
    informer.start();
    until("the restart's delete of b", || {
        !deletes.lock().unwrap().is_empty()
    })
    .await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    for target in &seen {
        assert_eq!(
            query_param(target, "sendInitialEvents").as_deref(),
            Some("true"),
            "{target}"
        );
        assert_eq!(
            query_param(target, "resourceVersionMatch").as_deref(),
            Some("NotOlderThan"),
            "{target}"
        );
    }
    // First start and the restart after the expiry: both from "" (never the expired "11").
    assert_eq!(query_param(&seen[0], "resourceVersion"), None, "{seen:?}");
    assert_eq!(query_param(&seen[1], "resourceVersion"), None, "{seen:?}");
    assert_eq!(*deletes.lock().unwrap(), vec![("b".to_owned(), true)]);
    assert_eq!(informer.indexer().list_keys(), vec!["ns/a".to_owned()]);
    informer.shutdown();
}

/// A relist keeps the stored object where nothing changed (same uid and resourceVersion), so
/// the cache does not hold two copies of every object while it relists; a changed or recreated
/// object is the newly decoded one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relist_reuses_unchanged_objects() {
    let recreated = cm("c", 12).replace("uid-c", "uid-c2");
    let (transport, _seen) = serve(vec![
        list(&[cm("a", 10), cm("b", 11), cm("c", 12)], 12),
        Answer {
            status: 410,
            lines: vec![expired()],
            hold: false,
        },
        // a unchanged, b modified, c recreated under another uid.
        list(&[cm("a", 10), cm("b", 15), recreated], 15),
        Answer {
            status: 200,
            lines: vec![],
            hold: true,
        },
    ]);
    let (informer, _deletes) = informer(transport, false);
    let updates: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let sink = updates.clone();
    informer.add_event_handler(EventHandlerFuncs::new().on_update(
        move |old: &Arc<ConfigMap>, new: &Arc<ConfigMap>| {
            let name = new.metadata.name.clone().unwrap_or_default();
            sink.lock()
                .unwrap()
                .push((name.into(), Arc::ptr_eq(old, new)));
        },
    ));
    informer.start();
    until("the relist's three updates", || {
        updates.lock().unwrap().len() == 3
    })
    .await;
    let mut updates = updates.lock().unwrap().clone();
    updates.sort();
    assert_eq!(
        updates,
        vec![
            ("a".to_owned(), true),
            ("b".to_owned(), false),
            ("c".to_owned(), false)
        ]
    );
    let c = informer.indexer().get_by_key("ns/c").unwrap();
    assert_eq!(c.metadata.uid.as_deref(), Some("uid-c2"));
    let b = informer.indexer().get_by_key("ns/b").unwrap();
    assert_eq!(b.metadata.resource_version.as_deref(), Some("15"));
    informer.shutdown();
}
