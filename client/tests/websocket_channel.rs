//! Pod logs, exec, attach and port-forward against small local servers.
//!
//! The real apiserver cannot serve these without a kubelet (the test control plane runs none:
//! logs, exec, attach and port-forward are proxied to the node's kubelet). So these tests stand
//! up a local WebSocket server (tokio-tungstenite) that speaks the Kubernetes channel protocol
//! (`v5.channel.k8s.io` / `v4.channel.k8s.io`: a channel byte before every message, a `Status`
//! on channel 3, the v5 close signal, port-forward's port prefixes) and a local HTTP/1.1 server
//! that serves logs, with `follow` as a chunked response; the client under test is the real one
//! (`Api<Pod>` over `HttpClient`).
#![allow(clippy::unwrap_used, clippy::expect_used)]
// tungstenite's handshake callback type is fixed: its error is an http::Response.
#![allow(clippy::result_large_err)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{SinkExt, StreamExt, TryStreamExt};
use k8s_api::core::v1::Pod;
use k8s_client::remote::{AttachParams, TerminalSize, channel};
use k8s_client::{Api, Config, HttpClient, LogOptions, SecretString};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::{WebSocketStream, accept_hdr_async};

const TOKEN: &str = "s3cret-token";

fn client(addr: std::net::SocketAddr) -> HttpClient {
    let mut config = Config::new(format!("http://{addr}"));
    config.auth.token = Some(SecretString::new(TOKEN));
    config.qps = -1.0;
    HttpClient::new(config).unwrap()
}

fn pods(addr: std::net::SocketAddr) -> Api<Pod> {
    Api::namespaced(client(addr), "book")
}

/// What the server saw of the upgrade request.
#[derive(Clone, Debug, Default)]
struct Seen {
    path_and_query: String,
    authorization: String,
    offered_protocols: String,
}

type Ws = WebSocketStream<TcpStream>;

/// A one-connection WebSocket server: negotiates the first offered protocol it `supports`
/// (or answers `reject` as an HTTP error) and runs `session`.
async fn ws_server<F, Fut>(
    supports: &'static [&'static str],
    reject: Option<(u16, &'static str)>,
    session: F,
) -> (
    std::net::SocketAddr,
    Arc<Mutex<Seen>>,
    tokio::task::JoinHandle<()>,
)
where
    F: FnOnce(Ws, String) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let seen2 = seen.clone();
    let task = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let chosen = Arc::new(Mutex::new(String::new()));
        let chosen2 = chosen.clone();
        let callback =
            move |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
                let header = |name: &str| {
                    req.headers()
                        .get(name)
                        .map(|v| v.to_str().unwrap().to_string())
                        .unwrap_or_default()
                };
                let offered = header("sec-websocket-protocol");
                *seen2.lock().unwrap() = Seen {
                    path_and_query: req.uri().to_string(),
                    authorization: header("authorization"),
                    offered_protocols: offered.clone(),
                };
                if let Some((code, body)) = reject {
                    let mut err = ErrorResponse::new(Some(body.to_string()));
                    *err.status_mut() = http::StatusCode::from_u16(code).unwrap();
                    err.headers_mut()
                        .insert("content-type", "application/json".parse().unwrap());
                    return Err(err);
                }
                let pick = offered
                    .split(',')
                    .map(str::trim)
                    .find(|p| supports.contains(p))
                    .unwrap_or_default()
                    .to_string();
                resp.headers_mut()
                    .insert("sec-websocket-protocol", pick.parse().unwrap());
                *chosen2.lock().unwrap() = pick;
                Ok(resp)
            };
        let Ok(ws) = accept_hdr_async(tcp, callback).await else {
            return;
        };
        let protocol = chosen.lock().unwrap().clone();
        session(ws, protocol).await;
    });
    (addr, seen, task)
}

fn bin(channel: u8, data: &[u8]) -> Message {
    Message::binary(channel::frame(channel, data))
}

fn exit_status(code: i32) -> Vec<u8> {
    if code == 0 {
        return br#"{"metadata":{},"status":"Success"}"#.to_vec();
    }
    serde_json::to_vec(&serde_json::json!({
        "metadata": {}, "status": "Failure",
        "message": format!("command terminated with non-zero exit code: exit status {code}"),
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]}
    }))
    .unwrap()
}

