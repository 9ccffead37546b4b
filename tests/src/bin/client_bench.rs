//! k8s-rs side of the client get/list benchmark against a real apiserver (the kube-rs side is
//! `benches/peers/kube-rs`; `benches/client_compare.py` runs both alternately).
//!
//! ```text
//! client_bench setup <namespace> <count>    create the namespace and <count> ConfigMaps cm-0000…
//! client_bench run <namespace> <gets> <lists>
//! ```
//! `KUBECONFIG` names the cluster. The client-side rate limiter is off (kube-rs has none), so
//! both sides run the same sequential workload over one client.

use std::collections::BTreeMap;
use std::time::Instant;

use k8s_api::core::v1::{ConfigMap, Namespace};
use k8s_apimachinery::{CreateOptions, GetOptions, ListOptions, ObjectMeta};
use k8s_client::config::KubeconfigOptions;
use k8s_client::{Api, Config, HttpClient};

fn cpu_micros() -> f64 {
    // utime + stime of this process, from /proc/self/stat (clock ticks of 10 ms).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) * 10_000.0
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, d: &str| args.get(i).cloned().unwrap_or_else(|| d.to_string());
    let mut config = Config::from_kubeconfig(&KubeconfigOptions::default())?;
    config.qps = -1.0;
    let client = HttpClient::new(config)?;
    let ns = arg(2, "bench");
    match arg(1, "run").as_str() {
        "setup" => {
            let count: usize = arg(3, "1000").parse()?;
            let namespaces: Api<Namespace> = Api::all(client.clone());
            let _ = namespaces
                .create(
                    &Namespace {
                        metadata: ObjectMeta::named(&ns),
                        ..Namespace::default()
                    },
                    &CreateOptions::default(),
                )
                .await;
            let api: Api<ConfigMap> = Api::namespaced(client, &ns);
            for i in 0..count {
                let cm = ConfigMap {
                    metadata: ObjectMeta::named(format!("cm-{i:04}")),
                    data: Some(BTreeMap::from([("key".to_string(), "x".repeat(512))])),
                    ..ConfigMap::default()
                };
                if let Err(e) = api.create(&cm, &CreateOptions::default()).await
                    && !e.is_already_exists()
                {
                    return Err(e.into());
                }
            }
            println!("{count} ConfigMaps in {ns}");
        }
        _ => {
            let gets: usize = arg(3, "1000").parse()?;
            let lists: usize = arg(4, "20").parse()?;
            let api: Api<ConfigMap> = Api::namespaced(client, &ns);
            api.get("cm-0000", &GetOptions::default()).await?;
            let (c0, t0) = (cpu_micros(), Instant::now());
            for i in 0..gets {
                api.get(&format!("cm-{:04}", i % 1000), &GetOptions::default())
                    .await?;
            }
            let (c1, t1) = (cpu_micros(), Instant::now());
            let mut n = 0;
            for _ in 0..lists {
                n += api.list(&ListOptions::default()).await?.items.len();
            }
            let (c2, t2) = (cpu_micros(), Instant::now());
            println!(
                "{}",
                serde_json::json!({
                    "side": "k8s-rs",
                    "get_per_s": gets as f64 / (t1 - t0).as_secs_f64(),
                    "list_per_s": lists as f64 / (t2 - t1).as_secs_f64(),
                    "cpu_us_per_get": (c1 - c0) / gets as f64,
                    "cpu_us_per_list": (c2 - c1) / lists as f64,
                    "objects_listed": n,
                })
            );
        }
    }
    Ok(())
}
