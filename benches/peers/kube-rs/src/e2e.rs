//! kube-rs peer: GETs and LISTs of ConfigMaps in one namespace, sequentially, through one client.
//! Usage: kube-rs-peer <namespace> <gets> <lists>   (KUBECONFIG points at the cluster)
//! Prints one JSON line: {"side":"kube-rs","get_per_s":…,"list_per_s":…,"cpu_us_per_get":…,"cpu_us_per_list":…}

use std::time::Instant;

use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams};

fn cpu_micros() -> f64 {
    // utime + stime of this process, from /proc/self/stat (clock ticks of 10 ms).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks * 10_000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let ns = args.get(1).cloned().unwrap_or_else(|| "default".into());
    let gets: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let lists: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    // Same TLS provider as k8s-rs (ring), chosen explicitly: kube's features enable two.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = kube::Client::try_default().await?;
    let api: Api<ConfigMap> = Api::namespaced(client, &ns);
    let _ = api.get("cm-0000").await?; // warm the connection
    let (c0, t0) = (cpu_micros(), Instant::now());
    for i in 0..gets {
        let _ = api.get(&format!("cm-{:04}", i % 1000)).await?;
    }
    let (c1, t1) = (cpu_micros(), Instant::now());
    let mut n = 0;
    for _ in 0..lists {
        n += api.list(&ListParams::default()).await?.items.len();
    }
    let (c2, t2) = (cpu_micros(), Instant::now());
    println!(
        "{}",
        serde_json::json!({
            "side": "kube-rs",
            "get_per_s": gets as f64 / (t1 - t0).as_secs_f64(),
            "list_per_s": lists as f64 / (t2 - t1).as_secs_f64(),
            "cpu_us_per_get": (c1 - c0) / gets as f64,
            "cpu_us_per_list": (c2 - c1) / lists as f64,
            "objects_listed": n,
        })
    );
    Ok(())
}
