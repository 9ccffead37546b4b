//! Building the binaries from source: `go build` in the Go modules under `tools/`, cached.
//!
//! `tools/kube-apiserver/go.mod` requires k8s.io/kubernetes v1.37.2 (each staging module replaced
//! by its published `v0.37.2` release) and `tools/etcd/go.mod` etcd v3.7.0; both ship inside the
//! crate. The binaries land in [`cache_root()`]`/bin/v1.37.2/` together with a stamp of the tools
//! modules and build flags: when those change, they are rebuilt. Concurrent builders (parallel test
//! binaries) serialize on a lock file, so only one builds.

use std::fs::{self, File};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use super::{Binaries, ETCD_VERSION, KUBERNETES_VERSION, cache_root, tail_lines, tools_dir};
use crate::Error;

/// The oldest Go that builds Kubernetes v1.37.2 (its go.mod says `go 1.26.0`).
const MIN_GO_MINOR: u32 = 26;

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
fn stamp(tools: &Path) -> Result<String, Error> {
    let mut s = format!(
        "k8s {KUBERNETES_VERSION} etcd {ETCD_VERSION}\n{}\n",
        version_ldflags()
    );
    for module in ["kube-apiserver", "etcd"] {
        for file in ["go.mod", "go.sum"] {
            let path = tools.join(module).join(file);
            let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            s.push_str(&text);
        }
    }
    Ok(s)
}

/// Checks that Go is installed and new enough; returns its version string.
pub fn check_go() -> Result<String, Error> {
    check_go_at(Path::new("go"))
}

/// [`check_go`] with the `go` command to run (a path, or a name looked up on `PATH`).
pub(crate) fn check_go_at(go: &Path) -> Result<String, Error> {
    let out = Command::new(go).arg("version").output().map_err(|e| {
        Error::Prerequisite(format!(
            "no control-plane binaries: neither K8S_TESTENV_ASSETS nor KUBEBUILDER_ASSETS is set, \
             and building them from source needs Go, but `{go}` could not be run ({e}); install \
             Go >= 1.{MIN_GO_MINOR} (https://go.dev/dl) to build kube-apiserver \
             {KUBERNETES_VERSION} and etcd {ETCD_VERSION}, or point K8S_TESTENV_ASSETS at a folder \
             with kube-apiserver, etcd and kubectl",
            go = go.display()
        ))
    })?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    match go_minor(&text) {
        Some(m) if m >= MIN_GO_MINOR => Ok(text),
        _ => Err(Error::Prerequisite(format!(
            "`{go} version` printed {text:?}; Go >= 1.{MIN_GO_MINOR} is needed to build \
             kube-apiserver {KUBERNETES_VERSION} (or set K8S_TESTENV_ASSETS to a folder with \
             kube-apiserver, etcd and kubectl)",
            go = go.display()
        ))),
    }
}

/// The minor version in `go version` output: "go version go1.26.8 linux/amd64" → 26.
fn go_minor(text: &str) -> Option<u32> {
    text.split_whitespace()
        .nth(2)
        .and_then(|v| v.strip_prefix("go1."))
        .and_then(|v| v.split(['.', 'r', 'b']).next())
        .and_then(|v| v.parse::<u32>().ok())
}

/// Returns the cached binaries, building them first when missing or stale.
///
/// Concurrent callers (parallel test binaries) serialize on a lock file; only one builds.
pub(crate) fn cached_or_built() -> Result<Binaries, Error> {
    let tools = tools_dir();
    let dir = cache_root().join("bin").join(KUBERNETES_VERSION);
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let bins = Binaries {
        kube_apiserver: dir.join("kube-apiserver"),
        kubectl: dir.join("kubectl"),
        etcd: dir.join("etcd"),
        etcdctl: Some(dir.join("etcdctl")),
    };
    let want = stamp(&tools)?;
    let stamp_path = dir.join("stamp");
    let fresh = || {
        fs::read_to_string(&stamp_path).is_ok_and(|s| s == want)
            && TARGETS.iter().all(|t| dir.join(t.output).is_file())
    };
    if fresh() {
        return Ok(bins);
    }
    let lock_path = dir.join("build.lock");
    let lock = File::create(&lock_path).map_err(|e| Error::io(&lock_path, e))?;
    lock.lock().map_err(|e| Error::io(&lock_path, e))?;
    if fresh() {
        return Ok(bins);
    }
    let go = check_go()?;
    tracing::info!(%go, dir = %dir.display(), "building the control plane binaries (first run takes a while)");
    let _ = fs::remove_file(&stamp_path);
    for target in &TARGETS {
        build(&tools, &dir, target)?;
    }
    fs::write(&stamp_path, &want).map_err(|e| Error::io(&stamp_path, e))?;
    Ok(bins)
}

fn build(tools: &Path, dir: &Path, target: &Target) -> Result<(), Error> {
    let module_dir = tools.join(target.module);
    let tmp = dir.join(format!(".{}.partial", target.output));
    let ldflags = if target.stamp_version {
        version_ldflags()
    } else {
        "-s -w".to_string()
    };
    let started = Instant::now();
    eprintln!(
        "k8s-testenv: go build {} (in {})",
        target.package,
        module_dir.display()
    );
    let out = Command::new("go")
        .current_dir(&module_dir)
        .args(["build", "-trimpath", "-ldflags", &ldflags, "-o"])
        .arg(&tmp)
        .arg(target.package)
        .output()
        .map_err(|e| Error::Prerequisite(format!("could not run `go build`: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(Error::Build {
            package: target.package.to_string(),
            output: tail_lines(&stderr, 40),
        });
    }
    let dest = dir.join(target.output);
    fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, e))?;
    eprintln!(
        "k8s-testenv: built {} in {:.0?}",
        dest.display(),
        started.elapsed()
    );
    Ok(())
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
    fn go_versions_are_parsed() {
        assert_eq!(go_minor("go version go1.26.8 linux/amd64"), Some(26));
        assert_eq!(go_minor("go version go1.27rc1 linux/amd64"), Some(27));
        assert_eq!(go_minor("go version devel"), None);
    }

    #[test]
    fn missing_go_names_the_command_and_the_alternatives() {
        let err = check_go_at(Path::new("/nonexistent/k8s-testenv/go"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`/nonexistent/k8s-testenv/go` could not be run"),
            "{err}"
        );
        assert!(err.contains("K8S_TESTENV_ASSETS"), "{err}");
        assert!(err.contains("KUBEBUILDER_ASSETS"), "{err}");
        assert!(err.contains("Go >= 1.26"), "{err}");
    }

    #[test]
    fn stamp_reads_tools_modules() {
        let s = stamp(&tools_dir()).unwrap();
        assert!(s.contains("k8s.io/kubernetes v1.37.2"));
        assert!(s.contains("go.etcd.io/etcd/server/v3 v3.7.0"));
    }
}
