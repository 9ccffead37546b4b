//! The thread-safe store with indexes (client-go `cache.Indexer` / `ThreadSafeStore`): the
//! writable [`Indexer`] and its read-only view [`Store`].
//!
//! Objects are held as `Arc<K>` under their key `namespace/name` (`name` for cluster-scoped
//! objects), so readers (listers, handlers) share them without copying. Named index functions map
//! an object to any number of index values; the `namespace` index is built in.
//!
//! ```
//! use std::sync::Arc;
//! use k8s_apimachinery::{DynamicObject, ObjectMeta};
//! use k8s_informers::{Indexer, NAMESPACE_INDEX};
//!
//! let indexer: Indexer<DynamicObject> = Indexer::new();
//! let mut pod = DynamicObject::default();
//! pod.metadata = ObjectMeta { name: Some("web".into()), namespace: Some("book".into()), ..Default::default() };
//! indexer.add(Arc::new(pod));
//! assert!(indexer.get_by_key("book/web").is_some());
//! assert_eq!(indexer.by_index(NAMESPACE_INDEX, "book").unwrap().len(), 1);
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use k8s_apimachinery::HasMetadata;

use crate::Error;

/// The name of the built-in index by namespace.
pub const NAMESPACE_INDEX: &str = "namespace";

/// An index function: the index values of an object (client-go `IndexFunc`).
pub type IndexFunc<K> = Arc<dyn Fn(&K) -> Vec<String> + Send + Sync>;

/// The key of an object: `namespace/name`, or `name` when it has no namespace (a
/// cluster-scoped object; no leading `/`) (client-go `MetaNamespaceKeyFunc`).
///
/// ```
/// use k8s_apimachinery::{DynamicObject, ObjectMeta};
/// use k8s_informers::{object_key, split_meta_namespace_key};
///
/// let mut pod = DynamicObject::default();
/// pod.metadata = ObjectMeta { name: Some("web".into()), namespace: Some("book".into()), ..Default::default() };
/// assert_eq!(object_key(&pod), "book/web");
/// assert_eq!(split_meta_namespace_key("book/web")?, (Some("book"), "web"));
///
/// let mut node = DynamicObject::default();
/// node.metadata.name = Some("node-1".into());
/// assert_eq!(object_key(&node), "node-1");
/// assert_eq!(split_meta_namespace_key("node-1")?, (None, "node-1"));
/// # Ok::<(), k8s_informers::Error>(())
/// ```
pub fn object_key<K: HasMetadata + ?Sized>(obj: &K) -> String {
    let meta = obj.object_meta();
    let name = meta.name.as_deref().unwrap_or_default();
    match meta.namespace.as_deref() {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_string(),
    }
}

/// The namespace and name [`object_key`] put into `key` (client-go `SplitMetaNamespaceKey`):
/// `"ns/name"` → `(Some("ns"), "name")`, `"name"` → `(None, "name")`. An empty namespace
/// (`"/name"`) is `None`, as client-go returns `""` for it; a key with more than one `/` is
/// [`Error::InvalidKey`].
pub fn split_meta_namespace_key(key: &str) -> Result<(Option<&str>, &str), Error> {
    let mut parts = key.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, _) => Ok((None, name)),
        (Some(ns), Some(name), None) => Ok(((!ns.is_empty()).then_some(ns), name)),
        _ => Err(Error::InvalidKey(key.to_owned())),
    }
}

/// The namespace index function.
fn namespace_index<K: HasMetadata>(obj: &K) -> Vec<String> {
    vec![
        obj.object_meta()
            .namespace
            .clone()
            .unwrap_or_default()
            .into(),
    ]
}

struct Inner<K> {
    items: HashMap<String, Arc<K>>,
    indexers: HashMap<String, IndexFunc<K>>,
    /// index name → index value → keys.
    indices: HashMap<String, HashMap<String, HashSet<String>>>,
}

impl<K> Inner<K> {
    fn index_add(&mut self, key: &str, obj: &K) {
        for (name, f) in &self.indexers {
            let index = self.indices.entry(name.clone()).or_default();
            for value in f(obj) {
                index.entry(value).or_default().insert(key.to_string());
            }
        }
    }

