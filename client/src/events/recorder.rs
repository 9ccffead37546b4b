//! [`Recorder`]: what a controller calls to report an event.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use k8s_api::core::v1::ObjectReference;
use k8s_api::events::v1::Event;
use k8s_apimachinery::{DynamicObject, MicroTime, Object, ObjectMeta};
use tokio::sync::mpsc::error::TrySendError;

use super::broadcaster::{Command, Shared};
use super::spam::SpamKey;

/// The longest `reason`, `action` and `reportingInstance` the server accepts (characters).
pub const MAX_FIELD_LENGTH: usize = 128;
/// The longest `note` the server accepts (bytes); longer notes are cut to this.
pub const MAX_NOTE_LENGTH: usize = 1024;

/// The type of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// Things going as expected.
    Normal,
    /// Something that may need attention.
    Warning,
}

impl EventType {
    /// `"Normal"` or `"Warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event to record, for [`Recorder::record`] (what [`Recorder::event`] builds for you).
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// The object the event is about.
    pub regarding: ObjectReference,
    /// A second object involved (e.g. the Pod a ReplicaSet created).
    pub related: Option<ObjectReference>,
    /// Normal or Warning.
    pub type_: EventType,
    /// Why the action was taken, machine-readable CamelCase (`"ScalingReplicaSet"`); at most
    /// 128 characters.
    pub reason: String,
    /// What was done or attempted (`"Scale"`); at most 128 characters.
    pub action: String,
    /// A human-readable description; cut to 1024 bytes.
    pub note: String,
}

impl NewEvent {
    /// An event about `regarding`.
    pub fn new(
        regarding: ObjectReference,
        type_: EventType,
        reason: impl Into<String>,
        action: impl Into<String>,
        note: impl Into<String>,
    ) -> Self {
        NewEvent {
            regarding,
            related: None,
            type_,
            reason: reason.into(),
            action: action.into(),
            note: note.into(),
        }
    }

    /// Sets the related object.
    pub fn related(mut self, related: ObjectReference) -> Self {
        self.related = Some(related);
        self
    }
}

/// What became of a recorded event. Recording never waits; this says why an event was not
/// queued, for callers that care (most ignore it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordOutcome {
    /// Queued for the broadcaster to write.
    Queued,
    /// Dropped by the spam filter: too many events about this object from this source.
    Throttled,
    /// Dropped because the broadcaster's queue is full (the server is slow or unreachable).
    QueueFull,
    /// Dropped because the broadcaster was shut down.
    Closed,
    /// Dropped because the server would reject it (empty or over-long reason or action, no
    /// regarding name, bad reporting controller or instance); a warning says which.
    Invalid,
}

/// A reference to a typed object, for `regarding` or `related` (client-go
/// `reference.GetReference`): kind, apiVersion, namespace, name, uid and resourceVersion.
pub fn object_reference<K: Object>(obj: &K) -> ObjectReference {
    meta_reference(obj.metadata(), K::KIND, K::API_VERSION)
}

/// A reference to a dynamic object (its own `kind` and `apiVersion`).
pub fn dynamic_object_reference(obj: &DynamicObject) -> ObjectReference {
    meta_reference(&obj.metadata, &obj.kind, &obj.api_version)
}

fn meta_reference(meta: &ObjectMeta, kind: &str, api_version: &str) -> ObjectReference {
    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    ObjectReference {
        kind: non_empty(kind).map(Into::into),
        api_version: non_empty(api_version).map(Into::into),
        namespace: meta.namespace.clone().filter(|s| !s.is_empty()),
        name: meta.name.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        field_path: None,
    }
}

