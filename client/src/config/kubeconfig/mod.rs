//! Kubeconfig files, loaded, merged and resolved with client-go's `clientcmd` rules.
//!
//! # Which files
//!
//! - An explicit file ([`KubeconfigOptions::path`], `kubectl --kubeconfig`) must exist and is
//!   used alone.
//! - Otherwise `KUBECONFIG` is a list of files separated by the OS path separator (`:` on Unix,
//!   `;` on Windows). Duplicates are dropped (the first stays), files that do not exist are
//!   skipped, and a file that exists but cannot be read or parsed is an error.
//! - With `KUBECONFIG` unset or empty, `~/.kube/config`.
//!
//! # How they merge
//!
//! A cluster, user or context is taken **whole** from the first file that defines its name —
//! fields are never combined across files. `current-context` comes from the first file that
//! sets it. Relative paths (`certificate-authority`, `client-certificate`, `client-key`,
//! `tokenFile`, and an exec `command` containing a path separator such as `./bin/plugin`) are
//! relative to the directory of the file that defined the entry.
//!
//! # Resolving a context
//!
//! [`KubeconfigOptions`] carries kubectl's overrides (`--context`, `--cluster`, `--user`,
//! `--namespace`, `--server`, `--tls-server-name`, `--insecure-skip-tls-verify`,
//! `--certificate-authority`, `--token`; [`ConfigFlags`](crate::config::ConfigFlags) parses them
//! from a command line), applied like client-go does:
//!
//! - a context, cluster or user named by an override must exist (`context "x" does not exist`);
//! - `--server` clears the file's `tls-server-name` unless `--tls-server-name` is given too;
//! - `--insecure-skip-tls-verify` clears the CA, and `--certificate-authority` replaces the CA
//!   and turns insecure off;
//! - the namespace is the override, else the context's, else `default`.
//!
//! The user and cluster are then validated (client-go `ConfirmUsable`: one authentication
//! method, a key with a certificate, a valid exec plugin, a server, a proxy URL with scheme
//! http, https or socks5 …), every referenced file is read — a missing one is reported as
//! [`Error::ReadFile`] naming the field and the file — and PEM data is checked: a CA bundle
//! must hold X.509 certificates, or the error names the setting as written
//! (`certificate-authority-data` or `certificate-authority`), the cluster and the file; the
//! same words name the CA when a server's certificate is signed by another one. As in
//! client-go, credentials and TLS settings are only used for `https://` servers.
//!
//! Where client-go's messages mislead, ours differ: a `current-context` naming no context is
//! one error naming the file and the contexts there are (client-go adds "cluster has no
//! server defined"); no kubeconfig at all names the files tried and says whether `KUBECONFIG`
//! chose them (client-go suggests the `KUBERNETES_MASTER` variable, which only kubectl reads).
//!
//! ```no_run
//! use k8s_client::config::{Config, Kubeconfig, KubeconfigOptions};
//!
//! // `kubectl --context staging -n web`:
//! let options = KubeconfigOptions {
//!     context: Some("staging".into()),
//!     namespace: Some("web".into()),
//!     ..Default::default()
//! };
//! let config = Config::from_kubeconfig(&options)?;
//! println!("{} as namespace {}", config.server, config.namespace);
//!
//! // The merged files themselves, as `kubectl config view --raw` shows them:
//! let kubeconfig = Kubeconfig::load(&options)?;
//! for (name, cluster) in &kubeconfig.clusters {
//!     println!("{name}: {} (from {:?})", cluster.server, cluster.origin);
//! }
//! println!("{}", kubeconfig.view());
//! # Ok::<(), k8s_client::Error>(())
//! ```
//!
//! Secrets read from kubeconfigs never appear in `Debug` output or in errors.
//!
//! # Where this differs from kubectl
//!
//! The semantics are client-go's *library* defaults (what `clientcmd.BuildConfigFromFlags` and
//! `NewNonInteractiveDeferredLoadingClientConfig` give a Go program), checked against kubectl
//! v1.37.2 by the tests in `tests/tests/client_kubeconfig.rs` and by the randomized
//! differential in `tests/tests/kubeconfig_differential/` (seeded sets of 1–4 files: the
//! merged, flattened view, the current context, and the URL a client built from them posts
//! to, or the same class of error). kubectl adds a few things of its own that are deliberately
//! not copied:
//!
//! - With no usable cluster (no file, no current-context, a context naming a missing cluster,
//!   a cluster with no server), kubectl falls back to `http://localhost:8080` (or
//!   `$KUBERNETES_MASTER`); we report that nothing is configured.
//! - kubectl prompts on the terminal for a user name and password when an `https` user has no
//!   credentials; we never prompt (the user is anonymous).
//! - The legacy `~/.kube/.kubeconfig` is not migrated to `~/.kube/config`.
//!
//! Reading files, as kubectl reads them:
//!
//! - A key written twice in one mapping keeps its **last** value (Go's YAML reader), at any
//!   depth; a *name* twice in one list (two clusters called `prod`) is still an error, as in
//!   client-go. Errors of a file with a repeated key carry the file but no line and column.
//! - A leading UTF-8 byte-order mark is skipped.
//! - `apiVersion` and `kind` are checked as client-go's decoder checks them: strings (or
//!   absent); an empty kind is `Config` and an empty version `v1`; anything but the kind
//!   `Config` of the group-less version `v1` is refused ("not a kubeconfig"), as is an
//!   `apiVersion` with two `/` or a group without a version.
//!
//! And YAML is read by serde_yaml (YAML 1.2) rather than Go's YAML 1.1 reader: booleans accept
//! YAML 1.1's `yes`/`no`/`on`/`off`/`y`/`n` as kubectl does, but where kubectl rejects an
//! unquoted `yes` or `123` in a string field we read the text.
//!
//! Other deliberate differences, found by the differential:
//!
//! - A client certificate or key *file* whose content is not PEM is refused when the client is
//!   built (naming the field). client-go reads a file pair at each TLS handshake instead, logs
//!   the failure and connects without a client certificate.
//! - An auth-provider written with an empty `config: {}` is viewed (and flattened) with
//!   `config: null`, as one written without `config`: the model keeps the settings as a map.
//! - Server URLs are read as client-go reads them (a bare `host:port` is `http`, or `https`
//!   with TLS settings; the path is cleaned; the query and fragment are dropped; `%zz` and a
//!   non-numeric port are refused), except that only the `https` and `http` schemes are
//!   accepted when the client is built (client-go fails at the first request) and characters
//!   that must be percent-encoded, such as a space, are refused rather than encoded.
//! - A `tls-server-name` that is neither a DNS name nor an IP address is accepted, like
//!   client-go, but rustls cannot verify a certificate against it: with verification on, the
//!   handshake fails with an error naming it (Go would match only an identical certificate
//!   name); the URL's host is sent as SNI.

