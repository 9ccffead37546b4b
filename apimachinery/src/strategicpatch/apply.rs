//! Applying a patch: Go's `mergeMap`, `mergeSlice` and the directive handling around them.

use serde_json::{Map, Value};

use super::golang::{
    GoType, MAP_TYPE, SLICE_TYPE, bad_arg_type, check_hashable, deep_equal, format_map_v, format_s,
    format_v, go_eq, go_type,
};
use super::order::{
    deduplicate_scalars, delete_from_slice, extract_to_delete_items, find_map_by_key, no_merge_key,
    normalize_element_order, partition_maps, partition_primitives, slice_element_type,
};
use super::{
    DELETE_DIRECTIVE, DELETE_FROM_PRIMITIVE_LIST_PREFIX, DIRECTIVE_MARKER, LookupPatchMeta,
    MERGE_DIRECTIVE, PatchStrategy, REPLACE_DIRECTIVE, RETAIN_KEYS_DIRECTIVE,
    SET_ELEMENT_ORDER_PREFIX, StrategicMergeError,
};

type Result<T> = std::result::Result<T, StrategicMergeError>;

/// How [`merge_map`] treats parallel lists and `null`s (Go's `MergeOptions`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct MergeOptions {
    /// Apply `$deleteFromPrimitiveList`/`$setElementOrder`/`$retainKeys` (applying a patch);
    /// otherwise keep them (merging two patches).
    pub merge_parallel_list: bool,
    /// Drop `null`s that delete nothing (applying a patch); otherwise keep them.
    pub ignore_unmatched_nulls: bool,
}

/// Applies a strategic merge patch to an object (Go's `StrategicMergePatch`, with the schema
/// of the object's type).
///
/// `original` and `patch` must be JSON objects (or `null`, read as `{}`); the result is the
/// patched object. See the [module documentation](super) for the semantics.
pub fn apply_strategic_merge_patch<S: LookupPatchMeta>(
    original: &Value,
    patch: &Value,
    schema: &S,
) -> std::result::Result<Value, StrategicMergeError> {
    let document = |v: &Value| match v {
        Value::Object(m) => Ok(m.clone()),
        Value::Null => Ok(Map::new()),
        _ => Err(StrategicMergeError::InvalidJsonDocument),
    };
    let original = document(original)?;
    let patch = document(patch)?;
    let options = MergeOptions {
        merge_parallel_list: true,
        ignore_unmatched_nulls: true,
    };
    merge_map(original, patch, schema, options).map(Value::Object)
}

/// The keys of a map in sorted order (the order the merge processes them in).
fn sorted_keys(m: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = m.keys().cloned().collect();
    keys.sort();
    keys
}

/// Go's `mergeMap`: merges `patch` into `original`.
pub(crate) fn merge_map<S: LookupPatchMeta>(
    mut original: Map<String, Value>,
    mut patch: Map<String, Value>,
    schema: &S,
    options: MergeOptions,
) -> Result<Map<String, Value>> {
    if let Some(directive) = patch.get(DIRECTIVE_MARKER) {
        return directive_in_map(directive.clone(), patch);
    }
    apply_retain_keys(&mut original, &mut patch, options)?;
    merge_set_element_order(&mut original, &mut patch, schema, options)?;

    for key in sorted_keys(&patch) {
        let Some(patch_value) = patch.remove(&key) else {
            continue;
        };
        let (key, delete_list) = if key.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX) {
            if !options.merge_parallel_list {
                original.insert(key, patch_value);
                continue;
            }
            (
                strip_directive_prefix(&key, DELETE_FROM_PRIMITIVE_LIST_PREFIX)?.to_string(),
                true,
            )
        } else {
            (key, false)
        };

        // `null` deletes.
        if patch_value.is_null() {
            original.remove(&key);
            if options.ignore_unmatched_nulls {
                continue;
            }
        }

        let take_patch = match original.get(&key) {
            None => true,
            Some(o) => go_type(o) != go_type(&patch_value),
        };
        if take_patch {
            // Not in the original, or of another type: the patch's value, cleaned.
            if !delete_list {
                let mut value = patch_value;
                if options.ignore_unmatched_nulls {
                    discard_null_values(&mut value);
                }
                match remove_directives(value) {
                    Some(v) => {
                        original.insert(key, v);
                    }
                    None => {
                        original.remove(&key);
                    }
                }
            }
            continue;
        }

        let Some(original_value) = original.remove(&key) else {
            continue;
        };
        let merged = match (original_value, patch_value) {
            (Value::Object(o), Value::Object(p)) => {
                let (sub, meta) = schema.lookup_patch_metadata_for_struct(&key)?;
                Some(Value::Object(merge_map_with_strategy(
                    o,
                    p,
                    &sub,
                    meta.strategy,
                    options,
                )?))
            }
            (Value::Array(o), Value::Array(p)) => {
                let (sub, meta) = schema.lookup_patch_metadata_for_slice(&key)?;
                let merge_key = meta.merge_key.unwrap_or("");
                Some(Value::Array(merge_slice_with_strategy(
                    o,
                    p,
                    &sub,
                    meta.strategy,
                    merge_key,
                    delete_list,
                    options,
                )?))
            }
            // Two scalars of one type: the patch's.
            (_, p) => remove_directives(p),
        };
        if let Some(v) = merged {
            original.insert(key, v);
        }
    }
    Ok(original)
}

