//! Aggregation of repeated events into series (client-go `tools/events` event cache).
//!
//! The first occurrence of an event is created as is. When an *isomorphic* event — same type,
//! action, reason, reporting controller and instance, regarding and related objects — comes
//! again while the first is still cached, the cached event becomes a series: `series.count: 2`
//! is written at once, further occurrences only bump the cached count and last-observed time,
//! and the count reaches the server on the next flush, heartbeat or when the series ends.
//! Entries leave the cache after a quiet period (6 minutes in client-go), so an event after
//! that starts afresh. As in client-go, the note is not part of the key: a series keeps the
//! note of its first event.

use std::collections::HashMap;
use std::time::Duration;

use k8s_api::core::v1::ObjectReference;
use k8s_api::events::v1::{Event, EventSeries};
use k8s_apimachinery::MicroTime;

/// The identity of an object reference, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct RefKey {
    kind: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    uid: Option<String>,
    api_version: Option<String>,
    resource_version: Option<String>,
    field_path: Option<String>,
}

impl From<&ObjectReference> for RefKey {
    fn from(r: &ObjectReference) -> Self {
        RefKey {
            kind: r.kind.clone().map(Into::into),
            namespace: r.namespace.clone().map(Into::into),
            name: r.name.clone().map(Into::into),
            uid: r.uid.clone().map(Into::into),
            api_version: r.api_version.clone().map(Into::into),
            resource_version: r.resource_version.clone().map(Into::into),
            field_path: r.field_path.clone().map(Into::into),
        }
    }
}

/// What makes two events "the same" for aggregation (client-go `eventKey`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct EventKey {
    type_: Option<String>,
    action: Option<String>,
    reason: Option<String>,
    reporting_controller: Option<String>,
    reporting_instance: Option<String>,
    regarding: RefKey,
    related: Option<RefKey>,
}

impl EventKey {
    pub fn of(e: &Event) -> Self {
        EventKey {
            type_: e.type_.clone().map(Into::into),
            action: e.action.clone().map(Into::into),
            reason: e.reason.clone().map(Into::into),
            reporting_controller: e.reporting_controller.clone().map(Into::into),
            reporting_instance: e.reporting_instance.clone().map(Into::into),
            regarding: RefKey::from(&e.regarding),
            related: e.related.as_deref().map(RefKey::from),
        }
    }
}

/// What to do with an observed event.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Observation {
    /// A first occurrence: create it.
    Create(Event),
    /// The second occurrence: the cached event, now with `series.count: 2`, to be written.
    StartSeries(Event),
    /// A later occurrence: counted in the cache, written later.
    Counted,
}

#[derive(Debug)]
struct Entry {
    event: Event,
    /// The series count changed since it was last written.
    dirty: bool,
}

/// The cache of recent events, keyed by [`EventKey`].
#[derive(Debug, Default)]
pub(crate) struct SeriesCache {
    entries: HashMap<EventKey, Entry>,
}

impl SeriesCache {
    /// Takes note of `event` (its `eventTime` is when it was observed).
    pub fn observe(&mut self, event: Event) -> Observation {
        let key = EventKey::of(&event);
        let seen = event.event_time;
        let Some(entry) = self.entries.get_mut(&key) else {
            self.entries.insert(
                key,
                Entry {
                    event: event.clone(),
                    dirty: false,
                },
            );
            return Observation::Create(event);
        };
        match entry.event.series.as_deref_mut() {
            Some(series) => {
                series.count = series.count.saturating_add(1);
                series.last_observed_time = seen;
                entry.dirty = true;
                Observation::Counted
            }
            None => {
                entry.event.series = Some(Box::new(EventSeries {
                    count: 2,
                    last_observed_time: seen,
                }));
                entry.dirty = false;
                Observation::StartSeries(entry.event.clone())
            }
        }
    }

    /// The series whose count changed since last written.
    pub fn dirty(&self) -> Vec<(EventKey, Event)> {
        self.entries
            .iter()
            .filter(|(_, e)| e.dirty)
            .map(|(k, e)| (k.clone(), e.event.clone()))
            .collect()
    }

    /// Every series (for the periodic heartbeat that keeps them alive on the server).
    pub fn series(&self) -> Vec<(EventKey, Event)> {
        self.entries
            .iter()
            .filter(|(_, e)| e.event.series.is_some())
            .map(|(k, e)| (k.clone(), e.event.clone()))
            .collect()
    }

    /// Marks the series of `key` as written, unless it changed since `written` was taken.
    pub fn written(&mut self, key: &EventKey, written: &Event) {
        if let Some(e) = self.entries.get_mut(key)
            && e.event.series == written.series
        {
            e.dirty = false;
        }
    }

    /// Ends what has been quiet for `quiet` before `now`: singletons are forgotten; ended
    /// series are returned, to write their final count (then [`remove`](Self::remove) them).
    pub fn finished(&mut self, now: MicroTime, quiet: Duration) -> Vec<(EventKey, Event)> {
        let limit =
            micros(now).saturating_sub(i64::try_from(quiet.as_micros()).unwrap_or(i64::MAX));
        let before = |t: Option<MicroTime>| t.is_none_or(|t| micros(t) < limit);
        self.entries
            .retain(|_, e| e.event.series.is_some() || !before(e.event.event_time));
        self.entries
            .iter()
            .filter(|(_, e)| {
                e.event
                    .series
                    .as_deref()
                    .is_some_and(|s| before(s.last_observed_time))
            })
            .map(|(k, e)| (k.clone(), e.event.clone()))
            .collect()
    }

