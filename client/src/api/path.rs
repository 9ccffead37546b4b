//! URL paths of resources: `/api/v1/namespaces/{ns}/pods/{name}/status`,
//! `/apis/apps/v1/deployments`, with the query string rendered from the options.

use k8s_apimachinery::{ApiResource, Scope};

use crate::Error;

/// Where one resource type lives, in one namespace or across all of them.
#[derive(Clone, Debug)]
pub(crate) struct ResourcePath {
    /// `/api/v1` or `/apis/{group}/{version}`.
    prefix: String,
    pub plural: String,
    pub scope: Scope,
    pub namespace: Option<String>,
    pub api_version: String,
    pub kind: String,
}

impl ResourcePath {
    pub fn new(resource: &ApiResource, namespace: Option<&str>) -> Self {
        let prefix = if resource.group.is_empty() {
            format!("/api/{}", resource.version)
        } else {
            format!("/apis/{}/{}", resource.group, resource.version)
        };
        ResourcePath {
            prefix,
            plural: resource.plural.clone(),
            scope: resource.scope,
            // A cluster-scoped resource ignores the namespace it was given, as client-go does.
            namespace: match resource.scope {
                Scope::Namespaced => namespace.map(str::to_string),
                Scope::Cluster => None,
            },
            api_version: resource.api_version.clone(),
            kind: resource.kind.clone(),
        }
    }

    fn base(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/namespaces/{}/{}", self.prefix, segment(ns), self.plural),
            None => format!("{}/{}", self.prefix, self.plural),
        }
    }

    /// The collection path with a query.
    pub fn collection(&self, query: &[(&str, String)]) -> Result<String, Error> {
        if self.namespace.as_deref() == Some("") {
            return Err(Error::InvalidRequest(
                "namespace may not be empty".to_string(),
            ));
        }
        Ok(with_query(self.base(), query))
    }

    /// One object's path (optionally a subresource of it) with a query.
    pub fn item(
        &self,
        name: &str,
        subresource: Option<&str>,
        query: &[(&str, String)],
    ) -> Result<String, Error> {
        if name.is_empty() {
            return Err(Error::InvalidRequest(format!(
                "{}: resource name may not be empty",
                self.plural
            )));
        }
        if name == "." || name == ".." || name.contains('/') || name.contains('%') {
            return Err(Error::InvalidRequest(format!(
                "{}: resource name {name:?} may not be '.' or '..' nor contain '/' or '%'",
                self.plural
            )));
        }
        let mut path = format!("{}/{}", self.collection(&[])?, segment(name));
        if let Some(sub) = subresource {
            path.push('/');
            path.push_str(sub);
        }
        Ok(with_query(path, query))
    }
}

/// Percent-encodes what a path segment cannot hold literally (names are DNS-like, but `:` in
/// RBAC names and the like must survive).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn with_query(mut path: String, query: &[(&str, String)]) -> String {
    if !query.is_empty() {
        path.push('?');
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in query {
            ser.append_pair(k, v);
        }
        path.push_str(&ser.finish());
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(group: &str, plural: &str, scope: Scope) -> ApiResource {
        ApiResource {
            group: group.into(),
            version: "v1".into(),
            api_version: if group.is_empty() {
                "v1".into()
            } else {
                format!("{group}/v1")
            },
            kind: "K".into(),
            plural: plural.into(),
            scope,
        }
    }

    #[test]
    fn core_and_group_paths() {
        let pods = ResourcePath::new(&res("", "pods", Scope::Namespaced), Some("book"));
        assert_eq!(
            pods.collection(&[]).unwrap(),
            "/api/v1/namespaces/book/pods"
        );
        assert_eq!(
            pods.item("example", Some("status"), &[]).unwrap(),
            "/api/v1/namespaces/book/pods/example/status"
        );
        let deploys = ResourcePath::new(&res("apps", "deployments", Scope::Namespaced), None);
        assert_eq!(
            deploys
                .collection(&[
                    ("labelSelector", "app in (a,b)".into()),
                    ("limit", "500".into())
                ])
                .unwrap(),
            "/apis/apps/v1/deployments?labelSelector=app+in+%28a%2Cb%29&limit=500"
        );
        let roles = ResourcePath::new(
            &res("rbac.authorization.k8s.io", "clusterroles", Scope::Cluster),
            Some("ignored"),
        );
        assert_eq!(
            roles.item("system:controller:x", None, &[]).unwrap(),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:controller:x"
        );
    }

    #[test]
    fn bad_names_are_refused() {
        let pods = ResourcePath::new(&res("", "pods", Scope::Namespaced), Some("book"));
        for bad in ["", ".", "..", "a/b", "a%2F"] {
            let err = pods.item(bad, None, &[]).unwrap_err().to_string();
            assert!(err.contains("pods"), "{err}");
        }
        let empty_ns = ResourcePath::new(&res("", "pods", Scope::Namespaced), Some(""));
        assert!(empty_ns.collection(&[]).is_err());
    }
}
