#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! The transport's HTTP/2 path (requests straight over the `h2` crate).
//!
//! Against the real API server: a LIST large enough for the server to gzip comes back decoded
//! and complete, and a request body larger than the stream's flow-control window goes out
//! whole. Against small local TLS servers (the behaviours a healthy API server does not show on
//! demand; built from the shared helpers of `k8s-test-servers`): a server that sends GOAWAY
//! after each request makes the client open a new connection, without a retry delay; a server
//! that only speaks HTTP/1.1 makes the client use HTTP/1.1.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use k8s_api::core::v1::ConfigMap;
use k8s_apimachinery::{CreateOptions, ListOptions, ObjectMeta};
use k8s_client::transport::Request;
use k8s_client::{Api, Config, HttpClient};
use k8s_test_servers::http1::Http1Conn;
use k8s_test_servers::http2::{H2Conn, respond};
use k8s_test_servers::{ALPN_H2, ALPN_HTTP1, Pki, TlsListener};
use k8s_testenv::TestEnv;

fn client(server: &str, ca: &[u8]) -> HttpClient {
    let mut config = Config::new(server);
    config.tls.ca_data = Some(ca.to_vec());
    config.qps = -1.0;
    HttpClient::new(config).unwrap()
}

async fn version(client: &HttpClient) -> String {
    let v: serde_json::Value = client.send_json(Request::get("/version")).await.unwrap();
    v["gitVersion"].as_str().unwrap().to_string()
}

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn goaway_opens_a_new_connection_without_a_retry() {
    let pki = Pki::generate().unwrap();
    let listener = Arc::new(TlsListener::bind(&pki, &[ALPN_H2]).await.unwrap());
    let url = listener.url();
    let connections = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::clone(&connections);
    tokio::spawn(async move {
        loop {
            let tcp = listener.accept_tcp().await.unwrap();
            let n = accepted.fetch_add(1, Ordering::SeqCst);
            let listener = Arc::clone(&listener);
            tokio::spawn(async move {
                let tls = listener.handshake(tcp).await.unwrap();
                let mut conn = H2Conn::handshake(tls).await.unwrap();
                // Each connection answers one request, then says GOAWAY.
                while let Some(request) = conn.accept().await {
                    let Ok((_, mut responder)) = request else {
                        break;
                    };
                    let json = format!("{{\"gitVersion\":\"connection-{n}\"}}");
                    respond(&mut responder, 200, JSON, json.as_bytes()).unwrap();
                    conn.goaway();
                }
            });
        }
    });

    let client = client(&url, pki.ca_pem());
    assert_eq!(version(&client).await, "connection-0");
    // Sent at once: whether the GOAWAY arrived first or refuses this stream, the request goes
    // out again on a new connection, within the same attempt.
    assert_eq!(version(&client).await, "connection-1");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(version(&client).await, "connection-2");
    assert_eq!(client.http2_connections(), 3);
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    assert_eq!(
        client.requests_sent(),
        3,
        "no request needed the connection-reset retry (which waits a second)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_http2_is_spoken_to_in_http1() {
    let pki = Pki::generate().unwrap();
    let listener = Arc::new(TlsListener::bind(&pki, &[ALPN_HTTP1]).await.unwrap());
    let url = listener.url();
    tokio::spawn(async move {
        loop {
            let tcp = listener.accept_tcp().await.unwrap();
            let listener = Arc::clone(&listener);
            tokio::spawn(async move {
                let Ok(tls) = listener.handshake(tcp).await else {
                    return;
                };
                // A minimal HTTP/1.1 server: one JSON answer per request, keep-alive.
                let mut conn = Http1Conn::new(tls);
                while let Ok(Some(request)) = conn.read_request().await {
                    let line = (request.method.as_str(), request.target.as_str());
                    assert_eq!(line, ("GET", "/version"), "{request:?}");
                    assert_eq!(request.version, "HTTP/1.1", "{request:?}");
                    let body = br#"{"gitVersion":"http1"}"#;
                    if conn.respond(200, JSON, body).await.is_err() {
                        return;
                    }
                }
            });
        }
    });

    let client = client(&url, pki.ca_pem());
    assert_eq!(version(&client).await, "http1");
    assert_eq!(version(&client).await, "http1");
    assert_eq!(client.http2_connections(), 0, "the server chose HTTP/1.1");
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_both_ways() {
    let env = TestEnv::new("h2-gzip").await.unwrap();
    let client = env.plane().client().unwrap();
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), env.namespace());
    // 160 ConfigMaps of 1 KiB: a LIST of ~200 KiB, over the API server's 128 KiB gzip threshold.
    let value = "x".repeat(1024);
    for i in 0..160 {
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some(format!("cm-{i:03}").into()),
                ..ObjectMeta::default()
            },
            data: Some([("v".into(), value.as_str().into())].into_iter().collect()),
            ..ConfigMap::default()
        };
        api.create(&cm, &CreateOptions::default()).await.unwrap();
    }

    // Asked for gzip explicitly, the body is left as the server sent it: gzip.
    let path = format!("/api/v1/namespaces/{}/configmaps", env.namespace());
    let raw = client
        .send(Request::get(path.clone()).header(
            http::header::ACCEPT_ENCODING,
            http::HeaderValue::from_static("gzip"),
        ))
        .await
        .unwrap();
    assert_eq!(
        raw.headers()
            .get(http::header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap()),
        Some("gzip")
    );
    let bytes = raw.into_body().collect().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");

    // The usual request asks for gzip itself and hands back the decoded list.
    let list = api.list(&ListOptions::default()).await.unwrap();
    assert_eq!(list.items.len(), 160);
    assert!(
        list.items
            .iter()
            .all(|cm| cm.data.as_ref().unwrap().get("v").unwrap().len() == 1024)
    );

    // A request body far over the server's initial stream window (64 KiB until its SETTINGS
    // say more) goes out as the window opens.
    let big = "y".repeat(900 * 1024);
    let cm = ConfigMap {
        metadata: ObjectMeta {
            name: Some("big".into()),
            ..ObjectMeta::default()
        },
        data: Some([("v".into(), big.as_str().into())].into_iter().collect()),
        ..ConfigMap::default()
    };
    api.create(&cm, &CreateOptions::default()).await.unwrap();
    let back = api.get("big", &Default::default()).await.unwrap();
    assert_eq!(back.data.unwrap().get("v").unwrap().as_str(), big);
    assert_eq!(client.http2_connections(), 1);
}
