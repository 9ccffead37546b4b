//! The errors of strategic merge patching, worded as Go's `strategicpatch`/`mergepatch` errors
//! (the apiserver relays those texts to clients).

/// Why a strategic merge patch could not be applied.
///
/// The messages are Go's (`mergepatch.ErrBadJSONDoc` is "invalid JSON document",
/// `ErrNoMergeKey` is "map: map[…] does not contain declared merge key: name", …), with values
/// printed as Go's `%v` prints them. [`status_code`](Self::status_code) gives the HTTP status
/// the apiserver answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StrategicMergeError {
    /// The original or the patch is not a JSON object (Go: `mergepatch.ErrBadJSONDoc`).
    #[error("invalid JSON document")]
    InvalidJsonDocument,
    /// A list of lists (Go: `mergepatch.ErrNoListOfLists`).
    #[error("lists of lists are not supported")]
    NoListOfLists,
    /// A malformed `$deleteFromPrimitiveList` key (Go:
    /// `mergepatch.ErrBadPatchFormatForPrimitiveList`).
    #[error("invalid patch format of primitive list")]
    BadPatchFormatForPrimitiveList,
    /// `$retainKeys` is not a list, or the patch sets a key it does not list (Go:
    /// `mergepatch.ErrBadPatchFormatForRetainKeys`).
    #[error("invalid patch format of retainKeys")]
    BadPatchFormatForRetainKeys,
    /// A malformed `$setElementOrder` key (Go: `mergepatch.ErrBadPatchFormatForSetElementOrderList`).
    #[error("invalid patch format of setElementOrder list")]
    BadPatchFormatForSetElementOrderList,
    /// No patch metadata for the kind: a custom resource, or a kind the table does not know
    /// (Go: `mergepatch.ErrUnsupportedStrategicMergePatchFormat`).
    #[error("strategic merge patch format is not supported")]
    Unsupported {
        /// The `apiVersion` asked for.
        api_version: String,
        /// The kind asked for.
        kind: String,
    },
    /// `$patch` has a value other than `replace`/`delete` (in an object) or
    /// `replace`/`delete`/`merge` (in a list element) (Go: `mergepatch.ErrBadPatchType`).
    #[error("unknown patch type: {patch_type} in map: {map}")]
    UnknownPatchType {
        /// The value of `$patch`, as Go's `%s` prints it.
        patch_type: String,
        /// The object holding it, as Go's `%v` prints it.
        map: String,
    },
    /// An element of a list that merges by a key lacks the key (Go: `mergepatch.ErrNoMergeKey`).
    #[error("map: {map} does not contain declared merge key: {merge_key}")]
    NoMergeKey {
        /// The element, as Go's `%v` prints it.
        map: String,
        /// The merge key.
        merge_key: String,
    },
    /// A value of the wrong JSON type (Go: `mergepatch.ErrBadArgType`).
    #[error("expected a {expected}, but received a {actual}")]
    BadArgType {
        /// The Go type expected (`map[string]interface {}`, `[]interface {}`).
        expected: &'static str,
        /// The Go type found.
        actual: &'static str,
    },
    /// The patch list's order contradicts its `$setElementOrder` list, or lists an element the
    /// order list does not.
    #[error(
        "The order in patch list:\n{patch_list}\n doesn't match $setElementOrder list:\n{order_list}\n"
    )]
    SetElementOrderMismatch {
        /// The patch list, as Go's `%v` prints it.
        patch_list: String,
        /// The `$setElementOrder` list, as Go's `%v` prints it.
        order_list: String,
    },
    /// The elements of the lists to merge are of different JSON types.
    #[error("list element types are not identical: {lists}")]
    ListElementTypesDiffer {
        /// The lists, as Go's `%v` prints them.
        lists: String,
    },
    /// `$setElementOrder` of a list that is empty on both sides.
    #[error("no elements in any of the given slices")]
    NoElements,
    /// A list of objects with the `merge` strategy but no merge key.
    #[error("cannot merge lists without merge key for {type_name}")]
    NoMergeKeyForList {
        /// The element type (Go: its kind, such as `struct`).
        type_name: String,
    },
    /// `$patch: merge` as an element of a list.
    #[error("merging lists cannot yet be specified in the patch")]
    MergeDirectiveInList,
    /// An element of a list of objects is not an object.
    #[error("value for key {index} is not a map")]
    NotAMap {
        /// Its index.
        index: usize,
    },
    /// A patch strategy that is not one of `merge`, `replace`, `retainKeys` and
    /// `merge,retainKeys`.
    #[error("unexpected patch strategy: {strategy}")]
    UnexpectedPatchStrategy {
        /// The strategy text.
        strategy: String,
    },
    /// The schema has no such field (Go: the forked `encoding/json` lookup).
    #[error("unable to find api field in struct {type_name} for the json field {field:?}")]
    UnknownField {
        /// The type that was searched (`PodSpec`).
        type_name: String,
        /// The JSON field name.
        field: String,
    },
    /// Both sides hold an object where the schema has no struct (a map's value, a list).
    #[error("merging an object in json but data type is not struct, instead is: {kind}")]
    NotAStruct {
        /// What the schema has there (Go's kind name: `map`, `slice`, `string`).
        kind: String,
    },
    /// Both sides hold a list (or `$setElementOrder` names a field) where the schema has none.
    #[error("expected slice or array type, but got: {kind}")]
    NotASlice {
        /// The kind of the type holding the field (Go prints the parent's kind, `struct`).
        kind: String,
    },
    /// `$patch` in an object being diffed is not a string on both sides.
    #[error("invalid value for special key: $patch")]
    InvalidSpecialKey,
    /// A list of lists in the schema.
    #[error("unexpected slice of slice")]
    SliceOfSlices,
    /// Two `$retainKeys` lists that differ while merging two patches (three-way patches).
    #[error(
        "{left} and {right} are not deep equal: this may happen when calculating the 3-way diff patch"
    )]
    RetainKeysMismatch {
        /// One list, as Go's `%v` prints it.
        left: String,
        /// The other.
        right: String,
    },
    /// Two objects or two lists had to be compared for equality (a merge key whose value is an
    /// object or a list; a set element that is one). Go's implementation panics here.
    #[error("cannot compare values of type {type_name} (Go's strategicpatch panics on this input)")]
    Uncomparable {
        /// `map[string]interface {}` or `[]interface {}`.
        type_name: &'static str,
    },
    /// Without `overwrite`, a three-way patch changes a field that was changed differently
    /// since the original (Go: `mergepatch.ErrConflict`).
    #[error("patch:\n{patch}\nconflicts with changes made from original to current:\n{changed}\n")]
    Conflict {
        /// The patch (indented JSON; Go prints YAML).
        patch: String,
        /// The changes from the original to the current object (indented JSON).
        changed: String,
    },
    /// A three-way patch fails one of its preconditions (Go:
    /// `mergepatch.ErrPreconditionFailed`).
    #[error("precondition failed for: {patch}")]
    PreconditionFailed {
        /// The patch, as Go's `%v` prints it.
        patch: String,
    },
    /// An element of a merged list that is not an object, found while looking for conflicts.
    #[error("invalid element type in merging list:{list}")]
    InvalidMergingList {
        /// The list, as Go's `%v` prints it.
        list: String,
    },
    /// An element of a merged list without its merge key, found while looking for conflicts.
    #[error("cannot find merge key `{key}` in merging list element:{element}")]
    NoMergeKeyInMergingList {
        /// The merge key.
        key: String,
        /// The element, as Go's `%v` prints it.
        element: String,
    },
    /// A list element is `null` where the element type is needed. Go's implementation panics
    /// here.
    #[error("a list element is null (Go's strategicpatch panics on this input)")]
    NullListElement,
}

