//! A CRD controller with a finalizer and a status condition: each `Greeting` (`crd.yaml`;
//! `types.rs` is generated from it by `cargo xtask codegen --crd`) gets a ConfigMap holding
//! its message. Tested against a real control plane in tests/tests/controller_greeting.rs.
use std::{future::Future, sync::Arc};

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{Condition, Object, PatchOptions, PatchType::Merge};
use k8s_client::{Api, HttpClient};
use k8s_controller::finalizer::{Event, finalizer};
use k8s_controller::{Action, Controller, Error, WatchConfig, create_or_update as upsert};
use k8s_controller::{default_error_policy, set_controller_reference, set_status_condition};
use types::v1::Greeting;
#[allow(dead_code)] // GreetingList
#[path = "types.rs"] // (so tests can include this file too)
pub mod types;

async fn reconcile(g: Arc<Greeting>, client: Arc<HttpClient>) -> Result<Action, Error> {
    let (ns, name) = (
        g.namespace().unwrap_or_default(),
        g.name().unwrap_or_default(),
    );
    let greetings = &Api::<Greeting>::namespaced(client.as_ref().clone(), ns);
    let cms = &Api::<ConfigMap>::namespaced(client.as_ref().clone(), ns);
    finalizer(
        greetings,
        "example.k8s-rs.dev/cleanup",
        g.clone(),
        |event| async move {
            match event {
                Event::Apply(g) => apply(&g, greetings, cms).await,
                // No garbage collector on a bare control plane: delete the ConfigMap here.
                Event::Cleanup(_) => match cms.delete(name, &Default::default()).await {
                    Err(e) if !e.is_not_found() => Err(e.into()),
                    _ => Ok(Action::await_change()),
                },
            }
        },
    )
    .await
}

async fn apply(
    g: &Greeting,
    greetings: &Api<Greeting>,
    cms: &Api<ConfigMap>,
) -> Result<Action, Error> {
    let (name, spec) = (
        g.name().unwrap_or_default(),
        g.spec.clone().unwrap_or_default(),
    );
    upsert(cms, name, |cm: &mut ConfigMap| {
        cm.data = Some(
            [("message".into(), spec.message.clone())]
                .into_iter()
                .collect(),
        );
        set_controller_reference(g, cm)
    })
    .await?;
    let mut conditions = g
        .status
        .clone()
        .unwrap_or_default()
        .conditions
        .unwrap_or_default();
    let message = format!("ConfigMap {name} holds the message");
    let (type_, status, reason) = ("Ready".into(), "True".into(), "ConfigMapWritten".into());
    let observed_generation = g.metadata.generation;
    let ready = Condition {
        type_,
        status,
        reason,
        message,
        observed_generation,
        ..Default::default()
    };
    if set_status_condition(&mut conditions, ready) {
        let patch = serde_json::json!({ "status": { "conditions": conditions } });
        greetings
            .patch_status(name, Merge, &patch, &PatchOptions::default())
            .await?;
    }
    Ok(Action::await_change())
}

/// Runs the controller over `scope` until `stop` completes.
pub async fn run<S>(client: HttpClient, scope: WatchConfig, stop: S) -> Result<(), Error>
where
    S: Future<Output = ()> + Send + 'static,
{
    let factory = k8s_informers::SharedInformerFactory::new(client.clone(), None);
    let controller = Controller::<Greeting>::new(&factory, scope.clone()).owns::<ConfigMap>(scope);
    let controller = controller.graceful_shutdown_on(stop);
    let result = controller.run(reconcile, default_error_policy, Arc::new(client));
    (result.await, factory.shutdown()).0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = HttpClient::new(k8s_client::Config::infer()?)?;
    let stop = async { tokio::signal::ctrl_c().await.unwrap_or_default() };
    Ok(run(client, WatchConfig::default(), stop).await?)
}
