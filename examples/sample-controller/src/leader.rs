//! Running the controller under leader election, as a Go controller's `main` does.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use k8s_client::HttpClient;
use k8s_client::leaderelection::{
    CancellationToken, LeaderElectionConfig, LeaderElector, RunOutcome,
};
use tracing::{info, warn};

use crate::{CONTROLLER_NAME, Controller, Error};

/// Where the controller's Lease lives and how the election is timed (client-go's defaults:
/// 15 s lease, 10 s renew deadline, 2 s retry period).
#[derive(Clone, Debug)]
pub struct LeaderOptions {
    /// The Lease's namespace.
    pub lease_namespace: String,
    /// The Lease's name.
    pub lease_name: String,
    /// This candidate's identity (`None`: [`ControllerOptions::instance`](crate::ControllerOptions)).
    pub identity: Option<String>,
    /// How long a lease is valid without renewal.
    pub lease_duration: Duration,
    /// How long the leader keeps trying to renew before it gives up.
    pub renew_deadline: Duration,
    /// How often candidates try to acquire and the leader renews.
    pub retry_period: Duration,
}

impl Default for LeaderOptions {
    fn default() -> Self {
        LeaderOptions {
            lease_namespace: "default".to_owned(),
            lease_name: CONTROLLER_NAME.to_owned(),
            identity: None,
            lease_duration: Duration::from_secs(15),
            renew_deadline: Duration::from_secs(10),
            retry_period: Duration::from_secs(2),
        }
    }
}

/// Runs `controller` with `workers` workers only while this process holds the Lease: waits to
/// become leader, runs the controller until leadership is lost or `shutdown` completes, then
/// drains the queue and releases the Lease (so a successor takes over at once).
///
/// Returns `Ok` after a requested shutdown, and an error when leadership was lost — a
/// controller that lost its lease must not go on (client-go programs exit then too).
pub async fn run_with_leader_election(
    controller: Arc<Controller>,
    client: HttpClient,
    leader: LeaderOptions,
    identity: String,
    workers: usize,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    let config = LeaderElectionConfig::new(&leader.lease_namespace, &leader.lease_name)
        .identity(leader.identity.unwrap_or(identity))
        .lease_duration(leader.lease_duration)
        .renew_deadline(leader.renew_deadline)
        .retry_period(leader.retry_period)
        .release_on_cancel(true);
    let elector = LeaderElector::new(client, config)
        .map_err(|e| Error::LeaderElection(e.to_string()))?
        .on_started_leading(move |leading: CancellationToken| {
            let controller = controller.clone();
            async move {
                info!("started leading");
                if let Err(e) = controller.run(workers, leading.cancelled_owned()).await {
                    warn!("controller stopped with an error: {e}");
                }
            }
        })
        .on_stopped_leading(|| info!("stopped leading"))
        .on_new_leader(|id| info!(leader = id, "new leader"));
    info!(identity = elector.identity(), "waiting to become leader");
    let stop = CancellationToken::new();
    let election = elector.run(stop.clone());
    tokio::pin!(election);
    let outcome = tokio::select! {
        outcome = &mut election => outcome,
        () = shutdown => {
            stop.cancel();
            election.await
        }
    };
    match outcome {
        RunOutcome::Cancelled => Ok(()),
        RunOutcome::LeadershipLost => Err(Error::LeaderElection("leadership lost".to_owned())),
    }
}
