//! Strategic-merge-patch metadata of the built-in kinds, and applying such patches.
//!
//! The apiserver merges a strategic merge patch with the `patchStrategy` and `patchMergeKey`
//! tags of the Go types; the OpenAPI documents publish the same facts as the extensions
//! `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key`, next to
//! `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and `x-kubernetes-map-type` (which
//! server-side apply reads). `cargo xtask codegen` turns them into a static table
//! (`src/generated/patch_meta.rs`) of every type a served kind reaches; this module walks it:
//!
//! - [`lookup`] finds the [`PatchSchema`] of a kind by `apiVersion` and `kind`;
//! - [`PatchSchema::field`] gives a field's [`FieldMeta`]: strategy, merge key, list type, list
//!   map keys, map type, and the schema of its value (or of its elements);
//! - [`PatchSchema`] implements k8s-apimachinery's [`LookupPatchMeta`], so it can drive
//!   [`apply_strategic_merge_patch`]; [`strategic_merge`] does both steps for a kind, and
//!   [`create_two_way_merge_patch`] creates the patch between two objects of a kind.
//!
//! Every field of a struct has an entry, scalar fields too (their schema is
//! [`Shape::Scalar`]), so lookups answer as Go's do for a patch that holds an object or a list
//! where the type has a scalar. The table covers every served kind, alpha and beta versions included, whatever
//! features are on. Custom resources have no entry: the apiserver refuses strategic merge
//! patches for them (415 Unsupported Media Type).
//!
//! ```
//! use k8s_api::patch_meta::{self, ListType};
//! use k8s_apimachinery::strategicpatch::PatchStrategy;
//! use serde_json::json;
//!
//! let pod = patch_meta::lookup("v1", "Pod").unwrap();
//! let containers = pod.field("spec").unwrap().schema().field("containers").unwrap();
//! assert_eq!(containers.strategy(), PatchStrategy::Merge);
//! assert_eq!(containers.merge_key(), Some("name"));
//! assert_eq!(containers.list_type(), Some(ListType::Map));
//! let ports = containers.element().unwrap().field("ports").unwrap();
//! assert_eq!(ports.merge_key(), Some("containerPort"));
//! assert_eq!(ports.list_map_keys(), &["containerPort", "protocol"]);
//!
//! let original = json!({
//!     "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "finalizers": ["a"]},
//!     "spec": {"containers": [{"name": "web", "image": "nginx:1.28"}, {"name": "log", "image": "busybox"}]}
//! });
//! let patch = json!({
//!     "metadata": {"finalizers": ["b"]},
//!     "spec": {"containers": [{"name": "web", "image": "nginx:1.29"}]}
//! });
//! let patched = patch_meta::strategic_merge("v1", "Pod", &original, &patch)?;
//! assert_eq!(patched["spec"]["containers"], json!([
//!     {"name": "web", "image": "nginx:1.29"}, {"name": "log", "image": "busybox"}
//! ]));
//! assert_eq!(patched["metadata"]["finalizers"], json!(["b", "a"]));
//!
//! // No metadata, no strategic merge patch.
//! let err = patch_meta::strategic_merge("example.com/v1", "Foo", &original, &patch).unwrap_err();
//! assert_eq!(err.status_code(), 415);
//! # Ok::<(), k8s_apimachinery::strategicpatch::StrategicMergeError>(())
//! ```

use std::borrow::Cow;

use k8s_apimachinery::strategicpatch::{
    LookupPatchMeta, PatchMeta, PatchStrategy, StrategicMergeError, apply_strategic_merge_patch,
};
use serde_json::Value;

use crate::generated::patch_meta::{KINDS, NODES};

/// The types of the generated table (`src/generated/patch_meta.rs` is written against them).
pub(crate) mod table {
    pub(crate) use super::{ListType, MapType};

