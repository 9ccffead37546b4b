//! Criterion benchmarks of the queue family (throughput in items per second).
//!
//! ```text
//! cargo bench -p k8s-workqueue --bench workqueue
//! ```
//!
//! The bench harness (`cargo xtask bench workqueue`, scenario `workqueue` of `benches/harness`) runs
//! the client-go peer's workloads at full size and reports them next to the peer's; these are the
//! same shapes, smaller, for tracking our own numbers over time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use k8s_workqueue::{
    Interface, ItemExponentialFailureRateLimiter, PriorityQueue, Queue, RateLimiter,
    default_controller_rate_limiter,
};
use tokio::runtime::Runtime;
use tokio::sync::Notify;

const BATCH: u64 = 1_000;
const ITEMS: u64 = 20_000;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// One task: add `BATCH` distinct items, then get and done them.
async fn batch<Q: Interface<u64>>(queue: &Q) {
    for i in 0..BATCH {
        queue.add(i);
    }
    for _ in 0..BATCH {
        let item = queue.get().await.unwrap();
        queue.done(&item);
    }
}

/// A producer thread adds `ITEMS` distinct items; `workers` tasks get and done them.
async fn producer_consumers<Q: Interface<u64> + Clone + 'static>(queue: Q, workers: usize) {
    let remaining = Arc::new(AtomicUsize::new(ITEMS as usize));
    let finished = Arc::new(Notify::new());
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (queue, remaining, finished) =
                (queue.clone(), Arc::clone(&remaining), Arc::clone(&finished));
            tokio::spawn(async move {
                while let Some(item) = queue.get().await {
                    queue.done(&item);
                    if remaining.fetch_sub(1, Ordering::Relaxed) == 1 {
                        finished.notify_one();
                    }
                }
            })
        })
        .collect();
    let producer = {
        let queue = queue.clone();
        std::thread::spawn(move || {
            for i in 0..ITEMS {
                queue.add(i);
            }
        })
    };
    finished.notified().await;
    queue.shut_down();
    for h in handles {
        h.await.unwrap();
    }
    producer.join().unwrap();
}

/// 1,000 tasks each add `ITEMS / 1000` distinct items, yielding after each.
async fn many_adders<Q: Interface<u64> + Clone + 'static>(queue: Q) {
    let per = ITEMS / 1000;
    let handles: Vec<_> = (0..1000)
        .map(|t| {
            let queue = queue.clone();
            tokio::spawn(async move {
                for i in 0..per {
                    queue.add(t * per + i);
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(queue.len(), (per * 1000) as usize);
}

fn family<Q, F>(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, make: F)
where
    Q: Interface<u64> + Clone + 'static,
    F: Fn() -> Q + Copy,
{
    let rt = runtime();
    group.throughput(Throughput::Elements(BATCH));
    group.bench_function("add_get_done_batch1000", |b| {
        let queue = make();
        b.iter(|| rt.block_on(batch(&queue)));
    });
    group.throughput(Throughput::Elements(ITEMS));
    for (name, workers) in [("spsc_20k", 1), ("8workers_20k", 8)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let queue = make();
                    let start = Instant::now();
                    rt.block_on(producer_consumers(queue, workers));
                    total += start.elapsed();
                }
                total
            });
        });
    }
    group.bench_function("add_1000tasks_20k", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let queue = make();
                let start = Instant::now();
                rt.block_on(many_adders(queue));
                total += start.elapsed();
            }
            total
        });
    });
}

fn queues(c: &mut Criterion) {
    let mut group = c.benchmark_group("queue");
    family(&mut group, Queue::<u64>::new);
    group.finish();
    let mut group = c.benchmark_group("priority_queue");
    family(&mut group, PriorityQueue::<u64>::new);
    group.finish();
}

fn rate_limiters(c: &mut Criterion) {
    let mut group = c.benchmark_group("rate_limiter");
    group.throughput(Throughput::Elements(1));
    let exponential =
        ItemExponentialFailureRateLimiter::new(Duration::from_millis(5), Duration::from_secs(1000));
    let mut key = 0u64;
    group.bench_function("exponential_when_forget", |b| {
        b.iter(|| {
            key = (key + 1) % 1024;
            let delay = exponential.when(&key);
            exponential.forget(&key);
            delay
        });
    });
    let default = default_controller_rate_limiter::<u64>();
    group.bench_function("default_controller_when", |b| {
        b.iter(|| {
            key = (key + 1) % 1024;
            let delay = default.when(&key);
            default.forget(&key);
            delay
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = queues, rate_limiters
}
criterion_main!(benches);
