//! [`LeaderElector`]: the acquire / renew / release loop over a Lease.

use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use futures::future::BoxFuture;
use k8s_api::coordination::v1::Lease;
use k8s_apimachinery::wait::jitter;
use k8s_apimachinery::{CreateOptions, GetOptions, ObjectMeta, UpdateOptions};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::config::{JITTER_FACTOR, LeaderElectionConfig};
use super::record::{LeaderRecord, Observed, micro_now};
use crate::{Api, Error, HttpClient};

type StartedFn = dyn Fn(CancellationToken) -> BoxFuture<'static, ()> + Send + Sync;
type StoppedFn = dyn Fn() + Send + Sync;
type NewLeaderFn = dyn Fn(&str) + Send + Sync;

/// How [`LeaderElector::run`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// The cancellation token fired (before or while leading).
    Cancelled,
    /// We led, then could not renew the lease within the renew deadline.
    LeadershipLost,
}

/// A candidate in a leader election over a `coordination.k8s.io/v1` Lease (client-go
/// `LeaderElector` with a `LeaseLock`).
///
/// Cheap to clone: clones share the observed state, so one can [`run`](Self::run) while
/// another answers [`is_leader`](Self::is_leader).
///
/// ```no_run
/// use k8s_client::leaderelection::{CancellationToken, LeaderElectionConfig, LeaderElector};
/// use k8s_client::{Config, HttpClient};
///
/// # async fn demo() -> Result<(), k8s_client::Error> {
/// let client = HttpClient::new(Config::infer()?)?;
/// let config = LeaderElectionConfig::new("default", "my-controller").release_on_cancel(true);
/// let elector = LeaderElector::new(client, config)?
///     .on_started_leading(|leading: CancellationToken| async move {
///         // The controller's work; stop when `leading` fires.
///         leading.cancelled().await;
///     })
///     .on_stopped_leading(|| tracing::info!("no longer leading"))
///     .on_new_leader(|id| tracing::info!(leader = id, "new leader"));
///
/// let stop = CancellationToken::new();
/// // e.g. stop.cancel() on SIGTERM
/// let outcome = elector.run(stop).await;
/// tracing::info!(?outcome, "election over");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LeaderElector {
    config: Arc<LeaderElectionConfig>,
    api: Api<Lease>,
    state: Arc<Mutex<State>>,
    started: Option<Arc<StartedFn>>,
    stopped: Option<Arc<StoppedFn>>,
    new_leader: Option<Arc<NewLeaderFn>>,
}

impl std::fmt::Debug for LeaderElector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElector")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The observed record plus the last Lease object read or written (its resourceVersion guards
/// our next update).
#[derive(Default)]
struct State {
    observed: Observed,
    lease: Option<Lease>,
}

impl LeaderElector {
    /// A candidate using `client`; fails when `config` breaks client-go's rules
    /// ([`LeaderElectionConfig::validate`]).
    pub fn new(client: HttpClient, config: LeaderElectionConfig) -> Result<Self, Error> {
        config.validate()?;
        Ok(LeaderElector {
            api: Api::namespaced(client, &config.lease_namespace),
            config: Arc::new(config),
            state: Arc::new(Mutex::new(State::default())),
            started: None,
            stopped: None,
            new_leader: None,
        })
    }