/// Go's `handleDirectiveInMergeMap`: `$patch` in an object.
fn directive_in_map(directive: Value, mut patch: Map<String, Value>) -> Result<Map<String, Value>> {
    match directive.as_str() {
        Some(REPLACE_DIRECTIVE) => {
            patch.remove(DIRECTIVE_MARKER);
            Ok(patch)
        }
        Some(DELETE_DIRECTIVE) => Ok(Map::new()),
        _ => Err(StrategicMergeError::UnknownPatchType {
            patch_type: format_s(&directive),
            map: format_map_v(&patch),
        }),
    }
}

/// Go's `extractKey`: `"$setElementOrder/containers"` → `"containers"`.
fn strip_directive_prefix<'k>(key: &'k str, prefix: &str) -> Result<&'k str> {
    match key.split_once('/') {
        Some((head, rest)) if head == prefix => Ok(rest),
        _ if prefix == DELETE_FROM_PRIMITIVE_LIST_PREFIX => {
            Err(StrategicMergeError::BadPatchFormatForPrimitiveList)
        }
        _ => Err(StrategicMergeError::BadPatchFormatForSetElementOrderList),
    }
}

/// Go's `applyRetainKeysDirective`: `$retainKeys` clears the original's keys it does not list.
fn apply_retain_keys(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    options: MergeOptions,
) -> Result<()> {
    let Some(retain) = patch.remove(RETAIN_KEYS_DIRECTIVE) else {
        return Ok(());
    };
    if !options.merge_parallel_list {
        match original.get(RETAIN_KEYS_DIRECTIVE) {
            Some(existing) if !deep_equal(existing, &retain) => {
                return Err(StrategicMergeError::RetainKeysMismatch {
                    left: format_v(existing),
                    right: format_v(&retain),
                });
            }
            Some(_) => {}
            None => {
                original.insert(RETAIN_KEYS_DIRECTIVE.to_string(), retain);
            }
        }
        return Ok(());
    }
    let Value::Array(list) = retain else {
        return Err(StrategicMergeError::BadPatchFormatForRetainKeys);
    };
    // Go keeps the list in a map: its values must be hashable.
    for v in &list {
        check_hashable(v)?;
    }
    let retained = |key: &str| list.iter().any(|v| v.as_str() == Some(key));
    for (key, value) in patch.iter() {
        if value.is_null()
            || key.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
            || key.starts_with(SET_ELEMENT_ORDER_PREFIX)
        {
            continue;
        }
        if !retained(key) {
            return Err(StrategicMergeError::BadPatchFormatForRetainKeys);
        }
    }
    original.retain(|key, _| retained(key));
    Ok(())
}

