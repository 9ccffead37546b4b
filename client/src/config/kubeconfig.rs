//! Kubeconfig loading with client-go's `clientcmd` rules (files, merge, overrides).

use std::path::PathBuf;

use super::Config;
use crate::Error;

/// Which kubeconfig to load and what to override (client-go `ClientConfigLoadingRules` +
/// `ConfigOverrides`, the `kubectl --kubeconfig/--context/--namespace/…` flags).
#[derive(Clone, Debug, Default)]
pub struct KubeconfigOptions {
    /// An explicit file (`--kubeconfig`): it must exist and is used alone.
    pub path: Option<PathBuf>,
    /// The `KUBECONFIG` value to use instead of the process environment (tests; `None` reads the
    /// environment). Same syntax: a list separated by the OS path separator.
    pub kubeconfig_env: Option<std::ffi::OsString>,
    /// The home directory for `~/.kube/config` instead of `$HOME` (tests).
    pub home: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `--cluster`.
    pub cluster: Option<String>,
    /// `--user`.
    pub user: Option<String>,
    /// `--namespace`.
    pub namespace: Option<String>,
    /// `--server` (clears the cluster's tls-server-name unless that is overridden too).
    pub server: Option<String>,
    /// `--tls-server-name`.
    pub tls_server_name: Option<String>,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: Option<bool>,
    /// `--certificate-authority`.
    pub certificate_authority: Option<PathBuf>,
}

impl Config {
    /// Loads the kubeconfig chosen by `options` with client-go's rules and resolves the context.
    pub fn from_kubeconfig(options: &KubeconfigOptions) -> Result<Config, Error> {
        Err(Error::Kubeconfig {
            path: options.path.clone(),
            message: "kubeconfig loading is being implemented".to_string(),
        })
    }
}
