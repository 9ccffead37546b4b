//! A CRD controller with a finalizer and a status condition: each `Greeting` (`crd.yaml`;
//! `types.rs` is generated from it by `cargo xtask codegen --crd`) gets a ConfigMap holding
//! its message. Tested against a real control plane in tests/tests/controller_greeting.rs.
use std::{future::Future, sync::Arc};

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{Object, PatchOptions, PatchType::Merge};
use k8s_client::{Api, HttpClient};
use k8s_controller::finalizer::Event;
use k8s_controller::*; // Controller, Action, Error, finalizer, the condition helpers…
#[allow(dead_code)] // GreetingList
#[path = "types.rs"] // (so that tests can include this file)
pub mod types;
use types::v1::Greeting;

const FINALIZER: &str = "example.k8s-rs.dev/cleanup";

async fn reconcile(greeting: Arc<Greeting>, client: Arc<HttpClient>) -> Result<Action, Error> {
    let ns = greeting.namespace().unwrap_or_default();
    let name = greeting.name().unwrap_or_default();
    let greetings = &Api::<Greeting>::namespaced(client.as_ref().clone(), ns);
    let cms = &Api::<ConfigMap>::namespaced(client.as_ref().clone(), ns);
    finalizer(greetings, FINALIZER, greeting.clone(), |event| async move {
        let Event::Apply(g) = event else {
            // Cleanup. No garbage collector on a bare control plane: delete the ConfigMap here.
            return match cms.delete(name, &Default::default()).await {
                Err(e) if !e.is_not_found() => Err(e.into()),
                _ => Ok(Action::await_change()),
            };
        };
        let message = g.spec.clone().unwrap_or_default().message;
        create_or_update(cms, name, |cm: &mut ConfigMap| {
            let data = cm.data.get_or_insert_with(Default::default);
            data.insert("message".into(), message.clone());
            set_controller_reference(g.as_ref(), cm)
        })
        .await?;
        let status = g.status.clone().unwrap_or_default();
        let mut conditions = status.conditions.unwrap_or_default();
        let why = format!("ConfigMap {name} holds the message");
        let ready = condition_for(g.as_ref(), "Ready", "True", "ConfigMapWritten", why);
        if set_status_condition(&mut conditions, ready) {
            let p = serde_json::json!({ "status": { "conditions": conditions } });
            let o = PatchOptions::default();
            greetings.patch_status(name, Merge, &p, &o).await?;
        }
        Ok(Action::await_change())
    })
    .await
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
