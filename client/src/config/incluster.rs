//! In-cluster configuration: the pod's service account (client-go `rest.InClusterConfig`).

use std::path::{Path, PathBuf};

use super::{AuthInfo, Config, TlsConfig};
use crate::Error;

/// Where the service account's files and the apiserver's address come from. The defaults are
/// the real locations; tests point them elsewhere.
#[derive(Clone, Debug)]
pub struct InClusterOptions {
    /// Directory with `token`, `ca.crt` and `namespace`.
    pub service_account_dir: PathBuf,
    /// `KUBERNETES_SERVICE_HOST` (`None` reads the environment).
    pub host: Option<String>,
    /// `KUBERNETES_SERVICE_PORT` (`None` reads the environment).
    pub port: Option<String>,
    /// `POD_NAMESPACE` (`None` reads the environment).
    pub pod_namespace: Option<String>,
}

/// The service account directory mounted into every pod.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

impl Default for InClusterOptions {
    fn default() -> Self {
        InClusterOptions {
            service_account_dir: PathBuf::from(SERVICE_ACCOUNT_DIR),
            host: None,
            port: None,
            pod_namespace: None,
        }
    }
}

impl Config {
    /// The config of a pod's service account: server from `KUBERNETES_SERVICE_HOST`/`_PORT`,
    /// token file (re-read every minute and after a 401), `ca.crt`, and the namespace from
    /// `POD_NAMESPACE`, else the `namespace` file, else `default`.
    pub fn in_cluster() -> Result<Config, Error> {
        Config::in_cluster_with(&InClusterOptions::default())
    }

    /// [`Config::in_cluster`] with the paths and environment given by `options`.
    pub fn in_cluster_with(options: &InClusterOptions) -> Result<Config, Error> {
        let env = |given: &Option<String>, name: &str| {
            given
                .clone()
                .or_else(|| std::env::var(name).ok())
                .filter(|v| !v.is_empty())
        };
        let (Some(host), Some(port)) = (
            env(&options.host, "KUBERNETES_SERVICE_HOST"),
            env(&options.port, "KUBERNETES_SERVICE_PORT"),
        ) else {
            return Err(Error::InCluster(
                "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not running in a pod?)"
                    .to_string(),
            ));
        };
        let dir = &options.service_account_dir;
        let token_file = dir.join("token");
        // Read it once now so a missing token is reported at load time, naming the file.
        read_file("in-cluster token", &token_file)?;
        let ca_file = dir.join("ca.crt");
        let ca = read_file("in-cluster ca.crt", &ca_file)?;
        let namespace = match env(&options.pod_namespace, "POD_NAMESPACE") {
            Some(ns) => ns,
            None => std::fs::read_to_string(dir.join("namespace"))
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "default".to_string()),
        };
        let mut config = Config::new(format!("https://{}", join_host_port(&host, &port)));
        config.namespace = namespace;
        config.tls = TlsConfig {
            ca_data: Some(ca),
            ..TlsConfig::default()
        };
        config.auth = AuthInfo {
            token_file: Some(token_file),
            ..AuthInfo::default()
        };
        Ok(config)
    }
}

fn read_file(field: &str, path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::ReadFile {
        field: field.to_string(),
        path: path.to_path_buf(),
        source,
    })
}

/// `host:port`, with IPv6 literals bracketed (Go's `net.JoinHostPort`).
fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa_dir(name: &str, namespace_file: Option<&str>) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("k8s-rs-incluster-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("token"), "sa-token\n").unwrap();
        std::fs::write(dir.join("ca.crt"), "-----BEGIN CERTIFICATE-----\n").unwrap();
        if let Some(ns) = namespace_file {
            std::fs::write(dir.join("namespace"), ns).unwrap();
        }
        dir
    }

    fn opts(dir: &Path, host: &str, pod_ns: Option<&str>) -> InClusterOptions {
        InClusterOptions {
            service_account_dir: dir.to_path_buf(),
            host: Some(host.to_string()),
            port: Some("443".to_string()),
            pod_namespace: pod_ns.map(str::to_string),
        }
    }

    #[test]
    fn ipv6_hosts_are_bracketed() {
        let dir = sa_dir("v6", Some("book"));
        let c = Config::in_cluster_with(&opts(&dir, "fd00::1", Some(""))).unwrap();
        assert_eq!(c.server, "https://[fd00::1]:443");
        let c = Config::in_cluster_with(&opts(&dir, "10.0.0.1", None)).unwrap();
        assert_eq!(c.server, "https://10.0.0.1:443");
        assert_eq!(c.auth.token_file, Some(dir.join("token")));
        assert!(c.tls.ca_data.is_some());
    }

    #[test]
    fn namespace_from_env_then_file_then_default() {
        let with_file = sa_dir("nsfile", Some("from-file\n"));
        let c = Config::in_cluster_with(&opts(&with_file, "h", Some("from-env"))).unwrap();
        assert_eq!(c.namespace, "from-env");
        let mut o = opts(&with_file, "h", None);
        o.pod_namespace = Some(String::new()); // set but empty counts as unset
        assert_eq!(Config::in_cluster_with(&o).unwrap().namespace, "from-file");
        let without = sa_dir("nsnone", None);
        let mut o = opts(&without, "h", None);
        o.pod_namespace = Some(String::new());
        assert_eq!(Config::in_cluster_with(&o).unwrap().namespace, "default");
    }

    #[test]
    fn missing_env_or_files_are_named() {
        let dir = sa_dir("missing", None);
        let mut o = opts(&dir, "", None);
        o.host = Some(String::new());
        let err = Config::in_cluster_with(&o).unwrap_err().to_string();
        assert!(err.contains("KUBERNETES_SERVICE_HOST"), "{err}");
        std::fs::remove_file(dir.join("ca.crt")).unwrap();
        let err = Config::in_cluster_with(&opts(&dir, "h", None))
            .unwrap_err()
            .to_string();
        assert!(err.contains("ca.crt"), "{err}");
    }
}
