//! Strategic merge patch, as `k8s.io/apimachinery/pkg/util/strategicpatch` applies and
//! creates it.
//!
//! A strategic merge patch is a JSON merge patch (RFC 7386: objects merge key by key, `null`
//! deletes) that knows the schema of the object it patches. The schema says, per field:
//!
//! - the **patch strategy** (Go's `patchStrategy` struct tag, the OpenAPI extension
//!   `x-kubernetes-patch-strategy`): `merge` makes a list merge instead of being replaced —
//!   lists of objects by a **merge key** (`patchMergeKey`, `x-kubernetes-patch-merge-key`: a
//!   container's `name`, a port's `containerPort`), lists of scalars as sets (`finalizers`);
//!   `replace` makes an object be replaced instead of merged; `retainKeys` (alone or with
//!   `merge`) goes with the `$retainKeys` directive below;
//! - nothing, for every other field: objects merge, lists are replaced.
//!
//! The patch can carry **directives**:
//!
//! | directive | where | effect |
//! |---|---|---|
//! | `"$patch": "replace"` | in an object | the object replaces the original one |
//! | `"$patch": "delete"` | in an object | the object is deleted (becomes `{}`) |
//! | `"$patch": "delete"` | in an element of a merged list, with the merge key | that element goes |
//! | `"$patch": "replace"` | as an element of a merged list | the list is replaced by the other elements |
//! | `"$deleteFromPrimitiveList/<field>": [..]` | beside a merged list of scalars | those values go |
//! | `"$setElementOrder/<field>": [..]` | beside a merged list | the order of the result |
//! | `"$retainKeys": [..]` | in an object | keys not listed are cleared from the original |
//!
//! [`apply_strategic_merge_patch`] applies a patch (what the apiserver does with a PATCH);
//! [`create_two_way_merge_patch`] creates the patch from an original and a modified object
//! (what kubectl and controllers send).
//!
//! The schema comes through the [`LookupPatchMeta`] trait, Go's interface of the same name:
//! k8s-api implements it for the metadata generated from the Kubernetes OpenAPI documents
//! (`k8s_api::patch_meta`), so this crate does not depend on any generated type. A custom
//! resource has no such metadata: the apiserver refuses strategic merge patches on custom
//! resources (415), and so should a caller that has no schema.
//!
//! ```
//! use k8s_apimachinery::strategicpatch::{
//!     LookupPatchMeta, PatchMeta, PatchStrategy, StrategicMergeError, apply_strategic_merge_patch,
//! };
//! use serde_json::json;
//!
//! /// A two-level schema: an object whose `items` merge by `name`.
//! #[derive(Clone, Copy)]
//! enum Schema { Root, Item }
//!
//! impl LookupPatchMeta for Schema {
//!     fn lookup_patch_metadata_for_struct(&self, key: &str)
//!         -> Result<(Self, PatchMeta<'_>), StrategicMergeError> {
//!         Err(StrategicMergeError::unknown_field(self.name(), key))
//!     }
//!     fn lookup_patch_metadata_for_slice(&self, key: &str)
//!         -> Result<(Self, PatchMeta<'_>), StrategicMergeError> {
//!         match (self, key) {
//!             (Schema::Root, "items") => Ok((Schema::Item, PatchMeta {
//!                 strategy: PatchStrategy::Merge,
//!                 retain_keys: false,
//!                 merge_key: Some("name"),
//!             })),
//!             _ => Err(StrategicMergeError::unknown_field(self.name(), key)),
//!         }
//!     }
//!     fn name(&self) -> std::borrow::Cow<'_, str> {
//!         match self { Schema::Root => "Root".into(), Schema::Item => "Item".into() }
//!     }
//! }
//!
//! let original = json!({"items": [{"name": "a", "v": 1}, {"name": "b", "v": 2}]});
//! let patch = json!({"items": [{"name": "b", "v": 3}, {"name": "a", "$patch": "delete"}]});
//! let patched = apply_strategic_merge_patch(&original, &patch, &Schema::Root)?;
//! assert_eq!(patched, json!({"items": [{"name": "b", "v": 3}]}));
//!
//! let bad = json!({"items": [{"v": 4}]});
//! let err = apply_strategic_merge_patch(&original, &bad, &Schema::Root).unwrap_err();
//! assert_eq!(err.to_string(), "map: map[v:4] does not contain declared merge key: name");
//! # Ok::<(), StrategicMergeError>(())
//! ```
//!
//! ## Fidelity
//!
//! The algorithm follows Go's `StrategicMergePatch` step by step, including its ordering rules
//! (`$setElementOrder`, then the patch's order, then the original's; Go's `sort.SliceStable`),
//! its quirks (a new list element keeps the `null`s it carries; a list without `merge`
//! strategy is taken from the patch as it is; `$patch: replace` keeps the other directives of
//! the object) and even the effect of Go's in-place slice edits on the order of a
//! `$setElementOrder` list. It is tested against Go's own implementation on a seeded corpus
//! (k8s-api's `strategicpatch_go` test), results and error texts. Where it differs:
//!
//! - Go's result may depend on its random map iteration order (a list and its
//!   `$deleteFromPrimitiveList` with values in common): keys are processed in sorted order
//!   here, which gives one of Go's results.
//! - Where Go panics (a list element that is `null`, a merge key whose value is an object), the
//!   function returns [`StrategicMergeError::NullListElement`] or
//!   [`StrategicMergeError::Uncomparable`].
//! - Numbers compare as `float64`s, as `StrategicMergePatch` decodes them (`80` equals
//!   `80.0`). The apiserver decodes integers as `int64`, for which `80` and `80.0` differ.
//! - Merging a list of scalars into an original with duplicate values: Go may reorder the
//!   original's memory while deduplicating, depending on the slice's spare capacity; this
//!   follows the apiserver's case (objects converted to maps have none: no effect).

