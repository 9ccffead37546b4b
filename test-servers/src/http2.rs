//! The server side of HTTP/2 (over the `h2` crate), driven step by step by a test.
//!
//! An `h2` connection only reads and writes frames while it is polled. [`H2Conn`] keeps that on
//! the test's own task, so that the order of what the client sees is the order of the script:
//! [`accept`](H2Conn::accept) a request, [`send_head`] and some data, [`flush`](H2Conn::flush)
//! them onto the socket, then reset the stream (`stream.send_reset(..)`: `h2` drops the frames
//! of a stream it has not written yet when it is reset, so flush first), say
//! [`goaway`](H2Conn::goaway), or drop the connection; [`run`](H2Conn::run) serves the connection
//! until the client closes it.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use k8s_test_servers::http2::{H2Conn, respond};
//!
//! let (client_io, server_io) = tokio::io::duplex(64 * 1024);
//! let server = tokio::spawn(async move {
//!     let mut conn = H2Conn::handshake(server_io).await?;
//!     if let Some(request) = conn.accept().await {
//!         let (_request, mut responder) = request?;
//!         respond(&mut responder, 200, &[], b"hello")?;
//!     }
//!     conn.run().await
//! });
//! let (mut client, connection) = h2::client::handshake(client_io).await?;
//! tokio::spawn(connection);
//! let (response, _) = client.send_request(http::Request::get("https://x/").body(())?, true)?;
//! let mut body = response.await?.into_body();
//! assert_eq!(body.data().await.transpose()?.as_deref(), Some(&b"hello"[..]));
//! drop((client, body));
//! server.await??;
//! # Ok(()) }
//! ```

use std::future::poll_fn;
use std::task::Poll;

use bytes::Bytes;
use h2::server::{Connection, SendResponse};
use h2::{Reason, RecvStream, SendStream};
use tokio::io::{AsyncRead, AsyncWrite};

/// A request with the handle that answers it.
pub type Incoming = (http::Request<RecvStream>, SendResponse<Bytes>);

/// One HTTP/2 connection, server side.
pub struct H2Conn<S> {
    conn: Connection<S, Bytes>,
}

impl<S> std::fmt::Debug for H2Conn<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("H2Conn").finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> H2Conn<S> {
    /// The HTTP/2 handshake (preface and SETTINGS) over `io`.
    pub async fn handshake(io: S) -> Result<Self, h2::Error> {
        Ok(H2Conn {
            conn: h2::server::handshake(io).await?,
        })
    }

    /// The next request; `None` once the client closed the connection (or it went away).
    pub async fn accept(&mut self) -> Option<Result<Incoming, h2::Error>> {
        self.conn.accept().await
    }

    /// Writes out what is queued (response heads, data, resets, `GOAWAY`): one turn of the
    /// connection, which writes every queued frame the socket takes at once (all of them, for
    /// the few bytes of a test).
    pub async fn flush(&mut self) -> Result<(), h2::Error> {
        poll_fn(|cx| match self.conn.poll_closed(cx) {
            Poll::Ready(result) => Poll::Ready(result),
            Poll::Pending => Poll::Ready(Ok(())),
        })
        .await
    }

    /// Starts a graceful shutdown: `GOAWAY` with the last stream accepted, `NO_ERROR`. Streams
    /// already accepted may finish; the client opens new ones on a new connection.
    pub fn goaway(&mut self) {
        self.conn.graceful_shutdown();
    }

    /// Shuts down at once: `GOAWAY` with `reason`, then the connection closes (once driven by
    /// [`flush`](Self::flush) or [`run`](Self::run)); streams still open fail.
    pub fn goaway_with_error(&mut self, reason: Reason) {
        self.conn.abrupt_shutdown(reason);
    }

    /// Serves the connection (answers PINGs and SETTINGS, writes what is queued) until it
    /// closes; a request arriving meanwhile is left unanswered.
    pub async fn run(mut self) -> Result<(), h2::Error> {
        let mut held = Vec::new();
        loop {
            match self.conn.accept().await {
                Some(Ok(incoming)) => held.push(incoming),
                Some(Err(e)) => return Err(e),
                None => return poll_fn(|cx| self.conn.poll_closed(cx)).await,
            }
        }
    }
}

