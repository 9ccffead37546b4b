//! What a connection upgrade (WebSocket: exec, attach, port-forward) needs from the client: the
//! URL, the request headers (user agent, credentials, impersonation, trace context) and the
//! rustls configuration (same CA, client certificate and verification as every other request,
//! but ALPN `http/1.1` only, since an upgrade is an HTTP/1.1 affair). The rate limiter applies,
//! and a 401 refreshes the credential ([`HttpClient::reauthenticate`]).
//!
//! `pub(crate)`: used by `api::remote`.

use std::sync::Arc;

use http::{HeaderMap, HeaderValue};

use super::{HttpClient, tls};
use crate::Error;

/// The pieces of an upgrade request.
pub(crate) struct UpgradeParts {
    /// The `https://` (or `http://`) URL of the request.
    pub url: http::Uri,
    /// User agent, `Authorization`, `Impersonate-*`.
    pub headers: HeaderMap,
    /// The TLS configuration for `https` URLs (`None` for `http`).
    pub tls: Option<Arc<rustls::ClientConfig>>,
    /// `tls-server-name` from the config, for SNI and verification, if set.
    pub server_name: Option<String>,
    /// The config's TLS settings, for the hint of a handshake that refused the server's CA.
    pub tls_settings: crate::config::TlsConfig,
}

impl HttpClient {
    /// Prepares an upgrade request for `path_and_query`: takes a rate-limiter token and a
    /// credential like any request does.
    pub(crate) async fn upgrade_parts(&self, path_and_query: &str) -> Result<UpgradeParts, Error> {
        let inner = &self.inner;
        let url = self.url(path_and_query)?;
        if inner.config.proxy_url.is_some() {
            return Err(Error::InvalidRequest(format!(
                "{url}: WebSocket connections through a proxy (proxy-url) are not supported"
            )));
        }
        if let Some(limiter) = &inner.limiter {
            limiter.acquire().await;
        }
        let cred = inner.auth.credential().await?;
        let mut headers = HeaderMap::new();
        headers.insert(http::header::USER_AGENT, inner.user_agent.clone());
        if let Some(p) = &inner.config.trace_propagator {
            p.inject(&mut headers);
        }
        inner.auth.apply(&cred, &mut headers)?;
        let tls = if url.scheme_str() == Some("https") {
            let identity = match &cred.client_identity {
                Some((cert, key)) => Some(tls::parse_identity(cert, key.expose())?),
                None => None,
            };
            let mut config = tls::client_config(&inner.config.tls, identity)?;
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Some(Arc::new(config))
        } else {
            None
        };
        headers
            .entry(http::header::ACCEPT)
            .or_insert(HeaderValue::from_static("*/*"));
        Ok(UpgradeParts {
            url,
            headers,
            tls,
            server_name: inner.config.tls.server_name.clone(),
            tls_settings: inner.config.tls.clone(),
        })
    }

    /// After a 401: refreshes the credential when it can be refreshed (exec plugin, OIDC,
    /// token file); `true` when a new one may now work.
    pub(crate) async fn reauthenticate(&self) -> bool {
        self.inner.auth.unauthorized().await
    }
}
