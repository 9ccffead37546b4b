//! The test fixture: one shared control plane per test run, a namespace per test.
//!
//! [`TestEnv::new`] attaches to the shared plane (starting it the first time any test of the run
//! asks; test binaries run as separate processes and serialize on the plane directory's lock, so
//! exactly one plane is started) and creates a fresh namespace named after the test. Tests in
//! different namespaces run in parallel.
//!
//! For fault tests that restart the apiserver or compact etcd, [`private_plane`] gives a plane of
//! the test's own, stopped when dropped.

use std::path::{Path, PathBuf};

use rand::distr::{Alphanumeric, SampleString};
use tokio::sync::OnceCell;

use crate::plane::{Binaries, ControlPlane, Pki, PlaneError, shared_dir};

/// What a test needs to know about a running plane: where it is and how to authenticate.
#[derive(Debug, Clone)]
pub struct PlaneInfo {
    /// `https://127.0.0.1:<port>`.
    pub server: String,
    /// The admin kubeconfig.
    pub kubeconfig: PathBuf,
    /// CA, client certificates and tokens.
    pub pki: Pki,
    /// kubectl and friends.
    pub binaries: Binaries,
}

impl PlaneInfo {
    /// The info of a running plane.
    pub fn of(plane: &ControlPlane) -> Self {
        PlaneInfo {
            server: plane.server(),
            kubeconfig: plane.kubeconfig(),
            pki: plane.pki().clone(),
            binaries: plane.binaries().clone(),
        }
    }

    /// A reqwest client with the admin client certificate. Make one per test: a client must not
    /// outlive the tokio runtime it was first used on.
    pub fn admin_http(&self) -> Result<reqwest::Client, PlaneError> {
        crate::plane::http_client(
            &self.pki.ca_cert,
            Some((&self.pki.admin_cert, &self.pki.admin_key)),
        )
    }

    /// A k8s-client config for this plane as the admin (client certificate, no client-side
    /// rate limit), talking to `server` (the plane's URL, or a proxy in front of it).
    pub fn admin_config_at(&self, server: &str) -> Result<k8s_client::Config, PlaneError> {
        let read = |p: &Path| std::fs::read(p).map_err(|e| PlaneError::io(p, e));
        let mut config = k8s_client::Config::new(server);
        config.qps = -1.0;
        config.tls = k8s_client::config::TlsConfig {
            ca_data: Some(read(&self.pki.ca_cert)?),
            client_cert: Some(read(&self.pki.admin_cert)?),
            client_key: Some(k8s_client::SecretBytes::new(read(&self.pki.admin_key)?)),
            ..Default::default()
        };
        Ok(config)
    }

    /// A k8s-client transport for this plane as the admin (see [`PlaneInfo::admin_config_at`]).
    pub fn admin_client(&self) -> Result<k8s_client::HttpClient, PlaneError> {
        k8s_client::HttpClient::new(self.admin_config_at(&self.server)?)
            .map_err(|e| PlaneError::Http(e.to_string()))
    }

    /// Creates a namespace `<prefix>-<random>` and returns its name.
    pub async fn create_namespace(&self, prefix: &str) -> Result<String, PlaneError> {
        let suffix = Alphanumeric
            .sample_string(&mut rand::rng(), 6)
            .to_ascii_lowercase();
        let prefix: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .take(50)
            .collect();
        let name = format!("{}-{suffix}", prefix.trim_matches('-'));
        let resp = self
            .admin_http()?
            .post(format!("{}/api/v1/namespaces", self.server))
            .json(&serde_json::json!({
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": { "name": name, "labels": { "k8s-rs.test/fixture": "true" } }
            }))
            .send()
            .await
            .map_err(|e| PlaneError::Http(format!("create namespace {name}: {e}")))?;
        if !resp.status().is_success() {
            let status = resp.status();
            let body = resp.text().await.unwrap_or_default();
            return Err(PlaneError::Http(format!(
                "create namespace {name}: {status}: {body}"
            )));
        }
        Ok(name)
    }
}

static SHARED: OnceCell<PlaneInfo> = OnceCell::const_new();

/// The shared plane of this test run (started on first use, or reused).
pub async fn shared_plane() -> Result<&'static PlaneInfo, PlaneError> {
    SHARED
        .get_or_try_init(|| async {
            let (plane, started) = ControlPlane::up(&shared_dir()).await?;
            if started {
                eprintln!(
                    "k8s-rs-tests: started the shared control plane at {} (stop it with `cargo xtask cluster down`)",
                    plane.server()
                );
            }
            Ok(PlaneInfo::of(&plane))
        })
        .await
}

/// A plane of the test's own (for fault tests); stopped and removed when dropped.
pub async fn private_plane() -> Result<ControlPlane, PlaneError> {
    ControlPlane::start_private().await
}

/// A test's view of the world: the shared plane and a namespace of its own.
#[derive(Debug, Clone)]
pub struct TestEnv {
    plane: &'static PlaneInfo,
    namespace: String,
}

impl TestEnv {
    /// Attaches to (or starts) the shared plane and creates a fresh namespace `<name>-<random>`.
    pub async fn new(name: &str) -> Result<Self, PlaneError> {
        let plane = shared_plane().await?;
        let namespace = plane.create_namespace(name).await?;
        Ok(TestEnv { plane, namespace })
    }

    /// The test's own namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The admin kubeconfig of the shared plane.
    pub fn kubeconfig(&self) -> &Path {
        &self.plane.kubeconfig
    }

    /// The plane.
    pub fn plane(&self) -> &PlaneInfo {
        self.plane
    }
}
