//! Running a [`Controller`]: the queue, the workers, the shutdown and the election.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt};
use k8s_client::leaderelection::{CancellationToken, LeaderElector, RunOutcome};
use k8s_informers::{DeletedObject, EventHandlerFuncs, Store, object_key};
use k8s_workqueue::{QueueConfig, RateLimiter, RateLimitingQueue, default_controller_rate_limiter};
use tokio::time::Instant;
use tracing::{Instrument, debug, error, info, warn};

use crate::action::{Action, Next};
use crate::controller::{Controller, DeletedHook};
use crate::metrics::{ControllerMetrics, ReconcileResult};
use crate::reason::{Reason, Reasons};
use crate::{ApiObject, Error};

/// Puts keys in the controller's queue, noting why.
#[derive(Clone)]
pub(crate) struct Enqueuer {
    queue: RateLimitingQueue<String>,
    reasons: Arc<Reasons>,
}

impl Enqueuer {
    pub fn add(&self, key: String, reason: Reason) {
        self.reasons.record(&key, reason, Instant::now());
        self.queue.add(key);
    }

    fn add_after(&self, key: String, reason: Reason, after: Duration) {
        self.reasons.record(&key, reason, Instant::now() + after);
        self.queue.add_after(key, after);
    }

    /// A retry with the rate limiter's delay; `when` is asked here so the reason is due when
    /// the key is.
    fn add_rate_limited(&self, key: String, limiter: &dyn RateLimiter<String>) {
        let delay = limiter.when(&key);
        self.add_after(key, Reason::Backoff, delay);
    }
}

/// The objects deleted whose keys are waiting for the deletion hook.
struct Tombstones<K>(Mutex<HashMap<String, Arc<K>>>);

impl<K> Tombstones<K> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<K>>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

type ReconcileFn<K, Ctx, E> =
    Box<dyn Fn(Arc<K>, Arc<Ctx>) -> BoxFuture<'static, Result<Action, E>> + Send + Sync>;
type ErrorPolicyFn<K, Ctx, E> = Box<dyn Fn(Arc<K>, &E, Arc<Ctx>) -> Action + Send + Sync>;

/// Everything a worker needs.
struct Runner<K, Ctx, E> {
    name: String,
    queue: RateLimitingQueue<String>,
    limiter: Arc<dyn RateLimiter<String>>,
    enq: Enqueuer,
    store: Store<K>,
    reconcile: ReconcileFn<K, Ctx, E>,
    error_policy: ErrorPolicyFn<K, Ctx, E>,
    ctx: Arc<Ctx>,
    on_deleted: Option<DeletedHook<K>>,
    tombstones: Arc<Tombstones<K>>,
    metrics: Arc<dyn ControllerMetrics>,
    active: AtomicUsize,
    concurrency: usize,
    drain_timeout: Duration,
}

