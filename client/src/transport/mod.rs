//! The HTTP transport: TLS, authentication, rate limiting, retries and warnings, over HTTP/2 (the
//! `h2` crate) or reqwest.
//!
//! [`HttpClient`] is what every higher layer (REST client, clientset, discovery) sends its
//! requests through, like client-go's `rest.RESTClient` + `transport` stack:
//!
//! 1. the client-side rate limiter hands out a token (QPS 5, burst 10 by default; shared by all
//!    clones of one `HttpClient`);
//! 2. the authenticator supplies the credential (token, token file, basic auth, exec plugin,
//!    OIDC) and impersonation headers;
//! 3. it goes out over rustls, gzip asked for unless disabled: on one shared HTTP/2 connection
//!    driven straight through the `h2` crate when the server is `https`, reached without a
//!    proxy and offers HTTP/2 (as client-go, every request and watch is multiplexed on it);
//!    otherwise through reqwest (HTTP/1.1 when HTTP/2 is disabled or refused, proxies,
//!    client certificates returned by exec plugins). Both paths return a `reqwest::Response`;
//! 4. `Warning` headers go to the warning handler; a 401 refreshes the credential and retries
//!    once; 429 and 5xx answers with an integer `Retry-After` are retried (at most 10 times,
//!    waiting as told); a GET whose connection was reset is retried too;
//! 5. any other non-2xx answer becomes [`Error::Api`] carrying the server's `Status`.
//!
//! ```no_run
//! use k8s_client::{Config, HttpClient, transport::Request};
//!
//! # async fn demo() -> Result<(), k8s_client::Error> {
//! let client = HttpClient::new(Config::infer()?)?;
//! let version: serde_json::Value = client.send_json(Request::get("/version")).await?;
//! println!("{}", version["gitVersion"]);
//! # Ok(()) }
//! ```
//!
//! Dropping the future of a request cancels it.

pub(crate) mod auth;
mod http2;
mod rate_limit;
mod request;
pub(crate) mod tls;
mod upgrade;
mod warnings;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderValue, StatusCode};

pub use rate_limit::TokenBucket;
pub use request::Request;
pub use warnings::{DedupLogWarnings, WarningHandler, parse_warning_header};

use crate::config::Config;
use crate::error::chain;
use crate::{Error, SecretBytes};
use auth::{Auth, Credential};
use http2::{Failure, H2Transport, Outgoing};

/// client-go's `rest.Request` retries at most this many times (`maxRetries`).
pub const MAX_RETRIES: u32 = 10;

/// How long to wait before retrying a GET whose connection was reset.
const RESET_RETRY_WAIT: Duration = Duration::from_secs(1);

/// The transport of one configuration. Cheap to clone; clones share the connection pool, the
/// rate limiter and the credential cache.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    base: reqwest::Url,
    client: reqwest::Client,
    /// HTTP/2 over the `h2` crate, for `https` servers without a proxy (see `http2`).
    h2: Option<H2Transport>,
    /// A client presenting the certificate an exec plugin returned, keyed by that certificate.
    exec_identity_client: Mutex<Option<(Vec<u8>, reqwest::Client)>>,
    auth: Auth,
    limiter: Option<TokenBucket>,
    warnings: Arc<dyn WarningHandler>,
    user_agent: HeaderValue,
    /// HTTP requests sent, retries included.
    requests: std::sync::atomic::AtomicU64,
}

