//! Listers: read-only, selector-aware views of an informer's store (client-go listers).
//!
//! ```
//! use std::sync::Arc;
//! use k8s_apimachinery::{DynamicObject, LiteMap, ObjectMeta, selector::Selector};
//! use k8s_informers::{Indexer, Lister};
//!
//! let indexer: Indexer<DynamicObject> = Indexer::new();
//! let mut o = DynamicObject::default();
//! o.metadata = ObjectMeta {
//!     name: Some("web".into()), namespace: Some("book".into()),
//!     labels: Some(LiteMap::from_iter([("app".into(), "web".into())])), ..Default::default()
//! };
//! indexer.add(Arc::new(o));
//! let lister = Lister::new(indexer);
//! let web = Selector::builder().eq("app", "web").build().unwrap();
//! assert_eq!(lister.namespaced("book").list(&web).len(), 1);
//! assert!(lister.namespaced("book").get("web").is_some());
//! assert!(lister.namespaced("other").get("web").is_none());
//! ```

use std::sync::Arc;

use k8s_apimachinery::HasMetadata;
use k8s_apimachinery::selector::Selector;

use crate::store::{NAMESPACE_INDEX, Store};

fn labels_of<K: HasMetadata>(
    obj: &K,
) -> &k8s_apimachinery::LiteMap<k8s_apimachinery::CompactString, k8s_apimachinery::CompactString> {
    obj.object_meta().labels()
}

/// Lists and gets objects from a store.
#[derive(Debug)]
pub struct Lister<K> {
    store: Store<K>,
}

impl<K> Clone for Lister<K> {
    fn clone(&self) -> Self {
        Lister {
            store: self.store.clone(),
        }
    }
}

impl<K: HasMetadata + Send + Sync + 'static> Lister<K> {
    /// A lister over a store: an informer's [`Store`], or an [`Indexer`](crate::Indexer) of
    /// your own (a test's fixture).
    pub fn new(store: impl Into<Store<K>>) -> Self {
        Lister {
            store: store.into(),
        }
    }

    /// Every object (all namespaces) matching `selector`.
    pub fn list(&self, selector: &Selector) -> Vec<Arc<K>> {
        let all = self.store.list();
        if selector.is_everything() {
            return all;
        }
        all.into_iter()
            .filter(|o| selector.matches(labels_of(o.as_ref())))
            .collect()
    }

    /// A cluster-scoped object by name.
    pub fn get(&self, name: &str) -> Option<Arc<K>> {
        self.store.get_by_key(name)
    }

    /// The objects of one namespace.
    pub fn namespaced(&self, namespace: &str) -> NamespaceLister<K> {
        NamespaceLister {
            store: self.store.clone(),
            namespace: namespace.to_string(),
        }
    }
}

/// A lister restricted to one namespace (client-go `XxxNamespaceLister`).
#[derive(Debug)]
pub struct NamespaceLister<K> {
    store: Store<K>,
    namespace: String,
}

impl<K: HasMetadata + Send + Sync + 'static> NamespaceLister<K> {
    /// The objects of the namespace matching `selector`.
    pub fn list(&self, selector: &Selector) -> Vec<Arc<K>> {
        self.store
            .by_index(NAMESPACE_INDEX, &self.namespace)
            .unwrap_or_default()
            .into_iter()
            .filter(|o| selector.matches(labels_of(o.as_ref())))
            .collect()
    }

    /// One object by name.
    pub fn get(&self, name: &str) -> Option<Arc<K>> {
        self.store.get_by_key(&format!("{}/{name}", self.namespace))
    }
}
