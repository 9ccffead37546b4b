#![allow(clippy::unwrap_used, clippy::expect_used)] // test code may panic
//! Every fault predicate of [`k8s_client::Error`] (`is_connect`, `is_timeout`,
//! `is_connection_reset`, `is_tls`, `is_decode`) against the fault itself, caused for real on a
//! local socket: a closed port, a certificate from a CA the client does not trust, a server that
//! resets or closes the connection (or the HTTP/2 stream) in the middle of a body or before the
//! response, one that cuts the TLS handshake, a server that stalls past the timeout, a body that
//! is not what it says it is.
//!
//! Each fault goes through the HTTP/2 path (`https`, the server offering `h2`: the default
//! transport speaks HTTP/2 over `h2`) and the HTTP/1.1 path (plain `http`, or `disable_http2`
//! over TLS: reqwest), and through a WebSocket (port-forward) where one applies. Each test checks
//! that exactly one predicate holds, that the message names the URL and the cause, and that it
//! shows no credential; where retries could hide or repeat a fault, it checks how many requests
//! the server saw.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use h2::RecvStream;
use h2::server::SendResponse;
use k8s_api::core::v1::Pod;
use k8s_client::transport::{MAX_RETRIES, Request};
use k8s_client::{Api, Config, Error, HttpClient, SecretString};
use k8s_test_servers::http1::{Http1Conn, RequestHead};
use k8s_test_servers::http2::{H2Conn, send_head};
use k8s_test_servers::{ALPN_H2, ALPN_HTTP1, Pki, TlsListener, closed_port, reset};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::server::TlsStream;

/// The bearer token of every client here: no error message may show it.
const TOKEN: &str = "s3cret-fault-token";

/// The timeout of the timeout tests.
const TIMEOUT: Duration = Duration::from_millis(300);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Connect,
    Timeout,
    Reset,
    Tls,
    Decode,
}

/// The predicates that hold for `err`.
fn faults(err: &Error) -> Vec<Fault> {
    [
        (Fault::Connect, err.is_connect()),
        (Fault::Timeout, err.is_timeout()),
        (Fault::Reset, err.is_connection_reset()),
        (Fault::Tls, err.is_tls()),
        (Fault::Decode, err.is_decode()),
    ]
    .into_iter()
    .filter_map(|(fault, holds)| holds.then_some(fault))
    .collect()
}

/// `err` is `want` and nothing else; its message names `url` and every one of `causes`
/// (case-insensitive), and shows no credential.
fn assert_fault(err: &Error, want: Fault, url: &str, causes: &[&str]) {
    let shown = err.to_string();
    assert_eq!(faults(err), [want], "{shown}\n{err:?}");
    assert!(shown.contains(url), "{shown:?} does not name {url}");
    for cause in causes {
        assert!(
            shown.to_lowercase().contains(&cause.to_lowercase()),
            "{shown:?} does not say {cause:?}"
        );
    }
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(!format!("{err:?}").contains(TOKEN), "{err:?}");
}

fn config(server: &str) -> Config {
    let mut config = Config::new(server);
    config.auth.token = Some(SecretString::new(TOKEN));
    config.qps = -1.0;
    config
}

fn client(config: Config) -> HttpClient {
    HttpClient::new(config).unwrap()
}

/// A client of an `https` server whose CA is `ca`.
fn tls_client(server: &str, ca: &[u8]) -> HttpClient {
    let mut config = config(server);
    config.tls.ca_data = Some(ca.to_vec());
    client(config)
}

/// A local server and the requests it saw.
struct Server {
    url: String,
    /// The CA of an `https` server.
    ca: Vec<u8>,
    requests: Arc<AtomicUsize>,
}

impl Server {
    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A plain-`http` HTTP/1.1 server: the first request of each connection goes to `script`, which
/// owns the connection from then on (drop it to close, [`reset`] it, hold it to stall).
async fn http1_server<F, Fut>(script: F) -> Server
where
    F: Fn(Http1Conn<TcpStream>, RequestHead) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    let script = Arc::new(script);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (script, seen) = (script.clone(), seen.clone());
            tokio::spawn(async move {
                let mut conn = Http1Conn::new(tcp);
                if let Ok(Some(request)) = conn.read_request().await {
                    seen.fetch_add(1, Ordering::SeqCst);
                    script(conn, request).await;
                }
            });
        }
    });
    Server {
        url,
        ca: Vec::new(),
        requests,
    }
}

