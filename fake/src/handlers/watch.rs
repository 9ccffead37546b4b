//! `watch`: a stream of newline-delimited JSON events, as the real server's watch cache sends
//! them.
//!
//! - From resourceVersion `N`: every change after `N`, in resourceVersion order; if `N` was
//!   compacted, one `ERROR` event with a `410 Expired` status (the stream is still `200 OK`).
//! - Without a resourceVersion, or `"0"`: an `ADDED` event per current object first.
//! - `sendInitialEvents=true` (streaming list): the current objects as `ADDED`, then a
//!   `BOOKMARK` annotated `k8s.io/initial-events-end: "true"`, then changes.
//! - Selectors: an object that stops matching is sent as `DELETED` (its previous state with the
//!   new resourceVersion), one that starts matching as `ADDED`.
//! - `allowWatchBookmarks`: a `BOOKMARK` with the current resourceVersion every bookmark
//!   interval (tokio time) while the watch is open.
//! - `timeoutSeconds`: the stream ends cleanly after that long.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use k8s_client::transport::Body;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::read::{self, ListParams, Partial};
use super::{Ctx, set_type};
use crate::registry::ResourceInfo;
use crate::server::{Reply, resource_key};
use crate::status::Failure;
use crate::tracker::{Change, EventType, ObjectTracker, ResourceKey};

/// Changes read from the history at a time.
const BATCH: usize = 512;

struct State {
    tracker: ObjectTracker,
    res: ResourceKey,
    info: Arc<ResourceInfo>,
    namespace: Option<String>,
    params: ListParams,
    partial: bool,
    pos: u64,
    rx: tokio::sync::watch::Receiver<u64>,
    pending: VecDeque<Bytes>,
    sent: usize,
    close_after: Option<usize>,
    deadline: Option<Instant>,
    bookmark_every: Option<Duration>,
    next_bookmark: Option<Instant>,
    bookmark_due: bool,
    done: bool,
}

/// `watch`.
pub(crate) fn watch(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>) -> Reply {
    match start(ctx, info) {
        Ok(body) => Reply::Stream(body),
        Err(f) => Reply::Fail(f),
    }
}

fn start(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>) -> Result<Body, Failure> {
    let params = read::params(ctx, info, true)?;
    let tracker = ctx.server.inner.tracker.clone();
    let res = resource_key(info);
    let namespace = ctx.action.namespace.clone().filter(|_| info.namespaced);
    let requested = params.rv_number()?;
    let initial_events = match params.send_initial_events {
        Some(b) => b,
        None => requested.is_none_or(|n| n == 0),
    };
    let partial =
        read::partial(ctx.accept).is_some_and(|p| matches!(p, Partial::Object | Partial::List));
    let bookmark_every = params
        .bookmarks
        .then(|| ctx.server.bookmark_interval())
        .filter(|d| !d.is_zero());
    let now = Instant::now();
    let deadline = params
        .timeout_seconds
        .filter(|s| *s > 0)
        .map(|s| now + Duration::from_secs(s));
    let mut st = State {
        rx: tracker.subscribe(&res),
        tracker,
        res,
        info: info.clone(),
        namespace,
        partial,
        pos: 0,
        pending: VecDeque::new(),
        sent: 0,
        close_after: ctx.plan.close_watch_after,
        deadline,
        next_bookmark: bookmark_every.and_then(|d| next_bookmark(now, d, deadline)),
        bookmark_every,
        params,
        bookmark_due: false,
        done: false,
    };
    if ctx.plan.expire && requested.is_some_and(|n| n > 0) {
        let current = st.tracker.resource_version();
        st.push_error(read::too_old(requested.unwrap_or(0), current));
    } else if initial_events {
        let (items, rv, rx) = st
            .tracker
            .list_and_subscribe(&st.res, st.namespace.as_deref());
        st.rx = rx;
        st.pos = rv;
        for obj in &items {
            if read::selected(obj, &st.params) {
                st.push_event("ADDED", obj);
            }
        }
        if st.params.send_initial_events == Some(true) {
            st.push_bookmark(true);
        }
    } else {
        st.pos = requested.unwrap_or(0);
    }
    let stream = futures::stream::unfold(st, |mut st| async move {
        let chunk = st.next().await?;
        Some((Ok::<_, std::io::Error>(chunk), st))
    });
    Ok(Body::from_stream(stream))
}

