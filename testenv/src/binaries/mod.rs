//! Where the control-plane binaries come from.
//!
//! [`Binaries::find`] looks in this order, and stops at the first that is set:
//!
//! 1. **`K8S_TESTENV_ASSETS`**: a folder with `kube-apiserver`, `etcd` and `kubectl`.
//! 2. **`KUBEBUILDER_ASSETS`**: the same layout, as controller-runtime's envtest and
//!    `setup-envtest use -p path` lay it out; a machine set up for Go controllers works as is.
//! 3. **Built from source**: `go build` of kube-apiserver and kubectl [`KUBERNETES_VERSION`] and
//!    etcd [`ETCD_VERSION`] from the Go modules shipped in this crate's `tools/` folder, cached
//!    in [`cache_root()`]`/bin/v1.37.2/` (the first build takes minutes, later ones none).
//!
//! A variable that is set but names a folder that lacks a binary is an error
//! ([`Error::Assets`] names the variable, the folder and each missing
//! file) rather than a silent fallback to a long build. With neither variable set and no Go on
//! `PATH`, the error says so and names both ways out.
//!
//! ```no_run
//! # fn main() -> Result<(), k8s_testenv::Error> {
//! let bins = k8s_testenv::Binaries::find()?;
//! println!("kubectl is {}", bins.kubectl.display());
//! # Ok(()) }
//! ```

mod build;

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use build::check_go;

use crate::Error;

/// The Kubernetes version the binaries are built at from source.
pub const KUBERNETES_VERSION: &str = "v1.37.2";
/// The etcd version Kubernetes v1.37.2 pairs with (its `build/dependencies.yaml`).
pub const ETCD_VERSION: &str = "v3.7.0";

/// The variable naming a folder of prebuilt binaries, looked at first.
pub const ASSETS_ENV: &str = "K8S_TESTENV_ASSETS";
/// controller-runtime's variable for the same folder layout, looked at second.
pub const KUBEBUILDER_ASSETS_ENV: &str = "KUBEBUILDER_ASSETS";

/// Paths of the control-plane binaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Binaries {
    /// `kube-apiserver`.
    pub kube_apiserver: PathBuf,
    /// `kubectl`, e.g. for tests that compare with what kubectl does.
    pub kubectl: PathBuf,
    /// `etcd`.
    pub etcd: PathBuf,
    /// `etcdctl`: always there when built from source, when present in an assets folder.
    #[serde(default)]
    pub etcdctl: Option<PathBuf>,
}

impl Binaries {
    /// Finds the binaries: `K8S_TESTENV_ASSETS`, else `KUBEBUILDER_ASSETS`, else built from
    /// source with Go and cached (see the [module docs](self)). Blocks while building.
    pub fn find() -> Result<Self, Error> {
        resolve(&|name| std::env::var_os(name), build::cached_or_built)
    }

    /// The binaries in `dir` (`kube-apiserver`, `etcd`, `kubectl`, and `etcdctl` if present),
    /// checked to exist and be executable; `variable` names where `dir` came from in errors.
    fn in_folder(variable: &'static str, dir: &Path) -> Result<Self, Error> {
        let mut problems = Vec::new();
        if !dir.is_dir() {
            problems.push("not a folder".to_string());
        } else {
            for name in ["kube-apiserver", "etcd", "kubectl"] {
                if let Some(problem) = executable_problem(&dir.join(name)) {
                    problems.push(format!("{name} {problem}"));
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::Assets {
                variable,
                dir: dir.to_path_buf(),
                problems: problems.join(", "),
            });
        }
        let etcdctl = dir.join("etcdctl");
        Ok(Binaries {
            kube_apiserver: dir.join("kube-apiserver"),
            kubectl: dir.join("kubectl"),
            etcd: dir.join("etcd"),
            etcdctl: executable_problem(&etcdctl).is_none().then_some(etcdctl),
        })
    }
}

/// Why `path` is not a runnable binary, if it is not.
fn executable_problem(path: &Path) -> Option<&'static str> {
    match std::fs::metadata(path) {
        Err(_) => Some("is missing"),
        Ok(m) if !m.is_file() => Some("is not a file"),
        Ok(m) if m.permissions().mode() & 0o111 == 0 => Some("is not executable"),
        Ok(_) => None,
    }
}

/// The lookup order of [`Binaries::find`], with the environment and the build step passed in
/// (so that tests do not touch the process environment).
fn resolve(
    env: &dyn Fn(&str) -> Option<OsString>,
    build: impl FnOnce() -> Result<Binaries, Error>,
) -> Result<Binaries, Error> {
    for variable in [ASSETS_ENV, KUBEBUILDER_ASSETS_ENV] {
        if let Some(dir) = env(variable).filter(|v| !v.is_empty()) {
            let bins = Binaries::in_folder(variable, Path::new(&dir))?;
            tracing::debug!(variable, dir = %Path::new(&dir).display(), "using prebuilt control-plane binaries");
            return Ok(bins);
        }
    }
    build()
}

/// The folder of the Go modules that build the binaries (shipped inside this crate).
pub fn tools_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tools")
}

/// The cache root: `$K8S_RS_CACHE_DIR`, else `$XDG_CACHE_HOME/k8s-rs`, else `~/.cache/k8s-rs`.
/// Binaries built from source are kept in `<cache root>/bin/<KUBERNETES_VERSION>/`.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("K8S_RS_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("k8s-rs");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".cache").join("k8s-rs"),
        None => std::env::temp_dir().join("k8s-rs-cache"),
    }
}

/// The last `n` lines of a text.
pub(crate) fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}

#[cfg(test)]
mod tests;
