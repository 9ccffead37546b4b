//! The reflector: keeps a store in step with the server by listing, then watching
//! (client-go `cache.Reflector`).
//!
//! - The first sync is a **streaming list** (`watch` with `sendInitialEvents=true`,
//!   `resourceVersionMatch=NotOlderThan`, complete at the bookmark annotated
//!   `k8s.io/initial-events-end`) when the server supports it, else a paged LIST at
//!   `resourceVersion="0"` (served from the watch cache), 500 per page.
//! - Then it watches from the last resourceVersion with bookmarks (which advance it), asking the
//!   server to end each watch after a random 5–10 minutes; a watch that ends normally is resumed
//!   from the last resourceVersion.
//! - `410 Gone` ("too old resource version") relists at `resourceVersion=""` (a quorum read);
//!   429 and transient failures back off 800 ms → 30 s (×2, jitter), reset after 2 minutes of
//!   health.
//! - Every sync replaces the store's content at once ([`Delta::Replace`]); the informer turns the
//!   difference into adds, updates and deletes with the last known state.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{Stream, StreamExt};
use k8s_apimachinery::wait::ExponentialBackoffManager;
use k8s_apimachinery::{HasMetadata, ListOptions, ResourceVersionMatch, WatchEvent};
use k8s_client::Api;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::failure::{
    LOG_TARGET, ListWatchError, ListWatchOp, ListWatchTarget, WatchErrorHandler,
    default_watch_error_handler,
};
use crate::store::object_key;

/// A change for the store, in the order the server reported it.
pub(crate) enum Delta<K> {
    /// The full content after a (re)list.
    Replace(Vec<Arc<K>>),
    Added(Arc<K>),
    Modified(Arc<K>),
    Deleted(Arc<K>),
}

/// Where deltas go (the informer).
pub(crate) trait DeltaSink<K>: Send + Sync {
    fn apply(&self, delta: Delta<K>);
    /// The stored object under `key`, if any: a relist reuses the objects that did not change.
    fn stored(&self, key: &str) -> Option<Arc<K>>;
}

/// A transform run on each object before it is stored (client-go `TransformFunc`).
pub type Transform<K> = Arc<dyn Fn(K) -> K + Send + Sync>;

/// How the reflector synced the last time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// A streaming list (watch with `sendInitialEvents`).
    StreamingList,
    /// A LIST (paged).
    List,
}

/// What a reflector has done so far: a snapshot of its counters, taken by
/// [`SharedIndexInformer::stats`](crate::SharedIndexInformer::stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReflectorStats {
    /// LIST syncs done.
    pub lists: u64,
    /// Streaming-list syncs done.
    pub streaming_lists: u64,
    /// Watches started (including the streaming lists).
    pub watches: u64,
    /// Relists caused by 410 Gone.
    pub expired: u64,
    /// Failures that caused a back-off.
    pub failures: u64,
    /// How the last sync was done (`None`: no sync yet).
    pub last_sync_mode: Option<SyncMode>,
}

/// The reflector's live counters, behind [`ReflectorStats`].
#[derive(Debug, Default)]
pub(crate) struct ReflectorCounters {
    lists: AtomicU64,
    streaming_lists: AtomicU64,
    watches: AtomicU64,
    expired: AtomicU64,
    failures: AtomicU64,
    last_mode: Mutex<Option<SyncMode>>,
}

