//! The one error type of k8s-client.
//!
//! Every variant says what went wrong and where (file, field, URL); none carries a secret.

use std::path::PathBuf;

use k8s_apimachinery::ApiError;

use crate::transport::{BoxError, TransportError, TransportErrorKind};

/// Errors of k8s-client.
///
/// `Display` is one line that names what failed and where, with its cause. `Debug` is made
/// for people too, because that is what `fn main() -> Result<(), Box<dyn Error>>` and
/// `unwrap()` print: `{:?}` is the `Display` line (plus any cause it does not already say),
/// `{:#?}` the variant and the cause chain one per line:
///
/// ```text
/// Error: GET https://127.0.0.1:6443/api/v1/namespaces/shop/configmaps: 403 Forbidden: configmaps is forbidden: User "jane" cannot list resource "configmaps" in API group "" in the namespace "shop"
/// ```
///
/// Match on the variant (or ask [`is_forbidden`](Error::is_forbidden),
/// [`api_error`](Error::api_error), …) for the structure.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A kubeconfig could not be loaded or used (unknown context, missing cluster, bad field…).
    #[error("kubeconfig{}: {message}", path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default())]
    Kubeconfig {
        /// The file, when one file is to blame.
        path: Option<PathBuf>,
        /// What is wrong, naming the field.
        message: String,
    },
    /// A kubeconfig is not valid YAML, or has a field of the wrong type.
    #[error("kubeconfig {path}:{line}:{column}: {message}", path = path.display())]
    KubeconfigSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },
    /// A file that a config field refers to could not be read.
    #[error("{field} refers to {path}, which cannot be read: {source}", path = path.display())]
    ReadFile {
        /// The field naming the file (e.g. `users[admin].client-key`).
        field: String,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A command-line flag ([`ConfigFlags`](crate::config::ConfigFlags)) has no value or a bad
    /// one.
    #[error("flag {flag}: {message}")]
    InvalidFlag {
        /// The flag, as `--name`.
        flag: String,
        /// What is wrong with it.
        message: String,
    },
    /// In-cluster configuration is not available or is broken.
    #[error("in-cluster config: {0}")]
    InCluster(String),
    /// Neither a kubeconfig nor in-cluster config was found.
    #[error("no configuration found: kubeconfig: {kubeconfig}; in-cluster: {in_cluster}")]
    NoConfig {
        /// Why the kubeconfig could not be used.
        kubeconfig: Box<Error>,
        /// Why in-cluster config could not be used.
        in_cluster: Box<Error>,
    },
    /// TLS material is invalid (bad PEM, no key, unusable certificate).
    #[error("TLS: {message}{}", source.as_ref().map(|s| format!(": {}", chain(s.as_ref()))).unwrap_or_default())]
    Tls {
        /// What is wrong, naming the field or file.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// An exec credential plugin failed.
    #[error("exec plugin {command}: {message}")]
    Exec {
        /// The plugin command.
        command: String,
        /// What happened (with the plugin's stderr and install hint where useful).
        message: String,
    },
    /// Credentials could not be obtained or refreshed (token file, OIDC refresh).
    #[error("authentication: {0}")]
    Auth(String),
    /// A request body could not be encoded (a value serde cannot write as JSON, such as a
    /// map with non-string keys).
    #[error("encoding {what}: {source}")]
    Encode {
        /// What was being encoded (`the object`, `the patch`…).
        what: &'static str,
        /// The encoder's error.
        #[source]
        source: BoxError,
    },
    /// The request could not be built (bad URL, bad header value).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The HTTP exchange failed: no connection, TLS handshake, timeout, a connection that broke,
    /// a body that could not be read. Ask which with [`is_connect`](Error::is_connect),
    /// [`is_timeout`](Error::is_timeout), [`is_connection_reset`](Error::is_connection_reset),
    /// [`is_tls`](Error::is_tls) and [`is_decode`](Error::is_decode); the cause is its
    /// `source()`.
    #[error("{method} {url}: {}", chain(source.as_ref()))]
    Http {
        /// HTTP method.
        method: String,
        /// The URL (never has credentials in it).
        url: String,
        /// What failed: a [`TransportError`](crate::transport::TransportError) from the built-in
        /// transports, or whatever a transport of your own returned.
        #[source]
        source: BoxError,
    },
    /// The server answered with an error status; `error` carries its `Status` (reason,
    /// message, details) with client-go's `Is*` helpers.
    #[error("{method} {url}: {code} {reason}: {error}", code = error.code(), reason = error.reason())]
    Api {
        /// HTTP method.
        method: String,
        /// The URL.
        url: String,
        /// The server's answer.
        error: Box<ApiError>,
    },
    /// A response body could not be decoded (the decoder's error, with its position, is the
    /// `source()`).
    #[error("{url}: cannot decode the response: {source}")]
    Decode {
        /// The URL.
        url: String,
        /// The decoder's error.
        #[source]
        source: BoxError,
    },
    /// Discovery returned something unusable (an unexpected document, a group that failed).
    #[error("discovery: {0}")]
    Discovery(String),
    /// The RESTMapper knows no resource or kind by that name, even after refreshing
    /// discovery (client-go `meta.NoResourceMatchError` / `NoKindMatchError`).
    #[error("the server doesn't have {what} {input:?}")]
    NoMatch {
        /// `a resource type` or `a kind`.
        what: &'static str,
        /// What was asked for, as given.
        input: String,
    },
    /// The name matches several resources with the same priority (client-go
    /// `meta.AmbiguousResourceError`).
    #[error("{input:?} matches several resources: {}", candidates.join(", "))]
    AmbiguousMatch {
        /// What was asked for, as given.
        input: String,
        /// The matching resources (`group/version, Resource=plural`).
        candidates: Vec<String>,
    },
    /// A WebSocket (exec, attach, port-forward) failed: the handshake, the protocol, or the
    /// connection.
    #[error("websocket {url}: {message}")]
    WebSocket {
        /// The URL (never has credentials in it).
        url: String,
        /// What failed.
        message: String,
        /// The underlying error, when there is one.
        #[source]
        source: Option<BoxError>,
    },
    /// A leader election configuration breaks one of client-go's rules (e.g. `leaseDuration
    /// must be greater than renewDeadline`).
    #[error("invalid leader election config: {0}")]
    LeaderElectionConfig(String),
    /// Something that runs a background task was started outside a tokio runtime.
    #[error("{what} must be started inside a tokio runtime (it spawns a background task)")]
    NoRuntime {
        /// What was started.
        what: &'static str,
    },
    /// The client-side rate limiter's next token would come after the request's timeout
    /// ([`Config::timeout`](crate::Config::timeout) or the request's own), so the request failed
    /// at once, unsent, instead of sleeping past its deadline (client-go: "client rate limiter
    /// Wait returned an error: rate: Wait(n=1) would exceed context deadline").
    /// [`is_timeout`](Error::is_timeout) is true.
    #[error(
        "{method} {url}: not sent: waiting for the client-side rate limiter would take {wait}, longer than the request's timeout of {timeout} (limit {qps} requests/s, burst {burst}; raise Config.qps and Config.burst, or set Config.qps to -1 to turn the limiter off)",
        wait = round_ms(*wait),
        timeout = round_ms(*timeout)
    )]
    RateLimiterTimeout {
        /// HTTP method.
        method: String,
        /// The URL (never has credentials in it).
        url: String,
        /// How long the request would have waited for its token.
        wait: std::time::Duration,
        /// The request's timeout.
        timeout: std::time::Duration,
        /// The limiter's rate, defaults applied.
        qps: f32,
        /// The limiter's burst, defaults applied.
        burst: u32,
    },
    /// A wait gave up (client-go `wait.ErrWaitTimeout`: "timed out waiting for the condition").
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was waited for.
        what: String,
        /// How long was waited.
        after: std::time::Duration,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !f.alternate() {
            return f.write_str(&chain(self));
        }
        write!(f, "{}: {self}", self.variant())?;
        let mut cur = std::error::Error::source(self);
        let mut i = 0;
        while let Some(e) = cur {
            if i == 0 {
                f.write_str("\n\nCaused by:")?;
            }
            write!(f, "\n    {i}: {e}")?;
            i += 1;
            cur = e.source();
        }
        Ok(())
    }
}

