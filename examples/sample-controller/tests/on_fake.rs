#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
#![allow(clippy::disallowed_names)] // `Foo` is the sample controller's kind
//! The sample controller's unit tests, on the in-process fake API server (`k8s-fake`): the
//! scenarios `tests/tests/sample_controller.rs` runs against the real control plane (create,
//! scale, Deployment deleted by hand, Foo deleted → Deployment deleted by the finalizer; a
//! Deployment owned by someone else; leader election and takeover), plus what only a fake can
//! arrange on demand: conflicts on the controller's writes and a seeded 429 storm.
//!
//! Every test runs on paused tokio time: timeouts, back-offs, `Retry-After`, resyncs, lease
//! expiry and the fake's faults all run on virtual time, so a test takes a fraction of a second
//! of wall time however many virtual seconds it spans.
//! (Informer event handlers are called on the blocking pool only while they have
//! notifications to deliver, so paused time auto-advances whenever the controller is idle.)

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_api::apps::v1::Deployment;
use k8s_api::coordination::v1::Lease;
use k8s_api::events::v1::Event;
use k8s_apimachinery::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, ObjectMeta, PatchOptions, PatchType,
};
use k8s_client::events::EventBroadcaster;
use k8s_client::{Api, HttpClient};
use k8s_fake::{FakeApiServer, Fault, Reaction};
use sample_controller::v1alpha1::{Foo, FooSpec};
use sample_controller::{Controller, ControllerOptions, FINALIZER, LeaderOptions};
use tokio::sync::oneshot;
use tokio::time::Instant;

const NS: &str = "default";

fn foo(name: &str, deployment: &str, replicas: Option<i32>) -> Foo {
    Foo {
        metadata: ObjectMeta {
            name: Some(name.into()),
            ..Default::default()
        },
        spec: Some(Box::new(FooSpec {
            deployment_name: deployment.into(),
            replicas,
        })),
        ..Default::default()
    }
}

/// Polls `check` every 50 ms (virtual) until it returns `Some`, or panics after `timeout`
/// (virtual).
async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A fake with the Foo CRD installed the controller's own way (server-side applied through
/// the API, then waited for `Established`).
async fn setup() -> (FakeApiServer, HttpClient) {
    // `RUST_LOG=debug cargo test -p sample-controller --test on_fake -- --nocapture` shows
    // what the controller did.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let fake = FakeApiServer::new();
    let client = fake.client();
    sample_controller::install_crd(&client, Duration::from_secs(5))
        .await
        .unwrap();
    (fake, client)
}

fn options() -> ControllerOptions {
    ControllerOptions {
        namespace: Some(NS.to_owned()),
        resync: Some(Duration::from_secs(1)),
        // Virtual time runs ~40 times faster than the handler threads: be generous.
        sync_timeout: Duration::from_secs(3600),
        ..ControllerOptions::default()
    }
}

/// Starts `controller` (without leader election) on a task; send to the returned channel to
/// stop it.
fn spawn_controller(
    controller: Arc<Controller>,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        controller
            .run(2, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    (stop, task)
}

/// A controller that records events through its own broadcaster.
fn recording_controller(client: &HttpClient) -> (Arc<Controller>, EventBroadcaster) {
    let broadcaster = EventBroadcaster::new(client.clone()).unwrap();
    let controller = Arc::new(Controller::with_recorder(
        client.clone(),
        options(),
        Some(broadcaster.new_recorder("sample-controller", "test")),
    ));
    (controller, broadcaster)
}

/// The events about `foo`: (reason, note).
async fn events(client: &HttpClient, foo: &str) -> Vec<(String, String)> {
    Api::<Event>::namespaced(client.clone(), NS)
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.regarding.name.as_deref() == Some(foo))
        .map(|e| {
            (
                e.reason.map(String::from).unwrap_or_default(),
                e.note.map(String::from).unwrap_or_default(),
            )
        })
        .collect()
}

