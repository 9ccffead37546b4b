//! # k8s-api
//!
//! Rust types for every built-in API group/version of Kubernetes v1.37.2, laid out like
//! `k8s.io/api`: `k8s_api::core::v1::Pod`, `k8s_api::apps::v1::Deployment`,
//! `k8s_api::networking::v1::Ingress`, `k8s_api::rbac::v1::Role`,
//! `k8s_api::apiextensions::v1::CustomResourceDefinition`,
//! `k8s_api::apiregistration::v1::APIService`, …
//!
//! The types are generated from the Kubernetes OpenAPI v3 documents by `cargo xtask codegen`
//! (modules under `src/generated/`, never edited by hand). The meta types (`ObjectMeta`,
//! `ListMeta`, `Time`, `Quantity`, `IntOrString`, …) come from [`k8s_apimachinery`],
//! re-exported as [`apimachinery`].
//!
//! ## Shape of the types
//!
//! - Field names are snake_case (`podIPs` → `pod_ips`, `type` → `type_`), renamed to the wire
//!   names for serde. Fields are declared (and serialized) in the Go struct's order, so JSON
//!   reads like the apiserver's.
//! - Required fields are plain values; optional fields are `Option<_>` and omitted when `None`.
//!   Optional nested objects are `Option<Box<_>>`, so an absent one costs one pointer — objects
//!   held by the thousand in informer caches stay small.
//! - Nested structs that Go holds by value (`metadata`, `spec`, `status`, a container's
//!   `resources`) are plain values with `#[serde(default)]`, written always, as Go does.
//! - `format: byte` is [`ByteString`] (base64 on the wire); `int-or-string` is
//!   [`IntOrString`](k8s_apimachinery::IntOrString); `date-time` is
//!   [`Time`](k8s_apimachinery::Time); schemaless JSON is `serde_json::Value`.
//! - Every served kind implements [`Resource`](k8s_apimachinery::Resource) (group, version,
//!   kind, plural, scope, verbs, subresources from the spec's paths) and
//!   [`Object`](k8s_apimachinery::Object); every `XxxList` implements
//!   [`ListObject`](k8s_apimachinery::ListObject).
//! - `apiVersion`/`kind` are `Option<String>` like Go's embedded `TypeMeta`: a client fills them.
//! - Every `map[string]…` (labels, a ConfigMap's `data`, resource `limits`) is a
//!   [`LiteMap`](k8s_apimachinery::LiteMap): a sorted, exactly sized vector of pairs, a fraction
//!   of a `BTreeMap`'s memory for the few entries such maps hold; every string is a
//!   [`CompactString`](k8s_apimachinery::CompactString), inline up to 24 bytes (see
//!   [`k8s_apimachinery::map`]). Build them with `"text".into()`.
//!
//! Alpha and beta versions are behind the cargo features `alpha` and `beta` (an alpha module
//! that a stable type uses is always compiled). [`registry`] lists every compiled kind for
//! code that picks the type at run time. [`patch_meta`] has the strategic-merge-patch metadata
//! of every served kind (patch strategies, merge keys, list and map types) and applies such
//! patches.
//!
//! ## Example
//!
//! ```
//! use k8s_api::apimachinery::{LiteMap, ObjectMeta, Resource};
//! use k8s_api::core::v1::{Container, Pod, PodSpec};
//!
//! let pod = Pod {
//!     api_version: Some(Pod::API_VERSION.into()),
//!     kind: Some(Pod::KIND.into()),
//!     metadata: ObjectMeta {
//!         name: Some("web".into()),
//!         labels: Some(LiteMap::from_iter([("app".into(), "web".into())])),
//!         ..Default::default()
//!     },
//!     spec: PodSpec {
//!         containers: vec![Container {
//!             name: "nginx".into(),
//!             image: Some("nginx:1.29".into()),
//!             ..Default::default()
//!         }],
//!         ..Default::default()
//!     },
//!     ..Default::default()
//! };
//! let json = serde_json::to_value(&pod).unwrap();
//! assert_eq!(json["apiVersion"], "v1");
//! assert_eq!(json["spec"]["containers"][0]["image"], "nginx:1.29");
//! let back: Pod = serde_json::from_value(json).unwrap();
//! assert_eq!(back, pod);
//! assert_eq!((Pod::PLURAL, Pod::NAMESPACED), ("pods", true));
//! ```

mod bytes;
mod generated;
pub mod patch_meta;
pub mod registry;
#[doc(hidden)]
pub mod serde_helpers;

pub use bytes::ByteString;
pub use generated::*;
pub use k8s_apimachinery as apimachinery;
