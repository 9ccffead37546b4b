//! `cargo xtask demo`: the README's main job. Starts the local control plane unless a cluster
//! is given (`--kubeconfig PATH` or `KUBECONFIG`), then runs the sample controller's `demo`
//! binary against it (`examples/sample-controller/src/bin/demo.rs`). xtask does not link the
//! sample controller: it builds no crate whose source the code generator writes.

use std::path::PathBuf;

use anyhow::{Result, bail};
use k8s_testenv::{ControlPlane, shared_dir};

/// Runs the demo with `args` (`--kubeconfig PATH`, `--foos N`, `--workers N`).
pub async fn run(args: &[&str]) -> Result<()> {
    let given = args
        .iter()
        .position(|a| *a == "--kubeconfig")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("KUBECONFIG").map(PathBuf::from));
    let mut forwarded: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    if given.is_none() {
        let dir = shared_dir();
        println!("starting the local control plane (kube-apiserver v1.37.2 + etcd)…");
        let (plane, started) = ControlPlane::up(&dir).await?;
        println!(
            "control plane {} at {}",
            if started {
                "started"
            } else {
                "already running"
            },
            plane.server()
        );
        forwarded.extend([
            "--kubeconfig".to_owned(),
            plane.kubeconfig().display().to_string(),
            "--kubectl".to_owned(),
            plane.binaries().kubectl.display().to_string(),
            "--local".to_owned(),
        ]);
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = std::process::Command::new(cargo)
        .args([
            "run",
            "--quiet",
            "-p",
            "sample-controller",
            "--bin",
            "demo",
            "--",
        ])
        .args(&forwarded)
        .status()?;
    if !status.success() {
        bail!("the demo failed ({status})");
    }
    Ok(())
}
