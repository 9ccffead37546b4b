//! A rate-limiting queue whose items carry a priority (controller-runtime
//! `pkg/controller/priorityqueue`).
//!
//! The [`PriorityQueue`] hands out the waiting item with the highest priority first, and items of
//! one priority in the order they became ready. It keeps controller-runtime's rules:
//!
//! - an item is in the queue at most once: adding it again keeps the **higher** priority and the
//!   **earlier** ready time of the two (an item that is ready stays ready). Raising an item's
//!   priority puts it at the back of its new priority's line;
//! - [`AddOpts`] says how to add: after a delay, rate limited (the limiter's delay, or the given
//!   delay if that is shorter), and with which priority (default 0). [`LOW`] is the priority
//!   controller-runtime gives to events that change nothing, such as the initial list and
//!   resyncs, so that real changes are reconciled first;
//! - an item handed out by [`get`](PriorityQueue::get) is not handed out again until
//!   [`done`](PriorityQueue::done); if it is added meanwhile it keeps its place in the line and
//!   becomes available at `done`;
//! - a delayed item becomes ready when its time comes, and then joins the back of its priority's
//!   line;
//! - after [`shut_down`](PriorityQueue::shut_down), `get` returns `None` at once, even if items
//!   are left (controller-runtime's behaviour; a client-go [`Queue`](crate::Queue) hands out what
//!   is left instead).
//!
//! ```
//! use k8s_workqueue::priority::{AddOpts, LOW, PriorityQueue};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let queue = PriorityQueue::new();
//! // The initial list arrives at low priority…
//! queue.add_with_opts(AddOpts::new().priority(LOW), ["a", "b", "c"]);
//! // …then a real change to "c".
//! queue.add("c");
//! assert_eq!(queue.get_with_priority().await, Some(("c", 0)));
//! assert_eq!(queue.get_with_priority().await, Some(("a", LOW)));
//! assert_eq!(queue.get().await, Some("b"));
//! # }
//! ```

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::Map;
use crate::metrics::{
    CounterMetric, QueueMetrics, UnfinishedWork, retry_metric, spawn_unfinished_work_loop,
};
use crate::queue::{DrainReport, QueueConfig};
use crate::rate_limiter::{ItemExponentialFailureRateLimiter, RateLimiter};
use crate::timer::{Deadlines, Fire, Timer};
use crate::waiters::{Phase, Take, Waiters};

/// The priority controller-runtime gives to events that change nothing, such as the initial
/// list and resyncs (`handler.LowPriority`).
pub const LOW: i32 = -100;

/// How [`PriorityQueue::add_with_opts`] adds items (controller-runtime `priorityqueue.AddOpts`).
///
/// ```
/// use std::time::Duration;
/// use k8s_workqueue::priority::{AddOpts, LOW};
///
/// let opts = AddOpts::new().priority(LOW).after(Duration::from_secs(1));
/// assert_eq!(opts, AddOpts { after: Duration::from_secs(1), rate_limited: false, priority: Some(LOW) });
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddOpts {
    /// Wait this long before the item is ready; zero means ready now.
    pub after: Duration,
    /// Wait as long as the rate limiter says (counting a failure), or `after` if that is shorter
    /// and not zero.
    pub rate_limited: bool,
    /// The item's priority; `None` means 0. Higher is handed out first.
    pub priority: Option<i32>,
}

impl AddOpts {
    /// Ready now, not rate limited, priority 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the delay.
    #[must_use]
    pub fn after(mut self, after: Duration) -> Self {
        self.after = after;
        self
    }

    /// Sets whether the rate limiter chooses the delay.
    #[must_use]
    pub fn rate_limited(mut self, rate_limited: bool) -> Self {
        self.rate_limited = rate_limited;
        self
    }

    /// Sets the priority.
    #[must_use]
    pub fn priority(mut self, priority: i32) -> Self {
        self.priority = Some(priority);
        self
    }
}

/// The position of an item in the ready line: higher priority first, then lower sequence number.
type ReadyKey = (Reverse<i32>, u64);
/// The position of a delayed item: earlier ready time first, then as in the ready line.
type WaitingKey = (Instant, Reverse<i32>, u64);

