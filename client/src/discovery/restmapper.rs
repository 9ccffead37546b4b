//! The RESTMapper: from what a user types to a resource the dynamic client can use.
//!
//! See [`RestMapper`] for the rules.

use std::sync::Arc;

use k8s_apimachinery::{
    ApiResource, GroupKind, GroupResource, GroupVersionKind, GroupVersionResource, Scope,
};

use super::{CachedDiscovery, DiscoveredResource, Discovery};
use crate::Error;

/// What a name resolved to: the resource for the dynamic client, its scope, and everything
/// discovery said about it (client-go `meta.RESTMapping`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestMapping {
    /// Group, version, kind, plural and scope, ready for `Api::namespaced_with` /
    /// `Api::all_with`.
    pub resource: ApiResource,
    /// Namespaced or cluster-scoped.
    pub scope: Scope,
    /// The discovery entry (verbs, short names, categories, subresources, singular).
    pub discovered: DiscoveredResource,
}

impl RestMapping {
    fn of(r: &DiscoveredResource) -> Self {
        RestMapping {
            resource: r.api_resource(),
            scope: r.scope,
            discovered: r.clone(),
        }
    }

    /// The group/version/kind.
    pub fn gvk(&self) -> GroupVersionKind {
        self.resource.gvk()
    }

    /// The group/version/resource.
    pub fn gvr(&self) -> GroupVersionResource {
        self.resource.gvr()
    }
}

/// Resolves resource and kind names against (cached) discovery. Cheap to clone; clones share
/// the cache.
///
/// Resolution follows kubectl (client-go `restmapper.DeferredDiscoveryRESTMapper` wrapped in the
/// `ShortcutExpander`, over `PriorityRESTMapper` built by `NewDiscoveryRESTMapper`):
///
/// 1. A name is first read as a **resource**: `deployments`, `deployment` (singular),
///    `deploy` (short name), `deployments.apps`, `deployments.v1.apps`; case does not matter.
///    A short name is expanded unless some resource is literally called that.
/// 2. If no resource matches, as a **kind**: `Deployment`, `Deployment.apps`,
///    `Deployment.v1.apps` (case-insensitive).
/// 3. When several group versions match, the priority decides: groups in discovery order (the
///    core group first), in each the preferred version first, then its other versions. Several
///    matches within one group version are ambiguous ([`Error::AmbiguousMatch`]).
/// 4. A miss refreshes discovery once (a CRD may have been installed since the cache was
///    filled); if the name is still unknown the error is [`Error::NoMatch`].
///
/// ```no_run
/// use k8s_apimachinery::{GroupVersionKind, Scope};
/// use k8s_client::discovery::{CachedDiscovery, DiscoveryClient, RestMapper};
///
/// # async fn demo(client: k8s_client::HttpClient) -> Result<(), k8s_client::Error> {
/// let mapper = RestMapper::new(CachedDiscovery::new(DiscoveryClient::new(client)));
/// assert_eq!(mapper.resource_for("deploy").await?.to_string(), "apps/v1, Resource=deployments");
/// assert_eq!(mapper.kind_for("cm").await?.kind, "ConfigMap");
/// let ns = mapper.rest_mapping(&GroupVersionKind::new("", "", "Namespace")).await?;
/// assert_eq!(ns.scope, Scope::Cluster);
/// let err = mapper.mapping_for("nosuchthing").await.unwrap_err();
/// assert!(err.is_no_match());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct RestMapper {
    cache: CachedDiscovery,
}

impl RestMapper {
    /// A mapper over `cache`.
    pub fn new(cache: CachedDiscovery) -> Self {
        RestMapper { cache }
    }

    /// The cache underneath.
    pub fn cache(&self) -> &CachedDiscovery {
        &self.cache
    }

    /// Forgets what discovery said (client-go `Reset`).
    pub async fn reset(&self) {
        self.cache.invalidate().await;
    }

