//! # k8s-controller
//!
//! The controller runtime of k8s-rs — what controller-runtime is to a Go controller and
//! kube-rs's `runtime` to a Rust one — built on `k8s-informers` (shared caches),
//! `k8s-workqueue` (de-duplicating, rate-limited queue) and `k8s-client` (requests, leader
//! election). You write `reconcile`; the crate does the wiring every controller repeats:
//! event handlers → keys → queue → N workers → requeue with back-off → graceful shutdown.
//!
//! ## The reconcile loop
//!
//! A [`Controller`] reconciles one primary kind `K`. Events of `K`, of the objects it
//! [`owns`](Controller::owns) (found through their controller owner reference), of anything it
//! [`watches`](Controller::watches) (through a mapping function) and keys from
//! [external triggers](Controller::reconcile_on) all become keys of `K` in one work queue.
//! Workers take keys and call
//!
//! ```text
//! reconcile(Arc<K>, Arc<Ctx>) -> Result<Action, E>
//! ```
//!
//! with the object from the informer's cache. [`Action`] says what next: wait for the next
//! change, requeue after a delay, or back off. A failure goes to the error policy, whose
//! default ([`default_error_policy`]) retries the key with per-key exponential back-off from
//! the workqueue's default controller rate limiter (5 ms doubling to 1000 s). Reconcile is
//! *level-based*: it gets the object as it is now, not the event, so it must compute what
//! should exist from the object alone and make it so — idempotently, since it runs again on
//! every change, resync and retry.
//!
//! Guarantees: no key is reconciled by two workers at once; an event during a reconcile
//! brings the key back after it (no change is lost); every reconcile runs in a `tracing` span
//! `reconcile` with the fields `controller`, `object` (the key) and `trigger` (what queued it:
//! `Foo modified`, `Deployment shop/web (owned) deleted`, `requeue`, `retry after error`, …).
//! How reconcile learns of deletions: see [`Controller`] ("Keys, objects and deletion").
//!
//! ```no_run
//! use std::sync::Arc;
//! use std::time::Duration;
//! use k8s_api::apps::v1::Deployment;
//! use k8s_api::core::v1::ConfigMap;
//! use k8s_client::{Config, HttpClient};
//! use k8s_controller::{Action, Controller, WatchConfig, default_error_policy};
//! use k8s_informers::SharedInformerFactory;
//!
//! struct Ctx {
//!     client: HttpClient,
//! }
//!
//! async fn reconcile(cm: Arc<ConfigMap>, ctx: Arc<Ctx>) -> Result<Action, k8s_client::Error> {
//!     // Read cm, write what should exist through ctx.client (idempotently)…
//!     let _ = (&cm.data, &ctx.client);
//!     Ok(Action::requeue(Duration::from_secs(300)))
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let client = HttpClient::new(Config::infer()?)?;
//!     let factory = SharedInformerFactory::new(client.clone(), None);
//!     Controller::<ConfigMap>::new(&factory, WatchConfig::default().labels("app=web"))
//!         .owns::<Deployment>(WatchConfig::default())
//!         .concurrency(4)
//!         .graceful_shutdown_on(async {
//!             let _ = tokio::signal::ctrl_c().await;
//!         })
//!         .run(reconcile, default_error_policy, Arc::new(Ctx { client }))
//!         .await?;
//!     factory.shutdown();
//!     Ok(())
//! }
//! ```
//!
//! ## Informers are shared
//!
//! Controllers take their informers from a `SharedInformerFactory`: one informer (one watch,
//! one cache) per kind and [`WatchConfig`] scope, however many controllers of the process use
//! it — a `Deployment` owned by two controllers' primaries is watched once.
//!
//! ## Shutdown and leader election
//!
//! [`graceful_shutdown_on`](Controller::graceful_shutdown_on) stops taking keys, gives the
//! queued and running reconciles [`drain_timeout`](Controller::drain_timeout) to finish,
//! then abandons the rest (the next start reconciles everything again from its initial list)
//! and cancels reconciles still running. [`leader_election`](Controller::leader_election)
//! runs the workers only while this process holds a Lease.
//!
//! ## Observability
//!
//! Metrics under controller-runtime's names ([`metrics`]), the work queue's own `workqueue_*`
//! metrics ([`Controller::queue_metrics`]), logs and spans through `tracing` (target
//! `k8s_controller`).

mod action;
pub mod apply;
pub mod conditions;
mod controller;
pub mod finalizer;
pub mod metrics;
pub mod owner;
mod reason;
mod runner;
pub mod wait;
pub mod watcher;

use k8s_apimachinery::{HasMetadata, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use action::{Action, default_error_policy};
pub use apply::{OperationResult, create_or_patch, create_or_update};
pub use conditions::{
    condition_for, find_status_condition, is_status_condition_false, is_status_condition_true,
    remove_status_condition, set_status_condition,
};
pub use controller::{Controller, WatchConfig};
pub use finalizer::finalizer;
pub use k8s_informers::object_key;
pub use owner::{set_controller_reference, set_owner_reference};
pub use wait::await_condition;
pub use watcher::watcher;

/// What a kind needs to be watched and reconciled: a typed resource that (de)serializes and
/// can be shared between threads — every generated `k8s-api` type and every CRD type from
/// `cargo xtask codegen --crd` is one (blanket implementation).
pub trait ApiObject:
    Resource + HasMetadata + DeserializeOwned + Serialize + Clone + Send + Sync + 'static
{
}

impl<T> ApiObject for T where
    T: Resource + HasMetadata + DeserializeOwned + Serialize + Clone + Send + Sync + 'static
{
}

/// Errors of k8s-controller.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The informers did not sync within the controller's sync timeout (each informer still
    /// waiting, with its last list/watch failure), or were shut down first.
    #[error("the controller's caches did not sync: {0}")]
    CacheSync(#[source] k8s_informers::Error),
    /// The leader election could not be set up (an invalid configuration).
    #[error("leader election: {0}")]
    LeaderElection(#[source] k8s_client::Error),
    /// This process led, then could not renew its lease: it must stop (client-go programs
    /// exit then too).
    #[error("leadership lost")]
    LeadershipLost,
    /// A request failed.
    #[error(transparent)]
    Client(#[from] k8s_client::Error),
    /// A watch answered with an `ERROR` event (other than `410 Gone`, which relists).
    #[error("watch failed ({code:?}): {message}")]
    Watch {
        /// The `Status` code, when the server gave one.
        code: Option<i32>,
        /// The `Status` message.
        message: String,
    },
    /// An object cannot be used as asked (what is wrong is in the message).
    #[error("invalid object: {0}")]
    InvalidObject(String),
    /// `set_controller_reference`: the object already has another controller.
    #[error("the object is already controlled by {kind} {name:?}")]
    AlreadyOwned {
        /// The kind of its controller.
        kind: String,
        /// The name of its controller.
        name: String,
    },
    /// An object could not be turned into JSON (for a comparison or a patch).
    #[error("encoding an object as JSON: {0}")]
    Json(#[from] serde_json::Error),
}
