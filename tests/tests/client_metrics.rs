#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! Request metrics and tracing of `k8s-client` against the real apiserver: a Prometheus
//! registry scraped after a known sequence of requests (counts by verb and code, latencies,
//! sizes, the rate limiter, the transport), a real `429` with `Retry-After` retried and counted,
//! and the `k8s_client::request` spans (path template, status, sizes, W3C trace id) seen by a
//! subscriber of the test's own.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::Method;
use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{CreateOptions, DeleteOptions, GetOptions, ListOptions, ObjectMeta};
use k8s_client::metrics::PrometheusRequestMetrics;
use k8s_client::transport::{HttpRequest, Request, Transport, W3cTraceContext};
use k8s_client::{Api, Config, HttpClient};
use k8s_testenv::{PlaneInfo, TestEnv};
use prometheus::{Registry, TextEncoder};
use serde_json::{Value, json};
use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber;
use tracing::span::{Attributes, Id, Record};
use tracing::{Instrument, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// An admin config for the plane with a client-side rate limiter that never makes anyone wait
/// (the fixture's config has none, and then there is no limiter latency to report).
fn config(plane: &PlaneInfo) -> Config {
    let mut config = plane.config_at(&plane.server).unwrap();
    config.qps = 1000.0;
    config.burst = 1000;
    config
}

/// An admin client whose request metrics go to a fresh Prometheus registry.
fn client_with_registry(plane: &PlaneInfo) -> (HttpClient, Registry) {
    let registry = Registry::new();
    let mut config = config(plane);
    config.metrics = Some(Arc::new(
        PrometheusRequestMetrics::register(&registry).unwrap(),
    ));
    (HttpClient::new(config).unwrap(), registry)
}

/// The `host` label of the plane's requests: the server's `host:port`.
fn host_of(server: &str) -> String {
    server
        .split_once("://")
        .map_or(server, |(_, rest)| rest)
        .trim_end_matches('/')
        .to_string()
}

fn cm(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta::named(name),
        ..ConfigMap::default()
    }
}

/// One scrape of a registry, read back from the text format a `/metrics` endpoint serves.
struct Scrape(Vec<(String, BTreeMap<String, String>, f64)>);

fn scrape(registry: &Registry) -> Scrape {
    let text = TextEncoder::new()
        .encode_to_string(&registry.gather())
        .unwrap();
    let mut samples = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, labels.trim_end_matches('}')),
            None => (series, ""),
        };
        let labels = labels
            .split(',')
            .filter(|l| !l.is_empty())
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (k.to_string(), v.trim_matches('"').to_string())
            })
            .collect();
        samples.push((name.to_string(), labels, value.parse().unwrap()));
    }
    Scrape(samples)
}

impl Scrape {
    /// The samples of `name`, keyed by the values of `keys` (joined by a space); every sample
    /// with a `host` label must name `host`, and carry no other label than `keys` and `host`.
    fn by(&self, name: &str, keys: &[&str], host: &str) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for (n, labels, value) in &self.0 {
            if n != name {
                continue;
            }
            if let Some(h) = labels.get("host") {
                assert_eq!(h, host, "{name}{labels:?}");
            }
            assert!(
                labels
                    .keys()
                    .all(|k| k == "host" || keys.contains(&k.as_str())),
                "{name}{labels:?}: unexpected labels"
            );
            let key: Vec<&str> = keys.iter().map(|k| labels[*k].as_str()).collect();
            assert!(
                out.insert(key.join(" "), *value).is_none(),
                "{name}: duplicate series"
            );
        }
        out
    }

    /// The `le` bounds of the buckets of histogram `name` (one series of it).
    fn bucket_bounds(&self, name: &str) -> Vec<f64> {
        let bucket = format!("{name}_bucket");
        let first = self
            .0
            .iter()
            .find(|(n, _, _)| *n == bucket)
            .map(|(_, labels, _)| {
                let mut l = labels.clone();
                l.remove("le");
                l
            })
            .unwrap();
        self.0
            .iter()
            .filter(|(n, labels, _)| {
                *n == bucket && {
                    let mut l = labels.clone();
                    l.remove("le");
                    l == first
                }
            })
            .map(|(_, labels, _)| labels["le"].parse().unwrap())
            .collect()
    }
}

fn counts(pairs: &[(&str, f64)]) -> BTreeMap<String, f64> {
    pairs.iter().map(|(k, v)| ((*k).to_string(), *v)).collect()
}