    /// Forgets `key`.
    pub fn remove(&mut self, key: &EventKey) {
        self.entries.remove(key);
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

fn micros(t: MicroTime) -> i64 {
    t.0.as_microsecond()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_apimachinery::ObjectMeta;

    fn at(secs: i64) -> MicroTime {
        MicroTime(jiff::Timestamp::from_second(1_700_000_000 + secs).unwrap())
    }

    fn event(name: &str, reason: &str, note: &str, t: MicroTime) -> Event {
        Event {
            metadata: ObjectMeta {
                name: Some(name.into()),
                namespace: Some("ns".into()),
                ..ObjectMeta::default()
            },
            event_time: Some(t),
            reporting_controller: Some("ctrl".into()),
            reporting_instance: Some("ctrl-1".into()),
            action: Some("Sync".into()),
            reason: Some(reason.into()),
            type_: Some("Normal".into()),
            note: Some(note.into()),
            regarding: ObjectReference {
                kind: Some("ConfigMap".into()),
                name: Some("cm".into()),
                namespace: Some("ns".into()),
                ..ObjectReference::default()
            },
            ..Event::default()
        }
    }

    #[test]
    fn second_occurrence_starts_a_series_later_ones_are_counted() {
        let mut c = SeriesCache::default();
        let first = event("cm.1", "Synced", "ok", at(0));
        assert_eq!(c.observe(first.clone()), Observation::Create(first));
        let Observation::StartSeries(s) = c.observe(event("cm.2", "Synced", "ok", at(1))) else {
            panic!("expected a series");
        };
        // The series keeps the first event's name.
        assert_eq!(s.metadata.name.as_deref(), Some("cm.1"));
        assert_eq!(s.series.as_ref().unwrap().count, 2);
        assert_eq!(s.series.as_ref().unwrap().last_observed_time, Some(at(1)));
        assert!(
            c.dirty().is_empty(),
            "the start of a series is written at once"
        );
        for i in 3..=10 {
            assert_eq!(
                c.observe(event(&format!("cm.{i}"), "Synced", "ok", at(i))),
                Observation::Counted
            );
        }
        let dirty = c.dirty();
        assert_eq!(dirty.len(), 1);
        let series = dirty[0].1.series.as_ref().unwrap();
        assert_eq!(series.count, 10);
        assert_eq!(series.last_observed_time, Some(at(10)));
        c.written(&dirty[0].0, &dirty[0].1);
        assert!(c.dirty().is_empty());
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn key_is_client_go_event_key() {
        let mut c = SeriesCache::default();
        let a = event("cm.1", "Synced", "ok", at(0));
        let _ = c.observe(a.clone());
        // A different reason is a different event...
        assert!(matches!(
            c.observe(event("cm.2", "Failed", "ok", at(0))),
            Observation::Create(_)
        ));
        // ...so is a different related object...
        let mut related = a.clone();
        related.related = Some(Box::new(ObjectReference {
            name: Some("other".into()),
            ..ObjectReference::default()
        }));
        assert!(matches!(c.observe(related), Observation::Create(_)));
        // ...but, as in client-go, a different note is the same event.
        assert!(matches!(
            c.observe(event("cm.3", "Synced", "changed", at(1))),
            Observation::StartSeries(_)
        ));
    }

    #[test]
    fn written_does_not_hide_a_newer_count() {
        let mut c = SeriesCache::default();
        let _ = c.observe(event("cm.1", "R", "n", at(0)));
        let _ = c.observe(event("cm.2", "R", "n", at(1)));
        let _ = c.observe(event("cm.3", "R", "n", at(2)));
        let (key, snapshot) = c.dirty().remove(0);
        let _ = c.observe(event("cm.4", "R", "n", at(3)));
        c.written(&key, &snapshot);
        assert_eq!(c.dirty().len(), 1, "count 4 is still unwritten");
    }

    #[test]
    fn quiet_entries_finish() {
        let mut c = SeriesCache::default();
        let _ = c.observe(event("a.1", "Single", "n", at(0)));
        let _ = c.observe(event("b.1", "Series", "n", at(0)));
        let _ = c.observe(event("b.2", "Series", "n", at(100)));
        let _ = c.observe(event("c.1", "Recent", "n", at(300)));
        let six_min = Duration::from_secs(360);
        // At 400 s: nothing is 6 minutes old yet except the singleton at 0.
        let ended = c.finished(at(400), six_min);
        assert!(ended.is_empty());
        assert_eq!(c.len(), 2, "the old singleton is forgotten");
        // At 500 s the series (last seen at 100 s) ends; it is returned for a final write.
        let ended = c.finished(at(500), six_min);
        assert_eq!(ended.len(), 1);
        assert_eq!(ended[0].1.series.as_ref().unwrap().count, 2);
        c.remove(&ended[0].0);
        assert_eq!(c.len(), 1);
        // A new occurrence after the end starts afresh.
        assert!(matches!(
            c.observe(event("b.3", "Series", "n", at(501))),
            Observation::Create(_)
        ));
    }
}
