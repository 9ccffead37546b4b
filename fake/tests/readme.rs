#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! The README's fake API server example, as it is printed there.

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{GetOptions, ObjectMeta};
use k8s_fake::{FakeApiServer, Fault};

#[tokio::test(start_paused = true)]
async fn my_reconcile_survives_a_429_storm() -> Result<(), Box<dyn std::error::Error>> {
    let settings = ConfigMap {
        metadata: ObjectMeta::namespaced("default", "settings"),
        ..Default::default()
    };
    let fake = FakeApiServer::new().with_objects([settings])?; // 1. a server with objects
    fake.inject(
        Fault::status(429)
            .retry_after(1)
            .on("get", "configmaps")
            .times(3),
    );
    let client = fake.client(); // 2. a client of it

    let cms = k8s_client::Api::<ConfigMap>::namespaced(client, "default"); // 3. your code
    let got = cms.get("settings", &GetOptions::default()).await?;

    assert_eq!(got.metadata.name.as_deref(), Some("settings")); // the final state …
    assert_eq!(fake.actions().len(), 4); // … and the action log
    Ok(())
}
