//! The event recorder: report what a controller does as `events.k8s.io/v1` Events, as
//! client-go's `tools/events` (with the spam filter of `tools/record`).
//!
//! Events are what `kubectl describe` and `kubectl events` show under an object: "Scaled up
//! replica set web-5d4 to 3", "Failed to pull image". Three pieces:
//!
//! * an [`EventBroadcaster`], one per process, owning a bounded queue and a background task
//!   that writes to the API server;
//! * [`Recorder`]s, one per controller, from
//!   [`EventBroadcaster::new_recorder`]`(reporting_controller, reporting_instance)`;
//! * [`Recorder::event`]`(&object, EventType::Normal, reason, action, note)` in the reconcile
//!   code. It **never waits** — not for the server, not for a full queue (the event is then
//!   dropped with a warning): events are best-effort, a controller must not stall on them.
//!
//! What keeps events from flooding the API:
//!
//! * **Series.** An event identical to a recent one (same regarding and related objects,
//!   type, reason, action, reporting controller and instance — the note is not compared, as in
//!   client-go) is not created again: the first Event becomes a series, its `series.count`
//!   counting the occurrences. The count is written (a strategic merge patch of `series`) when
//!   the series starts (count 2), on [`EventBroadcaster::flush`], every 30 minutes, and when
//!   the series ends after 6 quiet minutes.
//! * **Spam filter.** Per reporting source and regarding object, a token bucket lets 25 events
//!   through, then one every 5 minutes (client-go's `EventSourceObjectSpamFilter`).
//!
//! Each Event is named `<regarding name>.<hex timestamp>`, lives in the regarding object's
//! namespace (`default` for cluster-scoped objects) and has `eventTime` set to when it was
//! recorded.
//!
//! ```no_run
//! use k8s_api::core::v1::ConfigMap;
//! use k8s_apimachinery::GetOptions;
//! use k8s_client::events::{EventBroadcaster, EventType};
//! use k8s_client::{Api, Config, HttpClient};
//!
//! # async fn demo() -> Result<(), k8s_client::Error> {
//! let client = HttpClient::new(Config::infer()?)?;
//! let broadcaster = EventBroadcaster::new(client.clone())?;
//! let recorder = broadcaster.new_recorder("example.com/config-controller", "config-controller-0");
//!
//! let cm = Api::<ConfigMap>::namespaced(client, "default").get("settings", &GetOptions::default()).await?;
//! recorder.event(&cm, EventType::Normal, "Synced", "Reconcile", "settings applied");
//!
//! broadcaster.flush().await; // before exiting: write what is queued and the series counts
//! # Ok(()) }
//! ```

mod broadcaster;
mod recorder;
mod series;
mod spam;

pub use broadcaster::{
    DEFAULT_MAX_TRIES, DEFAULT_QUEUE_CAPACITY, DEFAULT_RETRY_INTERVAL, DEFAULT_SERIES_FINISH_AFTER,
    DEFAULT_SERIES_REFRESH_INTERVAL, EventBroadcaster, EventBroadcasterBuilder,
};
pub use recorder::{
    EventType, MAX_FIELD_LENGTH, MAX_NOTE_LENGTH, NewEvent, RecordOutcome, Recorder,
    dynamic_object_reference, object_reference,
};
pub use spam::{DEFAULT_SPAM_BURST, DEFAULT_SPAM_REFILL_INTERVAL};
