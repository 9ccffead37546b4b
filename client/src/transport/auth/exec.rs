//! Exec credential plugins (`client.authentication.k8s.io/v1` and `v1beta1`), as client-go's
//! `plugin/pkg/client/auth/exec` runs them.
//!
//! The plugin runs asynchronously (tokio process; never blocks the runtime) with the client's
//! environment plus the configured `env`, and `KUBERNETES_EXEC_INFO` describing the request
//! (`interactive`, and the cluster when `provideClusterInfo` is set). Its `ExecCredential`
//! answer (a token, or a client certificate and key) is cached until `expirationTimestamp`;
//! a 401 drops the cache so the plugin runs again, once, for that request.

use std::io::IsTerminal;
use std::process::Stdio;
use std::sync::Arc;

use base64::Engine;
use serde::Deserialize;
use tokio::sync::Mutex;

use super::Credential;
use crate::config::{ExecConfig, ExecInteractiveMode};
use crate::metrics::{ExecPluginCallStatus, RequestMetrics};
use crate::{Error, SecretBytes, SecretString};

const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// A cached plugin answer.
#[derive(Debug, Clone)]
struct Cached {
    token: Option<SecretString>,
    identity: Option<(Vec<u8>, SecretBytes)>,
    expires: Option<jiff::Timestamp>,
}

/// Runs an exec plugin and caches its credential.
pub(crate) struct ExecAuth {
    config: ExecConfig,
    cached: Mutex<Option<Cached>>,
    metrics: Option<Arc<dyn RequestMetrics>>,
}

