//! From an HTTP request to what it asks for, by the rules of apiserver's `RequestInfoFactory`:
//! `/api/v1/…` and `/apis/{group}/{version}/…`, then `namespaces/{ns}/`, the resource, the
//! name and the subresource; the verb from the method, the name and `?watch`.

use crate::action::Action;

/// What a path names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Route {
    /// `/api`, `/apis`, `/version`, … (discovery and health).
    NonResource,
    /// A resource request (the fields of the [`Action`]).
    Resource,
}

/// Parses `method`, `path` and `query` into an action (body not yet attached).
pub(crate) fn parse(method: &http::Method, path: &str, query: Option<&str>) -> (Route, Action) {
    let query: Vec<(String, String)> = query
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    let mut action = Action {
        verb: method.as_str().to_ascii_lowercase(),
        group: String::new(),
        version: String::new(),
        resource: String::new(),
        subresource: None,
        namespace: None,
        name: None,
        body: None,
        patch_type: None,
        query,
        path: path.to_string(),
    };
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let rest = match parts.as_slice() {
        ["api", version, rest @ ..] if !rest.is_empty() => {
            action.version = (*version).to_string();
            rest
        }
        ["apis", group, version, rest @ ..] if !rest.is_empty() => {
            action.group = (*group).to_string();
            action.version = (*version).to_string();
            rest
        }
        _ => return (Route::NonResource, action),
    };
    let mut rest: Vec<&str> = rest.to_vec();
    let mut watch_path = false;
    if rest.first() == Some(&"watch") {
        // The deprecated `/api/v1/watch/…` form.
        watch_path = true;
        rest.remove(0);
    }
    if rest.first() == Some(&"namespaces") && rest.len() > 1 {
        action.namespace = Some(rest[1].to_string());
        if rest.len() > 2 && !matches!(rest[2], "status" | "finalize") {
            rest.drain(..2);
        }
    }
    action.resource = rest.first().map(|s| (*s).to_string()).unwrap_or_default();
    action.name = rest.get(1).map(|s| (*s).to_string());
    action.subresource = rest.get(2).map(|s| (*s).to_string());
    if action.resource == "namespaces" && action.name.is_some() {
        // `/api/v1/namespaces/x` is the namespace object itself, cluster-scoped.
        action.namespace = None;
    }
    let watch = watch_path
        || action
            .query("watch")
            .is_some_and(|v| v == "true" || v == "1");
    action.verb = match *method {
        http::Method::GET if watch => "watch",
        http::Method::GET if action.name.is_some() => "get",
        http::Method::GET => "list",
        http::Method::POST => "create",
        http::Method::PUT => "update",
        http::Method::PATCH => "patch",
        http::Method::DELETE if action.name.is_some() => "delete",
        http::Method::DELETE => "deletecollection",
        _ => return (Route::NonResource, action),
    }
    .to_string();
    (Route::Resource, action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    fn p(method: Method, path: &str, q: Option<&str>) -> Action {
        let (route, a) = parse(&method, path, q);
        assert_eq!(route, Route::Resource, "{path}");
        a
    }

    #[test]
    fn paths_as_apiserver_reads_them() {
        let a = p(Method::GET, "/api/v1/namespaces/ns/pods/web/log", None);
        assert_eq!(
            (
                a.verb.as_str(),
                a.resource.as_str(),
                a.subresource.as_deref()
            ),
            ("get", "pods", Some("log"))
        );
        assert_eq!(a.namespace.as_deref(), Some("ns"));
        let a = p(
            Method::GET,
            "/apis/apps/v1/deployments",
            Some("watch=true&labelSelector=a%3Db"),
        );
        assert_eq!((a.verb.as_str(), a.group.as_str()), ("watch", "apps"));
        assert_eq!(a.query("labelSelector"), Some("a=b"));
        let a = p(Method::DELETE, "/api/v1/namespaces/ns/configmaps", None);
        assert_eq!(a.verb, "deletecollection");
        let a = p(Method::PUT, "/api/v1/namespaces/ns/finalize", None);
        assert_eq!(
            (
                a.resource.as_str(),
                a.name.as_deref(),
                a.subresource.as_deref()
            ),
            ("namespaces", Some("ns"), Some("finalize"))
        );
        assert_eq!(a.namespace, None);
        let a = p(Method::GET, "/api/v1/namespaces/ns", None);
        assert_eq!(
            (a.verb.as_str(), a.resource.as_str()),
            ("get", "namespaces")
        );
        let a = p(Method::GET, "/api/v1/namespaces", None);
        assert_eq!((a.verb.as_str(), a.namespace.as_deref()), ("list", None));
        let a = p(Method::GET, "/api/v1/watch/namespaces/ns/pods", None);
        assert_eq!(
            (a.verb.as_str(), a.namespace.as_deref()),
            ("watch", Some("ns"))
        );
        assert_eq!(parse(&Method::GET, "/apis", None).0, Route::NonResource);
        assert_eq!(parse(&Method::GET, "/api/v1", None).0, Route::NonResource);
        assert_eq!(parse(&Method::GET, "/version", None).0, Route::NonResource);
    }
}
