//! The [`Controller`] builder: what to watch, and how keys reach the workers.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, Stream, StreamExt};
use k8s_client::HttpClient;
use k8s_client::leaderelection::LeaderElectionConfig;
use k8s_informers::{
    DeletedObject, EventHandlerFuncs, SharedIndexInformer, SharedInformerFactory, object_key,
};
use k8s_workqueue::RateLimiter;
use k8s_workqueue::metrics::MetricsProvider;

use crate::ApiObject;
use crate::metrics::{ControllerMetrics, NoopControllerMetrics};
use crate::reason::Reason;
use crate::runner::Enqueuer;

/// Where one watch looks: a namespace and label/field selectors (controller-runtime's
/// per-object cache options, kube-rs's `watcher::Config`).
///
/// Watches of one kind with the same scope share one informer of the factory, so a process
/// holds one watch per kind and scope however many controllers use it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchConfig {
    /// Watch this namespace only (`None`: the factory's namespace, or all namespaces).
    pub namespace: Option<String>,
    /// Only objects matching this label selector (`app=web,tier!=cache`).
    pub label_selector: Option<String>,
    /// Only objects matching this field selector (`status.phase=Running`).
    pub field_selector: Option<String>,
}

impl WatchConfig {
    /// Sets the namespace.
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = Some(namespace.into());
        self
    }

    /// Sets the label selector.
    pub fn labels(mut self, selector: impl Into<String>) -> Self {
        self.label_selector = Some(selector.into());
        self
    }

    /// Sets the field selector.
    pub fn fields(mut self, selector: impl Into<String>) -> Self {
        self.field_selector = Some(selector.into());
        self
    }

    pub(crate) fn informer<K: ApiObject>(
        &self,
        factory: &SharedInformerFactory,
    ) -> SharedIndexInformer<K> {
        factory.scoped_informer::<K>(
            self.namespace.as_deref(),
            self.label_selector.as_deref(),
            self.field_selector.as_deref(),
        )
    }
}

/// Hooks a watch's handler to the queue at `run`; returns what unhooks it.
pub(crate) type Registrar = Box<dyn FnOnce(&Enqueuer) -> Box<dyn FnOnce() + Send> + Send>;
/// Finds the key of the owner of a `C`.
type OwnerKeyFn<C> = Arc<dyn Fn(&C) -> Option<String> + Send + Sync>;
/// The deletion hook, erased.
pub(crate) type DeletedHook<K> =
    Arc<dyn Fn(Arc<K>) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// A controller: the primary kind `K` it reconciles, the kinds whose changes lead to a `K`,