#[tokio::test]
async fn exec_v5_stdin_stdout_stderr_and_exit_code() {
    let (addr, seen, server) = ws_server(
        &[channel::V5_PROTOCOL, channel::V4_PROTOCOL],
        None,
        |mut ws, protocol| async move {
            assert_eq!(protocol, channel::V5_PROTOCOL);
            // `cat`-like: collect stdin until the client closes it (v5 close signal).
            let mut input = Vec::new();
            while let Some(msg) = ws.next().await {
                let data = msg.unwrap().into_data();
                match channel::split_frame(&data) {
                    Some((channel::STDIN, d)) => input.extend_from_slice(d),
                    Some((channel::CLOSE, [channel::STDIN])) => break,
                    other => panic!("unexpected {other:?}"),
                }
            }
            let mut out = b"got: ".to_vec();
            out.extend_from_slice(&input);
            ws.send(bin(channel::STDOUT, &out)).await.unwrap();
            ws.send(bin(channel::STDERR, b"a warning\n")).await.unwrap();
            ws.send(bin(channel::ERROR, &exit_status(3))).await.unwrap();
            ws.close(None).await.unwrap();
        },
    )
    .await;

    let mut proc = pods(addr)
        .exec(
            "web",
            ["sh", "-c", "cat; exit 3"],
            &AttachParams::default().container("app").stdin(true),
        )
        .await
        .unwrap();
    assert_eq!(proc.protocol(), channel::V5_PROTOCOL);
    assert!(proc.terminal_size().is_none(), "no tty, no resize");
    let mut stdin = proc.stdin().unwrap();
    let mut stdout = proc.stdout().unwrap();
    let mut stderr = proc.stderr().unwrap();
    stdin.write_all(b"hello ").await.unwrap();
    stdin.write_all(b"world").await.unwrap();
    drop(stdin);
    let mut out = String::new();
    let mut err = String::new();
    let (a, b) = tokio::join!(
        stdout.read_to_string(&mut out),
        stderr.read_to_string(&mut err)
    );
    a.unwrap();
    b.unwrap();
    let status = proc.join().await.unwrap();
    assert_eq!(out, "got: hello world");
    assert_eq!(err, "a warning\n");
    assert_eq!(channel::exit_code(&status), Some(3));
    server.await.unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.path_and_query,
        "/api/v1/namespaces/book/pods/web/exec?command=sh&command=-c&command=cat%3B+exit+3\
         &container=app&stdin=true&stdout=true&stderr=true&tty=false"
    );
    assert_eq!(seen.authorization, format!("Bearer {TOKEN}"));
    assert_eq!(
        seen.offered_protocols,
        "v5.channel.k8s.io, v4.channel.k8s.io"
    );
}

#[tokio::test]
async fn exec_falls_back_to_v4_and_collects_output() {
    let (addr, _, server) = ws_server(
        &[channel::V4_PROTOCOL],
        None,
        |mut ws, protocol| async move {
            assert_eq!(protocol, channel::V4_PROTOCOL);
            ws.send(bin(channel::STDOUT, b"hi\n")).await.unwrap();
            ws.send(bin(channel::STDERR, b"")).await.unwrap();
            ws.send(bin(channel::ERROR, &exit_status(0))).await.unwrap();
            ws.close(None).await.unwrap();
        },
    )
    .await;
    let proc = pods(addr)
        .exec("web", ["echo", "hi"], &AttachParams::default())
        .await
        .unwrap();
    assert_eq!(proc.protocol(), channel::V4_PROTOCOL);
    let out = proc.output().await.unwrap();
    assert_eq!(out.stdout, b"hi\n");
    assert!(out.stderr.is_empty());
    assert_eq!(out.exit_code(), Some(0));
    assert!(out.status.is_success());
    server.await.unwrap();
}

