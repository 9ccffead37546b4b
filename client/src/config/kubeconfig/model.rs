//! The kubeconfig data model (client-go `clientcmd/api.Config`) and its YAML form (`api/v1`).
//!
//! A file is read into private serde structs that mirror the YAML exactly (every field may be
//! missing or `null`, unknown keys are kept), then converted into the public model types, which
//! hold secrets in [`SecretString`]/[`SecretBytes`] so that `Debug` never shows them.
//!
//! Field types follow one rule: a field that client-go always writes (`server`, a context's
//! `cluster` and `user`, an exec plugin's `command`) is a `String`; a field it omits when empty
//! is an `Option`, and the empty string is read as `None` (client-go treats `""` as unset
//! everywhere).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::{Deserialize, Deserializer};

use crate::config::{AuthProviderConfig, ExecEnvVar};
use crate::secret::{SecretBytes, SecretString};

/// A merged kubeconfig: the clusters, users and contexts of every file loaded, with the
/// first file that defines a name winning (client-go `clientcmdapi.Config`).
///
/// Maps are keyed by name; `kubectl config view` lists them sorted by name, as does
/// [`Kubeconfig::view`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Kubeconfig {
    /// The files merged into this config, in precedence order (missing files are not listed).
    pub files: Vec<PathBuf>,
    /// `preferences`.
    pub preferences: Preferences,
    /// `clusters`, by name.
    pub clusters: BTreeMap<String, Cluster>,
    /// `users`, by name.
    pub users: BTreeMap<String, User>,
    /// `contexts`, by name.
    pub contexts: BTreeMap<String, Context>,
    /// `current-context`.
    pub current_context: Option<String>,
    /// Top-level `extensions`, by name (values as JSON).
    pub extensions: BTreeMap<String, serde_json::Value>,
    /// Top-level keys this library does not know (kept, never used).
    pub unknown: UnknownFields,
}

/// `preferences`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Preferences {
    /// `colors`.
    pub colors: bool,
    /// `extensions`, by name.
    pub extensions: BTreeMap<String, serde_json::Value>,
    /// Keys this library does not know.
    pub unknown: UnknownFields,
}

/// `clusters[].cluster`: where an apiserver is and how to trust it. `Debug` shows data fields
/// as their length and URLs without passwords.
#[derive(Clone, Default, PartialEq)]
pub struct Cluster {
    /// `server`: the apiserver's URL.
    pub server: String,
    /// `tls-server-name`: the name to verify the server certificate against (and send as SNI).
    pub tls_server_name: Option<String>,
    /// `insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// `certificate-authority`: a PEM file of CAs (relative paths resolve against `origin`'s
    /// directory when loaded with [`Kubeconfig::load`]).
    pub certificate_authority: Option<PathBuf>,
    /// `certificate-authority-data`: PEM CAs (base64 in the file).
    pub certificate_authority_data: Option<Vec<u8>>,
    /// `proxy-url`: `http://`, `https://` or `socks5://`.
    pub proxy_url: Option<String>,
    /// `disable-compression`.
    pub disable_compression: bool,
    /// `extensions`, by name; `client.authentication.k8s.io/exec` is handed to exec plugins.
    pub extensions: BTreeMap<String, serde_json::Value>,
    /// The file this cluster came from (client-go `LocationOfOrigin`).
    pub origin: Option<PathBuf>,
    /// Keys this library does not know.
    pub unknown: UnknownFields,
}

