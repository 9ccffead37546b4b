//! Scenarios `watch` and `informer` on our side: a `SharedInformerFactory` informer of Pods in
//! namespace `bench` against the replay server (`serve`).
//!
//! - `watch`: list-sync `pods` pods, then count the replayed `events` through an event handler:
//!   events/s and CPU µs/event after the sync;
//! - `informer`: sync `pods` pods by paged list or streaming list; time to synced, RSS after the
//!   sync and after settling, bytes/object, then a forced relist (410 Gone) and the RSS after it.
//!
//! Every side strips managedFields (our factory's default transform) and pages by 500.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use k8s_api::core::v1::Pod;
use k8s_client::{Config, HttpClient};
use k8s_informers::{EventHandlerFuncs, SharedIndexInformer, SharedInformerFactory};
use tokio::sync::Notify;

use crate::common::{Flags, Report, cpu_time, force_relist, names_checksum, rss};

fn factory(server: &str, streaming: bool) -> Result<SharedInformerFactory> {
    let mut config = Config::new(server);
    config.qps = -1.0;
    let client = HttpClient::new(config)?;
    let factory = SharedInformerFactory::new(client, None).namespace("bench");
    Ok(if streaming {
        factory
    } else {
        factory.without_streaming_list()
    })
}

fn store_checks(r: &mut Report, informer: &SharedIndexInformer<Pod>, prefix: &str) {
    let objects = informer.indexer().list();
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
        let factory = factory(&server, false)?;
        let informer = factory.informer::<Pod>();
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
        let (b1, b2, b3) = (bump.clone(), bump.clone(), bump);
        informer.add_event_handler(
            EventHandlerFuncs::new()
                .on_add(move |_, _| b1())
                .on_update(move |_, _| b2())
                .on_delete(move |_| b3()),
        );
        let t0 = Instant::now();
        factory.start();
        informer.wait_for_sync(Duration::from_secs(600)).await?; // event-driven, no polling
        let (t_sync, cpu_sync) = (Instant::now(), cpu_time());
        tokio::time::timeout(Duration::from_secs(1200), done.notified())
            .await
            .with_context(|| {
                format!("only {} of {target} events", count.load(Ordering::Relaxed))
            })?;
        let (elapsed, cpu) = (t_sync.elapsed(), cpu_time().saturating_sub(cpu_sync));
        let mut r = Report::default();
        r.check("handler_events", count.load(Ordering::Relaxed));
        store_checks(&mut r, &informer, "store_");
        r.metric("time_to_synced_ms", (t_sync - t0).as_secs_f64() * 1e3);
        r.metric("events_per_s", events as f64 / elapsed.as_secs_f64());
        r.metric("cpu_us_per_event", cpu.as_secs_f64() * 1e6 / events as f64);
        r.metric("rss_end_mb", rss() as f64 / 1e6);
        factory.shutdown();
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
    let (factory, informer) = rt.block_on(async {
        let factory = factory(&server, streaming)?;
        let informer = factory.informer::<Pod>();
        let (t0, c0) = (Instant::now(), cpu_time());
        factory.start();
        informer.wait_for_sync(Duration::from_secs(600)).await?; // event-driven, no polling
        r.metric("time_to_synced_ms", t0.elapsed().as_secs_f64() * 1e3);
        r.metric(
            "sync_cpu_ms",
            cpu_time().saturating_sub(c0).as_secs_f64() * 1e3,
        );
        anyhow::Ok((factory, informer))
    })?;
    r.metric("rss_synced_mb", rss() as f64 / 1e6);
    std::thread::sleep(Duration::from_secs(2));
    let steady = rss();
    r.metric("rss_steady_mb", steady as f64 / 1e6);
    r.metric(
        "bytes_per_object",
        steady.saturating_sub(baseline) as f64 / pods as f64,
    );
    store_checks(&mut r, &informer, "");
    force_relist(&server, Duration::from_secs(2))?;
    r.metric("rss_after_relist_mb", rss() as f64 / 1e6);
    store_checks(&mut r, &informer, "relisted_");
    factory.shutdown();
    drop(rt);
    Ok(r)
}
