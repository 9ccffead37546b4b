//! Strategic merge patches of built-in kinds, and the list types server-side apply merges by,
//! from k8s-api's patch metadata (the OpenAPI extensions `x-kubernetes-patch-strategy`,
//! `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type`, `x-kubernetes-list-map-keys`).

use k8s_api::patch_meta::{self, PatchSchema, Shape};
use k8s_apimachinery::strategicpatch::PatchStrategy;
use serde_json::{Map, Value};

use crate::fieldset::ListType;
use crate::registry::ResourceInfo;
use crate::status::Failure;

/// Applies a strategic merge patch to `old` (a built-in kind), with the real server's status
/// codes for failures.
pub(crate) fn apply(info: &ResourceInfo, old: &Value, patch: &Value) -> Result<Value, Failure> {
    patch_meta::strategic_merge(&info.api_version(), &info.kind, old, patch).map_err(|e| {
        let code = e.status_code();
        let reason = match code {
            400 => "BadRequest",
            415 => "UnsupportedMediaType",
            422 => "Invalid",
            _ => "InternalError",
        };
        Failure::new(code, reason, e.to_string())
    })
}

/// The list type of the list at `path` (field names from the root; list elements and map keys
/// are stepped through) of `info`'s objects: `x-kubernetes-list-type` when declared, else the
/// patch strategy (`merge` with a merge key: associative; `merge` alone: a set), else atomic.
pub(crate) fn list_type(info: &ResourceInfo, path: &[&str]) -> ListType {
    field_at(info, path).map_or(ListType::Atomic, |f| field_list_type(&f))
}

/// Whether the object at `path` (as for [`list_type`]) is one value to server-side apply:
/// `x-kubernetes-map-type: atomic` on the field or its type (`LabelSelector`,
/// `nodeSelector`, …).
pub(crate) fn is_atomic_object(info: &ResourceInfo, path: &[&str]) -> bool {
    field_at(info, path).is_some_and(|f| f.map_type() == Some(patch_meta::MapType::Atomic))
}

/// The field at `path` of `info`'s objects (field names from the root; list elements and map
/// keys are stepped through). `None` for custom resources and unknown paths.
fn field_at(info: &ResourceInfo, path: &[&str]) -> Option<patch_meta::FieldMeta> {
    if info.custom {
        return None;
    }
    let mut cur = patch_meta::lookup(&info.api_version(), &info.kind)?;
    for (i, seg) in path.iter().enumerate() {
        if cur.shape() == Shape::Map {
            cur = cur.element()?;
            continue;
        }
        let field = cur.field(seg)?;
        if i + 1 == path.len() {
            return Some(field);
        }
        cur = step(field.schema());
    }
    None
}

/// The JSON of Go's zero value of `info`'s kind, as far as objects, lists and maps go (scalars
/// are left out): what the real server compares a created object with when it records the
/// creating manager's fields. Value structs are objects, lists, maps and pointers without
/// `omitempty` are `null`. A custom resource's zero value is an empty object.
pub(crate) fn zero_value(info: &ResourceInfo) -> Value {
    match patch_meta::lookup(&info.api_version(), &info.kind).filter(|_| !info.custom) {
        Some(schema) => zero_of(schema, 0),
        None => Value::Object(Map::new()),
    }
}

fn zero_of(schema: PatchSchema, depth: usize) -> Value {
    let mut m = Map::new();
    // Recursive types (JSONSchemaProps) hold their recursive fields behind pointers with
    // `omitempty`; the bound only guards against a table that says otherwise.
    if depth < 32 {
        for f in schema.fields().filter(|f| f.in_zero_value()) {
            let v = match f.schema().shape() {
                Shape::Struct => zero_of(f.schema(), depth + 1),
                _ => Value::Null,
            };
            m.insert(f.json_name().to_string(), v);
        }
    }
    Value::Object(m)
}

/// Through a list to its elements.
fn step(schema: PatchSchema) -> PatchSchema {
    match (schema.shape(), schema.element()) {
        (Shape::List, Some(e)) => e,
        _ => schema,
    }
}

fn field_list_type(field: &patch_meta::FieldMeta) -> ListType {
    match field.list_type() {
        Some(patch_meta::ListType::Atomic) => return ListType::Atomic,
        Some(patch_meta::ListType::Set) => return ListType::Set,
        Some(patch_meta::ListType::Map) if !field.list_map_keys().is_empty() => {
            return ListType::Map(
                field
                    .list_map_keys()
                    .iter()
                    .map(|k| (*k).to_string())
                    .collect(),
            );
        }
        _ => {}
    }
    if field.strategy() == PatchStrategy::Merge {
        return match field.merge_key() {
            Some(k) => ListType::Map(vec![k.to_string()]),
            None => ListType::Set,
        };
    }
    ListType::Atomic
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn list_types_come_from_the_schema() {
        let r = Registry::builtin();
        let deploy = r.get("apps", "v1", "deployments").unwrap();
        let containers = ["spec", "template", "spec", "containers"];
        assert_eq!(
            list_type(&deploy, &containers),
            ListType::Map(vec!["name".into()])
        );
        let ports = ["spec", "template", "spec", "containers", "ports"];
        assert!(
            matches!(list_type(&deploy, &ports), ListType::Map(k) if k.contains(&"containerPort".to_string()))
        );
        assert_eq!(
            list_type(&deploy, &["spec", "template", "spec", "containers", "args"]),
            ListType::Atomic
        );
        let svc = r.get("", "v1", "services").unwrap();
        assert!(matches!(
            list_type(&svc, &["spec", "ports"]),
            ListType::Map(_)
        ));
    }

    #[test]
    fn strategic_patches_merge_by_key() {
        let r = Registry::builtin();
        let pods = r.get("", "v1", "pods").unwrap();
        let old = serde_json::json!({"spec": {"containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}});
        let patch = serde_json::json!({"spec": {"containers": [{"name": "b", "image": "3"}]}});
        let new = apply(&pods, &old, &patch).unwrap();
        assert_eq!(new["spec"]["containers"][0]["image"], "1");
        assert_eq!(new["spec"]["containers"][1]["image"], "3");
        let bad = serde_json::json!({"spec": {"containers": [{"image": "x"}]}});
        let err = apply(&pods, &old, &bad).unwrap_err();
        assert!(
            err.message
                .contains("does not contain declared merge key: name"),
            "{}",
            err.message
        );
    }
}