#[tokio::test]
async fn prometheus_counts_a_known_sequence_by_verb_and_code() {
    let env = TestEnv::new("metrics").await.unwrap();
    let plane = env.plane();
    let host = host_of(&plane.server);
    let (client, registry) = client_with_registry(plane);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), env.namespace());

    let create = CreateOptions::default();
    cms.create(&cm("a"), &create).await.unwrap(); // POST 201
    cms.create(&cm("b"), &create).await.unwrap(); // POST 201
    cms.get("a", &GetOptions::default()).await.unwrap(); // GET 200
    let err = cms
        .get("missing", &GetOptions::default())
        .await
        .unwrap_err(); // GET 404
    assert!(err.is_not_found(), "{err}");
    let err = cms.create(&cm("a"), &create).await.unwrap_err(); // POST 409
    assert!(err.is_already_exists(), "{err}");
    let list = cms.list(&ListOptions::default()).await.unwrap(); // GET 200
    assert_eq!(list.items.len(), 2);
    cms.delete("a", &DeleteOptions::default()).await.unwrap(); // DELETE 200
    assert_eq!(client.requests_sent(), 7);

    let s = scrape(&registry);
    assert_eq!(
        s.by("rest_client_requests_total", &["code", "method"], &host),
        counts(&[
            ("200 DELETE", 1.0),
            ("200 GET", 2.0),
            ("201 POST", 2.0),
            ("404 GET", 1.0),
            ("409 POST", 1.0),
        ])
    );
    let per_verb = counts(&[("DELETE", 1.0), ("GET", 3.0), ("POST", 3.0)]);
    // One latency sample per attempt, and one limiter wait per attempt.
    assert_eq!(
        s.by(
            "rest_client_request_duration_seconds_count",
            &["verb"],
            &host
        ),
        per_verb
    );
    assert_eq!(
        s.by(
            "rest_client_rate_limiter_duration_seconds_count",
            &["verb"],
            &host
        ),
        per_verb
    );
    // client-go observes the size of every request whose length it knows: 0 for a GET.
    assert_eq!(
        s.by("rest_client_request_size_bytes_count", &["verb"], &host),
        per_verb
    );
    let request_bytes = s.by("rest_client_request_size_bytes_sum", &["verb"], &host);
    assert_eq!(request_bytes["GET"], 0.0);
    assert!(request_bytes["POST"] > 0.0 && request_bytes["DELETE"] > 0.0);
    // Every body read whole is counted: the objects, the list, and the `Status` of a 404/409.
    assert_eq!(
        s.by("rest_client_response_size_bytes_count", &["verb"], &host),
        per_verb
    );
    let response_bytes = s.by("rest_client_response_size_bytes_sum", &["verb"], &host);
    assert!(
        response_bytes.values().all(|b| *b > 0.0),
        "{response_bytes:?}"
    );
    assert_eq!(
        s.by(
            "rest_client_transport_create_calls_total",
            &["result"],
            &host
        ),
        counts(&[("uncacheable", 1.0)])
    );
    assert!(
        s.by(
            "rest_client_request_retries_total",
            &["code", "verb"],
            &host
        )
        .is_empty()
    );
    assert!(
        s.by(
            "rest_client_exec_plugin_call_total",
            &["code", "call_status"],
            &host
        )
        .is_empty()
    );
    // component-base's buckets.
    assert_eq!(
        s.bucket_bounds("rest_client_request_duration_seconds"),
        [
            0.005,
            0.025,
            0.1,
            0.25,
            0.5,
            1.0,
            2.0,
            4.0,
            8.0,
            15.0,
            30.0,
            60.0,
            f64::INFINITY
        ]
    );
    assert_eq!(
        s.bucket_bounds("rest_client_response_size_bytes"),
        [
            64.0,
            256.0,
            512.0,
            1024.0,
            4096.0,
            16384.0,
            65536.0,
            262144.0,
            1048576.0,
            4194304.0,
            16777216.0,
            f64::INFINITY
        ]
    );
}

/// POSTs (or PATCHes, with a merge patch) `body` to `path` and returns the answer.
async fn send(client: &HttpClient, method: Method, path: &str, body: Value) -> Value {
    let request = if method == Method::PATCH {
        Request::new(method, path).body(body.to_string(), "application/merge-patch+json")
    } else {
        Request::new(method, path).json(&body).unwrap()
    };
    client.send_json(request).await.unwrap()
}

