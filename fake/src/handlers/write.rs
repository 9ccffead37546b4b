//! `create` and `update` (and the write half of `patch` and of the status subresource): decode
//! as the real server does, admit (the namespace must exist and not be terminating), fill the
//! system fields, and store under optimistic concurrency.
//!
//! What the real server's strategies do that the fake does too: uid, creationTimestamp,
//! resourceVersion, `generateName`, generation (1 on create, bumped when anything but
//! metadata and status changes, for kinds that track it), the status subresource split (the
//! main endpoint keeps the stored status, `/status` keeps everything else), no-op updates that
//! change nothing (same resourceVersion, no event), and removal of an object being deleted once
//! its last finalizer is gone. Defaulting and per-kind validation beyond names are not done.

use std::sync::Arc;

use k8s_apimachinery::validation::{is_dns1123_label, is_dns1123_subdomain};
use serde_json::{Map, Value, json};

use super::{Ctx, body_object, reply_object, set_type};
use crate::meta;
use crate::registry::ResourceInfo;
use crate::server::{FakeApiServer, Reply, resource_key};
use crate::status::{self, Cause, Failure};
use crate::tracker::{ObjectKey, Outcome};

/// Which part of an object a write may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// The object (its status is kept as stored when the kind has a status subresource).
    Main,
    /// Only `status` (the `/status` subresource).
    Status,
}

/// Resources whose names are DNS-1123 labels (the rest are subdomains or path segments).
const LABEL_NAMED: &[(&str, &str)] = &[("", "namespaces"), ("", "services")];

