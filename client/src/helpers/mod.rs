//! Small utilities every controller ends up writing (client-go `util/retry`, `util/wait`, and
//! JSON Patch documents).
//!
//! - [`retry`]: [`retry_on_conflict`] with client-go's [`DEFAULT_RETRY`] and
//!   [`DEFAULT_BACKOFF`], and [`on_error`] for other retriable errors.
//! - [`wait`]: [`poll_until`] / [`poll_immediate_until`], ending in a typed
//!   [`Error::Timeout`](crate::Error::Timeout).
//! - [`json_patch`]: [`JsonPatch`], a builder for `PatchType::Json` bodies with RFC 6901 path
//!   escaping.
//!
//! ```no_run
//! use std::time::Duration;
//! use k8s_apimachinery::{DynamicObject, GetOptions, PatchOptions, PatchType};
//! use k8s_client::Api;
//! use k8s_client::helpers::{DEFAULT_RETRY, JsonPatch, poll_until, retry_on_conflict};
//! use serde_json::json;
//!
//! # async fn demo(api: Api<DynamicObject>) -> Result<(), k8s_client::Error> {
//! // Naming the resourceVersion read makes the patch a precondition: if another writer got
//! // in between, the server answers 409 Conflict and the closure runs again.
//! retry_on_conflict(DEFAULT_RETRY, || async {
//!     let cm = api.get("settings", &GetOptions::default()).await?;
//!     let rv = cm.metadata.resource_version.clone().unwrap_or_default();
//!     let patch = JsonPatch::new()
//!         .replace("/metadata/resourceVersion", json!(rv))
//!         .add(["metadata", "labels", "example.com/owner"], json!("me"));
//!     api.patch("settings", PatchType::Json, &patch, &PatchOptions::default()).await
//! })
//! .await?;
//!
//! poll_until(Duration::from_secs(1), Duration::from_secs(30), || async {
//!     let cm = api.get("settings", &GetOptions::default()).await?;
//!     Ok(cm.data.contains_key("data"))
//! })
//! .await?;
//! # Ok(()) }
//! ```

pub mod json_patch;
pub mod retry;
pub mod wait;

pub use json_patch::{JsonPatch, JsonPointer, PatchOperation};
pub use retry::{Backoff, DEFAULT_BACKOFF, DEFAULT_RETRY, on_error, retry_on_conflict};
pub use wait::{poll_immediate_until, poll_until};
