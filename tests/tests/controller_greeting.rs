#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! k8s-controller's CRD example (`controller/examples/greeting`) against a real
//! kube-apiserver: a Greeting gets its ConfigMap (controlled by it), a `Ready` condition for
//! its generation and the example's finalizer; a changed message reaches the ConfigMap; a
//! deleted Greeting has its ConfigMap deleted by the finalizer's cleanup, then goes.

use std::time::Duration;

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{CreateOptions, DeleteOptions, ObjectMeta, PatchOptions, PatchType};
use k8s_client::Api;
use k8s_controller::wait::{await_condition, conditions};
use k8s_controller::{WatchConfig, is_status_condition_true};

#[path = "../../controller/examples/greeting/main.rs"]
#[allow(dead_code)] // the example's `main`
mod greeting;

use greeting::types::v1::{Greeting, GreetingSpec};

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn greeting_controller_on_the_real_plane() -> Result<(), Box<dyn std::error::Error>> {
    let env = k8s_testenv::TestEnv::new("controller-greeting").await?;
    env.install_crds("../controller/examples/greeting/crd.yaml")
        .await?;
    let ns = env.namespace();
    let client = env.client()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(greeting::run(
        client.clone(),
        WatchConfig::default().namespace(ns),
        async {
            let _ = stopped.await;
        },
    ));

    let greetings: Api<Greeting> = Api::namespaced(client.clone(), ns);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let hello = Greeting {
        metadata: ObjectMeta::named("hello"),
        spec: Some(Box::new(GreetingSpec {
            message: "hello, world".into(),
        })),
        ..Default::default()
    };
    let created = greetings.create(&hello, &CreateOptions::default()).await?;

    // Ready for the generation created, with the finalizer in place.
    let ready_for = |generation: Option<i64>| {
        move |g: Option<&Greeting>| {
            let conditions = g
                .and_then(|g| g.status.as_ref())
                .and_then(|s| s.conditions.as_deref())
                .unwrap_or_default();
            is_status_condition_true(conditions, "Ready")
                && conditions[0].observed_generation == generation
        }
    };
    let ready = tokio::time::timeout(
        WAIT,
        await_condition(
            greetings.clone(),
            "hello",
            ready_for(created.metadata.generation),
        ),
    )
    .await??
    .unwrap();
    let finalizers = ready.metadata.finalizers.clone().unwrap_or_default();
    assert_eq!(finalizers, ["example.k8s-rs.dev/cleanup"]);
    let cm = cms.get("hello", &Default::default()).await?;
    assert_eq!(
        cm.data
            .as_ref()
            .and_then(|d| d.get("message"))
            .map(|m| m.as_str()),
        Some("hello, world")
    );
    let owner = cm.metadata.controller_ref().unwrap();
    assert_eq!(
        (owner.kind.as_str(), owner.uid.as_str()),
        ("Greeting", created.metadata.uid.as_deref().unwrap())
    );

    // A new message reaches the ConfigMap, and Ready follows the generation.
    let changed = greetings
        .patch(
            "hello",
            PatchType::Merge,
            &serde_json::json!({"spec": {"message": "bonjour"}}),
            &PatchOptions::default(),
        )
        .await?;
    tokio::time::timeout(
        WAIT,
        await_condition(cms.clone(), "hello", |cm: Option<&ConfigMap>| {
            cm.and_then(|c| c.data.as_ref())
                .and_then(|d| d.get("message"))
                .is_some_and(|m| m == "bonjour")
        }),
    )
    .await??;
    tokio::time::timeout(
        WAIT,
        await_condition(
            greetings.clone(),
            "hello",
            ready_for(changed.metadata.generation),
        ),
    )
    .await??;

    // Deleting the Greeting: the cleanup deletes the ConfigMap (no garbage collector on this
    // plane), the finalizer goes, and so does the Greeting.
    let uid = created.metadata.uid.clone().unwrap().to_string();
    greetings.delete("hello", &DeleteOptions::default()).await?;
    tokio::time::timeout(
        WAIT,
        await_condition(
            greetings.clone(),
            "hello",
            conditions::is_deleted::<Greeting>(&uid),
        ),
    )
    .await??;
    assert!(
        cms.get("hello", &Default::default())
            .await
            .unwrap_err()
            .is_not_found()
    );

    stop.send(()).unwrap();
    tokio::time::timeout(WAIT, run).await???;
    Ok(())
}
