//! k8s-client's transport against the real apiserver: every way to authenticate, TLS failures,
//! HTTP/2, impersonation under RBAC, warnings.

use std::sync::Arc;

use k8s_client::config::{ExecConfig, ExecEnvVar, ExecInteractiveMode, Impersonate, TlsConfig};
use k8s_client::transport::{Request, WarningHandler};
use k8s_client::{Config, HttpClient, SecretBytes, SecretString};
use k8s_testenv::TestEnv;

/// A config trusting the plane's CA, with no credentials.
fn anonymous(env: &TestEnv) -> Config {
    let pki = &env.plane().pki;
    let mut config = Config::new(&env.plane().server);
    config.qps = -1.0;
    config.tls = TlsConfig {
        ca_data: Some(std::fs::read(&pki.ca_cert).unwrap()),
        ..TlsConfig::default()
    };
    config
}

fn with_client_cert(env: &TestEnv) -> Config {
    let pki = &env.plane().pki;
    let mut config = anonymous(env);
    config.tls.client_cert = Some(std::fs::read(&pki.admin_cert).unwrap());
    config.tls.client_key = Some(SecretBytes::new(std::fs::read(&pki.admin_key).unwrap()));
    config
}

fn with_token(env: &TestEnv, token: &str) -> Config {
    let mut config = anonymous(env);
    config.auth.token = Some(SecretString::new(token));
    config
}

async fn get_default_ns(config: Config) -> Result<serde_json::Value, k8s_client::Error> {
    HttpClient::new(config)?
        .send_json(Request::get("/api/v1/namespaces/default"))
        .await
}

