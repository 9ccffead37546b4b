//! `cargo xtask cluster …` and `cargo xtask demo`: a front end over `k8s_rs_tests::plane`.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use k8s_rs_tests::plane::{self, ControlPlane, shared_dir};

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
                plane::KUBERNETES_VERSION,
                plane.server()
            );
            println!("kubeconfig: {}", plane.kubeconfig().display());
            println!("use it:     eval \"$(cargo xtask cluster env)\"");
            Ok(())
        }
        "down" => {
            if plane::down(&dir).await? {
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
            let http = plane.admin_http()?;
            let ready = http
                .get(format!("{}/readyz", plane.server()))
                .send()
                .await
                .map(|r| r.status().to_string())
                .unwrap_or_else(|e| format!("unreachable: {e}"));
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

/// The main job, for now: start the local plane and show what it serves.
pub async fn demo() -> Result<()> {
    let dir = shared_dir();
    let (plane, started) = ControlPlane::up(&dir).await?;
    let http = plane.admin_http()?;
    let get = |path: &'static str| {
        let http = http.clone();
        let url = format!("{}{path}", plane.server());
        async move {
            let v: serde_json::Value = http
                .get(&url)
                .send()
                .await
                .with_context(|| format!("GET {url}"))?
                .error_for_status()
                .with_context(|| format!("GET {url}"))?
                .json()
                .await
                .with_context(|| format!("GET {url}: body"))?;
            anyhow::Ok(v)
        }
    };
    let version = get("/version").await?;
    println!(
        "kube-apiserver {} ({}, {}) at {}{}",
        version["gitVersion"].as_str().unwrap_or("?"),
        version["goVersion"].as_str().unwrap_or("?"),
        version["platform"].as_str().unwrap_or("?"),
        plane.server(),
        if started { "" } else { " (already running)" }
    );
    let groups = get("/apis").await?;
    println!("API groups:");
    println!("  {:<40} v1", "core (legacy, /api)");
    for g in groups["groups"].as_array().into_iter().flatten() {
        let versions: Vec<&str> = g["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["version"].as_str())
            .collect();
        println!(
            "  {:<40} {}",
            g["name"].as_str().unwrap_or("?"),
            versions.join(", ")
        );
    }
    println!("\nkubeconfig: {}", plane.kubeconfig().display());
    println!("stop it with: cargo xtask cluster down");
    Ok(())
}
