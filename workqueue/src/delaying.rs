//! A queue whose items can be added after a delay (client-go `TypedDelayingInterface`).
//!
//! [`DelayingQueue::add_after`] parks an item until its ready time and then [`add`]s it to the
//! underlying [`Queue`], where the usual de-duplication applies. Parked items are kept in a
//! min-heap ordered by ready time (ties in the order they were added); parking an item that is
//! already parked keeps the earlier of the two times, so a later retry never postpones an earlier
//! one. A zero delay adds at once.
//!
//! The ready times are on tokio's clock ([`tokio::time::Instant`]), so tests can pause time and
//! step through delays exactly. A small background task, started on the first delayed add, moves
//! items when they are due; it ends when the queue is shut down or dropped. A delayed add needs a
//! tokio runtime: the one it is called on, else the one the queue was created on. (With neither,
//! the item is added at once and a warning is logged.)
//!
//! Parked items are not counted by [`len`](DelayingQueue::len) and are discarded by shutdown.
//!
//! [`add`]: Queue::add
//!
//! ```
//! use std::time::Duration;
//! use k8s_workqueue::DelayingQueue;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let queue = DelayingQueue::new();
//! let start = tokio::time::Instant::now();
//! queue.add_after("late", Duration::from_secs(2));
//! queue.add_after("early", Duration::from_secs(1));
//! queue.add_after("late", Duration::from_secs(5)); // keeps the earlier 2 s
//! assert_eq!(queue.len(), 0); // nothing is ready yet
//!
//! assert_eq!(queue.get().await, Some("early"));
//! assert_eq!(start.elapsed(), Duration::from_secs(1));
//! assert_eq!(queue.get().await, Some("late"));
//! assert_eq!(start.elapsed(), Duration::from_secs(2));
//! # }
//! ```

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

use crate::Map;
use crate::metrics::{CounterMetric, retry_metric};
use crate::queue::{DrainReport, Queue, QueueConfig};
use crate::timer::{Deadlines, Fire, Timer};

/// A parked item; ordered so that `BinaryHeap` pops the earliest ready time first.
struct Parked<T> {
    ready_at: Instant,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Parked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
    }
}
impl<T> Eq for Parked<T> {}
impl<T> PartialOrd for Parked<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Parked<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        (other.ready_at, other.seq).cmp(&(self.ready_at, self.seq))
    }
}

/// The parked items. `by_item` holds the live `(ready_at, seq)` of each parked item; a heap entry
/// whose `seq` is not the live one was superseded by an earlier time and is skipped.
struct Waiting<T> {
    heap: BinaryHeap<Parked<T>>,
    by_item: Map<T, (Instant, u64)>,
    next_seq: u64,
}

impl<T: Eq + Hash> Waiting<T> {
    fn is_live(&self, entry: &Parked<T>) -> bool {
        self.by_item
            .get(&entry.item)
            .is_some_and(|&(_, seq)| seq == entry.seq)
    }

    /// Drops superseded entries from the top, so `heap.peek()` is the earliest live entry.
    fn drop_stale_top(&mut self) {
        while let Some(top) = self.heap.peek() {
            if self.is_live(top) {
                return;
            }
            self.heap.pop();
        }
    }

    fn clear(&mut self) {
        self.heap.clear();
        self.by_item.clear();
    }
}

struct Shared<T> {
    queue: Queue<T>,
    waiting: Mutex<Waiting<T>>,
    timer: Timer,
    retries: Option<Box<dyn CounterMetric>>,
}

impl<T: Eq + Hash + Clone + Send + 'static> Deadlines for Shared<T> {
    fn fire(&self, now: Instant) -> Fire {
        if self.queue.is_shutting_down() {
            self.waiting.lock().clear();
            return Fire::Stop;
        }
        let mut ready = Vec::new();
        let next = {
            let mut waiting = self.waiting.lock();
            loop {
                waiting.drop_stale_top();
                match waiting.heap.peek() {
                    Some(top) if top.ready_at <= now => {}
                    Some(top) => break Fire::At(top.ready_at),
                    None => break Fire::Idle,
                }
                if let Some(entry) = waiting.heap.pop() {
                    waiting.by_item.remove(&entry.item);
                    ready.push(entry.item);
                }
            }
        };
        for item in ready {
            self.queue.add(item);
        }
        next
    }
}

