//! Unit tests of kubeconfig loading: parsing, merging, paths, overrides, validation, errors.

mod fuzz;
mod kubectl_classes;
mod load;
mod resolve;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::KubeconfigOptions;

/// A fresh directory under the system temp dir, removed on drop.
pub(super) struct TempDir(PathBuf);

impl TempDir {
    pub(super) fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("k8s-rs-kc-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `rel` (creating directories) and returns the full path.
    pub(super) fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Options reading exactly `files` through `KUBECONFIG` (never the process environment).
pub(super) fn env_opts(files: &[&Path]) -> KubeconfigOptions {
    KubeconfigOptions {
        kubeconfig_env: Some(std::env::join_paths(files).unwrap()),
        ..Default::default()
    }
}

/// A real (self-signed, EC P-256) certificate: CA bundles are parsed as trust anchors when a
/// config is built.
pub(super) const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\n\
MIIBjTCCATOgAwIBAgIUHk2zkEd1ZHXBqm1UGudBAG0Clv4wCgYIKoZIzj0EAwIw\n\
GzEZMBcGA1UEAwwQazhzLXJzLXRlc3QtY2EtMTAgFw0yNjEyMDMxMTIwMzBaGA8y\n\
MTI2MTEwOTExMjAzMFowGzEZMBcGA1UEAwwQazhzLXJzLXRlc3QtY2EtMTBZMBMG\n\
ByqGSM49AgEGCCqGSM49AwEHA0IABPiz3Pqs56S1nayo/H7WRTNOoETcEoivgO/P\n\
F5SKMKghufzgF+9UX0x6BOdmoxmdl4DeNYLr/1Y1jbNUBZmy06OjUzBRMB0GA1Ud\n\
DgQWBBS/AZF8TGfWhJevAsiJpCUMtZwYAjAfBgNVHSMEGDAWgBS/AZF8TGfWhJev\n\
AsiJpCUMtZwYAjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCj\n\
d9xEFsCYhdmq8z3Vx8ZgieFIqSarha4Xa8BE5y7gfwIgUkZcLWp1jfXOSg/DwH2Y\n\
KWQaMB5u3KPsO3jUb1qodCQ=\n\
-----END CERTIFICATE-----\n\
";
/// Another real certificate (a different CA).
pub(super) const OTHER_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\n\
MIIBjDCCATOgAwIBAgIUWwDlMdyXGGam1KRcOSFG9vbm3pcwCgYIKoZIzj0EAwIw\n\
GzEZMBcGA1UEAwwQazhzLXJzLXRlc3QtY2EtMjAgFw0yNjEyMDMxMTIwMzBaGA8y\n\
MTI2MTEwOTExMjAzMFowGzEZMBcGA1UEAwwQazhzLXJzLXRlc3QtY2EtMjBZMBMG\n\
ByqGSM49AgEGCCqGSM49AwEHA0IABIJAqdioktqLryWzbJmULUPRoyBTmQyCr1pn\n\
5bNkw9ufoctMa7rLEpX9+rO5IAefjVCvh6zfxk79zOKSawPk0oyjUzBRMB0GA1Ud\n\
DgQWBBQhed69sd7LDX/dg+bfcAC4Gli3IjAfBgNVHSMEGDAWgBQhed69sd7LDX/d\n\
g+bfcAC4Gli3IjAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIAry\n\
tU7tFek+pn/o4FuUB8alFUZeoTHQgTrlwSPy7SnMAiAA7C192CHgXaCZnrM5XB6w\n\
7HmRTbuw6233xFwM27Np4w==\n\
-----END CERTIFICATE-----\n\
";
/// Valid PEM framing around bytes that are not DER: a CA that is not a certificate.
pub(super) const NOT_DER_CERT_PEM: &str =
    "-----BEGIN CERTIFICATE-----\nQ0VSVElGSUNBVEUtREVS\n-----END CERTIFICATE-----\n";
pub(super) const RSA_KEY_PEM: &str =
    "-----BEGIN RSA PRIVATE KEY-----\nU0VDUkVULUtFWS1SU0E=\n-----END RSA PRIVATE KEY-----\n";
pub(super) const PKCS8_KEY_PEM: &str =
    "-----BEGIN PRIVATE KEY-----\nU0VDUkVULUtFWS1QS0NTOA==\n-----END PRIVATE KEY-----\n";
pub(super) const EC_KEY_PEM: &str =
    "-----BEGIN EC PRIVATE KEY-----\nU0VDUkVULUtFWS1FQw==\n-----END EC PRIVATE KEY-----\n";

pub(super) fn b64(data: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}
