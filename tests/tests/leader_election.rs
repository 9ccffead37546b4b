//! Leader election against the real apiserver: candidates competing for one Lease, hand-over
//! on release, takeover after a leader dies without releasing, stepping down when the lease is
//! taken away.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_api::coordination::v1::Lease;
use k8s_apimachinery::{GetOptions, UpdateOptions};
use k8s_client::helpers::{DEFAULT_RETRY, retry_on_conflict};
use k8s_client::leaderelection::{
    CancellationToken, LeaderElectionConfig, LeaderElector, RunOutcome,
};
use k8s_client::{Api, HttpClient};
use k8s_testenv::TestEnv;
use tokio::task::JoinHandle;
use tokio::time::Instant;

const LEASE: &str = "the-lock";
const LEASE_DURATION: Duration = Duration::from_secs(3);
const RENEW_DEADLINE: Duration = Duration::from_secs(2);
const RETRY_PERIOD: Duration = Duration::from_millis(400);

/// One candidate, with what its callbacks saw.
struct Candidate {
    id: String,
    elector: LeaderElector,
    leading: Arc<AtomicBool>,
    times_led: Arc<AtomicUsize>,
    stopped: Arc<AtomicUsize>,
    leaders_seen: Arc<Mutex<Vec<String>>>,
    cancel: CancellationToken,
    task: Option<JoinHandle<RunOutcome>>,
}

impl Candidate {
    fn start(client: HttpClient, ns: &str, id: &str, release_on_cancel: bool) -> Candidate {
        let config = LeaderElectionConfig::new(ns, LEASE)
            .identity(id)
            .lease_duration(LEASE_DURATION)
            .renew_deadline(RENEW_DEADLINE)
            .retry_period(RETRY_PERIOD)
            .release_on_cancel(release_on_cancel);
        let leading = Arc::new(AtomicBool::new(false));
        let times_led = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let leaders_seen = Arc::new(Mutex::new(Vec::new()));
        let elector = LeaderElector::new(client, config)
            .unwrap()
            .on_started_leading({
                let leading = leading.clone();
                let times_led = times_led.clone();
                move |token| {
                    let leading = leading.clone();
                    let times_led = times_led.clone();
                    async move {
                        leading.store(true, Ordering::SeqCst);
                        times_led.fetch_add(1, Ordering::SeqCst);
                        token.cancelled().await;
                        leading.store(false, Ordering::SeqCst);
                    }
                }
            })
            .on_stopped_leading({
                let stopped = stopped.clone();
                move || {
                    stopped.fetch_add(1, Ordering::SeqCst);
                }
            })
            .on_new_leader({
                let seen = leaders_seen.clone();
                move |id| seen.lock().unwrap().push(id.to_string())
            });
        let cancel = CancellationToken::new();
        let task = tokio::spawn({
            let elector = elector.clone();
            let cancel = cancel.clone();
            async move { elector.run(cancel).await }
        });
        Candidate {
            id: id.to_string(),
            elector,
            leading,
            times_led,
            stopped,
            leaders_seen,
            cancel,
            task: Some(task),
        }
    }

    fn is_leading(&self) -> bool {
        self.leading.load(Ordering::SeqCst)
    }

    fn seen(&self) -> Vec<String> {
        self.leaders_seen.lock().unwrap().clone()
    }

    async fn join(&mut self) -> Result<RunOutcome, tokio::task::JoinError> {
        self.task.take().expect("joined twice").await
    }

    fn abort(&self) {
        self.task.as_ref().expect("already joined").abort();
    }
}

