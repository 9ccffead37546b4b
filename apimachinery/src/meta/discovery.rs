//! Discovery documents: what groups, versions and resources a server serves (`/api`, `/apis`,
//! `/apis/{group}/{version}`), and `/version`.

use serde::{Deserialize, Serialize};

/// The core group's versions, served at `/api` (`metav1.APIVersions`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIVersions {
    /// `APIVersions`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Usually unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The versions, e.g. `["v1"]`.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub versions: Vec<String>,
    /// Where clients from each CIDR should reach the server.
    #[serde(
        rename = "serverAddressByClientCIDRs",
        default,
        deserialize_with = "crate::serde_util::null_as_default"
    )]
    pub server_address_by_client_cidrs: Vec<ServerAddressByClientCIDR>,
}

/// The groups a server serves, at `/apis` (`metav1.APIGroupList`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIGroupList {
    /// `APIGroupList`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The groups.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub groups: Vec<APIGroup>,
}

/// One API group and its versions (`metav1.APIGroup`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIGroup {
    /// `APIGroup` when served alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `v1` when served alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The group name.
    #[serde(default)]
    pub name: String,
    /// The versions served.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub versions: Vec<GroupVersionForDiscovery>,
    /// The version clients should prefer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_version: Option<GroupVersionForDiscovery>,
    /// Where clients from each CIDR should reach the server.
    #[serde(
        rename = "serverAddressByClientCIDRs",
        skip_serializing_if = "Option::is_none"
    )]
    pub server_address_by_client_cidrs: Option<Vec<ServerAddressByClientCIDR>>,
}

/// The server address for clients from a CIDR (`metav1.ServerAddressByClientCIDR`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerAddressByClientCIDR {
    /// The client CIDR, e.g. `0.0.0.0/0`.
    #[serde(rename = "clientCIDR", default)]
    pub client_cidr: String,
    /// `host:port` of the server for those clients.
    #[serde(default)]
    pub server_address: String,
}

/// A group version as listed in discovery (`metav1.GroupVersionForDiscovery`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupVersionForDiscovery {
    /// `group/version`.
    #[serde(default)]
    pub group_version: String,
    /// `version`.
    #[serde(default)]
    pub version: String,
}

/// One resource a group version serves (`metav1.APIResource`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIResource {
    /// The plural name, with `/subresource` for subresources (`pods/log`).
    #[serde(default)]
    pub name: String,
    /// The singular name.
    #[serde(default)]
    pub singular_name: String,
    /// Whether the resource is namespaced.
    #[serde(default)]
    pub namespaced: bool,
    /// The group, when it differs from the enclosing list's (some subresources).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The version, when it differs from the enclosing list's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The kind.
    #[serde(default)]
    pub kind: String,
    /// Supported verbs.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub verbs: Vec<String>,
    /// Short names for kubectl (`po`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_names: Option<Vec<String>>,
    /// Categories (`all`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub categories: Option<Vec<String>>,
    /// Hash of the storage version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_version_hash: Option<String>,
}

/// The resources of one group version (`metav1.APIResourceList`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct APIResourceList {
    /// `APIResourceList`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `v1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// The group version, e.g. `apps/v1`.
    #[serde(default)]
    pub group_version: String,
    /// The resources.
    #[serde(
        rename = "resources",
        default,
        deserialize_with = "crate::serde_util::null_as_default"
    )]
    pub resources: Vec<APIResource>,
}

/// The server's version, at `/version` (`version.Info`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionInfo {
    /// Major version, e.g. `1`.
    #[serde(default)]
    pub major: String,
    /// Minor version, e.g. `37`.
    #[serde(default)]
    pub minor: String,
    /// Emulated major version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emulation_major: Option<String>,
    /// Emulated minor version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emulation_minor: Option<String>,
    /// Minimum compatibility major version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_compatibility_major: Option<String>,
    /// Minimum compatibility minor version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_compatibility_minor: Option<String>,
    /// e.g. `v1.37.2`.
    #[serde(default)]
    pub git_version: String,
    /// The commit.
    #[serde(default)]
    pub git_commit: String,
    /// `clean` or `dirty`.
    #[serde(default)]
    pub git_tree_state: String,
    /// RFC 3339 build date.
    #[serde(default)]
    pub build_date: String,
    /// Go version.
    #[serde(default)]
    pub go_version: String,
    /// Go compiler.
    #[serde(default)]
    pub compiler: String,
    /// `os/arch`.
    #[serde(default)]
    pub platform: String,
}
