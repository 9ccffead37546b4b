//! What went wrong below the API: [`TransportError`] and the classification of any error chain
//! into connect / timeout / reset / TLS / decode failures.
//!
//! The built-in transports report their failures as [`TransportError`]s with a
//! [`TransportErrorKind`]. A user-supplied service may fail with any error; the classification
//! then looks through its `source()` chain for what it can recognise: a `TransportError`, an
//! `std::io::Error` (refused, reset, timed out…), a rustls error, a tower or tokio timeout.

use std::fmt;

use super::BoxError;

/// What kind of failure a [`TransportError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made: refused, unreachable, name not resolved.
    Connect,
    /// The request or its response took longer than allowed.
    Timeout,
    /// The connection (or the HTTP/2 stream) broke after it was made: reset, closed mid-body,
    /// GOAWAY.
    ConnectionReset,
    /// The TLS handshake failed (unknown CA, bad certificate, wrong name…).
    Tls,
    /// The response body could not be decoded (e.g. broken gzip).
    Decode,
    /// Anything else.
    Other,
}

impl TransportErrorKind {
    fn describe(self) -> &'static str {
        match self {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::ConnectionReset => "connection reset",
            TransportErrorKind::Tls => "TLS",
            TransportErrorKind::Decode => "decode",
            TransportErrorKind::Other => "transport",
        }
    }
}

/// A failure of the transport, with its kind and its cause.
///
/// ```
/// use k8s_client::transport::{TransportError, TransportErrorKind};
///
/// let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
/// let err = TransportError::new(TransportErrorKind::Connect, "connecting to 127.0.0.1:1")
///     .with_source(refused);
/// assert_eq!(err.kind(), TransportErrorKind::Connect);
/// assert!(err.to_string().contains("127.0.0.1:1"));
/// ```
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    source: Option<BoxError>,
}

impl TransportError {
    /// A failure of `kind`, described by `message`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// The same failure, caused by `source`.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Its kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The kind of failure somewhere in `err`'s chain, `None` when nothing in it is recognised.
/// The outermost recognised link decides.
pub(crate) fn classify(err: &(dyn std::error::Error + 'static)) -> Option<TransportErrorKind> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(kind) = classify_one(e) {
            return Some(kind);
        }
        cur = e.source();
    }
    None
}

fn classify_one(e: &(dyn std::error::Error + 'static)) -> Option<TransportErrorKind> {
    use std::io::ErrorKind as Io;
    if let Some(t) = e.downcast_ref::<TransportError>() {
        return (t.kind != TransportErrorKind::Other).then_some(t.kind);
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        // An I/O error may wrap the real cause (rustls reports a bad certificate as an
        // `InvalidData` I/O error holding the `rustls::Error`).
        if let Some(inner) = io.get_ref()
            && let Some(kind) = classify(inner)
        {
            return Some(kind);
        }
        return match io.kind() {
            Io::ConnectionRefused
            | Io::HostUnreachable
            | Io::NetworkUnreachable
            | Io::AddrNotAvailable => Some(TransportErrorKind::Connect),
            Io::TimedOut => Some(TransportErrorKind::Timeout),
            Io::ConnectionReset
            | Io::ConnectionAborted
            | Io::BrokenPipe
            | Io::UnexpectedEof
            | Io::NotConnected => Some(TransportErrorKind::ConnectionReset),
            _ => None,
        };
    }
    if e.downcast_ref::<rustls::Error>().is_some() {
        return Some(TransportErrorKind::Tls);
    }
    if e.downcast_ref::<tokio::time::error::Elapsed>().is_some()
        || e.downcast_ref::<tower::timeout::error::Elapsed>().is_some()
    {
        return Some(TransportErrorKind::Timeout);
    }
    if let Some(h) = e.downcast_ref::<h2::Error>() {
        if h.is_io() {
            return h.get_io().and_then(|io| classify(io));
        }
        if h.is_go_away() || h.is_reset() {
            return Some(TransportErrorKind::ConnectionReset);
        }
        return None;
    }
    if let Some(h) = e.downcast_ref::<hyper::Error>() {
        if h.is_incomplete_message() || h.is_closed() || h.is_canceled() {
            return Some(TransportErrorKind::ConnectionReset);
        }
        if h.is_timeout() {
            return Some(TransportErrorKind::Timeout);
        }
        return None;
    }
    if let Some(r) = e.downcast_ref::<reqwest::Error>() {
        if r.is_timeout() {
            return Some(TransportErrorKind::Timeout);
        }
        if r.is_decode() {
            return Some(TransportErrorKind::Decode);
        }
        // `is_connect` is checked after the inner chain (a TLS failure is a connect error to
        // reqwest): the caller walks on to the sources when this returns `None`.
        return None;
    }
    None
}

/// Classifies a reqwest error for the HTTP/1.1 transport: its chain first, then reqwest's own
/// idea (a failure while connecting that is not TLS is a connect failure).
pub(crate) fn reqwest_kind(e: &reqwest::Error) -> TransportErrorKind {
    if let Some(kind) = classify(e) {
        return kind;
    }
    if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_body() || e.is_request() {
        TransportErrorKind::ConnectionReset
    } else {
        TransportErrorKind::Other
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_classified_by_kind() {
        let cases = [
            (
                std::io::ErrorKind::ConnectionRefused,
                TransportErrorKind::Connect,
            ),
            (std::io::ErrorKind::TimedOut, TransportErrorKind::Timeout),
            (
                std::io::ErrorKind::UnexpectedEof,
                TransportErrorKind::ConnectionReset,
            ),
        ];
        for (io, want) in cases {
            let err = TransportError::new(TransportErrorKind::Other, "outer")
                .with_source(std::io::Error::from(io));
            assert_eq!(classify(&err), Some(want), "{io:?}");
        }
        let unknown = std::io::Error::other("something");
        assert_eq!(classify(&unknown), None);
    }

    #[test]
    fn the_outermost_known_kind_wins() {
        let err = TransportError::new(TransportErrorKind::Decode, "gzip")
            .with_source(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
        assert_eq!(classify(&err), Some(TransportErrorKind::Decode));
    }
}