/// An item in the queue (not counting items being processed).
#[derive(Clone, Copy)]
struct Entry {
    priority: i32,
    seq: u64,
    /// `Some` while the item is delayed.
    ready_at: Option<Instant>,
    /// Ready, but being processed: it joins the ready line (at its `seq`) when done.
    parked: bool,
}

impl Entry {
    fn ready_key(&self) -> ReadyKey {
        (Reverse(self.priority), self.seq)
    }
}

struct State<T> {
    items: Map<T, Entry>,
    ready: BTreeMap<ReadyKey, T>,
    waiting: BTreeMap<WaitingKey, T>,
    /// Items being processed.
    processing: Map<T, ()>,
    parked: usize,
    next_seq: u64,
    shutting_down: bool,
    drain: bool,
    metrics: Option<QueueMetrics<T>>,
}

impl<T: Eq + Hash + Clone> State<T> {
    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Puts a ready entry in the ready line, or parks it if the item is being processed.
    /// Returns whether the ready line got an item.
    fn make_ready(&mut self, item: T, entry: &mut Entry) -> bool {
        entry.ready_at = None;
        if let Some(metrics) = self.metrics.as_mut() {
            metrics.add(&item);
        }
        if !self.processing.is_empty() && self.processing.contains_key(&item) {
            entry.parked = true;
            self.parked += 1;
            false
        } else {
            entry.parked = false;
            self.ready.insert(entry.ready_key(), item);
            true
        }
    }

    /// Moves delayed items whose time has come; returns how many joined the ready line.
    fn promote(&mut self, now: Instant) -> usize {
        let mut added = 0;
        while let Some(entry) = self.waiting.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let item = entry.remove();
            let seq = self.take_seq();
            let Some(mut current) = self.items.get(&item).copied() else {
                continue;
            };
            current.seq = seq;
            added += usize::from(self.make_ready(item.clone(), &mut current));
            self.items.insert(item, current);
        }
        added
    }
}

struct Shared<T> {
    state: Mutex<State<T>>,
    item_ready: Waiters,
    drained: Notify,
    limiter: Arc<dyn RateLimiter<T>>,
    retries: Option<Box<dyn CounterMetric>>,
    timer: Timer,
    has_metrics: bool,
    metrics_loop_started: AtomicBool,
}

