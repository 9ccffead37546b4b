//! The de-duplicating work queue (client-go `workqueue.Typed`).
//!
//! A [`Queue`] hands each item to one worker at a time and folds repeated adds of the same item
//! into one piece of work. It keeps three things under one lock:
//!
//! - a FIFO of items waiting to be handed out;
//! - the *dirty* set: items that need processing (every waiting item, plus items re-added while
//!   being processed);
//! - the *processing* set: items handed out by [`get`](Queue::get) and not yet [`done`](Queue::done).
//!
//! From these follow the rules a controller relies on:
//!
//! - adding an item that is already waiting does nothing, so a burst of events for one object
//!   becomes one reconcile;
//! - adding an item that is being processed marks it dirty; it is queued again when the worker
//!   calls `done`, so the change is not lost and two workers never process it at once;
//! - `get` waits for an item, and returns `None` once the queue is shut down and empty;
//! - after [`shut_down`](Queue::shut_down) adds are ignored, while items already waiting are
//!   still handed out; [`shut_down_with_drain`](Queue::shut_down_with_drain) also waits until
//!   every item in processing is `done`;
//! - [`shut_down_with_drain_timeout`](Queue::shut_down_with_drain_timeout) bounds that: the
//!   workers get until the timeout to finish the backlog and what they hold; then what is still
//!   waiting is dropped (`get` returns `None`) and a [`DrainReport`] says how much was left.
//!
//! The lock is a `parking_lot` mutex. Workers take it for every `get` and `done`, so it is
//! contended whenever several workers are busy; under contention `parking_lot` spins and yields
//! before it parks a thread, and lets a thread that just unlocked lock again, so a worker thread
//! runs through several operations while it holds the cache lines. The standard mutex makes every
//! contended unlock a futex wake-up; on two cores that halved the queue's throughput with eight
//! workers.
//!
//! An item is kept twice while it waits (in the FIFO and as the key of the set), so it is cloned
//! once per new add: use keys that are cheap to clone, such as `Arc<str>`, an interned id or a
//! small `Copy` type, when items are large.
//!
//! ```
//! use k8s_workqueue::Queue;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let queue = Queue::new();
//! queue.add("default/a");
//! queue.add("default/b");
//! queue.add("default/a"); // already waiting: folded into the first add
//! assert_eq!(queue.len(), 2);
//!
//! let item = queue.get().await.unwrap();
//! assert_eq!(item, "default/a");
//! queue.add("default/a"); // being processed: marked dirty, not handed out yet
//! assert_eq!(queue.len(), 1);
//! queue.done(&item); // now it is queued again
//! assert_eq!(queue.len(), 2);
//!
//! queue.shut_down();
//! assert_eq!(queue.get().await, Some("default/b"));
//! assert_eq!(queue.get().await, Some("default/a"));
//! assert_eq!(queue.get().await, None);
//! # }
//! ```

use std::collections::VecDeque;
use std::collections::hash_map::Entry;
use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;

use tokio::sync::Notify;

use crate::Map;
use crate::metrics::{MetricsProvider, QueueMetrics, UnfinishedWork, spawn_unfinished_work_loop};
use crate::waiters::{Phase, Take, Waiters};

/// A queue's name (the label of its metrics) and its metrics provider (client-go
/// `TypedQueueConfig`, `TypedDelayingQueueConfig` and `TypedRateLimitingQueueConfig` in one).
///
/// Metrics are recorded only when both a name and a provider are set.
///
/// ```
/// use std::sync::Arc;
/// use k8s_workqueue::{QueueConfig, metrics::NoopMetricsProvider};
///
/// let config = QueueConfig::new()
///     .name("deployments")
///     .metrics_provider(Arc::new(NoopMetricsProvider));
/// assert_eq!(config.name, "deployments");
/// ```
#[derive(Clone, Default)]
pub struct QueueConfig {
    /// The queue's name, used as the metrics label; empty means no metrics.
    pub name: String,
    /// Where the queue's metrics come from; `None` means no metrics.
    pub metrics_provider: Option<Arc<dyn MetricsProvider>>,
}

impl QueueConfig {
    /// An unnamed config without metrics.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the queue's name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the metrics provider.
    #[must_use]
    pub fn metrics_provider(mut self, provider: Arc<dyn MetricsProvider>) -> Self {
        self.metrics_provider = Some(provider);
        self
    }
}

