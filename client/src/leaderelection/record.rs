//! The election record (what a Lease's spec says about leadership) and what one candidate has
//! observed of it: the part of the algorithm that needs no server.
//!
//! The key rule, from client-go: a candidate never trusts the timestamps in the Lease (they
//! come from another machine's clock). It notes, on its own clock, *when it last saw the record
//! change* (`observed_at`); the lease is held while `observed_at + leaseDurationSeconds` is in
//! the future. A leader that stops renewing stops changing the record, so every follower sees
//! it expire one lease duration after the last renewal it saw, whatever the clocks say.

use k8s_api::coordination::v1::LeaseSpec;
use k8s_apimachinery::MicroTime;
use tokio::time::{Duration, Instant};

/// The leadership fields of a Lease spec (client-go `LeaderElectionRecord`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LeaderRecord {
    /// The holder; empty when nobody holds the lease (e.g. after a release).
    pub holder: String,
    /// How long the holder's lease lasts after each renewal, in seconds.
    pub lease_duration_seconds: i32,
    /// When the holder acquired the lease.
    pub acquire_time: Option<MicroTime>,
    /// When the holder last renewed it.
    pub renew_time: Option<MicroTime>,
    /// How many times the holder changed.
    pub transitions: i32,
}

impl LeaderRecord {
    /// Reads the record of a Lease spec (missing fields read as empty/zero).
    pub fn from_spec(spec: &LeaseSpec) -> Self {
        LeaderRecord {
            holder: spec.holder_identity.clone().unwrap_or_default().into(),
            lease_duration_seconds: spec.lease_duration_seconds.unwrap_or(0),
            acquire_time: spec.acquire_time,
            renew_time: spec.renew_time,
            transitions: spec.lease_transitions.unwrap_or(0),
        }
    }

    /// The Lease spec carrying this record. Like client-go, the whole spec is replaced.
    pub fn to_spec(&self) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(self.holder.clone().into()),
            lease_duration_seconds: Some(self.lease_duration_seconds),
            acquire_time: self.acquire_time,
            renew_time: self.renew_time,
            lease_transitions: Some(self.transitions),
            ..LeaseSpec::default()
        }
    }
}

/// What a candidate knows of the election: the last record it saw or wrote, and when.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    /// The record as last seen or written (client-go `observedRecord`).
    pub record: LeaderRecord,
    /// The record as last read from the server, to tell whether it changed since
    /// (client-go `observedRawRecord`).
    pub raw: Option<LeaderRecord>,
    /// When `record` was last set, on our clock; `None` before anything was observed.
    pub observed_at: Option<Instant>,
    /// The last holder reported to the new-leader callback.
    pub reported_leader: String,
}

impl Observed {
    /// Records `record` as observed now.
    pub fn set(&mut self, record: LeaderRecord, now: Instant) {
        self.record = record;
        self.observed_at = Some(now);
    }

    /// Takes note of a record read from the server: when it differs from the last one read,
    /// it becomes the observed record and the observation time restarts.
    pub fn saw(&mut self, record: &LeaderRecord, now: Instant) {
        if self.raw.as_ref() != Some(record) {
            self.set(record.clone(), now);
            self.raw = Some(record.clone());
        }
    }

    /// Whether the observed lease is still held at `now`: less than its duration has passed
    /// since we saw it change (client-go `isLeaseValid`).
    pub fn is_valid(&self, now: Instant) -> bool {
        let secs = u64::try_from(self.record.lease_duration_seconds).unwrap_or(0);
        self.observed_at
            .is_some_and(|t| t + Duration::from_secs(secs) > now)
    }

    /// Whether `identity` holds the observed record.
    pub fn is_held_by(&self, identity: &str) -> bool {
        self.record.holder == identity
    }

    /// The holder to report to the new-leader callback, if it changed since the last report.
    pub fn transition(&mut self) -> Option<String> {
        if self.record.holder == self.reported_leader {
            return None;
        }
        self.reported_leader = self.record.holder.clone();
        Some(self.reported_leader.clone())
    }
}

/// The current time with microsecond precision, as the server stores it, so what we write
/// compares equal to what we read back.
pub(crate) fn micro_now() -> MicroTime {
    let now = jiff::Timestamp::now();
    MicroTime(jiff::Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(holder: &str, secs: i32) -> LeaderRecord {
        LeaderRecord {
            holder: holder.into(),
            lease_duration_seconds: secs,
            renew_time: Some(micro_now()),
            ..LeaderRecord::default()
        }
    }

    #[test]
    fn spec_round_trip() {
        let r = LeaderRecord {
            holder: "a".into(),
            lease_duration_seconds: 15,
            acquire_time: Some(micro_now()),
            renew_time: Some(micro_now()),
            transitions: 3,
        };
        assert_eq!(LeaderRecord::from_spec(&r.to_spec()), r);
        assert_eq!(
            LeaderRecord::from_spec(&LeaseSpec::default()),
            LeaderRecord::default()
        );
    }

    #[test]
    fn expiry_is_judged_by_our_observation_time_not_the_renew_time() {
        let t0 = Instant::now();
        let mut o = Observed::default();
        assert!(!o.is_valid(t0), "nothing observed yet");
        // A record whose renewTime is far in the past (another clock) is still valid for a
        // full lease duration from when we first see it.
        let mut stale = record("other", 2);
        stale.renew_time = Some(MicroTime(jiff::Timestamp::UNIX_EPOCH));
        o.saw(&stale, t0);
        assert!(o.is_valid(t0 + Duration::from_millis(1999)));
        assert!(!o.is_valid(t0 + Duration::from_secs(2)));
        // Reading the same record again does not restart the clock...
        o.saw(&stale, t0 + Duration::from_secs(1));
        assert!(!o.is_valid(t0 + Duration::from_secs(2)));
        // ...a changed one (a renewal) does.
        let renewed = record("other", 2);
        o.saw(&renewed, t0 + Duration::from_secs(1));
        assert!(o.is_valid(t0 + Duration::from_millis(2999)));
        assert!(o.is_held_by("other"));
        assert!(!o.is_held_by("me"));
    }

    #[test]
    fn transitions_are_reported_once_per_change() {
        let mut o = Observed::default();
        let now = Instant::now();
        assert_eq!(o.transition(), None);
        o.set(record("a", 1), now);
        assert_eq!(o.transition().as_deref(), Some("a"));
        assert_eq!(o.transition(), None);
        o.set(record("b", 1), now);
        assert_eq!(o.transition().as_deref(), Some("b"));
    }
}
