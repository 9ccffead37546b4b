//! What the scenarios share: assertions that say what was expected and what came back, error
//! expectations (status code, reason, message shape, details), object builders, raw requests,
//! bounded watches and the CustomResourceDefinition fixture.

use std::fmt::Debug;
use std::time::Duration;

use futures::StreamExt;
use http::Method;
use k8s_apimachinery::{ApiError, ApiResource, ListOptions, Resource, Time, WatchEvent};
use k8s_client::transport::Request;
use k8s_client::{Api, Clientset, Error};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{Ctx, Failure};

/// What a scenario returns.
pub(crate) type Outcome = Result<(), Failure>;

/// Fails the scenario with a formatted message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::conformance::Failure::failed(format!($($arg)+)));
        }
    };
}

/// Fails the scenario unless `got == want`, saying what was compared, what was expected and
/// what came back.
macro_rules! ensure_eq {
    ($got:expr, $want:expr, $($arg:tt)+) => {{
        let (got, want) = (&$got, &$want);
        if got != want {
            return Err($crate::conformance::Failure::failed(format!(
                "{}: expected {:?}, got {:?}",
                format!($($arg)+),
                want,
                got
            )));
        }
    }};
}

pub(crate) use super::widgets::{Widgets, with_widgets};
pub(crate) use {ensure, ensure_eq};

/// Whether `text` has the shape `pattern`, where each `*` of the pattern stands for any run of
/// characters (possibly empty) and everything else must match exactly.
pub(crate) fn shape_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// A short rendering of what came back, for failure messages.
pub(crate) fn brief(value: &impl Debug) -> String {
    let text = format!("{value:?}");
    if text.len() > 600 {
        let mut end = 600;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &text[..end])
    } else {
        text
    }
}

/// An API error in one line: `409 AlreadyExists "configmaps \"a\" already exists"`.
pub(crate) fn describe(e: &ApiError) -> String {
    format!(
        "{} {} {:?}",
        e.code(),
        e.status.reason.as_deref().unwrap_or("(no reason)"),
        e.message()
    )
}

/// Expects `result` to be the API error `code`/`reason` with a message of shape `message`
/// (see [`shape_matches`]); returns it for further checks. `reason` `""` means the server
/// sends none.
pub(crate) fn expect_error<T: Debug>(
    what: &str,
    result: Result<T, Error>,
    code: u16,
    reason: &str,
    message: &str,
) -> Result<ApiError, Failure> {
    let got = match &result {
        Ok(v) => Err(format!("success: {}", brief(v))),
        Err(e) => e
            .api_error()
            .cloned()
            .ok_or_else(|| format!("a non-API error: {e}")),
    };
    check_error(what, got, code, reason, message)
}

/// [`expect_error`] on what came back: the server's error, or a description of anything else.
fn check_error(
    what: &str,
    got: Result<ApiError, String>,
    code: u16,
    reason: &str,
    message: &str,
) -> Result<ApiError, Failure> {
    let expected = format!("{code} {reason} {message:?}");
    let api =
        got.map_err(|other| Failure::failed(format!("{what}: expected {expected}, got {other}")))?;
    let got_reason = api.status.reason.as_deref().unwrap_or("");
    if api.code() != i32::from(code)
        || got_reason != reason
        || !shape_matches(message, api.message())
    {
        return Err(Failure::failed(format!(
            "{what}: expected {expected}, got {}",
            describe(&api)
        )));
    }
    Ok(api)
}

/// Expects the details of an API error to name `name`, `group` and `kind` (`None`: absent).
pub(crate) fn expect_details(
    what: &str,
    err: &ApiError,
    name: Option<&str>,
    group: Option<&str>,
    kind: Option<&str>,
) -> Outcome {
    let details = err.details();
    let got = (
        details.and_then(|d| d.name.as_deref()),
        details
            .and_then(|d| d.group.as_deref())
            .filter(|g| !g.is_empty()),
        details.and_then(|d| d.kind.as_deref()),
    );
    ensure_eq!(
        got,
        (name, group, kind),
        "{what}: details (name, group, kind)"
    );
    Ok(())
}

