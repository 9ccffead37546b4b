//! The harness proves itself: the shared control plane answers with the version we built, over
//! TLS with the written kubeconfig's CA and client certificate, and kubectl agrees.

use std::process::Command;

use k8s_testenv::TestEnv;

#[tokio::test]
async fn version_reports_v1_37_2() {
    let env = TestEnv::new("smoke-version").await.unwrap();
    let http = k8s_rs_tests::admin_http(env.plane()).unwrap();
    let version: serde_json::Value = http
        .get(format!("{}/version", env.plane().server))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(version["gitVersion"], "v1.37.2", "{version}");
    assert_eq!(version["major"], "1");
    assert_eq!(version["minor"], "37");
}

#[tokio::test]
async fn default_namespace_is_a_namespace() {
    let env = TestEnv::new("smoke-ns").await.unwrap();
    let http = k8s_rs_tests::admin_http(env.plane()).unwrap();
    let ns: serde_json::Value = http
        .get(format!("{}/api/v1/namespaces/default", env.plane().server))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ns["kind"], "Namespace");
    assert_eq!(ns["apiVersion"], "v1");
    assert_eq!(ns["metadata"]["name"], "default");
    // The fixture's own namespace exists too, with its label.
    let own: serde_json::Value = http
        .get(format!(
            "{}/api/v1/namespaces/{}",
            env.plane().server,
            env.namespace()
        ))
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(own["metadata"]["labels"]["k8s-testenv/test"], "true");
}

#[tokio::test]
async fn without_a_client_certificate_the_server_refuses() {
    let env = TestEnv::new("smoke-anon").await.unwrap();
    let pki = &env.plane().pki;
    let anon = k8s_rs_tests::http_client(&pki.ca_cert, None).unwrap();
    let resp = anon
        .get(format!("{}/api/v1/namespaces/default", env.plane().server))
        .send()
        .await
        .unwrap();
    // Anonymous requests authenticate as system:anonymous, whom RBAC forbids.
    assert_eq!(resp.status().as_u16(), 403);
    // The unprivileged token user is known (not 401) but forbidden too.
    let resp = anon
        .get(format!("{}/api/v1/namespaces/default", env.plane().server))
        .bearer_auth(&pki.user_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    // The token admin is in system:masters.
    let resp = anon
        .get(format!("{}/api/v1/namespaces/default", env.plane().server))
        .bearer_auth(&pki.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // A wrong token is a 401.
    let resp = anon
        .get(format!("{}/api/v1/namespaces/default", env.plane().server))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

#[tokio::test]
async fn kubectl_reads_the_same_kubeconfig() {
    let env = TestEnv::new("smoke-kubectl").await.unwrap();
    let out = Command::new(&env.plane().binaries.kubectl)
        .args(["get", "ns", "default", "-o", "json"])
        .env("KUBECONFIG", env.kubeconfig())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ns: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ns["kind"], "Namespace");
    assert_eq!(ns["metadata"]["name"], "default");

    let out = Command::new(&env.plane().binaries.kubectl)
        .args(["version", "-o", "json"])
        .env("KUBECONFIG", env.kubeconfig())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["clientVersion"]["gitVersion"], "v1.37.2");
    assert_eq!(v["serverVersion"]["gitVersion"], "v1.37.2");
}