/// A real retry: the eviction of a Pod covered by a PodDisruptionBudget that the disruption
/// controller has not processed yet is answered `429 Too Many Requests` with `Retry-After: 10`.
/// Once the first answer is in, the test writes the budget's status as that controller would;
/// the retry then evicts the Pod.
#[tokio::test]
async fn a_real_429_with_retry_after_is_retried_and_counted() {
    let env = TestEnv::new("metrics-retry").await.unwrap();
    let plane = env.plane();
    let ns = env.namespace();
    let host = host_of(&plane.server);
    let admin = plane.client().unwrap();

    let pods = format!("/api/v1/namespaces/{ns}/pods");
    let pod = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "victim", "labels": {"app": "victim"}},
        "spec": {"containers": [{"name": "main", "image": "registry.k8s.io/pause:3.10"}]},
    });
    send(&admin, Method::POST, &pods, pod).await;
    // No kubelet here: say it runs (a Pending Pod is evicted without asking its budget).
    let status = json!({"status": {"phase": "Running"}});
    send(
        &admin,
        Method::PATCH,
        &format!("{pods}/victim/status"),
        status,
    )
    .await;
    let budgets = format!("/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets");
    let budget = json!({
        "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
        "metadata": {"name": "budget"},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app": "victim"}}},
    });
    let budget = send(&admin, Method::POST, &budgets, budget).await;
    let generation = budget["metadata"]["generation"].as_i64().unwrap();

    let (client, registry) = client_with_registry(plane);
    let eviction = json!({
        "apiVersion": "policy/v1", "kind": "Eviction",
        "metadata": {"name": "victim", "namespace": ns},
    });
    let request = Request::new(Method::POST, format!("{pods}/victim/eviction"))
        .json(&eviction)
        .unwrap();
    let evict = tokio::spawn(async move {
        let started = Instant::now();
        let result = client.send_json::<Value>(request).await;
        (result, started.elapsed())
    });

    // Wait for the first answer (the metrics say when it came).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let answered = scrape(&registry)
            .by("rest_client_requests_total", &["code", "method"], &host)
            .get("429 POST")
            .copied();
        if answered == Some(1.0) {
            break;
        }
        assert!(
            Instant::now() < deadline && !evict.is_finished(),
            "no 429 for the eviction"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let processed = json!({"status": {
        "observedGeneration": generation, "disruptionsAllowed": 1,
        "currentHealthy": 1, "desiredHealthy": 0, "expectedPods": 1,
    }});
    send(
        &admin,
        Method::PATCH,
        &format!("{budgets}/budget/status"),
        processed,
    )
    .await;

    let (result, took) = evict.await.unwrap();
    let answer = result.unwrap();
    assert_eq!(answer["status"], "Success", "{answer}");
    // It waited as the server asked (10 s) before trying again.
    assert!(took >= Duration::from_secs(9), "{took:?}");
    let err = Api::<k8s_api::core::v1::Pod>::namespaced(admin, ns)
        .get("victim", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    let s = scrape(&registry);
    assert_eq!(
        s.by("rest_client_requests_total", &["code", "method"], &host),
        counts(&[("201 POST", 1.0), ("429 POST", 1.0)])
    );
    assert_eq!(
        s.by(
            "rest_client_request_retries_total",
            &["code", "verb"],
            &host
        ),
        counts(&[("429 POST", 1.0)])
    );
    let two = counts(&[("POST", 2.0)]);
    assert_eq!(
        s.by(
            "rest_client_request_duration_seconds_count",
            &["verb"],
            &host
        ),
        two
    );
    assert_eq!(
        s.by(
            "rest_client_rate_limiter_duration_seconds_count",
            &["verb"],
            &host
        ),
        two
    );
    assert_eq!(
        s.by("rest_client_request_size_bytes_count", &["verb"], &host),
        two
    );
    // Only the answer returned is read whole (as in client-go).
    assert_eq!(
        s.by("rest_client_response_size_bytes_count", &["verb"], &host),
        counts(&[("POST", 1.0)])
    );
}

/// The fields of a span, as text.
type Fields = BTreeMap<String, String>;

/// A layer that keeps the fields of every span when it closes.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(&'static str, Fields)>>>);

impl Recorder {
    /// The closed spans named `name`, in the order they closed.
    fn closed(&self, name: &str) -> Vec<Fields> {
        let spans = self.0.lock().unwrap();
        spans
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, f)| f.clone())
            .collect()
    }
}

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S> Layer<S> for Recorder
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(&mut Visitor(fields));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(fields) = span.extensions_mut().remove::<Fields>()
        {
            self.0.lock().unwrap().push((span.name(), fields));
        }
    }
}

/// What a layer over the transport saw go out: the path and the `traceparent` header.
type Sent = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// An admin config that puts a W3C trace context on every request, with a layer over the
/// transport that records each request's path and `traceparent` before passing it on.
fn traced_config(plane: &PlaneInfo) -> (Config, Sent) {
    let mut config = config(plane);
    config.trace_propagator = Some(Arc::new(W3cTraceContext));
    let sent = Sent::default();
    let seen = sent.clone();
    config.wrap_transport(move |inner| {
        let seen = seen.clone();
        Transport::new(tower::service_fn(move |req: HttpRequest| {
            let traceparent = req
                .headers()
                .get("traceparent")
                .map(|v| v.to_str().unwrap().to_string());
            seen.lock()
                .unwrap()
                .push((req.uri().path().to_string(), traceparent));
            tower::ServiceExt::oneshot(inner.clone(), req)
        }))
    });
    (config, sent)
}