    /// A type of the schema graph. Nodes refer to each other by index into `NODES`.
    #[derive(Debug)]
    pub(crate) enum Node {
        /// Strings, numbers, booleans and the types that are strings on the wire.
        Scalar,
        /// An object without declared properties (`RawExtension`, schemaless JSON).
        Opaque(&'static str),
        /// A list of the node.
        List(u16),
        /// A map (`additionalProperties`) of the node.
        Map(u16),
        /// An object with properties: its fields, sorted by name.
        Struct {
            name: &'static str,
            map_type: Option<MapType>,
            fields: &'static [Field],
        },
    }

    /// `x-kubernetes-patch-strategy`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub(crate) enum Strategy {
        None,
        Merge,
        Replace,
        RetainKeys,
        MergeRetainKeys,
    }

    /// One field of a struct.
    #[derive(Debug)]
    pub(crate) struct Field {
        pub name: &'static str,
        pub node: u16,
        pub strategy: Strategy,
        pub merge_key: Option<&'static str>,
        pub list_type: Option<ListType>,
        pub list_map_keys: &'static [&'static str],
        pub map_type: Option<MapType>,
        /// Whether Go's zero value of the struct has the field (see
        /// [`super::FieldMeta::in_zero_value`]).
        pub in_zero_value: bool,
    }

    impl Field {
        /// A field without extensions.
        pub(crate) const fn new(name: &'static str, node: u16) -> Field {
            Field {
                name,
                node,
                strategy: Strategy::None,
                merge_key: None,
                list_type: None,
                list_map_keys: &[],
                map_type: None,
                in_zero_value: false,
            }
        }
    }
}

use table::{Field, Node, Strategy};

/// `x-kubernetes-list-type`: how server-side apply treats a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListType {
    /// `atomic`: the list is one value.
    Atomic,
    /// `set`: the elements are unique scalars.
    Set,
    /// `map`: the elements are objects identified by the list map keys.
    Map,
}

/// `x-kubernetes-map-type`: how server-side apply treats a map or struct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MapType {
    /// `atomic`: the map is one value.
    Atomic,
    /// `granular`: each key is its own value.
    Granular,
}

/// What a [`PatchSchema`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Shape {
    /// An object with declared fields.
    Struct,
    /// An object without declared fields (`RawExtension`, schemaless JSON).
    Opaque,
    /// A list.
    List,
    /// A map (`map[string]T`).
    Map,
    /// A string, number or boolean (`Quantity`, `Time` and `IntOrString` too).
    Scalar,
}

/// The patch metadata of one type of the schema (a kind, a nested struct, a list or map
/// shape). Cheap to copy: a reference into a static table.
#[derive(Clone, Copy)]
pub struct PatchSchema {
    node: &'static Node,
}

impl std::fmt::Debug for PatchSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.node {
            Node::Struct { name, .. } | Node::Opaque(name) => {
                write!(f, "PatchSchema({name})")
            }
            _ => write!(f, "PatchSchema({:?})", self.shape()),
        }
    }
}

impl PartialEq for PatchSchema {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.node, other.node)
    }
}

impl Eq for PatchSchema {}

fn node(index: u16) -> &'static Node {
    // Indices come from the generator, which numbers NODES itself; an out-of-range index
    // would be a generator bug, seen as a scalar.
    NODES.get(usize::from(index)).unwrap_or(&Node::Scalar)
}

/// The schema of a kind (`("v1", "Pod")`, `("apps/v1", "Deployment")`), when it is a built-in
/// kind that the apiserver serves.
pub fn lookup(api_version: &str, kind: &str) -> Option<PatchSchema> {
    let i = KINDS
        .binary_search_by(|(v, k, _)| (*v, *k).cmp(&(api_version, kind)))
        .ok()?;
    Some(PatchSchema {
        node: node(KINDS[i].2),
    })
}

/// Every kind of the table: `(apiVersion, kind, schema)`, sorted.
pub fn kinds() -> impl Iterator<Item = (&'static str, &'static str, PatchSchema)> {
    KINDS
        .iter()
        .map(|(v, k, n)| (*v, *k, PatchSchema { node: node(*n) }))
}

