//! rustls client configuration from a [`TlsConfig`]: CA bundle, client identity, server-name
//! override, and (only when asked) no verification at all.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::Error;
use crate::config::TlsConfig;
use crate::transport::{BoxError, TransportError, TransportErrorKind};

/// A client certificate chain and its key, already parsed.
pub(crate) struct Identity {
    pub certs: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
}

/// Parses a PEM certificate chain and private key (RSA, PKCS#8 or SEC1 EC).
pub(crate) fn parse_identity(cert_pem: &[u8], key_pem: &[u8]) -> Result<Identity, Error> {
    let certs = rustls_pemfile::certs(&mut &cert_pem[..])
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::tls_with("client certificate: invalid PEM", e))?;
    if certs.is_empty() {
        return Err(Error::tls(
            "client certificate: no CERTIFICATE block in the PEM data".to_string(),
        ));
    }
    let key = rustls_pemfile::private_key(&mut &key_pem[..])
        .map_err(|e| Error::tls_with("client key: invalid PEM", e))?
        .ok_or_else(|| {
            Error::tls(
                "client key: no private key block (RSA, PKCS#8 or EC) in the PEM data".to_string(),
            )
        })?;
    Ok(Identity { certs, key })
}

/// The name the server's certificate must carry, also sent as SNI: `tls-server-name` when the
/// config sets one (as client-go's `TLSClientConfig.ServerName`), else the URL's host (an IP
/// address or a DNS name).
pub(crate) fn server_name(
    host: &str,
    override_name: Option<&str>,
) -> Result<ServerName<'static>, Error> {
    // A tls-server-name that is neither a DNS name nor an IP address cannot be sent as SNI:
    // the URL's host is sent instead, and the verifier (`FixedName`) refuses any certificate
    // for it — see `client_config`.
    match override_name.and_then(|name| ServerName::try_from(name.to_string()).ok()) {
        Some(name) => Ok(name),
        None => match host.parse::<std::net::IpAddr>() {
            Ok(ip) => Ok(ServerName::IpAddress(ip.into())),
            Err(_) => ServerName::try_from(host.to_string())
                .map_err(|e| Error::tls_with(format!("server name {host:?}"), e)),
        },
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds the rustls config. `identity` overrides the config's client certificate (exec
/// plugins may return one).
pub(crate) fn client_config(
    tls: &TlsConfig,
    identity: Option<Identity>,
) -> Result<rustls::ClientConfig, Error> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::tls_with("protocol versions", e))?;
    if tls.insecure && tls.ca_data.is_some() {
        // client-go refuses this combination too: which one did the user mean?
        return Err(Error::tls(
            "specifying a root certificates file with the insecure flag is not allowed".to_string(),
        ));
    }
    let verifier: Arc<dyn ServerCertVerifier> = if tls.insecure {
        tracing::warn!(
            "TLS certificate verification is disabled (insecure-skip-tls-verify): the connection is encrypted but the server is not authenticated"
        );
        Arc::new(NoVerification(provider.signature_verification_algorithms))
    } else {
        let roots = root_store(tls)?;
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| Error::tls_with("CA bundle", e))?;
        match &tls.server_name {
            // client-go takes any string as the server name. One that is neither a DNS name
            // nor an IP address is accepted here too, but no certificate verifies against it
            // (Go would match it only to an identical, equally malformed, certificate name).
            Some(name) => Arc::new(FixedName {
                inner: webpki,
                name: ServerName::try_from(name.clone()).map_err(|_| name.clone()),
            }),
            None => webpki,
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let identity = match identity {
        Some(id) => Some(id),
        None => match (&tls.client_cert, &tls.client_key) {
            (Some(cert), Some(key)) => Some(parse_identity(cert, key.expose())?),
            (None, None) => None,
            (Some(_), None) => {
                return Err(Error::tls(
                    "a client certificate is set but no client key".to_string(),
                ));
            }
            (None, Some(_)) => {
                return Err(Error::tls(
                    "a client key is set but no client certificate".to_string(),
                ));
            }
        },
    };
    let mut config = match identity {
        Some(id) => builder
            .with_client_auth_cert(id.certs, id.key)
            .map_err(|e| Error::tls_with("client certificate/key", e))?,
        None => builder.with_no_client_auth(),
    };
    // HTTP/2 when the server offers it: one connection multiplexes requests and watches.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Where the CA bundle of `tls` came from, in words.
pub(crate) fn ca_origin(tls: &TlsConfig) -> &str {
    tls.ca_origin.as_deref().unwrap_or("Config.tls.ca_data")
}

/// The CA bundle `pem` as trust anchors, or why it cannot be one — in our words: rustls
/// says "invalid peer certificate" even when the certificate is our own CA.
pub(crate) fn parse_ca_bundle(pem: &[u8]) -> Result<RootCertStore, String> {
    let certs = rustls_pemfile::certs(&mut &pem[..])
        .collect::<Result<Vec<_>, _>>()
        // The PEM parser's message names the section and the position, never key material.
        .map_err(|e| format!("malformed PEM ({e})"))?;
    if certs.is_empty() {
        return Err(
            "no certificate found (expected PEM \"-----BEGIN CERTIFICATE-----\")".to_string(),
        );
    }
    let mut roots = RootCertStore::empty();
    let n = certs.len();
    for (i, cert) in certs.into_iter().enumerate() {
        roots.add(cert).map_err(|e| {
            let why = match e {
                rustls::Error::InvalidCertificate(c) => format!("{c:?}"),
                other => other.to_string(),
            };
            format!(
                "certificate {} of {n} is a PEM CERTIFICATE block but not a valid X.509 certificate ({why})",
                i + 1
            )
        })?;
    }
    Ok(roots)
}

fn root_store(tls: &TlsConfig) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    match &tls.ca_data {
        Some(pem) => {
            roots = parse_ca_bundle(pem)
                .map_err(|why| Error::tls(format!("the CA in {} is bad: {why}", ca_origin(tls))))?;
        }
        None => {
            // No CA in the config: trust the platform's roots, as Go's crypto/tls does.
            let native = rustls_native_certs::load_native_certs();
            for cert in native.certs {
                // A broken system certificate must not make the others unusable.
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(Error::tls(format!(
                    "no certificate-authority configured and no usable system roots ({} errors loading them)",
                    native.errors.len()
                )));
            }
        }
    }
    Ok(roots)
}

