//! Running commands in containers and forwarding ports, over WebSocket (client-go
//! `tools/remotecommand` with the WebSocket executor, and `tools/portforward`).
//!
//! - [`Api::<Pod>::exec`](crate::Api::exec) runs a command (`kubectl exec`),
//!   [`Api::<Pod>::attach`](crate::Api::attach) attaches to the main process (`kubectl attach`).
//!   Both ask for `v5.channel.k8s.io` and accept `v4.channel.k8s.io`, and give an
//!   [`AttachedProcess`]: a stdin writer, stdout/stderr readers, a terminal-size sender (with
//!   `tty`), and the final `Status` of the process.
//! - [`Api::<Pod>::port_forward`](crate::Api::port_forward) gives a [`Portforwarder`]: one
//!   duplex byte stream per port (plus the error the server reports for it).
//!
//! The connection is made with the same credentials, CA and client certificate as every other
//! request (through the transport); a connection proxy (`proxy-url`) is not supported here.
//! The framing is in [`channel`].
//!
//! ```no_run
//! use k8s_api::core::v1::Pod;
//! use k8s_client::Api;
//! use k8s_client::remote::{AttachParams, channel};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # async fn demo(client: k8s_client::HttpClient) -> Result<(), Box<dyn std::error::Error>> {
//! let pods: Api<Pod> = Api::namespaced(client, "book");
//!
//! // Collect the output of a command.
//! let out = pods.exec("example", ["ls", "-l", "/"], &AttachParams::default()).await?.output().await?;
//! println!("{}exit code {:?}", String::from_utf8_lossy(&out.stdout), out.exit_code());
//!
//! // Or talk to it.
//! let mut proc = pods.exec("example", ["cat"], &AttachParams::default().stdin(true)).await?;
//! let mut stdin = proc.stdin().unwrap();
//! let mut stdout = proc.stdout().unwrap();
//! stdin.write_all(b"hello\n").await?;
//! drop(stdin); // closes stdin (v5), so cat ends
//! let mut text = String::new();
//! stdout.read_to_string(&mut text).await?;
//! let status = proc.join().await?;
//! assert_eq!(channel::exit_code(&status), Some(0));
//! # Ok(()) }
//! ```

pub mod channel;
mod portforward;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use http::HeaderValue;
use k8s_api::core::v1::Pod;
use k8s_apimachinery::{ApiError, Status};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message};

pub use channel::TerminalSize;
pub use portforward::Portforwarder;

use super::Api;
use crate::{Error, HttpClient};

/// How much each stdin/stdout/stderr pipe buffers before the other side must read.
const PIPE_BUFFER: usize = 64 * 1024;
/// How often a ping keeps the connection alive (client-go's `pingPeriod`).
const PING_PERIOD: Duration = Duration::from_secs(5);

/// Which streams to attach, and where (`PodExecOptions` / `PodAttachOptions`). By default
/// stdout and stderr, no stdin, no TTY, the default container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachParams {
    /// The container (required when the pod has several and none is the default).
    pub container: Option<String>,
    /// Attach stdin.
    pub stdin: bool,
    /// Attach stdout.
    pub stdout: bool,
    /// Attach stderr (must be off with `tty`: a terminal merges both into stdout).
    pub stderr: bool,
    /// Allocate a terminal.
    pub tty: bool,
}

impl Default for AttachParams {
    fn default() -> Self {
        AttachParams {
            container: None,
            stdin: false,
            stdout: true,
            stderr: true,
            tty: false,
        }
    }
}

impl AttachParams {
    /// An interactive terminal: stdin, stdout and a TTY, no separate stderr (`kubectl exec -it`).
    pub fn interactive_tty() -> Self {
        AttachParams {
            container: None,
            stdin: true,
            stdout: true,
            stderr: false,
            tty: true,
        }
    }

    /// Sets the container.
    pub fn container(mut self, container: impl Into<String>) -> Self {
        self.container = Some(container.into());
        self
    }

    /// Sets `stdin`.
    pub fn stdin(mut self, on: bool) -> Self {
        self.stdin = on;
        self
    }

    /// Sets `stdout`.
    pub fn stdout(mut self, on: bool) -> Self {
        self.stdout = on;
        self
    }

    /// Sets `stderr`.
    pub fn stderr(mut self, on: bool) -> Self {
        self.stderr = on;
        self
    }