#[tokio::test]
async fn large_output_flows_with_backpressure() {
    const TOTAL: usize = 3 * 1024 * 1024;
    let (addr, _, server) = ws_server(&[channel::V5_PROTOCOL], None, |mut ws, _| async move {
        let chunk = vec![b'x'; 60 * 1024];
        let mut sent = 0;
        while sent < TOTAL {
            ws.send(bin(channel::STDOUT, &chunk)).await.unwrap();
            sent += chunk.len();
        }
        ws.send(bin(channel::ERROR, &exit_status(0))).await.unwrap();
        ws.close(None).await.unwrap();
    })
    .await;
    let out = pods(addr)
        .exec("web", ["yes"], &AttachParams::default().stderr(false))
        .await
        .unwrap()
        .output()
        .await
        .unwrap();
    assert_eq!(out.stdout.len(), TOTAL.div_ceil(60 * 1024) * 60 * 1024);
    assert!(out.stdout.iter().all(|&b| b == b'x'));
    server.await.unwrap();
}

#[tokio::test]
async fn attach_with_tty_sends_resizes() {
    let (addr, seen, server) = ws_server(&[channel::V5_PROTOCOL], None, |mut ws, _| async move {
        while let Some(msg) = ws.next().await {
            let data = msg.unwrap().into_data();
            match channel::split_frame(&data) {
                Some((channel::RESIZE, d)) => {
                    let size: TerminalSize = serde_json::from_slice(d).unwrap();
                    let line = format!("resize {}x{}\r\n", size.width, size.height);
                    ws.send(bin(channel::STDOUT, line.as_bytes()))
                        .await
                        .unwrap();
                }
                Some((channel::STDIN, d)) => {
                    ws.send(bin(channel::STDOUT, d)).await.unwrap(); // a terminal echoes
                }
                Some((channel::CLOSE, [channel::STDIN])) => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        ws.send(bin(channel::ERROR, &exit_status(0))).await.unwrap();
        ws.close(None).await.unwrap();
    })
    .await;
    let mut proc = pods(addr)
        .attach("web", &AttachParams::interactive_tty())
        .await
        .unwrap();
    assert!(proc.stderr().is_none(), "a tty has no separate stderr");
    let resize = proc.terminal_size().unwrap();
    let mut stdin = proc.stdin().unwrap();
    let mut stdout = proc.stdout().unwrap();
    resize
        .send(TerminalSize {
            width: 100,
            height: 40,
        })
        .await
        .unwrap();
    let mut buf = vec![0u8; 64];
    let n = stdout.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"resize 100x40\r\n");
    stdin.write_all(b"ls\r").await.unwrap();
    let n = stdout.read(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"ls\r");
    stdin.shutdown().await.unwrap();
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
    assert!(proc.join().await.unwrap().is_success());
    server.await.unwrap();
    assert_eq!(
        seen.lock().unwrap().path_and_query,
        "/api/v1/namespaces/book/pods/web/attach?stdin=true&stdout=true&stderr=false&tty=true"
    );
}

#[tokio::test]
async fn a_refused_upgrade_is_the_servers_typed_error() {
    let body = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" is forbidden: User \"bob\" cannot create resource \"pods/exec\"","reason":"Forbidden","code":403}"#;
    let (addr, _, server) = ws_server(&[], Some((403, body)), |_, _| async {}).await;
    let err = pods(addr)
        .exec("web", ["ls"], &AttachParams::default())
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(err.to_string().contains("cannot create resource"), "{err}");
    server.await.unwrap();
}

#[tokio::test]
async fn a_connection_closed_without_status_is_success_and_bad_params_are_refused() {
    let (addr, _, server) = ws_server(&[channel::V5_PROTOCOL], None, |mut ws, _| async move {
        ws.send(bin(channel::STDOUT, b"bye")).await.unwrap();
        ws.close(None).await.unwrap();
    })
    .await;
    let out = pods(addr)
        .exec("web", ["true"], &AttachParams::default())
        .await
        .unwrap()
        .output()
        .await
        .unwrap();
    assert_eq!(out.stdout, b"bye");
    assert_eq!(out.exit_code(), Some(0));
    server.await.unwrap();

    let api = pods(addr);
    let err = api
        .exec("web", Vec::<String>::new(), &AttachParams::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("command"), "{err}");
    let err = api
        .exec("web", ["ls"], &AttachParams::default().tty(true))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("tty"), "{err}");
    let err = api.port_forward("web", &[]).await.unwrap_err();
    assert!(err.to_string().contains("port"), "{err}");
}