impl fmt::Debug for QueueConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueConfig")
            .field("name", &self.name)
            .field("metrics_provider", &self.metrics_provider.is_some())
            .finish()
    }
}

/// What a bounded shutdown ([`Queue::shut_down_with_drain_timeout`] and the same method of the
/// other queues) left undone when its time ran out. All zero: everything was processed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DrainReport {
    /// Items that were waiting and are dropped unprocessed (`get` hands out nothing more).
    pub abandoned: usize,
    /// Items still being processed when the time ran out: their workers may still call `done`
    /// (which re-queues nothing), but nobody waits for them.
    pub in_flight: usize,
}

impl DrainReport {
    /// Whether the queue was empty and idle before the timeout.
    pub fn is_complete(&self) -> bool {
        self.abandoned == 0 && self.in_flight == 0
    }
}

/// Where an item stands. An item is in the map while it is dirty or being processed.
#[derive(Clone, Copy)]
struct Flags {
    dirty: bool,
    processing: bool,
}

struct State<T> {
    /// Items waiting to be handed out, oldest first. Each is in `items`, dirty and not processing.
    fifo: VecDeque<T>,
    /// The dirty and processing sets, as one map (one hash per operation).
    items: Map<T, Flags>,
    /// How many items are being processed.
    processing: usize,
    shutting_down: bool,
    /// A `shut_down_with_drain` is waiting for processing to empty.
    drain: bool,
    metrics: Option<QueueMetrics<T>>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    /// Getters waiting for an item to be queued, or for the queue to shut down.
    item_ready: Waiters,
    /// Processing emptied, or a drain was cut short by `shut_down`.
    drained: Notify,
    /// Whether this queue keeps metrics (and so wants the unfinished-work loop).
    has_metrics: bool,
    metrics_loop_started: AtomicBool,
}