type H2 = H2Conn<TlsStream<TcpStream>>;

/// An `https` server speaking HTTP/2 (ALPN `h2`): each request goes to `script` with the
/// connection; it hands the connection back to serve the next request on it, or keeps it (to
/// close it, drive it, hold it).
async fn http2_server<F, Fut>(script: F) -> Server
where
    F: Fn(H2, http::Request<RecvStream>, SendResponse<Bytes>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<H2>> + Send + 'static,
{
    let pki = Pki::generate().unwrap();
    let listener = TlsListener::bind(&pki, &[ALPN_H2]).await.unwrap();
    let url = listener.url();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    let script = Arc::new(script);
    tokio::spawn(async move {
        loop {
            let Ok(tcp) = listener.accept_tcp().await else {
                return;
            };
            let Ok(tls) = listener.handshake(tcp).await else {
                continue;
            };
            let (script, seen) = (script.clone(), seen.clone());
            tokio::spawn(async move {
                let Ok(mut conn) = H2Conn::handshake(tls).await else {
                    return;
                };
                while let Some(Ok((request, responder))) = conn.accept().await {
                    seen.fetch_add(1, Ordering::SeqCst);
                    match script(conn, request, responder).await {
                        Some(next) => conn = next,
                        None => return,
                    }
                }
            });
        }
    });
    Server {
        url,
        ca: pki.ca_pem().to_vec(),
        requests,
    }
}

/// A TLS server (certificate of a fresh CA, offering `alpn`) that never gets a request: the
/// client does not trust it. Counts the handshakes that succeeded in `requests`.
async fn untrusted_tls_server(alpn: &[&[u8]]) -> Server {
    let pki = Pki::generate().unwrap();
    let listener = TlsListener::bind(&pki, alpn).await.unwrap();
    let url = listener.url();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    tokio::spawn(async move {
        while let Ok(tcp) = listener.accept_tcp().await {
            if let Ok(tls) = listener.handshake(tcp).await {
                // Counted before the connection closes.
                seen.fetch_add(1, Ordering::SeqCst);
                drop(tls);
            }
        }
    });
    Server {
        url,
        ca: pki.ca_pem().to_vec(),
        requests,
    }
}

/// A head announcing `Content-Length: 100` and 12 bytes of its body.
const HTTP1_PARTIAL: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"items\":[1,";

/// What the HTTP/2 server sends of a body before its fault.
const PARTIAL_BODY: &[u8] = b"{\"items\":[1,";

async fn get_json(client: &HttpClient, path: &str) -> Result<serde_json::Value, Error> {
    client.send_json(Request::get(path)).await
}

fn post(path: &str) -> Request {
    Request::new(http::Method::POST, path).body(&b"{}"[..], "application/json")
}

fn pods(client: HttpClient) -> Api<Pod> {
    Api::namespaced(client, "default")
}

// ---------------------------------------------------------------------------------------------
// is_connect: nothing listens on the port.

#[tokio::test]
async fn a_closed_port_is_a_connect_error_over_http2() {
    let port = closed_port().unwrap();
    let url = format!("https://127.0.0.1:{port}");
    let client = tls_client(&url, Pki::generate().unwrap().ca_pem());
    let err = get_json(&client, "/version").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Connect,
        &format!("GET {url}/version"),
        &[&format!("connecting to 127.0.0.1:{port}"), "refused"],
    );
    assert_eq!(client.requests_sent(), 1, "a connect error is not retried");
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error_over_http1() {
    let port = closed_port().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let client = client(config(&url));
    let err = get_json(&client, "/version").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Connect,
        &format!("GET {url}/version"),
        &["cannot connect", "refused"],
    );
    assert_eq!(client.requests_sent(), 1, "a connect error is not retried");
}

