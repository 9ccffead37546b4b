//! Strategic merge patch of built-in kinds.

use serde_json::Value;

use crate::registry::ResourceInfo;
use crate::status::{self, Failure};

/// Applies a strategic merge patch to `old` (a built-in kind).
pub(crate) fn apply(info: &ResourceInfo, _old: &Value, _patch: &Value) -> Result<Value, Failure> {
    // Wired to k8s-api's patch metadata when it lands (work in progress on this branch).
    Err(status::unsupported_media_type(&format!(
        "application/strategic-merge-patch+json for {}",
        info.qualified()
    )))
}

/// The list type of the list at `path` (field names from the root) of `info`'s objects.
pub(crate) fn list_type(_info: &ResourceInfo, _path: &[&str]) -> crate::fieldset::ListType {
    // Until k8s-api's patch metadata is wired in, lists without known metadata are atomic.
    crate::fieldset::ListType::Atomic
}