/// `users[].user` (client-go `AuthInfo`): who the client is. Secrets are redacted in `Debug`,
/// certificate data shown by its length.
#[derive(Clone, Default, PartialEq)]
pub struct User {
    /// `client-certificate`: a PEM file.
    pub client_certificate: Option<PathBuf>,
    /// `client-certificate-data`: PEM (base64 in the file).
    pub client_certificate_data: Option<Vec<u8>>,
    /// `client-key`: a PEM file.
    pub client_key: Option<PathBuf>,
    /// `client-key-data`: PEM (base64 in the file).
    pub client_key_data: Option<SecretBytes>,
    /// `token`: a bearer token.
    pub token: Option<SecretString>,
    /// `tokenFile`: a file holding a bearer token.
    pub token_file: Option<PathBuf>,
    /// `as`: the user to impersonate.
    pub impersonate: Option<String>,
    /// `as-uid`.
    pub impersonate_uid: Option<String>,
    /// `as-groups`.
    pub impersonate_groups: Vec<String>,
    /// `as-user-extra`.
    pub impersonate_user_extra: BTreeMap<String, Vec<String>>,
    /// `username` (basic auth).
    pub username: Option<String>,
    /// `password` (basic auth).
    pub password: Option<SecretString>,
    /// `auth-provider` (values redacted in `Debug`).
    pub auth_provider: Option<AuthProviderConfig>,
    /// `exec`: a credential plugin.
    pub exec: Option<ExecPlugin>,
    /// `extensions`, by name.
    pub extensions: BTreeMap<String, serde_json::Value>,
    /// The file this user came from (client-go `LocationOfOrigin`).
    pub origin: Option<PathBuf>,
    /// Keys this library does not know (values redacted in `Debug`).
    pub unknown: UnknownFields,
}

/// `users[].user.exec` as written (client-go `clientcmdapi.ExecConfig`); it becomes a
/// [`crate::config::ExecConfig`] when a context is resolved.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExecPlugin {
    /// `command` (resolved against `origin`'s directory when it contains a path separator).
    pub command: String,
    /// `args` (`None` when absent, which `kubectl config view` prints as `null`).
    pub args: Option<Vec<String>>,
    /// `env`.
    pub env: Option<Vec<ExecEnvVar>>,
    /// `apiVersion`: `client.authentication.k8s.io/v1` or `/v1beta1`.
    pub api_version: Option<String>,
    /// `installHint`.
    pub install_hint: Option<String>,
    /// `provideClusterInfo`.
    pub provide_cluster_info: bool,
    /// `interactiveMode`: `Never`, `IfAvailable` or `Always`; for `v1beta1` (and `v1alpha1`)
    /// a missing value is read as `IfAvailable`, for `v1` it is required (checked on use).
    pub interactive_mode: Option<String>,
    /// Keys this library does not know.
    pub unknown: UnknownFields,
}

/// `contexts[].context`: a cluster, a user and a default namespace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    /// `cluster`: a cluster name.
    pub cluster: String,
    /// `user`: a user name.
    pub user: String,
    /// `namespace`.
    pub namespace: Option<String>,
    /// `extensions`, by name.
    pub extensions: BTreeMap<String, serde_json::Value>,
    /// The file this context came from (client-go `LocationOfOrigin`).
    pub origin: Option<PathBuf>,
    /// Keys this library does not know.
    pub unknown: UnknownFields,
}

impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("server", &redact_url(&self.server))
            .field("tls_server_name", &self.tls_server_name)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field("certificate_authority", &self.certificate_authority)
            .field(
                "certificate_authority_data",
                &self
                    .certificate_authority_data
                    .as_ref()
                    .map(|d| DataLen(d.len())),
            )
            .field("proxy_url", &self.proxy_url.as_deref().map(redact_url))
            .field("disable_compression", &self.disable_compression)
            .field("extensions", &self.extensions.keys().collect::<Vec<_>>())
            .field("origin", &self.origin)
            .field("unknown", &self.unknown)
            .finish()
    }
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("client_certificate", &self.client_certificate)
            .field(
                "client_certificate_data",
                &self
                    .client_certificate_data
                    .as_ref()
                    .map(|d| DataLen(d.len())),
            )
            .field("client_key", &self.client_key)
            .field("client_key_data", &self.client_key_data)
            .field("token", &self.token)
            .field("token_file", &self.token_file)
            .field("impersonate", &self.impersonate)
            .field("impersonate_uid", &self.impersonate_uid)
            .field("impersonate_groups", &self.impersonate_groups)
            .field("impersonate_user_extra", &self.impersonate_user_extra)
            .field("username", &self.username)
            .field("password", &self.password)
            .field("auth_provider", &self.auth_provider)
            .field("exec", &self.exec)
            .field("extensions", &self.extensions.keys().collect::<Vec<_>>())
            .field("origin", &self.origin)
            .field("unknown", &self.unknown)
            .finish()
    }
}

/// Shows data by its length only.
struct DataLen(usize);

