//! Three-way patches: Go's `CreateThreeWayMergePatch` (what `kubectl apply` sends without
//! server-side apply) and `MergingMapsHaveConflicts`.

use serde_json::{Map, Value};

use super::apply::{MergeOptions, merge_map};
use super::diff::{DiffOptions, diff_maps, sort_scalars};
use super::golang::{GoType, deep_equal, format_s, format_v};
use super::order::{deduplicate_scalars, slice_element_type};
use super::{
    DIRECTIVE_MARKER, LookupPatchMeta, PatchStrategy, RETAIN_KEYS_DIRECTIVE, StrategicMergeError,
};

type Result<T> = std::result::Result<T, StrategicMergeError>;

/// A condition the patch of [`create_three_way_merge_patch`] must meet (Go's
/// `mergepatch.PreconditionFunc`s that kubectl passes).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Precondition {
    /// The patch does not set this top-level key (`RequireKeyUnchanged("apiVersion")`).
    KeyUnchanged(String),
    /// The patch does not set this key of `metadata` (`RequireMetadataKeyUnchanged("name")`).
    MetadataKeyUnchanged(String),
}

impl Precondition {
    pub(crate) fn holds_for(&self, patch: &Map<String, Value>) -> bool {
        match self {
            Precondition::KeyUnchanged(k) => !patch.contains_key(k),
            Precondition::MetadataKeyUnchanged(k) => match patch.get("metadata") {
                None => true,
                Some(Value::Object(m)) => !m.contains_key(k),
                // Go's check fails when metadata is not an object.
                Some(_) => false,
            },
        }
    }
}

/// Creates the patch that brings `current` (the live object) to `modified` (the new
/// configuration) while keeping changes others made since `original` (the configuration last
/// applied): Go's `CreateThreeWayMergePatch`, as `kubectl apply` computes it client-side.
///
/// The patch holds the additions and changes from `current` to `modified` and the deletions
/// from `original` to `modified` (a field that is in `current` but was never in `original`
/// stays). Without `overwrite`, a field the patch changes that was also changed from
/// `original` to `current` in another way is a [`StrategicMergeError::Conflict`]. Each
/// [`Precondition`] must hold for the patch, else [`StrategicMergeError::PreconditionFailed`].
/// Each document must be a JSON object (or `null`, read as `{}`).
///
/// ```
/// # use k8s_apimachinery::strategicpatch::{LookupPatchMeta, PatchMeta, StrategicMergeError};
/// use k8s_apimachinery::strategicpatch::create_three_way_merge_patch;
/// use serde_json::json;
/// # #[derive(Clone, Copy)]
/// # struct Any;
/// # impl LookupPatchMeta for Any {
/// #     fn lookup_patch_metadata_for_struct(&self, _: &str) -> Result<(Self, PatchMeta<'_>), StrategicMergeError> { Ok((Any, PatchMeta::default())) }
/// #     fn lookup_patch_metadata_for_slice(&self, _: &str) -> Result<(Self, PatchMeta<'_>), StrategicMergeError> { Ok((Any, PatchMeta::default())) }
/// #     fn name(&self) -> std::borrow::Cow<'_, str> { "struct".into() }
/// # }
///
/// let original = json!({"data": {"a": "1", "b": "2"}});          // last applied
/// let modified = json!({"data": {"a": "9"}});                     // the new configuration
/// let current = json!({"data": {"a": "1", "b": "2", "c": "3"}});  // c was added by someone else
/// let patch = create_three_way_merge_patch(&original, &modified, &current, &Any, false, &[])?;
/// assert_eq!(patch, json!({"data": {"a": "9", "b": null}}));      // c is left alone
/// # Ok::<(), StrategicMergeError>(())
/// ```
pub fn create_three_way_merge_patch<S: LookupPatchMeta>(
    original: &Value,
    modified: &Value,
    current: &Value,
    schema: &S,
    overwrite: bool,
    preconditions: &[Precondition],
) -> std::result::Result<Value, StrategicMergeError> {
    let document = |v: &Value| -> Result<Map<String, Value>> {
        match v {
            Value::Object(m) => Ok(m.clone()),
            Value::Null => Ok(Map::new()),
            _ => Err(StrategicMergeError::InvalidJsonDocument),
        }
    };
    let original = document(original)?;
    let modified = document(modified)?;
    let current = document(current)?;

    let delta = diff_maps(
        &current,
        &modified,
        schema,
        DiffOptions {
            ignore_deletions: true,
            set_element_order: true,
            ..DiffOptions::default()
        },
    )?;
    let deletions = diff_maps(
        &original,
        &modified,
        schema,
        DiffOptions {
            set_element_order: true,
            ignore_changes_and_additions: true,
            ..DiffOptions::default()
        },
    )?;
    let patch = merge_map(
        deletions,
        delta,
        schema,
        MergeOptions {
            merge_parallel_list: false,
            ignore_unmatched_nulls: false,
        },
    )?;
    if preconditions.iter().any(|p| !p.holds_for(&patch)) {
        return Err(StrategicMergeError::PreconditionFailed {
            patch: format_v(&Value::Object(patch)),
        });
    }
    if !overwrite {
        let changed = diff_maps(&original, &current, schema, DiffOptions::default())?;
        if merging_maps_have_conflicts(&patch, &changed, schema)? {
            return Err(StrategicMergeError::Conflict {
                patch: to_yaml(&patch),
                changed: to_yaml(&changed),
            });
        }
    }
    Ok(Value::Object(patch))
}