/// and how its workers run. Built with [`Controller::new`] and the methods below, then
/// started with [`run`](Controller::run).
///
/// controller-runtime's `builder.ControllerManagedBy(mgr).For(&Foo{}).Owns(&Deployment{})` is
/// `Controller::<Foo>::new(&factory, WatchConfig::default()).owns::<Deployment>(WatchConfig::default())`.
///
/// # Keys, objects and deletion
///
/// Every watch turns events into *keys* of `K` (`namespace/name`, or `name` for a
/// cluster-scoped kind, as [`object_key`] computes them) in a de-duplicating work queue;
/// a worker takes a key, reads the object from the informer's cache and calls `reconcile`
/// with it as an `Arc<K>` — the cache's own copy, never cloned. The queue never hands a key to
/// two workers at once, and events arriving during a reconcile bring the key back after it.
///
/// **How reconcile learns of a deletion.** `reconcile` sees only objects that exist (kube-rs's
/// choice): an object being deleted carries `metadata.deletionTimestamp` while a finalizer
/// holds it, and [`finalizer`](crate::finalizer()) turns that into a cleanup call. When the
/// object is gone from the cache by the time its key is taken, `reconcile` is not called;
/// register [`on_deleted`](Controller::on_deleted) to be told, with the object's final state
/// (from the `DELETED` event, or the last state seen when the watch missed the deletion —
/// client-go's `DeletedFinalStateUnknown` tombstone, resolved). Without a finalizer such
/// notices are best-effort: a controller that was down during the deletion never hears of it.
///
/// # Example
///
/// A controller of ConfigMaps on the in-process fake API server (`k8s-fake`), stopped after
/// its first reconcile:
///
/// ```
/// use std::convert::Infallible;
/// use std::sync::Arc;
/// use k8s_api::core::v1::ConfigMap;
/// use k8s_apimachinery::ObjectMeta;
/// use k8s_controller::{Action, Controller, WatchConfig, default_error_policy, object_key};
/// use k8s_informers::SharedInformerFactory;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let settings = ConfigMap { metadata: ObjectMeta::namespaced("default", "settings"), ..Default::default() };
/// let fake = k8s_fake::FakeApiServer::new().with_objects([settings])?;
/// let factory = SharedInformerFactory::new(fake.client(), None);
/// let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
///
/// let controller = Controller::<ConfigMap>::new(&factory, WatchConfig::default())
///     .graceful_shutdown_on(async { let _ = stopped.await; });
/// let reconcile = move |cm: Arc<ConfigMap>, _ctx: Arc<()>| {
///     let _ = seen_tx.send(object_key(cm.as_ref()));
///     async { Ok::<_, Infallible>(Action::await_change()) }
/// };
/// let run = tokio::spawn(controller.run(reconcile, default_error_policy, Arc::new(())));
///
/// assert_eq!(seen.recv().await.as_deref(), Some("default/settings"));
/// let _ = stop.send(());
/// run.await??;
/// factory.shutdown();
/// # Ok(()) }
/// ```
pub struct Controller<K: ApiObject> {
    pub(crate) name: String,
    pub(crate) factory: SharedInformerFactory,
    pub(crate) primary: SharedIndexInformer<K>,
    pub(crate) informers: Vec<Box<dyn InformerHandle>>,
    pub(crate) registrars: Vec<Registrar>,
    pub(crate) triggers: Vec<BoxStream<'static, String>>,
    pub(crate) concurrency: usize,
    pub(crate) sync_timeout: Option<Duration>,
    pub(crate) drain_timeout: Duration,
    pub(crate) shutdown: Option<BoxFuture<'static, ()>>,
    pub(crate) leader: Option<(HttpClient, LeaderElectionConfig)>,
    pub(crate) metrics: Arc<dyn ControllerMetrics>,
    pub(crate) queue_metrics: Option<Arc<dyn MetricsProvider>>,
    pub(crate) rate_limiter: Option<Box<dyn RateLimiter<String>>>,
    pub(crate) on_deleted: Option<DeletedHook<K>>,
}

impl<K: ApiObject> fmt::Debug for Controller<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Controller")
            .field("name", &self.name)
            .field("kind", &K::KIND)
            .field("watches", &(self.informers.len()))
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// What the controller needs of each informer it uses, whatever its type.
pub(crate) trait InformerHandle: Send + Sync {
    fn wait_for_sync(
        &self,
        timeout: Option<Duration>,
    ) -> BoxFuture<'_, Result<(), k8s_informers::Error>>;
}

impl<C: ApiObject> InformerHandle for SharedIndexInformer<C> {
    fn wait_for_sync(
        &self,
        timeout: Option<Duration>,
    ) -> BoxFuture<'_, Result<(), k8s_informers::Error>> {
        SharedIndexInformer::wait_for_sync(self, timeout).boxed()
    }
}

/// The kind and key of an object, for the reconcile span's trigger.
fn describe<C: ApiObject>(obj: &C) -> String {
    object_key(obj)
}

impl<K: ApiObject> Controller<K> {
    /// A controller of `K`, watched through `factory`'s shared informer for `config`'s scope
    /// (controller-runtime's `For(&K{})`). Its name (in logs, spans, metrics and the work
    /// queue's metrics) is the kind in lower case; see [`name`](Self::name).
    pub fn new(factory: &SharedInformerFactory, config: WatchConfig) -> Self {
        let primary = config.informer::<K>(factory);
        Controller {
            name: K::KIND.to_ascii_lowercase(),
            factory: factory.clone(),
            informers: vec![Box::new(primary.clone())],
            primary,
            registrars: Vec::new(),
            triggers: Vec::new(),
            concurrency: 1,
            sync_timeout: Some(Duration::from_secs(120)),
            drain_timeout: Duration::from_secs(10),
            shutdown: None,
            leader: None,
            metrics: Arc::new(NoopControllerMetrics),
            queue_metrics: None,
            rate_limiter: None,
            on_deleted: None,
        }
    }

