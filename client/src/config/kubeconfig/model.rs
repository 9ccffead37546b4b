//! The kubeconfig data model (client-go `clientcmd/api.Config`).
//!
//! Files are read through their YAML form (`super::yaml`) into these types, which hold secrets
//! in [`SecretString`]/[`SecretBytes`] so that `Debug` never shows them.
//!
//! Field types follow one rule: a field that client-go always writes (`server`, a context's
//! `cluster` and `user`, an exec plugin's `command`) is a `String`; a field it omits when empty
//! is an `Option`, and the empty string is read as `None` (client-go treats `""` as unset
//! everywhere).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use crate::config::{AuthProviderConfig, DataLen, ExecEnvVar};
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
    /// The file `current-context` was taken from (named when it names no context).
    pub current_context_origin: Option<PathBuf>,
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
