//! [`FakeApiServer`]: the tower service behind the transport seam, and how a request travels
//! through it: parse → action log → faults → reactors → the handlers over the tracker.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bytes::Bytes;
use k8s_apimachinery::Resource;
use k8s_client::transport::{Body, BoxError, HttpRequest, HttpResponse, Transport};
use k8s_client::{Clientset, Config, HttpClient};
use serde::Serialize;
use serde_json::Value;

use crate::action::Action;
use crate::faults::{Fault, FaultKind, Faults};
use crate::handlers;
use crate::reactor::{Reaction, Reactor};
use crate::registry::{Registry, ResourceInfo};
use crate::request::{self, Route};
use crate::status::Failure;
use crate::tracker::{ObjectKey, ObjectTracker, Outcome, ResourceKey};
use crate::{Error, meta};

/// The namespaces a new fake has, as a fresh real cluster does.
const INITIAL_NAMESPACES: &[&str] = &["default", "kube-system", "kube-public", "kube-node-lease"];

/// How often a watch that allows bookmarks gets one (the real server's watch cache sends
/// them about once a minute).
pub const DEFAULT_BOOKMARK_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// The URL clients of the fake are configured with (nothing listens there: requests never
/// leave the process).
pub const FAKE_SERVER_URL: &str = "https://fake-apiserver.invalid";

/// An in-process Kubernetes API server for tests: the real `HttpClient`, `Api<K>`,
/// `Clientset`, dynamic and metadata clients, discovery and informers all run on top of it.
///
/// Cheap to clone; clones are the same server. See the [crate docs](crate) for what it
/// implements and how it differs from the real server.
///
/// ```
/// use k8s_api::core::v1::ConfigMap;
/// use k8s_apimachinery::{GetOptions, ObjectMeta};
/// use k8s_fake::FakeApiServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let cm = ConfigMap {
///     metadata: ObjectMeta { name: Some("settings".into()), namespace: Some("default".into()), ..Default::default() },
///     ..Default::default()
/// };
/// let fake = FakeApiServer::new().with_objects([cm])?;
/// let clientset = fake.clientset();
/// let got = clientset.core_v1().config_maps("default").get("settings", &GetOptions::default()).await?;
/// assert!(got.metadata.uid.is_some());
/// assert_eq!(fake.actions().len(), 1);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct FakeApiServer {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) registry: Registry,
    pub(crate) tracker: ObjectTracker,
    reactors: RwLock<Vec<Reactor>>,
    actions: Mutex<Vec<Action>>,
    pub(crate) faults: Faults,
    /// For uids: a counter mixed with the seed.
    uids: AtomicU64,
    /// Whether to record actions.
    record: std::sync::atomic::AtomicBool,
    /// Bookmark interval of watches that allow bookmarks, in milliseconds.
    bookmark_ms: AtomicU64,
}

impl std::fmt::Debug for FakeApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeApiServer")
            .field("tracker", &self.inner.tracker)
            .field("seed", &self.inner.faults.seed())
            .finish()
    }
}

impl Default for FakeApiServer {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeApiServer {
    /// A fake serving every built-in resource, with the namespaces of a fresh cluster
    /// (`default`, `kube-system`, `kube-public`, `kube-node-lease`), fault seed 0.
    pub fn new() -> Self {
        let server = FakeApiServer {
            inner: Arc::new(Inner {
                registry: Registry::builtin(),
                tracker: ObjectTracker::new(),
                reactors: RwLock::new(Vec::new()),
                actions: Mutex::new(Vec::new()),
                faults: Faults::new(0),
                uids: AtomicU64::new(0),
                record: std::sync::atomic::AtomicBool::new(true),
                bookmark_ms: AtomicU64::new(DEFAULT_BOOKMARK_INTERVAL.as_millis() as u64),
            }),
        };
        for ns in INITIAL_NAMESPACES {
            let obj = serde_json::json!({
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            });
            // Cannot fail: a fresh tracker, valid objects.
            let _ = server.add_value(obj);
        }
        server
    }

