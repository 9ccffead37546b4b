//! `delete` and `deletecollection`, by the rules of apiserver's generic registry: preconditions
//! (uid, resourceVersion), graceful deletion of pods, finalizers (the object stays, with a
//! deletionTimestamp, until the last finalizer is removed), the propagation policy recorded as
//! the `foregroundDeletion` / `orphan` finalizers (no garbage collector runs, as on the local
//! plane), namespaces that stay `Terminating` (no namespace controller), and dry runs.

use std::sync::Arc;

use serde_json::{Value, json};

use super::{Ctx, read, reply_object, set_type};
use crate::meta;
use crate::registry::ResourceInfo;
use crate::server::{Reply, resource_key};
use crate::status::{self, Failure};
use crate::tracker::{ObjectKey, Outcome};

/// Resources whose delete answers the deleted object (the rest answer a `Status`).
const RETURNS_OBJECT: &[(&str, &str)] = &[("", "pods"), ("", "services"), ("", "namespaces")];

/// The options of a delete, from the body (`DeleteOptions`) or the query.
#[derive(Default, Debug)]
struct Options {
    grace: Option<i64>,
    policy: Option<String>,
    orphan: Option<bool>,
    uid: Option<String>,
    resource_version: Option<String>,
    dry_run: bool,
}

fn options(ctx: &Ctx<'_>) -> Result<Options, Failure> {
    let mut o = Options::default();
    if let Ok(Some(b)) = &ctx.body {
        o.grace = b.get("gracePeriodSeconds").and_then(Value::as_i64);
        o.policy = b
            .get("propagationPolicy")
            .and_then(Value::as_str)
            .map(str::to_string);
        o.orphan = b.get("orphanDependents").and_then(Value::as_bool);
        o.dry_run = b
            .get("dryRun")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|v| v == "All"));
        o.uid = b
            .pointer("/preconditions/uid")
            .and_then(Value::as_str)
            .map(str::to_string);
        o.resource_version = b
            .pointer("/preconditions/resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_string);
    } else if let Err(e) = &ctx.body {
        return Err(status::bad_request(format!(
            "couldn't get version/kind; json parse error: {e}"
        )));
    }
    let a = ctx.action;
    if let Some(g) = a.query("gracePeriodSeconds").and_then(|s| s.parse().ok()) {
        o.grace = Some(g);
    }
    if let Some(p) = a.query("propagationPolicy") {
        o.policy = Some(p.to_string());
    }
    if let Some(p) = a.query("orphanDependents") {
        o.orphan = Some(p == "true");
    }
    if let Some(p) = &o.policy
        && !matches!(p.as_str(), "Foreground" | "Background" | "Orphan")
    {
        let mut f = status::options_invalid(
            "DeleteOptions",
            "propagationPolicy",
            "FieldValueNotSupported",
            format!(
                "Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""
            ),
        );
        f.code = 422;
        return Err(f);
    }
    if o.orphan.is_some() && o.policy.is_some() {
        return Err(status::bad_request(
            "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Invalid value: \"\": orphanDependents and deletionPropagation cannot be both set",
        ));
    }
    Ok(o)
}

/// `delete`.
pub(crate) fn delete(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>) -> Reply {
    let result = options(ctx).and_then(|o| delete_one(ctx, info, ctx.name(), &o));
    match result {
        Ok((obj, removed)) => answer(info, &obj, removed, ctx.name()),
        Err(f) => Reply::Fail(f),
    }
}

fn answer(info: &ResourceInfo, obj: &Arc<Value>, removed: bool, name: &str) -> Reply {
    let returns_object = info.custom
        || RETURNS_OBJECT
            .iter()
            .any(|(g, p)| *g == info.group && *p == info.plural);
    if !removed || returns_object {
        return reply_object(200, obj, info);
    }
    let mut details = json!({"name": name, "kind": info.plural});
    if !info.group.is_empty() {
        details["group"] = json!(info.group);
    }
    if let Some(uid) = meta::uid(obj) {
        details["uid"] = json!(uid);
    }
    Reply::json(
        200,
        &json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {},
            "status": "Success", "details": details,
        }),
    )
}

