//! HTTP/1.1 (and HTTP/2 through a proxy) over reqwest: plain `http` servers, proxies, servers
//! that do not speak HTTP/2, HTTP/2 disabled, and client certificates returned by exec plugins.

use std::sync::{Arc, Mutex};

use super::error::reqwest_kind;
use super::{Body, BoxError, HttpRequest, HttpResponse, TransportError, tls};
use crate::config::Config;
use crate::metrics::RequestMetrics;
use crate::{Error, SecretBytes};

/// A client certificate an exec plugin returned, carried to the transport as a request
/// extension (the TLS connection must present it).
#[derive(Clone)]
pub(crate) struct ClientIdentity(pub Arc<(Vec<u8>, SecretBytes)>);

/// A client certificate (PEM) and the reqwest client that presents it.
type IdentityClient = (Vec<u8>, reqwest::Client);

/// The reqwest side of the default transport.
#[derive(Clone)]
pub(crate) struct Http1 {
    client: reqwest::Client,
    config: Arc<Config>,
    /// A client presenting the certificate an exec plugin returned, keyed by that certificate.
    identity_client: Arc<Mutex<Option<IdentityClient>>>,
    metrics: Option<Arc<dyn RequestMetrics>>,
}

impl Http1 {
    pub(crate) fn new(config: Arc<Config>) -> Result<Self, Error> {
        Ok(Http1 {
            client: build_reqwest(&config, None)?,
            metrics: config.metrics.clone(),
            config,
            identity_client: Arc::default(),
        })
    }

    pub(crate) async fn send(&self, request: HttpRequest) -> Result<HttpResponse, BoxError> {
        let client = match request.extensions().get::<ClientIdentity>() {
            Some(identity) => self.client_for(identity)?,
            None => self.client.clone(),
        };
        let (parts, body) = request.into_parts();
        let body = match body.as_bytes() {
            Some(bytes) => reqwest::Body::from(bytes::Bytes::copy_from_slice(bytes)),
            None => reqwest::Body::wrap_stream(body),
        };
        let request = http::Request::from_parts(parts, body);
        let request = reqwest::Request::try_from(request).map_err(|e| {
            TransportError::new(super::TransportErrorKind::Other, "building the request")
                .with_source(e)
        })?;
        let response = client.execute(request).await.map_err(|e| {
            let kind = reqwest_kind(&e);
            TransportError::new(kind, describe(kind)).with_source(e)
        })?;
        Ok(http::Response::<reqwest::Body>::from(response).map(Body::wrap))
    }

    fn client_for(&self, identity: &ClientIdentity) -> Result<reqwest::Client, Error> {
        let (cert, key) = &*identity.0;
        let mut cache = self
            .identity_client
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some((cached_cert, client)) = &*cache
            && cached_cert == cert
        {
            if let Some(m) = &self.metrics {
                m.transport_create("hit");
            }
            return Ok(client.clone());
        }
        let client = build_reqwest(&self.config, Some((cert, key)))?;
        *cache = Some((cert.clone(), client.clone()));
        if let Some(m) = &self.metrics {
            m.transport_create("miss");
            m.transport_cache_entries(1);
        }
        Ok(client)
    }
}

fn describe(kind: super::TransportErrorKind) -> &'static str {
    use super::TransportErrorKind as K;
    match kind {
        K::Connect => "cannot connect",
        K::Timeout => "timed out",
        K::ConnectionReset => "the connection closed",
        K::Tls => "TLS handshake failed",
        K::Decode => "cannot decode the response",
        _ => "HTTP request failed",
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
    if super::http2_disabled(config) {
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        builder = builder.http1_only();
    }
    // Compression is the client's business (it asks and decodes, whatever the transport).
    let mut builder = builder.tls_backend_preconfigured(tls).no_gzip();
    if let Some(proxy) = &config.proxy_url {
        let shown = crate::config::redact_url_password(proxy);
        // URL schemes are case-insensitive (`HTTP://proxy` is Go's `http`).
        let scheme = proxy
            .split("://")
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https" | "socks5" | "socks5h") {
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
        .map_err(|e| Error::tls_with("building the HTTP client", e))
}
