//! Scenario `e2e` on our side, against the real control plane (`KUBECONFIG`): sequential GETs,
//! full LISTs and merge PATCHes of ConfigMaps through one client (client-side rate limiting
//! off on every side), and the time to synced of a ConfigMap informer by paged list and by
//! streaming list. `e2e-setup` creates the namespace and the ConfigMaps `cm-00000…` once.
//! `--metrics prometheus` reports request metrics to a Prometheus registry (off by default, as
//! on the other sides).

use k8s_apimachinery::LiteMap;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use futures::StreamExt;
use k8s_api::core::v1::{ConfigMap, Namespace};
use k8s_apimachinery::{
    CreateOptions, GetOptions, ListOptions, ObjectMeta, PatchOptions, PatchType,
};
use k8s_client::config::KubeconfigOptions;
use k8s_client::{Api, Config, HttpClient};
use k8s_informers::SharedInformerFactory;

use crate::common::{Flags, Report, cpu_time, names_checksum};

fn client() -> Result<HttpClient> {
    client_with(false)
}

/// `metrics`: report request metrics to a Prometheus registry (`--metrics prometheus`), to
/// measure what the provider costs.
fn client_with(metrics: bool) -> Result<HttpClient> {
    let mut config =
        Config::from_kubeconfig(&KubeconfigOptions::default()).context("KUBECONFIG")?;
    config.qps = -1.0;
    if metrics {
        let registry = prometheus::Registry::new();
        let provider = k8s_client::metrics::PrometheusRequestMetrics::register(&registry)?;
        config.metrics = Some(std::sync::Arc::new(provider));
    }
    Ok(HttpClient::new(config)?)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// The name of ConfigMap `i`.
fn name(i: usize) -> String {
    format!("cm-{i:05}")
}

/// `e2e-setup`: the namespace and `count` ConfigMaps of ≈0.6 KB (those missing).
pub fn setup(flags: &Flags) -> Result<()> {
    let ns = flags.str("namespace", "bench-e2e");
    let count: usize = flags.num("count", 10_000)?;
    runtime()?.block_on(async {
        let client = client()?;
        let namespaces: Api<Namespace> = Api::all(client.clone());
        let created = namespaces
            .create(
                &Namespace {
                    metadata: ObjectMeta::named(&ns),
                    ..Namespace::default()
                },
                &CreateOptions::default(),
            )
            .await;
        if let Err(e) = created
            && !e.is_already_exists()
        {
            return Err(e.into());
        }
        let api: Api<ConfigMap> = Api::namespaced(client, &ns);
        let existing = api.list(&ListOptions::default()).await?.items.len();
        if existing >= count {
            return Ok(());
        }
        let results: Vec<Result<()>> = futures::stream::iter(0..count)
            .map(|i| {
                let api = api.clone();
                async move {
                    let cm = ConfigMap {
                        metadata: ObjectMeta::named(name(i)),
                        data: Some(LiteMap::from_iter([("key".into(), "x".repeat(512).into())])),
                        ..ConfigMap::default()
                    };
                    match api.create(&cm, &CreateOptions::default()).await {
                        Err(e) if !e.is_already_exists() => Err(e.into()),
                        _ => Ok(()),
                    }
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        results.into_iter().collect::<Result<Vec<()>>>()?;
        eprintln!("{count} ConfigMaps in {ns}");
        Ok(())
    })
}

/// Scenario `e2e`.
pub fn run(flags: &Flags) -> Result<Report> {
    let ns = flags.str("namespace", "bench-e2e");
    let count: usize = flags.num("count", 10_000)?;
    let gets: usize = flags.num("gets", 2000)?;
    let lists: usize = flags.num("lists", 5)?;
    let patches: usize = flags.num("patches", 1000)?;
    let metrics = match flags.str("metrics", "none").as_str() {
        "none" => false,
        "prometheus" => true,
        other => anyhow::bail!("--metrics {other:?}: expected none or prometheus"),
    };
    runtime()?.block_on(async {
        let client = client_with(metrics)?;
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
        let mut r = Report::default();
        api.get(&name(0), &GetOptions::default()).await?; // warm the connection
        let (t, c) = (Instant::now(), cpu_time());
        for i in 0..gets {
            api.get(&name(i % count), &GetOptions::default()).await?;
        }
        r.metric("get_per_s", gets as f64 / t.elapsed().as_secs_f64());
        r.metric(
            "cpu_us_per_get",
            cpu_time().saturating_sub(c).as_secs_f64() * 1e6 / gets as f64,
        );
        let (t, c) = (Instant::now(), cpu_time());
        let mut names = Vec::new();
        for _ in 0..lists {
            let list = api.list(&ListOptions::default()).await?;
            names = list
                .items
                .iter()
                .map(|cm| cm.metadata.name.clone().unwrap_or_default())
                .collect();
        }
        r.metric("list_per_s", lists as f64 / t.elapsed().as_secs_f64());
        r.metric(
            "cpu_ms_per_list",
            cpu_time().saturating_sub(c).as_secs_f64() * 1e3 / lists as f64,
        );
        r.check("list_count", names.len());
        r.check("list_names", names_checksum(&names));
        // A value no earlier run used, so that every patch writes.
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
            .to_string();
        let (t, c) = (Instant::now(), cpu_time());
        for i in 0..patches {
            let patch = serde_json::json!({"metadata": {"annotations": {"bench/nonce": nonce}}});
            api.patch(
                &name(i % count),
                PatchType::Merge,
                &patch,
                &PatchOptions::default(),
            )
            .await?;
        }
        r.metric("patch_per_s", patches as f64 / t.elapsed().as_secs_f64());
        r.metric(
            "cpu_us_per_patch",
            cpu_time().saturating_sub(c).as_secs_f64() * 1e6 / patches as f64,
        );
        for (mode, streaming) in [("list", false), ("stream", true)] {
            let factory = SharedInformerFactory::new(client.clone(), None).namespace(&ns);
            let factory = if streaming {
                factory
            } else {
                factory.without_streaming_list()
            };
            let informer = factory.informer::<ConfigMap>();
            let t = Instant::now();
            factory.start();
            informer.wait_for_sync(Duration::from_secs(300)).await?; // event-driven, no polling
            r.metric(
                &format!("time_to_synced_{mode}_ms"),
                t.elapsed().as_secs_f64() * 1e3,
            );
            r.check(&format!("informer_{mode}_count"), informer.indexer().len());
            factory.shutdown();
        }
        Ok(r)
    })
}
