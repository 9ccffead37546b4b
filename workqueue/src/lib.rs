//! # k8s-workqueue
//!
//! The work queues controllers are built on: client-go's `util/workqueue` and controller-runtime's
//! priority queue, async on tokio. This crate depends on none of the other k8s-rs crates.
//!
//! ## Why a controller needs a work queue
//!
//! A controller watches objects and makes the world match them. Its event handlers do not do
//! that work themselves; they put the object's *key* (usually `namespace/name`) in a queue, and a
//! few workers take keys out and reconcile them. The queue makes this safe and cheap:
//!
//! - **de-duplication** — ten events for one object while it waits become one reconcile;
//! - **one worker per key** — a key handed to a worker is not handed to another until the first
//!   calls `done`; events that arrive meanwhile are kept and the key comes back after `done`;
//! - **retries with backoff** — a failed key is re-added after a delay that grows with each
//!   failure, and an overall rate limit keeps a broken cluster from being hammered;
//! - **orderly shutdown** — stop taking new work, optionally wait until work in progress is done,
//!   or wait at most a given time and then abandon what is left
//!   ([`shut_down_with_drain_timeout`](Queue::shut_down_with_drain_timeout), [`DrainReport`]).
//!
//! ## The family
//!
//! | type | client-go / controller-runtime | adds |
//! |---|---|---|
//! | [`Queue`] | `workqueue.NewTyped` | de-duplicating FIFO |
//! | [`DelayingQueue`] | `workqueue.NewTypedDelayingQueue` | [`add_after`](DelayingQueue::add_after) |
//! | [`RateLimitingQueue`] | `workqueue.NewTypedRateLimitingQueue` | [`add_rate_limited`](RateLimitingQueue::add_rate_limited), [`forget`](RateLimitingQueue::forget), [`num_requeues`](RateLimitingQueue::num_requeues) |
//! | [`PriorityQueue`] | `priorityqueue.New` | priorities, [`add_with_opts`](PriorityQueue::add_with_opts) |
//!
//! Each lives in a module of its own whose docs explain its rules ([`queue`], [`delaying`],
//! [`rate_limiting`], [`priority`]); the types are also exported here.
//!
//! Each is a cheap, cloneable handle; give every worker its own clone. The traits [`Interface`],
//! [`DelayingInterface`] and [`RateLimitingInterface`] (client-go's interface names) let code be
//! generic over the queue it is given. Retry delays come from a [`RateLimiter`]; most controllers
//! use [`default_controller_rate_limiter`] (see [`rate_limiter`]). Metrics go to a [`MetricsProvider`](metrics::MetricsProvider)
//! named in a [`QueueConfig`]; see [`metrics`]. [`parallelize_until`] runs indexed work with a
//! bounded number of workers.
//!
//! ## A controller's worker loop
//!
//! ```
//! use k8s_workqueue::{RateLimitingQueue, default_controller_rate_limiter};
//!
//! async fn reconcile(key: &str) -> Result<(), String> {
//!     println!("reconciling {key}");
//!     Ok(())
//! }
//!
//! async fn worker(queue: RateLimitingQueue<String>) {
//!     while let Some(key) = queue.get().await {
//!         match reconcile(&key).await {
//!             Ok(()) => queue.forget(&key),               // success: reset the backoff
//!             Err(_) => queue.add_rate_limited(key.clone()), // failure: retry later
//!         }
//!         queue.done(&key); // always: lets the key be handed out again
//!     }
//! }
//!
//! # #[tokio::main]
//! # async fn main() {
//! let queue = RateLimitingQueue::new(default_controller_rate_limiter());
//! let workers: Vec<_> = (0..4).map(|_| tokio::spawn(worker(queue.clone()))).collect();
//!
//! // An event handler enqueues keys:
//! queue.add("default/nginx".to_string());
//! queue.add("default/nginx".to_string()); // folded into the first
//!
//! queue.shut_down_with_drain().await;
//! for w in workers {
//!     w.await.unwrap();
//! }
//! # }
//! ```
//!
//! ## Time
//!
//! Delays and rate limits read tokio's clock, so tests can run with paused time
//! (`#[tokio::test(start_paused = true)]`) and check delays exactly, without sleeping.

pub mod delaying;
pub mod metrics;
pub mod parallelize;
pub mod priority;
#[cfg(feature = "prometheus")]
mod prometheus;
pub mod queue;
pub mod rate_limiter;
pub mod rate_limiting;
mod timer;
mod waiters;

use std::future::Future;
use std::hash::Hash;
use std::time::Duration;

pub use delaying::DelayingQueue;
pub use parallelize::{ParallelizeOptions, parallelize_until, parallelize_until_with};
pub use priority::{AddOpts, PriorityQueue};
#[cfg(feature = "prometheus")]
pub use prometheus::PrometheusMetricsProvider;
pub use queue::{DrainReport, Queue, QueueConfig};
pub use rate_limiter::{
    BucketRateLimiter, ItemExponentialFailureRateLimiter, ItemFastSlowRateLimiter,
    MaxOfRateLimiter, RateLimiter, WithMaxWaitRateLimiter, default_controller_rate_limiter,
};
pub use rate_limiting::RateLimitingQueue;

