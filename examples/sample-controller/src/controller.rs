//! The controller: informers feed keys into a rate-limited queue; workers reconcile them.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use k8s_api::apps::v1::Deployment;
use k8s_apimachinery::Resource;
use k8s_client::HttpClient;
use k8s_informers::{EventHandlerFuncs, Lister, SharedInformerFactory, object_key};
use k8s_workqueue::{RateLimitingQueue, default_controller_rate_limiter};
use tracing::{debug, info, warn};

use crate::Error;
use crate::reconcile::Reconciler;
use crate::v1alpha1::Foo;

/// How the [`Controller`] is set up.
#[derive(Clone, Debug)]
pub struct ControllerOptions {
    /// Watch and reconcile one namespace only (`None`: all namespaces).
    pub namespace: Option<String>,
    /// Informer resync period (`None`: no resync). The Go sample controller uses 30 s.
    pub resync: Option<Duration>,
    /// How long to wait for the informers' first sync; when it runs out, `run` fails with the
    /// informers' last list/watch failure.
    pub sync_timeout: Duration,
    /// How long a shutdown lets the workers finish the keys queued and in hand; then the rest
    /// is abandoned (a later start reconciles everything again from its initial list) and
    /// workers still reconciling are cancelled. The informers' handlers get
    /// [`HANDLER_STOP_TIMEOUT`] more.
    pub drain_timeout: Duration,
    /// Identity of this controller instance in events (`reportingInstance`).
    pub instance: String,
}

impl Default for ControllerOptions {
    fn default() -> Self {
        ControllerOptions {
            namespace: None,
            resync: Some(Duration::from_secs(30)),
            sync_timeout: Duration::from_secs(60),
            drain_timeout: Duration::from_secs(10),
            instance: k8s_client::leaderelection::default_identity(),
        }
    }
}

/// Counters of what a controller did, for tests, benchmarks and the demo's progress line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ControllerStats {
    /// Reconciles run (successful or not).
    pub syncs: u64,
    /// Reconciles that failed and were re-queued with back-off.
    pub failures: u64,
    /// Write requests sent to the API server (create, update, status, patch, delete).
    pub writes: u64,
    /// Deployments created.
    pub created: u64,
}

/// Shared atomic counters behind [`ControllerStats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) syncs: AtomicU64,
    pub(crate) failures: AtomicU64,
    pub(crate) writes: AtomicU64,
    pub(crate) created: AtomicU64,
}

/// The sample controller (the Go sample controller's `Controller`).
///
/// [`Controller::new`] wires the informers to the queue; [`Controller::run`] starts them, waits
/// for their caches, runs the workers until `shutdown` completes, then drains the queue.
pub struct Controller {
    factory: SharedInformerFactory,
    queue: RateLimitingQueue<String>,
    reconciler: Arc<Reconciler>,
    counters: Arc<Counters>,
    sync_timeout: Duration,
    drain_timeout: Duration,
}

