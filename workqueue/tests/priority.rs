//! `PriorityQueue`: controller-runtime's priority queue rules.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::time::Duration;

use futures::FutureExt;
use k8s_workqueue::priority::{AddOpts, LOW, PriorityQueue};
use k8s_workqueue::{ItemExponentialFailureRateLimiter, QueueConfig};
use tokio::time::{Instant, timeout};

const MS: Duration = Duration::from_millis(1);

fn now_or_pending<T: Eq + std::hash::Hash + Clone + Send + 'static>(
    q: &PriorityQueue<T>,
) -> Option<Option<(T, i32)>> {
    q.get_with_priority().now_or_never()
}

#[test]
fn low_is_controller_runtimes_minus_one_hundred() {
    assert_eq!(LOW, -100);
}

#[tokio::test]
async fn higher_priority_first_fifo_within_a_priority() {
    let queue = PriorityQueue::new();
    queue.add_with_opts(AddOpts::new().priority(LOW), ["l1", "l2"]);
    queue.add_with_opts(AddOpts::new(), ["n1"]);
    queue.add_with_opts(AddOpts::new().priority(5), ["h1"]);
    queue.add_with_opts(AddOpts::new(), ["n2"]);
    queue.add_with_opts(AddOpts::new().priority(5), ["h2"]);
    queue.add_with_opts(AddOpts::new().priority(LOW), ["l3"]);
    let mut got = Vec::new();
    while let Some(Some(got_one)) = now_or_pending(&queue) {
        got.push(got_one);
    }
    assert_eq!(
        got,
        [
            ("h1", 5),
            ("h2", 5),
            ("n1", 0),
            ("n2", 0),
            ("l1", LOW),
            ("l2", LOW),
            ("l3", LOW)
        ]
    );
}

#[tokio::test]
async fn de_duplicates_items() {
    let queue = PriorityQueue::new();
    queue.add("foo");
    queue.add("foo");
    queue.add_with_opts(AddOpts::new(), ["foo", "foo"]);
    assert_eq!(queue.len(), 1);
    assert_eq!(now_or_pending(&queue), Some(Some(("foo", 0))));
    assert_eq!(now_or_pending(&queue), None);
}

#[tokio::test]
async fn retains_the_highest_priority() {
    let queue = PriorityQueue::new();
    queue.add_with_opts(AddOpts::new().priority(1), ["foo"]);
    queue.add_with_opts(AddOpts::new().priority(2), ["foo"]);
    queue.add_with_opts(AddOpts::new().priority(2), ["bar"]);
    queue.add_with_opts(AddOpts::new().priority(1), ["bar"]);
    assert_eq!(queue.len(), 2);
    assert_eq!(now_or_pending(&queue), Some(Some(("foo", 2))));
    assert_eq!(now_or_pending(&queue), Some(Some(("bar", 2))));
}

#[tokio::test]
async fn an_add_without_priority_raises_a_low_item_to_zero() {
    let queue = PriorityQueue::new();
    queue.add_with_opts(AddOpts::new().priority(LOW), ["a", "b"]);
    queue.add("b");
    assert_eq!(now_or_pending(&queue), Some(Some(("b", 0))));
    assert_eq!(now_or_pending(&queue), Some(Some(("a", LOW))));
}

#[tokio::test]
async fn raising_the_priority_goes_to_the_back_of_the_new_line() {
    let queue = PriorityQueue::new();
    queue.add_with_opts(AddOpts::new().priority(0), ["foo"]);
    queue.add_with_opts(AddOpts::new().priority(1), ["bar"]);
    queue.add_with_opts(AddOpts::new().priority(1), ["foo"]);
    assert_eq!(queue.len(), 2);
    assert_eq!(now_or_pending(&queue), Some(Some(("bar", 1))));
    assert_eq!(now_or_pending(&queue), Some(Some(("foo", 1))));
    assert_eq!(queue.len(), 0);
}

#[tokio::test]
async fn re_adding_at_the_same_priority_keeps_the_place() {
    let queue = PriorityQueue::new();
    queue.add_with_opts(AddOpts::new(), ["a", "b", "c"]);
    queue.add("a");
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(queue.get().await, Some("b"));
}

