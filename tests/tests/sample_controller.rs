#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
#![allow(clippy::disallowed_names)] // `Foo` is the sample controller's kind
//! The sample controller (`examples/sample-controller`) against the real control plane:
//! it converges (create, scale, Deployment deleted by hand, Foo deleted → Deployment deleted by
//! the controller's finalizer, since this plane runs no garbage collector), it refuses a
//! Deployment it does not own, and under leader election exactly one of two instances
//! reconciles and the other takes over when the leader dies.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_api::apps::v1::Deployment;
use k8s_api::coordination::v1::Lease;
use k8s_api::events::v1::Event;
use k8s_apimachinery::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, ObjectMeta, PatchOptions, PatchType,
};
use k8s_client::{Api, HttpClient};
use k8s_testenv::TestEnv;
use sample_controller::v1alpha1::{Foo, FooSpec};
use sample_controller::{Controller, ControllerOptions, LeaderOptions};
use tokio::sync::oneshot;

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

/// Polls `check` every 50 ms until it returns `Some`, or panics after `timeout`.
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

async fn setup(name: &str) -> (TestEnv, HttpClient) {
    let env = TestEnv::new(name).await.unwrap();
    let client = env.client().unwrap();
    let crds = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/sample-controller/crd"
    );
    let names = env.install_crds(crds).await.unwrap();
    assert_eq!(names, ["foos.samplecontroller.k8s.io"]);
    (env, client)
}