    /// The resource a resource name means (`deploy`, `deployments.apps`,
    /// `deployments.v1.apps`, …) (client-go `ResourceFor` after shortcut expansion).
    pub async fn resource_for(&self, resource: &str) -> Result<GroupVersionResource, Error> {
        self.with_refresh(|d| resolve_resource(d, resource).map(DiscoveredResource::gvr))
            .await
    }

    /// The kind a resource name means (client-go `KindFor`).
    pub async fn kind_for(&self, resource: &str) -> Result<GroupVersionKind, Error> {
        self.with_refresh(|d| resolve_resource(d, resource).map(DiscoveredResource::gvk))
            .await
    }

    /// Every resource a resource name matches, best first (client-go `ResourcesFor`).
    pub async fn resources_for(&self, resource: &str) -> Result<Vec<GroupVersionResource>, Error> {
        self.with_refresh(|d| {
            let (full, gr) = parse_resource_arg(resource);
            if let Some(full) = full {
                let found = find_resources(d, &expand_shortcut(d, &full));
                if !found.is_empty() {
                    return Ok(by_priority(d, found).iter().map(|r| r.gvr()).collect());
                }
            }
            let found = find_resources(d, &expand_shortcut(d, &gr.with_version("")));
            if found.is_empty() {
                return Err(no_resource(resource));
            }
            Ok(by_priority(d, found).iter().map(|r| r.gvr()).collect())
        })
        .await
    }

    /// The mapping of a kind (client-go `RESTMapping(gk, version)`): an empty `version` picks
    /// the preferred one; the kind matches case-insensitively.
    pub async fn rest_mapping(&self, gvk: &GroupVersionKind) -> Result<RestMapping, Error> {
        self.with_refresh(|d| {
            let version = (!gvk.version.is_empty()).then_some(gvk.version.as_str());
            let found = find_kinds(d, &gvk.group_kind(), version);
            pick(d, found, &gvk.to_string(), true)
                .map(RestMapping::of)
                .map_err(|e| match e {
                    Error::NoMatch { .. } => no_kind(&gvk.to_string()),
                    e => e,
                })
        })
        .await
    }

    /// Every version's mapping of a group kind, best first (client-go `RESTMappings`).
    pub async fn rest_mappings(&self, gk: &GroupKind) -> Result<Vec<RestMapping>, Error> {
        self.with_refresh(|d| {
            let found = find_kinds(d, gk, None);
            if found.is_empty() {
                return Err(no_kind(&gk.to_string()));
            }
            Ok(by_priority(d, found)
                .into_iter()
                .map(RestMapping::of)
                .collect())
        })
        .await
    }

