//! From a merged kubeconfig and the overrides to a [`Config`] (client-go
//! `DirectClientConfig.ClientConfig`: `getContext`, `getAuthInfo`, `getCluster`, `ConfirmUsable`).

use std::path::{Path, PathBuf};

use super::KubeconfigOptions;
use super::model::{Cluster, Context, ExecPlugin, Kubeconfig, User};
use super::validate::{aggregate, interactive_mode, validate_cluster, validate_user};
use crate::Error;
use crate::config::{AuthInfo, Config, ExecClusterInfo, ExecConfig, Impersonate, TlsConfig};
use crate::secret::{SecretBytes, SecretString};

/// The extension of a cluster handed to exec plugins as `spec.cluster.config`.
const EXEC_EXTENSION: &str = "client.authentication.k8s.io/exec";

/// client-go's message when nothing usable was found, without its legacy hint
/// ("try setting KUBERNETES_MASTER environment variable": client-go's library ignores that
/// variable; only kubectl reads it).
const EMPTY_CONFIG: &str = "no configuration has been provided";

fn invalid(message: impl Into<String>) -> Error {
    Error::Kubeconfig {
        path: None,
        message: message.into(),
    }
}

/// `"a", "b"` (or `none`).
fn quoted_list<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<String> = names.map(|n| format!("{n:?}")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// The context, user and cluster chosen by the options, overrides applied.
#[derive(Debug)]
pub(super) struct Selection {
    pub(super) context_name: String,
    pub(super) context: Context,
    pub(super) user_name: String,
    pub(super) user: User,
    pub(super) cluster_name: String,
    pub(super) cluster: Cluster,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

impl Kubeconfig {
    /// The context, user and cluster `options` select, with the overrides applied, in the order
    /// and with the errors of client-go: an overridden context, user or cluster must exist
    /// (`context "x" does not exist`); names that only come from the file may be missing (an
    /// empty user is anonymous; an empty cluster fails validation later).
    pub(super) fn select(&self, options: &KubeconfigOptions) -> Result<Selection, Error> {
        // getContext
        let context_override = given(&options.context);
        let context_name = context_override
            .map(str::to_string)
            .or_else(|| self.current_context.clone())
            .unwrap_or_default();
        let found = self.contexts.get(&context_name);
        let mut context = found.cloned().unwrap_or_default();
        if let Some(cluster) = given(&options.cluster) {
            context.cluster = cluster.to_string();
        }
        if let Some(user) = given(&options.user) {
            context.user = user.to_string();
        }
        if let Some(namespace) = given(&options.namespace) {
            context.namespace = Some(namespace.to_string());
        }

        // getAuthInfo (client-go asks for it first, so its error comes first)
        let user_name = context.user.clone();
        let mut user = match self.users.get(&user_name) {
            Some(user) => user.clone(),
            None if given(&options.user).is_some() => {
                return Err(invalid(format!("auth info {user_name:?} does not exist")));
            }
            None => User::default(),
        };
        // --token replaces the user's token, and its tokenFile (which would take precedence).
        if let Some(token) = options.token.as_ref().filter(|t| !t.is_empty()) {
            user.token = Some(token.clone());
            user.token_file = None;
        }

        // getContext (after getAuthInfo, as in client-go's ClientConfig)
        if found.is_none() && context_override.is_some() {
            return Err(invalid(format!("context {context_name:?} does not exist")));
        }

        // getCluster
        let cluster_name = context.cluster.clone();
        let mut cluster = match self.clusters.get(&cluster_name) {
            Some(cluster) => cluster.clone(),
            None if given(&options.cluster).is_some() => {
                return Err(invalid(format!("cluster {cluster_name:?} does not exist")));
            }
            None => Cluster::default(),
        };
        if let Some(server) = given(&options.server) {
            cluster.server = server.to_string();
        }
        if let Some(name) = given(&options.tls_server_name) {
            cluster.tls_server_name = Some(name.to_string());
        }
        // A Go bool flag only overrides when true: `Some(false)` is the same as `None`.
        let insecure = options.insecure_skip_tls_verify == Some(true);
        let ca = options
            .certificate_authority
            .as_ref()
            .filter(|p| !p.as_os_str().is_empty());
        // --insecure-skip-tls-verify drops the CA (they cannot be combined); --certificate-authority
        // replaces CA data and turns insecure off.
        if insecure || ca.is_some() {
            cluster.insecure_skip_tls_verify = insecure;
            cluster.certificate_authority = ca.cloned();
            cluster.certificate_authority_data = None;
        }
        // --server clears the file's tls-server-name unless --tls-server-name is given too.
        if given(&options.tls_server_name).is_some() || given(&options.server).is_some() {
            cluster.tls_server_name = given(&options.tls_server_name).map(str::to_string);
        }

        Ok(Selection {
            context_name,
            context,
            user_name,
            user,
            cluster_name,
            cluster,
        })
    }

    /// Resolves the context chosen by `options` (overrides applied) into a [`Config`], validating
    /// like client-go's `ConfirmUsable` and reading every file the user and cluster refer to.
    pub fn to_config(&self, options: &KubeconfigOptions) -> Result<Config, Error> {
        let selection = self.select(options)?;
        self.confirm_usable(&selection, options)?;
        build(&selection, options)
    }

    /// The namespace `options` select: the override, else the context's, else `default`.
    pub fn namespace(&self, options: &KubeconfigOptions) -> Result<String, Error> {
        if let Some(namespace) = given(&options.namespace) {
            return Ok(namespace.to_string());
        }
        Ok(self
            .select(options)?
            .context
            .namespace
            .unwrap_or_else(|| "default".to_string()))
    }

    /// client-go `DirectClientConfig.ConfirmUsable`: all problems at once, as one message —
    /// except where client-go's messages mislead: a `current-context` naming no context is
    /// reported alone (client-go adds "cluster has no server defined", a consequence), and
    /// "no configuration has been provided" says why (no file found, no current-context, a
    /// context naming a missing cluster).
    fn confirm_usable(&self, s: &Selection, options: &KubeconfigOptions) -> Result<(), Error> {
        if !s.context_name.is_empty() && !self.contexts.contains_key(&s.context_name) {
            // Only the file's current-context gets here: an override naming no context was
            // refused by `select`.
            return Err(Error::Kubeconfig {
                path: self.current_context_origin.clone(),
                message: format!(
                    "context {:?} (the current-context) does not exist; contexts defined: {}",
                    s.context_name,
                    quoted_list(self.contexts.keys())
                ),
            });
        }
        let mut problems = Vec::new();
        validate_user(&s.user_name, &s.user, &mut problems);
        let empty_cluster = validate_cluster(&s.cluster_name, &s.cluster, &mut problems);
        if problems.is_empty() {
            return Ok(());
        }
        if problems.len() == 1 && empty_cluster {
            return Err(self.nothing_configured(s, options));
        }
        problems.dedup();
        Err(invalid(format!(
            "invalid configuration: {}",
            aggregate(&problems)
        )))
    }

    /// Why there is no cluster to talk to (client-go's `ErrEmptyConfig`), naming the file
    /// and what is missing.
    fn nothing_configured(&self, s: &Selection, options: &KubeconfigOptions) -> Error {
        let one_file = |files: &[PathBuf]| match files {
            [one] => Some(one.clone()),
            _ => None,
        };
        let empty = self.clusters.is_empty()
            && self.users.is_empty()
            && self.contexts.is_empty()
            && self.current_context.is_none();
        if self.files.is_empty() && empty {
            // No kubeconfig at all: say which files were tried and how they were chosen.
            let tried = super::load::sources(options).paths();
            let list = || {
                tried
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let from_env = options
                .kubeconfig_env
                .clone()
                .or_else(|| std::env::var_os("KUBECONFIG"))
                .is_some_and(|v| !v.is_empty());
            let message = match (from_env, tried.len()) {
                (true, 1) => "no such file (named by KUBECONFIG)".to_string(),
                (true, _) => format!(
                    "{EMPTY_CONFIG}: none of the files named by KUBECONFIG exists ({})",
                    list()
                ),
                (false, 1) => "no such file (the default kubeconfig, used because KUBECONFIG is not set; set KUBECONFIG or pass a kubeconfig path)".to_string(),
                (false, _) => format!(
                    "{EMPTY_CONFIG}: KUBECONFIG is not set and there is no home directory to find ~/.kube/config in"
                ),
            };
            return Error::Kubeconfig {
                path: one_file(&tried),
                message,
            };
        }
        let (path, why) = if s.context_name.is_empty() {
            (
                one_file(&self.files),
                "no current-context is set (choose a context with --context / KubeconfigOptions::context, or `kubectl config use-context`)".to_string(),
            )
        } else {
            let origin = self
                .contexts
                .get(&s.context_name)
                .and_then(|c| c.origin.clone());
            let why = if s.cluster_name.is_empty() {
                format!("context {:?} names no cluster", s.context_name)
            } else {
                format!(
                    "context {:?} names cluster {:?}, which does not exist; clusters defined: {}",
                    s.context_name,
                    s.cluster_name,
                    quoted_list(self.clusters.keys())
                )
            };
            (origin.or_else(|| one_file(&self.files)), why)
        };
        Error::Kubeconfig {
            path,
            message: format!("{EMPTY_CONFIG}: {why}"),
        }
    }
}

/// Whether client-go would talk TLS to `server` (`rest.IsConfigTransportTLS` as called by
/// `ClientConfig`, before any TLS settings are known): only an `https://host…` URL. Anything
/// else (`http://`, or a bare `host:port`, which client-go then reaches over plain HTTP) gets
/// no credentials and no TLS settings.
fn is_tls(server: &str) -> bool {
    let Some(rest) = server
        .split_once("://")
        .and_then(|(scheme, rest)| scheme.eq_ignore_ascii_case("https").then_some(rest))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    !host.is_empty()
}

/// client-go drops the query of a server URL that has a path (`/prefix?x` -> `/prefix`).
fn normalize_server(server: &str) -> String {
    let Some((scheme, rest)) = server.split_once("://") else {
        return server.to_string();
    };
    let path_start = rest.find('/');
    match (path_start, rest.find('?')) {
        (Some(p), Some(q)) if p < q && q - p > 1 => format!("{scheme}://{}", &rest[..q]),
        _ => server.to_string(),
    }
}

fn read(field: String, path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::ReadFile {
        field,
        path: path.to_path_buf(),
        source,
    })
}

/// The bytes of a `x` / `x-data` pair (validation made sure only one is set).
fn file_or_data(
    field: String,
    file: Option<&PathBuf>,
    data: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, Error> {
    match (data, file) {
        (Some(data), _) => Ok(Some(data.to_vec())),
        (None, Some(file)) => read(field, file).map(Some),
        (None, None) => Ok(None),
    }
}

/// Builds the `rest.Config` (client-go `ClientConfig` + `getUserIdentificationPartialConfig` +
/// `getServerIdentificationPartialConfig`).
fn build(s: &Selection, options: &KubeconfigOptions) -> Result<Config, Error> {
    let cluster = &s.cluster;
    // The CA setting as written, for errors (a bad bundle, a server it did not sign).
    let in_file = cluster
        .origin
        .as_ref()
        .map(|o| format!(" in {}", o.display()))
        .unwrap_or_default();
    let ca_origin = match (
        &options.certificate_authority,
        &cluster.certificate_authority,
    ) {
        (Some(path), _) if !path.as_os_str().is_empty() => {
            format!("--certificate-authority {}", path.display())
        }
        _ if cluster.certificate_authority_data.is_some() => format!(
            "certificate-authority-data of cluster {:?}{in_file}",
            s.cluster_name
        ),
        (_, Some(path)) => format!(
            "certificate-authority {} of cluster {:?}{in_file}",
            path.display(),
            s.cluster_name
        ),
        _ => String::new(),
    };
    let ca_field = if options.certificate_authority.is_some() {
        "certificate-authority (override)".to_string()
    } else {
        format!("clusters[{}].certificate-authority", s.cluster_name)
    };
    // client-go opens these files while validating, whatever the scheme.
    // An empty CA file is no CA: the platform trust store is used, as when no CA is named
    // (client-go builds no CA pool from empty data). With insecure-skip-tls-verify it is kept
    // (empty), so that the transport refuses the combination as client-go's does: its `HasCA`
    // counts a named file, empty or not.
    let ca = file_or_data(
        ca_field.clone(),
        cluster.certificate_authority.as_ref(),
        cluster.certificate_authority_data.as_deref(),
    )?
    .filter(|data| !data.is_empty() || cluster.insecure_skip_tls_verify);
    let user_field = |f: &str| format!("users[{}].{f}", s.user_name);
    let user = &s.user;
    let client_cert = file_or_data(
        user_field("client-certificate"),
        user.client_certificate.as_ref(),
        user.client_certificate_data.as_deref(),
    )?;
    let client_key = match (&user.client_key_data, &user.client_key) {
        (Some(data), _) => Some(data.clone()),
        (None, Some(file)) => Some(SecretBytes::new(read(user_field("client-key"), file)?)),
        (None, None) => None,
    };

    let mut config = Config::new(normalize_server(&cluster.server));
    config.namespace = s
        .context
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    config.proxy_url = cluster.proxy_url.clone();
    config.disable_compression = cluster.disable_compression;
    let impersonate = user.impersonate.as_ref().map(|name| Impersonate {
        user: name.clone(),
        uid: user.impersonate_uid.clone(),
        groups: user.impersonate_groups.clone(),
        extra: user.impersonate_user_extra.clone(),
    });
    config.auth.impersonate = impersonate;
    if !is_tls(&config.server) {
        // client-go only reads user and server identification for https servers.
        return Ok(config);
    }

    if let Some(ca) = ca.as_ref().filter(|ca| !ca.is_empty()) {
        // The bundle must parse as trust anchors now, not fail the first handshake as an
        // "invalid peer certificate".
        crate::transport::tls::parse_ca_bundle(ca)
            .map_err(|why| Error::tls(format!("the CA in {ca_origin} is bad: {why}")))?;
    }
    if let Some(cert) = &client_cert {
        let field = if user.client_certificate_data.is_some() {
            user_field("client-certificate-data")
        } else {
            user_field("client-certificate")
        };
        super::pem::check_certificates(&field, cert)?;
        if let Some(key) = &client_key {
            let field = if user.client_key_data.is_some() {
                user_field("client-key-data")
            } else {
                user_field("client-key")
            };
            super::pem::check_private_key(&field, key.expose())?;
        }
    }
    config.tls = TlsConfig {
        ca_origin: ca.as_ref().map(|_| ca_origin),
        ca_data: ca.clone(),
        insecure: cluster.insecure_skip_tls_verify,
        server_name: cluster.tls_server_name.clone(),
        // client-go takes the key only along with a certificate.
        client_key: client_cert.as_ref().and(client_key),
        client_cert,
    };
    config.auth = user_auth(s, user, &config, ca)?;
    Ok(config)
}

fn user_auth(
    s: &Selection,
    user: &User,
    config: &Config,
    ca: Option<Vec<u8>>,
) -> Result<AuthInfo, Error> {
    let mut auth = AuthInfo {
        impersonate: config.auth.impersonate.clone(),
        ..AuthInfo::default()
    };
    if let Some(token) = &user.token {
        auth.token = Some(token.clone());
        auth.token_file = user.token_file.clone();
    } else if let Some(file) = &user.token_file {
        let bytes = read(format!("users[{}].tokenFile", s.user_name), file)?;
        // The transport re-reads the file and trims it, as client-go's file token source does.
        let token = String::from_utf8_lossy(&bytes).trim().to_string();
        auth.token = Some(SecretString::new(token));
        auth.token_file = Some(file.clone());
    }
    if user.username.is_some() || user.password.is_some() {
        auth.username = user.username.clone();
        auth.password = user.password.clone();
    }
    auth.auth_provider = user.auth_provider.clone();
    if let Some(exec) = &user.exec {
        auth.exec = Some(exec_config(exec, &s.cluster, config, ca));
    }
    Ok(auth)
}

fn exec_config(
    exec: &ExecPlugin,
    cluster: &Cluster,
    config: &Config,
    ca: Option<Vec<u8>>,
) -> ExecConfig {
    let cluster_info = exec.provide_cluster_info.then(|| ExecClusterInfo {
        server: config.server.clone(),
        tls_server_name: cluster.tls_server_name.clone(),
        insecure_skip_tls_verify: cluster.insecure_skip_tls_verify,
        certificate_authority_data: ca,
        proxy_url: cluster.proxy_url.clone(),
        disable_compression: cluster.disable_compression,
        config: cluster.extensions.get(EXEC_EXTENSION).cloned(),
    });
    ExecConfig {
        api_version: exec.api_version.clone().unwrap_or_default(),
        command: PathBuf::from(&exec.command),
        args: exec.args.clone().unwrap_or_default(),
        env: exec.env.clone().unwrap_or_default(),
        install_hint: exec.install_hint.as_deref().map(clean_ansi),
        provide_cluster_info: exec.provide_cluster_info,
        interactive_mode: exec
            .interactive_mode
            .as_deref()
            .and_then(interactive_mode)
            .unwrap_or_default(),
        cluster: cluster_info,
    }
}

/// client-go `cleanANSIEscapeCodes`: control and format characters other than `\t`..`\r`
/// (escape sequences that could put a terminal in a weird state) are written as `U+001B`.
fn clean_ansi(text: &str) -> String {
    let suspicious = |c: char| {
        let cp = u32::from(c);
        (c.is_control() && !('\u{9}'..='\u{d}').contains(&c))
            || matches!(cp,
                0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
                | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF
                | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xE0001 | 0xE0020..=0xE007F
                | 0xF0000..=0x10FFFF)
    };
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if suspicious(c) {
            out.push_str(&format!("U+{:04X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_is_https_with_a_host() {
        assert!(is_tls("https://127.0.0.1:6443"));
        assert!(is_tls("HTTPS://h/prefix"));
        assert!(!is_tls("http://h"));
        assert!(!is_tls("127.0.0.1:6443"));
        assert!(!is_tls("https://"));
        assert!(!is_tls(""));
    }

    #[test]
    fn server_query_is_dropped_only_with_a_path() {
        assert_eq!(normalize_server("https://h/p?x=1"), "https://h/p");
        assert_eq!(normalize_server("https://h/?x=1"), "https://h/?x=1");
        assert_eq!(normalize_server("https://h:1"), "https://h:1");
    }

    #[test]
    fn ansi_escapes_are_spelled_out() {
        assert_eq!(clean_ansi("\u{1b}[1mbold\tok\n"), "U+001B[1mbold\tok\n");
        assert_eq!(clean_ansi("brew install x"), "brew install x");
    }
}