impl<K, Ctx, E> Runner<K, Ctx, E>
where
    K: ApiObject,
    Ctx: Send + Sync + 'static,
    E: fmt::Display + Send + 'static,
{
    /// Runs the workers until `stop` completes; then drains within the deadline, or — when
    /// `lost()` says leadership was lost — stops at once.
    async fn work(self: Arc<Self>, stop: impl Future<Output = ()>, lost: impl Fn() -> bool) {
        info!(controller = %self.name, workers = self.concurrency, "starting workers");
        self.metrics
            .max_concurrent_reconciles(&self.name, self.concurrency);
        let handles: Vec<_> = (0..self.concurrency)
            .map(|_| tokio::spawn(self.clone().worker()))
            .collect();
        stop.await;
        if lost() {
            warn!(controller = %self.name, "leadership lost: stopping the workers at once");
            self.queue.shut_down();
            for h in &handles {
                h.abort();
            }
        } else {
            info!(
                controller = %self.name,
                queued = self.queue.len(),
                timeout = ?self.drain_timeout,
                "shutting down: draining the work queue"
            );
            let report = self
                .queue
                .shut_down_with_drain_timeout(self.drain_timeout)
                .await;
            if !report.is_complete() {
                warn!(
                    controller = %self.name,
                    abandoned = report.abandoned,
                    cancelled = report.in_flight,
                    "drain timeout: abandoning the keys left and cancelling the reconciles in progress"
                );
                for h in &handles {
                    h.abort();
                }
            }
        }
        for h in handles {
            if let Err(e) = h.await
                && !e.is_cancelled()
            {
                error!(controller = %self.name, "a worker ended abnormally: {e}");
            }
        }
        self.metrics.active_workers(&self.name, 0);
    }

    async fn worker(self: Arc<Self>) {
        while let Some(key) = self.queue.get().await {
            let trigger = self.enq.reasons.take(&key);
            let span = tracing::info_span!(
                "reconcile",
                controller = %self.name,
                object = %key,
                trigger = %trigger,
            );
            let active = self.active.fetch_add(1, Ordering::Relaxed) + 1;
            self.metrics.active_workers(&self.name, active);
            self.process(&key).instrument(span).await;
            let active = self.active.fetch_sub(1, Ordering::Relaxed) - 1;
            self.metrics.active_workers(&self.name, active);
            self.queue.done(&key);
        }
    }

    async fn process(&self, key: &str) {
        let start = Instant::now();
        let Some(obj) = self.store.get_by_key(key) else {
            return self.deleted(key, start).await;
        };
        // Re-created (or never gone): an older deletion notice is superseded.
        self.tombstones.lock().remove(key);
        let run = (self.reconcile)(obj.clone(), self.ctx.clone());
        let outcome = AssertUnwindSafe(run).catch_unwind().await;
        self.metrics.reconcile_time(&self.name, start.elapsed());
        match outcome {
            Ok(Ok(action)) => {
                let result = match action.0 {
                    Next::AwaitChange => ReconcileResult::Success,
                    Next::RequeueAfter(_) => ReconcileResult::RequeueAfter,
                    Next::Backoff => ReconcileResult::Requeue,
                };
                self.metrics.reconcile_total(&self.name, result);
                debug!(?action, "reconciled");
                self.apply(key, action, true);
            }
            Ok(Err(e)) => {
                self.metrics
                    .reconcile_total(&self.name, ReconcileResult::Error);
                self.metrics.reconcile_error(&self.name);
                let requeues = self.queue.num_requeues(&key.to_owned());
                warn!(error = %e, requeues, "reconcile failed");
                let action = (self.error_policy)(obj, &e, self.ctx.clone());
                self.apply(key, action, false);
            }
            Err(_) => self.panicked(key),
        }
    }

    fn panicked(&self, key: &str) {
        self.metrics
            .reconcile_total(&self.name, ReconcileResult::Error);
        self.metrics.reconcile_error(&self.name);
        self.metrics.reconcile_panic(&self.name);
        error!("reconcile panicked; retrying with back-off");
        self.enq
            .add_rate_limited(key.to_owned(), self.limiter.as_ref());
    }

    /// The key's object is not in the cache: tell the deletion hook, if any, of its last state.
    async fn deleted(&self, key: &str, start: Instant) {
        let hook = self.on_deleted.as_ref();
        let last = hook.and_then(|_| self.tombstones.lock().remove(key));
        let (Some(hook), Some(last)) = (hook, last) else {
            debug!("not in the cache (deleted): nothing to reconcile");
            self.queue.forget(&key.to_owned());
            return;
        };
        let outcome = AssertUnwindSafe(hook(last.clone())).catch_unwind().await;
        self.metrics.reconcile_time(&self.name, start.elapsed());
        match outcome {
            Ok(Ok(())) => {
                self.metrics
                    .reconcile_total(&self.name, ReconcileResult::Success);
                debug!("deletion handled");
                self.queue.forget(&key.to_owned());
            }
            failed => {
                self.tombstones.lock().entry(key.to_owned()).or_insert(last);
                match failed {
                    Ok(Err(e)) => {
                        self.metrics
                            .reconcile_total(&self.name, ReconcileResult::Error);
                        self.metrics.reconcile_error(&self.name);
                        warn!(error = %e, "deletion hook failed");
                        self.enq
                            .add_rate_limited(key.to_owned(), self.limiter.as_ref());
                    }
                    _ => self.panicked(key),
                }
            }
        }
    }

    fn apply(&self, key: &str, action: Action, succeeded: bool) {
        let key = key.to_owned();
        match action.0 {
            Next::AwaitChange => self.queue.forget(&key),
            Next::RequeueAfter(after) => {
                if succeeded {
                    self.queue.forget(&key);
                }
                self.enq.add_after(key, Reason::Requeue, after);
            }
            Next::Backoff => self.enq.add_rate_limited(key, self.limiter.as_ref()),
        }
    }
}

