//! What the fake API server sustains through the full client stack (`Api<ConfigMap>` over
//! [`FakeApiServer::client`]: request building, the transport seam, the fake's parsing, action
//! matching, faults, handlers and tracker, JSON both ways; the client's rate limiter is off):
//!
//! - `one_core/*`: a single-threaded runtime (one core): gets, creates with unique names, a list
//!   of 10,000 objects, and a `SharedIndexInformer` syncing over 10,000 objects (paged list and
//!   streaming list);
//! - `two_workers/*`: gets and creates from 16 tasks on a 2-worker multi-thread runtime, across
//!   four resources (the load under which the tracker's per-resource stores are contended);
//! - `tracker/*`: the same mix straight on the [`ObjectTracker`] from two threads, without the
//!   client stack.
//!
//! The last two compared the tracker's map of per-resource stores as a `dashmap` (its design)
//! with a single `Mutex<HashMap>` (a temporary patch), three alternating runs each on a shared
//! 2-core machine: full stack 110–112k vs 100–108k requests/s, tracker alone 408–520k vs
//! 389–435k operations/s. The dashmap is as fast or a little faster, never slower, so it stays.
//!
//! `cargo bench -p k8s-fake --bench throughput` (criterion reports `elem/s`: requests, objects
//! or syncs per second). The action log is off (`record_actions(false)`), as a benchmark or a
//! soak would have it.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_api::apps::v1::Deployment;
use k8s_api::core::v1::{ConfigMap, Secret, ServiceAccount};
use k8s_apimachinery::{
    CompactString, CreateOptions, GetOptions, ListOptions, LiteMap, ObjectMeta, Resource,
};
use k8s_client::Api;
use k8s_fake::{FakeApiServer, ObjectKey, ObjectTracker, Outcome, ResourceKey};
use k8s_informers::{InformerOptions, ReflectorOptions, SharedIndexInformer};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::runtime::{Builder, Runtime};

const NS: &str = "default";
const LIST_SIZE: usize = 10_000;

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(NS.into()),
        labels: Some(LiteMap::from_iter([
            ("app".into(), "bench".into()),
            ("tier".into(), "backend".into()),
        ])),
        ..Default::default()
    }
}

/// A ConfigMap of the size controllers typically handle: two labels, two keys.
fn cm(name: &str) -> ConfigMap {
    let data: LiteMap<CompactString, CompactString> = LiteMap::from_iter([
        ("config.yaml".into(), "x".repeat(128).into()),
        ("mode".into(), "fast".into()),
    ]);
    ConfigMap {
        metadata: meta(name),
        data: Some(data),
        ..Default::default()
    }
}

fn one_core() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn two_workers() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn quiet_fake() -> FakeApiServer {
    let fake = FakeApiServer::new();
    fake.record_actions(false);
    fake
}

/// A fake holding `n` ConfigMaps `cm-00000…`, created through the API.
fn filled_fake(rt: &Runtime, n: usize) -> FakeApiServer {
    let fake = quiet_fake();
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    rt.block_on(async {
        for i in 0..n {
            api.create(&cm(&format!("cm-{i:05}")), &CreateOptions::default())
                .await
                .unwrap();
        }
    });
    fake
}

fn single_core(c: &mut Criterion) {
    let rt = one_core();
    let mut g = c.benchmark_group("one_core");
    g.sample_size(20).measurement_time(Duration::from_secs(4));

    let fake = filled_fake(&rt, 1);
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    g.throughput(Throughput::Elements(1));
    g.bench_function("get", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box(api.get("cm-00000", &GetOptions::default()).await.unwrap());
                }
                start.elapsed()
            })
        })
    });

    let fake = quiet_fake();
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    let mut next = 0u64;
    g.bench_function("create", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let objects: Vec<ConfigMap> = (0..iters)
                    .map(|i| cm(&format!("new-{}", next + i)))
                    .collect();
                next += iters;
                let start = Instant::now();
                for o in &objects {
                    black_box(api.create(o, &CreateOptions::default()).await.unwrap());
                }
                start.elapsed()
            })
        })
    });

    let fake = filled_fake(&rt, LIST_SIZE);
    let api: Api<ConfigMap> = Api::namespaced(fake.client(), NS);
    g.sample_size(10);
    g.throughput(Throughput::Elements(LIST_SIZE as u64));
    g.bench_function("list_10k", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let list = api.list(&ListOptions::default()).await.unwrap();
                    assert_eq!(list.items.len(), LIST_SIZE);
                    black_box(list);
                }
                start.elapsed()
            })
        })
    });

    for (name, streaming) in [
        ("informer_sync_10k", false),
        ("informer_sync_10k_streaming", true),
    ] {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let informer = SharedIndexInformer::new(
                            api.clone(),
                            InformerOptions {
                                reflector: ReflectorOptions {
                                    streaming_list: streaming,
                                    ..ReflectorOptions::default()
                                },
                                ..InformerOptions::default()
                            },
                        );
                        let start = Instant::now();
                        informer.start();
                        informer
                            .wait_for_sync(Duration::from_secs(60))
                            .await
                            .unwrap();
                        total += start.elapsed();
                        assert_eq!(informer.indexer().list().len(), LIST_SIZE);
                        informer.shutdown();
                    }
                    total
                })
            })
        });
    }
    g.finish();
}

