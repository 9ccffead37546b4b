#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! Retry and rate-limit behaviour of the transport against a tiny local HTTP/1.1 server that
//! answers from a script, with tokio's paused clock (so waits are exact and instant).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use k8s_client::transport::{Request, WarningHandler};
use k8s_client::{Config, HttpClient};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::time::Instant;

/// What the server does with the n-th request.
#[derive(Clone, Copy)]
enum Reply {
    Status(u16, Option<&'static str>),
    Close,
    OkWithWarning,
}

/// Serves `script` in order (the last entry repeats); returns the URL and a request counter.
async fn server(script: Vec<Reply>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            let script = script.clone();
            tokio::spawn(async move {
                loop {
                    // Read one request head (our requests in these tests have no body).
                    let mut buf = Vec::new();
                    let mut byte = [0u8; 1];
                    while !buf.ends_with(b"\r\n\r\n") {
                        match sock.read(&mut byte).await {
                            Ok(1) => buf.push(byte[0]),
                            _ => return,
                        }
                    }
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    let reply = script[n.min(script.len() - 1)];
                    let resp = match reply {
                        Reply::Close => return,
                        Reply::Status(code, retry_after) => {
                            let body = format!(
                                r#"{{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"TooManyRequests","message":"n={n}","code":{code}}}"#
                            );
                            let ra = retry_after
                                .map(|s| format!("Retry-After: {s}\r\n"))
                                .unwrap_or_default();
                            format!(
                                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\n{ra}Content-Length: {}\r\n\r\n{body}",
                                body.len()
                            )
                        }
                        Reply::OkWithWarning => {
                            let body = r#"{"ok":true}"#;
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nWarning: 299 - \"deprecated thing\"\r\nWarning: 299 - \"deprecated thing\"\r\nContent-Length: {}\r\n\r\n{body}",
                                body.len()
                            )
                        }
                    };
                    if sock.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, count)
}

fn client(url: &str, qps: f32) -> HttpClient {
    let mut config = Config::new(url);
    config.qps = qps;
    HttpClient::new(config).unwrap()
}

#[tokio::test(start_paused = true)]
async fn retries_429_as_long_as_retry_after_says() {
    let (url, count) = server(vec![
        Reply::Status(429, Some("2")),
        Reply::Status(503, Some("1")),
        Reply::Status(200, None),
    ])
    .await;
    let c = client(&url, -1.0);
    let start = Instant::now();
    let resp = c.send(Request::get("/x")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(count.load(Ordering::SeqCst), 3);
    assert_eq!(start.elapsed().as_secs(), 3, "waited 2 s + 1 s as told");
}

#[tokio::test(start_paused = true)]
async fn no_retry_without_retry_after_and_at_most_ten() {
    let (url, count) = server(vec![Reply::Status(500, None)]).await;
    let err = client(&url, -1.0)
        .send(Request::get("/x"))
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), Some(500));
    assert_eq!(count.load(Ordering::SeqCst), 1);

    let (url, count) = server(vec![Reply::Status(429, Some("1"))]).await;
    let err = client(&url, -1.0)
        .send(Request::get("/x"))
        .await
        .unwrap_err();
    assert_eq!(err.status_code(), Some(429));
    assert_eq!(count.load(Ordering::SeqCst), 11, "one try + 10 retries");
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
    let (url, count) = server(vec![Reply::Close, Reply::Status(200, None)]).await;
    let resp = client(&url, -1.0).send(Request::get("/x")).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(count.load(Ordering::SeqCst), 2);

    let (url, count) = server(vec![Reply::Close, Reply::Status(200, None)]).await;
    let req = Request::new(http::Method::POST, "/x").body("{}", "application/json");
    let err = client(&url, -1.0).send(req).await.unwrap_err();
    assert!(matches!(err, k8s_client::Error::Http { .. }), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn rate_limiter_is_shared_by_clones() {
    let (url, count) = server(vec![Reply::Status(200, None)]).await;
    let a = client(&url, 5.0); // client-go defaults: 5 qps, burst 10
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
    let (url, _) = server(vec![Reply::OkWithWarning]).await;
    let handler = Arc::new(Collect::default());
    let c = HttpClient::with_warning_handler(Config::new(&url), handler.clone()).unwrap();
    c.send(Request::get("/x")).await.unwrap();
    assert_eq!(
        *handler.0.lock().unwrap(),
        vec!["deprecated thing", "deprecated thing"]
    );
}
