//! `DelayingQueue` with paused tokio time: exact ready times, de-duplication, ordering.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::time::Duration;

use futures::FutureExt;
use k8s_workqueue::DelayingQueue;
use tokio::time::{Instant, advance, timeout};

const MS: Duration = Duration::from_millis(1);

/// Lets the queue's timer task run at the current (paused) instant.
async fn settle() {
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(start_paused = true)]
async fn item_becomes_ready_exactly_after_its_delay() {
    let queue = DelayingQueue::new();
    let start = Instant::now();
    queue.add_after("foo", 50 * MS);
    settle().await;
    assert_eq!(queue.len(), 0);
    advance(49 * MS).await;
    settle().await;
    assert_eq!(queue.len(), 0, "not yet at 49 ms");
    advance(MS).await;
    settle().await;
    assert_eq!(queue.len(), 1, "ready at 50 ms");
    assert_eq!(queue.get().await, Some("foo"));
    assert_eq!(start.elapsed(), 50 * MS);
}

#[tokio::test(start_paused = true)]
async fn get_waits_for_the_delay() {
    let queue = DelayingQueue::new();
    let start = Instant::now();
    queue.add_after(1, Duration::from_secs(3));
    assert_eq!(queue.get().await, Some(1));
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn zero_delay_adds_now() {
    let queue = DelayingQueue::new();
    queue.add_after("now", Duration::ZERO);
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().now_or_never(), Some(Some("now")));
}

#[tokio::test(start_paused = true)]
async fn readding_keeps_the_earlier_time() {
    let queue = DelayingQueue::new();
    let start = Instant::now();
    // Later time second: ignored.
    queue.add_after("foo", 50 * MS);
    queue.add_after("foo", 70 * MS);
    // Earlier time second: wins.
    queue.add_after("bar", 70 * MS);
    queue.add_after("bar", 50 * MS);
    assert_eq!(queue.get().await, Some("foo"));
    assert_eq!(start.elapsed(), 50 * MS);
    assert_eq!(queue.get().await, Some("bar"));
    assert_eq!(start.elapsed(), 50 * MS);
    // Each fired once: nothing more at 70 ms or later.
    queue.done(&"foo");
    queue.done(&"bar");
    assert!(timeout(Duration::from_secs(10), queue.get()).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn items_come_out_in_ready_time_order_ties_in_add_order() {
    let queue = DelayingQueue::new();
    let start = Instant::now();
    let delays = [(5, 30), (1, 10), (4, 20), (2, 10), (3, 20), (0, 5)];
    for (item, ms) in delays {
        queue.add_after(item, ms * MS);
    }
    let mut got = Vec::new();
    for _ in 0..delays.len() {
        let item = queue.get().await.unwrap();
        got.push((item, start.elapsed()));
    }
    assert_eq!(
        got,
        [
            (0, 5 * MS),
            (1, 10 * MS),
            (2, 10 * MS),
            (4, 20 * MS),
            (3, 20 * MS),
            (5, 30 * MS)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_earlier_item_added_later_wakes_the_timer_early() {
    let queue = DelayingQueue::new();
    let start = Instant::now();
    queue.add_after("slow", Duration::from_secs(60));
    settle().await; // the timer now sleeps for 60 s
    queue.add_after("fast", Duration::from_secs(1));
    assert_eq!(queue.get().await, Some("fast"));
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert_eq!(queue.get().await, Some("slow"));
    assert_eq!(start.elapsed(), Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn delayed_add_of_a_waiting_item_folds_into_it() {
    let queue = DelayingQueue::new();
    queue.add("a");
    queue.add_after("a", 10 * MS);
    tokio::time::sleep(20 * MS).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().await, Some("a"));
    queue.done(&"a");
    assert_eq!(queue.len(), 0);
}

#[tokio::test(start_paused = true)]
async fn delayed_add_of_a_processing_item_requeues_at_done() {
    let queue = DelayingQueue::new();
    queue.add("a");
    let a = queue.get().await.unwrap();
    queue.add_after("a", 10 * MS);
    tokio::time::sleep(20 * MS).await;
    assert_eq!(queue.len(), 0, "dirty but processing");
    queue.done(&a);
    assert_eq!(queue.get().await, Some("a"));
}

#[tokio::test(start_paused = true)]
async fn add_after_shutdown_is_ignored_and_parked_items_are_discarded() {
    let queue = DelayingQueue::new();
    queue.add_after("parked", 10 * MS);
    queue.shut_down();
    queue.add_after("late", Duration::ZERO);
    queue.add_after("later", 5 * MS);
    queue.add("plain");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(queue.len(), 0);
    assert_eq!(queue.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn shut_down_with_drain_waits_and_discards_parked() {
    let queue = DelayingQueue::new();
    queue.add("work");
    queue.add_after("parked", 10 * MS);
    let work = queue.get().await.unwrap();
    let drain = tokio::spawn({
        let q = queue.clone();
        async move { q.shut_down_with_drain().await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!drain.is_finished());
    assert_eq!(queue.len(), 0, "the parked item was discarded");
    queue.done(&work);
    drain.await.unwrap();
    assert_eq!(queue.get().await, None);
}

#[tokio::test(start_paused = true)]
async fn the_timer_task_ends_with_the_queue() {
    let metrics = tokio::runtime::Handle::current().metrics();
    let queue = DelayingQueue::new();
    queue.add_after(1, Duration::from_secs(3600));
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), 1, "one timer task");
    drop(queue);
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), 0, "gone with the queue");

    let queue = DelayingQueue::new();
    queue.add_after(1, Duration::from_secs(3600));
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), 1);
    queue.shut_down();
    settle().await;
    assert_eq!(metrics.num_alive_tasks(), 0, "gone with the shutdown");
}

#[test]
fn a_queue_made_outside_a_runtime_delays_inside_one() {
    let queue = DelayingQueue::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = Instant::now();
        queue.add_after("x", Duration::from_secs(2));
        assert_eq!(queue.get().await, Some("x"));
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    });
}

#[test]
fn add_after_without_any_runtime_adds_at_once() {
    let queue = DelayingQueue::new();
    queue.add_after("x", Duration::from_secs(2));
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().now_or_never(), Some(Some("x")));
}
