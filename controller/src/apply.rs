//! [`create_or_update`] and [`create_or_patch`]: make an object look the way a function says,
//! creating it if needed (controller-runtime's `controllerutil.CreateOrUpdate` and
//! `CreateOrPatch`).
//!
//! Both read the object (a `GET`, not the cache: a write must start from the latest
//! version), run `mutate` on it (or on a new object with just the name and namespace, when it
//! does not exist), and write only when `mutate` changed something, returning what happened
//! as an [`OperationResult`]. `mutate` must be idempotent and set only the fields you own.
//!
//! - `create_or_update` sends the whole object with the `resourceVersion` read: if anyone
//!   changed it meanwhile the server answers `409 Conflict` (retry, e.g. with
//!   `k8s_client::helpers::retry_on_conflict`, or let the controller's back-off do it).
//! - `create_or_patch` sends a JSON merge patch of just the fields `mutate` changed (the
//!   difference between before and after), so it does not conflict with writers of other
//!   fields; a changed `status` is patched through the status subresource when the kind has
//!   one.

use k8s_apimachinery::{CreateOptions, GetOptions, PatchOptions, PatchType, UpdateOptions};
use k8s_client::Api;
use serde_json::{Map, Value};

use crate::{ApiObject, Error};

/// What [`create_or_update`] / [`create_or_patch`] did (controller-runtime's
/// `OperationResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OperationResult {
    /// `mutate` changed nothing: nothing was written.
    Unchanged,
    /// The object did not exist and was created.
    Created,
    /// The object was updated (or patched).
    Updated,
    /// Only the status subresource was patched.
    UpdatedStatus,
    /// The object and its status were patched.
    UpdatedStatusAndObject,
}

async fn read_or_new<K: ApiObject + Default>(api: &Api<K>, name: &str) -> Result<Option<K>, Error> {
    match api.get(name, &GetOptions::default()).await {
        Ok(obj) => Ok(Some(obj)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn new_object<K: ApiObject + Default>(api: &Api<K>, name: &str) -> K {
    let mut obj = K::default();
    let meta = obj.object_meta_mut();
    meta.name = Some(name.into());
    meta.namespace = api.namespace().map(Into::into);
    obj
}

fn check_identity<K: ApiObject>(obj: &K, name: &str) -> Result<(), Error> {
    let got = obj.object_meta().name.as_deref().unwrap_or_default();
    if got != name {
        return Err(Error::InvalidObject(format!(
            "mutate changed the name of {} {name:?} to {got:?}",
            K::KIND
        )));
    }
    Ok(())
}

/// Gets `name` through `api` (or starts from a new `K` with that name and `api`'s namespace),
/// runs `mutate`, and creates or updates it when something changed. Returns the object as
/// the server has it now and what was done.
pub async fn create_or_update<K, F>(
    api: &Api<K>,
    name: &str,
    mut mutate: F,
) -> Result<(K, OperationResult), Error>
where
    K: ApiObject + Default,
    F: FnMut(&mut K) -> Result<(), Error>,
{
    let Some(current) = read_or_new(api, name).await? else {
        let mut obj = new_object(api, name);
        mutate(&mut obj)?;
        check_identity(&obj, name)?;
        let created = api.create(&obj, &CreateOptions::default()).await?;
        return Ok((created, OperationResult::Created));
    };
    let before = serde_json::to_value(&current)?;
    let mut obj = current;
    mutate(&mut obj)?;
    check_identity(&obj, name)?;
    if serde_json::to_value(&obj)? == before {
        return Ok((obj, OperationResult::Unchanged));
    }
    let updated = api.update(name, &obj, &UpdateOptions::default()).await?;
    Ok((updated, OperationResult::Updated))
}

/// Like [`create_or_update`], but writes an existing object with JSON merge patches of what
/// `mutate` changed: one for the object, one for its `status` (through the status
/// subresource, when `K` has one).
pub async fn create_or_patch<K, F>(
    api: &Api<K>,
    name: &str,
    mut mutate: F,
) -> Result<(K, OperationResult), Error>
where
    K: ApiObject + Default,
    F: FnMut(&mut K) -> Result<(), Error>,
{
    let Some(current) = read_or_new(api, name).await? else {
        let mut obj = new_object(api, name);
        mutate(&mut obj)?;
        check_identity(&obj, name)?;
        let created = api.create(&obj, &CreateOptions::default()).await?;
        return Ok((created, OperationResult::Created));
    };
    let mut before = serde_json::to_value(&current)?;
    let mut obj = current;
    mutate(&mut obj)?;
    check_identity(&obj, name)?;
    let mut after = serde_json::to_value(&obj)?;
    let has_status = K::SUBRESOURCES.contains(&"status");
    let (status_before, status_after) = if has_status {
        (take_status(&mut before), take_status(&mut after))
    } else {
        (Value::Null, Value::Null)
    };
    let patch = merge_diff(&before, &after);
    let status_patch = merge_diff(&status_before, &status_after);
    let mut result = obj;
    let mut did = (false, false);
    if !is_empty_patch(&patch) {
        result = api
            .patch(name, PatchType::Merge, &patch, &PatchOptions::default())
            .await?;
        did.0 = true;
    }
    if !is_empty_patch(&status_patch) {
        let body = serde_json::json!({ "status": status_patch });
        result = api
            .patch_status(name, PatchType::Merge, &body, &PatchOptions::default())
            .await?;
        did.1 = true;
    }
    let outcome = match did {
        (false, false) => OperationResult::Unchanged,
        (true, false) => OperationResult::Updated,
        (false, true) => OperationResult::UpdatedStatus,
        (true, true) => OperationResult::UpdatedStatusAndObject,
    };
    Ok((result, outcome))
}

fn take_status(v: &mut Value) -> Value {
    v.as_object_mut()
        .and_then(|o| o.remove("status"))
        .unwrap_or(Value::Null)
}

fn is_empty_patch(p: &Value) -> bool {
    p.as_object().is_some_and(Map::is_empty)
}

/// The JSON merge patch (RFC 7386) that turns `before` into `after`: changed members with
/// their new values, removed members as `null`; arrays and scalars are replaced whole.
pub(crate) fn merge_diff(before: &Value, after: &Value) -> Value {
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut out = Map::new();
            for (k, av) in a {
                match b.get(k) {
                    Some(bv) if bv == av => {}
                    Some(bv @ Value::Object(_)) if av.is_object() => {
                        out.insert(k.clone(), merge_diff(bv, av));
                    }
                    _ => {
                        out.insert(k.clone(), av.clone());
                    }
                }
            }
            for k in b.keys() {
                if !a.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Value::Object(out)
        }
        (b, a) if b == a => Value::Object(Map::new()),
        (_, a) => a.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_diff_sends_changes_and_nulls_removals() {
        let before = json!({"a": 1, "m": {"x": 1, "y": 2}, "l": [1, 2], "gone": true});
        let after = json!({"a": 1, "m": {"x": 1, "y": 3, "z": 4}, "l": [1]});
        assert_eq!(
            merge_diff(&before, &after),
            json!({"m": {"y": 3, "z": 4}, "l": [1], "gone": null})
        );
        assert_eq!(merge_diff(&after, &after), json!({}));
        // A member that becomes an object from nothing is sent whole.
        assert_eq!(
            merge_diff(&json!({}), &json!({"s": {"a": 1}})),
            json!({"s": {"a": 1}})
        );
    }
}