/// Sends the response head (`status`, `headers`), leaving the body open: the returned stream
/// sends it (`send_data(bytes, end_of_stream)`) or resets it (`send_reset(reason)`).
pub fn send_head(
    responder: &mut SendResponse<Bytes>,
    status: u16,
    headers: &[(&str, &str)],
) -> Result<SendStream<Bytes>, h2::Error> {
    let mut head = http::Response::new(());
    *head.status_mut() =
        http::StatusCode::from_u16(status).map_err(|_| h2::Error::from(Reason::INTERNAL_ERROR))?;
    for (name, value) in headers {
        let name = http::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| h2::Error::from(Reason::INTERNAL_ERROR))?;
        let value = http::HeaderValue::from_str(value)
            .map_err(|_| h2::Error::from(Reason::INTERNAL_ERROR))?;
        head.headers_mut().append(name, value);
    }
    responder.send_response(head, false)
}

/// Sends a complete response: head and `body`, ending the stream.
pub fn respond(
    responder: &mut SendResponse<Bytes>,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<(), h2::Error> {
    let mut stream = send_head(responder, status, headers)?;
    stream.send_data(Bytes::copy_from_slice(body), true)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

    use super::*;

    async fn client(io: tokio::io::DuplexStream) -> h2::client::SendRequest<Bytes> {
        let (client, connection) = h2::client::handshake(io).await.unwrap();
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    }

    fn get() -> http::Request<()> {
        http::Request::get("https://127.0.0.1/x").body(()).unwrap()
    }

    #[tokio::test]
    async fn part_of_a_body_then_rst_stream() {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let server = tokio::spawn(async move {
            let mut conn = H2Conn::handshake(server_io).await.unwrap();
            let (_, mut responder) = conn.accept().await.unwrap().unwrap();
            let mut stream = send_head(&mut responder, 200, &[("x-test", "1")]).unwrap();
            stream
                .send_data(Bytes::from_static(b"part"), false)
                .unwrap();
            conn.flush().await.unwrap();
            stream.send_reset(Reason::INTERNAL_ERROR);
            conn.run().await
        });
        let mut client = client(client_io).await;
        let (response, _) = client.send_request(get(), true).unwrap();
        let response = response.await.unwrap();
        assert_eq!(response.headers()["x-test"], "1");
        let mut body = response.into_body();
        assert_eq!(&body.data().await.unwrap().unwrap()[..], b"part");
        let err = body.data().await.unwrap().unwrap_err();
        assert_eq!(err.reason(), Some(Reason::INTERNAL_ERROR), "{err}");
        drop((client, body));
        server.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn goaway_with_an_error_fails_the_open_stream() {
        let (client_io, server_io) = tokio::io::duplex(64 * 1024);
        let server = tokio::spawn(async move {
            let mut conn = H2Conn::handshake(server_io).await.unwrap();
            let (_, mut responder) = conn.accept().await.unwrap().unwrap();
            let mut stream = send_head(&mut responder, 200, &[]).unwrap();
            stream
                .send_data(Bytes::from_static(b"part"), false)
                .unwrap();
            conn.flush().await.unwrap();
            conn.goaway_with_error(Reason::INTERNAL_ERROR);
            let _ = conn.run().await;
        });
        let mut client = client(client_io).await;
        let (response, _) = client.send_request(get(), true).unwrap();
        let mut body = response.await.unwrap().into_body();
        assert_eq!(&body.data().await.unwrap().unwrap()[..], b"part");
        // The GOAWAY names stream 1 as processed, so the stream fails when the connection
        // closes after it (h2 0.4 reports that as a broken pipe).
        let err = body.data().await.unwrap().unwrap_err();
        assert!(err.is_go_away() || err.is_io(), "{err:?}");
        server.await.unwrap();
    }
}
