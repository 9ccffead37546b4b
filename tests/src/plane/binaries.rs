//! Building and caching the control-plane binaries (kube-apiserver, kubectl, etcd, etcdctl).
//!
//! The binaries are built from the Go module proxy with the machine's Go, through the tools
//! modules committed under `tools/` (their go.mod pins k8s.io/kubernetes v1.37.2 and etcd v3.7.0).
//! They are cached outside the clone, in `~/.cache/k8s-rs/bin/v1.37.2/` (or `$K8S_RS_CACHE_DIR`),
//! together with a stamp of the tools modules: when go.mod/go.sum or the build flags change,
//! they are rebuilt.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::PlaneError;

/// The Kubernetes version the control plane is built at.
pub const KUBERNETES_VERSION: &str = "v1.37.2";
/// The etcd version Kubernetes v1.37.2 pairs with (its `build/dependencies.yaml`).
pub const ETCD_VERSION: &str = "v3.7.0";
/// The oldest Go that builds Kubernetes v1.37.2 (its go.mod says `go 1.26.0`).
const MIN_GO_MINOR: u32 = 26;

/// Paths of the four built binaries.
#[derive(Debug, Clone)]
pub struct Binaries {
    /// `kube-apiserver`.
    pub kube_apiserver: PathBuf,
    /// `kubectl`, used by tests as an oracle.
    pub kubectl: PathBuf,
    /// `etcd`.
    pub etcd: PathBuf,
    /// `etcdctl`.
    pub etcdctl: PathBuf,
}

/// One Go build: the tools module it runs in, the package and the output name.
struct Target {
    module: &'static str,
    package: &'static str,
    output: &'static str,
    stamp_version: bool,
}

const TARGETS: [Target; 4] = [
    Target {
        module: "kube-apiserver",
        package: "k8s.io/kubernetes/cmd/kube-apiserver",
        output: "kube-apiserver",
        stamp_version: true,
    },
    Target {
        module: "kube-apiserver",
        package: "k8s.io/kubernetes/cmd/kubectl",
        output: "kubectl",
        stamp_version: true,
    },
    Target {
        module: "etcd",
        package: "go.etcd.io/etcd/server/v3",
        output: "etcd",
        stamp_version: false,
    },
    Target {
        module: "etcd",
        package: "go.etcd.io/etcd/etcdctl/v3",
        output: "etcdctl",
        stamp_version: false,
    },
];

/// The repository root (the workspace this crate belongs to).
pub fn repo_root() -> PathBuf {
    // CARGO_MANIFEST_DIR is tests/; its parent is the workspace root.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cache root: `$K8S_RS_CACHE_DIR`, else `$XDG_CACHE_HOME/k8s-rs`, else `~/.cache/k8s-rs`.
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

/// The `-ldflags` that make `/version` (and `kubectl version`) report v1.37.2.
fn version_ldflags() -> String {
    let mut flags = String::from("-s -w");
    for pkg in [
        "k8s.io/component-base/version",
        "k8s.io/client-go/pkg/version",
    ] {
        for (var, value) in [
            ("gitVersion", KUBERNETES_VERSION),
            ("gitMajor", "1"),
            ("gitMinor", "37"),
            ("gitTreeState", "clean"),
            ("gitCommit", KUBERNETES_VERSION),
            ("buildDate", "2026-01-01T00:00:00Z"),
        ] {
            flags.push_str(&format!(" -X {pkg}.{var}={value}"));
        }
    }
    flags
}

/// What the cached binaries were built from; a change means a rebuild.
fn stamp(root: &Path) -> Result<String, PlaneError> {
    let mut s = format!(
        "k8s {KUBERNETES_VERSION} etcd {ETCD_VERSION}\n{}\n",
        version_ldflags()
    );
    for module in ["kube-apiserver", "etcd"] {
        for file in ["go.mod", "go.sum"] {
            let path = root.join("tools").join(module).join(file);
            let text = fs::read_to_string(&path).map_err(|e| PlaneError::io(&path, e))?;
            s.push_str(&text);
        }
    }
    Ok(s)
}

/// Checks that Go is installed and new enough; returns its version string.
pub fn check_go() -> Result<String, PlaneError> {
    let out = Command::new("go").arg("version").output().map_err(|e| {
        PlaneError::Prerequisite(format!(
            "`go` was not found on PATH ({e}); install Go >= 1.{MIN_GO_MINOR} (https://go.dev/dl) \
             to build kube-apiserver {KUBERNETES_VERSION} and etcd {ETCD_VERSION}"
        ))
    })?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // "go version go1.26.8 linux/amd64"
    let minor = text
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.strip_prefix("go1."))
        .and_then(|v| v.split(['.', 'r', 'b']).next())
        .and_then(|v| v.parse::<u32>().ok());
    match minor {
        Some(m) if m >= MIN_GO_MINOR => Ok(text),
        _ => Err(PlaneError::Prerequisite(format!(
            "`go version` printed {text:?}; Go >= 1.{MIN_GO_MINOR} is needed to build kube-apiserver {KUBERNETES_VERSION}"
        ))),
    }
}