/// `k8s-rs/<version> (<os>/<arch>)`.
pub fn default_user_agent() -> String {
    format!(
        "k8s-rs/{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

impl HttpClient {
    /// A transport for `config`.
    pub fn new(config: Config) -> Result<Self, Error> {
        Self::with_warning_handler(config, Arc::new(DedupLogWarnings::default()))
    }

    /// A transport whose `Warning` headers go to `handler`.
    pub fn with_warning_handler(
        config: Config,
        handler: Arc<dyn WarningHandler>,
    ) -> Result<Self, Error> {
        let base = reqwest::Url::parse(config.server.trim_end_matches('/')).map_err(|e| {
            Error::InvalidRequest(format!("server {:?} is not a URL: {e}", config.server))
        })?;
        if !matches!(base.scheme(), "https" | "http") {
            return Err(Error::InvalidRequest(format!(
                "server {:?}: the scheme must be https or http",
                config.server
            )));
        }
        let user_agent = config.user_agent.clone().unwrap_or_else(default_user_agent);
        let user_agent = HeaderValue::from_str(&user_agent).map_err(|_| {
            Error::InvalidRequest(format!(
                "user agent {user_agent:?} is not a valid header value"
            ))
        })?;
        let client = build_reqwest(&config, None)?;
        let h2 = H2Transport::new(&config, &base, http2_disabled(&config))?;
        Ok(HttpClient {
            inner: Arc::new(Inner {
                auth: Auth::new(&config.auth)?,
                limiter: TokenBucket::new(config.qps, config.burst),
                base,
                client,
                h2,
                exec_identity_client: Mutex::new(None),
                warnings: handler,
                user_agent,
                config,
                requests: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// How many HTTP requests this transport (and its clones) sent so far, each retry counted
    /// (what a client-go `WrapTransport` round-tripper counts). WebSocket upgrades are not
    /// counted.
    pub fn requests_sent(&self) -> u64 {
        self.inner
            .requests
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many HTTP/2 connections this transport (and its clones) opened so far. All requests
    /// share one connection, so this stays at 1 unless a connection failed or the server sent
    /// GOAWAY; 0 when the transport speaks HTTP/1.1 (HTTP/2 disabled or refused by the server)
    /// or goes through a proxy.
    pub fn http2_connections(&self) -> u64 {
        self.inner
            .h2
            .as_ref()
            .map_or(0, H2Transport::connections_opened)
    }

    /// The configuration this transport was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The full URL of a request path (`/api/v1/pods?limit=5`).
    pub fn url(&self, path_and_query: &str) -> Result<reqwest::Url, Error> {
        let mut url = self.inner.base.clone();
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (path_and_query, None),
        };
        let prefix = url.path().trim_end_matches('/').to_string();
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(query);
        Ok(url)
    }

    /// Sends `request` and returns the response when its status is 2xx; decodes a JSON body.
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<T, Error> {
        // The URL is rendered only when an error needs it.
        let url = |this: &Self, path: &str| {
            this.url(path)
                .map_or_else(|_| path.to_string(), String::from)
        };
        let method = request.method.to_string();
        let path = request.path.clone();
        let bytes = self
            .send(request)
            .await?
            .bytes()
            .await
            .map_err(|e| Error::Http {
                method,
                url: url(self, &path),
                message: format!("reading the body: {}", chain(&e)),
                source: Some(e),
            })?;
        serde_json::from_slice(&bytes).map_err(|e| Error::Decode {
            url: url(self, &path),
            message: format!("line {}, column {}: {e}", e.line(), e.column()),
        })
    }

    /// Sends `request`; returns the response when its status is 2xx (its body still to be read
    /// or streamed), [`Error::Api`] otherwise. See the module docs for the retry rules.
    pub async fn send(&self, request: Request) -> Result<reqwest::Response, Error> {
        let inner = &self.inner;
        let url = self.url(&request.path)?;
        let mut retries = 0u32;
        let mut reauthenticated = false;
        loop {
            if let Some(limiter) = &inner.limiter {
                limiter.acquire().await;
            }
            let cred = inner.auth.credential().await?;
            let headers = self.headers(&request, &cred)?;
            let method = request.method.as_str();
            let sent = match self.http2_for(&cred) {
                Some(h2) => {
                    let outgoing = Outgoing {
                        method: &request.method,
                        url: &url,
                        headers,
                        body: request.body.clone(),
                        timeout: self.timeout(&request),
                    };
                    let gzip = !inner.config.disable_compression
                        && !request.headers.contains_key(http::header::ACCEPT_ENCODING);
                    inner
                        .requests
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    match h2.send(outgoing, gzip).await {
                        Ok(resp) => Ok(resp),
                        Err(Failure::NotHttp2) => {
                            // Not sent after all: the server speaks HTTP/1.1; use reqwest.
                            inner
                                .requests
                                .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
                            continue;
                        }
                        Err(Failure::Failed { message, reset }) => Err((message, reset, None)),
                    }
                }
                None => {
                    let client = self.client_for(&cred)?;
                    let req = self.build(&client, &request, url.clone(), headers)?;
                    inner
                        .requests
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    client.execute(req).await.map_err(|e| {
                        let reset = is_connection_reset(&e);
                        (chain(&e), reset, Some(e))
                    })
                }
            };
            let resp = match sent {
                Ok(resp) => resp,
                Err((message, reset, source)) => {
                    if request.method == http::Method::GET && retries < MAX_RETRIES && reset {
                        retries += 1;
                        tracing::debug!(%url, retries, "connection reset on GET; retrying");
                        tokio::time::sleep(RESET_RETRY_WAIT).await;
                        continue;
                    }
                    return Err(Error::Http {
                        method: method.to_string(),
                        url: url.to_string(),
                        message,
                        source,
                    });
                }
            };
            for value in resp.headers().get_all(http::header::WARNING) {
                if let Ok(value) = value.to_str() {
                    for text in parse_warning_header(value) {
                        inner.warnings.handle_warning(&text);
                    }
                }
            }
            let status = resp.status();
            if status.is_success() {
                return Ok(resp);
            }
            if status == StatusCode::UNAUTHORIZED
                && !reauthenticated
                && inner.auth.unauthorized().await
            {
                reauthenticated = true;
                tracing::debug!(%url, "401: refreshed credentials; retrying once");
                continue;
            }
            let retry_after = retry_after_seconds(resp.headers());
            if (status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error())
                && retries < MAX_RETRIES
                && let Some(secs) = retry_after
            {
                retries += 1;
                tracing::debug!(%url, %status, secs, retries, "server asked to retry");
                tokio::time::sleep(Duration::from_secs(secs)).await;
                continue;
            }
            return Err(api_error(method, &url, resp, retry_after).await);
        }
    }

    /// The HTTP/2 path, when it serves this request: the server speaks HTTP/2 over `https`
    /// without a proxy, and the credential brings no client certificate of its own.
    fn http2_for(&self, cred: &Credential) -> Option<&H2Transport> {
        let h2 = self.inner.h2.as_ref()?;
        (cred.client_identity.is_none() && !h2.refused()).then_some(h2)
    }

    /// Every header of a request: its own, the user agent, `Accept` (JSON unless set) and the
    /// credential's.
    fn headers(&self, request: &Request, cred: &Credential) -> Result<http::HeaderMap, Error> {
        let mut headers = request.headers.clone();
        headers.insert(http::header::USER_AGENT, self.inner.user_agent.clone());
        headers
            .entry(http::header::ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        self.inner.auth.apply(cred, &mut headers)?;
        Ok(headers)
    }

    /// The client-side timeout of a request: none for a streaming one.
    fn timeout(&self, request: &Request) -> Option<Duration> {
        if request.streaming {
            None
        } else {
            request.timeout.or(self.inner.config.timeout)
        }
    }

    fn build(
        &self,
        client: &reqwest::Client,
        request: &Request,
        url: reqwest::Url,
        headers: http::HeaderMap,
    ) -> Result<reqwest::Request, Error> {
        let mut builder = client.request(request.method.clone(), url).headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        if let Some(t) = self.timeout(request) {
            builder = builder.timeout(t);
        }
        builder
            .build()
            .map_err(|e| Error::InvalidRequest(chain(&e)))
    }

    fn client_for(&self, cred: &Credential) -> Result<reqwest::Client, Error> {
        let Some((cert, key)) = &cred.client_identity else {
            return Ok(self.inner.client.clone());
        };
        let mut cache = self
            .inner
            .exec_identity_client
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((cached_cert, client)) = &*cache
            && cached_cert == cert
        {
            return Ok(client.clone());
        }
        let client = build_reqwest(&self.inner.config, Some((cert, key)))?;
        *cache = Some((cert.clone(), client.clone()));
        Ok(client)
    }
}

fn build_reqwest(
    config: &Config,
    identity: Option<(&Vec<u8>, &SecretBytes)>,
) -> Result<reqwest::Client, Error> {
    let identity = match identity {
        Some((cert, key)) => Some(tls::parse_identity(cert, key.expose())?),
        None => None,
    };
    let mut tls = tls::client_config(&config.tls, identity)?;
    let mut builder = reqwest::Client::builder();
    if http2_disabled(config) {
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        builder = builder.http1_only();
    }
    let mut builder = builder
        .tls_backend_preconfigured(tls)
        .gzip(!config.disable_compression);
    if let Some(proxy) = &config.proxy_url {
        let shown = crate::config::redact_url_password(proxy);
        let scheme = proxy.split("://").next().unwrap_or_default();
        if !matches!(scheme, "http" | "https" | "socks5" | "socks5h") {
            return Err(Error::InvalidRequest(format!(
                "proxy-url {shown:?}: the scheme must be http, https or socks5"
            )));
        }
        let proxy = reqwest::Proxy::all(proxy)
            .map_err(|e| Error::InvalidRequest(format!("proxy-url {shown:?}: {e}")))?;
        builder = builder.proxy(proxy);
    }
    builder
        .build()
        .map_err(|e| Error::Tls(format!("building the HTTP client: {}", chain(&e))))
}

/// HTTP/1.1 only: [`Config::disable_http2`], or a non-empty `DISABLE_HTTP2` in the environment
/// (read when the transport is built, as client-go's `SetTransportDefaults` does).
fn http2_disabled(config: &Config) -> bool {
    config.disable_http2 || std::env::var_os("DISABLE_HTTP2").is_some_and(|v| !v.is_empty())
}

/// `Retry-After` as whole seconds (client-go only honours the integer form).
fn retry_after_seconds(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
}

fn is_connection_reset(err: &reqwest::Error) -> bool {
    let mut cur: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = cur {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::BrokenPipe
            )
        {
            return true;
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>()
            && h.is_incomplete_message()
        {
            return true;
        }
        cur = e.source();
    }
    false
}

async fn api_error(
    method: &str,
    url: &reqwest::Url,
    resp: reqwest::Response,
    retry_after: Option<u64>,
) -> Error {
    let code = resp.status().as_u16();
    let body = resp.bytes().await.unwrap_or_default();
    let mut error = k8s_apimachinery::ApiError::from_response(code, &body);
    // Keep the header's Retry-After when the Status carries none.
    if error.retry_after_seconds().is_none()
        && let Some(secs) = retry_after
    {
        let details = error.status.details.get_or_insert_with(Default::default);
        details.retry_after_seconds = i32::try_from(secs).ok();
    }
    Error::Api {
        method: method.to_string(),
        url: url.to_string(),
        error: Box::new(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_the_server_path_prefix() {
        let mut c = Config::new("https://example.com:6443/prefix/");
        c.tls.insecure = true;
        let client = HttpClient::new(c).unwrap();
        assert_eq!(
            client.url("/api/v1/pods?limit=5").unwrap().as_str(),
            "https://example.com:6443/prefix/api/v1/pods?limit=5"
        );
    }

    #[test]
    fn bad_server_urls_are_refused() {
        let err = HttpClient::new(Config::new("not a url"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a URL"), "{err}");
        let err = HttpClient::new(Config::new("ftp://x"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("scheme"), "{err}");
    }

    #[test]
    fn user_agent_names_version_and_platform() {
        let ua = default_user_agent();
        assert!(ua.starts_with("k8s-rs/0."), "{ua}");
        assert!(ua.contains(std::env::consts::OS));
    }

    #[test]
    fn retry_after_must_be_an_integer() {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after_seconds(&h), Some(3));
        h.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after_seconds(&h), None);
    }
}