/// Reports events on behalf of one controller instance (client-go `EventRecorder`). Made by
/// [`EventBroadcaster::new_recorder`](super::EventBroadcaster::new_recorder); cheap to clone.
///
/// Every method returns at once: the event is filtered (spam filter), queued, and written by
/// the broadcaster's background task.
///
/// ```no_run
/// use k8s_api::core::v1::ConfigMap;
/// use k8s_client::events::{EventBroadcaster, EventType};
/// use k8s_client::{Config, HttpClient};
///
/// # async fn demo(cm: ConfigMap) -> Result<(), k8s_client::Error> {
/// let broadcaster = EventBroadcaster::new(HttpClient::new(Config::infer()?)?)?;
/// let recorder = broadcaster.new_recorder("example.com/config-controller", "config-controller-pod-1");
/// recorder.event(&cm, EventType::Normal, "Synced", "Reconcile", "config applied");
/// recorder.event(&cm, EventType::Warning, "InvalidKey", "Validate", format!("key {:?} is not allowed", "x"));
/// broadcaster.flush().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Recorder {
    shared: Arc<Shared>,
    controller: Arc<str>,
    instance: Arc<str>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("reporting_controller", &self.controller)
            .field("reporting_instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    pub(crate) fn new(shared: Arc<Shared>, controller: String, instance: String) -> Self {
        Recorder {
            shared,
            controller: controller.into(),
            instance: instance.into(),
        }
    }

    /// The `reportingController` of this recorder's events.
    pub fn reporting_controller(&self) -> &str {
        &self.controller
    }

    /// The `reportingInstance` of this recorder's events.
    pub fn reporting_instance(&self) -> &str {
        &self.instance
    }

    /// Records an event about `regarding`.
    pub fn event<K: Object>(
        &self,
        regarding: &K,
        type_: EventType,
        reason: &str,
        action: &str,
        note: impl Into<String>,
    ) -> RecordOutcome {
        self.record(NewEvent::new(
            object_reference(regarding),
            type_,
            reason,
            action,
            note,
        ))
    }

    /// Records an event about `regarding` that also involves `related`.
    pub fn event_related<K: Object, R: Object>(
        &self,
        regarding: &K,
        related: &R,
        type_: EventType,
        reason: &str,
        action: &str,
        note: impl Into<String>,
    ) -> RecordOutcome {
        self.record(
            NewEvent::new(object_reference(regarding), type_, reason, action, note)
                .related(object_reference(related)),
        )
    }

    /// Records `event`.
    pub fn record(&self, event: NewEvent) -> RecordOutcome {
        if self.shared.is_stopped() {
            return RecordOutcome::Closed;
        }
        if let Some(problem) = self.problem(&event) {
            tracing::warn!(
                reason = %event.reason, action = %event.action,
                "dropping an event the server would reject: {problem}"
            );
            return RecordOutcome::Invalid;
        }
        let key = SpamKey::new(&self.controller, &self.instance, &event.regarding);
        if !self.shared.spam_allows(&key) {
            tracing::debug!(
                object = ?event.regarding.name, reason = %event.reason,
                "event dropped by the spam filter"
            );
            return RecordOutcome::Throttled;
        }
        let event = self.make_event(event);
        match self.shared.tx.try_send(Command::Event(Box::new(event))) {
            Ok(()) => RecordOutcome::Queued,
            Err(TrySendError::Full(cmd)) => {
                let dropped = self.shared.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                if let Command::Event(e) = cmd {
                    tracing::warn!(
                        event = ?e.metadata.name, reason = ?e.reason, dropped_so_far = dropped,
                        "the event queue is full, dropping the event"
                    );
                }
                RecordOutcome::QueueFull
            }
            Err(TrySendError::Closed(_)) => RecordOutcome::Closed,
        }
    }

    /// Why the server would reject this event, if it would.
    fn problem(&self, e: &NewEvent) -> Option<String> {
        let too_long = |s: &str| s.chars().count() > MAX_FIELD_LENGTH;
        if e.reason.is_empty() || too_long(&e.reason) {
            return Some(format!("reason must be 1 to {MAX_FIELD_LENGTH} characters"));
        }
        if e.action.is_empty() || too_long(&e.action) {
            return Some(format!("action must be 1 to {MAX_FIELD_LENGTH} characters"));
        }
        if e.regarding.name.as_deref().is_none_or(str::is_empty) {
            return Some("the regarding object has no name".to_string());
        }
        if self.controller.is_empty() {
            return Some("the reporting controller is empty".to_string());
        }
        if self.instance.is_empty() || too_long(&self.instance) {
            return Some(format!(
                "the reporting instance must be 1 to {MAX_FIELD_LENGTH} characters"
            ));
        }
        None
    }

    /// The Event object (client-go `makeEvent`): named `<regarding name>.<hex suffix>`, in the
    /// regarding object's namespace (`default` for cluster-scoped objects).
    fn make_event(&self, e: NewEvent) -> Event {
        let now = micro_now();
        let regarding_name = e.regarding.name.clone().unwrap_or_default();
        let namespace = e
            .regarding
            .namespace
            .clone()
            .filter(|ns| !ns.is_empty())
            .unwrap_or_else(|| "default".into());
        Event {
            metadata: ObjectMeta {
                name: Some(format!("{regarding_name}.{:x}", unique_nanos(now)).into()),
                namespace: Some(namespace),
                ..ObjectMeta::default()
            },
            event_time: Some(now),
            series: None,
            reporting_controller: Some(self.controller.as_ref().into()),
            reporting_instance: Some(self.instance.as_ref().into()),
            action: Some(e.action.into()),
            reason: Some(e.reason.into()),
            regarding: e.regarding,
            related: e.related.map(Box::new),
            note: Some(truncate(e.note, MAX_NOTE_LENGTH).into()),
            type_: Some(e.type_.as_str().into()),
            ..Event::default()
        }
    }
}

