//! The event recorder against the real apiserver: the Event written for a ConfigMap, series
//! of identical events, the spam filter, and a caller that never blocks on a dead server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_api::core::v1::{ConfigMap, Namespace};
use k8s_api::events::v1::Event;
use k8s_apimachinery::{CreateOptions, GetOptions, ListOptions, MicroTime, ObjectMeta};
use k8s_client::events::{EventBroadcaster, EventType, RecordOutcome, object_reference};
use k8s_client::transport::{BoxError, HttpRequest, HttpResponse, Transport};
use k8s_client::{Api, Config, HttpClient};
use k8s_testenv::TestEnv;

const CONTROLLER: &str = "k8s-rs.test/event-recorder";
const INSTANCE: &str = "event-recorder-test-0";

async fn configmap(client: &HttpClient, ns: &str, name: &str) -> ConfigMap {
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..ObjectMeta::default()
        },
        ..ConfigMap::default()
    };
    Api::<ConfigMap>::namespaced(client.clone(), ns)
        .create(&cm, &CreateOptions::default())
        .await
        .unwrap()
}

async fn events_about(client: &HttpClient, ns: &str, name: &str) -> Vec<Event> {
    Api::<Event>::namespaced(client.clone(), ns)
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.regarding.name.as_deref() == Some(name))
        .collect()
}

#[tokio::test]
async fn event_about_a_configmap_has_the_right_fields() {
    let env = TestEnv::new("events-fields").await.unwrap();
    let client = env.plane().client().unwrap();
    let ns = env.namespace();
    let cm = configmap(&client, ns, "settings").await;
    let other = configmap(&client, ns, "other").await;

    let broadcaster = EventBroadcaster::new(client.clone()).unwrap();
    let recorder = broadcaster.new_recorder(CONTROLLER, INSTANCE);
    let before = MicroTime::now();
    assert_eq!(
        recorder.event_related(
            &cm,
            &other,
            EventType::Warning,
            "InvalidKey",
            "Validate",
            "key \"x\" is not allowed",
        ),
        RecordOutcome::Queued
    );
    broadcaster.flush().await;

    let events = events_about(&client, ns, "settings").await;
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    let name = e.metadata.name.as_deref().unwrap();
    let suffix = name
        .strip_prefix("settings.")
        .unwrap_or_else(|| panic!("{name}"));
    assert!(
        !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_hexdigit()),
        "{name}"
    );
    assert_eq!(e.metadata.namespace.as_deref(), Some(ns));
    assert_eq!(e.type_.as_deref(), Some("Warning"));
    assert_eq!(e.reason.as_deref(), Some("InvalidKey"));
    assert_eq!(e.action.as_deref(), Some("Validate"));
    assert_eq!(e.note.as_deref(), Some("key \"x\" is not allowed"));
    assert_eq!(e.reporting_controller.as_deref(), Some(CONTROLLER));
    assert_eq!(e.reporting_instance.as_deref(), Some(INSTANCE));
    assert_eq!(e.regarding, object_reference(&cm));
    assert_eq!(e.regarding.kind.as_deref(), Some("ConfigMap"));
    assert_eq!(e.regarding.api_version.as_deref(), Some("v1"));
    assert_eq!(e.regarding.uid, cm.metadata.uid);
    assert_eq!(e.related.as_deref(), Some(&object_reference(&other)));
    assert!(e.series.is_none());
    let t = e.event_time.unwrap();
    let after = MicroTime::now();
    assert!(
        t.0.as_microsecond() >= before.0.as_microsecond() && t <= after,
        "eventTime {t} not within [{before}, {after}]"
    );

    // A cluster-scoped object: its events go to "default".
    let namespace = Api::<Namespace>::all(client.clone())
        .get(ns, &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(
        recorder.event(&namespace, EventType::Normal, "Checked", "Check", "ok"),
        RecordOutcome::Queued
    );
    broadcaster.flush().await;
    let in_default = events_about(&client, "default", ns).await;
    assert_eq!(in_default.len(), 1, "{in_default:#?}");
    assert_eq!(in_default[0].regarding.kind.as_deref(), Some("Namespace"));
    assert_eq!(in_default[0].regarding.namespace, None);
    assert!(events_about(&client, ns, ns).await.is_empty());
}

