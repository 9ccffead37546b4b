//! What a field manager owns, read back from an object's `managedFields`: client-go's
//! `managedfields.ExtractInto` (behind every `Extract<Kind>` of its apply configurations), on
//! JSON.
//!
//! Server-side apply records, per manager, the set of fields it owns as `FieldsV1`
//! (`{"f:spec": {"f:replicas": {}}}`; list elements by key `k:{"name":"web"}`, by value
//! `v:"x"` or by index `i:0`; `.` marks a node owned as such). [`extract`] returns the part of
//! the object that the `Apply` entry of a manager owns — with the object's `apiVersion`,
//! `kind`, name and namespace, and the key fields of each list element — so that a controller
//! can read what it applied, change it and apply it again without claiming fields it never
//! set.
//!
//! ```
//! use k8s_apimachinery::managedfields::extract;
//! use serde_json::json;
//!
//! let live = json!({
//!     "apiVersion": "v1", "kind": "ConfigMap",
//!     "metadata": {"name": "settings", "namespace": "default", "managedFields": [
//!         {"manager": "alice", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
//!          "fieldsV1": {"f:data": {"f:a": {}}}},
//!         {"manager": "bob", "operation": "Apply", "apiVersion": "v1", "fieldsType": "FieldsV1",
//!          "fieldsV1": {"f:data": {"f:b": {}}}},
//!     ]},
//!     "data": {"a": "1", "b": "2"},
//! });
//! assert_eq!(
//!     extract(&live, "alice", None)?,
//!     Some(json!({"apiVersion": "v1", "kind": "ConfigMap",
//!                 "metadata": {"name": "settings", "namespace": "default"},
//!                 "data": {"a": "1"}}))
//! );
//! assert_eq!(extract(&live, "carol", None)?, None);
//! # Ok::<(), k8s_apimachinery::managedfields::ExtractError>(())
//! ```

use serde_json::{Map, Value};

/// Why the owned fields could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The object is not a JSON object.
    #[error("the object to extract from is not a JSON object")]
    NotAnObject,
    /// The manager's entry has a `fieldsType` other than `FieldsV1`, or `fieldsV1` that is
    /// not a set of fields.
    #[error("managedFields entry of {manager:?}: {why}")]
    BadEntry {
        /// The field manager.
        manager: String,
        /// What is wrong with its entry.
        why: String,
    },
}

/// The part of `obj` that the `Apply` entry of `manager` (for `subresource`, `None` for the
/// main resource) owns, as an object to apply again; `None` when the manager has no such
/// entry. See the [module docs](self).
pub fn extract(
    obj: &Value,
    manager: &str,
    subresource: Option<&str>,
) -> Result<Option<Value>, ExtractError> {
    let Value::Object(root) = obj else {
        return Err(ExtractError::NotAnObject);
    };
    let entries = root
        .get("metadata")
        .and_then(|m| m.get("managedFields"))
        .and_then(Value::as_array);
    let entry = entries.into_iter().flatten().find(|e| {
        e.get("manager").and_then(Value::as_str) == Some(manager)
            && e.get("operation").and_then(Value::as_str) == Some("Apply")
            && e.get("subresource")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                == subresource
    });
    let Some(entry) = entry else {
        return Ok(None);
    };
    let bad = |why: &str| ExtractError::BadEntry {
        manager: manager.to_string(),
        why: why.to_string(),
    };
    match entry.get("fieldsType").and_then(Value::as_str) {
        Some("FieldsV1") | None => {}
        Some(other) => return Err(bad(&format!("fieldsType {other:?} is not FieldsV1"))),
    }
    let fields = match entry.get("fieldsV1") {
        Some(Value::Object(f)) => f.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(bad("fieldsV1 is not an object")),
    };
    let mut out = match owned(&fields, obj) {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    // What identifies the object comes along, as client-go's extract sets it.
    for key in ["apiVersion", "kind"] {
        if let Some(v) = root.get(key) {
            out.insert(key.to_string(), v.clone());
        }
    }
    let meta = out
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(meta) = meta {
        for key in ["name", "namespace"] {
            if let Some(v) = root.get("metadata").and_then(|m| m.get(key)) {
                meta.insert(key.to_string(), v.clone());
            }
        }
    }
    Ok(Some(Value::Object(out)))
}

/// The part of `value` the set `fields` (a `FieldsV1` node) covers; `None` when it covers
/// nothing that is there.
fn owned(fields: &Map<String, Value>, value: &Value) -> Option<Value> {
    let children: Vec<(&String, &Value)> = fields.iter().filter(|(k, _)| *k != ".").collect();
    if children.is_empty() {
        // A leaf of the set: the whole value.
        return Some(value.clone());
    }
    match value {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, sub) in children {
                let Some(name) = k.strip_prefix("f:") else {
                    continue;
                };
                if let (Some(v), Value::Object(sub)) = (m.get(name), sub)
                    && let Some(o) = owned(sub, v)
                {
                    out.insert(name.to_string(), o);
                }
            }
            Some(Value::Object(out))
        }
        Value::Array(items) => {
            let mut out = Vec::new();
            for (index, item) in items.iter().enumerate() {
                for (k, sub) in &children {
                    let Value::Object(sub) = sub else {
                        continue;
                    };
                    if !element_matches(k, item, index) {
                        continue;
                    }
                    if let Some(mut o) = owned(sub, item) {
                        // An element by key keeps its key fields, so it can be applied again.
                        if let (Some(keys), Value::Object(o)) = (k.strip_prefix("k:"), &mut o)
                            && let Ok(Value::Object(keys)) = serde_json::from_str::<Value>(keys)
                        {
                            for (kf, kv) in keys {
                                o.entry(kf).or_insert(kv);
                            }
                        }
                        out.push(o);
                    }
                    break;
                }
            }
            Some(Value::Array(out))
        }
        // The set goes below a scalar: the object no longer has what the manager owned.
        _ => None,
    }
}

