//! HTTP/2 to the API server straight over the `h2` crate.
//!
//! reqwest sends HTTP/2 requests through hyper, which hands each request to a dispatch task and
//! spawns one more task per request to carry its response back. For the small requests a
//! controller makes (a GET of one object is a few hundred bytes each way) those hand-offs
//! between tasks, and so between threads, are much of the client's cost: measured on the local
//! control plane, 3,000 sequential GETs took about 30 % more client CPU through reqwest than
//! through `h2` alone.
//!
//! Here the task that makes a request opens the stream, sends the body and reads the response
//! itself; one spawned task per connection drives the connection's I/O. Like client-go (one
//! HTTP/2 connection per server, every request and watch multiplexed on it), all requests of an
//! [`HttpClient`](super::HttpClient) share one connection, opened on first use and opened again
//! when it fails or the server sends GOAWAY. A request that never left (the connection was
//! already gone) is sent once more on a fresh connection.
//!
//! Like client-go's transport, the connection checks its own health: after
//! `HTTP2_READ_IDLE_TIMEOUT_SECONDS` (30 by default; 0 turns the check off) it sends a PING, and
//! when no answer comes within `HTTP2_PING_TIMEOUT_SECONDS` (15) it closes the connection, so
//! that requests and watches on a connection that died silently fail and start over instead of
//! waiting forever. (client-go pings after that long without reading a frame; this one pings
//! that often.)
//!
//! This path serves `https` servers reached without a proxy (none configured, none in the
//! environment), with the config's own client certificate, unless HTTP/2 is disabled. When the
//! server does not offer `h2` in the TLS handshake (ALPN), the default transport uses HTTP/1.1
//! from then on (see `connector`). Response bodies are streamed from the HTTP/2 stream as they
//! arrive, giving the flow-control window back as they are read.

mod body;
mod health;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use h2::client::SendRequest;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;

use super::error::classify;
use super::{Body, HttpResponse, TransportError, TransportErrorKind, tls};
use crate::Error;
use crate::config::Config;
use body::into_response;
use health::{HealthCheck, drive};

/// Receive window of each stream: Go's HTTP/2 transport uses 4 MiB, so that a LIST of a few
/// megabytes arrives without waiting for window updates.
const STREAM_WINDOW: u32 = 4 << 20;
/// Receive window of the connection (Go's transport: 1 GiB).
const CONNECTION_WINDOW: u32 = 1 << 30;

/// The environment variables through which reqwest (like Go's `ProxyFromEnvironment`) picks up
/// a proxy for `https` URLs; when one is set, requests go through reqwest and its proxy.
const PROXY_VARIABLES: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];

/// The shared HTTP/2 connection of one transport.
pub(crate) struct H2Transport {
    host: String,
    port: u16,
    server_name: ServerName<'static>,
    connector: tokio_rustls::TlsConnector,
    /// The connection in use and its number (so that a failure drops only the connection it
    /// happened on, not a newer one).
    current: Mutex<Option<(u64, SendRequest<Bytes>)>>,
    /// Held while a connection is being opened, so that concurrent requests open one.
    connecting: tokio::sync::Mutex<()>,
    /// Connections opened so far.
    opened: AtomicU64,
    /// The server chose HTTP/1.1: send everything over HTTP/1.1.
    refused: AtomicBool,
    health: Option<HealthCheck>,
}

impl std::fmt::Debug for H2Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Transport")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("opened", &self.opened.load(Ordering::Relaxed))
            .field("refused", &self.refused.load(Ordering::Relaxed))
            .finish()
    }
}

/// Why a request got no response over HTTP/2.
pub(crate) enum Failure {
    /// The server does not speak HTTP/2: send the request over HTTP/1.1 instead (its body is
    /// handed back, unsent).
    NotHttp2(Body),
    /// The exchange failed.
    Failed(TransportError),
}

/// What a failed attempt on one connection means for the next.
enum AttemptError {
    /// The request never reached the server (the connection was closed or going away).
    NotSent(h2::Error),
    /// It may have reached the server.
    Sent(h2::Error),
}

