//! The HTTP transport: what every request passes between the API code and the wire.
//!
//! [`HttpClient`] is what every higher layer (`Api<K>`, the clientset, discovery, informers)
//! sends its requests through, like client-go's `rest.RESTClient` over its round-trippers.
//! Below it sits one seam, [`Transport`]: a [`tower::Service`] from `http::Request<Body>` to
//! `http::Response<Body>`. What is above the seam is the same for every request; what is below
//! it is replaceable.
//!
//! ```text
//!  Api<K> · Clientset · discovery · informers · leader election · events
//!      │  transport::Request (method, path?query, headers, in-memory body, timeout)
//!      ▼
//!  HttpClient ─┬─ 1. span `k8s_client::request` (method, path template, status, retries, bytes)
//!              ├─ 2. rate limiter: wait for a token (QPS 5, burst 10 by default; the timeout
//!              │     covers the wait, dropping the future gives the token back)
//!              ├─ 3. credentials: token / token file / basic / exec plugin / OIDC,
//!              │     impersonation, user agent, Accept, Accept-Encoding: gzip, traceparent
//!              ├─ 4. ─────────── the seam: Transport (tower::Service) ───────────────┐
//!              │        Config::wrap_transport layers (outermost = last added)      │
//!              │          └─ the default transport, or the one given to             │
//!              │             HttpClient::with_transport (fake API server, test     │
//!              │             double, anything):                                      │
//!              │               h2: HTTP/2, one shared connection (https, no proxy)  │
//!              │               reqwest: HTTP/1.1, proxies, exec-plugin certificates │
//!              ├─ 5. ◄─── http::Response<Body> or an error (classified) ─────────────┘
//!              ├─ 6. metrics: latency, result by code, retries, sizes
//!              ├─ 7. Warning headers → the warning handler
//!              ├─ 8. 401 → refresh the credential, once; 429/5xx with Retry-After → wait,
//!              │     retry (at most 10 times); a GET whose connection was reset → retry
//!              ├─ 9. gunzip (when it asked for gzip); the timeout covers the body too
//!              └─ 10. non-2xx → Error::Api with the server's Status
//! ```
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
//! ## Middleware
//!
//! [`Config::wrap_transport`] puts any layer between the client and the wire (client-go's
//! `WrapTransport`); tower's and tower-http's layers compose as they are. A wrapped transport
//! sees each request as it goes out (retries included) with its credentials set:
//!
//! ```
//! use std::time::Duration;
//! use k8s_client::Config;
//! use k8s_client::transport::Transport;
//!
//! let mut config = Config::new("https://127.0.0.1:6443");
//! config.wrap_transport(|transport| {
//!     Transport::new(
//!         tower::ServiceBuilder::new()
//!             .concurrency_limit(32)
//!             .timeout(Duration::from_secs(20))
//!             .service(transport),
//!     )
//! });
//! ```
//!
//! [`HttpClient::with_transport`] builds a client over any transport instead of the network
//! (kube-rs's `Client::new(service)`); see [`Transport`] for an example.
//!
//! ## Errors
//!
//! A failed exchange is [`Error::Http`] with its cause kept; ask it what
//! happened with [`Error::is_connect`](crate::Error::is_connect), `is_timeout`,
//! `is_connection_reset`, `is_tls` and `is_decode`. Dropping the future of a request cancels
//! it.

pub(crate) mod auth;
mod body;
mod connector;
pub(crate) mod error;
mod http1;
mod http2;
mod rate_limit;
mod request;
mod response;
mod server_url;
pub(crate) mod service;
pub(crate) mod tls;
mod trace;
mod upgrade;
mod warnings;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::{HeaderValue, StatusCode};
use tracing::Instrument;

pub use body::{Body, BoxError};
pub use error::{TransportError, TransportErrorKind};
pub use rate_limit::TokenBucket;
pub use request::Request;
pub use service::{HttpRequest, HttpResponse, ResponseFuture, Transport};
pub use trace::{TracePropagator, W3cTraceContext};
pub use warnings::{DedupLogWarnings, WarningHandler, parse_warning_header};

