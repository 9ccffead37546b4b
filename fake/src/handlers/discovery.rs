//! Paths that are not resources: discovery (`/api`, `/apis`, `/api/v1`, `/apis/{g}/{v}`, both
//! the legacy documents and aggregated discovery `apidiscovery.k8s.io/v2`), `/version` and the
//! health checks.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use serde_json::{Value, json};

use crate::action::Action;
use crate::registry::ResourceInfo;
use crate::server::{FakeApiServer, Reply};
use crate::status;

const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Answers a non-resource request.
pub(crate) fn handle(server: &FakeApiServer, action: &Action, accept: &str) -> Reply {
    if action.verb != "get" {
        return Reply::Fail(status::Failure::new(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        ));
    }
    let path = action.path.trim_end_matches('/');
    let all = server.registry().all();
    let aggregated = accept
        .split(',')
        .next()
        .is_some_and(|t| t.contains("as=APIGroupDiscoveryList") && t.contains("v=v2"));
    match path {
        "/healthz" | "/readyz" | "/livez" => Reply::Text(200, "ok"),
        "/version" => Reply::json(
            200,
            &json!({
                "major": "1", "minor": "37", "gitVersion": "v1.37.2",
                "gitCommit": "", "gitTreeState": "clean", "buildDate": "",
                "goVersion": "go1.26", "compiler": "gc", "platform": "linux/amd64",
                "emulationMajor": "1", "emulationMinor": "37",
                "minCompatibilityMajor": "1", "minCompatibilityMinor": "36",
            }),
        ),
        "/api" if aggregated => aggregated_reply(&all, true),
        "/apis" if aggregated => aggregated_reply(&all, false),
        "/api" => Reply::json(
            200,
            &json!({
                "kind": "APIVersions", "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:6443"}],
            }),
        ),
        "/apis" => Reply::json(200, &group_list(&all)),
        _ => {
            let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            match parts.as_slice() {
                ["api", v] => resource_list(&all, "", v),
                ["apis", g, v] => resource_list(&all, g, v),
                ["apis", g] => match group_list(&all)["groups"]
                    .as_array()
                    .and_then(|gs| gs.iter().find(|x| x["name"] == *g))
                {
                    Some(group) => {
                        let mut group = group.clone();
                        group["kind"] = json!("APIGroup");
                        group["apiVersion"] = json!("v1");
                        Reply::json(200, &group)
                    }
                    None => page_not_found(),
                },
                _ => page_not_found(),
            }
        }
    }
}

/// What the real server answers for a path it does not route (Go's `http.NotFound`).
pub(crate) fn page_not_found() -> Reply {
    Reply::Text(404, "404 page not found\n")
}

/// Versions of each group, newest preferred (`v2` > `v1` > `v1beta1` > `v1alpha1`).
fn groups(all: &[Arc<ResourceInfo>]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in all {
        let vs = out.entry(r.group.clone()).or_default();
        if !vs.contains(&r.version) {
            vs.push(r.version.clone());
        }
    }
    for vs in out.values_mut() {
        vs.sort_by_key(|v| std::cmp::Reverse(version_rank(v)));
    }
    out
}

/// Kubernetes version priority: GA over beta over alpha, higher numbers first.
fn version_rank(v: &str) -> (u8, u32, u32) {
    let rest = v.trim_start_matches('v');
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let major = digits.parse().unwrap_or(0);
    let tail = &rest[digits.len()..];
    let (stage, minor) = if let Some(n) = tail.strip_prefix("beta") {
        (1, n.parse().unwrap_or(0))
    } else if let Some(n) = tail.strip_prefix("alpha") {
        (0, n.parse().unwrap_or(0))
    } else {
        (2, 0)
    };
    (stage, major, minor)
}

