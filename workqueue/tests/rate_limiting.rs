//! `RateLimitingQueue` with paused time: retries wait exactly what the limiter says.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches may panic

use std::time::Duration;

use k8s_workqueue::{
    BucketRateLimiter, ItemExponentialFailureRateLimiter, RateLimitingInterface, RateLimitingQueue,
    default_controller_rate_limiter,
};
use tokio::time::{Instant, timeout};

const MS: Duration = Duration::from_millis(1);

#[tokio::test(start_paused = true)]
async fn add_rate_limited_waits_the_backoff_and_forget_resets_it() {
    let limiter = ItemExponentialFailureRateLimiter::new(MS, Duration::from_secs(1));
    let queue = RateLimitingQueue::new(limiter);
    let start = Instant::now();

    queue.add_rate_limited("one");
    assert_eq!(queue.len(), 0, "not before 1 ms");
    assert_eq!(queue.get().await, Some("one"));
    assert_eq!(start.elapsed(), MS);
    queue.done(&"one");

    queue.add_rate_limited("one");
    assert_eq!(queue.get().await, Some("one"));
    assert_eq!(start.elapsed(), 3 * MS, "second failure waits 2 ms");
    queue.done(&"one");
    assert_eq!(queue.num_requeues(&"one"), 2);

    queue.forget(&"one");
    assert_eq!(queue.num_requeues(&"one"), 0);
    queue.add_rate_limited("one");
    assert_eq!(queue.get().await, Some("one"));
    assert_eq!(start.elapsed(), 4 * MS, "after forget: 1 ms again");
}

#[tokio::test(start_paused = true)]
async fn forget_does_not_remove_a_waiting_item() {
    let queue = RateLimitingQueue::new(default_controller_rate_limiter());
    queue.add("a");
    queue.forget(&"a");
    assert_eq!(queue.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn bucket_limited_queue_spreads_the_101st_item() {
    let queue = RateLimitingQueue::new(BucketRateLimiter::new(10.0, 100));
    let start = Instant::now();
    for i in 0..102 {
        queue.add_rate_limited(i);
    }
    for i in 0..100 {
        assert_eq!(queue.get().await, Some(i));
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(queue.get().await, Some(100));
    assert_eq!(start.elapsed(), 100 * MS);
    assert_eq!(queue.get().await, Some(101));
    assert_eq!(start.elapsed(), 200 * MS);
}

#[tokio::test(start_paused = true)]
async fn retrying_an_item_in_processing_requeues_it_after_done_and_delay() {
    let queue = RateLimitingQueue::new(ItemExponentialFailureRateLimiter::new(
        10 * MS,
        Duration::from_secs(1),
    ));
    let start = Instant::now();
    queue.add("k");
    let k = queue.get().await.unwrap();
    queue.add_rate_limited(k); // the usual worker pattern: retry, then done
    tokio::time::sleep(20 * MS).await; // ready at 10 ms, but still processing
    assert_eq!(queue.len(), 0);
    queue.done(&k);
    assert_eq!(queue.get().await, Some("k"));
    assert_eq!(start.elapsed(), 20 * MS);
}

#[tokio::test(start_paused = true)]
async fn shut_down_drops_pending_retries() {
    let queue = RateLimitingQueue::new(default_controller_rate_limiter());
    queue.add_rate_limited("x");
    queue.shut_down();
    queue.add_rate_limited("y");
    assert!(queue.is_shutting_down());
    assert_eq!(
        timeout(Duration::from_secs(5), queue.get()).await.unwrap(),
        None
    );
}

/// Generic code sees the same behaviour through the trait.
async fn retry_twice<Q: RateLimitingInterface<&'static str>>(queue: &Q) -> usize {
    queue.add_rate_limited("t");
    let t = queue.get().await.unwrap();
    queue.add_rate_limited(t);
    queue.done(&t);
    let t = queue.get().await.unwrap();
    queue.done(&t);
    queue.num_requeues(&t)
}

#[tokio::test(start_paused = true)]
async fn usable_through_the_rate_limiting_interface() {
    let queue = RateLimitingQueue::new(default_controller_rate_limiter());
    let start = Instant::now();
    assert_eq!(retry_twice(&queue).await, 2);
    assert_eq!(start.elapsed(), 15 * MS);
    let queue = k8s_workqueue::PriorityQueue::new();
    let start = Instant::now();
    assert_eq!(retry_twice(&queue).await, 2);
    assert_eq!(start.elapsed(), 15 * MS);
}
