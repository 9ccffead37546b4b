//! [`TestEnv`]: a test's view of the world — the shared plane and a namespace of its own.

use std::path::Path;

use crate::{Error, PlaneInfo, shared_plane};

/// The shared plane and a fresh namespace named after the test.
///
/// [`TestEnv::new`] attaches to the shared plane (starting it the first time any test asks:
/// see [`shared_plane`] for how it lives) and creates a namespace `<name>-<random>`, so tests
/// run in parallel, in one test binary or many, without seeing each other's objects.
///
/// ```no_run
/// # async fn demo() -> Result<(), k8s_testenv::Error> {
/// let env = k8s_testenv::TestEnv::new("my-test").await?;
/// println!("namespace {} on {}", env.namespace(), env.plane().server);
/// // kubectl --kubeconfig <this> -n <namespace> get all
/// println!("kubeconfig {}", env.kubeconfig().display());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TestEnv {
    plane: &'static PlaneInfo,
    namespace: String,
}

impl TestEnv {
    /// Attaches to (or starts) the shared plane and creates a fresh namespace `<name>-<random>`.
    pub async fn new(name: &str) -> Result<Self, Error> {
        let plane = shared_plane().await?;
        let namespace = plane.create_namespace(name).await?;
        Ok(TestEnv { plane, namespace })
    }

    /// The test's own namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The admin kubeconfig of the shared plane (its current context is the admin user).
    pub fn kubeconfig(&self) -> &Path {
        &self.plane.kubeconfig
    }

    /// The shared plane: URL, PKI, binaries.
    pub fn plane(&self) -> &PlaneInfo {
        self.plane
    }

    /// Creates or updates the CustomResourceDefinitions in `path` (a YAML file or a folder of
    /// them) and waits until each is established; see [`PlaneInfo::install_crds`].
    ///
    /// CRDs are cluster-scoped: every test of the shared plane sees them. Tests that install
    /// the same CRD concurrently are fine (the apply is idempotent).
    pub async fn install_crds(&self, path: impl AsRef<Path>) -> Result<Vec<String>, Error> {
        self.plane.install_crds(path).await
    }
}
