//! `cargo xtask cluster …`: a front end over k8s-testenv's shared plane.

use std::time::Instant;

use anyhow::{Result, bail};
use k8s_testenv::{ControlPlane, KUBERNETES_VERSION, shared_dir};

pub async fn run(sub: &str) -> Result<()> {
    let dir = shared_dir();
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
            println!("kubeconfig: {}", plane.kubeconfig().display());
            println!("use it:     eval \"$(cargo xtask cluster env)\"");
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
                    "stale: state in {} but the processes (etcd pid {etcd}, kube-apiserver pid {apiserver}) are gone; run `cargo xtask cluster down`",
                    dir.display()
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
                bail!("no control plane running; start one with `cargo xtask cluster up`");
            };
            println!("export KUBECONFIG={}", plane.kubeconfig().display());
            Ok(())
        }
        other => bail!("unknown cluster command {other:?}: use up, down, status or env"),
    }
}
