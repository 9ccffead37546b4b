#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! Errors a new user meets in the first hour (issue #25), against the real apiserver: each names
//! the cause, the file and the field/cluster/context in one line, and `Debug` (what `main`
//! returning `Box<dyn Error>` prints) is that line too.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use k8s_api::core::v1::ConfigMap;
use k8s_client::config::KubeconfigOptions;
use k8s_client::{Api, Config, HttpClient, SecretString};
use k8s_testenv::{PlaneInfo, TestEnv};

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A scratch directory, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("k8s-rs-errors-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A kubeconfig for the plane as its token user, trusting the CA given by `ca` (a cluster
/// field as written in YAML).
fn kubeconfig(plane: &PlaneInfo, ca: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: main\nclusters:\n- name: plane\n  cluster:\n    server: {}\n    {ca}\nusers:\n- name: u\n  user:\n    token: {}\ncontexts:\n- name: main\n  context: {{cluster: plane, user: u}}\n",
        plane.server, plane.pki.user_token
    )
}

fn load(path: &Path) -> Result<Config, k8s_client::Error> {
    Config::from_kubeconfig(&KubeconfigOptions {
        path: Some(path.to_path_buf()),
        ..Default::default()
    })
}

/// A CA that did not sign the plane's serving certificate.
fn other_ca() -> Vec<u8> {
    k8s_test_servers::Pki::generate().unwrap().ca_pem().to_vec()
}

#[tokio::test]
async fn a_wrong_ca_names_the_clusters_ca_setting() {
    let env = TestEnv::new("err-wrong-ca").await.unwrap();
    let s = Scratch::new("wrong-ca");
    let file = s.write(
        "config",
        kubeconfig(
            env.plane(),
            &format!("certificate-authority-data: {}", b64(&other_ca())),
        ),
    );
    for http1 in [false, true] {
        let mut config = load(&file).unwrap();
        config.disable_http2 = http1;
        let api: Api<ConfigMap> = Api::namespaced(HttpClient::new(config).unwrap(), "default");
        let err = api.list(&Default::default()).await.unwrap_err();
        assert!(err.is_tls(), "{err}");
        let text = err.to_string();
        assert!(text.contains("UnknownIssuer"), "{text}");
        assert!(
            text.ends_with(&format!(
                "(the server's certificate is not signed by the CA in certificate-authority-data of cluster \"plane\" in {})",
                file.display()
            )),
            "HTTP/1.1: {http1}: {text}"
        );
        assert_eq!(text.lines().count(), 1, "{text}");
    }

    // The same through a CA file: the hint names the file and the field as written.
    let ca = s.write("other-ca.crt", other_ca());
    let file = s.write(
        "by-file",
        kubeconfig(
            env.plane(),
            &format!("certificate-authority: {}", ca.display()),
        ),
    );
    let api: Api<ConfigMap> =
        Api::namespaced(HttpClient::new(load(&file).unwrap()).unwrap(), "default");
    let text = api.list(&Default::default()).await.unwrap_err().to_string();
    assert!(
        text.ends_with(&format!(
            "(the server's certificate is not signed by the CA in certificate-authority {} of cluster \"plane\" in {})",
            ca.display(),
            file.display()
        )),
        "{text}"
    );
}

#[tokio::test]
async fn ca_data_that_is_not_a_certificate_fails_at_load_naming_field_cluster_and_file() {
    let env = TestEnv::new("err-bad-ca").await.unwrap();
    let s = Scratch::new("bad-ca");
    // PEM framing, base64 inside, but not DER: what a truncated copy-paste gives.
    let not_der = b"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";
    let file = s.write(
        "config",
        kubeconfig(
            env.plane(),
            &format!("certificate-authority-data: {}", b64(not_der)),
        ),
    );
    let err = load(&file).unwrap_err();
    assert!(err.is_tls());
    assert_eq!(
        err.to_string(),
        format!(
            "TLS: the CA in certificate-authority-data of cluster \"plane\" in {} is bad: certificate 1 of 1 is a PEM CERTIFICATE block but not a valid X.509 certificate (BadEncoding)",
            file.display()
        )
    );
}

#[tokio::test]
async fn debug_of_config_and_errors_is_for_people() {
    let env = TestEnv::new("err-debug").await.unwrap();
    let plane = env.plane();
    // The plane's admin kubeconfig: CA, client certificate and key as data.
    let config = load(&plane.kubeconfig).unwrap();
    let debug = format!("{config:?}");
    assert!(debug.len() < 2000, "{} bytes: {debug}", debug.len());
    let ca_len = config.tls.ca_data.as_ref().unwrap().len();
    assert!(
        debug.contains(&format!("ca_data: Some(<{ca_len} bytes>)")),
        "{debug}"
    );
    assert!(
        !debug.contains("45, 45, 45") && !debug.contains("BEGIN"),
        "{debug}"
    );
    assert!(debug.contains("client_key: Some(<redacted"), "{debug}");

    // A 403 as `main() -> Result<(), Box<dyn Error>>` prints it: one line.
    let mut config = Config::new(&plane.server);
    config.tls.ca_data = Some(std::fs::read(&plane.pki.ca_cert).unwrap());
    config.auth.token = Some(SecretString::new(plane.pki.user_token.clone()));
    let api: Api<ConfigMap> = Api::namespaced(HttpClient::new(config).unwrap(), env.namespace());
    let err: Box<dyn std::error::Error> =
        Box::new(api.list(&Default::default()).await.unwrap_err());
    let shown = format!("{err:?}");
    assert_eq!(
        shown,
        format!(
            "GET {}/api/v1/namespaces/{ns}/configmaps: 403 Forbidden: configmaps is forbidden: User \"k8s-rs-token-user\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"{ns}\"",
            plane.server,
            ns = env.namespace()
        )
    );
}
