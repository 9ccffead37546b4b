//! Client configuration: where the apiserver is, how to trust it, who we are.
//!
//! [`Config`] is the Rust spelling of client-go's `rest.Config`. Build one from a kubeconfig
//! ([`Config::from_kubeconfig`], client-go's `clientcmd` loading rules), from the pod's service
//! account ([`Config::in_cluster`]), or let [`Config::infer`] pick: kubeconfig first, else
//! in-cluster.
//!
//! ```no_run
//! use k8s_client::config::{Config, KubeconfigOptions};
//!
//! // Like `kubectl --context kind-dev -n book`:
//! let config = Config::from_kubeconfig(&KubeconfigOptions {
//!     context: Some("kind-dev".into()),
//!     namespace: Some("book".into()),
//!     ..Default::default()
//! })?;
//! assert_eq!(config.namespace, "book");
//! # Ok::<(), k8s_client::Error>(())
//! ```
//!
//! Secrets (tokens, passwords, key data) are held in [`SecretString`]/[`SecretBytes`] and never
//! appear in `Debug` output or error messages.

mod exec;
pub mod flags;
mod incluster;
pub mod kubeconfig;

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use exec::{ExecClusterInfo, ExecConfig, ExecEnvVar, ExecInteractiveMode};
pub use flags::ConfigFlags;
pub use incluster::InClusterOptions;
pub use kubeconfig::{Kubeconfig, KubeconfigOptions};

use crate::metrics::RequestMetrics;
use crate::secret::{SecretBytes, SecretString};
use crate::transport::service::Wrappers;
use crate::transport::{TracePropagator, Transport, WarningHandler};

/// client-go's default client-side rate limit (`rest.DefaultQPS`): 5 requests per second…
/// Used when [`Config::qps`] is `0.0`.
pub const DEFAULT_QPS: f32 = 5.0;
/// …with bursts of 10 (`rest.DefaultBurst`). Used when [`Config::burst`] is `0`.
pub const DEFAULT_BURST: u32 = 10;

/// Everything needed to talk to one apiserver as one user (client-go `rest.Config`).
#[derive(Clone)]
pub struct Config {
    /// The apiserver's base URL, e.g. `https://127.0.0.1:6443` (may carry a path prefix).
    pub server: String,
    /// The default namespace: the override, else the context's, else `default`.
    pub namespace: String,
    /// How to trust the server and present a client certificate.
    pub tls: TlsConfig,
    /// Who we are.
    pub auth: AuthInfo,
    /// Proxy for all requests (`http://`, `https://` or `socks5://`).
    pub proxy_url: Option<String>,
    /// Do not ask for gzip-compressed responses.
    pub disable_compression: bool,
    /// Speak HTTP/1.1 only, one connection per request in flight (client-go's `DISABLE_HTTP2`
    /// environment variable, which is honoured too). HTTP/2 is the default: one connection
    /// multiplexes every request and watch.
    pub disable_http2: bool,
    /// Client-side rate limit in requests per second (client-go `rest.Config.QPS`), shared by
    /// every client built from one [`HttpClient`](crate::HttpClient): each request, each retry
    /// included, takes a token from a bucket that refills at `qps` per second up to
    /// [`burst`](Config::burst).
    ///
    /// As in client-go's `rest.RESTClientFor`: `0.0` means the default, [`DEFAULT_QPS`] (5); a
    /// negative value (e.g. `-1.0`) turns the limiter off (rely on the server's API Priority and
    /// Fairness instead). [`Config::new`] and the loaders start at [`DEFAULT_QPS`].
    ///
    /// A request waits for its token before it is sent, and [`timeout`](Config::timeout)
    /// covers that wait: when the token would come after the timeout, the request fails at once,
    /// unsent, with [`Error::RateLimiterTimeout`](crate::Error::RateLimiterTimeout)
    /// (`is_timeout()`). Dropping a request's future while it waits gives its token back.
    pub qps: f32,
    /// Burst of the client-side rate limiter (client-go `rest.Config.Burst`): how many requests
    /// may go at once before [`qps`](Config::qps) paces them. `0` means the default,
    /// [`DEFAULT_BURST`] (10), whatever `qps` is; ignored when `qps` is negative.
    pub burst: u32,
    /// Timeout of each request (not of watches, which the server times out): the wait for a
    /// client-side rate limiter token ([`qps`](Config::qps)) and the exchange together, each
    /// attempt (a retry after `Retry-After` starts a new one). Unlike client-go, whose
    /// `Config.Timeout` is the `http.Client`'s and only a context deadline bounds the wait for
    /// a token, one timeout covers both here: dropping the future is the other way to stop
    /// waiting. `None`: no client-side timeout.
    pub timeout: Option<Duration>,
    /// `User-Agent`; default `k8s-rs/<version> (<os>/<arch>)`.
    pub user_agent: Option<String>,
    /// Where the client's request metrics go (client-go `tools/metrics`); `None` records
    /// nothing. See [`metrics`](crate::metrics).
    pub metrics: Option<Arc<dyn RequestMetrics>>,
    /// Puts a W3C trace context (`traceparent`) on every request; `None` sends none. See
    /// [`TracePropagator`].
    pub trace_propagator: Option<Arc<dyn TracePropagator>>,
    /// Where the server's `Warning` headers go (client-go `rest.Config.WarningHandler`);
    /// `None`: logged through `tracing` at WARN, each distinct message once per client
    /// ([`DedupLogWarnings`](crate::transport::DedupLogWarnings)).
    pub warning_handler: Option<Arc<dyn WarningHandler>>,
    /// Functions that wrap the transport ([`Config::wrap_transport`]).
    pub(crate) wrappers: Wrappers,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("server", &self.server)
            .field("namespace", &self.namespace)
            .field("tls", &self.tls)
            .field("auth", &self.auth)
            .field(
                "proxy_url",
                &self.proxy_url.as_deref().map(redact_url_password),
            )
            .field("disable_compression", &self.disable_compression)
            .field("disable_http2", &self.disable_http2)
            .field("qps", &self.qps)
            .field("burst", &self.burst)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("metrics", &self.metrics.is_some())
            .field("trace_propagator", &self.trace_propagator.is_some())
            .field("warning_handler", &self.warning_handler)
            .field("wrap_transport", &self.wrappers.len())
            .finish()
    }
}