/// The patch maps of a conflict message. Go prints them as YAML (`mergepatch.ToYAMLOrError`);
/// indented JSON, which YAML parsers read as well, keeps this crate free of a YAML encoder.
fn to_yaml(m: &Map<String, Value>) -> String {
    serde_json::to_string_pretty(m).unwrap_or_default()
}

/// Whether two patches change some field in different ways (Go's
/// `MergingMapsHaveConflicts`): merging them would depend on their order.
pub fn merging_maps_have_conflicts<S: LookupPatchMeta>(
    left: &Map<String, Value>,
    right: &Map<String, Value>,
    schema: &S,
) -> std::result::Result<bool, StrategicMergeError> {
    maps_have_conflicts_with_markers(left, right, schema, PatchStrategy::Default)
}

fn fields_have_conflicts<S: LookupPatchMeta>(
    left: &Value,
    right: &Value,
    schema: Option<&S>,
    strategy: PatchStrategy,
    merge_key: Option<&str>,
) -> Result<bool> {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => match schema {
            Some(s) => maps_have_conflicts_with_markers(l, r, s, strategy),
            // Go looks fields up on a nil schema here only when a scalar's key holds an
            // object on one side; that is a difference of types, hence a conflict.
            None => Ok(true),
        },
        (Value::Object(_), _) => Ok(true),
        (Value::Array(l), Value::Array(r)) => {
            slices_have_conflicts(l, r, schema, strategy, merge_key)
        }
        (Value::Array(_), _) => Ok(true),
        (l, r) => Ok(!deep_equal(l, r)),
    }
}

fn maps_have_conflicts_with_markers<S: LookupPatchMeta>(
    left: &Map<String, Value>,
    right: &Map<String, Value>,
    schema: &S,
    strategy: PatchStrategy,
) -> Result<bool> {
    let l = left.get(DIRECTIVE_MARKER);
    let r = right.get(DIRECTIVE_MARKER);
    if l.is_some() || r.is_some() {
        // One deletes or replaces the whole map and the other changes keys, or they do
        // different things to it.
        if l.is_some() != r.is_some() || l != r {
            return Ok(true);
        }
    }
    if strategy == PatchStrategy::Replace {
        return Ok(false);
    }
    for (key, lv) in left {
        if key == DIRECTIVE_MARKER || key == RETAIN_KEYS_DIRECTIVE {
            continue;
        }
        let Some(rv) = right.get(key) else {
            continue;
        };
        let conflict = match lv {
            Value::Array(_) => {
                let (sub, meta) = schema.lookup_patch_metadata_for_slice(key)?;
                let merge_key = meta.merge_key.map(str::to_string);
                fields_have_conflicts(lv, rv, Some(&sub), meta.strategy, merge_key.as_deref())?
            }
            Value::Object(_) => {
                let (sub, meta) = schema.lookup_patch_metadata_for_struct(key)?;
                let merge_key = meta.merge_key.map(str::to_string);
                fields_have_conflicts(lv, rv, Some(&sub), meta.strategy, merge_key.as_deref())?
            }
            _ => fields_have_conflicts::<S>(lv, rv, None, PatchStrategy::Default, None)?,
        };
        if conflict {
            return Ok(true);
        }
    }
    Ok(false)
}