    /// The leader's work. Spawned when we become leader, with a token that fires when
    /// leadership ends (lost, or the election cancelled); [`run`](Self::run) waits for it to
    /// finish before it releases the lease or returns, so it must stop when the token fires.
    pub fn on_started_leading<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(CancellationToken) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.started = Some(Arc::new(move |token| Box::pin(f(token))));
        self
    }

    /// Called when [`run`](Self::run) ends — as in client-go, whether or not we led.
    pub fn on_stopped_leading<F>(mut self, f: F) -> Self
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.stopped = Some(Arc::new(f));
        self
    }

    /// Called with the holder's identity whenever we observe a different holder than last
    /// time, including the first one we see and ourselves. Not called for an empty holder (a
    /// released lease). Runs on the election task: keep it short.
    pub fn on_new_leader<F>(mut self, f: F) -> Self
    where
        F: Fn(&str) + Send + Sync + 'static,
    {
        self.new_leader = Some(Arc::new(f));
        self
    }

    /// Our identity.
    pub fn identity(&self) -> &str {
        &self.config.identity
    }

    /// The configuration.
    pub fn config(&self) -> &LeaderElectionConfig {
        &self.config
    }

    /// The holder we last observed, if any (client-go `GetLeader`; informational).
    pub fn leader(&self) -> Option<String> {
        let holder = self.lock().observed.record.holder.clone();
        (!holder.is_empty()).then_some(holder)
    }

    /// Whether we were the holder when we last looked (client-go `IsLeader`).
    pub fn is_leader(&self) -> bool {
        self.lock().observed.is_held_by(&self.config.identity)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the state half-written (every critical
        // section only assigns whole values), so a poisoned lock is safe to use.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs the election until `cancel` fires or leadership is lost (client-go `Run`).
    ///
    /// Tries to acquire the lease every `retry_period` (with jitter); once leader, spawns the
    /// started-leading work and renews every `retry_period`, giving up when a renewal has not
    /// succeeded within `renew_deadline`. On the way out it cancels and awaits the leader's
    /// work, releases the lease when `release_on_cancel` is set, and calls the
    /// stopped-leading callback. Dropping the future (e.g. aborting its task) also stops the
    /// leader's work, without releasing the lease: the others take over once it expires.
    ///
    /// Like client-go, an elector whose run ended should not be run again to compete: create
    /// a new one (with a new identity) instead.
    pub async fn run(&self, cancel: CancellationToken) -> RunOutcome {
        let _stopped = OnDrop(self.stopped.clone());
        if !self.acquire(&cancel).await {
            return RunOutcome::Cancelled;
        }
        let leading = cancel.child_token();
        let _stop_work = leading.clone().drop_guard();
        let work = self
            .started
            .as_ref()
            .map(|started| tokio::spawn(started(leading.clone())));
        let outcome = self.renew(&cancel).await;
        leading.cancel();
        if let Some(work) = work
            && let Err(e) = work.await
        {
            tracing::error!(lease = %self.config.describe(), "the leader's work panicked: {e}");
        }
        if self.config.release_on_cancel {
            self.release().await;
        }
        outcome
    }

    /// Loops until we hold the lease (true) or `cancel` fires (false).
    async fn acquire(&self, cancel: &CancellationToken) -> bool {
        let desc = self.config.describe();
        tracing::info!(lease = %desc, identity = %self.config.identity, "attempting to acquire leader lease");
        loop {
            let acquired = tokio::select! {
                _ = cancel.cancelled() => return false,
                ok = self.try_acquire_or_renew() => ok,
            };
            self.report_transition();
            if acquired {
                tracing::info!(lease = %desc, identity = %self.config.identity, "successfully acquired lease");
                return true;
            }
            tracing::debug!(lease = %desc, "failed to acquire lease");
            let pause = jitter(self.config.retry_period, JITTER_FACTOR);
            tokio::select! {
                _ = cancel.cancelled() => return false,
                _ = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Renews every `retry_period` until a renewal fails for `renew_deadline` or `cancel`
    /// fires.
    async fn renew(&self, cancel: &CancellationToken) -> RunOutcome {
        let desc = self.config.describe();
        loop {
            let deadline = Instant::now() + self.config.renew_deadline;
            let attempts = async {
                loop {
                    if self.try_acquire_or_renew().await {
                        return;
                    }
                    tokio::time::sleep(self.config.retry_period).await;
                }
            };
            let renewed = tokio::select! {
                _ = cancel.cancelled() => return RunOutcome::Cancelled,
                r = tokio::time::timeout_at(deadline, attempts) => r.is_ok(),
            };
            self.report_transition();
            if !renewed {
                tracing::info!(lease = %desc, "failed to renew lease within the renew deadline, leadership lost");
                return RunOutcome::LeadershipLost;
            }
            tracing::trace!(lease = %desc, "successfully renewed lease");
            tokio::select! {
                _ = cancel.cancelled() => return RunOutcome::Cancelled,
                _ = tokio::time::sleep(self.config.retry_period) => {}
            }
        }
    }

    /// One attempt to take or keep the lease (client-go `tryAcquireOrRenew`).
    async fn try_acquire_or_renew(&self) -> bool {
        let id = &self.config.identity;
        let now = Instant::now();
        let wall = micro_now();
        let mut desired = LeaderRecord {
            holder: id.clone(),
            lease_duration_seconds: self.config.lease_duration_seconds(),
            acquire_time: Some(wall),
            renew_time: Some(wall),
            transitions: 0,
        };

        // 1. Fast path: we lead and our copy of the Lease is probably current; update it
        //    without reading first.
        let fast = {
            let s = self.lock();
            (s.observed.is_held_by(id) && s.observed.is_valid(now))
                .then(|| s.lease.clone().map(|l| (l, s.observed.record.clone())))
                .flatten()
        };
        if let Some((mut lease, observed)) = fast {
            desired.acquire_time = observed.acquire_time;
            desired.transitions = observed.transitions;
            lease.spec = desired.to_spec();
            match self.update(&lease).await {
                Ok(updated) => {
                    self.wrote(desired, updated);
                    return true;
                }
                Err(e) => tracing::warn!(lease = %self.config.describe(),
                    "failed to update lease optimistically, falling back to slow path: {e}"),
            }
        }

        // 2. Read the Lease, creating it when missing.
        let current = match self
            .api
            .get(&self.config.lease_name, &GetOptions::default())
            .await
        {
            Ok(lease) => lease,
            Err(e) if e.is_not_found() => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(self.config.lease_name.clone().into()),
                        namespace: Some(self.config.lease_namespace.clone().into()),
                        ..ObjectMeta::default()
                    },
                    spec: desired.to_spec(),
                    ..Lease::default()
                };
                return match self.api.create(&lease, &CreateOptions::default()).await {
                    Ok(created) => {
                        self.wrote(desired, created);
                        true
                    }
                    Err(e) if e.is_already_exists() => {
                        tracing::debug!(lease = %self.config.describe(), "another candidate created the lease first: {e}");
                        false
                    }
                    Err(e) => {
                        tracing::error!(lease = %self.config.describe(), "error initially creating leader election record: {e}");
                        false
                    }
                };
            }
            Err(e) => {
                tracing::error!(lease = %self.config.describe(), "error retrieving resource lock: {e}");
                return false;
            }
        };

        // 3. Note what we saw; back off while someone else holds an unexpired lease.
        let old = LeaderRecord::from_spec(&current.spec);
        {
            let mut s = self.lock();
            s.observed.saw(&old, Instant::now());
            s.lease = Some(current.clone());
            if !old.holder.is_empty() && s.observed.is_valid(now) && !s.observed.is_held_by(id) {
                tracing::debug!(lease = %self.config.describe(), holder = %old.holder,
                    "lock is held and has not yet expired");
                return false;
            }
            // 4. Keep the acquire time when renewing; count a transition when taking over.
            if s.observed.is_held_by(id) {
                desired.acquire_time = old.acquire_time;
                desired.transitions = old.transitions;
            } else {
                desired.transitions = old.transitions.saturating_add(1);
            }
        }

        // 5. Write, guarded by the resourceVersion we read: a concurrent writer makes this a
        //    conflict, and we try again next period.
        let mut lease = current;
        lease.spec = desired.to_spec();
        match self.update(&lease).await {
            Ok(updated) => {
                self.wrote(desired, updated);
                true
            }
            Err(e) if e.is_conflict() => {
                tracing::debug!(lease = %self.config.describe(), "lost a race to update the lease: {e}");
                false
            }
            Err(e) => {
                tracing::error!(lease = %self.config.describe(), "failed to update lock: {e}");
                false
            }
        }
    }

    /// Gives the lease up if we hold it: empty holder, one-second duration (client-go
    /// `release`).
    async fn release(&self) -> bool {
        let lease = {
            let s = self.lock();
            if !s.observed.is_held_by(&self.config.identity) {
                return true;
            }
            s.lease.clone().map(|l| (l, s.observed.record.transitions))
        };
        let Some((mut lease, transitions)) = lease else {
            return true;
        };
        let now = micro_now();
        let record = LeaderRecord {
            holder: String::new(),
            lease_duration_seconds: 1,
            acquire_time: Some(now),
            renew_time: Some(now),
            transitions,
        };
        lease.spec = record.to_spec();
        match self.update(&lease).await {
            Ok(updated) => {
                tracing::info!(lease = %self.config.describe(), "released the lease");
                self.wrote(record, updated);
                true
            }
            Err(e) => {
                tracing::error!(lease = %self.config.describe(), "failed to release lock: {e}");
                false
            }
        }
    }

    async fn update(&self, lease: &Lease) -> Result<Lease, Error> {
        self.api
            .update(&self.config.lease_name, lease, &UpdateOptions::default())
            .await
    }

    /// Records a successful write of `record` (the server answered with `lease`).
    fn wrote(&self, record: LeaderRecord, lease: Lease) {
        let mut s = self.lock();
        s.observed.set(record, Instant::now());
        s.lease = Some(lease);
    }

    /// Calls the new-leader callback when the observed holder changed.
    fn report_transition(&self) {
        let Some(holder) = self.lock().observed.transition() else {
            return;
        };
        if holder.is_empty() {
            return;
        }
        tracing::info!(lease = %self.config.describe(), leader = %holder, "new leader observed");
        if let Some(f) = &self.new_leader {
            f(&holder);
        }
    }
}

/// Calls the stopped-leading callback when dropped (so also when `run`'s future is dropped).
struct OnDrop(Option<Arc<StoppedFn>>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(f) = &self.0 {
            f();
        }
    }
}
