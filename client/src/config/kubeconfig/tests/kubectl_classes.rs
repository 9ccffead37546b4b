//! The classes where the loader disagreed with kubectl v1.37.2 (issue #19), each pinned:
//! repeated keys, byte-order marks, apiVersion/kind, server URLs, flattening an empty file,
//! and what is checked when a client is built.

use super::*;
use crate::Error;
use crate::config::{Config, Kubeconfig};
use crate::transport::HttpClient;

fn parse(text: &str) -> Result<Kubeconfig, Error> {
    Kubeconfig::parse(text.as_bytes())
}

#[test]
fn a_repeated_key_keeps_its_last_value_at_every_level() {
    let kc = parse(
        "current-context: first\ncurrent-context: second\n\
         clusters:\n- name: c\n  cluster:\n    server: https://a\n    server: https://b\n    insecure-skip-tls-verify: true\n    insecure-skip-tls-verify: false\n\
         users:\n- name: u\n  user:\n    exec: {command: x, command: y, apiVersion: client.authentication.k8s.io/v1}\n",
    )
    .unwrap();
    assert_eq!(kc.current_context.as_deref(), Some("second"));
    assert_eq!(kc.clusters["c"].server, "https://b");
    assert!(!kc.clusters["c"].insecure_skip_tls_verify);
    assert_eq!(kc.users["u"].exec.as_ref().unwrap().command, "y");
}

#[test]
fn a_repeated_name_is_still_an_error_and_so_is_a_bad_value_beside_a_repeated_key() {
    let err = parse(
        "clusters:\n- name: c\n  cluster: {server: https://a}\n- name: c\n  cluster: {server: https://b}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("duplicate name \"c\" in clusters"), "{err}");
    let err = parse(
        "current-context: a\ncurrent-context: b\nclusters:\n- name: c\n  cluster: {insecure-skip-tls-verify: maybe}\n",
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Kubeconfig { message, .. } if message.contains("maybe")),
        "{err:?}"
    );
}

#[test]
fn a_byte_order_mark_is_not_content() {
    let kc = Kubeconfig::parse(
        b"\xEF\xBB\xBFcurrent-context: c\nclusters:\n- name: k\n  cluster: {server: https://s}\n",
    )
    .unwrap();
    assert_eq!(kc.current_context.as_deref(), Some("c"));
    assert_eq!(kc.clusters["k"].server, "https://s");
}