impl H2Transport {
    /// The HTTP/2 path for `config`'s server, or `None` when reqwest must carry the requests
    /// (plain `http`, a proxy, HTTP/2 disabled).
    pub(crate) fn new(
        config: &Config,
        base: &http::Uri,
        http2_disabled: bool,
    ) -> Result<Option<Self>, Error> {
        let env_proxy = PROXY_VARIABLES
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
        if http2_disabled
            || base.scheme_str() != Some("https")
            || config.proxy_url.is_some()
            || env_proxy
        {
            return Ok(None);
        }
        let Some(host) = base.host() else {
            return Ok(None);
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = base.port_u16().unwrap_or(443);
        let server_name = tls::server_name(&host, config.tls.server_name.as_deref())?;
        let mut tls_config = tls::client_config(&config.tls, None)?;
        tls_config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Some(H2Transport {
            host,
            port,
            server_name,
            connector: tokio_rustls::TlsConnector::from(std::sync::Arc::new(tls_config)),
            current: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            opened: AtomicU64::new(0),
            refused: AtomicBool::new(false),
            health: HealthCheck::from_env(),
        }))
    }

    /// Whether the server refused HTTP/2 (requests then go over HTTP/1.1).
    pub(crate) fn refused(&self) -> bool {
        self.refused.load(Ordering::Relaxed)
    }

    /// HTTP/2 connections opened so far.
    pub(crate) fn connections_opened(&self) -> u64 {
        self.opened.load(Ordering::Relaxed)
    }

    /// Sends a request (its absolute URI names the stream's scheme, authority and path) and
    /// returns its response, the body streamed from the HTTP/2 stream.
    pub(crate) async fn send(
        &self,
        head: &http::request::Parts,
        body: Body,
    ) -> Result<HttpResponse, Failure> {
        // A body in memory can be sent again on a fresh connection; a streamed one only once.
        let (mut data, mut stream) = match body.as_bytes() {
            Some([]) => (None, None),
            Some(_) => (body.collect().await.ok(), None),
            None => (None, Some(body)),
        };
        let mut retried = false;
        loop {
            let (id, sender) = match self.sender().await {
                Ok(s) => s,
                Err(Failure::NotHttp2(_)) => {
                    let body = match (data.take(), stream.take()) {
                        (Some(d), _) => Body::from(d),
                        (None, Some(s)) => s,
                        (None, None) => Body::empty(),
                    };
                    return Err(Failure::NotHttp2(body));
                }
                Err(e) => return Err(e),
            };
            let mut request = http::Request::new(());
            *request.method_mut() = head.method.clone();
            *request.uri_mut() = head.uri.clone();
            *request.headers_mut() = head.headers.clone();
            let outgoing = match (&data, stream.take()) {
                (Some(d), _) => Outgoing::Bytes(d.clone()),
                (None, Some(s)) => Outgoing::Stream(s),
                (None, None) => Outgoing::Empty,
            };
            let may_resend = !matches!(outgoing, Outgoing::Stream(_));
            match attempt(sender, request, outgoing).await {
                Ok(response) => return Ok(into_response(response)),
                Err(AttemptError::NotSent(e)) => {
                    self.forget(id);
                    if retried || !may_resend {
                        return Err(Failure::Failed(
                            TransportError::new(
                                TransportErrorKind::ConnectionReset,
                                "the HTTP/2 connection closed before the request was sent",
                            )
                            .with_source(e),
                        ));
                    }
                    tracing::debug!(error = %e, "HTTP/2 connection gone before the request left; reconnecting");
                    retried = true;
                }
                Err(AttemptError::Sent(e)) => {
                    let reset = e.is_io() || e.is_go_away();
                    if reset {
                        self.forget(id);
                    }
                    let kind = if reset {
                        TransportErrorKind::ConnectionReset
                    } else {
                        TransportErrorKind::Other
                    };
                    return Err(Failure::Failed(
                        TransportError::new(kind, "HTTP/2 stream failed").with_source(e),
                    ));
                }
            }
        }
    }

