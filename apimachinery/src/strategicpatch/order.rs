//! The order of a merged list, as Go's strategicpatch establishes it.
//!
//! A merged list is split into the elements the patch names ("patch items") and the others
//! ("server-only items"); each part is sorted by the order it has in its source list
//! (`$setElementOrder` or the patch list; the original list) and the two are interleaved
//! ([`merge_sorted`]). Go sorts with `sort.SliceStable` and a comparison that is not a strict
//! order when an element is missing from the reference list (it then answers "less"), so the
//! exact outcome depends on the sorting algorithm: [`stable_sort`] is the same algorithm
//! (insertion sort of blocks of 20, then SymMerge), written for a fallible comparison.

use serde_json::Value;

use super::golang::{GoType, MAP_TYPE, bad_arg_type, check_hashable, go_eq, go_type};
use super::{DELETE_DIRECTIVE, DIRECTIVE_MARKER, StrategicMergeError};

type Result<T> = std::result::Result<T, StrategicMergeError>;

/// `mergepatch.ErrNoMergeKey(m, key)`.
pub(crate) fn no_merge_key(
    m: &serde_json::Map<String, Value>,
    merge_key: &str,
) -> StrategicMergeError {
    StrategicMergeError::NoMergeKey {
        map: super::golang::format_map_v(m),
        merge_key: merge_key.to_string(),
    }
}

/// What Go compares for an element: its merge key's value (`nil` when absent or when the
/// element is not an object) for lists of objects, the element itself otherwise.
fn compare_value<'v>(item: &'v Value, merge_key: &str, kind: GoType) -> &'v Value {
    const NIL: &Value = &Value::Null;
    if kind == GoType::Map {
        match item {
            Value::Object(m) => m.get(merge_key).unwrap_or(NIL),
            _ => NIL,
        }
    } else {
        item
    }
}

/// Go's `index`: the position of the first element of `list` that compares equal to `item`.
pub(crate) fn index(
    list: &[Value],
    item: &Value,
    merge_key: &str,
    kind: GoType,
) -> Result<Option<usize>> {
    let want = compare_value(item, merge_key, kind);
    for (i, v) in list.iter().enumerate() {
        if go_eq(want, compare_value(v, merge_key, kind))? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Go's `validateMergeKeyInLists`: every element is an object holding the merge key.
pub(crate) fn validate_merge_key_in_lists(merge_key: &str, lists: &[&[Value]]) -> Result<()> {
    for list in lists {
        for item in *list {
            let Value::Object(m) = item else {
                return Err(bad_arg_type(MAP_TYPE, item));
            };
            if !m.contains_key(merge_key) {
                return Err(no_merge_key(m, merge_key));
            }
        }
    }
    Ok(())
}

/// Go's `extractToDeleteItems`: (elements to keep, elements marked `$patch: delete`).
pub(crate) fn extract_to_delete_items(list: Vec<Value>) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut keep = Vec::new();
    let mut delete = Vec::new();
    for v in list {
        let Value::Object(m) = &v else {
            return Err(bad_arg_type(MAP_TYPE, &v));
        };
        if m.get(DIRECTIVE_MARKER).and_then(Value::as_str) == Some(DELETE_DIRECTIVE) {
            delete.push(v);
        } else {
            keep.push(v);
        }
    }
    Ok((keep, delete))
}

/// Go's `normalizeElementOrder`: sorts the patch items by `patch_order` and the server-only
/// items by `server_order`, then interleaves them.
pub(crate) fn normalize_element_order(
    patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Result<Vec<Value>> {
    let patch = normalize_slice_order(patch, patch_order, merge_key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, kind)?;
    merge_sorted(server_only, patch, server_order, merge_key, kind)
}

/// Go's `normalizeSliceOrder`: `to_sort` stably sorted by the positions in `order`; for lists
/// of objects, the elements marked `$patch: delete` go last.
pub(crate) fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Result<Vec<Value>> {
    let (mut to_sort, to_delete) = if kind == GoType::Map {
        validate_merge_key_in_lists(merge_key, &[&to_sort, order])?;
        extract_to_delete_items(to_sort)?
    } else {
        (to_sort, Vec::new())
    };
    stable_sort(&mut to_sort, |items, i, j| {
        if let Some(ii) = index(order, &items[i], merge_key, kind)?
            && let Some(ij) = index(order, &items[j], merge_key, kind)?
        {
            return Ok(ii < ij);
        }
        Ok(true)
    })?;
    to_sort.extend(to_delete);
    Ok(to_sort)
}

/// Go's `mergeSortedSlice`: inserts each of `left` (server-only items) among `right` (patch
/// items), before the first right item it precedes in `server_order`; an item missing from
/// `server_order` never precedes.
fn merge_sorted(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => out.extend(left.next()),
            (None, Some(_)) => out.extend(right.next()),
            (Some(l), Some(r)) => {
                let li = index(server_order, l, merge_key, kind)?;
                let ri = index(server_order, r, merge_key, kind)?;
                let left_first = matches!((li, ri), (Some(li), Some(ri)) if li < ri);
                if left_first {
                    out.extend(left.next());
                } else {
                    out.extend(right.next());
                }
            }
        }
    }
    Ok(out)
}

