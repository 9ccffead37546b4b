//! The throw-away PKI of a local control plane, its token file and its kubeconfig.
//!
//! One self-signed CA signs the apiserver's serving certificate and the admin client certificate
//! (CN `k8s-rs-admin`, O `system:masters`). A separate ECDSA key signs service-account tokens.
//! A static token file (`--token-auth-file`) holds two users for the auth tests: an admin in
//! `system:masters` and an unprivileged user with no groups.

use std::fs;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use base64::Engine;
use rand::distr::{Alphanumeric, SampleString};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

use crate::Error;

/// Paths and secrets of a control plane's PKI. Secrets are redacted from `Debug`.
#[derive(Clone)]
pub struct Pki {
    /// CA certificate (PEM).
    pub ca_cert: PathBuf,
    /// Apiserver serving certificate (PEM).
    pub serving_cert: PathBuf,
    /// Apiserver serving key (PEM).
    pub serving_key: PathBuf,
    /// Admin client certificate (PEM), group `system:masters`.
    pub admin_cert: PathBuf,
    /// Admin client key (PEM).
    pub admin_key: PathBuf,
    /// Service-account signing key (PEM, PKCS#8).
    pub service_account_key: PathBuf,
    /// Service-account verification key (PEM public key).
    pub service_account_pub: PathBuf,
    /// `--token-auth-file` (CSV: token,user,uid,"groups").
    pub token_file: PathBuf,
    /// Bearer token of the `k8s-rs-token-admin` user (group `system:masters`).
    pub admin_token: String,
    /// Bearer token of the `k8s-rs-token-user` user (no groups: RBAC denies almost everything).
    pub user_token: String,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki")
            .field("ca_cert", &self.ca_cert)
            .field("serving_cert", &self.serving_cert)
            .field("admin_cert", &self.admin_cert)
            .field("token_file", &self.token_file)
            .field("admin_token", &"<redacted>")
            .field("user_token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Name of the token-authenticated admin user.
pub const TOKEN_ADMIN_USER: &str = "k8s-rs-token-admin";
/// Name of the token-authenticated unprivileged user.
pub const TOKEN_PLAIN_USER: &str = "k8s-rs-token-user";

fn cert_err(what: &str, e: rcgen::Error) -> Error {
    Error::pki(what, e)
}

fn write_private(path: &Path, contents: &str) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    f.write_all(contents.as_bytes())
        .map_err(|e| Error::io(path, e))
}

impl Pki {
    /// Generates a fresh PKI and token file under `dir` (created if missing).
    pub fn generate(dir: &Path) -> Result<Self, Error> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;

