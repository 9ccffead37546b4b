//! The client-go `Queue` semantics, one rule per test.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use k8s_workqueue::Queue;
use tokio::time::timeout;

/// `get` without waiting: `Some(result)` if it completed at once.
fn get_now<T: Eq + std::hash::Hash + Clone + Send + 'static>(q: &Queue<T>) -> Option<Option<T>> {
    q.get().now_or_never()
}

#[tokio::test]
async fn many_producers_and_consumers_process_every_item() {
    let queue: Queue<u32> = Queue::new();
    let producers: Vec<_> = (0..50)
        .map(|_| {
            let q = queue.clone();
            tokio::spawn(async move {
                for i in 0..50 {
                    q.add(i);
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let consumers: Vec<_> = (0..10)
        .map(|_| {
            let q = queue.clone();
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                while let Some(item) = q.get().await {
                    seen.lock().unwrap().insert(item);
                    tokio::task::yield_now().await;
                    q.done(&item);
                }
            })
        })
        .collect();
    for p in producers {
        p.await.unwrap();
    }
    queue.shut_down();
    for c in consumers {
        c.await.unwrap();
    }
    assert_eq!(seen.lock().unwrap().len(), 50);
    assert_eq!(queue.len(), 0);
    assert_eq!(queue.get().await, None);
}

#[tokio::test]
async fn fifo_order() {
    let queue = Queue::new();
    for i in 0..5 {
        queue.add(i);
    }
    for i in 0..5 {
        assert_eq!(queue.get().await, Some(i));
    }
}

#[tokio::test]
async fn adding_a_waiting_item_does_nothing() {
    let queue = Queue::new();
    queue.add("foo");
    queue.add("bar");
    queue.add("foo");
    assert_eq!(queue.len(), 2);
    assert_eq!(queue.get().await, Some("foo"));
    assert_eq!(queue.get().await, Some("bar"));
    assert_eq!(get_now(&queue), None, "nothing left: get must wait");
}

#[tokio::test(start_paused = true)]
async fn item_added_while_processing_is_requeued_at_done_not_before() {
    let queue = Queue::new();
    queue.add("foo");
    let item = queue.get().await.unwrap();
    queue.add("foo");
    queue.add("foo"); // collapses with the previous re-add
    assert_eq!(queue.len(), 0, "a dirty item in processing is not waiting");
    assert!(
        timeout(Duration::from_secs(5), queue.get()).await.is_err(),
        "never handed to a second worker while the first has it"
    );
    queue.done(&item);
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().await, Some("foo"));
    queue.done(&"foo");
    assert_eq!(queue.len(), 0);
    assert_eq!(queue.processing(), 0);
}

#[tokio::test]
async fn done_without_readd_forgets_the_item() {
    let queue = Queue::new();
    queue.add(1);
    let item = queue.get().await.unwrap();
    assert_eq!(queue.processing(), 1);
    queue.done(&item);
    assert_eq!(queue.processing(), 0);
    assert_eq!(queue.len(), 0);
    // Adding it again later works like a fresh add.
    queue.add(1);
    assert_eq!(queue.len(), 1);
}

#[tokio::test]
async fn done_for_an_item_not_processed_does_nothing() {
    let queue = Queue::new();
    queue.done(&"ghost");
    queue.add("a");
    queue.done(&"a"); // waiting, not processing
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.get().await, Some("a"));
    queue.done(&"a");
    queue.done(&"a"); // twice
    assert_eq!(queue.len(), 0);
    assert_eq!(queue.processing(), 0);
}

#[tokio::test]
async fn len_counts_waiting_items_only() {
    let queue = Queue::new();
    assert!(queue.is_empty());
    queue.add("foo");
    assert_eq!(queue.len(), 1);
    queue.add("bar");
    assert_eq!(queue.len(), 2);
    queue.add("foo");
    assert_eq!(queue.len(), 2);
    let _ = queue.get().await;
    assert_eq!(queue.len(), 1);
}

#[tokio::test]
async fn shut_down_hands_out_what_is_left_then_none() {
    let queue = Queue::new();
    queue.add(1);
    queue.add(2);
    queue.shut_down();
    assert!(queue.is_shutting_down());
    queue.add(3); // ignored
    assert_eq!(queue.len(), 2);
    assert_eq!(queue.get().await, Some(1));
    assert_eq!(queue.get().await, Some(2));
    assert_eq!(queue.get().await, None);
    assert_eq!(queue.get().await, None);
}

#[tokio::test]
async fn shut_down_wakes_every_waiting_getter() {
    let queue: Queue<u8> = Queue::new();
    let getters: Vec<_> = (0..8)
        .map(|_| {
            let q = queue.clone();
            tokio::spawn(async move { q.get().await })
        })
        .collect();
    tokio::task::yield_now().await;
    queue.shut_down();
    for g in getters {
        assert_eq!(g.await.unwrap(), None);
    }
}

#[tokio::test(start_paused = true)]
async fn shut_down_with_drain_waits_for_processing() {
    let queue = Queue::new();
    queue.add("a");
    queue.add("b");
    let a = queue.get().await.unwrap();
    let drain = tokio::spawn({
        let q = queue.clone();
        async move { q.shut_down_with_drain().await }
    });
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(!drain.is_finished(), "an item is still processing");
    assert!(queue.is_shutting_down());
    queue.add("c"); // ignored
    // Waiting items are still handed out during the drain.
    let b = queue.get().await.unwrap();
    assert_eq!(b, "b");
    queue.done(&a);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert!(!drain.is_finished(), "b is still processing");
    queue.done(&b);
    timeout(Duration::from_secs(1), drain)
        .await
        .expect("drain ends once processing is empty")
        .unwrap();
    assert_eq!(queue.get().await, None);
}

#[tokio::test]
async fn shut_down_with_drain_returns_at_once_when_idle() {
    let queue: Queue<u8> = Queue::new();
    queue.add(1);
    queue.shut_down_with_drain().await;
    assert!(queue.is_shutting_down());
    assert_eq!(queue.get().await, Some(1));
}

#[tokio::test(start_paused = true)]
async fn shut_down_ends_a_drain_in_progress() {
    let queue = Queue::new();
    queue.add("a");
    let _a = queue.get().await.unwrap();
    let drain = tokio::spawn({
        let q = queue.clone();
        async move { q.shut_down_with_drain().await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!drain.is_finished());
    queue.shut_down();
    timeout(Duration::from_secs(1), drain)
        .await
        .expect("shut_down cuts the drain short")
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn drain_includes_a_dirty_item_requeued_at_done() {
    let queue = Queue::new();
    queue.add("foo");
    let gotten = queue.get().await.unwrap();
    queue.add("foo"); // dirty while processing
    let drain = tokio::spawn({
        let q = queue.clone();
        async move { q.shut_down_with_drain().await }
    });
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(get_now(&queue), Some(None), "shut down and nothing waiting");
    queue.done(&gotten);
    // The dirty item comes back even though the queue is shutting down.
    let again = queue.get().await;
    assert_eq!(again, Some("foo"));
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!drain.is_finished());
    queue.done(&"foo");
    assert_eq!(queue.get().await, None);
    timeout(Duration::from_secs(1), drain)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_dropped_get_takes_nothing_and_loses_no_wakeup() {
    let queue: Queue<u8> = Queue::new();
    let mut first = Box::pin(queue.get());
    let mut second = Box::pin(queue.get());
    assert!(futures::poll!(first.as_mut()).is_pending());
    assert!(futures::poll!(second.as_mut()).is_pending());
    queue.add(7);
    // The notification went to the first getter; dropping it passes the wakeup on.
    drop(first);
    assert_eq!(
        timeout(Duration::from_secs(5), second).await.unwrap(),
        Some(7)
    );
    assert_eq!(queue.processing(), 1);
}

#[tokio::test]
async fn clones_share_one_queue() {
    let a: Queue<&str> = Queue::default();
    let b = a.clone();
    a.add("x");
    assert_eq!(b.len(), 1);
    assert_eq!(b.get().await, Some("x"));
    assert!(format!("{a:?}").contains("processing: 1"));
}

/// Getters that each keep their item (no `done`) must all be served by a burst of adds from
/// another thread: a getter that spins or wakes passes the baton to the sleepers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_adds_reaches_every_sleeping_getter() {
    for round in 0..200u32 {
        let queue: Queue<u32> = Queue::new();
        let getters: Vec<_> = (0..8)
            .map(|_| {
                let q = queue.clone();
                tokio::spawn(async move { q.get().await })
            })
            .collect();
        if round % 2 == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await; // let them all sleep
        }
        let producer = {
            let q = queue.clone();
            std::thread::spawn(move || (0..8).for_each(|i| q.add(round * 8 + i)))
        };
        let mut got = Vec::new();
        for g in getters {
            got.push(
                timeout(Duration::from_secs(10), g)
                    .await
                    .expect("every getter gets an item")
                    .unwrap()
                    .unwrap(),
            );
        }
        producer.join().unwrap();
        got.sort_unstable();
        assert_eq!(got, (round * 8..round * 8 + 8).collect::<Vec<_>>());
        assert_eq!(queue.processing(), 8);
    }
}