#[tokio::test]
async fn port_forward_streams_per_port_and_errors() {
    let (addr, seen, server) = ws_server(
        &[channel::V4_PROTOCOL],
        None,
        |mut ws, protocol| async move {
            assert_eq!(protocol, channel::V4_PROTOCOL);
            // The kubelet's opening: each channel's first message is its port.
            for (i, port) in [8080u16, 9090].into_iter().enumerate() {
                let i = u8::try_from(i).unwrap();
                ws.send(bin(2 * i, &channel::port_prefix(port)))
                    .await
                    .unwrap();
                ws.send(bin(2 * i + 1, &channel::port_prefix(port)))
                    .await
                    .unwrap();
            }
            // Until the client closes (tungstenite answers the close, then the stream ends).
            while let Some(msg) = ws.next().await {
                let Message::Binary(data) = msg.unwrap() else {
                    continue;
                };
                match channel::split_frame(&data) {
                    // Port 8080 echoes in upper case; 9090 has nothing listening.
                    Some((0, d)) => ws.send(bin(0, &d.to_ascii_uppercase())).await.unwrap(),
                    Some((2, _)) => ws
                        .send(bin(3, b"error forwarding port 9090: connection refused"))
                        .await
                        .unwrap(),
                    other => panic!("unexpected {other:?}"),
                }
            }
        },
    )
    .await;
    let mut pf = pods(addr).port_forward("web", &[8080, 9090]).await.unwrap();
    assert_eq!(pf.ports(), [8080, 9090]);
    let mut web = pf.take_stream(8080).unwrap();
    assert!(pf.take_stream(8080).is_none(), "once per port");
    let mut dead = pf.take_stream(9090).unwrap();
    let web_error = pf.take_error(8080).unwrap();
    let dead_error = pf.take_error(9090).unwrap();

    web.write_all(b"hello").await.unwrap();
    let mut buf = [0u8; 5];
    web.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HELLO");
    web.write_all(b"again").await.unwrap();
    web.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"AGAIN");

    dead.write_all(b"x").await.unwrap();
    assert_eq!(
        dead_error.await.as_deref(),
        Some("error forwarding port 9090: connection refused")
    );
    let mut rest = Vec::new();
    dead.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty(), "the failed port's stream ends");

    pf.close().await.unwrap();
    assert_eq!(web_error.await, None, "no error on 8080");
    let mut rest = Vec::new();
    web.read_to_end(&mut rest).await.unwrap();
    server.await.unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen.path_and_query,
        "/api/v1/namespaces/book/pods/web/portforward?ports=8080&ports=9090"
    );
    assert_eq!(seen.authorization, format!("Bearer {TOKEN}"));
}

#[tokio::test]
async fn port_forward_refuses_a_wrong_port_prefix() {
    let (addr, _, server) = ws_server(&[channel::V4_PROTOCOL], None, |mut ws, _| async move {
        ws.send(bin(0, &channel::port_prefix(1234))).await.unwrap();
        let _ = ws.next().await;
    })
    .await;
    let pf = pods(addr).port_forward("web", &[80]).await.unwrap();
    let err = pf.join().await.unwrap_err();
    assert!(err.to_string().contains("port 1234"), "{err}");
    server.await.unwrap();
}

// ---------- logs over a local HTTP/1.1 server ----------

/// A one-request-per-connection HTTP/1.1 server; `respond` writes the whole response.
async fn http_server<F, Fut>(
    requests: usize,
    respond: F,
) -> (
    std::net::SocketAddr,
    Arc<Mutex<Vec<String>>>,
    tokio::task::JoinHandle<()>,
)
where
    F: Fn(String, TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen2 = seen.clone();
    let task = tokio::spawn(async move {
        for _ in 0..requests {
            let (mut tcp, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                tcp.read_exact(&mut byte).await.unwrap();
                head.push(byte[0]);
            }
            let head = String::from_utf8(head).unwrap();
            let target = head.split(' ').nth(1).unwrap().to_string();
            assert!(
                head.to_ascii_lowercase()
                    .contains(&format!("authorization: bearer {TOKEN}").to_ascii_lowercase()),
                "{head}"
            );
            seen2.lock().unwrap().push(target.clone());
            respond(target, tcp).await;
        }
    });
    (addr, seen, task)
}

