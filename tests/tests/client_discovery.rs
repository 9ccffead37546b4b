//! Discovery and the RESTMapper against the real apiserver: aggregated discovery agrees with the
//! legacy endpoints and with `kubectl api-resources`, the server version, the cache, and the
//! names kubectl accepts (including a CRD created after the cache was filled).
//!
//! Other tests create and delete CRDs at any moment; comparisons between two discovery snapshots
//! leave out every group that is not built in (built-in groups are one word, like `apps`, or end
//! in `.k8s.io`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use k8s_apimachinery::{
    ApiResource, CreateOptions, DeleteOptions, DynamicObject, GetOptions, GroupKind,
    GroupVersionKind, Scope,
};
use k8s_client::discovery::{CachedDiscovery, DiscoveryClient, DiscoverySource, RestMapper};
use k8s_client::helpers::poll_immediate_until;
use k8s_client::{Api, Error, HttpClient};
use k8s_testenv::{PlaneInfo, TestEnv};
use serde_json::json;

fn admin(plane: &PlaneInfo) -> HttpClient {
    plane.client().unwrap()
}

/// Groups other tests may create or remove while this one runs: any that is not built in.
fn volatile(group: &str) -> bool {
    group.contains('.') && !group.ends_with(".k8s.io")
}

#[tokio::test]
async fn server_version_is_v1_37_2() {
    let env = TestEnv::new("disco-version").await.unwrap();
    let discovery = DiscoveryClient::new(admin(env.plane()));
    let v = discovery.server_version().await.unwrap();
    assert_eq!(v.git_version, "v1.37.2");
    assert_eq!((v.major.as_str(), v.minor.as_str()), ("1", "37"));
    assert!(v.platform.contains('/'), "{v:?}");
}

/// One comparable line per resource: `group/version plural singular kind namespaced verbs
/// short names categories [subresources]`.
fn resource_lines(d: &k8s_client::discovery::Discovery) -> BTreeSet<String> {
    d.resource_lists()
        .into_iter()
        .filter(|l| !volatile(l.group_version.split('/').next().unwrap_or_default()))
        .flat_map(|l| {
            l.resources.into_iter().map(move |r| {
                let mut verbs = r.verbs.clone();
                verbs.sort();
                format!(
                    "{} {} {:?} {} {} {:?} {:?} {:?} {:?}/{:?}",
                    l.group_version,
                    r.name,
                    r.singular_name,
                    r.kind,
                    r.namespaced,
                    verbs,
                    r.short_names.unwrap_or_default(),
                    r.categories.unwrap_or_default(),
                    r.group,
                    r.version
                )
            })
        })
        .collect()
}