/// Applies a strategic merge patch to an object of a built-in kind, as the apiserver does
/// (Go's `strategicpatch.StrategicMergePatch` with the kind's Go type).
///
/// Fails with [`StrategicMergeError::Unsupported`] when the table has no such kind (custom
/// resources: the apiserver answers those with 415).
pub fn strategic_merge(
    api_version: &str,
    kind: &str,
    original: &Value,
    patch: &Value,
) -> Result<Value, StrategicMergeError> {
    let schema = lookup(api_version, kind).ok_or_else(|| StrategicMergeError::Unsupported {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
    })?;
    apply_strategic_merge_patch(original, patch, &schema)
}

/// Creates the three-way patch that brings `current` (the live object) to `modified` while
/// keeping changes made since `original`, objects of a built-in kind (Go's
/// `strategicpatch.CreateThreeWayMergePatch` with the kind's Go type, as `kubectl apply`
/// computes its patch). See
/// [`create_three_way_merge_patch`](k8s_apimachinery::strategicpatch::create_three_way_merge_patch)
/// for `overwrite` and the preconditions.
///
/// Fails with [`StrategicMergeError::Unsupported`] when the table has no such kind.
///
/// ```
/// use k8s_api::patch_meta;
/// use serde_json::json;
///
/// // Last applied: two containers; now only `web`, with a new image. Someone else added a label.
/// let original = json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}, {"name": "log"}]}});
/// let modified = json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.29"}]}});
/// let current = json!({"metadata": {"labels": {"team": "a"}},
///     "spec": {"containers": [{"name": "web", "image": "nginx:1.28"}, {"name": "log"}]}});
/// let patch = patch_meta::create_three_way_merge_patch("v1", "Pod", &original, &modified, &current, false, &[])?;
/// let applied = patch_meta::strategic_merge("v1", "Pod", &current, &patch)?;
/// assert_eq!(applied, json!({"metadata": {"labels": {"team": "a"}},
///     "spec": {"containers": [{"name": "web", "image": "nginx:1.29"}]}}));
/// # Ok::<(), k8s_apimachinery::strategicpatch::StrategicMergeError>(())
/// ```
pub fn create_three_way_merge_patch(
    api_version: &str,
    kind: &str,
    original: &Value,
    modified: &Value,
    current: &Value,
    overwrite: bool,
    preconditions: &[k8s_apimachinery::strategicpatch::Precondition],
) -> Result<Value, StrategicMergeError> {
    let schema = lookup(api_version, kind).ok_or_else(|| StrategicMergeError::Unsupported {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
    })?;
    k8s_apimachinery::strategicpatch::create_three_way_merge_patch(
        original,
        modified,
        current,
        &schema,
        overwrite,
        preconditions,
    )
}

/// Creates the strategic merge patch that turns `original` into `modified`, objects of a
/// built-in kind (Go's `strategicpatch.CreateTwoWayMergePatch` with the kind's Go type).
///
/// Fails with [`StrategicMergeError::Unsupported`] when the table has no such kind.
///
/// ```
/// use k8s_api::patch_meta;
/// use serde_json::json;
///
/// let original = json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}, {"name": "log"}]}});
/// let modified = json!({"spec": {"containers": [{"name": "web", "image": "nginx:1.29"}]}});
/// let patch = patch_meta::create_two_way_merge_patch("v1", "Pod", &original, &modified)?;
/// assert_eq!(patch, json!({"spec": {
///     "$setElementOrder/containers": [{"name": "web"}],
///     "containers": [{"name": "web", "image": "nginx:1.29"}, {"name": "log", "$patch": "delete"}]
/// }}));
/// assert_eq!(patch_meta::strategic_merge("v1", "Pod", &original, &patch)?, modified);
/// # Ok::<(), k8s_apimachinery::strategicpatch::StrategicMergeError>(())
/// ```
pub fn create_two_way_merge_patch(
    api_version: &str,
    kind: &str,
    original: &Value,
    modified: &Value,
) -> Result<Value, StrategicMergeError> {
    let schema = lookup(api_version, kind).ok_or_else(|| StrategicMergeError::Unsupported {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
    })?;
    k8s_apimachinery::strategicpatch::create_two_way_merge_patch(original, modified, &schema)
}