    /// Names the controller (controller-runtime's `Named`): the `controller` label of its
    /// metrics, the `name` of its work queue's metrics, the `controller` field of its spans.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Reconciles the controller owner of each `C` (controller-runtime's `Owns`): an event of a
    /// `C` whose controller owner reference (`controller: true`) names a `K` queues that `K`'s
    /// key (in the `C`'s namespace). A reference whose UID does not match the `K` in the cache
    /// (an owner deleted and re-created under the same name) is ignored. Resyncs of unchanged
    /// `C`s are skipped: the primary's own resync covers them.
    pub fn owns<C: ApiObject>(mut self, config: WatchConfig) -> Self {
        let informer = config.informer::<C>(&self.factory);
        let primary = self.primary.indexer();
        self.informers.push(Box::new(informer.clone()));
        self.registrars.push(Box::new(move |enq: &Enqueuer| {
            let owner_key = Arc::new(move |obj: &C| -> Option<String> {
                let owner = obj.object_meta().controller_ref()?;
                let group = owner.api_version.rsplit_once('/').map_or("", |(g, _)| g);
                if owner.kind != K::KIND || group != K::GROUP {
                    return None;
                }
                let key = match obj.object_meta().namespace.as_deref() {
                    Some(ns) if K::NAMESPACED && !ns.is_empty() => format!("{ns}/{}", owner.name),
                    _ => owner.name.to_string(),
                };
                match primary.get_by_key(&key) {
                    Some(k) if k.object_meta().uid.as_deref() != Some(owner.uid.as_str()) => None,
                    _ => Some(key),
                }
            });
            let send = |enq: Enqueuer, owner_key: OwnerKeyFn<C>| {
                move |obj: &C, event: &'static str| {
                    if let Some(key) = owner_key(obj) {
                        let reason = Reason::Owned {
                            kind: C::KIND,
                            key: describe(obj),
                            event,
                        };
                        enq.add(key, reason);
                    }
                }
            };
            let (a, u, d) = (
                send(enq.clone(), owner_key.clone()),
                send(enq.clone(), owner_key.clone()),
                send(enq.clone(), owner_key),
            );
            let reg = informer.add_event_handler(
                EventHandlerFuncs::new()
                    .on_add(move |obj: &Arc<C>, _| a(obj, "added"))
                    .on_update(move |old: &Arc<C>, new: &Arc<C>| {
                        if old.object_meta().resource_version != new.object_meta().resource_version
                        {
                            u(new, "modified");
                        }
                    })
                    .on_delete(move |obj: &DeletedObject<C>| d(obj.object(), "deleted")),
            );
            Box::new(move || informer.remove_event_handler(&reg))
        }));
        self
    }

    /// Reconciles the `K`s that `mapper` names for each changed `W` (controller-runtime's
    /// `Watches` with `handler.EnqueueRequestsFromMapFunc`, kube-rs's `watches`). `mapper`
    /// returns keys of `K` (`namespace/name`, or `name`); it runs on the informer's handler
    /// thread, so keep it quick and non-blocking (read listers, not the API).
    pub fn watches<W, I>(
        mut self,
        config: WatchConfig,
        mapper: impl Fn(&W) -> I + Send + Sync + 'static,
    ) -> Self
    where
        W: ApiObject,
        I: IntoIterator<Item = String> + 'static,
    {
        let informer = config.informer::<W>(&self.factory);
        self.informers.push(Box::new(informer.clone()));
        let mapper = Arc::new(mapper);
        self.registrars.push(Box::new(move |enq: &Enqueuer| {
            let send = |enq: Enqueuer, mapper: Arc<dyn Fn(&W) -> I + Send + Sync>| {
                move |obj: &W, event: &'static str| {
                    for key in mapper(obj) {
                        let reason = Reason::Watched {
                            kind: W::KIND,
                            key: describe(obj),
                            event,
                        };
                        enq.add(key, reason);
                    }
                }
            };
            let (a, u, d) = (
                send(enq.clone(), mapper.clone()),
                send(enq.clone(), mapper.clone()),
                send(enq.clone(), mapper),
            );
            let reg = informer.add_event_handler(
                EventHandlerFuncs::new()
                    .on_add(move |obj: &Arc<W>, _| a(obj, "added"))
                    .on_update(move |_, new: &Arc<W>| u(new, "modified"))
                    .on_delete(move |obj: &DeletedObject<W>| d(obj.object(), "deleted")),
            );
            Box::new(move || informer.remove_event_handler(&reg))
        }));
        self
    }

    /// Reconciles each key `keys` yields (controller-runtime's channel source, kube-rs's
    /// `reconcile_on`): a timer, a webhook, another system's events.
    pub fn reconcile_on(mut self, keys: impl Stream<Item = String> + Send + 'static) -> Self {
        self.triggers.push(keys.boxed());
        self
    }

    /// Runs `workers` reconciles at once (controller-runtime's `MaxConcurrentReconciles`;
    /// default 1). Never two of the same key.
    pub fn concurrency(mut self, workers: usize) -> Self {
        self.concurrency = workers.max(1);
        self
    }

    /// The retry delays of failed keys (default:
    /// [`default_controller_rate_limiter`](k8s_workqueue::default_controller_rate_limiter)).
    pub fn rate_limiter(mut self, limiter: impl RateLimiter<String> + 'static) -> Self {
        self.rate_limiter = Some(Box::new(limiter));
        self
    }

    /// How long [`run`](Self::run) waits for the informers' first sync (default 2 minutes;
    /// `None`: without bound, as client-go). When it runs out, `run` fails with each informer
    /// still waiting and its last list/watch failure.
    pub fn sync_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.sync_timeout = timeout.into();
        self
    }

    /// Stops the controller when `signal` completes (kube-rs's `graceful_shutdown_on`): no
    /// new keys are taken, queued keys and reconciles in progress get the drain timeout to
    /// finish, then what is left is abandoned (the next start reconciles every object again)
    /// and reconciles still running are cancelled.
    pub fn graceful_shutdown_on(
        mut self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.shutdown = Some(signal.boxed());
        self
    }

    /// How long a shutdown lets the workers finish (default 10 s).
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.drain_timeout = timeout;
        self
    }

    /// Reconciles only while this process holds the Lease of `config`, elected with the
    /// `LeaderElector` of k8s-client over `client`. The caches sync before the election, so a
    /// new leader starts warm; losing the lease stops the workers at once and makes
    /// [`run`](Self::run) return [`Error::LeadershipLost`](crate::Error::LeadershipLost); a
    /// graceful shutdown drains, then releases the lease when `config.release_on_cancel` is
    /// set (so a successor takes over at once).
    pub fn leader_election(mut self, client: HttpClient, config: LeaderElectionConfig) -> Self {
        self.leader = Some((client, config));
        self
    }

    /// Where the reconcile metrics go; see [`metrics`](crate::metrics).
    pub fn metrics(mut self, metrics: Arc<dyn ControllerMetrics>) -> Self {
        self.metrics = metrics;
        self
    }

    /// Where the work queue's metrics go (`workqueue_*`, labelled with the controller's name).
    pub fn queue_metrics(mut self, provider: Arc<dyn MetricsProvider>) -> Self {
        self.queue_metrics = Some(provider);
        self
    }

    /// Tells `hook` of each `K` deleted while the controller runs, with its final state
    /// (tombstones resolved), when its key is taken and the object is still gone. A failing
    /// hook is retried with the controller's back-off; a re-created object goes to
    /// `reconcile` instead. See "Keys, objects and deletion" above.
    pub fn on_deleted<F, Fut, E>(mut self, hook: F) -> Self
    where
        F: Fn(Arc<K>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display,
    {
        let hook = Arc::new(hook);
        self.on_deleted = Some(Arc::new(move |obj: Arc<K>| {
            let fut = hook(obj);
            async move { fut.await.map_err(|e| e.to_string()) }.boxed()
        }));
        self
    }

    /// The primary kind's informer (its lister: `controller.store()`), e.g. for a mapper.
    pub fn store(&self) -> k8s_informers::Store<K> {
        self.primary.indexer()
    }
}
