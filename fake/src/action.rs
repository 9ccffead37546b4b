//! [`Action`]: one request as the fake understood it (client-go's `testing.Action`), what the
//! action log records and what reactors see.

use std::fmt;

use serde_json::Value;

/// One request to the fake: the verb, the resource and what came with it.
///
/// The action log ([`FakeApiServer::actions`](crate::FakeApiServer::actions)) holds one per
/// request, in arrival order, including requests that failed or that a reactor or a fault
/// answered.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`;
    /// for paths that are not resources (`/api`, `/version`), the HTTP method in lower case.
    pub verb: String,
    /// The API group (`""` for the core group and for non-resource paths).
    pub group: String,
    /// The API version (`v1`).
    pub version: String,
    /// The resource (`pods`); empty for non-resource paths.
    pub resource: String,
    /// The subresource (`status`, `scale`, …).
    pub subresource: Option<String>,
    /// The namespace of the request, if any.
    pub namespace: Option<String>,
    /// The object's name, if the path named one.
    pub name: Option<String>,
    /// The request body as JSON: the object of a create/update, the patch of a patch, the
    /// options of a delete. `None` when there was none (or it was not JSON).
    pub body: Option<Value>,
    /// The `Content-Type` of a patch (`application/merge-patch+json`, …).
    pub patch_type: Option<String>,
    /// The decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The request path (`/api/v1/namespaces/default/pods/web`).
    pub path: String,
}

impl Action {
    /// Whether this is `verb` on `resource` (`"*"` matches any, as in client-go's reactors).
    /// `resource` may name a subresource as `pods/status`.
    pub fn matches(&self, verb: &str, resource: &str) -> bool {
        let verb_ok = verb == "*" || verb == self.verb;
        let resource_ok = resource == "*"
            || match resource.split_once('/') {
                Some((r, sub)) => r == self.resource && self.subresource.as_deref() == Some(sub),
                None => resource == self.resource && self.subresource.is_none(),
            };
        verb_ok && resource_ok
    }

    /// The first value of query parameter `key`.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the request was a dry run (`dryRun=All`).
    pub fn is_dry_run(&self) -> bool {
        self.query.iter().any(|(k, v)| k == "dryRun" && v == "All")
    }

    /// `pods`, or `pods/status` for a subresource.
    pub fn resource_path(&self) -> String {
        match &self.subresource {
            Some(s) => format!("{}/{}", self.resource, s),
            None => self.resource.clone(),
        }
    }
}

impl fmt::Display for Action {
    /// `create pods ns/name`, `list deployments.apps (all namespaces)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.verb)?;
        if self.resource.is_empty() {
            return write!(f, "{}", self.path);
        }
        write!(f, "{}", self.resource_path())?;
        if !self.group.is_empty() {
            write!(f, ".{}", self.group)?;
        }
        match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => write!(f, " {ns}/{n}"),
            (None, Some(n)) => write!(f, " {n}"),
            (Some(ns), None) => write!(f, " in {ns}"),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(verb: &str, resource: &str, sub: Option<&str>) -> Action {
        Action {
            verb: verb.into(),
            group: String::new(),
            version: "v1".into(),
            resource: resource.into(),
            subresource: sub.map(str::to_string),
            namespace: Some("ns".into()),
            name: Some("a".into()),
            body: None,
            patch_type: None,
            query: vec![("dryRun".into(), "All".into())],
            path: String::new(),
        }
    }

    #[test]
    fn matching_and_display() {
        let a = action("update", "pods", Some("status"));
        assert!(a.matches("update", "pods/status"));
        assert!(a.matches("*", "*"));
        assert!(!a.matches("update", "pods"));
        assert!(!a.matches("get", "pods/status"));
        assert!(action("get", "pods", None).matches("get", "pods"));
        assert!(a.is_dry_run());
        assert_eq!(a.to_string(), "update pods/status ns/a");
    }
}
