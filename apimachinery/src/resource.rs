//! The traits that tie a Rust type to a Kubernetes resource.
//!
//! * [`Resource`] carries the *static* identity of a type — group, version, kind, plural, scope,
//!   verbs — as associated constants, so a client can build URLs without any runtime lookup.
//! * [`Object`] is a [`Resource`] with standard metadata (`metadata: ObjectMeta`); its provided
//!   helpers read the common fields.
//! * [`ListObject`] is implemented by list types (`PodList`, [`List<T>`](crate::List)).
//! * [`HasMetadata`] is the object-safe, dynamic-friendly part: anything with an
//!   [`ObjectMeta`], including [`DynamicObject`](crate::DynamicObject) and
//!   [`PartialObjectMetadata`](crate::PartialObjectMetadata). Every [`Object`] has it.
//!
//! Deep copy is `Clone`.
//!
//! ```
//! use k8s_apimachinery::{Object, ObjectMeta, Resource, Scope};
//!
//! #[derive(Clone, Debug, Default)]
//! struct ConfigMap {
//!     metadata: ObjectMeta,
//! }
//!
//! impl Resource for ConfigMap {
//!     const API_VERSION: &'static str = "v1";
//!     const GROUP: &'static str = "";
//!     const VERSION: &'static str = "v1";
//!     const KIND: &'static str = "ConfigMap";
//!     const PLURAL: &'static str = "configmaps";
//!     const NAMESPACED: bool = true;
//!     const VERBS: &'static [&'static str] =
//!         &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
//!     const SUBRESOURCES: &'static [&'static str] = &[];
//! }
//!
//! impl Object for ConfigMap {
//!     fn metadata(&self) -> &ObjectMeta { &self.metadata }
//!     fn metadata_mut(&mut self) -> &mut ObjectMeta { &mut self.metadata }
//! }
//!
//! let mut cm = ConfigMap::default();
//! cm.metadata_mut().name = Some("settings".into());
//! assert_eq!(cm.name(), Some("settings"));
//! assert_eq!(ConfigMap::gvr().to_string(), "v1, Resource=configmaps");
//! assert_eq!(ConfigMap::scope(), Scope::Namespaced);
//! ```

use crate::{CompactString, LiteMap};

use crate::{
    GroupVersionKind, GroupVersionResource, ListMeta, ObjectMeta, OwnerReference, Scope, Time,
};

static EMPTY_MAP: LiteMap<CompactString, CompactString> = LiteMap::new();

/// Static identity of a Kubernetes resource type (implemented by every generated top-level type).
pub trait Resource {
    /// `"apps/v1"`, or `"v1"` for the core group.
    const API_VERSION: &'static str;
    /// The API group; `""` for the core group.
    const GROUP: &'static str;
    /// The version, e.g. `"v1"`.
    const VERSION: &'static str;
    /// The kind, e.g. `"Deployment"`.
    const KIND: &'static str;
    /// The resource name in URLs, e.g. `"deployments"`.
    const PLURAL: &'static str;
    /// Whether objects live in namespaces.
    const NAMESPACED: bool;
    /// The verbs the API serves for this resource, e.g.
    /// `["create","delete","deletecollection","get","list","patch","update","watch"]`.
    const VERBS: &'static [&'static str];
    /// The subresources the API serves, e.g. `["status","scale"]`.
    const SUBRESOURCES: &'static [&'static str];

    /// The group/version/kind.
    fn gvk() -> GroupVersionKind {
        GroupVersionKind::new(Self::GROUP, Self::VERSION, Self::KIND)
    }

    /// The group/version/resource.
    fn gvr() -> GroupVersionResource {
        GroupVersionResource::new(Self::GROUP, Self::VERSION, Self::PLURAL)
    }

    /// The `apiVersion` string.
    fn api_version() -> &'static str {
        Self::API_VERSION
    }

    /// The kind.
    fn kind() -> &'static str {
        Self::KIND
    }

    /// The plural resource name.
    fn plural() -> &'static str {
        Self::PLURAL
    }

    /// Namespaced or cluster scope.
    fn scope() -> Scope {
        if Self::NAMESPACED {
            Scope::Namespaced
        } else {
            Scope::Cluster
        }
    }

    /// `true` when the API serves `verb` (e.g. `"watch"`) for this resource.
    fn supports_verb(verb: &str) -> bool {
        Self::VERBS.contains(&verb)
    }

    /// `true` when the API serves the subresource (e.g. `"status"`).
    fn has_subresource(name: &str) -> bool {
        Self::SUBRESOURCES.contains(&name)
    }
}