impl ReflectorCounters {
    /// The counters' values now.
    pub(crate) fn snapshot(&self) -> ReflectorStats {
        ReflectorStats {
            lists: self.lists.load(Ordering::Relaxed),
            streaming_lists: self.streaming_lists.load(Ordering::Relaxed),
            watches: self.watches.load(Ordering::Relaxed),
            expired: self.expired.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
            last_sync_mode: *self.last_mode.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    fn synced(&self, mode: SyncMode) {
        *self.last_mode.lock().unwrap_or_else(|p| p.into_inner()) = Some(mode);
        match mode {
            SyncMode::List => self.lists.fetch_add(1, Ordering::Relaxed),
            SyncMode::StreamingList => self.streaming_lists.fetch_add(1, Ordering::Relaxed),
        };
    }
}

/// Reflector settings.
pub struct ReflectorOptions<K> {
    /// Label/field selectors (and other list tweaks) for every list and watch.
    pub list_options: ListOptions,
    /// Try a streaming list first (default true).
    pub streaming_list: bool,
    /// Page size of LISTs (default 500).
    pub page_size: i64,
    /// The shortest server-side watch timeout; each watch asks for a random value between
    /// this and twice this (default 5 minutes).
    pub min_watch_timeout: Duration,
    /// Run on each object before storing.
    pub transform: Option<Transform<K>>,
    /// Told about each list/watch failure (client-go `SetWatchErrorHandler`); `None`:
    /// [`default_watch_error_handler`](crate::default_watch_error_handler), which writes each
    /// distinct failure to stderr when no `tracing` subscriber records it. `Some(Arc::new(|_|
    /// {}))` silences failures (they are still logged through `tracing` and returned by the
    /// sync waits).
    pub watch_error_handler: Option<WatchErrorHandler>,
    /// The back-off between failed syncs (client-go's: 800 ms → 30 s, ×2, full jitter, reset
    /// after 2 minutes of health).
    pub backoff: ExponentialBackoffManager,
}

impl<K> Clone for ReflectorOptions<K> {
    fn clone(&self) -> Self {
        ReflectorOptions {
            list_options: self.list_options.clone(),
            streaming_list: self.streaming_list,
            page_size: self.page_size,
            min_watch_timeout: self.min_watch_timeout,
            transform: self.transform.clone(),
            watch_error_handler: self.watch_error_handler.clone(),
            backoff: self.backoff.clone(),
        }
    }
}

impl<K> Default for ReflectorOptions<K> {
    fn default() -> Self {
        ReflectorOptions {
            list_options: ListOptions::default(),
            streaming_list: true,
            page_size: 500,
            min_watch_timeout: Duration::from_secs(300),
            transform: None,
            watch_error_handler: None,
            backoff: ExponentialBackoffManager::default(),
        }
    }
}

impl<K> std::fmt::Debug for ReflectorOptions<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReflectorOptions")
            .field("list_options", &self.list_options)
            .field("streaming_list", &self.streaming_list)
            .field("page_size", &self.page_size)
            .field("min_watch_timeout", &self.min_watch_timeout)
            .finish_non_exhaustive()
    }
}

/// Why a watch loop stopped.
enum WatchEnd {
    /// The server ended the watch normally: resume from the last resourceVersion.
    Closed,
    /// 410 Gone: relist at `resourceVersion=""`.
    Expired,
    /// Anything else: back off, then relist.
    Failed(ListWatchOp, k8s_client::Error),
}

/// Lists and watches one resource into a [`DeltaSink`].
pub(crate) struct Reflector<K> {
    api: Api<K>,
    options: ReflectorOptions<K>,
    pub stats: Arc<ReflectorCounters>,
    last_rv: Option<String>,
    rv_unavailable: bool,
    streaming_unsupported: bool,
    backoff: ExponentialBackoffManager,
    /// What this reflector lists and watches, named in its failures.
    target: Arc<ListWatchTarget>,
    /// The last failure, shared with the informer (the sync waits return it).
    last_error: Arc<Mutex<Option<ListWatchError>>>,
    /// The text of the previous failure, until a watch is healthy again.
    previous: Option<String>,
}