impl PatchSchema {
    /// What this type is.
    pub fn shape(&self) -> Shape {
        match self.node {
            Node::Scalar => Shape::Scalar,
            Node::Opaque(_) => Shape::Opaque,
            Node::List(_) => Shape::List,
            Node::Map(_) => Shape::Map,
            Node::Struct { .. } => Shape::Struct,
        }
    }

    /// The OpenAPI schema name of an object type (`io.k8s.api.core.v1.PodSpec`).
    pub fn name(&self) -> Option<&'static str> {
        match self.node {
            Node::Struct { name, .. } | Node::Opaque(name) if !name.is_empty() => Some(name),
            _ => None,
        }
    }

    /// The field with this JSON name (scalar fields included), if the type is a struct that
    /// has it.
    pub fn field(&self, json_name: &str) -> Option<FieldMeta> {
        let Node::Struct { fields, .. } = self.node else {
            return None;
        };
        let i = fields.binary_search_by(|f| f.name.cmp(json_name)).ok()?;
        Some(FieldMeta { field: &fields[i] })
    }

    /// The fields, sorted by JSON name.
    pub fn fields(&self) -> impl Iterator<Item = FieldMeta> + use<> {
        let fields: &'static [Field] = match self.node {
            Node::Struct { fields, .. } => fields,
            _ => &[],
        };
        fields.iter().map(|field| FieldMeta { field })
    }

    /// The element type of a list, the value type of a map.
    pub fn element(&self) -> Option<PatchSchema> {
        match self.node {
            Node::List(e) | Node::Map(e) => Some(PatchSchema { node: node(*e) }),
            _ => None,
        }
    }

    /// `x-kubernetes-map-type` of the type itself (`+structType=atomic` structs).
    pub fn map_type(&self) -> Option<MapType> {
        match self.node {
            Node::Struct { map_type, .. } => *map_type,
            _ => None,
        }
    }

    /// The field for a lookup: the exact JSON name, else (as Go's JSON decoder) a name equal
    /// up to ASCII case.
    fn find(&self, key: &str) -> Result<&'static Field, StrategicMergeError> {
        match self.node {
            Node::Struct { name, fields, .. } => self
                .field(key)
                .map(|f| f.field)
                .or_else(|| fields.iter().find(|f| f.name.eq_ignore_ascii_case(key)))
                .ok_or_else(|| StrategicMergeError::unknown_field(name, key)),
            Node::Opaque(name) => Err(StrategicMergeError::unknown_field(name, key)),
            _ => Err(StrategicMergeError::NotAStruct {
                kind: self.name_for_go().to_string(),
            }),
        }
    }

    /// Go's `reflect.Kind` name of the type.
    fn name_for_go(&self) -> &'static str {
        match self.node {
            Node::Struct { .. } | Node::Opaque(_) => "struct",
            Node::List(_) => "slice",
            Node::Map(_) => "map",
            Node::Scalar => "string",
        }
    }
}

/// The metadata of one field.
#[derive(Clone, Copy)]
pub struct FieldMeta {
    field: &'static Field,
}

impl std::fmt::Debug for FieldMeta {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldMeta")
            .field("json_name", &self.json_name())
            .field("schema", &self.schema())
            .field("patch_meta", &self.patch_meta())
            .field("list_type", &self.list_type())
            .field("list_map_keys", &self.list_map_keys())
            .field("map_type", &self.map_type())
            .field("in_zero_value", &self.in_zero_value())
            .finish()
    }
}

