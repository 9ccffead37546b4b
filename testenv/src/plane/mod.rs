//! A control plane: etcd and kube-apiserver on 127.0.0.1, with a PKI of their own.
//!
//! Two ways to own one:
//! - **shared** ([`shared_plane`](crate::shared_plane)): one plane kept in a well-known directory,
//!   started by the first test (or `cargo xtask cluster up`) and reused by every later test
//!   binary; it outlives the process that started it.
//! - **private**: [`ControlPlane::start_private`] starts a plane of its own in a fresh temporary
//!   directory and stops it (and removes the directory) on drop. Fault tests use it to stop and
//!   restart the apiserver ([`ControlPlane::stop_apiserver`], [`ControlPlane::start_apiserver`])
//!   or compact etcd ([`ControlPlane::compact_etcd`]) without disturbing other tests.
//!
//! Each plane has a throw-away CA, a serving certificate, service-account keys, RBAC, an admin
//! client certificate (group `system:masters`) and a static token file ([`Pki`]); it writes a
//! kubeconfig and waits until `/readyz` answers and the `default` namespace exists before it is
//! handed out. It runs no controller-manager and no scheduler: objects are stored and watched,
//! but no Pod is scheduled, no garbage is collected and deleted namespaces stay `Terminating`.
//! The public face is documented on [`ControlPlane`].

mod args;
pub(crate) mod shared;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::http::{admin_http, plain_http, send_json};
use crate::process::{Proc, free_port};
use crate::{Binaries, Error, Pki, PlaneInfo};
use args::{apiserver_args, etcd_args};

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
    /// The binaries the processes run, so that a process attaching later (with other
    /// environment variables) recognizes them by their command line.
    #[serde(default)]
    binaries: Option<Binaries>,
}

/// A running control plane (etcd + kube-apiserver on 127.0.0.1).
///
/// Each plane has a throw-away CA, a serving certificate, service-account keys, RBAC, an admin
/// client certificate (group `system:masters`) and a static token file ([`Pki`]); it writes a
/// kubeconfig ([`ControlPlane::kubeconfig`]) and is ready (`/readyz` answers, the `default`
/// namespace exists) when handed out.
///
/// A **private** plane ([`ControlPlane::start_private`]) is the test's own: it can stop and
/// restart the apiserver or compact etcd without disturbing other tests, and it stops its
/// processes and removes its directory when dropped. The **shared** plane
/// ([`shared_plane`](crate::shared_plane), [`ControlPlane::up`]) keeps running.
///
/// ```no_run
/// # async fn demo() -> Result<(), k8s_testenv::Error> {
/// use k8s_testenv::ControlPlane;
///
/// let mut plane = ControlPlane::start_private().await?;
/// let info = plane.info();
/// let ns = info.create_namespace("faults").await?;
/// plane.stop_apiserver(); // clients now see connection errors; etcd keeps the data
/// plane.start_apiserver().await?; // same port, same data
/// let revision = plane.compact_etcd().await?; // watches from older resourceVersions get 410 Gone
/// println!("{ns}: compacted at {revision}");
/// # Ok(()) }
/// // Dropped: both processes stopped, the directory removed.
/// ```
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

const READY_TIMEOUT: Duration = Duration::from_secs(180);
const STOP_GRACE: Duration = Duration::from_secs(15);

impl ControlPlane {
    /// Starts a private plane in a fresh temporary directory; it is stopped on drop.
    pub async fn start_private() -> Result<Self, Error> {
        Self::start_private_with(&[]).await
    }

    /// A private plane whose apiserver gets `extra_args` too (e.g.
    /// `--feature-gates=WatchList=false`), also on restarts.
    pub async fn start_private_with(extra_args: &[&str]) -> Result<Self, Error> {
        let dir = std::env::temp_dir().join("k8s-rs").join(format!(
            "private-{}-{}",
            std::process::id(),
            rand::random::<u32>()
        ));
        fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let extra: Vec<String> = extra_args.iter().map(|a| a.to_string()).collect();
        Self::start_in(&dir, true, &extra).await
    }

    /// The plane recorded in `dir`, if its state file exists (its processes may be dead: see
    /// [`ControlPlane::is_running`]). Attaching never stops it.
    pub fn attach(dir: &Path) -> Result<Option<Self>, Error> {
        Self::attach_locked(dir)
    }