async fn wait_until(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

async fn lease(api: &Api<Lease>) -> (Option<String>, Option<i32>, Option<i32>) {
    let l = api.get(LEASE, &GetOptions::default()).await.unwrap();
    (
        l.spec.holder_identity.map(Into::into),
        l.spec.lease_transitions,
        l.spec.lease_duration_seconds,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_leader_hand_over_on_release_and_takeover_after_death() {
    let env = TestEnv::new("leader-election").await.unwrap();
    let client = env.plane().client().unwrap();
    let ns = env.namespace();
    let leases: Api<Lease> = Api::namespaced(client.clone(), ns);

    // Two candidates: exactly one leads, and keeps leading.
    let a = Candidate::start(client.clone(), ns, "candidate-a", true);
    let b = Candidate::start(client.clone(), ns, "candidate-b", true);
    wait_until("a leader", Duration::from_secs(10), || {
        a.is_leading() || b.is_leading()
    })
    .await;
    let watch_until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < watch_until {
        assert!(
            a.is_leading() != b.is_leading(),
            "exactly one candidate must lead (a: {}, b: {})",
            a.is_leading(),
            b.is_leading()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let (mut leader, follower) = if a.is_leading() { (a, b) } else { (b, a) };
    assert!(leader.elector.is_leader());
    assert!(!follower.elector.is_leader());
    assert_eq!(
        follower.elector.leader().as_deref(),
        Some(leader.id.as_str())
    );
    assert_eq!(
        lease(&leases).await,
        (Some(leader.id.clone()), Some(0), Some(3)),
        "the creator holds the lease with no transition yet"
    );
    assert_eq!(leader.seen(), vec![leader.id.clone()]);
    assert_eq!(follower.seen(), vec![leader.id.clone()]);

    // Cancel the leader (release on cancel): the follower takes over at its next look, much
    // sooner than the lease would expire.
    let cancelled_at = Instant::now();
    leader.cancel.cancel();
    assert_eq!(leader.join().await.unwrap(), RunOutcome::Cancelled);
    assert!(!leader.is_leading(), "the leader's work was stopped");
    assert_eq!(leader.stopped.load(Ordering::SeqCst), 1);
    wait_until("the follower to lead", Duration::from_secs(10), || {
        follower.is_leading()
    })
    .await;
    let hand_over = cancelled_at.elapsed();
    eprintln!("hand-over after release: {hand_over:?}");
    assert!(
        hand_over < Duration::from_secs(2),
        "a released lease is taken at the next retry, not after expiry: took {hand_over:?}"
    );
    assert_eq!(
        lease(&leases).await,
        (Some(follower.id.clone()), Some(1), Some(3)),
        "one transition after the hand-over"
    );
    assert_eq!(
        follower.seen(),
        vec![leader.id.clone(), follower.id.clone()]
    );
    let mut b = follower;

    // A third candidate that does not release; it first sees b as leader.
    let mut c = Candidate::start(client.clone(), ns, "candidate-c", false);
    wait_until("c to observe b", Duration::from_secs(5), || {
        c.seen() == vec![b.id.clone()]
    })
    .await;
    // Kill b without release (abort its task): c must wait for the lease to expire, by its
    // own clock, then take over.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let killed_at = Instant::now();
    b.abort();
    assert!(b.join().await.unwrap_err().is_cancelled());
    wait_until("b's work to stop", Duration::from_secs(1), || {
        !b.is_leading()
    })
    .await;
    assert_eq!(
        b.stopped.load(Ordering::SeqCst),
        1,
        "stopped-leading on drop"
    );
    assert_eq!(
        lease(&leases).await.0,
        Some(b.id.clone()),
        "an aborted leader does not release"
    );
    wait_until(
        "c to take over",
        LEASE_DURATION + Duration::from_secs(10),
        || c.is_leading(),
    )
    .await;
    let takeover = killed_at.elapsed();
    eprintln!("takeover after the leader died: {takeover:?}");
    let upper = LEASE_DURATION + RETRY_PERIOD * 3 + Duration::from_secs(1);
    assert!(
        takeover <= upper,
        "takeover within lease_duration + retry_period (+ jitter and margin {upper:?}): took {takeover:?}"
    );
    // c saw b's last renewal at most ~1.3 s before the kill, so the lease cannot look expired
    // to it before ~1.7 s after the kill.
    assert!(
        takeover >= Duration::from_secs(1),
        "c must wait for the lease to expire: took over after only {takeover:?}"
    );
    assert_eq!(lease(&leases).await, (Some(c.id.clone()), Some(2), Some(3)));
    assert_eq!(c.seen(), vec![b.id.clone(), c.id.clone()]);
    assert_eq!(c.times_led.load(Ordering::SeqCst), 1);

    // Cancelling c without release_on_cancel leaves the lease to it until it expires.
    c.cancel.cancel();
    assert_eq!(c.join().await.unwrap(), RunOutcome::Cancelled);
    assert!(!c.is_leading());
    assert_eq!(lease(&leases).await.0.as_deref(), Some("candidate-c"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leader_steps_down_when_it_cannot_renew() {
    let env = TestEnv::new("leader-stepdown").await.unwrap();
    let client = env.plane().client().unwrap();
    let ns = env.namespace();
    let leases: Api<Lease> = Api::namespaced(client.clone(), ns);

    let mut a = Candidate::start(client.clone(), ns, "solo", false);
    wait_until("a to lead", Duration::from_secs(10), || a.is_leading()).await;

    // Someone else writes itself into the lease: a's renewals now find it held by another,
    // unexpired; after renew_deadline a gives up.
    // The leader renews meanwhile: read and write again on a conflict.
    retry_on_conflict(DEFAULT_RETRY, || async {
        let mut l = leases.get(LEASE, &GetOptions::default()).await?;
        l.spec.holder_identity = Some("intruder".into());
        l.spec.lease_duration_seconds = Some(60);
        leases.update(LEASE, &l, &UpdateOptions::default()).await
    })
    .await
    .unwrap();
    let stolen_at = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(10), a.join())
        .await
        .expect("the leader must give up")
        .unwrap();
    assert_eq!(outcome, RunOutcome::LeadershipLost);
    let gave_up = stolen_at.elapsed();
    eprintln!("gave up leadership after: {gave_up:?}");
    assert!(
        gave_up >= RENEW_DEADLINE - RETRY_PERIOD * 3 && gave_up < RENEW_DEADLINE * 3,
        "gave up after {gave_up:?}, renew deadline {RENEW_DEADLINE:?}"
    );
    assert!(!a.is_leading(), "the work is cancelled");
    assert_eq!(a.stopped.load(Ordering::SeqCst), 1);
    assert_eq!(a.seen(), vec!["solo".to_string(), "intruder".to_string()]);
    assert_eq!(lease(&leases).await.0.as_deref(), Some("intruder"));
}

#[tokio::test]
async fn invalid_config_is_rejected_before_anything_runs() {
    let client = HttpClient::new(k8s_client::Config::new("https://127.0.0.1:1")).unwrap();
    let config = LeaderElectionConfig::new("ns", LEASE)
        .lease_duration(Duration::from_secs(2))
        .renew_deadline(Duration::from_millis(1500))
        .retry_period(Duration::from_secs(2));
    let err = LeaderElector::new(client, config).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid leader election config: renewDeadline must be greater than retryPeriod*JitterFactor"
    );
}
