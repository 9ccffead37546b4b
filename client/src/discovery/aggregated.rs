//! The aggregated discovery document, `apidiscovery.k8s.io/v2` (`k8s.io/api/apidiscovery/v2`).
//!
//! Since Kubernetes 1.30 the server answers `GET /api` and `GET /apis` with one
//! [`APIGroupDiscoveryList`] holding every group, version and resource (with subresources),
//! when the request asks for it:
//!
//! ```text
//! Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json
//! ```
//!
//! The server answers `Content-Type: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`
//! then, or the legacy `APIVersions` / `APIGroupList` when it does not serve v2.
//!
//! ```
//! use k8s_client::discovery::aggregated::APIGroupDiscoveryList;
//!
//! let list: APIGroupDiscoveryList = serde_json::from_str(r#"{
//!   "kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {},
//!   "items": [{"metadata": {"name": "apps"}, "versions": [{"version": "v1", "freshness": "Current",
//!     "resources": [{"resource": "deployments", "singularResource": "deployment",
//!       "responseKind": {"group": "", "version": "", "kind": "Deployment"},
//!       "scope": "Namespaced", "verbs": ["get", "list"], "shortNames": ["deploy"],
//!       "subresources": [{"subresource": "scale", "verbs": ["get"],
//!         "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}}]}]}]}]
//! }"#)?;
//! let deployments = &list.items[0].versions[0].resources[0];
//! assert_eq!(deployments.short_names, ["deploy"]);
//! assert_eq!(deployments.subresources[0].response_kind.as_ref().unwrap().kind, "Scale");
//! # Ok::<(), serde_json::Error>(())
//! ```

use k8s_apimachinery::{ListMeta, ObjectMeta};
use serde::{Deserialize, Deserializer, Serialize};

/// The `Accept` header that asks for aggregated discovery, falling back to the legacy documents
/// (what client-go sends, less the retired `v2beta1`).
pub const ACCEPT_AGGREGATED: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

/// `apidiscovery.k8s.io/v2`.
pub const API_VERSION: &str = "apidiscovery.k8s.io/v2";

/// `APIGroupDiscoveryList`.
pub const KIND: &str = "APIGroupDiscoveryList";

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Every group of one endpoint (`/api` or `/apis`), with versions and resources.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIGroupDiscoveryList {
    /// `APIGroupDiscoveryList`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `apidiscovery.k8s.io/v2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// List metadata (usually empty).
    #[serde(default)]
    pub metadata: ListMeta,
    /// The groups, in the server's priority order.
    #[serde(default, deserialize_with = "null_as_default")]
    pub items: Vec<APIGroupDiscovery>,
}

/// One group: its name is `metadata.name` (`""` for the core group).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIGroupDiscovery {
    /// Usually unset in a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Usually unset in a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `name` is the group.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The versions, most preferred first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub versions: Vec<APIVersionDiscovery>,
}

impl APIGroupDiscovery {
    /// The group name (`""` for core).
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or_default()
    }
}

/// One version of a group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIVersionDiscovery {
    /// The version, e.g. `v1`.
    #[serde(default)]
    pub version: String,
    /// The resources of this version, sorted by name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<APIResourceDiscovery>,
    /// `Current`, or `Stale` when an aggregated API server could not be asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freshness: Option<String>,
}

impl APIVersionDiscovery {
    /// `freshness: Stale`: the resources may be out of date (client-go counts the version as
    /// failed).
    pub fn is_stale(&self) -> bool {
        self.freshness.as_deref() == Some(FRESHNESS_STALE)
    }
}

/// `Current`.
pub const FRESHNESS_CURRENT: &str = "Current";
/// `Stale`.
pub const FRESHNESS_STALE: &str = "Stale";
/// `Namespaced`.
pub const SCOPE_NAMESPACED: &str = "Namespaced";
/// `Cluster`.
pub const SCOPE_CLUSTER: &str = "Cluster";

/// A group/version/kind as discovery writes it; an empty group or version means "the
/// enclosing group version's".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseKind {
    /// The group (empty: the enclosing one, or core).
    #[serde(default)]
    pub group: String,
    /// The version (empty: the enclosing one).
    #[serde(default)]
    pub version: String,
    /// The kind.
    #[serde(default)]
    pub kind: String,
}

impl ResponseKind {
    /// All three fields are empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.version.is_empty() && self.kind.is_empty()
    }
}

/// One resource of a version.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIResourceDiscovery {
    /// The plural name used in URLs (`deployments`).
    #[serde(default)]
    pub resource: String,
    /// The kind of the objects (client-go skips resources without it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_kind: Option<ResponseKind>,
    /// `Namespaced` or `Cluster`.
    #[serde(default)]
    pub scope: String,
    /// The singular name (`deployment`).
    #[serde(default)]
    pub singular_resource: String,
    /// Supported verbs.
    #[serde(default, deserialize_with = "null_as_default")]
    pub verbs: Vec<String>,
    /// Short names (`deploy`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub short_names: Vec<String>,
    /// Categories (`all`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub categories: Vec<String>,
    /// Subresources (`status`, `scale`, …).
    #[serde(default, deserialize_with = "null_as_default")]
    pub subresources: Vec<APISubresourceDiscovery>,
}

/// One subresource of a resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APISubresourceDiscovery {
    /// The name (`scale`).
    #[serde(default)]
    pub subresource: String,
    /// The kind it answers with (`autoscaling/v1 Scale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_kind: Option<ResponseKind>,
    /// The kinds it accepts.
    #[serde(default, deserialize_with = "null_as_default")]
    pub accepted_types: Vec<ResponseKind>,
    /// Supported verbs.
    #[serde(default, deserialize_with = "null_as_default")]
    pub verbs: Vec<String>,
}

/// Whether a `Content-Type` names the aggregated v2 document
/// (`application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`).
pub fn is_aggregated_content_type(content_type: &str) -> bool {
    let mut parts = content_type.split(';').map(str::trim);
    let media = parts.next().unwrap_or_default();
    if !media.eq_ignore_ascii_case("application/json") {
        return false;
    }
    let (mut g, mut v, mut r#as) = (false, false, false);
    for p in parts {
        match p.split_once('=') {
            Some(("g", "apidiscovery.k8s.io")) => g = true,
            Some(("v", "v2")) => v = true,
            Some(("as", "APIGroupDiscoveryList")) => r#as = true,
            _ => {}
        }
    }
    g && v && r#as
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_detection() {
        assert!(is_aggregated_content_type(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        ));
        assert!(is_aggregated_content_type(
            "application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"
        ));
        assert!(!is_aggregated_content_type("application/json"));
        assert!(!is_aggregated_content_type(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
        ));
        assert!(!is_aggregated_content_type(
            "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        ));
    }

    #[test]
    fn nulls_decode_as_empty() {
        let v: APIVersionDiscovery =
            serde_json::from_str(r#"{"version":"v1","resources":null}"#).unwrap();
        assert!(v.resources.is_empty());
        assert!(!v.is_stale());
    }
}
