//! # k8s-rs-tests
//!
//! Integration tests of k8s-rs against a real kube-apiserver v1.37.2 + etcd. The control plane
//! comes from [`k8s_testenv`], used as any user would; this library adds what only these tests
//! need: raw HTTP clients (reqwest) built from the paths of a plane's PKI, for tests that compare
//! our client with the bytes the apiserver sends; and the [`conformance`] suite, scenarios
//! written against the client only that run unchanged against the real apiserver
//! (`tests/conformance_real.rs`) and the in-process fake API server.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let env = k8s_testenv::TestEnv::new("smoke").await?;
//! let http = k8s_rs_tests::admin_http(env.plane())?;
//! let readyz = http.get(format!("{}/readyz", env.plane().server)).send().await?;
//! assert!(readyz.status().is_success());
//! # Ok(()) }
//! ```

pub mod conformance;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use k8s_testenv::PlaneInfo;

/// Why a raw HTTP client could not be built: the file and what was wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {message}")]
pub struct HttpClientError {
    what: String,
    message: String,
}

fn err(what: impl std::fmt::Display, message: impl std::fmt::Display) -> HttpClientError {
    HttpClientError {
        what: what.to_string(),
        message: message.to_string(),
    }
}

/// A reqwest client with the plane's admin client certificate. Make one per test: a client
/// must not outlive the tokio runtime it was first used on.
pub fn admin_http(plane: &PlaneInfo) -> Result<reqwest::Client, HttpClientError> {
    http_client(
        &plane.pki.ca_cert,
        Some((&plane.pki.admin_cert, &plane.pki.admin_key)),
    )
}

/// A reqwest client over rustls (ring) trusting `ca` and optionally presenting a client
/// certificate and key (PEM files).
pub fn http_client(
    ca: &Path,
    identity: Option<(&Path, &Path)>,
) -> Result<reqwest::Client, HttpClientError> {
    let read = |p: &Path| fs::read(p).map_err(|e| err(p.display(), e));
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut read(ca)?.as_slice()) {
        let cert = cert.map_err(|e| err(ca.display(), e))?;
        roots.add(cert).map_err(|e| err(ca.display(), e))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| err("TLS versions", e))?
        .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key)) => {
            let certs = rustls_pemfile::certs(&mut read(cert)?.as_slice())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| err(cert.display(), e))?;
            let key_der = rustls_pemfile::private_key(&mut read(key)?.as_slice())
                .map_err(|e| err(key.display(), e))?
                .ok_or_else(|| err(key.display(), "no private key in file"))?;
            builder
                .with_client_auth_cert(certs, key_der)
                .map_err(|e| err(cert.display(), e))?
        }
        None => builder.with_no_client_auth(),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .map_err(|e| err("reqwest client", e))
}