    /// What kubectl makes of a command-line type name (`kubectl get <arg>`): a resource name
    /// first, else a kind (client-go's `resource.Builder.mappingFor`).
    pub async fn mapping_for(&self, arg: &str) -> Result<RestMapping, Error> {
        self.with_refresh(|d| {
            let resource_err = match resolve_resource(d, arg) {
                Ok(r) => return Ok(RestMapping::of(r)),
                Err(e) => e,
            };
            let (full, gk) = parse_kind_arg(arg);
            if let Some(full) = full {
                let found = find_kinds(d, &full.group_kind(), Some(&full.version));
                if let Ok(r) = pick(d, found, arg, true) {
                    return Ok(RestMapping::of(r));
                }
            }
            let found = find_kinds(d, &gk, None);
            match pick(d, found, arg, true) {
                Ok(r) => Ok(RestMapping::of(r)),
                // Neither: the resource lookup's error says more (ambiguity, or no such type).
                Err(Error::NoMatch { .. }) => Err(resource_err),
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// The preferred-version resources in a category (`all`), as kubectl expands it.
    pub async fn resources_for_category(&self, category: &str) -> Result<Vec<RestMapping>, Error> {
        let d = self.cache.discovery().await?;
        Ok(d.preferred_resources()
            .into_iter()
            .filter(|r| r.categories.iter().any(|c| c == category))
            .map(RestMapping::of)
            .collect())
    }

    /// Runs `f` on the cached discovery; on a miss, refreshes once and runs it again (unless
    /// the cache was filled by this very call).
    async fn with_refresh<T>(
        &self,
        f: impl Fn(&Discovery) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let was_populated = self.cache.is_populated().await;
        let d: Arc<Discovery> = self.cache.discovery().await?;
        match f(&d) {
            Err(e) if e.is_no_match() && was_populated => {
                tracing::debug!(error = %e, "RESTMapper miss; refreshing discovery");
                let d = self.cache.refresh_after(&d).await?;
                f(&d)
            }
            other => other,
        }
    }
}

fn no_resource(input: &str) -> Error {
    Error::NoMatch {
        what: "a resource type",
        input: input.to_string(),
    }
}

fn no_kind(input: &str) -> Error {
    Error::NoMatch {
        what: "a kind",
        input: input.to_string(),
    }
}

/// `schema.ParseResourceArg`: `a.b.c` is also tried as resource `a`, version `b`, group `c`;
/// the group resource is split at the first dot.
fn parse_resource_arg(arg: &str) -> (Option<GroupVersionResource>, GroupResource) {
    let arg = arg.to_ascii_lowercase();
    let full = if arg.matches('.').count() >= 2 {
        let mut s = arg.splitn(3, '.');
        match (s.next(), s.next(), s.next()) {
            (Some(r), Some(v), Some(g)) => Some(GroupVersionResource::new(g, v, r)),
            _ => None,
        }
    } else {
        None
    };
    let (r, g) = arg.split_once('.').unwrap_or((&arg, ""));
    (full, GroupResource::new(g, r))
}

/// `schema.ParseKindArg`: `Kind.version.group`, else `Kind.group`.
fn parse_kind_arg(arg: &str) -> (Option<GroupVersionKind>, GroupKind) {
    let full = if arg.matches('.').count() >= 2 {
        let mut s = arg.splitn(3, '.');
        match (s.next(), s.next(), s.next()) {
            (Some(k), Some(v), Some(g)) => Some(GroupVersionKind::new(g, v, k)),
            _ => None,
        }
    } else {
        None
    };
    let (k, g) = arg.split_once('.').unwrap_or((arg, ""));
    (full, GroupKind::new(g, k))
}

/// kubectl's shortcut expansion: a short name becomes its resource (and group), unless some
/// resource's plural or singular is that very name; the first resource in priority order that
/// has the short name wins.
fn expand_shortcut(d: &Discovery, gvr: &GroupVersionResource) -> GroupVersionResource {
    let group_ok = |r: &DiscoveredResource| gvr.group.is_empty() || r.group == gvr.group;
    if d.resources()
        .any(|r| group_ok(r) && (r.plural == gvr.resource || r.singular == gvr.resource))
    {
        return gvr.clone();
    }
    for r in d.resources() {
        if group_ok(r)
            && r.short_names
                .iter()
                .any(|s| s.eq_ignore_ascii_case(&gvr.resource))
        {
            return GroupVersionResource::new(&r.group, &gvr.version, &r.plural);
        }
    }
    gvr.clone()
}

/// client-go `DefaultRESTMapper.ResourcesFor`: matches on plural or singular; with a group,
/// exact group first, else a group prefix (`storageclasses.storage` finds
/// `storage.k8s.io`).
fn find_resources<'a>(d: &'a Discovery, gvr: &GroupVersionResource) -> Vec<&'a DiscoveredResource> {
    let name_ok = |r: &DiscoveredResource| r.plural == gvr.resource || r.singular == gvr.resource;
    let version_ok = |r: &DiscoveredResource| gvr.version.is_empty() || r.version == gvr.version;
    if gvr.resource.is_empty() {
        return Vec::new();
    }
    if gvr.group.is_empty() {
        return d
            .resources()
            .filter(|r| name_ok(r) && version_ok(r))
            .collect();
    }
    let exact: Vec<_> = d
        .resources()
        .filter(|r| r.group == gvr.group && name_ok(r) && version_ok(r))
        .collect();
    if !exact.is_empty() || !gvr.version.is_empty() {
        return exact;
    }
    d.resources()
        .filter(|r| r.group.starts_with(&gvr.group) && name_ok(r))
        .collect()
}

fn find_kinds<'a>(
    d: &'a Discovery,
    gk: &GroupKind,
    version: Option<&str>,
) -> Vec<&'a DiscoveredResource> {
    d.resources()
        .filter(|r| {
            r.group.eq_ignore_ascii_case(&gk.group)
                && r.kind.eq_ignore_ascii_case(&gk.kind)
                && version.is_none_or(|v| r.version == v)
        })
        .collect()
}