    /// Adds typed objects (`k8s_api` values of one kind), as client-go's
    /// `NewSimpleClientset(objs...)` does: stored as given plus uid, creationTimestamp,
    /// generation and resourceVersion; a namespaced object without a namespace goes to
    /// `default`; their namespaces need not exist. Not recorded in the action log.
    pub fn with_objects<K, I>(self, objects: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = K>,
        K: Resource + Serialize,
    {
        for o in objects {
            self.add(&o)?;
        }
        Ok(self)
    }

    /// Adds JSON objects (each with `apiVersion`, `kind` and `metadata.name`); see
    /// [`with_objects`](Self::with_objects).
    pub fn with_values(self, objects: impl IntoIterator<Item = Value>) -> Result<Self, Error> {
        for o in objects {
            self.add_value(o)?;
        }
        Ok(self)
    }

    /// Adds one typed object (see [`with_objects`](Self::with_objects)).
    pub fn add<K: Resource + Serialize>(&self, object: &K) -> Result<(), Error> {
        let mut v = serde_json::to_value(object).map_err(|e| Error::Object(e.to_string()))?;
        if let Some(m) = v.as_object_mut() {
            m.insert("apiVersion".into(), K::API_VERSION.into());
            m.insert("kind".into(), K::KIND.into());
        }
        self.add_value(v)
    }

    /// Adds one object given as JSON (see [`with_objects`](Self::with_objects)).
    pub fn add_value(&self, mut obj: Value) -> Result<(), Error> {
        let api_version = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let kind = obj
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let info = self
            .inner
            .registry
            .by_kind(&api_version, &kind)
            .ok_or_else(|| Error::UnknownKind {
                api_version: api_version.clone(),
                kind: kind.clone(),
            })?;
        let name = meta::name(&obj)
            .ok_or_else(|| Error::Object(format!("a {kind} without metadata.name")))?
            .to_string();
        let ns = if info.namespaced {
            meta::namespace(&obj).unwrap_or("default").to_string()
        } else {
            String::new()
        };
        if info.namespaced {
            meta::set(&mut obj, "namespace", Some(Value::String(ns.clone())));
        }
        if meta::uid(&obj).is_none() {
            meta::set(&mut obj, "uid", Some(Value::String(self.next_uid())));
        }
        if meta::str_field(&obj, "creationTimestamp").is_none() {
            meta::set(
                &mut obj,
                "creationTimestamp",
                Some(Value::String(meta::now())),
            );
        }
        if info.generation && obj["metadata"].get("generation").is_none() {
            meta::set(&mut obj, "generation", Some(Value::from(1)));
        }
        if info.group == "apiextensions.k8s.io" && info.kind == "CustomResourceDefinition" {
            self.inner
                .registry
                .install_crd(&obj)
                .map_err(Error::Object)?;
        }
        let key: ObjectKey = (ns, name.clone());
        let (exists, _) = self
            .inner
            .tracker
            .modify(&resource_key(&info), &key, |old| match old {
                Some(_) => Outcome::Keep(true),
                None => Outcome::Put(obj, false),
            });
        if exists {
            return Err(Error::AlreadyExists(format!(
                "{} {}",
                info.qualified(),
                name
            )));
        }
        Ok(())
    }

    /// Serves the custom resources of a CustomResourceDefinition (given typed, or as JSON),
    /// and stores the CRD, as installing it on a real cluster does (it is served at once:
    /// the fake has no `Established` delay).
    pub fn install_crd<T: Serialize>(&self, crd: &T) -> Result<(), Error> {
        let mut v = serde_json::to_value(crd).map_err(|e| Error::Object(e.to_string()))?;
        if v.get("apiVersion").is_none_or(Value::is_null) {
            v["apiVersion"] = "apiextensions.k8s.io/v1".into();
            v["kind"] = "CustomResourceDefinition".into();
        }
        self.add_value(v)
    }

    /// The tracker (the objects, the resourceVersion, compaction).
    pub fn tracker(&self) -> &ObjectTracker {
        &self.inner.tracker
    }

    /// The resources served.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// A transport that sends every request to this server.
    pub fn transport(&self) -> Transport {
        let server = self.clone();
        Transport::new(tower::service_fn(move |req: HttpRequest| {
            let server = server.clone();
            async move { server.handle(req).await }
        }))
    }

    /// A configuration for clients of this server: [`FAKE_SERVER_URL`], client-side rate
    /// limiter off (`qps = -1`).
    pub fn config(&self) -> Config {
        let mut config = Config::new(FAKE_SERVER_URL);
        config.qps = -1.0;
        config
    }

    /// An [`HttpClient`] over this server (the configuration of [`config`](Self::config)).
    pub fn client(&self) -> HttpClient {
        self.client_with(self.config())
    }

    /// An [`HttpClient`] with a configuration of the caller's (timeouts, retries, a rate
    /// limiter, warning handler, middleware) over this server. `config.server` only gives the
    /// URLs their host.
    pub fn client_with(&self, config: Config) -> HttpClient {
        match HttpClient::with_transport(config, self.transport()) {
            Ok(c) => c,
            // Only a malformed `config.server` or user agent fails; fall back to ours.
            Err(_) => HttpClient::with_transport(self.config(), self.transport())
                .unwrap_or_else(|_| unreachable!("the fake's own configuration is valid")),
        }
    }

    /// The typed clientset over this server.
    pub fn clientset(&self) -> Clientset {
        Clientset::from_client(self.client())
    }

    /// Every request so far, in arrival order (client-go's `Fake.Actions()`).
    pub fn actions(&self) -> Vec<Action> {
        self.inner
            .actions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Forgets the recorded actions (client-go's `ClearActions`).
    pub fn clear_actions(&self) {
        self.inner
            .actions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Stops (or resumes) recording actions; a benchmark or a long soak has no use for them.
    pub fn record_actions(&self, on: bool) {
        self.inner.record.store(on, Ordering::Relaxed);
    }

    /// Runs `react` before the tracker for requests of `verb` on `resource` (`"*"` for any;
    /// `pods/status` for a subresource), before the reactors added earlier (client-go's
    /// `PrependReactor`).
    ///
    /// ```
    /// use k8s_fake::{FakeApiServer, Failure, Reaction};
    ///
    /// let fake = FakeApiServer::new();
    /// fake.prepend_reactor("create", "configmaps", |_action| {
    ///     Reaction::Fail(Failure::new(500, "InternalError", "etcd is having a bad day"))
    /// });
    /// ```
    pub fn prepend_reactor(
        &self,
        verb: &str,
        resource: &str,
        react: impl Fn(&Action) -> Reaction + Send + Sync + 'static,
    ) {
        self.inner
            .reactors
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                0,
                Reactor {
                    verb: verb.into(),
                    resource: resource.into(),
                    react: Arc::new(react),
                },
            );
    }

    /// Runs `react` after the reactors added earlier (still before the tracker).
    pub fn add_reactor(
        &self,
        verb: &str,
        resource: &str,
        react: impl Fn(&Action) -> Reaction + Send + Sync + 'static,
    ) {
        self.inner
            .reactors
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .push(Reactor {
                verb: verb.into(),
                resource: resource.into(),
                react: Arc::new(react),
            });
    }

    /// How often watches that allow bookmarks get one (tokio time; zero: never).
    pub fn set_bookmark_interval(&self, every: std::time::Duration) {
        self.inner
            .bookmark_ms
            .store(every.as_millis() as u64, Ordering::Relaxed);
    }

    pub(crate) fn bookmark_interval(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.inner.bookmark_ms.load(Ordering::Relaxed))
    }

    /// Sets the seed of the fault schedule (and of generated uids from now on).
    pub fn set_seed(&self, seed: u64) {
        self.inner.faults.set_seed(seed);
    }

    /// Adds a fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        self.inner.faults.add(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.inner.faults.clear();
    }

    pub(crate) fn next_uid(&self) -> String {
        let n = self.inner.uids.fetch_add(1, Ordering::Relaxed);
        let seed = self.inner.faults.seed();
        let a = crate::faults::mix(seed ^ n.rotate_left(17));
        let b = crate::faults::mix(a ^ n);
        // A version-4 UUID layout.
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    /// Handles one HTTP request.
    pub async fn handle(&self, req: HttpRequest) -> Result<HttpResponse, BoxError> {
        let (parts, body) = req.into_parts();
        let bytes = body.collect().await?;
        let (route, mut action) =
            request::parse(&parts.method, parts.uri.path(), parts.uri.query());
        let content_type = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let accept = parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if action.verb == "patch" {
            action.patch_type = Some(content_type.clone());
        }
        let parsed_body = parse_body(&bytes, &content_type);
        action.body = parsed_body.as_ref().ok().cloned().flatten();
        if self.inner.record.load(Ordering::Relaxed) {
            self.inner
                .actions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(action.clone());
        }
        let plan = self.inner.faults.plan(&action);
        if !plan.latency.is_zero() {
            tokio::time::sleep(plan.latency).await;
        }
        let reply = match plan.answer.clone() {
            Some(FaultKind::ResetConnection) => {
                return Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by peer (injected fault)",
                )));
            }
            Some(FaultKind::Status { code, retry_after }) => {
                Reply::Fail(fault_status(code, retry_after))
            }
            Some(FaultKind::Conflict) => match self.info_of(&action) {
                Some(info) => Reply::Fail(crate::status::modified(
                    &info,
                    action.name.as_deref().unwrap_or_default(),
                )),
                None => Reply::Fail(crate::status::no_such_path()),
            },
            _ => match self.react(&action) {
                Some(reply) => reply,
                None => match route {
                    Route::NonResource => handlers::discovery::handle(self, &action, &accept),
                    Route::Resource => {
                        let ctx = handlers::Ctx {
                            server: self,
                            action: &action,
                            body: parsed_body,
                            raw: &bytes,
                            content_type: &content_type,
                            accept: &accept,
                            user_agent: &user_agent,
                            plan: &plan,
                        };
                        handlers::dispatch(ctx).await
                    }
                },
            },
        };
        Ok(reply.into_response(plan.reset_mid_body))
    }

