//! # k8s-testenv
//!
//! A real Kubernetes control plane — etcd and kube-apiserver v1.37.2 on 127.0.0.1 — for the
//! integration tests of controllers and clients: what controller-runtime's `envtest` is to Go
//! controllers, with fault control on top (stop and restart the apiserver, compact etcd).
//!
#![cfg_attr(
    feature = "client",
    doc = r#"
```no_run
# async fn demo() -> Result<(), Box<dyn std::error::Error>> {
// In a #[tokio::test]:
let env = k8s_testenv::TestEnv::new("my-controller").await?; // shared plane + fresh namespace
env.install_crds("config/crd").await?;                         // created, established, served
let client = env.client()?;                                    // k8s_client::HttpClient, admin
// ... run your controller against `client` in `env.namespace()`, assert on what it does.
# let _ = client; Ok(()) }
```
"#
)]
#![cfg_attr(
    not(feature = "client"),
    doc = r#"
```no_run
# async fn demo() -> Result<(), Box<dyn std::error::Error>> {
// In a #[tokio::test]:
let env = k8s_testenv::TestEnv::new("my-tool").await?; // shared plane + fresh namespace
env.install_crds("config/crd").await?;                   // created, established, served
println!("kubeconfig {}, namespace {}", env.kubeconfig().display(), env.namespace());
# Ok(()) }
```
"#
)]
//!
//! ## What you get
//!
//! - [`TestEnv`]: the **shared plane** and a fresh namespace per test, so tests run in
//!   parallel. The plane is started by the first test that asks and reused by every later test
//!   binary and test run ([`shared_plane`] tells how it lives and how to stop it).
//! - [`ControlPlane::start_private`]: a **private plane** for fault tests, stopped and removed
//!   on drop: [`stop_apiserver`](ControlPlane::stop_apiserver),
//!   [`start_apiserver`](ControlPlane::start_apiserver) (same port, same data),
//!   [`compact_etcd`](ControlPlane::compact_etcd) (old resourceVersions answer 410 Gone).
//! - [`PlaneInfo::install_crds`] (also on [`TestEnv`] and [`ControlPlane`]): CRDs from a YAML
//!   file or folder, waited for until established.
//! - A kubeconfig per plane ([`TestEnv::kubeconfig`]), for kubectl or any other client, and its
//!   [`Pki`] (CA, admin client certificate and key, two bearer tokens).
//! - With the `client` feature (on by default): `TestEnv::config`, `TestEnv::client`,
//!   `PlaneInfo::config` and `PlaneInfo::client`, the admin `k8s_client::Config` and
//!   `HttpClient` with the client-side rate limit off.
//!
//! The plane runs no controller-manager and no scheduler (like envtest): objects are stored,
//! validated, defaulted, admitted and watched, but no Pod is scheduled, no garbage collector
//! deletes dependents and a deleted namespace stays `Terminating`.
//!
//! ## Binaries
//!
//! [`Binaries::find`] takes `kube-apiserver`, `etcd` and `kubectl` from the folder named by
//! `K8S_TESTENV_ASSETS`, else by controller-runtime's `KUBEBUILDER_ASSETS`, else builds them
//! from source with Go (≥ 1.26, from the Go module proxy; minutes the first time, cached in
//! `~/.cache/k8s-rs/bin/v1.37.2/` after). When none works, the error names what is missing.
//!
//! ## Features
//!
//! - `client` (default): the k8s-client integration. Without it the crate depends on none of
//!   k8s-client, k8s-api and k8s-apimachinery (tools that generate those crates' code use it so).

#[cfg(feature = "client")]
mod client;
mod crds;
mod env;
mod error;
mod http;
mod info;
mod pki;
mod plane;
mod process;

pub mod binaries;

pub use binaries::{Binaries, ETCD_VERSION, KUBERNETES_VERSION};
pub use env::TestEnv;
pub use error::{BoxError, Error, Result};
pub use info::PlaneInfo;
pub use pki::{Pki, TOKEN_ADMIN_USER, TOKEN_PLAIN_USER};
pub use plane::ControlPlane;
pub use plane::shared::{down, shared_dir, shared_plane, stop_shared};