/// The priority patterns of `NewDiscoveryRESTMapper`: per group (in discovery order) its
/// preferred version, then each of its versions; then each group at any version.
fn priorities(d: &Discovery) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    for g in &d.groups {
        if let Some(p) = g.preferred_version() {
            out.push((g.name.as_str(), Some(p)));
        }
        for v in &g.versions {
            out.push((g.name.as_str(), Some(v.version.as_str())));
        }
    }
    for g in &d.groups {
        out.push((g.name.as_str(), None));
    }
    out
}

fn rank(d: &Discovery, r: &DiscoveredResource) -> usize {
    priorities(d)
        .iter()
        .position(|(g, v)| *g == r.group && v.is_none_or(|v| v == r.version))
        .unwrap_or(usize::MAX)
}

fn by_priority<'a>(
    d: &Discovery,
    mut found: Vec<&'a DiscoveredResource>,
) -> Vec<&'a DiscoveredResource> {
    found.sort_by_key(|r| rank(d, r));
    found.dedup_by(|a, b| std::ptr::eq(*a, *b));
    found
}

/// client-go `PriorityRESTMapper`: narrow the matches pattern by pattern; one left wins,
/// several left after every pattern are ambiguous. `same_kind_ok`: several resources of one
/// group version serving the same kind are not ambiguous for a kind lookup (the first wins).
fn pick<'a>(
    d: &Discovery,
    found: Vec<&'a DiscoveredResource>,
    input: &str,
    same_kind_ok: bool,
) -> Result<&'a DiscoveredResource, Error> {
    let mut found = found;
    found.dedup_by(|a, b| std::ptr::eq(*a, *b));
    if found.is_empty() {
        return Err(no_resource(input));
    }
    if found.len() == 1 {
        return Ok(found[0]);
    }
    let mut remaining = found.clone();
    for (g, v) in priorities(d) {
        let matched: Vec<_> = remaining
            .iter()
            .copied()
            .filter(|r| r.group == g && v.is_none_or(|v| r.version == v))
            .collect();
        match matched.len() {
            0 => continue,
            1 => return Ok(matched[0]),
            _ => remaining = matched,
        }
    }
    if same_kind_ok
        && let Some(first) = remaining.first()
        && remaining.iter().all(|r| r.gvk() == first.gvk())
    {
        return Ok(first);
    }
    Err(Error::AmbiguousMatch {
        input: input.to_string(),
        candidates: found.iter().map(|r| r.gvr().to_string()).collect(),
    })
}