    fn react(&self, action: &Action) -> Option<Reply> {
        let reactors = self
            .inner
            .reactors
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for r in reactors {
            match r.react(action) {
                Reaction::Pass => continue,
                Reaction::Object(v) => return Some(Reply::json(200, &v)),
                Reaction::Fail(f) => return Some(Reply::Fail(f)),
            }
        }
        None
    }

    pub(crate) fn info_of(&self, action: &Action) -> Option<Arc<ResourceInfo>> {
        self.inner
            .registry
            .get(&action.group, &action.version, &action.resource)
    }
}

/// The tracker's key of a resource.
pub(crate) fn resource_key(info: &ResourceInfo) -> ResourceKey {
    (info.group.clone(), info.plural.clone())
}

fn parse_body(bytes: &Bytes, content_type: &str) -> Result<Option<Value>, String> {
    if bytes.is_empty() {
        return Ok(None);
    }
    if content_type.starts_with("application/apply-patch+yaml") {
        return serde_yaml::from_slice::<Value>(bytes)
            .map(Some)
            .map_err(|e| e.to_string());
    }
    serde_json::from_slice::<Value>(bytes)
        .map(Some)
        .map_err(|e| e.to_string())
}

fn fault_status(code: u16, retry_after: Option<u64>) -> Failure {
    let (reason, message) = match code {
        429 => (
            "TooManyRequests",
            "too many requests, please try again later (injected fault)",
        ),
        500 => ("InternalError", "an error on the server (injected fault)"),
        503 => (
            "ServiceUnavailable",
            "the server is currently unable to handle the request (injected fault)",
        ),
        504 => (
            "Timeout",
            "the server was unable to return a response in the time allotted (injected fault)",
        ),
        _ => ("", "injected fault"),
    };
    let mut f = Failure::new(code, reason, message);
    f.retry_after = retry_after;
    if let Some(s) = retry_after {
        f.details = Some(serde_json::json!({"retryAfterSeconds": s}));
    }
    f
}

