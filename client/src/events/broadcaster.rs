//! [`EventBroadcaster`]: the queue and the background task that writes events.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_api::events::v1::Event;
use k8s_apimachinery::{CreateOptions, MicroTime, PatchOptions, PatchType};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::recorder::Recorder;
use super::series::{Observation, SeriesCache};
use super::spam::{
    DEFAULT_SPAM_BURST, DEFAULT_SPAM_REFILL_INTERVAL, MAX_BUCKETS, SpamFilter, SpamKey,
};
use crate::{Api, Error, HttpClient};

/// client-go `maxQueuedEvents`.
pub const DEFAULT_QUEUE_CAPACITY: usize = 1000;
/// client-go `maxTriesPerEvent`.
pub const DEFAULT_MAX_TRIES: u32 = 12;
/// client-go `defaultSleepDuration`: the pause between tries (plus up to 25 % jitter).
pub const DEFAULT_RETRY_INTERVAL: Duration = Duration::from_secs(10);
/// client-go `refreshTime`: how often every series is written again (a heartbeat).
pub const DEFAULT_SERIES_REFRESH_INTERVAL: Duration = Duration::from_secs(30 * 60);
/// client-go `finishTime`: a series with no occurrence for this long ends (its final count is
/// written and it leaves the cache); the check runs this often too.
pub const DEFAULT_SERIES_FINISH_AFTER: Duration = Duration::from_secs(6 * 60);

/// What the recorders send to the background task.
pub(crate) enum Command {
    Event(Box<Event>),
    Flush(oneshot::Sender<()>),
}

/// What the broadcaster and its recorders share.
pub(crate) struct Shared {
    pub tx: mpsc::Sender<Command>,
    spam: Option<Mutex<SpamFilter>>,
    /// Events dropped because the queue was full.
    pub dropped: AtomicU64,
    /// Fired by `shutdown`: the task stops at once.
    stop: CancellationToken,
    /// Fired when the last handle is dropped: the task writes what is queued, trying each
    /// write once, then ends.
    closing: CancellationToken,
}

impl Shared {
    pub fn spam_allows(&self, key: &SpamKey) -> bool {
        self.spam.as_ref().is_none_or(|f| {
            // The filter's state stays consistent even if a panic poisoned the lock (each
            // update is a few assignments), so a poisoned lock is used as is.
            f.lock()
                .unwrap_or_else(|e| e.into_inner())
                .allow(key, Instant::now())
        })
    }

    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        self.closing.cancel();
    }
}

/// Options of an [`EventBroadcaster`]; the defaults are client-go's.
#[derive(Debug, Clone)]
pub struct EventBroadcasterBuilder {
    client: HttpClient,
    queue_capacity: usize,
    spam: Option<(u32, Duration)>,
    max_tries: u32,
    retry_interval: Duration,
    series_refresh_interval: Duration,
    series_finish_after: Duration,
}

impl EventBroadcasterBuilder {
    /// How many events may wait to be written; beyond that, new events are dropped (with a
    /// warning). Default 1000.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// The spam filter: `burst` events per (reporting source, regarding object), then one per
    /// `refill`. Default 25 and 5 minutes.
    pub fn spam_filter(mut self, burst: u32, refill: Duration) -> Self {
        self.spam = Some((burst, refill));
        self
    }

    /// No spam filter.
    pub fn without_spam_filter(mut self) -> Self {
        self.spam = None;
        self
    }

    /// How often a write is tried when the server cannot be reached, and the pause between
    /// tries. Default 12 and 10 s.
    pub fn retries(mut self, max_tries: u32, interval: Duration) -> Self {
        self.max_tries = max_tries.max(1);
        self.retry_interval = interval;
        self
    }

    /// How often every series is written again (default 30 min), and after how long without
    /// an occurrence a series ends (default 6 min).
    pub fn series_timing(mut self, refresh_interval: Duration, finish_after: Duration) -> Self {
        self.series_refresh_interval = refresh_interval.max(Duration::from_millis(1));
        self.series_finish_after = finish_after.max(Duration::from_millis(1));
        self
    }