#[tokio::test]
async fn a_closed_port_is_a_connect_error_for_a_websocket() {
    let port = closed_port().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let err = pods(client(config(&url)))
        .port_forward("web", &[8080])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WebSocket { .. }), "{err:?}");
    assert_fault(
        &err,
        Fault::Connect,
        &format!("{url}/api/v1/namespaces/default/pods/web/portforward?ports=8080"),
        &["websocket", "refused"],
    );
}

// ---------------------------------------------------------------------------------------------
// is_tls: the server's certificate is signed by a CA the client does not trust.

#[tokio::test]
async fn an_unknown_ca_is_a_tls_error_over_http2() {
    let server = untrusted_tls_server(&[ALPN_H2, ALPN_HTTP1]).await;
    let other_ca = Pki::generate().unwrap();
    let client = tls_client(&server.url, other_ca.ca_pem());
    let err = get_json(&client, "/version").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Tls,
        &format!("GET {}/version", server.url),
        &["TLS handshake", "UnknownIssuer"],
    );
    assert_eq!(server.requests(), 0, "no handshake succeeded");
    assert_eq!(client.http2_connections(), 0);

    // The same server, trusted, completes the handshake: the fault was the CA. (It closes the
    // connection then, which fails the request: a POST, so that it is not retried.)
    let trusting = tls_client(&server.url, &server.ca);
    let err = trusting
        .send_json::<serde_json::Value>(post("/version"))
        .await
        .unwrap_err();
    assert!(!err.is_tls(), "{err}");
    assert_eq!(
        server.requests(),
        1,
        "the handshake succeeds with the right CA"
    );
}

#[tokio::test]
async fn an_unknown_ca_is_a_tls_error_over_http1() {
    let server = untrusted_tls_server(&[ALPN_HTTP1]).await;
    let mut config = config(&server.url);
    config.tls.ca_data = Some(Pki::generate().unwrap().ca_pem().to_vec());
    config.disable_http2 = true;
    let client = client(config);
    let err = get_json(&client, "/version").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Tls,
        &format!("GET {}/version", server.url),
        &["TLS handshake failed", "UnknownIssuer"],
    );
    assert_eq!(server.requests(), 0, "no handshake succeeded");
}

#[tokio::test]
async fn an_unknown_ca_is_a_tls_error_for_a_websocket() {
    let server = untrusted_tls_server(&[ALPN_HTTP1]).await;
    let client = tls_client(&server.url, Pki::generate().unwrap().ca_pem());
    let err = pods(client).port_forward("web", &[8080]).await.unwrap_err();
    assert!(matches!(err, Error::WebSocket { .. }), "{err:?}");
    assert_fault(
        &err,
        Fault::Tls,
        &format!(
            "{}/api/v1/namespaces/default/pods/web/portforward?ports=8080",
            server.url
        ),
        &["TLS handshake", "UnknownIssuer"],
    );
    assert_eq!(server.requests(), 0, "no handshake succeeded");
}

// ---------------------------------------------------------------------------------------------
// is_connection_reset: the connection (or the stream) breaks after it was made.

#[tokio::test]
async fn an_rst_in_the_middle_of_a_body_is_a_connection_reset_over_http1() {
    let server = http1_server(|mut conn, _| async move {
        conn.write_raw(HTTP1_PARTIAL).await.unwrap();
        reset(conn.into_inner()).unwrap();
    })
    .await;
    let client = client(config(&server.url));
    let err = get_json(&client, "/api/v1/pods").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("GET {}/api/v1/pods", server.url),
        &["reading the body", "reset"],
    );
    // The head had arrived: the GET is not retried.
    assert_eq!(server.requests(), 1);
    assert_eq!(client.requests_sent(), 1);
}

