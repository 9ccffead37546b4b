//! What the fake serves: every built-in resource of k8s-api, plus the custom resources of the
//! CustomResourceDefinitions a test installs (or creates through the API).
//!
//! A resource is stored once per group and plural, whatever version it is read or written
//! through (as the real server stores one object per resource); the fake does not convert
//! between versions, it only sets `apiVersion` to the version asked for.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use k8s_api::registry::RoundTrip;
use serde_json::Value;

/// How a resource is reached and what it supports.
#[derive(Clone, Debug)]
pub struct ResourceInfo {
    /// The API group (`""` for the core group).
    pub group: String,
    /// The version this entry is served at.
    pub version: String,
    /// The resource name in URLs (`deployments`).
    pub plural: String,
    /// The kind (`Deployment`).
    pub kind: String,
    /// The kind of its lists (`DeploymentList`).
    pub list_kind: String,
    /// Whether objects live in namespaces.
    pub namespaced: bool,
    /// The verbs the real server serves for it.
    pub verbs: Vec<String>,
    /// Whether it has a `status` subresource.
    pub status: bool,
    /// The `scale` subresource, when it has one.
    pub scale: Option<ScalePaths>,
    /// Whether `metadata.generation` is tracked (set to 1 on create, bumped on spec changes).
    pub generation: bool,
    /// A custom resource (defined by a CRD): no strategic merge patch, JSON kept as sent.
    pub custom: bool,
    /// Short names in discovery (`deploy`), as kubectl resolves them.
    pub short_names: Vec<String>,
    /// Categories in discovery (`all`).
    pub categories: Vec<String>,
    /// A custom resource version's `openAPIV3Schema`: its objects are pruned, defaulted and
    /// validated by it.
    pub schema: Option<Arc<Value>>,
    /// Decode into the Rust type and encode again: unknown fields dropped and wrong types
    /// refused, as the real server's decoder does for built-in kinds.
    pub(crate) round_trip: Option<RoundTrip>,
}

impl ResourceInfo {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// `deployments.apps`, or `pods` for the core group: how the real server names a
    /// resource in its messages (`deployments.apps "web" not found`).
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.clone()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// Whether the real server serves `verb` for it.
    pub fn has_verb(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| v == verb)
    }

    /// Whether objects are kept (virtual resources such as `TokenReview` only answer).
    pub fn is_stored(&self) -> bool {
        self.has_verb("get") || self.has_verb("list")
    }
}

/// Where the replica count and selector of a custom resource live (`scale` subresource).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalePaths {
    /// JSON path of the desired replicas (`.spec.replicas`).
    pub spec_replicas: String,
    /// JSON path of the observed replicas (`.status.replicas`).
    pub status_replicas: String,
    /// JSON path of the label selector in its string form, if any.
    pub label_selector: Option<String>,
}

impl ScalePaths {
    fn builtin() -> Self {
        ScalePaths {
            spec_replicas: ".spec.replicas".into(),
            status_replicas: ".status.replicas".into(),
            label_selector: Some(".status.selector".into()),
        }
    }
}

/// Built-in kinds whose strategies set `metadata.generation` (v1.37).
const GENERATION_TRACKED: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("", "Pod"),
    ("", "ReplicationController"),
    ("policy", "PodDisruptionBudget"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "MutatingAdmissionPolicyBinding",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
];

/// The resources a fake serves. Cheap to clone; clones share the table.
#[derive(Clone, Default)]
pub struct Registry {
    inner: Arc<RwLock<Table>>,
}

#[derive(Default)]
struct Table {
    /// `(group, version, plural)` → entry.
    by_path: BTreeMap<(String, String, String), Arc<ResourceInfo>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.read(|t| t.by_path.len());
        f.debug_struct("Registry").field("resources", &n).finish()
    }
}

impl Registry {
    /// Every built-in resource of k8s-api (the kinds compiled in: stable, and alpha/beta with
    /// k8s-api's features).
    pub fn builtin() -> Self {
        let mut table = Table::default();
        for k in k8s_api::registry::kinds() {
            if k.verbs.is_empty() || k.plural.is_empty() {
                continue;
            }
            let has = |s: &str| k.subresources.contains(&s);
            let info = ResourceInfo {
                group: k.group.into(),
                version: k.version.into(),
                plural: k.plural.into(),
                kind: k.kind.into(),
                list_kind: format!("{}List", k.kind),
                namespaced: k.namespaced,
                verbs: k.verbs.iter().map(|v| (*v).to_string()).collect(),
                status: has("status"),
                scale: has("scale").then(ScalePaths::builtin),
                generation: GENERATION_TRACKED.contains(&(k.group, k.kind)),
                custom: false,
                short_names: names_of(SHORT_NAMES, k.group, k.plural),
                categories: names_of(CATEGORIES, k.group, k.plural),
                schema: None,
                round_trip: Some(k.round_trip),
            };
            table.by_path.insert(
                (
                    info.group.clone(),
                    info.version.clone(),
                    info.plural.clone(),
                ),
                Arc::new(info),
            );
        }
        Registry {
            inner: Arc::new(RwLock::new(table)),
        }
    }

