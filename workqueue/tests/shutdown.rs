//! Bounded graceful shutdown (issue #25): `shut_down_with_drain_timeout` lets workers finish the
//! backlog and what they hold until a deadline, then abandons what is left. Paused time, so the
//! deadlines are checked exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_workqueue::priority::AddOpts;
use k8s_workqueue::{
    DrainReport, ItemExponentialFailureRateLimiter, PriorityQueue, Queue, RateLimitingQueue,
};
use tokio::time::Instant;

/// `n` workers that each take `work` per item and count what they finish.
fn workers(
    queue: &Queue<u32>,
    n: usize,
    work: Duration,
) -> (Arc<AtomicUsize>, Vec<tokio::task::JoinHandle<()>>) {
    let finished = Arc::new(AtomicUsize::new(0));
    let handles = (0..n)
        .map(|_| {
            let queue = queue.clone();
            let finished = finished.clone();
            tokio::spawn(async move {
                while let Some(item) = queue.get().await {
                    tokio::time::sleep(work).await;
                    finished.fetch_add(1, Ordering::SeqCst);
                    queue.done(&item);
                }
            })
        })
        .collect();
    (finished, handles)
}

#[tokio::test(start_paused = true)]
async fn a_backlog_is_abandoned_at_the_deadline() {
    let queue = Queue::new();
    for i in 0..1000 {
        queue.add(i);
    }
    // Two workers at 1 s per item: 1000 items would take 500 s.
    let (finished, handles) = workers(&queue, 2, Duration::from_secs(1));
    let start = Instant::now();
    let report = queue
        .shut_down_with_drain_timeout(Duration::from_millis(10_500))
        .await;
    assert_eq!(
        start.elapsed(),
        Duration::from_millis(10_500),
        "exactly the bound"
    );
    // 10 s: 20 items done, 2 in the workers' hands, the rest dropped.
    assert_eq!(finished.load(Ordering::SeqCst), 20);
    assert_eq!((report.abandoned, report.in_flight), (1000 - 22, 2));
    assert_ne!(report, DrainReport::default());
    assert!(!report.is_complete());
    assert_eq!(queue.len(), 0);
    queue.add(5000); // shut down: ignored
    // The workers finish what they hold, find nothing more, and stop within one item's time.
    for h in handles {
        h.await.unwrap();
    }
    assert_eq!(finished.load(Ordering::SeqCst), 22);
    assert_eq!(start.elapsed(), Duration::from_secs(11));
    assert_eq!(queue.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn work_that_fits_the_deadline_finishes_and_returns_early() {
    let queue = Queue::new();
    for i in 0..6 {
        queue.add(i);
    }
    let (finished, handles) = workers(&queue, 3, Duration::from_secs(1));
    tokio::task::yield_now().await; // the workers take their first items
    assert_eq!(queue.processing(), 3);
    let start = Instant::now();
    let report = queue
        .shut_down_with_drain_timeout(Duration::from_secs(30))
        .await;
    assert!(report.is_complete(), "{report:?}");
    assert_eq!(
        finished.load(Ordering::SeqCst),
        6,
        "in-flight and queued work all done"
    );
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(2),
        "returns when done, not at 30 s"
    );
    for h in handles {
        h.await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn an_item_re_added_while_processed_is_not_requeued_after_the_deadline() {
    let queue = Queue::new();
    queue.add("x");
    let x = queue.get().await.unwrap();
    queue.add("x"); // dirty: would be queued again at `done`
    let report = queue
        .shut_down_with_drain_timeout(Duration::from_secs(1))
        .await;
    assert_eq!((report.abandoned, report.in_flight), (1, 1));
    queue.done(&x);
    assert_eq!(queue.len(), 0);
    assert_eq!(queue.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn rate_limited_retries_waiting_for_their_delay_are_abandoned() {
    let queue = RateLimitingQueue::new(ItemExponentialFailureRateLimiter::new(
        Duration::from_secs(60),
        Duration::from_secs(600),
    ));
    queue.add_rate_limited("retry-1".to_string());
    queue.add_rate_limited("retry-2".to_string());
    queue.add("ready".to_string());
    let start = Instant::now();
    let report = queue
        .shut_down_with_drain_timeout(Duration::from_secs(5))
        .await;
    // No worker: the ready item waits out the bound; the delayed ones are dropped with it.
    assert_eq!(start.elapsed(), Duration::from_secs(5));
    assert_eq!((report.abandoned, report.in_flight), (3, 0));
    assert_eq!(queue.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn a_priority_queue_abandons_at_once_and_waits_for_its_workers_within_the_bound() {
    let queue = PriorityQueue::new();
    queue.add_with_opts(AddOpts::new(), [1, 2, 3]);
    let held = queue.get().await.unwrap();
    let worker = {
        let queue = queue.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(3)).await;
            queue.done(&held);
        })
    };
    let start = Instant::now();
    let report = queue
        .shut_down_with_drain_timeout(Duration::from_secs(10))
        .await;
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(3),
        "until the held item is done"
    );
    assert_eq!((report.abandoned, report.in_flight), (2, 0));
    worker.await.unwrap();

    let queue = PriorityQueue::new();
    queue.add(7);
    let _stuck = queue.get().await.unwrap(); // never done
    let report = queue
        .shut_down_with_drain_timeout(Duration::from_secs(1))
        .await;
    assert_eq!((report.abandoned, report.in_flight), (0, 1));
}
