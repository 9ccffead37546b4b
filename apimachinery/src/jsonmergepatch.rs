//! JSON merge patches (RFC 7386) between objects: what to send as
//! `application/merge-patch+json` to turn one object into another, for any kind (custom
//! resources included, which take no strategic merge patch).
//!
//! - [`create_merge_patch`] is the two-way diff (Go's `jsonpatch.CreateMergePatch` of
//!   evanphx/json-patch, which client-go users call for this): set what changed, `null` what
//!   went, objects diffed key by key, lists replaced whole.
//! - [`create_three_way_merge_patch`] is Go's `jsonmergepatch.CreateThreeWayJSONMergePatch`
//!   (what `kubectl apply` sends for custom resources): additions and changes from the live
//!   object to the new configuration, deletions from the last applied configuration to the new
//!   one, and a [`MergePatchError::Conflict`] when the two disagree.
//!
//! ```
//! use k8s_apimachinery::jsonmergepatch::create_merge_patch;
//! use serde_json::json;
//!
//! let original = json!({"spec": {"size": 3, "mode": "fast", "tags": ["a"]}});
//! let modified = json!({"spec": {"size": 4, "tags": ["a", "b"]}});
//! assert_eq!(
//!     create_merge_patch(&original, &modified),
//!     json!({"spec": {"size": 4, "mode": null, "tags": ["a", "b"]}})
//! );
//! ```

use serde_json::{Map, Value};

use crate::strategicpatch::Precondition;

/// Why a three-way JSON merge patch could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MergePatchError {
    /// A document is not a JSON object (or `null`).
    #[error("invalid JSON document")]
    InvalidJsonDocument,
    /// The new configuration deletes a field that the changes from the live object set
    /// differently (Go: `mergepatch.ErrConflict`).
    #[error("patch:\n{patch}\nconflicts with changes made from original to current:\n{changed}\n")]
    Conflict {
        /// The additions and changes (indented JSON; Go prints YAML).
        patch: String,
        /// The deletions (indented JSON).
        changed: String,
    },
    /// The patch fails a precondition (Go: `mergepatch.ErrPreconditionFailed`).
    #[error("precondition failed for: {patch}")]
    PreconditionFailed {
        /// The patch, as JSON.
        patch: String,
    },
}

/// The JSON merge patch that turns `original` into `modified` (evanphx/json-patch's
/// `CreateMergePatch`). Objects are compared key by key; any other value that differs,
/// lists included, is replaced whole; a key `modified` lacks is `null`. When either side is
/// not an object the patch is `modified` itself.
pub fn create_merge_patch(original: &Value, modified: &Value) -> Value {
    match (original, modified) {
        (Value::Object(o), Value::Object(m)) => Value::Object(diff_objects(o, m)),
        _ => modified.clone(),
    }
}

fn diff_objects(
    original: &Map<String, Value>,
    modified: &Map<String, Value>,
) -> Map<String, Value> {
    let mut patch = Map::new();
    for (k, mv) in modified {
        match (original.get(k), mv) {
            (Some(ov), _) if ov == mv => {}
            (Some(Value::Object(o)), Value::Object(m)) => {
                let sub = diff_objects(o, m);
                if !sub.is_empty() {
                    patch.insert(k.clone(), Value::Object(sub));
                }
            }
            _ => {
                patch.insert(k.clone(), mv.clone());
            }
        }
    }
    for k in original.keys() {
        if !modified.contains_key(k) {
            patch.insert(k.clone(), Value::Null);
        }
    }
    patch
}

/// The three-way JSON merge patch that brings `current` (the live object) to `modified` while
/// keeping fields others added since `original` (the last applied configuration): Go's
/// `jsonmergepatch.CreateThreeWayJSONMergePatch`. Each [`Precondition`] must hold.
///
/// ```
/// use k8s_apimachinery::jsonmergepatch::create_three_way_merge_patch;
/// use serde_json::json;
///
/// let original = json!({"spec": {"size": 3, "mode": "fast"}});   // last applied
/// let modified = json!({"spec": {"size": 4}});                   // new configuration
/// let current = json!({"spec": {"size": 3, "mode": "fast", "owner": "hpa"}});
/// let patch = create_three_way_merge_patch(&original, &modified, &current, &[])?;
/// assert_eq!(patch, json!({"spec": {"size": 4, "mode": null}})); // owner stays
/// # Ok::<(), k8s_apimachinery::jsonmergepatch::MergePatchError>(())
/// ```
pub fn create_three_way_merge_patch(
    original: &Value,
    modified: &Value,
    current: &Value,
    preconditions: &[Precondition],
) -> Result<Value, MergePatchError> {
    let document = |v: &Value| -> Result<Map<String, Value>, MergePatchError> {
        match v {
            Value::Object(m) => Ok(m.clone()),
            Value::Null => Ok(Map::new()),
            _ => Err(MergePatchError::InvalidJsonDocument),
        }
    };
    let (original, modified, current) =
        (document(original)?, document(modified)?, document(current)?);
    let add_and_change = keep_nulls(diff_objects(&current, &modified), false);
    let deletions = keep_nulls(diff_objects(&original, &modified), true);
    if have_conflicts(
        &Value::Object(add_and_change.clone()),
        &Value::Object(deletions.clone()),
    ) {
        let pretty = |m: &Map<String, Value>| serde_json::to_string_pretty(m).unwrap_or_default();
        return Err(MergePatchError::Conflict {
            patch: pretty(&add_and_change),
            changed: pretty(&deletions),
        });
    }
    let mut patch = Value::Object(deletions);
    merge_into(&mut patch, Value::Object(add_and_change));
    if let Value::Object(p) = &patch
        && preconditions.iter().any(|c| !c.holds_for(p))
    {
        return Err(MergePatchError::PreconditionFailed {
            patch: patch.to_string(),
        });
    }
    Ok(patch)
}