    /// Sets `tty`.
    pub fn tty(mut self, on: bool) -> Self {
        self.tty = on;
        self
    }

    fn validate(&self) -> Result<(), Error> {
        if !(self.stdin || self.stdout || self.stderr) {
            return Err(Error::InvalidRequest(
                "at least one of stdin, stdout or stderr must be attached".to_string(),
            ));
        }
        if self.tty && self.stderr {
            return Err(Error::InvalidRequest(
                "tty and stderr cannot both be set: a terminal sends everything to stdout"
                    .to_string(),
            ));
        }
        Ok(())
    }

    fn to_query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(c) = &self.container {
            q.push(("container", c.clone()));
        }
        q.push(("stdin", self.stdin.to_string()));
        q.push(("stdout", self.stdout.to_string()));
        q.push(("stderr", self.stderr.to_string()));
        q.push(("tty", self.tty.to_string()));
        q
    }
}

/// What a finished command wrote and how it ended ([`AttachedProcess::output`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecOutput {
    /// Everything on stdout.
    pub stdout: Vec<u8>,
    /// Everything on stderr.
    pub stderr: Vec<u8>,
    /// The final status.
    pub status: Status,
}

impl ExecOutput {
    /// The exit code (see [`channel::exit_code`]).
    pub fn exit_code(&self) -> Option<i32> {
        channel::exit_code(&self.status)
    }
}

/// A process running in a container, attached over WebSocket.
///
/// Take the streams you asked for with [`stdin`](Self::stdin), [`stdout`](Self::stdout),
/// [`stderr`](Self::stderr), then [`join`](Self::join) for the final `Status`. Read stdout and
/// stderr while the process runs: each buffers 64 KiB, and a full one holds up the
/// connection. Streams not taken are discarded. Dropping the stdin writer closes the
/// process's stdin (with `v5.channel.k8s.io`; `v4` cannot, so stdin then stays open until the
/// process ends).
pub struct AttachedProcess {
    protocol: String,
    url: String,
    stdin: Option<DuplexStream>,
    stdout: Option<DuplexStream>,
    stderr: Option<DuplexStream>,
    resize: Option<mpsc::Sender<TerminalSize>>,
    task: JoinHandle<Result<Option<Status>, Error>>,
}

impl std::fmt::Debug for AttachedProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttachedProcess")
            .field("protocol", &self.protocol)
            .finish_non_exhaustive()
    }
}

impl AttachedProcess {
    /// The negotiated subprotocol (`v5.channel.k8s.io` or `v4.channel.k8s.io`).
    pub fn protocol(&self) -> &str {
        &self.protocol
    }

    /// The stdin writer (once; `None` without `stdin`). Drop it (or `shutdown()` it) to close
    /// stdin.
    pub fn stdin(&mut self) -> Option<impl AsyncWrite + Unpin + Send + use<>> {
        self.stdin.take()
    }

    /// The stdout reader (once; `None` without `stdout`).
    pub fn stdout(&mut self) -> Option<impl AsyncRead + Unpin + Send + use<>> {
        self.stdout.take()
    }

    /// The stderr reader (once; `None` without `stderr`).
    pub fn stderr(&mut self) -> Option<impl AsyncRead + Unpin + Send + use<>> {
        self.stderr.take()
    }

    /// A sender of terminal sizes (once; `None` without `tty`).
    pub fn terminal_size(&mut self) -> Option<mpsc::Sender<TerminalSize>> {
        self.resize.take()
    }

    /// Waits for the process to end and returns its `Status` (see [`channel::exit_code`]).
    /// A server that closes the connection without a status means success, as in client-go.
    pub async fn join(self) -> Result<Status, Error> {
        let AttachedProcess {
            stdin,
            stdout,
            stderr,
            resize,
            task,
            url,
            ..
        } = self;
        // Streams never taken: nobody will read or write them.
        drop((stdin, stdout, stderr, resize));
        let status = task.await.map_err(|e| Error::WebSocket {
            url,
            message: "the connection task failed".to_string(),
            source: Some(Box::new(e)),
        })??;
        Ok(status.unwrap_or_else(|| Status {
            status: Some(Status::SUCCESS.to_string()),
            ..Status::default()
        }))
    }