fn group_list(all: &[Arc<ResourceInfo>]) -> Value {
    let groups: Vec<Value> = groups(all)
        .into_iter()
        .filter(|(g, _)| !g.is_empty())
        .map(|(g, vs)| {
            let versions: Vec<Value> = vs
                .iter()
                .map(|v| json!({"groupVersion": format!("{g}/{v}"), "version": v}))
                .collect();
            json!({"name": g, "versions": versions, "preferredVersion": versions[0].clone()})
        })
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn resource_entries(all: &[Arc<ResourceInfo>], group: &str, version: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for r in all
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let mut entry = json!({
            "name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced,
            "kind": r.kind, "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        out.push(entry);
        if r.status {
            out.push(
                json!({"name": format!("{}/status", r.plural), "singularName": "",
                "namespaced": r.namespaced, "kind": r.kind, "verbs": ["get", "patch", "update"]}),
            );
        }
        if r.scale.is_some() {
            out.push(
                json!({"name": format!("{}/scale", r.plural), "singularName": "",
                "namespaced": r.namespaced, "group": "autoscaling", "version": "v1",
                "kind": "Scale", "verbs": ["get", "patch", "update"]}),
            );
        }
        for (name, kind, gv, verbs) in other_subresources(r) {
            let mut e = json!({"name": format!("{}/{name}", r.plural), "singularName": "",
                "namespaced": r.namespaced, "kind": kind, "verbs": verbs});
            if let Some((g, v)) = gv {
                e["group"] = json!(g);
                e["version"] = json!(v);
            }
            out.push(e);
        }
    }
    out
}

/// The subresources the fake serves besides status and scale: `(name, kind, the kind's
/// group and version when another's, verbs)`, as the real server's discovery lists them.
type Subresource = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
    &'static [&'static str],
);

fn other_subresources(r: &ResourceInfo) -> Vec<Subresource> {
    match (r.group.as_str(), r.plural.as_str(), r.custom) {
        ("", "namespaces", false) => vec![("finalize", "Namespace", None, &["update"])],
        ("", "pods", false) => vec![("eviction", "Eviction", Some(("policy", "v1")), &["create"])],
        _ => Vec::new(),
    }
}

fn resource_list(all: &[Arc<ResourceInfo>], group: &str, version: &str) -> Reply {
    let resources = resource_entries(all, group, version);
    if resources.is_empty() {
        return if all.iter().any(|r| r.group == group) {
            Reply::Fail(status::no_such_path())
        } else {
            page_not_found()
        };
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Reply::json(
        200,
        &json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}),
    )
}

fn aggregated_reply(all: &[Arc<ResourceInfo>], core: bool) -> Reply {
    let items: Vec<Value> = groups(all)
        .into_iter()
        .filter(|(g, _)| g.is_empty() == core)
        .map(|(g, vs)| {
            let versions: Vec<Value> = vs
                .iter()
                .map(|v| {
                    let resources: Vec<Value> = all
                        .iter()
                        .filter(|r| r.group == g && r.version == *v)
                        .map(|r| {
                            let mut subs = Vec::new();
                            if r.status {
                                subs.push(json!({"subresource": "status", "verbs": ["get", "patch", "update"],
                                    "responseKind": {"group": r.group, "version": r.version, "kind": r.kind}}));
                            }
                            if r.scale.is_some() {
                                subs.push(json!({"subresource": "scale", "verbs": ["get", "patch", "update"],
                                    "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}}));
                            }
                            for (name, kind, gv, verbs) in other_subresources(r) {
                                let (g, v) = gv.unwrap_or((r.group.as_str(), r.version.as_str()));
                                subs.push(json!({"subresource": name, "verbs": verbs,
                                    "responseKind": {"group": g, "version": v, "kind": kind}}));
                            }
                            let mut entry = json!({
                                "resource": r.plural, "singularResource": r.kind.to_lowercase(),
                                "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                                "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                                "verbs": r.verbs, "subresources": subs,
                            });
                            if !r.short_names.is_empty() {
                                entry["shortNames"] = json!(r.short_names);
                            }
                            if !r.categories.is_empty() {
                                entry["categories"] = json!(r.categories);
                            }
                            entry
                        })
                        .collect();
                    json!({"version": v, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": {"name": g, "creationTimestamp": null}, "versions": versions})
        })
        .collect();
    let body = json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {}, "items": items});
    match serde_json::to_vec(&body) {
        Ok(b) => Reply::Typed(200, AGGREGATED, Bytes::from(b)),
        Err(e) => Reply::Fail(status::Failure::new(500, "InternalError", e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_rank_as_kubernetes_does() {
        let mut vs = vec!["v1beta1", "v1", "v2", "v1alpha1", "v2beta2"];
        vs.sort_by_key(|v| std::cmp::Reverse(version_rank(v)));
        assert_eq!(vs, vec!["v2", "v1", "v2beta2", "v1beta1", "v1alpha1"]);
    }
}
