//! The background task that moves delayed items into their queue when their time comes.
//!
//! One small tokio task per queue, started on the first delayed add. It sleeps until the earliest
//! ready time (or until poked because an earlier one arrived), asks the queue to move what is due,
//! and repeats. It holds only a weak reference to the queue, so it ends when the queue is dropped
//! (the [`Timer`]'s `Drop` pokes it awake to notice) or reports that it has shut down.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};

use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::time::Instant;

/// What the driver should do after a [`Deadlines::fire`].
pub(crate) enum Fire {
    /// Sleep until this instant (or a poke).
    At(Instant),
    /// Nothing is waiting: sleep until poked.
    Idle,
    /// The queue is shut down: end the task.
    Stop,
}

/// A queue with delayed items.
pub(crate) trait Deadlines: Send + Sync + 'static {
    /// Moves every item whose ready time is not after `now`, and tells when to look again.
    fn fire(&self, now: Instant) -> Fire;
}

/// The handle a queue keeps to its driver task.
pub(crate) struct Timer {
    wake: Arc<Notify>,
    started: AtomicBool,
    /// The runtime the queue was created on, if any; used when the first delayed add comes
    /// from outside a runtime.
    handle: Option<Handle>,
}

impl Timer {
    pub(crate) fn new() -> Self {
        Self {
            wake: Arc::new(Notify::new()),
            started: AtomicBool::new(false),
            handle: Handle::try_current().ok(),
        }
    }

    /// Wakes the driver to look at the deadlines again; a poke while it is busy is kept until
    /// it next waits, so none is lost.
    pub(crate) fn poke(&self) {
        self.wake.notify_one();
    }

    /// Starts the driver for `target` unless it runs already. Returns `false` when no tokio
    /// runtime can be found to run it on.
    pub(crate) fn ensure_started<D: Deadlines>(&self, target: impl FnOnce() -> Weak<D>) -> bool {
        if self.started.load(Ordering::Acquire) {
            return true;
        }
        if self.started.swap(true, Ordering::AcqRel) {
            return true;
        }
        let handle = match Handle::try_current() {
            Ok(handle) => handle,
            Err(_) => match &self.handle {
                Some(handle) => handle.clone(),
                None => {
                    self.started.store(false, Ordering::Release);
                    return false;
                }
            },
        };
        handle.spawn(drive(target(), Arc::clone(&self.wake)));
        true
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // The queue is gone: wake the driver so it sees that and ends.
        self.wake.notify_one();
    }
}

async fn drive<D: Deadlines>(target: Weak<D>, wake: Arc<Notify>) {
    loop {
        let next = {
            let Some(target) = target.upgrade() else {
                return;
            };
            target.fire(Instant::now())
        };
        match next {
            Fire::At(at) => {
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    () = wake.notified() => {}
                }
            }
            Fire::Idle => wake.notified().await,
            Fire::Stop => return,
        }
    }
}