/// Returns the cached binaries, building them first when missing or stale.
///
/// Concurrent callers (parallel test binaries) serialize on a lock file; only one builds.
pub fn ensure_binaries() -> Result<Binaries, PlaneError> {
    let root = repo_root();
    let dir = cache_root().join("bin").join(KUBERNETES_VERSION);
    fs::create_dir_all(&dir).map_err(|e| PlaneError::io(&dir, e))?;
    let bins = Binaries {
        kube_apiserver: dir.join("kube-apiserver"),
        kubectl: dir.join("kubectl"),
        etcd: dir.join("etcd"),
        etcdctl: dir.join("etcdctl"),
    };
    let want = stamp(&root)?;
    let stamp_path = dir.join("stamp");
    let fresh = |bins: &Binaries| {
        fs::read_to_string(&stamp_path).is_ok_and(|s| s == want)
            && [
                &bins.kube_apiserver,
                &bins.kubectl,
                &bins.etcd,
                &bins.etcdctl,
            ]
            .iter()
            .all(|p| p.is_file())
    };
    if fresh(&bins) {
        return Ok(bins);
    }
    let lock_path = dir.join("build.lock");
    let lock = File::create(&lock_path).map_err(|e| PlaneError::io(&lock_path, e))?;
    lock.lock().map_err(|e| PlaneError::io(&lock_path, e))?;
    if fresh(&bins) {
        return Ok(bins);
    }
    let go = check_go()?;
    tracing::info!(%go, dir = %dir.display(), "building the control plane binaries (first run takes a while)");
    let _ = fs::remove_file(&stamp_path);
    for target in &TARGETS {
        build(&root, &dir, target)?;
    }
    fs::write(&stamp_path, &want).map_err(|e| PlaneError::io(&stamp_path, e))?;
    Ok(bins)
}

fn build(root: &Path, dir: &Path, target: &Target) -> Result<(), PlaneError> {
    let module_dir = root.join("tools").join(target.module);
    let tmp = dir.join(format!(".{}.partial", target.output));
    let ldflags = if target.stamp_version {
        version_ldflags()
    } else {
        "-s -w".to_string()
    };
    let started = Instant::now();
    eprintln!(
        "k8s-rs: go build {} (in {})",
        target.package,
        module_dir.display()
    );
    let out = Command::new("go")
        .current_dir(&module_dir)
        .args(["build", "-trimpath", "-ldflags", &ldflags, "-o"])
        .arg(&tmp)
        .arg(target.package)
        .output()
        .map_err(|e| PlaneError::Prerequisite(format!("could not run `go build`: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(PlaneError::Build {
            package: target.package.to_string(),
            output: tail_lines(&stderr, 40),
        });
    }
    let dest = dir.join(target.output);
    fs::rename(&tmp, &dest).map_err(|e| PlaneError::io(&dest, e))?;
    eprintln!(
        "k8s-rs: built {} in {:.0?}",
        dest.display(),
        started.elapsed()
    );
    Ok(())
}

/// The last `n` lines of a text.
pub(crate) fn tail_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldflags_stamp_both_version_packages() {
        let f = version_ldflags();
        assert!(f.contains("-X k8s.io/component-base/version.gitVersion=v1.37.2"));
        assert!(f.contains("-X k8s.io/client-go/pkg/version.gitMinor=37"));
    }

    #[test]
    fn tail_keeps_last_lines() {
        assert_eq!(tail_lines("a\nb\nc\nd", 2), "c\nd");
        assert_eq!(tail_lines("a", 5), "a");
    }

    #[test]
    fn stamp_reads_tools_modules() {
        let s = stamp(&repo_root()).unwrap();
        assert!(s.contains("k8s.io/kubernetes v1.37.2"));
        assert!(s.contains("go.etcd.io/etcd/server/v3 v3.7.0"));
    }
}
