//! [`ObjectTracker`]: the fake's storage (client-go's `testing.ObjectTracker`), with what the
//! real server gets from etcd: one resourceVersion counter for everything, a history of changes
//! per resource for watches and consistent reads at an older resourceVersion, and compaction.
//!
//! Objects are kept as JSON (`Arc<Value>`, so reads never copy them) per resource (group and
//! plural: every version of a resource sees the same objects) in a `dashmap` of stores, each
//! behind its own lock: writes to different resources never wait for each other. Every change
//! takes the next resourceVersion and is appended to its resource's history; a watch reads the
//! history from its position on. The history keeps the last `window` changes per resource;
//! older resourceVersions are *compacted*: a watch or a consistent read at one gets `410 Gone`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use dashmap::DashMap;
use serde_json::Value;
use tokio::sync::watch;

use crate::meta;

/// The key of an object in its resource: namespace (`""` when cluster-scoped) and name.
pub type ObjectKey = (String, String);

/// The kind of a change, as watch events name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// Created.
    Added,
    /// Changed.
    Modified,
    /// Removed.
    Deleted,
}

impl EventType {
    /// `ADDED`, `MODIFIED`, `DELETED`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change of one object.
#[derive(Clone, Debug)]
pub struct Change {
    /// The resourceVersion the change took.
    pub resource_version: u64,
    /// What happened.
    pub event: EventType,
    /// Where.
    pub key: ObjectKey,
    /// The object after the change (for `Deleted`, as it was last, with the deletion's
    /// resourceVersion).
    pub object: Arc<Value>,
    /// The object before the change (`None` for `Added`).
    pub previous: Option<Arc<Value>>,
}

/// What a read-modify-write decided (see [`ObjectTracker::modify`]).
#[derive(Debug)]
pub enum Outcome<T> {
    /// Store this object (created if it was absent, updated otherwise).
    Put(Value, T),
    /// Remove the object; its last state (in the `DELETED` event) is this one when given,
    /// else the stored one.
    Remove(Option<Value>, T),
    /// Change nothing.
    Keep(T),
}

/// Why a read at an older resourceVersion cannot be answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compacted {
    /// The resourceVersion asked for.
    pub requested: u64,
    /// The oldest resourceVersion still answerable.
    pub oldest: u64,
}

/// Where an object sorts: `ns/name` (`name` when cluster-scoped), the order of the real
/// server's etcd keys, so lists and continue tokens page in the same order.
pub(crate) fn storage_key(key: &ObjectKey) -> String {
    if key.0.is_empty() {
        key.1.clone()
    } else {
        format!("{}/{}", key.0, key.1)
    }
}

/// The first and one-past-last storage keys of a namespace.
fn namespace_range(ns: &str) -> (String, String) {
    (format!("{ns}/"), format!("{ns}0"))
}

#[derive(Default)]
struct Store {
    objects: BTreeMap<String, Arc<Value>>,
    history: VecDeque<Change>,
    /// Changes up to this resourceVersion are no longer in `history`.
    compacted: u64,
}

struct Resource {
    store: Mutex<Store>,
    /// The resourceVersion of the last change, for watchers to wait on.
    latest: watch::Sender<u64>,
}

