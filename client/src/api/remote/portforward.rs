//! Port-forwarding over one WebSocket (`v4.channel.k8s.io` framing; the kubelet's WebSocket
//! port-forward): for the i-th requested port, channel `2i` carries data both ways and `2i+1`
//! the server's error text; the server's first message on each channel is the port number
//! (2 bytes, little-endian), which is checked and stripped.

use std::future::Future;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, WriteHalf};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::{self, Message};

use super::{PING_PERIOD, PIPE_BUFFER, Ws, channel, ws_error};
use crate::Error;

/// Forwarded ports of a pod: one duplex byte stream per port
/// ([`Api::<Pod>::port_forward`](crate::Api::port_forward)).
///
/// Keep it while you use its streams: dropping it closes the connection.
///
/// ```no_run
/// use k8s_api::core::v1::Pod;
/// use k8s_client::Api;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # async fn demo(pods: Api<Pod>) -> Result<(), Box<dyn std::error::Error>> {
/// let mut pf = pods.port_forward("web", &[80]).await?;
/// let mut conn = pf.take_stream(80).unwrap();
/// conn.write_all(b"GET / HTTP/1.0\r\n\r\n").await?;
/// let mut page = Vec::new();
/// conn.read_to_end(&mut page).await?;
/// if let Some(error) = pf.take_error(80).unwrap().await {
///     eprintln!("port 80: {error}");
/// }
/// pf.close().await?;
/// # Ok(()) }
/// ```
pub struct Portforwarder {
    protocol: String,
    url: String,
    ports: Vec<u16>,
    streams: Vec<Option<DuplexStream>>,
    errors: Vec<Option<oneshot::Receiver<String>>>,
    close: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), Error>>,
}

impl std::fmt::Debug for Portforwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portforwarder")
            .field("protocol", &self.protocol)
            .field("ports", &self.ports)
            .finish_non_exhaustive()
    }
}

impl Portforwarder {
    pub(super) fn start(ws: Ws, protocol: String, url: String, ports: &[u16]) -> Self {
        let mut user = Vec::new();
        let mut task_side = Vec::new();
        let mut error_rx = Vec::new();
        let mut error_tx = Vec::new();
        for _ in ports {
            let (a, b) = tokio::io::duplex(PIPE_BUFFER);
            user.push(Some(a));
            task_side.push(b);
            let (tx, rx) = oneshot::channel();
            error_tx.push(Some(tx));
            error_rx.push(Some(rx));
        }
        let (close_tx, close_rx) = oneshot::channel();
        let task = tokio::spawn(run(
            ws,
            url.clone(),
            ports.to_vec(),
            task_side,
            error_tx,
            close_rx,
        ));
        Portforwarder {
            protocol,
            url,
            ports: ports.to_vec(),
            streams: user,
            errors: error_rx,
            close: Some(close_tx),
            task,
        }
    }

    /// The negotiated subprotocol.
    pub fn protocol(&self) -> &str {
        &self.protocol
    }

    /// The ports, in the order requested.
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// The byte stream of `port` (once per requested port). Reading gives what the pod sends;
    /// it ends when the connection (or that port, after an error) closes.
    pub fn take_stream(
        &mut self,
        port: u16,
    ) -> Option<impl AsyncRead + AsyncWrite + Unpin + Send + use<>> {
        let idx = self
            .ports
            .iter()
            .zip(&self.streams)
            .position(|(p, s)| *p == port && s.is_some())?;
        self.streams.get_mut(idx)?.take()
    }

    /// The error the server reports for `port` (once per requested port): resolves to
    /// `Some(text)` when the server writes one (e.g. nothing listens on the port), `None` when
    /// the connection ends without one.
    pub fn take_error(
        &mut self,
        port: u16,
    ) -> Option<impl Future<Output = Option<String>> + Send + use<>> {
        let idx = self
            .ports
            .iter()
            .zip(&self.errors)
            .position(|(p, e)| *p == port && e.is_some())?;
        let rx = self.errors.get_mut(idx)?.take()?;
        Some(async move { rx.await.ok() })
    }

    /// Closes the connection (a WebSocket close) and waits for it to end.
    pub async fn close(mut self) -> Result<(), Error> {
        if let Some(close) = self.close.take() {
            let _ = close.send(());
        }
        self.join().await
    }

    /// Waits until the server closes the connection.
    pub async fn join(self) -> Result<(), Error> {
        let Portforwarder {
            streams,
            close,
            task,
            url,
            ..
        } = self;
        drop(streams);
        let result = task.await.map_err(|e| Error::WebSocket {
            url,
            message: "the connection task failed".to_string(),
            source: Some(Box::new(e)),
        });
        drop(close);
        result?
    }

    /// Stops at once.
    pub fn abort(&self) {
        self.task.abort();
    }
}

struct PortState {
    port: u16,
    writer: Option<WriteHalf<DuplexStream>>,
    data_prefix_seen: bool,
    error_prefix_seen: bool,
    error_tx: Option<oneshot::Sender<String>>,
}