/// A failure to reach the server whose TLS handshake refused the server's certificate as
/// signed by an unknown CA (`UnknownIssuer`) gets a hint naming the CA setting that was used:
/// `… invalid peer certificate: UnknownIssuer (the server's certificate is not signed by the CA
/// in certificate-authority-data of cluster "kind" in /home/me/.kube/config)`. Anything else
/// is returned as it is.
pub(crate) fn with_ca_hint(source: BoxError, tls: &TlsConfig) -> BoxError {
    if !is_unknown_issuer(source.as_ref()) {
        return source;
    }
    let hint = if tls.ca_data.is_some() {
        format!(
            "the server's certificate is not signed by the CA in {}",
            ca_origin(tls)
        )
    } else {
        "the server's certificate is not signed by a CA of the system's trust store, which is \
         used because no certificate-authority is configured: set the cluster's \
         certificate-authority or certificate-authority-data"
            .to_string()
    };
    let kind = super::error::classify(source.as_ref()).unwrap_or(TransportErrorKind::Tls);
    let message = format!("{} ({hint})", crate::error::chain(source.as_ref()));
    Box::new(TransportError::new(kind, message).with_source(source))
}

/// Whether `err`'s chain holds rustls' `InvalidCertificate(UnknownIssuer)`.
fn is_unknown_issuer(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) =
            e.downcast_ref::<rustls::Error>()
        {
            return true;
        }
        // An I/O error hides the error it wraps from `source()`: look inside.
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            && is_unknown_issuer(inner)
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// Verifies the server's certificate against a fixed name (kubeconfig `tls-server-name`)
/// instead of the host in the URL.
#[derive(Debug)]
struct FixedName {
    inner: Arc<WebPkiServerVerifier>,
    /// The name to verify against, or the `tls-server-name` as written when it is not one.
    name: Result<ServerName<'static>, String>,
}