#[tokio::test]
async fn identical_events_become_one_series() {
    let env = TestEnv::new("events-series").await.unwrap();
    let client = env.plane().client().unwrap();
    let ns = env.namespace();
    let cm = configmap(&client, ns, "flapping").await;
    let broadcaster = EventBroadcaster::new(client.clone()).unwrap();
    let recorder = broadcaster.new_recorder(CONTROLLER, INSTANCE);
    let record = || recorder.event(&cm, EventType::Normal, "Synced", "Reconcile", "in sync");

    assert_eq!(record(), RecordOutcome::Queued);
    broadcaster.flush().await;
    let first = events_about(&client, ns, "flapping").await;
    assert_eq!(first.len(), 1);
    assert!(
        first[0].series.is_none(),
        "a single occurrence is no series"
    );
    let name = first[0].metadata.name.clone();

    // The second occurrence starts a series (written at once, count 2)...
    assert_eq!(record(), RecordOutcome::Queued);
    broadcaster.flush().await;
    let second = events_about(&client, ns, "flapping").await;
    assert_eq!(second.len(), 1);
    assert_eq!(second[0].metadata.name, name);
    assert_eq!(second[0].series.as_ref().map(|s| s.count), Some(2));

    // ...and eight more only count, written on flush: one Event, count 10.
    for _ in 0..8 {
        assert_eq!(record(), RecordOutcome::Queued);
    }
    broadcaster.flush().await;
    let events = events_about(&client, ns, "flapping").await;
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(e.metadata.name, name, "the series is the first Event");
    let series = e.series.as_deref().unwrap();
    assert_eq!(series.count, 10);
    let last = series.last_observed_time.unwrap();
    assert!(last > e.event_time.unwrap(), "lastObservedTime moves on");
    assert_eq!(e.note.as_deref(), Some("in sync"));

    // A different reason is a different Event.
    assert_eq!(
        recorder.event(&cm, EventType::Normal, "Updated", "Reconcile", "in sync"),
        RecordOutcome::Queued
    );
    broadcaster.flush().await;
    assert_eq!(events_about(&client, ns, "flapping").await.len(), 2);
}