impl State {
    fn encode(&self, kind: &str, obj: &Value) -> Bytes {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"{\"type\":\"");
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(b"\",\"object\":");
        // Serializing a `Value` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut out, obj);
        out.extend_from_slice(b"}\n");
        Bytes::from(out)
    }

    fn push_event(&mut self, kind: &str, obj: &Value) {
        let body = if self.partial {
            read::partial_object(obj, &self.info)
        } else {
            let mut v = obj.clone();
            set_type(&mut v, &self.info);
            v
        };
        let b = self.encode(kind, &body);
        self.pending.push_back(b);
    }

    fn push_bookmark(&mut self, initial_end: bool) {
        let mut meta = json!({"resourceVersion": self.pos.to_string(), "creationTimestamp": null});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let (kind, api_version) = if self.partial {
            (
                "PartialObjectMetadata".to_string(),
                "meta.k8s.io/v1".to_string(),
            )
        } else {
            (self.info.kind.clone(), self.info.api_version())
        };
        let obj = json!({"kind": kind, "apiVersion": api_version, "metadata": meta});
        let b = self.encode("BOOKMARK", &obj);
        self.pending.push_back(b);
    }

    fn push_error(&mut self, f: Failure) {
        let b = self.encode("ERROR", &f.to_status());
        self.pending.push_back(b);
        self.done = true;
    }

    fn in_scope(&self, change: &Change) -> bool {
        self.namespace
            .as_deref()
            .is_none_or(|ns| change.key.0 == ns)
    }

    fn push_change(&mut self, change: &Change) {
        if !self.in_scope(change) {
            return;
        }
        let now = read::selected(&change.object, &self.params);
        let before = change
            .previous
            .as_ref()
            .is_some_and(|p| read::selected(p, &self.params));
        match change.event {
            EventType::Added if now => self.push_event("ADDED", &change.object),
            EventType::Deleted if now || before => self.push_event("DELETED", &change.object),
            EventType::Modified => match (before, now) {
                (true, true) => self.push_event("MODIFIED", &change.object),
                (false, true) => self.push_event("ADDED", &change.object),
                (true, false) => {
                    // Left the selection: its previous state, at the change's version.
                    let mut prev = change.previous.as_deref().cloned().unwrap_or(Value::Null);
                    crate::meta::set(
                        &mut prev,
                        "resourceVersion",
                        Some(Value::String(change.resource_version.to_string())),
                    );
                    self.push_event("DELETED", &prev);
                }
                (false, false) => {}
            },
            _ => {}
        }
    }

    /// The next chunk of the stream, or `None` when it ends.
    async fn next(&mut self) -> Option<Bytes> {
        loop {
            if self.close_after.is_some_and(|n| self.sent >= n) {
                return None;
            }
            if let Some(b) = self.pending.pop_front() {
                if !b.starts_with(b"{\"type\":\"BOOKMARK\"") {
                    self.sent += 1;
                }
                return Some(b);
            }
            if self.done {
                return None;
            }
            // Mark the current version seen before reading, so no wake-up is lost.
            self.rx.borrow_and_update();
            match self.tracker.changes_since(&self.res, self.pos, BATCH) {
                Err(c) => {
                    self.push_error(read::too_old(c.requested, c.oldest));
                    continue;
                }
                Ok((changes, _)) if !changes.is_empty() => {
                    for c in &changes {
                        self.push_change(c);
                        self.pos = c.resource_version;
                    }
                    continue;
                }
                Ok((_, settled)) => {
                    if self.bookmark_due {
                        // Every change up to `settled` has been sent.
                        self.bookmark_due = false;
                        self.pos = self.pos.max(settled);
                        self.push_bookmark(false);
                        continue;
                    }
                }
            }
            let deadline = self.deadline;
            let bookmark = self.next_bookmark;
            tokio::select! {
                changed = self.rx.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                _ = sleep_until(deadline) => {
                    self.done = true;
                }
                _ = sleep_until(bookmark) => {
                    self.bookmark_due = true;
                    self.next_bookmark = self
                        .bookmark_every
                        .and_then(|d| next_bookmark(Instant::now(), d, self.deadline));
                }
            }
        }
    }
}

/// When the next bookmark is due, as the watch cache schedules them: every `every`, and also
/// two seconds before the watch's deadline (so a short watch still ends with a fresh
/// resourceVersion); none once that moment has passed.
fn next_bookmark(now: Instant, every: Duration, deadline: Option<Instant>) -> Option<Instant> {
    let mut at = now + every;
    if let Some(d) = deadline {
        let before_end = d.checked_sub(Duration::from_secs(2)).unwrap_or(now);
        if before_end < at {
            at = before_end;
        }
    }
    (at >= now).then_some(at)
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