/// The current time with microsecond precision (what the server keeps of a MicroTime).
fn micro_now() -> MicroTime {
    let now = jiff::Timestamp::now();
    MicroTime(jiff::Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now))
}

/// Nanoseconds since the epoch at `now`, made strictly increasing within the process so that
/// two events about one object in the same instant still get different names.
fn unique_nanos(now: MicroTime) -> u64 {
    static LAST: AtomicU64 = AtomicU64::new(0);
    let nanos = u64::try_from(now.0.as_nanosecond()).unwrap_or(0);
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let next = nanos.max(prev + 1);
        match LAST.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => prev = actual,
        }
    }
}

/// `s` cut to at most `max` bytes, on a character boundary.
fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_api::core::v1::{ConfigMap, Namespace};

    #[test]
    fn references_carry_kind_version_and_identity() {
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some("settings".into());
        cm.metadata.namespace = Some("book".into());
        cm.metadata.uid = Some("u-1".into());
        cm.metadata.resource_version = Some("42".into());
        let r = object_reference(&cm);
        assert_eq!(r.kind.as_deref(), Some("ConfigMap"));
        assert_eq!(r.api_version.as_deref(), Some("v1"));
        assert_eq!(r.namespace.as_deref(), Some("book"));
        assert_eq!(r.name.as_deref(), Some("settings"));
        assert_eq!(r.uid.as_deref(), Some("u-1"));
        assert_eq!(r.resource_version.as_deref(), Some("42"));

        let mut ns = Namespace::default();
        ns.metadata.name = Some("book".into());
        assert_eq!(object_reference(&ns).namespace, None);
    }

    #[test]
    fn unique_nanos_strictly_increase() {
        let now = micro_now();
        let a = unique_nanos(now);
        let b = unique_nanos(now);
        let c = unique_nanos(now);
        assert!(a < b && b < c);
    }

    #[test]
    fn truncate_on_char_boundary() {
        assert_eq!(truncate("abc".into(), 5), "abc");
        assert_eq!(truncate("abcdef".into(), 3), "abc");
        // "é" is two bytes: cutting at 2 would split it.
        assert_eq!(truncate("aé".into(), 2), "a");
        assert_eq!(truncate("x".repeat(2000), MAX_NOTE_LENGTH).len(), 1024);
    }
}