async fn chunk(tcp: &mut TcpStream, data: &[u8]) {
    tcp.write_all(format!("{:x}\r\n", data.len()).as_bytes())
        .await
        .unwrap();
    tcp.write_all(data).await.unwrap();
    tcp.write_all(b"\r\n").await.unwrap();
    tcp.flush().await.unwrap();
}

#[tokio::test]
async fn logs_whole_and_typed_errors() {
    let (addr, seen, server) = http_server(2, |target, mut tcp| async move {
        if target.contains("/pods/missing/") {
            let body = r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"missing\" not found","reason":"NotFound","code":404}"#;
            let resp = format!(
                "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tcp.write_all(resp.as_bytes()).await.unwrap();
        } else {
            let body = "2026-01-01T00:00:00Z one\n2026-01-01T00:00:01Z two\n";
            let resp = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tcp.write_all(resp.as_bytes()).await.unwrap();
        }
    })
    .await;
    let api = pods(addr);
    let text = api
        .log(
            "web",
            &LogOptions::default()
                .container("app")
                .tail_lines(2)
                .timestamps(true)
                .since_seconds(3600)
                .limit_bytes(1 << 20)
                .previous(true),
        )
        .await
        .unwrap();
    assert_eq!(text, "2026-01-01T00:00:00Z one\n2026-01-01T00:00:01Z two\n");
    let err = api
        .log("missing", &LogOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    server.await.unwrap();
    assert_eq!(
        seen.lock().unwrap()[0],
        "/api/v1/namespaces/book/pods/web/log?container=app&previous=true&sinceSeconds=3600\
         &timestamps=true&tailLines=2&limitBytes=1048576"
    );
}

#[tokio::test]
async fn follow_streams_lines_as_they_are_written() {
    let (go_on_tx, go_on_rx) = tokio::sync::oneshot::channel::<()>();
    let go_on = Arc::new(Mutex::new(Some(go_on_rx)));
    let (addr, seen, server) = http_server(1, move |_, mut tcp| {
        let go_on = go_on.lock().unwrap().take().unwrap();
        async move {
            tcp.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
            )
            .await
            .unwrap();
            chunk(&mut tcp, b"first line\nsec").await;
            // The rest is written only after the client has seen the first line: proof that
            // the stream is read as it arrives, not after the response ends.
            go_on.await.unwrap();
            chunk(&mut tcp, b"ond line\r\n").await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            chunk(&mut tcp, "ünïcode\nno newline at the end".as_bytes()).await;
            tcp.write_all(b"0\r\n\r\n").await.unwrap();
        }
    })
    .await;
    let stream = pods(addr)
        .log_stream("web", &LogOptions::default().follow(true))
        .await
        .unwrap();
    let mut lines = stream.lines();
    assert_eq!(
        lines.try_next().await.unwrap().as_deref(),
        Some("first line")
    );
    go_on_tx.send(()).unwrap();
    let rest: Vec<String> = lines.try_collect().await.unwrap();
    assert_eq!(rest, ["second line", "ünïcode", "no newline at the end"]);
    server.await.unwrap();
    assert_eq!(
        seen.lock().unwrap()[0],
        "/api/v1/namespaces/book/pods/web/log?follow=true"
    );
}

#[tokio::test]
async fn log_stream_yields_raw_chunks() {
    let (addr, _, server) = http_server(1, |_, mut tcp| async move {
        tcp.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        )
        .await
        .unwrap();
        for part in [&b"a"[..], b"bc", b"def\n"] {
            chunk(&mut tcp, part).await;
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tcp.write_all(b"0\r\n\r\n").await.unwrap();
    })
    .await;
    let stream = pods(addr)
        .log_stream("web", &LogOptions::default().follow(true))
        .await
        .unwrap();
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
    let all: Vec<u8> = chunks.concat();
    assert_eq!(all, b"abcdef\n");
    server.await.unwrap();
}