impl Error {
    /// The variant's name, for `{:#?}`.
    fn variant(&self) -> &'static str {
        match self {
            Error::Kubeconfig { .. } => "Kubeconfig",
            Error::KubeconfigSyntax { .. } => "KubeconfigSyntax",
            Error::ReadFile { .. } => "ReadFile",
            Error::InvalidFlag { .. } => "InvalidFlag",
            Error::InCluster(_) => "InCluster",
            Error::NoConfig { .. } => "NoConfig",
            Error::Tls { .. } => "Tls",
            Error::Exec { .. } => "Exec",
            Error::Auth(_) => "Auth",
            Error::Encode { .. } => "Encode",
            Error::InvalidRequest(_) => "InvalidRequest",
            Error::Http { .. } => "Http",
            Error::Api { .. } => "Api",
            Error::Decode { .. } => "Decode",
            Error::Discovery(_) => "Discovery",
            Error::NoMatch { .. } => "NoMatch",
            Error::AmbiguousMatch { .. } => "AmbiguousMatch",
            Error::WebSocket { .. } => "WebSocket",
            Error::LeaderElectionConfig(_) => "LeaderElectionConfig",
            Error::NoRuntime { .. } => "NoRuntime",
            Error::RateLimiterTimeout { .. } => "RateLimiterTimeout",
            Error::Timeout { .. } => "Timeout",
        }
    }

    /// The server's error, when the server answered with one.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP code of an API error.
    pub fn status_code(&self) -> Option<u16> {
        self.api_error()
            .map(|e| u16::try_from(e.code()).unwrap_or(0))
    }

    /// 404 / `NotFound` (client-go `apierrors.IsNotFound`).
    pub fn is_not_found(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_not_found)
    }

    /// `AlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_already_exists)
    }

    /// `Conflict` (a stale resourceVersion, or an apply conflict).
    pub fn is_conflict(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_conflict)
    }

    /// `Invalid` (422, with causes in the details).
    pub fn is_invalid(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_invalid)
    }

    /// `Gone`/`Expired` (410: the resourceVersion is too old).
    pub fn is_gone(&self) -> bool {
        self.api_error()
            .is_some_and(|e| e.is_gone() || e.is_resource_expired())
    }

    /// 401 / `Unauthorized`.
    pub fn is_unauthorized(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_unauthorized)
    }

    /// 403 / `Forbidden`.
    pub fn is_forbidden(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_forbidden)
    }

    /// 429 / `TooManyRequests`.
    pub fn is_too_many_requests(&self) -> bool {
        self.api_error().is_some_and(ApiError::is_too_many_requests)
    }

    /// The RESTMapper found no match (client-go `meta.IsNoMatchError`).
    pub fn is_no_match(&self) -> bool {
        matches!(self, Error::NoMatch { .. })
    }

    /// The RESTMapper found several matches (client-go `meta.IsAmbiguousError`).
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Error::AmbiguousMatch { .. })
    }

    /// A request got no (complete) answer in time — the request's or the config's timeout, a
    /// timeout layer of the transport, a connect timeout, a client-side rate limiter that would
    /// have made it wait past its timeout — or a wait timed out (client-go `wait.Interrupted`).
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            Error::Timeout { .. } | Error::RateLimiterTimeout { .. }
        ) || self.transport_kind() == Some(TransportErrorKind::Timeout)
    }

    /// No connection could be made to the server: refused, unreachable, name not resolved.
    /// Nothing was sent, so any request may be tried again.
    pub fn is_connect(&self) -> bool {
        self.transport_kind() == Some(TransportErrorKind::Connect)
    }

    /// The connection broke after it was made: reset by the peer, closed in the middle of a
    /// response, an HTTP/2 stream reset or GOAWAY. The request may have reached the server.
    pub fn is_connection_reset(&self) -> bool {
        self.transport_kind() == Some(TransportErrorKind::ConnectionReset)
    }

    /// The failure is in TLS: the handshake (unknown CA, bad or expired certificate, wrong
    /// name), or TLS material that cannot be used.
    pub fn is_tls(&self) -> bool {
        matches!(self, Error::Tls { .. }) || self.transport_kind() == Some(TransportErrorKind::Tls)
    }

    /// A response body could not be decoded: not the JSON expected, broken gzip.
    pub fn is_decode(&self) -> bool {
        matches!(self, Error::Decode { .. })
            || self.transport_kind() == Some(TransportErrorKind::Decode)
    }

    /// What kind of transport failure this is, if it is one the transport could classify.
    pub fn transport_error_kind(&self) -> Option<TransportErrorKind> {
        self.transport_kind()
    }

    fn transport_kind(&self) -> Option<TransportErrorKind> {
        match self {
            Error::Http { source, .. } => crate::transport::error::classify(source.as_ref()),
            Error::WebSocket {
                source: Some(source),
                ..
            } => crate::transport::error::classify(source.as_ref()),
            _ => None,
        }
    }

    /// Invalid TLS material: `message` says which.
    pub(crate) fn tls(message: impl Into<String>) -> Self {
        Error::Tls {
            message: message.into(),
            source: None,
        }
    }

    /// Invalid TLS material, because of `source`.
    pub(crate) fn tls_with(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Tls {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// A failure while reading the body of `method url`: `what` says which part.
    pub(crate) fn body(method: &str, url: String, what: &'static str, source: BoxError) -> Self {
        let kind =
            crate::transport::error::classify(source.as_ref()).unwrap_or(TransportErrorKind::Other);
        Error::Http {
            method: method.to_string(),
            url,
            source: Box::new(TransportError::new(kind, what).with_source(source)),
        }
    }
}

/// A JSON body of `url` that does not decode.
pub(crate) fn decode_json(url: String, e: serde_json::Error) -> Error {
    Error::Decode {
        url,
        source: Box::new(e),
    }
}

/// Renders an error with its `source()` chain: `a: b: c`.
pub(crate) fn chain(err: &dyn std::error::Error) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let text = e.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cur = e.source();
    }
    s
}

