//! `cargo xtask cluster …`: a front end over k8s-testenv's shared plane.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use k8s_testenv::{ControlPlane, KUBERNETES_VERSION, shared_dir};

pub async fn run(sub: &str) -> Result<()> {
    // Absolute, so that the commands printed below work from any directory.
    let dir = std::path::absolute(shared_dir())
        .with_context(|| format!("cannot make {} absolute", shared_dir().display()))?;
    // A plane of one's own (`K8S_RS_PLANE_DIR`): every command printed names it, so that it
    // targets this plane when pasted in a shell without the variable.
    let own_dir = std::env::var_os("K8S_RS_PLANE_DIR")
        .filter(|d| !d.is_empty())
        .map(|_| dir.clone());
    let own_dir = own_dir.as_deref();
    match sub {
        "up" => {
            let started_at = Instant::now();
            let (plane, started) = ControlPlane::up(&dir).await?;
            println!(
                "{} control plane ready in {:.1?}: kube-apiserver {} at {}",
                if started {
                    "started"
                } else {
                    "already running:"
                },
                started_at.elapsed(),
                KUBERNETES_VERSION,
                plane.server()
            );
            println!("{}", usage(&plane.kubeconfig(), own_dir));
            Ok(())
        }
        "down" => {
            if k8s_testenv::down(&dir).await? {
                println!("control plane stopped; {} removed", dir.display());
            } else {
                println!("no control plane recorded in {}", dir.display());
            }
            Ok(())
        }
        "status" => {
            let Some(mut plane) = ControlPlane::attach(&dir)? else {
                println!("not running (no state in {})", dir.display());
                return Ok(());
            };
            let (etcd, apiserver) = plane.pids();
            if !plane.is_running() {
                bail!(
                    "stale: state in {} but the processes (etcd pid {etcd}, kube-apiserver pid {apiserver}) are gone; run `{}`",
                    dir.display(),
                    xtask_command("down", own_dir)
                );
            }
            let ready = match plane.check_ready().await {
                Ok(()) => "ok".to_string(),
                Err(e) => format!("not ready: {e}"),
            };
            println!("running");
            println!(
                "  kube-apiserver  pid {apiserver}  {}  readyz: {ready}",
                plane.server()
            );
            println!("  etcd            pid {etcd}  {}", plane.etcd_url());
            println!("  kubeconfig      {}", plane.kubeconfig().display());
            println!("  logs            {}/{{apiserver,etcd}}.log", dir.display());
            Ok(())
        }
        "env" => {
            let Some(plane) = ControlPlane::attach(&dir)? else {
                bail!(
                    "no control plane running in {}; start one with `{}`",
                    dir.display(),
                    xtask_command("up", own_dir)
                );
            };
            println!("{}", export_kubeconfig(&plane.kubeconfig()));
            Ok(())
        }
        other => bail!("unknown cluster command {other:?}: use up, down, status or env"),
    }
}

/// What `cluster up` prints after the plane is ready: its kubeconfig, and two ways of using it
/// that work as printed in any shell, with or without `K8S_RS_PLANE_DIR`.
fn usage(kubeconfig: &Path, own_dir: Option<&Path>) -> String {
    format!(
        "kubeconfig: {}\nuse it:     {}\n    or:     eval \"$({})\"",
        kubeconfig.display(),
        export_kubeconfig(kubeconfig),
        xtask_command("env", own_dir)
    )
}

/// The line `cluster env` prints.
fn export_kubeconfig(kubeconfig: &Path) -> String {
    format!("export KUBECONFIG={}", shell_quote(kubeconfig))
}

/// `cargo xtask cluster <sub>` for the plane in `own_dir` (`K8S_RS_PLANE_DIR=… cargo xtask …`),
/// or for the default plane.
fn xtask_command(sub: &str, own_dir: Option<&Path>) -> String {
    match own_dir {
        Some(dir) => format!(
            "K8S_RS_PLANE_DIR={} cargo xtask cluster {sub}",
            shell_quote(dir)
        ),
        None => format!("cargo xtask cluster {sub}"),
    }
}

/// A path as one POSIX shell word: as is when it has only safe characters, else single-quoted.
fn shell_quote(path: &Path) -> String {
    let text = path.to_string_lossy();
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%,=".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        text.into_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn usage_of_the_default_plane() {
        let kubeconfig = PathBuf::from("/tmp/k8s-rs/plane/kubeconfig");
        assert_eq!(
            usage(&kubeconfig, None),
            "kubeconfig: /tmp/k8s-rs/plane/kubeconfig\n\
             use it:     export KUBECONFIG=/tmp/k8s-rs/plane/kubeconfig\n    \
             or:     eval \"$(cargo xtask cluster env)\""
        );
    }

    /// With `K8S_RS_PLANE_DIR`, the printed commands name the plane, so that they target it
    /// when run in another shell without the variable (they used to export the default
    /// plane's kubeconfig there).
    #[test]
    fn usage_of_a_plane_of_ones_own_names_it() {
        let dir = PathBuf::from("/home/me/planes/a b");
        let text = usage(&dir.join("kubeconfig"), Some(&dir));
        assert_eq!(
            text,
            "kubeconfig: /home/me/planes/a b/kubeconfig\n\
             use it:     export KUBECONFIG='/home/me/planes/a b/kubeconfig'\n    \
             or:     eval \"$(K8S_RS_PLANE_DIR='/home/me/planes/a b' cargo xtask cluster env)\""
        );
        assert!(!text.contains("eval \"$(cargo xtask"), "{text}");
        assert_eq!(
            xtask_command("down", Some(Path::new("/p"))),
            "K8S_RS_PLANE_DIR=/p cargo xtask cluster down"
        );
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(
            shell_quote(Path::new("/tmp/k8s-rs/plane")),
            "/tmp/k8s-rs/plane"
        );
        assert_eq!(shell_quote(Path::new("/tmp/it's")), r"'/tmp/it'\''s'");
        assert_eq!(shell_quote(Path::new("/tmp/$HOME")), "'/tmp/$HOME'");
    }
}