impl<K> Reflector<K>
where
    K: HasMetadata + DeserializeOwned + Serialize + Clone + Send + Sync + 'static,
{
    pub fn new(
        api: Api<K>,
        options: ReflectorOptions<K>,
        target: Arc<ListWatchTarget>,
        last_error: Arc<Mutex<Option<ListWatchError>>>,
    ) -> Self {
        Reflector {
            target,
            last_error,
            previous: None,
            api,
            backoff: options.backoff.clone(),
            options,
            stats: Arc::new(ReflectorCounters::default()),
            last_rv: None,
            rv_unavailable: false,
            streaming_unsupported: false,
        }
    }

    /// Runs until the future is dropped.
    pub async fn run(mut self, sink: Arc<dyn DeltaSink<K>>) {
        loop {
            let err = self.list_and_watch(sink.as_ref()).await;
            if let Some((op, e)) = err {
                self.report(op, e);
                self.stats.failures.fetch_add(1, Ordering::Relaxed);
                self.backoff.wait().await;
            }
        }
    }

    /// Logs a failure, hands it to the watch-error handler and keeps it as the last one.
    fn report(&mut self, op: ListWatchOp, e: k8s_client::Error) {
        let probe = ListWatchError::new(self.target.clone(), op, e, false);
        let text = probe.to_string();
        let repeated = self.previous.as_deref() == Some(text.as_str());
        let err = probe.with_repeated(repeated);
        tracing::warn!(target: LOG_TARGET, error = %err, repeated, "list/watch failed; retrying with back-off");
        match &self.options.watch_error_handler {
            Some(h) => h(&err),
            None => default_watch_error_handler(&err),
        }
        *self.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(err);
        self.previous = Some(text);
    }

    /// A watch works: the next failure is news, even if it says what the last one said.
    fn healthy(&mut self) {
        self.previous = None;
    }

    fn arc(&self, obj: K) -> Arc<K> {
        match &self.options.transform {
            Some(t) => Arc::new(t(obj)),
            None => Arc::new(obj),
        }
    }

    /// An object of a (re)list: the stored one if it is unchanged (same uid and
    /// resourceVersion — on the server a changed object always has a new resourceVersion), else
    /// the decoded one. client-go holds two full copies of the cache until `Replace` swaps them;
    /// reusing what did not change keeps a relist's peak memory near the steady state.
    fn relisted(&self, sink: &dyn DeltaSink<K>, obj: K) -> Arc<K> {
        let meta = obj.object_meta();
        if meta.resource_version.is_some()
            && let Some(stored) = sink.stored(&object_key(&obj))
        {
            let was = stored.object_meta();
            if was.resource_version == meta.resource_version && was.uid == meta.uid {
                return stored;
            }
        }
        self.arc(obj)
    }

    fn watch_timeout(&self) -> i64 {
        let min = self.options.min_watch_timeout.as_secs().max(1);
        let secs = min as f64 * (1.0 + rand::random::<f64>());
        secs as i64
    }

    /// One sync then watches; returns the failure that ended it (None: relist at once).
    async fn list_and_watch(
        &mut self,
        sink: &dyn DeltaSink<K>,
    ) -> Option<(ListWatchOp, k8s_client::Error)> {
        let use_streaming = self.options.streaming_list && !self.streaming_unsupported;
        let mut resumed = None;
        if use_streaming {
            match self.streaming_list(sink).await {
                Ok(stream) => resumed = Some(stream),
                Err(StreamingError::Unsupported(reason)) => {
                    tracing::info!(%reason, "streaming list not supported; falling back to LIST");
                    self.streaming_unsupported = true;
                }
                Err(StreamingError::Expired) => {
                    self.rv_unavailable = true;
                    self.stats.expired.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                Err(StreamingError::Failed(e)) => return Some((ListWatchOp::StreamingList, e)),
            }
        }
        if resumed.is_none()
            && let Err(e) = self.list(sink).await
        {
            if e.is_gone() {
                self.rv_unavailable = true;
                self.stats.expired.fetch_add(1, Ordering::Relaxed);
                return None;
            }
            return Some((ListWatchOp::List, e));
        }
        // Watch (first on the stream the streaming list left open).
        loop {
            let end = match resumed.take() {
                Some(stream) => self.handle_watch(stream, sink).await,
                None => match self.start_watch().await {
                    Ok(stream) => self.handle_watch(stream, sink).await,
                    Err(e) if e.is_gone() => WatchEnd::Expired,
                    Err(e) if e.is_too_many_requests() || e.is_connect() => {
                        // Keep the resourceVersion; retry the watch after a back-off.
                        self.report(ListWatchOp::Watch, e);
                        self.backoff.wait().await;
                        continue;
                    }
                    Err(e) => WatchEnd::Failed(ListWatchOp::Watch, e),
                },
            };
            match end {
                WatchEnd::Closed => {
                    self.healthy();
                    continue;
                }
                WatchEnd::Expired => {
                    self.rv_unavailable = true;
                    self.stats.expired.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                WatchEnd::Failed(op, e) => return Some((op, e)),
            }
        }
    }

    fn base_options(&self) -> ListOptions {
        let mut o = self.options.list_options.clone();
        o.watch = false;
        o.limit = None;
        o.continue_token = None;
        o.resource_version = None;
        o.resource_version_match = None;
        o.send_initial_events = None;
        o.allow_watch_bookmarks = false;
        o.timeout_seconds = None;
        o
    }

    /// The resourceVersion to relist at (client-go `relistResourceVersion`).
    fn relist_rv(&self) -> String {
        if self.rv_unavailable {
            String::new()
        } else {
            self.last_rv.clone().unwrap_or_else(|| "0".to_string())
        }
    }

    async fn list(&mut self, sink: &dyn DeltaSink<K>) -> Result<(), k8s_client::Error> {
        let mut options = self.base_options();
        options.resource_version = Some(self.relist_rv());
        options.limit = Some(self.options.page_size);
        // One consistent state: when the continue token expires mid-way, the pages read so far
        // are dropped for one full list (client-go's `ListPager.List`).
        let list = self.api.list_paged(&options).await?;
        let rv = list.metadata.resource_version.clone();
        let items = list
            .items
            .into_iter()
            .map(|o| self.relisted(sink, o))
            .collect();
        sink.apply(Delta::Replace(items));
        self.last_rv = rv;
        self.rv_unavailable = false;
        self.stats.synced(SyncMode::List);
        Ok(())
    }

    async fn start_watch(
        &mut self,
    ) -> Result<
        impl Stream<Item = Result<WatchEvent<K>, k8s_client::Error>> + Send + use<K>,
        k8s_client::Error,
    > {
        let mut options = self.base_options();
        options.resource_version = self.last_rv.clone();
        options.allow_watch_bookmarks = true;
        options.timeout_seconds = Some(self.watch_timeout());
        self.stats.watches.fetch_add(1, Ordering::Relaxed);
        self.api.watch(&options).await
    }

    async fn streaming_list(
        &mut self,
        sink: &dyn DeltaSink<K>,
    ) -> Result<WatchStream<K>, StreamingError> {
        let mut options = self.base_options();
        options.resource_version = Some(if self.rv_unavailable {
            String::new()
        } else {
            self.last_rv.clone().unwrap_or_default()
        });
        options.resource_version_match = Some(ResourceVersionMatch::NotOlderThan);
        options.send_initial_events = Some(true);
        options.allow_watch_bookmarks = true;
        options.timeout_seconds = Some(self.watch_timeout());
        self.stats.watches.fetch_add(1, Ordering::Relaxed);
        let stream = match self.api.watch(&options).await {
            Ok(s) => s,
            Err(e) if e.is_gone() => return Err(StreamingError::Expired),
            Err(e) if e.is_invalid() || e.status_code() == Some(400) => {
                return Err(StreamingError::Unsupported(e.to_string()));
            }
            Err(e) => return Err(StreamingError::Failed(e)),
        };
        let mut stream: WatchStream<K> = Box::pin(stream);
        let mut items: HashMap<String, Arc<K>> = HashMap::new();
        while let Some(event) = stream.next().await {
            match event.map_err(StreamingError::Failed)? {
                WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                    let o = self.relisted(sink, o);
                    items.insert(object_key(o.as_ref()), o);
                }
                WatchEvent::Deleted(o) => {
                    items.remove(&object_key(&o));
                }
                WatchEvent::Bookmark(b) => {
                    if b.is_initial_events_end() {
                        sink.apply(Delta::Replace(items.into_values().collect()));
                        self.last_rv = Some(b.metadata.resource_version);
                        self.rv_unavailable = false;
                        self.stats.synced(SyncMode::StreamingList);
                        return Ok(stream);
                    }
                }
                WatchEvent::Error(status) if status.code == Some(410) => {
                    return Err(StreamingError::Expired);
                }
                WatchEvent::Error(status) => {
                    return Err(StreamingError::Failed(status_error(status)));
                }
            }
        }
        // The watch ended before the initial events were complete: a server that does not
        // know streaming lists starts a plain watch and never sends the bookmark.
        Err(StreamingError::Unsupported(
            "the watch ended without the initial-events-end bookmark".to_string(),
        ))
    }

    async fn handle_watch(
        &mut self,
        stream: impl Stream<Item = Result<WatchEvent<K>, k8s_client::Error>> + Send,
        sink: &dyn DeltaSink<K>,
    ) -> WatchEnd {
        futures::pin_mut!(stream);
        let mut events = 0u64;
        while let Some(event) = stream.next().await {
            let event = match event {
                Ok(e) => e,
                Err(e) => return WatchEnd::Failed(ListWatchOp::Watch, e),
            };
            events += 1;
            if events == 1 {
                self.healthy();
            }
            let (delta, rv) = match event {
                WatchEvent::Added(o) => {
                    let rv = o.object_meta().resource_version.clone();
                    (Delta::Added(self.arc(o)), rv)
                }
                WatchEvent::Modified(o) => {
                    let rv = o.object_meta().resource_version.clone();
                    (Delta::Modified(self.arc(o)), rv)
                }
                WatchEvent::Deleted(o) => {
                    let rv = o.object_meta().resource_version.clone();
                    (Delta::Deleted(self.arc(o)), rv)
                }
                WatchEvent::Bookmark(b) => {
                    self.last_rv = Some(b.metadata.resource_version);
                    continue;
                }
                WatchEvent::Error(status) if status.code == Some(410) => return WatchEnd::Expired,
                WatchEvent::Error(status) => {
                    return WatchEnd::Failed(ListWatchOp::Watch, status_error(status));
                }
            };
            sink.apply(delta);
            if rv.is_some() {
                self.last_rv = rv.map(Into::into);
            }
        }
        tracing::debug!(events, "watch closed by the server; resuming");
        WatchEnd::Closed
    }
}

type WatchStream<K> =
    std::pin::Pin<Box<dyn Stream<Item = Result<WatchEvent<K>, k8s_client::Error>> + Send>>;

enum StreamingError {
    Unsupported(String),
    Expired,
    Failed(k8s_client::Error),
}

fn status_error(status: k8s_apimachinery::Status) -> k8s_client::Error {
    k8s_client::Error::Api {
        method: "WATCH".to_string(),
        url: String::new(),
        error: Box::new(k8s_apimachinery::ApiError::from_status(status)),
    }
}