/// What deleting one object did: its last state, and whether it is gone.
fn delete_one(
    ctx: &Ctx<'_>,
    info: &Arc<ResourceInfo>,
    name: &str,
    o: &Options,
) -> Result<(Arc<Value>, bool), Failure> {
    let key: ObjectKey = ctx.key(info, name);
    let tracker = &ctx.server.inner.tracker;
    let dry_run = ctx.dry_run() || o.dry_run;
    let (result, _) = tracker.modify(&resource_key(info), &key, |old| {
        let Some(old) = old else {
            return Outcome::Keep(Err(status::not_found(info, name)));
        };
        if let Some(uid) = &o.uid
            && Some(uid.as_str()) != meta::uid(old)
        {
            return Outcome::Keep(Err(status::conflict_kind(
                info,
                name,
                &format!(
                    "the UID in the precondition ({uid}) does not match the UID in record ({}). The object might have been deleted and then recreated",
                    meta::uid(old).unwrap_or_default()
                ),
            )));
        }
        if let Some(rv) = &o.resource_version
            && Some(rv.as_str()) != meta::resource_version(old)
        {
            return Outcome::Keep(Err(status::conflict_kind(
                info,
                name,
                &format!(
                    "the ResourceVersion in the precondition ({rv}) does not match the ResourceVersion in record ({}). The object might have been modified",
                    meta::resource_version(old).unwrap_or_default()
                ),
            )));
        }
        let is_namespace = info.group.is_empty() && info.plural == "namespaces";
        if is_namespace && meta::is_deleting(old) {
            return Outcome::Keep(Err(status::conflict(
                info,
                name,
                "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.",
            )));
        }
        let mut new = (**old).clone();
        // The propagation policy, as finalizers for the garbage collector.
        let mut finalizers = meta::finalizers(old);
        let policy = match (&o.policy, o.orphan) {
            (Some(p), _) => Some(p.as_str()),
            (None, Some(true)) => Some("Orphan"),
            (None, Some(false)) => Some("Background"),
            (None, None) => None,
        };
        let mut set_finalizer = |f: &str, on: bool| {
            let has = finalizers.iter().any(|x| x == f);
            if on && !has {
                finalizers.push(f.to_string());
            } else if !on && has {
                finalizers.retain(|x| x != f);
            }
        };
        match policy {
            Some("Foreground") => {
                set_finalizer("orphan", false);
                set_finalizer("foregroundDeletion", true);
            }
            Some("Orphan") => {
                set_finalizer("foregroundDeletion", false);
                set_finalizer("orphan", true);
            }
            Some(_) => {
                set_finalizer("foregroundDeletion", false);
                set_finalizer("orphan", false);
            }
            None => {}
        }
        // Graceful deletion: pods that may still run on a node.
        let grace = pod_grace(info, old, o.grace);
        let namespace_pending = is_namespace
            && old
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty());
        if finalizers.is_empty() && grace == 0 && !namespace_pending {
            // A pod (the kind with graceful deletion) goes with its deletion marked in its
            // last state, as the real server's graceful-deletion step leaves it.
            let last = if is_pod(info) && !meta::is_deleting(old) {
                let mut last = (**old).clone();
                meta::set(&mut last, "deletionTimestamp", Some(json!(meta::now_plus(0))));
                meta::set(&mut last, "deletionGracePeriodSeconds", Some(json!(0)));
                Some(last)
            } else {
                None
            };
            let answer = last.clone().map(Arc::new).unwrap_or_else(|| old.clone());
            if dry_run {
                return Outcome::Keep(Ok((answer, true)));
            }
            return Outcome::Remove(last, Ok((answer, true)));
        }
        // Deletion already in progress: a shorter grace period brings it forward (a pod's);
        // nothing else changes.
        let current_grace = old
            .pointer("/metadata/deletionGracePeriodSeconds")
            .and_then(Value::as_i64);
        let shorter = meta::is_deleting(old) && current_grace.is_some_and(|g| grace < g);
        if meta::is_deleting(old) && meta::finalizers(old) == finalizers && !shorter {
            return Outcome::Keep(Ok((old.clone(), false)));
        }
        if shorter {
            meta::set(&mut new, "deletionTimestamp", Some(json!(meta::now_plus(grace))));
            meta::set(&mut new, "deletionGracePeriodSeconds", Some(json!(grace)));
        }
        meta::set(
            &mut new,
            "finalizers",
            (!finalizers.is_empty()).then(|| json!(finalizers)),
        );
        if !meta::is_deleting(old) {
            meta::set(&mut new, "deletionTimestamp", Some(json!(meta::now_plus(grace))));
            meta::set(&mut new, "deletionGracePeriodSeconds", Some(json!(grace)));
        }
        if is_namespace {
            new["status"] = json!({"phase": "Terminating"});
        }
        if dry_run {
            return Outcome::Keep(Ok((Arc::new(new), false)));
        }
        Outcome::Put(new, Ok((Arc::new(Value::Null), false)))
    });
    let (obj, removed) = result?;
    if !removed && obj.is_null() {
        // Stored with a new resourceVersion: answer the stored object.
        let stored = tracker
            .get(&resource_key(info), &key)
            .ok_or_else(|| status::not_found(info, name))?;
        return Ok((stored, false));
    }
    if removed
        && !dry_run
        && info.group == "apiextensions.k8s.io"
        && info.plural == "customresourcedefinitions"
        && let (Some(g), Some(p)) = (
            obj.pointer("/spec/group").and_then(Value::as_str),
            obj.pointer("/spec/names/plural").and_then(Value::as_str),
        )
    {
        ctx.server.inner.registry.remove_crd(g, p);
    }
    Ok((obj, removed))
}

