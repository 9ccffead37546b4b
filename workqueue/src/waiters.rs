//! Getters waiting for an item: a [`Notify`] plus a count of registered waiters, so that adds
//! skip the notification entirely while every worker is busy.
//!
//! The protocol, for a queue whose state sits behind one mutex:
//! 1. a getter finds nothing, creates and enables a `Notified`, then checks again under the
//!    state lock; finding nothing, it [`register`](Waiters::register)s *under that lock*;
//! 2. whoever makes an item available checks [`has_waiters`](Waiters::has_waiters) *under the
//!    same lock* and, if so, notifies after unlocking.
//!
//! A registration that happened before an add in lock order is seen by that add, and its
//! `Notified` was enabled before it registered, so the notification reaches it: no wakeup is lost.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Notify;

pub(crate) struct Waiters {
    pub(crate) notify: Notify,
    count: AtomicUsize,
    /// How many items are ready, as last set under the state lock; read without the lock by
    /// getters spinning briefly before they sleep.
    ready_hint: AtomicUsize,
}

/// How many times a getter that found nothing polls the hint before it goes to sleep: about a
/// microsecond, less than a sleep and wake-up costs, so a busy producer's next item is picked up
/// without either side paying for one.
const SPINS: u32 = 64;

impl Waiters {
    pub(crate) fn new() -> Self {
        Self {
            notify: Notify::new(),
            count: AtomicUsize::new(0),
            ready_hint: AtomicUsize::new(0),
        }
    }

    /// Records how many items are ready; call under the state lock after a change.
    pub(crate) fn set_ready(&self, ready: usize) {
        self.ready_hint.store(ready, Ordering::Relaxed);
    }

    /// Spins briefly; returns whether an item seems ready (check again under the lock).
    pub(crate) fn spin_for_item(&self) -> bool {
        for _ in 0..SPINS {
            if self.ready_hint.load(Ordering::Relaxed) > 0 {
                return true;
            }
            std::hint::spin_loop();
        }
        false
    }

    /// Whether a getter is registered; call under the state lock.
    pub(crate) fn has_waiters(&self) -> bool {
        self.count.load(Ordering::Relaxed) > 0
    }

    /// Registers a getter; call under the state lock. The registration ends when the guard drops.
    pub(crate) fn register(&self) -> Registration<'_> {
        self.count.fetch_add(1, Ordering::Relaxed);
        Registration(&self.count)
    }
}

/// A registered getter; dropping it (woken, or its future dropped) unregisters.
pub(crate) struct Registration<'a>(&'a AtomicUsize);

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}
