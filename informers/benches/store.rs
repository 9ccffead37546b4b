//! The informer store: our `Indexer` (one `RwLock` over the items and their indices, like
//! client-go's `threadSafeMap`) against the same store built on `dashmap` (sharded locks; items
//! and the namespace index in separate maps, so an index read can see an item the items map
//! no longer has — a consistency client-go's store gives and this one does not).
//!
//! `cargo bench -p k8s-informers --bench store`. 10,000 ConfigMaps in 10 namespaces.
#![allow(missing_docs, clippy::unwrap_used)]

use k8s_apimachinery::LiteMap;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use dashmap::{DashMap, DashSet};
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::ObjectMeta;
use k8s_informers::{Indexer, NAMESPACE_INDEX, object_key};

const N: usize = 10_000;

fn objects() -> Vec<Arc<ConfigMap>> {
    (0..N)
        .map(|i| {
            Arc::new(ConfigMap {
                metadata: ObjectMeta {
                    name: Some(format!("cm-{i:05}").into()),
                    namespace: Some(format!("ns-{}", i % 10).into()),
                    resource_version: Some(i.to_string().into()),
                    ..Default::default()
                },
                data: Some(LiteMap::from_iter([("k".into(), "v".repeat(64).into())])),
                ..Default::default()
            })
        })
        .collect()
}

/// The dashmap-based store: what the indexer does, minus the single lock.
#[derive(Default)]
struct DashStore {
    items: DashMap<String, Arc<ConfigMap>>,
    by_namespace: DashMap<String, DashSet<String>>,
}

impl DashStore {
    fn add(&self, obj: Arc<ConfigMap>) {
        let key = object_key(obj.as_ref());
        let ns = obj
            .metadata
            .namespace
            .as_deref()
            .unwrap_or_default()
            .to_owned();
        if let Some(old) = self.items.insert(key.clone(), obj) {
            let old_ns = old
                .metadata
                .namespace
                .as_deref()
                .unwrap_or_default()
                .to_owned();
            if old_ns != ns
                && let Some(keys) = self.by_namespace.get(&old_ns)
            {
                keys.remove(&key);
            }
        }
        self.by_namespace.entry(ns).or_default().insert(key);
    }

    fn get_by_key(&self, key: &str) -> Option<Arc<ConfigMap>> {
        self.items.get(key).map(|e| e.value().clone())
    }

    fn list(&self) -> Vec<Arc<ConfigMap>> {
        self.items.iter().map(|e| e.value().clone()).collect()
    }

    fn by_namespace(&self, ns: &str) -> Vec<Arc<ConfigMap>> {
        let Some(keys) = self.by_namespace.get(ns) else {
            return Vec::new();
        };
        keys.iter()
            .filter_map(|k| self.get_by_key(k.key()))
            .collect()
    }
}

/// `readers` threads doing `get_by_key` while one thread keeps updating objects; returns the
/// time the readers took for `iters` reads each.
fn contended(
    iters: u64,
    readers: usize,
    get: impl Fn(&str) + Sync,
    update: impl Fn(usize) + Sync,
) -> Duration {
    let keys: Vec<String> = (0..N).map(|i| format!("ns-{}/cm-{i:05}", i % 10)).collect();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                update(i % N);
                i += 1;
            }
        });
        let start = Instant::now();
        let handles: Vec<_> = (0..readers)
            .map(|r| {
                let (keys, get) = (&keys, &get);
                s.spawn(move || {
                    for i in 0..iters as usize {
                        get(&keys[(i * 7919 + r * 13) % N]);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let took = start.elapsed();
        stop.store(true, Ordering::Relaxed);
        took
    })
}

fn bench(c: &mut Criterion) {
    let objs = objects();
    let indexer: Indexer<ConfigMap> = Indexer::new();
    let dash = DashStore::default();
    for o in &objs {
        indexer.add(o.clone());
        dash.add(o.clone());
    }
    let mut g = c.benchmark_group("store");
    g.sample_size(20);
    g.bench_function("rwlock/update 10k", |b| {
        b.iter(|| objs.iter().for_each(|o| drop(indexer.add(o.clone()))))
    });
    g.bench_function("dashmap/update 10k", |b| {
        b.iter(|| objs.iter().for_each(|o| dash.add(o.clone())))
    });
    g.bench_function("rwlock/get", |b| {
        b.iter(|| indexer.get_by_key(black_box("ns-3/cm-04243")))
    });
    g.bench_function("dashmap/get", |b| {
        b.iter(|| dash.get_by_key(black_box("ns-3/cm-04243")))
    });
    g.bench_function("rwlock/list 10k", |b| b.iter(|| indexer.list()));
    g.bench_function("dashmap/list 10k", |b| b.iter(|| dash.list()));
    g.bench_function("rwlock/by namespace 1k", |b| {
        b.iter(|| indexer.by_index(NAMESPACE_INDEX, "ns-3").unwrap())
    });
    g.bench_function("dashmap/by namespace 1k", |b| {
        b.iter(|| dash.by_namespace("ns-3"))
    });
    g.bench_function("rwlock/get, 2 readers + 1 writer", |b| {
        b.iter_custom(|iters| {
            contended(
                iters,
                2,
                |k| drop(black_box(indexer.get_by_key(k))),
                |i| drop(indexer.add(objs[i].clone())),
            )
        })
    });
    g.bench_function("dashmap/get, 2 readers + 1 writer", |b| {
        b.iter_custom(|iters| {
            contended(
                iters,
                2,
                |k| drop(black_box(dash.get_by_key(k))),
                |i| dash.add(objs[i].clone()),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