#[tokio::test]
async fn a_close_in_the_middle_of_a_body_is_a_connection_reset_over_http1() {
    let server = http1_server(|mut conn, _| async move {
        conn.write_raw(HTTP1_PARTIAL).await.unwrap();
        drop(conn); // FIN: 88 bytes short of the announced length
    })
    .await;
    let client = client(config(&server.url));
    let err = get_json(&client, "/api/v1/pods").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("GET {}/api/v1/pods", server.url),
        &["reading the body", "end of file"],
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn an_rst_before_the_head_fails_a_post_at_once_over_http1() {
    let server = http1_server(|conn, request| async move {
        assert_eq!(request.method, "POST");
        assert_eq!(request.body, b"{}");
        reset(conn.into_inner()).unwrap();
    })
    .await;
    let client = client(config(&server.url));
    let err = client
        .send_json::<serde_json::Value>(post("/api/v1/namespaces"))
        .await
        .unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("POST {}/api/v1/namespaces", server.url),
        &["the connection closed", "reset by peer"],
    );
    assert_eq!(server.requests(), 1, "a POST is never sent twice");
}

/// Paused clock: the 1 s waits between retries pass at once. (The only timers are those waits:
/// nothing here has a timeout that the clock jumping ahead could fire early.)
#[tokio::test(start_paused = true)]
async fn an_rst_before_the_head_is_retried_for_a_get_over_http1() {
    let server = http1_server(|conn, _| async move { reset(conn.into_inner()).unwrap() }).await;
    let client = client(config(&server.url));
    let start = tokio::time::Instant::now();
    let err = get_json(&client, "/api/v1/pods").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("GET {}/api/v1/pods", server.url),
        &["the connection closed", "reset by peer"],
    );
    let tries = MAX_RETRIES as usize + 1;
    assert_eq!(
        server.requests(),
        tries,
        "the first try and {MAX_RETRIES} retries"
    );
    assert_eq!(client.requests_sent(), tries as u64);
    assert!(start.elapsed() >= Duration::from_secs(u64::from(MAX_RETRIES)));
}

#[tokio::test]
async fn rst_stream_in_the_middle_of_a_body_is_a_connection_reset_over_http2() {
    let server = http2_server(|mut conn: H2, _, mut responder| async move {
        let mut stream =
            send_head(&mut responder, 200, &[("content-type", "application/json")]).unwrap();
        stream
            .send_data(Bytes::from_static(PARTIAL_BODY), false)
            .unwrap();
        conn.flush().await.unwrap();
        stream.send_reset(h2::Reason::INTERNAL_ERROR);
        let _ = conn.run().await;
        None
    })
    .await;
    let client = tls_client(&server.url, &server.ca);
    let err = get_json(&client, "/api/v1/pods").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("GET {}/api/v1/pods", server.url),
        &["reading the body", "stream error received"],
    );
    assert_eq!(server.requests(), 1);
    assert_eq!(client.requests_sent(), 1);
    assert_eq!(client.http2_connections(), 1);
}

