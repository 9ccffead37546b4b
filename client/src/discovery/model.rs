//! What discovery found, in one shape whichever endpoint (aggregated or legacy) it came from.

use std::collections::HashSet;

use k8s_apimachinery::{
    APIGroup, APIGroupList, APIResource, APIResourceList, ApiResource, GroupVersion,
    GroupVersionForDiscovery, GroupVersionKind, GroupVersionResource, Scope,
};

use super::aggregated::{
    APIGroupDiscovery, APIResourceDiscovery, APISubresourceDiscovery, ResponseKind,
    SCOPE_NAMESPACED,
};

/// Which documents the server answered with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscoverySource {
    /// `apidiscovery.k8s.io/v2` on both `/api` and `/apis` (two requests in all).
    Aggregated,
    /// The legacy documents: `/api`, `/apis`, then one request per group version.
    Legacy,
    /// One endpoint answered aggregated, the other legacy.
    Mixed,
}

/// Everything the server serves: groups (core first), their versions and resources
/// (client-go's `ServerGroupsAndResources`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovery {
    /// Where it came from.
    pub source: DiscoverySource,
    /// The groups: the core group (named `""`) first, then `/apis` in the server's order.
    pub groups: Vec<DiscoveredGroup>,
    /// Group versions whose resources could not be had: stale in aggregated discovery, or
    /// their legacy request failed (client-go's `ErrGroupDiscoveryFailed`). They are left out
    /// of [`groups`](Self::groups).
    pub failed: Vec<FailedGroupVersion>,
}

/// A group version discovery could not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedGroupVersion {
    /// The group version.
    pub group_version: GroupVersion,
    /// Why (`stale`, or the request's error).
    pub reason: String,
}

/// One API group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveredGroup {
    /// The group (`""` for core).
    pub name: String,
    /// Its versions, the preferred one first when the server says so (aggregated discovery
    /// orders them by preference; the legacy `APIGroup` lists them in the server's order).
    pub versions: Vec<DiscoveredVersion>,
    /// The version the server prefers.
    pub preferred_version: Option<String>,
}

/// One version of a group and its resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveredVersion {
    /// The version (`v1`).
    pub version: String,
    /// The resources (subresources are inside each resource).
    pub resources: Vec<DiscoveredResource>,
}

/// One resource type, as discovery describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveredResource {
    /// The group it is served under (`""` for core).
    pub group: String,
    /// The version it is served under.
    pub version: String,
    /// The kind of its objects.
    pub kind: String,
    /// The plural name used in URLs (`deployments`).
    pub plural: String,
    /// The singular name (`deployment`).
    pub singular: String,
    /// Namespaced or cluster-scoped.
    pub scope: Scope,
    /// Supported verbs (`get`, `list`, `watch`, …).
    pub verbs: Vec<String>,
    /// Short names for kubectl (`deploy`).
    pub short_names: Vec<String>,
    /// Categories (`all`).
    pub categories: Vec<String>,
    /// Subresources (`status`, `scale`, …).
    pub subresources: Vec<DiscoveredSubresource>,
}

/// One subresource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiscoveredSubresource {
    /// The name (`status`, `scale`).
    pub name: String,
    /// The group of the kind it answers with.
    pub group: String,
    /// The version of the kind it answers with.
    pub version: String,
    /// The kind it answers with (`Scale`), empty when discovery does not say.
    pub kind: String,
    /// Supported verbs.
    pub verbs: Vec<String>,
}

impl DiscoveredResource {
    /// `true` when namespaced.
    pub fn namespaced(&self) -> bool {
        self.scope.is_namespaced()
    }

    /// Whether `verb` is supported.
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// The subresource named `name`.
    pub fn subresource(&self, name: &str) -> Option<&DiscoveredSubresource> {
        self.subresources.iter().find(|s| s.name == name)
    }