#[tokio::test]
async fn aggregated_discovery_agrees_with_the_legacy_endpoints() {
    let env = TestEnv::new("disco-agg").await.unwrap();
    let client = admin(env.plane());
    let discovery = DiscoveryClient::new(client.clone());

    let aggregated = discovery.server_groups_and_resources().await.unwrap();
    assert_eq!(aggregated.source, DiscoverySource::Aggregated);
    let stable_failures = |d: &k8s_client::discovery::Discovery| -> Vec<String> {
        d.failed
            .iter()
            .filter(|f| !volatile(&f.group_version.group))
            .map(|f| format!("{}: {}", f.group_version, f.reason))
            .collect()
    };
    assert_eq!(stable_failures(&aggregated), Vec::<String>::new());
    // Core first, as client-go orders groups.
    assert_eq!(aggregated.groups[0].name, "");
    assert_eq!(aggregated.groups[0].preferred_version(), Some("v1"));

    // Every group /apis lists (legacy document), with the same versions and preferred version.
    let legacy_groups = discovery.server_groups().await.unwrap();
    assert_eq!(legacy_groups[0].name, "");
    for g in legacy_groups.iter().filter(|g| !volatile(&g.name)) {
        let found = aggregated
            .group(&g.name)
            .unwrap_or_else(|| panic!("group {:?} missing from aggregated discovery", g.name));
        let ours = found.to_api_group();
        assert_eq!(ours.versions, g.versions, "{}", g.name);
        assert_eq!(ours.preferred_version, g.preferred_version, "{}", g.name);
    }
    let names =
        |gs: Vec<String>| -> BTreeSet<String> { gs.into_iter().filter(|g| !volatile(g)).collect() };
    assert_eq!(
        names(aggregated.groups.iter().map(|g| g.name.clone()).collect()),
        names(legacy_groups.iter().map(|g| g.name.clone()).collect())
    );
    // A group with two versions: the preferred one first.
    let autoscaling = aggregated.group("autoscaling").unwrap();
    assert_eq!(autoscaling.preferred_version(), Some("v2"));
    assert!(autoscaling.version("v1").is_some());

    // The legacy path (one request per group version) finds exactly the same resources.
    let legacy = DiscoveryClient::new(client.clone())
        .legacy()
        .server_groups_and_resources()
        .await
        .unwrap();
    assert_eq!(legacy.source, DiscoverySource::Legacy);
    // (A CRD another test deletes meanwhile may fail here; built-in groups may not.)
    assert_eq!(stable_failures(&legacy), Vec::<String>::new());
    let (a, l) = (resource_lines(&aggregated), resource_lines(&legacy));
    let only_a: Vec<_> = a.difference(&l).collect();
    let only_l: Vec<_> = l.difference(&a).collect();
    assert!(
        only_a.is_empty() && only_l.is_empty(),
        "only aggregated: {only_a:#?}\nonly legacy: {only_l:#?}"
    );
    assert!(a.len() > 100, "{}", a.len());

    // And each legacy APIResourceList as the server serves it, entry for entry.
    let apps_v1 = discovery
        .server_resources_for_group_version(&"apps/v1".parse().unwrap())
        .await
        .unwrap();
    let mut ours = aggregated
        .resource_lists()
        .into_iter()
        .find(|l| l.group_version == "apps/v1")
        .unwrap()
        .resources;
    let mut theirs = apps_v1.resources;
    for r in theirs.iter_mut() {
        r.storage_version_hash = None;
        r.verbs.sort();
    }
    for r in ours.iter_mut() {
        r.verbs.sort();
    }
    ours.sort_by(|a, b| a.name.cmp(&b.name));
    theirs.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(ours, theirs);

    // Resources carry what the RESTMapper and the dynamic client need.
    let deployments = aggregated
        .resources()
        .find(|r| r.plural == "deployments")
        .unwrap();
    assert_eq!(deployments.gvk().to_string(), "apps/v1, Kind=Deployment");
    assert_eq!(deployments.singular, "deployment");
    assert_eq!(deployments.short_names, ["deploy"]);
    assert_eq!(deployments.categories, ["all"]);
    assert!(deployments.supports("watch"));
    let scale = deployments.subresource("scale").unwrap();
    assert_eq!(
        (
            scale.group.as_str(),
            scale.version.as_str(),
            scale.kind.as_str()
        ),
        ("autoscaling", "v1", "Scale")
    );
    assert_eq!(
        deployments.subresource("status").unwrap().kind,
        "Deployment"
    );
}

/// `kubectl api-resources -o wide`, parsed by the header's column positions.
fn kubectl_api_resources(env: &TestEnv) -> Vec<BTreeMap<String, String>> {
    let out = std::process::Command::new(&env.plane().binaries.kubectl)
        .env("KUBECONFIG", env.kubeconfig())
        .args(["api-resources", "-o", "wide"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let mut cols: Vec<(String, usize)> = Vec::new();
    let mut pos = 0;
    for word in header.split_whitespace() {
        let at = header[pos..].find(word).unwrap() + pos;
        cols.push((word.to_string(), at));
        pos = at + word.len();
    }
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            cols.iter()
                .enumerate()
                .map(|(i, (name, start))| {
                    let end = cols.get(i + 1).map_or(line.len(), |c| c.1).min(line.len());
                    let cell = line.get(*start..end).unwrap_or_default().trim();
                    (name.clone(), cell.to_string())
                })
                .collect()
        })
        .collect()
}

fn sorted(csv: &str) -> String {
    let mut v: Vec<&str> = csv.split(',').collect();
    v.sort();
    v.join(",")
}

#[tokio::test]
async fn preferred_resources_match_kubectl_api_resources() {
    let env = TestEnv::new("disco-kubectl").await.unwrap();
    let discovery = DiscoveryClient::new(admin(env.plane()));
    let rows = kubectl_api_resources(&env);
    let d = discovery.server_groups_and_resources().await.unwrap();

    let kubectl: BTreeSet<String> = rows
        .iter()
        .filter(|r| !volatile(r["APIVERSION"].split('/').next().unwrap()))
        .map(|r| {
            format!(
                "{} {} {} {} {} {} {}",
                r["NAME"],
                r["SHORTNAMES"],
                r["APIVERSION"],
                r["NAMESPACED"],
                r["KIND"],
                sorted(&r["VERBS"]),
                r["CATEGORIES"]
            )
        })
        .collect();
    let ours: BTreeSet<String> = d
        .preferred_resources()
        .into_iter()
        .filter(|r| !volatile(&r.group))
        .map(|r| {
            let mut verbs = r.verbs.clone();
            verbs.sort();
            format!(
                "{} {} {} {} {} {} {}",
                r.plural,
                r.short_names.join(","),
                r.group_version(),
                r.namespaced(),
                r.kind,
                verbs.join(","),
                r.categories.join(",")
            )
        })
        .collect();
    let only_kubectl: Vec<_> = kubectl.difference(&ours).collect();
    let only_ours: Vec<_> = ours.difference(&kubectl).collect();
    assert!(
        only_kubectl.is_empty() && only_ours.is_empty(),
        "only kubectl: {only_kubectl:#?}\nonly ours: {only_ours:#?}"
    );
    assert!(kubectl.len() > 50, "{}", kubectl.len());
}

