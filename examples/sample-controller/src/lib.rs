//! k8s.io/sample-controller, the Rust way.
//!
//! A `Foo` (group `samplecontroller.k8s.io`, version `v1alpha1`) asks for a Deployment named
//! `spec.deploymentName` with `spec.replicas` replicas. The [`Controller`] keeps the two in step,
//! exactly as the Go sample controller does, with the same parts a Go user knows:
//!
//! * two shared informers (Foos, and the Deployments Foos own, found through their controller
//!   owner reference) from one [`SharedInformerFactory`](k8s_informers::SharedInformerFactory);
//! * a rate-limited work queue of `namespace/name` keys
//!   ([`RateLimitingQueue`](k8s_workqueue::RateLimitingQueue) with client-go's default controller
//!   rate limiter) and N workers;
//! * a reconcile ("sync handler") that creates or scales the Deployment and writes the Foo's
//!   `status` through the status subresource;
//! * events (`events.k8s.io/v1`) on every action;
//! * leader election on a Lease, so that only one of several replicas reconciles
//!   ([`run_with_leader_election`]);
//! * a graceful shutdown within a bound: the queue is drained for at most
//!   [`ControllerOptions::drain_timeout`] (then what is left is abandoned), the informers are
//!   stopped and the lease released.
//!
//! The control plane the tests use has no garbage collector (no kube-controller-manager), so the
//! Foo carries a finalizer ([`FINALIZER`]) and the controller deletes the Deployment itself when
//! the Foo goes. On a full cluster the Deployment's owner reference would do the same.
//!
//! The types in [`v1alpha1`] are generated from `crd/foo.yaml`:
//!
//! ```text
//! cargo xtask codegen --crd examples/sample-controller/crd/foo.yaml --out examples/sample-controller/src/generated.rs
//! ```
//!
//! # Running it
//!
//! ```no_run
//! use std::time::Duration;
//! use k8s_client::{Config, HttpClient};
//! use sample_controller::{Controller, ControllerOptions, install_crd};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = HttpClient::new(Config::infer()?)?;
//! install_crd(&client, Duration::from_secs(30)).await?;
//! let controller = Controller::new(client, ControllerOptions::default());
//! controller.run(2, async { let _ = tokio::signal::ctrl_c().await; }).await?;
//! # Ok(()) }
//! ```

// `Foo` is the kind this controller reconciles, not a placeholder.
#![allow(clippy::disallowed_names)]

mod controller;
mod crd;
mod deployment;
mod error;
#[allow(missing_docs)]
mod generated;
mod leader;
mod reconcile;

pub use controller::{Controller, ControllerOptions, ControllerStats, HANDLER_STOP_TIMEOUT};
pub use crd::{CRD_NAME, CRD_YAML, install_crd};
pub use deployment::new_deployment;
pub use error::Error;
pub use generated::v1alpha1;
pub use leader::{LeaderOptions, run_with_leader_election};

/// The finalizer the controller puts on every Foo to delete its Deployment when the Foo goes.
pub const FINALIZER: &str = "samplecontroller.k8s.io/deployment";

/// The controller's name: its field manager, the events' reporting controller.
pub const CONTROLLER_NAME: &str = "sample-controller";

/// Runs the controller as its binary does: events recorded through an
/// [`EventBroadcaster`](k8s_client::events::EventBroadcaster), under leader election when
/// `leader` is given, until `shutdown` completes (then the queue is drained, the lease released
/// and the pending events written).
pub async fn run(
    client: k8s_client::HttpClient,
    options: ControllerOptions,
    leader: Option<LeaderOptions>,
    workers: usize,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), Error> {
    let broadcaster = k8s_client::events::EventBroadcaster::new(client.clone())?;
    let identity = options.instance.clone();
    let recorder = broadcaster.new_recorder(CONTROLLER_NAME, &identity);
    let controller = std::sync::Arc::new(Controller::with_recorder(
        client.clone(),
        options,
        Some(recorder),
    ));
    let result = match leader {
        Some(leader) => {
            run_with_leader_election(controller, client, leader, identity, workers, shutdown).await
        }
        None => controller.run(workers, shutdown).await,
    };
    broadcaster.flush().await;
    broadcaster.shutdown();
    result
}
