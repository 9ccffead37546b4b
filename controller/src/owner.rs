//! Owner references: [`set_controller_reference`] (controller-runtime's
//! `controllerutil.SetControllerReference`) and [`set_owner_reference`].
//!
//! A controller reference (`controller: true`) on an object says which controller manages it:
//! [`Controller::owns`](crate::Controller::owns) maps the object's events to that owner, and
//! the garbage collector deletes the object with its owner (`blockOwnerDeletion` holds a
//! foreground deletion of the owner until the object is gone). An object has at most one
//! controller; an owner must be cluster-scoped or in the object's namespace.
//!
//! ```
//! use k8s_api::apps::v1::Deployment;
//! use k8s_api::core::v1::ConfigMap;
//! use k8s_apimachinery::ObjectMeta;
//! use k8s_controller::owner::set_controller_reference;
//!
//! let mut web = Deployment { metadata: ObjectMeta::namespaced("shop", "web"), ..Default::default() };
//! web.metadata.uid = Some("0d1e".into());
//! let mut settings = ConfigMap { metadata: ObjectMeta::namespaced("shop", "web-settings"), ..Default::default() };
//! set_controller_reference(&web, &mut settings)?;
//! let owner = settings.metadata.controller_ref().unwrap();
//! assert_eq!((owner.kind.as_str(), owner.name.as_str(), owner.uid.as_str()), ("Deployment", "web", "0d1e"));
//! # Ok::<(), k8s_controller::Error>(())
//! ```

use k8s_apimachinery::{HasMetadata, OwnerReference, Resource};

use crate::Error;

fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// Whether `a` and `b` name the same object (group, kind and name; the version may differ).
fn same_owner(a: &OwnerReference, b: &OwnerReference) -> bool {
    group_of(&a.api_version) == group_of(&b.api_version) && a.kind == b.kind && a.name == b.name
}

fn check_scope<O, C>(owner: &O, object: &C) -> Result<OwnerReference, Error>
where
    O: Resource + HasMetadata,
    C: Resource + HasMetadata,
{
    let reference = OwnerReference::controller_of(owner);
    let meta = owner.object_meta();
    if reference.name.is_empty() || reference.uid.is_empty() {
        return Err(Error::InvalidObject(format!(
            "owner {} {:?} has no name or uid: owner references need a stored object",
            O::KIND,
            meta.name
        )));
    }
    if O::NAMESPACED {
        let owner_ns = meta.namespace.as_deref().unwrap_or_default();
        let object_ns = object
            .object_meta()
            .namespace
            .as_deref()
            .unwrap_or_default();
        if !C::NAMESPACED {
            return Err(Error::InvalidObject(format!(
                "cluster-scoped {} cannot be owned by namespaced {} {owner_ns}/{}",
                C::KIND,
                O::KIND,
                reference.name
            )));
        }
        if owner_ns != object_ns {
            return Err(Error::InvalidObject(format!(
                "cross-namespace owner references are not allowed: {} in {owner_ns:?} cannot own {} in {object_ns:?}",
                O::KIND,
                C::KIND
            )));
        }
    }
    Ok(reference)
}

/// Makes `owner` the controller of `object` (controller-runtime's `SetControllerReference`):
/// adds a reference with `controller` and `blockOwnerDeletion` set, or updates the one that
/// already names `owner`. Fails with [`Error::AlreadyOwned`] when another object controls
/// `object`, and with [`Error::InvalidObject`] when `owner` has no uid (not stored yet), or is
/// namespaced and `object` is cluster-scoped or in another namespace.
pub fn set_controller_reference<O, C>(owner: &O, object: &mut C) -> Result<(), Error>
where
    O: Resource + HasMetadata,
    C: Resource + HasMetadata,
{
    let reference = check_scope(owner, object)?;
    let refs = object
        .object_meta_mut()
        .owner_references
        .get_or_insert_with(Vec::new);
    if let Some(other) = refs
        .iter()
        .find(|r| r.controller == Some(true) && !same_owner(r, &reference))
    {
        return Err(Error::AlreadyOwned {
            kind: other.kind.to_string(),
            name: other.name.to_string(),
        });
    }
    match refs.iter_mut().find(|r| same_owner(r, &reference)) {
        Some(existing) => *existing = reference,
        None => refs.push(reference),
    }
    Ok(())
}