    fn cached(&self) -> Option<(u64, SendRequest<Bytes>)> {
        self.current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Drops connection `id` if it is still the current one.
    fn forget(&self, id: u64) {
        let mut current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if current.as_ref().is_some_and(|(c, _)| *c == id) {
            *current = None;
        }
    }

    /// The current connection, opening one if there is none.
    async fn sender(&self) -> Result<(u64, SendRequest<Bytes>), Failure> {
        if let Some(current) = self.cached() {
            return Ok(current);
        }
        let _connecting = self.connecting.lock().await;
        if let Some(current) = self.cached() {
            return Ok(current);
        }
        if self.refused() {
            return Err(Failure::NotHttp2(Body::empty()));
        }
        let sender = self.connect().await?;
        let id = self.opened.fetch_add(1, Ordering::Relaxed) + 1;
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some((id, sender.clone()));
        Ok((id, sender))
    }

    async fn connect(&self) -> Result<SendRequest<Bytes>, Failure> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| {
                let kind = match classify(&e) {
                    Some(TransportErrorKind::Timeout) => TransportErrorKind::Timeout,
                    _ => TransportErrorKind::Connect,
                };
                Failure::Failed(
                    TransportError::new(kind, format!("connecting to {}:{}", self.host, self.port))
                        .with_source(e),
                )
            })?;
        // Requests are small and latency-bound: do not hold them back for coalescing.
        let _ = tcp.set_nodelay(true);
        let tls = self
            .connector
            .connect(self.server_name.clone(), tcp)
            .await
            .map_err(|e| {
                // rustls reports a refused certificate inside an I/O error; a connection cut
                // during the handshake is a plain I/O error.
                let kind = match classify(&e) {
                    Some(TransportErrorKind::ConnectionReset) => {
                        TransportErrorKind::ConnectionReset
                    }
                    _ => TransportErrorKind::Tls,
                };
                Failure::Failed(
                    TransportError::new(
                        kind,
                        format!("TLS handshake with {}:{}", self.host, self.port),
                    )
                    .with_source(e),
                )
            })?;
        if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
            tracing::debug!("the API server did not choose HTTP/2 (ALPN); using HTTP/1.1");
            self.refused.store(true, Ordering::Relaxed);
            return Err(Failure::NotHttp2(Body::empty()));
        }
        let (sender, connection) = h2::client::Builder::new()
            .initial_window_size(STREAM_WINDOW)
            .initial_connection_window_size(CONNECTION_WINDOW)
            .handshake::<_, Bytes>(tls)
            .await
            .map_err(|e| {
                Failure::Failed(
                    TransportError::new(
                        classify(&e).unwrap_or(TransportErrorKind::Other),
                        "HTTP/2 handshake",
                    )
                    .with_source(e),
                )
            })?;
        tokio::spawn(drive(connection, self.health));
        Ok(sender)
    }
}
/// A request body as this path sends it.
enum Outgoing {
    Empty,
    Bytes(Bytes),
    Stream(Body),
}

/// One try on one connection.
async fn attempt(
    sender: SendRequest<Bytes>,
    head: http::Request<()>,
    body: Outgoing,
) -> Result<http::Response<h2::RecvStream>, AttemptError> {
    let mut sender = sender.ready().await.map_err(AttemptError::NotSent)?;
    let (response, mut stream) = sender
        .send_request(head, matches!(body, Outgoing::Empty))
        .map_err(AttemptError::NotSent)?;
    match body {
        Outgoing::Empty => {}
        Outgoing::Bytes(body) => {
            // `h2` keeps the frame (a reference to the bytes, no copy) and sends it as the
            // server's flow-control window allows; the body is in memory already, so there is
            // nothing to hold back, and waiting for capacity first would cost a hand-off to the
            // connection task.
            stream.send_data(body, true).map_err(AttemptError::Sent)?;
        }
        Outgoing::Stream(mut body) => {
            use futures::StreamExt;
            while let Some(chunk) = body.next().await {
                match chunk {
                    Ok(chunk) => stream.send_data(chunk, false).map_err(AttemptError::Sent)?,
                    Err(e) => {
                        tracing::debug!(error = %e, "request body failed; resetting the stream");
                        stream.send_reset(h2::Reason::CANCEL);
                        return Err(AttemptError::Sent(h2::Error::from(h2::Reason::CANCEL)));
                    }
                }
            }
            stream
                .send_data(Bytes::new(), true)
                .map_err(AttemptError::Sent)?;
        }
    }
    response.await.map_err(|e| {
        // Refused before processing, or cut by a GOAWAY (which ends only the streams the server
        // did not process, RFC 9113 §6.8): safe to send again.
        if e.reason() == Some(h2::Reason::REFUSED_STREAM) || e.is_go_away() {
            AttemptError::NotSent(e)
        } else {
            AttemptError::Sent(e)
        }
    })
}