/// Go's `mergePatchIntoOriginal`: merges each list that has a `$setElementOrder/<list>` and
/// puts the result in that order.
fn merge_set_element_order<S: LookupPatchMeta>(
    original: &mut Map<String, Value>,
    patch: &mut Map<String, Value>,
    schema: &S,
    options: MergeOptions,
) -> Result<()> {
    for key in sorted_keys(patch) {
        if !key.starts_with(SET_ELEMENT_ORDER_PREFIX) {
            continue;
        }
        // An earlier `$setElementOrder/$setElementOrder…` may have taken it.
        let Some(order_value) = patch.remove(&key) else {
            continue;
        };
        if !options.merge_parallel_list {
            match original.get(&key) {
                Some(existing) if !deep_equal(existing, &order_value) => {
                    return Err(StrategicMergeError::BadPatchFormatForSetElementOrderList);
                }
                Some(_) => {}
                None => {
                    original.insert(key.clone(), order_value.clone());
                }
            }
        }
        let Value::Array(order) = order_value else {
            return Err(bad_arg_type(SLICE_TYPE, &order_value));
        };
        let list_key = strip_directive_prefix(&key, SET_ELEMENT_ORDER_PREFIX)?.to_string();
        let mut original_list = match original.get(&list_key) {
            None => None,
            Some(Value::Array(l)) => Some(l.clone()),
            Some(other) => return Err(bad_arg_type(SLICE_TYPE, other)),
        };
        let patch_list = match patch.get(&list_key) {
            None => None,
            Some(Value::Array(l)) => Some(l.clone()),
            Some(other) => return Err(bad_arg_type(SLICE_TYPE, other)),
        };
        let (sub, meta) = schema.lookup_patch_metadata_for_slice(&list_key)?;
        let merge_key = meta.merge_key.unwrap_or("");
        validate_patch_with_set_order_list(
            patch_list.as_deref().unwrap_or_default(),
            &order,
            merge_key,
        )?;

        let merged = match (&original_list, &patch_list) {
            (Some(o), None) => o.clone(),
            (None, Some(p)) => match remove_directives(Value::Array(p.clone())) {
                Some(Value::Array(l)) => l,
                _ => continue,
            },
            (Some(o), Some(p)) if meta.strategy == PatchStrategy::Merge => {
                let (merged, seen) =
                    merge_slice(o.clone(), p.clone(), &sub, merge_key, options, false, true)?;
                // Go goes on with the original list as the merge left it in memory.
                if let Some(seen) = seen {
                    original_list = Some(seen);
                }
                merged
            }
            (Some(_), Some(p)) => p.clone(),
            (None, None) => continue,
        };

        let (patch_items, server_only) = if merge_key.is_empty() {
            partition_primitives(merged, &order)?
        } else {
            partition_maps(merged, &order, merge_key)?
        };
        let original_list = original_list.unwrap_or_default();
        let kind =
            slice_element_type(&[&original_list, patch_list.as_deref().unwrap_or_default()])?;
        let both = normalize_element_order(
            patch_items,
            server_only,
            &order,
            &original_list,
            merge_key,
            kind,
        )?;
        original.insert(list_key.clone(), Value::Array(both));
        patch.remove(&list_key);
    }
    Ok(())
}

/// Go's `validatePatchWithSetOrderList`: the patch list's elements appear in the order list,
/// in the same relative order.
fn validate_patch_with_set_order_list(
    patch_list: &[Value],
    order: &[Value],
    merge_key: &str,
) -> Result<()> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let non_delete = if merge_key.is_empty() {
        patch_list.to_vec()
    } else {
        extract_to_delete_items(patch_list.to_vec())?.0
    };
    let (mut p, mut o) = (0, 0);
    while p < non_delete.len() && o < order.len() {
        if has_directive_marker(&non_delete[p]) {
            p += 1;
            continue;
        }
        if merge_key_value_equal(&non_delete[p], &order[o], merge_key)? {
            p += 1;
        }
        o += 1;
    }
    if p < non_delete.len() && o >= order.len() {
        return Err(StrategicMergeError::SetElementOrderMismatch {
            patch_list: format_v(&Value::Array(patch_list.to_vec())),
            order_list: format_v(&Value::Array(order.to_vec())),
        });
    }
    Ok(())
}

fn has_directive_marker(v: &Value) -> bool {
    matches!(v, Value::Object(m) if m.contains_key(DIRECTIVE_MARKER))
}

