//! List/watch failures: what an informer lists and watches ([`ListWatchTarget`]), a failure of
//! its reflector ([`ListWatchError`]), and where failures go by default
//! ([`default_watch_error_handler`]).
//!
//! A reflector never gives up: it backs off (800 ms → 30 s) and tries again, forever, as in
//! client-go. Each failure is
//!
//! - logged through `tracing` at WARN (target `k8s_informers::reflector`);
//! - handed to the informer's watch-error handler (client-go `SetWatchErrorHandler`). The
//!   default one, [`default_watch_error_handler`], writes one line to stderr per distinct
//!   failure when no `tracing` subscriber would record that WARN event, so that a failing
//!   informer is never silent (client-go's default writes through klog, to stderr). Replace it
//!   with [`SharedIndexInformer::set_watch_error_handler`](crate::SharedIndexInformer::set_watch_error_handler)
//!   or [`SharedInformerFactory::watch_error_handler`](crate::SharedInformerFactory::watch_error_handler),
//!   or silence it with a handler that does nothing (`|_| {}`);
//! - kept as the informer's last failure, which
//!   [`wait_for_sync`](crate::SharedIndexInformer::wait_for_sync) and
//!   [`wait_for_cache_sync`](crate::SharedInformerFactory::wait_for_cache_sync) return (in
//!   [`Error::SyncTimeout`](crate::Error::SyncTimeout)) when they give up.
//!
//! ```text
//! k8s-informers: v1/configmaps in namespace "shop" (labels: app=web): streaming list failed: 403 Forbidden: configmaps is forbidden: User "jane" cannot watch resource "configmaps" in API group "" in the namespace "shop" (retrying with back-off)
//! ```

use std::fmt;
use std::io::Write;
use std::sync::Arc;

use k8s_apimachinery::{ListOptions, Scope};
use k8s_client::Api;

/// What one informer lists and watches: the resource, the namespace and the selectors. Its
/// `Display` names it the way failures do: `v1/configmaps in namespace "x" (labels: a=b)`,
/// `apps/v1/deployments in all namespaces`, `v1/nodes`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListWatchTarget {
    /// `apiVersion/plural`: `v1/configmaps`, `apps/v1/deployments`.
    pub resource: String,
    /// Whether the resource is namespaced (then `namespace: None` means all namespaces).
    pub scope: Scope,
    /// The namespace, when the informer watches one.
    pub namespace: Option<String>,
    /// The label selector of every list and watch, if any.
    pub label_selector: Option<String>,
    /// The field selector of every list and watch, if any.
    pub field_selector: Option<String>,
}

impl ListWatchTarget {
    /// The target of a reflector over `api` with `options`' selectors.
    pub fn new<K>(api: &Api<K>, options: &ListOptions) -> Self {
        let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        ListWatchTarget {
            resource: format!("{}/{}", api.api_version(), api.plural()),
            scope: api.scope(),
            namespace: api.namespace().map(str::to_string),
            label_selector: nonempty(&options.label_selector),
            field_selector: nonempty(&options.field_selector),
        }
    }
}

impl fmt::Display for ListWatchTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.resource)?;
        match (&self.namespace, self.scope) {
            (Some(ns), _) => write!(f, " in namespace {ns:?}")?,
            (None, Scope::Namespaced) => f.write_str(" in all namespaces")?,
            (None, Scope::Cluster) => {}
        }
        match (&self.label_selector, &self.field_selector) {
            (Some(l), Some(s)) => write!(f, " (labels: {l}, fields: {s})"),
            (Some(l), None) => write!(f, " (labels: {l})"),
            (None, Some(s)) => write!(f, " (fields: {s})"),
            (None, None) => Ok(()),
        }
    }
}

/// Which request of a reflector failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListWatchOp {
    /// A (paged) LIST.
    List,
    /// The watch that does the initial sync (`sendInitialEvents=true`).
    StreamingList,
    /// A WATCH from the last resourceVersion.
    Watch,
}

impl fmt::Display for ListWatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ListWatchOp::List => "list",
            ListWatchOp::StreamingList => "streaming list",
            ListWatchOp::Watch => "watch",
        })
    }
}

/// A failed list or watch of an informer, with what the informer watches:
/// `v1/configmaps in namespace "x" (labels: a=b): list failed: 403 Forbidden: …`.
///
/// Handed to the informer's watch-error handler, and returned (the last one) by the sync
/// waits when they give up. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ListWatchError {
    target: Arc<ListWatchTarget>,
    op: ListWatchOp,
    error: Arc<k8s_client::Error>,
    repeated: bool,
}

