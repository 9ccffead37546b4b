//! Contexts, overrides, validation, referenced files, PEM, redaction.

use std::path::PathBuf;

use super::*;
use crate::Error;
use crate::config::{Config, ExecInteractiveMode, Kubeconfig};

/// A kubeconfig with two clusters, three users and contexts between them.
fn base() -> String {
    format!(
        "current-context: main\n\
         clusters:\n\
         - name: main\n  cluster:\n    server: https://main:6443\n    tls-server-name: main.internal\n    certificate-authority-data: {ca}\n\
         - name: other\n  cluster:\n    server: https://other:6443\n    insecure-skip-tls-verify: true\n\
         users:\n\
         - name: admin\n  user: {{token: admin-token}}\n\
         - name: basic\n  user: {{username: bob, password: hunter2}}\n\
         - name: certs\n  user: {{client-certificate-data: {cert}, client-key-data: {key}}}\n\
         contexts:\n\
         - name: main\n  context: {{cluster: main, user: admin, namespace: team}}\n\
         - name: other\n  context: {{cluster: other, user: basic}}\n",
        ca = b64(CERT_PEM),
        cert = b64(CERT_PEM),
        key = b64(PKCS8_KEY_PEM),
    )
}

fn resolve(yaml: &str, options: KubeconfigOptions) -> Result<Config, Error> {
    Kubeconfig::parse(yaml.as_bytes())?.to_config(&options)
}

fn ok(yaml: &str, options: KubeconfigOptions) -> Config {
    resolve(yaml, options).unwrap_or_else(|e| panic!("{e}"))
}