fn is_pod(info: &ResourceInfo) -> bool {
    info.group.is_empty() && info.plural == "pods"
}

/// The grace period of a pod's deletion (0 for everything else, and for pods not on a node
/// or already finished, as the pod strategy decides).
fn pod_grace(info: &ResourceInfo, pod: &Value, asked: Option<i64>) -> i64 {
    if !is_pod(info) {
        return 0;
    }
    let on_node = pod
        .pointer("/spec/nodeName")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    let finished = matches!(
        pod.pointer("/status/phase").and_then(Value::as_str),
        Some("Succeeded" | "Failed")
    );
    if !on_node || finished {
        return 0;
    }
    let grace = asked
        .or_else(|| {
            pod.pointer("/spec/terminationGracePeriodSeconds")
                .and_then(Value::as_i64)
        })
        .unwrap_or(30);
    // A negative period means "now", as 0 does (the real server turns it into 1 for pods
    // on a node, so the kubelet still sees the deletion).
    if grace <= 0 {
        if asked.is_some() && grace == 0 { 0 } else { 1 }
    } else {
        grace
    }
}

/// `deletecollection`.
pub(crate) fn delete_collection(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>) -> Reply {
    let result = (|| {
        let o = options(ctx)?;
        let p = read::params(ctx, info, false)?;
        let ns = ctx.action.namespace.as_deref().filter(|_| info.namespaced);
        let (items, rv) = ctx.server.inner.tracker.list(&resource_key(info), ns);
        let mut deleted = Vec::new();
        for obj in items.iter().filter(|o| read::selected(o, &p)) {
            let name = meta::name(obj).unwrap_or_default().to_string();
            match delete_one(ctx, info, &name, &o) {
                Ok((obj, _)) => {
                    let mut v = (*obj).clone();
                    set_type(&mut v, info);
                    deleted.push(v);
                }
                Err(f) if f.code == 404 => {}
                Err(f) => return Err(f),
            }
        }
        Ok(json!({
            "kind": info.list_kind,
            "apiVersion": info.api_version(),
            "metadata": {"resourceVersion": rv.to_string()},
            "items": deleted,
        }))
    })();
    match result {
        Ok(v) => Reply::json(200, &v),
        Err(f) => Reply::Fail(f),
    }
}
