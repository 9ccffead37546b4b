//! Failures as the real server words them: a `Status` with its code, reason, message and
//! details, built by the same rules as apiserver's `k8s.io/apimachinery/pkg/api/errors`.

use serde_json::{Value, json};

use crate::registry::ResourceInfo;

/// A failure the fake answers with: the HTTP code and the `Status` body.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// HTTP status code (`404`).
    pub code: u16,
    /// `NotFound`, `Conflict`, …
    pub reason: String,
    /// The message, worded as the real server's.
    pub message: String,
    /// `details`, when the real server sends them.
    pub details: Option<Value>,
    /// `Retry-After` seconds (429 and some 5xx).
    pub retry_after: Option<u64>,
    /// `metadata.continue` of the `Status`: where to go on after the 410 of an expired
    /// continue token.
    pub continue_token: Option<Box<str>>,
}

impl Failure {
    /// A failure with no details.
    pub fn new(code: u16, reason: &str, message: impl Into<String>) -> Self {
        Failure {
            code,
            reason: reason.into(),
            message: message.into(),
            details: None,
            retry_after: None,
            continue_token: None,
        }
    }

    /// With `details`.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// The `Status` object.
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let Some(d) = &self.details {
            status["details"] = d.clone();
        }
        if let Some(c) = &self.continue_token {
            status["metadata"] = json!({ "continue": c });
        }
        if self.reason.is_empty()
            && let Some(m) = status.as_object_mut()
        {
            m.remove("reason");
        }
        status
    }
}

/// `details` naming an object of a resource: `{name, group, kind: <plural>}`.
pub(crate) fn details(info: &ResourceInfo, name: &str) -> Value {
    let mut d = json!({"name": name, "kind": info.plural});
    if !info.group.is_empty() {
        d["group"] = json!(info.group);
    }
    d
}

/// `pods "web" not found`.
pub(crate) fn not_found(info: &ResourceInfo, name: &str) -> Failure {
    Failure::new(
        404,
        "NotFound",
        format!("{} \"{name}\" not found", info.qualified()),
    )
    .with_details(details(info, name))
}

/// `pods "web" already exists`.
pub(crate) fn already_exists(info: &ResourceInfo, name: &str) -> Failure {
    Failure::new(
        409,
        "AlreadyExists",
        format!("{} \"{name}\" already exists", info.qualified()),
    )
    .with_details(details(info, name))
}

/// The optimistic-concurrency conflict.
pub(crate) fn conflict(info: &ResourceInfo, name: &str, why: &str) -> Failure {
    Failure::new(
        409,
        "Conflict",
        format!(
            "Operation cannot be fulfilled on {} \"{name}\": {why}",
            info.qualified()
        ),
    )
    .with_details(details(info, name))
}

/// The stale-resourceVersion conflict of an update.
pub(crate) fn modified(info: &ResourceInfo, name: &str) -> Failure {
    conflict(
        info,
        name,
        "the object has been modified; please apply your changes to the latest version and try again",
    )
}

/// A conflict worded with the kind (`Operation cannot be fulfilled on ConfigMap "x": …`), as
/// the real server words failed delete preconditions.
pub(crate) fn conflict_kind(info: &ResourceInfo, name: &str, why: &str) -> Failure {
    Failure::new(
        409,
        "Conflict",
        format!(
            "Operation cannot be fulfilled on {} \"{name}\": {why}",
            info.kind
        ),
    )
    .with_details({
        let mut d = details(info, name);
        d["kind"] = json!(info.kind);
        d
    })
}

/// `422 Invalid` of request options (`ListOptions.meta.k8s.io "" is invalid: …`).
pub(crate) fn options_invalid(
    kind: &str,
    field: &str,
    reason: &'static str,
    message: String,
) -> Failure {
    Failure::new(
        422,
        "Invalid",
        format!("{kind}.meta.k8s.io \"\" is invalid: {field}: {message}"),
    )
    .with_details(json!({"group": "meta.k8s.io", "kind": kind, "causes": [
        {"reason": reason, "message": message, "field": field}
    ]}))
}

/// One invalid field: `(field path, reason type, detail message)`.
pub(crate) struct Cause {
    pub field: String,
    pub reason: &'static str,
    pub message: String,
}

