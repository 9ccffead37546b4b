//! Exec credential plugin settings (kubeconfig `users[].user.exec`).
//!
//! Running the plugin and caching its credential is the transport's job
//! (`crate::transport::auth::exec`); this module only describes the plugin.

use std::path::PathBuf;

/// `users[].user.exec`: a command that prints an `ExecCredential`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecConfig {
    /// `client.authentication.k8s.io/v1` or `/v1beta1`.
    pub api_version: String,
    /// The command; resolved against the kubeconfig's directory when it contains a separator.
    pub command: PathBuf,
    /// Arguments.
    pub args: Vec<String>,
    /// Extra environment variables (merged over the client's environment).
    pub env: Vec<ExecEnvVar>,
    /// Shown when the command cannot be found.
    pub install_hint: Option<String>,
    /// Pass the cluster (server, CA, …) in `KUBERNETES_EXEC_INFO`.
    pub provide_cluster_info: bool,
    /// Whether the plugin may talk to the user.
    pub interactive_mode: ExecInteractiveMode,
    /// The cluster handed to the plugin when `provide_cluster_info` is set.
    pub cluster: Option<ExecClusterInfo>,
}

/// One `env` entry of an exec plugin. `Debug` hides the value (it may be a credential).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExecEnvVar {
    /// Variable name.
    pub name: String,
    /// Value.
    pub value: String,
}

impl std::fmt::Debug for ExecEnvVar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecEnvVar")
            .field("name", &self.name)
            .field("value", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for ExecClusterInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecClusterInfo")
            .field("server", &self.server)
            .field("tls_server_name", &self.tls_server_name)
            .field("insecure_skip_tls_verify", &self.insecure_skip_tls_verify)
            .field(
                "certificate_authority_data",
                &self
                    .certificate_authority_data
                    .as_ref()
                    .map(|d| super::DataLen(d.len())),
            )
            .field(
                "proxy_url",
                &self.proxy_url.as_deref().map(super::redact_url_password),
            )
            .field("disable_compression", &self.disable_compression)
            .field("config", &self.config.is_some())
            .finish()
    }
}

/// `interactiveMode` of an exec plugin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExecInteractiveMode {
    /// Never give the plugin a terminal.
    Never,
    /// Give it stdin if there is a terminal (the default for v1beta1 when unset).
    #[default]
    IfAvailable,
    /// The plugin needs a terminal; fail without one.
    Always,
}

/// The `spec.cluster` of `KUBERNETES_EXEC_INFO` (client.authentication.k8s.io `Cluster`).
/// `Debug` shows the CA bundle by its length.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ExecClusterInfo {
    /// Server URL.
    pub server: String,
    /// TLS server name override.
    pub tls_server_name: Option<String>,
    /// Skip TLS verification.
    pub insecure_skip_tls_verify: bool,
    /// CA bundle (PEM).
    pub certificate_authority_data: Option<Vec<u8>>,
    /// Proxy URL.
    pub proxy_url: Option<String>,
    /// Disable compression.
    pub disable_compression: bool,
    /// The cluster's `extensions` entry named `client.authentication.k8s.io/exec`, passed as `config`.
    pub config: Option<serde_json::Value>,
}
