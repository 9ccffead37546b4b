//! Watch events: one line of a watch stream, `{"type":"ADDED","object":{...}}`.
//!
//! [`WatchEvent<T>`] decodes straight from the bytes of one event: for `ADDED`, `MODIFIED` and
//! `DELETED` the object is deserialized directly into `T` with no intermediate
//! `serde_json::Value` (as long as `type` comes before `object`, which is the order the API
//! server writes). `BOOKMARK` objects only carry `resourceVersion` and annotations, so they decode
//! into [`Bookmark`] whatever `T` is; `ERROR` objects are a [`Status`].
//!
//! ```
//! use k8s_apimachinery::{ObjectMeta, WatchEvent};
//!
//! #[derive(serde::Deserialize, Clone, Debug, PartialEq)]
//! struct Thing { metadata: ObjectMeta }
//!
//! let line = br#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"5"}}}"#;
//! let ev: WatchEvent<Thing> = serde_json::from_slice(line)?;
//! assert!(matches!(&ev, WatchEvent::Added(t) if t.metadata.name.as_deref() == Some("a")));
//!
//! let line = br#"{"type":"BOOKMARK","object":{"kind":"Thing","apiVersion":"v1","metadata":
//!     {"resourceVersion":"9","annotations":{"k8s.io/initial-events-end":"true"}}}}"#;
//! let ev: WatchEvent<Thing> = serde_json::from_slice(line)?;
//! let WatchEvent::Bookmark(b) = ev else { panic!() };
//! assert_eq!(b.metadata.resource_version, "9");
//! assert!(b.is_initial_events_end());
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{RawExtension, Status};

/// The annotation a bookmark carries when it ends the initial events of a `sendInitialEvents`
/// watch.
pub const INITIAL_EVENTS_END_ANNOTATION: &str = "k8s.io/initial-events-end";

/// One event of a watch stream (`metav1.WatchEvent`, with the object decoded).
// Objects (`T`) are usually larger than a `Status`; boxing would cost an allocation per event.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum WatchEvent<T = RawExtension> {
    /// The object was created (or is part of the initial list).
    Added(T),
    /// The object changed.
    Modified(T),
    /// The object was deleted; this is its last state.
    Deleted(T),
    /// A progress marker: the watch has seen everything up to a resource version.
    Bookmark(Bookmark),
    /// The watch failed (e.g. `410 Gone`: the resource version is too old).
    Error(Status),
}

impl<T> WatchEvent<T> {
    /// The wire `type`: `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    pub fn event_type(&self) -> &'static str {
        match self {
            WatchEvent::Added(_) => "ADDED",
            WatchEvent::Modified(_) => "MODIFIED",
            WatchEvent::Deleted(_) => "DELETED",
            WatchEvent::Bookmark(_) => "BOOKMARK",
            WatchEvent::Error(_) => "ERROR",
        }
    }

    /// The object of an `ADDED`, `MODIFIED` or `DELETED` event.
    pub fn object(&self) -> Option<&T> {
        match self {
            WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => Some(o),
            _ => None,
        }
    }

    /// Consumes the event, returning the object of an `ADDED`, `MODIFIED` or `DELETED` event.
    pub fn into_object(self) -> Option<T> {
        match self {
            WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => Some(o),
            _ => None,
        }
    }

    /// Maps the object of an `ADDED`, `MODIFIED` or `DELETED` event.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> WatchEvent<U> {
        match self {
            WatchEvent::Added(o) => WatchEvent::Added(f(o)),
            WatchEvent::Modified(o) => WatchEvent::Modified(f(o)),
            WatchEvent::Deleted(o) => WatchEvent::Deleted(f(o)),
            WatchEvent::Bookmark(b) => WatchEvent::Bookmark(b),
            WatchEvent::Error(s) => WatchEvent::Error(s),
        }
    }
}

/// The object of a `BOOKMARK` event: only `apiVersion`, `kind` and the resource version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bookmark {
    /// The kind of the watched type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The `apiVersion` of the watched type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The bookmark's metadata.
    #[serde(default)]
    pub metadata: BookmarkMeta,
}

impl Bookmark {
    /// `true` when the bookmark marks the end of the initial events of a `sendInitialEvents=true`
    /// watch (annotation `k8s.io/initial-events-end: "true"`).
    pub fn is_initial_events_end(&self) -> bool {
        self.metadata
            .annotations
            .get(INITIAL_EVENTS_END_ANNOTATION)
            .is_some_and(|v| v == "true")
    }
}

/// The metadata of a [`Bookmark`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookmarkMeta {
    /// The resource version the watch has reached.
    #[serde(default)]
    pub resource_version: String,
    /// Annotations, e.g. `k8s.io/initial-events-end`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Clone, Copy, Deserialize)]
enum EventType {
    #[serde(rename = "ADDED")]
    Added,
    #[serde(rename = "MODIFIED")]
    Modified,
    #[serde(rename = "DELETED")]
    Deleted,
    #[serde(rename = "BOOKMARK")]
    Bookmark,
    #[serde(rename = "ERROR")]
    Error,
}

