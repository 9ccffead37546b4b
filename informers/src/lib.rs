//! # k8s-informers
//!
//! What controllers live on, mirroring client-go's `tools/cache`: the reflector (list + watch
//! into a store), the thread-safe indexer, shared index informers with their factory, and
//! listers.
//!
//! The way an object travels: the watch's bytes are decoded once into `K`, run through the
//! transform (by default [`strip_managed_fields`]), wrapped in an `Arc<K>` and put in the
//! [`Indexer`]; every handler gets the same `Arc` through its own unbounded buffer, so a slow
//! handler delays nobody else, and listers read the very same `Arc`s.
//!
//! - [`SharedIndexInformer`]: one reflector, one store, many [`EventHandler`]s.
//! - [`SharedInformerFactory`]: one informer per type, shared; typed accessors
//!   (`factory.core_v1().pods().informer()`, `.lister()`) in [`typed`].
//! - [`Indexer`] and [`Lister`]: the store and read-only views of it.

mod factory;
mod generated;
mod handler;
mod informer;
mod lister;
mod reflector;
mod store;
pub mod typed;

use std::time::Duration;

pub use factory::SharedInformerFactory;
pub use handler::{DeletedObject, EventHandler, EventHandlerFuncs, HandlerRegistration};
pub use informer::{InformerOptions, SharedIndexInformer};
pub use lister::{Lister, NamespaceLister};
pub use reflector::{ReflectorOptions, ReflectorStats, SyncMode, Transform, WatchErrorHandler};
pub use store::{IndexFunc, Indexer, NAMESPACE_INDEX, object_key, split_meta_namespace_key};
pub use typed::TypedInformer;

/// Errors of k8s-informers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `by_index` and friends named an index that was never added.
    #[error("index {0:?} does not exist (add it with add_indexer)")]
    UnknownIndex(String),
    /// `add_indexer` named an index that already exists.
    #[error("index {0:?} already exists")]
    IndexExists(String),
    /// The cache did not sync in time.
    #[error("{what}: not synced after {after:?}")]
    SyncTimeout {
        /// Which informer(s).
        what: String,
        /// How long we waited.
        after: Duration,
    },
    /// A store key is not `namespace/name` or `name` ([`split_meta_namespace_key`]).
    #[error("unexpected key format {0:?}: expected namespace/name or name")]
    InvalidKey(String),
    /// The informer was shut down.
    #[error("the informer was shut down")]
    Stopped,
}

/// The default transform: drops `metadata.managedFields` (large, and rarely read by
/// controllers) before an object is stored.
pub fn strip_managed_fields<K: k8s_apimachinery::HasMetadata>(mut obj: K) -> K {
    obj.object_meta_mut().managed_fields = None;
    obj
}
