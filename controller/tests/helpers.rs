#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! The helpers on the in-process fake API server (paused time): the finalizer protocol and its
//! conflict safety, create-or-update / create-or-patch, the resumable watch stream under
//! dropped watches and 410s, and the watch-based waits with their stock conditions.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_api::apps::v1::Deployment;
use k8s_api::batch::v1::{Job, JobCondition};
use k8s_api::core::v1::{ConfigMap, Pod};
use k8s_apimachinery::{
    CreateOptions, DeleteOptions, GetOptions, ListOptions, LiteMap, ObjectMeta, PatchOptions,
    PatchType,
};
use k8s_client::Api;
use k8s_controller::finalizer::{Event as FinalizerEvent, finalizer};
use k8s_controller::wait::{await_condition, conditions};
use k8s_controller::watcher::{Event, watcher};
use k8s_controller::{Action, Error, OperationResult, create_or_patch, create_or_update};
use k8s_fake::{FakeApiServer, Fault};

const NS: &str = "default";
const FINALIZER: &str = "example.com/cleanup";

fn cm(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta::namespaced(NS, name),
        ..Default::default()
    }
}

fn finalizers(cm: &ConfigMap) -> Vec<String> {
    cm.metadata
        .finalizers
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|f| f.to_string())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn finalizer_adds_applies_cleans_up_and_removes() {
    let fake = FakeApiServer::new().with_objects([cm("a")]).unwrap();
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    let get = || async { api.get("a", &GetOptions::default()).await };
    let step = |obj: ConfigMap| {
        let api = api.clone();
        async move {
            let mut seen = None;
            let action = finalizer(&api, FINALIZER, Arc::new(obj), |event| {
                seen = Some(match event {
                    FinalizerEvent::Apply(_) => "apply",
                    FinalizerEvent::Cleanup(_) => "cleanup",
                });
                async { Ok::<_, Error>(Action::requeue(Duration::from_secs(60))) }
            })
            .await;
            (action, seen)
        }
    };
    // 1. No finalizer yet: it is added, reconcile is not called.
    let (action, seen) = step(get().await.unwrap()).await;
    assert_eq!((action.unwrap(), seen), (Action::await_change(), None));
    assert_eq!(finalizers(&get().await.unwrap()), [FINALIZER]);
    // 2. In place: reconcile applies.
    let (action, seen) = step(get().await.unwrap()).await;
    assert_eq!(
        (action.unwrap(), seen),
        (Action::requeue(Duration::from_secs(60)), Some("apply"))
    );
    // 3. Deleted: the object stays (finalizer), cleanup runs, the finalizer goes, and so does
    //    the object.
    api.delete("a", &DeleteOptions::default()).await.unwrap();
    let deleting = get().await.unwrap();
    assert!(deleting.metadata.deletion_timestamp.is_some());
    let (action, seen) = step(deleting.clone()).await;
    assert_eq!(seen, Some("cleanup"));
    assert!(action.is_ok());
    assert!(get().await.unwrap_err().is_not_found());
    // 4. Seen again (a late event): already gone, nothing runs, no error.
    let (action, seen) = step(deleting).await;
    assert_eq!(
        (action.unwrap(), seen),
        (Action::await_change(), Some("cleanup"))
    );
}

