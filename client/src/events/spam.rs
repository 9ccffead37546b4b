//! The per-object spam filter (client-go `record.EventSourceObjectSpamFilter`): a token bucket
//! per reporting source and regarding object.

use std::collections::HashMap;
use std::time::Duration;

use k8s_api::core::v1::ObjectReference;
use tokio::time::Instant;

/// client-go's burst: 25 events about one object from one source…
pub const DEFAULT_SPAM_BURST: u32 = 25;
/// …then one more every 5 minutes (client-go `defaultSpamQPS = 1/300`).
pub const DEFAULT_SPAM_REFILL_INTERVAL: Duration = Duration::from_secs(300);
/// How many (source, object) buckets are remembered (client-go `maxLruCacheEntries`).
pub(crate) const MAX_BUCKETS: usize = 4096;

/// The identity the filter counts by: the reporting source and the regarding object (not the
/// reason or message, so a flapping object cannot flood the API by varying them).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SpamKey {
    controller: String,
    instance: String,
    kind: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    uid: Option<String>,
    api_version: Option<String>,
}

impl SpamKey {
    pub fn new(controller: &str, instance: &str, regarding: &ObjectReference) -> Self {
        SpamKey {
            controller: controller.to_string(),
            instance: instance.to_string(),
            kind: regarding.kind.clone().map(Into::into),
            namespace: regarding.namespace.clone().map(Into::into),
            name: regarding.name.clone().map(Into::into),
            uid: regarding.uid.clone().map(Into::into),
            api_version: regarding.api_version.clone().map(Into::into),
        }
    }
}

/// A token bucket: holds up to `burst` tokens, gains one every `refill` interval.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    updated: Instant,
    last_used: u64,
}

/// Token buckets keyed by [`SpamKey`], at most `capacity` of them.
#[derive(Debug)]
pub(crate) struct SpamFilter {
    burst: u32,
    refill: Duration,
    capacity: usize,
    buckets: HashMap<SpamKey, Bucket>,
    uses: u64,
}

impl SpamFilter {
    /// A filter allowing `burst` events per key, refilled one per `refill`.
    pub fn new(burst: u32, refill: Duration, capacity: usize) -> Self {
        SpamFilter {
            burst,
            refill,
            capacity: capacity.max(1),
            buckets: HashMap::new(),
            uses: 0,
        }
    }

    /// Takes a token for `key` at `now`: `true` when the event may go, `false` when it is spam.
    pub fn allow(&mut self, key: &SpamKey, now: Instant) -> bool {
        self.uses += 1;
        let uses = self.uses;
        let burst = f64::from(self.burst);
        let per_token = self.refill.as_secs_f64();
        if !self.buckets.contains_key(key) && self.buckets.len() >= self.capacity {
            self.evict(now);
        }
        let bucket = self.buckets.entry(key.clone()).or_insert(Bucket {
            tokens: burst,
            updated: now,
            last_used: uses,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        if per_token > 0.0 {
            bucket.tokens = (bucket.tokens + elapsed / per_token).min(burst);
        } else {
            bucket.tokens = burst;
        }
        bucket.updated = now;
        bucket.last_used = uses;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Makes room: a bucket that has refilled completely is the same as a new one, so those go
    /// first; if none has, the least recently used one goes (client-go uses an LRU).
    fn evict(&mut self, now: Instant) {
        let burst = f64::from(self.burst);
        let per_token = self.refill.as_secs_f64();
        let before = self.buckets.len();
        self.buckets.retain(|_, b| {
            let elapsed = now.saturating_duration_since(b.updated).as_secs_f64();
            per_token > 0.0 && b.tokens + elapsed / per_token < burst
        });
        if self.buckets.len() < before {
            return;
        }
        if let Some(oldest) = self
            .buckets
            .iter()
            .min_by_key(|(_, b)| b.last_used)
            .map(|(k, _)| k.clone())
        {
            self.buckets.remove(&oldest);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.buckets.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> SpamKey {
        let r = ObjectReference {
            kind: Some("ConfigMap".into()),
            namespace: Some("ns".into()),
            name: Some(name.into()),
            api_version: Some("v1".into()),
            ..ObjectReference::default()
        };
        SpamKey::new("ctrl", "ctrl-1", &r)
    }

    #[test]
    fn burst_then_one_per_refill_interval() {
        let mut f = SpamFilter::new(
            DEFAULT_SPAM_BURST,
            DEFAULT_SPAM_REFILL_INTERVAL,
            MAX_BUCKETS,
        );
        let t0 = Instant::now();
        let k = key("a");
        let allowed = (0..40).filter(|_| f.allow(&k, t0)).count();
        assert_eq!(allowed, 25);
        // Another object has its own bucket.
        assert!(f.allow(&key("b"), t0));
        // After 4 minutes: still nothing; after 5: exactly one.
        assert!(!f.allow(&k, t0 + Duration::from_secs(240)));
        assert!(f.allow(&k, t0 + Duration::from_secs(300)));
        assert!(!f.allow(&k, t0 + Duration::from_secs(301)));
        // After 25 × 5 minutes the bucket is full again, and no fuller.
        let later = t0 + Duration::from_secs(301 + 300 * 30);
        let allowed = (0..40).filter(|_| f.allow(&k, later)).count();
        assert_eq!(allowed, 25);
    }

    #[test]
    fn source_is_part_of_the_key() {
        let mut f = SpamFilter::new(1, DEFAULT_SPAM_REFILL_INTERVAL, MAX_BUCKETS);
        let t0 = Instant::now();
        let r = ObjectReference {
            name: Some("x".into()),
            ..ObjectReference::default()
        };
        assert!(f.allow(&SpamKey::new("a", "1", &r), t0));
        assert!(!f.allow(&SpamKey::new("a", "1", &r), t0));
        assert!(f.allow(&SpamKey::new("a", "2", &r), t0));
        assert!(f.allow(&SpamKey::new("b", "1", &r), t0));
    }

    #[test]
    fn bounded_number_of_buckets_full_ones_evicted_first() {
        let mut f = SpamFilter::new(2, Duration::from_secs(10), 3);
        let t0 = Instant::now();
        // "a" is drained; "b" and "c" have used one token each.
        assert!(f.allow(&key("a"), t0));
        assert!(f.allow(&key("a"), t0));
        assert!(f.allow(&key("b"), t0));
        assert!(f.allow(&key("c"), t0 + Duration::from_secs(5)));
        assert_eq!(f.len(), 3);
        // At t0+10s "b" has refilled completely and is evicted; "a" (drained at t0, one
        // token back) stays and remembers it.
        assert!(f.allow(&key("d"), t0 + Duration::from_secs(10)));
        assert_eq!(f.len(), 3);
        assert!(f.allow(&key("a"), t0 + Duration::from_secs(10)));
        assert!(!f.allow(&key("a"), t0 + Duration::from_secs(10)));
        // Nothing full: the least recently used goes ("c"), never more than 3 buckets.
        assert!(f.allow(&key("e"), t0 + Duration::from_secs(10)));
        assert_eq!(f.len(), 3);
    }
}