fn options(ns: &str) -> ControllerOptions {
    ControllerOptions {
        namespace: Some(ns.to_owned()),
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

async fn event_reasons(client: &HttpClient, ns: &str, foo: &str) -> Vec<String> {
    Api::<Event>::namespaced(client.clone(), ns)
        .list(&ListOptions::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|e| e.regarding.name.as_deref() == Some(foo))
        .filter_map(|e| e.reason.map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn converges_on_create_scale_manual_delete_and_foo_delete() {
    let (env, client) = setup("sample-converge").await;
    let ns = env.namespace();
    let broadcaster = k8s_client::events::EventBroadcaster::new(client.clone()).unwrap();
    let recorder = broadcaster.new_recorder("sample-controller", "test");
    let controller = Arc::new(Controller::with_recorder(
        client.clone(),
        options(ns),
        Some(recorder),
    ));
    let (stop, task) = spawn_controller(controller.clone());
    let foos = Api::<Foo>::namespaced(client.clone(), ns);
    let deployments = Api::<Deployment>::namespaced(client.clone(), ns);

    // Created → a Deployment with the right replicas, owner reference and status.
    let created = foos
        .create(
            &foo("example", "example-web", Some(2)),
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    let uid = created.metadata.uid.clone().unwrap();
    let d = eventually("the Deployment", Duration::from_secs(30), || async {
        deployments
            .get("example-web", &GetOptions::default())
            .await
            .ok()
    })
    .await;
    assert_eq!(d.spec.replicas, Some(2));
    let owner = d.metadata.controller_ref().expect("a controller reference");
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()),
        ("Foo", "example", uid.as_str())
    );
    assert_eq!(owner.api_version, "samplecontroller.k8s.io/v1alpha1");
    let first_uid = d.metadata.uid.clone().unwrap();
    let f = eventually("the Foo's status", Duration::from_secs(30), || async {
        let f = foos.get("example", &GetOptions::default()).await.unwrap();
        f.status
            .as_ref()
            .filter(|s| s.deployment_replicas == Some(2))
            .map(|_| f.clone())
    })
    .await;
    let status = f.status.unwrap();
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
            .any(|x| x == sample_controller::FINALIZER),
        "{:?}",
        f.metadata.finalizers
    );

    // Updated → the Deployment follows.
    foos.patch(
        "example",
        PatchType::Merge,
        &serde_json::json!({"spec": {"replicas": 5}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    eventually(
        "the Deployment scaled to 5",
        Duration::from_secs(30),
        || async {
            let d = deployments
                .get("example-web", &GetOptions::default())
                .await
                .unwrap();
            (d.spec.replicas == Some(5)).then_some(())
        },
    )
    .await;
    eventually(
        "status.deploymentReplicas = 5",
        Duration::from_secs(30),
        || async {
            let f = foos.get("example", &GetOptions::default()).await.unwrap();
            (f.status.and_then(|s| s.deployment_replicas) == Some(5)).then_some(())
        },
    )
    .await;

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
    foos.delete("example", &DeleteOptions::default())
        .await
        .unwrap();
    eventually(
        "the Deployment deleted",
        Duration::from_secs(30),
        || async {
            match deployments.get("example-web", &GetOptions::default()).await {
                Err(e) if e.is_not_found() => Some(()),
                // Deleted with background propagation: gone, or going.
                Ok(d) if d.metadata.deletion_timestamp.is_some() => Some(()),
                _ => None,
            }
        },
    )
    .await;
    eventually("the Foo gone", Duration::from_secs(30), || async {
        foos.get("example", &GetOptions::default())
            .await
            .err()
            .filter(|e| e.is_not_found())
    })
    .await;

    // Events on each action.
    eventually(
        "the controller's events",
        Duration::from_secs(30),
        || async {
            let reasons = event_reasons(&client, ns, "example").await;
            [
                "DeploymentCreated",
                "DeploymentScaled",
                "Synced",
                "DeploymentDeleted",
            ]
            .iter()
            .all(|r| reasons.iter().any(|x| x == r))
            .then_some(())
        },
    )
    .await;
    let stats = controller.stats();
    assert_eq!(stats.created, 2, "{stats:?}");
    assert!(stats.syncs >= 4 && stats.writes >= 6, "{stats:?}");
    // The transport counts every request its clones sent: the controller's writes are among
    // them, and so are this test's dozens of GETs.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_a_deployment_it_does_not_own() {
    let (env, client) = setup("sample-not-owned").await;
    let ns = env.namespace();
    let deployments = Api::<Deployment>::namespaced(client.clone(), ns);
    // Someone else's Deployment, named as the Foo will ask.
    let mut theirs = sample_controller::new_deployment(&foo("other", "taken", Some(1)));
    theirs.metadata.owner_references = None;
    deployments
        .create(&theirs, &CreateOptions::default())
        .await
        .unwrap();

    let broadcaster = k8s_client::events::EventBroadcaster::new(client.clone()).unwrap();
    let controller = Arc::new(Controller::with_recorder(
        client.clone(),
        options(ns),
        Some(broadcaster.new_recorder("sample-controller", "test")),
    ));
    let (stop, task) = spawn_controller(controller.clone());
    let foos = Api::<Foo>::namespaced(client.clone(), ns);
    foos.create(&foo("greedy", "taken", Some(3)), &CreateOptions::default())
        .await
        .unwrap();
    eventually(
        "an ErrResourceExists event",
        Duration::from_secs(30),
        || async {
            event_reasons(&client, ns, "greedy")
                .await
                .iter()
                .any(|r| r == "ErrResourceExists")
                .then_some(())
        },
    )
    .await;
    let d = deployments
        .get("taken", &GetOptions::default())
        .await
        .unwrap();
    assert_eq!(d.spec.replicas, Some(1), "not ours: left alone");
    assert!(d.metadata.owner_references.is_none());
    let f = foos.get("greedy", &GetOptions::default()).await.unwrap();
    assert!(f.status.is_none(), "{:?}", f.status);
    assert!(controller.stats().failures >= 1);
    stop.send(()).unwrap();
    task.await.unwrap();
    broadcaster.flush().await;
    broadcaster.shutdown();
}

fn fast_election(ns: &str) -> LeaderOptions {
    LeaderOptions {
        lease_namespace: ns.to_owned(),
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

fn candidate(client: &HttpClient, ns: &str, identity: &str) -> Candidate {
    let controller = Arc::new(Controller::new(client.clone(), options(ns)));
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(sample_controller::run_with_leader_election(
        controller.clone(),
        client.clone(),
        fast_election(ns),
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

async fn holder(client: &HttpClient, ns: &str) -> Option<String> {
    Api::<Lease>::namespaced(client.clone(), ns)
        .get("sample-controller", &GetOptions::default())
        .await
        .ok()
        .and_then(|l| l.spec.holder_identity)
        .filter(|h| !h.is_empty())
        .map(Into::into)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_leader_reconciles_and_a_follower_takes_over() {
    let (env, client) = setup("sample-leader").await;
    let ns = env.namespace();
    let foos = Api::<Foo>::namespaced(client.clone(), ns);
    let deployments = Api::<Deployment>::namespaced(client.clone(), ns);
    let a = candidate(&client, ns, "candidate-a");
    let b = candidate(&client, ns, "candidate-b");
    let first = eventually("a leader", Duration::from_secs(30), || holder(&client, ns)).await;
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
    // A little longer, for any reconcile a follower might wrongly run.
    tokio::time::sleep(Duration::from_secs(1)).await;
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
        holder(&client, ns).await.filter(|h| *h != leader.identity)
    })
    .await;
    let took = died.elapsed();
    assert_eq!(new, follower.identity);
    let election = fast_election(ns);
    // Expiry is judged by the follower's own clock from when it last saw the record change
    // (up to one jittered retry period after the last renewal), plus one more jittered retry.
    let bound =
        election.lease_duration + election.retry_period.mul_f64(2.0 * 2.2) + Duration::from_secs(1);
    assert!(took <= bound, "takeover took {took:?}, bound {bound:?}");
    println!(
        "takeover after {took:?} (lease {:?}, retry {:?})",
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
    assert_eq!(holder(&client, ns).await, None, "released on shutdown");
    drop(leader.stop.take());
}
