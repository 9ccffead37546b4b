#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! Retry and rate-limit behaviour of the transport against a scripted transport (through the
//! `Transport` seam, no socket), with tokio's paused clock (so waits are exact and instant).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_client::transport::{
    Body, HttpRequest, Request, Transport, TransportError, TransportErrorKind, WarningHandler,
};
use k8s_client::{Config, HttpClient};
use tokio::time::Instant;

/// What the transport does with the n-th request.
#[derive(Clone, Copy)]
enum Reply {
    Status(u16, Option<&'static str>),
    /// The connection breaks before an answer.
    Reset,
    OkWithWarning,
}

/// Answers from `script` in order (the last entry repeats); returns the transport and a request
/// counter.
fn scripted(script: Vec<Reply>) -> (Transport, Arc<AtomicUsize>) {
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    let script = Arc::new(script);
    let svc = tower::service_fn(move |_req: HttpRequest| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let reply = script[n.min(script.len() - 1)];
        async move {
            let resp = match reply {
                Reply::Reset => {
                    return Err(TransportError::new(
                        TransportErrorKind::ConnectionReset,
                        format!("request {n}: connection reset by the script"),
                    ));
                }
                Reply::Status(code, retry_after) => {
                    let body = format!(
                        r#"{{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","message":"n={n}","code":{code}}}"#
                    );
                    let mut resp = http::Response::builder()
                        .status(code)
                        .header("content-type", "application/json");
                    if let Some(secs) = retry_after {
                        resp = resp.header("retry-after", secs);
                    }
                    resp.body(Body::from(body)).unwrap()
                }
                Reply::OkWithWarning => http::Response::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .header("warning", "299 - \"deprecated thing\"")
                    .header("warning", "299 - \"deprecated thing\"")
                    .body(Body::from(r#"{"ok":true}"#))
                    .unwrap(),
            };
            Ok(resp)
        }
    });
    (Transport::new(svc), count)
}

/// A client over the `script`ed transport; returns it and the transport's request counter.
fn client(script: Vec<Reply>, qps: f32) -> (HttpClient, Arc<AtomicUsize>) {
    let (transport, count) = scripted(script);
    let mut config = Config::new("http://fake.invalid");
    config.qps = qps;
    (
        HttpClient::with_transport(config, transport).unwrap(),
        count,
    )
}

#[tokio::test(start_paused = true)]
async fn retries_429_as_long_as_retry_after_says() {
    let (c, count) = client(
        vec![
            Reply::Status(429, Some("2")),
            Reply::Status(503, Some("1")),
            Reply::Status(200, None),
        ],
        -1.0,
    );
    let start = Instant::now();
    let resp = c.send(Request::get("/x")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert_eq!(c.requests_sent(), 3);
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(3),
        "waited 2 s + 1 s as told"
    );
}

#[tokio::test(start_paused = true)]
async fn no_retry_without_retry_after_and_at_most_ten() {
    let (c, count) = client(vec![Reply::Status(500, None)], -1.0);
    let err = c.send(Request::get("/x")).await.unwrap_err();
    assert_eq!(err.status_code(), Some(500));
    assert_eq!(count.load(Ordering::SeqCst), 1);

    let (c, count) = client(vec![Reply::Status(429, Some("1"))], -1.0);
    let start = Instant::now();
    let err = c.send(Request::get("/x")).await.unwrap_err();
    assert_eq!(err.status_code(), Some(429));
    assert_eq!(count.load(Ordering::SeqCst), 11, "one try + 10 retries");
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(10),
        "1 s before each retry"
    );
    match err {
        k8s_client::Error::Api { error, .. } => {
            assert_eq!(error.retry_after_seconds(), Some(1));
            assert!(error.is_too_many_requests());
        }
        other => panic!("want an API error, got {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn get_is_retried_after_connection_reset_but_post_is_not() {
    let (c, count) = client(vec![Reply::Reset, Reply::Status(200, None)], -1.0);
    let start = Instant::now();
    let resp = c.send(Request::get("/x")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(1),
        "1 s before the retry"
    );

    let (c, count) = client(vec![Reply::Reset, Reply::Status(200, None)], -1.0);
    let req = Request::new(http::Method::POST, "/x").body("{}", "application/json");
    let err = c.send(req).await.unwrap_err();
    assert!(matches!(err, k8s_client::Error::Http { .. }), "{err:?}");
    assert!(err.is_connection_reset(), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn rate_limiter_is_shared_by_clones() {
    let (a, count) = client(vec![Reply::Status(200, None)], 5.0); // client-go defaults: 5 qps, burst 10
    let b = a.clone();
    let start = Instant::now();
    for i in 0..12 {
        let c = if i % 2 == 0 { &a } else { &b };
        c.send(Request::get("/x")).await.unwrap();
    }
    assert_eq!(count.load(Ordering::SeqCst), 12);
    // 10 from the burst, then two at 200 ms each.
    assert_eq!(start.elapsed(), Duration::from_millis(400));
}

#[derive(Debug, Default)]
struct Collect(std::sync::Mutex<Vec<String>>);
impl WarningHandler for Collect {
    fn handle_warning(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
}

#[tokio::test]
async fn warnings_reach_the_handler() {
    // The handler set in the config (client-go `rest.Config.WarningHandler`) is used with a
    // transport of the caller's.
    let (transport, count) = scripted(vec![Reply::OkWithWarning]);
    let handler = Arc::new(Collect::default());
    let mut config = Config::new("http://fake.invalid");
    config.warning_handler = Some(handler.clone());
    let c = HttpClient::with_transport(config, transport).unwrap();
    c.send(Request::get("/x")).await.unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1, "answered by the script");
    assert_eq!(
        *handler.0.lock().unwrap(),
        vec!["deprecated thing", "deprecated thing"]
    );
}

#[tokio::test]
async fn with_warning_handler_overrides_the_config() {
    let (transport, _count) = scripted(vec![Reply::OkWithWarning]);
    let in_config = Arc::new(Collect::default());
    let given = Arc::new(Collect::default());
    let mut config = Config::new("http://fake.invalid");
    config.warning_handler = Some(in_config.clone());
    config.wrap_transport(move |_network| transport.clone());
    let c = HttpClient::with_warning_handler(config, given.clone()).unwrap();
    c.send(Request::get("/x")).await.unwrap();
    assert!(in_config.0.lock().unwrap().is_empty());
    assert_eq!(given.0.lock().unwrap().len(), 2);
}
