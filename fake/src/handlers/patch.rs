//! `patch`: JSON Patch (RFC 6902), JSON merge patch (RFC 7386), strategic merge patch (built-in
//! kinds, with the merge keys and patch strategies of k8s-api's patch metadata) and server-side
//! apply, then the same write path as an update.

use std::sync::Arc;

use serde_json::Value;

use super::write::{self, Target};
use super::{Ctx, reply_object};
use crate::meta;
use crate::registry::ResourceInfo;
use crate::server::Reply;
use crate::status::{self, Failure};

/// The patch types the real server takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

impl PatchType {
    pub(crate) fn from_content_type(ct: &str) -> Option<Self> {
        let base = ct.split(';').next().unwrap_or("").trim();
        match base {
            "application/json-patch+json" => Some(PatchType::Json),
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" => Some(PatchType::Apply),
            _ => None,
        }
    }
}

/// `patch` of the object or of its status.
pub(crate) fn patch(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>, target: Target) -> Reply {
    match patch_inner(ctx, info, target) {
        Ok((code, obj)) => reply_object(code, &obj, info),
        Err(f) => Reply::Fail(f),
    }
}

fn patch_inner(
    ctx: &Ctx<'_>,
    info: &Arc<ResourceInfo>,
    target: Target,
) -> Result<(u16, Arc<Value>), Failure> {
    let Some(kind) = PatchType::from_content_type(ctx.content_type) else {
        return Err(status::unsupported_media_type(ctx.content_type));
    };
    if kind == PatchType::Strategic && info.custom {
        return Err(status::no_strategic_merge());
    }
    let patch = match &ctx.body {
        Ok(Some(p)) => p.clone(),
        Ok(None) => return Err(status::bad_request("the body of the request was empty")),
        Err(e) => {
            return Err(status::bad_request(match kind {
                PatchType::Merge | PatchType::Strategic => "invalid JSON patch".to_string(),
                _ => format!("error decoding patch: {e}"),
            }));
        }
    };
    if kind == PatchType::Apply {
        return crate::ssa::apply(ctx, info, target, patch);
    }
    let precondition = match kind {
        PatchType::Json => None,
        _ => patch
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_string),
    };
    write::write(ctx, info, target, precondition, |old| {
        let old = old.ok_or_else(|| status::not_found(info, ctx.name()))?;
        let patched = apply_patch(info, kind, old, &patch)?;
        let patched = write::decode(info, patched).map_err(|mut f| {
            f.code = 422;
            f.reason = "Invalid".into();
            f
        })?;
        // A JSON patch may change the resourceVersion: that is a precondition too.
        if kind == PatchType::Json
            && meta::resource_version(&patched) != meta::resource_version(old)
        {
            return Err(status::modified(info, ctx.name()));
        }
        Ok(patched)
    })
}

/// Applies a JSON, merge or strategic merge patch to `old`.
pub(crate) fn apply_patch(
    info: &ResourceInfo,
    kind: PatchType,
    old: &Value,
    patch: &Value,
) -> Result<Value, Failure> {
    let mut doc = old.clone();
    match kind {
        PatchType::Json => json_patch_go(&mut doc, patch)?,
        PatchType::Merge => {
            if !patch.is_object() {
                return Err(status::bad_request(format!(
                    "error decoding patch: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                    go_type_name(patch)
                )));
            }
            json_patch::merge(&mut doc, patch);
        }
        PatchType::Strategic => {
            doc = crate::strategic::apply(info, old, patch)?;
        }
        PatchType::Apply => {
            return Err(status::bad_request(
                "server-side apply is handled by the apply path",
            ));
        }
    }
    Ok(doc)
}

/// The name Go's JSON decoder gives the type of a value in its "cannot unmarshal" errors.
fn go_type_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "object",
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Null => "null",
    }
}

/// Applies a JSON patch as the real server's JSON patch library (evanphx/json-patch v4) does:
/// a body that is not a list of objects is a decoding error (400); any operation that does
/// not apply (an unknown `op` included) rejects the whole patch (422); `replace` of a key an
/// object lacks adds it.
fn json_patch_go(doc: &mut Value, patch: &Value) -> Result<(), Failure> {
    let decode_error = |got: &Value, into: &str| {
        status::bad_request(format!(
            "error decoding patch: json: cannot unmarshal {} into Go value of type {into}",
            go_type_name(got)
        ))
    };
    let Value::Array(items) = patch else {
        return Err(decode_error(patch, "jsonpatch.Patch"));
    };
    if let Some(bad) = items.iter().find(|i| !i.is_object()) {
        return Err(decode_error(bad, "jsonpatch.Operation"));
    }
    let rejected = || {
        Failure::new(
            422,
            "Invalid",
            "the server rejected our request due to an error in our request",
        )
    };
    let ops: json_patch::Patch = serde_json::from_value(patch.clone()).map_err(|_| rejected())?;
    for op in ops.0 {
        let op = match op {
            json_patch::PatchOperation::Replace(r) if missing_object_key(doc, r.path.as_str()) => {
                json_patch::PatchOperation::Add(json_patch::AddOperation {
                    path: r.path,
                    value: r.value,
                })
            }
            op => op,
        };
        json_patch::patch_unsafe(doc, &[op]).map_err(|_| rejected())?;
    }
    Ok(())
}

/// Whether `path` names a key that its parent, an object, does not have.
fn missing_object_key(doc: &Value, path: &str) -> bool {
    let Some((parent, key)) = path.rsplit_once('/') else {
        return false;
    };
    let key = key.replace("~1", "/").replace("~0", "~");
    match doc.pointer(parent) {
        Some(Value::Object(m)) => !m.contains_key(&key),
        _ => false,
    }
}