#[tokio::test(start_paused = true)]
async fn a_ready_item_stays_ready_when_added_with_a_delay() {
    let queue = PriorityQueue::new();
    queue.add_with_opts(AddOpts::new(), ["foo"]);
    queue.add_with_opts(AddOpts::new().after(Duration::from_secs(3600)), ["foo"]);
    assert_eq!(queue.len(), 1);
    assert_eq!(now_or_pending(&queue), Some(Some(("foo", 0))));
    assert_eq!(queue.len(), 0);
}

#[tokio::test(start_paused = true)]
async fn keeps_the_earliest_ready_time() {
    let queue = PriorityQueue::new();
    let start = Instant::now();
    queue.add_with_opts(AddOpts::new().after(50 * MS), ["foo"]);
    queue.add_with_opts(AddOpts::new().after(70 * MS), ["foo"]);
    queue.add_with_opts(AddOpts::new().after(70 * MS), ["bar"]);
    queue.add_with_opts(AddOpts::new().after(30 * MS), ["bar"]);
    assert_eq!(queue.len(), 0, "delayed items are not counted");
    assert_eq!(queue.get().await, Some("bar"));
    assert_eq!(start.elapsed(), 30 * MS);
    assert_eq!(queue.get().await, Some("foo"));
    assert_eq!(start.elapsed(), 50 * MS);
    assert!(timeout(Duration::from_secs(1), queue.get()).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_delayed_item_made_ready_by_an_add_now() {
    let queue = PriorityQueue::new();
    queue.add_with_opts(AddOpts::new().after(Duration::from_secs(60)), ["x"]);
    assert_eq!(queue.len(), 0);
    queue.add("x");
    assert_eq!(queue.len(), 1);
    assert_eq!(now_or_pending(&queue), Some(Some(("x", 0))));
}

#[tokio::test(start_paused = true)]
async fn delayed_items_join_the_back_of_their_line_when_ready() {
    let queue = PriorityQueue::new();
    queue.add_with_opts(AddOpts::new().priority(1).after(10 * MS), ["delayed"]);
    queue.add_with_opts(AddOpts::new().priority(1), ["first"]);
    tokio::time::sleep(20 * MS).await;
    queue.add_with_opts(AddOpts::new().priority(1), ["after-ready"]);
    queue.add_with_opts(AddOpts::new().priority(2), ["top"]);
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(queue.get_with_priority().await.unwrap());
    }
    assert_eq!(
        got,
        [("top", 2), ("first", 1), ("delayed", 1), ("after-ready", 1)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_processing_item_is_not_handed_out_until_done() {
    let queue = PriorityQueue::new();
    queue.add("foo");
    let foo = queue.get().await.unwrap();
    queue.add("foo");
    assert_eq!(queue.len(), 1, "counted, like controller-runtime's Len");
    assert!(timeout(Duration::from_secs(5), queue.get()).await.is_err());
    queue.done(&foo);
    assert_eq!(queue.get_with_priority().await, Some(("foo", 0)));
}

#[tokio::test]
async fn a_re_added_processing_item_keeps_its_place_in_line() {
    let queue = PriorityQueue::new();
    queue.add("a");
    let a = queue.get().await.unwrap();
    queue.add("a"); // parked behind its processing, ahead of b and c
    queue.add_with_opts(AddOpts::new(), ["b", "c"]);
    assert_eq!(queue.get().await, Some("b"));
    queue.done(&a);
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(queue.get().await, Some("c"));
}

#[tokio::test(start_paused = true)]
async fn a_delayed_item_ready_while_processing_waits_for_done() {
    let queue = PriorityQueue::new();
    queue.add("a");
    let a = queue.get().await.unwrap();
    queue.add_after("a", 10 * MS);
    tokio::time::sleep(20 * MS).await;
    assert_eq!(queue.len(), 1);
    assert!(timeout(Duration::from_secs(1), queue.get()).await.is_err());
    queue.done(&a);
    assert_eq!(queue.get().await, Some("a"));
}

#[tokio::test(start_paused = true)]
async fn rate_limited_takes_the_shorter_of_limiter_and_after() {
    let limiter = ItemExponentialFailureRateLimiter::new(100 * MS, Duration::from_secs(10));
    let queue = PriorityQueue::with_config(limiter, QueueConfig::default());
    let start = Instant::now();
    // Limiter says 100 ms, after says 40 ms: 40 ms.
    queue.add_with_opts(AddOpts::new().rate_limited(true).after(40 * MS), ["a"]);
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(start.elapsed(), 40 * MS);
    queue.done(&"a");
    // Limiter says 200 ms, after says 1 s: 200 ms.
    queue.add_with_opts(
        AddOpts::new()
            .rate_limited(true)
            .after(Duration::from_secs(1)),
        ["a"],
    );
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(start.elapsed(), 240 * MS);
    queue.done(&"a");
    // Limiter alone: 400 ms.
    queue.add_rate_limited("a");
    assert_eq!(queue.get().await, Some("a"));
    assert_eq!(start.elapsed(), 640 * MS);
    assert_eq!(queue.num_requeues(&"a"), 3);
    queue.forget(&"a");
    assert_eq!(queue.num_requeues(&"a"), 0);
}

#[tokio::test(start_paused = true)]
async fn get_returns_none_after_shutdown_even_with_items_left() {
    let queue = PriorityQueue::new();
    queue.add("baz");
    queue.shut_down();
    queue.add_with_opts(AddOpts::new().after(Duration::from_secs(1)), ["foo"]);
    queue.add("bar");
    assert!(queue.is_shutting_down());
    assert_eq!(queue.get_with_priority().await, None);
    assert_eq!(queue.get().await, None);
}

#[tokio::test]
async fn shut_down_wakes_waiting_getters() {
    let queue: PriorityQueue<u8> = PriorityQueue::new();
    let getters: Vec<_> = (0..4)
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
    let queue = PriorityQueue::new();
    queue.add("a");
    let a = queue.get().await.unwrap();
    let drain = tokio::spawn({
        let q = queue.clone();
        async move { q.shut_down_with_drain().await }
    });
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(!drain.is_finished());
    queue.done(&a);
    timeout(Duration::from_secs(1), drain)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn many_delayed_items_wake_many_getters() {
    let queue: PriorityQueue<u32> = PriorityQueue::new();
    let start = Instant::now();
    let getters: Vec<_> = (0..20)
        .map(|_| {
            let q = queue.clone();
            tokio::spawn(async move { q.get().await })
        })
        .collect();
    queue.add_with_opts(AddOpts::new().after(30 * MS), 0..20);
    let mut got = Vec::new();
    for g in getters {
        got.push(g.await.unwrap().unwrap());
    }
    got.sort_unstable();
    assert_eq!(got, (0..20).collect::<Vec<_>>());
    assert_eq!(start.elapsed(), 30 * MS);
}

#[tokio::test]
async fn returns_many_items() {
    let queue = PriorityQueue::new();
    for i in 0..10_000u32 {
        queue.add_with_opts(AddOpts::new().priority((i % 7) as i32), [i]);
    }
    assert_eq!(queue.len(), 10_000);
    let mut last = (i32::MAX, 0u32);
    for _ in 0..10_000 {
        let (item, priority) = queue.get_with_priority().await.unwrap();
        assert!(
            priority < last.0 || (priority == last.0 && item > last.1),
            "order broken at {item}"
        );
        last = (priority, item);
        queue.done(&item);
    }
    assert!(queue.is_empty());
}

/// Getters that each keep their item must all be served by a burst of adds from another thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_adds_reaches_every_sleeping_getter() {
    for round in 0..200u32 {
        let queue: PriorityQueue<u32> = PriorityQueue::new();
        let getters: Vec<_> = (0..8)
            .map(|_| {
                let q = queue.clone();
                tokio::spawn(async move { q.get().await })
            })
            .collect();
        if round % 2 == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let producer = {
            let q = queue.clone();
            std::thread::spawn(move || {
                if round % 3 == 0 {
                    q.add_with_opts(AddOpts::new(), round * 8..round * 8 + 8);
                } else {
                    (0..8).for_each(|i| q.add(round * 8 + i));
                }
            })
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
    }
}