#[test]
fn api_version_and_kind_are_checked_like_client_go() {
    // Accepted: what client-go's decoder defaults or takes as v1 Config.
    for header in [
        "",
        "apiVersion: v1\nkind: Config\n",
        "apiVersion: v1\n",
        "kind: Config\n",
        "apiVersion: \"\"\nkind: \"\"\n",
        "apiVersion: null\n",
        "apiVersion: /v1\n",
        "apiVersion: /\n",
        "apiVersion: __internal\n",
        "apiVersion: v1\napiVersion: v1\n",
    ] {
        parse(&format!("{header}current-context: x\n"))
            .unwrap_or_else(|e| panic!("{header:?}: {e}"));
    }
    // Refused, each with the reason.
    for (header, want) in [
        ("apiVersion: v2\n", "not a kubeconfig"),
        ("apiVersion: V1\n", "not a kubeconfig"),
        ("kind: config\n", "not a kubeconfig"),
        ("kind: Pod\n", "not a kubeconfig"),
        ("apiVersion: \"v1 \"\n", "not a kubeconfig"),
        (
            "apiVersion: client.authentication.k8s.io/v1\n",
            "not a kubeconfig",
        ),
        ("apiVersion: a/b/c\n", "more than one '/'"),
        ("apiVersion: v1/\n", "has no version"),
        ("apiVersion: 1\n", "expected a string"),
        ("kind: [Config]\n", "expected a string"),
        (
            "apiVersion: v1\nkind: Config\nkind: Pod\n",
            "not a kubeconfig",
        ),
    ] {
        let err = parse(&format!("{header}current-context: x\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(want), "{header:?}: {err}");
    }
}

#[test]
fn flattening_an_empty_file_leaves_no_data() {
    let dir = TempDir::new("flatten-empty");
    dir.write("empty.crt", "");
    let file = dir.write(
        "config",
        "clusters:\n- name: c\n  cluster: {server: https://s, certificate-authority: empty.crt}\n",
    );
    let mut kc = Kubeconfig::load_unresolved(&env_opts(&[&file])).unwrap();
    kc.flatten().unwrap();
    assert_eq!(kc.clusters["c"].certificate_authority, None);
    assert_eq!(kc.clusters["c"].certificate_authority_data, None);
    let view = kc.view();
    assert_eq!(
        view["clusters"][0]["cluster"],
        serde_json::json!({"server": "https://s"})
    );
}

/// A client for `cluster` (a flow mapping) and `user`, as a kubeconfig's current context.
fn client(dir: &TempDir, cluster: &str, user: &str) -> Result<HttpClient, Error> {
    let file = dir.write(
        "config",
        format!(
            "current-context: x\nclusters:\n- name: c\n  cluster: {cluster}\n\
             users:\n- name: u\n  user: {user}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u}}\n"
        ),
    );
    HttpClient::new(Config::from_kubeconfig(&env_opts(&[&file]))?)
}

#[test]
fn server_urls_are_read_like_client_go() {
    let dir = TempDir::new("servers");
    dir.write("ca.crt", CERT_PEM);
    let token = "{token: t}";
    let url = |cluster: &str| {
        client(&dir, cluster, token)
            .map(|c| c.url("/api").unwrap().to_string())
            .map_err(|e| e.to_string())
    };
    // A bare host:port: plain http without TLS settings, https with them.
    assert_eq!(
        url("{server: \"127.0.0.1:6443\"}").unwrap(),
        "http://127.0.0.1:6443/api"
    );
    assert_eq!(
        url("{server: \"localhost:6443\", insecure-skip-tls-verify: true}").unwrap(),
        "http://localhost:6443/api",
        "the kubeconfig's TLS settings apply to https servers only"
    );
    // The path is cleaned, the query and fragment dropped, escapes decoded.
    assert_eq!(
        url("{server: \"https://h:1/a//b/../c/?x=1#f\", insecure-skip-tls-verify: true}").unwrap(),
        "https://h:1/a/c/api"
    );
    assert_eq!(
        url("{server: \"https://h:1/%41b\", insecure-skip-tls-verify: true}").unwrap(),
        "https://h:1/Ab/api"
    );
    // What Go's URL parser refuses.
    for server in [
        "https://h:1/%zz",
        "https://h:abc",
        "localhost:1/p",
        "https://",
    ] {
        let err = url(&format!(
            "{{server: \"{server}\", insecure-skip-tls-verify: true}}"
        ))
        .unwrap_err();
        assert!(err.contains(server), "{server}: {err}");
    }
}

#[test]
fn accepted_when_built_like_client_go() {
    let dir = TempDir::new("accepted");
    dir.write("empty.crt", "");
    let token = "{token: t}";
    // A tls-server-name that is not a DNS name, an upper-case proxy scheme, an empty CA file.
    for cluster in [
        "{server: \"https://127.0.0.1:1\", tls-server-name: \"not a dns name\"}",
        "{server: \"https://127.0.0.1:1\", tls-server-name: under_score}",
        "{server: \"https://127.0.0.1:1\", proxy-url: \"HTTP://127.0.0.1:9\"}",
        "{server: \"https://127.0.0.1:1\", certificate-authority: empty.crt}",
    ] {
        client(&dir, cluster, token).unwrap_or_else(|e| panic!("{cluster}: {e}"));
    }
    let file_ca = Config::from_kubeconfig(&env_opts(&[&dir.path().join("config")])).unwrap();
    assert_eq!(file_ca.tls.ca_data, None, "an empty CA file is no CA");
    // But a CA file, even empty, and insecure-skip-tls-verify: client-go's transport refuses.
    let err = client(
        &dir,
        "{server: \"https://127.0.0.1:1\", certificate-authority: empty.crt, insecure-skip-tls-verify: true}",
        token,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("with the insecure flag is not allowed"),
        "{err}"
    );
}

#[test]
fn refused_when_built_like_client_go() {
    let dir = TempDir::new("refused");
    let cluster = "{server: \"https://127.0.0.1:1\"}";
    for (user, want) in [
        (
            "{auth-provider: {name: oidc, config: {client-id: k}}}",
            "must provide idp-issuer-url",
        ),
        (
            "{auth-provider: {name: oidc, config: {idp-issuer-url: \"https://i\"}}}",
            "must provide client-id",
        ),
        (
            "{exec: {command: p, apiVersion: client.authentication.k8s.io/v1alpha1, interactiveMode: Never}}",
            "is not supported",
        ),
    ] {
        let err = client(&dir, cluster, user).unwrap_err().to_string();
        assert!(err.contains(want), "{user}: {err}");
    }
}
