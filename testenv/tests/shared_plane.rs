#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic
//! k8s-testenv as a user's tests see it: the shared plane, a namespace per test, the kubeconfig
//! (proven with kubectl), CRDs installed from a folder, and the k8s-client config.
//!
//! Set `K8S_RS_PLANE_DIR` to use a shared plane of your own; `k8s_testenv::stop_shared()` or
//! `cargo xtask cluster down` stops it.

use std::process::Command;

use k8s_testenv::TestEnv;

/// `kubectl --kubeconfig <env's> args…`; its stdout, or a panic with its stderr.
fn kubectl(env: &TestEnv, args: &[&str]) -> String {
    let out = Command::new(&env.plane().binaries.kubectl)
        .arg("--kubeconfig")
        .arg(env.kubeconfig())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn each_test_gets_its_own_namespace_on_one_plane() {
    let a = TestEnv::new("testenv-ns").await.unwrap();
    let b = TestEnv::new("testenv-ns").await.unwrap();
    assert_ne!(a.namespace(), b.namespace());
    assert!(
        a.namespace().starts_with("testenv-ns-"),
        "{}",
        a.namespace()
    );
    assert_eq!(a.plane().server, b.plane().server, "one shared plane");
    let got = kubectl(&a, &["get", "namespace", a.namespace(), "-o", "name"]);
    assert_eq!(got.trim(), format!("namespace/{}", a.namespace()));
}

#[tokio::test]
async fn crds_from_a_folder_are_served_when_install_returns() {
    let env = TestEnv::new("testenv-crds").await.unwrap();
    let crds = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/crds");
    let names = env.install_crds(crds).await.unwrap();
    assert_eq!(names, ["gizmos.testenv.k8s-rs.test"]);
    // Served at once: kubectl finds the resource through discovery. (Named with its group:
    // other tests on the shared plane serve resources called `gizmos` too.)
    let got = kubectl(
        &env,
        &[
            "get",
            "gizmos.testenv.k8s-rs.test",
            "-n",
            env.namespace(),
            "-o",
            "name",
        ],
    );
    assert_eq!(got.trim(), "");
    // A second install (another test, the next run) updates in place.
    assert_eq!(env.install_crds(crds).await.unwrap(), names);
}

#[cfg(feature = "client")]
#[tokio::test]
async fn the_client_config_is_the_admin_without_rate_limit() {
    let env = TestEnv::new("testenv-client").await.unwrap();
    let config = env.config().unwrap();
    assert_eq!(config.server, env.plane().server);
    assert!(config.qps < 0.0, "client-side rate limit off");
    env.client().unwrap();
}
