//! Scenario `e2e` on kube-rs against the real control plane (`KUBECONFIG`): the same sequential
//! GETs, full LISTs, merge PATCHes and informer (watcher + reflector) time to synced as the
//! harness's `e2e.rs`. kube-rs has no client-side rate limiter.

use std::time::{Duration, Instant};

use anyhow::Result;
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, ListParams, Patch, PatchParams};
use kube::runtime::{WatchStreamExt, reflector, watcher};

use crate::common::{Flags, Report, cpu_time, names_checksum};

/// Scenario `e2e`.
pub fn run(flags: &Flags) -> Result<Report> {
    let ns = flags.str("namespace", "bench-e2e");
    let count: usize = flags.num("count", 10_000)?;
    let gets: usize = flags.num("gets", 2000)?;
    let lists: usize = flags.num("lists", 5)?;
    let patches: usize = flags.num("patches", 1000)?;
    let name = |i: usize| format!("cm-{:05}", i % count);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let client = kube::Client::try_default().await?;
        let api: Api<ConfigMap> = Api::namespaced(client, &ns);
        let mut r = Report::default();
        api.get(&name(0)).await?;
        let (t, c) = (Instant::now(), cpu_time());
        for i in 0..gets {
            api.get(&name(i)).await?;
        }
        r.metric("get_per_s", gets as f64 / t.elapsed().as_secs_f64());
        r.metric(
            "cpu_us_per_get",
            cpu_time().saturating_sub(c).as_secs_f64() * 1e6 / gets as f64,
        );
        let (t, c) = (Instant::now(), cpu_time());
        let mut names = Vec::new();
        for _ in 0..lists {
            let list = api.list(&ListParams::default()).await?;
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
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_nanos()
            .to_string();
        let (t, c) = (Instant::now(), cpu_time());
        for i in 0..patches {
            let patch = serde_json::json!({"metadata": {"annotations": {"bench/nonce": nonce}}});
            api.patch(&name(i), &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
        }
        r.metric("patch_per_s", patches as f64 / t.elapsed().as_secs_f64());
        r.metric(
            "cpu_us_per_patch",
            cpu_time().saturating_sub(c).as_secs_f64() * 1e6 / patches as f64,
        );
        for (mode, streaming) in [("list", false), ("stream", true)] {
            let mut wc = watcher::Config::default().page_size(500);
            if streaming {
                wc = wc.streaming_lists();
            }
            let (reader, writer) = reflector::store::<ConfigMap>();
            let stream = watcher(api.clone(), wc)
                .modify(|cm| cm.metadata.managed_fields = None)
                .reflect(writer);
            let t = Instant::now();
            let task = tokio::spawn(async move {
                let mut stream = std::pin::pin!(stream);
                while stream.next().await.is_some() {}
            });
            tokio::time::timeout(Duration::from_secs(300), reader.wait_until_ready()).await??;
            r.metric(
                &format!("time_to_synced_{mode}_ms"),
                t.elapsed().as_secs_f64() * 1e3,
            );
            r.check(&format!("informer_{mode}_count"), reader.state().len());
            task.abort();
        }
        Ok(r)
    })
}
