//! A scripted HTTP/1.1 server over any byte stream (TCP, or TLS over TCP).
//!
//! It parses just enough of a request (the head, and a body announced by `Content-Length`) to
//! answer at the right moment; what it writes back is up to the test: a well-formed response
//! ([`Http1Conn::respond`]) or any bytes at all ([`Http1Conn::write_raw`]), after which the test
//! may keep the connection open, close it, or [`reset`](crate::reset) it.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use k8s_test_servers::http1::Http1Conn;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! let (client, server) = tokio::io::duplex(4096);
//! let server = tokio::spawn(async move {
//!     let mut conn = Http1Conn::new(server);
//!     let request = conn.read_request().await?.expect("a request");
//!     assert_eq!((request.method.as_str(), request.target.as_str()), ("GET", "/version"));
//!     // A head announcing 100 bytes, 2 of them sent.
//!     conn.write_raw(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{}").await?;
//!     std::io::Result::Ok(())
//! });
//! let mut client = client;
//! client.write_all(b"GET /version HTTP/1.1\r\nhost: x\r\n\r\n").await?;
//! server.await??;
//! let mut answer = String::new();
//! client.read_to_string(&mut answer).await?;
//! assert!(answer.ends_with("\r\n\r\n{}"));
//! # Ok(()) }
//! ```

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A request as the server read it.
#[derive(Clone, Debug, Default)]
pub struct RequestHead {
    /// `GET`, `POST`…
    pub method: String,
    /// The request target: path and query (`/api/v1/pods?limit=5`).
    pub target: String,
    /// The protocol of the request line (`HTTP/1.1`).
    pub version: String,
    /// The header fields, names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes; empty without one).
    pub body: Vec<u8>,
}

impl RequestHead {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 connection, server side.
#[derive(Debug)]
pub struct Http1Conn<S> {
    io: S,
    /// Bytes read past the last request.
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Http1Conn<S> {
    /// Serves HTTP/1.1 over `io`.
    pub fn new(io: S) -> Self {
        Http1Conn {
            io,
            buf: Vec::new(),
        }
    }

    /// Reads the next request (head and `Content-Length` body); `None` when the client closed
    /// the connection before sending one.
    pub async fn read_request(&mut self) -> io::Result<Option<RequestHead>> {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            if !self.fill().await? {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::ErrorKind::UnexpectedEof.into())
                };
            }
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end);
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap_or_default().split(' ');
        let mut request = RequestHead {
            method: request_line.next().unwrap_or_default().to_string(),
            target: request_line.next().unwrap_or_default().to_string(),
            version: request_line.next().unwrap_or_default().to_string(),
            ..RequestHead::default()
        };
        for line in lines.filter(|l| !l.is_empty()) {
            let (name, value) = line.split_once(':').ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, format!("header {line:?}"))
            })?;
            request
                .headers
                .push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
        let length = match request.header("content-length") {
            Some(v) => v
                .parse::<usize>()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?,
            None => 0,
        };
        while self.buf.len() < length {
            if !self.fill().await? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
        }
        request.body = self.buf.drain(..length).collect();
        Ok(Some(request))
    }

    /// Reads more from the stream into the buffer; false at EOF.
    async fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 4096];
        let n = self.io.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    /// Writes `bytes` as they are and flushes them.
    pub async fn write_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.io.write_all(bytes).await?;
        self.io.flush().await
    }

    /// Writes a complete response: status line, `headers`, `Content-Length` and `body`.
    pub async fn respond(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<()> {
        let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
        for (name, value) in headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(body);
        self.write_raw(&bytes).await
    }

    /// The stream underneath.
    pub fn get_ref(&self) -> &S {
        &self.io
    }

    /// The stream underneath (to close it, or [`reset`](crate::reset) it).
    pub fn into_inner(self) -> S {
        self.io
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

    use super::*;

    #[tokio::test]
    async fn requests_are_read_one_after_another_with_their_bodies() {
        let (mut client, server) = tokio::io::duplex(4096);
        let mut conn = Http1Conn::new(server);
        client
            .write_all(
                b"POST /a?b=c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /next HTTP/1.1\r\n\r\n",
            )
            .await
            .unwrap();
        let first = conn.read_request().await.unwrap().unwrap();
        assert_eq!(first.method, "POST");
        assert_eq!(first.target, "/a?b=c");
        assert_eq!(first.version, "HTTP/1.1");
        assert_eq!(first.header("HOST"), Some("x"));
        assert_eq!(first.body, b"hello");
        let second = conn.read_request().await.unwrap().unwrap();
        assert_eq!(
            (second.method.as_str(), second.target.as_str()),
            ("GET", "/next")
        );
        assert!(second.body.is_empty());
        drop(client);
        assert!(conn.read_request().await.unwrap().is_none());
    }

    #[tokio::test]
    async fn responses_carry_their_length() {
        let (mut client, server) = tokio::io::duplex(4096);
        let mut conn = Http1Conn::new(server);
        conn.respond(200, &[("content-type", "application/json")], b"{}")
            .await
            .unwrap();
        drop(conn);
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap();
        assert_eq!(
            answer,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
        );
    }

    #[tokio::test]
    async fn a_head_cut_short_is_an_error() {
        let (mut client, server) = tokio::io::duplex(4096);
        let mut conn = Http1Conn::new(server);
        client.write_all(b"GET / HTTP/1.1\r\n").await.unwrap();
        drop(client);
        let err = conn.read_request().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
