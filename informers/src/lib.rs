//! # k8s-informers
//!
//! What controllers live on, mirroring client-go's `tools/cache`: the reflector (list + watch
//! into a store), the thread-safe indexer, shared index informers with their factory, and
//! listers.
//!
//! The way an object travels: the watch's bytes are decoded once into `K`, run through the
//! reflector's transform if it has one (the factory's informers get [`strip_managed_fields`]
//! unless [`SharedInformerFactory::keep_managed_fields`] is called; a [`SharedIndexInformer`]
//! built by hand keeps every field unless its [`ReflectorOptions::transform`] says otherwise),
//! wrapped in an `Arc<K>` and put in the informer's [`Indexer`]; every handler gets the same
//! `Arc` through its own unbounded buffer, so a slow handler delays nobody else, and listers
//! read the very same `Arc`s.
//!
//! - [`SharedIndexInformer`]: one reflector, one store, many [`EventHandler`]s.
//! - [`SharedInformerFactory`]: one informer per type, shared; typed accessors
//!   (`factory.core_v1().pods().informer()`, `.lister()`) in [`typed`].
//! - [`Lister`] and [`Store`]: read-only views of an informer's store (only its reflector
//!   writes it); [`Indexer`]: a store you can write, for caches of your own and tests.
//! - [`object_key`] / [`split_meta_namespace_key`]: the store's keys (`namespace/name`, or
//!   `name` for cluster-scoped objects), as work queue keys.
//!
//! # Event handlers are blocking code
//!
//! Each handler is called on tokio's blocking pool (`spawn_blocking`), in order, fed by its own
//! buffer (an idle handler holds no thread): a handler is a synchronous callback and cannot `.await`. It hands work to
//! async code by queueing the object's key (a `k8s-workqueue` queue, whose `add` is a plain
//! call) or sending it on a channel, as below; see [`EventHandler`].
//!
//! # Failures, logs and waiting for the first sync
//!
//! This crate logs through `tracing` (the reflector under target `k8s_informers::reflector`);
//! install a subscriber to see it, e.g. `tracing_subscriber::fmt::init()` with `RUST_LOG=warn`.
//! A failing list or watch is never silent, though: reflectors retry forever, as in
//! client-go, and each failure goes to the informer's watch-error handler, whose default,
//! [`default_watch_error_handler`], writes one line per distinct failure to stderr when no
//! subscriber records it; replace it with [`SharedInformerFactory::watch_error_handler`] or
//! [`SharedIndexInformer::set_watch_error_handler`]. [`SharedInformerFactory::wait_for_cache_sync`]
//! takes a bound you choose (client-go has none; `None` waits like client-go) and, when it
//! runs out, returns [`Error::SyncTimeout`] with each informer's resource, namespace,
//! selectors and last failure.
//!
//! A controller's skeleton: a factory, a handler that queues keys, a lister to read the cache.
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use k8s_api::apps::v1::Deployment;
//! use k8s_client::{Config, HttpClient};
//! use k8s_informers::{
//!     EventHandlerFuncs, SharedInformerFactory, object_key, split_meta_namespace_key,
//! };
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = HttpClient::new(Config::infer()?)?;
//! let factory = SharedInformerFactory::new(client, Some(Duration::from_secs(30)));
//! let deployments = factory.apps_v1().deployments();
//! let (tx, mut keys) = tokio::sync::mpsc::unbounded_channel::<String>();
//! deployments.informer().add_event_handler(
//!     EventHandlerFuncs::new()
//!         // A blocking-pool thread runs this: no .await, hand the key to async code.
//!         .on_add(move |d: &Arc<Deployment>, _initial| {
//!             let _ = tx.send(object_key(d.as_ref())); // "namespace/name"
//!         }),
//! );
//! let lister = deployments.lister();
//! factory.start();
//! factory.wait_for_cache_sync(Duration::from_secs(60)).await?;
//! while let Some(key) = keys.recv().await {
//!     let (namespace, name) = split_meta_namespace_key(&key)?;
//!     let namespace = namespace.unwrap_or_default();
//!     match lister.namespaced(namespace).get(name) {
//!         Some(d) => println!("{key}: {:?} replicas", d.spec.replicas),
//!         None => println!("{key}: deleted"),
//!     }
//! }
//! # Ok(()) }
//! ```

mod factory;
mod failure;
mod generated;
mod handler;
mod informer;
mod lister;
mod reflector;
mod store;
pub mod typed;

use std::time::Duration;

pub use factory::SharedInformerFactory;
pub use failure::{
    ListWatchError, ListWatchOp, ListWatchTarget, NotSynced, WatchErrorHandler,
    default_watch_error_handler,
};
pub use handler::{DeletedObject, EventHandler, EventHandlerFuncs, HandlerRegistration};
pub use informer::{InformerOptions, SharedIndexInformer};
pub use lister::{Lister, NamespaceLister};
pub use reflector::{ReflectorOptions, ReflectorStats, SyncMode, Transform};
pub use store::{IndexFunc, Indexer, NAMESPACE_INDEX, Store, object_key, split_meta_namespace_key};
pub use typed::TypedInformer;

/// Errors of k8s-informers.
///
/// `Debug` prints the `Display` line (what `fn main() -> Result<(), Box<dyn Error>>` shows is
/// then a sentence, not a struct dump); match on the variant for the structure.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `by_index` and friends named an index that was never added.
    #[error("index {0:?} does not exist (add it with add_indexer)")]
    UnknownIndex(String),
    /// `add_indexer` named an index that already exists.
    #[error("index {0:?} already exists")]
    IndexExists(String),
    /// The cache did not sync in time: each informer still waiting, with its last list/watch
    /// failure when it had one — `not synced after 30s: v1/configmaps in namespace "x"
    /// (labels: a=b): list failed: 403 Forbidden: configmaps is forbidden: …`.
    #[error("not synced after {after:?}: {}", failure::join(pending))]
    SyncTimeout {
        /// How long we waited.
        after: Duration,
        /// The informers that had not synced, and why as far as known.
        pending: Vec<NotSynced>,
    },
    /// The informer was already started (a watch-error handler is set before `start`).
    #[error("the informer has already started")]
    AlreadyStarted,
    /// A store key is not `namespace/name` or `name` ([`split_meta_namespace_key`]).
    #[error("unexpected key format {0:?}: expected namespace/name or name")]
    InvalidKey(String),
    /// The informer was shut down.
    #[error("the informer was shut down")]
    Stopped,
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// A transform that drops `metadata.managedFields` (large, and rarely read by controllers)
/// before an object is stored. The factory's informers use it unless
/// [`SharedInformerFactory::keep_managed_fields`] is called; a [`SharedIndexInformer`] made
/// with [`SharedIndexInformer::new`] uses it only when set as [`ReflectorOptions::transform`].
pub fn strip_managed_fields<K: k8s_apimachinery::HasMetadata>(mut obj: K) -> K {
    obj.object_meta_mut().managed_fields = None;
    obj
}