/// Go's `keepOrDeleteNullInObj`: only the `null`s (deletions) or everything but them; an
/// object left empty by the filter is dropped, an object that was empty is a value.
fn keep_nulls(m: Map<String, Value>, keep: bool) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in m {
        match v {
            Value::Null if keep => {
                out.insert(k, Value::Null);
            }
            Value::Null => {}
            // An explicitly empty object is a value, not an empty patch.
            Value::Object(sub) if sub.is_empty() && !keep => {
                out.insert(k, Value::Object(sub));
            }
            Value::Object(sub) if sub.is_empty() => {}
            Value::Object(sub) => {
                let sub = keep_nulls(sub, keep);
                if !sub.is_empty() {
                    out.insert(k, Value::Object(sub));
                }
            }
            other if !keep => {
                out.insert(k, other);
            }
            _ => {}
        }
    }
    out
}

/// Go's `mergepatch.HasConflicts`: a key both set, to different values.
fn have_conflicts(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => l
            .iter()
            .any(|(k, lv)| r.get(k).is_some_and(|rv| have_conflicts(lv, rv))),
        (Value::Array(l), Value::Array(r)) => {
            l.len() != r.len() || l.iter().zip(r).any(|(a, b)| have_conflicts(a, b))
        }
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => true,
        (l, r) => l != r,
    }
}

/// RFC 7386 merge of `patch` into `doc` (merging two patches: `null`s of `patch` are kept).
fn merge_into(doc: &mut Value, patch: Value) {
    match (doc, patch) {
        (Value::Object(d), Value::Object(p)) => {
            for (k, pv) in p {
                match d.get_mut(&k) {
                    Some(dv) if dv.is_object() && pv.is_object() => merge_into(dv, pv),
                    _ => {
                        d.insert(k, pv);
                    }
                }
            }
        }
        (d, p) => *d = p,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn two_way_sets_changes_and_nulls_removals() {
        assert_eq!(
            create_merge_patch(
                &json!({"a": 1, "b": {"c": 1, "d": 2}}),
                &json!({"a": 1, "b": {"c": 3}})
            ),
            json!({"b": {"c": 3, "d": null}})
        );
        assert_eq!(
            create_merge_patch(&json!({"a": [1]}), &json!({"a": [1]})),
            json!({})
        );
        assert_eq!(
            create_merge_patch(&json!([1]), &json!({"a": 1})),
            json!({"a": 1})
        );
    }

    #[test]
    fn three_way_keeps_others_fields_and_finds_conflicts() {
        let original = json!({"a": 1, "b": 2});
        let modified = json!({"a": 5});
        let current = json!({"a": 1, "b": 2, "c": 3});
        assert_eq!(
            create_three_way_merge_patch(&original, &modified, &current, &[]).unwrap(),
            json!({"a": 5, "b": null})
        );
        // A field the new configuration turns from an object into a scalar.
        let patch = create_three_way_merge_patch(
            &json!({"x": {"y": 1}}),
            &json!({"x": 7}),
            &json!({"x": {"y": 2}}),
            &[],
        );
        assert_eq!(patch, Ok(json!({"x": 7})));
        let kind = [Precondition::KeyUnchanged("kind".into())];
        let err = create_three_way_merge_patch(
            &json!({"kind": "A"}),
            &json!({"kind": "B"}),
            &json!({"kind": "A"}),
            &kind,
        )
        .unwrap_err();
        assert!(
            matches!(err, MergePatchError::PreconditionFailed { .. }),
            "{err}"
        );
    }
}
