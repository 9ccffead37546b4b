//! A real Kubernetes control plane (etcd + kube-apiserver v1.37.2) on 127.0.0.1.
//!
//! Two ways to own one:
//! - **shared**: [`ControlPlane::up`] starts (or reuses) the plane kept in a well-known directory
//!   (`cargo xtask cluster up`, and the test fixture when no plane is running). It outlives the
//!   process that started it; [`down`] stops it.
//! - **private**: [`ControlPlane::start_private`] starts a plane of its own in a fresh directory and
//!   stops it on drop. Fault tests use it to restart the apiserver or compact etcd without
//!   disturbing other tests.
//!
//! Each plane has a throw-away CA, a serving certificate, service-account keys, RBAC, an admin
//! client certificate (group `system:masters`) and a static token file; it writes a kubeconfig
//! and waits for `/readyz` before it is handed out.

mod binaries;
mod pki;
mod process;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use binaries::{
    Binaries, ETCD_VERSION, KUBERNETES_VERSION, cache_root, check_go, ensure_binaries, repo_root,
};
pub use pki::{Pki, TOKEN_ADMIN_USER, TOKEN_PLAIN_USER};
use process::{Proc, free_port};

/// Everything that can go wrong while building, starting or stopping a control plane.
#[derive(Debug, thiserror::Error)]
pub enum PlaneError {
    /// A prerequisite (Go) is missing or too old.
    #[error("missing prerequisite: {0}")]
    Prerequisite(String),
    /// `go build` failed.
    #[error("go build {package} failed:\n{output}")]
    Build {
        /// The Go package that failed to build.
        package: String,
        /// The tail of the Go compiler's output.
        output: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Certificates or keys could not be generated.
    #[error("PKI: {0}")]
    Pki(String),
    /// A process could not be started.
    #[error("start: {0}")]
    Start(String),
    /// A process exited while starting.
    #[error("{process} exited during start-up; last lines of {log}:\n{tail}", log = log.display())]
    Crashed {
        /// Which process.
        process: &'static str,
        /// Its log file.
        log: PathBuf,
        /// The last lines of the log.
        tail: String,
    },
    /// The plane did not become ready in time.
    #[error("{what} not ready after {after:?}: {last}")]
    NotReady {
        /// What was waited for.
        what: &'static str,
        /// How long.
        after: Duration,
        /// The last error seen.
        last: String,
    },
    /// An HTTP request to the plane failed.
    #[error("HTTP {0}")]
    Http(String),
}

impl PlaneError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        PlaneError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What a plane directory records about the running processes (`state.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    etcd_pid: u32,
    etcd_client_port: u16,
    etcd_peer_port: u16,
    apiserver_pid: u32,
    apiserver_port: u16,
    /// Extra kube-apiserver flags (e.g. feature gates of a private plane), kept for restarts.
    #[serde(default)]
    extra_apiserver_args: Vec<String>,
}

/// A running control plane.
#[derive(Debug)]
pub struct ControlPlane {
    dir: PathBuf,
    bins: Binaries,
    pki: Pki,
    state: State,
    etcd: Proc,
    apiserver: Proc,
    /// A private plane stops itself and removes its directory on drop.
    private: bool,
}

/// The directory of the shared plane: `$K8S_RS_PLANE_DIR`, else `<tmp>/k8s-rs/plane`.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("K8S_RS_PLANE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join("k8s-rs").join("plane"),
    }
}

const READY_TIMEOUT: Duration = Duration::from_secs(180);
const STOP_GRACE: Duration = Duration::from_secs(15);

impl ControlPlane {
    /// Starts the shared plane in `dir`, or attaches to the one already running there.
    /// Returns the plane and whether this call started it.
    ///
    /// Concurrent callers (`cluster up` twice, parallel test binaries) serialize on a lock file:
    /// only one plane is ever started per directory. Stale state (dead pids) is cleaned up first.
    pub async fn up(dir: &Path) -> Result<(Self, bool), PlaneError> {
        fs::create_dir_all(dir).map_err(|e| PlaneError::io(dir, e))?;
        let lock = lock_dir(dir).await?;
        if let Some(mut plane) = Self::attach_locked(dir)? {
            if plane.etcd.is_alive() && plane.apiserver.is_alive() {
                plane.wait_ready().await?;
                drop(lock);
                return Ok((plane, false));
            }
            tracing::warn!(dir = %dir.display(), "stale control plane state; cleaning up");
            plane.stop_processes();
        }
        clean_dir(dir)?;
        let plane = Self::start_in(dir, false, &[]).await?;
        drop(lock);
        Ok((plane, true))
    }

    /// Starts a private plane in a fresh temporary directory; it is stopped on drop.
    pub async fn start_private() -> Result<Self, PlaneError> {
        Self::start_private_with(&[]).await
    }

    /// A private plane whose apiserver gets `extra_args` too (e.g.
    /// `--feature-gates=WatchList=false`), also on restarts.
    pub async fn start_private_with(extra_args: &[&str]) -> Result<Self, PlaneError> {
        let dir = std::env::temp_dir().join("k8s-rs").join(format!(
            "private-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        fs::create_dir_all(&dir).map_err(|e| PlaneError::io(&dir, e))?;
        let extra: Vec<String> = extra_args.iter().map(|a| a.to_string()).collect();
        Self::start_in(&dir, true, &extra).await
    }

    /// The plane recorded in `dir`, if its state file exists (processes may be dead).
    pub fn attach(dir: &Path) -> Result<Option<Self>, PlaneError> {
        Self::attach_locked(dir)
    }

    fn attach_locked(dir: &Path) -> Result<Option<Self>, PlaneError> {
        let state_path = dir.join("state.json");
        let Ok(text) = fs::read_to_string(&state_path) else {
            return Ok(None);
        };
        let Ok(state) = serde_json::from_str::<State>(&text) else {
            tracing::warn!(path = %state_path.display(), "unreadable state file; treating as stale");
            return Ok(None);
        };
        let bins = ensure_binaries()?;
        let pki = Pki::load(&dir.join("pki"))?;
        Ok(Some(ControlPlane {
            etcd: Proc::adopt("etcd", state.etcd_pid, &bins.etcd, &dir.join("etcd.log")),
            apiserver: Proc::adopt(
                "kube-apiserver",
                state.apiserver_pid,
                &bins.kube_apiserver,
                &dir.join("apiserver.log"),
            ),
            dir: dir.to_path_buf(),
            bins,
            pki,
            state,
            private: false,
        }))
    }

    async fn start_in(dir: &Path, private: bool, extra: &[String]) -> Result<Self, PlaneError> {
        let bins = tokio::task::spawn_blocking(ensure_binaries)
            .await
            .map_err(|e| PlaneError::Start(format!("binary build task: {e}")))??;
        let pki = Pki::generate(&dir.join("pki"))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_processes(dir, &bins, &pki, private, extra).await {
                Ok(plane) => return Ok(plane),
                // Another process grabbed one of our ports between picking and binding: retry.
                Err(PlaneError::Crashed { tail, .. })
                    if attempt < 3 && tail.contains("address already in use") =>
                {
                    tracing::warn!(attempt, "port taken during start-up; picking new ports");
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn start_processes(
        dir: &Path,
        bins: &Binaries,
        pki: &Pki,
        private: bool,
        extra: &[String],
    ) -> Result<Self, PlaneError> {
        let etcd_client_port = free_port()?;
        let mut etcd_peer_port = free_port()?;
        while etcd_peer_port == etcd_client_port {
            etcd_peer_port = free_port()?;
        }
        let etcd_data = dir.join("etcd-data");
        let mut etcd = Proc::spawn(
            "etcd",
            &bins.etcd,
            &etcd_args(&etcd_data, etcd_client_port, etcd_peer_port),
            &dir.join("etcd.log"),
        )?;
        // Record etcd at once, so `down` finds it even if this process dies before the end.
        write_state(
            dir,
            &State {
                etcd_pid: etcd.pid,
                etcd_client_port,
                etcd_peer_port,
                apiserver_pid: 0,
                apiserver_port: 0,
                extra_apiserver_args: extra.to_vec(),
            },
        )?;
        if let Err(e) = wait_etcd(&mut etcd, etcd_client_port).await {
            etcd.stop(STOP_GRACE);
            return Err(e);
        }
        let apiserver_port = free_port()?;
        let apiserver = Proc::spawn(
            "kube-apiserver",
            &bins.kube_apiserver,
            &apiserver_args(pki, etcd_client_port, apiserver_port, extra),
            &dir.join("apiserver.log"),
        )?;
        let state = State {
            etcd_pid: etcd.pid,
            etcd_client_port,
            etcd_peer_port,
            apiserver_pid: apiserver.pid,
            apiserver_port,
            extra_apiserver_args: extra.to_vec(),
        };
        // Record the pids at once, so `down` can stop them even if start-up fails below.
        write_state(dir, &state)?;
        pki.write_kubeconfig(
            &format!("https://127.0.0.1:{apiserver_port}"),
            &dir.join("kubeconfig"),
        )?;
        let mut plane = ControlPlane {
            dir: dir.to_path_buf(),
            bins: bins.clone(),
            pki: pki.clone(),
            state,
            etcd,
            apiserver,
            private,
        };
        if let Err(e) = plane.wait_ready().await {
            plane.stop_processes();
            // Put the log into the error when the apiserver died rather than timed out.
            if !plane.apiserver.is_alive() {
                return Err(plane.apiserver.died());
            }
            return Err(e);
        }
        Ok(plane)
    }

    /// Waits until `/readyz` answers 200 and the `default` namespace exists.
    pub async fn wait_ready(&mut self) -> Result<(), PlaneError> {
        let client = self.admin_http()?;
        let started = Instant::now();
        let mut last: String;
        loop {
            if !self.apiserver.is_alive() {
                return Err(self.apiserver.died());
            }
            if !self.etcd.is_alive() {
                return Err(self.etcd.died());
            }
            match self.probe(&client).await {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(PlaneError::NotReady {
                    what: "kube-apiserver",
                    after: READY_TIMEOUT,
                    last: format!(
                        "{last}\nlast lines of its log:\n{}",
                        self.apiserver.log_tail(20)
                    ),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn probe(&self, client: &reqwest::Client) -> Result<(), String> {
        for path in ["/readyz", "/api/v1/namespaces/default"] {
            let resp = client
                .get(format!("{}{path}", self.server()))
                .send()
                .await
                .map_err(|e| format!("GET {path}: {e}"))?;
            if !resp.status().is_success() {
                return Err(format!("GET {path}: {}", resp.status()));
            }
        }
        Ok(())
    }

    /// The apiserver URL, `https://127.0.0.1:<port>`.
    pub fn server(&self) -> String {
        format!("https://127.0.0.1:{}", self.state.apiserver_port)
    }

    /// The etcd client URL, `http://127.0.0.1:<port>`.
    pub fn etcd_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.state.etcd_client_port)
    }

    /// The kubeconfig written for this plane (admin client certificate, CA inline).
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.join("kubeconfig")
    }

    /// The plane's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The PKI (paths of the CA and client certificates, tokens).
    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// The binaries (kubectl for oracle tests).
    pub fn binaries(&self) -> &Binaries {
        &self.bins
    }

    /// Pids of etcd and kube-apiserver.
    pub fn pids(&self) -> (u32, u32) {
        (self.state.etcd_pid, self.state.apiserver_pid)
    }

    /// Whether both processes are alive.
    pub fn is_running(&mut self) -> bool {
        self.etcd.is_alive() && self.apiserver.is_alive()
    }

    /// A reqwest client that trusts the plane's CA and presents the admin client certificate.
    pub fn admin_http(&self) -> Result<reqwest::Client, PlaneError> {
        http_client(
            &self.pki.ca_cert,
            Some((&self.pki.admin_cert, &self.pki.admin_key)),
        )
    }

    /// Stops the apiserver alone (etcd and its data are kept).
    pub fn stop_apiserver(&mut self) {
        self.apiserver.stop(STOP_GRACE);
    }

    /// Starts the apiserver again on the same port and waits until it is ready.
    pub async fn start_apiserver(&mut self) -> Result<(), PlaneError> {
        if self.apiserver.is_alive() {
            return Ok(());
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        // The old socket may linger for a moment; wait until the port can be bound again.
        while std::net::TcpListener::bind(("127.0.0.1", self.state.apiserver_port)).is_err() {
            if Instant::now() > deadline {
                return Err(PlaneError::Start(format!(
                    "port {} still taken after the apiserver stopped",
                    self.state.apiserver_port
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.apiserver = Proc::spawn(
            "kube-apiserver",
            &self.bins.kube_apiserver,
            &apiserver_args(
                &self.pki,
                self.state.etcd_client_port,
                self.state.apiserver_port,
                &self.state.extra_apiserver_args,
            ),
            &self.dir.join("apiserver.log"),
        )?;
        self.state.apiserver_pid = self.apiserver.pid;
        write_state(&self.dir, &self.state)?;
        self.wait_ready().await
    }

    /// Compacts etcd at its current revision (through etcd's v3 JSON gateway) and returns that
    /// revision: watches from older resourceVersions then get 410 Gone.
    pub async fn compact_etcd(&self) -> Result<i64, PlaneError> {
        let client = plain_http()?;
        let http = |e: reqwest::Error| PlaneError::Http(format!("etcd: {e}"));
        // Any range answer carries the current revision in its header. Key "\0" (base64 "AA==").
        let range: serde_json::Value = client
            .post(format!("{}/v3/kv/range", self.etcd_url()))
            .json(&serde_json::json!({ "key": "AA==", "limit": 1 }))
            .send()
            .await
            .map_err(http)?
            .error_for_status()
            .map_err(http)?
            .json()
            .await
            .map_err(http)?;
        let revision = range["header"]["revision"]
            .as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| {
                PlaneError::Http(format!("etcd range answer without revision: {range}"))
            })?;
        client
            .post(format!("{}/v3/kv/compaction", self.etcd_url()))
            .json(&serde_json::json!({ "revision": revision.to_string(), "physical": true }))
            .send()
            .await
            .map_err(http)?
            .error_for_status()
            .map_err(http)?;
        Ok(revision)
    }

    fn stop_processes(&mut self) {
        self.apiserver.stop(STOP_GRACE);
        self.etcd.stop(STOP_GRACE);
    }

    /// Stops both processes and removes the plane's directory.
    pub fn shut_down(mut self) -> Result<(), PlaneError> {
        self.private = false; // Drop must not do it twice.
        self.stop_processes();
        clean_dir(&self.dir)?;
        let _ = fs::remove_dir(&self.dir);
        Ok(())
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        if self.private {
            self.stop_processes();
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Stops the shared plane recorded in `dir` (only the processes it started) and removes its files.
/// Returns false when no plane was recorded there.
pub async fn down(dir: &Path) -> Result<bool, PlaneError> {
    if !dir.exists() {
        return Ok(false);
    }
    let lock = lock_dir(dir).await?;
    let found = match ControlPlane::attach_locked(dir)? {
        Some(mut plane) => {
            plane.stop_processes();
            true
        }
        None => false,
    };
    clean_dir(dir)?;
    drop(lock);
    let _ = fs::remove_file(dir.join("lock"));
    let _ = fs::remove_dir(dir);
    Ok(found)
}

/// Removes everything in `dir` but the lock file.
fn clean_dir(dir: &Path) -> Result<(), PlaneError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(PlaneError::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| PlaneError::io(dir, e))?;
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "lock") {
            continue;
        }
        let res = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        res.map_err(|e| PlaneError::io(&path, e))?;
    }
    Ok(())
}

fn write_state(dir: &Path, state: &State) -> Result<(), PlaneError> {
    let path = dir.join("state.json");
    let text = serde_json::to_string_pretty(state)
        .map_err(|e| PlaneError::Start(format!("state serialization: {e}")))?;
    fs::write(&path, text).map_err(|e| PlaneError::io(&path, e))
}

/// Takes the directory's exclusive lock (blocking, on a blocking thread).
async fn lock_dir(dir: &Path) -> Result<File, PlaneError> {
    let path = dir.join("lock");
    tokio::task::spawn_blocking(move || {
        let f = File::create(&path).map_err(|e| PlaneError::io(&path, e))?;
        f.lock().map_err(|e| PlaneError::io(&path, e))?;
        Ok(f)
    })
    .await
    .map_err(|e| PlaneError::Start(format!("lock task: {e}")))?
}

fn etcd_args(data: &Path, client_port: u16, peer_port: u16) -> Vec<String> {
    let client = format!("http://127.0.0.1:{client_port}");
    let peer = format!("http://127.0.0.1:{peer_port}");
    vec![
        "--name=k8s-rs".into(),
        format!("--data-dir={}", data.display()),
        format!("--listen-client-urls={client}"),
        format!("--advertise-client-urls={client}"),
        format!("--listen-peer-urls={peer}"),
        format!("--initial-advertise-peer-urls={peer}"),
        format!("--initial-cluster=k8s-rs={peer}"),
        // Throw-away data: no fsync makes the tests much faster.
        "--unsafe-no-fsync=true".into(),
        "--log-level=warn".into(),
    ]
}

fn apiserver_args(pki: &Pki, etcd_port: u16, port: u16, extra: &[String]) -> Vec<String> {
    let p = |path: &Path| path.display().to_string();
    vec![
        format!("--etcd-servers=http://127.0.0.1:{etcd_port}"),
        "--bind-address=127.0.0.1".into(),
        "--advertise-address=127.0.0.1".into(),
        format!("--secure-port={port}"),
        format!("--tls-cert-file={}", p(&pki.serving_cert)),
        format!("--tls-private-key-file={}", p(&pki.serving_key)),
        format!("--client-ca-file={}", p(&pki.ca_cert)),
        format!("--token-auth-file={}", p(&pki.token_file)),
        format!("--service-account-key-file={}", p(&pki.service_account_pub)),
        format!(
            "--service-account-signing-key-file={}",
            p(&pki.service_account_key)
        ),
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local".into(),
        "--api-audiences=https://kubernetes.default.svc.cluster.local".into(),
        "--authorization-mode=RBAC".into(),
        "--service-cluster-ip-range=10.0.0.0/24".into(),
        // The endpoint reconciler refuses a loopback advertise address; nothing needs the
        // `kubernetes` Service endpoints here.
        "--endpoint-reconciler-type=none".into(),
        // There is no controller-manager to create `default` service accounts; without this,
        // every Pod create would be refused.
        "--disable-admission-plugins=ServiceAccount".into(),
        "--profiling=false".into(),
        "--v=1".into(),
    ]
    .into_iter()
    .chain(extra.iter().cloned())
    .collect()
}

async fn wait_etcd(etcd: &mut Proc, port: u16) -> Result<(), PlaneError> {
    let client = plain_http()?;
    let started = Instant::now();
    let mut last: String;
    loop {
        if !etcd.is_alive() {
            return Err(etcd.died());
        }
        match client
            .get(format!("http://127.0.0.1:{port}/health"))
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => last = format!("/health: {}", r.status()),
            Err(e) => last = format!("/health: {e}"),
        }
        if started.elapsed() > READY_TIMEOUT {
            return Err(PlaneError::NotReady {
                what: "etcd",
                after: READY_TIMEOUT,
                last,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A reqwest client for plain-HTTP endpoints (etcd's client URL).
fn plain_http() -> Result<reqwest::Client, PlaneError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PlaneError::Pki(e.to_string()))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .map_err(|e| PlaneError::Http(e.to_string()))
}

/// A reqwest client over rustls (ring) trusting `ca` and optionally presenting a client cert.
pub fn http_client(
    ca: &Path,
    identity: Option<(&Path, &Path)>,
) -> Result<reqwest::Client, PlaneError> {
    let tls = |e: String| PlaneError::Pki(e);
    let mut roots = rustls::RootCertStore::empty();
    let ca_pem = fs::read(ca).map_err(|e| PlaneError::io(ca, e))?;
    for cert in rustls_pemfile::certs(&mut ca_pem.as_slice()) {
        let cert = cert.map_err(|e| tls(format!("{}: {e}", ca.display())))?;
        roots
            .add(cert)
            .map_err(|e| tls(format!("{}: {e}", ca.display())))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(e.to_string()))?
        .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key)) => {
            let cert_pem = fs::read(cert).map_err(|e| PlaneError::io(cert, e))?;
            let certs = rustls_pemfile::certs(&mut cert_pem.as_slice())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| tls(format!("{}: {e}", cert.display())))?;
            let key_pem = fs::read(key).map_err(|e| PlaneError::io(key, e))?;
            let key_der = rustls_pemfile::private_key(&mut key_pem.as_slice())
                .map_err(|e| tls(format!("{}: {e}", key.display())))?
                .ok_or_else(|| tls(format!("{}: no private key in file", key.display())))?;
            builder
                .with_client_auth_cert(certs, key_der)
                .map_err(|e| tls(e.to_string()))?
        }
        None => builder.with_no_client_auth(),
    };
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .build()
        .map_err(|e| PlaneError::Http(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apiserver_flags_name_every_pki_file() {
        let dir = std::env::temp_dir().join(format!("k8s-rs-flags-test-{}", std::process::id()));
        let pki = Pki::generate(&dir).unwrap();
        let args = apiserver_args(
            &pki,
            2379,
            6443,
            &["--feature-gates=WatchList=false".into()],
        );
        assert_eq!(
            args.last().map(String::as_str),
            Some("--feature-gates=WatchList=false")
        );
        assert!(args.contains(&"--etcd-servers=http://127.0.0.1:2379".to_string()));
        assert!(args.contains(&"--secure-port=6443".to_string()));
        assert!(args.contains(&"--authorization-mode=RBAC".to_string()));
        assert!(args.iter().any(|a| a.starts_with("--token-auth-file=")));
        assert!(args.iter().all(|a| !a.contains(&pki.admin_token)));
        fs::remove_dir_all(&dir).unwrap();
    }
}
