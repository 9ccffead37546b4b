//! Maps and strings in API objects: labels, annotations, a ConfigMap's `data`, a container's
//! resource `limits`, and every name, image or enum value in between.
//!
//! Every `map[string]…` of the Kubernetes API is a [`LiteMap`] here: a map kept as one sorted,
//! exactly sized vector of `(key, value)` pairs. Such maps are small (a pod has two or three
//! labels) and an informer holds thousands of them for hours, so the layout matters more than
//! insertion speed: a `BTreeMap` allocates a node with room for eleven entries (544 bytes for
//! two `String → String` pairs, 992 bytes for two resource quantities), the sorted vector holds
//! exactly what it has. Lookups are a binary search; iteration and the JSON rendering are in key
//! order, as Go writes its maps.
//!
//! Every string of an API object is a [`CompactString`](crate::CompactString): 24 bytes like a
//! `String`, but one of up to 24 bytes is held inline, without a heap block. Most strings of an
//! object are that short (names, namespaces, label values, `"IfNotPresent"`, `"True"`, IPs); a
//! decoded 10 KB pod holds ~150 of them. It dereferences to `str`, converts from `&str` and
//! `String` with `into()`, and back with `to_string()` or `String::from`.
//!
//! ```
//! use k8s_apimachinery::{CompactString, LiteMap, ObjectMeta};
//!
//! let mut labels: LiteMap<CompactString, CompactString> =
//!     [("app".into(), "web".into())].into_iter().collect();
//! labels.insert("tier".into(), "frontend".into());
//! let meta = ObjectMeta { labels: Some(labels), ..ObjectMeta::named("web-0") };
//!
//! assert_eq!(meta.name.as_deref(), Some("web-0"));
//! let labels = meta.labels();
//! assert_eq!(labels.get("app").map(|v| v.as_str()), Some("web"));
//! let keys: Vec<&str> = labels.keys().map(|k| k.as_str()).collect();
//! assert_eq!(keys, ["app", "tier"]);
//! let owned: String = meta.name.unwrap_or_default().into();
//! assert_eq!(owned, "web-0");
//! ```
//!
//! Decoding builds the vector exactly sized; a key given twice keeps its last value, as Go's
//! decoder does.

use std::fmt;
use std::marker::PhantomData;

pub use litemap::LiteMap;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Decodes a JSON object into an exactly sized [`LiteMap`] (last value wins for a repeated key).
fn exact<'de, D, K, V>(d: D) -> Result<Option<LiteMap<K, V>>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    struct Exact<K, V>(PhantomData<(K, V)>);

    impl<'de, K: Deserialize<'de> + Ord, V: Deserialize<'de>> Visitor<'de> for Exact<K, V> {
        type Value = Option<LiteMap<K, V>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object with string keys, or null")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
            let mut pairs: Vec<(K, V)> =
                Vec::with_capacity(access.size_hint().unwrap_or(0).min(64));
            let mut sorted = true;
            while let Some((key, value)) = access.next_entry::<K, V>()? {
                if let Some((last, _)) = pairs.last() {
                    sorted &= *last < key;
                }
                pairs.push((key, value));
            }
            if !sorted {
                // Stable: equal keys stay in input order, and the last of each run wins.
                pairs.sort_by(|a, b| a.0.cmp(&b.0));
                let mut deduped: Vec<(K, V)> = Vec::with_capacity(pairs.len());
                for pair in pairs {
                    match deduped.last_mut() {
                        Some(last) if last.0 == pair.0 => *last = pair,
                        _ => deduped.push(pair),
                    }
                }
                pairs = deduped;
            }
            pairs.shrink_to_fit();
            Ok(Some(LiteMap::from_sorted_store_unchecked(pairs)))
        }
    }

    d.deserialize_option(Exact(PhantomData))
}

/// `deserialize_with` for an optional map: exactly sized, `null` stays `None`.
pub fn optional<'de, D, K, V>(d: D) -> Result<Option<LiteMap<K, V>>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    exact(d)
}

/// `deserialize_with` for a map the spec calls required: exactly sized, `null` is empty (Go
/// writes a nil map as `null`).
pub fn nullable<'de, D, K, V>(d: D) -> Result<LiteMap<K, V>, D::Error>
where
    D: Deserializer<'de>,
    K: Deserialize<'de> + Ord,
    V: Deserialize<'de>,
{
    Ok(exact(d)?.unwrap_or_default())
}

/// `serialize_with` for an optional map: always a JSON object. (litemap writes an empty map
/// as `[]` to human-readable formats, which the apiserver refuses.)
pub fn serialize_optional<S, K, V>(m: &Option<LiteMap<K, V>>, s: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    K: Serialize + Ord,
    V: Serialize,
{
    match m {
        Some(m) => s.collect_map(m.iter()),
        None => s.serialize_none(),
    }
}

/// `serialize_with` for a map the spec calls required: always a JSON object.
pub fn serialize<S, K, V>(m: &LiteMap<K, V>, s: S) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    K: Serialize + Ord,
    V: Serialize,
{
    s.collect_map(m.iter())
}

#[cfg(test)]
mod tests {
    use super::LiteMap;

    #[derive(serde::Deserialize, serde::Serialize, Debug, Default, PartialEq)]
    struct Maps {
        #[serde(
            default,
            deserialize_with = "super::optional",
            serialize_with = "super::serialize_optional"
        )]
        optional: Option<LiteMap<String, String>>,
        #[serde(
            default,
            deserialize_with = "super::nullable",
            serialize_with = "super::serialize"
        )]
        required: LiteMap<String, i64>,
    }

    fn decode(json: &str) -> Maps {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn empty_maps_encode_as_objects() {
        let m = Maps {
            optional: Some(LiteMap::new()),
            required: LiteMap::new(),
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"optional":{},"required":{}}"#
        );
        assert_eq!(decode(r#"{"optional":{},"required":{}}"#), m);
    }

    #[test]
    fn null_absent_and_empty() {
        assert_eq!(decode("{}"), Maps::default());
        assert_eq!(
            decode(r#"{"optional":null,"required":null}"#),
            Maps::default()
        );
        let m = decode(r#"{"optional":{},"required":{}}"#);
        assert_eq!(m.optional, Some(LiteMap::new()));
        assert!(m.required.is_empty());
    }

    #[test]
    fn sorted_exactly_sized_last_wins() {
        let m = decode(r#"{"optional":{"b":"2","a":"1","c":"3","a":"4"},"required":{"x":1}}"#);
        let optional = m.optional.unwrap();
        let pairs: Vec<(&str, &str)> = optional
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(pairs, [("a", "4"), ("b", "2"), ("c", "3")]);
        let store = optional.into_tuple_vec();
        assert_eq!(store.capacity(), store.len());
        assert_eq!(m.required.get("x"), Some(&1));
    }

    #[test]
    fn encodes_in_key_order() {
        let m = decode(r#"{"optional":{"z":"1","m":"2"},"required":{"b":2,"a":1}}"#);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"optional":{"m":"2","z":"1"},"required":{"a":1,"b":2}}"#
        );
    }

    #[test]
    fn rejects_non_objects() {
        for bad in [
            r#"{"optional":[["a","b"]]}"#,
            r#"{"optional":"a"}"#,
            r#"{"required":{"a":"x"}}"#,
        ] {
            assert!(serde_json::from_str::<Maps>(bad).is_err(), "{bad}");
        }
    }
}
