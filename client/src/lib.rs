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
//!
//! # Logs and errors
//!
//! The crate logs through `tracing` and prints nothing: install a subscriber to see its logs,
//! e.g. `tracing_subscriber::fmt::init();` first in `main`, with `RUST_LOG=warn` (or
//! `RUST_LOG=k8s_client=debug` for every request). [`Error`] is one readable line under `{}`
//! and `{:?}` alike — what a `main` returning `Box<dyn Error>` prints — naming what failed and
//! where (the kubeconfig file, the field as written, the cluster, the URL) with its cause;
//! `{:#?}` adds the variant and the cause chain.
//!
//! Get, list and update through the typed clientset, the way a Go program does (the config
//! comes from `$KUBECONFIG`/`~/.kube/config`, or the Pod's service account inside a cluster):
//!
//! ```no_run
//! use k8s_apimachinery::{GetOptions, ListOptions, UpdateOptions};
//! use k8s_client::helpers::{DEFAULT_RETRY, retry_on_conflict};
//! use k8s_client::{Clientset, Config};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let clientset = Clientset::new(Config::infer()?)?;
//! let pods = clientset.core_v1().pods("book").list(&ListOptions::default()).await?;
//! println!("{} pods in namespace book", pods.items.len());
//!
//! let config_maps = clientset.core_v1().config_maps("book");
//! match config_maps.get("settings", &GetOptions::default()).await {
//!     Ok(_) => {
//!         // Read, change, write back; run again if someone else wrote in between.
//!         retry_on_conflict(DEFAULT_RETRY, || async {
//!             let mut cm = config_maps.get("settings", &GetOptions::default()).await?;
//!             cm.data.get_or_insert_default().insert("mode".into(), "fast".into());
//!             config_maps.update("settings", &cm, &UpdateOptions::default()).await
//!         })
//!         .await?;
//!     }
//!     Err(e) if e.is_not_found() => println!("no ConfigMap book/settings"),
//!     Err(e) => return Err(e.into()),
//! }
//! # Ok(()) }
//! ```

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
