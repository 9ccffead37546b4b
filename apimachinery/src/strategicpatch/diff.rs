//! Creating a patch: Go's `CreateTwoWayMergePatch` (`diffMaps`, `diffLists`).

use serde_json::{Map, Value};

use super::golang::{GoType, MAP_TYPE, bad_arg_type, deep_equal, format_v, go_type};
use super::order::{
    deduplicate_scalars, no_merge_key, normalize_slice_order, slice_element_type, stable_sort,
};
use super::{
    DELETE_DIRECTIVE, DELETE_FROM_PRIMITIVE_LIST_PREFIX, DIRECTIVE_MARKER, LookupPatchMeta,
    PatchStrategy, RETAIN_KEYS_DIRECTIVE, SET_ELEMENT_ORDER_PREFIX, StrategicMergeError,
};

type Result<T> = std::result::Result<T, StrategicMergeError>;

/// What a diff puts in the patch (Go's `DiffOptions`); three-way patches combine diffs made
/// with different options.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DiffOptions {
    /// Add `$setElementOrder` lists.
    pub set_element_order: bool,
    /// Leave out changes and additions (only deletions).
    pub ignore_changes_and_additions: bool,
    /// Leave out deletions.
    pub ignore_deletions: bool,
    /// The object being diffed is the value of a `retainKeys` field: list its keys in
    /// `$retainKeys`.
    pub build_retain_keys_directive: bool,
}

/// Creates the strategic merge patch that turns `original` into `modified` (Go's
/// `CreateTwoWayMergePatch`, as kubectl and controllers use it).
///
/// Both must be JSON objects (or `null`, read as `{}`). The patch sets what changed, deletes
/// (`null`) what went, merges lists with the `merge` strategy element by element (`$patch:
/// delete` for removed elements, `$deleteFromPrimitiveList` for removed scalars) and carries
/// `$setElementOrder` lists and `$retainKeys` as Go's does, so that applying it to `original`
/// with [`apply_strategic_merge_patch`](super::apply_strategic_merge_patch) gives `modified`.
///
/// ```
/// # use k8s_apimachinery::strategicpatch::{LookupPatchMeta, PatchMeta, PatchStrategy, StrategicMergeError};
/// use k8s_apimachinery::strategicpatch::{apply_strategic_merge_patch, create_two_way_merge_patch};
/// use serde_json::json;
/// # #[derive(Clone, Copy)]
/// # struct Finalizers;
/// # impl LookupPatchMeta for Finalizers {
/// #     fn lookup_patch_metadata_for_struct(&self, key: &str) -> Result<(Self, PatchMeta<'_>), StrategicMergeError> {
/// #         Ok((Finalizers, PatchMeta::default()))
/// #     }
/// #     fn lookup_patch_metadata_for_slice(&self, key: &str) -> Result<(Self, PatchMeta<'_>), StrategicMergeError> {
/// #         Ok((Finalizers, PatchMeta { strategy: PatchStrategy::Merge, ..PatchMeta::default() }))
/// #     }
/// #     fn name(&self) -> std::borrow::Cow<'_, str> { "struct".into() }
/// # }
///
/// // `finalizers` merges as a set (the schema says `merge`).
/// let original = json!({"metadata": {"finalizers": ["a", "b"], "labels": {"x": "1"}}});
/// let modified = json!({"metadata": {"finalizers": ["a", "c"]}});
/// let patch = create_two_way_merge_patch(&original, &modified, &Finalizers)?;
/// assert_eq!(patch, json!({"metadata": {
///     "$deleteFromPrimitiveList/finalizers": ["b"],
///     "$setElementOrder/finalizers": ["a", "c"],
///     "finalizers": ["c"],
///     "labels": null
/// }}));
/// assert_eq!(apply_strategic_merge_patch(&original, &patch, &Finalizers)?, modified);
/// # Ok::<(), StrategicMergeError>(())
/// ```
pub fn create_two_way_merge_patch<S: LookupPatchMeta>(
    original: &Value,
    modified: &Value,
    schema: &S,
) -> std::result::Result<Value, StrategicMergeError> {
    let empty = Map::new();
    let document = |v: &Value| -> Result<Map<String, Value>> {
        match v {
            Value::Object(m) => Ok(m.clone()),
            Value::Null => Ok(empty.clone()),
            _ => Err(StrategicMergeError::InvalidJsonDocument),
        }
    };
    let original = document(original)?;
    let modified = document(modified)?;
    let options = DiffOptions {
        set_element_order: true,
        ..DiffOptions::default()
    };
    diff_maps(&original, &modified, schema, options).map(Value::Object)
}

