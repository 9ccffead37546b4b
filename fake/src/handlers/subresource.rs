//! Subresources: `status` (get/update/patch), `scale` (get/update/patch, as `autoscaling/v1`
//! `Scale`), a namespace's `finalize`, and a pod's `eviction` (a delete; no PodDisruptionBudget
//! is consulted). Other subresources (`log`, `exec`, `binding`, `token`, …) answer `404` with a
//! message that says the fake does not serve them.

use std::sync::Arc;

use k8s_apimachinery::LabelSelector;
use k8s_apimachinery::selector::Selector;
use serde_json::{Value, json};

use super::patch::{self, PatchType};
use super::write::{self, Target};
use super::{Ctx, delete, reply_object};
use crate::meta;
use crate::registry::ResourceInfo;
use crate::server::{Reply, resource_key};
use crate::status::{self, Failure};

/// Routes a subresource request.
pub(crate) async fn handle(ctx: Ctx<'_>, info: Arc<ResourceInfo>, sub: &str) -> Reply {
    let verb = ctx.action.verb.as_str();
    match (sub, verb) {
        ("status", "get") if info.status => super::read::get(&ctx, &info),
        ("status", "update") if info.status => write::update(&ctx, &info, Target::Status),
        ("status", "patch") if info.status => patch::patch(&ctx, &info, Target::Status),
        ("scale", "get" | "update" | "patch") if info.scale.is_some() => {
            match scale(&ctx, &info, verb) {
                Ok(r) => r,
                Err(f) => Reply::Fail(f),
            }
        }
        ("finalize", "update") if info.group.is_empty() && info.plural == "namespaces" => {
            finalize(&ctx, &info)
        }
        ("eviction", "create") if info.group.is_empty() && info.plural == "pods" => {
            evict(&ctx, &info)
        }
        ("status" | "scale", _) if info.status || info.scale.is_some() => {
            Reply::Fail(status::method_not_allowed(verb, &info))
        }
        // The kind has no such subresource, or the fake does not serve it (log, exec,
        // binding, token, …: see the crate docs).
        _ => Reply::Fail(status::no_such_path()),
    }
}

/// The `autoscaling/v1` `Scale` of an object.
fn to_scale(info: &ResourceInfo, obj: &Value) -> Value {
    let paths = info
        .scale
        .clone()
        .unwrap_or_else(|| crate::registry::ScalePaths {
            spec_replicas: ".spec.replicas".into(),
            status_replicas: ".status.replicas".into(),
            label_selector: None,
        });
    let replicas = meta::at_path(obj, &paths.spec_replicas)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let status_replicas = meta::at_path(obj, &paths.status_replicas)
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let selector = if info.custom {
        paths
            .label_selector
            .as_deref()
            .and_then(|p| meta::at_path(obj, p))
            .and_then(Value::as_str)
            .map(str::to_string)
    } else {
        obj.pointer("/spec/selector")
            .and_then(|s| serde_json::from_value::<LabelSelector>(s.clone()).ok())
            .and_then(|ls| Selector::from_label_selector(Some(&ls)).ok())
            .map(|s| s.to_string())
    };
    let m = obj.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let mut status = json!({"replicas": status_replicas});
    if let Some(s) = selector.filter(|s| !s.is_empty()) {
        status["selector"] = json!(s);
    }
    json!({
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": m.get("name"), "namespace": m.get("namespace"), "uid": m.get("uid"),
            "resourceVersion": m.get("resourceVersion"), "creationTimestamp": m.get("creationTimestamp"),
        },
        "spec": {"replicas": replicas},
        "status": status,
    })
}