/// A de-duplicating FIFO work queue; see the [module docs](self) for its rules.
///
/// `Queue` is a handle: clones share one queue, so give each worker its own clone.
///
/// ```
/// use k8s_workqueue::Queue;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let queue: Queue<String> = Queue::new();
/// let worker = {
///     let queue = queue.clone();
///     tokio::spawn(async move {
///         let mut seen = Vec::new();
///         while let Some(key) = queue.get().await {
///             seen.push(key.clone()); // reconcile `key` here
///             queue.done(&key);
///         }
///         seen
///     })
/// };
/// queue.add("default/web".to_string());
/// queue.add("default/web".to_string());
/// queue.shut_down_with_drain().await;
/// assert_eq!(worker.await.unwrap(), vec!["default/web".to_string()]);
/// # }
/// ```
pub struct Queue<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for Queue<T> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("Queue")
            .field("len", &state.fifo.len())
            .field("processing", &state.processing)
            .field("shutting_down", &state.shutting_down)
            .finish()
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> Default for Queue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> Queue<T> {
    /// An unnamed queue without metrics (client-go `NewTyped`).
    pub fn new() -> Self {
        Self::with_config(QueueConfig::default())
    }

    /// A queue with a name and metrics provider (client-go `NewTypedWithConfig`).
    pub fn with_config(config: QueueConfig) -> Self {
        let metrics = QueueMetrics::new(&config.name, config.metrics_provider.as_ref());
        let queue = Self {
            shared: Arc::new(Shared {
                has_metrics: metrics.is_some(),
                state: Mutex::new(State {
                    fifo: VecDeque::new(),
                    items: Map::default(),
                    processing: 0,
                    shutting_down: false,
                    drain: false,
                    metrics,
                }),
                item_ready: Waiters::new(),
                drained: Notify::new(),
                metrics_loop_started: AtomicBool::new(false),
            }),
        };
        queue.start_metrics_loop();
        queue
    }

    /// Starts the unfinished-work refresh loop once, when a runtime is at hand.
    fn start_metrics_loop(&self) {
        if self.shared.has_metrics && !self.shared.metrics_loop_started.load(Ordering::Relaxed) {
            let weak: Weak<Shared<T>> = Arc::downgrade(&self.shared);
            if !self
                .shared
                .metrics_loop_started
                .swap(true, Ordering::AcqRel)
                && !spawn_unfinished_work_loop(weak)
            {
                self.shared
                    .metrics_loop_started
                    .store(false, Ordering::Release);
            }
        }
    }

    /// Marks `item` as needing processing (client-go `Add`).
    ///
    /// Does nothing if the item is already waiting or the queue is shutting down; if the item is
    /// being processed it is queued again when its worker calls [`done`](Self::done).
    pub fn add(&self, item: T) {
        let mut guard = self.shared.state.lock();
        let state = &mut *guard;
        if state.shutting_down {
            return;
        }
        match state.items.entry(item) {
            Entry::Occupied(mut entry) => {
                let flags = entry.get_mut();
                if flags.dirty {
                    return;
                }
                flags.dirty = true;
                if let Some(metrics) = state.metrics.as_mut() {
                    metrics.add(entry.key());
                }
            }
            Entry::Vacant(entry) => {
                let item = entry.key().clone();
                entry.insert(Flags {
                    dirty: true,
                    processing: false,
                });
                if let Some(metrics) = state.metrics.as_mut() {
                    metrics.add(&item);
                }
                state.fifo.push_back(item);
                self.shared.item_ready.set_ready(state.fifo.len());
                let wake = self.shared.item_ready.claim_wake();
                drop(guard);
                if wake {
                    self.shared.item_ready.wake_one();
                }
            }
        }
    }

    /// One look for an item under the lock (see [`Waiters::get`]).
    fn try_get(&self, phase: Phase) -> Take<'_, T> {
        let waiters = &self.shared.item_ready;
        let mut guard = self.shared.state.lock();
        let state = &mut *guard;
        waiters.enter(phase);
        let Some(item) = state.fifo.pop_front() else {
            if state.shutting_down {
                return Take::Closed;
            }
            return Take::Empty(waiters.empty(phase));
        };
        if let Some(flags) = state.items.get_mut(&item) {
            flags.dirty = false;
            flags.processing = true;
        }
        state.processing += 1;
        if let Some(metrics) = state.metrics.as_mut() {
            metrics.get(&item);
        }
        let baton = waiters.taken(state.fifo.len());
        drop(guard);
        if baton {
            waiters.wake_one();
        }
        Take::Got(item)
    }

    /// Waits for the next item and marks it as being processed (client-go `Get`).
    ///
    /// Returns `None` once the queue is shut down and no item is waiting. Every item returned
    /// must be passed to [`done`](Self::done) when its processing ends. Dropping the future
    /// before it completes takes nothing from the queue.
    pub async fn get(&self) -> Option<T> {
        self.shared
            .item_ready
            .get(|phase| self.try_get(phase), || self.start_metrics_loop())
            .await
    }

    /// Marks the processing of `item` as finished (client-go `Done`).
    ///
    /// If the item was added again while it was processed it is queued now. Calling `done` for
    /// an item that is not being processed does nothing.
    pub fn done(&self, item: &T) {
        let mut guard = self.shared.state.lock();
        let state = &mut *guard;
        let Some(flags) = state.items.get_mut(item) else {
            return;
        };
        if !flags.processing {
            return;
        }
        flags.processing = false;
        let requeue = flags.dirty;
        state.processing -= 1;
        if let Some(metrics) = state.metrics.as_mut() {
            metrics.done(item);
        }
        if requeue {
            state.fifo.push_back(item.clone());
            self.shared.item_ready.set_ready(state.fifo.len());
            let wake = self.shared.item_ready.claim_wake();
            drop(guard);
            if wake {
                self.shared.item_ready.wake_one();
            }
        } else {
            state.items.remove(item);
            let drained = state.processing == 0 && state.shutting_down;
            drop(guard);
            if drained {
                self.shared.drained.notify_waiters();
            }
        }
    }

    /// The number of items waiting to be handed out (client-go `Len`); items being processed are
    /// not counted, items re-added while processed only once they are queued again.
    pub fn len(&self) -> usize {
        self.shared.state.lock().fifo.len()
    }

    /// Whether no item is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of items being processed.
    pub fn processing(&self) -> usize {
        self.shared.state.lock().processing
    }

    /// Stops the queue (client-go `ShutDown`): later adds are ignored, items already waiting are
    /// still handed out, and `get` returns `None` once none is left. A `shut_down_with_drain`
    /// in progress stops waiting.
    pub fn shut_down(&self) {
        let mut state = self.shared.state.lock();
        state.shutting_down = true;
        state.drain = false;
        drop(state);
        self.shared.item_ready.wake_all();
        self.shared.drained.notify_waiters();
    }

    /// Stops the queue like [`shut_down`](Self::shut_down), then waits until no item is being
    /// processed (client-go `ShutDownWithDrain`). Workers must keep calling `done`, or this
    /// never returns; a concurrent `shut_down` ends the wait.
    pub async fn shut_down_with_drain(&self) {
        self.begin_drain();
        self.wait_drained().await;
    }

    /// Stops the queue like [`shut_down`](Self::shut_down), then gives the workers until
    /// `timeout` to empty it: to take every waiting item (as after `shut_down`, `get` still
    /// hands them out) and call `done` on all they hold. If they are not through by then, the
    /// items still waiting are dropped — `get` returns `None` from then on — and the report
    /// says how many were dropped and how many were still being processed. A controller calls
    /// this on SIGTERM to stop within a bound, rather than process a backlog at whatever rate
    /// its client allows (client-go has `ShutDownWithDrain` only, which waits for as long as it
    /// takes).
    ///
    /// ```
    /// use std::time::Duration;
    /// use k8s_workqueue::Queue;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let queue = Queue::new();
    /// for i in 0..100 {
    ///     queue.add(i);
    /// }
    /// let worker = {
    ///     let queue = queue.clone();
    ///     tokio::spawn(async move {
    ///         while let Some(item) = queue.get().await {
    ///             tokio::time::sleep(Duration::from_secs(1)).await; // a slow reconcile
    ///             queue.done(&item);
    ///         }
    ///     })
    /// };
    /// let report = queue.shut_down_with_drain_timeout(Duration::from_millis(2500)).await;
    /// assert_eq!((report.abandoned, report.in_flight), (97, 1));
    /// worker.await.unwrap(); // it finishes the item it holds, then `get` says `None`
    /// # }
    /// ```
    pub async fn shut_down_with_drain_timeout(&self, timeout: Duration) -> DrainReport {
        self.begin_drain();
        self.finish_drain_within(timeout).await
    }

    /// The second half of `shut_down_with_drain_timeout`.
    pub(crate) async fn finish_drain_within(&self, timeout: Duration) -> DrainReport {
        if tokio::time::timeout(timeout, self.wait_empty())
            .await
            .is_ok()
        {
            return DrainReport::default();
        }
        self.abandon()
    }

    /// Waits until nothing is waiting and nothing is being processed.
    async fn wait_empty(&self) {
        loop {
            let notified = self.shared.drained.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let state = self.shared.state.lock();
                if state.fifo.is_empty() && state.processing == 0 {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Drops every waiting item, and the re-queue of items added while processed.
    fn abandon(&self) -> DrainReport {
        let mut guard = self.shared.state.lock();
        let state = &mut *guard;
        let mut abandoned = 0;
        while let Some(item) = state.fifo.pop_front() {
            state.items.remove(&item);
            if let Some(metrics) = state.metrics.as_mut() {
                metrics.abandon(&item);
            }
            abandoned += 1;
        }
        for (item, flags) in state.items.iter_mut() {
            if flags.dirty {
                flags.dirty = false;
                if let Some(metrics) = state.metrics.as_mut() {
                    metrics.abandon(item);
                }
                abandoned += 1;
            }
        }
        state.drain = false;
        let report = DrainReport {
            abandoned,
            in_flight: state.processing,
        };
        drop(guard);
        self.shared.item_ready.wake_all();
        report
    }

    /// The first half of `shut_down_with_drain`: stops the queue and arms the drain.
    pub(crate) fn begin_drain(&self) {
        {
            let mut state = self.shared.state.lock();
            state.shutting_down = true;
            state.drain = true;
        }
        self.shared.item_ready.wake_all();
    }

    /// The second half of `shut_down_with_drain`: waits until processing is empty or the drain
    /// is cut short.
    pub(crate) async fn wait_drained(&self) {
        loop {
            let notified = self.shared.drained.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let state = self.shared.state.lock();
                if state.processing == 0 || !state.drain {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Whether the queue is shutting down (client-go `ShuttingDown`).
    pub fn is_shutting_down(&self) -> bool {
        self.shared.state.lock().shutting_down
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> UnfinishedWork for Shared<T> {
    fn update_unfinished_work(&self) -> bool {
        let state = self.state.lock();
        if state.shutting_down {
            return false;
        }
        if let Some(metrics) = state.metrics.as_ref() {
            metrics.update_unfinished_work();
        }
        true
    }
}
