//! Field selectors as the real server supports them: `metadata.name` and `metadata.namespace`
//! everywhere, plus the fields each built-in kind registers (`spec.nodeName` of pods, `type` of
//! secrets, …); any other field is refused with `400 BadRequest`.

use k8s_apimachinery::selector::{FieldSelector, Fields};
use serde_json::Value;

use crate::registry::ResourceInfo;
use crate::status::{self, Failure};

/// The extra selectable fields of built-in kinds: `(group, plural, fields)`.
const EXTRA: &[(&str, &str, &[&str])] = &[
    (
        "",
        "pods",
        &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
    ),
    ("", "secrets", &["type"]),
    ("", "namespaces", &["status.phase"]),
    ("", "nodes", &["spec.unschedulable"]),
    ("", "replicationcontrollers", &["status.replicas"]),
    ("", "services", &["spec.clusterIP", "spec.type"]),
    (
        "",
        "events",
        &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
    ),
    ("apps", "replicasets", &["status.replicas"]),
    ("batch", "jobs", &["status.successful"]),
    (
        "certificates.k8s.io",
        "certificatesigningrequests",
        &["spec.signerName"],
    ),
];

/// Whether `field` can be selected on `info`'s objects: `Err` with the real server's message
/// when not. Kinds with fields of their own (`EXTRA`) refuse others as their conversion
/// functions do; the others take the two metadata fields only (apimachinery's default
/// conversion, which does not look at the scope).
fn supported(info: &ResourceInfo, field: &str) -> Result<(), String> {
    match EXTRA
        .iter()
        .find(|(g, p, _)| *g == info.group && *p == info.plural)
    {
        Some((_, _, fields)) => {
            let ok = field == "metadata.name"
                || (field == "metadata.namespace" && info.namespaced)
                || fields.contains(&field);
            if ok {
                Ok(())
            } else {
                Err(format!("field label not supported: {field}"))
            }
        }
        None if matches!(field, "metadata.name" | "metadata.namespace") => Ok(()),
        None => Err(format!(
            "\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
        )),
    }
}

/// Parses `text` and checks every field is selectable on `info`'s objects.
pub(crate) fn parse(info: &ResourceInfo, text: &str) -> Result<FieldSelector, Failure> {
    let sel: FieldSelector = text
        .parse()
        .map_err(|e| status::bad_request(format!("unable to parse requirement: {e}")))?;
    for term in sel.terms() {
        supported(info, term.field()).map_err(status::bad_request)?;
    }
    Ok(sel)
}

/// An object's fields, read on demand.
pub(crate) struct ObjectFields<'a> {
    obj: &'a Value,
    /// Rendered non-string values, so `field` can hand out `&str`.
    rendered: Vec<(&'static str, String)>,
}

impl<'a> ObjectFields<'a> {
    pub(crate) fn new(obj: &'a Value, sel: &FieldSelector) -> Self {
        let mut rendered = Vec::new();
        for term in sel.terms() {
            let field = term.field();
            if let Some(v) = lookup(obj, field) {
                let text = match v {
                    Value::String(_) => continue,
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => String::new(),
                };
                // Field names of the table above live for 'static; others are not selectable.
                if let Some(name) = static_name(field) {
                    rendered.push((name, text));
                }
            }
        }
        ObjectFields { obj, rendered }
    }
}

fn static_name(field: &str) -> Option<&'static str> {
    EXTRA
        .iter()
        .flat_map(|(_, _, f)| f.iter())
        .find(|f| **f == field)
        .copied()
}

fn lookup<'v>(obj: &'v Value, field: &str) -> Option<&'v Value> {
    let mut cur = obj;
    for part in field.split('.') {
        cur = cur.get(part)?;
    }
    Some(cur)
}

impl Fields for ObjectFields<'_> {
    fn field(&self, name: &str) -> Option<&str> {
        if let Some((_, v)) = self.rendered.iter().find(|(n, _)| *n == name) {
            return Some(v);
        }
        lookup(self.obj, name).and_then(Value::as_str)
    }
}

/// Whether `obj` matches `sel`.
pub(crate) fn matches(obj: &Value, sel: &FieldSelector) -> bool {
    if sel.is_empty() {
        return true;
    }
    sel.matches(&ObjectFields::new(obj, sel))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;
    use serde_json::json;

    #[test]
    fn selectable_fields_and_matching() {
        let r = Registry::builtin();
        let pods = r.get("", "v1", "pods").unwrap();
        let cms = r.get("", "v1", "configmaps").unwrap();
        let sel = parse(&pods, "spec.nodeName=n1,spec.hostNetwork=true").unwrap();
        let pod =
            json!({"metadata": {"name": "a"}, "spec": {"nodeName": "n1", "hostNetwork": true}});
        assert!(matches(&pod, &sel));
        let other = json!({"metadata": {"name": "a"}, "spec": {"nodeName": "n2"}});
        assert!(!matches(&other, &sel));
        let err = parse(&cms, "spec.nodeName=n1").unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (
                400,
                r#""spec.nodeName" is not a known field selector: only "metadata.name", "metadata.namespace""#
            )
        );
        let err = parse(&r.get("", "v1", "pods").unwrap(), "spec.foo=1").unwrap_err();
        assert_eq!(err.message, "field label not supported: spec.foo");
        let by_name = parse(&cms, "metadata.name!=a").unwrap();
        assert!(!matches(&pod, &by_name));
        let nodes = r.get("", "v1", "nodes").unwrap();
        assert!(parse(&nodes, "metadata.namespace=x").is_err());
    }
}
