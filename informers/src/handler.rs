//! Event handlers (client-go `ResourceEventHandler`) and the per-handler buffer that keeps a
//! slow handler from blocking the others or the watch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;

/// What a delete notification carries.
#[derive(Debug)]
pub enum DeletedObject<K> {
    /// The watch said DELETED: this is the object's last state.
    Object(Arc<K>),
    /// The object vanished while the watch was down (found missing at a relist): the last
    /// state this informer saw, which may be stale (client-go `DeletedFinalStateUnknown`).
    FinalStateUnknown {
        /// `namespace/name`.
        key: String,
        /// The last known state.
        obj: Arc<K>,
    },
}

impl<K> Clone for DeletedObject<K> {
    fn clone(&self) -> Self {
        match self {
            DeletedObject::Object(o) => DeletedObject::Object(o.clone()),
            DeletedObject::FinalStateUnknown { key, obj } => DeletedObject::FinalStateUnknown {
                key: key.clone(),
                obj: obj.clone(),
            },
        }
    }
}

impl<K> DeletedObject<K> {
    /// The object, whichever way it was deleted.
    pub fn object(&self) -> &Arc<K> {
        match self {
            DeletedObject::Object(o) | DeletedObject::FinalStateUnknown { obj: o, .. } => o,
        }
    }
}

/// Receives an informer's notifications, in order (client-go `ResourceEventHandler`).
///
/// # Handlers are blocking code
///
/// Each registered handler is called on tokio's blocking pool (`spawn_blocking`), in order,
/// from its own unbounded buffer — the Rust spelling of client-go's goroutine per listener: a
/// task per handler waits for notifications and delivers each batch on a pool thread. So a
/// handler is a plain (synchronous) callback: it cannot `.await`, and it may block without
/// stalling the runtime's workers, the watch or the other handlers (its own notifications wait
/// in its buffer meanwhile). An idle handler holds no thread, so tests on paused time
/// (`tokio::time::pause`) auto-advance as usual.
///
/// To do async work for an event, hand it to async code instead of awaiting in the handler:
/// queue the object's key (a `k8s-workqueue` queue's `add` is a plain call), or send it down a
/// channel whose receiver is a task:
///
/// ```
/// use std::sync::Arc;
/// use k8s_api::core::v1::ConfigMap;
/// use k8s_informers::{EventHandlerFuncs, object_key};
///
/// # async fn demo(informer: k8s_informers::SharedIndexInformer<ConfigMap>) {
/// let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
/// informer.add_event_handler(EventHandlerFuncs::new().on_add(move |cm: &Arc<ConfigMap>, _| {
///     let _ = tx.send(object_key(cm.as_ref())); // no .await here: a plain send
/// }));
/// tokio::spawn(async move {
///     while let Some(key) = rx.recv().await {
///         // async work: API calls, timers…
///         println!("changed: {key}");
///     }
/// });
/// # }
/// ```
///
/// (Inside a handler, `tokio::runtime::Handle::block_on` would also run a future to the end —
/// the thread is a blocking-pool thread, not a runtime worker — but it holds up this handler's
/// later notifications for as long; a queue does not.)
pub trait EventHandler<K>: Send + Sync + 'static {
    /// A new object (`is_in_initial_list`: part of the first sync, or a synthetic add for a
    /// handler registered after start).
    fn on_add(&self, obj: &Arc<K>, is_in_initial_list: bool);
    /// A changed object (or a resync: `old` and `new` are then the same object).
    fn on_update(&self, old: &Arc<K>, new: &Arc<K>);
    /// A deleted object.
    fn on_delete(&self, obj: &DeletedObject<K>);
}

type AddFn<K> = Box<dyn Fn(&Arc<K>, bool) + Send + Sync>;
type UpdateFn<K> = Box<dyn Fn(&Arc<K>, &Arc<K>) + Send + Sync>;
type DeleteFn<K> = Box<dyn Fn(&DeletedObject<K>) + Send + Sync>;

/// A handler made of closures, any of which may be left out (client-go
/// `ResourceEventHandlerFuncs`).
///
/// ```
/// use k8s_apimachinery::DynamicObject;
/// use k8s_informers::EventHandlerFuncs;
///
/// let handler = EventHandlerFuncs::<DynamicObject>::new()
///     .on_add(|obj, _initial| println!("added {:?}", obj.metadata.name))
///     .on_delete(|d| println!("deleted {:?}", d.object().metadata.name));
/// # let _ = handler;
/// ```
pub struct EventHandlerFuncs<K> {
    add: Option<AddFn<K>>,
    update: Option<UpdateFn<K>>,
    delete: Option<DeleteFn<K>>,
}

impl<K> Default for EventHandlerFuncs<K> {
    fn default() -> Self {
        EventHandlerFuncs {
            add: None,
            update: None,
            delete: None,
        }
    }
}