/// Go's `sort.SliceStable` (insertion sort of blocks of 20, then in-place SymMerge), with a
/// comparison `less(items, i, j)` that may fail.
pub(crate) fn stable_sort<T>(
    items: &mut [T],
    mut less: impl FnMut(&[T], usize, usize) -> Result<bool>,
) -> Result<()> {
    let n = items.len();
    let mut block = 20;
    let (mut a, mut b) = (0, block);
    while b <= n {
        insertion_sort(items, a, b, &mut less)?;
        a = b;
        b += block;
    }
    insertion_sort(items, a, n, &mut less)?;
    while block < n {
        a = 0;
        b = 2 * block;
        while b <= n {
            sym_merge(items, a, a + block, b, &mut less)?;
            a = b;
            b += 2 * block;
        }
        let m = a + block;
        if m < n {
            sym_merge(items, a, m, n, &mut less)?;
        }
        block *= 2;
    }
    Ok(())
}

type Less<'f, T> = dyn FnMut(&[T], usize, usize) -> Result<bool> + 'f;

fn insertion_sort<T>(items: &mut [T], a: usize, b: usize, less: &mut Less<'_, T>) -> Result<()> {
    for i in a + 1..b {
        let mut j = i;
        while j > a && less(items, j, j - 1)? {
            items.swap(j, j - 1);
            j -= 1;
        }
    }
    Ok(())
}

fn sym_merge<T>(
    items: &mut [T],
    a: usize,
    m: usize,
    b: usize,
    less: &mut Less<'_, T>,
) -> Result<()> {
    if m - a == 1 {
        // Binary search for the first element of [m, b) not less than items[a], then move
        // items[a] there.
        let (mut i, mut j) = (m, b);
        while i < j {
            let h = (i + j) / 2;
            if less(items, h, a)? {
                i = h + 1;
            } else {
                j = h;
            }
        }
        for k in a..i.saturating_sub(1) {
            items.swap(k, k + 1);
        }
        return Ok(());
    }
    if b - m == 1 {
        let (mut i, mut j) = (a, m);
        while i < j {
            let h = (i + j) / 2;
            if !less(items, m, h)? {
                i = h + 1;
            } else {
                j = h;
            }
        }
        let mut k = m;
        while k > i {
            items.swap(k, k - 1);
            k -= 1;
        }
        return Ok(());
    }
    let mid = (a + b) / 2;
    let n = mid + m;
    let (mut start, mut r) = if m > mid { (n - b, mid) } else { (a, m) };
    let p = n - 1;
    while start < r {
        let c = (start + r) / 2;
        if !less(items, p - c, c)? {
            start = c + 1;
        } else {
            r = c;
        }
    }
    let end = n - start;
    if start < m && m < end {
        rotate(items, start, m, end);
    }
    if a < start && start < mid {
        sym_merge(items, a, start, mid, less)?;
    }
    if mid < end && end < b {
        sym_merge(items, mid, end, b, less)?;
    }
    Ok(())
}

/// Go's `rotate`: swaps the blocks [a, m) and [m, b) by block swaps.
fn rotate<T>(items: &mut [T], a: usize, m: usize, b: usize) {
    let mut i = m - a;
    let mut j = b - m;
    while i != j {
        if i > j {
            swap_range(items, m - i, m, j);
            i -= j;
        } else {
            swap_range(items, m - i, m + j - i, i);
            j -= i;
        }
    }
    swap_range(items, m - i, m, i);
}

fn swap_range<T>(items: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        items.swap(a + i, b + i);
    }
}

/// Go's `partitionPrimitivesByPresentInList` (a Go map of the values: maps and slices can't
/// be keys).
pub(crate) fn partition_primitives(
    merged: Vec<Value>,
    by: &[Value],
) -> Result<(Vec<Value>, Vec<Value>)> {
    for v in by {
        check_hashable(v)?;
    }
    let mut patch = Vec::new();
    let mut server_only = Vec::new();
    for v in merged {
        check_hashable(&v)?;
        let mut found = false;
        for w in by {
            if go_eq(&v, w)? {
                found = true;
                break;
            }
        }
        if found {
            patch.push(v);
        } else {
            server_only.push(v);
        }
    }
    Ok((patch, server_only))
}

/// Go's `partitionMapsByPresentInList`.
pub(crate) fn partition_maps(
    merged: Vec<Value>,
    by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut patch = Vec::new();
    let mut server_only = Vec::new();
    for v in merged {
        let Value::Object(m) = &v else {
            return Err(bad_arg_type(MAP_TYPE, &v));
        };
        let Some(key_value) = m.get(merge_key) else {
            return Err(no_merge_key(m, merge_key));
        };
        if find_map_by_key(by, merge_key, key_value)?.is_some() {
            patch.push(v);
        } else {
            server_only.push(v);
        }
    }
    Ok((patch, server_only))
}

