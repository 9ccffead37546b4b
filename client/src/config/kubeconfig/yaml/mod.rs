//! The YAML form of a kubeconfig (client-go `clientcmd/api/v1`), read with serde.
//!
//! These private structs mirror the file exactly: every field may be missing or `null` (Go's
//! JSON decoding leaves the zero value), unknown keys are kept (`extra`), `[]byte` fields are
//! base64, and booleans accept YAML 1.1's words. [`RawFile::into_model`] (in `convert`) turns
//! them into the public model.

mod convert;
mod last_wins;

pub(in crate::config::kubeconfig) use last_wins::read as read_last_wins;

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Deserializer};

/// `null` reads as the default, like Go's JSON decoder leaving the zero value.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A bool as Go's YAML 1.1 reader sees it: besides `true`/`false`, the words `y`, `yes`, `on`
/// (and `n`, `no`, `off`) in any of their usual casings — `insecure-skip-tls-verify: yes` is
/// true for kubectl, so it is for us. `null` is false.
fn go_bool<'de, D>(d: D) -> Result<bool, D::Error>
where
    D: Deserializer<'de>,
{
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = bool;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a boolean")
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<bool, E> {
            Ok(v)
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<bool, E> {
            Ok(false)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<bool, E> {
            match v {
                "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Ok(true),
                "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Ok(false),
                _ => Err(E::invalid_type(serde::de::Unexpected::Str(v), &self)),
            }
        }
    }
    d.deserialize_any(Visitor)
}

/// `apiVersion` / `kind`: a string or `null`, nothing else (client-go reads them into Go strings
/// before anything else, so a number there fails the whole file).
fn type_string<'de, D>(d: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    struct Visitor;
    impl serde::de::Visitor<'_> for Visitor {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(Visitor)
}

/// A `[]byte` field: standard base64 (padding required, line breaks ignored), like Go's
/// `encoding/json`. The message never echoes the data.
fn base64_bytes<'de, D>(d: D, field: &str) -> Result<Vec<u8>, D::Error>
where
    D: Deserializer<'de>,
{
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(Vec::new());
    };
    let text: String = text.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    GO_STD.decode(text.as_bytes()).map_err(|_| {
        serde::de::Error::custom(format!(
            "{field}: not valid base64 (standard alphabet, padded)"
        ))
    })
}

fn ca_data<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    base64_bytes(d, "certificate-authority-data")
}

fn cert_data<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    base64_bytes(d, "client-certificate-data")
}

fn key_data<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    base64_bytes(d, "client-key-data")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(in crate::config::kubeconfig) struct RawFile {
    #[serde(deserialize_with = "type_string")]
    kind: String,
    #[serde(rename = "apiVersion", deserialize_with = "type_string")]
    api_version: String,
    #[serde(deserialize_with = "nullable")]
    preferences: RawPreferences,
    #[serde(deserialize_with = "nullable")]
    clusters: Vec<RawNamedCluster>,
    #[serde(deserialize_with = "nullable")]
    users: Vec<RawNamedUser>,
    #[serde(deserialize_with = "nullable")]
    contexts: Vec<RawNamedContext>,
    #[serde(rename = "current-context", deserialize_with = "nullable")]
    current_context: String,
    #[serde(deserialize_with = "nullable")]
    extensions: Vec<RawNamedExtension>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_yaml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawPreferences {
    #[serde(deserialize_with = "go_bool")]
    colors: bool,
    #[serde(deserialize_with = "nullable")]
    extensions: Vec<RawNamedExtension>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_yaml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNamedCluster {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    cluster: RawCluster,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNamedUser {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    user: RawUser,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNamedContext {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    context: RawContext,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawNamedExtension {
    #[serde(deserialize_with = "nullable")]
    name: String,
    extension: serde_yaml::Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawCluster {
    #[serde(deserialize_with = "nullable")]
    server: String,
    #[serde(rename = "tls-server-name", deserialize_with = "nullable")]
    tls_server_name: String,
    #[serde(rename = "insecure-skip-tls-verify", deserialize_with = "go_bool")]
    insecure_skip_tls_verify: bool,
    #[serde(rename = "certificate-authority", deserialize_with = "nullable")]
    certificate_authority: String,
    #[serde(rename = "certificate-authority-data", deserialize_with = "ca_data")]
    certificate_authority_data: Vec<u8>,
    #[serde(rename = "proxy-url", deserialize_with = "nullable")]
    proxy_url: String,
    #[serde(rename = "disable-compression", deserialize_with = "go_bool")]
    disable_compression: bool,
    #[serde(deserialize_with = "nullable")]
    extensions: Vec<RawNamedExtension>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_yaml::Value>,
}

// No `Debug`: it holds secrets.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RawUser {
    #[serde(rename = "client-certificate", deserialize_with = "nullable")]
    client_certificate: String,
    #[serde(rename = "client-certificate-data", deserialize_with = "cert_data")]
    client_certificate_data: Vec<u8>,
    #[serde(rename = "client-key", deserialize_with = "nullable")]
    client_key: String,
    #[serde(rename = "client-key-data", deserialize_with = "key_data")]
    client_key_data: Vec<u8>,
    #[serde(deserialize_with = "nullable")]
    token: String,
    #[serde(rename = "tokenFile", deserialize_with = "nullable")]
    token_file: String,
    #[serde(rename = "as", deserialize_with = "nullable")]
    impersonate: String,
    #[serde(rename = "as-uid", deserialize_with = "nullable")]
    impersonate_uid: String,
    #[serde(rename = "as-groups", deserialize_with = "nullable")]
    impersonate_groups: Vec<String>,
    #[serde(rename = "as-user-extra", deserialize_with = "nullable")]
    impersonate_user_extra: BTreeMap<String, NullableList>,
    #[serde(deserialize_with = "nullable")]
    username: String,
    #[serde(deserialize_with = "nullable")]
    password: String,
    #[serde(rename = "auth-provider")]
    auth_provider: Option<RawAuthProvider>,
    exec: Option<RawExec>,
    #[serde(deserialize_with = "nullable")]
    extensions: Vec<RawNamedExtension>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_yaml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(transparent)]
struct NullableList(#[serde(deserialize_with = "nullable")] Vec<String>);

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawAuthProvider {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    config: BTreeMap<String, NullableString>,
}

#[derive(Deserialize, Default)]
#[serde(transparent)]
struct NullableString(#[serde(deserialize_with = "nullable")] String);

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawExec {
    #[serde(deserialize_with = "nullable")]
    command: String,
    args: Option<Vec<String>>,
    env: Option<Vec<RawExecEnv>>,
    #[serde(rename = "apiVersion", deserialize_with = "nullable")]
    api_version: String,
    #[serde(rename = "installHint", deserialize_with = "nullable")]
    install_hint: String,
    #[serde(rename = "provideClusterInfo", deserialize_with = "go_bool")]
    provide_cluster_info: bool,
    #[serde(rename = "interactiveMode", deserialize_with = "nullable")]
    interactive_mode: String,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_yaml::Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawExecEnv {
    #[serde(deserialize_with = "nullable")]
    name: String,
    #[serde(deserialize_with = "nullable")]
    value: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawContext {
    #[serde(deserialize_with = "nullable")]
    cluster: String,
    #[serde(deserialize_with = "nullable")]
    user: String,
    #[serde(deserialize_with = "nullable")]
    namespace: String,
    #[serde(deserialize_with = "nullable")]
    extensions: Vec<RawNamedExtension>,
    #[serde(flatten)]
    extra: BTreeMap<String, serde_yaml::Value>,
}
