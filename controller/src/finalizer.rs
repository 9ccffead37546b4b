//! [`finalizer`]: run cleanup before an object goes away (controller-runtime's
//! `controllerutil.AddFinalizer` / `RemoveFinalizer` pattern, kube-rs's `finalizer`).
//!
//! A finalizer is a name in `metadata.finalizers`. While it is there, a deletion only sets
//! `metadata.deletionTimestamp`: the object stays, and its controller sees it once more. So a
//! controller that must clean up (delete something outside the cluster, or objects the
//! garbage collector does not know about) adds its finalizer before doing anything, cleans up
//! when it sees the deletion timestamp, then removes the finalizer and lets the object go.
//!
//! [`finalizer`] does the bookkeeping around your reconcile, which gets an [`Event`]:
//!
//! | the object | what `finalizer` does |
//! |---|---|
//! | not being deleted, finalizer absent | adds it (the write brings the object back: `Action::await_change`) |
//! | not being deleted, finalizer present | calls `reconcile(Event::Apply(obj))` |
//! | being deleted, finalizer present | calls `reconcile(Event::Cleanup(obj))`; on `Ok`, removes the finalizer |
//! | being deleted, finalizer absent | nothing (not ours, or cleaned up already) |
//!
//! Both writes are merge patches carrying the `resourceVersion` read (an optimistic
//! precondition): if the object changed meanwhile the server answers `409 Conflict`, nothing
//! is written, and the error goes back to the controller, which retries with the fresh object
//! — so other finalizers added concurrently are never lost. Cleanup must be idempotent: when
//! the removal fails it runs again.

use std::future::Future;
use std::sync::Arc;

use k8s_apimachinery::{PatchOptions, PatchType};
use k8s_client::Api;
use serde_json::json;

use crate::{Action, ApiObject, Error};

/// What [`finalizer`] asks of your reconcile.
#[derive(Debug, Clone)]
pub enum Event<K> {
    /// The object exists and is not being deleted (the finalizer is in place): make the world
    /// match it.
    Apply(Arc<K>),
    /// The object is being deleted: clean up. Once this returns `Ok`, the finalizer is removed
    /// and the object may disappear.
    Cleanup(Arc<K>),
}

/// Runs `reconcile` inside the finalizer protocol described in the [module docs](self), with
/// the finalizer `name` (conventionally `group/purpose`, e.g. `example.com/cleanup`) written
/// through `api`. Errors of `reconcile` are returned as they are; errors of the finalizer's
/// own writes are converted with `From<Error>` (a conflict among them: retry, the usual way).
pub async fn finalizer<K, F, Fut, E>(
    api: &Api<K>,
    name: &str,
    obj: Arc<K>,
    reconcile: F,
) -> Result<Action, E>
where
    K: ApiObject,
    F: FnOnce(Event<K>) -> Fut,
    Fut: Future<Output = Result<Action, E>>,
    E: From<Error>,
{
    let meta = obj.object_meta();
    let finalizers: Vec<String> = meta
        .finalizers
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|f| f.to_string())
        .collect();
    let has = finalizers.iter().any(|f| f == name);
    let deleting = meta.deletion_timestamp.is_some();
    let object = meta.name.as_deref().unwrap_or_default().to_string();
    let rv = meta.resource_version.clone();
    match (deleting, has) {
        (false, false) => {
            let mut next = finalizers;
            next.push(name.to_owned());
            patch_finalizers(api, &object, rv.as_deref(), &next).await?;
            Ok(Action::await_change())
        }
        (false, true) => reconcile(Event::Apply(obj)).await,
        (true, true) => {
            let action = reconcile(Event::Cleanup(obj)).await?;
            let next: Vec<String> = finalizers.into_iter().filter(|f| f != name).collect();
            match patch_finalizers(api, &object, rv.as_deref(), &next).await {
                // Gone already: someone else removed the last finalizer.
                Err(Error::Client(e)) if e.is_not_found() => Ok(Action::await_change()),
                Err(e) => Err(e.into()),
                Ok(()) => Ok(action),
            }
        }
        (true, false) => Ok(Action::await_change()),
    }
}

async fn patch_finalizers<K: ApiObject>(
    api: &Api<K>,
    name: &str,
    resource_version: Option<&str>,
    finalizers: &[String],
) -> Result<(), Error> {
    if name.is_empty() {
        return Err(Error::InvalidObject(
            "finalizer: the object has no name".to_owned(),
        ));
    }
    // The resourceVersion makes the patch conditional: 409 if the object changed since it was
    // read, so a concurrent writer's finalizers are never overwritten by our stale list.
    let patch = json!({
        "metadata": {
            "resourceVersion": resource_version,
            "finalizers": finalizers,
        }
    });
    api.patch(name, PatchType::Merge, &patch, &PatchOptions::default())
        .await?;
    Ok(())
}