/// Go's `findMapInSliceBasedOnKeyValue`: the first object whose `key` equals `value`.
pub(crate) fn find_map_by_key(list: &[Value], key: &str, value: &Value) -> Result<Option<usize>> {
    for (i, v) in list.iter().enumerate() {
        let Value::Object(m) = v else {
            return Err(StrategicMergeError::NotAMap { index: i });
        };
        if let Some(x) = m.get(key)
            && go_eq(x, value)?
        {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// Go's `deduplicateScalars`, which moves the last element into each duplicate's place.
pub(crate) fn deduplicate_scalars(mut s: Vec<Value>) -> Result<Vec<Value>> {
    if s.is_empty() {
        return Ok(s);
    }
    let mut length = s.len() - 1;
    let mut i = 0;
    while i < length {
        let mut j = i + 1;
        while j <= length {
            if go_eq(&s[i], &s[j])? {
                s.swap(j, length);
                s.truncate(length);
                length -= 1;
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    Ok(s)
}

/// Go's `deleteFromSlice`: `current` without the values in `to_delete`.
pub(crate) fn delete_from_slice(current: Vec<Value>, to_delete: &[Value]) -> Result<Vec<Value>> {
    for v in to_delete {
        check_hashable(v)?;
    }
    let mut out = Vec::with_capacity(current.len());
    for v in current {
        check_hashable(&v)?;
        let mut found = false;
        for d in to_delete {
            if go_eq(&v, d)? {
                found = true;
                break;
            }
        }
        if !found {
            out.push(v);
        }
    }
    Ok(out)
}

/// Go's `sliceElementType`: the one Go type of all elements of the lists.
pub(crate) fn slice_element_type(lists: &[&[Value]]) -> Result<GoType> {
    let mut prev: Option<GoType> = None;
    for list in lists {
        for v in *list {
            let t = go_type(v);
            match prev {
                // Go keeps `prevType` nil after a nil element, and calls a method on it.
                None if t == GoType::Nil => return Err(StrategicMergeError::NullListElement),
                None if t == GoType::Slice => return Err(StrategicMergeError::NoListOfLists),
                None => prev = Some(t),
                Some(p) if p != t => {
                    return Err(StrategicMergeError::ListElementTypesDiffer {
                        lists: super::golang::format_lists(lists),
                    });
                }
                Some(_) => {}
            }
        }
    }
    prev.ok_or(StrategicMergeError::NoElements)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The comparison Go uses: positions in a reference list, "less" when either is missing.
    fn go_less(order: &[i32]) -> impl FnMut(&[i32], usize, usize) -> Result<bool> + '_ {
        move |items, i, j| {
            let pos = |x: i32| order.iter().position(|o| *o == x);
            Ok(match (pos(items[i]), pos(items[j])) {
                (Some(a), Some(b)) => a < b,
                _ => true,
            })
        }
    }

    #[test]
    fn stable_sort_sorts_and_keeps_ties_in_order() {
        let mut v: Vec<(i32, i32)> = (0..100).map(|i| ((i * 37) % 10, i)).collect();
        stable_sort(&mut v, |items, i, j| Ok(items[i].0 < items[j].0)).unwrap();
        for w in v.windows(2) {
            assert!(w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1));
        }
    }

    #[test]
    fn stable_sort_with_missing_elements_is_deterministic() {
        // Elements missing from the reference order compare "less" both ways; the outcome is
        // what Go's algorithm gives (insertion sort moves them left past every neighbour).
        let order = [3, 1, 2];
        let mut v = vec![1, 9, 2, 3];
        stable_sort(&mut v, go_less(&order)).unwrap();
        assert_eq!(v, vec![3, 9, 1, 2]);
    }

    #[test]
    fn dedup_moves_the_last_element_like_go() {
        let v = vec![json!("a"), json!("b"), json!("a"), json!("c")];
        assert_eq!(
            deduplicate_scalars(v).unwrap(),
            vec![json!("a"), json!("b"), json!("c")]
        );
        let v = vec![json!(1), json!(1.0), json!(2), json!(3)];
        assert_eq!(
            deduplicate_scalars(v).unwrap(),
            vec![json!(1), json!(3), json!(2)]
        );
    }

    #[test]
    fn merge_sorted_interleaves_by_server_order() {
        let server = [json!("a"), json!("b"), json!("c")];
        let out = merge_sorted(
            vec![json!("a"), json!("c")],
            vec![json!("x"), json!("b")],
            &server,
            "",
            GoType::String,
        )
        .unwrap();
        // "a" vs "x": x is unknown to the server order, so the patch item comes first.
        assert_eq!(out, vec![json!("x"), json!("a"), json!("b"), json!("c")]);
    }

    #[test]
    fn element_types() {
        assert_eq!(
            slice_element_type(&[&[json!("a")], &[json!("b")]]).unwrap(),
            GoType::String
        );
        assert_eq!(
            slice_element_type(&[&[json!([1])]]).unwrap_err(),
            StrategicMergeError::NoListOfLists
        );
        assert_eq!(
            slice_element_type(&[&[], &[]]).unwrap_err(),
            StrategicMergeError::NoElements
        );
        assert_eq!(
            slice_element_type(&[&[json!("a")], &[json!(1)]])
                .unwrap_err()
                .to_string(),
            "list element types are not identical: [[a] [1]]"
        );
    }
}