/// The hash map the queues use: a fast hasher with a per-map random seed.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// What every queue can do (client-go `TypedInterface`). The inherent methods of each queue
/// type document the details.
///
/// ```
/// use k8s_workqueue::{Interface, PriorityQueue, Queue};
///
/// async fn drain_all<Q: Interface<u32>>(queue: Q) -> Vec<u32> {
///     queue.shut_down();
///     let mut out = Vec::new();
///     while let Some(item) = queue.get().await {
///         queue.done(&item);
///         out.push(item);
///     }
///     out
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let queue = Queue::new();
/// queue.add(1);
/// queue.add(2);
/// assert_eq!(drain_all(queue).await, vec![1, 2]);
/// // A priority queue hands out nothing after shutdown:
/// let queue = PriorityQueue::new();
/// queue.add(1);
/// assert_eq!(drain_all(queue).await, Vec::<u32>::new());
/// # }
/// ```
pub trait Interface<T>: Send + Sync {
    /// Marks `item` as needing processing.
    fn add(&self, item: T);
    /// The number of items ready to be handed out.
    fn len(&self) -> usize;
    /// Whether no item is ready.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Waits for the next item; `None` once the queue is shut down (and, for most queues, empty).
    fn get(&self) -> impl Future<Output = Option<T>> + Send;
    /// Marks the processing of `item` as finished.
    fn done(&self, item: &T);
    /// Stops the queue; later adds are ignored.
    fn shut_down(&self);
    /// Stops the queue and waits until no item is being processed.
    fn shut_down_with_drain(&self) -> impl Future<Output = ()> + Send;
    /// Whether the queue is shutting down.
    fn is_shutting_down(&self) -> bool;
}

/// A queue with delayed adds (client-go `TypedDelayingInterface`).
pub trait DelayingInterface<T>: Interface<T> {
    /// Adds `item` once `delay` has passed.
    fn add_after(&self, item: T, delay: Duration);
}

/// A queue with rate-limited retries (client-go `TypedRateLimitingInterface`).
pub trait RateLimitingInterface<T>: DelayingInterface<T> {
    /// Adds `item` after its rate limiter's delay.
    fn add_rate_limited(&self, item: T);
    /// Resets the rate limiter's failure count for `item`.
    fn forget(&self, item: &T);
    /// How many failures are counted for `item`.
    fn num_requeues(&self, item: &T) -> usize;
}

/// Implements [`Interface`] by calling the inherent methods of the same names.
macro_rules! impl_interface {
    ($ty:ident, $($bound:tt)+) => {
        impl<T: $($bound)+> Interface<T> for $ty<T> {
            fn add(&self, item: T) {
                $ty::add(self, item);
            }
            fn len(&self) -> usize {
                $ty::len(self)
            }
            fn get(&self) -> impl Future<Output = Option<T>> + Send {
                $ty::get(self)
            }
            fn done(&self, item: &T) {
                $ty::done(self, item);
            }
            fn shut_down(&self) {
                $ty::shut_down(self);
            }
            fn shut_down_with_drain(&self) -> impl Future<Output = ()> + Send {
                $ty::shut_down_with_drain(self)
            }
            fn is_shutting_down(&self) -> bool {
                $ty::is_shutting_down(self)
            }
        }
    };
}

impl_interface!(Queue, Eq + Hash + Clone + Send + 'static);
impl_interface!(DelayingQueue, Eq + Hash + Clone + Send + 'static);
impl_interface!(RateLimitingQueue, Eq + Hash + Clone + Send + 'static);
impl_interface!(PriorityQueue, Eq + Hash + Clone + Send + 'static);

impl<T: Eq + Hash + Clone + Send + 'static> DelayingInterface<T> for DelayingQueue<T> {
    fn add_after(&self, item: T, delay: Duration) {
        DelayingQueue::add_after(self, item, delay);
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> DelayingInterface<T> for RateLimitingQueue<T> {
    fn add_after(&self, item: T, delay: Duration) {
        RateLimitingQueue::add_after(self, item, delay);
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> DelayingInterface<T> for PriorityQueue<T> {
    fn add_after(&self, item: T, delay: Duration) {
        PriorityQueue::add_after(self, item, delay);
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> RateLimitingInterface<T> for RateLimitingQueue<T> {
    fn add_rate_limited(&self, item: T) {
        RateLimitingQueue::add_rate_limited(self, item);
    }
    fn forget(&self, item: &T) {
        RateLimitingQueue::forget(self, item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        RateLimitingQueue::num_requeues(self, item)
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> RateLimitingInterface<T> for PriorityQueue<T> {
    fn add_rate_limited(&self, item: T) {
        PriorityQueue::add_rate_limited(self, item);
    }
    fn forget(&self, item: &T) {
        PriorityQueue::forget(self, item);
    }
    fn num_requeues(&self, item: &T) -> usize {
        PriorityQueue::num_requeues(self, item)
    }
}