impl FieldMeta {
    /// The JSON name.
    pub fn json_name(&self) -> &'static str {
        self.field.name
    }

    /// The field's type.
    pub fn schema(&self) -> PatchSchema {
        PatchSchema {
            node: node(self.field.node),
        }
    }

    /// The element type of a list field, the value type of a map field.
    pub fn element(&self) -> Option<PatchSchema> {
        self.schema().element()
    }

    /// The strategy and merge key, as the patch algorithms take them.
    pub fn patch_meta(&self) -> PatchMeta<'static> {
        let (strategy, retain_keys) = match self.field.strategy {
            Strategy::None => (PatchStrategy::Default, false),
            Strategy::Merge => (PatchStrategy::Merge, false),
            Strategy::Replace => (PatchStrategy::Replace, false),
            Strategy::RetainKeys => (PatchStrategy::Default, true),
            Strategy::MergeRetainKeys => (PatchStrategy::Merge, true),
        };
        PatchMeta {
            strategy,
            retain_keys,
            merge_key: self.field.merge_key,
        }
    }

    /// `x-kubernetes-patch-strategy` without `retainKeys`.
    pub fn strategy(&self) -> PatchStrategy {
        self.patch_meta().strategy
    }

    /// Whether `x-kubernetes-patch-strategy` includes `retainKeys`.
    pub fn retain_keys(&self) -> bool {
        self.patch_meta().retain_keys
    }

    /// `x-kubernetes-patch-merge-key`.
    pub fn merge_key(&self) -> Option<&'static str> {
        self.field.merge_key
    }

    /// `x-kubernetes-list-type`.
    pub fn list_type(&self) -> Option<ListType> {
        self.field.list_type
    }

    /// `x-kubernetes-list-map-keys` (with [`ListType::Map`]).
    pub fn list_map_keys(&self) -> &'static [&'static str] {
        self.field.list_map_keys
    }

    /// `x-kubernetes-map-type` of the field, else of its type.
    pub fn map_type(&self) -> Option<MapType> {
        self.field.map_type.or_else(|| self.schema().map_type())
    }

    /// Whether Go's zero value of the enclosing struct, encoded as JSON, has this field: a
    /// value (non-pointer) struct, or a field whose JSON tag lacks `omitempty` (present as
    /// `null` or empty). The apiserver compares a created object against that zero value when
    /// it records the creating manager's fields, so it decides which object and list fields
    /// get a `.` member mark in `managedFields`.
    pub fn in_zero_value(&self) -> bool {
        self.field.in_zero_value
    }
}

/// Lookups as Go's `PatchMetaFromStruct` answers them for the Go type of the schema.
impl LookupPatchMeta for PatchSchema {
    fn lookup_patch_metadata_for_struct(
        &self,
        key: &str,
    ) -> Result<(Self, PatchMeta<'_>), StrategicMergeError> {
        let field = FieldMeta {
            field: self.find(key)?,
        };
        Ok((field.schema(), field.patch_meta()))
    }

