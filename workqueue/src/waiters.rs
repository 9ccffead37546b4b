//! How getters wait for an item, shared by [`Queue`](crate::Queue) and
//! [`PriorityQueue`](crate::PriorityQueue).
//!
//! A queue keeps its state behind one mutex. A getter that finds nothing first *spins* briefly
//! (at most one getter at a time), watching a hint of how many items are ready; a busy producer's
//! next item is then picked up without a sleep and a wake-up, which cost more than the spin. If
//! nothing comes, the getter *registers* and sleeps on a [`Notify`].
//!
//! The rules that keep every item handed out (no lost wakeup):
//! 1. a getter enables its `Notified` before its final check, and registers during that check,
//!    under the state lock; it ends its spin in the same critical section;
//! 2. whoever makes an item ready asks [`claim_wake`](Waiters::claim_wake) under the state lock
//!    (a registered getter not yet notified, and no spinner) and, if so, notifies one after
//!    unlocking; with a spinner, the spinner's final check (rule 1, later in lock order) sees the
//!    item;
//! 3. a getter that takes an item and leaves others ready passes the baton: it wakes a sleeper if
//!    `claim_wake` says so, so one spinner never sits on a backlog alone.
//!
//! Notifications already sent but not yet received are counted (`pending`), so that a getter
//! busy with a backlog does not notify sleepers that are already woken and about to run.

use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

use tokio::sync::Notify;

/// How many times the spinning getter polls the ready hint before it sleeps: around a
/// microsecond, less than a sleep and a wake-up cost.
const SPINS: u32 = 64;

pub(crate) struct Waiters {
    notify: Notify,
    /// Registered (sleeping or about to sleep) getters.
    count: AtomicIsize,
    /// Notifications sent by `wake_one` and not yet received by a registered getter.
    pending: AtomicIsize,
    /// Whether a getter is spinning.
    spinning: AtomicBool,
    /// How many items are ready, as last set under the state lock.
    ready_hint: AtomicIsize,
}

/// Where a getter is in [`Waiters::get`].
#[derive(Clone, Copy)]
pub(crate) enum Phase {
    /// The first look: take an item if there is one, nothing else.
    Fast,
    /// The last look before sleeping: register if nothing is there. `spun` if this getter was
    /// the spinner.
    Final { spun: bool },
}

/// What a look under the state lock found.
pub(crate) enum Take<'w, R> {
    /// An item (already marked as being processed).
    Got(R),
    /// The queue is shut down: no item will come.
    Closed,
    /// Nothing ready; in the final phase, the getter's registration.
    Empty(Option<Registration<'w>>),
}

impl Waiters {
    pub(crate) fn new() -> Self {
        Self {
            notify: Notify::new(),
            count: AtomicIsize::new(0),
            pending: AtomicIsize::new(0),
            spinning: AtomicBool::new(false),
            ready_hint: AtomicIsize::new(0),
        }
    }

    /// Call at the start of a getter's critical section.
    pub(crate) fn enter(&self, phase: Phase) {
        if let Phase::Final { spun: true } = phase {
            self.spinning.store(false, Ordering::Relaxed);
        }
    }

    /// Call under the state lock when nothing is ready and the queue is open.
    pub(crate) fn empty(&self, phase: Phase) -> Option<Registration<'_>> {
        match phase {
            Phase::Fast => None,
            Phase::Final { .. } => {
                self.count.fetch_add(1, Ordering::Relaxed);
                Some(Registration {
                    waiters: self,
                    woken: false,
                })
            }
        }
    }

    /// Call under the state lock after a getter took an item, with the number still ready.
    /// Returns whether to [`wake_one`](Self::wake_one) after unlocking (the baton).
    pub(crate) fn taken(&self, ready: usize) -> bool {
        self.set_ready(ready);
        ready > 0 && self.claim_wake()
    }

    /// Records how many items are ready; call under the state lock after a change.
    pub(crate) fn set_ready(&self, ready: usize) {
        self.ready_hint.store(
            isize::try_from(ready).unwrap_or(isize::MAX),
            Ordering::Relaxed,
        );
    }

    /// Whether a new ready item needs a sleeper woken: a registered getter is not yet notified
    /// and none spins. If so, the wake is counted as sent: call [`wake_one`](Self::wake_one)
    /// after unlocking. Call under the state lock.
    pub(crate) fn claim_wake(&self) -> bool {
        let wake = self.count.load(Ordering::Relaxed) > self.pending.load(Ordering::Relaxed)
            && !self.spinning.load(Ordering::Relaxed);
        if wake {
            self.pending.fetch_add(1, Ordering::Relaxed);
        }
        wake
    }

    /// Wakes one registered getter (or lets the next one to wait pass straight through); only
    /// after [`claim_wake`](Self::claim_wake) said so.
    pub(crate) fn wake_one(&self) {
        self.notify.notify_one();
    }

    /// Wakes every registered getter (shutdown, or many items at once).
    pub(crate) fn wake_all(&self) {
        self.notify.notify_waiters();
    }

    /// Waits for an item: `try_take` looks under the state lock, calling [`enter`](Self::enter),
    /// then [`taken`](Self::taken) or [`empty`](Self::empty) as the rules above say.
    pub(crate) async fn get<'w, R>(
        &'w self,
        mut try_take: impl FnMut(Phase) -> Take<'w, R>,
        before_sleep: impl Fn(),
    ) -> Option<R> {
        let mut may_spin = true;
        loop {
            match try_take(Phase::Fast) {
                Take::Got(item) => return Some(item),
                Take::Closed => return None,
                Take::Empty(_) => {}
            }
            let spun = may_spin
                && self
                    .spinning
                    .compare_exchange(false, true, Ordering::Relaxed, Ordering::Relaxed)
                    .is_ok();
            may_spin = false;
            if spun {
                self.spin_for_item();
            }
            before_sleep();
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match try_take(Phase::Final { spun }) {
                Take::Got(item) => return Some(item),
                Take::Closed => return None,
                Take::Empty(mut registration) => {
                    notified.await;
                    if let Some(registration) = registration.as_mut() {
                        registration.woken = true;
                    }
                }
            }
        }
    }

    /// Spins until an item seems ready or the spin budget is spent.
    fn spin_for_item(&self) {
        for _ in 0..SPINS {
            if self.ready_hint.load(Ordering::Relaxed) > 0 {
                return;
            }
            std::hint::spin_loop();
        }
    }
}

/// A registered getter; dropping it (woken, or its future dropped) unregisters, and a woken
/// one also marks its notification as received.
pub(crate) struct Registration<'a> {
    waiters: &'a Waiters,
    woken: bool,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.waiters.count.fetch_sub(1, Ordering::Relaxed);
        if self.woken {
            self.waiters.pending.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