#[tokio::test]
async fn client_certificate_user_over_http2() {
    let env = TestEnv::new("auth-cert").await.unwrap();
    let client = HttpClient::new(with_client_cert(&env)).unwrap();
    let resp = client
        .send(Request::get("/api/v1/namespaces/default"))
        .await
        .unwrap();
    assert_eq!(
        resp.version(),
        http::Version::HTTP_2,
        "the apiserver speaks h2 over ALPN"
    );
    let ns: serde_json::Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap()).unwrap();
    assert_eq!(ns["metadata"]["name"], "default");
    // Who am I? The apiserver says: the admin certificate's CN and group.
    let review: serde_json::Value = client
        .send_json(
            Request::new(http::Method::POST, "/apis/authentication.k8s.io/v1/selfsubjectreviews")
                .json(&serde_json::json!({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(review["status"]["userInfo"]["username"], "k8s-rs-admin");
    assert!(
        review["status"]["userInfo"]["groups"]
            .as_array()
            .unwrap()
            .contains(&"system:masters".into())
    );
}

#[tokio::test]
async fn token_users_and_typed_401_403() {
    let env = TestEnv::new("auth-token").await.unwrap();
    let pki = &env.plane().pki;
    let ns = get_default_ns(with_token(&env, &pki.admin_token))
        .await
        .unwrap();
    assert_eq!(ns["kind"], "Namespace");

    let err = get_default_ns(with_token(&env, &pki.user_token))
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(err.to_string().contains("k8s-rs-token-user"), "{err}");

    let err = get_default_ns(with_token(&env, "not-a-valid-token"))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    // The message names the request, never the token.
    assert!(!err.to_string().contains("not-a-valid-token"));
    assert!(!format!("{err:?}").contains("not-a-valid-token"));
}

#[tokio::test]
async fn token_file_is_reread_after_a_401() {
    let env = TestEnv::new("auth-tokenfile").await.unwrap();
    let pki = &env.plane().pki;
    let dir = tempdir("tokenfile");
    let file = dir.join("token");
    std::fs::write(&file, "not-yet-valid\n").unwrap();
    let mut config = anonymous(&env);
    config.auth.token_file = Some(file.clone());
    let client = HttpClient::new(config).unwrap();
    // The file's token is refused; re-reading gives the same token, so no retry helps.
    let err = client
        .send(Request::get("/api/v1/namespaces/default"))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    // The token is rotated on disk. The client still holds the old one (re-read every
    // minute), gets a 401, re-reads the file at once and succeeds with the new token.
    std::fs::write(&file, format!("{}\n", pki.admin_token)).unwrap();
    let ns: serde_json::Value = client
        .send_json(Request::get("/api/v1/namespaces/default"))
        .await
        .unwrap();
    assert_eq!(ns["metadata"]["name"], "default");
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "k8s-rs-client-auth-{name}-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// An exec plugin script: prints `tokens[n]` on its n-th run (the last repeats), with the given
/// expiry, and counts its runs in a file.
fn exec_plugin(
    dir: &std::path::Path,
    tokens: &[&str],
    expiry: &str,
) -> (ExecConfig, std::path::PathBuf) {
    let count = dir.join("runs");
    let list = tokens.join(" ");
    let script = format!(
        r#"echo run >> "{count}"
n=$(wc -l < "{count}")
set -- {list}
i=1; tok=""
for t in "$@"; do if [ $i -le $n ]; then tok=$t; fi; i=$((i+1)); done
[ -n "$KUBERNETES_EXEC_INFO" ] || {{ echo "no exec info" >&2; exit 1; }}
printf '{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{{"token":"%s","expirationTimestamp":"{expiry}"}}}}' "$tok"
"#,
        count = count.display()
    );
    let path = dir.join("plugin.sh");
    std::fs::write(&path, script).unwrap();
    (
        ExecConfig {
            api_version: "client.authentication.k8s.io/v1".into(),
            command: "/bin/sh".into(),
            args: vec![path.display().to_string()],
            env: vec![ExecEnvVar {
                name: "PLUGIN_MODE".into(),
                value: "test".into(),
            }],
            install_hint: Some("this is a test plugin".into()),
            provide_cluster_info: false,
            interactive_mode: ExecInteractiveMode::Never,
            cluster: None,
        },
        count,
    )
}

fn runs(count: &std::path::Path) -> usize {
    std::fs::read_to_string(count)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[tokio::test]
async fn exec_plugin_token_cached_until_expiry_and_rerun_on_401() {
    let env = TestEnv::new("auth-exec").await.unwrap();
    let admin = env.plane().pki.admin_token.clone();

    // Valid for a long time: one run serves many requests.
    let dir = tempdir("exec-cached");
    let (exec, count) = exec_plugin(&dir, &[&admin], "2999-01-01T00:00:00Z");
    let mut config = anonymous(&env);
    config.auth.exec = Some(exec);
    let client = HttpClient::new(config).unwrap();
    for _ in 0..3 {
        client
            .send(Request::get("/api/v1/namespaces/default"))
            .await
            .unwrap();
    }
    assert_eq!(runs(&count), 1);

    // Already expired: every request runs the plugin again.
    let dir = tempdir("exec-expired");
    let (exec, count) = exec_plugin(&dir, &[&admin], "2001-01-01T00:00:00Z");
    let mut config = anonymous(&env);
    config.auth.exec = Some(exec);
    let client = HttpClient::new(config).unwrap();
    for _ in 0..3 {
        client
            .send(Request::get("/api/v1/namespaces/default"))
            .await
            .unwrap();
    }
    assert_eq!(runs(&count), 3);

    // First answer is stale: the 401 re-runs the plugin once and the request succeeds.
    let dir = tempdir("exec-401");
    let (exec, count) = exec_plugin(&dir, &["stale-token", &admin], "2999-01-01T00:00:00Z");
    let mut config = anonymous(&env);
    config.auth.exec = Some(exec);
    let client = HttpClient::new(config).unwrap();
    client
        .send(Request::get("/api/v1/namespaces/default"))
        .await
        .unwrap();
    assert_eq!(runs(&count), 2);

    // Always stale: re-run once, then the 401 is the answer.
    let dir = tempdir("exec-401-twice");
    let (exec, count) = exec_plugin(&dir, &["stale-token"], "2999-01-01T00:00:00Z");
    let mut config = anonymous(&env);
    config.auth.exec = Some(exec);
    let err = HttpClient::new(config)
        .unwrap()
        .send(Request::get("/api/v1/namespaces/default"))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert_eq!(runs(&count), 2);
}

#[tokio::test]
async fn exec_plugin_client_certificate() {
    let env = TestEnv::new("auth-exec-cert").await.unwrap();
    let pki = &env.plane().pki;
    let dir = tempdir("exec-cert");
    let cred = serde_json::json!({
        "kind": "ExecCredential",
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "status": {
            "clientCertificateData": std::fs::read_to_string(&pki.admin_cert).unwrap(),
            "clientKeyData": std::fs::read_to_string(&pki.admin_key).unwrap(),
        }
    });
    let file = dir.join("cred.json");
    std::fs::write(&file, cred.to_string()).unwrap();
    let mut config = anonymous(&env);
    config.auth.exec = Some(ExecConfig {
        api_version: "client.authentication.k8s.io/v1beta1".into(),
        command: "/bin/cat".into(),
        args: vec![file.display().to_string()],
        ..ExecConfig::default()
    });
    let ns = get_default_ns(config).await.unwrap();
    assert_eq!(ns["metadata"]["name"], "default");
}

#[tokio::test]
async fn impersonation_is_forbidden_then_allowed_by_rbac() {
    let env = TestEnv::new("auth-imp").await.unwrap();
    let ns = env.namespace().to_string();
    let admin = HttpClient::new(with_client_cert(&env)).unwrap();
    let path = format!("/api/v1/namespaces/{ns}/configmaps");

    // The admin impersonates jane, who may do nothing yet.
    let mut as_jane = with_client_cert(&env);
    as_jane.auth.impersonate = Some(Impersonate {
        user: "jane".into(),
        groups: vec!["readers".into()],
        ..Impersonate::default()
    });
    let jane = HttpClient::new(as_jane).unwrap();
    let err = jane.send(Request::get(&path)).await.unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(
        err.to_string().contains("\"jane\""),
        "the server judged jane: {err}"
    );

    // Grant the group jane was impersonated with the right to list configmaps.
    let role = serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "cm-reader"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]}]
    });
    let binding = serde_json::json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "cm-reader"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "cm-reader"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "readers"}]
    });
    for (res, body) in [("roles", role), ("rolebindings", binding)] {
        admin
            .send(
                Request::new(
                    http::Method::POST,
                    format!("/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/{res}"),
                )
                .json(&body)
                .unwrap(),
            )
            .await
            .unwrap();
    }
    // RBAC's authorizer reads from an informer: allow it a moment to see the binding.
    let mut last = None;
    for _ in 0..50 {
        match jane.send(Request::get(&path)).await {
            Ok(resp) => {
                let list: serde_json::Value =
                    serde_json::from_slice(&resp.into_body().collect().await.unwrap()).unwrap();
                assert_eq!(list["kind"], "ConfigMapList");
                return;
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("jane still forbidden after the RoleBinding: {last:?}");
}

#[tokio::test]
async fn unprivileged_user_cannot_impersonate() {
    let env = TestEnv::new("auth-imp-deny").await.unwrap();
    let mut config = with_token(&env, &env.plane().pki.user_token);
    config.auth.impersonate = Some(Impersonate {
        user: "k8s-rs-admin".into(),
        groups: vec!["system:masters".into()],
        ..Impersonate::default()
    });
    let err = get_default_ns(config).await.unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    assert!(err.to_string().contains("impersonate"), "{err}");
}

#[tokio::test]
async fn wrong_ca_fails_with_a_tls_error() {
    let env = TestEnv::new("auth-badca").await.unwrap();
    let other = k8s_testenv::Pki::generate(&tempdir("other-ca")).unwrap();
    let mut config = with_client_cert(&env);
    config.tls.ca_data = Some(std::fs::read(&other.ca_cert).unwrap());
    let err = get_default_ns(config).await.unwrap_err();
    assert!(err.is_tls(), "{err}");
    let text = err.to_string().to_lowercase();
    assert!(
        text.contains("certificate"),
        "the error says it is about the certificate: {text}"
    );

    // The right CA but a server name the certificate does not carry: refused too…
    let mut config = with_client_cert(&env);
    config.tls.server_name = Some("not-the-apiserver.example".into());
    let err = get_default_ns(config).await.unwrap_err();
    assert!(err.is_tls(), "{err}");
    // …and one it does carry (tls-server-name = kubernetes.default.svc) works.
    let mut config = with_client_cert(&env);
    config.tls.server_name = Some("kubernetes.default.svc".into());
    get_default_ns(config).await.unwrap();
    // insecure-skip-tls-verify with the wrong CA works (and logs a warning).
    let mut config = with_client_cert(&env);
    config.tls.ca_data = None;
    config.tls.insecure = true;
    get_default_ns(config).await.unwrap();
}

#[derive(Debug, Default)]
struct Collect(std::sync::Mutex<Vec<String>>);
impl WarningHandler for Collect {
    fn handle_warning(&self, text: &str) {
        self.0.lock().unwrap().push(text.to_string());
    }
}

#[tokio::test]
async fn server_warnings_reach_the_handler() {
    let env = TestEnv::new("auth-warn").await.unwrap();
    let handler = Arc::new(Collect::default());
    let client = HttpClient::with_warning_handler(with_client_cert(&env), handler.clone()).unwrap();
    // An unknown field with fieldValidation=Warn: stored, with a Warning header.
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "warned"}, "data": {"a": "1"}, "bogusField": 1
    });
    client
        .send(
            Request::new(
                http::Method::POST,
                format!(
                    "/api/v1/namespaces/{}/configmaps?fieldValidation=Warn",
                    env.namespace()
                ),
            )
            .json(&body)
            .unwrap(),
        )
        .await
        .unwrap();
    let seen = handler.0.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|w| w.contains("unknown field") && w.contains("bogusField")),
        "{seen:?}"
    );
}

