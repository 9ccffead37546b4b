//! [`LeaderElectionConfig`]: which Lease, who we are, and the three timings.

use std::time::Duration;

use rand::RngCore;

use crate::Error;

/// How much longer than `retry_period` the renew deadline must at least be: retries wait up to
/// `retry_period × (1 + JITTER_FACTOR)` (client-go `JitterFactor`).
pub const JITTER_FACTOR: f64 = 1.2;

/// What a leader election needs to know (client-go `LeaderElectionConfig` with a `LeaseLock`).
///
/// Built with [`LeaderElectionConfig::new`] and the setters; the fields are public for reading.
/// The rules are client-go's, checked by [`LeaderElectionConfig::validate`] (and by
/// [`LeaderElector::new`](super::LeaderElector::new)):
///
/// * `lease_duration > renew_deadline`,
/// * `renew_deadline > retry_period × 1.2` ([`JITTER_FACTOR`]),
/// * all three greater than zero, and the identity, lease name and namespace not empty.
///
/// ```
/// use std::time::Duration;
/// use k8s_client::leaderelection::LeaderElectionConfig;
///
/// let config = LeaderElectionConfig::new("kube-system", "my-controller")
///     .identity("pod-a")
///     .lease_duration(Duration::from_secs(30))
///     .renew_deadline(Duration::from_secs(20))
///     .retry_period(Duration::from_secs(4))
///     .release_on_cancel(true);
/// assert!(config.validate().is_ok());
///
/// let bad = config.clone().renew_deadline(Duration::from_secs(30));
/// assert_eq!(
///     bad.validate().unwrap_err().to_string(),
///     "invalid leader election config: leaseDuration must be greater than renewDeadline",
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderElectionConfig {
    /// Namespace of the Lease.
    pub lease_namespace: String,
    /// Name of the Lease.
    pub lease_name: String,
    /// Who we are: written to `spec.holderIdentity` while we lead. Must differ between
    /// candidates. Default: `<hostname>_<random UUID>` ([`default_identity`]).
    pub identity: String,
    /// How long a follower waits, from the last change of the lease it saw, before it takes
    /// the lease over. Written (in whole seconds) to `spec.leaseDurationSeconds`. Default 15 s.
    pub lease_duration: Duration,
    /// How long the leader keeps retrying to renew before it gives up leadership. Default 10 s.
    pub renew_deadline: Duration,
    /// The pause between attempts (to acquire, or to renew). Default 2 s.
    pub retry_period: Duration,
    /// When the election is cancelled while leading, hand the lease back at once (empty
    /// holder, `leaseDurationSeconds: 1`) so another candidate need not wait for it to expire.
    /// Only safe when the leader's work has stopped when `run` returns — which
    /// [`LeaderElector::run`](super::LeaderElector::run) ensures by awaiting it. Default `false`.
    pub release_on_cancel: bool,
}

impl LeaderElectionConfig {
    /// client-go's usual lease duration (15 s).
    pub const DEFAULT_LEASE_DURATION: Duration = Duration::from_secs(15);
    /// client-go's usual renew deadline (10 s).
    pub const DEFAULT_RENEW_DEADLINE: Duration = Duration::from_secs(10);
    /// client-go's usual retry period (2 s).
    pub const DEFAULT_RETRY_PERIOD: Duration = Duration::from_secs(2);

    /// An election on the Lease `namespace/name`, with the default timings and identity.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        LeaderElectionConfig {
            lease_namespace: namespace.into(),
            lease_name: name.into(),
            identity: default_identity(),
            lease_duration: Self::DEFAULT_LEASE_DURATION,
            renew_deadline: Self::DEFAULT_RENEW_DEADLINE,
            retry_period: Self::DEFAULT_RETRY_PERIOD,
            release_on_cancel: false,
        }
    }

    /// Sets the identity.
    pub fn identity(mut self, identity: impl Into<String>) -> Self {
        self.identity = identity.into();
        self
    }

    /// Sets the lease duration.
    pub fn lease_duration(mut self, d: Duration) -> Self {
        self.lease_duration = d;
        self
    }

    /// Sets the renew deadline.
    pub fn renew_deadline(mut self, d: Duration) -> Self {
        self.renew_deadline = d;
        self
    }

    /// Sets the retry period.
    pub fn retry_period(mut self, d: Duration) -> Self {
        self.retry_period = d;
        self
    }

    /// Sets whether to release the lease when the election is cancelled.
    pub fn release_on_cancel(mut self, release: bool) -> Self {
        self.release_on_cancel = release;
        self
    }

    /// Checks client-go's rules, in client-go's order and with its messages.
    pub fn validate(&self) -> Result<(), Error> {
        let fail = |m: &str| Err(Error::LeaderElectionConfig(m.to_string()));
        if self.lease_duration <= self.renew_deadline {
            return fail("leaseDuration must be greater than renewDeadline");
        }
        if self.renew_deadline <= self.retry_period.mul_f64(JITTER_FACTOR) {
            return fail("renewDeadline must be greater than retryPeriod*JitterFactor");
        }
        if self.lease_duration.is_zero() {
            return fail("leaseDuration must be greater than zero");
        }
        if self.renew_deadline.is_zero() {
            return fail("renewDeadline must be greater than zero");
        }
        if self.retry_period.is_zero() {
            return fail("retryPeriod must be greater than zero");
        }
        if self.identity.is_empty() {
            return fail("Lock identity is empty");
        }
        if self.lease_name.is_empty() {
            return fail("the Lease name is empty");
        }
        if self.lease_namespace.is_empty() {
            return fail("the Lease namespace is empty");
        }
        Ok(())
    }

    /// `spec.leaseDurationSeconds` for this config: whole seconds, as client-go truncates, but
    /// at least 1 (a 0 would make every follower see the lease as expired at once).
    pub(crate) fn lease_duration_seconds(&self) -> i32 {
        i32::try_from(self.lease_duration.as_secs())
            .unwrap_or(i32::MAX)
            .max(1)
    }

    /// `namespace/name`, for logs.
    pub(crate) fn describe(&self) -> String {
        format!("{}/{}", self.lease_namespace, self.lease_name)
    }
}

