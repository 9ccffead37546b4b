//! Why a key was queued: the `trigger` field of the reconcile span.
//!
//! The work queue folds repeated adds of a key into one, so a reconcile may have several
//! causes. Each add records its reason here with the instant it becomes due (now, or the end
//! of a requeue delay); the worker that takes the key takes the reasons that are due and names
//! the first, with how many more were folded into it (`Deployment shop/web (owned) modified,
//! +2 more`). Reasons not yet due (a pending requeue) stay for the reconcile they belong to.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use tokio::time::Instant;

/// One cause of a reconcile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// An event of the primary kind: `Foo added`.
    Primary {
        kind: &'static str,
        event: &'static str,
    },
    /// An event of an owned object: `Deployment shop/web (owned) modified`.
    Owned {
        kind: &'static str,
        key: String,
        event: &'static str,
    },
    /// An event of a watched object, mapped to this key.
    Watched {
        kind: &'static str,
        key: String,
        event: &'static str,
    },
    /// A key from an external trigger stream.
    External,
    /// The previous reconcile asked for it ([`Action::requeue`](crate::Action::requeue)).
    Requeue,
    /// A retry after a failure, with the controller's back-off.
    Backoff,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Primary { kind, event } => write!(f, "{kind} {event}"),
            Reason::Owned { kind, key, event } => write!(f, "{kind} {key} (owned) {event}"),
            Reason::Watched { kind, key, event } => write!(f, "{kind} {key} (watched) {event}"),
            Reason::External => f.write_str("external trigger"),
            Reason::Requeue => f.write_str("requeue"),
            Reason::Backoff => f.write_str("retry after error"),
        }
    }
}

/// What the worker reports for one reconcile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Trigger {
    pub first: Option<Reason>,
    pub more: usize,
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.first {
            None => f.write_str("unknown"),
            Some(r) if self.more == 0 => write!(f, "{r}"),
            Some(r) => write!(f, "{r}, +{} more", self.more),
        }
    }
}

/// The reasons of the keys in the queue.
#[derive(Debug, Default)]
pub(crate) struct Reasons {
    map: Mutex<HashMap<String, Vec<(Instant, Reason)>>>,
}

impl Reasons {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Vec<(Instant, Reason)>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records that `key` is queued for `reason`, due at `due`.
    pub fn record(&self, key: &str, reason: Reason, due: Instant) {
        let mut map = self.lock();
        match map.get_mut(key) {
            Some(list) => list.push((due, reason)),
            None => {
                map.insert(key.to_owned(), vec![(due, reason)]);
            }
        }
    }

    /// Takes the reasons of `key` that are due now.
    pub fn take(&self, key: &str) -> Trigger {
        let now = Instant::now();
        let mut map = self.lock();
        let Some(list) = map.get_mut(key) else {
            return Trigger {
                first: None,
                more: 0,
            };
        };
        let mut due: Vec<(Instant, Reason)> = Vec::new();
        list.retain(|(at, r)| {
            if *at <= now {
                due.push((*at, r.clone()));
                false
            } else {
                true
            }
        });
        if list.is_empty() {
            map.remove(key);
        }
        due.sort_by_key(|(at, _)| *at);
        let more = due.len().saturating_sub(1);
        Trigger {
            first: due.into_iter().next().map(|(_, r)| r),
            more,
        }
    }

    /// Drops everything (the controller stopped).
    pub fn clear(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test(start_paused = true)]
    async fn due_reasons_are_taken_first_named_rest_counted() {
        let reasons = Reasons::default();
        let now = Instant::now();
        reasons.record("ns/a", Reason::Requeue, now + Duration::from_secs(10));
        reasons.record(
            "ns/a",
            Reason::Primary {
                kind: "ConfigMap",
                event: "modified",
            },
            now,
        );
        reasons.record(
            "ns/a",
            Reason::Owned {
                kind: "Secret",
                key: "ns/s".into(),
                event: "added",
            },
            now,
        );
        let t = reasons.take("ns/a");
        assert_eq!(t.to_string(), "ConfigMap modified, +1 more");
        // The requeue is not due yet: it stays for its own reconcile.
        assert_eq!(reasons.take("ns/a").to_string(), "unknown");
        tokio::time::advance(Duration::from_secs(10)).await;
        assert_eq!(reasons.take("ns/a").to_string(), "requeue");
        assert!(reasons.lock().is_empty());
    }
}