use crate::Error;
use crate::config::Config;
use crate::metrics::ERROR_CODE;
use auth::{Auth, Credential};
use connector::Connector;
use http1::ClientIdentity;
use trace::PathTemplate;

/// client-go's `rest.Request` retries at most this many times (`maxRetries`).
pub const MAX_RETRIES: u32 = 10;

/// How long to wait before retrying a GET whose connection was reset.
const RESET_RETRY_WAIT: Duration = Duration::from_secs(1);

/// The transport of one configuration. Cheap to clone; clones share the connection, the
/// rate limiter and the credential cache.
#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    /// `scheme://authority/prefix` of the server, without a trailing `/`.
    base: String,
    /// `host:port` of the server: the `host` label of the metrics.
    host: String,
    transport: Transport,
    /// The built-in transport, when it is the one underneath (for its statistics).
    connector: Option<Connector>,
    auth: Auth,
    limiter: Option<TokenBucket>,
    warnings: Arc<dyn WarningHandler>,
    user_agent: HeaderValue,
    /// HTTP requests sent, retries included.
    requests: AtomicU64,
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

/// The server URL of `config`, checked and normalized as client-go reads it (see
/// `server_url`): a bare `host:port` is `https` when the config has TLS settings.
pub(crate) fn base_uri(config: &crate::Config) -> Result<http::Uri, Error> {
    let tls = &config.tls;
    let default_tls = tls.ca_data.is_some() || tls.client_cert.is_some() || tls.insecure;
    server_url::base_uri(&config.server, default_tls)
}

impl HttpClient {
    /// A client for `config`, over the default transport (see [`Transport::from_config`])
    /// wrapped by the config's [`wrap_transport`](Config::wrap_transport) functions.
    pub fn new(config: Config) -> Result<Self, Error> {
        let handler = warning_handler(&config);
        Self::with_warning_handler(config, handler)
    }

    /// A client whose `Warning` headers go to `handler` (instead of `config.warning_handler`).
    pub fn with_warning_handler(
        config: Config,
        handler: Arc<dyn WarningHandler>,
    ) -> Result<Self, Error> {
        let base = base_uri(&config)?;
        let connector = Connector::new(&config, &base)?;
        if let Some(m) = &config.metrics {
            // No transport cache (client-go keys one by config); each client makes its own.
            m.transport_create("uncacheable");
        }
        let transport = config
            .wrappers
            .apply(Transport::from_connector(connector.clone()));
        Self::build(config, base, transport, Some(connector), handler)
    }

    /// A client for `config` that sends every request through `transport` instead of the
    /// network: the in-process fake API server, a test double, or the default transport
    /// under middleware of your own. Credentials, the rate limiter, retries and metrics of
    /// `config` still apply; so do its [`wrap_transport`](Config::wrap_transport) functions,
    /// around `transport`. `config.server` gives the URLs their scheme and host.
    pub fn with_transport(config: Config, transport: Transport) -> Result<Self, Error> {
        let base = base_uri(&config)?;
        let transport = config.wrappers.apply(transport);
        let warnings = warning_handler(&config);
        Self::build(config, base, transport, None, warnings)
    }

