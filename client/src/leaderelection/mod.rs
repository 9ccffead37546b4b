//! Leader election over a `coordination.k8s.io/v1` Lease, as client-go's
//! `tools/leaderelection` with a `LeaseLock`.
//!
//! Several replicas of a controller run; one of them — the leader — does the work, the others
//! wait to take over. They agree through one Lease object:
//!
//! * **Acquire.** A candidate reads the Lease (creating it if missing). If it is held by someone
//!   else and has not expired, it waits `retry_period` (plus jitter) and looks again. Otherwise
//!   it writes itself as `holderIdentity`, incrementing `leaseTransitions` when the holder
//!   changes. Writes carry the `resourceVersion` that was read, so when two candidates race
//!   only one write succeeds; the other gets a conflict and tries again later.
//! * **Expiry by our own clock.** A follower does not trust `renewTime` (another machine's
//!   clock). It remembers *when it saw the record last change* and considers the lease expired
//!   `leaseDurationSeconds` after that. A live leader changes the record every `retry_period`;
//!   a dead one stops, and one lease duration later the followers take over.
//! * **Renew.** The leader renews every `retry_period`. If renewals keep failing for
//!   `renew_deadline`, it stops leading (its work is cancelled) — before `lease_duration`
//!   ends, so it has stopped by the time a follower can take over.
//! * **Release.** With `release_on_cancel`, a leader that is cancelled writes an empty holder
//!   with `leaseDurationSeconds: 1`, so a follower takes over at its next look instead of
//!   waiting for expiry.
//!
//! This is not fencing: for a short window after a leader loses its lease (e.g. a long GC pause)
//! two replicas may both act. Keep `renew_deadline` well below `lease_duration`.
//!
//! ```no_run
//! use std::time::Duration;
//! use k8s_client::leaderelection::{CancellationToken, LeaderElectionConfig, LeaderElector, RunOutcome};
//! use k8s_client::{Config, HttpClient};
//!
//! # async fn demo() -> Result<(), k8s_client::Error> {
//! let client = HttpClient::new(Config::infer()?)?;
//! let config = LeaderElectionConfig::new("default", "example-controller")
//!     .lease_duration(Duration::from_secs(15))
//!     .renew_deadline(Duration::from_secs(10))
//!     .retry_period(Duration::from_secs(2))
//!     .release_on_cancel(true);
//! let elector = LeaderElector::new(client, config)?.on_started_leading(|leading| async move {
//!     loop {
//!         tokio::select! {
//!             _ = leading.cancelled() => break,
//!             _ = tokio::time::sleep(Duration::from_secs(1)) => { /* reconcile */ }
//!         }
//!     }
//! });
//! let shutdown = CancellationToken::new();
//! if elector.run(shutdown).await == RunOutcome::LeadershipLost {
//!     std::process::exit(1); // the usual reaction: restart and campaign again
//! }
//! # Ok(()) }
//! ```

mod config;
mod elector;
mod record;

pub use config::{JITTER_FACTOR, LeaderElectionConfig, default_identity};
pub use elector::{LeaderElector, RunOutcome};
/// The token that stops an election and tells the leader's work that leadership ended
/// (re-exported from `tokio-util`).
pub use tokio_util::sync::CancellationToken;