/// Expects the error's details to carry exactly the causes `(reason, field, message shape)`, in
/// any order (the real server lists apply conflicts in map order, which varies).
pub(crate) fn expect_causes(what: &str, err: &ApiError, causes: &[(&str, &str, &str)]) -> Outcome {
    let mut causes = causes.to_vec();
    causes.sort_by_key(|c| (c.1, c.0));
    let mut got: Vec<(String, String, String)> = err
        .details()
        .and_then(|d| d.causes.as_ref())
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c.reason.clone().unwrap_or_default(),
                        c.field.clone().unwrap_or_default(),
                        c.message.clone().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    got.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    let matches = got.len() == causes.len()
        && got
            .iter()
            .zip(&causes)
            .all(|(g, w)| g.0 == w.0 && g.1 == w.1 && shape_matches(w.2, &g.2));
    ensure!(
        matches,
        "{what}: expected causes (reason, field, message) {causes:?}, got {got:?}"
    );
    Ok(())
}

/// The string at a JSON pointer, or a failure naming the pointer and the object.
pub(crate) fn text<'a>(v: &'a Value, pointer: &str) -> Result<&'a str, Failure> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::failed(format!("expected a string at {pointer} in {}", brief(v))))
}

/// `metadata.resourceVersion` as a number (the real server's are etcd revisions, and both
/// targets must hand them out in increasing order).
pub(crate) fn rv(v: &Value) -> Result<u64, Failure> {
    let s = text(v, "/metadata/resourceVersion")?;
    s.parse().map_err(|_| {
        Failure::failed(format!(
            "metadata.resourceVersion {s:?} is not a decimal number"
        ))
    })
}

/// `metadata.resourceVersion` as it is.
pub(crate) fn rv_text(v: &Value) -> Result<String, Failure> {
    Ok(text(v, "/metadata/resourceVersion")?.to_string())
}

/// A timestamp at `pointer`, in seconds since the epoch.
pub(crate) fn seconds(v: &Value, pointer: &str) -> Result<i64, Failure> {
    let s = text(v, pointer)?;
    serde_json::from_value::<Time>(Value::String(s.to_string()))
        .map(|t| t.as_second())
        .map_err(|e| Failure::failed(format!("{pointer} = {s:?} is not a timestamp: {e}")))
}

/// The names of a list's items, in the order the server gave them.
pub(crate) fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["metadata"]["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Converts a JSON value into a typed object (for the typed clients).
pub(crate) fn typed<K: DeserializeOwned>(v: Value) -> Result<K, Failure> {
    serde_json::from_value(v).map_err(|e| Failure::failed(format!("building an object: {e}")))
}

/// A ConfigMap named `name` with `data` and `labels` (JSON objects; empty ones are left out, as
/// a Go client leaves them out).
pub(crate) fn config_map(name: &str, data: Value, labels: Value) -> Value {
    let mut cm = json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": name },
    });
    if labels.as_object().is_some_and(|l| !l.is_empty()) {
        cm["metadata"]["labels"] = labels;
    }
    if data.as_object().is_some_and(|d| !d.is_empty()) {
        cm["data"] = data;
    }
    cm
}

/// A Deployment of `replicas` with two containers, `c` (busybox) and `d` (nginx), selecting
/// `app=<name>`.
pub(crate) fn deployment(name: &str, replicas: i32) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": name, "labels": { "app": name } },
        "spec": {
            "replicas": replicas,
            "selector": { "matchLabels": { "app": name } },
            "template": {
                "metadata": { "labels": { "app": name } },
                "spec": { "containers": [
                    { "name": "c", "image": "busybox" },
                    { "name": "d", "image": "nginx" },
                ] },
            },
        },
    })
}