fn scale(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>, verb: &str) -> Result<Reply, Failure> {
    let key = ctx.key(info, ctx.name());
    let tracker = &ctx.server.inner.tracker;
    let current = tracker
        .get(&resource_key(info), &key)
        .ok_or_else(|| status::not_found(info, ctx.name()))?;
    if verb == "get" {
        return Ok(Reply::json(200, &to_scale(info, &current)));
    }
    let spec_path = info
        .scale
        .as_ref()
        .map_or(".spec.replicas".to_string(), |s| s.spec_replicas.clone());
    let body = ctx.body.clone().map_err(|e| {
        status::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
    })?;
    let body = body.ok_or_else(|| status::bad_request("the body of the request was empty"))?;
    let (precondition, desired) = if verb == "update" {
        (
            meta::resource_version(&body).map(str::to_string),
            body.pointer("/spec/replicas").cloned(),
        )
    } else {
        let kind = PatchType::from_content_type(ctx.content_type)
            .filter(|k| *k != PatchType::Apply)
            .ok_or_else(|| status::unsupported_media_type(ctx.content_type))?;
        let scale_info = scale_info();
        let patched = patch::apply_patch(&scale_info, kind, &to_scale(info, &current), &body)?;
        (
            body.pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .map(str::to_string),
            patched.pointer("/spec/replicas").cloned(),
        )
    };
    let replicas = match desired {
        Some(Value::Number(n)) if n.as_i64().is_some_and(|n| n >= 0) => Value::Number(n),
        other => {
            return Err(status::invalid(
                &scale_info(),
                ctx.name(),
                vec![status::Cause {
                    field: "spec.replicas".into(),
                    reason: "FieldValueInvalid",
                    message: format!(
                        "Invalid value: {}: must be greater than or equal to 0",
                        other.unwrap_or(Value::Null)
                    ),
                }],
            ));
        }
    };
    let (_, obj) = write::write(ctx, info, Target::Main, precondition, |old| {
        let mut new = old.cloned().unwrap_or(Value::Null);
        meta::set_path(&mut new, &spec_path, replicas.clone());
        Ok(new)
    })?;
    Ok(Reply::json(200, &to_scale(info, &obj)))
}

/// What `Scale` is, for messages and strategic merge patches of it.
fn scale_info() -> ResourceInfo {
    ResourceInfo {
        group: "autoscaling".into(),
        version: "v1".into(),
        plural: "scales".into(),
        kind: "Scale".into(),
        list_kind: String::new(),
        namespaced: true,
        verbs: Vec::new(),
        status: false,
        scale: None,
        generation: false,
        custom: false,
        short_names: Vec::new(),
        categories: Vec::new(),
        schema: None,
        round_trip: None,
    }
}

/// `PUT /api/v1/namespaces/{name}/finalize`: sets `spec.finalizers`; a namespace being
/// deleted with none left is removed.
fn finalize(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>) -> Reply {
    let body = match super::body_object(ctx, info) {
        Ok(b) => b,
        Err(f) => return Reply::Fail(f),
    };
    let finalizers = body
        .pointer("/spec/finalizers")
        .cloned()
        .unwrap_or_else(|| json!([]));
    let result = write::write(ctx, info, Target::Main, None, |old| {
        let mut new = old.cloned().unwrap_or(Value::Null);
        new["spec"]["finalizers"] = finalizers.clone();
        Ok(new)
    });
    let key = ctx.key(info, ctx.name());
    match result {
        Ok((code, obj)) => {
            let empty = obj
                .pointer("/spec/finalizers")
                .and_then(Value::as_array)
                .is_none_or(|a| a.is_empty());
            if empty && meta::is_deleting(&obj) && meta::finalizers(&obj).is_empty() {
                ctx.server
                    .inner
                    .tracker
                    .modify(&resource_key(info), &key, |cur| match cur {
                        Some(_) => crate::tracker::Outcome::Remove(None, ()),
                        None => crate::tracker::Outcome::Keep(()),
                    });
            }
            reply_object(code, &obj, info)
        }
        Err(f) => Reply::Fail(f),
    }
}

/// `POST pods/{name}/eviction`: deletes the pod with the eviction's delete options.
fn evict(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>) -> Reply {
    let options = ctx
        .body
        .as_ref()
        .ok()
        .and_then(|b| b.as_ref())
        .and_then(|b| b.get("deleteOptions").cloned());
    let del_ctx = Ctx {
        server: ctx.server,
        action: ctx.action,
        body: Ok(options),
        raw: ctx.raw,
        content_type: ctx.content_type,
        accept: ctx.accept,
        user_agent: ctx.user_agent,
        plan: ctx.plan,
    };
    match delete::delete(&del_ctx, info) {
        Reply::Fail(f) => Reply::Fail(f),
        _ => Reply::json(
            201,
            &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}),
        ),
    }
}