    fn build(
        config: Config,
        base: http::Uri,
        transport: Transport,
        connector: Option<Connector>,
        warnings: Arc<dyn WarningHandler>,
    ) -> Result<Self, Error> {
        let user_agent = config.user_agent.clone().unwrap_or_else(default_user_agent);
        let user_agent = HeaderValue::from_str(&user_agent).map_err(|_| {
            Error::InvalidRequest(format!(
                "user agent {user_agent:?} is not a valid header value"
            ))
        })?;
        let host = base
            .authority()
            .map(|a| {
                a.as_str()
                    .rsplit('@')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default();
        let base_text = format!(
            "{}://{}{}",
            base.scheme_str().unwrap_or("https").to_ascii_lowercase(),
            host,
            server_url::clean_prefix(base.path())
        );
        Ok(HttpClient {
            inner: Arc::new(Inner {
                auth: Auth::new(&config.auth, config.metrics.clone())?,
                limiter: TokenBucket::new(config.qps, config.burst),
                base: base_text,
                host,
                transport,
                connector,
                warnings,
                user_agent,
                config,
                requests: AtomicU64::new(0),
            }),
        })
    }

    /// How many HTTP requests this client (and its clones) sent so far, each retry counted
    /// (what a client-go `WrapTransport` round-tripper counts). WebSocket upgrades are not
    /// counted.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// How many HTTP/2 connections this client (and its clones) opened so far. All requests
    /// share one connection, so this stays at 1 unless a connection failed or the server sent
    /// GOAWAY; 0 when the client speaks HTTP/1.1 (HTTP/2 disabled or refused by the server),
    /// goes through a proxy, or was built over a transport of its own.
    pub fn http2_connections(&self) -> u64 {
        self.inner
            .connector
            .as_ref()
            .map_or(0, Connector::http2_connections)
    }

    /// The configuration this client was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The full URL of a request path (`/api/v1/pods?limit=5`).
    pub fn url(&self, path_and_query: &str) -> Result<http::Uri, Error> {
        self.url_text(path_and_query).parse().map_err(|e| {
            Error::InvalidRequest(format!("path {path_and_query:?} does not make a URL: {e}"))
        })
    }

    fn url_text(&self, path_and_query: &str) -> String {
        let mut url = String::with_capacity(self.inner.base.len() + path_and_query.len());
        url.push_str(&self.inner.base);
        url.push_str(path_and_query);
        url
    }

    /// Sends `request` and decodes its JSON body (the status must be 2xx).
    pub async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        request: Request,
    ) -> Result<T, Error> {
        let bytes = self.send_bytes(request).await?;
        serde_json::from_slice(&bytes.1).map_err(|e| crate::error::decode_json(bytes.0, e))
    }

    /// Sends `request` and reads its whole body (the status must be 2xx); returns the URL
    /// (for error messages) and the body.
    pub(crate) async fn send_bytes(
        &self,
        request: Request,
    ) -> Result<(String, bytes::Bytes), Error> {
        let span = self.span(&request);
        let method = request.method.clone();
        async {
            let path = request.path.clone();
            let response = self.send_in_span(request, &span, true).await?;
            let body = response.into_body().collect().await.map_err(|e| {
                Error::body(method.as_str(), self.url_text(&path), "reading the body", e)
            })?;
            if let Some(m) = &self.inner.config.metrics {
                m.response_size(method.as_str(), &self.inner.host, body.len() as u64);
            }
            span.record("response_bytes", body.len());
            Ok((self.url_text(&path), body))
        }
        .instrument(span.clone())
        .await
    }

    /// Sends `request`; returns the response when its status is 2xx (its body still to be read
    /// or streamed), [`Error::Api`] otherwise. See the module docs for what happens on the way.
    pub async fn send(&self, request: Request) -> Result<HttpResponse, Error> {
        let span = self.span(&request);
        self.send_in_span(request, &span, false)
            .instrument(span.clone())
            .await
    }

    fn span(&self, request: &Request) -> tracing::Span {
        tracing::debug_span!(
            "k8s_client::request",
            method = %request.method,
            path = %PathTemplate(&request.path),
            status = tracing::field::Empty,
            retries = tracing::field::Empty,
            request_bytes = request.body.as_ref().map_or(0, |b| b.len()),
            response_bytes = tracing::field::Empty,
            trace_id = tracing::field::Empty,
        )
    }

    /// Sends `request`, retrying as needed. Fields are recorded in `span` (the request's own,
    /// never `Span::current()`: when the request span is disabled, the current span is the
    /// caller's, whose fields of the same name must stay untouched). `whole_body`: the caller
    /// reads the body whole (so an error answer's body counts as a response size, as in
    /// client-go's `Do`); false for streamed bodies.
    async fn send_in_span(
        &self,
        request: Request,
        span: &tracing::Span,
        whole_body: bool,
    ) -> Result<HttpResponse, Error> {
        let inner = &*self.inner;
        let metrics = inner.config.metrics.as_deref();
        let uri = self.url(&request.path)?;
        let verb = request.method.as_str();
        let gzip = !inner.config.disable_compression
            && !request.headers.contains_key(http::header::ACCEPT_ENCODING);
        let timeout = self.timeout(&request);
        let mut retries = 0u32;
        let mut reauthenticated = false;
        loop {
            // The timeout bounds the wait for a token and the exchange together, as a context
            // deadline does in client-go: a token that would come too late fails the request at
            // once (x/time/rate's "would exceed context deadline"), unsent.
            let attempt_start = tokio::time::Instant::now();
            let deadline = timeout.map(|t| attempt_start + t);
            let mut throttled = Duration::ZERO;
            if let Some(limiter) = &inner.limiter {
                let acquired = limiter.acquire_before(deadline).await;
                if let Some(m) = metrics {
                    m.rate_limiter_latency(verb, &inner.host, attempt_start.elapsed());
                }
                match acquired {
                    Ok(waited) => throttled = waited,
                    Err(wait) => {
                        return Err(Error::RateLimiterTimeout {
                            method: verb.to_string(),
                            url: uri.to_string(),
                            wait,
                            timeout: timeout.unwrap_or_default(),
                            qps: limiter.qps(),
                            burst: limiter.burst(),
                        });
                    }
                }
            }
            let cred = inner.auth.credential().await?;
            let mut outgoing = http::Request::new(match &request.body {
                Some(b) => Body::from(b.clone()),
                None => Body::empty(),
            });
            *outgoing.method_mut() = request.method.clone();
            *outgoing.uri_mut() = uri.clone();
            *outgoing.headers_mut() = self.headers(&request, &cred, gzip, span)?;
            if let Some((cert, key)) = &cred.client_identity {
                outgoing
                    .extensions_mut()
                    .insert(ClientIdentity(Arc::new((cert.clone(), key.clone()))));
            }
            if let Some(m) = metrics {
                // client-go observes every request whose length it knows (all of ours): a
                // request without a body counts as 0 bytes.
                let bytes = request.body.as_ref().map_or(0, |b| b.len() as u64);
                m.request_size(verb, &inner.host, bytes);
            }
            inner.requests.fetch_add(1, Ordering::Relaxed);
            let start = tokio::time::Instant::now();
            let sent = match deadline {
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, inner.transport.send(outgoing)).await {
                        Ok(r) => r,
                        Err(_) => Err(Box::new(TransportError::new(
                            TransportErrorKind::Timeout,
                            no_response_within(timeout.unwrap_or_default(), throttled),
                        )) as BoxError),
                    }
                }
                None => inner.transport.send(outgoing).await,
            };
            if let Some(m) = metrics {
                m.request_latency(verb, &inner.host, start.elapsed());
            }
            let resp = match sent {
                Ok(resp) => resp,
                Err(source) => {
                    if let Some(m) = metrics {
                        m.request_result(ERROR_CODE, verb, &inner.host);
                    }
                    let reset =
                        error::classify(&*source) == Some(TransportErrorKind::ConnectionReset);
                    if request.method == http::Method::GET && retries < MAX_RETRIES && reset {
                        retries += 1;
                        if let Some(m) = metrics {
                            m.request_retry(ERROR_CODE, verb, &inner.host);
                        }
                        span.record("retries", retries);
                        tracing::debug!(path = %request.path, retries, error = %crate::error::chain(&*source), "connection reset on GET; retrying");
                        tokio::time::sleep(RESET_RETRY_WAIT).await;
                        continue;
                    }
                    return Err(Error::Http {
                        method: verb.to_string(),
                        url: uri.to_string(),
                        source: tls::with_ca_hint(source, &inner.config.tls),
                    });
                }
            };
            let status = resp.status();
            span.record("status", status.as_u16());
            if let Some(m) = metrics {
                m.request_result(status.as_str(), verb, &inner.host);
            }
            for value in resp.headers().get_all(http::header::WARNING) {
                if let Ok(value) = value.to_str() {
                    for text in parse_warning_header(value) {
                        inner.warnings.handle_warning(&text);
                    }
                }
            }
            let resp = if gzip {
                response::gunzip_if_encoded(resp)
            } else {
                resp
            };
            let resp = match deadline {
                Some(deadline) => resp.map(|b| response::with_deadline(b, deadline)),
                None => resp,
            };
            if status.is_success() {
                return Ok(resp);
            }
            if status == StatusCode::UNAUTHORIZED
                && !reauthenticated
                && inner.auth.unauthorized().await
            {
                reauthenticated = true;
                tracing::debug!(path = %request.path, "401: refreshed credentials; retrying once");
                continue;
            }
            let retry_after = retry_after_seconds(resp.headers());
            if (status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error())
                && retries < MAX_RETRIES
                && let Some(secs) = retry_after
            {
                retries += 1;
                if let Some(m) = metrics {
                    m.request_retry(status.as_str(), verb, &inner.host);
                }
                span.record("retries", retries);
                tracing::debug!(path = %request.path, %status, secs, retries, "server asked to retry");
                tokio::time::sleep(Duration::from_secs(secs)).await;
                continue;
            }
            let code = resp.status().as_u16();
            let body = resp.into_body().collect().await.unwrap_or_default();
            if whole_body {
                if let Some(m) = metrics {
                    m.response_size(verb, &inner.host, body.len() as u64);
                }
                span.record("response_bytes", body.len());
            }
            return Err(api_error(verb, &uri, code, &body, retry_after));
        }
    }

    /// Every header of a request: its own, the user agent, `Accept` (JSON unless set),
    /// `Accept-Encoding` (gzip, when asked), the trace context (its trace id recorded in
    /// `span`) and the credential's.
    fn headers(
        &self,
        request: &Request,
        cred: &Credential,
        gzip: bool,
        span: &tracing::Span,
    ) -> Result<http::HeaderMap, Error> {
        let mut headers = request.headers.clone();
        headers.insert(http::header::USER_AGENT, self.inner.user_agent.clone());
        headers
            .entry(http::header::ACCEPT)
            .or_insert(HeaderValue::from_static("application/json"));
        if gzip {
            headers.insert(
                http::header::ACCEPT_ENCODING,
                HeaderValue::from_static("gzip"),
            );
        }
        if let Some(p) = &self.inner.config.trace_propagator {
            p.inject(&mut headers);
            // `traceparent` is `<version>-<trace id>-<parent id>-<flags>`.
            if let Some(trace_id) = headers
                .get("traceparent")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split('-').nth(1))
            {
                span.record("trace_id", trace_id);
            }
        }
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
}