fn slices_have_conflicts<S: LookupPatchMeta>(
    left: &[Value],
    right: &[Value],
    schema: Option<&S>,
    strategy: PatchStrategy,
    merge_key: Option<&str>,
) -> Result<bool> {
    let element = slice_element_type(&[left, right])?;
    if strategy == PatchStrategy::Merge {
        // Merged lists of scalars never conflict; merged lists of objects conflict where
        // elements with the same key do.
        if element != GoType::Map {
            return Ok(false);
        }
        let key = merge_key.unwrap_or("");
        let l = by_merge_key(left, key)?;
        let r = by_merge_key(right, key)?;
        for (k, lv) in &l {
            if let Some((_, rv)) = r.iter().find(|(rk, _)| rk == k)
                && fields_have_conflicts(lv, rv, schema, PatchStrategy::Default, None)?
            {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if left.len() != right.len() {
        return Ok(true);
    }
    let (mut left, mut right) = (left.to_vec(), right.to_vec());
    if element != GoType::Map {
        left = deduplicate_scalars(left)?;
        sort_scalars(&mut left);
        right = deduplicate_scalars(right)?;
        sort_scalars(&mut right);
    }
    for (l, r) in left.iter().zip(&right) {
        if fields_have_conflicts(l, r, schema, PatchStrategy::Default, None)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Go's `sliceOfMapsToMapOfMaps`: each element under the `%s` text of its merge key.
fn by_merge_key<'a>(list: &'a [Value], key: &str) -> Result<Vec<(String, &'a Value)>> {
    let whole = || Value::Array(list.to_vec());
    list.iter()
        .map(|v| {
            let Value::Object(m) = v else {
                return Err(StrategicMergeError::InvalidMergingList {
                    list: format_v(&whole()),
                });
            };
            let Some(k) = m.get(key) else {
                return Err(StrategicMergeError::NoMergeKeyInMergingList {
                    key: key.to_string(),
                    element: format_v(v),
                });
            };
            Ok((format_s(k), v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use serde_json::json;

    use super::*;
    use crate::strategicpatch::PatchMeta;

    /// Objects merge by field; `items` is a list merged by `name`, `tags` a set.
    #[derive(Clone, Copy)]
    struct Schema;

    impl LookupPatchMeta for Schema {
        fn lookup_patch_metadata_for_struct(&self, _: &str) -> Result<(Self, PatchMeta<'_>)> {
            Ok((Schema, PatchMeta::default()))
        }
        fn lookup_patch_metadata_for_slice(&self, key: &str) -> Result<(Self, PatchMeta<'_>)> {
            let meta = match key {
                "items" => PatchMeta {
                    strategy: PatchStrategy::Merge,
                    retain_keys: false,
                    merge_key: Some("name"),
                },
                "tags" => PatchMeta {
                    strategy: PatchStrategy::Merge,
                    ..PatchMeta::default()
                },
                _ => PatchMeta::default(),
            };
            Ok((Schema, meta))
        }
        fn name(&self) -> Cow<'_, str> {
            "struct".into()
        }
    }

    #[test]
    fn others_changes_conflict_unless_overwritten() {
        let original = json!({"spec": {"replicas": 1, "image": "a"}});
        let modified = json!({"spec": {"replicas": 2, "image": "a"}});
        let current = json!({"spec": {"replicas": 5, "image": "a"}});
        let err = create_three_way_merge_patch(&original, &modified, &current, &Schema, false, &[])
            .unwrap_err();
        assert!(matches!(err, StrategicMergeError::Conflict { .. }), "{err}");
        assert!(err.to_string().starts_with("patch:\n"), "{err}");
        let patch =
            create_three_way_merge_patch(&original, &modified, &current, &Schema, true, &[])
                .unwrap();
        assert_eq!(patch, json!({"spec": {"replicas": 2}}));
        // The same change on both sides is no conflict.
        let same = json!({"spec": {"replicas": 2, "image": "a"}});
        let patch =
            create_three_way_merge_patch(&original, &modified, &same, &Schema, false, &[]).unwrap();
        assert_eq!(patch, json!({}));
    }

    #[test]
    fn merged_lists_conflict_only_on_the_same_element() {
        // Others added element b and tag z; we change element a and add tag y.
        let original = json!({"items": [{"name": "a", "v": 1}], "tags": ["x"]});
        let modified = json!({"items": [{"name": "a", "v": 2}], "tags": ["x", "y"]});
        let current =
            json!({"items": [{"name": "a", "v": 1}, {"name": "b", "v": 9}], "tags": ["x", "z"]});
        let patch =
            create_three_way_merge_patch(&original, &modified, &current, &Schema, false, &[])
                .unwrap();
        assert_eq!(patch["items"], json!([{"name": "a", "v": 2}]), "{patch}");
        assert_eq!(patch["tags"], json!(["y"]), "{patch}");
        // Others changed element a too: a conflict.
        let clash = json!({"items": [{"name": "a", "v": 7}], "tags": ["x"]});
        let err = create_three_way_merge_patch(&original, &modified, &clash, &Schema, false, &[])
            .unwrap_err();
        assert!(matches!(err, StrategicMergeError::Conflict { .. }), "{err}");
    }

    #[test]
    fn preconditions_refuse_a_patch_that_changes_the_key() {
        let original = json!({"kind": "A", "metadata": {"name": "x"}});
        let modified = json!({"kind": "B", "metadata": {"name": "y"}});
        let kind = [Precondition::KeyUnchanged("kind".into())];
        let err =
            create_three_way_merge_patch(&original, &modified, &original, &Schema, true, &kind)
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "precondition failed for: map[kind:B metadata:map[name:y]]"
        );
        let name = [Precondition::MetadataKeyUnchanged("name".into())];
        assert!(
            create_three_way_merge_patch(&original, &modified, &original, &Schema, true, &name)
                .is_err()
        );
        let label = [Precondition::MetadataKeyUnchanged("labels".into())];
        assert!(
            create_three_way_merge_patch(&original, &modified, &original, &Schema, true, &label)
                .is_ok()
        );
    }
}