    /// Moves `key` from the index values of `old` to those of `new` (client-go
    /// `updateIndices`), leaving unchanged values alone.
    fn index_update(&mut self, key: &str, old: &K, new: &K) {
        for (name, f) in &self.indexers {
            let (before, after) = (f(old), f(new));
            if before == after {
                continue;
            }
            let index = match self.indices.get_mut(name) {
                Some(index) => index,
                None => self.indices.entry(name.clone()).or_default(),
            };
            for value in before.iter().filter(|v| !after.contains(v)) {
                if let Some(keys) = index.get_mut(value) {
                    keys.remove(key);
                    if keys.is_empty() {
                        index.remove(value);
                    }
                }
            }
            for value in after.into_iter().filter(|v| !before.contains(v)) {
                index.entry(value).or_default().insert(key.to_string());
            }
        }
    }

    fn index_remove(&mut self, key: &str, obj: &K) {
        for (name, f) in &self.indexers {
            if let Some(index) = self.indices.get_mut(name) {
                for value in f(obj) {
                    if let Some(keys) = index.get_mut(&value) {
                        keys.remove(key);
                        if keys.is_empty() {
                            index.remove(&value);
                        }
                    }
                }
            }
        }
    }
}

/// A thread-safe, indexed store of `Arc<K>` that can be written (client-go `cache.Indexer`).
/// Cheap to clone (clones share the store).
///
/// An informer keeps its own `Indexer` and hands out only a read-only [`Store`] of it
/// ([`SharedIndexInformer::indexer`](crate::SharedIndexInformer::indexer)), so that no caller
/// can change the cache behind the reflector's back. Build an `Indexer` of your own for a store
/// you fill yourself (a test's [`Lister`](crate::Lister), say); it reads like a [`Store`]
/// (it dereferences to one) and [`Indexer::store`] gives a read-only view to hand out.
pub struct Indexer<K> {
    store: Store<K>,
}

impl<K> Clone for Indexer<K> {
    fn clone(&self) -> Self {
        Indexer {
            store: self.store.clone(),
        }
    }
}

impl<K> std::fmt::Debug for Indexer<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Indexer").field("len", &self.len()).finish()
    }
}

impl<K: HasMetadata + Send + Sync + 'static> Default for Indexer<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K> std::ops::Deref for Indexer<K> {
    type Target = Store<K>;

    fn deref(&self) -> &Store<K> {
        &self.store
    }
}

impl<K> Indexer<K> {
    /// A read-only view of this store (it sees every later change).
    pub fn store(&self) -> Store<K> {
        self.store.clone()
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner<K>> {
        self.store.inner.write().unwrap_or_else(|p| p.into_inner())
    }
}

impl<K> From<Indexer<K>> for Store<K> {
    fn from(indexer: Indexer<K>) -> Self {
        indexer.store
    }
}

impl<K> From<&Indexer<K>> for Store<K> {
    fn from(indexer: &Indexer<K>) -> Self {
        indexer.store()
    }
}

/// A read-only view of an [`Indexer`]: gets, lists and index lookups, no writes (kube-rs
/// `Store`; client-go hands out the writable `cache.Indexer` instead). Cheap to clone; it
/// always shows the store's current content.
pub struct Store<K> {
    inner: Arc<RwLock<Inner<K>>>,
}

impl<K> Clone for Store<K> {
    fn clone(&self) -> Self {
        Store {
            inner: self.inner.clone(),
        }
    }
}

impl<K> std::fmt::Debug for Store<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("len", &self.len()).finish()
    }
}

// A poisoned lock means a panic happened while the map was being changed by a caller's index
// function; the map itself is still consistent enough to keep serving reads (and writes).
impl<K> Store<K> {
    fn read(&self) -> RwLockReadGuard<'_, Inner<K>> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The object stored under `key` (`namespace/name`).
    pub fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.read().items.get(key).cloned()
    }

    /// Every object.
    pub fn list(&self) -> Vec<Arc<K>> {
        self.read().items.values().cloned().collect()
    }

    /// Every key.
    pub fn list_keys(&self) -> Vec<String> {
        self.read().items.keys().cloned().collect()
    }

    /// Number of objects.
    pub fn len(&self) -> usize {
        self.read().items.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The objects whose index `index_name` contains `value` (client-go `ByIndex`).
    pub fn by_index(&self, index_name: &str, value: &str) -> Result<Vec<Arc<K>>, Error> {
        let inner = self.read();
        let index = Self::index(&inner, index_name)?;
        Ok(index
            .get(value)
            .into_iter()
            .flatten()
            .filter_map(|key| inner.items.get(key).cloned())
            .collect())
    }

    /// The keys whose index `index_name` contains `value` (client-go `IndexKeys`).
    pub fn index_keys(&self, index_name: &str, value: &str) -> Result<Vec<String>, Error> {
        let inner = self.read();
        let index = Self::index(&inner, index_name)?;
        Ok(index.get(value).into_iter().flatten().cloned().collect())
    }

    /// Every value of index `index_name` (client-go `ListIndexFuncValues`).
    pub fn list_index_func_values(&self, index_name: &str) -> Result<Vec<String>, Error> {
        let inner = self.read();
        let index = Self::index(&inner, index_name)?;
        Ok(index.keys().cloned().collect())
    }

    fn index<'a>(
        inner: &'a Inner<K>,
        name: &str,
    ) -> Result<&'a HashMap<String, HashSet<String>>, Error> {
        if !inner.indexers.contains_key(name) {
            return Err(Error::UnknownIndex(name.to_string()));
        }
        Ok(inner.indices.get(name).unwrap_or_else(|| empty_index()))
    }
}

