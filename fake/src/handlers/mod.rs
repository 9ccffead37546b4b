//! The handlers of resource requests: one module per family of verbs, over the tracker.

pub(crate) mod delete;
pub(crate) mod discovery;
pub(crate) mod fields;
pub(crate) mod patch;
pub(crate) mod read;
pub(crate) mod subresource;
pub(crate) mod watch;
pub(crate) mod write;

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::action::Action;
use crate::faults::Plan;
use crate::registry::ResourceInfo;
use crate::server::{FakeApiServer, Reply};
use crate::status::{self, Failure};
use crate::tracker::ObjectKey;

/// Everything a handler needs about one request.
pub(crate) struct Ctx<'a> {
    pub server: &'a FakeApiServer,
    pub action: &'a Action,
    /// The body as JSON (`Ok(None)`: no body; `Err`: not JSON, with the parser's message).
    pub body: Result<Option<Value>, String>,
    #[allow(dead_code)] // kept for handlers that need the exact bytes
    pub raw: &'a Bytes,
    pub content_type: &'a str,
    pub accept: &'a str,
    pub user_agent: &'a str,
    pub plan: &'a Plan,
}

impl Ctx<'_> {
    /// The namespace of the request (`""` for cluster-scoped resources).
    pub(crate) fn namespace(&self) -> &str {
        self.action.namespace.as_deref().unwrap_or("")
    }

    pub(crate) fn key(&self, info: &ResourceInfo, name: &str) -> ObjectKey {
        let ns = if info.namespaced {
            self.namespace()
        } else {
            ""
        };
        (ns.to_string(), name.to_string())
    }

    pub(crate) fn name(&self) -> &str {
        self.action.name.as_deref().unwrap_or("")
    }

    pub(crate) fn dry_run(&self) -> bool {
        self.action.is_dry_run()
    }

    /// Whether this is a server-side apply (it records field ownership itself).
    pub(crate) fn is_apply(&self) -> bool {
        self.action.verb == "patch"
            && patch::PatchType::from_content_type(self.content_type)
                == Some(patch::PatchType::Apply)
    }
}

/// Routes a resource request to its handler.
pub(crate) async fn dispatch(ctx: Ctx<'_>) -> Reply {
    let Some(info) = ctx.server.info_of(ctx.action) else {
        let a = ctx.action;
        if !ctx.server.registry().serves_group(&a.group) {
            return discovery::page_not_found();
        }
        return Reply::Fail(status::no_such_path());
    };
    let a = ctx.action;
    // A namespaced path for a cluster-scoped resource, or a single namespaced object
    // without a namespace, is no route of the real server.
    if !info.namespaced && a.namespace.is_some() && a.resource != "namespaces" {
        return Reply::Fail(status::no_such_path());
    }
    if info.namespaced && a.namespace.is_none() && !matches!(a.verb.as_str(), "list" | "watch") {
        return Reply::Fail(status::no_such_path());
    }
    if a.verb == "create" && a.name.is_some() && a.subresource.is_none() {
        return Reply::Fail(Failure::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        ));
    }
    if let Some(sub) = a.subresource.clone() {
        return subresource::handle(ctx, info, &sub).await;
    }
    if !info.has_verb(&a.verb) {
        return Reply::Fail(status::method_not_allowed(&a.verb, &info));
    }
    match a.verb.as_str() {
        "get" => read::get(&ctx, &info),
        "list" => read::list(&ctx, &info),
        "watch" => watch::watch(&ctx, &info),
        "create" => write::create(&ctx, &info),
        "update" => write::update(&ctx, &info, write::Target::Main),
        "patch" => patch::patch(&ctx, &info, write::Target::Main),
        "delete" => delete::delete(&ctx, &info),
        "deletecollection" => delete::delete_collection(&ctx, &info),
        _ => Reply::Fail(status::method_not_allowed(&a.verb, &info)),
    }
}

/// The object as served at `info`'s version: `apiVersion` set to it (the fake does not
/// convert between versions).
pub(crate) fn present(obj: &Arc<Value>, info: &ResourceInfo) -> Value {
    let mut v = (**obj).clone();
    set_type(&mut v, info);
    v
}

/// Sets `apiVersion` and `kind` to `info`'s.
pub(crate) fn set_type(v: &mut Value, info: &ResourceInfo) {
    if let Some(m) = v.as_object_mut() {
        m.insert("apiVersion".into(), Value::String(info.api_version()));
        m.insert("kind".into(), Value::String(info.kind.clone()));
    }
}

/// Encodes the object for the response, without a copy when it is already served at
/// `info`'s version.
pub(crate) fn reply_object(code: u16, obj: &Arc<Value>, info: &ResourceInfo) -> Reply {
    let same = obj.get("apiVersion").and_then(Value::as_str) == Some(&info.api_version())
        && obj.get("kind").and_then(Value::as_str) == Some(&info.kind);
    if same {
        Reply::json(code, &**obj)
    } else {
        Reply::json(code, &present(obj, info))
    }
}

/// A `400 BadRequest` for a body that is missing or not a JSON object.
pub(crate) fn body_object(ctx: &Ctx<'_>, info: &ResourceInfo) -> Result<Value, Failure> {
    match &ctx.body {
        Ok(Some(v)) if v.is_object() => Ok(v.clone()),
        Ok(Some(_)) => Err(status::bad_request(format!(
            "the body of the request is not a {} object",
            info.kind
        ))),
        Ok(None) => Err(status::bad_request(
            "the body of the request was empty; expected an object",
        )),
        Err(e) => Err(status::bad_request(format!(
            "the object provided is unrecognized (must be of type {}): couldn't get version/kind; json parse error: {e}",
            info.kind
        ))),
    }
}