    /// Starts the broadcaster's background task; fails outside a tokio runtime.
    pub fn build(self) -> Result<EventBroadcaster, Error> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime {
            what: "the event broadcaster",
        })?;
        let (tx, rx) = mpsc::channel(self.queue_capacity);
        let stop = CancellationToken::new();
        let closing = CancellationToken::new();
        let worker = Worker {
            client: self.client,
            cache: SeriesCache::default(),
            max_tries: self.max_tries,
            retry_interval: self.retry_interval,
            closing: closing.clone(),
        };
        runtime.spawn(worker.run(
            rx,
            stop.clone(),
            self.series_refresh_interval,
            self.series_finish_after,
        ));
        Ok(EventBroadcaster {
            shared: Arc::new(Shared {
                tx,
                spam: self
                    .spam
                    .map(|(burst, refill)| Mutex::new(SpamFilter::new(burst, refill, MAX_BUCKETS))),
                dropped: AtomicU64::new(0),
                stop,
                closing,
            }),
        })
    }
}

/// Writes events to the `events.k8s.io/v1` API in the background (client-go
/// `events.EventBroadcaster` started with `StartRecordingToSink`).
///
/// Recorders ([`new_recorder`](Self::new_recorder)) put events on a bounded queue and never
/// wait; one task writes them: creating new events, turning repeats into series, writing
/// series counts on a heartbeat and when a series ends, retrying while the server is
/// unreachable. When the queue is full, events are dropped with a warning.
///
/// Dropping every handle (broadcaster and recorders) lets the task write what is queued —
/// one try each — and end; [`shutdown`](Self::shutdown) stops it at once;
/// [`flush`](Self::flush) waits until what was recorded so far is written.
///
/// ```no_run
/// use std::time::Duration;
/// use k8s_client::events::EventBroadcaster;
/// use k8s_client::{Config, HttpClient};
///
/// # async fn demo() -> Result<(), k8s_client::Error> {
/// let client = HttpClient::new(Config::infer()?)?;
/// let broadcaster = EventBroadcaster::builder(client)
///     .queue_capacity(500)
///     .spam_filter(10, Duration::from_secs(60))
///     .build()?;
/// let recorder = broadcaster.new_recorder("example.com/my-controller", "my-controller-7d9f");
/// // ... hand `recorder` clones to the reconcilers ...
/// broadcaster.flush().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct EventBroadcaster {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EventBroadcaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBroadcaster")
            .field("dropped_events", &self.dropped_events())
            .finish_non_exhaustive()
    }
}

impl EventBroadcaster {
    /// A broadcaster with client-go's defaults, writing through `client`; fails outside a
    /// tokio runtime.
    pub fn new(client: HttpClient) -> Result<Self, Error> {
        Self::builder(client).build()
    }

    /// A builder, to change the queue size, spam filter, retries or series timing.
    pub fn builder(client: HttpClient) -> EventBroadcasterBuilder {
        EventBroadcasterBuilder {
            client,
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
            spam: Some((DEFAULT_SPAM_BURST, DEFAULT_SPAM_REFILL_INTERVAL)),
            max_tries: DEFAULT_MAX_TRIES,
            retry_interval: DEFAULT_RETRY_INTERVAL,
            series_refresh_interval: DEFAULT_SERIES_REFRESH_INTERVAL,
            series_finish_after: DEFAULT_SERIES_FINISH_AFTER,
        }
    }

    /// A recorder reporting as `reporting_controller` (e.g. `example.com/my-controller`) and
    /// `reporting_instance` (this replica, e.g. the pod name; at most 128 characters).
    pub fn new_recorder(
        &self,
        reporting_controller: impl Into<String>,
        reporting_instance: impl Into<String>,
    ) -> Recorder {
        Recorder::new(
            self.shared.clone(),
            reporting_controller.into(),
            reporting_instance.into(),
        )
    }

