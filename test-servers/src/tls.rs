//! A throw-away PKI and a TLS listener on `127.0.0.1`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::BoxError;

/// The ALPN name of HTTP/2.
pub const ALPN_H2: &[u8] = b"h2";
/// The ALPN name of HTTP/1.1.
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

/// A throw-away CA and a server certificate it signed, valid for `127.0.0.1`, `::1` and
/// `localhost`. Two `Pki`s do not trust each other: a client given one's CA refuses a server
/// presenting the other's certificate.
pub struct Pki {
    ca_pem: Vec<u8>,
    ca_der: CertificateDer<'static>,
    cert: CertificateDer<'static>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki").finish_non_exhaustive()
    }
}

impl Pki {
    /// A new CA (ECDSA P-256) and server certificate.
    pub fn generate() -> Result<Self, rcgen::Error> {
        let ca_key = KeyPair::generate()?;
        let mut ca = CertificateParams::new(Vec::<String>::new())?;
        // A name of its own: a client trusting another `Pki`'s CA finds no issuer by that name
        // (rustls says `UnknownIssuer`; two CAs of one name would fail as `BadSignature`).
        ca.distinguished_name.push(
            DnType::CommonName,
            format!("k8s-test-servers CA {}", unique()),
        );
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca.self_signed(&ca_key)?;
        let issuer = Issuer::new(ca, ca_key);

        let key = KeyPair::generate()?;
        let mut server = CertificateParams::new(vec!["localhost".to_string()])?;
        server.subject_alt_names.extend([
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
        ]);
        server
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let cert = server.signed_by(&key, &issuer)?;
        Ok(Pki {
            ca_pem: ca_cert.pem().into_bytes(),
            ca_der: ca_cert.der().clone(),
            cert: cert.der().clone(),
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
        })
    }

    /// The CA certificate (PEM): what a client trusts (`config.tls.ca_data`).
    pub fn ca_pem(&self) -> &[u8] {
        &self.ca_pem
    }

    /// A rustls server config (ring provider) presenting the server certificate and offering
    /// `alpn` (e.g. `&[ALPN_H2, ALPN_HTTP1]`; empty: no ALPN).
    pub fn server_config(&self, alpn: &[&[u8]]) -> Result<rustls::ServerConfig, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![self.cert.clone()],
                PrivateKeyDer::Pkcs8(self.key.clone_key()),
            )?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(config)
    }

    /// A rustls client config (ring provider) trusting only this CA and asking for `alpn`.
    pub fn client_config(&self, alpn: &[&[u8]]) -> Result<rustls::ClientConfig, rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.ca_der.clone())?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(config)
    }
}

/// A number no other call in this process returns, and unlikely in another process.
fn unique() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// A TLS listener on `127.0.0.1` (a free port), presenting a [`Pki`]'s server certificate.
pub struct TlsListener {
    tcp: TcpListener,
    addr: SocketAddr,
    acceptor: TlsAcceptor,
}

impl std::fmt::Debug for TlsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl TlsListener {
    /// Listens on `127.0.0.1:0`, offering `alpn` in the handshake.
    pub async fn bind(pki: &Pki, alpn: &[&[u8]]) -> Result<Self, BoxError> {
        let acceptor = TlsAcceptor::from(Arc::new(pki.server_config(alpn)?));
        let tcp = TcpListener::bind("127.0.0.1:0").await?;
        let addr = tcp.local_addr()?;
        Ok(TlsListener {
            tcp,
            addr,
            acceptor,
        })
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The next TCP connection, before any TLS (for a server that never answers, or one that
    /// hands it to [`handshake`](Self::handshake) later).
    pub async fn accept_tcp(&self) -> io::Result<TcpStream> {
        self.tcp.accept().await.map(|(tcp, _)| tcp)
    }

    /// The TLS handshake over an accepted connection. It fails when the client refuses the
    /// certificate.
    pub async fn handshake(&self, tcp: TcpStream) -> io::Result<TlsStream<TcpStream>> {
        self.acceptor.accept(tcp).await
    }

    /// The next connection, its TLS handshake done. The ALPN protocol chosen is
    /// `stream.get_ref().1.alpn_protocol()`; the TCP stream underneath (to [`reset`](crate::reset)
    /// it) is `stream.into_inner().0`.
    pub async fn accept(&self) -> io::Result<TlsStream<TcpStream>> {
        let tcp = self.accept_tcp().await?;
        self.handshake(tcp).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

    use super::*;
    use rustls::pki_types::ServerName;
    use tokio_rustls::TlsConnector;

    async fn connect(
        listener: &TlsListener,
        client: &Pki,
        alpn: &[&[u8]],
    ) -> io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
        let connector = TlsConnector::from(Arc::new(client.client_config(alpn).unwrap()));
        let tcp = TcpStream::connect(listener.addr()).await?;
        let name = ServerName::try_from("127.0.0.1").unwrap();
        connector.connect(name, tcp).await
    }

    #[tokio::test]
    async fn the_handshake_negotiates_alpn_with_a_client_trusting_the_ca() {
        let pki = Pki::generate().unwrap();
        let listener = TlsListener::bind(&pki, &[ALPN_HTTP1]).await.unwrap();
        let (client, server) = tokio::join!(
            connect(&listener, &pki, &[ALPN_H2, ALPN_HTTP1]),
            listener.accept()
        );
        let client = client.unwrap();
        let server = server.unwrap();
        assert_eq!(client.get_ref().1.alpn_protocol(), Some(ALPN_HTTP1));
        assert_eq!(server.get_ref().1.alpn_protocol(), Some(ALPN_HTTP1));
    }

    #[tokio::test]
    async fn a_client_trusting_another_ca_refuses_the_certificate() {
        let pki = Pki::generate().unwrap();
        let other = Pki::generate().unwrap();
        assert_ne!(pki.ca_pem(), other.ca_pem());
        let listener = TlsListener::bind(&pki, &[ALPN_H2]).await.unwrap();
        let (client, server) =
            tokio::join!(connect(&listener, &other, &[ALPN_H2]), listener.accept());
        let err = client.unwrap_err();
        let inner = err
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>());
        assert!(
            matches!(
                inner,
                Some(rustls::Error::InvalidCertificate(
                    rustls::CertificateError::UnknownIssuer
                ))
            ),
            "{err:?}"
        );
        assert!(server.is_err(), "the server sees the handshake fail too");
    }
}
