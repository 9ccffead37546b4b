//! The shared index informer (client-go `cache.SharedIndexInformer`): one reflector feeding one
//! indexed store, and any number of event handlers, each with its own unbounded buffer.
//!
//! ```no_run
//! use std::time::Duration;
//! use k8s_apimachinery::DynamicObject;
//! use k8s_informers::{EventHandlerFuncs, InformerOptions, SharedIndexInformer};
//! # use k8s_client::Api;
//!
//! # async fn demo(api: Api<DynamicObject>) -> Result<(), k8s_informers::Error> {
//! let informer = SharedIndexInformer::new(api, InformerOptions::default());
//! let registration = informer.add_event_handler(
//!     EventHandlerFuncs::new()
//!         .on_add(|o: &std::sync::Arc<DynamicObject>, initial| println!("add {:?} (initial: {initial})", o.metadata.name))
//!         .on_delete(|d| println!("delete {:?}", d.object().metadata.name)),
//! );
//! informer.start();
//! informer.wait_for_sync(Duration::from_secs(30)).await?;
//! assert!(informer.has_synced());
//! // The handler gets the initial adds through its own buffer: `registration.has_synced()`
//! // turns true once it has had them all, possibly a little after the informer.
//! let _ = registration.has_synced();
//! let store = informer.indexer(); // read-only: only the reflector writes the cache
//! println!("{} objects", store.len());
//! # Ok(()) }
//! ```

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_apimachinery::HasMetadata;
use k8s_client::Api;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Error;
use crate::failure::{ListWatchError, ListWatchTarget, NotSynced};
use crate::handler::{DeletedObject, EventHandler, HandlerRegistration, Listener, Notification};
use crate::lister::Lister;
use crate::reflector::{
    Delta, DeltaSink, Reflector, ReflectorCounters, ReflectorOptions, ReflectorStats,
};
use crate::store::{Indexer, Store, object_key};

/// Informer settings.
pub struct InformerOptions<K> {
    /// The reflector's settings (selectors, streaming list, page size, transform, …).
    pub reflector: ReflectorOptions<K>,
    /// Resync period: every period each handler gets an update (old = new) per object.
    pub resync: Option<Duration>,
}

impl<K> Default for InformerOptions<K> {
    fn default() -> Self {
        InformerOptions {
            reflector: ReflectorOptions::default(),
            resync: None,
        }
    }
}

impl<K> Clone for InformerOptions<K> {
    fn clone(&self) -> Self {
        InformerOptions {
            reflector: self.reflector.clone(),
            resync: self.resync,
        }
    }
}

impl<K> std::fmt::Debug for InformerOptions<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InformerOptions")
            .field("reflector", &self.reflector)
            .field("resync", &self.resync)
            .finish()
    }
}

struct Shared<K> {
    indexer: Indexer<K>,
    api: Api<K>,
    target: Arc<ListWatchTarget>,
    last_error: Arc<Mutex<Option<ListWatchError>>>,
    stopped_tx: watch::Sender<bool>,
    options: Mutex<Option<InformerOptions<K>>>,
    stats: Mutex<Option<Arc<ReflectorCounters>>>,
    listeners: Mutex<Vec<Listener<K>>>,
    next_id: AtomicU64,
    synced_tx: watch::Sender<bool>,
    started: AtomicBool,
    /// The reflector's and the resync timer's tasks.
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// The handlers' blocking-pool threads.
    handler_tasks: Mutex<Vec<JoinHandle<()>>>,
    /// Set at shutdown: handler threads stop after the notification in hand.
    stop_handlers: Arc<AtomicBool>,
}

/// One reflector, one store, many handlers. Cheap to clone (clones share everything).
pub struct SharedIndexInformer<K> {
    shared: Arc<Shared<K>>,
}

impl<K> Clone for SharedIndexInformer<K> {
    fn clone(&self) -> Self {
        SharedIndexInformer {
            shared: self.shared.clone(),
        }
    }
}

impl<K> std::fmt::Debug for SharedIndexInformer<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedIndexInformer")
            .field("api", &self.shared.api)
            .field("objects", &self.shared.indexer.len())
            .field("synced", &*self.shared.synced_tx.borrow())
            .finish()
    }
}

