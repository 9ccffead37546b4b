//! Parsing, file selection, merging and relative paths.

use std::path::{Path, PathBuf};

use super::super::load::{Sources, clean, sources};
use super::*;
use crate::Error;
use crate::config::Kubeconfig;

const FULL: &str = r#"
apiVersion: v1
kind: Config
current-context: dev
preferences:
  colors: true
  extensions:
  - name: p
    extension: {a: 1}
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
    tls-server-name: api.prod
    certificate-authority-data: Q0EtREFUQQ==
    proxy-url: socks5://proxy:1080
    disable-compression: true
    future-field: {kept: true}
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: prod}
users:
- name: alice
  user:
    token: alice-token
    as: bob
    as-uid: "42"
    as-groups: [devs, ops]
    as-user-extra: {scopes: [view, edit]}
- name: plugin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ./bin/plugin
      args: [get-token]
      env: [{name: A, value: b}]
      installHint: brew install plugin
      provideClusterInfo: true
- name: oidc
  user:
    auth-provider:
      name: oidc
      config: {id-token: secret-id-token, client-id: kube}
contexts:
- name: dev
  context: {cluster: prod, user: alice, namespace: web}
extensions:
- name: top
  extension: [1, two]
some-unknown-top-level: x
"#;

#[test]
fn parses_every_field_and_keeps_unknown_ones() {
    let kc = Kubeconfig::parse(FULL.as_bytes()).unwrap();
    assert_eq!(kc.current_context.as_deref(), Some("dev"));
    assert!(kc.preferences.colors);
    assert_eq!(kc.preferences.extensions["p"], serde_json::json!({"a": 1}));
    let prod = &kc.clusters["prod"];
    assert_eq!(prod.server, "https://prod.example:6443");
    assert_eq!(prod.tls_server_name.as_deref(), Some("api.prod"));
    assert_eq!(
        prod.certificate_authority_data.as_deref(),
        Some(&b"CA-DATA"[..])
    );
    assert_eq!(prod.proxy_url.as_deref(), Some("socks5://proxy:1080"));
    assert!(prod.disable_compression);
    assert!(prod.unknown.0.contains_key("future-field"));
    assert_eq!(
        prod.extensions["client.authentication.k8s.io/exec"],
        serde_json::json!({"audience": "prod"})
    );
    let alice = &kc.users["alice"];
    assert_eq!(alice.token.as_ref().unwrap().expose(), "alice-token");
    assert_eq!(alice.impersonate.as_deref(), Some("bob"));
    assert_eq!(alice.impersonate_uid.as_deref(), Some("42"));
    assert_eq!(alice.impersonate_groups, ["devs", "ops"]);
    assert_eq!(alice.impersonate_user_extra["scopes"], ["view", "edit"]);
    let exec = kc.users["plugin"].exec.as_ref().unwrap();
    assert_eq!(exec.command, "./bin/plugin");
    assert_eq!(exec.args.as_deref(), Some(&["get-token".to_string()][..]));
    assert_eq!(exec.env.as_ref().unwrap()[0].name, "A");
    // v1beta1 defaults interactiveMode, as client-go's defaulting does.
    assert_eq!(exec.interactive_mode.as_deref(), Some("IfAvailable"));
    assert!(exec.provide_cluster_info);
    let provider = kc.users["oidc"].auth_provider.as_ref().unwrap();
    assert_eq!(provider.name, "oidc");
    assert_eq!(provider.config["id-token"].expose(), "secret-id-token");
    assert_eq!(kc.contexts["dev"].namespace.as_deref(), Some("web"));
    assert_eq!(kc.extensions["top"], serde_json::json!([1, "two"]));
    assert!(kc.unknown.0.contains_key("some-unknown-top-level"));
    assert!(kc.unknown.0.contains_key("kind"));
}

#[test]
fn null_empty_and_comment_only_inputs_are_empty_configs() {
    for text in [
        "",
        "# nothing here\n",
        "---\n",
        "null",
        "clusters: null\nusers: ~\ncontexts:\ncurrent-context: null\n",
    ] {
        let kc = Kubeconfig::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert!(kc.clusters.is_empty() && kc.users.is_empty() && kc.current_context.is_none());
    }
    let kc = Kubeconfig::parse(b"users:\n- name: u\n  user: null\n- name: v\n").unwrap();
    assert_eq!(kc.users.len(), 2);
    // `[]` and a missing list differ in client-go's output (`[]` vs `null`); keep that.
    let kc = Kubeconfig::parse(b"users:\n- name: u\n  user:\n    exec: {command: c, args: []}\n")
        .unwrap();
    assert_eq!(kc.users["u"].exec.as_ref().unwrap().args, Some(vec![]));
    assert_eq!(kc.users["u"].exec.as_ref().unwrap().env, None);
}

