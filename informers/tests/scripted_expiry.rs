#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! The exact request sequence of a reflector whose resourceVersion expires (410 Gone), against a
//! scripted local HTTP server. The real apiserver answers our fault scenarios (restarts, etcd
//! compaction) with a broken watch and a relist rather than a 410 we can time, so this is where
//! client-go's rule is pinned down: after a 410 the relist asks for `resourceVersion=""` (the
//! newest state, from etcd), never the expired version again, and objects that vanished are
//! delivered as deletes with their last known state. The convergence itself is proven against
//! the real server in `tests/tests/informers.rs`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_api::core::v1::ConfigMap;
use k8s_client::{Api, Config, HttpClient};
use k8s_informers::{
    Backoff, DeletedObject, EventHandlerFuncs, InformerOptions, ReflectorOptions,
    SharedIndexInformer,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted answer: a status line and body lines; `hold` keeps the connection open after
/// the body (a watch that stays quiet).
struct Answer {
    status: &'static str,
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
        status: "200 OK",
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

/// Serves `script` in order, one answer per connection, recording each request's path+query.
async fn serve(script: Vec<Answer>) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for answer in script {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = sock.read(&mut buf).await.unwrap();
                assert!(n > 0, "client closed before sending a request");
                head.extend_from_slice(&buf[..n]);
            }
            let head = String::from_utf8_lossy(&head).into_owned();
            let target = head.split(' ').nth(1).unwrap_or_default().to_owned();
            log.lock().unwrap().push(target);
            let body: String = answer.lines.iter().map(|l| format!("{l}\n")).collect();
            let response = format!(
                "HTTP/1.1 {}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{body}",
                answer.status
            );
            sock.write_all(response.as_bytes()).await.unwrap();
            if answer.hold {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    drop(sock);
                });
            }
        }
    });
    (url, seen)
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

fn informer(url: &str, streaming: bool) -> (SharedIndexInformer<ConfigMap>, Deletes) {
    let client = HttpClient::new(Config::new(url)).unwrap();
    let backoff = Backoff::new(
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
    let (url, seen) = serve(vec![
        list(&[cm("a", 10), cm("b", 11)], 11),
        // The watch from 11 is refused: that version is gone.
        Answer {
            status: "410 Gone",
            lines: vec![expired()],
            hold: false,
        },
        // The relist: b vanished meanwhile.
        list(&[cm("a", 20)], 20),
        Answer {
            status: "200 OK",
            lines: vec![],
            hold: true,
        },
    ])
    .await;
    let (informer, deletes) = informer(&url, false);
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
    let (url, seen) = serve(vec![
        Answer {
            status: "200 OK",
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
            status: "200 OK",
            lines: vec![event("ADDED", &cm("a", 20)), initial_events_end(20)],
            hold: true,
        },
    ])
    .await;
    let (informer, deletes) = informer(&url, true);
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
    let (url, _seen) = serve(vec![
        list(&[cm("a", 10), cm("b", 11), cm("c", 12)], 12),
        Answer {
            status: "410 Gone",
            lines: vec![expired()],
            hold: false,
        },
        // a unchanged, b modified, c recreated under another uid.
        list(&[cm("a", 10), cm("b", 15), recreated], 15),
        Answer {
            status: "200 OK",
            lines: vec![],
            hold: true,
        },
    ])
    .await;
    let (informer, _deletes) = informer(&url, false);
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