    /// The group version it is served under.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(&self.group, &self.version)
    }

    /// Its group/version/kind.
    pub fn gvk(&self) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, &self.kind)
    }

    /// Its group/version/resource.
    pub fn gvr(&self) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, &self.plural)
    }

    /// The run-time resource description for the dynamic client (`Api<DynamicObject>`).
    pub fn api_resource(&self) -> ApiResource {
        ApiResource::from_gvk_with_plural(&self.gvk(), &self.plural, self.scope)
    }

    /// The legacy `APIResource` entries: the resource, then one `plural/sub` entry per
    /// subresource (as `/apis/{group}/{version}` lists them, less `storageVersionHash`, which
    /// aggregated discovery does not carry).
    pub fn to_api_resources(&self) -> Vec<APIResource> {
        let mut out = vec![APIResource {
            name: self.plural.clone(),
            singular_name: self.singular.clone(),
            namespaced: self.namespaced(),
            kind: self.kind.clone(),
            verbs: self.verbs.clone(),
            short_names: non_empty(&self.short_names),
            categories: non_empty(&self.categories),
            ..APIResource::default()
        }];
        for sub in &self.subresources {
            // The server names the group and version only when they differ, and then both.
            let other_gv = sub.group != self.group || sub.version != self.version;
            out.push(APIResource {
                name: format!("{}/{}", self.plural, sub.name),
                namespaced: self.namespaced(),
                group: other_gv.then(|| sub.group.clone()),
                version: other_gv.then(|| sub.version.clone()),
                kind: sub.kind.clone(),
                verbs: sub.verbs.clone(),
                ..APIResource::default()
            });
        }
        out
    }
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

impl DiscoveredGroup {
    /// The preferred version: the one the server names, else the first.
    pub fn preferred_version(&self) -> Option<&str> {
        self.preferred_version
            .as_deref()
            .or_else(|| self.versions.first().map(|v| v.version.as_str()))
    }

    /// The version named `version`.
    pub fn version(&self, version: &str) -> Option<&DiscoveredVersion> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// The versions with the preferred one first, then the others in the server's order (the
    /// order the RESTMapper tries them in).
    pub fn versions_by_preference(&self) -> Vec<&DiscoveredVersion> {
        let preferred = self.preferred_version();
        let mut out: Vec<&DiscoveredVersion> = self
            .versions
            .iter()
            .filter(|v| Some(v.version.as_str()) == preferred)
            .collect();
        out.extend(
            self.versions
                .iter()
                .filter(|v| Some(v.version.as_str()) != preferred),
        );
        out
    }

    /// The legacy `APIGroup` document of this group.
    pub fn to_api_group(&self) -> APIGroup {
        let gv = |v: &str| GroupVersionForDiscovery {
            group_version: GroupVersion::new(&self.name, v).to_string(),
            version: v.to_string(),
        };
        APIGroup {
            name: self.name.clone(),
            versions: self.versions.iter().map(|v| gv(&v.version)).collect(),
            preferred_version: self.preferred_version().map(gv),
            ..APIGroup::default()
        }
    }
}

impl Discovery {
    /// The group named `name` (`""` for core).
    pub fn group(&self, name: &str) -> Option<&DiscoveredGroup> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// Every resource of every version, groups in order, versions by preference.
    pub fn resources(&self) -> impl Iterator<Item = &DiscoveredResource> {
        self.groups.iter().flat_map(|g| {
            g.versions_by_preference()
                .into_iter()
                .flat_map(|v| v.resources.iter())
        })
    }

    /// The resources of the preferred versions (client-go `ServerPreferredResources`, what
    /// `kubectl api-resources` lists): for each group, every resource of its preferred version,
    /// plus the resources only other versions serve (from the most preferred version that has
    /// them).
    pub fn preferred_resources(&self) -> Vec<&DiscoveredResource> {
        let mut out = Vec::new();
        for g in &self.groups {
            let mut seen = HashSet::new();
            for v in g.versions_by_preference() {
                for r in &v.resources {
                    if seen.insert(r.plural.as_str()) {
                        out.push(r);
                    }
                }
            }
        }
        out
    }

    /// The resource `plural` of a group version.
    pub fn resource(&self, gvr: &GroupVersionResource) -> Option<&DiscoveredResource> {
        self.group(&gvr.group)?
            .version(&gvr.version)?
            .resources
            .iter()
            .find(|r| r.plural == gvr.resource)
    }

    /// The legacy `APIGroupList` (every group but core, as `/apis` lists them).
    pub fn group_list(&self) -> APIGroupList {
        APIGroupList {
            kind: Some("APIGroupList".to_string()),
            api_version: Some("v1".to_string()),
            groups: self
                .groups
                .iter()
                .filter(|g| !g.name.is_empty())
                .map(DiscoveredGroup::to_api_group)
                .collect(),
        }
    }