/// Strips the port prefix from the first message of a channel, checking it.
fn strip_prefix<'a>(seen: &mut bool, port: u16, data: &'a [u8]) -> Result<&'a [u8], String> {
    if *seen {
        return Ok(data);
    }
    *seen = true;
    match data {
        [a, b, rest @ ..] if [*a, *b] == channel::port_prefix(port) => Ok(rest),
        [a, b, ..] => Err(format!(
            "port {port}: the channel starts with port {}",
            u16::from_le_bytes([*a, *b])
        )),
        _ => Err(format!(
            "port {port}: the channel's first message has no port number"
        )),
    }
}

async fn run(
    ws: Ws,
    url: String,
    ports: Vec<u16>,
    task_side: Vec<DuplexStream>,
    error_tx: Vec<Option<oneshot::Sender<String>>>,
    mut close_rx: oneshot::Receiver<()>,
) -> Result<(), Error> {
    let (mut sink, mut stream) = ws.split();
    let (out_tx, mut out_rx) = mpsc::channel::<(usize, Bytes)>(16);
    let mut readers = Vec::new();
    let mut states = Vec::new();
    for (idx, ((side, port), err)) in task_side.into_iter().zip(&ports).zip(error_tx).enumerate() {
        let (mut read, write) = tokio::io::split(side);
        let out_tx = out_tx.clone();
        readers.push(tokio::spawn(async move {
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                match read.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let chunk = Bytes::copy_from_slice(buf.get(..n).unwrap_or_default());
                        if out_tx.send((idx, chunk)).await.is_err() {
                            break;
                        }
                    }
                }
            }
        }));
        states.push(PortState {
            port: *port,
            writer: Some(write),
            data_prefix_seen: false,
            error_prefix_seen: false,
            error_tx: err,
        });
    }
    drop(out_tx);
    let mut outgoing_open = true;
    let mut close_requested = false;
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + PING_PERIOD, PING_PERIOD);
    let result = loop {
        tokio::select! {
            msg = stream.next() => match msg {
                None | Some(Ok(Message::Close(_))) => break Ok(()),
                Some(Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed)) => break Ok(()),
                // We asked to close; a server that hangs up without answering is fine too.
                Some(Err(_)) if close_requested => break Ok(()),
                Some(Err(e)) => break Err(ws_error(&url, e)),
                Some(Ok(Message::Binary(data))) => {
                    let Some((ch, d)) = channel::split_frame(&data) else { continue };
                    let Some(st) = states.get_mut(usize::from(ch / 2)) else { continue };
                    if ch % 2 == 0 {
                        let d = match strip_prefix(&mut st.data_prefix_seen, st.port, d) {
                            Ok(d) => d,
                            Err(e) => break Err(ws_error(&url, e)),
                        };
                        if let Some(w) = &mut st.writer
                            && !d.is_empty()
                            && w.write_all(d).await.is_err()
                        {
                            st.writer = None;
                        }
                    } else {
                        let d = match strip_prefix(&mut st.error_prefix_seen, st.port, d) {
                            Ok(d) => d,
                            Err(e) => break Err(ws_error(&url, e)),
                        };
                        if !d.is_empty() {
                            if let Some(tx) = st.error_tx.take() {
                                let _ = tx.send(String::from_utf8_lossy(d).into_owned());
                            }
                            // The port's connection failed: end its stream.
                            if let Some(mut w) = st.writer.take() {
                                let _ = w.shutdown().await;
                            }
                        }
                    }
                }
                Some(Ok(Message::Text(_))) => {
                    break Err(ws_error(&url, "unexpected text message (base64 protocols are not supported)"));
                }
                Some(Ok(_)) => {}
            },
            chunk = out_rx.recv(), if outgoing_open => match chunk {
                Some((idx, data)) => {
                    let Ok(ch) = u8::try_from(idx * 2) else { continue };
                    if let Err(e) = sink.send(Message::binary(channel::frame(ch, &data))).await {
                        break Err(ws_error(&url, e));
                    }
                }
                None => outgoing_open = false,
            },
            _ = &mut close_rx, if !close_requested => {
                close_requested = true;
                if sink.send(Message::Close(None)).await.is_err() {
                    break Ok(());
                }
            },
            _ = ping.tick() => {
                if let Err(e) = sink.send(Message::Ping(Vec::new().into())).await {
                    break Err(ws_error(&url, e));
                }
            }
        }
    };
    for r in readers {
        r.abort();
    }
    for st in &mut states {
        if let Some(mut w) = st.writer.take() {
            let _ = w.shutdown().await;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_prefixes_are_checked_once() {
        let mut seen = false;
        assert_eq!(
            strip_prefix(&mut seen, 8080, &[0x90, 0x1f, b'x']),
            Ok(&b"x"[..])
        );
        assert_eq!(
            strip_prefix(&mut seen, 8080, &[0x90, 0x1f]),
            Ok(&[0x90, 0x1f][..])
        );
        let mut seen = false;
        assert!(strip_prefix(&mut seen, 8080, &[80, 0]).is_err());
        let mut seen = false;
        assert!(strip_prefix(&mut seen, 8080, &[1]).is_err());
    }
}