impl StrategicMergeError {
    /// [`UnknownField`](Self::UnknownField) for a field of a type (a full schema name such as
    /// `io.k8s.api.core.v1.PodSpec` is shortened to `PodSpec`, as Go names the struct).
    pub fn unknown_field(type_name: impl AsRef<str>, field: &str) -> Self {
        let name = type_name.as_ref();
        let short = name.rsplit('.').next().unwrap_or(name);
        StrategicMergeError::UnknownField {
            type_name: short.to_string(),
            field: field.to_string(),
        }
    }

    /// The HTTP status the apiserver answers a PATCH with when applying the patch fails this
    /// way (its `interpretStrategicMergePatchError`): 400 for a malformed document or
    /// directive list, 422 for lists of lists, 415 when there is no metadata (custom resources,
    /// answered before patching), 500 for everything else (the apiserver relays the message as
    /// an internal error).
    pub fn status_code(&self) -> u16 {
        match self {
            StrategicMergeError::InvalidJsonDocument
            | StrategicMergeError::BadPatchFormatForPrimitiveList
            | StrategicMergeError::BadPatchFormatForRetainKeys
            | StrategicMergeError::BadPatchFormatForSetElementOrderList => 400,
            StrategicMergeError::Unsupported { .. } => 415,
            StrategicMergeError::NoListOfLists => 422,
            _ => 500,
        }
    }
}
