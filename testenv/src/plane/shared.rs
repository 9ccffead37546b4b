//! The shared plane: one per directory, started by whoever asks first, reused by the rest.
//!
//! The lifecycle is documented on [`shared_plane`].

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use tokio::sync::OnceCell;

use super::ControlPlane;
use crate::{Error, PlaneInfo};

/// The directory of the shared plane: `$K8S_RS_PLANE_DIR`, else `<tmp>/k8s-rs/plane`.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("K8S_RS_PLANE_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::temp_dir().join("k8s-rs").join("plane"),
    }
}

static SHARED: OnceCell<PlaneInfo> = OnceCell::const_new();

/// The shared plane: attached to, or started the first time any process asks. Later calls in
/// the same process return the same info at once.
///
/// # How the shared plane lives
///
/// - **Where**: in `$K8S_RS_PLANE_DIR`, else `<tmp>/k8s-rs/plane` ([`shared_dir`]). The
///   directory holds `state.json` (pids, ports, binaries), the PKI, the kubeconfig and the logs.
/// - **Started** by the first caller of [`shared_plane`] (so by the first [`TestEnv::new`] of a
///   test run) or of [`ControlPlane::up`] (`cargo xtask cluster up`). Test binaries run as
///   separate processes; they serialize on the directory's lock file, so exactly one plane is
///   started, and every later caller, in this run or the next, attaches to it in milliseconds.
///   Processes left behind by a crash (dead pids) are cleaned up and a new plane is started.
/// - **Kept running** after the tests end: the next `cargo test` starts in seconds, not in the
///   ten seconds a fresh apiserver takes. Its processes are in their own process group, so a
///   Ctrl-C in the terminal does not stop them.
/// - **Stopped** by [`stop_shared`] (or [`down`] for another directory), which is what
///   `cargo xtask cluster down` calls: it stops exactly the processes recorded in the directory
///   and removes the directory.
///
/// Tests in one shared plane are isolated by namespace, not by plane: cluster-scoped objects
/// (CRDs, ClusterRoles) are seen by every test. Tests that stop the apiserver or compact etcd
/// take a private plane ([`ControlPlane::start_private`]) instead.
///
/// [`TestEnv::new`]: crate::TestEnv::new
pub async fn shared_plane() -> Result<&'static PlaneInfo, Error> {
    SHARED
        .get_or_try_init(|| async {
            let (plane, started) = ControlPlane::up(&shared_dir()).await?;
            if started {
                tracing::info!(server = %plane.server(), dir = %plane.dir().display(), "started the shared control plane");
                eprintln!(
                    "k8s-testenv: started the shared control plane at {} in {} (it keeps running \
                     for later test runs; stop it with `k8s_testenv::stop_shared()` or \
                     `cargo xtask cluster down`)",
                    plane.server(),
                    plane.dir().display()
                );
            }
            Ok(plane.info())
        })
        .await
}

/// Stops the shared plane of [`shared_dir`]; false when none was recorded there.
pub async fn stop_shared() -> Result<bool, Error> {
    down(&shared_dir()).await
}

impl ControlPlane {
    /// Starts the shared plane in `dir`, or attaches to the one already running there.
    /// Returns the plane and whether this call started it. The plane is not stopped on drop.
    ///
    /// Concurrent callers (`cluster up` twice, parallel test binaries) serialize on a lock file:
    /// only one plane is ever started per directory. Stale state (dead pids) is cleaned up first.
    pub async fn up(dir: &Path) -> Result<(Self, bool), Error> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
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
}

/// Stops the plane recorded in `dir` (only the processes it started) and removes its files.
/// Returns false when no plane was recorded there.
pub async fn down(dir: &Path) -> Result<bool, Error> {
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
pub(super) fn clean_dir(dir: &Path) -> Result<(), Error> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "lock") {
            continue;
        }
        let res = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        res.map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}
/// Takes the directory's exclusive lock (blocking, on a blocking thread).
async fn lock_dir(dir: &Path) -> Result<File, Error> {
    let path = dir.join("lock");
    tokio::task::spawn_blocking(move || {
        let f = File::create(&path).map_err(|e| Error::io(&path, e))?;
        f.lock().map_err(|e| Error::io(&path, e))?;
        Ok(f)
    })
    .await
    .map_err(|e| Error::Start(format!("lock task: {e}")))?
}
