//! PEM checks at load time, so that a bad certificate or key is reported with the field that
//! holds it rather than at the first request. Messages never contain the data.

use crate::Error;

/// `data` must hold at least one certificate (a CA bundle or a client certificate chain).
pub(super) fn check_certificates(field: &str, data: &[u8]) -> Result<(), Error> {
    let mut reader = data;
    let mut count = 0usize;
    for item in rustls_pemfile::certs(&mut reader) {
        match item {
            Ok(_) => count += 1,
            Err(e) => {
                return Err(Error::tls_with(format!("{field}: malformed PEM"), e));
            }
        }
    }
    if count == 0 {
        return Err(Error::tls(format!(
            "{field}: no certificate found (expected PEM \"-----BEGIN CERTIFICATE-----\")"
        )));
    }
    Ok(())
}

/// `data` must hold a private key: RSA (PKCS#1), PKCS#8 or EC (SEC1).
pub(super) fn check_private_key(field: &str, data: &[u8]) -> Result<(), Error> {
    let mut reader = data;
    match rustls_pemfile::private_key(&mut reader) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(Error::tls(format!(
            "{field}: no private key found (expected PEM RSA, PKCS#8 or EC private key)"
        ))),
        // The parser's message could quote bytes of the key: keep it out.
        Err(_) => Err(Error::tls(format!("{field}: malformed PEM private key"))),
    }
}
