//! Group, version, kind and resource identity.
//!
//! Kubernetes names every API type by its *group* (`apps`, or the empty string for the core
//! group), *version* (`v1`) and *kind* (`Deployment`); the URL path segment of a collection is the
//! *resource*, usually the lower-case plural of the kind (`deployments`). These types mirror
//! `k8s.io/apimachinery/pkg/runtime/schema` and print and parse the same strings:
//!
//! | type | `Display` | parses |
//! |---|---|---|
//! | [`GroupVersion`] | `apps/v1`, `v1` | the same |
//! | [`GroupVersionKind`] | `apps/v1, Kind=Deployment` | the same |
//! | [`GroupVersionResource`] | `apps/v1, Resource=deployments` | the same |
//! | [`GroupKind`] | `Deployment.apps`, `Pod` | the same |
//! | [`GroupResource`] | `deployments.apps`, `pods` | the same |
//!
//! ```
//! use k8s_apimachinery::{GroupVersion, GroupVersionKind};
//!
//! let gv: GroupVersion = "apps/v1".parse()?;
//! assert_eq!(gv.group, "apps");
//! let core: GroupVersion = "v1".parse()?;
//! assert_eq!(core.group, "");
//! assert_eq!(core.to_string(), "v1");
//!
//! let gvk = gv.with_kind("Deployment");
//! assert_eq!(gvk.to_string(), "apps/v1, Kind=Deployment");
//! assert_eq!(gvk, "apps/v1, Kind=Deployment".parse::<GroupVersionKind>()?);
//! # Ok::<(), k8s_apimachinery::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

fn gv_error(what: &'static str, input: &str, reason: impl Into<String>) -> Error {
    Error::InvalidGroupVersion {
        what,
        input: input.to_owned(),
        reason: reason.into(),
    }
}

/// Whether instances of a resource live in a namespace or at cluster scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Scope {
    /// Objects live in a namespace (`/namespaces/{ns}/pods/{name}`).
    #[default]
    Namespaced,
    /// Objects are cluster-wide (`/nodes/{name}`).
    Cluster,
}

impl Scope {
    /// `true` for [`Scope::Namespaced`].
    pub fn is_namespaced(self) -> bool {
        self == Scope::Namespaced
    }
}

/// An API group and version, e.g. `apps/v1` (`schema.GroupVersion`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupVersion {
    /// The group; empty for the core group.
    pub group: String,
    /// The version, e.g. `v1`.
    pub version: String,
}

impl GroupVersion {
    /// A group version from its parts.
    pub fn new(group: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
        }
    }

    /// `true` when both group and version are empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.version.is_empty()
    }

    /// The `apiVersion` string: `version` for the core group, `group/version` otherwise.
    pub fn api_version(&self) -> String {
        self.to_string()
    }

    /// This group version with a kind.
    pub fn with_kind(&self, kind: impl Into<String>) -> GroupVersionKind {
        GroupVersionKind::new(self.group.clone(), self.version.clone(), kind)
    }

    /// This group version with a resource.
    pub fn with_resource(&self, resource: impl Into<String>) -> GroupVersionResource {
        GroupVersionResource::new(self.group.clone(), self.version.clone(), resource)
    }
}

impl fmt::Display for GroupVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.version)
        } else {
            write!(f, "{}/{}", self.group, self.version)
        }
    }
}

impl FromStr for GroupVersion {
    type Err = Error;

    /// Parses like `schema.ParseGroupVersion`: `""` is the empty group version, `"v1"` is the core
    /// group, `"apps/v1"` splits at the slash, more than one slash is an error.
    fn from_str(s: &str) -> Result<Self, Error> {
        if s.is_empty() || s == "/" {
            return Ok(Self::default());
        }
        match s.split_once('/') {
            None => Ok(Self::new("", s)),
            Some((g, v)) if !v.contains('/') => Ok(Self::new(g, v)),
            Some(_) => Err(gv_error(
                "GroupVersion",
                s,
                "unexpected GroupVersion string: more than one '/'",
            )),
        }
    }
}

