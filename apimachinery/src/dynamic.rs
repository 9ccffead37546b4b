//! Objects whose type is known only at run time (`unstructured.Unstructured` in Go).
//!
//! [`ApiResource`] is the run-time counterpart of the [`Resource`] trait: group, version, kind,
//! plural and scope as values (from discovery, or erased from a static type).
//! [`DynamicObject`] holds any object: `apiVersion`, `kind`, a typed [`ObjectMeta`] and every
//! other top-level field as JSON.
//!
//! ```
//! use k8s_apimachinery::{ApiResource, DynamicObject, GroupVersionKind, Scope};
//!
//! let ar = ApiResource::from_gvk_with_plural(
//!     &GroupVersionKind::new("example.com", "v1", "Widget"),
//!     "widgets",
//!     Scope::Namespaced,
//! );
//! let mut obj = DynamicObject::new("w1", &ar).within("default");
//! obj.data.insert("spec".into(), serde_json::json!({"size": 3}));
//! assert_eq!(obj.get_path(&["spec", "size"]), Some(&serde_json::json!(3)));
//!
//! let json = serde_json::to_value(&obj)?;
//! assert_eq!(json["apiVersion"], "example.com/v1");
//! assert_eq!(json["metadata"]["namespace"], "default");
//! let back: DynamicObject = serde_json::from_value(json)?;
//! assert_eq!(back, obj);
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    Error, GroupVersionKind, GroupVersionResource, HasMetadata, ObjectMeta, Resource, Scope,
};

/// A resource type described at run time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ApiResource {
    /// The group (`""` for core).
    pub group: String,
    /// The version.
    pub version: String,
    /// `group/version`, or `version` for core.
    pub api_version: String,
    /// The kind.
    pub kind: String,
    /// The plural resource name used in URLs.
    pub plural: String,
    /// Namespaced or cluster-scoped.
    pub scope: Scope,
}

impl ApiResource {
    /// The run-time description of a static [`Resource`] type.
    pub fn erase<K: Resource>() -> Self {
        Self {
            group: K::GROUP.to_owned(),
            version: K::VERSION.to_owned(),
            api_version: K::API_VERSION.to_owned(),
            kind: K::KIND.to_owned(),
            plural: K::PLURAL.to_owned(),
            scope: K::scope(),
        }
    }

    /// From a GVK and the plural name (e.g. from discovery).
    pub fn from_gvk_with_plural(gvk: &GroupVersionKind, plural: &str, scope: Scope) -> Self {
        Self {
            group: gvk.group.clone(),
            version: gvk.version.clone(),
            api_version: gvk.api_version(),
            kind: gvk.kind.clone(),
            plural: plural.to_owned(),
            scope,
        }
    }

    /// The group/version/kind.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }

    /// The group/version/resource.
    pub fn gvr(&self) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, &self.plural)
    }
}

/// Any Kubernetes object, typed metadata plus untyped JSON for the rest.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DynamicObject {
    /// The `apiVersion`.
    #[serde(default)]
    pub api_version: String,
    /// The kind.
    #[serde(default)]
    pub kind: String,
    /// Standard metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Every other top-level field (`spec`, `status`, `data`, ...).
    #[serde(flatten)]
    pub data: Map<String, Value>,
}

impl DynamicObject {
    /// An empty object of the given resource type, with a name.
    pub fn new(name: &str, resource: &ApiResource) -> Self {
        Self {
            api_version: resource.api_version.clone(),
            kind: resource.kind.clone(),
            metadata: ObjectMeta::named(name),
            data: Map::new(),
        }
    }

    /// The same object in a namespace.
    pub fn within(mut self, namespace: &str) -> Self {
        self.metadata.namespace = Some(namespace.into());
        self
    }

    /// The object's GVK, if `apiVersion` parses.
    pub fn gvk(&self) -> Result<GroupVersionKind, Error> {
        GroupVersionKind::from_api_version_kind(&self.api_version, &self.kind)
    }

    /// `metadata.name`.
    pub fn name(&self) -> Option<&str> {
        self.metadata.name.as_deref()
    }

    /// `metadata.namespace`.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }

    /// `metadata.resourceVersion`.
    pub fn resource_version(&self) -> Option<&str> {
        self.metadata.resource_version.as_deref()
    }

    /// A top-level field other than `apiVersion`, `kind` and `metadata`.
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.data.get(field)
    }

    /// A nested field (`["spec", "replicas"]`), like `unstructured.NestedFieldNoCopy`.
    pub fn get_path(&self, path: &[&str]) -> Option<&Value> {
        let (first, rest) = path.split_first()?;
        let mut cur = self.data.get(*first)?;
        for key in rest {
            cur = cur.as_object()?.get(*key)?;
        }
        Some(cur)
    }

    /// A nested string field.
    pub fn get_str(&self, path: &[&str]) -> Option<&str> {
        self.get_path(path)?.as_str()
    }

    /// A nested integer field.
    pub fn get_i64(&self, path: &[&str]) -> Option<i64> {
        self.get_path(path)?.as_i64()
    }

    /// Sets a nested field, creating intermediate objects (`unstructured.SetNestedField`).
    /// Fails if an intermediate value exists and is not an object.
    pub fn set_path(&mut self, path: &[&str], value: Value) -> Result<(), Error> {
        let Some((last, parents)) = path.split_last() else {
            return Err(Error::Json("empty field path".into()));
        };
        let mut cur = &mut self.data;
        for (i, key) in parents.iter().enumerate() {
            let entry = cur
                .entry((*key).to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            cur = entry.as_object_mut().ok_or_else(|| {
                Error::Json(format!("{} is not an object", parents[..=i].join(".")))
            })?;
        }
        cur.insert((*last).to_owned(), value);
        Ok(())
    }

    /// Converts into a typed object.
    pub fn try_parse<K: serde::de::DeserializeOwned>(&self) -> Result<K, Error> {
        Ok(serde_json::from_value(serde_json::to_value(self)?)?)
    }

    /// Converts a typed object into a dynamic one.
    pub fn from_typed<K: Serialize>(object: &K) -> Result<Self, Error> {
        Ok(serde_json::from_value(serde_json::to_value(object)?)?)
    }
}

impl HasMetadata for DynamicObject {
    fn object_meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn object_meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths() {
        let mut o: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "n"},
            "spec": {"replicas": 2, "template": {"metadata": {"labels": {"a": "b"}}}}
        }))
        .unwrap();
        assert_eq!(o.get_i64(&["spec", "replicas"]), Some(2));
        assert_eq!(
            o.get_str(&["spec", "template", "metadata", "labels", "a"]),
            Some("b")
        );
        assert_eq!(o.get_path(&["spec", "nope"]), None);
        assert_eq!(o.get_path(&[]), None);
        o.set_path(&["status", "readyReplicas"], json!(1)).unwrap();
        assert_eq!(o.get_i64(&["status", "readyReplicas"]), Some(1));
        assert!(o.set_path(&["spec", "replicas", "x"], json!(1)).is_err());
        assert_eq!(
            o.gvk().unwrap(),
            GroupVersionKind::new("apps", "v1", "Deployment")
        );
        assert_eq!(o.object_meta().key(), "n/d");
    }
}