#[tokio::test]
async fn spam_filter_drops_beyond_the_burst() {
    let env = TestEnv::new("events-spam").await.unwrap();
    let client = env.plane().client().unwrap();
    let ns = env.namespace();
    let noisy = configmap(&client, ns, "noisy").await;
    let quiet = configmap(&client, ns, "quiet").await;
    let broadcaster = EventBroadcaster::new(client.clone()).unwrap();
    let recorder = broadcaster.new_recorder(CONTROLLER, INSTANCE);

    // 30 different events about one object from one source: the first 25 pass.
    let outcomes: Vec<_> = (0..30)
        .map(|i| {
            recorder.event(
                &noisy,
                EventType::Warning,
                &format!("Problem{i}"),
                "Check",
                "still broken",
            )
        })
        .collect();
    assert!(
        outcomes[..25].iter().all(|o| *o == RecordOutcome::Queued),
        "{outcomes:?}"
    );
    assert!(
        outcomes[25..]
            .iter()
            .all(|o| *o == RecordOutcome::Throttled),
        "{outcomes:?}"
    );
    // Another object, or another source about the same object, has its own budget.
    assert_eq!(
        recorder.event(&quiet, EventType::Normal, "Fine", "Check", "ok"),
        RecordOutcome::Queued
    );
    let other_source = broadcaster.new_recorder(CONTROLLER, "event-recorder-test-1");
    assert_eq!(
        other_source.event(&noisy, EventType::Normal, "Seen", "Check", "ok"),
        RecordOutcome::Queued
    );
    broadcaster.flush().await;

    let noisy_events = events_about(&client, ns, "noisy").await;
    assert_eq!(
        noisy_events.len(),
        26,
        "25 from the first source, 1 from the other"
    );
    let mut reasons: Vec<_> = noisy_events
        .iter()
        .filter(|e| e.reporting_instance.as_deref() == Some(INSTANCE))
        .map(|e| e.reason.clone().unwrap())
        .collect();
    reasons.sort_by_key(|r| r.trim_start_matches("Problem").parse::<u32>().unwrap());
    let expected: Vec<_> = (0..25).map(|i| format!("Problem{i}")).collect();
    assert_eq!(reasons, expected);
    assert_eq!(events_about(&client, ns, "quiet").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_never_blocks_on_a_dead_server() {
    // A "server" that takes every request and never answers: every write hangs, so the
    // background task is stuck and the queue fills up.
    let taken = Arc::new(AtomicUsize::new(0));
    let counter = taken.clone();
    let black_hole = tower::service_fn(move |_req: HttpRequest| {
        counter.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<Result<HttpResponse, BoxError>>()
    });
    let client = HttpClient::with_transport(
        Config::new("http://fake.invalid"),
        Transport::new(black_hole),
    )
    .unwrap();
    let broadcaster = EventBroadcaster::new(client).unwrap();
    let recorder = broadcaster.new_recorder(CONTROLLER, INSTANCE);

    // 1500 events about 1500 objects (so the spam filter lets them all through), with the
    // default queue of 1000.
    let objects: Vec<ConfigMap> = (0..1500)
        .map(|i| ConfigMap {
            metadata: ObjectMeta {
                name: Some(format!("cm-{i}").into()),
                namespace: Some("somewhere".into()),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        })
        .collect();
    let start = std::time::Instant::now();
    let mut slowest = Duration::ZERO;
    let mut outcomes = Vec::new();
    for cm in &objects {
        let t = std::time::Instant::now();
        outcomes.push(recorder.event(cm, EventType::Normal, "Tick", "Tick", "tick"));
        slowest = slowest.max(t.elapsed());
    }
    let total = start.elapsed();
    eprintln!("1500 events recorded in {total:?}, slowest call {slowest:?}");
    assert!(total < Duration::from_secs(1), "recording took {total:?}");
    assert!(
        slowest < Duration::from_millis(100),
        "a call took {slowest:?}"
    );
    let queued = outcomes
        .iter()
        .filter(|o| **o == RecordOutcome::Queued)
        .count();
    let full = outcomes
        .iter()
        .filter(|o| **o == RecordOutcome::QueueFull)
        .count();
    assert_eq!(queued + full, 1500, "{outcomes:?}");
    // The queue holds 1000; the stuck task may have taken one off it.
    assert!((1000..=1001).contains(&queued), "{queued} queued");
    assert_eq!(broadcaster.dropped_events(), full as u64);
    // The premise: the background task is stuck in its first write, and sends nothing else.
    tokio::time::timeout(Duration::from_secs(5), async {
        while taken.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the background task writes");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(taken.load(Ordering::SeqCst), 1, "one write, stuck");

    broadcaster.shutdown();
    tokio::time::timeout(Duration::from_secs(1), broadcaster.flush())
        .await
        .expect("flush returns at once after shutdown");
    assert_eq!(
        recorder.event(&objects[0], EventType::Normal, "Tick", "Tick", "late"),
        RecordOutcome::Closed
    );
}

#[tokio::test]
async fn a_quiet_series_ends_with_its_final_count_written() {
    let env = TestEnv::new("events-finish").await.unwrap();
    let client = env.plane().client().unwrap();
    let ns = env.namespace();
    let cm = configmap(&client, ns, "burst").await;
    // Series end after 1 s without an occurrence (client-go: 6 min); no heartbeat.
    let broadcaster = EventBroadcaster::builder(client.clone())
        .series_timing(Duration::from_secs(3600), Duration::from_secs(1))
        .build()
        .unwrap();
    let recorder = broadcaster.new_recorder(CONTROLLER, INSTANCE);
    for _ in 0..5 {
        assert_eq!(
            recorder.event(&cm, EventType::Normal, "Burst", "Burst", "again"),
            RecordOutcome::Queued
        );
    }
    // No flush: the end of the series writes count 5 (the check runs every second and ends
    // series quiet for more than a second, so within ~2 s).
    let start = std::time::Instant::now();
    loop {
        let events = events_about(&client, ns, "burst").await;
        assert!(events.len() <= 1, "{events:#?}");
        if events
            .first()
            .and_then(|e| e.series.as_ref())
            .map(|s| s.count)
            == Some(5)
        {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the final count was never written: {events:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The series has ended: the same event now starts a new Event.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        recorder.event(&cm, EventType::Normal, "Burst", "Burst", "again"),
        RecordOutcome::Queued
    );
    broadcaster.flush().await;
    assert_eq!(events_about(&client, ns, "burst").await.len(), 2);
}

#[tokio::test]
async fn dropping_every_handle_writes_what_is_pending() {
    let env = TestEnv::new("events-drop").await.unwrap();
    let client = env.plane().client().unwrap();
    let ns = env.namespace();
    let cm = configmap(&client, ns, "last-words").await;
    let broadcaster = EventBroadcaster::new(client.clone()).unwrap();
    let recorder = broadcaster.new_recorder(CONTROLLER, INSTANCE);
    for _ in 0..3 {
        recorder.event(&cm, EventType::Normal, "Stopping", "Stop", "bye");
    }
    drop(recorder);
    drop(broadcaster);
    let start = std::time::Instant::now();
    loop {
        let events = events_about(&client, ns, "last-words").await;
        if events.len() == 1 && events[0].series.as_ref().map(|s| s.count) == Some(3) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "pending events were not written: {events:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
