//! Arbitrary input never panics the loader.

use proptest::prelude::*;

use super::KubeconfigOptions;
use crate::config::Kubeconfig;

/// Keys the loader knows, so generated YAML reaches deep into the model.
const KEYS: &[&str] = &[
    "clusters",
    "users",
    "contexts",
    "current-context",
    "preferences",
    "extensions",
    "name",
    "cluster",
    "user",
    "context",
    "server",
    "certificate-authority",
    "certificate-authority-data",
    "client-key-data",
    "token",
    "tokenFile",
    "exec",
    "command",
    "args",
    "env",
    "apiVersion",
    "interactiveMode",
    "auth-provider",
    "config",
    "as",
    "as-groups",
    "as-user-extra",
    "proxy-url",
    "namespace",
    "insecure-skip-tls-verify",
    "tls-server-name",
    "extension",
];

fn yaml_value() -> impl Strategy<Value = serde_yaml::Value> {
    let leaf = prop_oneof![
        Just(serde_yaml::Value::Null),
        any::<bool>().prop_map(serde_yaml::Value::Bool),
        any::<i64>().prop_map(|n| serde_yaml::Value::Number(n.into())),
        any::<f64>().prop_map(|n| serde_yaml::Value::Number(n.into())),
        ".{0,12}".prop_map(serde_yaml::Value::String),
        prop::sample::select(KEYS).prop_map(|k| serde_yaml::Value::String(k.to_string())),
        Just(serde_yaml::Value::String("https://x".into())),
        Just(serde_yaml::Value::String("Q0E=".into())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_yaml::Value::Sequence),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|entries| {
                serde_yaml::Value::Mapping(
                    entries
                        .into_iter()
                        .map(|(k, v)| (serde_yaml::Value::String(k.to_string()), v))
                        .collect(),
                )
            }),
        ]
    })
}

fn exercise(bytes: &[u8]) {
    if let Ok(mut kc) = Kubeconfig::parse(bytes) {
        let _ = kc.to_config(&KubeconfigOptions::default());
        let _ = kc.to_config(&KubeconfigOptions {
            server: Some("https://s".into()),
            insecure_skip_tls_verify: Some(true),
            ..Default::default()
        });
        let _ = kc.view();
        let _ = kc.clone().minify(None);
        kc.resolve_paths();
        let _ = format!("{kc:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        exercise(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "(\\PC|\n|\t| ){0,200}") {
        exercise(text.as_bytes());
    }

    #[test]
    fn arbitrary_yaml_never_panics(value in yaml_value()) {
        let text = serde_yaml::to_string(&value).unwrap_or_default();
        exercise(text.as_bytes());
    }
}