impl ListWatchError {
    pub(crate) fn new(
        target: Arc<ListWatchTarget>,
        op: ListWatchOp,
        error: k8s_client::Error,
        repeated: bool,
    ) -> Self {
        ListWatchError {
            target,
            op,
            error: Arc::new(error),
            repeated,
        }
    }

    pub(crate) fn with_repeated(mut self, repeated: bool) -> Self {
        self.repeated = repeated;
        self
    }

    /// What the informer lists and watches.
    pub fn target(&self) -> &ListWatchTarget {
        &self.target
    }

    /// Which request failed.
    pub fn op(&self) -> ListWatchOp {
        self.op
    }

    /// The client's error (ask it `is_forbidden()`, `is_connect()`, …).
    pub fn error(&self) -> &k8s_client::Error {
        &self.error
    }

    /// Whether this failure says the same as the one before it, with no healthy watch in
    /// between (the default handler reports each distinct failure once).
    pub fn is_repeated(&self) -> bool {
        self.repeated
    }
}

impl fmt::Display for ListWatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} failed: ", self.target, self.op)?;
        match self.error.as_ref() {
            // The target already says which resource: the server's answer is what matters.
            k8s_client::Error::Api { error, .. } => {
                write!(f, "{} {}: {error}", error.code(), error.reason())
            }
            // The URL without its query (resourceVersion, a random timeoutSeconds…), so that
            // the same failure reads the same each time.
            k8s_client::Error::Http {
                method,
                url,
                source,
            } => write!(
                f,
                "{method} {}: {}",
                without_query(url),
                chain(source.as_ref())
            ),
            other => write!(f, "{other}"),
        }
    }
}

fn without_query(url: &str) -> &str {
    url.split_once('?').map_or(url, |(path, _)| path)
}

/// `a: b: c` from an error and its sources, skipping a source whose text is already there.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let text = e.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cur = e.source();
    }
    s
}

impl std::error::Error for ListWatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.error.as_ref())
    }
}

/// An informer that had not synced when a sync wait gave up, in
/// [`Error::SyncTimeout`](crate::Error::SyncTimeout).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NotSynced {
    /// What it lists and watches.
    pub target: ListWatchTarget,
    /// Whether it was started at all (informers asked of a factory after its `start` need
    /// another `start`).
    pub started: bool,
    /// Its last list/watch failure, if any.
    pub last_error: Option<ListWatchError>,
}

impl fmt::Display for NotSynced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.last_error, self.started) {
            (Some(e), _) => write!(f, "{e}"),
            (None, false) => write!(f, "{}: never started (call start())", self.target),
            (None, true) => write!(
                f,
                "{}: no list or watch has failed; the first list is still in progress",
                self.target
            ),
        }
    }
}