#[test]
fn yaml_1_1_booleans_read_like_kubectl() {
    let kc = Kubeconfig::parse(
        b"preferences: {colors: On}\nclusters:\n- name: a\n  cluster: {insecure-skip-tls-verify: yes, disable-compression: Y}\n- name: b\n  cluster: {insecure-skip-tls-verify: off, disable-compression: null}\n",
    )
    .unwrap();
    assert!(kc.preferences.colors);
    assert!(kc.clusters["a"].insecure_skip_tls_verify && kc.clusters["a"].disable_compression);
    assert!(!kc.clusters["b"].insecure_skip_tls_verify && !kc.clusters["b"].disable_compression);
    assert!(
        Kubeconfig::parse(b"clusters:\n- name: a\n  cluster: {insecure-skip-tls-verify: 1}\n")
            .is_err()
    );
}

#[test]
fn only_the_first_yaml_document_is_read() {
    let kc = Kubeconfig::parse(b"current-context: a\n---\ncurrent-context: b\n").unwrap();
    assert_eq!(kc.current_context.as_deref(), Some("a"));
}

#[test]
fn malformed_yaml_reports_file_line_and_column() {
    let dir = TempDir::new("syntax");
    let file = dir.write(
        "config",
        "clusters:\n- name: a\n  cluster:\n    server: [unclosed\n",
    );
    let err = Kubeconfig::load(&env_opts(&[&file])).unwrap_err();
    match &err {
        Error::KubeconfigSyntax {
            path, line, column, ..
        } => {
            assert_eq!(path, &file);
            assert!(*line >= 4, "line {line}");
            assert!(*column >= 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );

    // A field of the wrong type points at the field.
    let file = dir.write(
        "typed",
        "clusters:\n- name: a\n  cluster:\n    insecure-skip-tls-verify: maybe\n",
    );
    match Kubeconfig::load(&env_opts(&[&file])).unwrap_err() {
        Error::KubeconfigSyntax {
            line,
            column,
            message,
            ..
        } => {
            assert_eq!((line, column), (4, 31), "{message}");
            assert!(message.contains("insecure-skip-tls-verify"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_base64_is_a_located_error_without_the_data() {
    let text = "users:\n- name: u\n  user:\n    client-key-data: c2VjcmV0LWtleS1ieXRlcw=!!\n";
    let err = Kubeconfig::parse(text.as_bytes()).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, Error::KubeconfigSyntax { line: 4, .. }),
        "{msg}"
    );
    assert!(
        msg.contains("client-key-data") && msg.contains("base64"),
        "{msg}"
    );
    assert!(!msg.contains("c2VjcmV0"), "{msg}");
}

#[test]
fn a_name_twice_in_one_file_is_an_error() {
    let err = Kubeconfig::parse(
        b"clusters:\n- name: a\n  cluster: {server: x}\n- name: a\n  cluster: {server: y}\n",
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("duplicate name \"a\" in clusters"),
        "{err}"
    );
}

#[test]
fn file_selection_follows_client_go() {
    let explicit = KubeconfigOptions {
        path: Some("/x/explicit".into()),
        kubeconfig_env: Some("/a:/b".into()),
        ..Default::default()
    };
    assert_eq!(sources(&explicit), Sources::Explicit("/x/explicit".into()));
    let list = KubeconfigOptions {
        kubeconfig_env: Some("/a::/b:/a:/c:/b".into()),
        home: Some("/home/me".into()),
        ..Default::default()
    };
    let want: Vec<PathBuf> = ["/a", "/b", "/c"].iter().map(PathBuf::from).collect();
    assert_eq!(sources(&list), Sources::Precedence(want.clone()));
    assert_eq!(list.files(), want);
    let home = KubeconfigOptions {
        kubeconfig_env: Some("".into()),
        home: Some("/home/me".into()),
        ..Default::default()
    };
    assert_eq!(home.files(), [PathBuf::from("/home/me/.kube/config")]);
}

#[test]
fn missing_files_are_skipped_but_an_explicit_one_must_exist() {
    let dir = TempDir::new("missing");
    let a = dir.write("a", "current-context: from-a\n");
    let gone = dir.path().join("gone");
    let kc = Kubeconfig::load(&env_opts(&[&gone, &a, &gone])).unwrap();
    assert_eq!(kc.current_context.as_deref(), Some("from-a"));
    assert_eq!(kc.files, std::slice::from_ref(&a));

    let err = Kubeconfig::load(&KubeconfigOptions {
        path: Some(gone.clone()),
        ..Default::default()
    })
    .unwrap_err();
    match err {
        Error::ReadFile { path, field, .. } => {
            assert_eq!(path, gone);
            assert!(field.contains("kubeconfig"));
        }
        other => panic!("{other:?}"),
    }

    // Nothing found: an empty config, and, when used, an error naming the file and KUBECONFIG
    // (never Go's legacy KUBERNETES_MASTER hint), with the file in `path`.
    let none = env_opts(&[&gone]);
    assert!(Kubeconfig::load(&none).unwrap().files.is_empty());
    let err = crate::Config::from_kubeconfig(&none).unwrap_err();
    assert!(
        matches!(&err, Error::Kubeconfig { path: Some(p), .. } if *p == gone),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "kubeconfig {}: no such file (named by KUBECONFIG)",
            gone.display()
        )
    );
    // Several files, none there: all of them named.
    let also = dir.path().join("also-gone");
    let err = crate::Config::from_kubeconfig(&env_opts(&[&gone, &also]))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "kubeconfig: no configuration has been provided: none of the files named by KUBECONFIG exists ({}, {})",
            gone.display(),
            also.display()
        )
    );

    // ~/.kube/config, missing.
    let home_config = dir.path().join("nohome").join(".kube").join("config");
    let err = crate::Config::from_kubeconfig(&KubeconfigOptions {
        kubeconfig_env: Some("".into()),
        home: Some(dir.path().join("nohome")),
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        matches!(&err, Error::Kubeconfig { path: Some(p), .. } if *p == home_config),
        "{err:?}"
    );
    let err = err.to_string();
    assert!(err.contains("KUBECONFIG is not set"), "{err}");
    assert!(!err.contains("KUBERNETES_MASTER"), "{err}");
}

#[test]
fn a_broken_file_in_the_list_is_an_error() {
    let dir = TempDir::new("broken");
    let good = dir.write("good", "current-context: a\n");
    let bad = dir.write("bad", "clusters: {{{\n");
    assert!(Kubeconfig::load(&env_opts(&[&good, &bad])).is_err());
    // A directory is not a missing file.
    let sub = dir.path().join("sub");
    std::fs::create_dir_all(&sub).unwrap();
    assert!(matches!(
        Kubeconfig::load(&env_opts(&[&good, &sub])),
        Err(Error::ReadFile { .. })
    ));
}

#[test]
fn merge_table_first_file_wins_whole() {
    let dir = TempDir::new("merge");
    let first = dir.write(
        "1",
        "preferences: {extensions: [{name: p, extension: first}]}\n\
         clusters:\n- name: shared\n  cluster: {server: https://first, insecure-skip-tls-verify: true}\n\
         users:\n- name: u\n  user: {token: first}\n\
         contexts:\n- name: c\n  context: {cluster: shared, user: u}\n\
         extensions:\n- name: e\n  extension: first\n",
    );
    let second = dir.write(
        "2",
        "current-context: from-second\n\
         preferences: {colors: true, extensions: [{name: p, extension: second}, {name: q, extension: second}]}\n\
         clusters:\n- name: shared\n  cluster: {server: https://second, tls-server-name: only-in-second}\n\
         - name: other\n  cluster: {server: https://other}\n\
         users:\n- name: u\n  user: {username: second}\n\
         contexts:\n- name: c\n  context: {cluster: other, user: u, namespace: second}\n\
         extensions:\n- name: e\n  extension: second\n",
    );
    let third = dir.write("3", "current-context: from-third\n");
    let kc = Kubeconfig::load(&env_opts(&[&first, &second, &third])).unwrap();
    let shared = &kc.clusters["shared"];
    assert_eq!(shared.server, "https://first");
    assert!(shared.insecure_skip_tls_verify);
    assert_eq!(shared.tls_server_name, None, "no field-level merge");
    assert_eq!(shared.origin.as_deref(), Some(first.as_path()));
    assert_eq!(
        kc.clusters["other"].origin.as_deref(),
        Some(second.as_path())
    );
    assert_eq!(kc.users["u"].token.as_ref().unwrap().expose(), "first");
    assert_eq!(kc.users["u"].username, None);
    assert_eq!(kc.contexts["c"].cluster, "shared");
    assert_eq!(kc.contexts["c"].namespace, None);
    assert_eq!(kc.current_context.as_deref(), Some("from-second"));
    assert!(kc.preferences.colors);
    assert_eq!(kc.preferences.extensions["p"], "first");
    assert_eq!(kc.preferences.extensions["q"], "second");
    assert_eq!(kc.extensions["e"], "first");
    assert_eq!(kc.files, [first.clone(), second.clone(), third]);

    // Reversed order, reversed winner.
    let kc = Kubeconfig::load(&env_opts(&[&second, &first])).unwrap();
    assert_eq!(kc.clusters["shared"].server, "https://second");
}

#[test]
fn relative_paths_resolve_against_the_defining_file() {
    let dir = TempDir::new("relative");
    let top = dir.write(
        "top/config",
        "clusters:\n- name: c\n  cluster: {server: https://s, certificate-authority: ca.crt}\n\
         users:\n- name: u\n  user:\n    client-certificate: ./pki/../pki/u.crt\n    client-key: /abs/u.key\n    tokenFile: ../tokens/t\n    exec: {command: ./bin/plugin, apiVersion: v}\n\
         - name: path-plugin\n  user:\n    exec: {command: gcloud, apiVersion: v}\n",
    );
    let nested = dir.write(
        "nested/deeper/config",
        "clusters:\n- name: c\n  cluster: {server: https://ignored, certificate-authority: ignored.crt}\n\
         - name: n\n  cluster: {server: https://n, certificate-authority: ca.crt}\n",
    );
    let kc = Kubeconfig::load(&env_opts(&[&top, &nested])).unwrap();
    let top_dir = dir.path().join("top");
    assert_eq!(
        kc.clusters["c"].certificate_authority,
        Some(top_dir.join("ca.crt"))
    );
    assert_eq!(
        kc.clusters["n"].certificate_authority,
        Some(dir.path().join("nested/deeper/ca.crt"))
    );
    let u = &kc.users["u"];
    assert_eq!(u.client_certificate, Some(top_dir.join("pki/u.crt")));
    assert_eq!(u.client_key, Some(PathBuf::from("/abs/u.key")));
    assert_eq!(u.token_file, Some(dir.path().join("tokens/t")));
    assert_eq!(
        u.exec.as_ref().unwrap().command,
        top_dir.join("bin/plugin").to_string_lossy()
    );
    assert_eq!(
        kc.users["path-plugin"].exec.as_ref().unwrap().command,
        "gcloud"
    );

    // Unresolved: as written (what `kubectl config view` shows).
    let raw = Kubeconfig::load_unresolved(&env_opts(&[&top])).unwrap();
    assert_eq!(
        raw.clusters["c"].certificate_authority,
        Some(PathBuf::from("ca.crt"))
    );
}

#[test]
fn clean_is_lexical_like_go() {
    for (input, want) in [
        ("/a/./b/../c", "/a/c"),
        ("/../a", "/a"),
        ("/a//b/", "/a/b"),
        ("a/../..", ".."),
        ("", "."),
    ] {
        assert_eq!(clean(Path::new(input)), PathBuf::from(want), "{input}");
    }
}

#[test]
fn view_minify_and_flatten() {
    let dir = TempDir::new("view");
    dir.write("ca.crt", CERT_PEM);
    let file = dir.write(
        "config",
        "current-context: a\nclusters:\n- name: c\n  cluster: {server: https://s, certificate-authority: ca.crt}\n\
         - name: unused\n  cluster: {server: https://u}\n\
         users:\n- name: u\n  user: {token: t, exec: {command: x, apiVersion: client.authentication.k8s.io/v1beta1}}\n\
         contexts:\n- name: a\n  context: {cluster: c, user: u}\n- name: b\n  context: {cluster: unused, user: nobody}\n",
    );
    let mut kc = Kubeconfig::load_unresolved(&env_opts(&[&file])).unwrap();
    let view = kc.view();
    assert_eq!(view["kind"], "Config");
    assert_eq!(view["clusters"][0]["name"], "c");
    assert_eq!(
        view["clusters"][0]["cluster"]["certificate-authority"],
        "ca.crt"
    );
    assert_eq!(
        view["users"][0]["user"]["exec"]["args"],
        serde_json::Value::Null
    );
    assert_eq!(
        view["users"][0]["user"]["exec"]["interactiveMode"],
        "IfAvailable"
    );
    assert_eq!(view["contexts"][1]["context"]["user"], "nobody");
    assert!(view.get("preferences").is_none());

    let mut b = kc.clone();
    let err = b.minify(Some("b")).unwrap_err().to_string();
    assert!(err.contains("cannot locate user nobody"), "{err}");
    kc.minify(None).unwrap();
    assert_eq!(kc.clusters.keys().collect::<Vec<_>>(), ["c"]);
    kc.flatten().unwrap();
    assert_eq!(kc.clusters["c"].certificate_authority, None);
    assert_eq!(
        kc.clusters["c"].certificate_authority_data.as_deref(),
        Some(CERT_PEM.as_bytes())
    );
    assert_eq!(
        kc.view()["clusters"][0]["cluster"]["certificate-authority-data"],
        b64(CERT_PEM)
    );
}