    /// The legacy `APIResourceList` of every group version, in order.
    pub fn resource_lists(&self) -> Vec<APIResourceList> {
        self.groups
            .iter()
            .flat_map(|g| {
                g.versions.iter().map(|v| APIResourceList {
                    kind: Some("APIResourceList".to_string()),
                    api_version: Some("v1".to_string()),
                    group_version: GroupVersion::new(&g.name, &v.version).to_string(),
                    resources: v
                        .resources
                        .iter()
                        .flat_map(DiscoveredResource::to_api_resources)
                        .collect(),
                })
            })
            .collect()
    }
}

/// Converts one aggregated group. Stale versions go to `failed`; resources without a kind are
/// skipped (as client-go does).
pub(crate) fn from_aggregated_group(
    g: &APIGroupDiscovery,
    failed: &mut Vec<FailedGroupVersion>,
) -> DiscoveredGroup {
    let name = g.name().to_string();
    let mut versions = Vec::new();
    for v in &g.versions {
        if v.is_stale() {
            failed.push(FailedGroupVersion {
                group_version: GroupVersion::new(&name, &v.version),
                reason: "stale GroupVersion discovery".to_string(),
            });
            continue;
        }
        let resources = v
            .resources
            .iter()
            .filter_map(|r| from_aggregated_resource(&name, &v.version, r))
            .collect();
        versions.push(DiscoveredVersion {
            version: v.version.clone(),
            resources,
        });
    }
    DiscoveredGroup {
        preferred_version: versions.first().map(|v| v.version.clone()),
        name,
        versions,
    }
}

fn resolve_kind(kind: &ResponseKind, group: &str, version: &str) -> (String, String, String) {
    let g = if kind.group.is_empty() && kind.version.is_empty() {
        group.to_string()
    } else {
        kind.group.clone()
    };
    let v = if kind.version.is_empty() {
        version.to_string()
    } else {
        kind.version.clone()
    };
    (g, v, kind.kind.clone())
}

fn from_aggregated_resource(
    group: &str,
    version: &str,
    r: &APIResourceDiscovery,
) -> Option<DiscoveredResource> {
    let kind = r.response_kind.as_ref().filter(|k| !k.kind.is_empty())?;
    let subresources = r
        .subresources
        .iter()
        .filter_map(|s| from_aggregated_subresource(group, version, s))
        .collect();
    Some(DiscoveredResource {
        group: group.to_string(),
        version: version.to_string(),
        kind: kind.kind.clone(),
        plural: r.resource.clone(),
        singular: r.singular_resource.clone(),
        scope: if r.scope == SCOPE_NAMESPACED {
            Scope::Namespaced
        } else {
            Scope::Cluster
        },
        verbs: r.verbs.clone(),
        short_names: r.short_names.clone(),
        categories: r.categories.clone(),
        subresources,
    })
}

fn from_aggregated_subresource(
    group: &str,
    version: &str,
    s: &APISubresourceDiscovery,
) -> Option<DiscoveredSubresource> {
    let kind = s.response_kind.as_ref().filter(|k| !k.is_empty())?;
    let (g, v, k) = resolve_kind(kind, group, version);
    Some(DiscoveredSubresource {
        name: s.subresource.clone(),
        group: g,
        version: v,
        kind: k,
        verbs: s.verbs.clone(),
    })
}