/// `a; b; c`.
pub(crate) fn join(pending: &[NotSynced]) -> String {
    pending
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The handler of list/watch failures (client-go `WatchErrorHandler`): called with every
/// failure, on the reflector's task, before it backs off.
pub type WatchErrorHandler = Arc<dyn Fn(&ListWatchError) + Send + Sync>;

/// The `tracing` target of the reflector's WARN event for each failure.
pub(crate) const LOG_TARGET: &str = "k8s_informers::reflector";

/// What informers do with a list/watch failure unless told otherwise (client-go
/// `DefaultWatchErrorHandler`): when no `tracing` subscriber records the reflector's WARN
/// events (target `k8s_informers::reflector`), write one line per distinct failure to stderr:
///
/// ```text
/// k8s-informers: v1/configmaps in namespace "shop": list failed: 403 Forbidden: configmaps is forbidden: … (retrying with back-off)
/// ```
///
/// A failure that repeats the previous one ([`ListWatchError::is_repeated`]) is not written
/// again. With a subscriber that records those events, the failure is already in its log and
/// nothing is written. Call it from a handler of your own to keep this behaviour and add yours.
pub fn default_watch_error_handler(err: &ListWatchError) {
    if err.is_repeated() || tracing::enabled!(target: LOG_TARGET, tracing::Level::WARN) {
        return;
    }
    write_line(&mut std::io::stderr().lock(), err);
}

fn write_line(out: &mut impl Write, err: &ListWatchError) {
    // Nothing to do if stderr is gone: the failure is still kept for the sync waits.
    let _ = writeln!(out, "k8s-informers: {err} (retrying with back-off)");
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_apimachinery::{ApiError, Status};

    fn target(namespace: Option<&str>, scope: Scope, labels: Option<&str>) -> ListWatchTarget {
        ListWatchTarget {
            resource: "v1/configmaps".into(),
            scope,
            namespace: namespace.map(Into::into),
            label_selector: labels.map(Into::into),
            field_selector: None,
        }
    }

    #[test]
    fn targets_read_as_a_person_would_say_them() {
        let t = target(Some("x"), Scope::Namespaced, Some("a=b"));
        assert_eq!(
            t.to_string(),
            "v1/configmaps in namespace \"x\" (labels: a=b)"
        );
        let t = target(None, Scope::Namespaced, None);
        assert_eq!(t.to_string(), "v1/configmaps in all namespaces");
        let mut t = target(None, Scope::Cluster, None);
        t.resource = "v1/nodes".into();
        t.field_selector = Some("metadata.name=n1".into());
        assert_eq!(t.to_string(), "v1/nodes (fields: metadata.name=n1)");
    }

    fn forbidden() -> k8s_client::Error {
        let status: Status = serde_json::from_value(serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden",
            "code": 403, "message": "configmaps is forbidden: User \"jane\" cannot list"
        }))
        .unwrap();
        k8s_client::Error::Api {
            method: "GET".into(),
            url: "https://h/api/v1/namespaces/x/configmaps?labelSelector=a%3Db".into(),
            error: Box::new(ApiError::from_status(status)),
        }
    }

    #[test]
    fn an_api_failure_names_the_target_the_request_and_the_answer() {
        let t = Arc::new(target(Some("x"), Scope::Namespaced, Some("a=b")));
        let e = ListWatchError::new(t, ListWatchOp::List, forbidden(), false);
        assert_eq!(
            e.to_string(),
            "v1/configmaps in namespace \"x\" (labels: a=b): list failed: 403 Forbidden: \
             configmaps is forbidden: User \"jane\" cannot list"
        );
        assert!(e.error().is_forbidden());
        let source = std::error::Error::source(&e).unwrap().to_string();
        assert!(source.starts_with("GET https://h/api/v1/"), "{source}");
    }

    #[test]
    fn other_failures_keep_the_client_error_text() {
        let t = Arc::new(target(None, Scope::Namespaced, None));
        let err = k8s_client::Error::InvalidRequest("bad".into());
        let e = ListWatchError::new(t, ListWatchOp::Watch, err, true);
        assert_eq!(
            e.to_string(),
            "v1/configmaps in all namespaces: watch failed: invalid request: bad"
        );
        assert!(e.is_repeated());
    }

    #[test]
    fn transport_failures_read_the_same_each_time() {
        let t = Arc::new(target(Some("x"), Scope::Namespaced, None));
        let refused = |rv: u32| k8s_client::Error::Http {
            method: "GET".into(),
            url: format!(
                "https://127.0.0.1:1/api/v1/namespaces/x/configmaps?resourceVersion={rv}&watch=true"
            ),
            source: Box::new(
                k8s_client::transport::TransportError::new(
                    k8s_client::transport::TransportErrorKind::Connect,
                    "connecting to 127.0.0.1:1",
                )
                .with_source(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
            ),
        };
        let a = ListWatchError::new(t.clone(), ListWatchOp::Watch, refused(1), false);
        let b = ListWatchError::new(t, ListWatchOp::Watch, refused(2), false);
        assert_eq!(a.to_string(), b.to_string());
        assert_eq!(
            a.to_string(),
            "v1/configmaps in namespace \"x\": watch failed: GET https://127.0.0.1:1/api/v1/namespaces/x/configmaps: connecting to 127.0.0.1:1: connection refused"
        );
    }

    #[test]
    fn the_default_line_is_one_line() {
        let t = Arc::new(target(Some("x"), Scope::Namespaced, None));
        let e = ListWatchError::new(t, ListWatchOp::StreamingList, forbidden(), false);
        let mut out = Vec::new();
        write_line(&mut out, &e);
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(
            out.starts_with("k8s-informers: v1/configmaps in namespace \"x\": streaming list failed: 403 Forbidden:"),
            "{out}"
        );
    }
}