impl<K> SharedIndexInformer<K>
where
    K: HasMetadata + DeserializeOwned + Serialize + Clone + Send + Sync + 'static,
{
    /// An informer over `api` (its namespace, or all namespaces). Nothing runs before
    /// [`start`](Self::start).
    pub fn new(api: Api<K>, options: InformerOptions<K>) -> Self {
        let (synced_tx, _) = watch::channel(false);
        let (stopped_tx, _) = watch::channel(false);
        SharedIndexInformer {
            shared: Arc::new(Shared {
                indexer: Indexer::new(),
                target: Arc::new(ListWatchTarget::new(&api, &options.reflector.list_options)),
                last_error: Arc::new(Mutex::new(None)),
                stopped_tx,
                api,
                options: Mutex::new(Some(options)),
                stats: Mutex::new(None),
                listeners: Mutex::new(Vec::new()),
                next_id: AtomicU64::new(1),
                synced_tx,
                started: AtomicBool::new(false),
                tasks: Mutex::new(Vec::new()),
                handler_tasks: Mutex::new(Vec::new()),
                stop_handlers: Arc::new(AtomicBool::new(false)),
            }),
        }
    }

    /// The informer's store, read-only (client-go `GetIndexer()`): only the reflector writes
    /// it.
    pub fn indexer(&self) -> Store<K> {
        self.shared.indexer.store()
    }

    /// A lister over the store.
    pub fn lister(&self) -> Lister<K> {
        Lister::new(self.shared.indexer.store())
    }

    /// Adds an index function (before or after start).
    pub fn add_indexer(
        &self,
        name: &str,
        f: impl Fn(&K) -> Vec<String> + Send + Sync + 'static,
    ) -> Result<(), Error> {
        self.shared.indexer.add_indexer(name, f)
    }

    /// Registers a handler. One registered after the informer synced first gets an add for
    /// every object in the store (with `is_in_initial_list = true`), then live events.
    ///
    /// The handler is called on the blocking pool (`spawn_blocking`), in order: it is plain
    /// synchronous code and cannot `.await`; queue a key or send on a channel to hand work to
    /// async code (see [`EventHandler`]).
    pub fn add_event_handler(&self, handler: impl EventHandler<K>) -> HandlerRegistration {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let (listener, task) =
            Listener::spawn(id, Arc::new(handler), self.shared.stop_handlers.clone());
        let registration = HandlerRegistration {
            id,
            synced: listener.synced.clone(),
        };
        if self.shared.stop_handlers.load(Ordering::Acquire) {
            // Shut down: the listener is dropped, so its thread ends at once.
            return registration;
        }
        // Under the dispatch lock: no event can slip between the snapshot and registration.
        let mut listeners = lock(&self.shared.listeners);
        if *self.shared.synced_tx.borrow() {
            for obj in self.shared.indexer.list() {
                listener.send(Notification::Add(obj, true));
            }
            listener.send(Notification::Synced);
        }
        listeners.push(listener);
        lock(&self.shared.handler_tasks).push(task);
        registration
    }

    /// Unregisters a handler; its buffered notifications are still delivered.
    pub fn remove_event_handler(&self, registration: &HandlerRegistration) {
        lock(&self.shared.listeners).retain(|l| l.id != registration.id);
    }

    /// What this informer lists and watches (resource, namespace, selectors), as its failures
    /// name it.
    pub fn target(&self) -> &ListWatchTarget {
        &self.shared.target
    }

    /// Replaces the handler of list/watch failures (client-go `SetWatchErrorHandler`); the
    /// default is [`default_watch_error_handler`](crate::default_watch_error_handler), which
    /// writes each distinct failure to stderr when no `tracing` subscriber records it. `|_|
    /// {}` silences failures (they are still logged through `tracing` and returned by the sync
    /// waits). The handler runs on the reflector's task, before each back-off: keep it short.
    ///
    /// Only before [`start`](Self::start) ([`Error::AlreadyStarted`] after).
    pub fn set_watch_error_handler(
        &self,
        handler: impl Fn(&ListWatchError) + Send + Sync + 'static,
    ) -> Result<(), Error> {
        match lock(&self.shared.options).as_mut() {
            Some(options) => {
                options.reflector.watch_error_handler = Some(Arc::new(handler));
                Ok(())
            }
            None => Err(Error::AlreadyStarted),
        }
    }

    /// The last list/watch failure of the reflector (`None`: none so far).
    pub fn last_list_watch_error(&self) -> Option<ListWatchError> {
        lock(&self.shared.last_error).clone()
    }

    /// Starts the reflector (and the resync timer) on the current tokio runtime. Calling it
    /// again, or after [`shutdown`](Self::shutdown), does nothing.
    pub fn start(&self) {
        if self.shared.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let Some(options) = lock(&self.shared.options).take() else {
            return;
        };
        let reflector = Reflector::new(
            self.shared.api.clone(),
            options.reflector,
            self.shared.target.clone(),
            self.shared.last_error.clone(),
        );
        *lock(&self.shared.stats) = Some(reflector.stats.clone());
        let sink: Arc<dyn DeltaSink<K>> = self.shared.clone();
        let mut tasks = vec![tokio::spawn(reflector.run(sink))];
        if let Some(period) = options.resync.filter(|p| !p.is_zero()) {
            let shared = Arc::downgrade(&self.shared);
            tasks.push(tokio::spawn(async move {
                let mut tick = tokio::time::interval(period);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let Some(shared) = shared.upgrade() else {
                        return;
                    };
                    shared.resync();
                }
            }));
        }
        lock(&self.shared.tasks).extend(tasks);
    }

    /// Whether the store holds the first complete list.
    pub fn has_synced(&self) -> bool {
        *self.shared.synced_tx.borrow()
    }

    /// Waits until the store holds the first complete list (client-go
    /// `cache.WaitForCacheSync` on this informer).
    ///
    /// `timeout` is a choice, because client-go has none: its wait ends only when the stop
    /// channel closes, however long the reflector keeps failing. Pass a bound (a
    /// `Duration`) to turn a failure that does not heal — missing RBAC, a resource the server
    /// does not serve, a wrong selector — into [`Error::SyncTimeout`] carrying the last
    /// list/watch failure with the resource, namespace and selectors; or `None` for client-go's
    /// behaviour (wait until synced or [`shutdown`](Self::shutdown)). Either way each failure
    /// is reported as it happens, through the watch-error handler
    /// ([`set_watch_error_handler`](Self::set_watch_error_handler)). A bound of a minute or
    /// two suits most controllers: the reflector retries with a back-off of up to 30 s, so
    /// a shorter bound may give up while a transient failure (an apiserver restarting) would
    /// have healed, and the process restarting is how a controller usually recovers.
    ///
    /// [`Error::Stopped`] when the informer is shut down before it syncs.
    pub async fn wait_for_sync(&self, timeout: impl Into<Option<Duration>>) -> Result<(), Error> {
        let timeout = timeout.into();
        let mut synced = self.shared.synced_tx.subscribe();
        let mut stopped = self.shared.stopped_tx.subscribe();
        let wait = async {
            tokio::select! {
                biased;
                r = synced.wait_for(|synced| *synced) => r.map(|_| ()).map_err(|_| Error::Stopped),
                _ = stopped.wait_for(|stopped| *stopped) => Err(Error::Stopped),
            }
        };
        match timeout {
            None => wait.await,
            Some(after) => match tokio::time::timeout(after, wait).await {
                Ok(result) => result,
                Err(_) => Err(Error::SyncTimeout {
                    after,
                    pending: vec![self.not_synced()],
                }),
            },
        }
    }

    /// Why the informer has not synced yet, for [`Error::SyncTimeout`].
    pub(crate) fn not_synced(&self) -> NotSynced {
        NotSynced {
            target: (*self.shared.target).clone(),
            started: self.shared.started.load(Ordering::Acquire),
            last_error: self.last_list_watch_error(),
        }
    }

    /// A receiver of the synced flag (the factory waits on all of its informers' at once).
    pub(crate) fn synced_receiver(&self) -> watch::Receiver<bool> {
        self.shared.synced_tx.subscribe()
    }

    /// A receiver of the stopped flag.
    pub(crate) fn stopped_receiver(&self) -> watch::Receiver<bool> {
        self.shared.stopped_tx.subscribe()
    }

    /// A snapshot of the reflector's counters (`None` before [`start`](Self::start)).
    pub fn stats(&self) -> Option<ReflectorStats> {
        lock(&self.shared.stats).as_ref().map(|c| c.snapshot())
    }

    /// Stops the informer (client-go: closing its stop channel): the reflector and the resync
    /// timer at once; each handler after the notification it is running, dropping what is
    /// still buffered for it; sync waits return [`Error::Stopped`]. Does not wait for the
    /// handlers: see [`shutdown_within`](Self::shutdown_within).
    pub fn shutdown(&self) {
        drop(self.stop());
    }

    /// [`shutdown`](Self::shutdown), then waits — at most `timeout` — until every handler has
    /// returned from the notification it was running. `true` when all had; `false` when one
    /// was still running at the deadline (a handler is a thread that cannot be cut short: it
    /// keeps running, but nothing waits for it any more).
    pub async fn shutdown_within(&self, timeout: Duration) -> bool {
        wait_all(self.stop(), timeout).await
    }

    /// Stops everything and hands back the handlers' threads, to wait for.
    pub(crate) fn stop(&self) -> Vec<JoinHandle<()>> {
        self.shared.started.store(true, Ordering::Release);
        self.shared.stop_handlers.store(true, Ordering::Release);
        lock(&self.shared.options).take();
        lock(&self.shared.listeners).clear();
        for task in lock(&self.shared.tasks).drain(..) {
            task.abort();
        }
        self.shared.stopped_tx.send_replace(true);
        lock(&self.shared.handler_tasks).drain(..).collect()
    }
}