impl<T: Eq + Hash + Clone + Send + 'static> Deadlines for Shared<T> {
    fn fire(&self, now: Instant) -> Fire {
        let mut state = self.state.lock();
        if state.shutting_down {
            return Fire::Stop;
        }
        let added = state.promote(now);
        self.item_ready.set_ready(state.ready.len());
        let wake = added > 0 && self.item_ready.claim_wake();
        let next = match state.waiting.first_key_value() {
            Some((key, _)) => Fire::At(key.0),
            None => Fire::Idle,
        };
        drop(state);
        if wake {
            // One is enough: it passes the baton while more are ready.
            self.item_ready.wake_one();
        }
        next
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

/// A rate-limiting queue with priorities; see the [module docs](self).
///
/// A handle: clones share one queue.
///
/// ```
/// use std::time::Duration;
/// use k8s_workqueue::priority::{AddOpts, PriorityQueue};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let queue = PriorityQueue::new();
/// queue.add_with_opts(AddOpts::new().after(Duration::from_secs(1)).priority(10), ["urgent-later"]);
/// queue.add_with_opts(AddOpts::new().priority(1), ["soon"]);
/// queue.add("normal");
///
/// let (item, priority) = queue.get_with_priority().await.unwrap();
/// assert_eq!((item, priority), ("soon", 1));
/// queue.done(&item);
/// assert_eq!(queue.get().await, Some("normal"));
/// // The delayed one becomes ready after a second.
/// assert_eq!(queue.get_with_priority().await, Some(("urgent-later", 10)));
/// # }
/// ```
pub struct PriorityQueue<T> {
    shared: Arc<Shared<T>>,
}

impl<T> Clone for PriorityQueue<T> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<T> fmt::Debug for PriorityQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state.lock();
        f.debug_struct("PriorityQueue")
            .field("ready", &(state.ready.len() + state.parked))
            .field("waiting", &state.waiting.len())
            .field("processing", &state.processing.len())
            .field("shutting_down", &state.shutting_down)
            .finish()
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> Default for PriorityQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> PriorityQueue<T> {
    /// An unnamed queue without metrics, retrying with controller-runtime's default limiter
    /// (per-item exponential backoff from 5 ms to 1000 s).
    pub fn new() -> Self {
        Self::with_config(
            ItemExponentialFailureRateLimiter::new(
                Duration::from_millis(5),
                Duration::from_secs(1000),
            ),
            QueueConfig::default(),
        )
    }
}

impl<T: Eq + Hash + Clone + Send + 'static> PriorityQueue<T> {
    /// A queue with a rate limiter, a name and a metrics provider (controller-runtime
    /// `priorityqueue.New` with its options).
    pub fn with_config(limiter: impl RateLimiter<T> + 'static, config: QueueConfig) -> Self {
        let metrics = QueueMetrics::new(&config.name, config.metrics_provider.as_ref());
        let queue = Self {
            shared: Arc::new(Shared {
                has_metrics: metrics.is_some(),
                state: Mutex::new(State {
                    items: Map::default(),
                    ready: BTreeMap::new(),
                    waiting: BTreeMap::new(),
                    processing: Map::default(),
                    parked: 0,
                    next_seq: 0,
                    shutting_down: false,
                    drain: false,
                    metrics,
                }),
                item_ready: Waiters::new(),
                drained: Notify::new(),
                limiter: Arc::new(limiter),
                retries: retry_metric(&config.name, config.metrics_provider.as_ref()),
                timer: Timer::new(),
                metrics_loop_started: AtomicBool::new(false),
            }),
        };
        queue.start_metrics_loop();
        queue
    }

    fn start_metrics_loop(&self) {
        let shared = &self.shared;
        if shared.has_metrics
            && !shared.metrics_loop_started.load(Ordering::Relaxed)
            && !shared.metrics_loop_started.swap(true, Ordering::AcqRel)
            && !spawn_unfinished_work_loop(Arc::downgrade(shared))
        {
            shared.metrics_loop_started.store(false, Ordering::Release);
        }
    }

    /// Adds `items` as `opts` says (controller-runtime `AddWithOpts`); see the
    /// [module docs](self) for how a repeated add is merged. Ignored once shutting down.
    pub fn add_with_opts(&self, opts: AddOpts, items: impl IntoIterator<Item = T>) {
        let shared = &*self.shared;
        let mut state = shared.state.lock();
        if state.shutting_down {
            return;
        }
        // Read the clock only for a delayed add.
        let mut now = None;
        let new_priority = opts.priority.unwrap_or(0);
        let mut ready_added = 0;
        let mut timer_needed = false;
        for item in items {
            let mut after = opts.after;
            if opts.rate_limited {
                let limited = shared.limiter.when(&item);
                if after.is_zero() || limited < after {
                    after = limited;
                }
            }
            let ready_at = if after.is_zero() {
                None
            } else {
                if let Some(retries) = &shared.retries {
                    retries.inc();
                }
                let now = *now.get_or_insert_with(Instant::now);
                Some(now.checked_add(after).unwrap_or_else(|| far_future(now)))
            };
            let state = &mut *state;
            let mut entry = match state.items.get(&item).copied() {
                None => {
                    let seq = state.take_seq();
                    let mut entry = Entry {
                        priority: new_priority,
                        seq,
                        ready_at,
                        parked: false,
                    };
                    if ready_at.is_none() {
                        ready_added += usize::from(state.make_ready(item.clone(), &mut entry));
                    }
                    entry
                }
                Some(mut entry) => {
                    let raised = new_priority > entry.priority;
                    let earlier = match (entry.ready_at, ready_at) {
                        (None, _) => false,
                        (Some(_), None) => true,
                        (Some(old), Some(new)) => new < old,
                    };
                    if !raised && !earlier {
                        // The common de-duplication: nothing changes.
                        continue;
                    }
                    // Take the item out of its place, merge, and put it back below.
                    match entry.ready_at {
                        Some(at) => {
                            state
                                .waiting
                                .remove(&(at, Reverse(entry.priority), entry.seq));
                        }
                        None if entry.parked => {}
                        None => {
                            state.ready.remove(&entry.ready_key());
                        }
                    }
                    if raised {
                        entry.priority = new_priority;
                        entry.seq = state.take_seq();
                    }
                    match (entry.ready_at, ready_at) {
                        (None, _) => {
                            if !entry.parked {
                                state.ready.insert(entry.ready_key(), item.clone());
                                ready_added += 1;
                            }
                        }
                        (Some(_), None) => {
                            ready_added += usize::from(state.make_ready(item.clone(), &mut entry));
                        }
                        (Some(old), Some(new)) => entry.ready_at = Some(old.min(new)),
                    }
                    entry
                }
            };
            if let Some(at) = entry.ready_at {
                let earliest = state.waiting.first_key_value().map(|(key, _)| key.0);
                if earliest.is_none_or(|earliest| at < earliest) {
                    timer_needed = true;
                }
                entry.parked = false;
                state
                    .waiting
                    .insert((at, Reverse(entry.priority), entry.seq), item.clone());
            }
            state.items.insert(item, entry);
        }
        shared.item_ready.set_ready(state.ready.len());
        let wake = ready_added > 0 && shared.item_ready.claim_wake();
        drop(state);
        if wake {
            shared.item_ready.wake_one();
        }
        if timer_needed {
            if shared.timer.ensure_started(|| Arc::downgrade(&self.shared)) {
                shared.timer.poke();
            } else {
                tracing::warn!(
                    "delayed add outside a tokio runtime: the item becomes ready on the next get"
                );
            }
        }
    }

    /// Adds `item` with priority 0, ready now (controller-runtime `Add`).
    pub fn add(&self, item: T) {
        self.add_with_opts(AddOpts::default(), [item]);
    }

    /// Adds `item` with priority 0 after `delay` (controller-runtime `AddAfter`).
    pub fn add_after(&self, item: T, delay: Duration) {
        self.add_with_opts(AddOpts::new().after(delay), [item]);
    }

    /// Adds `item` with priority 0 after the rate limiter's delay (controller-runtime
    /// `AddRateLimited`).
    pub fn add_rate_limited(&self, item: T) {
        self.add_with_opts(AddOpts::new().rate_limited(true), [item]);
    }

    /// Resets the rate limiter's failure count for `item`.
    pub fn forget(&self, item: &T) {
        self.shared.limiter.forget(item);
    }

    /// How many failures the rate limiter counts for `item`.
    pub fn num_requeues(&self, item: &T) -> usize {
        self.shared.limiter.num_requeues(item)
    }

    /// One look for an item under the lock (see `Waiters::get`).
    fn try_get(&self, phase: Phase) -> Take<'_, (T, i32)> {
        let waiters = &self.shared.item_ready;
        let mut guard = self.shared.state.lock();
        let state = &mut *guard;
        waiters.enter(phase);
        if state.shutting_down {
            return Take::Closed;
        }
        if let Some((key, _)) = state.waiting.first_key_value() {
            let now = Instant::now();
            if key.0 <= now {
                state.promote(now);
            }
        }
        let Some(((Reverse(priority), _), item)) = state.ready.pop_first() else {
            waiters.set_ready(0);
            return Take::Empty(waiters.empty(phase));
        };
        let stored = match state.items.remove_entry(&item) {
            Some((stored, _)) => stored,
            None => item.clone(),
        };
        if let Some(metrics) = state.metrics.as_mut() {
            metrics.get(&item);
        }
        state.processing.insert(stored, ());
        let baton = waiters.taken(state.ready.len());
        drop(guard);
        if baton {
            waiters.wake_one();
        }
        Take::Got((item, priority))
    }

    /// Waits for the ready item with the highest priority, marks it as being processed and
    /// returns it with its priority (controller-runtime `GetWithPriority`). Returns `None` once
    /// the queue is shut down.
    pub async fn get_with_priority(&self) -> Option<(T, i32)> {
        self.shared
            .item_ready
            .get(|phase| self.try_get(phase), || self.start_metrics_loop())
            .await
    }

    /// Like [`get_with_priority`](Self::get_with_priority), without the priority.
    pub async fn get(&self) -> Option<T> {
        self.get_with_priority().await.map(|(item, _)| item)
    }

    /// Marks the processing of `item` as finished; if it was added meanwhile it becomes
    /// available now, in the place it was given when added.
    pub fn done(&self, item: &T) {
        let mut guard = self.shared.state.lock();
        let state = &mut *guard;
        if state.processing.remove(item).is_none() {
            return;
        }
        if let Some(metrics) = state.metrics.as_mut() {
            metrics.done(item);
        }
        let mut ready_added = false;
        if let Some(entry) = state.items.get_mut(item)
            && entry.parked
        {
            entry.parked = false;
            let key = entry.ready_key();
            state.parked -= 1;
            state.ready.insert(key, item.clone());
            self.shared.item_ready.set_ready(state.ready.len());
            ready_added = true;
        }
        let drained = state.processing.is_empty() && state.shutting_down;
        let wake = ready_added && self.shared.item_ready.claim_wake();
        drop(guard);
        if wake {
            self.shared.item_ready.wake_one();
        }
        if drained {
            self.shared.drained.notify_waiters();
        }
    }

    /// The number of ready items, including those waiting for their earlier processing to be
    /// done; delayed items are not counted (controller-runtime `Len`).
    pub fn len(&self) -> usize {
        let state = self.shared.state.lock();
        state.ready.len() + state.parked
    }

    /// Whether no item is ready.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops the queue: adds are ignored and `get` returns `None` from now on.
    pub fn shut_down(&self) {
        {
            let mut state = self.shared.state.lock();
            state.shutting_down = true;
            state.drain = false;
        }
        self.shared.item_ready.wake_all();
        self.shared.drained.notify_waiters();
        self.shared.timer.poke();
    }

    /// Stops the queue like [`shut_down`](Self::shut_down), then waits until no item is being
    /// processed. (controller-runtime's queue does not wait; this one does, like client-go's.)
    pub async fn shut_down_with_drain(&self) {
        {
            let mut state = self.shared.state.lock();
            state.shutting_down = true;
            state.drain = true;
        }
        self.shared.item_ready.wake_all();
        self.shared.timer.poke();
        loop {
            let notified = self.shared.drained.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let state = self.shared.state.lock();
                if state.processing.is_empty() || !state.drain {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Stops the queue like [`shut_down`](Self::shut_down) — `get` hands out nothing more, so
    /// every item not yet handed out is abandoned at once — then waits until no item is being
    /// processed, at most `timeout`; see
    /// [`Queue::shut_down_with_drain_timeout`](crate::Queue::shut_down_with_drain_timeout).
    pub async fn shut_down_with_drain_timeout(&self, timeout: Duration) -> DrainReport {
        let abandoned = {
            let mut state = self.shared.state.lock();
            state.shutting_down = true;
            state.drain = true;
            state.items.len()
        };
        self.shared.item_ready.wake_all();
        self.shared.timer.poke();
        let idle = async {
            loop {
                let notified = self.shared.drained.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.shared.state.lock().processing.is_empty() {
                    return;
                }
                notified.await;
            }
        };
        let in_flight = match tokio::time::timeout(timeout, idle).await {
            Ok(()) => 0,
            Err(_) => self.shared.state.lock().processing.len(),
        };
        DrainReport {
            abandoned,
            in_flight,
        }
    }

    /// Whether the queue is shutting down.
    pub fn is_shutting_down(&self) -> bool {
        self.shared.state.lock().shutting_down
    }
}

/// A ready time for delays too long to represent.
fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(100 * 365 * 24 * 3600)
}