impl std::fmt::Debug for ExecAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecAuth")
            .field("command", &self.config.command)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredential {
    api_version: Option<String>,
    kind: Option<String>,
    status: Option<ExecCredentialStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecCredentialStatus {
    expiration_timestamp: Option<String>,
    token: Option<String>,
    client_certificate_data: Option<String>,
    client_key_data: Option<String>,
}

impl ExecAuth {
    /// The authenticator of `config`. Like client-go (`exec.GetAuthenticator`), an `apiVersion`
    /// other than `client.authentication.k8s.io/v1` or `/v1beta1` is refused here, when the
    /// client is built, not when the plugin would first run.
    pub fn new(config: &ExecConfig) -> Result<Self, Error> {
        let auth = ExecAuth {
            config: config.clone(),
            cached: Mutex::new(None),
            metrics: None,
        };
        let version = config.api_version.as_str();
        if version != V1 && version != V1BETA1 {
            return Err(auth.err(format!(
                "apiVersion {version:?} is not supported (use {V1} or {V1BETA1})"
            )));
        }
        Ok(auth)
    }

    /// Reports each run of the plugin to `metrics` (`rest_client_exec_plugin_call_total`).
    pub fn with_metrics(mut self, metrics: Option<Arc<dyn RequestMetrics>>) -> Self {
        self.metrics = metrics;
        self
    }

    fn record(&self, exit_code: i32, status: ExecPluginCallStatus) {
        if let Some(m) = &self.metrics {
            m.exec_plugin_call(exit_code, status);
        }
    }

    fn command_name(&self) -> String {
        self.config.command.display().to_string()
    }

    fn err(&self, message: impl Into<String>) -> Error {
        Error::Exec {
            command: self.command_name(),
            message: message.into(),
        }
    }

    /// The current credential, running the plugin when there is none or it expired.
    /// Concurrent callers wait for one run (the lock is held across it).
    pub async fn credential(&self) -> Result<Credential, Error> {
        let mut cached = self.cached.lock().await;
        let fresh = cached.as_ref().is_some_and(|c| match c.expires {
            Some(at) => jiff::Timestamp::now() < at,
            None => true,
        });
        if !fresh {
            *cached = Some(self.run().await?);
        }
        let c = cached
            .as_ref()
            .ok_or_else(|| self.err("no credential after running the plugin"))?;
        Ok(Credential {
            bearer: c.token.clone(),
            basic: None,
            client_identity: c.identity.clone(),
        })
    }

    /// Forgets the cached credential; true when there was one (so a retry runs the plugin).
    pub async fn invalidate(&self) -> bool {
        self.cached.lock().await.take().is_some()
    }

    fn exec_info(&self, interactive: bool) -> serde_json::Value {
        let mut spec = serde_json::json!({ "interactive": interactive });
        if self.config.provide_cluster_info
            && let Some(c) = &self.config.cluster
        {
            let mut cluster = serde_json::json!({ "server": c.server });
            if let Some(name) = &c.tls_server_name {
                cluster["tls-server-name"] = name.clone().into();
            }
            if c.insecure_skip_tls_verify {
                cluster["insecure-skip-tls-verify"] = true.into();
            }
            if let Some(ca) = &c.certificate_authority_data {
                cluster["certificate-authority-data"] =
                    base64::engine::general_purpose::STANDARD.encode(ca).into();
            }
            if let Some(proxy) = &c.proxy_url {
                cluster["proxy-url"] = proxy.clone().into();
            }
            if c.disable_compression {
                cluster["disable-compression"] = true.into();
            }
            if let Some(config) = &c.config {
                cluster["config"] = config.clone();
            }
            spec["cluster"] = cluster;
        }
        serde_json::json!({
            "kind": "ExecCredential",
            "apiVersion": self.config.api_version,
            "spec": spec,
        })
    }

    async fn run(&self) -> Result<Cached, Error> {
        let has_terminal = std::io::stdin().is_terminal();
        let interactive = match self.config.interactive_mode {
            ExecInteractiveMode::Never => false,
            ExecInteractiveMode::IfAvailable => has_terminal,
            ExecInteractiveMode::Always if has_terminal => true,
            ExecInteractiveMode::Always => {
                return Err(self
                    .err("interactiveMode is Always but there is no terminal on standard input"));
            }
        };
        let info = serde_json::to_string(&self.exec_info(interactive))
            .map_err(|e| self.err(format!("KUBERNETES_EXEC_INFO: {e}")))?;
        let mut cmd = tokio::process::Command::new(&self.config.command);
        cmd.args(&self.config.args)
            .envs(self.config.env.iter().map(|e| (&e.name, &e.value)))
            .env("KUBERNETES_EXEC_INFO", info)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(if interactive {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .kill_on_drop(true);
        let output = cmd.output().await.map_err(|e| {
            let status = if e.kind() == std::io::ErrorKind::NotFound {
                ExecPluginCallStatus::PluginNotFoundError
            } else {
                ExecPluginCallStatus::ClientInternalError
            };
            self.record(1, status);
            let mut msg = format!("could not run it: {e}");
            if e.kind() == std::io::ErrorKind::NotFound
                && let Some(hint) = &self.config.install_hint
            {
                msg.push_str("\n\n");
                msg.push_str(hint);
            }
            self.err(msg)
        })?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            self.record(
                output.status.code().unwrap_or(1),
                ExecPluginCallStatus::PluginExecutionError,
            );
            return Err(self.err(format!(
                "exited with {}; its stderr: {}",
                output.status,
                stderr.trim()
            )));
        }
        self.record(0, ExecPluginCallStatus::NoError);
        self.parse(&output.stdout)
    }

    fn parse(&self, stdout: &[u8]) -> Result<Cached, Error> {
        let cred: ExecCredential = serde_json::from_slice(stdout).map_err(|e| {
            self.err(format!(
                "its output is not an ExecCredential (line {}, column {}): {e}",
                e.line(),
                e.column()
            ))
        })?;
        if cred.kind.as_deref() != Some("ExecCredential") {
            return Err(self.err(format!(
                "its output has kind {:?}, want \"ExecCredential\"",
                cred.kind.unwrap_or_default()
            )));
        }
        if cred.api_version.as_deref() != Some(self.config.api_version.as_str()) {
            return Err(self.err(format!(
                "its output has apiVersion {:?}, want {:?} as configured",
                cred.api_version.unwrap_or_default(),
                self.config.api_version
            )));
        }
        let status = cred
            .status
            .ok_or_else(|| self.err("its ExecCredential has no status"))?;
        let expires = match status.expiration_timestamp.as_deref() {
            Some(ts) => Some(ts.parse::<jiff::Timestamp>().map_err(|e| {
                self.err(format!(
                    "status.expirationTimestamp {ts:?} is not RFC 3339: {e}"
                ))
            })?),
            None => None,
        };
        let identity = match (status.client_certificate_data, status.client_key_data) {
            (Some(cert), Some(key)) => {
                Some((cert.into_bytes(), SecretBytes::new(key.into_bytes())))
            }
            (None, None) => None,
            _ => {
                return Err(
                    self.err("its status sets only one of clientCertificateData and clientKeyData")
                );
            }
        };
        let token = status
            .token
            .filter(|t| !t.is_empty())
            .map(SecretString::new);
        if token.is_none() && identity.is_none() {
            return Err(
                self.err("its status has neither a token nor clientCertificateData/clientKeyData")
            );
        }
        Ok(Cached {
            token,
            identity,
            expires,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ExecClusterInfo, ExecEnvVar};

    fn exec(script: &str) -> ExecAuth {
        ExecAuth::new(&ExecConfig {
            api_version: V1.to_string(),
            command: "/bin/sh".into(),
            args: vec!["-c".to_string(), script.to_string()],
            env: vec![ExecEnvVar {
                name: "EXTRA".into(),
                value: "from-config".into(),
            }],
            install_hint: None,
            provide_cluster_info: true,
            interactive_mode: ExecInteractiveMode::Never,
            cluster: Some(ExecClusterInfo {
                server: "https://example:6443".into(),
                ..ExecClusterInfo::default()
            }),
        })
        .unwrap()
    }

    #[tokio::test]
    async fn token_from_plugin_sees_env_and_exec_info() {
        // The plugin echoes back what it was given, inside the token.
        let e = exec(
            r#"printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"%s|%s"}}' "$EXTRA" "$(printf %s "$KUBERNETES_EXEC_INFO" | base64 -w0)""#,
        );
        let cred = e.credential().await.unwrap();
        let token = cred.bearer.unwrap();
        let (extra, info) = token.expose().split_once('|').unwrap();
        assert_eq!(extra, "from-config");
        let info = base64::engine::general_purpose::STANDARD
            .decode(info)
            .unwrap();
        let info: serde_json::Value = serde_json::from_slice(&info).unwrap();
        assert_eq!(info["spec"]["interactive"], false);
        assert_eq!(info["spec"]["cluster"]["server"], "https://example:6443");
        assert_eq!(info["apiVersion"], V1);
    }

    #[tokio::test]
    async fn cached_until_expiry_and_invalidated_by_401() {
        let dir = std::env::temp_dir().join(format!("k8s-rs-exec-count-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let script = format!(
            r#"echo x >> {p}; n=$(wc -l < {p}); printf '{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{{"token":"t%s","expirationTimestamp":"2999-01-01T00:00:00Z"}}}}' $n"#,
            p = dir.display()
        );
        let e = exec(&script);
        assert_eq!(e.credential().await.unwrap().bearer.unwrap().expose(), "t1");
        assert_eq!(e.credential().await.unwrap().bearer.unwrap().expose(), "t1");
        assert!(e.invalidate().await);
        assert_eq!(e.credential().await.unwrap().bearer.unwrap().expose(), "t2");
        std::fs::remove_file(&dir).unwrap();
    }

    #[tokio::test]
    async fn expired_credential_reruns_plugin() {
        let e = exec(
            r#"printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"%s","expirationTimestamp":"2000-01-01T00:00:00Z"}}' $$"#,
        );
        let a = e.credential().await.unwrap().bearer.unwrap();
        let b = e.credential().await.unwrap().bearer.unwrap();
        assert_ne!(a, b, "an expired credential must not be reused");
    }

    #[tokio::test]
    async fn failures_carry_stderr_and_install_hint() {
        let e = exec("echo 'login required: run sso' >&2; exit 4");
        let err = e.credential().await.unwrap_err().to_string();
        assert!(err.contains("login required: run sso"), "{err}");
        assert!(err.contains("/bin/sh"), "{err}");

        let mut cfg = exec("").config.clone();
        cfg.command = "/nonexistent/kubelogin".into();
        cfg.install_hint = Some("install kubelogin from https://example".into());
        let err = ExecAuth::new(&cfg)
            .unwrap()
            .credential()
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains("install kubelogin"), "{err}");

        let e = exec(
            r#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"x"}}'"#,
        );
        let err = e.credential().await.unwrap_err().to_string();
        assert!(err.contains("v1beta1"), "{err}");

        let e = exec("echo 'not json'");
        let err = e.credential().await.unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[tokio::test]
    async fn secrets_never_in_errors() {
        let e = exec(
            r#"echo '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"s3cr3t","expirationTimestamp":"bad"}}'"#,
        );
        let err = e.credential().await.unwrap_err().to_string();
        assert!(!err.contains("s3cr3t"), "{err}");
        assert!(err.contains("expirationTimestamp"), "{err}");
    }
}
