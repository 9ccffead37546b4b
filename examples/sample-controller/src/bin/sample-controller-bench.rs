//! The k8s-rs side of the sample-controller benchmark (`benches/controller_compare.py`; the
//! client-go side is `benches/peers/client-go-controller`).
//!
//! ```text
//! sample-controller-bench setup <namespace> <count>     install the CRD, create the namespace and
//!                                                      <count> Foos foo-00000… (not reconciled)
//! sample-controller-bench run <namespace> <workers> <count>
//!                                                      run the controller until <count> Foos have
//!                                                      their Deployment and status; print JSON
//! sample-controller-bench cleanup <namespace>          delete the Foos and Deployments
//! ```
//! `KUBECONFIG` names the cluster; the client-side rate limiter is off on both sides.

// `Foo` is the kind this controller reconciles, not a placeholder.
#![allow(clippy::disallowed_names)]

use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_api::apps::v1::Deployment;
use k8s_api::core::v1::Namespace;
use k8s_apimachinery::{
    CreateOptions, DeleteOptions, ListOptions, ObjectMeta, PatchOptions, PatchType,
};
use k8s_client::config::KubeconfigOptions;
use k8s_client::{Api, Config, HttpClient};
use sample_controller::v1alpha1::{Foo, FooSpec};
use sample_controller::{Controller, ControllerOptions, install_crd};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// (user + system CPU seconds, peak RSS in KiB) of this process, from /proc/self.
fn usage() -> (f64, u64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let cpu = (tick(11) + tick(12)) / 100.0;
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    (cpu, rss)
}

fn foo(i: usize) -> Foo {
    Foo {
        metadata: ObjectMeta::named(format!("foo-{i:05}")),
        spec: Some(Box::new(FooSpec {
            deployment_name: format!("web-{i:05}").into(),
            replicas: Some((i % 5 + 1) as i32),
        })),
        ..Default::default()
    }
}

async fn setup(client: HttpClient, ns: &str, count: usize) -> Result<()> {
    install_crd(&client, Duration::from_secs(30)).await?;
    let namespace = Namespace {
        metadata: ObjectMeta::named(ns),
        ..Default::default()
    };
    match Api::<Namespace>::all(client.clone())
        .create(&namespace, &CreateOptions::default())
        .await
    {
        Err(e) if !e.is_already_exists() => return Err(e.into()),
        _ => {}
    }
    let foos = Api::<Foo>::namespaced(client, ns);
    // 8 creates in flight: setup is not what is measured.
    let mut pending = futures::stream::iter((0..count).map(|i| {
        let foos = foos.clone();
        async move { foos.create(&foo(i), &CreateOptions::default()).await }
    }))
    .buffer_unordered(8);
    while let Some(created) = pending.next().await {
        if let Err(e) = created
            && !e.is_already_exists()
        {
            return Err(e.into());
        }
    }
    Ok(())
}

async fn run(client: HttpClient, ns: &str, workers: usize, expect: usize) -> Result<()> {
    let start = Instant::now();
    let controller = std::sync::Arc::new(Controller::new(
        client.clone(),
        ControllerOptions {
            namespace: Some(ns.to_owned()),
            ..ControllerOptions::default()
        },
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn({
        let controller = controller.clone();
        async move {
            controller
                .run(workers, async {
                    let _ = stopped.await;
                })
                .await
        }
    });
    let foos = controller.foos();
    let converged = || {
        foos.list(&Default::default())
            .iter()
            .filter(|f| {
                let want = f.spec.as_ref().and_then(|s| s.replicas);
                f.status
                    .as_ref()
                    .is_some_and(|s| s.deployment_replicas == want)
            })
            .count()
    };
    let deadline = start + Duration::from_secs(600);
    while converged() < expect {
        if Instant::now() > deadline {
            return Err(format!("only {} of {expect} Foos converged", converged()).into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let done = converged();
    let stats = controller.stats();
    let requests = client.requests_sent();
    let _ = stop.send(());
    task.await??;
    let (cpu, rss) = usage();
    println!(
        "{}",
        serde_json::json!({
            "side": "k8s-rs", "foos": done, "workers": workers,
            "seconds": elapsed, "reconciles": stats.syncs, "requests": requests,
            "writes": stats.writes, "reconciles_per_s": expect as f64 / elapsed,
            "cpu_seconds": cpu, "max_rss_kb": rss,
        })
    );
    Ok(())
}

async fn cleanup(client: HttpClient, ns: &str) -> Result<()> {
    let deployments = Api::<Deployment>::namespaced(client.clone(), ns);
    deployments
        .delete_collection(&DeleteOptions::default(), &ListOptions::default())
        .await?;
    let foos = Api::<Foo>::namespaced(client, ns);
    for f in foos.list(&ListOptions::default()).await?.items {
        let name = f.metadata.name.unwrap_or_default();
        let patch = serde_json::json!({"metadata": {"finalizers": null}});
        foos.patch(&name, PatchType::Merge, &patch, &PatchOptions::default())
            .await?;
    }
    foos.delete_collection(&DeleteOptions::default(), &ListOptions::default())
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| {
        args.get(i)
            .cloned()
            .ok_or_else(|| format!("missing argument {i}; see the file's docs"))
    };
    let mut config = Config::from_kubeconfig(&KubeconfigOptions::default())?;
    config.qps = -1.0;
    let client = HttpClient::new(config)?;
    match arg(1)?.as_str() {
        "setup" => setup(client, &arg(2)?, arg(3)?.parse()?).await,
        "run" => run(client, &arg(2)?, arg(3)?.parse()?, arg(4)?.parse()?).await,
        "cleanup" => cleanup(client, &arg(2)?).await,
        other => Err(format!("unknown command {other:?}: setup, run or cleanup").into()),
    }
}
