//! The workloads of the Go peer (`benches/peers/client-go`, `workqueue.go`), on our queues, printing
//! one JSON object per workload in the same shape:
//!
//! ```text
//! cargo bench -p k8s-workqueue --bench compare -- [--n 1000000] [--only queue_spsc,pq_spsc]
//! ```
//!
//! - `*_mem`: bytes of resident memory per queued item after `n` distinct adds (measured first,
//!   in a fresh process, as the growth of RSS).
//! - `*_batch1000`: one task adds 1,000 distinct items, then gets and dones them, `n / 1000`
//!   times (controller-runtime's `BenchmarkAddGetDone`): the cost of the operations alone.
//! - `*_spsc` / `*_8workers`: one producer adds `n` distinct items while 1 or 8 worker tasks get
//!   and done them; ops/s counts items fully processed (add + get + done) per second.
//! - `*_add_1000tasks`: 1,000 tasks each add `n / 1000` distinct items (yielding after each add)
//!   into an empty queue; adds/s and the add latency percentiles.
//!
//! Runtime: tokio multi-thread with 2 worker threads, like GOMAXPROCS=2 on this 2-core machine.
//! The producer of the spsc/8-worker workloads runs on its own OS thread: a tokio task that never
//! yields would hold the consumers it wakes in its worker's (unstealable) LIFO slot. With
//! `--producer-task` it is a tokio task instead that yields every 64 adds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use k8s_workqueue::{Interface, PriorityQueue, Queue};
use tokio::sync::Notify;

#[derive(Default)]
struct Result {
    workload: String,
    items: usize,
    ops_per_sec: f64,
    p50_add_ns: u64,
    p99_add_ns: u64,
    max_add_ns: u64,
    bytes_per_item: f64,
}

fn emit(implementation: &str, r: &Result) {
    let mut line = format!(
        "{{\"impl\":\"{implementation}\",\"workload\":\"{}\",\"items\":{},\"ops_per_sec\":{}",
        r.workload, r.items, r.ops_per_sec
    );
    if r.p99_add_ns > 0 {
        line += &format!(
            ",\"p50_add_ns\":{},\"p99_add_ns\":{},\"max_add_ns\":{}",
            r.p50_add_ns, r.p99_add_ns, r.max_add_ns
        );
    }
    if r.bytes_per_item > 0.0 {
        line += &format!(",\"bytes_per_item\":{}", r.bytes_per_item);
    }
    println!("{line}}}");
}

/// Resident set size in bytes (Linux).
fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn bytes_per_item<Q: Interface<u64>>(make: impl FnOnce() -> Q, n: usize) -> f64 {
    let before = rss_bytes();
    let queue = make();
    for i in 0..n as u64 {
        queue.add(i);
    }
    assert_eq!(queue.len(), n);
    let after = rss_bytes();
    drop(queue);
    (after.saturating_sub(before)) as f64 / n as f64
}

/// Where the producer of the spsc and 8-worker workloads runs.
#[derive(Clone, Copy, PartialEq)]
enum Producer {
    /// Its own OS thread (the default).
    Thread,
    /// A tokio task on the same 2 worker threads, yielding every 64 adds.
    Task,
}

async fn producer_consumers<Q>(queue: Q, n: usize, workers: usize, producer: Producer) -> f64
where
    Q: Interface<u64> + Clone + 'static,
{
    let remaining = Arc::new(AtomicUsize::new(n));
    let finished = Arc::new(Notify::new());
    let start = Instant::now();
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
    let (thread, task) = match producer {
        Producer::Thread => {
            let queue = queue.clone();
            let thread = std::thread::spawn(move || {
                for i in 0..n as u64 {
                    queue.add(i);
                }
            });
            (Some(thread), None)
        }
        Producer::Task => {
            let queue = queue.clone();
            let task = tokio::spawn(async move {
                for i in 0..n as u64 {
                    queue.add(i);
                    if i % 64 == 63 {
                        tokio::task::yield_now().await;
                    }
                }
            });
            (None, Some(task))
        }
    };
    finished.notified().await;
    let elapsed = start.elapsed();
    queue.shut_down();
    for h in handles {
        h.await.unwrap();
    }
    if let Some(thread) = thread {
        thread.join().unwrap();
    }
    if let Some(task) = task {
        task.await.unwrap();
    }
    n as f64 / elapsed.as_secs_f64()
}

