//! Randomized concurrent stress: many producers and workers on a multi-threaded runtime, random
//! adds (plain, delayed, rate limited, with priorities) and random retries from workers.
//!
//! Asserts, for every queue type:
//! - no key is ever processed by two workers at once;
//! - no add is lost: for each key, some `get` returns it after its last add began (one
//!   global sequence orders add calls and get returns);
//! - it finishes (bounded work, and a deadline that fails the test on a deadlock).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use k8s_workqueue::priority::{AddOpts, LOW};
use k8s_workqueue::{
    DelayingQueue, Interface, ItemExponentialFailureRateLimiter, PriorityQueue, Queue, QueueConfig,
    RateLimitingQueue,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const KEYS: usize = 64;
const PRODUCERS: u64 = 4;
const ADDS_PER_PRODUCER: usize = 3000;
const WORKERS: u64 = 16;

/// Shared bookkeeping of one run.
struct Book {
    seq: AtomicU64,
    /// The sequence number of the last add of each key that has returned.
    added: Vec<AtomicU64>,
    /// The sequence number of the last get of each key that has returned.
    got: Vec<AtomicU64>,
    in_process: Vec<AtomicBool>,
    retries_allowed: AtomicBool,
}

impl Book {
    fn new() -> Self {
        Self {
            seq: AtomicU64::new(0),
            added: (0..KEYS).map(|_| AtomicU64::new(0)).collect(),
            got: (0..KEYS).map(|_| AtomicU64::new(0)).collect(),
            in_process: (0..KEYS).map(|_| AtomicBool::new(false)).collect(),
            retries_allowed: AtomicBool::new(true),
        }
    }

    /// Records an add of `key`, then calls `add`. Any get that takes the item after `add`
    /// is stamped later than this record; a get that returns before the add is stamped earlier
    /// unless it races with it (and then the item is re-queued at done, see
    /// `item_added_while_processing_is_requeued_at_done_not_before`).
    fn add(&self, key: u32, add: impl FnOnce()) {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        self.added[key as usize].fetch_max(seq, Ordering::SeqCst);
        add();
    }

    fn all_covered(&self) -> bool {
        (0..KEYS)
            .all(|k| self.got[k].load(Ordering::SeqCst) >= self.added[k].load(Ordering::SeqCst))
    }
}

type AddFn<Q> = Arc<dyn Fn(&Q, u32, &mut StdRng) + Send + Sync>;

async fn stress<Q>(queue: Q, seed: u64, add: AddFn<Q>)
where
    Q: Interface<u32> + Clone + std::fmt::Debug + 'static,
{
    let book = Arc::new(Book::new());
    let mut workers = Vec::new();
    for w in 0..WORKERS {
        let (queue, book, add) = (queue.clone(), Arc::clone(&book), Arc::clone(&add));
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed * 1000 + w);
            let mut handled = 0u64;
            loop {
                let Some(key) = queue.get().await else {
                    return handled;
                };
                let k = key as usize;
                assert!(
                    !book.in_process[k].swap(true, Ordering::SeqCst),
                    "key {key} handed to two workers at once"
                );
                let seq = book.seq.fetch_add(1, Ordering::SeqCst) + 1;
                book.got[k].fetch_max(seq, Ordering::SeqCst);
                for _ in 0..rng.random_range(0..3) {
                    tokio::task::yield_now().await;
                }
                if rng.random_bool(0.05) {
                    tokio::time::sleep(Duration::from_micros(rng.random_range(1..200))).await;
                }
                if book.retries_allowed.load(Ordering::SeqCst) && rng.random_bool(0.2) {
                    book.add(key, || add(&queue, key, &mut rng));
                }
                book.in_process[k].store(false, Ordering::SeqCst);
                queue.done(&key);
                handled += 1;
            }
        }));
    }
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (queue, book, add) = (queue.clone(), Arc::clone(&book), Arc::clone(&add));
            tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(seed * 7919 + p);
                for _ in 0..ADDS_PER_PRODUCER {
                    let key = rng.random_range(0..KEYS as u32);
                    book.add(key, || add(&queue, key, &mut rng));
                    if rng.random_bool(0.3) {
                        tokio::task::yield_now().await;
                    }
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    book.retries_allowed.store(false, Ordering::SeqCst);
    // Wait (bounded) until every key's last add is followed by a get of it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !book.all_covered() {
        if tokio::time::Instant::now() >= deadline {
            let missing: Vec<_> = (0..KEYS)
                .filter(|&k| {
                    book.got[k].load(Ordering::SeqCst) < book.added[k].load(Ordering::SeqCst)
                })
                .collect();
            panic!("lost items: {missing:?} never processed after their last add; {queue:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    queue.shut_down_with_drain().await;
    let mut handled = 0;
    for w in workers {
        handled += tokio::time::timeout(Duration::from_secs(30), w)
            .await
            .expect("workers end after shutdown")
            .unwrap();
    }
    assert!(handled >= KEYS as u64 / 2, "work was done: {handled}");
    assert!(book.in_process.iter().all(|b| !b.load(Ordering::SeqCst)));
}

fn limiter() -> ItemExponentialFailureRateLimiter<u32> {
    ItemExponentialFailureRateLimiter::new(Duration::from_micros(1), Duration::from_millis(2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn queue_under_stress() {
    for seed in 1..=3 {
        let add: AddFn<Queue<u32>> = Arc::new(|q, key, _| q.add(key));
        stress(Queue::new(), seed, add).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn delaying_queue_under_stress() {
    for seed in 1..=3 {
        let add: AddFn<DelayingQueue<u32>> = Arc::new(|q, key, rng| {
            if rng.random_bool(0.5) {
                q.add(key);
            } else {
                q.add_after(key, Duration::from_micros(rng.random_range(0..2000)));
            }
        });
        stress(DelayingQueue::new(), seed, add).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rate_limiting_queue_under_stress() {
    for seed in 1..=3 {
        let add: AddFn<RateLimitingQueue<u32>> = Arc::new(|q, key, rng| {
            match rng.random_range(0..4) {
                0 => q.add(key),
                1 => q.add_after(key, Duration::from_micros(rng.random_range(0..2000))),
                2 => q.forget(&key),
                _ => {}
            }
            q.add_rate_limited(key);
        });
        stress(RateLimitingQueue::new(limiter()), seed, add).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn priority_queue_under_stress() {
    for seed in 1..=3 {
        let add: AddFn<PriorityQueue<u32>> = Arc::new(|q, key, rng| {
            let priority = [LOW, 0, 1, 10][rng.random_range(0..4)];
            let mut opts = AddOpts::new().priority(priority);
            match rng.random_range(0..4) {
                0 => opts = opts.after(Duration::from_micros(rng.random_range(1..2000))),
                1 => opts = opts.rate_limited(true),
                _ => {}
            }
            if rng.random_bool(0.1) {
                // A batch, like an initial list.
                q.add_with_opts(opts, [key, (key + 1) % KEYS as u32]);
                q.add_with_opts(opts, [(key + 1) % KEYS as u32]);
            } else {
                q.add_with_opts(opts, [key]);
            }
        });
        let queue = PriorityQueue::with_config(limiter(), QueueConfig::default());
        stress(queue, seed, add).await;
    }
}