#[tokio::test]
async fn goaway_in_the_middle_of_a_body_is_a_connection_reset_over_http2() {
    let server = http2_server(|mut conn: H2, _, mut responder| async move {
        let mut stream = send_head(&mut responder, 200, &[]).unwrap();
        stream
            .send_data(Bytes::from_static(PARTIAL_BODY), false)
            .unwrap();
        conn.flush().await.unwrap();
        conn.goaway_with_error(h2::Reason::INTERNAL_ERROR);
        let _ = conn.run().await;
        None
    })
    .await;
    let client = tls_client(&server.url, &server.ca);
    let err = get_json(&client, "/api/v1/pods").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("GET {}/api/v1/pods", server.url),
        &["reading the body", "stream closed"],
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_connection_dropped_in_the_middle_of_a_body_is_a_connection_reset_over_http2() {
    let server = http2_server(|mut conn: H2, _, mut responder| async move {
        let mut stream = send_head(&mut responder, 200, &[]).unwrap();
        stream
            .send_data(Bytes::from_static(PARTIAL_BODY), false)
            .unwrap();
        conn.flush().await.unwrap();
        drop((stream, conn)); // TCP closed, no GOAWAY, no TLS close_notify
        None
    })
    .await;
    let client = tls_client(&server.url, &server.ca);
    let err = get_json(&client, "/api/v1/pods").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("GET {}/api/v1/pods", server.url),
        &["reading the body", "closed connection"],
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn rst_stream_before_the_head_fails_a_post_at_once_over_http2() {
    let server = http2_server(|mut conn: H2, _, mut responder| async move {
        responder.send_reset(h2::Reason::INTERNAL_ERROR);
        let _ = conn.flush().await;
        Some(conn)
    })
    .await;
    let client = tls_client(&server.url, &server.ca);
    let err = client
        .send_json::<serde_json::Value>(post("/api/v1/namespaces"))
        .await
        .unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("POST {}/api/v1/namespaces", server.url),
        &["HTTP/2 stream failed", "stream error received"],
    );
    assert_eq!(server.requests(), 1, "a POST is never sent twice");
}

/// A connection cut during the TLS handshake is a broken connection, not a TLS failure: the same
/// on every path. (POSTs: a GET would be retried.)
#[tokio::test]
async fn a_connection_cut_during_the_tls_handshake_is_a_connection_reset() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            reset(tcp).unwrap();
        }
    });
    let ca = Pki::generate().unwrap();

    let http2 = tls_client(&url, ca.ca_pem());
    let err = http2
        .send_json::<serde_json::Value>(post("/api/v1/namespaces"))
        .await
        .unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("POST {url}/api/v1/namespaces"),
        &[&format!("TLS handshake with {}", &url["https://".len()..])],
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);

    let mut config = config(&url);
    config.tls.ca_data = Some(ca.ca_pem().to_vec());
    config.disable_http2 = true;
    let err = client(config)
        .send_json::<serde_json::Value>(post("/api/v1/namespaces"))
        .await
        .unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("POST {url}/api/v1/namespaces"),
        &["the connection closed"],
    );
    assert_eq!(connections.load(Ordering::SeqCst), 2);

    let err = pods(tls_client(&url, ca.ca_pem()))
        .port_forward("web", &[8080])
        .await
        .unwrap_err();
    assert_fault(
        &err,
        Fault::Reset,
        &format!("{url}/api/v1/namespaces/default/pods/web/portforward?ports=8080"),
        &["websocket", "TLS handshake with"],
    );
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}

// ---------------------------------------------------------------------------------------------
// is_timeout: the server stalls past `config.timeout`.

fn timeout_client(server: &Server) -> HttpClient {
    let mut config = config(&server.url);
    if server.url.starts_with("https") {
        config.tls.ca_data = Some(server.ca.clone());
    }
    config.timeout = Some(TIMEOUT);
    client(config)
}

/// Runs `request`, checking it ended by the timeout: not before, and not much later.
async fn timed<T>(request: impl Future<Output = T>) -> T {
    let start = std::time::Instant::now();
    let out = request.await;
    let took = start.elapsed();
    assert!(took >= TIMEOUT, "ended after {took:?}, before the timeout");
    assert!(took < TIMEOUT * 10, "ended after {took:?}");
    out
}

#[tokio::test]
async fn no_answer_is_a_timeout_over_http1() {
    let server = http1_server(|conn, _| async move {
        let _held = conn;
        std::future::pending::<()>().await;
    })
    .await;
    let client = timeout_client(&server);
    let err = timed(get_json(&client, "/version")).await.unwrap_err();
    assert_fault(
        &err,
        Fault::Timeout,
        &format!("GET {}/version", server.url),
        &["no response within 300ms"],
    );
    assert_eq!(server.requests(), 1, "a timeout is not retried");
}

#[tokio::test]
async fn no_answer_is_a_timeout_over_http2() {
    let server = http2_server(|conn: H2, _, responder| async move {
        let _held = responder;
        let _ = conn.run().await;
        None
    })
    .await;
    let client = timeout_client(&server);
    let err = timed(get_json(&client, "/version")).await.unwrap_err();
    assert_fault(
        &err,
        Fault::Timeout,
        &format!("GET {}/version", server.url),
        &["no response within 300ms"],
    );
    assert_eq!(server.requests(), 1, "a timeout is not retried");
    assert_eq!(client.http2_connections(), 1);
}

