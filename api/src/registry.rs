//! A table of every generated kind, for code that picks the type at run time from an
//! `apiVersion`/`kind` (decoding whatever a server returns, discovery checks, tests).
//!
//! ```
//! use k8s_api::registry;
//!
//! let pod = registry::find("v1", "Pod").unwrap();
//! assert_eq!((pod.plural, pod.namespaced), ("pods", true));
//! // Decode into `k8s_api::core::v1::Pod` and encode again.
//! let json = serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}});
//! let again = (pod.round_trip)(json.clone()).unwrap();
//! assert_eq!(again["metadata"], json["metadata"]);
//! ```

use k8s_apimachinery::{ListObject, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Decodes JSON into a typed value and encodes it again.
pub type RoundTrip = fn(serde_json::Value) -> Result<serde_json::Value, serde_json::Error>;

/// One served kind: its [`Resource`] constants and functions over its Rust type.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    /// `Resource::API_VERSION`.
    pub api_version: &'static str,
    /// `Resource::GROUP`.
    pub group: &'static str,
    /// `Resource::VERSION`.
    pub version: &'static str,
    /// `Resource::KIND`.
    pub kind: &'static str,
    /// `Resource::PLURAL`.
    pub plural: &'static str,
    /// `Resource::NAMESPACED`.
    pub namespaced: bool,
    /// `Resource::VERBS`.
    pub verbs: &'static [&'static str],
    /// `Resource::SUBRESOURCES`.
    pub subresources: &'static [&'static str],
    /// The Rust type's path (`k8s_api::core::v1::Pod`).
    pub type_name: fn() -> &'static str,
    /// JSON → the Rust type → JSON.
    pub round_trip: RoundTrip,
    /// The list type (`PodList`), JSON → Rust → JSON, when the kind has one.
    pub list_round_trip: Option<RoundTrip>,
    /// `Default::default()` → JSON → back: whether it is the identity.
    pub default_round_trips: fn() -> Result<bool, serde_json::Error>,
}

fn round_trip<T: Serialize + DeserializeOwned>(
    json: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Error> {
    let typed: T = serde_json::from_value(json)?;
    serde_json::to_value(&typed)
}

fn default_round_trips<T: Serialize + DeserializeOwned + Default + PartialEq>()
-> Result<bool, serde_json::Error> {
    let value = T::default();
    let json = serde_json::to_string(&value)?;
    let back: T = serde_json::from_str(&json)?;
    Ok(back == value)
}

impl Kind {
    /// The entry of `T`.
    pub const fn of<T>() -> Kind
    where
        T: Resource + Serialize + DeserializeOwned + Default + PartialEq,
    {
        Kind {
            api_version: T::API_VERSION,
            group: T::GROUP,
            version: T::VERSION,
            kind: T::KIND,
            plural: T::PLURAL,
            namespaced: T::NAMESPACED,
            verbs: T::VERBS,
            subresources: T::SUBRESOURCES,
            type_name: std::any::type_name::<T>,
            round_trip: round_trip::<T>,
            list_round_trip: None,
            default_round_trips: default_round_trips::<T>,
        }
    }

    /// The entry of `T` with its list type `L`.
    pub const fn with_list<T, L>() -> Kind
    where
        T: Resource + Serialize + DeserializeOwned + Default + PartialEq,
        L: ListObject<Item = T> + Serialize + DeserializeOwned,
    {
        let mut kind = Self::of::<T>();
        kind.list_round_trip = Some(round_trip::<L>);
        kind
    }
}

/// Every generated kind compiled in (stable ones, and alpha/beta ones with their features).
///
/// `#[inline]` so that the decode/encode code of every kind is compiled only into crates that
/// call this, keeping k8s-api itself quick to build.
#[inline]
pub fn kinds() -> Vec<&'static Kind> {
    crate::generated::kinds()
}

/// The kind served as `api_version` (`"apps/v1"`, `"v1"`) and `kind`.
#[inline]
pub fn find(api_version: &str, kind: &str) -> Option<&'static Kind> {
    kinds()
        .into_iter()
        .find(|k| k.api_version == api_version && k.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_default_round_trips() {
        let kinds = kinds();
        assert!(kinds.len() > 50, "{}", kinds.len());
        for k in kinds {
            assert!(
                (k.default_round_trips)().unwrap(),
                "{}: Default → JSON → back is not the identity",
                (k.type_name)()
            );
        }
    }

    #[test]
    fn kinds_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for k in kinds() {
            assert!(
                seen.insert((k.api_version, k.kind)),
                "{} {}",
                k.api_version,
                k.kind
            );
            assert!(
                !k.plural.is_empty() && !k.verbs.is_empty(),
                "{}",
                (k.type_name)()
            );
        }
    }
}
