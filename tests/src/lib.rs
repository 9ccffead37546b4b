//! # k8s-rs-tests
//!
//! Integration tests of k8s-rs against a real kube-apiserver v1.37.2 + etcd, and the machinery
//! they run on:
//! - [`plane`]: builds (from the Go module proxy, cached) and runs a local control plane;
//!   `cargo xtask cluster up|down|status|env` is a thin front end over it.
//! - [`fixture`]: what a test asks for: the shared plane (started once per test run, or reused
//!   when `cargo xtask cluster up` left one running) and a namespace of its own, so tests run in
//!   parallel; or a private plane for fault tests (restart the apiserver, compact etcd).
//!
//! ```no_run
//! # async fn demo() -> Result<(), k8s_rs_tests::plane::PlaneError> {
//! let env = k8s_rs_tests::fixture::TestEnv::new("smoke").await?;
//! println!("kubeconfig: {}, namespace: {}", env.kubeconfig().display(), env.namespace());
//! # Ok(()) }
//! ```

pub mod fixture;
pub mod plane;