/// Counts, per `verb resource[/subresource]`, the requests that reached the fake's storage.
/// Reactors run after faults, so a request a fault answered is in the action log but not here.
fn count_reached(fake: &FakeApiServer) -> Arc<Mutex<HashMap<String, usize>>> {
    let reached = Arc::new(Mutex::new(HashMap::<String, usize>::new()));
    let counts = reached.clone();
    fake.prepend_reactor("*", "*", move |a| {
        *counts
            .lock()
            .unwrap()
            .entry(format!("{} {}", a.verb, a.resource_path()))
            .or_default() += 1;
        Reaction::Pass
    });
    reached
}

/// How many `verb` requests on `resource` a fault answered.
fn faulted(
    fake: &FakeApiServer,
    reached: &Mutex<HashMap<String, usize>>,
    verb: &str,
    resource: &str,
) -> usize {
    let sent = fake
        .actions()
        .iter()
        .filter(|a| a.matches(verb, resource))
        .count();
    let got = reached
        .lock()
        .unwrap()
        .get(&format!("{verb} {resource}"))
        .copied()
        .unwrap_or(0);
    sent - got
}

/// Creates a Foo asking for `replicas` replicas of `deployment` and waits until the controller
/// has created the Deployment and written the Foo's status. Returns the Foo's uid and the
/// Deployment.
async fn create_and_converge(
    foos: &Api<Foo>,
    deployments: &Api<Deployment>,
    name: &str,
    deployment: &str,
    replicas: i32,
) -> (String, Deployment) {
    let created = foos
        .create(
            &foo(name, deployment, Some(replicas)),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    let uid = created.metadata.uid.clone().unwrap();
    let d = eventually("the Deployment", Duration::from_secs(30), || async {
        deployments
            .get(deployment, &GetOptions::default())
            .await
            .ok()
    })
    .await;
    eventually("the Foo's status", Duration::from_secs(30), || async {
        let f = foos.get(name, &GetOptions::default()).await.ok()?;
        f.status
            .as_ref()
            .filter(|s| s.deployment_replicas == Some(replicas))
            .map(|_| ())
    })
    .await;
    (uid.to_string(), d)
}

/// Scales the Foo to `replicas` and waits for the Deployment and the Foo's status to follow.
async fn scale_and_converge(
    foos: &Api<Foo>,
    deployments: &Api<Deployment>,
    name: &str,
    deployment: &str,
    replicas: i32,
) {
    foos.patch(
        name,
        PatchType::Merge,
        &serde_json::json!({"spec": {"replicas": replicas}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    eventually("the Deployment scaled", Duration::from_secs(30), || async {
        let d = deployments
            .get(deployment, &GetOptions::default())
            .await
            .ok()?;
        (d.spec.replicas == Some(replicas)).then_some(())
    })
    .await;
    eventually(
        "status.deploymentReplicas followed",
        Duration::from_secs(30),
        || async {
            let f = foos.get(name, &GetOptions::default()).await.ok()?;
            (f.status.and_then(|s| s.deployment_replicas) == Some(replicas)).then_some(())
        },
    )
    .await;
}

/// Deletes the Foo and waits until the controller has deleted the Deployment and let the Foo
/// go (removed its finalizer).
async fn delete_and_converge(
    foos: &Api<Foo>,
    deployments: &Api<Deployment>,
    name: &str,
    deployment: &str,
) {
    foos.delete(name, &DeleteOptions::default()).await.unwrap();
    eventually(
        "the Deployment deleted",
        Duration::from_secs(30),
        || async {
            match deployments.get(deployment, &GetOptions::default()).await {
                Err(e) if e.is_not_found() => Some(()),
                _ => None,
            }
        },
    )
    .await;
    eventually("the Foo gone", Duration::from_secs(30), || async {
        foos.get(name, &GetOptions::default())
            .await
            .err()
            .filter(|e| e.is_not_found())
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn converges_on_create_scale_manual_delete_and_foo_delete() {
    let (_fake, client) = setup().await;
    let (controller, broadcaster) = recording_controller(&client);
    let (stop, task) = spawn_controller(controller.clone());
    let foos = Api::<Foo>::namespaced(client.clone(), NS);
    let deployments = Api::<Deployment>::namespaced(client.clone(), NS);

    // Created → a Deployment with the right replicas, owner reference, status and finalizer.
    let (uid, d) = create_and_converge(&foos, &deployments, "example", "example-web", 2).await;
    assert_eq!(d.spec.replicas, Some(2));
    let owner = d.metadata.controller_ref().expect("a controller reference");
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
        ("Foo", "example", uid.as_str())
    );
    assert_eq!(owner.api_version, "samplecontroller.k8s.io/v1alpha1");
    let first_uid = d.metadata.uid.clone().unwrap();
    let f = foos.get("example", &GetOptions::default()).await.unwrap();
    let status = f.status.clone().unwrap();
    assert_eq!(
        status.available_replicas,
        Some(0),
        "no kubelet here: nothing becomes available"
    );
    assert_eq!(status.observed_generation, f.metadata.generation);
    assert!(
        f.metadata
            .finalizers
            .iter()
            .flatten()
            .any(|x| x == FINALIZER),
        "{:?}",
        f.metadata.finalizers
    );

    // Updated → the Deployment follows.
    scale_and_converge(&foos, &deployments, "example", "example-web", 5).await;

    // The Deployment deleted by hand → recreated.
    deployments
        .delete("example-web", &DeleteOptions::default())
        .await
        .unwrap();
    let again = eventually(
        "the Deployment recreated",
        Duration::from_secs(30),
        || async {
            deployments
                .get("example-web", &GetOptions::default())
                .await
                .ok()
                .filter(|d| d.metadata.uid.as_deref() != Some(first_uid.as_str()))
        },
    )
    .await;
    assert_eq!(again.spec.replicas, Some(5));

    // The Foo deleted → the Deployment goes, then the Foo (finalizer removed).
    delete_and_converge(&foos, &deployments, "example", "example-web").await;

    // Events on each action.
    eventually(
        "the controller's events",
        Duration::from_secs(30),
        || async {
            let reasons = events(&client, "example").await;
            [
                "DeploymentCreated",
                "DeploymentScaled",
                "Synced",
                "DeploymentDeleted",
            ]
            .iter()
            .all(|r| reasons.iter().any(|(x, _)| x == r))
            .then_some(())
        },
    )
    .await;
    let stats = controller.stats();
    assert_eq!(stats.created, 2, "{stats:?}");
    assert!(stats.syncs >= 4 && stats.writes >= 6, "{stats:?}");
    assert!(
        client.requests_sent() > stats.writes + 20,
        "{} requests, {stats:?}",
        client.requests_sent()
    );

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("the controller stops")
        .unwrap();
    broadcaster.flush().await;
    broadcaster.shutdown();
}

#[tokio::test(start_paused = true)]
async fn refuses_a_deployment_it_does_not_own() {
    let (_fake, client) = setup().await;
    let deployments = Api::<Deployment>::namespaced(client.clone(), NS);
    // Someone else's Deployment, named as the Foo will ask.
    let mut theirs = sample_controller::new_deployment(&foo("other", "taken", Some(1)));
    theirs.metadata.owner_references = None;
    theirs.metadata.namespace = Some(NS.into());
    deployments
        .create(&theirs, &CreateOptions::default())
        .await
        .unwrap();

    let (controller, broadcaster) = recording_controller(&client);
    let (stop, task) = spawn_controller(controller.clone());
    let foos = Api::<Foo>::namespaced(client.clone(), NS);
    foos.create(&foo("greedy", "taken", Some(3)), &CreateOptions::default())
        .await
        .unwrap();
    let note = eventually(
        "an ErrResourceExists event",
        Duration::from_secs(30),
        || async {
            events(&client, "greedy")
                .await
                .into_iter()
                .find(|(r, _)| r == "ErrResourceExists")
                .map(|(_, note)| note)
        },
    )
    .await;
    assert_eq!(
        note,
        "Deployment default/taken already exists and is not managed by Foo greedy"
    );
    let d = deployments
        .get("taken", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(d.spec.replicas, Some(1), "not ours: left alone");
    assert!(d.metadata.owner_references.is_none());
    let f = foos.get("greedy", &GetOptions::default()).await.unwrap();
    assert!(f.status.is_none(), "{:?}", f.status);
    assert!(controller.stats().failures >= 1);
    assert_eq!(controller.stats().created, 0);
    stop.send(()).unwrap();
    task.await.unwrap();
    broadcaster.flush().await;
    broadcaster.shutdown();
}

#[tokio::test(start_paused = true)]
async fn converges_through_conflicts_on_its_writes() {
    let (fake, client) = setup().await;
    let reached = count_reached(&fake);
    // The finalizer patch, the Deployment's scale and the status writes each meet 409
    // Conflict ("the object has been modified") a few times first.
    fake.inject(Fault::conflict().on("patch", "foos").times(1));
    fake.inject(Fault::conflict().on("update", "deployments").times(2));
    fake.inject(Fault::conflict().on("update", "foos/status").times(3));
    let controller = Arc::new(Controller::new(client.clone(), options()));
    let (stop, task) = spawn_controller(controller.clone());
    let foos = Api::<Foo>::namespaced(client.clone(), NS);
    let deployments = Api::<Deployment>::namespaced(client.clone(), NS);

    create_and_converge(&foos, &deployments, "example", "example-web", 2).await;
    scale_and_converge(&foos, &deployments, "example", "example-web", 4).await;
    // The first patch of foos is the controller's finalizer (the test's own patch of the
    // spec comes after the Foo converged, and would have panicked on a conflict).
    let conflicts = faulted(&fake, &reached, "patch", "foos")
        + faulted(&fake, &reached, "update", "deployments")
        + faulted(&fake, &reached, "update", "foos/status");
    assert_eq!(conflicts, 6, "every injected conflict was met");
    let stats = controller.stats();
    assert!(
        stats.failures >= 5,
        "each conflict of the controller's fails one sync: {stats:?}"
    );
    assert_eq!(stats.created, 1, "{stats:?}");
    delete_and_converge(&foos, &deployments, "example", "example-web").await;
    stop.send(()).unwrap();
    task.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn converges_through_a_429_storm() {
    let (fake, client) = setup().await;
    let reached = count_reached(&fake);
    fake.set_seed(17);
    // A third to a half of every read and write is told to come back in a second.
    for (verb, p) in [
        ("list", 0.5),
        ("get", 0.5),
        ("watch", 0.3),
        ("create", 0.3),
        ("update", 0.5),
        ("patch", 0.3),
        ("delete", 0.3),
    ] {
        fake.inject(
            Fault::status(429)
                .retry_after(1)
                .on(verb, "*")
                .probability(p),
        );
    }
    let (controller, broadcaster) = recording_controller(&client);
    let (stop, task) = spawn_controller(controller.clone());
    let foos = Api::<Foo>::namespaced(client.clone(), NS);
    let deployments = Api::<Deployment>::namespaced(client.clone(), NS);

    let (_, d) = create_and_converge(&foos, &deployments, "example", "example-web", 2).await;
    assert_eq!(d.spec.replicas, Some(2));
    scale_and_converge(&foos, &deployments, "example", "example-web", 3).await;
    delete_and_converge(&foos, &deployments, "example", "example-web").await;

    let throttled: usize = [
        ("list", "foos"),
        ("list", "deployments"),
        ("update", "deployments"),
        ("update", "foos/status"),
        ("create", "deployments"),
    ]
    .iter()
    .map(|(v, r)| faulted(&fake, &reached, v, r))
    .sum();
    assert!(
        throttled >= 3,
        "the storm hit the controller's lists and writes: {throttled}"
    );
    let total: usize = fake.actions().len() - reached.lock().unwrap().values().sum::<usize>();
    assert!(total > 20, "{total} requests throttled in all");
    let stats = controller.stats();
    assert_eq!(stats.created, 1, "{stats:?}");
    stop.send(()).unwrap();
    task.await.unwrap();
    broadcaster.flush().await;
    broadcaster.shutdown();
}

fn fast_election() -> LeaderOptions {
    LeaderOptions {
        lease_namespace: NS.to_owned(),
        lease_name: "sample-controller".to_owned(),
        identity: None,
        lease_duration: Duration::from_secs(3),
        renew_deadline: Duration::from_secs(2),
        retry_period: Duration::from_millis(500),
    }
}

struct Candidate {
    controller: Arc<Controller>,
    task: tokio::task::JoinHandle<Result<(), sample_controller::Error>>,
    stop: Option<oneshot::Sender<()>>,
    identity: String,
}

fn candidate(client: &HttpClient, identity: &str) -> Candidate {
    let controller = Arc::new(Controller::new(client.clone(), options()));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(sample_controller::run_with_leader_election(
        controller.clone(),
        client.clone(),
        fast_election(),
        identity.to_owned(),
        2,
        async {
            let _ = stopped.await;
        },
    ));
    Candidate {
        controller,
        task,
        stop: Some(stop),
        identity: identity.to_owned(),
    }
}

async fn holder(client: &HttpClient) -> Option<String> {
    Api::<Lease>::namespaced(client.clone(), NS)
        .get("sample-controller", &GetOptions::default())
        .await
        .ok()
        .and_then(|l| l.spec.holder_identity)
        .filter(|h| !h.is_empty())
        .map(Into::into)
}

#[tokio::test(start_paused = true)]
async fn one_leader_reconciles_and_a_follower_takes_over() {
    let (_fake, client) = setup().await;
    let foos = Api::<Foo>::namespaced(client.clone(), NS);
    let deployments = Api::<Deployment>::namespaced(client.clone(), NS);
    let a = candidate(&client, "candidate-a");
    let b = candidate(&client, "candidate-b");
    let first = eventually("a leader", Duration::from_secs(30), || holder(&client)).await;
    let (mut leader, mut follower) = if first == a.identity { (a, b) } else { (b, a) };
    assert_eq!(first, leader.identity);

    for i in 0..3 {
        foos.create(
            &foo(&format!("foo-{i}"), &format!("web-{i}"), Some(1)),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    }
    for i in 0..3 {
        eventually(
            "the leader's Deployments",
            Duration::from_secs(30),
            || async {
                deployments
                    .get(&format!("web-{i}"), &GetOptions::default())
                    .await
                    .ok()
            },
        )
        .await;
    }
    // A little longer (virtual), for any reconcile a follower might wrongly run.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(
        leader.controller.stats().syncs >= 3,
        "{:?}",
        leader.controller.stats()
    );
    assert_eq!(
        follower.controller.stats(),
        Default::default(),
        "a follower never reconciles"
    );

    // The leader dies without releasing the lease: the follower takes over once it expires.
    let died = Instant::now();
    leader.task.abort();
    let _ = (&mut leader.task).await;
    let new = eventually("a new leader", Duration::from_secs(30), || async {
        holder(&client).await.filter(|h| *h != leader.identity)
    })
    .await;
    let took = died.elapsed();
    assert_eq!(new, follower.identity);
    let election = fast_election();
    // Not before the lease expired (judged from when the follower last saw it renewed, at
    // most one jittered retry period before the leader died), and within the bound the real
    // plane's test allows.
    assert!(
        took >= election.lease_duration - election.retry_period.mul_f64(2.2),
        "takeover after {took:?}: before the lease expired"
    );
    let bound =
        election.lease_duration + election.retry_period.mul_f64(2.0 * 2.2) + Duration::from_secs(1);
    assert!(took <= bound, "takeover took {took:?}, bound {bound:?}");
    println!(
        "takeover after {took:?} of virtual time (lease {:?}, retry {:?})",
        election.lease_duration, election.retry_period
    );

    // The new leader reconciles; the dead one did nothing more.
    let dead_syncs = leader.controller.stats().syncs;
    foos.create(
        &foo("foo-late", "web-late", Some(2)),
        &CreateOptions::default(),
    )
    .await
    .unwrap();
    eventually(
        "the new leader's Deployment",
        Duration::from_secs(30),
        || async {
            deployments
                .get("web-late", &GetOptions::default())
                .await
                .ok()
        },
    )
    .await;
    assert!(follower.controller.stats().syncs >= 1);
    assert_eq!(leader.controller.stats().syncs, dead_syncs);

    // A graceful stop releases the lease at once.
    follower.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), &mut follower.task)
        .await
        .expect("the leader stops")
        .unwrap()
        .unwrap();
    assert_eq!(holder(&client).await, None, "released on shutdown");
    drop(leader.stop.take());
}