    /// Closes stdin (if not taken), reads stdout and stderr to the end and waits for the
    /// status.
    pub async fn output(mut self) -> Result<ExecOutput, Error> {
        drop(self.stdin.take());
        let out = self.stdout.take();
        let err = self.stderr.take();
        let read_all = |s: Option<DuplexStream>| async move {
            let mut buf = Vec::new();
            if let Some(mut s) = s {
                // A failed read only loses output; the status says how the process ended.
                let _ = s.read_to_end(&mut buf).await;
            }
            buf
        };
        let (stdout, stderr, status) = tokio::join!(read_all(out), read_all(err), self.join());
        Ok(ExecOutput {
            stdout,
            stderr,
            status: status?,
        })
    }

    /// Stops at once, closing the connection.
    pub fn abort(&self) {
        self.task.abort();
    }
}

impl Api<Pod> {
    /// Runs `command` in a container of pod `name` (`POST …/pods/{name}/exec`, upgraded to a
    /// WebSocket).
    pub async fn exec<I, S>(
        &self,
        name: &str,
        command: I,
        params: &AttachParams,
    ) -> Result<AttachedProcess, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        params.validate()?;
        let mut query: Vec<(&str, String)> =
            command.into_iter().map(|c| ("command", c.into())).collect();
        if query.is_empty() {
            return Err(Error::InvalidRequest("exec needs a command".to_string()));
        }
        query.extend(params.to_query());
        let path = self.path.item(name, Some("exec"), &query)?;
        start_process(&self.client, &path, params).await
    }

    /// Attaches to the main process of a container of pod `name` (`…/pods/{name}/attach`).
    pub async fn attach(
        &self,
        name: &str,
        params: &AttachParams,
    ) -> Result<AttachedProcess, Error> {
        params.validate()?;
        let path = self.path.item(name, Some("attach"), &params.to_query())?;
        start_process(&self.client, &path, params).await
    }

    /// Forwards `ports` of pod `name` (`…/pods/{name}/portforward`): one duplex stream per
    /// port.
    pub async fn port_forward(&self, name: &str, ports: &[u16]) -> Result<Portforwarder, Error> {
        if ports.is_empty() {
            return Err(Error::InvalidRequest(
                "port_forward needs at least one port".to_string(),
            ));
        }
        let query: Vec<(&str, String)> = ports.iter().map(|p| ("ports", p.to_string())).collect();
        let path = self.path.item(name, Some("portforward"), &query)?;
        let (ws, protocol, url) = connect(
            &self.client,
            &path,
            &[channel::V4_PROTOCOL, channel::PORT_FORWARD_PROTOCOL],
        )
        .await?;
        Ok(Portforwarder::start(ws, protocol, url, ports))
    }
}

async fn start_process(
    client: &HttpClient,
    path: &str,
    params: &AttachParams,
) -> Result<AttachedProcess, Error> {
    let (ws, protocol, url) =
        connect(client, path, &[channel::V5_PROTOCOL, channel::V4_PROTOCOL]).await?;
    let (stdin_user, stdin_task) = pipe(params.stdin);
    let (stdout_user, stdout_task) = pipe(params.stdout);
    let (stderr_user, stderr_task) = pipe(params.stderr);
    let (resize_tx, resize_rx) = if params.tty {
        let (tx, rx) = mpsc::channel(8);
        (Some(tx), Some(rx))
    } else {
        (None, None)
    };
    let streams = ProcessStreams {
        v5: protocol == channel::V5_PROTOCOL,
        stdin: stdin_task,
        stdout: stdout_task,
        stderr: stderr_task,
        resize: resize_rx,
    };
    let task = tokio::spawn(run_process(ws, streams, url.clone()));
    Ok(AttachedProcess {
        protocol,
        url,
        stdin: stdin_user,
        stdout: stdout_user,
        stderr: stderr_user,
        resize: resize_tx,
        task,
    })
}

fn pipe(on: bool) -> (Option<DuplexStream>, Option<DuplexStream>) {
    if on {
        let (a, b) = tokio::io::duplex(PIPE_BUFFER);
        (Some(a), Some(b))
    } else {
        (None, None)
    }
}

struct ProcessStreams {
    v5: bool,
    stdin: Option<DuplexStream>,
    stdout: Option<DuplexStream>,
    stderr: Option<DuplexStream>,
    resize: Option<mpsc::Receiver<TerminalSize>>,
}