fn err(yaml: &str, options: KubeconfigOptions) -> String {
    match resolve(yaml, options) {
        Ok(config) => panic!("expected an error, got {config:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn current_context_resolves_everything() {
    let c = ok(&base(), KubeconfigOptions::default());
    assert_eq!(c.server, "https://main:6443");
    assert_eq!(c.namespace, "team");
    assert_eq!(c.tls.server_name.as_deref(), Some("main.internal"));
    assert_eq!(c.tls.ca_data.as_deref(), Some(CERT_PEM.as_bytes()));
    assert!(!c.tls.insecure);
    assert_eq!(c.auth.token.as_ref().unwrap().expose(), "admin-token");
    assert_eq!(c.qps, crate::config::DEFAULT_QPS);
}

#[test]
fn overrides_follow_client_go() {
    let o = |f: fn(&mut KubeconfigOptions)| {
        let mut options = KubeconfigOptions::default();
        f(&mut options);
        options
    };
    // --context picks another context; the namespace falls back to "default".
    let c = ok(&base(), o(|o| o.context = Some("other".into())));
    assert_eq!(
        (c.server.as_str(), c.namespace.as_str()),
        ("https://other:6443", "default")
    );
    assert_eq!(c.auth.username.as_deref(), Some("bob"));
    assert!(c.tls.insecure);
    // --namespace wins over the context's.
    assert_eq!(
        ok(&base(), o(|o| o.namespace = Some("ns".into()))).namespace,
        "ns"
    );
    // --cluster / --user replace the context's.
    let c = ok(
        &base(),
        o(|o| {
            o.cluster = Some("other".into());
            o.user = Some("certs".into());
        }),
    );
    assert_eq!(c.server, "https://other:6443");
    assert_eq!(c.namespace, "team");
    assert_eq!(c.tls.client_cert.as_deref(), Some(CERT_PEM.as_bytes()));
    assert_eq!(
        c.tls.client_key.as_ref().unwrap().expose(),
        PKCS8_KEY_PEM.as_bytes()
    );
    assert!(c.auth.token.is_none());
    // --server clears the file's tls-server-name…
    let c = ok(&base(), o(|o| o.server = Some("https://elsewhere".into())));
    assert_eq!(c.server, "https://elsewhere");
    assert_eq!(c.tls.server_name, None);
    // …unless --tls-server-name is given too.
    let c = ok(
        &base(),
        o(|o| {
            o.server = Some("https://elsewhere".into());
            o.tls_server_name = Some("sni".into());
        }),
    );
    assert_eq!(c.tls.server_name.as_deref(), Some("sni"));
    let c = ok(&base(), o(|o| o.tls_server_name = Some("sni".into())));
    assert_eq!(
        (c.server.as_str(), c.tls.server_name.as_deref()),
        ("https://main:6443", Some("sni"))
    );
    // --insecure-skip-tls-verify drops the CA; false is no override at all.
    let c = ok(&base(), o(|o| o.insecure_skip_tls_verify = Some(true)));
    assert!(c.tls.insecure);
    assert_eq!(c.tls.ca_data, None);
    let c = ok(&base(), o(|o| o.insecure_skip_tls_verify = Some(false)));
    assert!(c.tls.ca_data.is_some());
    let c = ok(
        &base(),
        o(|o| {
            o.context = Some("other".into());
            o.insecure_skip_tls_verify = Some(false);
        }),
    );
    assert!(c.tls.insecure);
}

#[test]
fn certificate_authority_override_replaces_ca_and_insecure() {
    let dir = TempDir::new("ca-override");
    let ca = dir.write("override.crt", OTHER_CERT_PEM);
    let c = ok(
        &base(),
        KubeconfigOptions {
            context: Some("other".into()),
            certificate_authority: Some(ca.clone()),
            ..Default::default()
        },
    );
    assert!(!c.tls.insecure);
    assert_eq!(c.tls.ca_data, Some(std::fs::read(&ca).unwrap()));
    let e = err(
        &base(),
        KubeconfigOptions {
            certificate_authority: Some(dir.path().join("nope.crt")),
            ..Default::default()
        },
    );
    assert!(
        e.contains("certificate-authority (override)") && e.contains("nope.crt"),
        "{e}"
    );
}

#[test]
fn named_overrides_must_exist() {
    let o = |context: Option<&str>, cluster: Option<&str>, user: Option<&str>| KubeconfigOptions {
        context: context.map(Into::into),
        cluster: cluster.map(Into::into),
        user: user.map(Into::into),
        ..Default::default()
    };
    assert_eq!(
        err(&base(), o(Some("nope"), None, None)),
        "kubeconfig: context \"nope\" does not exist"
    );
    assert!(err(&base(), o(None, Some("nope"), None)).contains("cluster \"nope\" does not exist"));
    assert!(
        err(&base(), o(None, None, Some("nope"))).contains("auth info \"nope\" does not exist")
    );
    // client-go looks the user up first.
    assert!(
        err(&base(), o(Some("nope"), None, Some("nope2")))
            .contains("auth info \"nope2\" does not exist")
    );
}

#[test]
fn names_from_the_file_may_dangle_like_in_client_go() {
    // current-context naming nothing: one error, naming the contexts there are (client-go adds
    // a consequence, "cluster has no server defined").
    let yaml = base().replace("current-context: main", "current-context: gone");
    let e = err(&yaml, KubeconfigOptions::default());
    assert_eq!(
        e,
        "kubeconfig: context \"gone\" (the current-context) does not exist; contexts defined: \"main\", \"other\""
    );
    // No current-context at all.
    let yaml = base().replace("current-context: main", "");
    let e = err(&yaml, KubeconfigOptions::default());
    assert!(
        e.starts_with("kubeconfig: no configuration has been provided: no current-context is set"),
        "{e}"
    );
    // A context naming a missing user is anonymous; a missing cluster is "no configuration".
    let yaml = format!(
        "{}- name: dangling-user\n  context: {{cluster: main, user: ghost}}\n- name: dangling-cluster\n  context: {{cluster: ghost, user: admin}}\n",
        base()
    );
    let c = ok(
        &yaml,
        KubeconfigOptions {
            context: Some("dangling-user".into()),
            ..Default::default()
        },
    );
    assert!(c.auth.token.is_none() && c.auth.username.is_none() && c.tls.client_cert.is_none());
    let e = err(
        &yaml,
        KubeconfigOptions {
            context: Some("dangling-cluster".into()),
            ..Default::default()
        },
    );
    assert_eq!(
        e,
        "kubeconfig: no configuration has been provided: context \"dangling-cluster\" names cluster \"ghost\", which does not exist; clusters defined: \"main\", \"other\""
    );
    // …which --server fixes.
    let c = ok(
        &yaml,
        KubeconfigOptions {
            context: Some("dangling-cluster".into()),
            server: Some("https://given".into()),
            ..Default::default()
        },
    );
    assert_eq!(c.server, "https://given");
}

#[test]
fn validation_mirrors_client_go_messages() {
    let user = |spec: &str| {
        format!(
            "current-context: c\nclusters:\n- name: k\n  cluster: {{server: https://k}}\nusers:\n- name: u\n  user: {spec}\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\n"
        )
    };
    let cases = [
        (
            "{token: t, username: x}",
            "more than one authentication method found for u; found [token basicAuth], only one is allowed",
        ),
        ("{token: t, password: x}", "found [token basicAuth]"),
        (
            "{client-certificate: /c, client-certificate-data: YQ==, client-key-data: YQ==}",
            "client-cert-data and client-cert are both specified for u",
        ),
        (
            "{client-certificate-data: YQ==, client-key: /k, client-key-data: YQ==}",
            "client-key-data and client-key are both specified for u",
        ),
        (
            "{client-certificate-data: YQ==}",
            "client-key-data or client-key must be specified for u",
        ),
        (
            "{exec: {command: c, apiVersion: client.authentication.k8s.io/v1}}",
            "interactiveMode must be specified for u",
        ),
        (
            "{exec: {command: c, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Sometimes}}",
            "invalid interactiveMode for u: \"Sometimes\"",
        ),
        (
            "{exec: {apiVersion: client.authentication.k8s.io/v1beta1}}",
            "command must be specified for u",
        ),
        (
            "{exec: {command: c, interactiveMode: Never}}",
            "apiVersion must be specified for u",
        ),
        (
            "{exec: {command: c, apiVersion: x, interactiveMode: Never, env: [{value: v}]}}",
            "env variable name must be specified for u",
        ),
        (
            "{exec: {command: c, apiVersion: x, interactiveMode: Never}, auth-provider: {name: oidc}}",
            "authProvider cannot be provided in combination with an exec plugin for u",
        ),
        (
            "{as-groups: [g]}",
            "requesting uid, groups or user-extra for u without impersonating a user",
        ),
    ];
    for (spec, want) in cases {
        let e = err(&user(spec), KubeconfigOptions::default());
        assert!(e.contains(want), "{spec}: {e}");
        assert!(e.starts_with("kubeconfig: invalid configuration: "), "{e}");
    }
    // Several problems at once, in client-go's aggregate format.
    let e = err(
        &user("{token: t, username: x, as-uid: \"1\"}"),
        KubeconfigOptions::default(),
    );
    assert!(
        e.contains(": [more than one authentication method") && e.contains(", requesting uid"),
        "{e}"
    );

    let cluster = |spec: &str| {
        format!(
            "current-context: c\nclusters:\n- name: k\n  cluster: {spec}\ncontexts:\n- name: c\n  context: {{cluster: k}}\n"
        )
    };
    for (spec, want) in [
        (
            "{insecure-skip-tls-verify: true}",
            "no server found for cluster \"k\"",
        ),
        (
            "{server: https://k, proxy-url: \"ftp://p\"}",
            "invalid 'proxy-url' \"ftp://p\" for cluster \"k\": unsupported scheme \"ftp\", must be http, https, or socks5",
        ),
        (
            "{server: https://k, certificate-authority: /ca, certificate-authority-data: YQ==}",
            "certificate-authority-data and certificate-authority are both specified for k",
        ),
    ] {
        let e = err(&cluster(spec), KubeconfigOptions::default());
        assert!(e.contains(want), "{spec}: {e}");
    }
    // Token and tokenFile together are fine; the token is used, the file is kept for refresh.
    let c = ok(
        &user("{token: t, tokenFile: /does/not/matter}"),
        KubeconfigOptions::default(),
    );
    assert_eq!(c.auth.token.as_ref().unwrap().expose(), "t");
    assert_eq!(c.auth.token_file, Some(PathBuf::from("/does/not/matter")));
}

#[test]
fn plain_http_servers_get_no_credentials_or_tls() {
    let yaml = base()
        .replace("https://main:6443", "http://main:8080")
        .replace(
            "user: {token: admin-token}",
            "user: {token: admin-token, as: someone}",
        );
    let c = ok(&yaml, KubeconfigOptions::default());
    assert!(c.auth.token.is_none());
    assert!(c.tls.ca_data.is_none() && c.tls.server_name.is_none());
    assert_eq!(c.auth.impersonate.as_ref().unwrap().user, "someone");
}

#[test]
fn referenced_files_are_read_and_missing_ones_named() {
    let dir = TempDir::new("files");
    dir.write("pki/ca.crt", CERT_PEM);
    dir.write("pki/u.crt", CERT_PEM);
    dir.write("pki/u.key", RSA_KEY_PEM);
    dir.write("token", "  file-token\n");
    let config = |user: &str| {
        format!(
            "current-context: c\nclusters:\n- name: k\n  cluster: {{server: https://k, certificate-authority: pki/ca.crt}}\nusers:\n- name: u\n  user: {user}\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\n"
        )
    };
    let load = |name: &str, user: &str| {
        let file = dir.write(name, config(user));
        Config::from_kubeconfig(&env_opts(&[&file]))
    };
    let c = load(
        "ok",
        "{client-certificate: pki/u.crt, client-key: pki/u.key}",
    )
    .unwrap();
    assert_eq!(c.tls.ca_data.as_deref(), Some(CERT_PEM.as_bytes()));
    assert_eq!(c.tls.client_cert.as_deref(), Some(CERT_PEM.as_bytes()));
    assert_eq!(
        c.tls.client_key.as_ref().unwrap().expose(),
        RSA_KEY_PEM.as_bytes()
    );
    let c = load("tok", "{tokenFile: token}").unwrap();
    assert_eq!(c.auth.token.as_ref().unwrap().expose(), "file-token");
    assert_eq!(c.auth.token_file, Some(dir.path().join("token")));

    for (user, field, file) in [
        (
            "{client-certificate: pki/nope.crt, client-key: pki/u.key}",
            "users[u].client-certificate",
            "pki/nope.crt",
        ),
        (
            "{client-certificate: pki/u.crt, client-key: pki/nope.key}",
            "users[u].client-key",
            "pki/nope.key",
        ),
        (
            "{tokenFile: nope-token}",
            "users[u].tokenFile",
            "nope-token",
        ),
    ] {
        match load("missing", user).unwrap_err() {
            Error::ReadFile { field: f, path, .. } => {
                assert_eq!(f, field);
                assert_eq!(path, dir.path().join(file));
            }
            other => panic!("{other:?}"),
        }
    }
    std::fs::remove_file(dir.path().join("pki/ca.crt")).unwrap();
    let e = load("noca", "{}").unwrap_err();
    assert!(
        matches!(&e, Error::ReadFile { field, .. } if field == "clusters[k].certificate-authority"),
        "{e:?}"
    );
    assert!(e.to_string().contains("pki/ca.crt"), "{e}");
}

#[test]
fn pem_is_checked_and_all_key_kinds_accepted() {
    let yaml = |cert: &str, key: &str| {
        format!(
            "current-context: c\nclusters:\n- name: k\n  cluster: {{server: https://k}}\nusers:\n- name: u\n  user: {{client-certificate-data: {}, client-key-data: {}}}\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\n",
            b64(cert),
            b64(key)
        )
    };
    for key in [RSA_KEY_PEM, PKCS8_KEY_PEM, EC_KEY_PEM] {
        ok(&yaml(CERT_PEM, key), KubeconfigOptions::default());
    }
    let e = resolve(
        &yaml("not pem", PKCS8_KEY_PEM),
        KubeconfigOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&e, Error::Tls { message: m, .. } if m.contains("users[u].client-certificate-data") && m.contains("no certificate")),
        "{e}"
    );
    let e = resolve(&yaml(CERT_PEM, CERT_PEM), KubeconfigOptions::default()).unwrap_err();
    assert!(
        matches!(&e, Error::Tls { message: m, .. } if m.contains("users[u].client-key-data") && m.contains("no private key")),
        "{e}"
    );
    let broken = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0!!!\n-----END PRIVATE KEY-----\n";
    let e = resolve(&yaml(CERT_PEM, broken), KubeconfigOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("malformed") && !e.contains("c2VjcmV0"), "{e}");
    let bad_ca = base().replace(&b64(CERT_PEM), &b64("garbage"));
    let e = resolve(&bad_ca, KubeconfigOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "TLS: the CA in certificate-authority-data of cluster \"main\" is bad: no certificate found (expected PEM \"-----BEGIN CERTIFICATE-----\")"
    );
    // PEM framing around bytes that are not a certificate: refused when the config is built
    // (not at the first handshake as an "invalid peer certificate").
    let bad_ca = base().replace(&b64(CERT_PEM), &b64(NOT_DER_CERT_PEM));
    let e = resolve(&bad_ca, KubeconfigOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "TLS: the CA in certificate-authority-data of cluster \"main\" is bad: certificate 1 of 1 is a PEM CERTIFICATE block but not a valid X.509 certificate (BadEncoding)"
    );
}

#[test]
fn exec_plugins_get_cluster_info_and_defaults() {
    let yaml = "current-context: c\n\
        clusters:\n- name: k\n  cluster:\n    server: https://k/prefix?drop=me\n    tls-server-name: sni\n    proxy-url: http://proxy:3128\n    extensions:\n    - name: client.authentication.k8s.io/exec\n      extension: {audience: k}\n\
        users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: plugin\n      args: [a]\n      env: [{name: K, value: V}]\n      installHint: \"\\e[31minstall it\"\n      provideClusterInfo: true\n      interactiveMode: Never\n\
        - name: beta\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: plugin}\n\
        contexts:\n- name: c\n  context: {cluster: k, user: u}\n";
    let c = ok(yaml, KubeconfigOptions::default());
    assert_eq!(c.server, "https://k/prefix");
    assert_eq!(c.proxy_url.as_deref(), Some("http://proxy:3128"));
    let exec = c.auth.exec.unwrap();
    assert_eq!(exec.command, PathBuf::from("plugin"));
    assert_eq!(exec.args, ["a"]);
    assert_eq!(exec.env[0].value, "V");
    assert_eq!(exec.interactive_mode, ExecInteractiveMode::Never);
    assert_eq!(exec.install_hint.as_deref(), Some("U+001B[31minstall it"));
    let info = exec.cluster.unwrap();
    assert_eq!(info.server, "https://k/prefix");
    assert_eq!(info.tls_server_name.as_deref(), Some("sni"));
    assert_eq!(info.proxy_url.as_deref(), Some("http://proxy:3128"));
    assert_eq!(info.config, Some(serde_json::json!({"audience": "k"})));
    let c = ok(
        yaml,
        KubeconfigOptions {
            user: Some("beta".into()),
            ..Default::default()
        },
    );
    let exec = c.auth.exec.unwrap();
    assert_eq!(exec.interactive_mode, ExecInteractiveMode::IfAvailable);
    assert!(exec.cluster.is_none());
}

#[test]
fn secrets_never_show_in_debug_or_errors() {
    let secrets = [
        "admin-token",
        "hunter2",
        "id-token-secret",
        "unknown-secret",
        "S0VZ",
        "U0VDUkVU",
    ];
    let yaml = format!(
        "current-context: main\n\
         clusters:\n- name: main\n  cluster: {{server: https://main, proxy-url: \"ftp://u:hunter2@p\"}}\n\
         users:\n\
         - name: both\n  user: {{token: admin-token, password: hunter2, x-vendor-secret: unknown-secret}}\n\
         - name: oidc\n  user:\n    auth-provider: {{name: oidc, config: {{id-token: id-token-secret}}}}\n\
         - name: certs\n  user: {{client-certificate-data: {cert}, client-key-data: {key}}}\n\
         - name: badkey\n  user: {{client-certificate-data: {cert}, client-key-data: {badkey}}}\n\
         contexts:\n- name: main\n  context: {{cluster: main, user: both}}\n",
        cert = b64(CERT_PEM),
        key = b64(PKCS8_KEY_PEM),
        badkey = b64("-----BEGIN PRIVATE KEY-----\nS0VZ!\n-----END PRIVATE KEY-----\n"),
    );
    let kc = Kubeconfig::parse(yaml.as_bytes()).unwrap();
    let mut texts = vec![format!("{kc:?}")];
    // Errors: two auth methods + a proxy URL with a password; a malformed key.
    for user in ["both", "badkey"] {
        let e = kc
            .to_config(&KubeconfigOptions {
                user: Some(user.into()),
                ..Default::default()
            })
            .unwrap_err();
        texts.push(format!("{e} {e:?}"));
    }
    // Configs: every credential kind.
    let fixed =
        Kubeconfig::parse(yaml.replace("ftp://u:hunter2@p", "http://p").as_bytes()).unwrap();
    for user in ["oidc", "certs"] {
        let c = fixed
            .to_config(&KubeconfigOptions {
                user: Some(user.into()),
                ..Default::default()
            })
            .unwrap();
        texts.push(format!("{c:?}"));
    }
    for context in ["main", "other"] {
        let c = ok(
            &base(),
            KubeconfigOptions {
                context: Some(context.into()),
                ..Default::default()
            },
        );
        texts.push(format!("{c:?}"));
    }
    let base_kc = Kubeconfig::parse(base().as_bytes()).unwrap();
    texts.push(format!("{base_kc:?}"));
    assert!(texts[1].contains("xxxxx"), "{}", texts[1]);
    for text in &texts {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
}

#[test]
fn the_ca_setting_is_named_as_written_with_its_cluster_and_file() {
    let dir = TempDir::new("ca-origin");
    let ca = dir.write("ca.crt", NOT_DER_CERT_PEM);
    let kubeconfig = |cluster: &str| {
        format!(
            "current-context: c\nclusters:\n- name: k\n  cluster: {{server: https://k, {cluster}}}\ncontexts:\n- name: c\n  context: {{cluster: k}}\n"
        )
    };
    let load = |file: &PathBuf| {
        Config::from_kubeconfig(&KubeconfigOptions {
            path: Some(file.clone()),
            ..Default::default()
        })
    };
    let by_file = dir.write("by-file", kubeconfig("certificate-authority: ca.crt"));
    assert_eq!(
        load(&by_file).unwrap_err().to_string(),
        format!(
            "TLS: the CA in certificate-authority {} of cluster \"k\" in {} is bad: certificate 1 of 1 is a PEM CERTIFICATE block but not a valid X.509 certificate (BadEncoding)",
            ca.display(),
            by_file.display()
        )
    );
    let by_data = dir.write(
        "by-data",
        kubeconfig(&format!(
            "certificate-authority-data: {}",
            b64(NOT_DER_CERT_PEM)
        )),
    );
    assert_eq!(
        load(&by_data).unwrap_err().to_string(),
        format!(
            "TLS: the CA in certificate-authority-data of cluster \"k\" in {} is bad: certificate 1 of 1 is a PEM CERTIFICATE block but not a valid X.509 certificate (BadEncoding)",
            by_data.display()
        )
    );
    // A good CA: where it came from is kept for the hint of a handshake it does not sign.
    let good = dir.write(
        "good",
        kubeconfig(&format!("certificate-authority-data: {}", b64(CERT_PEM))),
    );
    let config = load(&good).unwrap();
    assert_eq!(
        config.tls.ca_origin,
        Some(format!(
            "certificate-authority-data of cluster \"k\" in {}",
            good.display()
        ))
    );
    // The current-context of a file that names no context: the file is the error's path.
    let dangling = dir.write(
        "dangling",
        kubeconfig("insecure-skip-tls-verify: true")
            .replace("current-context: c", "current-context: nope"),
    );
    let err = load(&dangling).unwrap_err();
    assert!(
        matches!(&err, Error::Kubeconfig { path: Some(p), .. } if *p == dangling),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "kubeconfig {}: context \"nope\" (the current-context) does not exist; contexts defined: \"c\"",
            dangling.display()
        )
    );
}