/// Waits until every task in `tasks` has ended, at most `timeout`; whether they all had.
pub(crate) async fn wait_all(tasks: Vec<JoinHandle<()>>, timeout: Duration) -> bool {
    tokio::time::timeout(timeout, futures::future::join_all(tasks))
        .await
        .is_ok()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A handler never runs under these locks, so poisoning can only come from a panic in an
    // index function; the data is still usable.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<K: HasMetadata + Send + Sync + 'static> Shared<K> {
    fn broadcast(listeners: &mut Vec<Listener<K>>, n: Notification<K>) {
        listeners.retain(|l| l.send(n.clone()));
    }

    fn resync(&self) {
        let mut listeners = lock(&self.listeners);
        for obj in self.indexer.list() {
            Self::broadcast(&mut listeners, Notification::Update(obj.clone(), obj));
        }
    }
}

impl<K: HasMetadata + Send + Sync + 'static> DeltaSink<K> for Shared<K> {
    fn stored(&self, key: &str) -> Option<Arc<K>> {
        self.indexer.get_by_key(key)
    }

    fn apply(&self, delta: Delta<K>) {
        let mut listeners = lock(&self.listeners);
        match delta {
            Delta::Replace(items) => {
                let initial = !*self.synced_tx.borrow();
                let mut old = self.indexer.replace(items.clone());
                for new in items {
                    let n = match old.remove(&object_key(new.as_ref())) {
                        Some(prev) => Notification::Update(prev, new),
                        None => Notification::Add(new, initial),
                    };
                    Self::broadcast(&mut listeners, n);
                }
                for (key, obj) in old {
                    Self::broadcast(
                        &mut listeners,
                        Notification::Delete(DeletedObject::FinalStateUnknown { key, obj }),
                    );
                }
                if initial {
                    Self::broadcast(&mut listeners, Notification::Synced);
                    self.synced_tx.send_replace(true);
                }
            }
            Delta::Added(obj) | Delta::Modified(obj) => {
                let n = match self.indexer.add(obj.clone()) {
                    Some(prev) => Notification::Update(prev, obj),
                    None => Notification::Add(obj, false),
                };
                Self::broadcast(&mut listeners, n);
            }
            Delta::Deleted(obj) => {
                self.indexer.delete_key(&object_key(obj.as_ref()));
                Self::broadcast(
                    &mut listeners,
                    Notification::Delete(DeletedObject::Object(obj)),
                );
            }
        }
    }
}