/// What a handler answers.
pub(crate) enum Reply {
    /// A JSON body already encoded.
    Bytes(u16, Bytes),
    /// A failure.
    Fail(Failure),
    /// A streamed body (watch).
    Stream(Body),
    /// Plain text (health checks).
    Text(u16, &'static str),
    /// A body with a content type of its own.
    Typed(u16, &'static str, Bytes),
}

impl Reply {
    pub(crate) fn json<T: Serialize + ?Sized>(code: u16, v: &T) -> Reply {
        match serde_json::to_vec(v) {
            Ok(b) => Reply::Bytes(code, Bytes::from(b)),
            Err(e) => Reply::Fail(Failure::new(
                500,
                "InternalError",
                format!("encoding the response: {e}"),
            )),
        }
    }

    fn into_response(self, reset_mid_body: bool) -> HttpResponse {
        let (code, content_type, body, retry_after) = match self {
            Reply::Bytes(code, b) => (code, "application/json", Some(b), None),
            Reply::Fail(f) => {
                let body = serde_json::to_vec(&f.to_status()).unwrap_or_default();
                (
                    f.code,
                    "application/json",
                    Some(Bytes::from(body)),
                    f.retry_after,
                )
            }
            Reply::Text(code, t) => (
                code,
                "text/plain; charset=utf-8",
                Some(Bytes::from_static(t.as_bytes())),
                None,
            ),
            Reply::Typed(code, ct, b) => (code, ct, Some(b), None),
            Reply::Stream(body) => {
                let mut resp = http::Response::new(body);
                resp.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/json"),
                );
                return resp;
            }
        };
        let body = body.unwrap_or_default();
        let body = if reset_mid_body {
            let half = body.slice(..body.len() / 2);
            Body::from_stream(futures::stream::iter(vec![
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "connection reset by peer in the middle of the body (injected fault)",
                )),
            ]))
        } else {
            Body::from(body)
        };
        let mut resp = http::Response::new(body);
        *resp.status_mut() =
            http::StatusCode::from_u16(code).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        resp.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(content_type),
        );
        if let Some(s) = retry_after {
            resp.headers_mut()
                .insert(http::header::RETRY_AFTER, http::HeaderValue::from(s));
        }
        resp
    }
}
