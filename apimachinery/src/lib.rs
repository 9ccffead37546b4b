//! # k8s-apimachinery
//!
//! The generic building blocks of a Kubernetes-style API, as `k8s.io/apimachinery` has them for Go:
//! object and list metadata, group/version/kind identity, label and field selectors, value types
//! (`Quantity`, `IntOrString`, `Time`), request options and the API error type.
//!
//! Every other crate of k8s-rs builds on this one; it depends on none of them.
#![forbid(unsafe_code)]

mod api_error;
mod dynamic;
mod error;
mod gvk;
mod intstr;
pub mod map;
pub mod meta;
pub mod options;
pub mod quantity;
mod resource;
mod runtime;
pub mod selector;
mod serde_util;
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
pub use quantity::{Format, Quantity};
pub use resource::{HasMetadata, ListObject, Object, Resource};
pub use runtime::RawExtension;
pub use time::{Duration, MicroTime, Time};