    /// Waits until every event recorded before the call is handled (written, or given up
    /// after its tries) and every series count is written (one try each). Returns at once
    /// after [`shutdown`](Self::shutdown).
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        let stop = self.shared.stop.clone();
        tokio::select! {
            _ = stop.cancelled() => {}
            sent = self.shared.tx.send(Command::Flush(done)) => {
                if sent.is_ok() {
                    tokio::select! {
                        _ = stop.cancelled() => {}
                        _ = wait => {}
                    }
                }
            }
        }
    }

    /// Stops the background task now: queued events and unwritten series counts are dropped
    /// (client-go `Shutdown`). Call [`flush`](Self::flush) first to write them.
    pub fn shutdown(&self) {
        self.shared.stop.cancel();
    }

    /// How many events were dropped because the queue was full.
    pub fn dropped_events(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }
}

/// How one write went.
enum Write {
    Done,
    /// The server could not be reached (or a series raced with its own creation): try again.
    Retry,
    /// The server rejected the event: trying again would not help.
    GiveUp,
}

/// The background task's state.
struct Worker {
    client: HttpClient,
    cache: SeriesCache,
    max_tries: u32,
    retry_interval: Duration,
    closing: CancellationToken,
}

impl Worker {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Command>,
        stop: CancellationToken,
        refresh_every: Duration,
        finish_after: Duration,
    ) {
        let mut refresh = tokio::time::interval_at(Instant::now() + refresh_every, refresh_every);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut finish = tokio::time::interval_at(Instant::now() + finish_after, finish_after);
        finish.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let step = tokio::select! {
                biased;
                _ = stop.cancelled() => break,
                cmd = rx.recv() => Step::Command(cmd),
                _ = refresh.tick() => Step::Refresh,
                _ = finish.tick() => Step::Finish,
            };
            let last = matches!(step, Step::Command(None));
            tokio::select! {
                biased;
                _ = stop.cancelled() => break,
                _ = self.step(step, finish_after) => {}
            }
            if last {
                break;
            }
        }
        tracing::debug!("event broadcaster stopped");
    }

    async fn step(&mut self, step: Step, finish_after: Duration) {
        match step {
            Step::Command(Some(Command::Event(event))) => self.handle(*event).await,
            Step::Command(Some(Command::Flush(done))) => {
                self.write_dirty().await;
                let _ = done.send(());
            }
            // Every handle is gone: write the pending counts and end.
            Step::Command(None) => self.write_dirty().await,
            Step::Refresh => {
                for (key, event) in self.cache.series() {
                    if let Write::Done = write(&self.client, &event).await {
                        self.cache.written(&key, &event);
                    }
                }
            }
            Step::Finish => {
                for (key, event) in self.cache.finished(MicroTime::now(), finish_after) {
                    if !matches!(write(&self.client, &event).await, Write::Retry) {
                        self.cache.remove(&key);
                    }
                }
            }
        }
    }

    async fn handle(&mut self, event: Event) {
        match self.cache.observe(event) {
            Observation::Create(event) | Observation::StartSeries(event) => {
                self.write_with_retries(&event).await;
            }
            Observation::Counted => {}
        }
    }

    async fn write_dirty(&mut self) {
        for (key, event) in self.cache.dirty() {
            if let Write::Done = write(&self.client, &event).await {
                self.cache.written(&key, &event);
            }
        }
    }

    /// Writes `event`, retrying while the server cannot be reached (client-go
    /// `attemptRecording`); once the last handle is gone, tries once.
    async fn write_with_retries(&self, event: &Event) {
        let tries = if self.closing.is_cancelled() {
            1
        } else {
            self.max_tries
        };
        for attempt in 1..=tries {
            match write(&self.client, event).await {
                Write::Done | Write::GiveUp => return,
                Write::Retry => {}
            }
            if attempt == tries {
                break;
            }
            let pause = k8s_apimachinery::wait::jitter(self.retry_interval, 0.25);
            tokio::select! {
                _ = self.closing.cancelled() => break,
                _ = tokio::time::sleep(pause) => {}
            }
        }
        tracing::error!(
            event = ?event.metadata.name, reason = ?event.reason,
            "unable to write event (retry limit exceeded or shutting down)"
        );
    }
}