/// Resources whose names only need to be path segments.
const PATH_SEGMENT_NAMED: &[(&str, &str)] = &[
    ("rbac.authorization.k8s.io", "roles"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "rolebindings"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"),
];

/// Resources a PUT may create (their strategies allow create on update).
const CREATE_ON_UPDATE: &[(&str, &str)] = &[
    ("coordination.k8s.io", "leases"),
    ("", "events"),
    ("events.k8s.io", "events"),
    ("", "endpoints"),
];

fn is(list: &[(&str, &str)], info: &ResourceInfo) -> bool {
    list.iter()
        .any(|(g, p)| *g == info.group && *p == info.plural)
}

/// Characters of generated name suffixes (apimachinery's `utilrand.String`).
const SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Checks `apiVersion`/`kind` of a body against the endpoint and decodes it as the real
/// server's decoder would (unknown fields of built-in kinds dropped, wrong types refused).
pub(crate) fn decode(info: &ResourceInfo, mut obj: Value) -> Result<Value, Failure> {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    if !api_version.is_empty() && api_version != info.api_version() && info.custom {
        // A custom resource's body is checked by group version first, then by kind.
        return Err(status::bad_request(format!(
            "the API version in the data ({api_version}) does not match the expected API version ({})",
            info.api_version()
        )));
    }
    if (!kind.is_empty() && kind != info.kind)
        || (!api_version.is_empty() && api_version != info.api_version())
    {
        if info.custom {
            let name = crate::meta::name(&obj).unwrap_or_default().to_string();
            return Err(status::invalid_as(
                &info.group,
                kind,
                &name,
                vec![Cause {
                    field: "kind".into(),
                    reason: "FieldValueInvalid",
                    message: format!("Invalid value: \"{kind}\": must be {}", info.kind),
                }],
            ));
        }
        // A built-in body of another kind fails in the decoder, as the real server's.
        let shown_kind = if kind.is_empty() { &info.kind } else { kind };
        let shown_version = if api_version.is_empty() {
            info.api_version()
        } else {
            api_version.to_string()
        };
        let (_, data_version) = crate::registry::split_api_version(&shown_version);
        let internal = if info.group.is_empty() {
            "core"
        } else {
            info.group.split('.').next().unwrap_or(&info.group)
        };
        return Err(status::bad_request(format!(
            "{shown_kind} in version \"{data_version}\" cannot be handled as a {}: converting ({shown_version}, Kind={shown_kind}) to ({internal}.{}): unknown conversion",
            info.kind, info.kind
        )));
    }
    set_type(&mut obj, info);
    if let Some(rt) = info.round_trip {
        obj = rt(obj).map_err(|e| {
            status::bad_request(format!(
                "{} in version \"{}\" cannot be handled as a {}: {e}",
                info.kind, info.version, info.kind
            ))
        })?;
        set_type(&mut obj, info);
    }
    crate::defaults::apply(info, &mut obj);
    crate::validation::validate(info, &obj)?;
    if let Some(schema) = &info.schema {
        crate::crd_schema::prune_and_default(schema, &mut obj);
        let causes = crate::crd_schema::validate(schema, &obj);
        if !causes.is_empty() {
            let name = meta::name(&obj).unwrap_or_default().to_string();
            return Err(status::invalid(info, &name, causes));
        }
    }
    Ok(obj)
}

/// Validates `metadata.name` as the resource requires.
fn validate_name(info: &ResourceInfo, name: &str) -> Result<(), Failure> {
    let errs = if is(LABEL_NAMED, info) {
        is_dns1123_label(name)
    } else if is(PATH_SEGMENT_NAMED, info) {
        if name == "." || name == ".." {
            vec![format!("may not be '{name}'")]
        } else if name.contains('/') || name.contains('%') {
            vec!["may not contain '/' or '%'".to_string()]
        } else {
            Vec::new()
        }
    } else {
        is_dns1123_subdomain(name)
    };
    if errs.is_empty() {
        return Ok(());
    }
    Err(status::invalid(
        info,
        name,
        errs.into_iter()
            .map(|e| Cause {
                field: "metadata.name".into(),
                reason: "FieldValueInvalid",
                message: format!("Invalid value: \"{name}\": {e}"),
            })
            .collect(),
    ))
}

/// NamespaceLifecycle admission: a namespaced object may only be created in a namespace
/// that exists and is not being deleted.
fn admit_namespace(
    server: &FakeApiServer,
    info: &ResourceInfo,
    name: &str,
    ns: &str,
) -> Result<(), Failure> {
    if !info.namespaced {
        return Ok(());
    }
    let ns_res = (String::new(), "namespaces".to_string());
    match server
        .inner
        .tracker
        .get(&ns_res, &(String::new(), ns.to_string()))
    {
        None => {
            let ns_info = server
                .inner
                .registry
                .get("", "v1", "namespaces")
                .ok_or_else(status::no_such_path)?;
            Err(status::not_found(&ns_info, ns))
        }
        Some(n) if meta::is_deleting(&n) => Err(status::namespace_terminating(info, name, ns)),
        Some(_) => Ok(()),
    }
}

fn random_suffix(server: &FakeApiServer) -> String {
    let uid = server.next_uid();
    uid.bytes()
        .filter(u8::is_ascii_hexdigit)
        .take(5)
        .map(|b| SUFFIX_ALPHABET[(b as usize) % SUFFIX_ALPHABET.len()] as char)
        .collect()
}

/// `create`.
pub(crate) fn create(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>) -> Reply {
    match create_inner(ctx, info) {
        Ok(r) => r,
        Err(f) => Reply::Fail(f),
    }
}

fn create_inner(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>) -> Result<Reply, Failure> {
    let obj = decode(info, body_object(ctx, info)?)?;
    let mut stored = prepare_create(ctx.server, info, ctx.namespace(), obj)?;
    crate::ssa::track_update(ctx, info, Target::Main, None, &mut stored);
    if !info.is_stored() {
        // Virtual resources (reviews) answer with what they were sent.
        return Ok(Reply::json(201, &stored));
    }
    insert(ctx.server, info, stored, ctx.dry_run()).map(|obj| reply_object(201, &obj, info))
}

/// Fills the system fields of a new object and admits it (no storing).
pub(crate) fn prepare_create(
    server: &FakeApiServer,
    info: &ResourceInfo,
    path_ns: &str,
    mut obj: Value,
) -> Result<Value, Failure> {
    let mut name = meta::name(&obj).unwrap_or_default().to_string();
    if name.is_empty() {
        match meta::str_field(&obj, "generateName").filter(|s| !s.is_empty()) {
            Some(prefix) => {
                // apimachinery's SimpleNameGenerator: at most 58 characters of the prefix.
                let prefix: String = prefix.chars().take(58).collect();
                name = format!("{prefix}{}", random_suffix(server));
                meta::set(&mut obj, "name", Some(Value::String(name.clone())));
            }
            None => {
                return Err(status::invalid(
                    info,
                    "",
                    vec![Cause {
                        field: "metadata.name".into(),
                        reason: "FieldValueRequired",
                        message: "Required value: name or generateName is required".into(),
                    }],
                ));
            }
        }
    }
    if info.namespaced {
        match meta::namespace(&obj) {
            Some(ns) if ns != path_ns => {
                return Err(status::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => meta::set(&mut obj, "namespace", Some(Value::String(path_ns.into()))),
        }
    } else {
        meta::set(&mut obj, "namespace", None);
    }
    validate_name(info, &name)?;
    admit_namespace(server, info, &name, path_ns)?;
    if meta::resource_version(&obj).is_some() {
        return Err(Failure::new(
            500,
            "",
            "resourceVersion should not be set on objects to be created",
        ));
    }
    meta::set(&mut obj, "uid", Some(Value::String(server.next_uid())));
    meta::set(
        &mut obj,
        "creationTimestamp",
        Some(Value::String(meta::now())),
    );
    meta::set(&mut obj, "deletionTimestamp", None);
    meta::set(&mut obj, "deletionGracePeriodSeconds", None);
    if info.generation {
        meta::set(&mut obj, "generation", Some(Value::from(1)));
    }
    if info.status
        && let Some(m) = obj.as_object_mut()
    {
        m.remove("status");
    }
    kind_defaults_on_create(info, &mut obj, &name);
    Ok(obj)
}

/// The few per-kind defaults the fake applies (the rest is in the docs' deviation table).
fn kind_defaults_on_create(info: &ResourceInfo, obj: &mut Value, name: &str) {
    match (info.group.as_str(), info.plural.as_str()) {
        ("", "namespaces") => {
            let labels = meta::metadata_mut(obj)
                .entry("labels")
                .or_insert_with(|| json!({}));
            if let Some(l) = labels.as_object_mut() {
                l.insert("kubernetes.io/metadata.name".into(), json!(name));
            }
            if obj.pointer("/spec/finalizers").is_none() {
                obj["spec"] = json!({"finalizers": ["kubernetes"]});
            }
            obj["status"] = json!({"phase": "Active"});
        }
        ("", "pods") => {
            obj["status"] = json!({"phase": "Pending"});
        }
        _ => {}
    }
}

/// Stores a prepared new object (a CRD also starts serving its resources).
pub(crate) fn insert(
    server: &FakeApiServer,
    info: &ResourceInfo,
    obj: Value,
    dry_run: bool,
) -> Result<Arc<Value>, Failure> {
    let name = meta::name(&obj).unwrap_or_default().to_string();
    let key: ObjectKey = (
        meta::namespace(&obj).unwrap_or_default().to_string(),
        name.clone(),
    );
    let is_crd = info.group == "apiextensions.k8s.io" && info.plural == "customresourcedefinitions";
    if dry_run {
        return match server.inner.tracker.get(&resource_key(info), &key) {
            Some(_) => Err(status::already_exists(info, &name)),
            None => Ok(Arc::new(obj)),
        };
    }
    if is_crd {
        server
            .inner
            .registry
            .install_crd(&obj)
            .map_err(|e| status::bad_request(format!("CustomResourceDefinition {name:?}: {e}")))?;
    }
    let mut obj = obj;
    if is_crd {
        obj["status"] = crd_status(&obj);
    }
    let (result, _) = server
        .inner
        .tracker
        .modify(&resource_key(info), &key, |old| match old {
            Some(_) => Outcome::Keep(Err(status::already_exists(info, &name))),
            None => Outcome::Put(obj, Ok(())),
        });
    result?;
    server
        .inner
        .tracker
        .get(&resource_key(info), &key)
        .ok_or_else(|| status::not_found(info, &name))
}

/// The status a CRD reaches once the real server has accepted its names.
fn crd_status(crd: &Value) -> Value {
    let now = meta::now();
    let cond = |t: &str, reason: &str, message: &str| json!({"type": t, "status": "True", "lastTransitionTime": now, "reason": reason, "message": message});
    json!({
        "acceptedNames": crd.pointer("/spec/names").cloned().unwrap_or_else(|| json!({})),
        "conditions": [
            cond("NamesAccepted", "NoConflicts", "no conflicts found"),
            cond("Established", "InitialNamesAccepted", "the initial names have been accepted"),
        ],
        "storedVersions": crd.pointer("/spec/versions").and_then(Value::as_array).map(|vs| {
            vs.iter().filter(|v| v.get("storage").and_then(Value::as_bool) == Some(true))
                .filter_map(|v| v.get("name").cloned()).collect::<Vec<_>>()
        }).unwrap_or_default(),
    })
}

/// `update` of the object or of its status.
pub(crate) fn update(ctx: &Ctx<'_>, info: &Arc<ResourceInfo>, target: Target) -> Reply {
    let result = body_object(ctx, info)
        .and_then(|b| decode(info, b))
        .and_then(|obj| {
            let name = ctx.name().to_string();
            match meta::name(&obj) {
                Some(n) if n != name => {
                    return Err(status::bad_request(format!(
                        "the name of the object ({n}) does not match the name on the URL ({name})"
                    )));
                }
                _ => {}
            }
            if info.namespaced
                && let Some(ns) = meta::namespace(&obj)
                && ns != ctx.namespace()
            {
                return Err(status::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            let precondition = meta::resource_version(&obj).map(str::to_string);
            if precondition.is_none() && info.custom {
                // Custom resources take no unconditional update.
                return Err(status::invalid_as(
                    &info.group,
                    &info.plural,
                    &name,
                    vec![Cause {
                        field: "metadata.resourceVersion".into(),
                        reason: "FieldValueInvalid",
                        message: "Invalid value: 0: must be specified for an update".into(),
                    }],
                ));
            }
            // A uid in the body is a precondition.
            let want_uid = meta::uid(&obj).filter(|u| !u.is_empty()).map(str::to_string);
            write(ctx, info, target, precondition, |old| {
                if let (Some(want), Some(old)) = (&want_uid, old)
                    && let Some(have) = meta::uid(old)
                    && have != want
                {
                    return Err(status::conflict(
                        info,
                        &name,
                        &format!(
                            "Precondition failed: UID in precondition: {want}, UID in object meta: {have}"
                        ),
                    ));
                }
                Ok(obj.clone())
            })
        });
    match result {
        Ok((code, obj)) => reply_object(code, &obj, info),
        Err(f) => Reply::Fail(f),
    }
}

/// The fields of `metadata` a client may not change.
const SYSTEM_META: &[&str] = &[
    "uid",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "generation",
    "resourceVersion",
    "selfLink",
];

/// Reads the stored object, computes its new state with `change` (given the old one), and
/// stores it if `precondition` (a resourceVersion) holds. Creates when the resource allows
/// create-on-update (or `allow_create`) and the object is absent. Answers the code (200, or
/// 201 when created) and the object as stored.
pub(crate) fn write(
    ctx: &Ctx<'_>,
    info: &Arc<ResourceInfo>,
    target: Target,
    precondition: Option<String>,
    change: impl Fn(Option<&Value>) -> Result<Value, Failure>,
) -> Result<(u16, Arc<Value>), Failure> {
    write_with(ctx, info, target, precondition, false, change)
}

/// [`write`], optionally creating an absent object (server-side apply).
pub(crate) fn write_with(
    ctx: &Ctx<'_>,
    info: &Arc<ResourceInfo>,
    target: Target,
    precondition: Option<String>,
    allow_create: bool,
    change: impl Fn(Option<&Value>) -> Result<Value, Failure>,
) -> Result<(u16, Arc<Value>), Failure> {
    let name = ctx.name().to_string();
    let key = ctx.key(info, &name);
    let server = ctx.server;
    let dry_run = ctx.dry_run();
    let old = server.inner.tracker.get(&resource_key(info), &key);
    let Some(_) = &old else {
        if !(allow_create || is(CREATE_ON_UPDATE, info)) || target != Target::Main {
            return Err(status::not_found(info, &name));
        }
        let mut obj = change(None)?;
        meta::set(&mut obj, "name", Some(Value::String(name.clone())));
        meta::set(&mut obj, "resourceVersion", None);
        let mut obj = prepare_create(server, info, ctx.namespace(), obj)?;
        if !ctx.is_apply() {
            crate::ssa::track_update(ctx, info, Target::Main, None, &mut obj);
        }
        return insert(server, info, obj, dry_run).map(|o| (201, o));
    };
    // Compute outside the lock (patches may be costly), then store only if nothing changed
    // meanwhile (the stored resourceVersion is the one we read), else compute again from the
    // newer object, as the real server's GuaranteedUpdate does.
    loop {
        let Some(old) = server.inner.tracker.get(&resource_key(info), &key) else {
            return Err(status::not_found(info, &name));
        };
        let old_rv = meta::resource_version(&old).unwrap_or_default().to_string();
        if let Some(want) = &precondition
            && *want != old_rv
        {
            return Err(status::modified(info, &name));
        }
        let proposed = change(Some(&old))?;
        let mut new = merge_update(info, target, &old, proposed)?;
        if !ctx.is_apply() {
            crate::ssa::track_update(ctx, info, target, Some(&old), &mut new);
        }
        if dry_run {
            return Ok((200, Arc::new(new)));
        }
        let deleting_done = meta::is_deleting(&new) && meta::finalizers(&new).is_empty();
        let (result, _) = server
            .inner
            .tracker
            .modify(&resource_key(info), &key, |cur| match cur {
                None => Outcome::Keep(Err(Some(status::not_found(info, &name)))),
                Some(cur) if meta::resource_version(cur).unwrap_or_default() != old_rv => {
                    Outcome::Keep(Err(None))
                }
                Some(cur) if unchanged(cur, &new) => Outcome::Keep(Ok(cur.clone())),
                Some(_) if deleting_done => {
                    Outcome::Remove(Some(new.clone()), Ok(Arc::new(new.clone())))
                }
                Some(_) => Outcome::Put(new.clone(), Ok(Arc::new(new.clone()))),
            });
        match result {
            Ok(obj) => {
                // `Put` stored `new` with a fresh resourceVersion: answer what is stored.
                let stored = server
                    .inner
                    .tracker
                    .get(&resource_key(info), &key)
                    .filter(|s| meta::uid(s) == meta::uid(&obj))
                    .unwrap_or(obj);
                return Ok((200, stored));
            }
            Err(Some(f)) => return Err(f),
            // Changed between our read and our write: with a precondition that is a
            // conflict; without one, try again on the newer object.
            Err(None) if precondition.is_some() => return Err(status::modified(info, &name)),
            Err(None) => continue,
        }
    }
}

/// Whether `new` would change nothing (the resourceVersion and the times of managedFields
/// entries aside: a new manager, or fields changing hands, is a change).
fn unchanged(cur: &Value, new: &Value) -> bool {
    let strip = |v: &Value| {
        let mut v = v.clone();
        if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
            m.remove("resourceVersion");
            if let Some(Value::Array(entries)) = m.get_mut("managedFields") {
                for e in entries.iter_mut().filter_map(Value::as_object_mut) {
                    e.remove("time");
                }
            }
        }
        v
    };
    strip(cur) == strip(new)
}

/// The stored object's system fields and the part the target may not change, with the
/// proposed rest; generation bumped when the spec (anything but metadata and status) changed.
pub(crate) fn merge_update(
    info: &ResourceInfo,
    target: Target,
    old: &Value,
    proposed: Value,
) -> Result<Value, Failure> {
    let mut new = match target {
        Target::Main => {
            let mut new = proposed;
            if info.status {
                match old.get("status") {
                    Some(s) => new["status"] = s.clone(),
                    None => {
                        if let Some(m) = new.as_object_mut() {
                            m.remove("status");
                        }
                    }
                }
            }
            new
        }
        Target::Status => {
            let mut new = old.clone();
            match proposed.get("status") {
                Some(s) => new["status"] = s.clone(),
                None => {
                    if let Some(m) = new.as_object_mut() {
                        m.remove("status");
                    }
                }
            }
            new
        }
    };
    // System metadata comes from the stored object.
    let old_meta = old.get("metadata").and_then(Value::as_object);
    {
        let meta_map = meta::metadata_mut(&mut new);
        for f in SYSTEM_META {
            match old_meta.and_then(|m| m.get(*f)) {
                Some(v) => {
                    meta_map.insert((*f).to_string(), v.clone());
                }
                None => {
                    meta_map.remove(*f);
                }
            }
        }
        for f in ["name", "namespace"] {
            if let Some(v) = old_meta.and_then(|m| m.get(f)) {
                meta_map.insert(f.to_string(), v.clone());
            }
        }
    }
    // A finalizer may not be added to an object being deleted... but may be removed.
    if meta::is_deleting(old) {
        let before = meta::finalizers(old);
        let after = meta::finalizers(&new);
        if let Some(added) = after.iter().find(|f| !before.contains(f)) {
            return Err(status::invalid(
                info,
                meta::name(old).unwrap_or_default(),
                vec![Cause {
                    field: "metadata.finalizers".into(),
                    reason: "FieldValueForbidden",
                    message: format!(
                        "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{added}\"}}"
                    ),
                }],
            ));
        }
    }
    // A Deployment's annotations count as its spec (its strategy bumps the generation for
    // them too).
    let annotations_count = info.group == "apps" && info.plural == "deployments";
    let annotations_changed =
        || old.pointer("/metadata/annotations") != new.pointer("/metadata/annotations");
    if info.generation && (spec_changed(old, &new) || (annotations_count && annotations_changed()))
    {
        let g = old
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        meta::set(&mut new, "generation", Some(Value::from(g + 1)));
    }
    // A namespace's status only changes through /status (and deletion).
    if info.group.is_empty()
        && info.plural == "namespaces"
        && target == Target::Main
        && let Some(s) = old.get("status")
    {
        new["status"] = s.clone();
    }
    Ok(new)
}

/// Whether anything but `metadata`, `status`, `apiVersion` and `kind` differs.
fn spec_changed(old: &Value, new: &Value) -> bool {
    let rest = |v: &Value| -> Map<String, Value> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| {
                        !matches!(k.as_str(), "metadata" | "status" | "apiVersion" | "kind")
                    })
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default()
    };
    rest(old) != rest(new)
}