    fn read<T>(&self, f: impl FnOnce(&Table) -> T) -> T {
        // A poisoned lock only means a panic elsewhere while holding it; the table is
        // replaced entry by entry, so it is still consistent.
        let guard = self.inner.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    fn write<T>(&self, f: impl FnOnce(&mut Table) -> T) -> T {
        let mut guard = self.inner.write().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    /// The resource served at `group`/`version` as `plural`.
    pub fn get(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceInfo>> {
        self.read(|t| {
            t.by_path
                .get(&(group.to_string(), version.to_string(), plural.to_string()))
                .cloned()
        })
    }

    /// Whether any resource of `group` is served, at any version (the real server routes only
    /// the groups it serves; any other path gets its plain-text `404 page not found`).
    pub fn serves_group(&self, group: &str) -> bool {
        self.read(|t| t.by_path.keys().any(|(g, _, _)| g == group))
    }

    /// The resource of `kind` served at `api_version`.
    pub fn by_kind(&self, api_version: &str, kind: &str) -> Option<Arc<ResourceInfo>> {
        let (group, version) = split_api_version(api_version);
        self.read(|t| {
            t.by_path
                .values()
                .find(|r| r.group == group && r.version == version && r.kind == kind)
                .cloned()
        })
    }

    /// Every resource, sorted by group, version and plural.
    pub fn all(&self) -> Vec<Arc<ResourceInfo>> {
        self.read(|t| t.by_path.values().cloned().collect())
    }

    /// Serves the custom resources of a CustomResourceDefinition (`apiextensions.k8s.io/v1`
    /// JSON): every served version, its scope and its status/scale subresources.
    pub fn install_crd(&self, crd: &Value) -> Result<Vec<Arc<ResourceInfo>>, String> {
        let infos = crd_resources(crd)?;
        self.write(|t| {
            for info in &infos {
                t.by_path.insert(
                    (
                        info.group.clone(),
                        info.version.clone(),
                        info.plural.clone(),
                    ),
                    info.clone(),
                );
            }
        });
        Ok(infos)
    }

    /// Stops serving the custom resources of `group` named `plural` (the CRD was deleted).
    pub fn remove_crd(&self, group: &str, plural: &str) {
        self.write(|t| {
            t.by_path
                .retain(|(g, _, p), info| !(info.custom && g == group && p == plural));
        });
    }
}

/// `("apps", "v1")` from `apps/v1`, `("", "v1")` from `v1`.
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", api_version),
    }
}

/// The short names of built-in resources, `(group, plural, names)`, as kube-apiserver
/// v1.37.2's discovery lists them (every version of a group has the same).
const SHORT_NAMES: &[(&str, &str, &[&str])] = &[
    ("", "componentstatuses", &["cs"]),
    ("", "configmaps", &["cm"]),
    ("", "endpoints", &["ep"]),
    ("", "events", &["ev"]),
    ("", "limitranges", &["limits"]),
    ("", "namespaces", &["ns"]),
    ("", "nodes", &["no"]),
    ("", "persistentvolumeclaims", &["pvc"]),
    ("", "persistentvolumes", &["pv"]),
    ("", "pods", &["po"]),
    ("", "replicationcontrollers", &["rc"]),
    ("", "resourcequotas", &["quota"]),
    ("", "serviceaccounts", &["sa"]),
    ("", "services", &["svc"]),
    ("apps", "daemonsets", &["ds"]),
    ("apps", "deployments", &["deploy"]),
    ("apps", "replicasets", &["rs"]),
    ("apps", "statefulsets", &["sts"]),
    ("events.k8s.io", "events", &["ev"]),
    ("autoscaling", "horizontalpodautoscalers", &["hpa"]),
    ("batch", "cronjobs", &["cj"]),
    (
        "certificates.k8s.io",
        "certificatesigningrequests",
        &["csr"],
    ),
    ("networking.k8s.io", "ingresses", &["ing"]),
    ("networking.k8s.io", "ipaddresses", &["ip"]),
    ("networking.k8s.io", "networkpolicies", &["netpol"]),
    ("policy", "poddisruptionbudgets", &["pdb"]),
    ("storage.k8s.io", "storageclasses", &["sc"]),
    ("storage.k8s.io", "volumeattributesclasses", &["vac"]),
    (
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        &["crd", "crds"],
    ),
    ("scheduling.k8s.io", "priorityclasses", &["pc"]),
];

/// The categories of built-in resources, as discovery lists them.
const CATEGORIES: &[(&str, &str, &[&str])] = &[
    ("", "pods", &["all"]),
    ("", "replicationcontrollers", &["all"]),
    ("", "services", &["all"]),
    ("apps", "daemonsets", &["all"]),
    ("apps", "deployments", &["all"]),
    ("apps", "replicasets", &["all"]),
    ("apps", "statefulsets", &["all"]),
    ("autoscaling", "horizontalpodautoscalers", &["all"]),
    ("batch", "cronjobs", &["all"]),
    ("batch", "jobs", &["all"]),
    ("apiregistration.k8s.io", "apiservices", &["api-extensions"]),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicies",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicybindings",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
        &["api-extensions"],
    ),
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
        &["api-extensions"],
    ),
    (
        "apiextensions.k8s.io",
        "customresourcedefinitions",
        &["api-extensions"],
    ),
];