    fn attach_locked(dir: &Path) -> Result<Option<Self>, Error> {
        let state_path = dir.join("state.json");
        let Ok(text) = fs::read_to_string(&state_path) else {
            return Ok(None);
        };
        let Ok(state) = serde_json::from_str::<State>(&text) else {
            tracing::warn!(path = %state_path.display(), "unreadable state file; treating as stale");
            return Ok(None);
        };
        let bins = match &state.binaries {
            Some(bins) => bins.clone(),
            None => Binaries::find()?,
        };
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

    async fn start_in(dir: &Path, private: bool, extra: &[String]) -> Result<Self, Error> {
        let bins = tokio::task::spawn_blocking(Binaries::find)
            .await
            .map_err(|e| Error::Start(format!("binary build task: {e}")))??;
        let pki = Pki::generate(&dir.join("pki"))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_processes(dir, &bins, &pki, private, extra).await {
                Ok(plane) => return Ok(plane),
                // Another process grabbed one of our ports between picking and binding: retry.
                Err(Error::Crashed { tail, .. })
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
    ) -> Result<Self, Error> {
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
                binaries: Some(bins.clone()),
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
            binaries: Some(bins.clone()),
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

    /// Waits until `/readyz` answers 200 and the `default` namespace exists (at most 3 minutes),
    /// failing early with the end of its log when a process dies.
    pub async fn wait_ready(&mut self) -> Result<(), Error> {
        let client = admin_http(&self.pki)?;
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
                Err(e) => last = e.to_string(),
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(Error::NotReady {
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

    /// Asks once whether the plane is ready: `/readyz` answers 200 and the `default` namespace
    /// exists. The error says which request failed and how.
    pub async fn check_ready(&self) -> Result<(), Error> {
        self.probe(&admin_http(&self.pki)?).await
    }

    async fn probe(&self, client: &reqwest::Client) -> Result<(), Error> {
        for path in ["/readyz", "/api/v1/namespaces/default"] {
            let req = client.get(format!("{}{path}", self.server()));
            send_json_or_text(req, &format!("GET {path}")).await?;
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

    /// The kubeconfig written for this plane: context `k8s-rs-local` (admin client certificate,
    /// CA inline, the current context) and `k8s-rs-token-user` (an unprivileged token user).
    pub fn kubeconfig(&self) -> PathBuf {
        self.dir.join("kubeconfig")
    }

    /// The plane's directory (state, PKI, kubeconfig, `etcd.log`, `apiserver.log`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The PKI (paths of the CA and client certificates, tokens).
    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// The binaries it runs (and kubectl).
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

    /// What a test needs to reach the plane: URL, kubeconfig, PKI, binaries; with the `client`
    /// feature, `PlaneInfo::config` and `PlaneInfo::client`. It stays valid while the
    /// apiserver restarts (same port, same PKI).
    pub fn info(&self) -> PlaneInfo {
        PlaneInfo::of(self)
    }

    /// Creates or updates the CustomResourceDefinitions in `path` (a YAML file, or a folder of
    /// them) and waits until each is established; see [`PlaneInfo::install_crds`].
    pub async fn install_crds(&self, path: impl AsRef<Path>) -> Result<Vec<String>, Error> {
        self.info().install_crds(path).await
    }

    /// Stops the apiserver alone (etcd and its data are kept).
    pub fn stop_apiserver(&mut self) {
        self.apiserver.stop(STOP_GRACE);
    }

    /// Starts the apiserver again on the same port and waits until it is ready.
    pub async fn start_apiserver(&mut self) -> Result<(), Error> {
        if self.apiserver.is_alive() {
            return Ok(());
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        // The old socket may linger for a moment; wait until the port can be bound again.
        while std::net::TcpListener::bind(("127.0.0.1", self.state.apiserver_port)).is_err() {
            if Instant::now() > deadline {
                return Err(Error::Start(format!(
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
    /// revision: watches and lists from older resourceVersions then get 410 Gone.
    pub async fn compact_etcd(&self) -> Result<i64, Error> {
        let client = plain_http()?;
        // Any range answer carries the current revision in its header. Key "\0" (base64 "AA==").
        let range = send_json(
            client
                .post(format!("{}/v3/kv/range", self.etcd_url()))
                .json(&serde_json::json!({ "key": "AA==", "limit": 1 })),
            "etcd range",
        )
        .await?;
        let revision = range["header"]["revision"]
            .as_str()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(|| {
                Error::request("etcd range", format!("answer without revision: {range}"))
            })?;
        send_json(
            client
                .post(format!("{}/v3/kv/compaction", self.etcd_url()))
                .json(&serde_json::json!({ "revision": revision.to_string(), "physical": true })),
            "etcd compaction",
        )
        .await?;
        Ok(revision)
    }

    fn stop_processes(&mut self) {
        self.apiserver.stop(STOP_GRACE);
        self.etcd.stop(STOP_GRACE);
    }

    /// Stops both processes and removes the plane's directory (for a private plane, what drop
    /// does, with errors reported).
    pub fn shut_down(mut self) -> Result<(), Error> {
        self.private = false; // Drop must not do it twice.
        self.stop_processes();
        shared::clean_dir(&self.dir)?;
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

/// Like [`send_json`], for endpoints that answer plain text (`/readyz`).
async fn send_json_or_text(req: reqwest::RequestBuilder, what: &str) -> Result<(), Error> {
    let resp = req.send().await.map_err(|e| Error::request(what, e))?;
    let status = resp.status();
    if !status.is_success() {
        let body = resp.text().await.unwrap_or_default();
        return Err(Error::request(what, format!("{status}: {body}")));
    }
    Ok(())
}

fn write_state(dir: &Path, state: &State) -> Result<(), Error> {
    let path = dir.join("state.json");
    let text = serde_json::to_string_pretty(state)
        .map_err(|e| Error::Start(format!("state serialization: {e}")))?;
    fs::write(&path, text).map_err(|e| Error::io(&path, e))
}

async fn wait_etcd(etcd: &mut Proc, port: u16) -> Result<(), Error> {
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
            return Err(Error::NotReady {
                what: "etcd",
                after: READY_TIMEOUT,
                last,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
