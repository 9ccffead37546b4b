//! Seeded, deterministic fault injection.
//!
//! A [`Fault`] says what goes wrong (a `429` with `Retry-After`, a `500`, added latency, a
//! connection reset before or in the middle of the response body, a conflict, a watch that
//! closes after some events, a watch resume that finds its resourceVersion expired) and for
//! which requests (verb and resource, as reactors match them), how often (a probability, every
//! n-th request, at most n times, after the first n). Whether the k-th request a fault matches
//! is hit depends only on the server's seed, the fault's position and k: one seed reproduces
//! one schedule exactly, and nothing depends on wall-clock time, so faults work the same under
//! `tokio::time::pause`.

use std::sync::Mutex;
use std::time::Duration;

use crate::action::Action;

/// What goes wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Answer with this HTTP status (a `Status` body with the usual reason for the code:
    /// 429 `TooManyRequests`, 500 `InternalError`, 503 `ServiceUnavailable`, 504 `Timeout`),
    /// with `Retry-After` when given.
    Status {
        /// The HTTP status code.
        code: u16,
        /// `Retry-After` in seconds.
        retry_after: Option<u64>,
    },
    /// Wait this long (tokio time) before handling the request.
    Latency(Duration),
    /// Fail the exchange with a connection reset before any response.
    ResetConnection,
    /// Send the response head and part of the body, then reset the connection.
    ResetMidBody,
    /// Answer an update or patch with `409 Conflict` (the object was modified).
    Conflict,
    /// End a watch stream cleanly after this many events (`0`: right after it starts).
    CloseWatchAfter(usize),
    /// End a watch stream after a number of events drawn from `min..=max` by the seed.
    CloseWatchRandomly {
        /// The fewest events before the close.
        min: usize,
        /// The most.
        max: usize,
    },
    /// Answer a watch (or a list) at an explicit resourceVersion with `410 Gone`
    /// (`Expired`), as if that resourceVersion had been compacted.
    Expire,
}

/// One fault and the requests it hits. Build with the constructors, narrow with the
/// builder methods.
///
/// ```
/// use k8s_fake::Fault;
///
/// // Every list of pods has a 30% chance of a 429 with Retry-After: 1, at most 5 times.
/// let storm = Fault::status(429).retry_after(1).on("list", "pods").probability(0.3).times(5);
/// // Watches of configmaps end after 3 events.
/// let drop = Fault::close_watch_after(3).on("watch", "configmaps");
/// # let _ = (storm, drop);
/// ```
#[derive(Clone, Debug)]
pub struct Fault {
    kind: FaultKind,
    verb: String,
    resource: String,
    probability: f64,
    every: u64,
    skip: u64,
    times: Option<u64>,
}

impl Fault {
    /// A fault of `kind`, for every request (narrow it with [`on`](Self::on) and the rest).
    pub fn new(kind: FaultKind) -> Self {
        Fault {
            kind,
            verb: "*".into(),
            resource: "*".into(),
            probability: 1.0,
            every: 1,
            skip: 0,
            times: None,
        }
    }

    /// An error status (`429`, `500`, `503`, …).
    pub fn status(code: u16) -> Self {
        Self::new(FaultKind::Status {
            code,
            retry_after: None,
        })
    }

    /// Added latency.
    pub fn latency(d: Duration) -> Self {
        Self::new(FaultKind::Latency(d))
    }

    /// A connection reset before the response.
    pub fn reset_connection() -> Self {
        Self::new(FaultKind::ResetConnection)
    }

    /// A connection reset in the middle of the response body.
    pub fn reset_mid_body() -> Self {
        Self::new(FaultKind::ResetMidBody)
    }

    /// A `409 Conflict` on updates and patches.
    pub fn conflict() -> Self {
        Self::new(FaultKind::Conflict).on("update", "*")
    }

    /// Watches end after `n` events.
    pub fn close_watch_after(n: usize) -> Self {
        Self::new(FaultKind::CloseWatchAfter(n)).on("watch", "*")
    }

    /// Watches end after a seeded number of events in `min..=max`.
    pub fn close_watch_randomly(min: usize, max: usize) -> Self {
        Self::new(FaultKind::CloseWatchRandomly {
            min,
            max: max.max(min),
        })
        .on("watch", "*")
    }

    /// Watches (and lists) from an explicit resourceVersion get `410 Gone`.
    pub fn expire() -> Self {
        Self::new(FaultKind::Expire).on("watch", "*")
    }

    /// Sets `Retry-After` (seconds) of a status fault.
    pub fn retry_after(mut self, seconds: u64) -> Self {
        if let FaultKind::Status { retry_after, .. } = &mut self.kind {
            *retry_after = Some(seconds);
        }
        self
    }

    /// Only for `verb` on `resource` (`"*"` for any; `pods/status` for a subresource).
    pub fn on(mut self, verb: &str, resource: &str) -> Self {
        self.verb = verb.into();
        self.resource = resource.into();
        self
    }