/// A duration rounded up to whole milliseconds, for messages (`1.8s`, not `1.799999999s`).
fn round_ms(d: std::time::Duration) -> String {
    let ms = d.as_nanos().div_ceil(1_000_000);
    format!(
        "{:?}",
        std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{TransportError, TransportErrorKind};

    fn forbidden() -> Error {
        let status: k8s_apimachinery::Status = serde_json::from_value(serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden",
            "code": 403, "message": "configmaps is forbidden: User \"jane\" cannot list",
            "details": {"kind": "configmaps"}
        }))
        .unwrap();
        Error::Api {
            method: "GET".into(),
            url: "https://h/api/v1/configmaps".into(),
            error: Box::new(ApiError::from_status(status)),
        }
    }

    #[test]
    fn debug_is_the_readable_line() {
        let e = forbidden();
        assert_eq!(
            format!("{e:?}"),
            "GET https://h/api/v1/configmaps: 403 Forbidden: configmaps is forbidden: User \"jane\" cannot list"
        );
        // What `main() -> Result<(), Box<dyn Error>>` prints.
        let boxed: Box<dyn std::error::Error> = Box::new(forbidden());
        assert_eq!(format!("{boxed:?}"), format!("{e}"));
    }

    #[test]
    fn alternate_debug_has_the_variant_and_the_causes() {
        let e = Error::Http {
            method: "GET".into(),
            url: "https://h:1/api".into(),
            source: Box::new(
                TransportError::new(TransportErrorKind::Connect, "connecting to h:1")
                    .with_source(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
            ),
        };
        assert_eq!(
            format!("{e:?}"),
            "GET https://h:1/api: connecting to h:1: connection refused"
        );
        assert_eq!(
            format!("{e:#?}"),
            "Http: GET https://h:1/api: connecting to h:1: connection refused\n\nCaused by:\n    0: connecting to h:1\n    1: connection refused"
        );
        assert_eq!(format!("{:#?}", forbidden()).lines().count(), 1);
    }

    #[test]
    fn debug_adds_causes_the_message_does_not_say() {
        let e = Error::Tls {
            message: "the CA is bad".into(),
            source: None,
        };
        assert_eq!(format!("{e:?}"), "TLS: the CA is bad");
        let e = Error::WebSocket {
            url: "wss://h/x".into(),
            message: "handshake failed".into(),
            source: Some(Box::new(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            ))),
        };
        assert_eq!(
            format!("{e:?}"),
            "websocket wss://h/x: handshake failed: connection reset"
        );
    }
}
