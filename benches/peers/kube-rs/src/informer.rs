//! Scenarios `watch` and `informer` on kube-rs: `watcher` + `reflector` store of Pods in namespace
//! `bench` against the replay server, the same work as the harness's `informer.rs`
//! (managedFields stripped with `modify`, pages of 500, `streaming_lists()` for `--mode stream`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher::{self, Event};
use kube::runtime::{WatchStreamExt, watcher as watch_fn};
use tokio::sync::Notify;

use crate::common::{Flags, Report, cpu_time, force_relist, names_checksum, rss};

/// Starts the watcher + reflector; every Apply/InitApply/Delete event calls `on_event`.
fn start(
    server: &str,
    streaming: bool,
    on_event: impl Fn() + Send + 'static,
) -> Result<(Store<Pod>, tokio::task::JoinHandle<()>)> {
    let config = kube::Config::new(server.parse().context("server URL")?);
    let client = kube::Client::try_from(config)?;
    let api: Api<Pod> = Api::namespaced(client, "bench");
    let mut wc = watcher::Config::default().page_size(500);
    if streaming {
        wc = wc.streaming_lists();
    }
    let (reader, writer) = reflector::store::<Pod>();
    let stream = watch_fn(api, wc)
        .modify(|p| p.metadata.managed_fields = None)
        .reflect(writer);
    let task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(ev) = stream.next().await {
            // Errors (the forced 410) make the watcher relist on the next poll.
            if let Ok(Event::Apply(_) | Event::InitApply(_) | Event::Delete(_)) = ev {
                on_event();
            }
        }
    });
    Ok((reader, task))
}

fn store_checks(r: &mut Report, store: &Store<Pod>, prefix: &str) {
    let objects = store.state();
    r.check(&format!("{prefix}count"), objects.len());
    r.check(
        &format!("{prefix}names"),
        names_checksum(
            objects
                .iter()
                .map(|p| p.metadata.name.clone().unwrap_or_default()),
        ),
    );
    let max_rv = objects
        .iter()
        .filter_map(|p| p.metadata.resource_version.as_deref()?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    r.check(&format!("{prefix}max_rv"), max_rv);
    let managed = objects
        .iter()
        .filter(|p| p.metadata.managed_fields.is_some())
        .count();
    r.check(&format!("{prefix}with_managed_fields"), managed);
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Scenario `watch`.
pub fn run_watch(flags: &Flags) -> Result<Report> {
    let server = flags.str("server", "");
    let pods: u64 = flags.num("pods", 1000)?;
    let events: u64 = flags.num("events", 100_000)?;
    runtime()?.block_on(async {
        let count = Arc::new(AtomicU64::new(0));
        let done = Arc::new(Notify::new());
        let target = pods + events;
        let bump = {
            let (count, done) = (Arc::clone(&count), Arc::clone(&done));
            move || {
                if count.fetch_add(1, Ordering::Relaxed) + 1 == target {
                    done.notify_one();
                }
            }
        };
        let t0 = Instant::now();
        let (store, task) = start(&server, false, bump)?;
        tokio::time::timeout(Duration::from_secs(600), store.wait_until_ready()).await??;
        let (t_sync, cpu_sync) = (Instant::now(), cpu_time());
        tokio::time::timeout(Duration::from_secs(1200), done.notified())
            .await
            .with_context(|| {
                format!("only {} of {target} events", count.load(Ordering::Relaxed))
            })?;
        let (elapsed, cpu) = (t_sync.elapsed(), cpu_time().saturating_sub(cpu_sync));
        let mut r = Report::default();
        r.check("handler_events", count.load(Ordering::Relaxed));
        store_checks(&mut r, &store, "store_");
        r.metric("time_to_synced_ms", (t_sync - t0).as_secs_f64() * 1e3);
        r.metric("events_per_s", events as f64 / elapsed.as_secs_f64());
        r.metric("cpu_us_per_event", cpu.as_secs_f64() * 1e6 / events as f64);
        r.metric("rss_end_mb", rss() as f64 / 1e6);
        task.abort();
        Ok(r)
    })
}

/// Scenario `informer`.
pub fn run_informer(flags: &Flags) -> Result<Report> {
    let server = flags.str("server", "");
    let pods: usize = flags.num("pods", 10_000)?;
    let streaming = match flags.str("mode", "list").as_str() {
        "list" => false,
        "stream" => true,
        other => bail!("--mode list|stream, not {other:?}"),
    };
    let rt = runtime()?;
    let baseline = rss();
    let mut r = Report::default();
    let (store, task) = rt.block_on(async {
        let (t0, c0) = (Instant::now(), cpu_time());
        let (store, task) = start(&server, streaming, || {})?;
        tokio::time::timeout(Duration::from_secs(600), store.wait_until_ready()).await??;
        r.metric("time_to_synced_ms", t0.elapsed().as_secs_f64() * 1e3);
        r.metric(
            "sync_cpu_ms",
            cpu_time().saturating_sub(c0).as_secs_f64() * 1e3,
        );
        anyhow::Ok((store, task))
    })?;
    r.metric("rss_synced_mb", rss() as f64 / 1e6);
    std::thread::sleep(Duration::from_secs(2));
    let steady = rss();
    r.metric("rss_steady_mb", steady as f64 / 1e6);
    r.metric(
        "bytes_per_object",
        steady.saturating_sub(baseline) as f64 / pods as f64,
    );
    store_checks(&mut r, &store, "");
    force_relist(&server, Duration::from_secs(2))?;
    r.metric("rss_after_relist_mb", rss() as f64 / 1e6);
    store_checks(&mut r, &store, "relisted_");
    task.abort();
    drop(rt);
    Ok(r)
}