/// A Pod with one container, bound to `node` when given (no kubelet runs on a test plane, so a
/// bound Pod never terminates by itself).
pub(crate) fn pod(name: &str, node: Option<&str>) -> Value {
    let mut p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": { "name": name },
        "spec": { "containers": [ { "name": "c", "image": "busybox" } ] },
    });
    if let Some(node) = node {
        p["spec"]["nodeName"] = json!(node);
    }
    p
}

/// The container names and images of a Deployment, in order.
pub(crate) fn containers(d: &Value) -> Vec<(String, String)> {
    d["spec"]["template"]["spec"]["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap_or_default().to_string(),
                        c["image"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The `(manager, operation)` pairs of an object's managedFields, in order.
pub(crate) fn managers(v: &Value) -> Vec<(String, String)> {
    v["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| {
                    (
                        e["manager"].as_str().unwrap_or_default().to_string(),
                        e["operation"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The `fieldsV1` of `manager`'s managedFields entry.
pub(crate) fn fields_of(v: &Value, manager: &str) -> Value {
    v["metadata"]["managedFields"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["manager"] == manager))
        .map(|e| e["fieldsV1"].clone())
        .unwrap_or(Value::Null)
}

impl Ctx {
    /// The typed clientset over the target's client.
    pub fn clientset(&self) -> Clientset {
        Clientset::from_client(self.client.clone())
    }

    /// A typed `K` client in the scenario's namespace.
    pub fn api<K: Resource>(&self) -> Api<K> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// A dynamic client (objects as JSON) for `K` in the scenario's namespace.
    pub fn json<K: Resource>(&self) -> Api<Value> {
        Api::namespaced_with(
            self.client.clone(),
            &self.namespace,
            &ApiResource::erase::<K>(),
        )
    }

    /// A dynamic client (objects as JSON) for `resource` in `namespace` (`None`: all
    /// namespaces, or a cluster-scoped resource).
    pub fn json_in(&self, resource: &ApiResource, namespace: Option<&str>) -> Api<Value> {
        match namespace {
            Some(ns) => Api::namespaced_with(self.client.clone(), ns, resource),
            None => Api::all_with(self.client.clone(), resource),
        }
    }

    /// The path of `K`'s collection in the scenario's namespace, `/api/v1/namespaces/ns/pods`.
    pub fn path<K: Resource>(&self) -> String {
        let prefix = if K::GROUP.is_empty() {
            format!("/api/{}", K::VERSION)
        } else {
            format!("/apis/{}/{}", K::GROUP, K::VERSION)
        };
        format!("{prefix}/namespaces/{}/{}", self.namespace, K::PLURAL)
    }

    /// Sends a raw request with an optional body and decodes the JSON answer. Non-2xx answers
    /// are `Error::Api` with the server's `Status`.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Result<Value, Error> {
        let mut req = Request::new(method, path);
        if let Some((content_type, bytes)) = body {
            req = req.body(bytes, content_type);
        }
        self.client.send_json(req).await
    }

    /// Creates a second namespace for scenarios that need two (its name starts with
    /// `<scenario namespace>-`); [`run`](super::run) deletes it with the scenario's own.
    pub async fn extra_namespace(&self) -> Result<String, Failure> {
        let ns = super::create_namespace(&self.client, &format!("{}-", self.namespace), self.name)
            .await?;
        if let Ok(mut extra) = self.extra.lock() {
            extra.push(ns.clone());
        }
        Ok(ns)
    }
}

/// Events of a watch, and whether the server ended it.
#[derive(Debug)]
pub(crate) struct Watched {
    /// The events, in the order they came.
    pub events: Vec<WatchEvent<Value>>,
    /// The server closed the stream (rather than the collector stopping early or timing out).
    pub ended: bool,
}

impl Watched {
    /// `TYPE name` for each event (`BOOKMARK` with its resourceVersion): for failure messages
    /// and comparisons.
    pub fn summary(&self) -> Vec<String> {
        self.events.iter().map(summarize).collect()
    }
}

/// `ADDED a`, `BOOKMARK 17`, `ERROR 410 Expired`.
pub(crate) fn summarize(e: &WatchEvent<Value>) -> String {
    match e {
        WatchEvent::Bookmark(b) => format!("BOOKMARK {}", b.metadata.resource_version),
        WatchEvent::Error(s) => format!(
            "ERROR {} {}",
            s.code.unwrap_or(0),
            s.reason.as_deref().unwrap_or("")
        ),
        other => format!(
            "{} {}",
            other.event_type(),
            other
                .object()
                .and_then(|o| o["metadata"]["name"].as_str())
                .unwrap_or("?")
        ),
    }
}

/// Opens a watch with `options` (which should carry `timeoutSeconds`) and collects events
/// until `done` says enough, the server ends the stream, or `limit` passes.
pub(crate) async fn watch(
    api: &Api<Value>,
    options: &ListOptions,
    limit: Duration,
    mut done: impl FnMut(&[WatchEvent<Value>]) -> bool,
) -> Result<Watched, Failure> {
    let stream = api.watch(options).await?;
    let mut stream = std::pin::pin!(stream);
    let deadline = tokio::time::Instant::now() + limit;
    let mut events = Vec::new();
    loop {
        if done(&events) {
            return Ok(Watched {
                events,
                ended: false,
            });
        }
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => {
                return Ok(Watched {
                    events,
                    ended: false,
                });
            }
            Ok(None) => {
                return Ok(Watched {
                    events,
                    ended: true,
                });
            }
            Ok(Some(event)) => events.push(event?),
        }
    }
}

/// A predicate for [`watch`]: at least `n` events that are not bookmarks.
pub(crate) fn objects(n: usize) -> impl FnMut(&[WatchEvent<Value>]) -> bool {
    move |events| {
        events
            .iter()
            .filter(|e| !matches!(e, WatchEvent::Bookmark(_)))
            .count()
            >= n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_with_wildcards() {
        assert!(shape_matches("abc", "abc"));
        assert!(!shape_matches("abc", "abcd"));
        assert!(!shape_matches("abc", "xabc"));
        assert!(shape_matches(
            "too old resource version: 1 (*)",
            "too old resource version: 1 (812)"
        ));
        assert!(!shape_matches(
            "too old resource version: 1 (*)",
            "too old resource version: 2 (812)"
        ));
        assert!(shape_matches("a*c*e", "abcde"));
        assert!(shape_matches("a*c*e", "ace"));
        assert!(!shape_matches("a*c*e", "abde"));
        assert!(shape_matches("*", ""));
        assert!(!shape_matches("ab*ba", "aba"));
        assert!(shape_matches("ab*ba", "abba"));
    }

    #[test]
    fn errors_are_compared_on_code_reason_and_message() {
        let conflict = || {
            Ok(ApiError::from_status(k8s_apimachinery::Status::failure(
                409,
                "AlreadyExists",
                "configmaps \"a\" already exists",
            )))
        };
        let shape = "configmaps \"*\" already exists";
        assert!(check_error("c", conflict(), 409, "AlreadyExists", shape).is_ok());
        assert_eq!(
            check_error("c", conflict(), 409, "Conflict", "*").unwrap_err(),
            Failure::failed(
                "c: expected 409 Conflict \"*\", got 409 AlreadyExists \"configmaps \\\"a\\\" already exists\""
            )
        );
        assert!(check_error("c", conflict(), 404, "AlreadyExists", shape).is_err());
        assert!(check_error("c", conflict(), 409, "AlreadyExists", "configmaps").is_err());
        let ok: Result<u8, Error> = Ok(7);
        let Failure::Failed(msg) = expect_error("c", ok, 404, "NotFound", "x").unwrap_err() else {
            panic!("not a failure")
        };
        assert_eq!(msg, "c: expected 404 NotFound \"x\", got success: 7");
    }
}