/// How long a shutdown waits for the informers' event handlers to return, after the drain.
pub const HANDLER_STOP_TIMEOUT: Duration = Duration::from_secs(2);

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Enqueues the Foo that controls `obj`, if a Foo does (the Go sample controller's
/// `handleObject`): Deployments are found through their controller owner reference.
fn enqueue_owner(obj: &Deployment, foos: &Lister<Foo>, queue: &RateLimitingQueue<String>) {
    let Some(owner) = obj.metadata.controller_ref() else {
        return;
    };
    if owner.kind != Foo::KIND {
        return;
    }
    let namespace = obj.metadata.namespace.as_deref().unwrap_or_default();
    match foos.namespaced(namespace).get(&owner.name) {
        Some(foo) if owner.refers_to(foo.as_ref()) => queue.add(object_key(foo.as_ref())),
        _ => debug!(
            deployment = %object_key(obj),
            foo = %owner.name,
            "ignoring orphaned Deployment"
        ),
    }
}

impl Controller {
    /// A controller talking through `client`, with its informers registered (not started).
    pub fn new(client: HttpClient, options: ControllerOptions) -> Self {
        Self::with_recorder(client, options, None)
    }

    /// Like [`Controller::new`], recording events through `recorder` (otherwise events go to the
    /// log only).
    pub fn with_recorder(
        client: HttpClient,
        options: ControllerOptions,
        recorder: Option<k8s_client::events::Recorder>,
    ) -> Self {
        let mut factory = SharedInformerFactory::new(client.clone(), options.resync);
        if let Some(ns) = &options.namespace {
            factory = factory.namespace(ns);
        }
        let queue = RateLimitingQueue::with_config(
            default_controller_rate_limiter(),
            k8s_workqueue::QueueConfig::new().name("foos"),
        );
        let foo_informer = factory.informer::<Foo>();
        let deployment_informer = factory.informer::<Deployment>();
        let foos = foo_informer.lister();
        let deployments = deployment_informer.lister();

        let (q_add, q_update) = (queue.clone(), queue.clone());
        foo_informer.add_event_handler(
            EventHandlerFuncs::new()
                .on_add(move |foo: &Arc<Foo>, _| q_add.add(object_key(foo.as_ref())))
                .on_update(move |_, foo: &Arc<Foo>| q_update.add(object_key(foo.as_ref()))),
        );
        let (q1, q2, q3) = (queue.clone(), queue.clone(), queue.clone());
        let (f1, f2, f3) = (foos.clone(), foos.clone(), foos.clone());
        deployment_informer.add_event_handler(
            EventHandlerFuncs::new()
                .on_add(move |d: &Arc<Deployment>, _| enqueue_owner(d, &f1, &q1))
                .on_update(move |old: &Arc<Deployment>, new: &Arc<Deployment>| {
                    // A resync of an unchanged Deployment: the Foo's own resync covers it.
                    if old.metadata.resource_version == new.metadata.resource_version {
                        return;
                    }
                    enqueue_owner(new, &f2, &q2)
                })
                .on_delete(move |d| enqueue_owner(d.object(), &f3, &q3)),
        );
        let counters = Arc::new(Counters::default());
        let reconciler = Arc::new(Reconciler {
            client,
            foos,
            deployments,
            recorder,
            counters: counters.clone(),
        });
        Controller {
            factory,
            queue,
            reconciler,
            counters,
            sync_timeout: options.sync_timeout,
            drain_timeout: options.drain_timeout,
        }
    }

    /// What the controller did so far.
    pub fn stats(&self) -> ControllerStats {
        let c = &self.counters;
        ControllerStats {
            syncs: c.syncs.load(Ordering::Relaxed),
            failures: c.failures.load(Ordering::Relaxed),
            writes: c.writes.load(Ordering::Relaxed),
            created: c.created.load(Ordering::Relaxed),
        }
    }

    /// Keys waiting in the work queue.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// The Foo lister (the informer's cache).
    pub fn foos(&self) -> Lister<Foo> {
        self.reconciler.foos.clone()
    }

    /// Starts the informers, waits for their caches, runs `workers` workers until `shutdown`
    /// completes, then stops taking new work and lets the workers finish what is queued and
    /// what they hold — for at most [`ControllerOptions::drain_timeout`]: then the rest of the
    /// queue is abandoned and reconciles still running are cancelled — and stops the informers
    /// (their handlers get [`HANDLER_STOP_TIMEOUT`]). So a shutdown takes at most the two
    /// bounds, whatever the backlog and however slowly the client may write.
    ///
    /// A controller runs once: its queue is shut down when this returns.
    pub async fn run(
        &self,
        workers: usize,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), Error> {
        let mut shutdown = std::pin::pin!(shutdown);
        info!("starting the Foo controller: waiting for the informer caches");
        self.factory.start();
        tokio::select! {
            synced = self.factory.wait_for_cache_sync(self.sync_timeout) => synced?,
            () = &mut shutdown => {
                self.queue.shut_down();
                self.factory.shutdown();
                return Ok(());
            }
        }
        info!(workers, "informers synced; starting workers");
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| tokio::spawn(worker(self.queue.clone(), self.reconciler.clone())))
            .collect();
        shutdown.await;
        info!(
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
                abandoned = report.abandoned,
                cancelled = report.in_flight,
                "drain timeout: abandoning the keys left and cancelling the reconciles in progress"
            );
        }
        for handle in handles {
            if report.in_flight > 0 {
                handle.abort();
            }
            match handle.await {
                Err(e) if !e.is_cancelled() => warn!("a worker ended abnormally: {e}"),
                _ => {}
            }
        }
        if !self.factory.shutdown_within(HANDLER_STOP_TIMEOUT).await {
            warn!("an event handler was still running after {HANDLER_STOP_TIMEOUT:?}");
        }
        info!("controller stopped");
        Ok(())
    }
}

/// One worker: takes keys until the queue is shut down and empty (the Go sample controller's
/// `runWorker` / `processNextWorkItem`).
async fn worker(queue: RateLimitingQueue<String>, reconciler: Arc<Reconciler>) {
    while let Some(key) = queue.get().await {
        match reconciler.sync(&key).await {
            Ok(()) => queue.forget(&key),
            Err(e) => {
                reconciler.counters.failures.fetch_add(1, Ordering::Relaxed);
                let requeues = queue.num_requeues(&key);
                if matches!(&e, Error::Client(c) if c.is_conflict()) {
                    // Someone changed the object since our cache saw it: routine, retry.
                    info!(%key, requeues, "object changed while syncing, retrying");
                } else {
                    warn!(%key, requeues, "sync failed, retrying: {e}");
                }
                queue.add_rate_limited(key.clone());
            }
        }
        queue.done(&key);
    }
}
