#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! `rest_client_exec_plugin_call_total`: each run of an exec credential plugin is reported to
//! the config's request metrics with its exit code and how it ended (client-go's `call_status`),
//! when a request needs the credential. The requests go to a scripted transport.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use k8s_client::config::{ExecConfig, ExecInteractiveMode};
use k8s_client::metrics::{ExecPluginCallStatus, RequestMetrics};
use k8s_client::transport::{Body, HttpRequest, Request, Transport};
use k8s_client::{Config, HttpClient};

/// Keeps the exec plugin calls it is told about.
#[derive(Default)]
struct ExecCalls(Mutex<Vec<(i32, ExecPluginCallStatus)>>);

impl RequestMetrics for ExecCalls {
    fn exec_plugin_call(&self, exit_code: i32, status: ExecPluginCallStatus) {
        self.0.lock().unwrap().push((exit_code, status));
    }
}

/// The token the plugin of these tests prints (never printed by the tests themselves).
const TOKEN: &str = "exec-plugin-metrics-token";

/// A config whose credential comes from `/bin/sh -c <script>` (or `command`, when given).
fn config(script: &str, command: Option<&str>) -> Config {
    let mut config = Config::new("https://k8s.invalid:6443");
    config.auth.exec = Some(ExecConfig {
        api_version: "client.authentication.k8s.io/v1".into(),
        command: command.unwrap_or("/bin/sh").into(),
        args: vec!["-c".into(), script.into()],
        interactive_mode: ExecInteractiveMode::Never,
        ..ExecConfig::default()
    });
    config
}

/// Sends one GET through a transport that answers `200 {}` and remembers whether the request
/// carried `Authorization: Bearer <TOKEN>`; returns whether the request succeeded, how many
/// requests reached the transport with that credential, and how many reached it at all.
async fn run(config: Config, metrics: Arc<dyn RequestMetrics>) -> (bool, usize, usize) {
    let mut config = config;
    config.metrics = Some(metrics);
    let authorized = Arc::new(AtomicUsize::new(0));
    let reached = Arc::new(AtomicUsize::new(0));
    let (a, r) = (authorized.clone(), reached.clone());
    let transport = tower::service_fn(move |req: HttpRequest| {
        r.fetch_add(1, Ordering::SeqCst);
        let expected = format!("Bearer {TOKEN}");
        if req
            .headers()
            .get(http::header::AUTHORIZATION)
            .is_some_and(|v| v.as_bytes() == expected.as_bytes())
        {
            a.fetch_add(1, Ordering::SeqCst);
        }
        async move {
            http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from("{}"))
        }
    });
    let client = HttpClient::with_transport(config, Transport::new(transport)).unwrap();
    let ok = client
        .send_json::<serde_json::Value>(Request::get("/api/v1/namespaces/default"))
        .await
        .is_ok();
    (
        ok,
        authorized.load(Ordering::SeqCst),
        reached.load(Ordering::SeqCst),
    )
}

fn plugin_printing_token() -> String {
    format!(
        r#"printf '{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{{"token":"{TOKEN}"}}}}'"#
    )
}

#[tokio::test]
async fn exec_plugin_metrics_success() {
    let calls = Arc::new(ExecCalls::default());
    let (ok, authorized, reached) =
        run(config(&plugin_printing_token(), None), calls.clone()).await;
    assert!(ok);
    assert_eq!(reached, 1);
    // Compared without printing the token.
    assert_eq!(
        authorized, 1,
        "the transport did not get the plugin's bearer token"
    );
    assert_eq!(
        *calls.0.lock().unwrap(),
        [(0, ExecPluginCallStatus::NoError)]
    );
}

#[tokio::test]
async fn exec_plugin_metrics_not_found() {
    let calls = Arc::new(ExecCalls::default());
    let config = config("", Some("/nonexistent/k8s-rs-credential-plugin"));
    let (ok, _, reached) = run(config, calls.clone()).await;
    assert!(!ok);
    assert_eq!(reached, 0, "no credential, no request");
    assert_eq!(
        *calls.0.lock().unwrap(),
        [(1, ExecPluginCallStatus::PluginNotFoundError)]
    );
}

#[tokio::test]
async fn exec_plugin_metrics_execution_error() {
    let calls = Arc::new(ExecCalls::default());
    let (ok, _, reached) = run(
        config("echo 'login first' >&2; exit 3", None),
        calls.clone(),
    )
    .await;
    assert!(!ok);
    assert_eq!(reached, 0, "no credential, no request");
    assert_eq!(
        *calls.0.lock().unwrap(),
        [(3, ExecPluginCallStatus::PluginExecutionError)]
    );
}

/// The same three calls, as `PrometheusRequestMetrics` exposes them.
#[cfg(feature = "prometheus")]
#[tokio::test]
async fn exec_plugin_metrics_in_prometheus() {
    use k8s_client::metrics::PrometheusRequestMetrics;

    let registry = prometheus::Registry::new();
    let metrics: Arc<dyn RequestMetrics> =
        Arc::new(PrometheusRequestMetrics::register(&registry).unwrap());
    assert!(
        run(config(&plugin_printing_token(), None), metrics.clone())
            .await
            .0
    );
    let missing = config("", Some("/nonexistent/k8s-rs-credential-plugin"));
    assert!(!run(missing, metrics.clone()).await.0);
    assert!(!run(config("exit 3", None), metrics.clone()).await.0);

    let text = prometheus::TextEncoder::new()
        .encode_to_string(&registry.gather())
        .unwrap();
    let mut calls: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("rest_client_exec_plugin_call_total{"))
        .collect();
    calls.sort_unstable();
    assert_eq!(
        calls,
        [
            r#"rest_client_exec_plugin_call_total{call_status="no_error",code="0"} 1"#,
            r#"rest_client_exec_plugin_call_total{call_status="plugin_execution_error",code="3"} 1"#,
            r#"rest_client_exec_plugin_call_total{call_status="plugin_not_found_error",code="1"} 1"#,
        ]
    );
}
