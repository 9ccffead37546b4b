#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic
//! kubectl's connection flags (`ConfigFlags`) against the real apiserver: the flags a Go tool's
//! users type select the kubeconfig, the namespace, the server and the credentials.

use std::time::Duration;

use k8s_api::core::v1::ConfigMap;
use k8s_client::config::ConfigFlags;
use k8s_client::{Api, HttpClient};
use k8s_testenv::TestEnv;

#[tokio::test]
async fn flags_select_the_kubeconfig_namespace_and_timeout() {
    let env = TestEnv::new("flags-kubeconfig").await.unwrap();
    let kubeconfig = env.plane().kubeconfig.display().to_string();
    let (flags, rest) = ConfigFlags::extract([
        "list",
        "--kubeconfig",
        &kubeconfig,
        "-n",
        env.namespace(),
        "--request-timeout=5s",
    ])
    .unwrap();
    assert_eq!(rest, ["list"]);
    let config = flags.to_config().unwrap();
    assert_eq!(config.namespace, env.namespace());
    assert_eq!(config.timeout, Some(Duration::from_secs(5)));
    let api: Api<ConfigMap> = Api::namespaced(HttpClient::new(config).unwrap(), env.namespace());
    api.list(&Default::default()).await.unwrap();
}

#[tokio::test]
async fn server_token_and_ca_flags_need_no_kubeconfig() {
    let env = TestEnv::new("flags-server").await.unwrap();
    let plane = env.plane();
    let ca = plane.pki.ca_cert.display().to_string();
    let with = |token: &str| {
        let (flags, _) = ConfigFlags::extract([
            "--server",
            plane.server.as_str(),
            "--token",
            token,
            "--certificate-authority",
            ca.as_str(),
            "--namespace",
            env.namespace(),
        ])
        .unwrap();
        // No kubeconfig anywhere: the flags alone.
        let mut options = flags.kubeconfig_options();
        options.kubeconfig_env = Some(
            std::env::temp_dir()
                .join("k8s-rs-no-such-kubeconfig")
                .into(),
        );
        k8s_client::Config::from_kubeconfig(&options).unwrap()
    };
    let admin = with(&plane.pki.admin_token);
    assert_eq!(admin.server, plane.server);
    let api: Api<ConfigMap> = Api::namespaced(HttpClient::new(admin).unwrap(), env.namespace());
    api.list(&Default::default()).await.unwrap();
    // The token is the one used: the plane's plain user may not list.
    let user = with(&plane.pki.user_token);
    let api: Api<ConfigMap> = Api::namespaced(HttpClient::new(user).unwrap(), env.namespace());
    assert!(
        api.list(&Default::default())
            .await
            .unwrap_err()
            .is_forbidden()
    );
}

#[tokio::test]
async fn the_token_flag_replaces_the_kubeconfig_users_token() {
    let env = TestEnv::new("flags-token").await.unwrap();
    let plane = env.plane();
    // A kubeconfig whose user is the admin by token.
    let file = std::env::temp_dir().join(format!("k8s-rs-flags-token-{}", std::process::id()));
    std::fs::write(
        &file,
        format!(
            "current-context: c\nclusters:\n- name: p\n  cluster: {{server: \"{}\", certificate-authority: \"{}\"}}\nusers:\n- name: admin\n  user: {{token: {}}}\ncontexts:\n- name: c\n  context: {{cluster: p, user: admin}}\n",
            plane.server,
            plane.pki.ca_cert.display(),
            plane.pki.admin_token
        ),
    )
    .unwrap();
    let path = file.display().to_string();
    let list = |args: Vec<&str>| {
        let (flags, _) = ConfigFlags::extract(args).unwrap();
        let config = flags.to_config().unwrap();
        let api: Api<ConfigMap> =
            Api::namespaced(HttpClient::new(config).unwrap(), env.namespace());
        async move { api.list(&Default::default()).await }
    };
    list(vec!["--kubeconfig", &path]).await.unwrap();
    let err = list(vec![
        "--kubeconfig",
        &path,
        "--token",
        &plane.pki.user_token,
    ])
    .await
    .unwrap_err();
    assert!(err.is_forbidden(), "the token of the flag was used: {err}");
    let _ = std::fs::remove_file(&file);
}