/// `scheme://user:password@host` → `scheme://user:<redacted>@host`.
pub(crate) fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            let redacted = if userinfo.contains(':') {
                format!("{user}:<redacted>")
            } else {
                user.to_string()
            };
            format!("{scheme}://{redacted}@{host}{path}")
        }
        None => url.to_string(),
    }
}

impl Config {
    /// A config for `server` with no credentials and client-go's defaults.
    pub fn new(server: impl Into<String>) -> Self {
        Config {
            server: server.into(),
            namespace: "default".to_string(),
            tls: TlsConfig::default(),
            auth: AuthInfo::default(),
            proxy_url: None,
            disable_compression: false,
            disable_http2: false,
            qps: DEFAULT_QPS,
            burst: DEFAULT_BURST,
            timeout: None,
            user_agent: None,
            metrics: None,
            trace_propagator: None,
            warning_handler: None,
            wrappers: Wrappers::default(),
        }
    }

    /// Wraps the transport of every client built from this config (client-go's
    /// `Config.Wrap`/`WrapTransport`): `wrap` gets the transport and returns the one to use,
    /// typically the same one under a tower layer. Called once per client; several calls stack,
    /// the last one outermost. A wrapped transport sees each request as it goes out, with its
    /// credentials, and each retry.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use k8s_client::Config;
    /// use k8s_client::transport::{HttpRequest, Transport};
    ///
    /// let seen = Arc::new(AtomicUsize::new(0));
    /// let counter = seen.clone();
    /// let mut config = Config::new("https://127.0.0.1:6443");
    /// config.wrap_transport(move |transport| {
    ///     let counter = counter.clone();
    ///     Transport::new(tower::ServiceBuilder::new()
    ///         .map_request(move |req: HttpRequest| {
    ///             counter.fetch_add(1, Ordering::Relaxed);
    ///             req
    ///         })
    ///         .service(transport))
    /// });
    /// ```
    pub fn wrap_transport<F>(&mut self, wrap: F) -> &mut Self
    where
        F: Fn(Transport) -> Transport + Send + Sync + 'static,
    {
        self.wrappers.push(Arc::new(wrap));
        self
    }

    /// Kubeconfig if one can be found (`KUBECONFIG` or `~/.kube/config`), else the in-cluster
    /// service account — what client-go users get from `clientcmd` with in-cluster fallback.
    pub fn infer() -> Result<Self, crate::Error> {
        match Config::from_kubeconfig(&KubeconfigOptions::default()) {
            Ok(config) => Ok(config),
            Err(kubeconfig_err) => match Config::in_cluster() {
                Ok(config) => Ok(config),
                Err(in_cluster_err) => Err(crate::Error::NoConfig {
                    kubeconfig: Box::new(kubeconfig_err),
                    in_cluster: Box::new(in_cluster_err),
                }),
            },
        }
    }
}