/// `<hostname>_<random UUID>`: the usual identity of a candidate in client-go programs, unique
/// even when two candidates run on one host.
pub fn default_identity() -> String {
    format!("{}_{}", hostname(), random_uuid())
}

/// The host name: `$HOSTNAME`, else `/proc/sys/kernel/hostname` or `/etc/hostname`, else
/// `localhost`.
pub(crate) fn hostname() -> String {
    let from_env = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok());
    from_env
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// A random (version 4) UUID in its usual text form.
fn random_uuid() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(lease: u64, renew: u64, retry: u64) -> LeaderElectionConfig {
        LeaderElectionConfig::new("ns", "lock")
            .identity("me")
            .lease_duration(Duration::from_millis(lease))
            .renew_deadline(Duration::from_millis(renew))
            .retry_period(Duration::from_millis(retry))
    }

    fn message(c: &LeaderElectionConfig) -> String {
        match c.validate() {
            Ok(()) => "ok".to_string(),
            Err(Error::LeaderElectionConfig(m)) => m,
            Err(e) => format!("unexpected error {e}"),
        }
    }

    #[test]
    fn defaults_are_client_go_defaults_and_valid() {
        let c = LeaderElectionConfig::new("ns", "lock");
        assert_eq!(c.lease_duration, Duration::from_secs(15));
        assert_eq!(c.renew_deadline, Duration::from_secs(10));
        assert_eq!(c.retry_period, Duration::from_secs(2));
        assert!(!c.release_on_cancel);
        assert_eq!(message(&c), "ok");
        assert_eq!(c.lease_duration_seconds(), 15);
    }

    #[test]
    fn validation_rules_in_client_go_order() {
        assert_eq!(
            message(&cfg(10, 10, 1)),
            "leaseDuration must be greater than renewDeadline"
        );
        // 1.2 × 1000 = 1200: equal is not enough.
        assert_eq!(
            message(&cfg(5000, 1200, 1000)),
            "renewDeadline must be greater than retryPeriod*JitterFactor"
        );
        assert_eq!(message(&cfg(5000, 1201, 1000)), "ok");
        assert_eq!(message(&cfg(2000, 1500, 400)), "ok");
        // Zero everywhere trips the first rule, as in client-go.
        assert_eq!(
            message(&cfg(0, 0, 0)),
            "leaseDuration must be greater than renewDeadline"
        );
        assert_eq!(
            message(&cfg(10, 5, 0)),
            "retryPeriod must be greater than zero"
        );
        assert_eq!(
            message(&cfg(2000, 1500, 400).identity("")),
            "Lock identity is empty"
        );
        let mut c = cfg(2000, 1500, 400);
        c.lease_name.clear();
        assert_eq!(message(&c), "the Lease name is empty");
    }

    #[test]
    fn lease_seconds_truncate_but_never_zero() {
        assert_eq!(cfg(2900, 1500, 400).lease_duration_seconds(), 2);
        assert_eq!(cfg(900, 500, 100).lease_duration_seconds(), 1);
    }

    #[test]
    fn default_identity_is_host_underscore_uuid_and_unique() {
        let a = default_identity();
        let b = default_identity();
        assert_ne!(a, b);
        let (host, uuid) = a.rsplit_once('_').unwrap_or_default();
        assert!(!host.is_empty(), "{a}");
        assert_eq!(uuid.len(), 36, "{a}");
        assert_eq!(uuid.as_bytes()[14], b'4', "{a}");
    }
}
