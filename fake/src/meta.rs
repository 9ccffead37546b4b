//! Reading and writing the metadata of objects held as JSON.

use serde_json::{Map, Value};

/// `metadata.<field>` as text.
pub(crate) fn str_field<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}

/// `metadata.name`.
pub(crate) fn name(obj: &Value) -> Option<&str> {
    str_field(obj, "name").filter(|s| !s.is_empty())
}

/// `metadata.namespace`.
pub(crate) fn namespace(obj: &Value) -> Option<&str> {
    str_field(obj, "namespace").filter(|s| !s.is_empty())
}

/// `metadata.resourceVersion`.
pub(crate) fn resource_version(obj: &Value) -> Option<&str> {
    str_field(obj, "resourceVersion").filter(|s| !s.is_empty())
}

/// `metadata.uid`.
pub(crate) fn uid(obj: &Value) -> Option<&str> {
    str_field(obj, "uid").filter(|s| !s.is_empty())
}

/// `metadata`, created empty when missing or not an object.
pub(crate) fn metadata_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    let Value::Object(map) = obj else {
        unreachable!("made an object above")
    };
    let meta = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !meta.is_object() {
        *meta = Value::Object(Map::new());
    }
    match meta {
        Value::Object(m) => m,
        _ => unreachable!("made an object above"),
    }
}

/// Sets `metadata.<field>`; `None` removes it.
pub(crate) fn set(obj: &mut Value, field: &str, value: Option<Value>) {
    let meta = metadata_mut(obj);
    match value {
        Some(v) => {
            meta.insert(field.to_string(), v);
        }
        None => {
            meta.remove(field);
        }
    }
}

/// `metadata.labels` (or `annotations`) as pairs.
pub(crate) fn string_map<'a>(obj: &'a Value, field: &str) -> Vec<(&'a str, &'a str)> {
    obj.get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.as_str(), v)))
                .collect()
        })
        .unwrap_or_default()
}

/// `metadata.finalizers`.
pub(crate) fn finalizers(obj: &Value) -> Vec<String> {
    obj.get("metadata")
        .and_then(|m| m.get("finalizers"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `metadata.deletionTimestamp` is set.
pub(crate) fn is_deleting(obj: &Value) -> bool {
    obj.get("metadata")
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some_and(|t| !t.is_null())
}

/// The value at a `.spec.replicas`-style path (the JSON paths of CRD scale subresources).
pub(crate) fn at_path<'a>(obj: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = obj;
    for part in path.trim_start_matches('.').split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

/// Sets the value at a `.spec.replicas`-style path, creating objects on the way.
pub(crate) fn set_path(obj: &mut Value, path: &str, value: Value) {
    let mut cur = obj;
    for part in path.trim_start_matches('.').split('.') {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else {
            unreachable!("made an object above")
        };
        cur = map.entry(part.to_string()).or_insert(Value::Null);
    }
    *cur = value;
}

/// The current time as the real server writes it (RFC 3339, seconds).
pub(crate) fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .unwrap_or_else(|_| jiff::Timestamp::now())
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// `now` plus `seconds`, in the same format.
pub(crate) fn now_plus(seconds: i64) -> String {
    let now = jiff::Timestamp::now();
    let t = now
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .unwrap_or(now);
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_and_fields() {
        let mut obj = json!({"metadata": {"name": "a", "labels": {"x": "1"}, "finalizers": ["f"]}});
        assert_eq!(name(&obj), Some("a"));
        assert_eq!(namespace(&obj), None);
        assert_eq!(string_map(&obj, "labels"), vec![("x", "1")]);
        assert_eq!(finalizers(&obj), vec!["f".to_string()]);
        set_path(&mut obj, ".spec.replicas", json!(3));
        assert_eq!(at_path(&obj, ".spec.replicas"), Some(&json!(3)));
        set(&mut obj, "uid", Some(json!("u")));
        assert_eq!(uid(&obj), Some("u"));
        let mut not_obj = json!(5);
        set(&mut not_obj, "name", Some(json!("b")));
        assert_eq!(name(&not_obj), Some("b"));
        assert!(now().ends_with('Z') && now().len() == 20, "{}", now());
    }
}