impl Resource {
    fn new(compacted: u64) -> Self {
        Resource {
            store: Mutex::new(Store {
                compacted,
                ..Store::default()
            }),
            latest: watch::Sender::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        // A panic while holding the lock leaves a consistent store: each change is applied
        // with single assignments after every check.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The resource an object belongs to: API group and plural (`("apps", "deployments")`).
pub type ResourceKey = (String, String);

/// The fake's storage; cheap to clone (clones share everything).
#[derive(Clone)]
pub struct ObjectTracker {
    inner: Arc<Inner>,
}

struct Inner {
    resources: DashMap<ResourceKey, Arc<Resource>>,
    /// The last resourceVersion handed out.
    rv: AtomicU64,
    /// Changes kept per resource.
    window: AtomicU64,
    /// resourceVersions up to this were compacted everywhere (resources made later start here).
    compacted: AtomicU64,
}

impl std::fmt::Debug for ObjectTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectTracker")
            .field("resources", &self.inner.resources.len())
            .field("resource_version", &self.resource_version())
            .finish()
    }
}

/// How many changes per resource the history keeps unless told otherwise.
pub const DEFAULT_WINDOW: u64 = 10_000;

impl Default for ObjectTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl ObjectTracker {
    /// An empty tracker; the first change takes resourceVersion 1.
    pub fn new() -> Self {
        ObjectTracker {
            inner: Arc::new(Inner {
                resources: DashMap::new(),
                rv: AtomicU64::new(0),
                window: AtomicU64::new(DEFAULT_WINDOW),
                compacted: AtomicU64::new(0),
            }),
        }
    }

    /// Keeps the last `changes` changes of each resource (at least 1); reads and watches at
    /// resourceVersions older than that get `410 Gone`.
    pub fn set_history_window(&self, changes: u64) {
        self.inner.window.store(changes.max(1), Ordering::Relaxed);
    }

    /// The last resourceVersion handed out (what a list returns as its resourceVersion).
    pub fn resource_version(&self) -> u64 {
        self.inner.rv.load(Ordering::Acquire)
    }

    /// Forgets every change made so far: reads and watches at any resourceVersion before now
    /// get `410 Gone` (what etcd compaction does to the real server).
    pub fn compact(&self) {
        let now = self.resource_version();
        self.inner.compacted.store(now, Ordering::Release);
        for r in self.inner.resources.iter() {
            let mut store = r.lock();
            store.history.clear();
            store.compacted = store.compacted.max(now);
        }
    }

    fn resource(&self, key: &ResourceKey) -> Arc<Resource> {
        if let Some(r) = self.inner.resources.get(key) {
            return r.clone();
        }
        self.inner
            .resources
            .entry(key.clone())
            .or_insert_with(|| {
                Arc::new(Resource::new(self.inner.compacted.load(Ordering::Acquire)))
            })
            .clone()
    }

    /// The object `key` of `resource`.
    pub fn get(&self, resource: &ResourceKey, key: &ObjectKey) -> Option<Arc<Value>> {
        self.resource(resource)
            .lock()
            .objects
            .get(&storage_key(key))
            .cloned()
    }

    /// The objects of `resource` in `namespace` (`None`: all), in key order, and the
    /// resourceVersion they were read at.
    pub fn list(&self, resource: &ResourceKey, namespace: Option<&str>) -> (Vec<Arc<Value>>, u64) {
        let r = self.resource(resource);
        let store = r.lock();
        let rv = self.resource_version();
        let items = match namespace {
            None => store.objects.values().cloned().collect(),
            Some(ns) => {
                let (from, to) = namespace_range(ns);
                store
                    .objects
                    .range(from..to)
                    .map(|(_, v)| v.clone())
                    .collect()
            }
        };
        (items, rv)
    }

    /// The objects of `resource` as they were at resourceVersion `rv` (a consistent read in
    /// the past), or why that is no longer possible.
    pub fn list_at(
        &self,
        resource: &ResourceKey,
        namespace: Option<&str>,
        rv: u64,
    ) -> Result<Vec<Arc<Value>>, Compacted> {
        let r = self.resource(resource);
        let store = r.lock();
        if rv < store.compacted {
            return Err(Compacted {
                requested: rv,
                oldest: store.compacted,
            });
        }
        let mut objects = store.objects.clone();
        for change in store.history.iter().rev() {
            if change.resource_version <= rv {
                break;
            }
            match &change.previous {
                Some(prev) => objects.insert(storage_key(&change.key), prev.clone()),
                None => objects.remove(&storage_key(&change.key)),
            };
        }
        Ok(match namespace {
            None => objects.into_values().collect(),
            Some(ns) => {
                let (from, to) = namespace_range(ns);
                objects.range(from..to).map(|(_, v)| v.clone()).collect()
            }
        })
    }