mod load;
mod model;
mod pem;
mod resolve;
#[cfg(test)]
mod tests;
mod validate;
mod view;
mod yaml;

use std::path::PathBuf;

pub use model::{Cluster, Context, ExecPlugin, Kubeconfig, Preferences, UnknownFields, User};

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
    /// `--insecure-skip-tls-verify`. Like the kubectl flag, only `Some(true)` overrides; it also
    /// drops the cluster's CA.
    pub insecure_skip_tls_verify: Option<bool>,
    /// `--certificate-authority` (relative to the working directory); replaces the cluster's
    /// CA and turns insecure off.
    pub certificate_authority: Option<PathBuf>,
    /// `--token`: the bearer token, instead of the user's `token` and `tokenFile`.
    pub token: Option<crate::SecretString>,
}

impl KubeconfigOptions {
    /// The files that would be read, in precedence order (an explicit path alone; else the
    /// de-duplicated `KUBECONFIG` list; else `~/.kube/config`), whether or not they exist.
    pub fn files(&self) -> Vec<PathBuf> {
        load::sources(self).paths()
    }
}

impl Config {
    /// Loads the kubeconfig chosen by `options` with client-go's rules and resolves the context
    /// (see [the module docs](crate::config::kubeconfig)).
    ///
    /// Errors: [`Error::KubeconfigSyntax`] for a file that is not valid YAML (with line and
    /// column), [`Error::ReadFile`] for a referenced file that cannot be read,
    /// [`Error::Tls`] for bad PEM, [`Error::Kubeconfig`] for everything else (unknown context,
    /// no server, conflicting fields, no configuration at all).
    pub fn from_kubeconfig(options: &KubeconfigOptions) -> Result<Config, Error> {
        Kubeconfig::load(options)?.to_config(options)
    }

    /// A config from kubeconfig YAML in memory (client-go `RESTConfigFromKubeConfig`), using its
    /// `current-context`. Relative paths in it are relative to the working directory.
    pub fn from_kubeconfig_yaml(yaml: &[u8]) -> Result<Config, Error> {
        Kubeconfig::parse(yaml)?.to_config(&KubeconfigOptions::default())
    }
}

impl Kubeconfig {
    /// Loads and merges the files chosen by `options` (only the file selection of `options` is
    /// used here, not the overrides) and resolves relative paths against the file that defined
    /// them — client-go `ClientConfigLoadingRules.Load`. When none of the files exist the result
    /// is empty (and [`Kubeconfig::to_config`] then reports that nothing was configured).
    pub fn load(options: &KubeconfigOptions) -> Result<Kubeconfig, Error> {
        let mut kubeconfig = Kubeconfig::load_unresolved(options)?;
        kubeconfig.resolve_paths();
        Ok(kubeconfig)
    }

    /// Like [`Kubeconfig::load`] but leaves paths as written — what `kubectl config view`
    /// shows, since kubectl loads for viewing with `DoNotResolvePaths`.
    pub fn load_unresolved(options: &KubeconfigOptions) -> Result<Kubeconfig, Error> {
        load::load(&load::sources(options))
    }

    /// Parses one kubeconfig document from memory. Entries have no origin, so relative paths
    /// stay relative (to the working directory).
    pub fn parse(yaml: &[u8]) -> Result<Kubeconfig, Error> {
        load::parse(yaml, None)
    }

    /// Parses one kubeconfig document as the contents of `origin`, which names it in errors and
    /// becomes the origin of its entries (call [`Kubeconfig::resolve_paths`] to resolve them).
    pub fn parse_file_contents(yaml: &[u8], origin: &std::path::Path) -> Result<Kubeconfig, Error> {
        load::parse(yaml, Some(origin))
    }
}