#[tokio::test]
async fn in_cluster_config_against_the_real_server() {
    let env = TestEnv::new("auth-incluster").await.unwrap();
    let pki = &env.plane().pki;
    let sa = tempdir("serviceaccount");
    std::fs::write(sa.join("token"), &pki.user_token).unwrap();
    std::fs::copy(&pki.ca_cert, sa.join("ca.crt")).unwrap();
    std::fs::write(sa.join("namespace"), env.namespace()).unwrap();
    let port = env.plane().server.rsplit(':').next().unwrap().to_string();
    let mut config = Config::in_cluster_with(&k8s_client::config::InClusterOptions {
        service_account_dir: sa.clone(),
        host: Some("127.0.0.1".into()),
        port: Some(port),
        pod_namespace: Some(String::new()),
    })
    .unwrap();
    assert_eq!(config.namespace, env.namespace());
    config.qps = -1.0;
    let client = HttpClient::new(config).unwrap();
    // The service account's token is the unprivileged user: known, but forbidden.
    let err = client
        .send(Request::get("/api/v1/namespaces/default"))
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "{err}");
    // Token rotation: a client holding a token the server refuses re-reads the file on the
    // 401 and carries on with the rotated token.
    std::fs::write(sa.join("token"), "expired-token").unwrap();
    let fresh = |sa: &std::path::Path| {
        let mut c = Config::in_cluster_with(&k8s_client::config::InClusterOptions {
            service_account_dir: sa.to_path_buf(),
            host: Some("127.0.0.1".into()),
            port: Some(env.plane().server.rsplit(':').next().unwrap().to_string()),
            pod_namespace: None,
        })
        .unwrap();
        c.qps = -1.0;
        HttpClient::new(c).unwrap()
    };
    let rotating = fresh(&sa);
    let err = rotating
        .send(Request::get("/api/v1/namespaces/default"))
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    std::fs::write(sa.join("token"), &pki.admin_token).unwrap();
    rotating
        .send(Request::get("/api/v1/namespaces/default"))
        .await
        .unwrap();
}
