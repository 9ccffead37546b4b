//! `ObjectMeta` and the types embedded in it.

use crate::{CompactString, LiteMap};

use serde::{Deserialize, Serialize};

use crate::Time;

/// `apiVersion` and `kind`, the two fields every serialized object starts with
/// (`metav1.TypeMeta`). Go writes `kind` first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TypeMeta {
    /// The kind, e.g. `Pod`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<CompactString>,
    /// The `apiVersion`, e.g. `apps/v1`.
    #[serde(rename = "apiVersion", skip_serializing_if = "Option::is_none")]
    pub api_version: Option<CompactString>,
}

/// Metadata every persisted object has (`metav1.ObjectMeta`).
///
/// Fields are in Go struct order so a serialized object has its keys in the same order as the
/// API server writes them. `None` fields are omitted, as the server omits empty ones.
///
/// ```
/// use k8s_apimachinery::ObjectMeta;
///
/// let meta: ObjectMeta = serde_json::from_str(
///     r#"{"name":"web","namespace":"prod","labels":{"app":"web"},"resourceVersion":"42"}"#,
/// )?;
/// assert_eq!(meta.name.as_deref(), Some("web"));
/// assert_eq!(meta.labels().get("app").map(|v| v.as_str()), Some("web"));
/// assert_eq!(
///     serde_json::to_string(&meta)?,
///     r#"{"name":"web","namespace":"prod","resourceVersion":"42","labels":{"app":"web"}}"#
/// );
/// // An empty ObjectMeta serializes as `{}`.
/// assert_eq!(serde_json::to_string(&ObjectMeta::default())?, "{}");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Unique name within the namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<CompactString>,
    /// Prefix from which the server generates a unique name when `name` is unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generate_name: Option<CompactString>,
    /// The namespace; unset for cluster-scoped objects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<CompactString>,
    /// Deprecated; no longer set by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_link: Option<CompactString>,
    /// Server-assigned unique id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<CompactString>,
    /// Opaque version for optimistic concurrency and watches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<CompactString>,
    /// Sequence number of the desired state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
    /// When the object was created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<Time>,
    /// When graceful deletion was requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_timestamp: Option<Time>,
    /// Seconds the object has to terminate gracefully before deletion.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_grace_period_seconds: Option<i64>,
    /// Labels (selectable key/value pairs).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::map::optional",
        serialize_with = "crate::map::serialize_optional"
    )]
    pub labels: Option<LiteMap<CompactString, CompactString>>,
    /// Annotations (non-identifying key/value pairs).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::map::optional",
        serialize_with = "crate::map::serialize_optional"
    )]
    pub annotations: Option<LiteMap<CompactString, CompactString>>,
    /// Objects this object depends on.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::optional_vec",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner_references: Option<Vec<OwnerReference>>,
    /// Finalizers that must be removed before the object is deleted.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::optional_vec",
        skip_serializing_if = "Option::is_none"
    )]
    pub finalizers: Option<Vec<CompactString>>,
    /// Which managers own which fields (server-side apply).
    #[serde(
        default,
        deserialize_with = "crate::serde_util::optional_vec",
        skip_serializing_if = "Option::is_none"
    )]
    pub managed_fields: Option<Vec<ManagedFieldsEntry>>,
}

static EMPTY_MAP: LiteMap<CompactString, CompactString> = LiteMap::new();

impl ObjectMeta {
    /// Metadata with just a name.
    pub fn named(name: impl Into<CompactString>) -> Self {
        Self {
            name: Some(name.into()),
            ..Self::default()
        }
    }

    /// Metadata with a namespace and a name.
    pub fn namespaced(namespace: impl Into<CompactString>, name: impl Into<CompactString>) -> Self {
        Self {
            name: Some(name.into()),
            namespace: Some(namespace.into()),
            ..Self::default()
        }
    }

    /// The labels (empty when unset).
    pub fn labels(&self) -> &LiteMap<CompactString, CompactString> {
        self.labels.as_ref().unwrap_or(&EMPTY_MAP)
    }

    /// The annotations (empty when unset).
    pub fn annotations(&self) -> &LiteMap<CompactString, CompactString> {
        self.annotations.as_ref().unwrap_or(&EMPTY_MAP)
    }

    /// The labels, created empty if unset.
    pub fn labels_mut(&mut self) -> &mut LiteMap<CompactString, CompactString> {
        self.labels.get_or_insert_with(LiteMap::new)
    }