impl fmt::Debug for DataLen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

/// A URL with any password replaced by `xxxxx` (Go's `url.Redacted`), for messages and `Debug`.
pub(super) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:xxxxx@{host}{tail}")
        }
        _ => url.to_string(),
    }
}

/// Keys of a kubeconfig object this library does not know: kept as read, never used.
/// `Debug` shows only the keys, since a value could be anything (even a credential).
#[derive(Clone, Default, PartialEq)]
pub struct UnknownFields(pub BTreeMap<String, serde_yaml::Value>);

impl fmt::Debug for UnknownFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

// ---------------------------------------------------------------------------------------------
// The YAML form. Every field may be absent or null (Go's JSON decoding leaves the zero value).

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
pub(super) struct RawFile {
    #[serde(deserialize_with = "nullable")]
    kind: String,
    #[serde(rename = "apiVersion", deserialize_with = "nullable")]
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

// ---------------------------------------------------------------------------------------------
// YAML form -> model.

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn non_empty_path(s: String) -> Option<PathBuf> {
    (!s.is_empty()).then(|| PathBuf::from(s))
}

fn non_empty_bytes(b: Vec<u8>) -> Option<Vec<u8>> {
    (!b.is_empty()).then_some(b)
}

/// A YAML value as JSON, the way Go's `yaml.YAMLToJSON` does it (map keys become strings;
/// non-finite floats, which JSON cannot carry, become `null`).
pub(super) fn yaml_to_json(value: &serde_yaml::Value) -> serde_json::Value {
    use serde_yaml::Value as Y;
    match value {
        Y::Null => serde_json::Value::Null,
        Y::Bool(b) => serde_json::Value::Bool(*b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Y::String(s) => serde_json::Value::String(s.clone()),
        Y::Sequence(items) => serde_json::Value::Array(items.iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => serde_json::Value::Object(
            map.iter()
                .map(|(k, v)| (yaml_key(k), yaml_to_json(v)))
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(&tagged.value),
    }
}

fn yaml_key(key: &serde_yaml::Value) -> String {
    match key {
        serde_yaml::Value::String(s) => s.clone(),
        serde_yaml::Value::Null => "null".to_string(),
        serde_yaml::Value::Bool(b) => b.to_string(),
        serde_yaml::Value::Number(n) => n.to_string(),
        other => serde_json::to_string(&yaml_to_json(other)).unwrap_or_default(),
    }
}

/// Named list -> map; a name twice in one file is an error, as in client-go's conversion.
fn named<R, T>(
    list: Vec<R>,
    what: &str,
    split: impl Fn(R) -> (String, T),
) -> Result<BTreeMap<String, T>, String> {
    let mut map = BTreeMap::new();
    for item in list {
        let (name, value) = split(item);
        if map.contains_key(&name) {
            return Err(format!("duplicate name {name:?} in {what}"));
        }
        map.insert(name, value);
    }
    Ok(map)
}

fn extensions(
    list: Vec<RawNamedExtension>,
    what: &str,
) -> Result<BTreeMap<String, serde_json::Value>, String> {
    named(list, what, |e| (e.name, yaml_to_json(&e.extension)))
}

impl RawFile {
    /// Converts the YAML form into the model; `origin` is recorded on every cluster, user and
    /// context. Errors are messages (the caller adds the file).
    pub(super) fn into_model(self, origin: Option<&Path>) -> Result<Kubeconfig, String> {
        let origin = origin.map(Path::to_path_buf);
        let mut unknown = self.extra;
        // `kind`/`apiVersion` carry no meaning here; keep them with the unknown keys.
        if !self.kind.is_empty() {
            unknown.insert("kind".into(), serde_yaml::Value::String(self.kind));
        }
        if !self.api_version.is_empty() {
            unknown.insert(
                "apiVersion".into(),
                serde_yaml::Value::String(self.api_version),
            );
        }
        let clusters = named(self.clusters, "clusters", |c| (c.name, c.cluster))?
            .into_iter()
            .map(|(name, c)| Ok((name, c.into_model(origin.clone())?)))
            .collect::<Result<_, String>>()?;
        let users = named(self.users, "users", |u| (u.name, u.user))?
            .into_iter()
            .map(|(name, u)| Ok((name, u.into_model(origin.clone())?)))
            .collect::<Result<_, String>>()?;
        let contexts = named(self.contexts, "contexts", |c| (c.name, c.context))?
            .into_iter()
            .map(|(name, c)| Ok((name, c.into_model(origin.clone())?)))
            .collect::<Result<_, String>>()?;
        Ok(Kubeconfig {
            files: origin.into_iter().collect(),
            preferences: Preferences {
                colors: self.preferences.colors,
                extensions: extensions(self.preferences.extensions, "preferences.extensions")?,
                unknown: UnknownFields(self.preferences.extra),
            },
            clusters,
            users,
            contexts,
            current_context: non_empty(self.current_context),
            extensions: extensions(self.extensions, "extensions")?,
            unknown: UnknownFields(unknown),
        })
    }
}

impl RawCluster {
    fn into_model(self, origin: Option<PathBuf>) -> Result<Cluster, String> {
        Ok(Cluster {
            server: self.server,
            tls_server_name: non_empty(self.tls_server_name),
            insecure_skip_tls_verify: self.insecure_skip_tls_verify,
            certificate_authority: non_empty_path(self.certificate_authority),
            certificate_authority_data: non_empty_bytes(self.certificate_authority_data),
            proxy_url: non_empty(self.proxy_url),
            disable_compression: self.disable_compression,
            extensions: extensions(self.extensions, "cluster extensions")?,
            origin,
            unknown: UnknownFields(self.extra),
        })
    }
}

impl RawUser {
    fn into_model(self, origin: Option<PathBuf>) -> Result<User, String> {
        Ok(User {
            client_certificate: non_empty_path(self.client_certificate),
            client_certificate_data: non_empty_bytes(self.client_certificate_data),
            client_key: non_empty_path(self.client_key),
            client_key_data: non_empty_bytes(self.client_key_data).map(SecretBytes::new),
            token: non_empty(self.token).map(SecretString::new),
            token_file: non_empty_path(self.token_file),
            impersonate: non_empty(self.impersonate),
            impersonate_uid: non_empty(self.impersonate_uid),
            impersonate_groups: self.impersonate_groups,
            impersonate_user_extra: self
                .impersonate_user_extra
                .into_iter()
                .map(|(k, v)| (k, v.0))
                .collect(),
            username: non_empty(self.username),
            password: non_empty(self.password).map(SecretString::new),
            auth_provider: self.auth_provider.map(|p| AuthProviderConfig {
                name: p.name,
                config: p
                    .config
                    .into_iter()
                    .map(|(k, v)| (k, SecretString::new(v.0)))
                    .collect(),
            }),
            exec: self.exec.map(RawExec::into_model),
            extensions: extensions(self.extensions, "user extensions")?,
            origin,
            unknown: UnknownFields(self.extra),
        })
    }
}

impl RawExec {
    fn into_model(self) -> ExecPlugin {
        let mut interactive_mode = non_empty(self.interactive_mode);
        // client-go's defaulting (api/v1 SetDefaults_ExecConfig): the beta and alpha versions
        // predate the field and mean IfAvailable; v1 must say.
        if interactive_mode.is_none()
            && matches!(
                self.api_version.as_str(),
                "client.authentication.k8s.io/v1beta1" | "client.authentication.k8s.io/v1alpha1"
            )
        {
            interactive_mode = Some("IfAvailable".to_string());
        }
        ExecPlugin {
            command: self.command,
            args: self.args,
            env: self.env.map(|env| {
                env.into_iter()
                    .map(|e| ExecEnvVar {
                        name: e.name,
                        value: e.value,
                    })
                    .collect()
            }),
            api_version: non_empty(self.api_version),
            install_hint: non_empty(self.install_hint),
            provide_cluster_info: self.provide_cluster_info,
            interactive_mode,
            unknown: UnknownFields(self.extra),
        }
    }
}

impl RawContext {
    fn into_model(self, origin: Option<PathBuf>) -> Result<Context, String> {
        Ok(Context {
            cluster: self.cluster,
            user: self.user,
            namespace: non_empty(self.namespace),
            extensions: extensions(self.extensions, "context extensions")?,
            origin,
            unknown: UnknownFields(self.extra),
        })
    }
}