fn names_of(table: &[(&str, &str, &[&str])], group: &str, plural: &str) -> Vec<String> {
    table
        .iter()
        .find(|(g, p, _)| *g == group && *p == plural)
        .map(|(_, _, names)| names.iter().map(|n| (*n).to_string()).collect())
        .unwrap_or_default()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn crd_resources(crd: &Value) -> Result<Vec<Arc<ResourceInfo>>, String> {
    let spec = crd.get("spec").ok_or("the CRD has no spec")?;
    let text = |v: &Value, path: &str| -> Result<String, String> {
        v.pointer(path)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("the CRD has no spec{}", path.replace('/', ".")))
    };
    let group = text(spec, "/group")?;
    let plural = text(spec, "/names/plural")?;
    let kind = text(spec, "/names/kind")?;
    let list_kind = text(spec, "/names/listKind").unwrap_or_else(|_| format!("{kind}List"));
    let namespaced = match spec.get("scope").and_then(Value::as_str) {
        Some("Namespaced") => true,
        Some("Cluster") => false,
        other => return Err(format!("the CRD's spec.scope is {other:?}")),
    };
    let versions = spec
        .get("versions")
        .and_then(Value::as_array)
        .ok_or("the CRD has no spec.versions")?;
    let verbs: Vec<String> = [
        "delete",
        "deletecollection",
        "get",
        "list",
        "patch",
        "create",
        "update",
        "watch",
    ]
    .iter()
    .map(|v| (*v).to_string())
    .collect();
    let mut out = Vec::new();
    for v in versions {
        if v.get("served").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let name = text(v, "/name")?;
        let sub = v.get("subresources");
        let status = sub.and_then(|s| s.get("status")).is_some();
        let scale = sub.and_then(|s| s.get("scale")).map(|s| ScalePaths {
            spec_replicas: s
                .get("specReplicasPath")
                .and_then(Value::as_str)
                .unwrap_or(".spec.replicas")
                .into(),
            status_replicas: s
                .get("statusReplicasPath")
                .and_then(Value::as_str)
                .unwrap_or(".status.replicas")
                .into(),
            label_selector: s
                .get("labelSelectorPath")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
        out.push(Arc::new(ResourceInfo {
            group: group.clone(),
            version: name,
            plural: plural.clone(),
            kind: kind.clone(),
            list_kind: list_kind.clone(),
            namespaced,
            verbs: verbs.clone(),
            status,
            scale,
            generation: true,
            custom: true,
            short_names: strings(spec.pointer("/names/shortNames")),
            categories: strings(spec.pointer("/names/categories")),
            schema: v
                .pointer("/schema/openAPIV3Schema")
                .or_else(|| spec.pointer("/validation/openAPIV3Schema"))
                .filter(|s| s.is_object())
                .map(|s| Arc::new(s.clone())),
            round_trip: None,
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_have_scope_subresources_and_generation() {
        let r = Registry::builtin();
        let deploy = r.get("apps", "v1", "deployments").unwrap();
        assert!(deploy.namespaced && deploy.status && deploy.scale.is_some() && deploy.generation);
        assert_eq!(deploy.qualified(), "deployments.apps");
        let ns = r.get("", "v1", "namespaces").unwrap();
        assert!(!ns.namespaced && !ns.generation);
        assert_eq!(ns.qualified(), "namespaces");
        let cm = r.by_kind("v1", "ConfigMap").unwrap();
        assert!(!cm.status && cm.scale.is_none());
        assert!(r.get("", "v1", "nosuch").is_none());
    }

    #[test]
    fn crds_serve_each_served_version() {
        let r = Registry::builtin();
        let crd = serde_json::json!({"spec": {
        "group": "example.com", "scope": "Namespaced",
        "names": {"plural": "widgets", "kind": "Widget"},
        "versions": [
            {"name": "v1", "served": true, "subresources": {"status": {}, "scale": {
                "specReplicasPath": ".spec.size", "statusReplicasPath": ".status.size"}}},
            {"name": "v0", "served": false},
        ]}});
        let installed = r.install_crd(&crd).unwrap();
        assert_eq!(installed.len(), 1);
        let w = r.get("example.com", "v1", "widgets").unwrap();
        assert!(w.custom && w.status && w.generation);
        assert_eq!(w.scale.as_ref().unwrap().spec_replicas, ".spec.size");
        assert_eq!(w.list_kind, "WidgetList");
        assert!(r.get("example.com", "v0", "widgets").is_none());
        r.remove_crd("example.com", "widgets");
        assert!(r.get("example.com", "v1", "widgets").is_none());
        let bad = serde_json::json!({"spec": {"group": "g", "names": {"plural": "p", "kind": "K"}, "scope": "Nowhere", "versions": []}});
        assert!(r.install_crd(&bad).unwrap_err().contains("scope"));
    }
}