mod apply;
mod diff;
mod error;
mod golang;
mod order;
#[cfg(test)]
mod tests;
mod three_way;

use std::borrow::Cow;

pub use apply::apply_strategic_merge_patch;
pub use diff::create_two_way_merge_patch;
pub use error::StrategicMergeError;
pub use three_way::{Precondition, create_three_way_merge_patch, merging_maps_have_conflicts};

/// The key of the `$patch` directive.
pub const DIRECTIVE_MARKER: &str = "$patch";
/// `$patch: delete`.
pub const DELETE_DIRECTIVE: &str = "delete";
/// `$patch: replace`.
pub const REPLACE_DIRECTIVE: &str = "replace";
/// `$patch: merge`.
pub const MERGE_DIRECTIVE: &str = "merge";
/// The key of the `$retainKeys` directive.
pub const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
/// The prefix of `$deleteFromPrimitiveList/<field>`.
pub const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList";
/// The prefix of `$setElementOrder/<field>`.
pub const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder";

/// The patch strategy of a field, without `retainKeys` (see [`PatchMeta::retain_keys`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PatchStrategy {
    /// No strategy: objects merge, lists are replaced.
    #[default]
    Default,
    /// `merge`: a list merges (by merge key, or as a set of scalars).
    Merge,
    /// `replace`: an object is replaced, not merged.
    Replace,
}

/// The patch metadata of one field (Go's `strategicpatch.PatchMeta`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PatchMeta<'a> {
    /// `merge`, `replace` or neither.
    pub strategy: PatchStrategy,
    /// The strategy includes `retainKeys` (`retainKeys`, `merge,retainKeys`): a patch built for
    /// this field carries a `$retainKeys` list.
    pub retain_keys: bool,
    /// The merge key of a merged list of objects.
    pub merge_key: Option<&'a str>,
}

impl<'a> PatchMeta<'a> {
    /// Parses a `patchStrategy` tag / `x-kubernetes-patch-strategy` value (`""`, `merge`,
    /// `replace`, `retainKeys`, `merge,retainKeys`), as Go's `extractRetainKeysPatchStrategy`.
    ///
    /// ```
    /// use k8s_apimachinery::strategicpatch::{PatchMeta, PatchStrategy};
    ///
    /// let meta = PatchMeta::parse("merge,retainKeys", Some("name"))?;
    /// assert_eq!((meta.strategy, meta.retain_keys), (PatchStrategy::Merge, true));
    /// assert!(PatchMeta::parse("merge,replace", None).is_err());
    /// # Ok::<(), k8s_apimachinery::strategicpatch::StrategicMergeError>(())
    /// ```
    pub fn parse(strategy: &str, merge_key: Option<&'a str>) -> Result<Self, StrategicMergeError> {
        let one = |s: &str| match s {
            "" => Some(PatchStrategy::Default),
            "merge" => Some(PatchStrategy::Merge),
            "replace" => Some(PatchStrategy::Replace),
            _ => None,
        };
        let bad = || StrategicMergeError::UnexpectedPatchStrategy {
            strategy: strategy.to_string(),
        };
        let parts: Vec<&str> = strategy.split(',').collect();
        let (strategy, retain_keys) = match parts.as_slice() {
            ["retainKeys"] => (PatchStrategy::Default, true),
            [s] => (one(s).ok_or_else(bad)?, false),
            ["retainKeys", s] | [s, "retainKeys"] => (one(s).ok_or_else(bad)?, true),
            _ => return Err(bad()),
        };
        Ok(PatchMeta {
            strategy,
            retain_keys,
            merge_key: merge_key.filter(|k| !k.is_empty()),
        })
    }
}

/// Finds the patch metadata of fields (Go's `strategicpatch.LookupPatchMeta`).
///
/// A value of the implementing type stands for one type of the schema (Go: a `reflect.Type`);
/// the lookups return the metadata of one of its fields and the type to continue with.
pub trait LookupPatchMeta: Sized {
    /// The field `key` of this type, for merging two objects: the field's type and metadata.
    /// Go's `LookupPatchMetadataForStruct`; fails when this type is not a struct or has no
    /// such field ([`StrategicMergeError::unknown_field`], [`StrategicMergeError::NotAStruct`]).
    fn lookup_patch_metadata_for_struct(
        &self,
        key: &str,
    ) -> Result<(Self, PatchMeta<'_>), StrategicMergeError>;

    /// The field `key` of this type, for merging two lists: the type of the list's **elements**
    /// and the field's metadata. Go's `LookupPatchMetadataForSlice`; fails also when the field
    /// is not a list ([`StrategicMergeError::NotASlice`]).
    fn lookup_patch_metadata_for_slice(
        &self,
        key: &str,
    ) -> Result<(Self, PatchMeta<'_>), StrategicMergeError>;

    /// A name of this type for messages (Go's `Name()`: the kind, such as `struct`).
    fn name(&self) -> Cow<'_, str>;
}