enum Step {
    Command(Option<Command>),
    Refresh,
    Finish,
}

/// One write of `event` (client-go `recordEvent`): a series is patched (created if it is gone),
/// anything else created.
async fn write(client: &HttpClient, event: &Event) -> Write {
    let namespace = event.metadata.namespace.as_deref().unwrap_or("default");
    let name = event.metadata.name.as_deref().unwrap_or_default();
    let api: Api<Event> = Api::namespaced(client.clone(), namespace);
    let create = || async {
        let mut fresh = event.clone();
        fresh.metadata.resource_version = None;
        api.create(&fresh, &CreateOptions::default()).await
    };
    let result = match &event.series {
        Some(series) => {
            let patch = serde_json::json!({ "series": series });
            match api
                .patch(
                    name,
                    PatchType::StrategicMerge,
                    &patch,
                    &PatchOptions::default(),
                )
                .await
            {
                Err(e) if e.is_not_found() => create().await,
                other => other,
            }
        }
        None => create().await,
    };
    let err = match result {
        Ok(_) => return Write::Done,
        Err(e) => e,
    };
    match &err {
        Error::Api { .. } if err.is_already_exists() && event.series.is_some() => {
            // The patch found nothing because the series' first event was still being
            // created; now it exists: patch again.
            Write::Retry
        }
        Error::Api { .. } if err.is_already_exists() => {
            tracing::debug!(
                event = name,
                "server rejected event (will not retry): {err}"
            );
            Write::GiveUp
        }
        Error::Api { .. } | Error::InvalidRequest(_) => {
            tracing::error!(
                event = name,
                "server rejected event (will not retry): {err}"
            );
            Write::GiveUp
        }
        _ => {
            tracing::warn!(
                event = name,
                "unable to write event (may retry after sleeping): {err}"
            );
            Write::Retry
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn recording_never_waits_and_drops_when_the_queue_is_full() {
        // Nothing listens on port 1: every write fails to connect and is retried, so the
        // queue fills up.
        let client = HttpClient::new(crate::Config::new("https://127.0.0.1:1")).unwrap();
        let broadcaster = EventBroadcaster::builder(client)
            .queue_capacity(5)
            .without_spam_filter()
            .build()
            .unwrap();
        let recorder = broadcaster.new_recorder("test-controller", "test-1");
        let mut cm = k8s_api::core::v1::ConfigMap::default();
        cm.metadata.name = Some("cm".into());
        cm.metadata.namespace = Some("ns".into());
        let start = std::time::Instant::now();
        let outcomes: Vec<_> = (0..100)
            .map(|i| {
                recorder.event(
                    &cm,
                    super::super::EventType::Normal,
                    "R",
                    "A",
                    format!("{i}"),
                )
            })
            .collect();
        assert!(start.elapsed() < Duration::from_millis(500));
        let queued = outcomes
            .iter()
            .filter(|o| **o == super::super::RecordOutcome::Queued)
            .count();
        assert!((5..=6).contains(&queued), "{queued} queued");
        assert_eq!(broadcaster.dropped_events(), 100 - queued as u64);
        broadcaster.shutdown();
        assert_eq!(
            recorder.event(&cm, super::super::EventType::Normal, "R", "A", "late"),
            super::super::RecordOutcome::Closed
        );
        // flush returns at once after shutdown.
        tokio::time::timeout(Duration::from_secs(1), broadcaster.flush())
            .await
            .unwrap();
    }

    #[test]
    fn build_outside_a_runtime_is_an_error() {
        let client = HttpClient::new(crate::Config::new("https://127.0.0.1:1")).unwrap();
        let err = EventBroadcaster::new(client).unwrap_err();
        assert!(matches!(err, Error::NoRuntime { .. }), "{err}");
    }
}