/// A [`Queue`] with delayed adds; see the [module docs](self).
///
/// A handle: clones share one queue.
///
/// ```
/// use std::time::Duration;
/// use k8s_workqueue::DelayingQueue;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let queue = DelayingQueue::new();
/// queue.add_after("default/retry-me", Duration::from_millis(250));
/// queue.add("default/now");
/// assert_eq!(queue.get().await, Some("default/now"));
/// assert_eq!(queue.get().await, Some("default/retry-me"));
/// # }
/// ```
pub struct DelayingQueue<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for DelayingQueue<T> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> fmt::Debug for DelayingQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parked = self.shared.waiting.lock().by_item.len();
        f.debug_struct("DelayingQueue")
            .field("queue", &self.shared.queue)
            .field("parked", &parked)
            .finish()
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> Default for DelayingQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> DelayingQueue<T> {
    /// An unnamed delaying queue without metrics (client-go `NewTypedDelayingQueue`).
    pub fn new() -> Self {
        Self::with_config(QueueConfig::default())
    }

    /// A delaying queue with a name and metrics provider (client-go
    /// `NewTypedDelayingQueueWithConfig`); it also counts retries.
    pub fn with_config(config: QueueConfig) -> Self {
        let retries = retry_metric(&config.name, config.metrics_provider.as_ref());
        Self {
            shared: Arc::new(Shared {
                queue: Queue::with_config(config),
                waiting: Mutex::new(Waiting {
                    heap: BinaryHeap::new(),
                    by_item: Map::default(),
                    next_seq: 0,
                }),
                timer: Timer::new(),
                retries,
            }),
        }
    }

    /// Adds `item` once `delay` has passed (client-go `AddAfter`); a zero delay adds now.
    ///
    /// If the item is already parked, the earlier of the two ready times is kept. Ignored once
    /// the queue is shutting down.
    pub fn add_after(&self, item: T, delay: Duration) {
        let shared = &self.shared;
        if shared.queue.is_shutting_down() {
            return;
        }
        if let Some(retries) = &shared.retries {
            retries.inc();
        }
        if delay.is_zero() {
            shared.queue.add(item);
            return;
        }
        if !shared.timer.ensure_started(|| Arc::downgrade(shared)) {
            tracing::warn!("add_after outside a tokio runtime: adding the item without its delay");
            shared.queue.add(item);
            return;
        }
        let now = Instant::now();
        let ready_at = now
            .checked_add(delay)
            .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600));
        let mut waiting = shared.waiting.lock();
        let waiting = &mut *waiting;
        waiting.drop_stale_top();
        let earliest = waiting.heap.peek().map(|top| top.ready_at);
        let seq = waiting.next_seq;
        match waiting.by_item.entry(item) {
            Entry::Occupied(mut entry) => {
                if entry.get().0 <= ready_at {
                    return;
                }
                entry.insert((ready_at, seq));
                let item = entry.key().clone();
                waiting.heap.push(Parked {
                    ready_at,
                    seq,
                    item,
                });
            }
            Entry::Vacant(entry) => {
                let item = entry.key().clone();
                entry.insert((ready_at, seq));
                waiting.heap.push(Parked {
                    ready_at,
                    seq,
                    item,
                });
            }
        }
        waiting.next_seq += 1;
        if earliest.is_none_or(|earliest| ready_at < earliest) {
            shared.timer.poke();
        }
    }

    /// Marks `item` as needing processing now; see [`Queue::add`].
    pub fn add(&self, item: T) {
        self.shared.queue.add(item);
    }

    /// Waits for the next ready item; see [`Queue::get`].
    pub async fn get(&self) -> Option<T> {
        self.shared.queue.get().await
    }

    /// Marks the processing of `item` as finished; see [`Queue::done`].
    pub fn done(&self, item: &T) {
        self.shared.queue.done(item);
    }

    /// The number of ready items waiting to be handed out; parked items are not counted.
    pub fn len(&self) -> usize {
        self.shared.queue.len()
    }

    /// Whether no ready item is waiting.
    pub fn is_empty(&self) -> bool {
        self.shared.queue.is_empty()
    }

    /// Stops the queue and discards parked items; see [`Queue::shut_down`].
    pub fn shut_down(&self) {
        self.shared.queue.shut_down();
        self.shared.waiting.lock().clear();
        self.shared.timer.poke();
    }

    /// Stops the queue, discards parked items and waits for processing to finish; see
    /// [`Queue::shut_down_with_drain`].
    pub async fn shut_down_with_drain(&self) {
        self.shared.queue.begin_drain();
        self.shared.waiting.lock().clear();
        self.shared.timer.poke();
        self.shared.queue.wait_drained().await;
    }

    /// Stops the queue, discards parked items (counted as abandoned) and gives the workers
    /// until `timeout` to finish the rest; see [`Queue::shut_down_with_drain_timeout`].
    pub async fn shut_down_with_drain_timeout(&self, timeout: Duration) -> DrainReport {
        self.shared.queue.begin_drain();
        let parked = {
            let mut waiting = self.shared.waiting.lock();
            let parked = waiting.by_item.len();
            waiting.clear();
            parked
        };
        self.shared.timer.poke();
        let mut report = self.shared.queue.finish_drain_within(timeout).await;
        report.abandoned += parked;
        report
    }

    /// Whether the queue is shutting down.
    pub fn is_shutting_down(&self) -> bool {
        self.shared.queue.is_shutting_down()
    }
}
