//! REST resources from the spec's paths: plural, scope, verbs and subresources of each kind.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};

use super::spec::{Gvk, Operation};

/// A path of the API reduced to its REST shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathShape {
    pub group: String,
    pub version: String,
    pub namespaced: bool,
    /// `/watch/…` (the deprecated watch paths).
    pub watch: bool,
    pub plural: String,
    /// `…/{name}`
    pub named: bool,
    pub subresource: Option<String>,
}

/// `/api/v1/namespaces/{namespace}/pods/{name}/status` → core/v1, namespaced, `pods`, named,
/// subresource `status`. Discovery paths (`/apis/apps/v1/`) and non-resource paths give `None`.
pub fn parse_path(path: &str) -> Option<PathShape> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (group, version, mut rest) = match segs.as_slice() {
        ["api", version, rest @ ..] => (String::new(), (*version).to_string(), rest),
        ["apis", group, version, rest @ ..] => ((*group).to_string(), (*version).to_string(), rest),
        _ => return None,
    };
    if rest.is_empty() || rest == [""] {
        return None;
    }
    let mut watch = false;
    if rest.first() == Some(&"watch") {
        watch = true;
        rest = &rest[1..];
    }
    let mut namespaced = false;
    if rest.len() >= 3 && rest[0] == "namespaces" && rest[1] == "{namespace}" {
        namespaced = true;
        rest = &rest[2..];
    }
    let plural = (*rest.first()?).to_string();
    if plural.starts_with('{') {
        return None;
    }
    let named = rest.get(1).is_some_and(|s| s.starts_with('{'));
    let subresource = if named {
        rest.get(2).map(|s| (*s).to_string())
    } else {
        None
    };
    Some(PathShape {
        group,
        version,
        namespaced,
        watch,
        plural,
        named,
        subresource,
    })
}

/// The discovery verb of an `x-kubernetes-action`.
pub fn verb_of_action(action: &str) -> Option<&'static str> {
    Some(match action {
        "get" => "get",
        "list" => "list",
        "watch" | "watchlist" => "watch",
        "post" => "create",
        "put" => "update",
        "patch" => "patch",
        "delete" => "delete",
        "deletecollection" => "deletecollection",
        _ => return None,
    })
}

/// What the paths say about one resource (a plural of a group/version).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceInfo {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub namespaced: bool,
    /// Sorted, deduplicated.
    pub verbs: Vec<String>,
    /// Sorted, deduplicated.
    pub subresources: Vec<String>,
}