impl<K> EventHandlerFuncs<K> {
    /// No closures yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Called for adds.
    pub fn on_add(mut self, f: impl Fn(&Arc<K>, bool) + Send + Sync + 'static) -> Self {
        self.add = Some(Box::new(f));
        self
    }

    /// Called for updates.
    pub fn on_update(mut self, f: impl Fn(&Arc<K>, &Arc<K>) + Send + Sync + 'static) -> Self {
        self.update = Some(Box::new(f));
        self
    }

    /// Called for deletes.
    pub fn on_delete(mut self, f: impl Fn(&DeletedObject<K>) + Send + Sync + 'static) -> Self {
        self.delete = Some(Box::new(f));
        self
    }
}

impl<K: Send + Sync + 'static> EventHandler<K> for EventHandlerFuncs<K> {
    fn on_add(&self, obj: &Arc<K>, is_in_initial_list: bool) {
        if let Some(f) = &self.add {
            f(obj, is_in_initial_list);
        }
    }

    fn on_update(&self, old: &Arc<K>, new: &Arc<K>) {
        if let Some(f) = &self.update {
            f(old, new);
        }
    }

    fn on_delete(&self, obj: &DeletedObject<K>) {
        if let Some(f) = &self.delete {
            f(obj);
        }
    }
}

/// One notification in a handler's buffer.
pub(crate) enum Notification<K> {
    Add(Arc<K>, bool),
    Update(Arc<K>, Arc<K>),
    Delete(DeletedObject<K>),
    /// Everything of the initial list (or the synthetic adds) is before this marker.
    Synced,
}

impl<K> Clone for Notification<K> {
    fn clone(&self) -> Self {
        match self {
            Notification::Add(o, i) => Notification::Add(o.clone(), *i),
            Notification::Update(a, b) => Notification::Update(a.clone(), b.clone()),
            Notification::Delete(d) => Notification::Delete(d.clone()),
            Notification::Synced => Notification::Synced,
        }
    }
}

/// The most notifications delivered by one blocking call.
const MAX_BATCH: usize = 1024;

/// The informer's side of a registered handler: an unbounded buffer drained, in order, by the
/// handler's task on the blocking pool.
pub(crate) struct Listener<K> {
    pub id: u64,
    tx: mpsc::UnboundedSender<Notification<K>>,
    pub synced: Arc<AtomicBool>,
}

impl<K: Send + Sync + 'static> Listener<K> {
    /// Starts the handler's task. Handlers are plain (synchronous) callbacks, so they are called
    /// on the blocking pool: a slow or blocking handler delays neither the other handlers nor
    /// the runtime's workers (client-go gives each listener its own goroutines).
    ///
    /// Once `stop` is set the task ends after the notification in hand: what is still
    /// buffered is dropped (client-go's listener drops its pending notifications on stop too).
    pub fn spawn(
        id: u64,
        handler: Arc<dyn EventHandler<K>>,
        stop: Arc<AtomicBool>,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Notification<K>>();
        let synced = Arc::new(AtomicBool::new(false));
        let flag = synced.clone();
        // An async task waits for notifications; each batch that arrives is delivered on the
        // blocking pool. Between batches no blocking task is running, so an idle handler holds
        // no thread and paused-time tests (`tokio::time::pause`) still auto-advance.
        let task = tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(n) => batch.push(n),
                        Err(_) => break,
                    }
                }
                let handler = handler.clone();
                let stop = stop.clone();
                let flag = flag.clone();
                let delivered = tokio::task::spawn_blocking(move || {
                    for n in batch {
                        if stop.load(Ordering::Acquire) {
                            return false;
                        }
                        match n {
                            Notification::Add(o, initial) => handler.on_add(&o, initial),
                            Notification::Update(old, new) => handler.on_update(&old, &new),
                            Notification::Delete(d) => handler.on_delete(&d),
                            Notification::Synced => flag.store(true, Ordering::Release),
                        }
                    }
                    true
                })
                .await;
                // Stopped, or the handler panicked: this listener is done.
                if !matches!(delivered, Ok(true)) {
                    return;
                }
            }
        });
        (Listener { id, tx, synced }, task)
    }

    /// Queues a notification; false when the handler's task is gone.
    pub fn send(&self, n: Notification<K>) -> bool {
        self.tx.send(n).is_ok()
    }
}

/// A registered handler (client-go `ResourceEventHandlerRegistration`).
#[derive(Debug, Clone)]
pub struct HandlerRegistration {
    pub(crate) id: u64,
    pub(crate) synced: Arc<AtomicBool>,
}

impl HandlerRegistration {
    /// Whether this handler has been delivered everything of the initial list (or, for a
    /// handler added after start, the synthetic adds of the store's content then).
    pub fn has_synced(&self) -> bool {
        self.synced.load(Ordering::Acquire)
    }
}