    /// Hits each matching request with probability `p` (drawn from the seed).
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = p.clamp(0.0, 1.0);
        self
    }

    /// Hits only every `n`-th matching request (the n-th, 2n-th, …).
    pub fn every(mut self, n: u64) -> Self {
        self.every = n.max(1);
        self
    }

    /// Lets the first `n` matching requests through.
    pub fn after(mut self, n: u64) -> Self {
        self.skip = n;
        self
    }

    /// Hits at most `n` requests.
    pub fn times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// What it does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }
}

struct Armed {
    fault: Fault,
    /// Matching requests seen.
    seen: u64,
    /// Requests hit.
    fired: u64,
}

/// The faults of one server and its seed.
pub(crate) struct Faults {
    seed: Mutex<u64>,
    armed: Mutex<Vec<Armed>>,
}

/// What the faults decided for one request, in the order they apply.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Plan {
    pub latency: Duration,
    pub answer: Option<FaultKind>,
    pub reset_mid_body: bool,
    pub close_watch_after: Option<usize>,
    pub expire: bool,
}

/// SplitMix64: a tiny, well-mixed hash of (seed, fault, request) → 64 bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn draw(seed: u64, fault: usize, request: u64, salt: u64) -> u64 {
    mix(seed ^ mix((fault as u64) << 32 ^ request ^ mix(salt)))
}

impl Faults {
    pub(crate) fn new(seed: u64) -> Self {
        Faults {
            seed: Mutex::new(seed),
            armed: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn set_seed(&self, seed: u64) {
        *self.seed.lock().unwrap_or_else(|e| e.into_inner()) = seed;
    }

    pub(crate) fn seed(&self) -> u64 {
        *self.seed.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn add(&self, fault: Fault) {
        self.armed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Armed {
                fault,
                seen: 0,
                fired: 0,
            });
    }

    pub(crate) fn clear(&self) {
        self.armed.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Decides the faults of one request.
    pub(crate) fn plan(&self, action: &Action) -> Plan {
        let seed = self.seed();
        let mut plan = Plan::default();
        let mut armed = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        for (i, a) in armed.iter_mut().enumerate() {
            let f = &a.fault;
            if !action.matches(&f.verb, &f.resource) {
                continue;
            }
            a.seen += 1;
            let k = a.seen;
            if k <= f.skip || (k - f.skip) % f.every != 0 {
                continue;
            }
            if f.times.is_some_and(|t| a.fired >= t) {
                continue;
            }
            if f.probability < 1.0 {
                let x = draw(seed, i, k, 1) as f64 / u64::MAX as f64;
                if x >= f.probability {
                    continue;
                }
            }
            a.fired += 1;
            match &f.kind {
                FaultKind::Latency(d) => plan.latency += *d,
                FaultKind::ResetMidBody => plan.reset_mid_body = true,
                FaultKind::CloseWatchAfter(n) => plan.close_watch_after = Some(*n),
                FaultKind::CloseWatchRandomly { min, max } => {
                    let span = (*max - *min) as u64 + 1;
                    plan.close_watch_after = Some(*min + (draw(seed, i, k, 2) % span) as usize);
                }
                FaultKind::Expire => plan.expire = true,
                other => {
                    if plan.answer.is_none() {
                        plan.answer = Some(other.clone());
                    }
                }
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(verb: &str) -> Action {
        crate::request::parse(
            &match verb {
                "update" => http::Method::PUT,
                _ => http::Method::GET,
            },
            "/api/v1/namespaces/ns/pods",
            None,
        )
        .1
    }

    fn schedule(seed: u64) -> Vec<bool> {
        let faults = Faults::new(seed);
        faults.add(Fault::status(429).on("list", "pods").probability(0.5));
        (0..64)
            .map(|_| faults.plan(&action("list")).answer.is_some())
            .collect()
    }

    #[test]
    fn one_seed_one_schedule() {
        assert_eq!(schedule(7), schedule(7));
        assert_ne!(schedule(7), schedule(8));
        let hits = schedule(7).iter().filter(|h| **h).count();
        assert!((16..=48).contains(&hits), "{hits}");
    }

    #[test]
    fn every_after_times() {
        let faults = Faults::new(1);
        faults.add(
            Fault::status(500)
                .on("list", "*")
                .every(2)
                .after(1)
                .times(2),
        );
        let hits: Vec<bool> = (0..8)
            .map(|_| faults.plan(&action("list")).answer.is_some())
            .collect();
        // Requests 1..=8: skip the first, then every 2nd of the rest (3, 5), at most twice.
        assert_eq!(
            hits,
            vec![false, false, true, false, true, false, false, false]
        );
        assert_eq!(faults.plan(&action("update")).answer, None);
    }

    #[test]
    fn random_watch_closes_stay_in_range() {
        let faults = Faults::new(3);
        faults.add(Fault::close_watch_randomly(2, 5).on("list", "*"));
        for _ in 0..50 {
            let n = faults.plan(&action("list")).close_watch_after.unwrap();
            assert!((2..=5).contains(&n));
        }
    }
}