fn humanize(d: Duration) -> String {
    format!("{d:?}")
}

/// The message of a request that timed out, saying how much of its time went to the
/// client-side rate limiter when some did.
fn no_response_within(timeout: Duration, throttled: Duration) -> String {
    if throttled.is_zero() {
        format!("no response within {}", humanize(timeout))
    } else {
        format!(
            "no response within {} ({} of it waiting for the client-side rate limiter)",
            humanize(timeout),
            humanize(throttled)
        )
    }
}

/// HTTP/1.1 only: [`Config::disable_http2`], or a non-empty `DISABLE_HTTP2` in the environment
/// (read when the transport is built, as client-go's `SetTransportDefaults` does).
fn http2_disabled(config: &Config) -> bool {
    config.disable_http2 || std::env::var_os("DISABLE_HTTP2").is_some_and(|v| !v.is_empty())
}

/// `Retry-After` as whole seconds (client-go only honours the integer form).
/// The config's warning handler, else the default (log each distinct warning once).
fn warning_handler(config: &Config) -> Arc<dyn WarningHandler> {
    match &config.warning_handler {
        Some(handler) => handler.clone(),
        None => Arc::new(DedupLogWarnings::default()),
    }
}

fn retry_after_seconds(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
}

fn api_error(
    method: &str,
    url: &http::Uri,
    code: u16,
    body: &[u8],
    retry_after: Option<u64>,
) -> Error {
    let mut error = k8s_apimachinery::ApiError::from_response(code, body);
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
            client.url("/api/v1/pods?limit=5").unwrap().to_string(),
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

    /// A client whose every request is answered `{}` after `delay` (paused time in the tests).
    fn answering_after(
        delay: Duration,
        qps: f32,
        burst: u32,
        timeout: Option<Duration>,
    ) -> HttpClient {
        let svc = tower::service_fn(move |_req: HttpRequest| async move {
            tokio::time::sleep(delay).await;
            http::Response::builder()
                .status(200)
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
        });
        let mut config = Config::new("http://fake.invalid");
        config.qps = qps;
        config.burst = burst;
        config.timeout = timeout;
        HttpClient::with_transport(config, Transport::new(svc)).unwrap()
    }

    async fn get(client: &HttpClient) -> Result<serde_json::Value, Error> {
        client.send_json(Request::get("/api/v1/pods")).await
    }

    /// client-go: `QPS: 0` and `Burst: 0` are the defaults 5 and 10, not "never refill".
    #[tokio::test(start_paused = true)]
    async fn qps_and_burst_zero_mean_the_defaults() {
        let client = answering_after(Duration::ZERO, 0.0, 0, None);
        let start = tokio::time::Instant::now();
        for _ in 0..15 {
            get(&client).await.unwrap();
        }
        // 10 at once, 5 more at 5 per second.
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_timeout_bounds_the_limiter_wait() {
        let client = answering_after(Duration::ZERO, 1.0, 1, Some(Duration::from_millis(500)));
        get(&client).await.unwrap();
        let start = tokio::time::Instant::now();
        // The next token is 1 s away, past the 500 ms timeout: fail at once, unsent.
        let err = get(&client).await.unwrap_err();
        assert_eq!(start.elapsed(), Duration::ZERO);
        assert!(err.is_timeout(), "{err:?}");
        assert!(
            matches!(err, Error::RateLimiterTimeout { wait, qps: 1.0, burst: 1, .. } if wait == Duration::from_secs(1)),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "GET http://fake.invalid/api/v1/pods: not sent: waiting for the client-side rate \
             limiter would take 1s, longer than the request's timeout of 500ms (limit 1 \
             requests/s, burst 1; raise Config.qps and Config.burst, or set Config.qps to -1 to \
             turn the limiter off)"
        );
        assert_eq!(client.requests_sent(), 1);
        // The refused request took no token: a request with a longer timeout of its own waits
        // 1 s, not 2.
        let slow = Request::get("/api/v1/pods").timeout(Duration::from_secs(2));
        client.send_json::<serde_json::Value>(slow).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_timeout_covers_the_limiter_wait_and_the_exchange_together() {
        // Answers take 600 ms; the second request waits 500 ms for its token, leaving 500 ms.
        let client = answering_after(
            Duration::from_millis(600),
            2.0,
            1,
            Some(Duration::from_secs(1)),
        );
        let (first, second) = tokio::join!(get(&client), get(&client));
        first.unwrap();
        let err = second.unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
        assert!(
            err.to_string().ends_with(
                "no response within 1s (500ms of it waiting for the client-side rate limiter)"
            ),
            "{err}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_a_request_waiting_for_a_token_frees_its_place() {
        let client = answering_after(Duration::ZERO, 5.0, 1, None);
        get(&client).await.unwrap();
        let start = tokio::time::Instant::now();
        // Waits for the token 200 ms away; dropped after 100 ms.
        assert!(
            tokio::time::timeout(Duration::from_millis(100), get(&client))
                .await
                .is_err()
        );
        assert_eq!(client.requests_sent(), 1);
        // The next request gets that token at 200 ms, not 400 ms.
        get(&client).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_millis(200));
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