/// Reads from `s`, or waits forever when there is nothing to read from.
async fn read_opt(s: &mut Option<DuplexStream>, buf: &mut [u8]) -> std::io::Result<usize> {
    match s {
        Some(s) => s.read(buf).await,
        None => std::future::pending().await,
    }
}

async fn recv_opt<T>(rx: &mut Option<mpsc::Receiver<T>>) -> Option<T> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Writes to a user's pipe; once the user has dropped it, the data is discarded.
async fn write_opt(s: &mut Option<DuplexStream>, data: &[u8]) {
    if let Some(pipe) = s
        && pipe.write_all(data).await.is_err()
    {
        *s = None;
    }
}

pub(crate) type Ws = WebSocketStream<Box<dyn Io>>;

/// The byte stream under a WebSocket: TCP, or TLS over TCP.
pub(crate) trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

pub(crate) fn ws_error(url: &str, e: impl std::fmt::Display) -> Error {
    Error::WebSocket {
        url: url.to_string(),
        message: e.to_string(),
        source: None,
    }
}

async fn run_process(ws: Ws, mut s: ProcessStreams, url: String) -> Result<Option<Status>, Error> {
    let (mut sink, mut stream) = ws.split();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_PERIOD, PING_PERIOD);
    let mut buf = vec![0u8; 32 * 1024];
    let mut status = Vec::new();
    loop {
        tokio::select! {
            msg = stream.next() => match msg {
                None | Some(Ok(Message::Close(_))) => break,
                Some(Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed)) => break,
                Some(Err(e)) => return Err(ws_error(&url, e)),
                Some(Ok(Message::Binary(data))) => match channel::split_frame(&data) {
                    Some((channel::STDOUT, d)) => write_opt(&mut s.stdout, d).await,
                    Some((channel::STDERR, d)) => write_opt(&mut s.stderr, d).await,
                    Some((channel::ERROR, d)) => status.extend_from_slice(d),
                    // The server closing a channel (v5) or an unknown channel: nothing to do.
                    _ => {}
                },
                Some(Ok(Message::Text(_))) => {
                    return Err(ws_error(&url, "unexpected text message (base64 protocols are not supported)"));
                }
                Some(Ok(_)) => {} // ping/pong (tungstenite answers pings itself)
            },
            n = read_opt(&mut s.stdin, &mut buf) => match n {
                Ok(0) | Err(_) => {
                    s.stdin = None;
                    if s.v5 {
                        sink.send(Message::binary(channel::close_frame(channel::STDIN).to_vec()))
                            .await
                            .map_err(|e| ws_error(&url, e))?;
                    }
                }
                Ok(n) => {
                    let frame = channel::frame(channel::STDIN, buf.get(..n).unwrap_or_default());
                    sink.send(Message::binary(frame)).await.map_err(|e| ws_error(&url, e))?;
                }
            },
            size = recv_opt(&mut s.resize) => match size {
                Some(size) => {
                    let json = serde_json::to_vec(&size)
                        .map_err(|e| ws_error(&url, format!("encoding the terminal size: {e}")))?;
                    sink.send(Message::binary(channel::frame(channel::RESIZE, &json)))
                        .await
                        .map_err(|e| ws_error(&url, e))?;
                }
                None => s.resize = None,
            },
            _ = ping.tick() => {
                sink.send(Message::Ping(Vec::new().into())).await.map_err(|e| ws_error(&url, e))?;
            }
        }
    }
    // stdout/stderr end here: readers see EOF.
    drop((s.stdout.take(), s.stderr.take()));
    if status.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(&status).map(Some).map_err(|e| {
        ws_error(
            &url,
            format!(
                "error channel: {e} in {:?}",
                String::from_utf8_lossy(&status)
            ),
        )
    })
}

/// Opens a WebSocket to `path` asking for `protocols` (best first); returns the stream, the
/// protocol the server picked and the URL (for errors). A 401 refreshes the credential and
/// tries once more, as every other request does.
pub(crate) async fn connect(
    client: &HttpClient,
    path: &str,
    protocols: &[&str],
) -> Result<(Ws, String, String), Error> {
    match connect_once(client, path, protocols).await {
        Err(e) if e.is_unauthorized() && client.reauthenticate().await => {
            tracing::debug!(path, "websocket: 401, refreshed credentials; retrying once");
            connect_once(client, path, protocols).await
        }
        other => other,
    }
}