#[tokio::test]
async fn a_body_that_stalls_is_a_timeout_over_http1() {
    let server = http1_server(|mut conn, _| async move {
        conn.write_raw(HTTP1_PARTIAL).await.unwrap();
        let _held = conn;
        std::future::pending::<()>().await;
    })
    .await;
    let client = timeout_client(&server);
    let err = timed(get_json(&client, "/api/v1/pods")).await.unwrap_err();
    assert_fault(
        &err,
        Fault::Timeout,
        &format!("GET {}/api/v1/pods", server.url),
        &["reading the body", "timed out"],
    );
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_body_that_stalls_is_a_timeout_over_http2() {
    let server = http2_server(|conn: H2, _, mut responder| async move {
        let mut stream = send_head(&mut responder, 200, &[]).unwrap();
        stream
            .send_data(Bytes::from_static(PARTIAL_BODY), false)
            .unwrap();
        let _held = stream;
        let _ = conn.run().await;
        None
    })
    .await;
    let client = timeout_client(&server);
    let err = timed(get_json(&client, "/api/v1/pods")).await.unwrap_err();
    assert_fault(
        &err,
        Fault::Timeout,
        &format!("GET {}/api/v1/pods", server.url),
        &["reading the body", "timed out"],
    );
    assert_eq!(server.requests(), 1);
}

// ---------------------------------------------------------------------------------------------
// is_decode: a complete 200 whose body is not what it claims to be.

/// What `/version` should be.
#[derive(Debug, serde::Deserialize)]
#[allow(dead_code)] // only decoded
struct Version {
    #[serde(rename = "gitVersion")]
    git_version: String,
}

/// The answers of the decode tests, by path.
fn decode_answer(path: &str) -> (Vec<(&'static str, &'static str)>, &'static [u8]) {
    match path {
        "/html" => (vec![("content-type", "text/html")], b"<html>hello</html>"),
        "/version" => (
            vec![("content-type", "application/json")],
            br#"{"major":"1"}"#,
        ),
        _ => (
            vec![
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
            b"{\"this is\":\"not gzip\"}",
        ),
    }
}

/// `client` asks for JSON that does not come: HTML, JSON of another shape, "gzip" that is not.
async fn assert_decode_errors(client: &HttpClient, base: &str) {
    let err = get_json(client, "/html").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Decode,
        &format!("{base}/html"),
        &[
            "cannot decode the response",
            "expected value at line 1 column 1",
        ],
    );
    let err = client
        .send_json::<Version>(Request::get("/version"))
        .await
        .unwrap_err();
    assert_fault(
        &err,
        Fault::Decode,
        &format!("{base}/version"),
        &["cannot decode the response", "missing field `gitVersion`"],
    );
    let err = get_json(client, "/gzip").await.unwrap_err();
    assert_fault(
        &err,
        Fault::Decode,
        &format!("GET {base}/gzip"),
        &["reading the body", "gzip"],
    );
}

#[tokio::test]
async fn bodies_that_do_not_decode_are_decode_errors_over_http1() {
    let server = http1_server(|mut conn, request| async move {
        let (headers, body) = decode_answer(&request.target);
        assert_eq!(request.header("accept-encoding"), Some("gzip"));
        conn.respond(200, &headers, body).await.unwrap();
    })
    .await;
    let client = client(config(&server.url));
    assert_decode_errors(&client, &server.url).await;
    assert_eq!(server.requests(), 3, "no request was retried");
}

#[tokio::test]
async fn bodies_that_do_not_decode_are_decode_errors_over_http2() {
    let server = http2_server(|conn: H2, request, mut responder| async move {
        let (headers, body) = decode_answer(request.uri().path());
        let gzip = request.headers().get("accept-encoding");
        assert_eq!(gzip.map(|v| v.as_bytes()), Some(&b"gzip"[..]));
        k8s_test_servers::http2::respond(&mut responder, 200, &headers, body).unwrap();
        Some(conn)
    })
    .await;
    let client = tls_client(&server.url, &server.ca);
    assert_decode_errors(&client, &server.url).await;
    assert_eq!(server.requests(), 3, "no request was retried");
    assert_eq!(client.http2_connections(), 1);
}