/// Adds `owner` as a plain (non-controller) owner of `object`, or updates the reference that
/// names it (controller-runtime's `SetOwnerReference`): the garbage collector deletes `object`
/// once all its owners are gone.
pub fn set_owner_reference<O, C>(owner: &O, object: &mut C) -> Result<(), Error>
where
    O: Resource + HasMetadata,
    C: Resource + HasMetadata,
{
    let mut reference = check_scope(owner, object)?;
    reference.controller = None;
    reference.block_owner_deletion = None;
    let refs = object
        .object_meta_mut()
        .owner_references
        .get_or_insert_with(Vec::new);
    match refs.iter_mut().find(|r| same_owner(r, &reference)) {
        Some(existing) => {
            existing.api_version = reference.api_version;
            existing.uid = reference.uid;
        }
        None => refs.push(reference),
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use k8s_api::apps::v1::{Deployment, ReplicaSet};
    use k8s_api::core::v1::{ConfigMap, Namespace};
    use k8s_api::rbac::v1::ClusterRole;
    use k8s_apimachinery::ObjectMeta;

    fn stored<K: HasMetadata>(mut k: K, uid: &str) -> K {
        k.object_meta_mut().uid = Some(uid.into());
        k
    }

    fn deployment(ns: &str, name: &str, uid: &str) -> Deployment {
        stored(
            Deployment {
                metadata: ObjectMeta::namespaced(ns, name),
                ..Default::default()
            },
            uid,
        )
    }

    fn cm(ns: &str) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta::namespaced(ns, "c"),
            ..Default::default()
        }
    }

    #[test]
    fn sets_then_updates_the_controller_reference() {
        let mut c = cm("a");
        set_controller_reference(&deployment("a", "web", "1"), &mut c).unwrap();
        // The same owner re-created (new uid): the reference is updated, not duplicated.
        set_controller_reference(&deployment("a", "web", "2"), &mut c).unwrap();
        let refs = c.metadata.owner_references.as_ref().unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].uid, "2");
        assert_eq!(refs[0].api_version, "apps/v1");
        assert_eq!(refs[0].block_owner_deletion, Some(true));
    }

    #[test]
    fn another_controller_is_refused() {
        let mut c = cm("a");
        set_controller_reference(&deployment("a", "web", "1"), &mut c).unwrap();
        let rs = stored(
            ReplicaSet {
                metadata: ObjectMeta::namespaced("a", "web-1"),
                ..Default::default()
            },
            "9",
        );
        let err = set_controller_reference(&rs, &mut c).unwrap_err();
        assert!(
            matches!(&err, Error::AlreadyOwned { kind, name } if kind == "Deployment" && name == "web"),
            "{err}"
        );
        // A plain owner reference is fine alongside.
        set_owner_reference(&rs, &mut c).unwrap();
        let refs = c.metadata.owner_references.as_ref().unwrap();
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[1].controller, None);
    }

    #[test]
    fn scope_rules() {
        // Cross-namespace.
        let err = set_controller_reference(&deployment("a", "web", "1"), &mut cm("b")).unwrap_err();
        assert!(err.to_string().contains("cross-namespace"), "{err}");
        // Namespaced owner of a cluster-scoped object.
        let mut ns = Namespace {
            metadata: ObjectMeta::named("x"),
            ..Default::default()
        };
        let err = set_controller_reference(&deployment("a", "web", "1"), &mut ns).unwrap_err();
        assert!(err.to_string().contains("cluster-scoped"), "{err}");
        // Cluster-scoped owner of a namespaced object: allowed.
        let role = stored(
            ClusterRole {
                metadata: ObjectMeta::named("admin"),
                ..Default::default()
            },
            "7",
        );
        set_controller_reference(&role, &mut cm("b")).unwrap();
        // An owner that was never stored has no uid.
        let mut unsaved = deployment("a", "web", "1");
        unsaved.metadata.uid = None;
        let err = set_controller_reference(&unsaved, &mut cm("a")).unwrap_err();
        assert!(err.to_string().contains("no name or uid"), "{err}");
    }
}