/// The trace id of a `traceparent` value (`00-<trace id>-<parent id>-01`), checked.
fn trace_id(traceparent: &str) -> &str {
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    assert_eq!((parts[0], parts[3]), ("00", "01"), "{traceparent}");
    assert_eq!((parts[1].len(), parts[2].len()), (32, 16), "{traceparent}");
    assert!(
        parts[1].chars().all(|c| c.is_ascii_hexdigit()),
        "{traceparent}"
    );
    parts[1]
}

#[tokio::test]
async fn request_spans_carry_the_path_template_status_sizes_and_trace_id() {
    let env = TestEnv::new("tracing").await.unwrap();
    let ns = env.namespace();
    let (config, sent) = traced_config(env.plane());
    let cms: Api<ConfigMap> = Api::namespaced(HttpClient::new(config).unwrap(), ns);
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    async {
        cms.create(&cm("traced"), &CreateOptions::default())
            .await
            .unwrap();
        let got = cms.get("traced", &GetOptions::default()).await.unwrap();
        assert_eq!(got.metadata.name.as_deref(), Some("traced"));
        let err = cms
            .get("missing", &GetOptions::default())
            .await
            .unwrap_err();
        assert!(err.is_not_found(), "{err}");
    }
    .with_subscriber(subscriber)
    .await;

    let spans = recorder.closed("k8s_client::request");
    let sent = sent.lock().unwrap().clone();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    assert_eq!(sent.len(), 3, "{sent:#?}");
    let items = "/api/v1/namespaces/{namespace}/configmaps";
    let item = "/api/v1/namespaces/{namespace}/configmaps/{name}";
    let expected = [
        (
            "POST",
            items,
            "201",
            format!("/api/v1/namespaces/{ns}/configmaps"),
        ),
        (
            "GET",
            item,
            "200",
            format!("/api/v1/namespaces/{ns}/configmaps/traced"),
        ),
        (
            "GET",
            item,
            "404",
            format!("/api/v1/namespaces/{ns}/configmaps/missing"),
        ),
    ];
    for ((span, (path, traceparent)), (method, template, status, real_path)) in
        spans.iter().zip(&sent).zip(&expected)
    {
        assert_eq!(span["method"], *method, "{span:?}");
        assert_eq!(span["path"], *template, "{span:?}");
        assert_eq!(span["status"], *status, "{span:?}");
        assert!(!span.contains_key("retries"), "{span:?}");
        assert_eq!(path, real_path);
        // The span names the trace the server was told about.
        let traceparent = traceparent.as_deref().expect("no traceparent sent");
        assert_eq!(span["trace_id"], trace_id(traceparent), "{span:?}");
    }
    let number = |span: &Fields, field: &str| span[field].parse::<u64>().unwrap();
    assert!(number(&spans[0], "request_bytes") > 0, "{:?}", spans[0]);
    assert!(number(&spans[0], "response_bytes") > 0, "{:?}", spans[0]);
    assert_eq!(number(&spans[1], "request_bytes"), 0, "{:?}", spans[1]);
    assert!(number(&spans[1], "response_bytes") > 0, "{:?}", spans[1]);
    // A fresh trace per request.
    let mut ids: Vec<&String> = spans.iter().map(|s| &s["trace_id"]).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

/// With `k8s_client` at INFO the request spans are off: what the client would record in them
/// must not land in the caller's span, even when it has fields of the same names.
#[tokio::test]
async fn disabled_request_spans_leave_the_callers_span_alone() {
    let env = TestEnv::new("tracing-off").await.unwrap();
    let (config, sent) = traced_config(env.plane());
    let cms: Api<ConfigMap> = Api::namespaced(HttpClient::new(config).unwrap(), env.namespace());
    cms.create(&cm("here"), &CreateOptions::default())
        .await
        .unwrap();
    let recorder = Recorder::default();
    let filter = tracing_subscriber::filter::Targets::new()
        .with_default(Level::TRACE)
        .with_target("k8s_client", Level::INFO);
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(recorder.clone());
    async {
        let reconcile = tracing::info_span!(
            "reconcile",
            status = tracing::field::Empty,
            retries = tracing::field::Empty,
            response_bytes = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        );
        async {
            cms.get("here", &GetOptions::default()).await.unwrap();
            let err = cms
                .get("missing", &GetOptions::default())
                .await
                .unwrap_err();
            assert!(err.is_not_found(), "{err}");
        }
        .instrument(reconcile)
        .await;
    }
    .with_subscriber(subscriber)
    .await;

    assert!(recorder.closed("k8s_client::request").is_empty());
    assert_eq!(recorder.closed("reconcile"), [Fields::new()]);
    // The trace context still goes out.
    let sent = sent.lock().unwrap();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|(_, tp)| tp.is_some()), "{sent:?}");
}
