//! [`watcher`]: a watch that does not end — client-go's `RetryWatcher` with an initial list,
//! kube-rs's `watcher()`.
//!
//! A plain watch (`Api::watch`) ends when the server closes it (every 5–10 minutes by its
//! timeout, or at a restart) and fails with `410 Gone` when its resourceVersion is too old.
//! The [`watcher`] stream hides both:
//!
//! 1. it lists (page by page, one consistent state) and yields [`Event::Init`], an
//!    [`Event::InitApply`] per object and [`Event::InitDone`];
//! 2. it watches from the list's resourceVersion (with bookmarks, so its resourceVersion
//!    stays recent even when nothing it selects changes) and yields [`Event::Apply`] for
//!    additions and changes and [`Event::Delete`] for deletions;
//! 3. when the watch ends it resumes from the last resourceVersion seen — no event lost, none
//!    repeated; when the server answers `410 Gone` it lists again (step 1: consumers treat the
//!    new `Init … InitDone` as the whole truth, as a reflector's `Replace`);
//! 4. other failures are yielded as `Err` items and retried after a back-off (client-go's
//!    reflector back-off: 800 ms doubling to 30 s, jittered); the stream goes on.
//!
//! It never ends by itself: drop it to stop. For a cache with handlers, use an informer
//! (`k8s-informers`); the watcher is for code that wants the events themselves — and for
//! [`await_condition`](crate::wait::await_condition).

use std::collections::VecDeque;
use std::time::Duration;

use futures::stream::BoxStream;
use futures::{Stream, StreamExt};
use k8s_apimachinery::wait::ExponentialBackoffManager;
use k8s_apimachinery::{ListOptions, WatchEvent};
use k8s_client::Api;

use crate::{ApiObject, Error};

/// One item of a [`watcher`] stream.
#[derive(Clone, Debug, PartialEq)]
pub enum Event<K> {
    /// A (re)list starts: the objects that follow, up to [`Event::InitDone`], are the whole
    /// current state.
    Init,
    /// An object of the list.
    InitApply(K),
    /// The list is complete: what was not in it since the last `Init` is gone.
    InitDone,
    /// An object was added or changed.
    Apply(K),
    /// An object was deleted (its last state).
    Delete(K),
}

enum Phase<K> {
    List,
    Watch,
    Watching(BoxStream<'static, Result<WatchEvent<K>, k8s_client::Error>>),
}

struct State<K> {
    api: Api<K>,
    options: ListOptions,
    resource_version: Option<String>,
    phase: Phase<K>,
    pending: VecDeque<Event<K>>,
    backoff: ExponentialBackoffManager,
    /// A pause owed before the next request (after a failure).
    pause: Option<Duration>,
}

/// The longest a single watch request asks the server to keep the watch open (client-go's
/// reflector picks 5–10 minutes; the stream resumes when it ends either way).
const WATCH_TIMEOUT_SECONDS: i64 = 290;

/// A never-ending stream of the objects `api` sees with `options`' selectors; see the
/// [module docs](self). `options.resource_version`, `limit` and `continue_token` are managed
/// by the stream (`limit`: 500 per page).
///
/// ```no_run
/// use futures::TryStreamExt;
/// use k8s_api::core::v1::Pod;
/// use k8s_apimachinery::ListOptions;
/// use k8s_client::Api;
/// use k8s_controller::watcher::{Event, watcher};
///
/// # async fn demo(pods: Api<Pod>) -> Result<(), k8s_controller::Error> {
/// let events = watcher(pods, ListOptions::default().labels("app=web"));
/// futures::pin_mut!(events);
/// while let Some(event) = events.try_next().await? {
///     if let Event::Apply(pod) | Event::InitApply(pod) = event {
///         println!("{:?}: {:?}", pod.metadata.name, pod.status.phase);
///     }
/// }
/// # Ok(()) }
/// ```
///
/// (`try_next` stops at the first error; to ride out failures, use `next()` and skip `Err`s.)
pub fn watcher<K: ApiObject>(
    api: Api<K>,
    options: ListOptions,
) -> impl Stream<Item = Result<Event<K>, Error>> + Send + 'static {
    let state = State {
        api,
        options,
        resource_version: None,
        phase: Phase::List,
        pending: VecDeque::new(),
        backoff: ExponentialBackoffManager::default(),
        pause: None,
    };
    futures::stream::unfold(state, |mut state| async move {
        let item = state.next().await;
        Some((item, state))
    })
}

impl<K: ApiObject> State<K> {
    fn failed(&mut self, phase: Phase<K>, error: Error) -> Result<Event<K>, Error> {
        self.phase = phase;
        // Jittered by the manager (up to +100 %).
        self.pause = Some(self.backoff.next_delay());
        Err(error)
    }

    async fn next(&mut self) -> Result<Event<K>, Error> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(event);
            }
            if let Some(pause) = self.pause.take() {
                tokio::time::sleep(pause).await;
            }
            match &mut self.phase {
                Phase::List => {
                    let mut options = self.options.clone();
                    options.resource_version = None;
                    options.continue_token = None;
                    options.limit = Some(500);
                    match self.api.list_paged(&options).await {
                        Ok(list) => {
                            self.resource_version = list.metadata.resource_version.clone();
                            self.pending.push_back(Event::Init);
                            self.pending
                                .extend(list.items.into_iter().map(Event::InitApply));
                            self.pending.push_back(Event::InitDone);
                            self.phase = Phase::Watch;
                        }
                        Err(e) => return self.failed(Phase::List, e.into()),
                    }
                }
                Phase::Watch => {
                    let mut options = self.options.clone();
                    options.resource_version = self.resource_version.clone();
                    options.continue_token = None;
                    options.limit = None;
                    options.allow_watch_bookmarks = true;
                    options.timeout_seconds = Some(WATCH_TIMEOUT_SECONDS);
                    match self.api.watch(&options).await {
                        Ok(stream) => self.phase = Phase::Watching(stream.boxed()),
                        Err(e) if e.is_gone() => self.phase = Phase::List,
                        Err(e) => return self.failed(Phase::Watch, e.into()),
                    }
                }
                Phase::Watching(stream) => match stream.next().await {
                    // The server ended the watch: resume where it stopped.
                    None => self.phase = Phase::Watch,
                    Some(Err(e)) => return self.failed(Phase::Watch, e.into()),
                    Some(Ok(event)) => match event {
                        WatchEvent::Added(obj) | WatchEvent::Modified(obj) => {
                            if let Some(rv) = &obj.object_meta().resource_version {
                                self.resource_version = Some(rv.to_string());
                            }
                            return Ok(Event::Apply(obj));
                        }
                        WatchEvent::Deleted(obj) => {
                            if let Some(rv) = &obj.object_meta().resource_version {
                                self.resource_version = Some(rv.to_string());
                            }
                            return Ok(Event::Delete(obj));
                        }
                        WatchEvent::Bookmark(b) => {
                            self.resource_version = Some(b.metadata.resource_version);
                        }
                        WatchEvent::Error(status) if status.code == Some(410) => {
                            self.phase = Phase::List;
                        }
                        WatchEvent::Error(status) => {
                            let message = status.message.unwrap_or_default();
                            let error = Error::Watch {
                                code: status.code,
                                message,
                            };
                            return self.failed(Phase::Watch, error);
                        }
                    },
                },
            }
        }
    }
}