fn empty_index() -> &'static HashMap<String, HashSet<String>> {
    static EMPTY: std::sync::OnceLock<HashMap<String, HashSet<String>>> =
        std::sync::OnceLock::new();
    EMPTY.get_or_init(HashMap::new)
}

impl<K: HasMetadata + Send + Sync + 'static> Indexer<K> {
    /// An empty store with the `namespace` index.
    pub fn new() -> Self {
        let mut indexers: HashMap<String, IndexFunc<K>> = HashMap::new();
        indexers.insert(NAMESPACE_INDEX.to_string(), Arc::new(namespace_index::<K>));
        Indexer {
            store: Store {
                inner: Arc::new(RwLock::new(Inner {
                    items: HashMap::new(),
                    indexers,
                    indices: HashMap::new(),
                })),
            },
        }
    }

    /// Adds an index function; existing objects are indexed at once (client-go allows this
    /// only before start; here it is always safe).
    pub fn add_indexer(
        &self,
        name: &str,
        f: impl Fn(&K) -> Vec<String> + Send + Sync + 'static,
    ) -> Result<(), Error> {
        let mut inner = self.write();
        if inner.indexers.contains_key(name) {
            return Err(Error::IndexExists(name.to_string()));
        }
        let f: IndexFunc<K> = Arc::new(f);
        let mut index: HashMap<String, HashSet<String>> = HashMap::new();
        for (key, obj) in &inner.items {
            for value in f(obj) {
                index.entry(value).or_default().insert(key.clone());
            }
        }
        inner.indices.insert(name.to_string(), index);
        inner.indexers.insert(name.to_string(), f);
        Ok(())
    }

    /// Adds or replaces an object; returns the previous one under its key.
    pub fn add(&self, obj: Arc<K>) -> Option<Arc<K>> {
        let key = object_key(obj.as_ref());
        let mut inner = self.write();
        match inner.items.get_mut(&key) {
            Some(slot) => {
                // An update: only index values that changed are touched (usually none).
                let old = std::mem::replace(slot, obj.clone());
                inner.index_update(&key, &old, &obj);
                Some(old)
            }
            None => {
                inner.index_add(&key, &obj);
                inner.items.insert(key, obj);
                None
            }
        }
    }

    /// Removes the object under `key`; returns it.
    pub fn delete_key(&self, key: &str) -> Option<Arc<K>> {
        let mut inner = self.write();
        let old = inner.items.remove(key);
        if let Some(old) = &old {
            inner.index_remove(key, old);
        }
        old
    }

    /// Replaces the whole content at once (a relist); returns the previous content by key.
    /// Readers see either the old or the new content, never a mix.
    pub fn replace(&self, objects: Vec<Arc<K>>) -> HashMap<String, Arc<K>> {
        let mut items = HashMap::with_capacity(objects.len());
        for obj in objects {
            items.insert(object_key(obj.as_ref()), obj);
        }
        let mut inner = self.write();
        let mut indices: HashMap<String, HashMap<String, HashSet<String>>> = HashMap::new();
        for (name, f) in &inner.indexers {
            let index = indices.entry(name.clone()).or_default();
            for (key, obj) in &items {
                for value in f(obj) {
                    index.entry(value).or_default().insert(key.clone());
                }
            }
        }
        inner.indices = indices;
        std::mem::replace(&mut inner.items, items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_apimachinery::{DynamicObject, LiteMap, ObjectMeta};

    fn obj(ns: &str, name: &str, app: &str) -> Arc<DynamicObject> {
        Arc::new(DynamicObject {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: (!ns.is_empty()).then(|| ns.to_string()).map(Into::into),
                labels: Some(LiteMap::from_iter([("app".into(), app.into())])),
                ..ObjectMeta::default()
            },
            ..DynamicObject::default()
        })
    }

    fn by_app(o: &DynamicObject) -> Vec<String> {
        o.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("app").map(ToString::to_string))
            .into_iter()
            .collect()
    }

    #[test]
    fn keys_match_client_go() {
        // MetaNamespaceKeyFunc: namespaced objects are ns/name, cluster-scoped ones just name.
        assert_eq!(object_key(obj("a", "x", "").as_ref()), "a/x");
        assert_eq!(object_key(obj("", "node-1", "").as_ref()), "node-1");
        let mut no_ns = DynamicObject::default();
        no_ns.metadata.name = Some("pv-1".into());
        no_ns.metadata.namespace = Some("".into());
        assert_eq!(object_key(&no_ns), "pv-1");

        // SplitMetaNamespaceKey: one part is a name, two are namespace and name, more fail.
        assert_eq!(split_meta_namespace_key("a/x").unwrap(), (Some("a"), "x"));
        assert_eq!(split_meta_namespace_key("x").unwrap(), (None, "x"));
        assert_eq!(split_meta_namespace_key("/x").unwrap(), (None, "x"));
        assert_eq!(split_meta_namespace_key("").unwrap(), (None, ""));
        for bad in ["a/b/c", "//", "a/b/"] {
            let err = split_meta_namespace_key(bad).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidKey(k) if k == bad),
                "{bad}: {err}"
            );
            assert!(err.to_string().contains(bad), "{err}");
        }
        // Round trip.
        for o in [obj("a", "x", ""), obj("", "node-1", "")] {
            let key = object_key(o.as_ref());
            let (ns, name) = split_meta_namespace_key(&key).unwrap();
            assert_eq!(
                ns,
                o.metadata.namespace.as_deref().filter(|n| !n.is_empty())
            );
            assert_eq!(Some(name), o.metadata.name.as_deref());
        }
    }

    #[test]
    fn keys_and_namespace_index() {
        let s: Indexer<DynamicObject> = Indexer::new();
        s.add(obj("a", "x", "web"));
        s.add(obj("b", "x", "web"));
        s.add(obj("", "node-1", "n"));
        let mut keys = s.list_keys();
        keys.sort();
        assert_eq!(keys, vec!["a/x", "b/x", "node-1"]);
        assert_eq!(s.by_index(NAMESPACE_INDEX, "a").unwrap().len(), 1);
        assert_eq!(s.index_keys(NAMESPACE_INDEX, "").unwrap(), vec!["node-1"]);
        assert!(matches!(
            s.by_index("nope", "a"),
            Err(Error::UnknownIndex(_))
        ));
    }

    #[test]
    fn updates_move_index_entries() {
        let s: Indexer<DynamicObject> = Indexer::new();
        s.add_indexer("app", by_app).unwrap();
        s.add(obj("a", "x", "web"));
        assert_eq!(s.index_keys("app", "web").unwrap(), vec!["a/x"]);
        let old = s.add(obj("a", "x", "db")).unwrap();
        assert_eq!(by_app(&old), vec!["web"]);
        assert!(s.index_keys("app", "web").unwrap().is_empty());
        assert_eq!(s.list_index_func_values("app").unwrap(), vec!["db"]);
        s.delete_key("a/x");
        assert!(s.list_index_func_values("app").unwrap().is_empty());
        assert!(s.is_empty());
    }

    #[test]
    fn late_indexer_indexes_existing_objects() {
        let s: Indexer<DynamicObject> = Indexer::new();
        s.add(obj("a", "x", "web"));
        s.add_indexer("app", by_app).unwrap();
        assert_eq!(s.by_index("app", "web").unwrap().len(), 1);
        assert!(matches!(
            s.add_indexer("app", by_app),
            Err(Error::IndexExists(_))
        ));
    }

    #[test]
    fn replace_swaps_everything_and_returns_old() {
        let s: Indexer<DynamicObject> = Indexer::new();
        s.add_indexer("app", by_app).unwrap();
        s.add(obj("a", "gone", "web"));
        s.add(obj("a", "kept", "web"));
        let old = s.replace(vec![obj("a", "kept", "db"), obj("a", "new", "db")]);
        assert_eq!(old.len(), 2);
        assert!(old.contains_key("a/gone"));
        let mut keys = s.list_keys();
        keys.sort();
        assert_eq!(keys, vec!["a/kept", "a/new"]);
        assert!(s.index_keys("app", "web").unwrap().is_empty());
        assert_eq!(s.index_keys("app", "db").unwrap().len(), 2);
    }
}