#[tokio::test]
async fn cache_serves_from_memory_until_invalidated() {
    let env = TestEnv::new("disco-cache").await.unwrap();
    let cache = CachedDiscovery::new(DiscoveryClient::new(admin(env.plane())));
    assert!(!cache.is_populated().await);
    // Concurrent first callers share one fetch.
    let (a, b) = tokio::join!(cache.discovery(), cache.discovery());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(Arc::ptr_eq(&a, &b));
    let again = cache.clone().discovery().await.unwrap();
    assert!(Arc::ptr_eq(&a, &again), "clones share the cache");
    cache.invalidate().await;
    assert!(!cache.is_populated().await);
    let fresh = cache.discovery().await.unwrap();
    assert!(!Arc::ptr_eq(&a, &fresh));
    let refreshed = cache.refresh().await.unwrap();
    assert!(!Arc::ptr_eq(&fresh, &refreshed));
    assert_eq!(cache.server_version().await.unwrap().git_version, "v1.37.2");
}

#[tokio::test]
async fn restmapper_resolves_what_kubectl_accepts() {
    let env = TestEnv::new("disco-mapper").await.unwrap();
    let mapper = RestMapper::new(CachedDiscovery::new(DiscoveryClient::new(admin(
        env.plane(),
    ))));
    for arg in [
        "deploy",
        "Deployment",
        "deployment",
        "deployments",
        "deployments.apps",
        "deployments.v1.apps",
        "Deployment.apps",
        "Deployment.v1.apps",
    ] {
        let m = mapper.mapping_for(arg).await.unwrap();
        assert_eq!(
            m.gvr().to_string(),
            "apps/v1, Resource=deployments",
            "{arg}"
        );
        assert_eq!(m.scope, Scope::Namespaced);
        assert_eq!(m.resource.kind, "Deployment");
    }
    let cm = mapper.mapping_for("cm").await.unwrap();
    assert_eq!(
        cm.resource,
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::new("", "v1", "ConfigMap"),
            "configmaps",
            Scope::Namespaced
        )
    );
    let ns = mapper.mapping_for("ns").await.unwrap();
    assert_eq!(
        (ns.resource.kind.as_str(), ns.scope),
        ("Namespace", Scope::Cluster)
    );
    let crd = mapper.mapping_for("crd").await.unwrap();
    assert_eq!(
        crd.gvr().to_string(),
        "apiextensions.k8s.io/v1, Resource=customresourcedefinitions"
    );
    // events: core wins over events.k8s.io, as in kubectl.
    assert_eq!(
        mapper.resource_for("events").await.unwrap().to_string(),
        "v1, Resource=events"
    );
    assert_eq!(
        mapper
            .resource_for("events.events.k8s.io")
            .await
            .unwrap()
            .to_string(),
        "events.k8s.io/v1, Resource=events"
    );
    // Two versions: the preferred one, unless a version is named.
    assert_eq!(
        mapper.kind_for("hpa").await.unwrap().to_string(),
        "autoscaling/v2, Kind=HorizontalPodAutoscaler"
    );
    let v1 = mapper
        .rest_mapping(&GroupVersionKind::new(
            "autoscaling",
            "v1",
            "HorizontalPodAutoscaler",
        ))
        .await
        .unwrap();
    assert_eq!(v1.resource.version, "v1");
    let all_versions = mapper
        .rest_mappings(&GroupKind::new("autoscaling", "HorizontalPodAutoscaler"))
        .await
        .unwrap();
    let versions: Vec<_> = all_versions
        .iter()
        .map(|m| m.resource.version.as_str())
        .collect();
    assert_eq!(versions, ["v2", "v1"]);
    // Category "all", as `kubectl get all` expands it.
    let all: BTreeSet<String> = mapper
        .resources_for_category("all")
        .await
        .unwrap()
        .iter()
        .map(|m| m.resource.plural.clone())
        .collect();
    for r in ["pods", "services", "deployments", "statefulsets", "jobs"] {
        assert!(all.contains(r), "{r} not in {all:?}");
    }

    // Unknown names are typed errors (after one refresh).
    let err = mapper.mapping_for("nosuchthings").await.unwrap_err();
    assert!(err.is_no_match(), "{err}");
    assert_eq!(
        err.to_string(),
        "the server doesn't have a resource type \"nosuchthings\""
    );
    let err = mapper
        .rest_mapping(&GroupVersionKind::new("apps", "v1", "NoSuchKind"))
        .await
        .unwrap_err();
    assert!(err.is_no_match(), "{err}");
}

