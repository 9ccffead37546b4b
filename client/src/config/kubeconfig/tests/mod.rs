//! Unit tests of kubeconfig loading: parsing, merging, paths, overrides, validation, errors.

mod fuzz;
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

/// Syntactically valid PEM (rustls-pemfile only checks the framing and base64).
pub(super) const CERT_PEM: &str =
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
