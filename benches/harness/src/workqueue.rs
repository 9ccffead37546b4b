//! Scenario `workqueue`: k8s-workqueue's `Queue` and `PriorityQueue` on the workloads of the Go
//! peer (client-go's typed workqueue and controller-runtime's priority queue):
//!
//! - `mem`: resident bytes per queued item after `n` distinct adds (measured first);
//! - `batch1000`: one task adds 1,000 distinct items, then gets and dones them, `n / 1000` times;
//! - `spsc` / `8workers`: one producer thread adds `n` distinct items while 1 or 8 workers get
//!   and done them (items fully processed per second);
//! - `add1000tasks`: 1,000 tasks each add `n / 1000` distinct items, yielding after each add
//!   (adds/s until the queue holds them all, and the p99 latency of one `add` call).
//!
//! Runtime: tokio multi-thread with 2 worker threads, like GOMAXPROCS=2 on a 2-core machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, ensure};
use k8s_workqueue::{Interface, PriorityQueue, Queue};
use tokio::sync::Notify;

use crate::common::{Flags, Report, rss};

fn bytes_per_item<Q: Interface<u64>>(queue: Q, n: usize, before: u64) -> Result<f64> {
    for i in 0..n as u64 {
        queue.add(i);
    }
    ensure!(
        queue.len() == n,
        "queue holds {} items, not {n}",
        queue.len()
    );
    let after = rss();
    drop(queue);
    Ok(after.saturating_sub(before) as f64 / n as f64)
}

async fn producer_consumers<Q>(queue: Q, n: usize, workers: usize) -> Result<f64>
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
    let producer = {
        let queue = queue.clone();
        std::thread::spawn(move || {
            for i in 0..n as u64 {
                queue.add(i);
            }
        })
    };
    finished.notified().await;
    let elapsed = start.elapsed();
    queue.shut_down();
    for h in handles {
        h.await.context("worker task")?;
    }
    producer
        .join()
        .map_err(|_| anyhow::anyhow!("producer thread panicked"))?;
    Ok(n as f64 / elapsed.as_secs_f64())
}

async fn batches<Q: Interface<u64>>(queue: Q, n: usize) -> Result<f64> {
    let start = Instant::now();
    for _ in 0..n / 1000 {
        for i in 0..1000 {
            queue.add(i);
        }
        for _ in 0..1000 {
            let item = queue.get().await.context("queue shut down")?;
            queue.done(&item);
        }
    }
    Ok((n / 1000 * 1000) as f64 / start.elapsed().as_secs_f64())
}

async fn many_adders<Q>(queue: Q, n: usize, tasks: usize) -> Result<(f64, Vec<u64>)>
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
        all.extend(h.await.context("adder task")?);
    }
    // As on the Go side: until the queue holds every item (controller-runtime's adds are
    // buffered and applied later; ours are applied when made).
    ensure!(
        queue.len() == per * tasks,
        "queue holds {} items, not {}",
        queue.len(),
        per * tasks
    );
    let elapsed = start.elapsed();
    queue.shut_down();
    all.sort_unstable();
    Ok(((per * tasks) as f64 / elapsed.as_secs_f64(), all))
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) as f64 * p) as usize]
}

/// Runs the scenario.
pub fn run(flags: &Flags) -> Result<Report> {
    let n: usize = flags.num("n", 1_000_000)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut r = Report::default();
    r.check("items", n);
    // Memory first, in a fresh process (RSS growth).
    let before = rss();
    r.metric(
        "queue_mem_bytes_per_item",
        rt.block_on(async { bytes_per_item(Queue::new(), n, before) })?,
    );
    let before = rss();
    r.metric(
        "pq_mem_bytes_per_item",
        rt.block_on(async { bytes_per_item(PriorityQueue::new(), n, before) })?,
    );
    for kind in ["queue", "pq"] {
        let pq = kind == "pq";
        let v = if pq {
            rt.block_on(batches(PriorityQueue::new(), n))?
        } else {
            rt.block_on(batches(Queue::new(), n))?
        };
        r.metric(&format!("{kind}_batch1000_per_s"), v);
        for (suffix, workers) in [("spsc", 1), ("8workers", 8)] {
            let v = if pq {
                rt.block_on(producer_consumers(PriorityQueue::new(), n, workers))?
            } else {
                rt.block_on(producer_consumers(Queue::new(), n, workers))?
            };
            r.metric(&format!("{kind}_{suffix}_per_s"), v);
        }
        let (ops, lat) = if pq {
            rt.block_on(many_adders(PriorityQueue::new(), n, 1000))?
        } else {
            rt.block_on(many_adders(Queue::new(), n, 1000))?
        };
        r.metric(&format!("{kind}_add1000tasks_per_s"), ops);
        r.metric(
            &format!("{kind}_add1000tasks_p99_us"),
            pct(&lat, 0.99) as f64 / 1e3,
        );
    }
    Ok(r)
}
