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
    options: Mutex<Option<InformerOptions<K>>>,
    stats: Mutex<Option<Arc<ReflectorCounters>>>,
    listeners: Mutex<Vec<Listener<K>>>,
    next_id: AtomicU64,
    synced_tx: watch::Sender<bool>,
    started: AtomicBool,
    tasks: Mutex<Vec<JoinHandle<()>>>,
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
        SharedIndexInformer {
            shared: Arc::new(Shared {
                indexer: Indexer::new(),
                api,
                options: Mutex::new(Some(options)),
                stats: Mutex::new(None),
                listeners: Mutex::new(Vec::new()),
                next_id: AtomicU64::new(1),
                synced_tx,
                started: AtomicBool::new(false),
                tasks: Mutex::new(Vec::new()),
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
    pub fn add_event_handler(&self, handler: impl EventHandler<K>) -> HandlerRegistration {
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let (listener, task) = Listener::spawn(id, Arc::new(handler));
        let registration = HandlerRegistration {
            id,
            synced: listener.synced.clone(),
        };
        // Under the dispatch lock: no event can slip between the snapshot and registration.
        let mut listeners = lock(&self.shared.listeners);
        if *self.shared.synced_tx.borrow() {
            for obj in self.shared.indexer.list() {
                listener.send(Notification::Add(obj, true));
            }
            listener.send(Notification::Synced);
        }
        listeners.push(listener);
        lock(&self.shared.tasks).push(task);
        registration
    }

    /// Unregisters a handler; its buffered notifications are still delivered.
    pub fn remove_event_handler(&self, registration: &HandlerRegistration) {
        lock(&self.shared.listeners).retain(|l| l.id != registration.id);
    }

    /// Starts the reflector (and the resync timer) on the current tokio runtime. Calling it
    /// again does nothing.
    pub fn start(&self) {
        if self.shared.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let Some(options) = lock(&self.shared.options).take() else {
            return;
        };
        let reflector = Reflector::new(self.shared.api.clone(), options.reflector);
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

    /// A receiver of the synced flag (the factory waits on all of its informers' at once).
    pub(crate) fn synced_receiver(&self) -> watch::Receiver<bool> {
        self.shared.synced_tx.subscribe()
    }

    /// Waits until the store holds the first complete list, at most `timeout`.
    pub async fn wait_for_sync(&self, timeout: Duration) -> Result<(), Error> {
        let mut rx = self.shared.synced_tx.subscribe();
        tokio::time::timeout(timeout, rx.wait_for(|synced| *synced))
            .await
            .map_err(|_| Error::SyncTimeout {
                what: format!("{:?}", self.shared.api),
                after: timeout,
            })?
            .map(|_| ())
            .map_err(|_| Error::Stopped)
    }

    /// A snapshot of the reflector's counters (`None` before [`start`](Self::start)).
    pub fn stats(&self) -> Option<ReflectorStats> {
        lock(&self.shared.stats).as_ref().map(|c| c.snapshot())
    }

    /// Stops the reflector, the resync timer and the handlers' tasks.
    pub fn shutdown(&self) {
        lock(&self.shared.listeners).clear();
        for task in lock(&self.shared.tasks).drain(..) {
            task.abort();
        }
    }
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
