//! Small servers on real sockets, shared by the tests of the workspace.
//!
//! Dev-only test support (`publish = false`): a crate dev-depends on it to stand up a server that
//! misbehaves on demand, where a scripted `Transport` would only pretend: a connection refused, a
//! certificate from the wrong CA, a connection reset in the middle of a body, an HTTP/2
//! `RST_STREAM` or `GOAWAY`, a server that never answers. It depends on none of the workspace's
//! crates, so any of them can use it.
//!
//! - [`Pki`]: a throw-away CA and a server certificate for `127.0.0.1`, `::1` and `localhost`.
//! - [`TlsListener`]: a TLS listener on `127.0.0.1` offering the ALPN protocols it is given
//!   ([`ALPN_H2`], [`ALPN_HTTP1`]).
//! - [`http1::Http1Conn`]: a scripted HTTP/1.1 server over any byte stream: read a request,
//!   write a response or any raw bytes; [`reset`] closes a TCP connection with an RST.
//! - [`http2::H2Conn`]: the server side of HTTP/2 over the `h2` crate: answer, send part of a
//!   body, reset a stream, send `GOAWAY`.
//! - [`closed_port`]: a port of `127.0.0.1` that nothing listens on.
//!
//! Errors are returned, never unwrapped; the tests using these helpers decide what a failure
//! means.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use k8s_test_servers::{ALPN_H2, Pki, TlsListener};
//!
//! let pki = Pki::generate()?;
//! let listener = TlsListener::bind(&pki, &[ALPN_H2]).await?;
//! // A client trusts `pki.ca_pem()` and connects to `listener.url()` (`https://127.0.0.1:…`).
//! assert!(listener.url().starts_with("https://127.0.0.1:"));
//! assert!(pki.ca_pem().starts_with(b"-----BEGIN CERTIFICATE-----"));
//! # Ok(()) }
//! ```

pub mod http1;
pub mod http2;
mod tls;

use std::io;

pub use tls::{ALPN_H2, ALPN_HTTP1, Pki, TlsListener};

/// Any error, sent between threads.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A port of `127.0.0.1` that nothing listens on (bound, then released): connecting to it is
/// refused.
pub fn closed_port() -> io::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.local_addr().map(|a| a.port())
}

/// Closes `tcp` with an RST instead of a FIN (`SO_LINGER` 0, then drop): the peer's next read
/// fails with "connection reset by peer" once it has read what was sent before.
pub fn reset(tcp: tokio::net::TcpStream) -> io::Result<()> {
    tcp.set_zero_linger()?;
    drop(tcp);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

    use super::*;

    #[tokio::test]
    async fn a_closed_port_refuses() {
        let port = closed_port().unwrap();
        let err = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
    }

    #[tokio::test]
    async fn reset_sends_an_rst() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            tcp.write_all(b"partial").await.unwrap();
            reset(tcp).unwrap();
        });
        let mut client = tokio::net::TcpStream::connect(addr).await.unwrap();
        server.await.unwrap();
        // What was sent before the RST is read first, then the reset.
        let mut buf = [0u8; 7];
        client.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"partial");
        let err = client.read(&mut [0u8; 8]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
    }
}