/// Go's `mergeKeyValueEqual`.
fn merge_key_value_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return go_eq(left, right);
    }
    let Value::Object(l) = left else {
        return Err(bad_arg_type(MAP_TYPE, left));
    };
    let Value::Object(r) = right else {
        return Err(bad_arg_type(MAP_TYPE, right));
    };
    let lv = l.get(merge_key).ok_or_else(|| no_merge_key(l, merge_key))?;
    let rv = r.get(merge_key).ok_or_else(|| no_merge_key(r, merge_key))?;
    go_eq(lv, rv)
}

/// Go's `mergeMapHandler`: `replace` takes the patch's object as it is.
fn merge_map_with_strategy<S: LookupPatchMeta>(
    original: Map<String, Value>,
    patch: Map<String, Value>,
    schema: &S,
    strategy: PatchStrategy,
    options: MergeOptions,
) -> Result<Map<String, Value>> {
    if strategy == PatchStrategy::Replace {
        Ok(patch)
    } else {
        merge_map(original, patch, schema, options)
    }
}

/// Go's `mergeSliceHandler`: lists merge only with the `merge` strategy (and deletion lists
/// always); otherwise the patch's list is taken as it is.
fn merge_slice_with_strategy<S: LookupPatchMeta>(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: &S,
    strategy: PatchStrategy,
    merge_key: &str,
    delete_list: bool,
    options: MergeOptions,
) -> Result<Vec<Value>> {
    if strategy == PatchStrategy::Merge || delete_list {
        Ok(merge_slice(
            original,
            patch,
            schema,
            merge_key,
            options,
            delete_list,
            false,
        )?
        .0)
    } else {
        Ok(patch)
    }
}

/// Go's `mergeSlice`: a list of scalars as a set, a list of objects by merge key; then the
/// patch's order, with the original's other elements in between.
///
/// With `track`, also returns what Go's caller then sees in the memory of the original list,
/// when the merge wrote into it (see [`Tracked`]).
fn merge_slice<S: LookupPatchMeta>(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: &S,
    merge_key: &str,
    options: MergeOptions,
    delete_list: bool,
    track: bool,
) -> Result<(Vec<Value>, Option<Vec<Value>>)> {
    if original.is_empty() && patch.is_empty() {
        return Ok((original, None));
    }
    let kind = slice_element_type(&[&original, &patch])?;
    let (merged, original, patch, seen) = if kind != GoType::Map {
        if options.merge_parallel_list && delete_list {
            return Ok((delete_from_slice(original, &patch)?, None));
        }
        let mut both = original.clone();
        both.extend(patch.iter().cloned());
        (deduplicate_scalars(both)?, original, patch, None)
    } else {
        if merge_key.is_empty() {
            return Err(StrategicMergeError::NoMergeKeyForList {
                type_name: schema.name().into_owned(),
            });
        }
        let mut tracked = track.then(|| Tracked {
            memory: original.clone(),
            replaced: false,
        });
        let (original, patch) =
            merge_special_elements(original, patch, merge_key, tracked.as_mut())?;
        let merged = merge_elements(
            original.clone(),
            &patch,
            merge_key,
            schema,
            options,
            tracked.as_mut(),
        )?;
        (merged, original, patch, tracked.map(|t| t.memory))
    };
    let (patch_items, server_only) = if merge_key.is_empty() {
        partition_primitives(merged, &patch)?
    } else {
        partition_maps(merged, &patch, merge_key)?
    };
    let result =
        normalize_element_order(patch_items, server_only, &patch, &original, merge_key, kind)?;
    Ok((result, seen))
}

/// The memory of a Go slice while `mergeSlice` works on it.
///
/// Go removes a deleted element by shifting the later ones down in place (the last slot keeps
/// its old value) and appends new elements into the freed slots; its caller
/// (`mergePatchIntoOriginal`) then orders the result by that memory, not by the list it
/// started from. The merge keys in that memory are all that matter for the order (merged
/// elements keep their key), so only shifts and appends are tracked.
struct Tracked {
    /// The slots of the original slice (its length never changes).
    memory: Vec<Value>,
    /// `$patch: replace` gave the merge another slice: nothing more is written here.
    replaced: bool,
}