fn resolve_resource<'a>(d: &'a Discovery, arg: &str) -> Result<&'a DiscoveredResource, Error> {
    let (full, gr) = parse_resource_arg(arg);
    if let Some(full) = full {
        let found = find_resources(d, &expand_shortcut(d, &full));
        if let Ok(r) = pick(d, found, arg, false) {
            return Ok(r);
        }
    }
    let found = find_resources(d, &expand_shortcut(d, &gr.with_version("")));
    pick(d, found, arg, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::{DiscoveredGroup, DiscoveredVersion, DiscoverySource};

    #[allow(clippy::too_many_arguments)]
    fn res(
        group: &str,
        version: &str,
        kind: &str,
        plural: &str,
        singular: &str,
        short: &[&str],
        scope: Scope,
    ) -> DiscoveredResource {
        DiscoveredResource {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            singular: singular.into(),
            scope,
            verbs: vec!["get".into(), "list".into()],
            short_names: short.iter().map(|s| s.to_string()).collect(),
            categories: Vec::new(),
            subresources: Vec::new(),
        }
    }

    fn group(name: &str, versions: Vec<(&str, Vec<DiscoveredResource>)>) -> DiscoveredGroup {
        DiscoveredGroup {
            name: name.into(),
            preferred_version: versions.first().map(|(v, _)| v.to_string()),
            versions: versions
                .into_iter()
                .map(|(v, resources)| DiscoveredVersion {
                    version: v.into(),
                    resources,
                })
                .collect(),
        }
    }

    fn discovery() -> Discovery {
        use Scope::*;
        Discovery {
            source: DiscoverySource::Aggregated,
            groups: vec![
                group(
                    "",
                    vec![(
                        "v1",
                        vec![
                            res(
                                "",
                                "v1",
                                "ConfigMap",
                                "configmaps",
                                "configmap",
                                &["cm"],
                                Namespaced,
                            ),
                            res("", "v1", "Event", "events", "event", &["ev"], Namespaced),
                            res(
                                "",
                                "v1",
                                "Namespace",
                                "namespaces",
                                "namespace",
                                &["ns"],
                                Cluster,
                            ),
                        ],
                    )],
                ),
                group(
                    "apps",
                    vec![(
                        "v1",
                        vec![res(
                            "apps",
                            "v1",
                            "Deployment",
                            "deployments",
                            "deployment",
                            &["deploy"],
                            Namespaced,
                        )],
                    )],
                ),
                group(
                    "autoscaling",
                    vec![
                        (
                            "v2",
                            vec![res(
                                "autoscaling",
                                "v2",
                                "HorizontalPodAutoscaler",
                                "horizontalpodautoscalers",
                                "horizontalpodautoscaler",
                                &["hpa"],
                                Namespaced,
                            )],
                        ),
                        (
                            "v1",
                            vec![res(
                                "autoscaling",
                                "v1",
                                "HorizontalPodAutoscaler",
                                "horizontalpodautoscalers",
                                "horizontalpodautoscaler",
                                &["hpa"],
                                Namespaced,
                            )],
                        ),
                    ],
                ),
                group(
                    "events.k8s.io",
                    vec![(
                        "v1",
                        vec![res(
                            "events.k8s.io",
                            "v1",
                            "Event",
                            "events",
                            "event",
                            &["ev"],
                            Namespaced,
                        )],
                    )],
                ),
                group(
                    "storage.k8s.io",
                    vec![(
                        "v1",
                        vec![res(
                            "storage.k8s.io",
                            "v1",
                            "StorageClass",
                            "storageclasses",
                            "storageclass",
                            &["sc"],
                            Cluster,
                        )],
                    )],
                ),
                group(
                    "a.example.com",
                    vec![(
                        "v1",
                        vec![res(
                            "a.example.com",
                            "v1",
                            "Widget",
                            "widgets",
                            "widget",
                            &["w"],
                            Namespaced,
                        )],
                    )],
                ),
                group(
                    "b.example.com",
                    vec![(
                        "v1",
                        vec![
                            res(
                                "b.example.com",
                                "v1",
                                "Widget",
                                "widgets",
                                "widget",
                                &["w"],
                                Namespaced,
                            ),
                            res(
                                "b.example.com",
                                "v1",
                                "Odd",
                                "odds",
                                "things",
                                &[],
                                Namespaced,
                            ),
                            res(
                                "b.example.com",
                                "v1",
                                "Thing",
                                "things",
                                "thing",
                                &[],
                                Namespaced,
                            ),
                        ],
                    )],
                ),
            ],
            failed: Vec::new(),
        }
    }

    fn gvr(d: &Discovery, arg: &str) -> String {
        resolve_resource(d, arg).unwrap().gvr().to_string()
    }

    #[test]
    fn resource_names_like_kubectl() {
        let d = discovery();
        for arg in [
            "deploy",
            "deployment",
            "deployments",
            "Deployment",
            "DEPLOYMENTS",
            "deployments.apps",
            "deployments.v1.apps",
            "deploy.apps",
            "deploy.v1.apps",
        ] {
            assert_eq!(gvr(&d, arg), "apps/v1, Resource=deployments", "{arg}");
        }
        assert_eq!(gvr(&d, "cm"), "v1, Resource=configmaps");
        assert_eq!(gvr(&d, "ns"), "v1, Resource=namespaces");
        // Group prefix: storageclasses.storage finds storage.k8s.io.
        assert_eq!(
            gvr(&d, "storageclasses.storage"),
            "storage.k8s.io/v1, Resource=storageclasses"
        );
        assert_eq!(gvr(&d, "sc"), "storage.k8s.io/v1, Resource=storageclasses");
    }

    #[test]
    fn priority_core_first_and_preferred_version() {
        let d = discovery();
        // events exists in core and events.k8s.io: core wins, like kubectl.
        assert_eq!(gvr(&d, "events"), "v1, Resource=events");
        assert_eq!(gvr(&d, "ev"), "v1, Resource=events");
        assert_eq!(
            gvr(&d, "events.events.k8s.io"),
            "events.k8s.io/v1, Resource=events"
        );
        // Two versions: the preferred one.
        assert_eq!(
            gvr(&d, "hpa"),
            "autoscaling/v2, Resource=horizontalpodautoscalers"
        );
        assert_eq!(
            gvr(&d, "horizontalpodautoscalers.v1.autoscaling"),
            "autoscaling/v1, Resource=horizontalpodautoscalers"
        );
        // Same name in two groups that are not core: the earlier group in discovery wins.
        assert_eq!(gvr(&d, "widgets"), "a.example.com/v1, Resource=widgets");
        assert_eq!(gvr(&d, "w"), "a.example.com/v1, Resource=widgets");
        assert_eq!(
            gvr(&d, "widgets.b.example.com"),
            "b.example.com/v1, Resource=widgets"
        );
    }

    #[test]
    fn ambiguity_and_misses_are_typed() {
        let d = discovery();
        // "things" is one resource's plural and another's singular in the same group version.
        let err = resolve_resource(&d, "things").unwrap_err();
        assert!(err.is_ambiguous(), "{err}");
        let Error::AmbiguousMatch { candidates, .. } = &err else {
            unreachable!()
        };
        assert_eq!(candidates.len(), 2, "{candidates:?}");
        let err = resolve_resource(&d, "nope").unwrap_err();
        assert!(err.is_no_match());
        assert_eq!(
            err.to_string(),
            "the server doesn't have a resource type \"nope\""
        );
    }

    #[test]
    fn kinds_resolve_case_insensitively_to_the_preferred_version() {
        let d = discovery();
        let gk = GroupKind::new("autoscaling", "horizontalpodautoscaler");
        let r = pick(&d, find_kinds(&d, &gk, None), "x", true).unwrap();
        assert_eq!(r.version, "v2");
        let r = pick(&d, find_kinds(&d, &gk, Some("v1")), "x", true).unwrap();
        assert_eq!(r.version, "v1");
        let (full, gk) = parse_kind_arg("Deployment.v1.apps");
        assert_eq!(full.unwrap().to_string(), "apps/v1, Kind=Deployment");
        assert_eq!(gk.to_string(), "Deployment.v1.apps");
    }
}
