//! The crate's own HTTP: readiness probes, namespaces, CRDs and etcd compaction.
//!
//! A small reqwest client over rustls (ring), trusting the plane's CA and presenting the admin
//! client certificate. It works without the `client` feature and never appears in a public
//! signature: users get a `k8s_client::Config` (feature `client`) or the kubeconfig and PKI paths.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use crate::{BoxError, Error, Pki};

/// A reqwest client for plain-HTTP endpoints (etcd's client URL).
pub(crate) fn plain_http() -> Result<reqwest::Client, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::pki("TLS versions", e))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .map_err(|e| Error::request("build an HTTP client", e))
}

/// A reqwest client trusting the plane's CA and presenting its admin client certificate.
pub(crate) fn admin_http(pki: &Pki) -> Result<reqwest::Client, Error> {
    let tls = |path: &Path, e: BoxError| Error::pki(path.display().to_string(), e);
    let mut roots = rustls::RootCertStore::empty();
    let ca_pem = fs::read(&pki.ca_cert).map_err(|e| Error::io(&pki.ca_cert, e))?;
    for cert in rustls_pemfile::certs(&mut ca_pem.as_slice()) {
        let cert = cert.map_err(|e| tls(&pki.ca_cert, e.into()))?;
        roots.add(cert).map_err(|e| tls(&pki.ca_cert, e.into()))?;
    }
    let cert_pem = fs::read(&pki.admin_cert).map_err(|e| Error::io(&pki.admin_cert, e))?;
    let certs = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| tls(&pki.admin_cert, e.into()))?;
    let key_pem = fs::read(&pki.admin_key).map_err(|e| Error::io(&pki.admin_key, e))?;
    let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
        // The parser's message could quote bytes of the key: keep it out.
        .map_err(|_| tls(&pki.admin_key, "malformed PEM private key".into()))?
        .ok_or_else(|| tls(&pki.admin_key, "no private key in file".into()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::pki("TLS versions", e))?
        .with_root_certificates(roots)
        .with_client_auth_cert(certs, key)
        .map_err(|e| tls(&pki.admin_key, e.into()))?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .map_err(|e| Error::request("build an HTTP client", e))
}

/// Sends `req`; a 2xx answer's JSON body, else an error naming `what`, the status and the body.
pub(crate) async fn send_json(req: reqwest::RequestBuilder, what: &str) -> Result<Value, Error> {
    let resp = req.send().await.map_err(|e| Error::request(what, e))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| Error::request(what, e))?;
    if !status.is_success() {
        return Err(Error::request(
            what,
            format!("{status}: {}", String::from_utf8_lossy(&body)),
        ));
    }
    if body.is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&body)
        .map_err(|e| Error::request(format!("{what}: answer is not JSON"), e))
}
