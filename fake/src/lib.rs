//! # k8s-fake
//!
//! An in-process fake Kubernetes API server for tests, behind k8s-client's transport seam: the
//! real [`HttpClient`](k8s_client::HttpClient), `Api<K>`, `Clientset`, dynamic and metadata
//! clients, discovery, informers, leader election and the event recorder run on top of it
//! unchanged, with no socket and no process. It is what client-go's `kubernetes/fake` clientset
//! and `testing.ObjectTracker` are to Go controllers — and it behaves like the real
//! kube-apiserver v1.37.2 (the conformance suite in `tests/` runs the same scenarios against
//! both), including under faults.
//!
//! ```
//! use k8s_api::core::v1::ConfigMap;
//! use k8s_apimachinery::{ListOptions, ObjectMeta};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let cm = ConfigMap {
//!     metadata: ObjectMeta { name: Some("settings".into()), namespace: Some("default".into()), ..Default::default() },
//!     ..Default::default()
//! };
//! let fake = k8s_fake::Clientset::new([cm])?;               // a fake server with one object
//! let cms = fake.core_v1().config_maps("default").list(&ListOptions::default()).await?;
//! assert_eq!(cms.items.len(), 1);
//! assert!(fake.server().actions()[0].matches("list", "configmaps"));
//! # Ok(()) }
//! ```
//!
//! ## What it does
//!
//! - **Resources**: every built-in resource of `k8s-api` (scope, verbs, `status` and `scale`
//!   subresources), plus the custom resources of CRDs installed with
//!   [`FakeApiServer::install_crd`] or created through the API.
//! - **Writes**: uid, creationTimestamp, resourceVersion, generation, `generateName`,
//!   `AlreadyExists`, NamespaceLifecycle admission, dry runs; updates under optimistic
//!   concurrency, the status subresource split, no-op updates; JSON, merge and strategic merge
//!   patches, server-side apply.
//! - **Deletes**: preconditions, finalizers, pods' graceful deletion, propagation policies
//!   recorded as finalizers, `deletecollection`.
//! - **Reads and watches**: label and field selectors, paging with continue tokens at a
//!   consistent resourceVersion, resourceVersion semantics, `410 Gone` for compacted versions
//!   (see [`ObjectTracker::set_history_window`] and [`ObjectTracker::compact`]), bookmarks,
//!   streaming lists (`sendInitialEvents`).
//! - **Test hooks**: the action log ([`FakeApiServer::actions`]), reactors
//!   ([`FakeApiServer::prepend_reactor`]) and seeded, deterministic [`Fault`]s (429 storms,
//!   5xx, latency, connection resets, conflicts, dropped and expired watches) that work under
//!   `tokio::time::pause`.
//!
//! ## Differences from the real server
//!
//! The conformance suite (`tests/src/conformance`, 112 scenarios: every verb, selectors,
//! paging, resourceVersion semantics, watches, patches of each type, server-side apply,
//! deletion, custom resources and the wording of failures) runs against both with the same
//! assertions, and the fake passes all of it (`tests/tests/conformance_fake.rs`). Outside what
//! the suite covers, by design or for now:
//!
//! | Area | The fake |
//! |---|---|
//! | Defaulting | Pods, pod templates of workload kinds and Deployments are defaulted as the real server does; other kinds are stored as sent |
//! | Validation | Names, a Deployment's strategy, and custom resources by their CRD's `openAPIV3Schema` (types, formats `int32`/`int64`/`date-time`/`byte`, `required`, `enum`, bounds, lengths, `pattern`, item and property counts; pruning and `default`s); no other per-kind validation, no CEL rules |
//! | Versions | One object per resource; reading it at another version only rewrites `apiVersion` (no conversion) |
//! | Subresources | `status`, `scale`, a namespace's `finalize` and a pod's `eviction` (no PodDisruptionBudget check); not `log`, `exec`, `attach`, `portforward`, `binding`, `token`, `proxy` |
//! | Field ownership | As the real field manager records it, `.` marks included; lists of custom resources are atomic |
//! | Discovery | Short names and categories of built-in kinds and CRDs; only the subresources above |
//! | Admission | NamespaceLifecycle only; no RBAC, no webhooks, no garbage collector (as on the local plane) |

mod action;
mod clientset;
mod crd_schema;
mod defaults;
mod error;
mod faults;
mod fieldset;
mod handlers;
mod meta;
mod reactor;
mod registry;
mod request;
mod server;
mod ssa;
mod status;
mod strategic;
mod tracker;
mod validation;

pub use action::Action;
pub use clientset::Clientset;
pub use error::Error;
pub use faults::{Fault, FaultKind};
pub use reactor::Reaction;
pub use registry::{Registry, ResourceInfo, ScalePaths};
pub use server::{DEFAULT_BOOKMARK_INTERVAL, FAKE_SERVER_URL, FakeApiServer};
pub use status::Failure;
pub use tracker::{
    Change, Compacted, DEFAULT_WINDOW, EventType, ObjectKey, ObjectTracker, Outcome, ResourceKey,
};