/// TLS settings (client-go `rest.TLSClientConfig`). Files named in a kubeconfig are read when
/// the config is loaded, so a missing file is reported then, with its field. `Debug` shows
/// certificates by their length and never shows the key.
#[derive(Clone, Default)]
pub struct TlsConfig {
    /// PEM bundle of CAs to trust; `None` trusts the platform's roots.
    pub ca_data: Option<Vec<u8>>,
    /// Where [`ca_data`](Self::ca_data) came from, for errors: a bad CA bundle, or a server
    /// whose certificate it did not sign (e.g. `certificate-authority-data of cluster "kind"
    /// in /home/me/.kube/config`). The kubeconfig loader sets it; `None` says
    /// `Config.tls.ca_data`.
    pub ca_origin: Option<String>,
    /// Skip server certificate verification (logged as a warning when used).
    pub insecure: bool,
    /// Server name for SNI and certificate verification, instead of the URL's host.
    pub server_name: Option<String>,
    /// Client certificate chain (PEM).
    pub client_cert: Option<Vec<u8>>,
    /// Client private key (PEM: RSA, PKCS#8 or EC).
    pub client_key: Option<SecretBytes>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("ca_data", &self.ca_data.as_ref().map(|d| DataLen(d.len())))
            .field("ca_origin", &self.ca_origin)
            .field("insecure", &self.insecure)
            .field("server_name", &self.server_name)
            .field(
                "client_cert",
                &self.client_cert.as_ref().map(|d| DataLen(d.len())),
            )
            .field("client_key", &self.client_key)
            .finish()
    }
}

/// PEM data in `Debug`: its length only (`<1143 bytes>`).
pub(crate) struct DataLen(pub(crate) usize);

impl fmt::Debug for DataLen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

/// Who the client is (the resolved kubeconfig `user`, client-go `rest.Config` auth fields).
#[derive(Clone, Debug, Default)]
pub struct AuthInfo {
    /// Bearer token.
    pub token: Option<SecretString>,
    /// File holding a bearer token, re-read periodically (takes precedence over `token` once read).
    pub token_file: Option<PathBuf>,
    /// Basic-auth user name.
    pub username: Option<String>,
    /// Basic-auth password.
    pub password: Option<SecretString>,
    /// Impersonation (`Impersonate-*` headers).
    pub impersonate: Option<Impersonate>,
    /// An exec credential plugin.
    pub exec: Option<ExecConfig>,
    /// An auth provider (only `oidc` is supported).
    pub auth_provider: Option<AuthProviderConfig>,
}

/// Impersonation: act as another user (client-go `rest.ImpersonationConfig`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Impersonate {
    /// `Impersonate-User`.
    pub user: String,
    /// `Impersonate-Uid`.
    pub uid: Option<String>,
    /// `Impersonate-Group`, one header per group.
    pub groups: Vec<String>,
    /// `Impersonate-Extra-<key>`, one header per value.
    pub extra: BTreeMap<String, Vec<String>>,
}

/// A kubeconfig `auth-provider` (name + string map). Every value is treated as secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthProviderConfig {
    /// Provider name (`oidc`).
    pub name: String,
    /// Provider settings (`id-token`, `refresh-token`, `client-id`, `client-secret`, `idp-issuer-url`, …).
    pub config: BTreeMap<String, SecretString>,
}

impl fmt::Debug for AuthProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys only: values (tokens, client secrets) never show.
        f.debug_struct("AuthProviderConfig")
            .field("name", &self.name)
            .field("config_keys", &self.config.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_pem_material_by_its_length() {
        let mut c = Config::new("https://x");
        let ca =
            b"-----BEGIN CERTIFICATE-----\nMIIBeDCCAR6gAwIBAgIUcubm\n-----END CERTIFICATE-----\n";
        c.tls.ca_data = Some(ca.to_vec());
        c.tls.client_cert = Some(vec![b'c'; 700]);
        c.tls.client_key = Some(SecretBytes::new(
            b"-----BEGIN PRIVATE KEY-----\nsecret".to_vec(),
        ));
        c.auth.exec = Some(ExecConfig {
            cluster: Some(ExecClusterInfo {
                certificate_authority_data: Some(ca.to_vec()),
                ..ExecClusterInfo::default()
            }),
            ..ExecConfig::default()
        });
        let d = format!("{c:?}");
        assert!(
            d.contains(&format!("ca_data: Some(<{} bytes>)", ca.len())),
            "{d}"
        );
        assert!(d.contains("client_cert: Some(<700 bytes>)"), "{d}");
        assert!(
            d.contains(&format!(
                "certificate_authority_data: Some(<{} bytes>)",
                ca.len()
            )),
            "{d}"
        );
        assert!(
            !d.contains("MIIB") && !d.contains("secret") && !d.contains("45, 45"),
            "{d}"
        );
        assert!(d.len() < 1500, "{} bytes: {d}", d.len());
    }

    #[test]
    fn debug_redacts_proxy_passwords() {
        let mut c = Config::new("https://x");
        c.proxy_url = Some("http://bob:hunter2@proxy:3128/".into());
        let d = format!("{c:?}");
        assert!(!d.contains("hunter2"), "{d}");
        assert!(d.contains("bob:<redacted>@proxy:3128"), "{d}");
        assert_eq!(
            redact_url_password("socks5://proxy:1080"),
            "socks5://proxy:1080"
        );
    }
}
