#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! The informer's invariant under seeded faults, on the fake API server: whatever the schedule
//! of dropped watches, compacted resourceVersions (410 on resume), 429 storms, 5xx answers and
//! connections reset in the middle of a list, once the writes stop the store holds exactly the
//! server's objects at the server's resourceVersions.
//!
//! Each seed runs on its own paused-time runtime (no sockets, no real waiting), so CI runs 1,000
//! seeds in seconds; `K8S_FAKE_SEEDS=N` runs more by hand, `K8S_FAKE_SEED=S` one schedule.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::wait::ExponentialBackoffManager;
use k8s_apimachinery::{CreateOptions, DeleteOptions, ObjectMeta, PatchOptions, PatchType};
use k8s_client::Api;
use k8s_fake::{FakeApiServer, Fault};
use k8s_informers::{InformerOptions, ReflectorOptions, SharedIndexInformer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const NS: &str = "default";

fn cm(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(NS.into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn server_state(fake: &FakeApiServer) -> BTreeMap<String, String> {
    let (items, _) = fake
        .tracker()
        .list(&(String::new(), "configmaps".into()), Some(NS));
    items
        .iter()
        .map(|o| {
            (
                o["metadata"]["name"].as_str().unwrap().to_string(),
                o["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

fn store_state(informer: &SharedIndexInformer<ConfigMap>) -> BTreeMap<String, String> {
    informer
        .indexer()
        .list()
        .iter()
        .map(|c| {
            (
                c.metadata.name.clone().unwrap_or_default().to_string(),
                c.metadata
                    .resource_version
                    .clone()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

/// One seeded schedule; returns how many requests the fake saw.
async fn run(seed: u64) -> usize {
    let mut rng = StdRng::seed_from_u64(seed);
    let fake = FakeApiServer::new();
    fake.set_seed(seed);
    fake.record_actions(true);
    fake.tracker().set_history_window(rng.random_range(5..40));
    fake.inject(Fault::close_watch_randomly(0, 6).probability(0.7));
    fake.inject(Fault::expire().probability(0.15));
    fake.inject(
        Fault::status(429)
            .retry_after(1)
            .on("list", "configmaps")
            .probability(0.3),
    );
    fake.inject(Fault::status(500).on("list", "configmaps").probability(0.1));
    fake.inject(
        Fault::reset_mid_body()
            .on("list", "configmaps")
            .probability(0.1),
    );
    fake.inject(
        Fault::status(503)
            .retry_after(1)
            .on("watch", "configmaps")
            .probability(0.1),
    );
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    for i in 0..rng.random_range(0..8) {
        api.create(&cm(&format!("seed-{i}")), &CreateOptions::default())
            .await
            .unwrap();
    }
    let informer = SharedIndexInformer::new(
        api.clone(),
        InformerOptions {
            reflector: ReflectorOptions {
                streaming_list: rng.random_bool(0.5),
                page_size: rng.random_range(1..5),
                backoff: ExponentialBackoffManager::new(
                    Duration::from_millis(100),
                    Duration::from_secs(5),
                    Duration::from_secs(60),
                    2.0,
                    1.0,
                ),
                ..ReflectorOptions::default()
            },
            ..InformerOptions::default()
        },
    );
    informer.start();
    // Writes while the informer lists and watches through the faults. The writer's own
    // requests do not meet faults (they are not lists or watches).
    for step in 0..rng.random_range(10..40) {
        let name = format!("cm-{}", rng.random_range(0..12));
        match rng.random_range(0..3) {
            0 => {
                let _ = api.create(&cm(&name), &CreateOptions::default()).await;
            }
            1 => {
                let patch = serde_json::json!({"data": {"step": step.to_string()}});
                let _ = api
                    .patch(&name, PatchType::Merge, &patch, &PatchOptions::default())
                    .await;
            }
            _ => {
                let _ = api.delete(&name, &DeleteOptions::default()).await;
            }
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..400))).await;
    }
    let want = server_state(&fake);
    // Paused time: this waits in virtual time, never on the wall clock.
    let mut converged = false;
    for _ in 0..6000 {
        if informer.has_synced() && store_state(&informer) == want {
            converged = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = store_state(&informer);
    informer.shutdown();
    assert!(
        converged,
        "seed {seed}: the store did not converge to the server's state\n server: {want:?}\n store:  {got:?}\n actions:\n{}",
        fake.actions()
            .iter()
            .map(|a| format!("  {a} {:?}", a.query))
            .collect::<Vec<_>>()
            .join("\n")
    );
    fake.actions().len()
}

fn seeds() -> Vec<u64> {
    if let Ok(one) = std::env::var("K8S_FAKE_SEED") {
        return vec![one.parse().expect("K8S_FAKE_SEED is a number")];
    }
    let n: u64 = std::env::var("K8S_FAKE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    (0..n).collect()
}

#[test]
fn store_equals_server_after_seeded_faults() {
    let mut requests = 0;
    let seeds = seeds();
    for &seed in &seeds {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        requests += rt.block_on(run(seed));
    }
    // The schedules did exercise the informer: more than one list and watch per seed.
    assert!(
        requests > seeds.len() * 4,
        "{requests} requests for {} seeds",
        seeds.len()
    );
}

#[test]
fn one_seed_reproduces_one_schedule() {
    let actions = |seed| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async move {
            let fake = FakeApiServer::new()
                .with_objects([cm("a"), cm("b")])
                .unwrap();
            fake.set_seed(seed);
            fake.inject(
                Fault::status(429)
                    .retry_after(1)
                    .on("list", "*")
                    .probability(0.5),
            );
            let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
            let mut outcome = Vec::new();
            for _ in 0..20 {
                outcome.push(api.list(&Default::default()).await.is_ok());
            }
            (outcome, fake.actions().len())
        })
    };
    assert_eq!(actions(11), actions(11));
    assert_ne!(actions(11), actions(12));
}