enum Field {
    Type,
    Object,
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a watch event field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(match v {
                    "type" => Field::Type,
                    "object" => Field::Object,
                    _ => Field::Other,
                })
            }
        }
        d.deserialize_identifier(FieldVisitor)
    }
}

struct ObjectSeed<T>(EventType, PhantomData<T>);

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ObjectSeed<T> {
    type Value = WatchEvent<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<WatchEvent<T>, D::Error> {
        Ok(match self.0 {
            EventType::Added => WatchEvent::Added(T::deserialize(d)?),
            EventType::Modified => WatchEvent::Modified(T::deserialize(d)?),
            EventType::Deleted => WatchEvent::Deleted(T::deserialize(d)?),
            EventType::Bookmark => WatchEvent::Bookmark(Bookmark::deserialize(d)?),
            EventType::Error => WatchEvent::Error(Status::deserialize(d)?),
        })
    }
}

struct EventVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for EventVisitor<T> {
    type Value = WatchEvent<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a watch event {\"type\":...,\"object\":...}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WatchEvent<T>, A::Error> {
        let mut ty: Option<EventType> = None;
        let mut event: Option<WatchEvent<T>> = None;
        // Only used when `object` arrives before `type` (never from the API server).
        let mut buffered: Option<serde_json::Value> = None;
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::Type => {
                    if ty.is_some() {
                        return Err(de::Error::duplicate_field("type"));
                    }
                    ty = Some(map.next_value()?);
                }
                Field::Object => {
                    if event.is_some() || buffered.is_some() {
                        return Err(de::Error::duplicate_field("object"));
                    }
                    match ty {
                        Some(t) => event = Some(map.next_value_seed(ObjectSeed(t, PhantomData))?),
                        None => buffered = Some(map.next_value()?),
                    }
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if let Some(ev) = event {
            return Ok(ev);
        }
        let t = ty.ok_or_else(|| de::Error::missing_field("type"))?;
        let value = buffered.ok_or_else(|| de::Error::missing_field("object"))?;
        ObjectSeed::<T>(t, PhantomData)
            .deserialize(value)
            .map_err(de::Error::custom)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for WatchEvent<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(EventVisitor(PhantomData))
    }
}

impl<T: Serialize> Serialize for WatchEvent<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("type", self.event_type())?;
        match self {
            WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o) => {
                m.serialize_entry("object", o)?
            }
            WatchEvent::Bookmark(b) => m.serialize_entry("object", b)?,
            WatchEvent::Error(st) => m.serialize_entry("object", st)?,
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ObjectMeta;

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    struct Obj {
        metadata: ObjectMeta,
    }

    #[test]
    fn decodes_each_type() {
        for (ty, name) in [("ADDED", "a"), ("MODIFIED", "m"), ("DELETED", "d")] {
            let s = format!(r#"{{"type":"{ty}","object":{{"metadata":{{"name":"{name}"}}}}}}"#);
            let ev: WatchEvent<Obj> = serde_json::from_str(&s).unwrap();
            assert_eq!(ev.event_type(), ty);
            assert_eq!(ev.object().unwrap().metadata.name.as_deref(), Some(name));
            assert_eq!(serde_json::to_string(&ev).unwrap(), s);
        }
        let s = r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#;
        let ev: WatchEvent<Obj> = serde_json::from_str(s).unwrap();
        let WatchEvent::Error(st) = &ev else { panic!() };
        assert_eq!(st.code, Some(410));
        assert_eq!(serde_json::to_string(&ev).unwrap(), s);
    }

    #[test]
    fn object_before_type_and_unknown_fields() {
        let s = r#"{"object":{"metadata":{"name":"x"}},"extra":1,"type":"MODIFIED"}"#;
        let ev: WatchEvent<Obj> = serde_json::from_str(s).unwrap();
        assert!(matches!(ev, WatchEvent::Modified(_)));
    }

    #[test]
    fn rejects_bad_events() {
        for s in [
            r#"{"type":"ADDED"}"#,
            r#"{"object":{}}"#,
            r#"{"type":"NOPE","object":{}}"#,
            r#"{"type":"ADDED","type":"ADDED","object":{"metadata":{}}}"#,
            r#"[]"#,
        ] {
            assert!(serde_json::from_str::<WatchEvent<Obj>>(s).is_err(), "{s}");
        }
    }

    #[test]
    fn bookmark_ignores_t_shape() {
        let s = r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12","creationTimestamp":null},"spec":{"containers":null},"status":{}}}"#;
        let ev: WatchEvent<Obj> = serde_json::from_str(s).unwrap();
        let WatchEvent::Bookmark(b) = ev else {
            panic!()
        };
        assert_eq!(b.metadata.resource_version, "12");
        assert!(!b.is_initial_events_end());
    }
}
