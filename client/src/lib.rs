//! # k8s-client
//!
//! The Kubernetes client of k8s-rs, mirroring client-go: configuration loaders (kubeconfig,
//! in-cluster, exec credential plugins), the HTTP transport, the typed clientset, the dynamic
//! client and discovery.
//!
//! - [`config`]: [`Config`] (client-go `rest.Config`) from a kubeconfig, in-cluster, or inferred.
//! - [`transport`]: [`HttpClient`] — TLS, authentication (token, token file, basic, exec
//!   plugins, OIDC, impersonation), client-side rate limiting, retries, warnings, request spans;
//!   the [`Transport`](transport::Transport) seam underneath (middleware, HTTP/2, HTTP/1.1, or a
//!   transport of your own).
//! - [`metrics`]: request metrics under client-go's names (Prometheus with the `prometheus`
//!   feature).
//! - [`Clientset`]: the typed clientset, `clientset.core_v1().pods("book")`, generated for every
//!   served group/version ([`clientset`]).
//! - [`Api`]: every verb on one resource type (typed, dynamic with `DynamicObject`, or
//!   metadata-only), watches as `Stream`s, paged lists; pod logs ([`LogOptions`]) and
//!   exec/attach/port-forward over WebSocket ([`remote`]).
//! - [`discovery`]: aggregated discovery with legacy fallback, a cache, and the RESTMapper.
//! - [`helpers`]: `retry_on_conflict`, polling with timeouts, JSON Patch builder.
//! - [`leaderelection`]: leader election over a Lease ([`leaderelection::LeaderElector`]).
//! - [`events`]: the event recorder (`events.k8s.io/v1`) with series and a spam filter
//!   ([`events::EventBroadcaster`], [`events::Recorder`]).

mod api;
pub mod clientset;
pub mod config;
pub mod discovery;
mod error;
pub mod events;
mod generated;
pub mod helpers;
pub mod leaderelection;
pub mod metrics;
mod secret;
pub mod transport;

pub use api::logs::{LogOptions, LogStream};
pub use api::remote;
pub use api::{
    ACCEPT_PARTIAL_METADATA, ACCEPT_PARTIAL_METADATA_LIST, Api, DEFAULT_PAGE_SIZE, DeleteResult,
};
pub use clientset::Clientset;
pub use config::Config;
pub use error::Error;
pub use secret::{SecretBytes, SecretString};
pub use transport::HttpClient;

/// The README's Rust examples, compiled (not run: they need a cluster) as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