#[tokio::test]
async fn restmapper_finds_a_new_crd_by_refreshing_on_a_miss() {
    let env = TestEnv::new("disco-crd").await.unwrap();
    let client = admin(env.plane());
    let cache = CachedDiscovery::new(DiscoveryClient::new(client.clone()));
    let mapper = RestMapper::new(cache.clone());
    // Warm the cache before the CRD exists.
    let crds = mapper.mapping_for("crd").await.unwrap();
    let before = cache.discovery().await.unwrap();

    let suffix = env.namespace().rsplit('-').next().unwrap().to_string();
    let group = format!("d{suffix}.disco.example.com");
    let crd_api: Api<DynamicObject> = Api::all_with(client.clone(), &crds.resource);
    let name = format!("gizmos.{group}");
    let crd: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": name},
        "spec": {"group": group, "scope": "Namespaced",
            "names": {"plural": "gizmos", "singular": "gizmo", "kind": "Gizmo",
                      "shortNames": [format!("gz{suffix}")], "categories": ["disco"]},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object",
                    "x-kubernetes-preserve-unknown-fields": true}}}]}
    }))
    .unwrap();
    crd_api
        .create(&crd, &CreateOptions::default())
        .await
        .unwrap();
    // Established: the apiserver serves the new resource (and lists it in discovery).
    poll_immediate_until(
        Duration::from_millis(100),
        Duration::from_secs(30),
        || async {
            let got = crd_api.get(&name, &GetOptions::default()).await?;
            let established = got.data["status"]["conditions"]
                .as_array()
                .is_some_and(|cs| {
                    cs.iter()
                        .any(|c| c["type"] == "Established" && c["status"] == "True")
                });
            Ok(established)
        },
    )
    .await
    .unwrap();

    // The cached discovery predates the CRD: the lookup misses, refreshes once, and finds it.
    assert!(before.resources().all(|r| r.group != group));
    let short = format!("gz{suffix}");
    let mut mapping = mapper.mapping_for(&short).await;
    // The discovery document may trail the Established condition by a moment; give the
    // refresh-on-miss a few more chances, each one a real refresh.
    for _ in 0..50 {
        if mapping.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        mapping = mapper.mapping_for(&short).await;
    }
    let mapping = mapping.unwrap();
    let after = cache.discovery().await.unwrap();
    assert!(
        !Arc::ptr_eq(&before, &after),
        "the miss refreshed the cache"
    );
    assert_eq!(mapping.gvk(), GroupVersionKind::new(&group, "v1", "Gizmo"));
    assert_eq!(mapping.scope, Scope::Namespaced);
    for arg in [
        "gizmos".to_string(),
        "gizmo".to_string(),
        "Gizmo".to_string(),
        format!("gizmos.{group}"),
        format!("gizmos.v1.{group}"),
        format!("Gizmo.v1.{group}"),
    ] {
        let m = mapper.mapping_for(&arg).await.unwrap();
        assert_eq!(
            m.gvr().to_string(),
            format!("{group}/v1, Resource=gizmos"),
            "{arg}"
        );
    }
    // Served from the refreshed cache: no further refresh.
    assert!(Arc::ptr_eq(&after, &cache.discovery().await.unwrap()));

    // The mapping drives the dynamic client.
    let gizmos: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), env.namespace(), &mapping.resource);
    let mut g = DynamicObject::new("one", &mapping.resource);
    g.data.insert("spec".into(), json!({"size": 2}));
    let created = gizmos.create(&g, &CreateOptions::default()).await.unwrap();
    assert_eq!(created.kind, "Gizmo");

    crd_api
        .delete(&name, &DeleteOptions::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn kinds_resolve_within_their_group() {
    // (Built-in resources have no ambiguous names, and the server refuses CRDs whose names
    // clash within a group; the mapper's unit tests cover ambiguity.)
    let env = TestEnv::new("disco-kind").await.unwrap();
    let mapper = RestMapper::new(CachedDiscovery::new(DiscoveryClient::new(admin(
        env.plane(),
    ))));
    let m = mapper
        .rest_mapping(&GroupVersionKind::new(
            "rbac.authorization.k8s.io",
            "",
            "clusterrole",
        ))
        .await
        .unwrap();
    assert_eq!(m.resource.plural, "clusterroles");
    assert_eq!(m.scope, Scope::Cluster);
    let err: Error = mapper
        .rest_mapping(&GroupVersionKind::new("", "", "Deployment"))
        .await
        .unwrap_err();
    assert!(
        err.is_no_match(),
        "Deployment is not in the core group: {err}"
    );
}