impl<K: ApiObject> Controller<K> {
    /// Runs the controller until its [shutdown signal](Self::graceful_shutdown_on) (or, with
    /// [leader election](Self::leader_election), until the lease is lost): starts the
    /// factory's informers, waits for this controller's caches, then runs the workers, each
    /// calling `reconcile(object, ctx)` for the keys it takes and `error_policy(object, &error,
    /// ctx)` when a reconcile fails (pass [`default_error_policy`](crate::default_error_policy)
    /// for per-key exponential back-off). A panicking reconcile is caught, counted as an error
    /// and retried with back-off.
    ///
    /// The controller stops its own handlers and workers; it does not stop the factory's
    /// informers, which other controllers may share: call `factory.shutdown()` when all are
    /// done.
    pub async fn run<Ctx, E, R, RFut, P>(
        self,
        reconcile: R,
        error_policy: P,
        ctx: Arc<Ctx>,
    ) -> Result<(), Error>
    where
        Ctx: Send + Sync + 'static,
        E: fmt::Display + Send + 'static,
        R: Fn(Arc<K>, Arc<Ctx>) -> RFut + Send + Sync + 'static,
        RFut: Future<Output = Result<Action, E>> + Send + 'static,
        P: Fn(Arc<K>, &E, Arc<Ctx>) -> Action + Send + Sync + 'static,
    {
        let Controller {
            name,
            factory,
            primary,
            informers,
            registrars,
            triggers,
            concurrency,
            sync_timeout,
            drain_timeout,
            shutdown,
            leader,
            metrics,
            queue_metrics,
            rate_limiter,
            on_deleted,
        } = self;
        let mut config = QueueConfig::new().name(name.clone());
        if let Some(provider) = queue_metrics {
            config = config.metrics_provider(provider);
        }
        let limiter: Arc<dyn RateLimiter<String>> = match rate_limiter {
            Some(l) => Arc::from(l),
            None => Arc::new(default_controller_rate_limiter::<String>()),
        };
        let queue = RateLimitingQueue::with_config(limiter.clone(), config);
        let reasons = Arc::new(Reasons::default());
        let enq = Enqueuer {
            queue: queue.clone(),
            reasons: reasons.clone(),
        };
        let tombstones = Arc::new(Tombstones(Mutex::new(HashMap::new())));

        // The primary kind's handler: its own key; deletions noted for the hook.
        let mut unhook: Vec<Box<dyn FnOnce() + Send>> = Vec::new();
        {
            let (a, u, d) = (enq.clone(), enq.clone(), enq.clone());
            let notes = on_deleted.as_ref().map(|_| tombstones.clone());
            let event = |event: &'static str| Reason::Primary {
                kind: K::KIND,
                event,
            };
            let reg = primary.add_event_handler(
                EventHandlerFuncs::new()
                    .on_add(move |obj: &Arc<K>, _| a.add(object_key(obj.as_ref()), event("added")))
                    .on_update(move |old: &Arc<K>, new: &Arc<K>| {
                        let same = old.object_meta().resource_version
                            == new.object_meta().resource_version;
                        let what = if same { "resynced" } else { "modified" };
                        u.add(object_key(new.as_ref()), event(what));
                    })
                    .on_delete(move |gone: &DeletedObject<K>| {
                        let key = match gone {
                            DeletedObject::Object(o) => object_key(o.as_ref()),
                            DeletedObject::FinalStateUnknown { key, .. } => key.clone(),
                        };
                        if let Some(notes) = &notes {
                            notes.lock().insert(key.clone(), gone.object().clone());
                        }
                        d.add(key, event("deleted"));
                    }),
            );
            let primary = primary.clone();
            unhook.push(Box::new(move || primary.remove_event_handler(&reg)));
        }
        for register in registrars {
            unhook.push(register(&enq));
        }
        let trigger_tasks: Vec<_> = triggers
            .into_iter()
            .map(|mut keys| {
                let enq = enq.clone();
                tokio::spawn(async move {
                    while let Some(key) = keys.next().await {
                        enq.add(key, Reason::External);
                    }
                })
            })
            .collect();

        let runner = Arc::new(Runner {
            name: name.clone(),
            queue: queue.clone(),
            limiter,
            enq,
            store: primary.indexer(),
            reconcile: Box::new(move |obj, ctx| reconcile(obj, ctx).boxed()),
            error_policy: Box::new(error_policy),
            ctx,
            on_deleted,
            tombstones,
            metrics,
            active: AtomicUsize::new(0),
            concurrency,
            drain_timeout,
        });
        let mut shutdown = shutdown.unwrap_or_else(|| futures::future::pending().boxed());

        let outcome = async {
            factory.start();
            info!(controller = %name, "waiting for the informer caches");
            let synced = futures::future::try_join_all(
                informers.iter().map(|i| i.wait_for_sync(sync_timeout)),
            );
            tokio::select! {
                synced = synced => { synced.map_err(Error::CacheSync)?; }
                () = &mut shutdown => return Ok(()),
            }
            match leader {
                None => {
                    runner.work(shutdown, || false).await;
                    Ok(())
                }
                Some((client, config)) => {
                    let stop = CancellationToken::new();
                    let is_stopping = stop.clone();
                    let started = runner.clone();
                    let elector = LeaderElector::new(client, config)
                        .map_err(Error::LeaderElection)?
                        .on_started_leading(move |leading: CancellationToken| {
                            let runner = started.clone();
                            let is_stopping = is_stopping.clone();
                            async move {
                                info!(controller = %runner.name, "started leading");
                                runner
                                    .work(leading.cancelled_owned(), move || {
                                        !is_stopping.is_cancelled()
                                    })
                                    .await;
                            }
                        });
                    let election = elector.run(stop.clone());
                    tokio::pin!(election);
                    let result = tokio::select! {
                        result = &mut election => result,
                        () = &mut shutdown => {
                            stop.cancel();
                            election.await
                        }
                    };
                    match result {
                        RunOutcome::Cancelled => Ok(()),
                        RunOutcome::LeadershipLost => Err(Error::LeadershipLost),
                    }
                }
            }
        }
        .await;

        queue.shut_down();
        for task in trigger_tasks {
            task.abort();
        }
        for f in unhook {
            f();
        }
        reasons.clear();
        info!(controller = %name, "controller stopped");
        outcome
    }
}