/// Whether a list element is the one a set key names.
fn element_matches(key: &str, item: &Value, index: usize) -> bool {
    if let Some(k) = key.strip_prefix("k:") {
        return match serde_json::from_str::<Value>(k) {
            Ok(Value::Object(want)) => want.iter().all(|(f, v)| item.get(f) == Some(v)),
            _ => false,
        };
    }
    if let Some(v) = key.strip_prefix("v:") {
        return serde_json::from_str::<Value>(v).is_ok_and(|v| v == *item);
    }
    if let Some(i) = key.strip_prefix("i:") {
        return i.parse::<usize>() == Ok(index);
    }
    false
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn with_fields(fields: Value, obj: Value) -> Value {
        let mut obj = obj;
        obj["apiVersion"] = json!("apps/v1");
        obj["kind"] = json!("Deployment");
        obj["metadata"] = json!({"name": "web", "namespace": "ns", "managedFields": [
            {"manager": "me", "operation": "Update", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {}}},
            {"manager": "me", "operation": "Apply", "fieldsType": "FieldsV1", "fieldsV1": fields},
            {"manager": "me", "operation": "Apply", "subresource": "status", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:status": {"f:replicas": {}}}},
        ]});
        obj
    }

    #[test]
    fn list_elements_by_key_value_and_index_keep_their_keys() {
        let obj = with_fields(
            json!({"f:spec": {"f:template": {"f:spec": {"f:containers": {
                "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:ports": {
                    "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:name": {}}}}}}}},
              "f:metadata": {"f:finalizers": {"v:\"a\"": {}}}}),
            json!({"spec": {"replicas": 3, "template": {"spec": {"containers": [
                {"name": "web", "image": "nginx", "args": ["x"],
                 "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"},
                           {"containerPort": 81, "protocol": "TCP"}]},
                {"name": "log", "image": "busybox"}]}}},
              "status": {"replicas": 3}}),
        );
        let mut obj = obj;
        obj["metadata"]["finalizers"] = json!(["a", "b"]);
        assert_eq!(
            extract(&obj, "me", None).unwrap().unwrap(),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "ns", "finalizers": ["a"]},
                "spec": {"template": {"spec": {"containers": [
                    {"name": "web", "image": "nginx",
                     "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"}]}]}}}})
        );
        assert_eq!(
            extract(&obj, "me", Some("status")).unwrap().unwrap(),
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web", "namespace": "ns"}, "status": {"replicas": 3}})
        );
        let by_index = with_fields(
            json!({"f:spec": {"f:args": {"i:1": {}}}}),
            json!({"spec": {"args": ["a", "b"]}}),
        );
        assert_eq!(
            extract(&by_index, "me", None).unwrap().unwrap()["spec"],
            json!({"args": ["b"]})
        );
    }

    #[test]
    fn bad_entries_are_typed_errors() {
        let mut obj = with_fields(json!({}), json!({}));
        obj["metadata"]["managedFields"][1]["fieldsType"] = json!("FieldsV2");
        assert!(matches!(
            extract(&obj, "me", None),
            Err(ExtractError::BadEntry { .. })
        ));
        assert_eq!(
            extract(&json!([1]), "me", None),
            Err(ExtractError::NotAnObject)
        );
    }
}