impl ServerCertVerifier for FixedName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match &self.name {
            Ok(name) => {
                self.inner
                    .verify_server_cert(end_entity, intermediates, name, ocsp_response, now)
            }
            Err(name) => Err(rustls::Error::General(format!(
                "tls-server-name {name:?} is neither a DNS name nor an IP address: no certificate can be verified against it"
            ))),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `insecure-skip-tls-verify`: accepts any certificate, but still checks the handshake
/// signatures so the session keys belong to whoever holds the presented certificate.
#[derive(Debug)]
struct NoVerification(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_pem_is_a_typed_error() {
        let tls = TlsConfig {
            ca_data: Some(b"not a pem".to_vec()),
            ..TlsConfig::default()
        };
        let err = client_config(&tls, None).unwrap_err().to_string();
        assert_eq!(
            err,
            "TLS: the CA in Config.tls.ca_data is bad: no certificate found (expected PEM \"-----BEGIN CERTIFICATE-----\")"
        );
        let err = parse_identity(b"junk", b"junk").err().unwrap().to_string();
        assert!(err.contains("client certificate"), "{err}");
    }

    /// A PEM CERTIFICATE block whose content is not DER.
    const NOT_DER: &[u8] =
        b"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";

    #[test]
    fn a_ca_that_is_not_a_certificate_is_our_own_bad_ca() {
        let mut tls = TlsConfig {
            ca_data: Some(NOT_DER.to_vec()),
            ..TlsConfig::default()
        };
        let err = client_config(&tls, None).unwrap_err().to_string();
        assert_eq!(
            err,
            "TLS: the CA in Config.tls.ca_data is bad: certificate 1 of 1 is a PEM CERTIFICATE block but not a valid X.509 certificate (BadEncoding)"
        );
        assert!(!err.contains("peer"), "{err}");
        tls.ca_origin = Some("certificate-authority-data of cluster \"c\" in /k".into());
        let err = client_config(&tls, None).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "TLS: the CA in certificate-authority-data of cluster \"c\" in /k is bad: "
            ),
            "{err}"
        );
    }

    #[test]
    fn unknown_issuer_gets_a_hint_naming_the_ca_setting() {
        let rustls_err = rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_err);
        let source: BoxError = Box::new(
            TransportError::new(TransportErrorKind::Tls, "TLS handshake with h:1").with_source(io),
        );
        let tls = TlsConfig {
            ca_data: Some(vec![1]),
            ca_origin: Some("certificate-authority of cluster \"c\" in /k".into()),
            ..TlsConfig::default()
        };
        let hinted = with_ca_hint(source, &tls);
        assert_eq!(
            hinted.to_string(),
            "TLS handshake with h:1: invalid peer certificate: UnknownIssuer (the server's certificate is not signed by the CA in certificate-authority of cluster \"c\" in /k)"
        );
        assert_eq!(
            super::super::error::classify(hinted.as_ref()),
            Some(TransportErrorKind::Tls)
        );
        // Without a CA, the hint says the system roots were used.
        let hinted = with_ca_hint(hinted, &TlsConfig::default());
        assert!(
            hinted
                .to_string()
                .contains("no certificate-authority is configured")
        );
        // Other failures are left alone.
        let refused: BoxError =
            Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert_eq!(
            with_ca_hint(refused, &tls).to_string(),
            "connection refused"
        );
    }

    #[test]
    fn cert_without_key_is_refused() {
        let tls = TlsConfig {
            client_cert: Some(b"x".to_vec()),
            insecure: true,
            ..TlsConfig::default()
        };
        let err = client_config(&tls, None).unwrap_err().to_string();
        assert!(err.contains("no client key"), "{err}");
    }

    #[test]
    fn ca_with_insecure_is_refused_like_client_go() {
        let tls = TlsConfig {
            insecure: true,
            ca_data: Some(b"-----BEGIN CERTIFICATE-----".to_vec()),
            ..TlsConfig::default()
        };
        let err = client_config(&tls, None).unwrap_err().to_string();
        assert!(err.contains("insecure flag is not allowed"), "{err}");
    }

    #[test]
    fn offers_h2_and_http11() {
        let tls = TlsConfig {
            insecure: true,
            ..TlsConfig::default()
        };
        let c = client_config(&tls, None).unwrap();
        assert_eq!(c.alpn_protocols, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
    }
}