/// A group, version and kind, e.g. `apps/v1, Kind=Deployment` (`schema.GroupVersionKind`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupVersionKind {
    /// The group; empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The kind, e.g. `Deployment`.
    pub kind: String,
}

impl GroupVersionKind {
    /// A GVK from its parts.
    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        kind: impl Into<String>,
    ) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
        }
    }

    /// The GVK for an `apiVersion` string and a kind.
    pub fn from_api_version_kind(api_version: &str, kind: &str) -> Result<Self, Error> {
        let gv: GroupVersion = api_version.parse()?;
        Ok(gv.with_kind(kind))
    }

    /// The group version part.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(self.group.clone(), self.version.clone())
    }

    /// The group kind part.
    pub fn group_kind(&self) -> GroupKind {
        GroupKind::new(self.group.clone(), self.kind.clone())
    }

    /// The `apiVersion` string: `version` for the core group, `group/version` otherwise.
    pub fn api_version(&self) -> String {
        self.group_version().to_string()
    }
}

impl fmt::Display for GroupVersionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}, Kind={}", self.version, self.kind)
        } else {
            write!(f, "{}/{}, Kind={}", self.group, self.version, self.kind)
        }
    }
}

impl FromStr for GroupVersionKind {
    type Err = Error;

    /// Parses the `Display` form `group/version, Kind=Kind`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (gv, kind) = s.split_once(", Kind=").ok_or_else(|| {
            gv_error(
                "GroupVersionKind",
                s,
                "expected \"group/version, Kind=Kind\"",
            )
        })?;
        let gv: GroupVersion = gv
            .parse()
            .map_err(|_| gv_error("GroupVersionKind", s, "invalid group/version part"))?;
        if kind.is_empty() {
            return Err(gv_error("GroupVersionKind", s, "empty kind"));
        }
        Ok(gv.with_kind(kind))
    }
}

/// A group, version and resource, e.g. `apps/v1, Resource=deployments`
/// (`schema.GroupVersionResource`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupVersionResource {
    /// The group; empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The resource, e.g. `deployments`.
    pub resource: String,
}

impl GroupVersionResource {
    /// A GVR from its parts.
    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        Self {
            group: group.into(),
            version: version.into(),
            resource: resource.into(),
        }
    }

    /// The group version part.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(self.group.clone(), self.version.clone())
    }

    /// The group resource part.
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(self.group.clone(), self.resource.clone())
    }

    /// The `apiVersion` string.
    pub fn api_version(&self) -> String {
        self.group_version().to_string()
    }
}

impl fmt::Display for GroupVersionResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}, Resource={}", self.version, self.resource)
        } else {
            write!(
                f,
                "{}/{}, Resource={}",
                self.group, self.version, self.resource
            )
        }
    }
}

impl FromStr for GroupVersionResource {
    type Err = Error;

    /// Parses the `Display` form `group/version, Resource=resource`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (gv, res) = s.split_once(", Resource=").ok_or_else(|| {
            gv_error(
                "GroupVersionResource",
                s,
                "expected \"group/version, Resource=resource\"",
            )
        })?;
        let gv: GroupVersion = gv
            .parse()
            .map_err(|_| gv_error("GroupVersionResource", s, "invalid group/version part"))?;
        if res.is_empty() {
            return Err(gv_error("GroupVersionResource", s, "empty resource"));
        }
        Ok(gv.with_resource(res))
    }
}

/// A group and kind, e.g. `Deployment.apps` (`schema.GroupKind`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupKind {
    /// The group; empty for the core group.
    pub group: String,
    /// The kind.
    pub kind: String,
}

impl GroupKind {
    /// A group kind from its parts.
    pub fn new(group: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            kind: kind.into(),
        }
    }

    /// This group kind at a version.
    pub fn with_version(&self, version: impl Into<String>) -> GroupVersionKind {
        GroupVersionKind::new(self.group.clone(), version, self.kind.clone())
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

impl FromStr for GroupKind {
    type Err = Error;

    /// Parses like `schema.ParseGroupKind`: the part before the first `.` is the kind, the rest
    /// the group.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (kind, group) = s.split_once('.').unwrap_or((s, ""));
        if kind.is_empty() {
            return Err(gv_error("GroupKind", s, "empty kind"));
        }
        Ok(Self::new(group, kind))
    }
}