/// Converts one legacy `APIResourceList` (resources with `/` are attached to their parent).
pub(crate) fn from_legacy_resource_list(
    group: &str,
    version: &str,
    list: &APIResourceList,
) -> DiscoveredVersion {
    let mut resources: Vec<DiscoveredResource> = Vec::new();
    for r in list.resources.iter().filter(|r| !r.name.contains('/')) {
        let singular = if r.singular_name.is_empty() {
            // Old servers leave it out; client-go guesses the lower-case kind.
            r.kind.to_ascii_lowercase()
        } else {
            r.singular_name.clone()
        };
        resources.push(DiscoveredResource {
            group: group.to_string(),
            version: version.to_string(),
            kind: r.kind.clone(),
            plural: r.name.clone(),
            singular,
            scope: if r.namespaced {
                Scope::Namespaced
            } else {
                Scope::Cluster
            },
            verbs: r.verbs.clone(),
            short_names: r.short_names.clone().unwrap_or_default(),
            categories: r.categories.clone().unwrap_or_default(),
            subresources: Vec::new(),
        });
    }
    for r in &list.resources {
        let Some((parent, sub)) = r.name.split_once('/') else {
            continue;
        };
        if let Some(p) = resources.iter_mut().find(|p| p.plural == parent) {
            p.subresources.push(DiscoveredSubresource {
                name: sub.to_string(),
                group: r.group.clone().unwrap_or_else(|| group.to_string()),
                version: r.version.clone().unwrap_or_else(|| version.to_string()),
                kind: r.kind.clone(),
                verbs: r.verbs.clone(),
            });
        }
    }
    DiscoveredVersion {
        version: version.to_string(),
        resources,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::aggregated::APIGroupDiscoveryList;

    fn apps() -> APIGroupDiscoveryList {
        serde_json::from_value(serde_json::json!({
            "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2",
            "items": [{"metadata": {"name": "autoscaling"}, "versions": [
                {"version": "v2", "freshness": "Current", "resources": [
                    {"resource": "horizontalpodautoscalers", "singularResource": "horizontalpodautoscaler",
                     "responseKind": {"group": "", "version": "", "kind": "HorizontalPodAutoscaler"},
                     "scope": "Namespaced", "verbs": ["get"], "shortNames": ["hpa"], "categories": ["all"],
                     "subresources": [{"subresource": "status", "verbs": ["get"],
                        "responseKind": {"group": "", "version": "", "kind": "HorizontalPodAutoscaler"}}]}]},
                {"version": "v1", "freshness": "Current", "resources": [
                    {"resource": "horizontalpodautoscalers", "singularResource": "horizontalpodautoscaler",
                     "responseKind": {"group": "", "version": "", "kind": "HorizontalPodAutoscaler"},
                     "scope": "Namespaced", "verbs": ["get"]},
                    {"resource": "nokind", "scope": "Cluster", "verbs": []},
                    {"resource": "onlyinv1", "singularResource": "onlyinv1",
                     "responseKind": {"group": "", "version": "", "kind": "OnlyInV1"},
                     "scope": "Cluster", "verbs": ["get"]}]},
                {"version": "v0", "freshness": "Stale"}
            ]}]
        }))
        .unwrap()
    }

    #[test]
    fn aggregated_groups_convert_like_client_go() {
        let mut failed = Vec::new();
        let g = from_aggregated_group(&apps().items[0], &mut failed);
        assert_eq!(g.preferred_version(), Some("v2"));
        assert_eq!(g.versions.len(), 2);
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].group_version.to_string(), "autoscaling/v0");
        // The resource without a kind is skipped.
        assert_eq!(g.versions[1].resources.len(), 2);
        let hpa = &g.versions[0].resources[0];
        assert_eq!(
            hpa.gvk().to_string(),
            "autoscaling/v2, Kind=HorizontalPodAutoscaler"
        );
        assert_eq!(hpa.subresources[0].group, "autoscaling");
        assert_eq!(hpa.subresources[0].version, "v2");
        let d = Discovery {
            source: DiscoverySource::Aggregated,
            groups: vec![g],
            failed,
        };
        let preferred: Vec<String> = d
            .preferred_resources()
            .iter()
            .map(|r| format!("{}/{}", r.version, r.plural))
            .collect();
        assert_eq!(preferred, ["v2/horizontalpodautoscalers", "v1/onlyinv1"]);
    }

    #[test]
    fn legacy_lists_attach_subresources() {
        let list: APIResourceList = serde_json::from_value(serde_json::json!({
            "groupVersion": "apps/v1",
            "resources": [
                {"name": "deployments", "singularName": "deployment", "namespaced": true,
                 "kind": "Deployment", "verbs": ["get"], "shortNames": ["deploy"]},
                {"name": "deployments/scale", "singularName": "", "namespaced": true,
                 "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get"]},
                {"name": "olds", "singularName": "", "namespaced": false, "kind": "Old", "verbs": []}
            ]
        }))
        .unwrap();
        let v = from_legacy_resource_list("apps", "v1", &list);
        assert_eq!(v.resources.len(), 2);
        let d = &v.resources[0];
        assert_eq!(d.short_names, ["deploy"]);
        assert_eq!(d.subresources[0].kind, "Scale");
        assert_eq!(d.subresources[0].group, "autoscaling");
        assert_eq!(v.resources[1].singular, "old");
        // And back: the same entries as the server listed (with group/version only where they differ).
        let back = d.to_api_resources();
        assert_eq!(back[0], list.resources[0]);
        assert_eq!(back[1], list.resources[1]);
    }
}