    /// Reads the object `key`, decides what to do with it, and does it, atomically: no other
    /// change to `resource` happens in between (the optimistic-concurrency check of an
    /// update runs inside `decide`). A stored object gets the next resourceVersion in
    /// `metadata.resourceVersion`; the change is recorded and watchers are woken.
    pub fn modify<T>(
        &self,
        resource: &ResourceKey,
        key: &ObjectKey,
        decide: impl FnOnce(Option<&Arc<Value>>) -> Outcome<T>,
    ) -> (T, Option<Change>) {
        let r = self.resource(resource);
        let mut store = r.lock();
        let skey = storage_key(key);
        let previous = store.objects.get(&skey).cloned();
        let (answer, change) = match decide(previous.as_ref()) {
            Outcome::Keep(t) => (t, None),
            Outcome::Put(mut obj, t) => {
                let rv = self.inner.rv.fetch_add(1, Ordering::AcqRel) + 1;
                meta::set(
                    &mut obj,
                    "resourceVersion",
                    Some(Value::String(rv.to_string())),
                );
                let obj = Arc::new(obj);
                store.objects.insert(skey, obj.clone());
                let event = if previous.is_some() {
                    EventType::Modified
                } else {
                    EventType::Added
                };
                (
                    t,
                    Some(self.record(&mut store, rv, event, key, obj, previous)),
                )
            }
            Outcome::Remove(last, t) => match store.objects.remove(&skey) {
                Some(old) => {
                    let rv = self.inner.rv.fetch_add(1, Ordering::AcqRel) + 1;
                    let mut last = last.unwrap_or_else(|| (*old).clone());
                    meta::set(
                        &mut last,
                        "resourceVersion",
                        Some(Value::String(rv.to_string())),
                    );
                    let change = self.record(
                        &mut store,
                        rv,
                        EventType::Deleted,
                        key,
                        Arc::new(last),
                        Some(old),
                    );
                    (t, Some(change))
                }
                None => (t, None),
            },
        };
        drop(store);
        if let Some(c) = &change {
            r.latest.send_replace(c.resource_version);
        }
        (answer, change)
    }

    fn record(
        &self,
        store: &mut Store,
        rv: u64,
        event: EventType,
        key: &ObjectKey,
        object: Arc<Value>,
        previous: Option<Arc<Value>>,
    ) -> Change {
        let change = Change {
            resource_version: rv,
            event,
            key: key.clone(),
            object,
            previous,
        };
        store.history.push_back(change.clone());
        let window = self.inner.window.load(Ordering::Relaxed) as usize;
        while store.history.len() > window {
            if let Some(old) = store.history.pop_front() {
                store.compacted = store.compacted.max(old.resource_version);
            }
        }
        change
    }

    /// Changes of `resource` after resourceVersion `after`, at most `max`, or why they are gone;
    /// with the resourceVersion up to which every change of `resource` is known (when no
    /// change is returned, a bookmark may claim it).
    pub(crate) fn changes_since(
        &self,
        resource: &ResourceKey,
        after: u64,
        max: usize,
    ) -> Result<(Vec<Change>, u64), Compacted> {
        let r = self.resource(resource);
        let store = r.lock();
        if after < store.compacted {
            return Err(Compacted {
                requested: after,
                oldest: store.compacted,
            });
        }
        let start = store
            .history
            .partition_point(|c| c.resource_version <= after);
        // Changes take their resourceVersion under this lock: all up to it are in `history`.
        let settled = self.resource_version();
        Ok((
            store.history.range(start..).take(max).cloned().collect(),
            settled,
        ))
    }

    /// A receiver that wakes when `resource` changes.
    pub(crate) fn subscribe(&self, resource: &ResourceKey) -> watch::Receiver<u64> {
        self.resource(resource).latest.subscribe()
    }