    fn lookup_patch_metadata_for_slice(
        &self,
        key: &str,
    ) -> Result<(Self, PatchMeta<'_>), StrategicMergeError> {
        let field = FieldMeta {
            field: self.find(key)?,
        };
        match field.schema().node {
            Node::List(e) => match node(*e) {
                Node::List(_) => Err(StrategicMergeError::SliceOfSlices),
                elem => Ok((PatchSchema { node: elem }, field.patch_meta())),
            },
            // Go names the kind of the type holding the field.
            _ => Err(StrategicMergeError::NotASlice {
                kind: self.name_for_go().to_string(),
            }),
        }
    }

    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.name_for_go())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_sorted_and_found() {
        let all: Vec<_> = kinds().collect();
        assert!(all.len() > 90, "{}", all.len());
        assert!(all.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        for (v, k, schema) in &all {
            assert_eq!(lookup(v, k), Some(*schema), "{v} {k}");
            assert_eq!(schema.shape(), Shape::Struct, "{v} {k}");
        }
        assert_eq!(
            lookup("apps/v1", "Deployment").and_then(|s| s.name()),
            Some("io.k8s.api.apps.v1.Deployment")
        );
        assert!(lookup("apps/v1", "Pod").is_none());
        assert!(lookup("v1", "pod").is_none());
    }

    #[test]
    fn fields_carry_the_openapi_extensions() {
        let pod = lookup("v1", "Pod").unwrap();
        let meta = pod.field("metadata").unwrap().schema();
        let finalizers = meta.field("finalizers").unwrap();
        assert_eq!(finalizers.strategy(), PatchStrategy::Merge);
        assert_eq!(finalizers.merge_key(), None);
        assert_eq!(finalizers.list_type(), Some(ListType::Set));
        assert_eq!(finalizers.element().map(|e| e.shape()), Some(Shape::Scalar));
        let owners = meta.field("ownerReferences").unwrap();
        assert_eq!(owners.merge_key(), Some("uid"));
        assert_eq!(meta.field("labels").unwrap().schema().shape(), Shape::Map);
        let name = meta.field("name").unwrap();
        assert_eq!(
            name.schema().shape(),
            Shape::Scalar,
            "scalar fields are listed"
        );
        assert!(meta.field("nosuch").is_none());

        let spec = pod.field("spec").unwrap().schema();
        let volumes = spec.field("volumes").unwrap();
        assert_eq!(
            (volumes.strategy(), volumes.retain_keys()),
            (PatchStrategy::Merge, true)
        );
        let tolerations = spec.field("tolerations").unwrap();
        assert_eq!(tolerations.strategy(), PatchStrategy::Default);
        assert_eq!(tolerations.list_type(), Some(ListType::Atomic));
        assert_eq!(
            spec.field("nodeSelector").unwrap().map_type(),
            Some(MapType::Atomic)
        );

        let deployment = lookup("apps/v1", "Deployment").unwrap();
        let strategy = deployment
            .field("spec")
            .unwrap()
            .schema()
            .field("strategy")
            .unwrap();
        assert_eq!(
            (strategy.strategy(), strategy.retain_keys()),
            (PatchStrategy::Default, true)
        );
        let pdb = lookup("policy/v1", "PodDisruptionBudget").unwrap();
        let selector = pdb
            .field("spec")
            .unwrap()
            .schema()
            .field("selector")
            .unwrap();
        assert_eq!(selector.strategy(), PatchStrategy::Replace);
        assert_eq!(
            selector.schema().name(),
            Some("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector")
        );

        let svc = lookup("v1", "Service").unwrap();
        let ports = svc.field("spec").unwrap().schema().field("ports").unwrap();
        assert_eq!(ports.merge_key(), Some("port"));
        assert_eq!(ports.list_map_keys(), &["port", "protocol"]);
    }

    #[test]
    fn lookups_answer_like_gos_struct_lookups() {
        let pod = lookup("v1", "Pod").unwrap();
        let (spec, meta) = pod.lookup_patch_metadata_for_struct("spec").unwrap();
        assert_eq!(meta, PatchMeta::default());
        let (container, meta) = spec.lookup_patch_metadata_for_slice("containers").unwrap();
        assert_eq!(meta.merge_key, Some("name"));
        assert_eq!(container.name(), Some("io.k8s.api.core.v1.Container"));
        // Go's JSON field matching falls back to case-insensitive names.
        assert!(pod.lookup_patch_metadata_for_struct("Spec").is_ok());
        assert_eq!(
            spec.lookup_patch_metadata_for_struct("bogus")
                .unwrap_err()
                .to_string(),
            "unable to find api field in struct PodSpec for the json field \"bogus\""
        );
        assert_eq!(
            pod.lookup_patch_metadata_for_slice("spec")
                .unwrap_err()
                .to_string(),
            "expected slice or array type, but got: struct"
        );
        let (labels, _) = pod
            .lookup_patch_metadata_for_struct("metadata")
            .unwrap()
            .0
            .lookup_patch_metadata_for_struct("labels")
            .unwrap();
        assert_eq!(
            labels
                .lookup_patch_metadata_for_struct("a")
                .unwrap_err()
                .to_string(),
            "merging an object in json but data type is not struct, instead is: map"
        );
    }

    #[test]
    fn every_index_is_in_range() {
        let n = NODES.len();
        for node in NODES.iter() {
            match node {
                Node::List(e) | Node::Map(e) => assert!(usize::from(*e) < n),
                Node::Struct { fields, .. } => {
                    assert!(fields.windows(2).all(|w| w[0].name < w[1].name));
                    for f in *fields {
                        assert!(usize::from(f.node) < n, "{}", f.name);
                    }
                }
                Node::Scalar | Node::Opaque(_) => {}
            }
        }
        for (_, _, i) in KINDS.iter() {
            assert!(usize::from(*i) < n);
        }
    }
}