/// One task adds 1,000 distinct items, then gets and dones them, `n / 1000` times
/// (controller-runtime's `BenchmarkAddGetDone`): no contention, the cost of the operations.
async fn batches<Q: Interface<u64>>(queue: Q, n: usize) -> f64 {
    let start = Instant::now();
    for _ in 0..n / 1000 {
        for i in 0..1000 {
            queue.add(i);
        }
        for _ in 0..1000 {
            let item = queue.get().await.unwrap();
            queue.done(&item);
        }
    }
    (n / 1000 * 1000) as f64 / start.elapsed().as_secs_f64()
}

async fn many_adders<Q>(queue: Q, n: usize, tasks: usize) -> (f64, Vec<u64>)
where
    Q: Interface<u64> + Clone + 'static,
{
    let per = n / tasks;
    let start = Instant::now();
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut lat = Vec::with_capacity(per);
                let base = (t * per) as u64;
                for i in 0..per as u64 {
                    let s = Instant::now();
                    queue.add(base + i);
                    lat.push(s.elapsed().as_nanos() as u64);
                    tokio::task::yield_now().await;
                }
                lat
            })
        })
        .collect();
    let mut all = Vec::with_capacity(n);
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let elapsed = start.elapsed();
    assert_eq!(queue.len(), per * tasks);
    queue.shut_down();
    all.sort_unstable();
    ((per * tasks) as f64 / elapsed.as_secs_f64(), all)
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

fn main() {
    let mut n = 1_000_000usize;
    let mut only: Vec<String> = Vec::new();
    let mut producer = Producer::Thread;
    let mut worker_threads = 2;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--n" => n = args.next().and_then(|v| v.parse().ok()).expect("--n N"),
            "--only" => {
                only = args
                    .next()
                    .expect("--only LIST")
                    .split(',')
                    .map(str::to_string)
                    .collect();
            }
            "--producer-task" => producer = Producer::Task,
            "--worker-threads" => {
                worker_threads = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--worker-threads N");
            }
            _ => {} // cargo bench passes --bench
        }
    }
    let want = |w: &str| only.is_empty() || only.iter().any(|o| o == w);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads)
        .enable_all()
        .build()
        .unwrap();

    for kind in ["queue", "pq"] {
        let implementation = if kind == "queue" {
            "k8s-workqueue Queue"
        } else {
            "k8s-workqueue PriorityQueue"
        };
        let run = |workload: &str, f: &dyn Fn() -> Result| {
            if want(workload) {
                let mut r = f();
                r.workload = workload.to_string();
                r.items = n;
                emit(implementation, &r);
            }
        };
        run(&format!("{kind}_mem"), &|| Result {
            bytes_per_item: if kind == "queue" {
                rt.block_on(async { bytes_per_item(Queue::new, n) })
            } else {
                rt.block_on(async { bytes_per_item(PriorityQueue::new, n) })
            },
            ..Result::default()
        });
        run(&format!("{kind}_batch1000"), &|| Result {
            ops_per_sec: if kind == "queue" {
                rt.block_on(batches(Queue::new(), n))
            } else {
                rt.block_on(batches(PriorityQueue::new(), n))
            },
            ..Result::default()
        });
        for (suffix, workers) in [("spsc", 1), ("8workers", 8)] {
            run(&format!("{kind}_{suffix}"), &|| Result {
                ops_per_sec: if kind == "queue" {
                    rt.block_on(producer_consumers(Queue::new(), n, workers, producer))
                } else {
                    rt.block_on(producer_consumers(
                        PriorityQueue::new(),
                        n,
                        workers,
                        producer,
                    ))
                },
                ..Result::default()
            });
        }
        run(&format!("{kind}_add_1000tasks"), &|| {
            let (ops, lat) = if kind == "queue" {
                rt.block_on(many_adders(Queue::new(), n, 1000))
            } else {
                rt.block_on(many_adders(PriorityQueue::new(), n, 1000))
            };
            Result {
                ops_per_sec: ops,
                p50_add_ns: pct(&lat, 0.50),
                p99_add_ns: pct(&lat, 0.99),
                max_add_ns: pct(&lat, 1.0),
                ..Result::default()
            }
        });
    }
}