/// An object with standard metadata (implemented by every generated type that has `metadata`).
pub trait Object: Resource + Clone + Send + Sync + 'static {
    /// The object's metadata.
    fn metadata(&self) -> &ObjectMeta;

    /// The object's metadata, mutably.
    fn metadata_mut(&mut self) -> &mut ObjectMeta;

    /// `metadata.name`.
    fn name(&self) -> Option<&str> {
        self.metadata().name.as_deref()
    }

    /// `metadata.namespace`.
    fn namespace(&self) -> Option<&str> {
        self.metadata().namespace.as_deref()
    }

    /// `metadata.resourceVersion`.
    fn resource_version(&self) -> Option<&str> {
        self.metadata().resource_version.as_deref()
    }

    /// `metadata.uid`.
    fn uid(&self) -> Option<&str> {
        self.metadata().uid.as_deref()
    }

    /// `metadata.generation`.
    fn generation(&self) -> Option<i64> {
        self.metadata().generation
    }

    /// `metadata.labels` (empty when unset).
    fn labels(&self) -> &LiteMap<CompactString, CompactString> {
        self.metadata().labels.as_ref().unwrap_or(&EMPTY_MAP)
    }

    /// `metadata.annotations` (empty when unset).
    fn annotations(&self) -> &LiteMap<CompactString, CompactString> {
        self.metadata().annotations.as_ref().unwrap_or(&EMPTY_MAP)
    }

    /// `metadata.labels`, created empty if unset.
    fn labels_mut(&mut self) -> &mut LiteMap<CompactString, CompactString> {
        self.metadata_mut().labels.get_or_insert_with(LiteMap::new)
    }

    /// `metadata.annotations`, created empty if unset.
    fn annotations_mut(&mut self) -> &mut LiteMap<CompactString, CompactString> {
        self.metadata_mut()
            .annotations
            .get_or_insert_with(LiteMap::new)
    }

    /// `metadata.ownerReferences` (empty when unset).
    fn owner_references(&self) -> &[OwnerReference] {
        self.metadata().owner_references.as_deref().unwrap_or(&[])
    }

    /// `metadata.finalizers` (empty when unset).
    fn finalizers(&self) -> &[CompactString] {
        self.metadata().finalizers.as_deref().unwrap_or(&[])
    }

    /// `metadata.creationTimestamp`.
    fn creation_timestamp(&self) -> Option<&Time> {
        self.metadata().creation_timestamp.as_ref()
    }

    /// `metadata.deletionTimestamp`.
    fn deletion_timestamp(&self) -> Option<&Time> {
        self.metadata().deletion_timestamp.as_ref()
    }
}

/// A list type (`PodList`): implemented by generated `XxxList` types and [`List<T>`](crate::List).
pub trait ListObject: Clone + Send + Sync + 'static {
    /// The item type.
    type Item;

    /// The list's metadata (`resourceVersion`, `continue`, ...).
    fn list_meta(&self) -> &ListMeta;

    /// The items.
    fn items(&self) -> &[Self::Item];

    /// Consumes the list, returning its items.
    fn into_items(self) -> Vec<Self::Item>;
}

/// Anything that carries an [`ObjectMeta`], typed or not.
///
/// Every [`Object`] implements it; so do [`DynamicObject`](crate::DynamicObject) and
/// [`PartialObjectMetadata`](crate::PartialObjectMetadata). Caches and informers key objects
/// through this trait.
pub trait HasMetadata {
    /// The object's metadata.
    fn object_meta(&self) -> &ObjectMeta;

    /// The object's metadata, mutably.
    fn object_meta_mut(&mut self) -> &mut ObjectMeta;
}

impl<T: Object> HasMetadata for T {
    fn object_meta(&self) -> &ObjectMeta {
        self.metadata()
    }

    fn object_meta_mut(&mut self) -> &mut ObjectMeta {
        self.metadata_mut()
    }
}