    /// The objects of `resource` and the resourceVersion they were read at, plus a receiver
    /// subscribed before the read (so no change after it is missed).
    pub(crate) fn list_and_subscribe(
        &self,
        resource: &ResourceKey,
        namespace: Option<&str>,
    ) -> (Vec<Arc<Value>>, u64, watch::Receiver<u64>) {
        let rx = self.subscribe(resource);
        let r = self.resource(resource);
        let store = r.lock();
        // Every change of this resource up to the global resourceVersion is in the store:
        // changes take their resourceVersion under this lock.
        let rv = self.resource_version();
        let items = match namespace {
            None => store.objects.values().cloned().collect(),
            Some(ns) => {
                let (from, to) = namespace_range(ns);
                store
                    .objects
                    .range(from..to)
                    .map(|(_, v)| v.clone())
                    .collect()
            }
        };
        (items, rv, rx)
    }

    /// Whether the tracker holds `resource`'s object `key` (a namespace, to admit a create).
    pub fn contains(&self, resource: &ResourceKey, key: &ObjectKey) -> bool {
        self.resource(resource)
            .lock()
            .objects
            .contains_key(&storage_key(key))
    }

    /// Every resource that has (or had) objects.
    pub fn resources(&self) -> Vec<ResourceKey> {
        self.inner
            .resources
            .iter()
            .map(|e| e.key().clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn res() -> ResourceKey {
        (String::new(), "configmaps".into())
    }

    fn key(name: &str) -> ObjectKey {
        ("ns".into(), name.into())
    }

    fn put(t: &ObjectTracker, name: &str, v: i64) -> u64 {
        let (_, change) = t.modify(&res(), &key(name), |_| {
            Outcome::Put(json!({"metadata": {"name": name}, "v": v}), ())
        });
        change.unwrap().resource_version
    }

    #[test]
    fn versions_history_and_snapshots() {
        let t = ObjectTracker::new();
        let a1 = put(&t, "a", 1);
        let b1 = put(&t, "b", 1);
        let a2 = put(&t, "a", 2);
        assert_eq!((a1, b1, a2), (1, 2, 3));
        let got = t.get(&res(), &key("a")).unwrap();
        assert_eq!(got["v"], 2);
        assert_eq!(got["metadata"]["resourceVersion"], "3");
        let (_, removed) = t.modify(&res(), &key("b"), |_| Outcome::Remove(None, ()));
        assert_eq!(removed.unwrap().event, EventType::Deleted);
        // At rv 2: a was 1, b existed.
        let at2 = t.list_at(&res(), Some("ns"), 2).unwrap();
        assert_eq!(at2.len(), 2);
        assert_eq!(at2[0]["v"], 1);
        // At rv 0: nothing yet.
        assert!(t.list_at(&res(), None, 0).unwrap().is_empty());
        let (since, settled) = t.changes_since(&res(), 1, 10).unwrap();
        assert_eq!(settled, 4);
        let rvs: Vec<u64> = since.iter().map(|c| c.resource_version).collect();
        assert_eq!(rvs, vec![2, 3, 4]);
        t.compact();
        assert_eq!(
            t.changes_since(&res(), 3, 10).unwrap_err(),
            Compacted {
                requested: 3,
                oldest: 4
            }
        );
        assert!(t.changes_since(&res(), 4, 10).unwrap().0.is_empty());
        assert!(t.list_at(&res(), None, 2).is_err());
    }

    #[test]
    fn window_compacts_old_changes() {
        let t = ObjectTracker::new();
        t.set_history_window(2);
        for i in 0..5 {
            put(&t, "a", i);
        }
        assert!(t.changes_since(&res(), 2, 10).is_err());
        assert_eq!(t.changes_since(&res(), 3, 10).unwrap().0.len(), 2);
        let (items, rv) = t.list(&res(), Some("ns"));
        assert_eq!((items.len(), rv), (1, 5));
        assert!(t.list(&res(), Some("other")).0.is_empty());
    }
}