#[tokio::test(start_paused = true)]
async fn finalizer_writes_are_conditional_on_the_version_read() {
    let fake = FakeApiServer::new().with_objects([cm("a")]).unwrap();
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    let stale = api.get("a", &GetOptions::default()).await.unwrap();
    // Someone else adds their finalizer after we read.
    api.patch(
        "a",
        PatchType::Merge,
        &serde_json::json!({"metadata": {"finalizers": ["other.io/keep"]}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    let result = finalizer(&api, FINALIZER, Arc::new(stale), |_| async {
        Ok::<_, Error>(Action::await_change())
    })
    .await;
    let err = result.unwrap_err();
    assert!(matches!(&err, Error::Client(e) if e.is_conflict()), "{err}");
    // Their finalizer survives; ours is added on the retry with the fresh object.
    let fresh = api.get("a", &GetOptions::default()).await.unwrap();
    assert_eq!(finalizers(&fresh), ["other.io/keep"]);
    finalizer(&api, FINALIZER, Arc::new(fresh), |_| async {
        Ok::<_, Error>(Action::await_change())
    })
    .await
    .unwrap();
    let now = api.get("a", &GetOptions::default()).await.unwrap();
    assert_eq!(finalizers(&now), ["other.io/keep", FINALIZER]);
}

#[tokio::test(start_paused = true)]
async fn create_or_update_creates_skips_and_updates() {
    let fake = FakeApiServer::new();
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    let set = |value: &'static str| {
        move |cm: &mut ConfigMap| {
            cm.data
                .get_or_insert_with(LiteMap::new)
                .insert("v".into(), value.into());
            Ok(())
        }
    };
    let (made, r) = create_or_update(&api, "s", set("1")).await.unwrap();
    assert_eq!(r, OperationResult::Created);
    assert_eq!(made.metadata.namespace.as_deref(), Some(NS));
    let (_, r) = create_or_update(&api, "s", set("1")).await.unwrap();
    assert_eq!(r, OperationResult::Unchanged);
    fake.clear_actions();
    let (got, r) = create_or_update(&api, "s", set("2")).await.unwrap();
    assert_eq!(r, OperationResult::Updated);
    assert_eq!(got.data.unwrap().get("v").map(|v| v.as_str()), Some("2"));
    let verbs: Vec<_> = fake.actions().iter().map(|a| a.verb.clone()).collect();
    assert_eq!(verbs, ["get", "update"]);
    // A conflict is returned, not swallowed.
    fake.inject(Fault::conflict().on("update", "configmaps").times(1));
    let err = create_or_update(&api, "s", set("3")).await.unwrap_err();
    assert!(matches!(&err, Error::Client(e) if e.is_conflict()), "{err}");
    // mutate may not rename.
    let err = create_or_update(&api, "s", |cm: &mut ConfigMap| {
        cm.metadata.name = Some("t".into());
        Ok(())
    })
    .await
    .unwrap_err();
    assert!(matches!(err, Error::InvalidObject(_)), "{err}");
}

#[tokio::test(start_paused = true)]
async fn create_or_patch_sends_only_the_difference_and_status_apart() {
    let fake = FakeApiServer::new();
    let api: Api<Deployment> = Api::namespaced(fake.client(), NS);
    let (_, r) = create_or_patch(&api, "web", |d: &mut Deployment| {
        d.spec.replicas = Some(1);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(r, OperationResult::Created);
    fake.clear_actions();
    let (got, r) = create_or_patch(&api, "web", |d: &mut Deployment| {
        d.spec.replicas = Some(3);
        d.status.replicas = Some(3);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(r, OperationResult::UpdatedStatusAndObject);
    assert_eq!((got.spec.replicas, got.status.replicas), (Some(3), Some(3)));
    let actions = fake.actions();
    let patches: Vec<_> = actions.iter().filter(|a| a.verb == "patch").collect();
    assert_eq!(patches.len(), 2);
    assert_eq!(patches[0].subresource, None);
    assert_eq!(
        patches[0].body,
        Some(serde_json::json!({"spec": {"replicas": 3}}))
    );
    assert_eq!(patches[1].subresource.as_deref(), Some("status"));
    assert_eq!(
        patches[1].body,
        Some(serde_json::json!({"status": {"replicas": 3}}))
    );
    let (_, r) = create_or_patch(&api, "web", |d: &mut Deployment| {
        d.spec.replicas = Some(3);
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(r, OperationResult::Unchanged);
}

fn describe(event: &Event<ConfigMap>) -> String {
    let name = |c: &ConfigMap| c.metadata.name.clone().unwrap_or_default().to_string();
    match event {
        Event::Init => "init".into(),
        Event::InitApply(c) => format!("init-apply {}", name(c)),
        Event::InitDone => "init-done".into(),
        Event::Apply(c) => format!("apply {}", name(c)),
        Event::Delete(c) => format!("delete {}", name(c)),
    }
}

#[tokio::test(start_paused = true)]
async fn watcher_resumes_after_dropped_watches() {
    let fake = FakeApiServer::new().with_objects([cm("a")]).unwrap();
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    // Every watch ends after one event: the stream resumes from the last resourceVersion.
    fake.inject(Fault::close_watch_after(1).on("watch", "configmaps"));
    let events = watcher(api.clone(), ListOptions::default());
    futures::pin_mut!(events);
    let mut next = async || describe(&events.next().await.unwrap().unwrap());
    assert_eq!(next().await, "init");
    assert_eq!(next().await, "init-apply a");
    assert_eq!(next().await, "init-done");
    for name in ["b", "c", "d"] {
        api.create(&cm(name), &CreateOptions::default())
            .await
            .unwrap();
        assert_eq!(next().await, format!("apply {name}"));
    }
    api.delete("b", &DeleteOptions::default()).await.unwrap();
    assert_eq!(next().await, "delete b");
    let watches: Vec<_> = fake
        .actions()
        .into_iter()
        .filter(|a| a.verb == "watch")
        .collect();
    assert!(watches.len() >= 4, "{} watches", watches.len());
    assert!(watches.iter().all(|w| {
        w.query
            .iter()
            .any(|(k, v)| k == "resourceVersion" && !v.is_empty())
    }));
}

#[tokio::test(start_paused = true)]
async fn watcher_relists_when_its_resource_version_expired() {
    let fake = FakeApiServer::new().with_objects([cm("a")]).unwrap();
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    // The first watch ends after one event; its resume finds the resourceVersion compacted
    // (410 Gone): the stream lists again and says so with a new Init … InitDone.
    fake.inject(
        Fault::close_watch_after(1)
            .on("watch", "configmaps")
            .times(1),
    );
    fake.inject(Fault::expire().on("watch", "configmaps").after(1).times(1));
    let events = watcher(api.clone(), ListOptions::default());
    futures::pin_mut!(events);
    let mut next = async || describe(&events.next().await.unwrap().unwrap());
    for want in ["init", "init-apply a", "init-done"] {
        assert_eq!(next().await, want);
    }
    api.create(&cm("b"), &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(next().await, "apply b");
    api.delete("a", &DeleteOptions::default()).await.unwrap();
    for want in ["init", "init-apply b", "init-done"] {
        assert_eq!(next().await, want);
    }
    api.create(&cm("c"), &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(next().await, "apply c");
    let lists = fake.actions().iter().filter(|a| a.verb == "list").count();
    assert_eq!(lists, 2);
}

#[tokio::test(start_paused = true)]
async fn watcher_reports_failures_and_goes_on() {
    let fake = FakeApiServer::new().with_objects([cm("a")]).unwrap();
    fake.inject(Fault::status(403).on("list", "configmaps").times(2));
    let events = watcher(
        Api::<ConfigMap>::namespaced(fake.client(), NS),
        ListOptions::default(),
    );
    futures::pin_mut!(events);
    for _ in 0..2 {
        let err = events.next().await.unwrap().unwrap_err();
        assert!(
            matches!(&err, Error::Client(e) if e.is_forbidden()),
            "{err}"
        );
    }
    assert_eq!(describe(&events.next().await.unwrap().unwrap()), "init");
}

#[tokio::test(start_paused = true)]
async fn await_condition_returns_when_the_watch_shows_it() {
    let fake = FakeApiServer::new().with_objects([cm("a")]).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    // Already true: at once.
    let absent = await_condition(cms.clone(), "nope", conditions::is_deleted::<ConfigMap>(""));
    assert_eq!(absent.await.unwrap(), None);
    // Deleted later.
    let uid = cms
        .get("a", &GetOptions::default())
        .await
        .unwrap()
        .metadata
        .uid
        .unwrap();
    let wait = tokio::spawn(await_condition(
        cms.clone(),
        "a",
        conditions::is_deleted::<ConfigMap>(&uid),
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!wait.is_finished());
    cms.delete("a", &DeleteOptions::default()).await.unwrap();
    assert_eq!(wait.await.unwrap().unwrap(), None);

    // A Pod becoming Running.
    let pods: Api<Pod> = Api::namespaced(fake.client(), NS);
    let pod = Pod {
        metadata: ObjectMeta::namespaced(NS, "p"),
        ..Default::default()
    };
    pods.create(&pod, &CreateOptions::default()).await.unwrap();
    let wait = tokio::spawn(await_condition(
        pods.clone(),
        "p",
        conditions::is_pod_running(),
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!wait.is_finished());
    pods.patch_status(
        "p",
        PatchType::Merge,
        &serde_json::json!({"status": {"phase": "Running"}}),
        &PatchOptions::default(),
    )
    .await
    .unwrap();
    let running = wait.await.unwrap().unwrap().unwrap();
    assert_eq!(running.status.phase.as_deref(), Some("Running"));

    // A Job completing.
    let jobs: Api<Job> = Api::namespaced(fake.client(), NS);
    jobs.create(
        &Job {
            metadata: ObjectMeta::namespaced(NS, "j"),
            ..Default::default()
        },
        &CreateOptions::default(),
    )
    .await
    .unwrap();
    let wait = tokio::spawn(await_condition(
        jobs.clone(),
        "j",
        conditions::is_job_completed(),
    ));
    let mut job = jobs.get("j", &GetOptions::default()).await.unwrap();
    job.status.conditions = Some(vec![JobCondition {
        type_: "Complete".into(),
        status: "True".into(),
        ..Default::default()
    }]);
    jobs.update_status("j", &job, &Default::default())
        .await
        .unwrap();
    assert!(wait.await.unwrap().unwrap().is_some());
}

#[test]
fn deployment_rollout_rules() {
    let rolled = conditions::is_deployment_rolled_out();
    let d = |generation, observed, want, replicas, updated, available| {
        let mut d = Deployment::default();
        d.metadata.generation = Some(generation);
        d.spec.replicas = Some(want);
        d.status.observed_generation = Some(observed);
        d.status.replicas = Some(replicas);
        d.status.updated_replicas = Some(updated);
        d.status.available_replicas = Some(available);
        d
    };
    assert!(rolled(Some(&d(2, 2, 3, 3, 3, 3))));
    assert!(!rolled(Some(&d(3, 2, 3, 3, 3, 3))), "spec not yet observed");
    assert!(!rolled(Some(&d(2, 2, 3, 3, 2, 3))), "not all updated");
    assert!(!rolled(Some(&d(2, 2, 3, 4, 3, 3))), "an old replica left");
    assert!(!rolled(Some(&d(2, 2, 3, 3, 3, 2))), "not all available");
    assert!(!rolled(None));
}

#[test]
fn crd_established_rule() {
    use k8s_api::apiextensions::v1::{CustomResourceDefinition, CustomResourceDefinitionCondition};
    let established = conditions::is_crd_established();
    let crd = |status: &str| {
        let mut crd = CustomResourceDefinition::default();
        crd.status.conditions = Some(vec![
            CustomResourceDefinitionCondition {
                type_: "NamesAccepted".into(),
                status: "True".into(),
                ..Default::default()
            },
            CustomResourceDefinitionCondition {
                type_: "Established".into(),
                status: status.into(),
                ..Default::default()
            },
        ]);
        crd
    };
    assert!(established(Some(&crd("True"))));
    assert!(!established(Some(&crd("False"))));
    assert!(!established(Some(&CustomResourceDefinition::default())));
    assert!(!established(None));
}