    /// The annotations, created empty if unset.
    pub fn annotations_mut(&mut self) -> &mut LiteMap<CompactString, CompactString> {
        self.annotations.get_or_insert_with(LiteMap::new)
    }

    /// The cache key client-go's `MetaNamespaceKeyFunc` computes: `namespace/name`, or `name` for
    /// cluster-scoped objects.
    pub fn key(&self) -> String {
        let name = self.name.as_deref().unwrap_or("");
        match self.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
            _ => name.to_owned(),
        }
    }

    /// The owner reference that has `controller: true`, if any (`metav1.GetControllerOf`).
    pub fn controller_ref(&self) -> Option<&OwnerReference> {
        self.owner_references
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .find(|r| r.controller == Some(true))
    }
}

/// A reference to an owning object (`metav1.OwnerReference`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerReference {
    /// API version of the owner.
    #[serde(default)]
    pub api_version: CompactString,
    /// Kind of the owner.
    #[serde(default)]
    pub kind: CompactString,
    /// Name of the owner.
    #[serde(default)]
    pub name: CompactString,
    /// UID of the owner.
    #[serde(default)]
    pub uid: CompactString,
    /// `true` if the owner is the managing controller.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub controller: Option<bool>,
    /// If `true`, the owner cannot be deleted (foreground) before this reference is removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block_owner_deletion: Option<bool>,
}

impl OwnerReference {
    /// A controller reference to `owner` (`metav1.NewControllerRef`): `controller` and
    /// `blockOwnerDeletion` set, API version and kind from the type.
    ///
    /// ```
    /// use k8s_apimachinery::{ObjectMeta, OwnerReference, Resource};
    /// # #[derive(Clone, Default)]
    /// # struct Foo { metadata: ObjectMeta }
    /// # impl Resource for Foo {
    /// #     const API_VERSION: &'static str = "example.com/v1";
    /// #     const GROUP: &'static str = "example.com";
    /// #     const VERSION: &'static str = "v1";
    /// #     const KIND: &'static str = "Foo";
    /// #     const PLURAL: &'static str = "foos";
    /// #     const NAMESPACED: bool = true;
    /// #     const VERBS: &'static [&'static str] = &[];
    /// #     const SUBRESOURCES: &'static [&'static str] = &[];
    /// # }
    /// # impl k8s_apimachinery::Object for Foo {
    /// #     fn metadata(&self) -> &ObjectMeta { &self.metadata }
    /// #     fn metadata_mut(&mut self) -> &mut ObjectMeta { &mut self.metadata }
    /// # }
    /// let mut foo = Foo::default();
    /// foo.metadata.name = Some("web".into());
    /// foo.metadata.uid = Some("1f0e".into());
    /// let r = OwnerReference::controller_of(&foo);
    /// assert_eq!((r.api_version.as_str(), r.kind.as_str(), r.uid.as_str()), ("example.com/v1", "Foo", "1f0e"));
    /// assert_eq!(r.controller, Some(true));
    /// ```
    pub fn controller_of<K: crate::Resource + crate::HasMetadata>(owner: &K) -> Self {
        let meta = owner.object_meta();
        OwnerReference {
            api_version: K::API_VERSION.into(),
            kind: K::KIND.into(),
            name: meta.name.clone().unwrap_or_default(),
            uid: meta.uid.clone().unwrap_or_default(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }
    }

    /// Whether this reference points at `owner` (same UID; kind and API group checked too).
    pub fn refers_to<K: crate::Resource + crate::HasMetadata>(&self, owner: &K) -> bool {
        let group = self.api_version.rsplit_once('/').map_or("", |(g, _)| g);
        self.kind == K::KIND
            && group == K::GROUP
            && owner.object_meta().uid.as_deref() == Some(self.uid.as_str())
    }
}

/// One manager's ownership of a set of fields (`metav1.ManagedFieldsEntry`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedFieldsEntry {
    /// The manager's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<CompactString>,
    /// `Apply` or `Update`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<CompactString>,
    /// The API version the fields were set in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<CompactString>,
    /// When the entry last changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Time>,
    /// The format of `fieldsV1`; only `FieldsV1` exists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields_type: Option<CompactString>,
    /// The owned field set.
    #[serde(rename = "fieldsV1", skip_serializing_if = "Option::is_none")]
    pub fields_v1: Option<FieldsV1>,
    /// The subresource the fields were set through (`status`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subresource: Option<CompactString>,
}

pub use super::fields_v1::FieldsV1;