/// `tasks` tasks share `iters` requests: each does a get then a create on its resource.
async fn mixed<K>(api: Api<K>, make: fn(&str) -> K, task: u64, rounds: u64, next: Arc<AtomicU64>)
where
    K: Resource + Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
{
    let seed = format!("seed-{task}");
    for _ in 0..rounds {
        black_box(api.get(&seed, &GetOptions::default()).await.unwrap());
        let n = next.fetch_add(1, Ordering::Relaxed);
        black_box(
            api.create(&make(&format!("o-{n}")), &CreateOptions::default())
                .await
                .unwrap(),
        );
    }
}

fn secret(name: &str) -> Secret {
    Secret {
        metadata: meta(name),
        ..Default::default()
    }
}

fn service_account(name: &str) -> ServiceAccount {
    ServiceAccount {
        metadata: meta(name),
        ..Default::default()
    }
}

fn deployment(name: &str) -> Deployment {
    Deployment {
        metadata: meta(name),
        ..Default::default()
    }
}

const TASKS: u64 = 16;

fn concurrent(c: &mut Criterion) {
    let rt = two_workers();
    let fake = quiet_fake();
    let client = fake.client();
    let (cms, secrets, sas, deploys) = (
        Api::<ConfigMap>::namespaced(client.clone(), NS),
        Api::<Secret>::namespaced(client.clone(), NS),
        Api::<ServiceAccount>::namespaced(client.clone(), NS),
        Api::<Deployment>::namespaced(client, NS),
    );
    rt.block_on(async {
        for t in 0..TASKS {
            let name = format!("seed-{t}");
            let o = CreateOptions::default();
            match t % 4 {
                0 => drop(cms.create(&cm(&name), &o).await.unwrap()),
                1 => drop(secrets.create(&secret(&name), &o).await.unwrap()),
                2 => drop(sas.create(&service_account(&name), &o).await.unwrap()),
                _ => drop(deploys.create(&deployment(&name), &o).await.unwrap()),
            }
        }
    });
    let next = Arc::new(AtomicU64::new(0));
    let mut g = c.benchmark_group("two_workers");
    g.sample_size(20).measurement_time(Duration::from_secs(4));
    // One element: one request (half gets, half creates).
    g.throughput(Throughput::Elements(1));
    g.bench_function("get_create_4_resources", |b| {
        b.iter_custom(|iters| {
            let rounds = (iters / 2 / TASKS).max(1);
            rt.block_on(async {
                let start = Instant::now();
                let handles: Vec<_> = (0..TASKS)
                    .map(|t| {
                        let next = next.clone();
                        match t % 4 {
                            0 => tokio::spawn(mixed(cms.clone(), cm, t, rounds, next)),
                            1 => tokio::spawn(mixed(secrets.clone(), secret, t, rounds, next)),
                            2 => tokio::spawn(mixed(sas.clone(), service_account, t, rounds, next)),
                            _ => tokio::spawn(mixed(deploys.clone(), deployment, t, rounds, next)),
                        }
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
                // Requests made may exceed `iters` by rounding: scale to `iters`.
                start
                    .elapsed()
                    .mul_f64(iters as f64 / (rounds * TASKS * 2) as f64)
            })
        })
    });
    g.finish();

    // The tracker alone, from two threads: a get and a put per round on one of four resources.
    let tracker = ObjectTracker::new();
    let resources: Vec<ResourceKey> = ["configmaps", "secrets", "serviceaccounts", "deployments"]
        .iter()
        .map(|r| (String::new(), (*r).to_string()))
        .collect();
    for r in &resources {
        tracker.modify(r, &(NS.into(), "seed".into()), |_| {
            Outcome::Put(serde_json::to_value(cm("seed")).unwrap(), ())
        });
    }
    let template = serde_json::to_value(cm("x")).unwrap();
    let counter = AtomicU64::new(0);
    let mut g = c.benchmark_group("tracker");
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Elements(1));
    g.bench_function("get_put_4_resources_2_threads", |b| {
        b.iter_custom(|iters| {
            let per_thread = (iters / 4).max(1);
            let start = Instant::now();
            std::thread::scope(|s| {
                for t in 0..2usize {
                    let (tracker, resources, template, counter) =
                        (&tracker, &resources, &template, &counter);
                    s.spawn(move || {
                        for i in 0..per_thread {
                            let r = &resources[(t + i as usize) % resources.len()];
                            black_box(tracker.get(r, &(NS.into(), "seed".into())));
                            let n = counter.fetch_add(1, Ordering::Relaxed);
                            let key: ObjectKey = (NS.into(), format!("o-{n}"));
                            tracker.modify(r, &key, |_| Outcome::Put(template.clone(), ()));
                        }
                    });
                }
            });
            start
                .elapsed()
                .mul_f64(iters as f64 / (per_thread * 4) as f64)
        })
    });
    g.finish();
}

criterion_group!(benches, single_core, concurrent);
criterion_main!(benches);