impl Tracked {
    /// Go's `append(s[:i], s[i+1:]...)` on a slice of length `len` in this memory.
    fn remove(&mut self, i: usize, len: usize) {
        if self.replaced {
            return;
        }
        let end = len.min(self.memory.len());
        for k in i..end.saturating_sub(1) {
            self.memory[k] = self.memory[k + 1].clone();
        }
    }

    /// Go's `append(s, v)` on a slice of length `len` in this memory (slots past the
    /// original length are not seen by the caller).
    fn append(&mut self, len: usize, v: &Value) {
        if !self.replaced
            && let Some(slot) = self.memory.get_mut(len)
        {
            *slot = v.clone();
        }
    }
}

/// Go's `mergeSliceWithSpecialElements`: applies the `$patch` elements of a patch list
/// (`delete` removes the original's elements with that key, `replace` makes the patch's other
/// elements the whole list); returns the original and the patch without them.
fn merge_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
    mut tracked: Option<&mut Tracked>,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut plain = Vec::new();
    let mut replace = false;
    for v in patch {
        let Value::Object(m) = &v else {
            return Err(bad_arg_type(MAP_TYPE, &v));
        };
        let Some(directive) = m.get(DIRECTIVE_MARKER) else {
            plain.push(v);
            continue;
        };
        match directive.as_str() {
            Some(DELETE_DIRECTIVE) => {
                let Some(key_value) = m.get(merge_key) else {
                    return Err(no_merge_key(m, merge_key));
                };
                while let Some(i) = find_map_by_key(&original, merge_key, key_value)? {
                    if let Some(t) = tracked.as_deref_mut() {
                        t.remove(i, original.len());
                    }
                    original.remove(i);
                }
            }
            Some(REPLACE_DIRECTIVE) => replace = true,
            Some(MERGE_DIRECTIVE) => return Err(StrategicMergeError::MergeDirectiveInList),
            _ => {
                return Err(StrategicMergeError::UnknownPatchType {
                    patch_type: format_s(directive),
                    map: format_map_v(m),
                });
            }
        }
    }
    if replace {
        if let Some(t) = tracked {
            t.replaced = true;
        }
        Ok((plain, Vec::new()))
    } else {
        Ok((original, plain))
    }
}

/// Go's `mergeSliceWithoutSpecialElements`: each patch element merges into the original's
/// element with the same merge key, or is appended.
fn merge_elements<S: LookupPatchMeta>(
    mut original: Vec<Value>,
    patch: &[Value],
    merge_key: &str,
    schema: &S,
    options: MergeOptions,
    mut tracked: Option<&mut Tracked>,
) -> Result<Vec<Value>> {
    for v in patch {
        let Value::Object(m) = v else {
            return Err(bad_arg_type(MAP_TYPE, v));
        };
        let Some(key_value) = m.get(merge_key) else {
            return Err(no_merge_key(m, merge_key));
        };
        match find_map_by_key(&original, merge_key, key_value)? {
            Some(i) => {
                let Value::Object(o) = std::mem::take(&mut original[i]) else {
                    // find_map_by_key only finds objects.
                    return Err(StrategicMergeError::NotAMap { index: i });
                };
                original[i] = Value::Object(merge_map(o, m.clone(), schema, options)?);
            }
            None => {
                if let Some(t) = tracked.as_deref_mut() {
                    t.append(original.len(), v);
                }
                original.push(v.clone());
            }
        }
    }
    Ok(original)
}

/// Go's `removeDirectives`: drops every object that carries `$patch` (`None` when `v` itself
/// does).
pub(crate) fn remove_directives(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.contains_key(DIRECTIVE_MARKER) {
                return None;
            }
            Some(Value::Object(
                m.into_iter()
                    .filter_map(|(k, v)| remove_directives(v).map(|v| (k, v)))
                    .collect(),
            ))
        }
        Value::Array(l) => Some(Value::Array(
            l.into_iter().filter_map(remove_directives).collect(),
        )),
        other => Some(other),
    }
}

/// Go's `discardNullValuesFromPatch`: removes `null` members of every object, recursively.
fn discard_null_values(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            for v in m.values_mut() {
                discard_null_values(v);
            }
        }
        Value::Array(l) => l.iter_mut().for_each(discard_null_values),
        _ => {}
    }
}
