//! # k8s-apimachinery
//!
//! The generic building blocks of a Kubernetes-style API, as `k8s.io/apimachinery` has them for Go:
//! object and list metadata, group/version/kind identity, label and field selectors, value types
//! (`Quantity`, `IntOrString`, `Time`), request options and the API error type.
//!
//! Every other crate of k8s-rs builds on this one; it depends on none of them.
//!
//! - [`ObjectMeta`], [`ListMeta`], [`TypeMeta`], [`Status`], [`WatchEvent`] and friends
//!   (`meta/v1`); [`HasMetadata`] and [`Resource`] for any API type; [`DynamicObject`] for
//!   objects of a type known only at run time.
//! - [`GroupVersionKind`], [`GroupVersionResource`] and the other identities.
//! - [`selector`]: label and field selectors; [`Quantity`], [`IntOrString`], [`Time`].
//! - [`options`]: `ListOptions`, `PatchOptions`, … as query strings; [`ApiError`] and
//!   [`StatusReason`] for what the server refused.
//! - [`strategicpatch`]: applying strategic merge patches with a schema's patch metadata.
//! - [`wait`]: back-off ([`wait::Backoff`], [`wait::ExponentialBackoffManager`], jitter).
//!
//! ## Differences from Go
//!
//! The parsers, renderers and matchers here are checked against Go's k8s.io/apimachinery
//! v0.37.2 by a randomized differential test (`tests/go_differential.rs`, a million lines per
//! area by hand). Where k8s-rs deliberately differs, the difference is listed there as an
//! explicit exclusion and here:
//!
//! - [`Quantity`]: values needing more than 38 significant digits and exponents outside the
//!   `i32` range are refused with [`Error::QuantityBeyondLimit`] (naming the [`QuantityLimit`]);
//!   decimal SI beyond `E` renders with an exponent, binary SI beyond `Ei` with `Ei` (and
//!   beyond 10^1000 in decimal SI); integer conversions saturate and round
//!   negative fractions away from zero. Details in [the quantity module](quantity#differences-from-go).
//! - [`Time`], [`MicroTime`]: instants in the last 26 hours of year 9999 (beyond jiff's range)
//!   are refused with [`Error::TimeOutOfRange`]; Go accepts them.
//! - [`IntOrString`]: the JSON number `-0` is refused (serde_json reads it as a float);
//!   [`IntOrString::scaled_value`] gives `None` where the result leaves the `i64` range (Go's
//!   float-to-int conversion overflows there).
//!
//! Label and field selectors, name validation (messages included) and [`Duration`] agree with
//! Go on every input of the checker.
//!
//! ```
//! use k8s_apimachinery::selector::Selector;
//! use k8s_apimachinery::{DynamicObject, HasMetadata, ListOptions, Quantity};
//!
//! // An object of any kind, from its JSON.
//! let pod: DynamicObject = serde_json::from_str(
//!     r#"{"apiVersion":"v1","kind":"Pod",
//!         "metadata":{"name":"web-0","namespace":"book","labels":{"app":"web","tier":"front"}},
//!         "spec":{"containers":[{"name":"web","resources":{"requests":{"memory":"1536Mi"}}}]}}"#,
//! )?;
//! assert_eq!(pod.object_meta().name.as_deref(), Some("web-0"));
//!
//! // Label selectors parse, match and render as apimachinery's do.
//! let selector: Selector = "app=web,tier in (front,back)".parse()?;
//! assert!(selector.matches(pod.object_meta().labels()));
//! let options = ListOptions { label_selector: Some(selector.to_string()), ..Default::default() };
//! assert_eq!(options.label_selector.as_deref(), Some("app=web,tier in (back,front)"));
//!
//! // Quantities compare by value and render canonically.
//! let memory: Quantity = pod.data["spec"]["containers"][0]["resources"]["requests"]["memory"]
//!     .as_str()
//!     .unwrap_or_default()
//!     .parse()?;
//! assert_eq!(memory, "1.5Gi".parse()?);
//! assert_eq!(memory.to_string(), "1536Mi");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod api_error;
mod dynamic;
mod error;
mod gvk;
mod intstr;
pub mod jsonmergepatch;
pub mod managedfields;
pub mod map;
pub mod meta;
pub mod options;
pub mod quantity;
mod resource;
mod runtime;
pub mod selector;
mod serde_util;
pub mod strategicpatch;
mod time;
pub mod validation;
pub mod wait;

pub use api_error::{ApiError, CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE, StatusReason};
pub use compact_str::CompactString;
pub use dynamic::{ApiResource, DynamicObject};
pub use error::Error;
pub use gvk::{
    GroupKind, GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource, Scope,
};
pub use intstr::IntOrString;
pub use map::LiteMap;
pub use meta::*;
pub use options::{
    CreateOptions, DeleteOptions, FieldValidation, GetOptions, ListOptions, PatchOptions,
    PatchType, Preconditions, PropagationPolicy, ResourceVersionMatch, UpdateOptions, WatchOptions,
};
pub use quantity::{Format, Quantity, QuantityLimit};
pub use resource::{HasMetadata, ListObject, Object, Resource};
pub use runtime::RawExtension;
pub use time::{Duration, MicroTime, Time};