        let ca_key = KeyPair::generate().map_err(|e| cert_err("CA key", e))?;
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| cert_err("CA params", e))?;
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "k8s-rs-test-ca");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .map_err(|e| cert_err("CA certificate", e))?;
        let issuer = Issuer::new(ca_params, ca_key);

        // Serving certificate: every name a client may use for the local apiserver.
        let serving_key = KeyPair::generate().map_err(|e| cert_err("serving key", e))?;
        let mut serving = CertificateParams::new(vec![
            "localhost".to_string(),
            "kubernetes".to_string(),
            "kubernetes.default".to_string(),
            "kubernetes.default.svc".to_string(),
            "kubernetes.default.svc.cluster.local".to_string(),
        ])
        .map_err(|e| cert_err("serving params", e))?;
        serving
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        serving
            .subject_alt_names
            .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
        serving
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        serving.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        serving.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        let serving_cert = serving
            .signed_by(&serving_key, &issuer)
            .map_err(|e| cert_err("serving certificate", e))?;

        // Admin client certificate: CN = user, O = group.
        let admin_key = KeyPair::generate().map_err(|e| cert_err("admin key", e))?;
        let mut admin =
            CertificateParams::new(Vec::<String>::new()).map_err(|e| cert_err("admin", e))?;
        admin
            .distinguished_name
            .push(DnType::CommonName, "k8s-rs-admin");
        admin
            .distinguished_name
            .push(DnType::OrganizationName, "system:masters");
        admin.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        admin.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        let admin_cert = admin
            .signed_by(&admin_key, &issuer)
            .map_err(|e| cert_err("admin certificate", e))?;

        let sa_key = KeyPair::generate().map_err(|e| cert_err("service-account key", e))?;

        let pki = Pki {
            ca_cert: dir.join("ca.crt"),
            serving_cert: dir.join("apiserver.crt"),
            serving_key: dir.join("apiserver.key"),
            admin_cert: dir.join("admin.crt"),
            admin_key: dir.join("admin.key"),
            service_account_key: dir.join("sa.key"),
            service_account_pub: dir.join("sa.pub"),
            token_file: dir.join("tokens.csv"),
            admin_token: random_token(),
            user_token: random_token(),
        };
        let write = |p: &Path, s: &str| fs::write(p, s).map_err(|e| Error::io(p, e));
        write(&pki.ca_cert, &ca_cert.pem())?;
        write(&pki.serving_cert, &serving_cert.pem())?;
        write_private(&pki.serving_key, &serving_key.serialize_pem())?;
        write(&pki.admin_cert, &admin_cert.pem())?;
        write_private(&pki.admin_key, &admin_key.serialize_pem())?;
        write_private(&pki.service_account_key, &sa_key.serialize_pem())?;
        write(&pki.service_account_pub, &sa_key.public_key_pem())?;
        write_private(
            &pki.token_file,
            &format!(
                "{},{TOKEN_ADMIN_USER},uid-token-admin,\"system:masters\"\n{},{TOKEN_PLAIN_USER},uid-token-user\n",
                pki.admin_token, pki.user_token
            ),
        )?;
        Ok(pki)
    }

    /// Loads the paths of a PKI generated earlier under `dir` (tokens read back from the token file).
    pub fn load(dir: &Path) -> Result<Self, Error> {
        let token_file = dir.join("tokens.csv");
        let text = fs::read_to_string(&token_file).map_err(|e| Error::io(&token_file, e))?;
        let token_of = |user: &str| {
            text.lines()
                .find(|l| l.split(',').nth(1) == Some(user))
                .and_then(|l| l.split(',').next())
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::pki(
                        token_file.display().to_string(),
                        format!("no token for user {user}"),
                    )
                })
        };
        Ok(Pki {
            ca_cert: dir.join("ca.crt"),
            serving_cert: dir.join("apiserver.crt"),
            serving_key: dir.join("apiserver.key"),
            admin_cert: dir.join("admin.crt"),
            admin_key: dir.join("admin.key"),
            service_account_key: dir.join("sa.key"),
            service_account_pub: dir.join("sa.pub"),
            admin_token: token_of(TOKEN_ADMIN_USER)?,
            user_token: token_of(TOKEN_PLAIN_USER)?,
            token_file,
        })
    }

    /// Writes a kubeconfig for `server` with the CA and the admin client certificate inline,
    /// plus a `token-user` user and context for the unprivileged token user.
    pub fn write_kubeconfig(&self, server: &str, path: &Path) -> Result<(), Error> {
        let b64 = |p: &Path| -> Result<String, Error> {
            let bytes = fs::read(p).map_err(|e| Error::io(p, e))?;
            Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
        };
        let config = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{
                "name": "k8s-rs-local",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": b64(&self.ca_cert)?,
                }
            }],
            "users": [
                {
                    "name": "k8s-rs-admin",
                    "user": {
                        "client-certificate-data": b64(&self.admin_cert)?,
                        "client-key-data": b64(&self.admin_key)?,
                    }
                },
                {
                    "name": "k8s-rs-token-user",
                    "user": { "token": self.user_token }
                }
            ],
            "contexts": [
                {
                    "name": "k8s-rs-local",
                    "context": { "cluster": "k8s-rs-local", "user": "k8s-rs-admin", "namespace": "default" }
                },
                {
                    "name": "k8s-rs-token-user",
                    "context": { "cluster": "k8s-rs-local", "user": "k8s-rs-token-user" }
                }
            ],
            "current-context": "k8s-rs-local",
            "preferences": {}
        });
        let yaml = serde_yaml::to_string(&config)
            .map_err(|e| Error::pki("kubeconfig serialization", e))?;
        write_private(path, &yaml)
    }
}

fn random_token() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 40)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_loadable_pki_and_kubeconfig() {
        let dir = std::env::temp_dir().join(format!("k8s-rs-pki-test-{}", std::process::id()));
        let pki = Pki::generate(&dir).unwrap();
        let ca = fs::read_to_string(&pki.ca_cert).unwrap();
        assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"));
        let loaded = Pki::load(&dir).unwrap();
        assert_eq!(loaded.admin_token, pki.admin_token);
        assert_eq!(loaded.user_token, pki.user_token);
        assert_ne!(pki.admin_token, pki.user_token);
        let kc = dir.join("kubeconfig");
        pki.write_kubeconfig("https://127.0.0.1:6443", &kc).unwrap();
        let v: serde_yaml::Value = serde_yaml::from_str(&fs::read_to_string(&kc).unwrap()).unwrap();
        assert_eq!(v["current-context"].as_str(), Some("k8s-rs-local"));
        assert_eq!(
            v["clusters"][0]["cluster"]["server"].as_str(),
            Some("https://127.0.0.1:6443")
        );
        // Secrets never show in Debug.
        let dbg = format!("{pki:?}");
        assert!(!dbg.contains(&pki.admin_token) && !dbg.contains(&pki.user_token));
        fs::remove_dir_all(&dir).unwrap();
    }
}