/// A group and resource, e.g. `deployments.apps` (`schema.GroupResource`, and the wire type
/// `io.k8s.apimachinery.pkg.apis.meta.v1.GroupResource`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GroupResource {
    /// The group; empty for the core group.
    #[serde(default)]
    pub group: String,
    /// The resource.
    #[serde(default)]
    pub resource: String,
}

impl GroupResource {
    /// A group resource from its parts.
    pub fn new(group: impl Into<String>, resource: impl Into<String>) -> Self {
        Self {
            group: group.into(),
            resource: resource.into(),
        }
    }

    /// This group resource at a version.
    pub fn with_version(&self, version: impl Into<String>) -> GroupVersionResource {
        GroupVersionResource::new(self.group.clone(), version, self.resource.clone())
    }
}

impl fmt::Display for GroupResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

impl FromStr for GroupResource {
    type Err = Error;

    /// Parses like `schema.ParseGroupResource`: the part before the first `.` is the resource,
    /// the rest the group.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (res, group) = s.split_once('.').unwrap_or((s, ""));
        if res.is_empty() {
            return Err(gv_error("GroupResource", s, "empty resource"));
        }
        Ok(Self::new(group, res))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_version_parse_and_display() {
        let cases = [
            ("", "", ""),
            ("v1", "", "v1"),
            ("apps/v1", "apps", "v1"),
            (
                "rbac.authorization.k8s.io/v1",
                "rbac.authorization.k8s.io",
                "v1",
            ),
        ];
        for (input, g, v) in cases {
            let gv: GroupVersion = input.parse().unwrap();
            assert_eq!((gv.group.as_str(), gv.version.as_str()), (g, v), "{input}");
            assert_eq!(gv.to_string(), input);
        }
        assert!("a/b/c".parse::<GroupVersion>().is_err());
        assert_eq!(
            "/".parse::<GroupVersion>().unwrap(),
            GroupVersion::default()
        );
    }

    #[test]
    fn gvk_gvr_round_trip() {
        for s in ["apps/v1, Kind=Deployment", "v1, Kind=Pod"] {
            let gvk: GroupVersionKind = s.parse().unwrap();
            assert_eq!(gvk.to_string(), s);
        }
        for s in ["apps/v1, Resource=deployments", "v1, Resource=pods"] {
            let gvr: GroupVersionResource = s.parse().unwrap();
            assert_eq!(gvr.to_string(), s);
        }
        assert!("apps/v1".parse::<GroupVersionKind>().is_err());
        assert!("apps/v1, Kind=".parse::<GroupVersionKind>().is_err());
        let gvk = GroupVersionKind::from_api_version_kind("v1", "Pod").unwrap();
        assert_eq!(gvk.api_version(), "v1");
    }

    #[test]
    fn group_kind_and_resource() {
        let gk: GroupKind = "Deployment.apps".parse().unwrap();
        assert_eq!(gk, GroupKind::new("apps", "Deployment"));
        assert_eq!(gk.to_string(), "Deployment.apps");
        let gr: GroupResource = "deployments.apps".parse().unwrap();
        assert_eq!(gr.to_string(), "deployments.apps");
        let gr: GroupResource = "pods".parse().unwrap();
        assert_eq!(gr, GroupResource::new("", "pods"));
        let gr: GroupResource = "ingresses.networking.k8s.io".parse().unwrap();
        assert_eq!(gr.group, "networking.k8s.io");
        assert!("".parse::<GroupResource>().is_err());
        assert_eq!(
            serde_json::to_string(&GroupResource::new("apps", "deployments")).unwrap(),
            r#"{"group":"apps","resource":"deployments"}"#
        );
    }
}
