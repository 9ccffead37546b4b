//! The queue controllers use: a delaying queue with a rate limiter for retries (client-go
//! `TypedRateLimitingInterface`).
//!
//! The worker loop of a controller looks like this: take a key, reconcile, and then either
//! [`forget`](RateLimitingQueue::forget) the key (success: its backoff starts over) or
//! [`add_rate_limited`](RateLimitingQueue::add_rate_limited) it (failure: retry after the delay
//! the [`RateLimiter`] chooses), and in both cases call [`done`](RateLimitingQueue::done).
//!
//! ```
//! use std::time::Duration;
//! use k8s_workqueue::{RateLimitingQueue, default_controller_rate_limiter};
//!
//! async fn reconcile(key: &str) -> Result<(), String> {
//!     if key.ends_with("broken") { Err("not yet".into()) } else { Ok(()) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let queue = RateLimitingQueue::new(default_controller_rate_limiter());
//! queue.add("default/ok".to_string());
//! queue.add("default/broken".to_string());
//!
//! for _ in 0..4 {
//!     let key = queue.get().await.unwrap();
//!     match reconcile(&key).await {
//!         Ok(()) => queue.forget(&key),
//!         Err(_) if queue.num_requeues(&key) < 2 => queue.add_rate_limited(key.clone()),
//!         Err(_) => queue.forget(&key), // give up
//!     }
//!     queue.done(&key);
//! }
//! // "default/broken" was tried three times: at once, after 5 ms, after 10 more.
//! assert_eq!(queue.num_requeues(&"default/broken".to_string()), 0);
//! assert!(queue.is_empty());
//! # }
//! ```

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use crate::delaying::DelayingQueue;
use crate::queue::{DrainReport, QueueConfig};
use crate::rate_limiter::RateLimiter;

/// A [`DelayingQueue`] with a [`RateLimiter`] for retries; see the [module docs](self).
///
/// A handle: clones share one queue and one limiter.
///
/// ```
/// use std::time::Duration;
/// use k8s_workqueue::{ItemExponentialFailureRateLimiter, QueueConfig, RateLimitingQueue};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let limiter = ItemExponentialFailureRateLimiter::new(
///     Duration::from_millis(5),
///     Duration::from_secs(1000),
/// );
/// let queue = RateLimitingQueue::with_config(limiter, QueueConfig::new().name("pods"));
/// let start = tokio::time::Instant::now();
/// queue.add_rate_limited("default/web"); // 1st failure: 5 ms
/// assert_eq!(queue.get().await, Some("default/web"));
/// assert_eq!(start.elapsed(), Duration::from_millis(5));
/// queue.add_rate_limited("default/web"); // 2nd failure: 10 ms more
/// queue.done(&"default/web");
/// assert_eq!(queue.get().await, Some("default/web"));
/// assert_eq!(start.elapsed(), Duration::from_millis(15));
/// assert_eq!(queue.num_requeues(&"default/web"), 2);
/// # }
/// ```
pub struct RateLimitingQueue<T> {
    queue: DelayingQueue<T>,
    limiter: Arc<dyn RateLimiter<T>>,
}

impl<T> Clone for RateLimitingQueue<T> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
            limiter: Arc::clone(&self.limiter),
        }
    }
}

impl<T> fmt::Debug for RateLimitingQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitingQueue")
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> RateLimitingQueue<T> {
    /// An unnamed queue without metrics that retries as `limiter` says (client-go
    /// `NewTypedRateLimitingQueue`).
    pub fn new(limiter: impl RateLimiter<T> + 'static) -> Self {
        Self::with_config(limiter, QueueConfig::default())
    }

    /// A queue with a name and metrics provider (client-go `NewTypedRateLimitingQueueWithConfig`).
    pub fn with_config(limiter: impl RateLimiter<T> + 'static, config: QueueConfig) -> Self {
        Self {
            queue: DelayingQueue::with_config(config),
            limiter: Arc::new(limiter),
        }
    }

    /// Adds `item` after the delay the rate limiter gives it, counting one more failure
    /// (client-go `AddRateLimited`).
    pub fn add_rate_limited(&self, item: T) {
        let delay = self.limiter.when(&item);
        self.queue.add_after(item, delay);
    }

    /// Resets the rate limiter's failure count for `item` (client-go `Forget`). It does not take
    /// the item out of the queue.
    pub fn forget(&self, item: &T) {
        self.limiter.forget(item);
    }

    /// How many failures the rate limiter counts for `item` (client-go `NumRequeues`).
    pub fn num_requeues(&self, item: &T) -> usize {
        self.limiter.num_requeues(item)
    }

    /// Adds `item` once `delay` has passed; see [`DelayingQueue::add_after`].
    pub fn add_after(&self, item: T, delay: Duration) {
        self.queue.add_after(item, delay);
    }

    /// Marks `item` as needing processing now; see [`Queue::add`](crate::Queue::add).
    pub fn add(&self, item: T) {
        self.queue.add(item);
    }

    /// Waits for the next ready item; see [`Queue::get`](crate::Queue::get).
    pub async fn get(&self) -> Option<T> {
        self.queue.get().await
    }

    /// Marks the processing of `item` as finished; see [`Queue::done`](crate::Queue::done).
    pub fn done(&self, item: &T) {
        self.queue.done(item);
    }

    /// The number of ready items waiting to be handed out.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no ready item is waiting.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Stops the queue; see [`DelayingQueue::shut_down`].
    pub fn shut_down(&self) {
        self.queue.shut_down();
    }

    /// Stops the queue and waits for processing to finish; see
    /// [`DelayingQueue::shut_down_with_drain`].
    pub async fn shut_down_with_drain(&self) {
        self.queue.shut_down_with_drain().await;
    }

    /// Stops the queue and gives the workers until `timeout` to finish its backlog; see
    /// [`Queue::shut_down_with_drain_timeout`](crate::Queue::shut_down_with_drain_timeout)
    /// (items waiting for their retry delay are dropped at once, counted as abandoned).
    pub async fn shut_down_with_drain_timeout(&self, timeout: Duration) -> DrainReport {
        self.queue.shut_down_with_drain_timeout(timeout).await
    }

    /// Whether the queue is shutting down.
    pub fn is_shutting_down(&self) -> bool {
        self.queue.is_shutting_down()
    }
}
