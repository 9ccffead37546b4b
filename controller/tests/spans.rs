#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! Each reconcile runs in a `reconcile` span naming the controller, the key and what queued it.
//! (Alone in its test binary: no other test installs a global subscriber, whose interest
//! cache would hide these spans from the thread-local one.)

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use k8s_api::core::v1::{ConfigMap, Secret};
use k8s_apimachinery::{CreateOptions, GetOptions, ObjectMeta, OwnerReference};
use k8s_client::Api;
use k8s_controller::{Action, Controller, WatchConfig, default_error_policy};
use k8s_fake::FakeApiServer;
use k8s_informers::SharedInformerFactory;

/// Collects the fields of every `reconcile` span.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<BTreeMap<String, String>>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Spans {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _id: &tracing::span::Id,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        struct Fields<'a>(&'a mut BTreeMap<String, String>);
        impl tracing::field::Visit for Fields<'_> {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0
                    .insert(field.name().to_string(), format!("{value:?}"));
            }
        }
        if attrs.metadata().name() == "reconcile" {
            let mut fields = BTreeMap::new();
            attrs.record(&mut Fields(&mut fields));
            self.0.lock().unwrap().push(fields);
        }
    }
}

#[tokio::test(start_paused = true)]
async fn each_reconcile_has_a_span_naming_its_key_and_trigger() {
    use tracing_subscriber::layer::SubscriberExt;
    let spans = Spans::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let fake = FakeApiServer::new().with_objects([cm("a", "1")]).unwrap();
    let factory = SharedInformerFactory::new(fake.client(), None);
    let (keys_tx, keys_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let (stop, shutdown) = signal();
    let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
        .name("mirror")
        .owns::<Secret>(WatchConfig::default())
        .reconcile_on(tokio_stream(keys_rx))
        .graceful_shutdown_on(shutdown);
    let run = tokio::spawn(controller.run(
        |_cm: Arc<ConfigMap>, _ctx: Arc<()>| async { Ok::<_, String>(Action::await_change()) },
        default_error_policy,
        Arc::new(()),
    ));
    let count = |n: usize| {
        let spans = spans.clone();
        async move { (spans.0.lock().unwrap().len() >= n).then_some(()) }
    };
    eventually("the first reconcile", Duration::from_secs(5), || count(1)).await;
    let owner = Api::<ConfigMap>::namespaced(fake.client(), NS)
        .get("a", &GetOptions::default())
        .await
        .unwrap();
    let mut s = Secret {
        metadata: ObjectMeta::namespaced(NS, "s"),
        ..Default::default()
    };
    s.metadata.owner_references = Some(vec![OwnerReference::controller_of(&owner)]);
    Api::<Secret>::namespaced(fake.client(), NS)
        .create(&s, &CreateOptions::default())
        .await
        .unwrap();
    eventually("the owned reconcile", Duration::from_secs(5), || count(2)).await;
    keys_tx.send(format!("{NS}/a")).unwrap();
    eventually("the external reconcile", Duration::from_secs(5), || {
        count(3)
    })
    .await;

    let seen: Vec<(String, String, String)> = spans
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["controller"].clone(),
                f["object"].clone(),
                f["trigger"].clone(),
            )
        })
        .collect();
    let row = |trigger: &str| {
        (
            "mirror".to_string(),
            "default/a".to_string(),
            trigger.to_string(),
        )
    };
    assert_eq!(
        seen,
        [
            row("ConfigMap added"),
            row("Secret default/s (owned) added"),
            row("external trigger")
        ]
    );
    stop.send(()).unwrap();
    run.await.unwrap().unwrap();
    factory.shutdown();
}