/// Resources by GVK. A kind served under one plural only (checked).
pub fn resources(ops: &[Operation]) -> Result<BTreeMap<Gvk, ResourceInfo>> {
    #[derive(Default)]
    struct Acc {
        kind: Option<String>,
        namespaced: bool,
        verbs: BTreeSet<String>,
        subresources: BTreeSet<String>,
    }
    let mut by_plural: BTreeMap<(String, String, String), Acc> = BTreeMap::new();
    for op in ops {
        let Some(shape) = parse_path(&op.path) else {
            continue;
        };
        let acc = by_plural
            .entry((
                shape.group.clone(),
                shape.version.clone(),
                shape.plural.clone(),
            ))
            .or_default();
        match &shape.subresource {
            Some(sub) => {
                acc.subresources.insert(sub.clone());
            }
            None => {
                if shape.namespaced {
                    acc.namespaced = true;
                }
                if let Some(verb) = verb_of_action(&op.action) {
                    acc.verbs.insert(verb.to_string());
                }
                if let Some(gvk) = &op.gvk {
                    if gvk.group != shape.group || gvk.version != shape.version {
                        continue;
                    }
                    match &acc.kind {
                        Some(k) if *k != gvk.kind => bail!(
                            "{}: kind {} but another operation of {} says {k}",
                            op.path,
                            gvk.kind,
                            shape.plural
                        ),
                        _ => acc.kind = Some(gvk.kind.clone()),
                    }
                }
            }
        }
    }
    let mut out: BTreeMap<Gvk, ResourceInfo> = BTreeMap::new();
    for ((group, version, plural), acc) in by_plural {
        let Some(kind) = acc.kind else {
            continue;
        };
        let gvk = Gvk {
            group: group.clone(),
            version: version.clone(),
            kind: kind.clone(),
        };
        if let Some(other) = out.get(&gvk) {
            bail!(
                "kind {kind} of {group}/{version} is served as {} and {plural}",
                other.plural
            );
        }
        out.insert(
            gvk,
            ResourceInfo {
                group,
                version,
                kind,
                plural,
                namespaced: acc.namespaced,
                verbs: acc.verbs.into_iter().collect(),
                subresources: acc.subresources.into_iter().collect(),
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(path: &str, action: &str, kind: Option<(&str, &str, &str)>) -> Operation {
        Operation {
            path: path.to_string(),
            method: "get".to_string(),
            action: action.to_string(),
            gvk: kind.map(|(g, v, k)| Gvk {
                group: g.to_string(),
                version: v.to_string(),
                kind: k.to_string(),
            }),
        }
    }

    #[test]
    fn paths_parse_into_rest_shapes() {
        let p = parse_path("/api/v1/namespaces/{namespace}/pods/{name}/status").unwrap();
        assert_eq!(p.group, "");
        assert_eq!(p.version, "v1");
        assert!(p.namespaced && p.named && !p.watch);
        assert_eq!(p.plural, "pods");
        assert_eq!(p.subresource.as_deref(), Some("status"));

        let p = parse_path("/api/v1/namespaces/{name}/finalize").unwrap();
        assert!(!p.namespaced);
        assert_eq!(p.plural, "namespaces");
        assert_eq!(p.subresource.as_deref(), Some("finalize"));

        let p = parse_path("/api/v1/namespaces").unwrap();
        assert!(!p.namespaced && !p.named);
        assert_eq!(p.plural, "namespaces");

        let p =
            parse_path("/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}").unwrap();
        assert!(p.watch && p.namespaced && p.named);
        assert_eq!(p.group, "apps");

        let p = parse_path("/api/v1/namespaces/{namespace}/pods/{name}/proxy/{path}").unwrap();
        assert_eq!(p.subresource.as_deref(), Some("proxy"));

        assert_eq!(parse_path("/apis/apps/v1/"), None);
        assert_eq!(parse_path("/version/"), None);
    }

    #[test]
    fn actions_map_to_discovery_verbs() {
        assert_eq!(verb_of_action("post"), Some("create"));
        assert_eq!(verb_of_action("put"), Some("update"));
        assert_eq!(verb_of_action("watchlist"), Some("watch"));
        assert_eq!(verb_of_action("deletecollection"), Some("deletecollection"));
        assert_eq!(verb_of_action("connect"), None);
    }

    #[test]
    fn resources_collect_scope_verbs_and_subresources() {
        let pod = Some(("", "v1", "Pod"));
        let ops = vec![
            op("/api/v1/pods", "list", pod),
            op("/api/v1/namespaces/{namespace}/pods", "post", pod),
            op(
                "/api/v1/namespaces/{namespace}/pods",
                "deletecollection",
                pod,
            ),
            op("/api/v1/namespaces/{namespace}/pods/{name}", "get", pod),
            op("/api/v1/namespaces/{namespace}/pods/{name}", "put", pod),
            op(
                "/api/v1/watch/namespaces/{namespace}/pods",
                "watchlist",
                pod,
            ),
            op(
                "/api/v1/namespaces/{namespace}/pods/{name}/status",
                "get",
                pod,
            ),
            op(
                "/api/v1/namespaces/{namespace}/pods/{name}/eviction",
                "post",
                Some(("policy", "v1", "Eviction")),
            ),
            op(
                "/api/v1/namespaces/{namespace}/pods/{name}/exec",
                "connect",
                None,
            ),
            op("/api/v1/nodes", "list", Some(("", "v1", "Node"))),
            op(
                "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale",
                "get",
                Some(("autoscaling", "v1", "Scale")),
            ),
        ];
        let r = resources(&ops).unwrap();
        let pod = &r[&Gvk {
            group: String::new(),
            version: "v1".into(),
            kind: "Pod".into(),
        }];
        assert_eq!(pod.plural, "pods");
        assert!(pod.namespaced);
        assert_eq!(
            pod.verbs,
            [
                "create",
                "deletecollection",
                "get",
                "list",
                "update",
                "watch"
            ]
        );
        assert_eq!(pod.subresources, ["eviction", "exec", "status"]);
        let node = &r[&Gvk {
            group: String::new(),
            version: "v1".into(),
            kind: "Node".into(),
        }];
        assert!(!node.namespaced);
        // Scale is only a subresource: no resource of its own.
        assert!(!r.keys().any(|g| g.kind == "Scale"));
    }
}