async fn connect_once(
    client: &HttpClient,
    path: &str,
    protocols: &[&str],
) -> Result<(Ws, String, String), Error> {
    use crate::transport::{TransportError, TransportErrorKind};
    let parts = client.upgrade_parts(path).await?;
    let url = parts.url;
    let shown = url.to_string();
    let host = url
        .host()
        .ok_or_else(|| ws_error(&shown, "the URL has no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let https = url.scheme_str() == Some("https");
    let port = url.port_u16().unwrap_or(if https { 443 } else { 80 });
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| {
            let err = TransportError::new(
                TransportErrorKind::Connect,
                format!("connecting to {host}:{port}"),
            )
            .with_source(e);
            ws_source_error(&shown, err)
        })?;
    // Latency matters more than throughput for interactive sessions.
    let _ = tcp.set_nodelay(true);
    let io: Box<dyn Io> = match parts.tls {
        Some(config) => {
            let name = crate::transport::tls::server_name(&host, parts.server_name.as_deref())?;
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .map_err(|e| {
                    // As on the HTTP paths: a refused certificate is a TLS failure, a
                    // connection cut during the handshake a connection reset.
                    let kind = match crate::transport::error::classify(&e) {
                        Some(TransportErrorKind::ConnectionReset) => {
                            TransportErrorKind::ConnectionReset
                        }
                        _ => TransportErrorKind::Tls,
                    };
                    let err =
                        TransportError::new(kind, format!("TLS handshake with {host}:{port}"))
                            .with_source(e);
                    let err =
                        crate::transport::tls::with_ca_hint(Box::new(err), &parts.tls_settings);
                    ws_source_error(&shown, err)
                })?;
            Box::new(tls)
        }
        None => Box::new(tcp),
    };
    // `https://…` → `wss://…`, `http://…` → `ws://…`.
    let ws_url = match shown.split_once("://") {
        Some((_, rest)) => format!("{}://{rest}", if https { "wss" } else { "ws" }),
        None => return Err(ws_error(&shown, "cannot make a WebSocket URL")),
    };
    let mut request = ws_url
        .as_str()
        .into_client_request()
        .map_err(|e| ws_error(&shown, e))?;
    let headers = request.headers_mut();
    for (name, value) in &parts.headers {
        headers.insert(name.clone(), value.clone());
    }
    headers.insert(
        http::header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_str(&protocols.join(", ")).map_err(|e| ws_error(&shown, e))?,
    );
    let (ws, response) = match tokio_tungstenite::client_async_with_config(request, io, None).await
    {
        Ok(ok) => ok,
        Err(tungstenite::Error::Http(resp)) => {
            let code = resp.status().as_u16();
            let body = resp.body().clone().unwrap_or_default();
            return Err(Error::Api {
                method: "GET".to_string(),
                url: shown,
                error: Box::new(ApiError::from_response(code, &body)),
            });
        }
        Err(e) => {
            return Err(ws_source_error(
                &shown,
                TransportError::new(
                    match &e {
                        tungstenite::Error::Io(io) => crate::transport::error::classify(io)
                            .unwrap_or(TransportErrorKind::Other),
                        _ => TransportErrorKind::Other,
                    },
                    "handshake",
                )
                .with_source(e),
            ));
        }
    };
    let protocol = response
        .headers()
        .get(http::header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    tracing::debug!(url = %shown, %protocol, "websocket connected");
    Ok((ws, protocol, shown))
}

/// A WebSocket failure with its cause kept (so that `is_connect`, `is_tls`… answer).
fn ws_source_error(url: &str, source: impl Into<crate::transport::BoxError>) -> Error {
    let source = source.into();
    Error::WebSocket {
        url: url.to_string(),
        message: crate::error::chain(source.as_ref()),
        source: Some(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_validate_and_render() {
        assert!(AttachParams::default().validate().is_ok());
        assert!(AttachParams::default().tty(true).validate().is_err());
        assert!(AttachParams::interactive_tty().validate().is_ok());
        let none = AttachParams::default().stdout(false).stderr(false);
        assert!(none.validate().is_err());
        let q: Vec<String> = AttachParams::default()
            .container("c")
            .stdin(true)
            .to_query()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        assert_eq!(
            q,
            [
                "container=c",
                "stdin=true",
                "stdout=true",
                "stderr=true",
                "tty=false"
            ]
        );
    }
}