/// Go's `diffMaps`.
pub(crate) fn diff_maps<S: LookupPatchMeta>(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    schema: &S,
    options: DiffOptions,
) -> Result<Map<String, Value>> {
    let mut patch = Map::new();
    let mut retain_keys: Vec<Value> = Vec::new();
    let mut keys: Vec<&String> = modified.keys().collect();
    keys.sort();
    for key in keys {
        let modified_value = &modified[key];
        if options.build_retain_keys_directive && !modified_value.is_null() {
            retain_keys.push(Value::String(key.clone()));
        }
        let Some(original_value) = original.get(key) else {
            if !options.ignore_changes_and_additions {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        };
        if key == DIRECTIVE_MARKER {
            let (Some(o), Some(m)) = (original_value.as_str(), modified_value.as_str()) else {
                return Err(StrategicMergeError::InvalidSpecialKey);
            };
            if o != m {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        }
        if go_type(original_value) != go_type(modified_value) {
            if !options.ignore_changes_and_additions {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        }
        match (original_value, modified_value) {
            (Value::Object(o), Value::Object(m)) => {
                map_diff(key, o, m, &mut patch, schema, options)?;
            }
            (Value::Array(o), Value::Array(m)) => {
                slice_diff(key, o, m, &mut patch, schema, options)?;
            }
            _ => replace_if_not_equal(key, original_value, modified_value, &mut patch, options),
        }
    }
    if !options.ignore_deletions {
        for key in original.keys() {
            if !modified.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    let additional_new_field = original
        .iter()
        .any(|(k, v)| !v.is_null() && !modified.contains_key(k));
    if !retain_keys.is_empty() && (!patch.is_empty() || additional_new_field) {
        sort_scalars(&mut retain_keys);
        patch.insert(RETAIN_KEYS_DIRECTIVE.to_string(), Value::Array(retain_keys));
    }
    Ok(patch)
}

/// Go's `handleMapDiff`.
fn map_diff<S: LookupPatchMeta>(
    key: &str,
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: &S,
    options: DiffOptions,
) -> Result<()> {
    let (sub, meta) = match schema.lookup_patch_metadata_for_struct(key) {
        Ok(found) => found,
        // No metadata is fine as long as nothing changed.
        Err(_) if deep_equal_maps(original, modified) => return Ok(()),
        Err(e) => return Err(e),
    };
    let options = DiffOptions {
        build_retain_keys_directive: meta.retain_keys,
        ..options
    };
    if meta.strategy == PatchStrategy::Replace {
        if !options.ignore_changes_and_additions {
            patch.insert(key.to_string(), Value::Object(modified.clone()));
        }
        return Ok(());
    }
    let value = diff_maps(original, modified, &sub, options)?;
    if !value.is_empty() {
        patch.insert(key.to_string(), Value::Object(value));
    }
    Ok(())
}

fn deep_equal_maps(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    a.len() == b.len()
        && a.iter()
            .all(|(k, v)| b.get(k).is_some_and(|w| deep_equal(v, w)))
}

/// Go's `handleSliceDiff`.
fn slice_diff<S: LookupPatchMeta>(
    key: &str,
    original: &[Value],
    modified: &[Value],
    patch: &mut Map<String, Value>,
    schema: &S,
    options: DiffOptions,
) -> Result<()> {
    let (sub, meta) = match schema.lookup_patch_metadata_for_slice(key) {
        Ok(found) => found,
        Err(_)
            if original.len() == modified.len()
                && original.iter().zip(modified).all(|(o, m)| deep_equal(o, m)) =>
        {
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if meta.strategy != PatchStrategy::Merge {
        let (o, m) = (
            Value::Array(original.to_vec()),
            Value::Array(modified.to_vec()),
        );
        replace_if_not_equal(key, &o, &m, patch, options);
        return Ok(());
    }
    let options = DiffOptions {
        build_retain_keys_directive: meta.retain_keys,
        ..options
    };
    let merge_key = meta.merge_key.unwrap_or("");
    let lists = diff_lists(original, modified, &sub, merge_key, options)?;
    if !lists.patch.is_empty() {
        patch.insert(key.to_string(), Value::Array(lists.patch));
    }
    if !lists.delete.is_empty() {
        patch.insert(
            format!("{DELETE_FROM_PRIMITIVE_LIST_PREFIX}/{key}"),
            Value::Array(lists.delete),
        );
    }
    if !lists.order.is_empty() {
        patch.insert(
            format!("{SET_ELEMENT_ORDER_PREFIX}/{key}"),
            Value::Array(lists.order),
        );
    }
    Ok(())
}

/// Go's `replacePatchFieldIfNotEqual`.
fn replace_if_not_equal(
    key: &str,
    original: &Value,
    modified: &Value,
    patch: &mut Map<String, Value>,
    options: DiffOptions,
) {
    if !options.ignore_changes_and_additions && !deep_equal(original, modified) {
        patch.insert(key.to_string(), modified.clone());
    }
}

/// The three lists a diff of a merged list produces.
#[derive(Default)]
struct ListDiff {
    /// The list in the patch.
    patch: Vec<Value>,
    /// `$deleteFromPrimitiveList/<field>`.
    delete: Vec<Value>,
    /// `$setElementOrder/<field>`.
    order: Vec<Value>,
}

/// Go's `diffLists`.
fn diff_lists<S: LookupPatchMeta>(
    original: &[Value],
    modified: &[Value],
    schema: &S,
    merge_key: &str,
    options: DiffOptions,
) -> Result<ListDiff> {
    if original.is_empty() {
        if modified.is_empty() || options.ignore_changes_and_additions {
            return Ok(ListDiff::default());
        }
        return Ok(ListDiff {
            patch: modified.to_vec(),
            ..ListDiff::default()
        });
    }
    let kind = slice_element_type(&[original, modified])?;
    let mut out = ListDiff::default();
    if kind == GoType::Map {
        let (patch, delete) = diff_lists_of_maps(original, modified, schema, merge_key, options)?;
        let mut patch = normalize_slice_order(patch, modified, merge_key, kind)?;
        let order_same = is_order_same(original, modified, merge_key)?;
        patch.extend(delete);
        let changes = !options.ignore_changes_and_additions && (!patch.is_empty() || !order_same);
        let deletions = !options.ignore_deletions && !patch.is_empty();
        if options.set_element_order && (changes || deletions) {
            out.order = modified
                .iter()
                .map(|v| {
                    let key_value = v.get(merge_key).cloned().unwrap_or(Value::Null);
                    let mut m = Map::new();
                    m.insert(merge_key.to_string(), key_value);
                    Value::Object(m)
                })
                .collect();
        }
        out.patch = patch;
    } else {
        // Go sorts the original list in place here, and compares the sorted list with the
        // modified one below.
        let mut sorted_original = original.to_vec();
        sort_scalars(&mut sorted_original);
        let (patch, delete) = diff_lists_of_scalars(&sorted_original, modified, options)?;
        out.patch = normalize_slice_order(patch, modified, merge_key, kind)?;
        let deletions = !options.ignore_deletions && !delete.is_empty();
        let unchanged = sorted_original.len() == modified.len()
            && sorted_original
                .iter()
                .zip(modified)
                .all(|(o, m)| deep_equal(o, m));
        let changes = !options.ignore_changes_and_additions && !unchanged;
        if options.set_element_order && (deletions || changes) {
            out.order = modified.to_vec();
        }
        out.delete = delete;
    }
    Ok(out)
}

/// Go's `isOrderSame`: the same merge keys at the same positions.
fn is_order_same(original: &[Value], modified: &[Value], merge_key: &str) -> Result<bool> {
    if original.len() != modified.len() {
        return Ok(false);
    }
    for (o, m) in original.iter().zip(modified) {
        let Value::Object(om) = o else {
            return Err(bad_arg_type(MAP_TYPE, o));
        };
        let Value::Object(mm) = m else {
            return Err(bad_arg_type(MAP_TYPE, m));
        };
        let ov = om
            .get(merge_key)
            .ok_or_else(|| no_merge_key(om, merge_key))?;
        let mv = mm
            .get(merge_key)
            .ok_or_else(|| no_merge_key(mm, merge_key))?;
        if !super::golang::go_eq(ov, mv)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Go's `diffListsOfScalars` (on the already sorted original): (added, deleted), compared by
/// their `%v` text in sorted order.
fn diff_lists_of_scalars(
    sorted_original: &[Value],
    modified: &[Value],
    options: DiffOptions,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut sorted_modified = modified.to_vec();
    sort_scalars(&mut sorted_modified);
    let (mut o, mut m) = (0, 0);
    let mut added = Vec::new();
    let mut deleted = Vec::new();
    loop {
        let (o_in, m_in) = (o < sorted_original.len(), m < sorted_modified.len());
        if !o_in && !m_in {
            break;
        }
        let os = if o_in {
            format_v(&sorted_original[o])
        } else {
            String::new()
        };
        let ms = if m_in {
            format_v(&sorted_modified[m])
        } else {
            String::new()
        };
        if o_in && m_in && os == ms {
            o += 1;
            m += 1;
        } else if !o_in || (m_in && os > ms) {
            if !options.ignore_changes_and_additions {
                added.push(sorted_modified[m].clone());
            }
            m += 1;
        } else {
            if !options.ignore_deletions {
                deleted.push(sorted_original[o].clone());
            }
            o += 1;
        }
    }
    Ok((added, deduplicate_scalars(deleted)?))
}

/// Go's `diffListsOfMaps`: both lists sorted by the merge key's `%v` text, then walked
/// together; (patch elements, `$patch: delete` elements).
fn diff_lists_of_maps<S: LookupPatchMeta>(
    original: &[Value],
    modified: &[Value],
    schema: &S,
    merge_key: &str,
    options: DiffOptions,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let original = sorted_by_merge_key(original, merge_key)?;
    let modified = sorted_by_merge_key(modified, merge_key)?;
    let element = |list: &[Value], i: usize| -> Result<(Map<String, Value>, Value)> {
        let Value::Object(m) = &list[i] else {
            return Err(bad_arg_type(MAP_TYPE, &list[i]));
        };
        let key_value = m
            .get(merge_key)
            .cloned()
            .ok_or_else(|| no_merge_key(m, merge_key))?;
        Ok((m.clone(), key_value))
    };
    let (mut o, mut m) = (0, 0);
    let mut patch = Vec::new();
    let mut deleted = Vec::new();
    loop {
        let (o_in, m_in) = (o < original.len(), m < modified.len());
        if !o_in && !m_in {
            break;
        }
        let oe = if o_in {
            Some(element(&original, o)?)
        } else {
            None
        };
        let me = if m_in {
            Some(element(&modified, m)?)
        } else {
            None
        };
        let os = oe.as_ref().map(|(_, k)| format_v(k)).unwrap_or_default();
        let ms = me.as_ref().map(|(_, k)| format_v(k)).unwrap_or_default();
        match (oe, me) {
            (Some((oe, _)), Some((me, mk))) if os == ms => {
                let mut value = diff_maps(&oe, &me, schema, options)?;
                if !value.is_empty() {
                    value.insert(merge_key.to_string(), mk);
                    patch.push(Value::Object(value));
                }
                o += 1;
                m += 1;
            }
            (None, Some((me, _))) => {
                if !options.ignore_changes_and_additions {
                    patch.push(Value::Object(me));
                }
                m += 1;
            }
            (Some(_), Some((me, _))) if os > ms => {
                if !options.ignore_changes_and_additions {
                    patch.push(Value::Object(me));
                }
                m += 1;
            }
            (Some((_, ok)), _) => {
                if !options.ignore_deletions {
                    let mut d = Map::new();
                    d.insert(merge_key.to_string(), ok);
                    d.insert(DIRECTIVE_MARKER.to_string(), Value::from(DELETE_DIRECTIVE));
                    deleted.push(Value::Object(d));
                }
                o += 1;
            }
            (None, None) => break,
        }
    }
    Ok((patch, deleted))
}

/// Go's `sortMergeListsByNameArray` without recursion: a copy sorted by the `%v` text of the
/// merge key (a missing key prints `<nil>`).
fn sorted_by_merge_key(list: &[Value], merge_key: &str) -> Result<Vec<Value>> {
    if list.is_empty() {
        return Ok(Vec::new());
    }
    slice_element_type(&[list])?;
    let mut keyed: Vec<(String, Value)> = list
        .iter()
        .map(|v| {
            let key = v
                .get(merge_key)
                .map_or_else(|| "<nil>".to_string(), format_v);
            (key, v.clone())
        })
        .collect();
    go_sort(&mut keyed, |(k, _)| k.as_str());
    Ok(keyed.into_iter().map(|(_, v)| v).collect())
}

/// Go's `sortScalars`: by `%v` text.
pub(crate) fn sort_scalars(list: &mut [Value]) {
    let mut keyed: Vec<(String, Value)> = list.iter().map(|v| (format_v(v), v.clone())).collect();
    go_sort(&mut keyed, |(k, _)| k.as_str());
    for (slot, (_, v)) in list.iter_mut().zip(keyed) {
        *slot = v;
    }
}

/// Go's `sort.Sort` with the comparison strategicpatch gives it (`a <= b` on texts). For up
/// to 12 elements Go's pdqsort is an insertion sort, reproduced here exactly (equal texts
/// end up reversed); longer lists are sorted stably, which differs from Go only in the order
/// of elements with equal texts.
fn go_sort<T>(items: &mut [T], text: impl Fn(&T) -> &str) {
    if items.len() <= 12 {
        for i in 1..items.len() {
            let mut j = i;
            while j > 0 && text(&items[j]) <= text(&items[j - 1]) {
                items.swap(j, j - 1);
                j -= 1;
            }
        }
    } else {
        // Infallible comparison: the Result is always Ok.
        let _ = stable_sort(items, |s, i, j| Ok(text(&s[i]) < text(&s[j])));
    }
}