/// `Pod "web" is invalid: metadata.name: Invalid value: …` (422), worded with the group kind
/// (`Deployment.apps "web" is invalid: …`) as apiserver's `errors.NewInvalid`.
pub(crate) fn invalid(info: &ResourceInfo, name: &str, causes: Vec<Cause>) -> Failure {
    invalid_as(&info.group, &info.kind, name, causes)
}

/// A 422 naming `kind` of `group` (a group kind, or a resource where the real server names
/// the resource).
pub(crate) fn invalid_as(group: &str, kind: &str, name: &str, causes: Vec<Cause>) -> Failure {
    let text: Vec<String> = causes
        .iter()
        .map(|c| format!("{}: {}", c.field, c.message))
        .collect();
    let qualified = if group.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}.{group}")
    };
    let message = if text.len() == 1 {
        format!("{qualified} \"{name}\" is invalid: {}", text[0])
    } else {
        format!("{qualified} \"{name}\" is invalid: [{}]", text.join(", "))
    };
    let mut d = json!({"kind": kind, "causes": causes.iter().map(|c| json!({
        "reason": c.reason, "message": c.message, "field": c.field,
    })).collect::<Vec<_>>()});
    if !name.is_empty() {
        d["name"] = json!(name);
    }
    if !group.is_empty() {
        d["group"] = json!(group);
    }
    Failure::new(422, "Invalid", message).with_details(d)
}

/// A 400 with reason `BadRequest`.
pub(crate) fn bad_request(message: impl Into<String>) -> Failure {
    Failure::new(400, "BadRequest", message)
}

/// `410 Gone`, reason `Expired`.
pub(crate) fn expired(message: impl Into<String>) -> Failure {
    Failure::new(410, "Expired", message)
}

/// `405 Method Not Allowed` for a verb the resource does not serve.
pub(crate) fn method_not_allowed(verb: &str, info: &ResourceInfo) -> Failure {
    Failure::new(
        405,
        "MethodNotAllowed",
        format!(
            "{verb} is not supported on resources of kind \"{}\"",
            info.qualified()
        ),
    )
    .with_details(json!({"kind": info.qualified()}))
}

/// The 404 of a path that names no resource.
pub(crate) fn no_such_path() -> Failure {
    Failure::new(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
    .with_details(json!({}))
}

/// The 415 of a patch type the resource does not take.
pub(crate) fn unsupported_media_type(_content_type: &str) -> Failure {
    Failure::new(415, "UnsupportedMediaType", "415: Unsupported Media Type")
}

/// The 415 of a strategic merge patch of a custom resource.
pub(crate) fn no_strategic_merge() -> Failure {
    Failure::new(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    )
}

/// `Forbidden` for a create in a namespace being deleted.
pub(crate) fn namespace_terminating(info: &ResourceInfo, name: &str, ns: &str) -> Failure {
    let mut d = details(info, name);
    d["causes"] = json!([{
        "reason": "NamespaceTerminating",
        "message": format!("namespace {ns} is being terminated"),
        "field": "metadata.namespace",
    }]);
    Failure::new(
        403,
        "Forbidden",
        format!(
            "{} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
            info.qualified()
        ),
    )
    .with_details(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn messages_name_the_resource_as_the_server_does() {
        let r = Registry::builtin();
        let d = r.get("apps", "v1", "deployments").unwrap();
        let nf = not_found(&d, "web");
        assert_eq!(nf.message, "deployments.apps \"web\" not found");
        let s = nf.to_status();
        assert_eq!(s["details"]["group"], "apps");
        assert_eq!(s["details"]["kind"], "deployments");
        assert_eq!(s["code"], 404);
        let pods = r.get("", "v1", "pods").unwrap();
        let inv = invalid(
            &pods,
            "A",
            vec![Cause {
                field: "metadata.name".into(),
                reason: "FieldValueInvalid",
                message: "Invalid value: \"A\": bad".into(),
            }],
        );
        assert_eq!(
            inv.message,
            "Pod \"A\" is invalid: metadata.name: Invalid value: \"A\": bad"
        );
        assert!(inv.to_status()["details"].get("group").is_none());
    }
}
